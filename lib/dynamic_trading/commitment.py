"""A large trader who commits to a speed of trade against a competitive fringe (Prop 8),
solved numerically, independently of the closed forms of book eq. (dt-commitment).

The large trader (player 1) commits to ``Q(kappa) = kappa / (bL + bF) [[bL, -bF], [-bL, bF]]``
(eigenvalue ``kappa`` on ``[1, -1]``, none on ``1/b``); the fringe prices by its first-order
condition (dt-fringe-foc), paper (17), which is linear in ``P``; the large trader's value
matrix solves the Lyapunov equation (dt-lyapunov), paper (16). Its welfare at ``X0 = [1, -1]``
is ``W = [1, -1] A^L [1, -1]'``, maximised over ``kappa`` where its derivative, by a
five-point finite difference, changes sign.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from lib import validation
from lib.dynamic_trading.equations import value_matrix

Array = np.ndarray

__all__ = ["best_commitment", "committed_welfare", "welfare_slope"]


def _costs(bL: float, bF: float, r: float) -> tuple[float, float, float]:
    return tuple(validation.positive(name, value)
                 for name, value in (("bL", bL), ("bF", bF), ("r", r)))


def committed_welfare(bL: float, bF: float, r: float, kappa: float) -> float:
    """``W = [1, -1] A^L [1, -1]'`` when the large trader commits to the speed ``kappa``:
    ``P = -bF e_2' (r I + Q)^{-1}`` from (dt-fringe-foc), ``A^L`` from (dt-lyapunov)."""
    bL, bF, r = _costs(bL, bF, r)
    kappa = validation.positive("kappa", kappa)
    Q = kappa / (bL + bF) * np.array([[bL, -bF], [-bL, bF]])
    P = np.linalg.solve((r * np.eye(2) + Q).T, np.array([0.0, -bF]))
    x = np.array([1.0, -1.0])
    return float(x @ value_matrix(P, Q, bL, 0, r) @ x)


def welfare_slope(bL: float, bF: float, r: float, kappa: float) -> float:
    """``dW/dkappa`` by the five-point central difference with step ``1e-3 kappa``
    (truncation error of order ``1e-12``)."""
    h = 1e-3 * validation.positive("kappa", kappa)
    w = [committed_welfare(bL, bF, r, kappa + k * h) for k in (-2, -1, 1, 2)]
    return (w[0] - 8 * w[1] + 8 * w[2] - w[3]) / (12 * h)


def best_commitment(bL: float, bF: float, r: float, upper: float, n_grid: int = 64) -> float:
    """The welfare-maximising committed speed in ``(0, upper]``: the first sign change, from
    + to -, of ``welfare_slope`` on a geometric grid of ``n_grid`` speeds from ``1e-3 upper``,
    refined by Brent's method; ``inf`` when the welfare rises over the whole grid."""
    bL, bF, r = _costs(bL, bF, r)
    upper = validation.positive("upper", upper)
    n_grid = validation.integer("n_grid", n_grid, minimum=3)
    grid = np.geomspace(1e-3 * upper, upper, n_grid)
    slopes = np.array([welfare_slope(bL, bF, r, k) for k in grid])
    falls = np.flatnonzero((slopes[:-1] > 0) & (slopes[1:] <= 0))
    if falls.size == 0:
        if np.all(slopes > 0):
            return np.inf
        raise ValueError("the committed welfare does not rise from the smallest speed of the "
                         "grid: lower the grid's start (upper)")
    k = falls[0]
    return float(brentq(lambda x: welfare_slope(bL, bF, r, x), grid[k], grid[k + 1],
                        xtol=1e-14, rtol=1e-14))
