"""Strategy selection under uncertainty (the paper's Sections 11–12, its (43)–(48)).

Section 11: A does not know whether B plays the two-trader equilibrium ``b_lam`` or the
``lam``-scaled symmetric n-trader strategy ``b_n``; A's cost for each of its two replies is a
random variable with two equally likely values (book eqs. (pb-selection-cases),
(pb-selection-identity)). The paper's Table 3 is not reproducible: its numbers satisfy the
identities, but B's effect on A's cost has the opposite sign in every convention searched
(``table3_conventions`` tries the conventions a referee might). Section 12: with
``lam`` log-normal, the mean and spread of A's equilibrium cost (book eq. (pb-expected-cost);
the paper leaves them uncomputed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import integrate as sp_integrate

from lib import validation
from lib.competition.costs import CostBreakdown, check_model, cost_A, cost_B
from lib.competition.equilibrium import (
    equilibrium_cost,
    equilibrium_strategies,
    n_trader_strategy,
)
from lib.competition.quadrature import integrate
from lib.competition.responses import best_response_strategy
from lib.competition.strategies import Strategy

Array = np.ndarray

PAPER_TABLE3 = {
    "costs": ((600.0, 658.1), (518.1, 460.2)),  # rows b_lam, b_n; columns a_lam, a_n
    "means": (559.1, 559.2),
    "stds": (57.9, 139.8),
    "text_cost_a_lam_b_n": 518.2,  # the same cell as quoted in the text of Section 11
}
"""The paper's Table 3 as printed, with one decimal, A's cost, column means and stds."""

_PRINTED_HALF_UNIT = 0.05  # every number of Table 3 is printed with one decimal


@dataclass(frozen=True)
class SelectionMatrix:
    """A's cost ``costs[i, j] = C_A[a_j; b_i]`` (paper (3), weight ``lam``) with rows
    ``b in (b_lam, b_n)`` and columns ``a in (a_lam, a_n)`` (the layout of Table 3), and its
    column statistics (B's two choices equally likely)."""

    kappa: float
    lam: float
    n: float
    costs: Array
    means: Array
    stds: Array
    penalty: float

    @property
    def deltas(self) -> Array:
        """``Delta(a) = M(a, b_n) - M(a, b_lam)`` for ``a = a_lam, a_n``."""
        return self.costs[1] - self.costs[0]

    def identities(self) -> dict[str, float]:
        """Residuals of the identities (book eq. (pb-selection-identity); all zero up to
        rounding): the two penalties for not
        best-responding both equal ``D``; equal column means; ``Delta(a_n) = Delta(a_lam) - 2D``;
        ``std = |Delta| / sqrt(2)``."""
        (m_ll, m_nl), (m_ln, m_nn) = self.costs
        d = self.penalty
        residuals = {
            "penalty against b_lam": (m_nl - m_ll) - d,
            "penalty against b_n": (m_ln - m_nn) - d,
            "column means": self.means[1] - self.means[0],
            "Delta(a_n) - Delta(a_lam) + 2D": self.deltas[1] - self.deltas[0] + 2.0 * d,
            "std - |Delta|/sqrt2": np.max(np.abs(self.stds - np.abs(self.deltas) / math.sqrt(2.0))),
        }
        return {name: float(value) for name, value in residuals.items()}


def selection_strategies(*, kappa: float, lam: float, n: float | None = None) -> dict:
    """The four strategies of the paper's Section 11 (book eq. (pb-selection-cases)):
    ``a_lam``, ``b_lam`` (paper (26)–(27)), ``b_n = phi_{rho_n}`` (paper (31), scaled by
    ``lam`` by B) and ``a_n = BR_A[b_n]`` (book eq. (pb-best-response)); ``n`` defaults to
    ``lam + 1``."""
    kappa, lam = check_model(kappa, lam)
    n = lam + 1.0 if n is None else n
    a_lam, b_lam = equilibrium_strategies(kappa=kappa, lam=lam)
    b_n = n_trader_strategy(kappa=kappa, n=n)
    return {"a_lam": a_lam, "b_lam": b_lam, "b_n": b_n,
            "a_n": best_response_strategy(b_n, kappa=kappa, lam=lam)}


def _cost_matrix(pair: dict[str, Strategy],
                 cost: Callable[[Strategy, Strategy], CostBreakdown]) -> Array:
    """``cost(a, b).total`` in the layout of Table 3: rows ``b in (b_lam, b_n)``, columns
    ``a in (a_lam, a_n)``."""
    return np.array([[cost(pair[a], pair[b]).total for a in ("a_lam", "a_n")]
                     for b in ("b_lam", "b_n")])


def selection_matrix(*, kappa: float, lam: float, n: float | None = None) -> SelectionMatrix:
    """The 2x2 cost matrix of the paper's Section 11 (book eqs. (pb-selection-cases),
    (pb-selection-identity)).

    ``b_lam``, ``a_lam``: the two-trader equilibrium (paper (26)–(27)). ``b_n``: the symmetric
    n-trader strategy ``phi_{rho_n}`` (paper (31)), which B scales by ``lam``;
    ``a_n = BR_A[b_n]`` (book eq. (pb-best-response), equal to the form of paper (19)). ``n``
    defaults to ``lam + 1`` [INF: the paper's "25 unit traders" could also mean ``n = lam``].
    Costs are paper (3) with weight ``lam``; column stds are sample stds (ddof=1);
    ``penalty`` is ``D = int (a_n' - a_lam')^2``.
    """
    kappa, lam = check_model(kappa, lam)
    n = lam + 1.0 if n is None else n
    pair = selection_strategies(kappa=kappa, lam=lam, n=n)
    costs = _cost_matrix(pair, lambda a, b: cost_A(a, b, kappa=kappa, lam=lam))
    a_lam, a_n = pair["a_lam"], pair["a_n"]
    penalty = integrate(lambda t: (a_n.evaluate(t)[1] - a_lam.evaluate(t)[1]) ** 2)
    return SelectionMatrix(kappa, lam, float(n), costs, costs.mean(axis=0),
                           costs.std(axis=0, ddof=1), penalty)


@dataclass(frozen=True)
class PrintedCheck:
    """Whether printed numbers satisfy ``lhs = rhs`` (or ``lhs > rhs`` for a sign) within what
    their rounding allows (``tolerance``)."""

    name: str
    lhs: float
    rhs: float
    tolerance: float
    holds: bool


def paper_table3_checks(table: dict = PAPER_TABLE3) -> list[PrintedCheck]:
    """Which structural facts (book eq. (pb-selection-identity)) the paper's Table 3
    satisfies.

    Each cell is known to ``+-0.05``; a check holds if some unrounded values consistent with the
    print satisfy it. The last check is the sign of every searched convention with A's cost,
    ``Delta(a_lam) > 0`` (A pays more when B front-loads with ``b_n``); the paper has it < 0.
    With ``D`` the mean of the two penalties, ``Delta(a_n) = Delta(a_lam) - 2D`` is implied by
    the cells.
    """
    h = _PRINTED_HALF_UNIT
    (m_ll, m_nl), (m_ln, m_nn) = table["costs"]
    penalties = (m_nl - m_ll, m_ln - m_nn)
    d = sum(penalties) / 2.0
    deltas = (m_ln - m_ll, m_nn - m_nl)
    root2 = math.sqrt(2.0)

    def check(name: str, lhs: float, rhs: float, tolerance: float) -> PrintedCheck:
        return PrintedCheck(name, lhs, rhs, tolerance, abs(lhs - rhs) <= tolerance + 1e-9)

    checks = [
        check("equal penalties M(a_n,b_lam)-M(a_lam,b_lam) = M(a_lam,b_n)-M(a_n,b_n)",
              penalties[0], penalties[1], 4 * h),
        check("equal column means", (m_ll + m_ln) / 2.0, (m_nl + m_nn) / 2.0, 2 * h),
        check("Delta(a_n) = Delta(a_lam) - 2D", deltas[1], deltas[0] - 2.0 * d, 4 * h),
    ]
    for j, column in enumerate(("a_lam", "a_n")):
        cells = (table["costs"][0][j], table["costs"][1][j])
        checks.append(check(f"printed mean of {column} = mean of its cells",
                            table["means"][j], sum(cells) / 2.0, 2 * h))
        checks.append(check(f"printed std of {column} = |Delta({column})|/sqrt(2) (ddof=1)",
                            table["stds"][j], abs(deltas[j]) / root2, h + 2 * h / root2))
    checks.append(PrintedCheck("Delta(a_lam) > 0 (every searched convention with A's cost)",
                               deltas[0], 0.0, 2 * h, deltas[0] > -2 * h))
    return checks


def lognormal_expected_cost(*, kappa: float, m: float, s: float) -> tuple[float, float]:
    """Mean and standard deviation of A's equilibrium cost ``C(lam)`` (book eq.
    (pb-equilibrium-cost), weight ``lam``) when ``lam`` is log-normal with parameters ``m``,
    ``s`` (paper (47)–(48), book eq. (pb-expected-cost)).

    With ``lam = exp(m + s z)`` and ``z`` standard normal, both moments are integrals over ``z``
    against the normal density (``scipy.integrate.quad`` on the real line); the variance is
    taken as ``E[(C - E C)^2]``.
    """
    kappa = validation.positive("kappa", kappa)
    m, s = validation.finite("m", m), validation.positive("s", s)

    def moment(f) -> float:
        def integrand(z: float) -> float:
            density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
            if density == 0.0:  # also keeps exp(m + s z) finite and > 0
                return 0.0
            return f(equilibrium_cost(kappa=kappa, lam=math.exp(m + s * z)).total) * density

        value, _ = sp_integrate.quad(integrand, -np.inf, np.inf, epsabs=0.0, epsrel=1e-12,
                                     limit=200)
        return value

    mean = moment(lambda c: c)
    return mean, math.sqrt(moment(lambda c: (c - mean) ** 2))


def format_table3(*, kappas: tuple[float, ...], lam: float, n: float) -> str:
    """Markdown: the paper's Table 3 beside our reconstruction at each ``kappa``."""
    matrices = [selection_matrix(kappa=k, lam=lam, n=n) for k in kappas]
    paper = PAPER_TABLE3
    names = ("M(a_lam, b_lam)", "M(a_n, b_lam)", "M(a_lam, b_n)", "M(a_n, b_n)")
    head = " | ".join(f"ours, κ = {k:g}" for k in kappas)
    lines = [f"| | paper | {head} |", "|---|---:|" + "---:|" * len(kappas)]
    for index, name in enumerate(names):
        i, j = divmod(index, 2)
        lines.append(f"| {name} | {paper['costs'][i][j]:.1f} | "
                     + " | ".join(f"{m.costs[i, j]:.4f}" for m in matrices) + " |")
    for label, key in (("column means", "means"), ("column stds", "stds")):
        lines.append(f"| {label} | {paper[key][0]:.1f} / {paper[key][1]:.1f} | "
                     + " | ".join(f"{getattr(m, key)[0]:.4f} / {getattr(m, key)[1]:.4f}"
                                  for m in matrices) + " |")
    lines.append("| penalty D | 58.0 (implied) | "
                 + " | ".join(f"{m.penalty:.4f}" for m in matrices) + " |")
    lines.append("| Delta(a_lam) | −81.9 | "
                 + " | ".join(f"{m.deltas[0]:.4f}" for m in matrices) + " |")
    return "\n".join(lines)


def format_table3_checks() -> str:
    """Markdown: which facts of the exact structure of the cost matrix the paper's printed
    Table 3 satisfies."""
    lines = ["| fact of the exact structure, checked on the printed numbers | holds |",
             "|---|---|"]
    lines += [f"| {c.name} | {'yes' if c.holds else '**no**'} |" for c in paper_table3_checks()]
    return "\n".join(lines)


def table3_columns(*, kappas: tuple[float, ...], lam: float, n: float) -> dict[str, list]:
    """Our reconstruction of Table 3 for ``lib.figures.save_table``: one row per ``kappa``."""
    matrices = [selection_matrix(kappa=k, lam=lam, n=n) for k in kappas]
    columns: dict[str, list] = {"kappa [1]": list(kappas), "lam [1]": [lam] * len(kappas),
                                "n [1]": [n] * len(kappas)}
    for index, name in enumerate(("M(a_lam, b_lam)", "M(a_n, b_lam)", "M(a_lam, b_n)",
                                  "M(a_n, b_n)")):
        i, j = divmod(index, 2)
        columns[f"{name} [cost]"] = [m.costs[i, j] for m in matrices]
    columns["penalty D [cost]"] = [m.penalty for m in matrices]
    return columns


def lognormal_table(cases: tuple[tuple[float, float, float], ...]) -> dict[str, list]:
    """Mean and standard deviation of the equilibrium cost (book eq. (pb-expected-cost)) for
    each ``(kappa, m, s)``: columns for the book and ``lib.figures.save_table``."""
    moments = [lognormal_expected_cost(kappa=k, m=m, s=s) for k, m, s in cases]
    return {"kappa [1]": [c[0] for c in cases], "m [1]": [c[1] for c in cases],
            "s [1]": [c[2] for c in cases], "E[C] [cost]": [mo[0] for mo in moments],
            "sd[C] [cost]": [mo[1] for mo in moments]}


def format_lognormal(columns: dict[str, list]) -> str:
    """Markdown of ``lognormal_table``; ``m`` shown as ``ln`` of the median of ``lam``."""
    lines = ["| κ | median of λ (e^m) | s | E[C] | sd[C] |", "|---:|---:|---:|---:|---:|"]
    for k, m, s, mean, sd in zip(*columns.values(), strict=True):
        lines.append(f"| {k:g} | {math.exp(m):g} | {s:g} | {mean:.6f} | {sd:.6f} |")
    return "\n".join(lines)


B_N_READINGS = ("lam phi_rho", "phi_rho")
"""Readings of B's ``b_n``: B holds ``lam phi_{rho_n}`` (the chapter's, book eq.
(pb-selection-cases)) or ``phi_{rho_n}`` itself (B buys one unit, as one of the n unit
traders)."""

A_N_READINGS = ("best response", "phi_rho")
"""Readings of A's ``a_n``: A's best response to ``b_n`` (book eq. (pb-best-response)) or
``phi_{rho_n}`` (A plays as one of the n unit traders)."""


@dataclass(frozen=True)
class ConventionResult:
    """Table 3 under one convention: ``costs`` in the layout of Table 3 (rows ``b``, columns
    ``a``); ``weight`` is B's weight in A's cost (``None``: ``lam``, the model) and is
    ``None`` for B's cost."""

    kappa: float
    lam: float
    n: float
    weight: float | None
    cost_of: str
    b_n: str
    a_n: str
    costs: Array

    @property
    def delta(self) -> float:
        """``Delta(a_lam) = M(a_lam, b_n) - M(a_lam, b_lam)`` (the paper's is -81.9)."""
        return float(self.costs[1, 0] - self.costs[0, 0])

    @property
    def deviation(self) -> float:
        """Largest ``|cell - paper's cell|`` over the four cells of Table 3."""
        return float(np.max(np.abs(self.costs - np.array(PAPER_TABLE3["costs"]))))


def _readings(pair: dict[str, Strategy], *, kappa: float,
              lam: float) -> dict[tuple[str, str], dict[str, Strategy]]:
    """The four strategies of ``selection_strategies`` under each pair of readings
    (``B_N_READINGS`` x ``A_N_READINGS``)."""
    phi = pair["b_n"]
    b_n = {B_N_READINGS[0]: (phi, pair["a_n"]),
           B_N_READINGS[1]: ((1.0 / lam) * phi, best_response_strategy(phi, kappa=kappa,
                                                                       lam=1.0))}
    return {(b_name, a_name): {**pair, "b_n": b, "a_n": reply if a_name == A_N_READINGS[0]
                               else phi}
            for b_name, (b, reply) in b_n.items() for a_name in A_N_READINGS}


def table3_conventions(kappas: Sequence[float] = (1.0, 5.0, 10.0, 25.0), lam: float = 25.0,
                       ns: Sequence[float] | None = None,
                       weights: Sequence[float | None] = (None, 1.0)) -> list[ConventionResult]:
    """Table 3 under every convention a referee might try, to compare with the paper's.

    For each ``kappa`` and ``n`` (default ``lam`` and ``lam + 1``: "25 unit traders" at
    ``lam = 25``), each reading of ``b_n`` (``B_N_READINGS``) and of ``a_n``
    (``A_N_READINGS``), the 2x2 matrix of A's cost, paper (3), with B's weight in A's cost
    each of ``weights`` (``None``: ``lam``, the model; ``1``: the convention of Tables 4–5,
    book eq. (pb-weighted-cost)), and of B's cost, paper (4). ``a_lam``, ``b_lam`` are the
    equilibrium, paper (26)–(27), in every convention. With ``n = lam + 1`` and B holding
    ``lam phi_{rho_n}``, A's best response is ``phi_{rho_n}`` itself (the coefficient of paper
    (19) is ``lam/(n - 1) = 1``), so the two readings of ``a_n`` coincide there.
    """
    kappas = validation.sequence("kappas", kappas, validation.positive)
    lam = validation.positive("lam", lam)
    ns = (lam, lam + 1.0) if ns is None else validation.sequence("ns", ns, validation.positive)
    weights = validation.sequence("weights", weights, lambda name, w: None if w is None
                                  else validation.positive(name, w))
    results = []
    for kappa in kappas:
        model = {"kappa": kappa, "lam": lam}
        costs = [("A", w, partial(cost_A, **model, weight=w)) for w in weights]
        costs.append(("B", None, partial(cost_B, **model)))
        for n in ns:
            pair = selection_strategies(kappa=kappa, lam=lam, n=n)
            for (b_name, a_name), strategies in _readings(pair, **model).items():
                results += [ConventionResult(kappa, lam, float(n), w, who, b_name, a_name,
                                             _cost_matrix(strategies, cost))
                            for who, w, cost in costs]
    return results


def table3_conventions_summary(results: Sequence[ConventionResult]) -> dict[str, float]:
    """Number of conventions, how many have the paper's sign ``Delta(a_lam) < 0`` and the
    smallest largest deviation from the paper's cells, over all and over A's cost."""
    mine = [r for r in results if r.cost_of == "A"]
    return {"conventions": len(results),
            "with Delta(a_lam) < 0": sum(r.delta < 0 for r in results),
            "with Delta(a_lam) < 0, A's cost": sum(r.delta < 0 for r in mine),
            "smallest max deviation": min(r.deviation for r in results),
            "smallest max deviation, A's cost": min(r.deviation for r in mine)}


def _weight_label(result: ConventionResult) -> str:
    """B's weight in A's cost as printed: ``λ`` (the model), a number, or ``—`` for B's
    cost."""
    if result.cost_of == "B":
        return "—"
    return "λ" if result.weight is None else f"{result.weight:g}"


def format_table3_conventions(results: Sequence[ConventionResult]) -> str:
    """Markdown of ``table3_conventions``: one row per convention, cells to one decimal as the
    paper prints them."""
    paper = PAPER_TABLE3["costs"]
    lines = ["| κ | n | B's weight | cost of | b_n | a_n | M(a_lam, b_lam) | M(a_n, b_lam) "
             "| M(a_lam, b_n) | M(a_n, b_n) | Δ(a_lam) | max deviation from the paper |",
             "|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
             f"| paper | | | A | | | {paper[0][0]:.1f} | {paper[0][1]:.1f} | {paper[1][0]:.1f} "
             f"| {paper[1][1]:.1f} | {paper[1][0] - paper[0][0]:.1f} | |"]
    for r in results:
        cells = " | ".join(f"{c:.1f}" for c in r.costs.ravel())
        lines.append(f"| {r.kappa:g} | {r.n:g} | {_weight_label(r)} | {r.cost_of} | {r.b_n} "
                     f"| {r.a_n} | {cells} | {r.delta:.1f} | {r.deviation:.1f} |")
    return "\n".join(lines)


def table3_conventions_columns(results: Sequence[ConventionResult]) -> dict[str, list]:
    """Columns of ``table3_conventions`` (unrounded) for ``lib.figures.save_table``."""
    columns: dict[str, list] = {
        "kappa [1]": [r.kappa for r in results], "lam [1]": [r.lam for r in results],
        "n [1]": [r.n for r in results], "B's weight": [_weight_label(r) for r in results],
        "cost of": [r.cost_of for r in results], "b_n": [r.b_n for r in results],
        "a_n": [r.a_n for r in results]}
    for index, name in enumerate(("M(a_lam, b_lam)", "M(a_n, b_lam)", "M(a_lam, b_n)",
                                  "M(a_n, b_n)")):
        columns[f"{name} [cost]"] = [float(r.costs.ravel()[index]) for r in results]
    columns["Delta(a_lam) [cost]"] = [r.delta for r in results]
    columns["max deviation [cost]"] = [r.deviation for r in results]
    return columns
