"""Conditional double auctions and direct mechanisms (Props 1–2, Theorem 1; eq. (dt-auction)).

Player ``i`` bids ``p = π̂^i - Σ_{j≠i} π^{ij} q^j``; in matrix form ``π̂ = p 1 + Π q`` (eq. 52)
with ``Π`` zero on the diagonal and ``1ᵀq = 0``. A direct mechanism is ``p = P X``,
``q = Q X`` with zero column sums; ``Q^F`` is ``Q`` with its first row replaced by ``P``.
"""

from __future__ import annotations

import numpy as np

from lib import validation
from lib.dynamic_trading.dynamics import check_pq

Array = np.ndarray

__all__ = ["clear_auction", "is_acceptable", "mechanism_from_profile", "profile_from_mechanism"]

# Condition number above which Q^F or Π̃ count as singular.
_COND_MAX = 1e12


def _mechanism(P: object, Q: object) -> tuple[Array, Array]:
    P, Q = check_pq(P, Q)
    if np.max(np.abs(Q.sum(axis=0))) > 1e-8 * max(1.0, float(np.max(np.abs(Q)))):
        raise ValueError("Q must have zero column sums (market clearing 1ᵀQ = 0)")
    return P, Q


def _slopes(Pi: object) -> Array:
    Pi = validation.square_matrix("Pi", Pi)
    if np.any(np.diag(Pi) != 0):
        raise ValueError("Pi must have a zero diagonal")
    return Pi


def _pi_tilde(Pi: Array) -> Array:
    """``Π̃ = [1, Π_{.2} - Π_{.1}, ..., Π_{.N} - Π_{.1}]`` (eq. 53)."""
    return np.column_stack([np.ones(Pi.shape[0]), Pi[:, 1:] - Pi[:, :1]])


def _q_first(P: Array, Q: Array) -> Array:
    return np.vstack([P, Q[1:]])


def is_acceptable(P: Array, Q: Array) -> bool:
    """Whether ``(P, Q)`` is acceptable: ``Q^F`` is invertible (Prop 2)."""
    P, Q = _mechanism(P, Q)
    return bool(np.linalg.cond(_q_first(P, Q)) < _COND_MAX)


def profile_from_mechanism(P: Array, Q: Array) -> tuple[Array, Array]:
    """Linear stationary auction profile ``(π̂, Π)`` implementing ``(P, Q)`` (paper (53) inverted).

    ``π̂_i = 1 / [(Q^F)^{-1}]_{i1}``, ``Π̃ = diag(π̂) (Q^F)^{-1}``; then ``π^{1j} = Π̃_{1j}``,
    ``π^{i1} = -Π̃_{ii}`` and ``π^{ij} = Π̃_{ij} + π^{i1}`` for ``i, j ≥ 2``. Needs an
    acceptable mechanism whose no-trade allocation has no zero entry (Theorem 1).
    """
    P, Q = _mechanism(P, Q)
    QF = _q_first(P, Q)
    if np.linalg.cond(QF) >= _COND_MAX:
        raise ValueError("(P, Q) is not acceptable: Q^F is singular (Prop 2)")
    G = np.linalg.inv(QF)
    if np.any(np.abs(G[:, 0]) < 1e-12 * np.max(np.abs(G[:, 0]))):
        raise ValueError("the no-trade allocation has a zero entry; no revealing profile exists")
    pihat = 1.0 / G[:, 0]
    Pt = pihat[:, None] * G
    first = np.concatenate([[0.0], -np.diag(Pt)[1:]])  # π^{i1}
    Pi = np.column_stack([first, Pt[:, 1:] + first[:, None]])
    np.fill_diagonal(Pi, 0.0)
    return pihat, Pi


def mechanism_from_profile(pihat: Array, Pi: Array) -> tuple[Array, Array]:
    """Direct mechanism ``(P, Q)`` of a linear profile: ``Q^F = Π̃^{-1} diag(π̂)`` (paper (53))."""
    Pi = _slopes(Pi)
    pihat = np.asarray(pihat, dtype=float)
    if pihat.shape != (Pi.shape[0],) or not np.all(np.isfinite(pihat)) or np.any(pihat == 0):
        raise ValueError(f"pihat must be a finite nonzero vector of length {Pi.shape[0]}")
    Pt = _pi_tilde(Pi)
    if np.linalg.cond(Pt) >= _COND_MAX:
        raise ValueError("Pi does not clear the market uniquely (Prop 1): Π̃ is singular")
    QF = np.linalg.solve(Pt, np.diag(pihat))
    Q = np.vstack([-QF[1:].sum(axis=0), QF[1:]])
    return QF[0], Q


def clear_auction(intercepts: Array, Pi: Array) -> tuple[float, Array]:
    """Clear the auction (11): solve ``π̂ = p 1 + Π q``, ``1ᵀq = 0`` for ``(p, q)``."""
    Pi = _slopes(Pi)
    intercepts = np.asarray(intercepts, dtype=float)
    if intercepts.shape != (Pi.shape[0],) or not np.all(np.isfinite(intercepts)):
        raise ValueError(f"intercepts must be a finite vector of length {Pi.shape[0]}")
    Pt = _pi_tilde(Pi)
    if np.linalg.cond(Pt) >= _COND_MAX:
        raise ValueError("Pi does not clear the market uniquely (Prop 1): Π̃ is singular")
    z = np.linalg.solve(Pt, intercepts)
    return float(z[0]), np.concatenate([[-z[1:].sum()], z[1:]])
