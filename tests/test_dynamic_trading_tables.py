"""lib.dynamic_trading.paper_tables: every printed cell of the paper's inline tables T1–T6
against our values, cell by cell.

Our values come from the package: T1 from ``equilibrium``, T2 from ``dynamics`` (paper (25)),
T3 from ``impact`` (paper (29)–(31)), T4 from ``closed_forms.perturbation_approx`` and the exact
solve, T5 from ``solve_equilibrium`` with a common-value ``F`` (and ``impact`` with ``F``, the
paper's footnote 30), T6 from ``cara``.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from lib.dynamic_trading import cara, closed_forms, dynamics, equilibrium, impact, paper_tables
from lib.dynamic_trading.model import Market
from lib.dynamic_trading.paper_tables import TABLES, compare, mismatches, truncation_only
from lib.dynamic_trading.solve import solve_equilibrium

B = np.array([1.0, 1.5, 2.0, 2.5, 3.0])
R = 1.0

# The cells that reproduce only when our value is truncated (the paper truncates some), as
# (table, block, row, col, printed). Pinned so that a change in either direction is seen.
TRUNCATION_ONLY = {
    ("T1", "P", 0, 2, "-.387"),  # T4 prints the same entry rounded: -.3875
    ("T1", "Q", 3, 4, "-0.483"),  # T4: -.4835
    ("T1", "Q", 4, 2, "-0.320"),  # T4: -.3205
    ("T2", "U", 1, 0, ".666"),
    ("T2", "K", 0, 2, "1.38"),
    ("T3", "Lambda", 0, 1, "0.447"),
    ("T3", "Lambda", 0, 2, "0.416"),
    ("T3", "Lambda", 0, 4, "0.389"),
}


@pytest.fixture(scope="module")
def five() -> tuple[np.ndarray, np.ndarray]:
    return equilibrium(B, r=R)


def _ours(table_id: str, five) -> dict[str, np.ndarray]:
    P, Q = five
    if table_id == "T1":
        return {"P": P, "Q": Q}
    if table_id == "T2":
        kappas, U = dynamics.eigendecomposition(Q, normalize="paper")
        return {"U": U, "K": kappas}
    if table_id == "T3":
        return {"I": impact.instantaneous_impact(P, Q), "Lambda": impact.permanent_impact(B, R),
                "T": impact.transient_impact(P, Q, B, R)}
    if table_id == "T4":
        P_hat, Q_hat, _, _ = closed_forms.perturbation_approx(B, R)
        return {"P_hat": P_hat, "Q_hat": Q_hat, "P_exact": P, "Q_exact": Q}
    if table_id == "T5":
        F = paper_tables.common_value_example()
        eq = solve_equilibrium(Market(B, r=R, F=F))
        assert eq.converged
        return {"P": eq.P, "Q": eq.Q, "I2": impact.instantaneous_impact(eq.P, eq.Q, F)[1:2]}
    if table_id == "T6":
        P_a, Q_a, _ = cara.solve_cara(B, np.full(5, 0.1), r=R)
        P_b, Q_b, _ = cara.solve_cara(B, np.array([0.1, 0.3, 0.3, 0.1, 0.1]), r=R)
        return {"P_a": P_a, "Q_a": Q_a, "P_b": P_b, "Q_b": Q_b}
    raise AssertionError(table_id)


def _key(c: paper_tables.Cell) -> tuple:
    return (c.table, c.block, c.row, c.col, c.printed)


@pytest.mark.parametrize("table_id", sorted(TABLES))
def test_every_printed_cell_reproduces(table_id: str, five) -> None:
    cells = compare(table_id, _ours(table_id, five))
    assert len(cells) == sum(np.array(b, dtype=object).size
                             for b in TABLES[table_id].blocks.values())
    bad = mismatches(cells)
    assert not bad, "\n".join(f"{c.block}[{c.row},{c.col}] printed {c.printed}, ours "
                              f"{c.ours:.6f} (rounded {c.rounded}, truncated {c.truncated})"
                              for c in bad)
    assert all(c.match for c in cells if c.printed is not None)
    trunc = {_key(c) for c in truncation_only(cells)}
    for c in truncation_only(cells):
        print(f"{table_id} {c.block}[{c.row},{c.col}]: printed {c.printed} = truncated "
              f"{c.ours:.6f} (rounded would be {c.rounded})")
    assert trunc == {k for k in TRUNCATION_ONLY if k[0] == table_id}


def test_one_changed_digit_is_detected(five, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = _ours("T1", five)
    assert not mismatches(compare("T1", ours))
    rows = [list(r) for r in TABLES["T1"].blocks["Q"]]
    rows[2][2] = "1.288"  # printed 1.289; ours 1.289292
    broken = dataclasses.replace(TABLES["T1"], blocks={**TABLES["T1"].blocks,
                                                       "Q": tuple(map(tuple, rows))})
    monkeypatch.setitem(paper_tables.TABLES, "T1", broken)
    bad = mismatches(compare("T1", ours))
    assert [(c.block, c.row, c.col, c.printed) for c in bad] == [("Q", 2, 2, "1.288")]
    assert bad[0].rule is None and bad[0].rounded == "1.289"


def test_truncated_cell_changed_is_detected(five, monkeypatch: pytest.MonkeyPatch) -> None:
    lam = list(TABLES["T3"].blocks["Lambda"])
    lam[1] = "0.446"  # printed 0.447 (truncated 0.447761): neither rule gives 0.446
    broken = dataclasses.replace(TABLES["T3"], blocks={**TABLES["T3"].blocks,
                                                       "Lambda": tuple(lam)})
    monkeypatch.setitem(paper_tables.TABLES, "T3", broken)
    bad = mismatches(compare("T3", _ours("T3", five)))
    assert [(c.block, c.col, c.rounded, c.truncated) for c in bad] == [
        ("Lambda", 1, "0.448", "0.447")]


def test_rules_and_float_noise() -> None:
    cell = paper_tables._cell
    assert cell("X", "v", 0, 0, "-.38", -0.37499999999999994).rule == "rounded"
    assert cell("X", "v", 0, 0, "1", 0.9999999999999997).rule == "rounded"
    assert cell("X", "v", 0, 0, "0", -1.1e-16).match
    # a zero prints without the sign of its round-off, which differs between machines
    assert cell("X", "v", 0, 0, "0", -1.1e-16).rounded == cell("X", "v", 0, 0, "0", 1e-16).rounded
    assert cell("X", "v", 0, 0, ".00", -1.1e-16).truncated == "0.00"
    assert cell("X", "v", 0, 0, ".666", 2 / 3).rule == "truncated"
    assert cell("X", "v", 0, 0, ".333", 1 / 3).rule == "rounded"  # both rules agree
    assert cell("X", "v", 0, 0, "-0.483", -0.4835305).rule == "truncated"  # toward zero
    assert not cell("X", "v", 0, 0, "-0.484", -0.4834).match
    unreadable = cell("X", "v", 0, 0, None, 1.0)
    assert unreadable.match is None and unreadable.rule is None
    assert paper_tables.decimals("-.4757") == 4 and paper_tables.decimals("-1") == 0


def test_compare_rejects_bad_input(five) -> None:
    P, Q = five
    with pytest.raises(ValueError, match="table_id"):
        compare("T7", {})
    with pytest.raises(ValueError, match="blocks"):
        compare("T1", {"P": P})
    with pytest.raises(ValueError, match="shape"):
        compare("T1", {"P": P, "Q": Q[:4]})
    with pytest.raises(ValueError, match="finite"):
        compare("T1", {"P": P * np.nan, "Q": Q})


def test_transcription_is_clean_and_consistent() -> None:
    """Model-free checks of the transcription: plain numerals, notes for every table, columns
    of every printed trading matrix summing to 0 (1'Q = 0) within the printing error, and the
    (25) normalisation of U (positive entries of columns 2..5 summing to 1)."""
    for t in TABLES.values():
        assert t.seed_lines and t.repairs and t.title
        for block in t.blocks.values():
            for text in np.array(block, dtype=object).ravel():
                assert text is None or (Decimal(text).is_finite() and "—" not in text)
    for tid, name in [("T1", "Q"), ("T4", "Q_hat"), ("T4", "Q_exact"), ("T5", "Q"),
                      ("T6", "Q_a"), ("T6", "Q_b")]:
        grid = np.array(TABLES[tid].blocks[name], dtype=object)
        Qp = grid.astype(float)
        # each printed entry is off by less than one unit of its last place (either rule)
        ulp = np.vectorize(lambda s: 10.0 ** -paper_tables.decimals(s))(grid).sum(axis=0)
        assert np.all(np.abs(Qp.sum(axis=0)) < ulp), (tid, name, Qp.sum(axis=0))
    U = np.array(TABLES["T2"].blocks["U"], dtype=float)
    assert np.allclose(np.where(U > 0, U, 0).sum(axis=0)[1:], 1.0, atol=3e-3)
    assert np.allclose(U.sum(axis=0)[1:], 0.0, atol=3e-3)  # 1'v = 0 for kappa > 0


def test_common_value_impact_reduces_to_private_values(five) -> None:
    """Footnote 30's impact with F = I is paper (29)'s -p^i/q^ii."""
    P, Q = five
    assert np.allclose(impact.instantaneous_impact(P, Q, np.eye(B.size)),
                       impact.instantaneous_impact(P, Q), rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match=r"^F must have shape"):
        impact.instantaneous_impact(P, Q, np.eye(3))


def test_markdown_shows_our_value_the_difference_and_the_rule(five) -> None:
    """Each row shows ours to 6 decimals, printed − ours and the accepting rule; a cell that
    matches under neither rule is marked."""
    P, Q = five
    rows = paper_tables.markdown(compare("T1", {"P": P, "Q": Q})).splitlines()
    assert rows[0].count("|") == 9 and "printed − ours" in rows[0]
    p3 = next(row for row in rows if row.startswith("| P | 1 | 3 |"))
    assert p3.split("|")[4:9] == [" -.387 ", f" {P[2]:.6f} ", " -0.387 ",
                                  f" {Decimal('-.387') - Decimal(f'{P[2]:.6f}'):+.6f} ",
                                  " truncated "]
    wrong = paper_tables.markdown(compare("T1", {"P": P + 0.01, "Q": Q})).splitlines()
    assert sum("**neither**" in row for row in wrong) == 5
