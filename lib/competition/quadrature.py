"""Quadrature on [0, 1] for integrands with boundary layers at either end.

Equilibria at large permanent impact kappa have layers of width 3/kappa at t = 0 and
1/kappa at t = 1 (book eq. (pb-large-kappa)), which a uniform grid resolves badly. Here the
interval is cut into panels that halve towards each end (down to 2^-40) and each panel gets a
20-point Gauss–Legendre rule: about 1,600 nodes, exact for polynomials of degree 39 on each
panel, and accurate to rounding for exponentials with rates up to several hundred.

``cumulative`` needs ``int_0^t f`` at many times ``t`` at once. It cuts the graded panels
further at every requested time (and halves them towards it), applies the same 20-point rule
on each piece (no wider than its panel, so at least as accurate) and sums the pieces in
order: about ``20 (len(t) + 80)`` evaluations of ``f``, linear in time and memory.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.polynomial import legendre

from lib import validation

Array = np.ndarray

_HALVINGS = 40
_POINTS = 20
_FINEST = 2.0 ** -10
_X, _W = legendre.leggauss(_POINTS)


def _graded_edges() -> Array:
    """Panel edges ``0, 2^-40, ..., 1/2, ..., 1 - 2^-40, 1``."""
    inner = 0.5 ** np.arange(_HALVINGS, 0, -1)  # 2^-40 ... 1/2
    return np.concatenate([[0.0], inner, 1.0 - inner[-2::-1], [1.0]])


def _rule(edges: Array) -> tuple[Array, Array]:
    """Nodes and weights, shape ``(len(edges) - 1, 20)``, of the 20-point Gauss–Legendre
    rule on each panel ``[edges[k], edges[k + 1]]``."""
    left, right = edges[:-1, None], edges[1:, None]
    half = (right - left) / 2.0
    return left + half * (_X + 1.0), half * _W


EDGES = _graded_edges()
NODES, WEIGHTS = (a.ravel() for a in _rule(EDGES))


def integrate(f: Callable[[Array], Array]) -> float:
    """``int_0^1 f(t) dt`` for a vectorised ``f``."""
    return float(WEIGHTS @ f(NODES))


def _breakpoints(times: Array) -> Array:
    """The graded edges, the sorted ``times`` and, before each time ``t``, the points
    ``t - 2^-10 2^k`` in the half nearest to ``t`` of its gap from the previous time (or 0):
    the pieces halve towards every time down to ``2^-10``, as the panels halve towards 0 and
    1, so that ``int_0^t f`` keeps its relative accuracy where ``f`` grows towards ``t`` like
    ``e^{r s}``, ``r`` up to about a thousand. The gaps add up to at most 1, so this adds at
    most about a thousand pieces, and none between times closer than ``2^-9``."""
    ends = times[times > 0.0]
    gaps = np.diff(ends, prepend=0.0)
    added = [EDGES, times]
    step = _FINEST
    while np.any(near := gaps > 2.0 * step):
        added.append(ends[near] - step)
        step *= 2.0
    return np.unique(np.concatenate(added))


def _running_sum(x: Array) -> Array:
    """``np.cumsum(x)`` with compensation: each partial sum carries the rounding errors of
    all the additions before it, recovered exactly by Knuth's two-sum and summed apart
    (Ogita, Rump and Oishi's cascaded summation), so it is accurate to about one rounding
    however many terms there are, where a plain running sum of n terms drifts like n."""
    total = np.cumsum(x)
    before = np.concatenate([[0.0], total[:-1]])
    added = total - before
    lost = (before - (total - added)) + (x - added)
    return total + np.cumsum(lost)


def cumulative(f: Callable[[Array], Array], t: Array) -> Array:
    """``F(t_i) = int_0^{t_i} f(s) ds`` for each entry of ``t`` (in ``[0, 1]``).

    ``t`` may have any shape and order and repeat values; ``f`` is called once, on a 2-D
    array of nodes in ``[0, 1]``.
    """
    t = validation.times(t, 1.0)
    times, where = np.unique(t, return_inverse=True)
    breaks = _breakpoints(times)
    nodes, weights = _rule(breaks)
    pieces = np.einsum("ij,ij->i", np.asarray(f(nodes), dtype=float), weights)
    F = np.concatenate([[0.0], _running_sum(pieces)])
    return F[np.searchsorted(breaks, times)][where.ravel()].reshape(t.shape)
