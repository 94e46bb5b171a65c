"""Compiled volume search of the scheme (book eq. (lp-scheme)) for one or two venues.

For a node (q, m) let H^i(ℓ) = max_j Δt λ^i_{j,m} G^i(q, m; ℓ, j). The step needs
max over ℓ¹, ℓ² <= q of f(ℓ¹ + ℓ²) (H¹(ℓ¹) + H²(ℓ²)) with f(ℓ) = e^{-κ_v ℓ}. Since f factorises,
for fixed ℓ¹ with c = H¹(ℓ¹) this is w(ℓ¹) max_b w_b (c + H²(ℓ_b)), w_b = e^{-κ_v ℓ_b}: the
upper envelope of the lines c ↦ w_b c + w_b H²(ℓ_b), evaluated at c. The envelope is built
once per node in O(N_ℓ) (slopes are sorted) and queried by bisection, so a node costs
O(N_ℓ log N_ℓ) instead of the O(N_ℓ²) of the plain search, and only volumes ℓ <= q are ever
formed. The result is the exact maximum; only the tie-breaking between equal values may differ
from the plain search.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["search"]


@njit(cache=True, inline="always")
def _interp(W, m, x):
    i0 = int(np.floor(x))
    if i0 >= W.shape[0] - 1:
        return W[W.shape[0] - 1, m]
    frac = x - i0
    return (1.0 - frac) * W[i0, m] + frac * W[i0 + 1, m]


@njit(cache=True)
def _venue(W, n, m, q, levels, na, dq, lam_dt, half_spread, probs, fractions, temporary,
           permanent, tick, H, J):
    """H^i(ℓ_a) and its argmax limit index for a = 0..na-1 at node (n, m) (lp-scheme)."""
    w_here = W[n, m]
    for a in range(na):
        g0 = 0.0
        g1 = 0.0
        g2 = 0.0
        for k in range(fractions.shape[0]):
            v = fractions[k] * levels[a]
            dW = _interp(W, m, n - v / dq) - w_here
            base = -temporary * v**1.5 - permanent * v * (q[n] - v) + dW
            pe = probs[k]
            g0 += pe * (v * (half_spread - tick) + base)
            g1 += pe * (v * half_spread + base)
            g2 += pe * (v * (half_spread + tick) + base)
        g0 *= lam_dt[m, 0]
        g1 *= lam_dt[m, 1]
        g2 *= lam_dt[m, 2]
        best, arg = g0, 0
        if g1 > best:
            best, arg = g1, 1
        if g2 > best:
            best, arg = g2, 2
        H[a] = best
        J[a] = arg


@njit(cache=True, parallel=True)
def search(W, q, levels, dq, lam_dt, half_spread, probs, fractions, temporary, permanent,
           tick, kvol):
    """Best value, volume indices (N, Nq, len(M)) and limit indices (N, Nq, len(M)) of every
    node."""
    Nq, M = W.shape
    N = lam_dt.shape[0]
    Nl = levels.shape[0]
    best = np.empty((Nq, M))
    idx = np.zeros((N, Nq, M), dtype=np.int64)
    lim = np.zeros((N, Nq, M), dtype=np.int64)
    w = np.exp(-kvol * levels)
    for m in prange(M):
        H1 = np.empty(Nl)
        H2 = np.empty(Nl)
        J1 = np.empty(Nl, dtype=np.int64)
        J2 = np.empty(Nl, dtype=np.int64)
        hull = np.empty(Nl, dtype=np.int64)
        for n in range(Nq):
            na = 0
            while na < Nl and levels[na] <= q[n] + 1e-9 * dq:
                na += 1
            _venue(W, n, m, q, levels, na, dq, lam_dt[0], half_spread[0, m], probs[0],
                   fractions, temporary[0], permanent[0], tick, H1, J1)
            if N == 1:
                top, ta = -np.inf, 0
                for a in range(na):
                    val = w[a] * H1[a]
                    if val > top:
                        top, ta = val, a
                best[n, m] = top
                idx[0, n, m] = ta
                lim[0, n, m] = J1[ta]
                continue
            _venue(W, n, m, q, levels, na, dq, lam_dt[1], half_spread[1, m], probs[1],
                   fractions, temporary[1], permanent[1], tick, H2, J2)
            # upper envelope of the lines y = w_b x + w_b H2[b], slopes increasing with hull order
            size = 0
            for b in range(na - 1, -1, -1):
                while size >= 2:
                    b1 = hull[size - 2]
                    b2 = hull[size - 1]
                    # b2 is useless if the b1–b intersection is left of the b1–b2 one
                    lhs = (w[b] * H2[b] - w[b1] * H2[b1]) * (w[b2] - w[b1])
                    rhs = (w[b2] * H2[b2] - w[b1] * H2[b1]) * (w[b] - w[b1])
                    if lhs >= rhs:
                        size -= 1
                    else:
                        break
                hull[size] = b
                size += 1
            top, ta, tb = -np.inf, 0, 0
            for a in range(na):
                c = H1[a]
                lo, hi = 0, size - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    u = hull[mid]
                    v = hull[mid + 1]
                    if w[v] * (c + H2[v]) >= w[u] * (c + H2[u]):   # ties: smaller volume
                        lo = mid + 1
                    else:
                        hi = mid
                b = hull[lo]
                val = np.exp(-kvol * (levels[a] + levels[b])) * (c + H2[b])
                if val > top:
                    top, ta, tb = val, a, b
            best[n, m] = top
            idx[0, n, m] = ta
            idx[1, n, m] = tb
            lim[0, n, m] = J1[ta]
            lim[1, n, m] = J2[tb]
    return best, idx, lim
