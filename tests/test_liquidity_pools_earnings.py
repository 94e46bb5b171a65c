"""What a strategy earns (lib.liquidity_pools.earnings) and the simulator's policies and starts
(lib.liquidity_pools.simulate.objective_paths)."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from lib.liquidity_pools import adaptive, curve, earnings, fd, simulate
from lib.liquidity_pools.params import default_params

SLICE = 8


@functools.cache
def _reference(case: str = "different") -> tuple:
    p = default_params(case)
    target = curve.slice_targets(p, SLICE)
    return p, fd.solve_slice(p, earnings.REFERENCE_GRID, target)


def test_test_inventories() -> None:
    """q*_{t_0} + offsets, on the reference grid, within [0, q0], distinct."""
    target = np.array([416.19, 400.0])
    np.testing.assert_array_equal(earnings.test_inventories(target, 1000.0),
                                  [420.0, 460.0, 520.0, 620.0])
    np.testing.assert_array_equal(earnings.test_inventories(np.array([1000.0]), 1000.0),
                                  [1000.0])
    np.testing.assert_array_equal(earnings.test_inventories(np.array([3.0]), 1000.0, (-40, 0)),
                                  [0.0])


def test_the_reference_against_itself_captures_all_its_gain() -> None:
    """On common random numbers a policy measured against itself captures exactly its gain,
    with no standard error on the difference."""
    p, ref = _reference()
    e = earnings.earnings(p, ref, ref, np.array([420.0, 620.0]), n_paths=200, seed=3)
    np.testing.assert_array_equal(e.share, 1.0)
    np.testing.assert_array_equal(e.diff_se, 0.0)
    assert np.all(e.fd_gain > 0) and np.all(e.fd_se > 0)


def test_posting_nothing_earns_the_closed_form() -> None:
    """A policy that posts nothing earns θ^none exactly (no fill, the price term at its
    conditional mean): share 0, no standard error."""
    p, ref = _reference()
    nothing = dataclasses.replace(ref, volume=np.zeros_like(ref.volume))
    e = earnings.earnings(p, nothing, ref, np.array([460.0, 1000.0]), n_paths=100, seed=0)
    np.testing.assert_allclose(e.nn, np.repeat(e.none[:, None], 4, axis=1), rtol=1e-12)
    np.testing.assert_allclose(e.share, 0.0, atol=1e-12)
    np.testing.assert_array_equal(e.nn_se, 0.0)


def test_objective_paths_are_the_simulator() -> None:
    """With the realised price term, objective_paths draws what simulate_slice_paths draws;
    with its conditional mean the mean agrees and the variance falls."""
    p, ref = _reference()
    p = p.replace(mu=0.01)
    realised = simulate.objective_paths(p, ref, 500.0, 4, 4000, 11, expected_drift=False)
    plain = simulate.simulate_slice_paths(p, ref, 500.0, 4, 4000, np.random.default_rng(11))
    np.testing.assert_array_equal(realised[0], plain)
    expected = simulate.objective_paths(p, ref, 500.0, 4, 4000, 11)[0]
    se = np.hypot(realised.std(), expected.std()) / np.sqrt(4000)
    assert abs(expected.mean() - realised.mean()) < 4 * se
    assert expected.std() < 0.7 * realised.std()


def test_objective_paths_rejects_bad_starts() -> None:
    p, ref = _reference()
    with pytest.raises(ValueError, match="q0 and m0"):
        simulate.objective_paths(p, ref, [500.0, 600.0], [1], 10, 0)
    with pytest.raises(ValueError, match="q must lie"):
        simulate.objective_paths(p, ref, 1500.0, 1, 10, 0)
    with pytest.raises(ValueError, match="m must be"):
        simulate.objective_paths(p, ref, 500.0, 36, 10, 0)
    with pytest.raises(ValueError, match="policy"):
        simulate.objective_paths(p, object(), 500.0, 1, 10, 0)
    with pytest.raises(ValueError, match="expected_drift"):
        simulate.objective_paths(p, ref, 500.0, 1, 10, 0, expected_drift="yes")


def test_implementation_cost_is_spread_and_holding() -> None:
    """The shortfall (the order at the arrival mid, less the cash and the unsold inventory at the
    last mid) is minus the fills' gains against the mid minus
    the holding gain Σ q_{k+1} (S_{k+1} - S_k): the bookkeeping of an adaptive run."""
    truth, rho, prior = adaptive.default_truth_and_prior()
    history = adaptive.run_adaptive(truth, rho, prior, n_slices=2, grid=fd.FDGrid(20.0, 20.0),
                                    seed=4)
    assert history.implementation_cost == pytest.approx(
        -history.spread_gain - history.holding_gain, rel=1e-9)
    assert history.executed == pytest.approx(sum(log.executed.sum() for log in history.logs))


def test_adaptive_outcome_splits_the_cost() -> None:
    """cost = -spread - holding, for a short run with the finite differences."""
    out = earnings.adaptive_outcome(4, "fd", 2, 20.0, 20.0)
    assert out["cost"] == pytest.approx(-out["spread"] - out["holding"], rel=1e-9)
    assert out["executed"] == pytest.approx(out["q"][0] - out["q"][-1])


def test_study_point_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind"):
        earnings.study_point("everything")
