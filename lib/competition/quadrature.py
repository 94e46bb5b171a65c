"""Quadrature on [0, 1] for integrands with boundary layers at either end.

Equilibria at large permanent impact kappa have layers of width 3/kappa at t = 0 and
1/kappa at t = 1 (book eq. (pb-large-kappa)), which a uniform grid resolves badly. Here the
interval is cut into panels that halve towards each end (down to 2^-40) and each panel gets a
20-point Gauss–Legendre rule: about 1,600 nodes, exact for polynomials of degree 39 on each
panel, and accurate to rounding for exponentials with rates up to several hundred.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.polynomial import legendre

Array = np.ndarray

_HALVINGS = 40
_POINTS = 20


def _graded_rule() -> tuple[Array, Array]:
    inner = 0.5 ** np.arange(_HALVINGS, 0, -1)  # 2^-40 ... 1/2
    edges = np.concatenate([[0.0], inner, 1.0 - inner[-2::-1], [1.0]])
    x, w = legendre.leggauss(_POINTS)
    left, right = edges[:-1, None], edges[1:, None]
    nodes = (left + (right - left) * (x + 1.0) / 2.0).ravel()
    weights = ((right - left) * w / 2.0).ravel()
    return nodes, weights


NODES, WEIGHTS = _graded_rule()


def integrate(f: Callable[[Array], Array]) -> float:
    """``int_0^1 f(t) dt`` for a vectorised ``f``."""
    return float(WEIGHTS @ f(NODES))


def cumulative(f: Callable[[Array], Array], t: Array) -> Array:
    """``F(t_i) = int_0^{t_i} f(s) ds`` for each entry of ``t`` (in ``[0, 1]``)."""
    t = np.asarray(t, dtype=float)
    flat = t.ravel()
    values = f(np.multiply.outer(flat, NODES))
    return (flat * (values @ WEIGHTS)).reshape(t.shape)
