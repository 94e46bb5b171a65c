"""Symbolic verification shown in the page: residuals that must simplify to 0, and the
"closed form vs numeric" error table.

Every check prints one line a reader can see (``label: 0`` or ``label: True``) and raises
``AssertionError`` when it fails, so a wrong derivation stops the chapter instead of
rendering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from lib.figures import numbered_table


def verify_zero(label: str, residual: sp.Expr) -> None:
    """Simplify ``residual``, print ``label: <result>``, and assert the result is 0.

    Hyperbolic residuals that ``simplify`` leaves are retried in exponential form.
    """
    simplified = sp.simplify(residual)
    if simplified != 0:
        simplified = sp.simplify(sp.expand(residual.rewrite(sp.exp)))
    print(f"{label}: {simplified}")
    if simplified != 0:
        raise AssertionError(f"{label}: residual simplifies to {simplified}, not 0")


def verify_equal(label: str, lhs: sp.Expr, rhs: sp.Expr) -> None:
    """``verify_zero`` on ``lhs - rhs``."""
    verify_zero(label, lhs - rhs)


def verify_true(label: str, statement: bool) -> None:
    """Print ``label: True`` and assert ``statement`` (a sympy or Python boolean)."""
    result = bool(statement)
    print(f"{label}: {result}")
    if not result:
        raise AssertionError(f"{label}: False")


def select_checks(groups: Mapping[str, Callable[[], Iterable[tuple[str, sp.Expr]]]],
                  group: str | None = None) -> list[tuple[str, sp.Expr]]:
    """The ``(label, residual)`` pairs of one named group of checks, or of all groups in order.

    Shared by the chapters' symbolic modules, each of which keeps its groups as a mapping from
    name to a (cached) builder.
    """
    if group is None:
        return [check for build in groups.values() for check in build()]
    if group not in groups:
        raise ValueError(f"group must be one of {', '.join(groups)}; got {group!r}")
    return list(groups[group]())


def decade_bound(error: float) -> str:
    """The smallest power of ten ``>= error`` as text (``"1e-12"``), or ``"0"``.

    Errors at rounding level differ in their last digits between machines; their decade
    does not, so tables print the bound and goldens stay stable.
    """
    if error == 0.0:
        return "0"
    if not math.isfinite(error):
        return str(error)
    return f"1e{math.ceil(math.log10(error))}"


@dataclass(frozen=True)
class ErrorRow:
    case: str
    quantity: str
    max_error: float
    tolerance: float | None

    @property
    def passed(self) -> bool:
        return self.tolerance is None or self.max_error <= self.tolerance


@dataclass
class ErrorTable:
    """Maximum errors of numerical solutions against closed forms, one line per case.

    Each case (a parameter set) has one column per quantity compared. Cases added with a
    ``tolerance`` are checked by ``check``; cases without one are shown for information (for
    example how an error decays with a parameter).
    """

    rows: list[ErrorRow] = field(default_factory=list)

    def add(self, case: str, quantity: str, closed: np.ndarray, numeric: np.ndarray, *,
            scale: float | None = None, tolerance: float | None = None) -> ErrorRow:
        """Add ``max |numeric - closed| / scale``, or pointwise ``/ |closed|`` without a scale."""
        closed, numeric = np.asarray(closed, dtype=float), np.asarray(numeric, dtype=float)
        if closed.shape != numeric.shape:
            raise ValueError(f"shapes differ: closed {closed.shape}, numeric {numeric.shape}")
        diff = np.abs(numeric - closed)
        if scale is None:
            if np.any((closed == 0) & (diff != 0)):
                raise ValueError(f"{quantity}: closed form is 0 where the numeric value is not; "
                                 "pass a scale")
            error = float(np.max(np.divide(diff, np.abs(closed), out=np.zeros_like(diff),
                                           where=closed != 0)))
        else:
            error = float(np.max(diff) / scale)
        row = ErrorRow(case, quantity, error, tolerance)
        self.rows.append(row)
        return row

    def markdown(self, *, label: str, caption: str) -> str:
        """The table as a numbered MyST table (``lib.figures.numbered_table``); errors are shown
        by their ``decade_bound``."""
        quantities = list(dict.fromkeys(r.quantity for r in self.rows))
        cases = list(dict.fromkeys(r.case for r in self.rows))
        lines = ["| case | " + " | ".join(quantities) + " | required | met |",
                 "|---" * (len(quantities) + 3) + "|"]
        for case in cases:
            rows = {r.quantity: r for r in self.rows if r.case == case}
            cells = []
            for q in quantities:
                bound = decade_bound(rows[q].max_error) if q in rows else ""
                cells.append(bound if bound in ("", "0") else f"≤ {bound}")
            tolerances = {r.tolerance for r in rows.values()} - {None}
            required = " ".join(f"≤ {decade_bound(t)}" for t in sorted(tolerances)) or "—"
            met = ("yes" if all(r.passed for r in rows.values()) else "**no**") \
                if tolerances else "—"
            lines.append(f"| {case} | " + " | ".join(cells) + f" | {required} | {met} |")
        return numbered_table("\n".join(lines), label=label, caption=caption)

    def columns(self) -> dict[str, list]:
        """Columns for ``lib.figures.save_table``: case, quantity, max error, tolerance."""
        return {
            "case": [r.case for r in self.rows],
            "quantity": [r.quantity for r in self.rows],
            "max error": [r.max_error for r in self.rows],
            "tolerance": ["" if r.tolerance is None else r.tolerance for r in self.rows],
        }

    def check(self) -> None:
        """Raise ``AssertionError`` listing every entry above its tolerance."""
        failed = [r for r in self.rows if not r.passed]
        if failed:
            raise AssertionError("errors above tolerance: " + "; ".join(
                f"{r.quantity} ({r.case}) {r.max_error:.3e} > {r.tolerance:.0e}" for r in failed))
