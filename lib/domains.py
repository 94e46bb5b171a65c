"""Declared domains of the chapters' parameters.

Each chapter lists its parameters as ``Parameter`` records (kind, bounds, a one-line
description) in a ``Validator``; the same declaration checks values (``ValueError`` naming
the parameter), is printed by ``python -m lib.reproduce CHAPTER --list`` and drives the
property test of the domains (``tests/test_parameter_domains.py``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from lib import validation


@dataclass(frozen=True)
class Parameter:
    """The domain of one parameter.

    ``kind`` is "real", "integer" or "choice" (one of ``choices``). Reals and integers lie
    between ``lower`` and ``upper`` (excluded where ``lower_open``/``upper_open``); a real is
    finite unless ``allow_inf`` admits +inf as well. ``length = (m, n)`` makes the parameter
    a list of ``m`` to ``n`` such values. ``why_lower``/``why_upper`` explain a bound in the
    error message, e.g. " (20 slices)".
    """

    name: str
    description: str
    kind: Literal["real", "integer", "choice"] = "real"
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False
    upper_open: bool = False
    allow_inf: bool = False
    choices: tuple[str, ...] = ()
    length: tuple[int, int] | None = None
    why_lower: str = ""
    why_upper: str = ""

    def check(self, value: object) -> object:
        """``value`` checked and normalised (floats for reals, ints for integers)."""
        if self.length is None:
            return self._element(self.name, value)
        low, high = self.length
        return validation.sequence(self.name, value, self._element, min_length=low,
                                   max_length=high)

    def _element(self, name: str, value: object) -> object:
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{name} must be {' or '.join(map(repr, self.choices))}, "
                                 f"got {value!r}")
            return value
        if self.kind == "integer":
            x = validation.whole(name, value)
        elif self.allow_inf and validation.real(name, value) == math.inf:
            return math.inf
        else:
            x = validation.finite(name, value)
        return validation.within(name, x, lower=self.lower, upper=self.upper,
                                 lower_open=self.lower_open, upper_open=self.upper_open,
                                 why_lower=self.why_lower, why_upper=self.why_upper)

    def domain(self) -> str:
        """The domain in words: "real in (0, 1e+06]", "list of 1 to 8 reals > 0", ..."""
        if self.kind == "choice":
            text = " or ".join(map(repr, self.choices))
        else:
            text = self.kind + self._bounds() + (" or inf" if self.allow_inf else "")
        if self.length is None:
            return text
        low, high = self.length
        return f"list of {low} to {high}: " + text

    def _bounds(self) -> str:
        show = validation.show_bound
        if self.lower is not None and self.upper is not None:
            return (f" in {'(' if self.lower_open else '['}{show(self.lower)}, "
                    f"{show(self.upper)}{')' if self.upper_open else ']'}")
        if self.lower is not None:
            return f" {'>' if self.lower_open else '>='} {show(self.lower)}"
        if self.upper is not None:
            return f" {'<' if self.upper_open else '<='} {show(self.upper)}"
        return ""


@dataclass(frozen=True)
class Rule:
    """A condition tying several parameters together. ``check`` takes the checked values and
    returns them (normalised if need be), raising ``ValueError`` naming a parameter."""

    description: str
    check: Callable[[dict], dict]


@dataclass(frozen=True)
class Validator:
    """A chapter's parameters, in the order of its parameters cell, and the rules that tie
    several of them together (each takes the checked values and returns them, raising
    ``ValueError`` naming a parameter).

    Called with every parameter as a keyword (``chapters.almgren_chriss(Q=..., ...)``), it
    checks each value against its ``Parameter``, then applies the rules, and returns the
    normalised values for provenance.
    """

    chapter: str
    parameters: tuple[Parameter, ...]
    rules: tuple[Rule, ...] = ()

    def __call__(self, **values: object) -> dict:
        names = self.names()
        if sorted(values) != sorted(names):
            missing = [n for n in names if n not in values]
            unexpected = [n for n in values if n not in names]
            raise TypeError(f"{self.chapter}() takes the keywords {', '.join(names)}; "
                            f"missing: {missing}, unexpected: {unexpected}")
        checked = {p.name: p.check(values[p.name]) for p in self.parameters}
        for rule in self.rules:
            checked = rule.check(checked)
        return checked

    @property
    def __signature__(self) -> inspect.Signature:
        """Keyword-only parameters, one per declared name (what ``inspect.signature`` shows)."""
        return inspect.Signature([inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY)
                                  for n in self.names()])

    def names(self) -> list[str]:
        """The parameter names, in order."""
        return [p.name for p in self.parameters]

    def listing(self, defaults: Mapping[str, object]) -> str:
        """One line per parameter (name, default, domain, description), then the rules."""
        rows = [(p.name, repr(defaults[p.name]), p.domain(), p.description)
                for p in self.parameters]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"  {n:<{widths[0]}}  {d:<{widths[1]}}  {s:<{widths[2]}}  {text}"
                 for n, d, s, text in rows]
        return "\n".join(lines + [f"  and {rule.description}" for rule in self.rules])
