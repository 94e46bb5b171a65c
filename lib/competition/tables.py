"""The paper's tables of costs, and the chapter's errata about them.

* Table 1: A's cost (the model, paper (3)) against a passive eager adversary
  ``lam phi_sigma`` with ``sigma = lam`` [INF: a rate among those that reproduce both pairs
  the text quotes], for the best response, paper (19), and for the risk-neutral ``t``;
  ``table1_search`` is the search over ``(kappa, lam, sigma)`` behind that rate.
* Table 2: signs of A's temporary cost ``a'(a' + lam b')`` (the paper's two middle row labels
  are swapped; corrected).
* Tables 4–5: equilibrium costs at ``kappa`` and ``0.75 kappa``, each row the equilibrium of
  its own ``kappa``, which the paper evaluated with B's weight 1 in A's cost (book eq.
  (pb-weighted-cost), an unstated convention); ``paper_round`` is the printing rule that
  reproduces every printed cell.
* ``misestimation_excess``: the true cost of mis-estimating ``kappa`` (book eq.
  (pb-misestimation-excess), an extension: the tables' "Total Diff" is not that cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.competition.costs import CostBreakdown, check_model, cost_A
from lib.competition.equilibrium import equilibrium_cost, equilibrium_strategies
from lib.competition.quadrature import integrate
from lib.competition.responses import br_eager
from lib.competition.strategies import eager, risk_neutral

Array = np.ndarray

TABLE1_ROWS = ((0.1, 1), (0.1, 10), (1, 1), (1, 10), (0.1, 5), (10, 10))
"""``(kappa, lam)`` of Table 1: the panels of Fig. 12 plus ``(0.1, 5)`` and ``(10, 10)``, ours,
to show the trend in ``lam`` and in ``kappa`` (the paper's rows are lost)."""

# The paper's Tables 4 (lam = 5) and 5 (lam = 25) as printed: (kappa, Temp, Perm, Total,
# Total Diff). "2.0" and "-524.0" are printed with one decimal only.
PAPER_TABLE4 = (
    (0.1, "2.01", "0.10", "2.10", None),
    (0.075, "2.0", "0.07", "2.08", "-1.28%"),
    (0.5, "2.17", "0.43", "2.61", None),
    (0.375, "2.10", "0.34", "2.44", "-6.60%"),
    (1.0, "2.69", "0.74", "3.43", None),
    (0.75, "2.39", "0.60", "2.99", "-12.68%"),
    (5.0, "14.52", "0.28", "14.79", None),
    (3.75, "9.97", "0.73", "10.70", "-27.68%"),
    (25.0, "84.99", "-4.99", "79.99", None),
    (18.75, "63.66", "-3.71", "59.96", "-25.05%"),
    (100.0, "340.00", "-20.00", "320.00", None),
    (75.0, "255.00", "-15.00", "240.00", "-25.00%"),
)
PAPER_TABLE5 = (
    (0.1, "2.22", "0.09", "2.30", None),
    (0.075, "2.12", "0.07", "2.19", "-4.96%"),
    (0.5, "7.43", "0.15", "7.58", None),
    (0.375, "5.06", "0.18", "5.24", "-30.90%"),
    (1.0, "23.42", "-0.36", "23.06", None),
    (0.75, "14.14", "-0.02", "14.12", "-38.75%"),
    (5.0, "388.63", "-19.57", "369.06", None),
    (3.75, "248.94", "-11.94", "236.99", "-35.78%"),
    (25.0, "2459.70", "-130.96", "2328.80", None),
    (18.75, "1841.70", "-98.02", "1743.70", "-25.12%"),
    (100.0, "9841.30", "-524.0", "9317.30", None),
    (75.0, "7381.00", "-393.00", "6988.00", "-25.00%"),
)


@dataclass(frozen=True)
class Table1Row:
    """A's costs against ``lam phi_sigma``: best response (paper (19)) and risk-neutral
    ``t``."""

    kappa: float
    lam: float
    sigma: float
    best_response: CostBreakdown
    risk_neutral: CostBreakdown


def table1(rows: Sequence[tuple[float, float]] = TABLE1_ROWS) -> list[Table1Row]:
    """Table 1: A's model cost, paper (3), against the eager adversary with rate
    ``sigma = lam``.

    Parameters
    ----------
    rows : ``(kappa, lam)`` pairs, both > 0.
    """
    result = []
    for kappa, lam in rows:
        kappa, lam = check_model(kappa, lam)
        b = eager(lam)
        model = {"kappa": kappa, "lam": lam}
        result.append(Table1Row(kappa, lam, lam,
                                cost_A(br_eager(lam, **model), b, **model),
                                cost_A(risk_neutral(), b, **model)))
    return result


@dataclass(frozen=True)
class Table2Row:
    """One row of the sign table of A's temporary cost ``a'(a' + lam b')`` (the paper's
    Section 7.4)."""

    a_action: str
    b_action: str
    a_sign: int
    aggregate_sign: int
    impact_sign: int
    impact: str


def table2() -> list[Table2Row]:
    """Table 2 with the corrected labels (the paper swaps those of the middle two rows): a
    profit iff A trades against the aggregate. In rows 3–4 B trades more than A, so the
    aggregate follows B."""
    return [
        Table2Row("buy", "buy", 1, 1, 1, "cost"),
        Table2Row("sell", "sell", -1, -1, 1, "cost"),
        Table2Row("sell", "buy", -1, 1, -1, "profit"),
        Table2Row("buy", "sell", 1, -1, -1, "profit"),
    ]


def check_table2(rows: Sequence[Table2Row], rates: object, *, lam: float = 1.0) -> list[bool]:
    """For each row, whether every sample ``(a', b')`` in ``rates x rates`` with the row's signs
    of ``a'``, ``b'`` and ``a' + lam b'`` has A's temporary cost ``a'(a' + lam b')`` of the row's
    sign and label (and at least one sample falls in the row)."""
    lam = validation.positive("lam", lam)
    rates = np.asarray(rates, dtype=float).ravel()
    da, db = np.meshgrid(rates, rates)
    aggregate = da + lam * db
    cost_sign = np.sign(da * aggregate)
    action = {"buy": 1, "sell": -1}
    label = {1: "cost", -1: "profit"}
    checks = []
    for row in rows:
        inside = ((np.sign(da) == row.a_sign) & (np.sign(db) == action[row.b_action])
                  & (np.sign(aggregate) == row.aggregate_sign))
        checks.append(bool(inside.any()) and bool(np.all(cost_sign[inside] == row.impact_sign))
                      and label[row.impact_sign] == row.impact)
    return checks


@dataclass(frozen=True)
class MisestimationRow:
    """One row of Tables 4–5: the equilibrium at ``kappa`` and its cost to A; ``total_diff``
    (percent, relative to the row above) only on the shifted rows."""

    lam: float
    kappa: float
    cost: CostBreakdown
    total_diff: float | None


def misestimation_table(lam: float, kappas: Sequence[float] = (0.1, 0.5, 1, 5, 25, 100),
                        shift: float = 0.75, *,
                        weight: float | None = 1.0) -> list[MisestimationRow]:
    """Tables 4–5: for each ``kappa``, the row at ``kappa`` then at ``shift * kappa``.

    Each row is A's cost (book eq. (pb-equilibrium-cost)) at the equilibrium of its own
    ``kappa``. ``weight=1`` is the paper's unstated convention (book eq. (pb-weighted-cost));
    ``weight=None`` gives the model cost, paper (3). "Total Diff" is
    ``100 (Total(shift kappa) - Total(kappa)) / Total(kappa)`` from unrounded totals.
    """
    lam = validation.positive("lam", lam)
    shift = validation.positive("shift", shift)
    kappas = validation.sequence("kappas", kappas, validation.positive)
    rows = []
    for kappa in kappas:
        base = equilibrium_cost(kappa=kappa, lam=lam, weight=weight)
        moved = equilibrium_cost(kappa=shift * kappa, lam=lam, weight=weight)
        rows += [MisestimationRow(lam, kappa, base, None),
                 MisestimationRow(lam, shift * kappa, moved,
                                  100.0 * (moved.total - base.total) / base.total)]
    return rows


def paper_round(x: float) -> str:
    """The paper's printing rule: round to 5 significant digits, then show 2 decimals.

    ``2459.7478 -> "2459.70"``, ``9841.3333 -> "9841.30"``, ``-524.0 -> "-524.00"``.
    """
    significant = float(f"{validation.finite('x', x):.5g}")
    return f"{significant:.2f}"


def printed_cells(rows: Sequence[MisestimationRow]) -> list[tuple]:
    """Rows as the paper prints them: ``(kappa, Temp, Perm, Total, Total Diff)``, the costs by
    ``paper_round`` and Total Diff as ``"-1.28%"`` (2 decimals), in the layout of
    ``PAPER_TABLE4``."""
    return [(row.kappa, paper_round(row.cost.temp), paper_round(row.cost.perm),
             paper_round(row.cost.total),
             None if row.total_diff is None else f"{row.total_diff:.2f}%") for row in rows]


def matches_printed(ours: str | None, paper: str | None) -> bool:
    """Whether a printed cell equals the paper's: as text, or as numbers where the paper
    prints fewer decimals (its "2.0" and "-524.0")."""
    if ours is None or paper is None:
        return ours is paper
    if ours == paper:
        return True
    fewer = len(paper.rstrip("%").partition(".")[2]) < len(ours.rstrip("%").partition(".")[2])
    return fewer and float(ours.rstrip("%")) == float(paper.rstrip("%"))


def format_misestimation_table(rows: Sequence[MisestimationRow]) -> str:
    """Markdown text of Tables 4–5 with the printed values (``printed_cells``)."""
    lines = ["| λ | κ | Temp | Perm | Total | Total Diff |",
             "|---:|---:|---:|---:|---:|---:|"]
    for row, (kappa, temp, perm, total, diff) in zip(rows, printed_cells(rows), strict=True):
        lines.append(f"| {row.lam:g} | {kappa:g} | {temp} | {perm} | {total} | {diff or ''} |")
    return "\n".join(lines)


def misestimation_excess(kappa: float, kappa_hat: float, lam: float) -> float:
    """True cost of mis-estimation (book eq. (pb-misestimation-excess)): A builds the
    equilibrium of ``kappa_hat`` while B trades that of the true ``kappa``; A's extra model
    cost is ``int (a_lam'(kappa_hat) - a_lam'(kappa))^2 >= 0`` (by (pb-quadratic-gap))."""
    kappa, lam = check_model(kappa, lam)
    kappa_hat = validation.positive("kappa_hat", kappa_hat)
    a, _ = equilibrium_strategies(kappa=kappa, lam=lam)
    a_hat, _ = equilibrium_strategies(kappa=kappa_hat, lam=lam)
    return integrate(lambda t: (a_hat.evaluate(t)[1] - a.evaluate(t)[1]) ** 2)


QUOTED_TABLE1 = {(0.1, 1.0): ("2.09", "2.11"), (0.1, 10.0): ("-86.1", "12")}
"""The two pairs of totals (best response, risk-neutral) quoted in the text of the paper's
Section 7.3."""


def format_table1(rows: Sequence[Table1Row]) -> str:
    """Markdown of Table 1; the rows whose totals the paper quotes are bold, with the quote."""
    lines = ["| κ | λ = σ | BR Temp | BR Perm | BR Total | RN Temp | RN Perm | RN Total "
             "| quoted in the paper |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        quoted = QUOTED_TABLE1.get((row.kappa, row.lam))
        cells = [f"{v:.4f}" for c in (row.best_response, row.risk_neutral)
                 for v in (c.temp, c.perm, c.total)]
        if quoted:
            cells[2], cells[5] = f"**{cells[2]}**", f"**{cells[5]}**"
        lines.append(f"| {row.kappa:g} | {row.lam:g} | " + " | ".join(cells)
                     + f" | {' vs '.join(quoted) if quoted else ''} |")
    return "\n".join(lines)


def table1_columns(rows: Sequence[Table1Row]) -> dict[str, list]:
    """Columns of Table 1 for ``lib.figures.save_table``."""
    columns: dict[str, list] = {"kappa [1]": [r.kappa for r in rows],
                                "lam = sigma [1]": [r.lam for r in rows]}
    for name, attr in (("BR", "best_response"), ("RN", "risk_neutral")):
        for part in ("temp", "perm", "total"):
            columns[f"{name} {part} [cost]"] = [getattr(getattr(r, attr), part) for r in rows]
    return columns


def format_table2(rows: Sequence[Table2Row]) -> str:
    """Markdown of the corrected Table 2, with the result of ``check_table2`` per row."""
    checked = check_table2(rows, np.linspace(-3.0, 3.0, 61), lam=3.0)
    sign = {1: "+", -1: "−"}
    lines = ["| A | B | sign of $\\dot a$ | sign of $\\dot a + \\lambda\\dot b$ "
             "| sign of A's temporary cost | A's temporary impact | checked |",
             "|---|---|:-:|:-:|:-:|---|---|"]
    lines += [f"| {r.a_action} | {r.b_action} | {sign[r.a_sign]} | {sign[r.aggregate_sign]} "
              f"| {sign[r.impact_sign]} | {r.impact} | {'yes' if ok else '**no**'} |"
              for r, ok in zip(rows, checked, strict=True)]
    return "\n".join(lines)


def table2_columns(rows: Sequence[Table2Row]) -> dict[str, list]:
    """Columns of Table 2 for ``lib.figures.save_table``."""
    return {"A action": [r.a_action for r in rows], "B action": [r.b_action for r in rows],
            "sign a'": [r.a_sign for r in rows],
            "sign a' + lam b'": [r.aggregate_sign for r in rows],
            "sign of A's temporary cost": [r.impact_sign for r in rows],
            "A's temporary impact": [r.impact for r in rows]}


def _printed_pairs(rows: Sequence[MisestimationRow],
                   paper: Sequence[tuple]) -> list[tuple[float, str, str]]:
    """``(kappa, our cell, the paper's cell)`` for every cell the paper prints (Tables 4–5)."""
    return [(mine[0], ours, theirs)
            for mine, printed in zip(printed_cells(rows), paper, strict=True)
            for ours, theirs in zip(mine[1:], printed[1:], strict=True) if theirs is not None]


def compare_with_paper(rows: Sequence[MisestimationRow], paper: Sequence[tuple]) -> tuple[int, int]:
    """``(cells equal to the paper's, printed cells)`` for Tables 4–5 (``matches_printed``)."""
    pairs = _printed_pairs(rows, paper)
    return sum(matches_printed(ours, theirs) for _, ours, theirs in pairs), len(pairs)


def matching_cells(rows: Sequence[MisestimationRow],
                   paper: Sequence[tuple]) -> list[tuple[float, str]]:
    """``(kappa, cell)`` of the cells equal to the paper's (``matches_printed``)."""
    return [(kappa, theirs) for kappa, ours, theirs in _printed_pairs(rows, paper)
            if matches_printed(ours, theirs)]


def misestimation_columns(rows: Sequence[MisestimationRow]) -> dict[str, list]:
    """Columns of Tables 4–5 (unrounded) for ``lib.figures.save_table``."""
    return {"lam [1]": [r.lam for r in rows], "kappa [1]": [r.kappa for r in rows],
            "temp [cost]": [r.cost.temp for r in rows], "perm [cost]": [r.cost.perm for r in rows],
            "total [cost]": [r.cost.total for r in rows],
            "total diff [%]": ["" if r.total_diff is None else r.total_diff for r in rows]}


@dataclass(frozen=True)
class ModelRow:
    """A row of Tables 4–5 under the model's cost (weight ``lam``), with the true excess
    (book eq. (pb-misestimation-excess)) of building with this row's ``kappa`` while B trades
    the equilibrium of the row above."""

    paper: MisestimationRow
    model: MisestimationRow
    excess: float | None


def model_misestimation_table(lam: float, kappas: Sequence[float] = (0.1, 0.5, 1, 5, 25, 100),
                              shift: float = 0.75) -> list[ModelRow]:
    """Tables 4–5 side by side: the paper's convention, the model's cost and the true
    mis-estimation excess."""
    paper = misestimation_table(lam, kappas, shift, weight=1.0)
    model = misestimation_table(lam, kappas, shift, weight=None)
    rows = []
    for i, (p, m) in enumerate(zip(paper, model, strict=True)):
        excess = None if i % 2 == 0 else misestimation_excess(paper[i - 1].kappa, p.kappa, lam)
        rows.append(ModelRow(p, m, excess))
    return rows


def format_model_table(rows: Sequence[ModelRow]) -> str:
    """Markdown: paper convention (printed), model cost, and the true mis-estimation excess
    (no relative change of the model total, which can vanish)."""
    lines = ["| λ | κ | Total (paper's convention) | Temp (model) | Perm (model) | Total (model) "
             "| mis-estimation excess |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        excess = "" if r.excess is None else f"{r.excess:.6f}"
        lines.append(f"| {r.paper.lam:g} | {r.paper.kappa:g} | {paper_round(r.paper.cost.total)} "
                     f"| {r.model.cost.temp:.4f} | {r.model.cost.perm:.4f} "
                     f"| {r.model.cost.total:.4f} | {excess} |")
    return "\n".join(lines)


def model_columns(rows: Sequence[ModelRow]) -> dict[str, list]:
    """Columns of the model table for ``lib.figures.save_table`` (no relative change: the
    model's total can vanish, at lam = 5 and large kappa)."""
    model = misestimation_columns([r.model for r in rows])
    del model["total diff [%]"]
    return {**{f"{name} (model)": values for name, values in model.items()},
            "total (paper's convention) [cost]": [r.paper.cost.total for r in rows],
            "mis-estimation excess [cost]": ["" if r.excess is None else r.excess
                                             for r in rows]}


TABLE1_SIGMAS = tuple(np.arange(5, 201) / 10.0)
"""Eager rates searched for Table 1, ``0.5, 0.6, ..., 20``."""


@dataclass(frozen=True)
class Table1Match:
    """A grid point ``(kappa, lam, sigma)`` whose totals (best response, risk-neutral ``t``)
    round to a pair quoted in the paper's Section 7.3."""

    kappa: float
    lam: float
    sigma: float
    best_response: float
    risk_neutral: float


@dataclass(frozen=True)
class Table1Search:
    """The quoted pairs of Table 1, the number of ``(kappa, lam, sigma)`` searched and, per
    pair, the grid points that match it."""

    quoted: tuple[tuple[str, str], ...]
    searched: int
    matches: tuple[tuple[Table1Match, ...], ...]


def rounds_to(value: Array, printed: str) -> Array:
    """Whether ``value`` is within half a unit of the last printed digit of ``printed``:
    ``"2.09"`` is ``2.09 +- 0.005``, ``"-86.1"`` is ``-86.1 +- 0.05`` and ``"12"``, printed
    without decimals, is ``12 +- 0.5``."""
    decimals = len(printed.partition(".")[2])
    return np.abs(np.asarray(value, dtype=float) - float(printed)) <= 0.5 * 10.0 ** -decimals


def table1_search(kappas: Sequence[float] = (0.1, 1.0, 10.0),
                  lams: Sequence[float] = (1.0, 5.0, 10.0),
                  sigmas: Sequence[float] = TABLE1_SIGMAS) -> Table1Search:
    """Which ``(kappa, lam, sigma)`` reproduce the pairs of totals the paper quotes for
    Table 1 (``QUOTED_TABLE1``): A's model cost, paper (3), of the best response, paper (19),
    and of ``t`` against B trading ``lam phi_sigma``.

    A grid point matches a pair when both totals round to the quoted numbers as printed
    (``rounds_to``: half a unit of the last printed digit, so ``"12"`` is ``12 +- 0.5``). The
    matching rates form intervals, so a grid finer than the defaults' step 0.1 finds more
    matching ``sigma`` near the same ones; the ``(kappa, lam)`` that match do not change.
    """
    kappas = validation.sequence("kappas", kappas, validation.positive)
    lams = validation.sequence("lams", lams, validation.positive)
    sigmas = validation.sequence("sigmas", sigmas, validation.positive)
    grid = []
    for sigma in sigmas:
        b = eager(sigma)
        for kappa in kappas:
            for lam in lams:
                model = {"kappa": kappa, "lam": lam}
                grid.append((kappa, lam, sigma, cost_A(br_eager(sigma, **model), b, **model).total,
                             cost_A(risk_neutral(), b, **model).total))
    totals = np.array([point[3:] for point in grid])
    quoted = tuple(QUOTED_TABLE1.values())
    matches = tuple(
        tuple(Table1Match(*grid[i]) for i in np.flatnonzero(
            rounds_to(totals[:, 0], br) & rounds_to(totals[:, 1], rn)))
        for br, rn in quoted)
    return Table1Search(quoted, len(grid), matches)


def format_table1_search(result: Table1Search) -> str:
    """Markdown of ``table1_search``: one row per matching grid point (or "none")."""
    lines = ["| quoted BR vs RN | combinations searched | κ | λ | σ | our BR total "
             "| our RN total |", "|---|---:|---:|---:|---:|---:|---:|"]
    for (br, rn), matches in zip(result.quoted, result.matches, strict=True):
        head = f"| {br} vs {rn} | {result.searched} |"
        lines += [f"{head} {m.kappa:g} | {m.lam:g} | {m.sigma:g} | {m.best_response:.4f} "
                  f"| {m.risk_neutral:.4f} |" for m in matches] or [f"{head} none | | | | |"]
    return "\n".join(lines)


def table1_search_columns(result: Table1Search) -> dict[str, list]:
    """Columns of ``table1_search`` for ``lib.figures.save_table``: one row per match."""
    rows = [(br, rn, m) for (br, rn), matches in zip(result.quoted, result.matches, strict=True)
            for m in matches]
    return {"quoted BR total": [r[0] for r in rows], "quoted RN total": [r[1] for r in rows],
            "combinations searched": [result.searched] * len(rows),
            "kappa [1]": [r[2].kappa for r in rows], "lam [1]": [r[2].lam for r in rows],
            "sigma [1]": [r[2].sigma for r in rows],
            "BR total [cost]": [r[2].best_response for r in rows],
            "RN total [cost]": [r[2].risk_neutral for r in rows]}
