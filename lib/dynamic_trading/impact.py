"""Price impact of a deviating trader: beliefs (Prop 10), impact components (Lemma 3).

When player ``i`` sells at an arbitrary rate ``q^i_t``, the others infer his inventory from his
flow (26), their own inventories follow (27) and the price is (28) (paper numbering; book eq.
(dt-deviation)). The impact splits into instantaneous ``I^i`` (29), permanent ``Λ^i`` (30) and
transient ``T^i`` (31) (book eqs. (dt-impacts) and (dt-transient)).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from lib import validation
from lib.dynamic_trading.dynamics import _check_q, _index, _time_grid, check_pq

Array = np.ndarray

__all__ = [
    "belief",
    "deviation_system",
    "instantaneous_impact",
    "optimality_residual",
    "permanent_impact",
    "simulate_deviation",
    "transient_impact",
]


def _positive_diagonal(Q: Array) -> Array:
    d = np.diag(Q)
    if np.any(d <= 0):
        raise ValueError(f"Q must have a positive diagonal q^ii > 0, got {d}")
    return d


def _check_b(b: object, N: int) -> Array:
    b = np.asarray(b, dtype=float)
    if b.shape != (N,) or not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ValueError(f"b must be a vector of {N} finite risk coefficients > 0")
    return b


def instantaneous_impact(P: Array, Q: Array, F: Array | None = None) -> Array:
    """Instantaneous impact of every player: ``I^i = -p^i / q^{ii}`` (paper (29)), or with
    common values ``I^i = -(P F_i) / (Q_i F_i)``, ``F_i`` the i-th column of ``F`` (paper's
    footnote 30, book eq. (dt-common-foc))."""
    P, Q = check_pq(P, Q)
    if F is None:
        return -P / _positive_diagonal(Q)
    F = np.asarray(F, dtype=float)
    if F.shape != Q.shape:
        raise ValueError(f"F must have shape {Q.shape}, got {F.shape}")
    return -(P @ F) / np.einsum("ij,ji->i", Q, F)


def permanent_impact(b: Array, r: float = 1.0) -> Array:
    """Permanent impact ``Λ^i = 1 / (r Σ_{j≠i} 1/b^j)`` of every player (paper (30))."""
    b = np.asarray(b, dtype=float)
    if b.ndim != 1 or b.size < 2:
        raise ValueError(f"b must be a 1-D array of length N >= 2, got shape {b.shape}")
    b = _check_b(b, b.size)
    r = validation.positive("r", r)
    capacity = 1.0 / b
    return 1.0 / (r * (capacity.sum() - capacity))


def transient_impact(P: Array, Q: Array, b: Array, r: float = 1.0) -> Array:
    """Transient impact ``T^i = (P_{-i} + I^i Q_{i,-i}) Q_{-i,i} / q^{ii} - Λ^i`` (paper (31))."""
    P, Q = check_pq(P, Q)
    b = _check_b(b, P.size)
    d = _positive_diagonal(Q)
    I_ = -P / d
    off = ~np.eye(P.size, dtype=bool)
    # (P_{-i} + I^i Q_{i,-i}) Q_{-i,i} summed over j != i
    total = ((P[:, None] + I_[None, :] * Q.T) * Q * off).sum(axis=0) / d
    return total - permanent_impact(b, r)


def optimality_residual(P: Array, Q: Array, b: Array, r: float = 1.0) -> Array:
    """Residual of Prop 11's optimality condition for a trader whose impact has no transient
    part, book eq. (dt-no-transient) (paper (33)), row ``i`` for player ``i``, shape (N, N):
    ``(P - I^i Q_{i.})(r I + Q) + b^i e_i' - Λ^i Q_{i.}``. Zero for every row when no trader
    has a transient impact (the symmetric market, Prop 12)."""
    P, Q = check_pq(P, Q)
    b = _check_b(b, P.size)
    r = validation.positive("r", r)
    marginal = P[None, :] - instantaneous_impact(P, Q)[:, None] * Q
    return (marginal @ (r * np.eye(P.size) + Q) + np.diag(b)
            - permanent_impact(b, r)[:, None] * Q)


def deviation_system(P: Array, Q: Array, i: int) -> tuple[Array, Array]:
    """Matrices of (27): ``dX^{-i} = (M X^{-i} - q^i c) dt`` when player ``i`` deviates.

    ``M = -Q_{-i,-i} + Q_{-i,i} Q_{i,-i} / q^{ii}`` (singular; its other eigenvalues are minus
    the decay rates of the transient impact) and ``c = Q_{-i,i} / q^{ii}``.
    """
    P, Q = check_pq(P, Q)
    i = _index(i, P.size)
    qii = _positive_diagonal(Q)[i]
    keep = np.arange(P.size) != i
    col, row = Q[keep, i], Q[i, keep]
    return -Q[np.ix_(keep, keep)] + np.outer(col, row) / qii, col / qii


def belief(q_i: Array, X_others: Array, Q: Array, i: int) -> Array:
    """Others' belief ``X̂^i = (q^i - Q_{i,-i} X^{-i}) / q^{ii}`` about player ``i`` (eq. 26).

    ``q_i`` has shape ``(T,)`` (or is a scalar) and ``X_others`` shape ``(T, N-1)`` (or
    ``(N-1,)``); broadcasting follows numpy.
    """
    Q = _check_q(Q)
    i = _index(i, Q.shape[0])
    qii = _positive_diagonal(Q)[i]
    X_others = np.asarray(X_others, dtype=float)
    if X_others.shape[-1:] != (Q.shape[0] - 1,):
        raise ValueError(f"X_others must end in a dimension of length {Q.shape[0] - 1}")
    row = np.delete(Q[i], i)
    return (np.asarray(q_i, dtype=float) - X_others @ row) / qii


def _check_schedule(q_schedule: object) -> tuple[Array, Array]:
    try:
        breaks, rates = (np.asarray(v, dtype=float) for v in q_schedule)
    except (TypeError, ValueError) as err:
        raise ValueError("q_schedule must be a pair (breaks, rates) of 1-D arrays") from err
    if breaks.ndim != 1 or breaks.shape != rates.shape or breaks.size == 0:
        raise ValueError("q_schedule must be (breaks, rates) of equal, non-zero length")
    if breaks[0] != 0 or np.any(np.diff(breaks) <= 0) or not np.all(np.isfinite(rates)):
        raise ValueError("q_schedule breaks must start at 0 and increase; rates must be finite")
    return breaks, rates


def simulate_deviation(
    P: Array,
    Q: Array,
    b: Array,
    r: float,
    i: int,
    q_schedule: tuple[Array, Array],
    t: Array,
    X0_others: Array | None = None,
) -> dict[str, Array]:
    """Price path while player ``i`` sells at a piecewise-constant rate (Prop 10, Figure 1).

    ``q_schedule = (breaks, rates)``: rate ``rates[k]`` on ``[breaks[k], breaks[k+1])`` and
    ``rates[-1]`` after the last break (``q`` is right-continuous, so ``p`` at a break is the
    right limit). No shocks. The augmented state ``(X^{-i}, x, 1)``, ``x`` the cumulative
    sales, is propagated exactly by ``expm`` on each piece (27); the price is (28).

    Returns a dict with ``p`` (price), ``X`` (``X^{-i}``, shape ``(len(t), N-1)``), ``x``, ``q``,
    ``belief`` (26), ``perm = -Λ^i x``, ``inst = -I^i q`` and ``trans = p - perm - inst``
    (with ``X0_others`` nonzero, ``trans`` also holds the equilibrium path of ``X0_others``).
    """
    P, Q = check_pq(P, Q)
    N = P.size
    i = _index(i, N)
    b = _check_b(b, N)
    r = validation.positive("r", r)
    breaks, rates = _check_schedule(q_schedule)
    t = _time_grid(t)
    X0 = np.zeros(N - 1) if X0_others is None else np.asarray(X0_others, dtype=float)
    if X0.shape != (N - 1,) or not np.all(np.isfinite(X0)):
        raise ValueError(f"X0_others must be a finite vector of length {N - 1}")
    M, c = deviation_system(P, Q, i)

    def generator(rate: float) -> Array:
        G = np.zeros((N + 1, N + 1))
        G[: N - 1, : N - 1] = M
        G[: N - 1, N] = -rate * c
        G[N - 1, N] = rate
        return G

    piece = np.searchsorted(breaks, t, side="right") - 1
    # state at every break, then propagate each time from the start of its piece
    starts = [np.concatenate([X0, [0.0, 1.0]])]
    for k in range(breaks.size - 1):
        starts.append(expm(generator(rates[k]) * (breaks[k + 1] - breaks[k])) @ starts[-1])
    starts = np.array(starts)
    gens = np.array([generator(v) for v in rates])
    dt = t - breaks[piece]
    Z = (expm(dt[:, None, None] * gens[piece]) @ starts[piece][:, :, None])[:, :, 0]
    X, x, q = Z[:, : N - 1], Z[:, N - 1], rates[piece]
    P_others = np.delete(P, i)
    hat = belief(q, X, Q, i)
    p = X @ P_others + P[i] * hat
    perm = -permanent_impact(b, r)[i] * x
    inst = -instantaneous_impact(P, Q)[i] * q
    return {"p": p, "X": X, "x": x, "q": q, "belief": hat, "perm": perm, "inst": inst,
            "trans": p - perm - inst}
