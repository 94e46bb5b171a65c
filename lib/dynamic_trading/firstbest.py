"""First best of Sannikov & Skrzypacz (2016): book eq. (dt-first-best), paper (7)–(8).

The efficient allocation shares the total inventory in proportion to risk capacity,
``Xbar^i = b_M X / b^i``, and the first-best price is ``pbar = -b_M X / r``.
"""

from __future__ import annotations

import numpy as np

from lib.dynamic_trading.model import Market

Array = np.ndarray

__all__ = ["efficient_allocation", "first_best_price_vector", "market_coefficient"]


def market_coefficient(b: Array) -> float:
    """Market risk coefficient ``b_M = (sum_i 1/b^i)**-1`` (paper (7)); ``b`` as in ``Market``."""
    return Market(b).b_market


def efficient_allocation(b: Array, X_total: Array) -> Array:
    """Efficient allocation ``Xbar^i = b_M X / b^i`` (paper (7)).

    ``X_total`` is a scalar or an array of total inventories; the result has shape
    ``X_total.shape + (N,)``.
    """
    m = Market(b)
    share = m.b_market * m.capacities
    return np.multiply.outer(np.asarray(X_total, dtype=float), share)


def first_best_price_vector(b: Array, r: float = 1.0) -> Array:
    """First-best pricing row ``Pbar = -(b_M / r) 1`` (paper (8)), shape ``(N,)``."""
    m = Market(b, r=r)
    return np.full(m.n, -m.b_market / m.r)
