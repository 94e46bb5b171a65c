"""Computed statements of a chapter: numbers glued into its text, and checked claims.

A number in a chapter's prose or captions that comes from a computation enters the text
through myst-nb's ``glue``: the chapter calls ``claims.number("saving", value, ".2f")`` and the
text writes ``{glue:text}`` followed by ``ac-saving:.2f`` in backticks. The value is glued
rounded to that format, so the text and the executed notebook show the same digits on every
machine.

A qualitative statement about a result (a sign, a monotone curve, "cheaper in every row") is a
checked claim: ``claims.check("buys-late", "…", holds, measured)`` shows the statement, its
verdict and the measured quantity under the anchor ``ac-claim-buys-late``, which the sentence
links to, and stops the chapter's execution with ``ClaimFailed`` when the claim is false. A
false claim is fixed in the text or in the computation, never by weakening its check.

A chapter run as one point of a parameter study (``python -m lib.sweep``) runs with
``OTR_CLAIMS=record``: a false claim is then shown as such and the run goes on, so that the
study sees every claim's verdict at every point. Each claim's output carries its verdict as
metadata (``CLAIM_METADATA``), which the study reads back from the executed notebook.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from IPython.display import Markdown, display
from myst_nb import glue

NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FORMAT = re.compile(r"^,?\.(?P<digits>\d+)(?P<kind>[efg%])$")
CLAIMS_ENV = "OTR_CLAIMS"
CLAIM_METADATA = "otr-claim"


class ClaimFailed(AssertionError):
    """A checked claim of a chapter is false for the chapter's own outputs."""


@dataclass(frozen=True)
class Claim:
    """One checked statement, its verdict and what was measured."""

    label: str
    statement: str
    holds: bool
    measured: str


def rounded(value: float, fmt: str) -> float:
    """``value`` rounded to the digits that ``format(value, fmt)`` prints (types e, f, g, %)."""
    match = FORMAT.match(fmt)
    if match is None:
        raise ValueError(f"fmt {fmt!r} must be of the form [,].<digits><e|f|g|%>")
    if match["kind"] == "%":
        return round(float(value), int(match["digits"]) + 2)
    return float(format(float(value), fmt.lstrip(",")))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@dataclass
class Claims:
    """The glued numbers and checked claims of one chapter, labelled ``<prefix>-<name>``."""

    prefix: str
    checked: list[Claim] = field(default_factory=list)

    def _label(self, name: str, kind: str = "") -> str:
        if not NAME.match(name):
            raise ValueError(f"name {name!r} must be lower case words joined by hyphens")
        return f"{self.prefix}-{kind}{name}"

    def number(self, name: str, value: float, fmt: str) -> float:
        """Glue ``value`` under ``<prefix>-<name>``, rounded to ``fmt``; return the rounded
        value, which the text shows with the role ``{glue:text}`` and the target
        ``<prefix>-<name>:<fmt>``."""
        shown = rounded(value, fmt)
        glue(self._label(name), shown, display=False)
        return shown

    def text(self, name: str, value: str) -> str:
        """Glue a computed word or phrase, shown by the role ``{glue:text}`` with the target
        ``<prefix>-<name>``."""
        glue(self._label(name), value, display=False)
        return value

    def check(self, name: str, statement: str, holds: bool, measured: str) -> None:
        """Show the claim ``statement`` with its verdict and ``measured`` under the anchor
        ``<prefix>-claim-<name>``; raise ``ClaimFailed`` when it does not hold, unless the
        run records claims (``OTR_CLAIMS=record``)."""
        claim = Claim(self._label(name, "claim-"), statement, bool(holds), measured)
        verdict = "holds" if claim.holds else "FAILS"
        display(Markdown(f"({claim.label})=\n**Check `{name}` {verdict}**: {statement} "
                         f"*Measured:* {measured}."),
                metadata={CLAIM_METADATA: {"label": claim.label, "holds": claim.holds,
                                           "measured": measured}})
        if not claim.holds and os.environ.get(CLAIMS_ENV, "").lower() != "record":
            raise ClaimFailed(f"claim {claim.label} is false: {statement} Measured: {measured}.")
        self.checked.append(claim)

    def summary(self) -> Markdown:
        """A table of every claim checked so far: statement, measured value, verdict, linked
        to each claim's anchor."""
        rows = ["| check | statement | measured | verdict |", "|---|---|---|---|"]
        rows += [f"| {{ref}}`{c.label.removeprefix(self.prefix + '-claim-')} <{c.label}>` "
                 f"| {_cell(c.statement)} | {_cell(c.measured)} "
                 f"| {'holds' if c.holds else 'FAILS'} |" for c in self.checked]
        return Markdown("\n".join(rows))
