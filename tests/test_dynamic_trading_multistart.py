"""Multi-start census of the equilibrium system (paper (15)–(17)): lib.dynamic_trading.solve.

With two strategic traders and no fringe every root reached is degenerate (Q = 0, or a zero
column of Q with a zero price entry), the evidence behind ``equilibrium``'s refusal; in markets
with a non-degenerate equilibrium (N = 3, or N = 2 with a fringe) the same search finds it.
"""

from __future__ import annotations

import numpy as np
import pytest

from lib.dynamic_trading import Market, equilibrium
from lib.dynamic_trading.equations import check_conditions
from lib.dynamic_trading.solve import multistart


@pytest.mark.parametrize("b", [[1.0, 2.0], [1.0, 5.0]])
def test_two_strategic_players_reach_only_degenerate_roots(b):
    census = multistart(Market(b), 40)
    assert census.n_converged >= 20
    assert census.n_valid == census.n_invalid == 0 and not census.valid and not census.invalid
    assert census.n_no_trade > 0 and census.n_no_trade + census.n_degenerate == census.n_converged
    assert census.max_no_trade_q < 1e-8


@pytest.mark.parametrize(("b", "fringe"), [([1.0, 1.5, 2.0], False), ([1.0, 2.0], True)])
def test_census_finds_the_equilibrium(b, fringe):
    census = multistart(Market(b, fringe=fringe), 20, seed=1)
    assert census.n_valid > 0 and len(census.valid) == 1
    (root,) = census.valid
    assert check_conditions(root.P, root.Q).holds
    P, Q = equilibrium(b, fringe=fringe)
    np.testing.assert_allclose(root.P, P, atol=1e-9)
    np.testing.assert_allclose(root.Q, Q, atol=1e-9)
    assert census.n_starts == 20 == (census.n_failed + census.n_no_trade + census.n_degenerate
                                     + census.n_invalid + census.n_valid)


def test_census_is_reproducible_for_a_seed():
    market = Market([1.0, 2.0], fringe=True)
    a, b, c = (multistart(market, 15, seed=s) for s in (3, 3, 4))
    counts = ("n_failed", "n_no_trade", "n_degenerate", "n_invalid", "n_valid", "max_no_trade_q")
    assert [getattr(a, k) for k in counts] == [getattr(b, k) for k in counts]
    np.testing.assert_array_equal(a.valid[0].Q, b.valid[0].Q)
    assert [getattr(a, k) for k in counts] != [getattr(c, k) for k in counts]


@pytest.mark.parametrize(("args", "kwargs", "name"), [
    (([1.0, 2.0], 5), {}, "market must be a Market"),
    ((Market([1.0, 2.0]), 0), {}, "n_starts must be >= 1"),
    ((Market([1.0, 2.0]), 2.5), {}, "n_starts must be an integer"),
    ((Market([1.0, 2.0]), True), {}, "n_starts must be an integer"),
    ((Market([1.0, 2.0]), 5), {"seed": -1}, "seed must be >= 0"),
    ((Market([1.0, 2.0]), 5), {"seed": None}, "seed must be an integer"),
])
def test_bad_arguments(args, kwargs, name):
    with pytest.raises(ValueError, match=name):
        multistart(*args, **kwargs)
