"""Convergence studies of the liquidity-pools finite differences (Baldacci & Manziuk 2020):
lib.liquidity_pools.convergence.

On a small problem (slice 8, Δq = 100 → 50 → 25 shares or Δq = 50 with N_t = 10 → 20 → 40):
θ at the start of the slice converges at second order in Δq and first order in Δt (book eq.
(lp-scheme)); the paper's explicit placement of the penalty (book eq. (lp-explicit-scheme))
differs from ours by O(Δt) in θ and changes the controls only at the end of the slice; bad
arguments raise ValueError naming the parameter.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from lib.liquidity_pools import convergence, curve, fd
from lib.liquidity_pools.params import default_params

P = default_params("identical")
SLICE = 8
COARSE = fd.FDGrid(50.0, 50.0)


@functools.cache
def _grid_study() -> convergence.ConvergenceStudy:
    return convergence.grid_refinement(P, SLICE, (100.0, 50.0, 25.0))


@functools.cache
def _time_study() -> convergence.ConvergenceStudy:
    return convergence.time_refinement(P, SLICE, COARSE, (10, 20, 40))


@functools.cache
def _timing(Nt: int) -> convergence.TimingDifference:
    return convergence.timing_difference(P.replace(Nt=Nt), SLICE, COARSE)


def test_grid_refinement_compares_common_nodes():
    """Row 0 is θ(t_0) and the controls at Δq = 50 against Δq = 100 on the nodes 0, 100, ...,
    recomputed here from two direct solves."""
    target = curve.slice_targets(P, SLICE)
    coarse = fd.solve_slice(P, fd.FDGrid(100.0, 100.0), target)
    fine = fd.solve_slice(P, fd.FDGrid(50.0, 50.0), target)
    row = _grid_study().rows[0]
    assert np.array_equal(fine.q[::2], coarse.q)
    assert row.theta_max == pytest.approx(np.abs(fine.theta[0, ::2] - coarse.theta[0]).max())
    assert row.volume_mean == pytest.approx(
        np.abs(fine.volume[0][:, ::2] - coarse.volume[0]).mean())
    assert row.limit_mismatch == pytest.approx(np.mean(fine.limit[0][:, ::2] != coarse.limit[0]))
    assert (row.coarse, row.fine) == (100.0, 50.0)


def test_grid_refinement_shrinks_at_second_order():
    study = _grid_study()
    first, second = study.rows
    assert second.theta_max < first.theta_max / 3
    assert second.theta_mean < first.theta_mean / 3
    assert 1.5 < study.orders()[0] < 2.5
    assert study.step_sizes == (100.0, 50.0, 25.0) and len(study.seconds) == 3
    assert first.theta_max < 0.02 * study.theta_scale


def test_time_refinement_shrinks_at_first_order():
    study = _time_study()
    first, second = study.rows
    assert second.theta_max < 0.6 * first.theta_max
    assert second.theta_mean < 0.6 * first.theta_mean
    assert 0.8 < study.orders()[0] < 1.3
    assert study.step_sizes == pytest.approx((0.1, 0.05, 0.025))
    # the first decision is the same instant for every N_t: its controls barely move
    assert first.limit_mismatch < 0.02 and second.limit_mismatch <= first.limit_mismatch


def test_tables_have_one_row_per_refinement():
    for study, name in ((_grid_study(), "Δq = Δℓ [shares]"), (_time_study(), "N_t")):
        table = study.table()
        assert table[name] == [f"{a:g} → {b:g}" for a, b in
                              zip(study.values[:-1], study.values[1:], strict=True)]
        assert {len(column) for column in table.values()} == {2}


def test_timing_difference_is_at_the_end_of_the_slice():
    """The controls of the two placements differ at the last decision (the explicit step sees
    no penalty after it) and hardly before; θ differs by the endpoint terms, O(Δt)."""
    gap = _timing(10)
    assert gap.limit_mismatch[-1] > 0.5
    assert gap.limit_mismatch[: P.Nt // 2].max() < 0.02
    assert gap.volume_mean[-1] > 10 * gap.volume_mean[:-2].max()
    assert gap.theta_gap[0] == pytest.approx(gap.theta_max)
    assert np.all(np.diff(gap.theta_gap) < 0)            # accumulated backwards from t_N
    assert gap.q_at_max == P.q0
    assert 0.4 < _timing(20).theta_max / gap.theta_max < 0.6
    assert len(gap.table()["k"]) == P.Nt


@pytest.mark.parametrize(("call", "match"), [
    (lambda: convergence.grid_refinement(P, SLICE, (50.0,)), "steps must have at least 2"),
    (lambda: convergence.grid_refinement(P, SLICE, (50.0, 100.0)), "steps must decrease"),
    (lambda: convergence.grid_refinement(P, SLICE, (20.0, 15.0)), "steps must decrease"),
    (lambda: convergence.grid_refinement(P, SLICE, (30.0, 15.0)), "divisor of q0"),
    (lambda: convergence.grid_refinement(P, SLICE, (50.0, -25.0)), r"steps\[1\]"),
    (lambda: convergence.grid_refinement(P, 20, (100.0, 50.0)), "slice_index"),
    (lambda: convergence.time_refinement(P, SLICE, COARSE, (20, 10)),
     "steps_per_slice must increase"),
    (lambda: convergence.time_refinement(P, SLICE, COARSE, (10, 20.5)),
     r"steps_per_slice\[1\] must be an integer"),
    (lambda: convergence.time_refinement(P, SLICE, COARSE, (5, 10)),
     r"steps_per_slice\[0\] = 5: probability bound"),
])
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
