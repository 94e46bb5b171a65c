"""lib.liquidity_pools.behaviours: the finite-difference behaviours the chapter checks, and
their sweep over the fill intensity and the penalty."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from lib.liquidity_pools import behaviours, curve, fd, plots
from lib.liquidity_pools.params import default_params, probability_bound

GRID = fd.FDGrid(20.0, 20.0)


@pytest.fixture(scope="module")
def solved():
    """Slice 8 of the chapter's identical and different venues on the coarse grid."""
    identical, different = default_params("identical"), default_params("different")
    targets = curve.slice_targets(identical, 8)
    return tuple(fd.solve_slice(p, GRID, targets, t_start=8 * identical.Ts)
                 for p in (identical, different))


def test_every_behaviour_is_a_named_verdict(solved) -> None:
    identical = default_params("identical")
    found = behaviours.behaviours(*solved, plots.named_states(identical), identical.q0)
    assert [b.name for b in found] == [
        "value-shape", "limits-monotone", "same-in-both-venues", "end-earlier",
        "end-new-best-up", "spr-strategy", "imb-strategy", "different-lower",
        "different-strategies", "different-new-best"]
    assert all(isinstance(b.holds, bool) and b.statement and b.measured for b in found)


def test_a_reversed_limit_order_is_caught(solved) -> None:
    """The check can fail: with the limits of every node negated (+1 and -1 exchanged), the
    limit rises with the inventory where it fell."""
    states = plots.named_states(default_params("identical"))
    sol = solved[0]
    assert behaviours.limits_order(sol, states, 1000.0).holds
    posted = sol.limit != fd.NO_LIMIT
    flipped = dataclasses.replace(sol, limit=np.where(posted, -sol.limit, sol.limit))
    assert not behaviours.limits_order(flipped, states, 1000.0).holds


def test_a_better_second_venue_is_not_lower(solved) -> None:
    """different-lower compares θ: swapped, the identical venues are the worse case."""
    assert behaviours.different_lower(*solved).holds
    assert not behaviours.different_lower(solved[1], solved[0]).holds


@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5, 2.0])
def test_scaled_params_keep_the_probability_bound(scale: float) -> None:
    for case in ("identical", "different"):
        p = default_params(case)
        q = behaviours.scaled_params(p, scale, 2.0)
        assert probability_bound(q) <= 1.0
        assert q.phi == 2.0 * p.phi
        assert [v.intensity for v in q.venues] == [scale * v.intensity for v in p.venues]
        assert q.Nt == max(p.Nt, math.ceil(p.Nt * probability_bound(
            default_params("identical")) * scale - 1e-9))


def test_holding_range_reads_the_run_around_one() -> None:
    points = ((0.5, 1.0), (1.0, 0.5), (1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (4.0, 1.0))
    sweep = behaviours.Sensitivity(points=points, holds={
        "a": (False, True, True, True, True, False), "b": (True, True, False, True, True, True)},
        failures=())
    assert sweep.holding_range("a", 0) == (1.0, 2.0)
    assert sweep.holding_range("a", 1) == (0.5, 2.0)
    assert sweep.holding_range("b", 0) is None


@pytest.mark.parametrize(("arguments", "message"), [
    ({"intensity_scales": [0.0], "phi_scales": [1.0]}, r"intensity_scales\[0\]"),
    ({"intensity_scales": [1.0], "phi_scales": [-1.0]}, r"phi_scales\[0\]"),
    ({"intensity_scales": [1.0], "phi_scales": [1.0], "slice_index": 20}, "slice_index"),
    ({"intensity_scales": [1.0], "phi_scales": [1.0], "dq": 0.0}, "dq"),
])
def test_bad_sweeps_are_refused_before_anything_runs(arguments: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        behaviours.sensitivity(**{"slice_index": 8, **arguments})
