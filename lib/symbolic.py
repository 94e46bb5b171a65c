"""Symbolic verification shown in the page: residuals that must simplify to 0, and the
"closed form vs numeric" error table.

Every check prints one line a reader can see (``label: 0`` or ``label: True``), or many checks
render as one table (``residual_table``), and raises ``AssertionError`` when it fails, so a
wrong derivation stops the chapter instead of rendering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from lib.figures import numbered_table


def _exactly_zero(residual: sp.Expr) -> bool:
    """Whether exact rewriting alone shows ``residual`` to be 0: expansion, then one rational
    function of its exponentials (``cancel``). ``False`` means "not shown", not "nonzero"."""
    if sp.expand(residual) == 0:
        return True
    return sp.cancel(sp.together(sp.expand(residual.rewrite(sp.exp)))) == 0


def _simplify_residual(residual: sp.Expr, *, exact_first: bool = False) -> sp.Expr:
    """``residual`` simplified as far as needed to show it is 0.

    Hyperbolic residuals that ``simplify`` leaves are retried in exponential form. With
    ``exact_first``, exact rewriting (``_exactly_zero``) is tried before ``simplify``: a
    fraction of its cost on sums of exponentials, but ruinous on products of many sums, which
    it expands, so it is the caller's choice.
    """
    if exact_first and isinstance(residual, sp.Basic) and _exactly_zero(residual):
        return sp.S.Zero
    simplified = sp.simplify(residual)
    if simplified != 0:
        simplified = sp.simplify(sp.expand(residual.rewrite(sp.exp)))
    return simplified


def verify_zero(label: str, residual: sp.Expr, *, exact_first: bool = False) -> None:
    """Simplify ``residual`` (``_simplify_residual``), print ``label: <result>``, and assert
    the result is 0."""
    simplified = _simplify_residual(residual, exact_first=exact_first)
    print(f"{label}: {simplified}")
    if simplified != 0:
        raise AssertionError(f"{label}: residual simplifies to {simplified}, not 0")


def residual_table(checks: Iterable[tuple[str, sp.Expr]], *, label: str, caption: str,
                   exact_first: bool = False) -> str:
    """Simplify every ``(check label, residual)`` pair as ``verify_zero`` does and return them as
    a numbered MyST table (``lib.figures.numbered_table``) with columns ``check`` and
    ``residual``, the residual in LaTeX.

    All checks are simplified before any failure is reported: ``AssertionError`` names every
    check whose residual is not 0. ``|`` in the check labels is escaped.
    """
    rows = [(name, _simplify_residual(residual, exact_first=exact_first))
            for name, residual in checks]
    if not rows:
        raise ValueError("checks must hold at least one (label, residual) pair")
    failed = [f"{name}: {value}" for name, value in rows if value != 0]
    if failed:
        raise AssertionError(f"{len(failed)} of {len(rows)} residuals do not simplify to 0: "
                             + "; ".join(failed))
    lines = ["| check | residual |", "|---|---|"]
    lines += ["| " + name.replace("|", r"\|") + f" | ${sp.latex(value)}$ |" for name, value in rows]
    return numbered_table("\n".join(lines), label=label, caption=caption)


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


def _scientific(x: float, digits: int) -> str:
    """``x`` in scientific notation without exponent padding: ``2.0e-9``, ``1e-10``."""
    if not math.isfinite(x):
        return str(x)
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def tolerance_text(tolerance: float) -> str:
    """A tolerance as printed: ``1e-10``, ``5e-4``, ``2.5e-12``, ``0.01``, ``2``."""
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance must be a finite number > 0, got {tolerance}")
    if 1e-3 <= tolerance < 1e4:
        return f"{tolerance:g}"
    mantissa, exponent = _scientific(tolerance, 7).split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"


def verdict(error: float, tolerance: float) -> str:
    """``≤ <tolerance> ✓`` when ``error <= tolerance``, else the error and ``✗``.

    The checks of the book print this, never the error itself: an error at round-off level
    differs between BLAS kernels, thread counts and processors, its verdict against a stated
    tolerance does not, so the executed notebooks read the same on every machine.
    """
    bound = tolerance_text(tolerance)
    if error <= tolerance:
        return f"≤ {bound} ✓"
    return f"{_scientific(error, 2)} > {bound} ✗"


def within(label: str, error: float, tolerance: float) -> None:
    """Print ``label: ≤ tolerance ✓`` and raise ``AssertionError`` if ``error > tolerance``
    (or is nan)."""
    text = verdict(error, tolerance)
    print(f"{label}: {text}")
    if not error <= tolerance:
        raise AssertionError(f"{label}: {text}")


@dataclass(frozen=True)
class ErrorRow:
    case: str
    quantity: str
    max_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tolerance


@dataclass
class ErrorTable:
    """Maximum errors of numerical solutions against closed forms, one line per case.

    Each case (a parameter set) has one column per quantity compared, and each entry its own
    tolerance. The table shows every entry by its ``verdict`` against that tolerance, never
    the error itself; ``check`` raises when an entry exceeds its tolerance.
    """

    rows: list[ErrorRow] = field(default_factory=list)

    def add(self, case: str, quantity: str, closed: np.ndarray, numeric: np.ndarray, *,
            tolerance: float, scale: float | None = None) -> ErrorRow:
        """Add ``max |numeric - closed| / scale``, or pointwise ``/ |closed|`` without a scale,
        required to be at most ``tolerance``."""
        tolerance_text(tolerance)  # rejects a tolerance that is not a finite number > 0
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
        """The table as a numbered MyST table (``lib.figures.numbered_table``), each entry shown
        by its ``verdict``."""
        quantities = list(dict.fromkeys(r.quantity for r in self.rows))
        cases = list(dict.fromkeys(r.case for r in self.rows))
        lines = ["| case | " + " | ".join(quantities) + " |", "|---" * (len(quantities) + 1) + "|"]
        for case in cases:
            rows = {r.quantity: r for r in self.rows if r.case == case}
            cells = [verdict(rows[q].max_error, rows[q].tolerance) if q in rows else ""
                     for q in quantities]
            lines.append(f"| {case} | " + " | ".join(cells) + " |")
        return numbered_table("\n".join(lines), label=label, caption=caption)

    def columns(self) -> dict[str, list]:
        """Columns for ``lib.figures.save_table``: case, quantity, max error, tolerance."""
        return {
            "case": [r.case for r in self.rows],
            "quantity": [r.quantity for r in self.rows],
            "max error": [r.max_error for r in self.rows],
            "tolerance": [r.tolerance for r in self.rows],
        }

    def check(self) -> None:
        """Raise ``AssertionError`` listing every entry above its tolerance."""
        failed = [r for r in self.rows if not r.passed]
        if failed:
            raise AssertionError("errors above tolerance: " + "; ".join(
                f"{r.quantity} ({r.case}) {verdict(r.max_error, r.tolerance)}" for r in failed))
