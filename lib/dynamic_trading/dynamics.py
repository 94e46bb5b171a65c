"""Equilibrium dynamics of the N-trader market: impulse responses, eigen form, Props 13–14.

Inputs are plain arrays: the pricing row ``P`` (1-D, length N), the trading matrix ``Q``
(N x N, zero column sums), the risk coefficients ``b`` and the discount rate ``r``
(Sections 2 and 5 of the paper). Inventories follow ``dX = -Q X dt`` without shocks, and
``p = P X``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm
from scipy.optimize import brentq

from lib import validation

Array = np.ndarray

__all__ = [
    "check_pq",
    "eigendecomposition",
    "impulse_response",
    "lemma2_foc_residual",
    "lemma2_value_matrix",
    "price_path",
    "prop14_eigen",
]

# Imaginary parts of eigenvalues below this (relative to the spectrum) count as round-off.
_IMAG_TOL = 1e-9


def check_pq(P: object, Q: object) -> tuple[Array, Array]:
    """Return ``(P, Q)`` as float arrays; check shapes ``(N,)`` and ``(N, N)`` and finiteness."""
    P = np.asarray(P, dtype=float)
    Q = np.asarray(Q, dtype=float)
    if P.ndim != 1 or P.size < 2:
        raise ValueError(f"P must be a 1-D array of length N >= 2, got shape {P.shape}")
    if Q.shape != (P.size, P.size):
        raise ValueError(f"Q must have shape ({P.size}, {P.size}), got {Q.shape}")
    if not (np.all(np.isfinite(P)) and np.all(np.isfinite(Q))):
        raise ValueError("P and Q must be finite")
    return P, Q


def _check_q(Q: object) -> Array:
    return validation.square_matrix("Q", Q)


def _index(i: object, N: int) -> int:
    i = validation.integer("i", i, minimum=0)
    if i >= N:
        raise ValueError(f"i must be < N = {N}, got {i}")
    return i


def _time_grid(t: object) -> Array:
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be a 1-D array of finite times >= 0")
    return t


def impulse_response(Q: Array, X0: Array, t: Array) -> Array:
    """Inventory path ``X_t = expm(-Q t) X0`` without shocks (paper (5) with ``q = Q X``).

    Returns an array of shape ``(len(t), N)``.
    """
    Q = _check_q(Q)
    X0 = np.asarray(X0, dtype=float)
    if X0.shape != (Q.shape[0],) or not np.all(np.isfinite(X0)):
        raise ValueError(f"X0 must be a finite vector of length {Q.shape[0]}, got shape {X0.shape}")
    t = _time_grid(t)
    return expm(-t[:, None, None] * Q) @ X0


def price_path(P: Array, Q: Array, X0: Array, t: Array) -> Array:
    """Equilibrium price ``p_t = P expm(-Q t) X0`` (deviation from fundamental value)."""
    P, Q = check_pq(P, Q)
    return impulse_response(Q, X0, t) @ P


def eigendecomposition(Q: Array, normalize: str = "paper") -> tuple[Array, Array]:
    """Real eigen-decomposition ``Q = U diag(kappas) U^{-1}``, eigenvalues ascending (eq. 25).

    ``normalize="paper"``: column 1 has entry 1 equal to 1; every other column has its
    positive entries summing to 1 and entry 1 > 0 (the normalisation of the paper's (25)).
    ``normalize="unit"``: unit Euclidean columns. Signs make the first nonzero entry positive
    (entry 1 in the paper).
    Complex spectra raise ``ValueError`` (Lemma 2 needs real eigenvectors).
    """
    Q = _check_q(Q)
    if normalize not in ("paper", "unit"):
        raise ValueError(f"normalize must be 'paper' or 'unit', got {normalize!r}")
    kappas, U = np.linalg.eig(Q)
    scale = max(1.0, float(np.max(np.abs(kappas))))
    if np.max(np.abs(kappas.imag)) > _IMAG_TOL * scale or np.max(np.abs(U.imag)) > _IMAG_TOL:
        raise ValueError("Q has complex eigenvalues; Lemma 2 needs a real spectrum")
    order = np.argsort(kappas.real)
    kappas, U = kappas.real[order], U.real[:, order]
    if np.linalg.cond(U) > 1e12:
        raise ValueError("Q is not diagonalisable (eigenvectors are numerically dependent)")
    U = U / np.linalg.norm(U, axis=0)
    lead = np.argmax(np.abs(U) > 1e-12, axis=0)  # first nonzero entry (entry 1 in the paper)
    U = U * np.sign(U[lead, np.arange(U.shape[1])])
    if normalize == "unit":
        return kappas, U
    if abs(U[0, 0]) < 1e-12:
        raise ValueError("the first eigenvector has entry 1 equal to 0; cannot scale it to 1")
    scale = np.where(U > 0, U, 0.0).sum(axis=0)
    scale[0] = U[0, 0]
    return kappas, U / scale


def _lemma2_inputs(P, U, kappas, b_i, i, r) -> tuple:
    P, U = check_pq(P, U)
    kappas = np.asarray(kappas, dtype=float)
    if kappas.shape != P.shape or not np.all(np.isfinite(kappas)):
        raise ValueError(f"kappas must be a finite vector of length {P.size}")
    b_i = validation.positive("b_i", b_i)
    r = validation.positive("r", r)
    i = _index(i, P.size)
    if np.linalg.cond(U) > 1e12:
        raise ValueError("U must be invertible")
    return P, U, kappas, b_i, i, r


def _lemma2_tilde(P: Array, U: Array, kappas: Array, b_i: float, i: int, r: float) -> Array:
    u, PU = U[i], P @ U  # u^{ij} = U_ij and PU^j = P U_{.j}
    num = (-b_i * np.outer(u, u) + np.outer(PU, u * kappas) + np.outer(u * kappas, PU))
    return num / (2.0 * (r + kappas[:, None] + kappas[None, :]))


def lemma2_value_matrix(
    P: Array, U: Array, kappas: Array, b_i: float, i: int, r: float = 1.0
) -> Array:
    """Value matrix ``A^i = U^{-T} Ã^i U^{-1}`` of player ``i`` from its eigen form (paper (23)).

    ``ã_jk = (-b^i u^{ij} u^{ik} + (P U^j) u^{ik} κ_k + (P U^k) u^{ij} κ_j) / (2 (r + κ_j + κ_k))``;
    it solves the Lyapunov equation, paper (16), when ``Q = U diag(κ) U^{-1}``.
    """
    P, U, kappas, b_i, i, r = _lemma2_inputs(P, U, kappas, b_i, i, r)
    Uinv = np.linalg.inv(U)
    return Uinv.T @ _lemma2_tilde(P, U, kappas, b_i, i, r) @ Uinv


def lemma2_foc_residual(
    P: Array, U: Array, kappas: Array, b_i: float, i: int, r: float = 1.0
) -> Array:
    """Residual of the eigen-form FOC of strategic player ``i`` (paper (24)), one entry per k.

    ``u^{ik} (b^i + κ_k (p^i - P U K̃_k w) / (U_{i.} K̃_k w)) + (r + κ_k) P U^k`` with
    ``w = (U^{-1})_{.i}`` and ``K̃_k = diag(κ_j / (r + κ_j + κ_k))``; zero iff the FOC,
    paper (15), holds.
    """
    P, U, kappas, b_i, i, r = _lemma2_inputs(P, U, kappas, b_i, i, r)
    w = np.linalg.inv(U)[:, i]
    Kt = kappas[None, :] / (r + kappas[None, :] + kappas[:, None])  # row k = diag of K̃_k
    PU = P @ U
    e = (Kt * PU) @ w  # P U K̃_k w
    d = (Kt * U[i]) @ w  # U_{i.} K̃_k w
    return U[i] * (b_i + kappas * (P[i] - e) / d) + (r + kappas) * PU


def _secular(lam: float, a: Array) -> float:
    return float(np.sum(a / (a - lam)) - a.size)


def prop14_eigen(eps: Array, kappa: float) -> tuple[Array, Array]:
    """Spectrum of the Prop 13 matrix ``Q̂ = κ (I - S/N)(I + D_ε)`` by the secular equation,
    paper (46) (book eq. (dt-secular)).

    With ``a_j = 1 + ε^j`` sorted strictly ascending and positive, ``λ = κ'/κ`` solves
    ``Σ_j a_j / (a_j - λ) = N``: ``λ_1 = 0`` and one root in each ``(a_{i-1}, a_i)`` (Prop 14),
    found by Brent's method. Eigenvectors (45): ``v_j = 1 / (a_j - λ)``, which already satisfy
    ``Σ_j a_j v_j = N``. Returns ``(κ λ, V)`` with the vectors as columns.
    """
    eps = np.asarray(eps, dtype=float)
    kappa = validation.positive("kappa", kappa)
    if eps.ndim != 1 or eps.size < 2 or not np.all(np.isfinite(eps)):
        raise ValueError("eps must be a finite 1-D array of length N >= 2")
    a = 1.0 + eps
    if a[0] <= 0:
        raise ValueError(f"eps must satisfy 1 + eps[0] > 0, got eps[0] = {eps[0]}")
    if np.any(np.diff(a) <= 0):
        raise ValueError("eps must be strictly increasing (players ordered largest first)")
    lam = np.zeros(a.size)
    for k in range(1, a.size):
        lo, hi = a[k - 1], a[k]
        pad = 1e-12 * (hi - lo)
        lam[k] = brentq(_secular, lo + pad, hi - pad, args=(a,), xtol=1e-15, rtol=1e-15)
    V = 1.0 / (a[:, None] - lam[None, :])
    return kappa * lam, V
