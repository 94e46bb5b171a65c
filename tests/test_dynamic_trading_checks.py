"""Numeric counterparts of closed forms: Prop 8's optimal commitment by maximisation
(lib.dynamic_trading.commitment) and Prop 11's optimality condition (paper (33))."""

from __future__ import annotations

import numpy as np
import pytest

from lib.dynamic_trading import closed_forms, commitment, equilibrium, impact


@pytest.mark.parametrize("share", [0.34, 0.4, 0.5, 0.6, 0.75])
def test_committed_welfare_and_its_maximum_match_the_closed_forms(share: float) -> None:
    bL, bF = 1 / share, 1 / (1 - share)
    for kappa in (0.3, 1.0, 4.0):
        assert commitment.committed_welfare(bL, bF, 1.0, kappa) == pytest.approx(
            closed_forms.commitment(bL, bF, 1.0, kappa)["W"], rel=1e-12)
    star = closed_forms.commitment_optimal_kappa(bL, bF)
    assert commitment.best_commitment(bL, bF, 1.0, 100.0) == pytest.approx(star, rel=1e-8)


def test_commitment_below_a_third_has_no_interior_maximum() -> None:
    assert commitment.best_commitment(5.0, 1.25, 1.0, 100.0) == np.inf   # share 0.2


def test_commitment_maximum_moves_with_the_welfare() -> None:
    """The search fails when the welfare it maximises is another one: a wrong fringe cost
    moves the maximiser away from the closed form."""
    star = closed_forms.commitment_optimal_kappa(2.0, 2.0)
    assert abs(commitment.best_commitment(2.0, 2.2, 1.0, 100.0) - star) > 1e-3


@pytest.mark.parametrize("call, match", [
    (lambda: commitment.committed_welfare(-1.0, 1.0, 1.0, 1.0), "bL"),
    (lambda: commitment.committed_welfare(1.0, 1.0, 1.0, 0.0), "kappa"),
    (lambda: commitment.best_commitment(1.0, 1.0, 1.0, -5.0), "upper"),
    (lambda: commitment.best_commitment(1.0, 1.0, 1.0, 5.0, n_grid=1), "n_grid"),
])
def test_commitment_bad_inputs(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_prop11_condition_is_exact_in_the_symmetric_market_and_second_order_near_it() -> None:
    P, Q, _ = closed_forms.symmetric(5, 2.0, 1.0)
    assert np.abs(impact.optimality_residual(P, Q, np.full(5, 2.0))).max() < 1e-14
    eps = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])
    residuals = []
    for t in (0.1, 0.05):
        b = 2.0 * (1 + t * eps)
        residuals.append(np.abs(impact.optimality_residual(*equilibrium(b), b)).max())
    assert residuals[0] > 1e-5 and residuals[0] / residuals[1] == pytest.approx(4.0, rel=0.05)
