"""Exponential-utility (CARA) variant of the N-trader market (App. A, Props 15–16, paper (51)).

Player ``i`` has utility ``-exp(-α^i c)``; holding cost ``b^i`` becomes ``r α^i`` and the
Lyapunov equation (paper (16)) gains the term ``-2 r α^i A^i ΣΣᵀ A^i``, an algebraic Riccati
equation (paper (51), book eq. (dt-cara)):

``r A + A Q + Qᵀ A = ½ (Pᵀ Q_{i.} + Q_{i.}ᵀ P) - (r α^i / 2) E_ii - 2 r α^i A ΣΣᵀ A``.

The FOC (paper (15)) is unchanged. ``A^i`` is the stabilising solution, computed from the
ordered real Schur form of the Hamiltonian, which also covers a singular ``ΣΣᵀ`` (``Σ = 0`` is the
Lyapunov equation of the linear-quadratic model, Prop 16). Existence beyond a shock size of
about 0.3 is unverified (the chapter's unresolved question): the solver raises
``CaraExistenceError`` there.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import schur
from scipy.optimize import root

from lib import validation
from lib.dynamic_trading.dynamics import _index, check_pq

Array = np.ndarray

__all__ = [
    "CaraExistenceError",
    "equilibrium_residual",
    "prop13_guess",
    "solve_cara",
    "value_matrix",
]


class CaraExistenceError(RuntimeError):
    """No stabilising Riccati solution or no converged equilibrium (existence unverified)."""


def _covariance(SigmaSigmaT: object, N: int) -> Array:
    S = np.asarray(SigmaSigmaT, dtype=float)
    if S.shape != (N, N) or not np.all(np.isfinite(S)) or not np.allclose(S, S.T):
        raise ValueError(f"SigmaSigmaT must be a finite symmetric {N} x {N} matrix")
    if np.min(np.linalg.eigvalsh(S)) < -1e-12 * max(1.0, float(np.max(np.abs(S)))):
        raise ValueError("SigmaSigmaT must be positive semidefinite")
    return S


def _stabilising_care(a: Array, G: Array, C: Array) -> Array:
    """Stabilising ``X`` of ``aᵀX + X a - X G X + C = 0`` (``a - G X`` stable), via Schur."""
    n = a.shape[0]
    H = np.block([[a, -G], [-C, -a.T]])
    scale = max(1.0, float(np.max(np.abs(H))))
    if np.min(np.abs(np.linalg.eigvals(H).real)) < 1e-9 * scale:
        raise CaraExistenceError("Hamiltonian eigenvalues on the imaginary axis: "
                                 "no stabilising Riccati solution")
    _, Z, sdim = schur(H, output="real", sort="lhp")
    U1, U2 = Z[:n, :n], Z[n:, :n]
    if sdim != n or np.linalg.cond(U1) > 1e12:
        raise CaraExistenceError("no stabilising Riccati solution (stable subspace not a graph)")
    X = np.linalg.solve(U1.T, U2.T).T
    return (X + X.T) / 2.0


def value_matrix(
    P: Array, Q: Array, alpha_i: float, i: int, r: float, SigmaSigmaT: Array
) -> Array:
    """CARA value matrix ``A^i``: the stabilising root of the Riccati equation (51) of Prop 15.

    Written as ``aᵀA + A a - A G A + C = 0`` with ``a = -Q - (r/2) I``,
    ``G = 2 r α^i ΣΣᵀ`` and ``C = ½ (Pᵀ Q_{i.} + Q_{i.}ᵀ P) - (r α^i / 2) E_ii``.
    """
    P, Q = check_pq(P, Q)
    alpha_i = validation.positive("alpha_i", alpha_i)
    r = validation.positive("r", r)
    i = _index(i, P.size)
    S = _covariance(SigmaSigmaT, P.size)
    C = (np.outer(P, Q[i]) + np.outer(Q[i], P)) / 2.0
    C[i, i] -= r * alpha_i / 2.0
    a = -Q - (r / 2.0) * np.eye(P.size)
    return _stabilising_care(a, 2.0 * r * alpha_i * S, C)


def _check_alpha(alpha: object) -> Array:
    alpha = np.asarray(alpha, dtype=float)
    if alpha.ndim != 1 or alpha.size < 3:
        raise ValueError(f"alpha must be a 1-D array of length N >= 3, got shape {alpha.shape}")
    if not np.all(np.isfinite(alpha)) or np.any(alpha <= 0):
        raise ValueError("alpha must be finite and > 0")
    return alpha


def equilibrium_residual(
    P: Array, Q: Array, alpha: Array, r: float, SigmaSigmaT: Array
) -> Array:
    """Stacked FOC residuals (paper (15)) ``p^i Q_{i.} + q^{ii} P - 2 (A^i Q_{.i})ᵀ``, CARA ``A^i``.

    All ``N`` players are strategic; returns a vector of length ``N²``.
    """
    P, Q = check_pq(P, Q)
    alpha = _check_alpha(alpha)
    if alpha.size != P.size:
        raise ValueError(f"alpha must have length {P.size}, got {alpha.size}")
    res = []
    for i in range(P.size):
        A = value_matrix(P, Q, alpha[i], i, r, SigmaSigmaT)
        res.append(P[i] * Q[i] + Q[i, i] * P - 2.0 * A @ Q[:, i])
    return np.concatenate(res)


def prop13_guess(b: Array, r: float = 1.0) -> tuple[Array, Array]:
    """Prop 13 approximation (paper (41)) around the mean ``b̄``: ``(P̂, Q̂)``, a starting point.

    ``p̂^i = -(b̄/(N r)) (1 + (3N-4)/(N(N-1)) ε^i)``, ``Q̂ = κ (I - S/N)(I + D_ε)``,
    ``κ = r (N-2)/2`` and ``b^i = b̄ (1 + ε^i)``.
    """
    b = _check_alpha(b)
    r = validation.positive("r", r)
    N, bbar = b.size, float(b.mean())
    eps = b / bbar - 1.0
    P = -bbar / (N * r) * (1.0 + (3 * N - 4) / (N * (N - 1)) * eps)
    Q = r * (N - 2) / 2.0 * (np.eye(N) - 1.0 / N) * (1.0 + eps)[None, :]
    return P, Q


def _unpack(x: Array, N: int) -> tuple[Array, Array]:
    top = x[N:].reshape(N - 1, N)
    return x[:N], np.vstack([top, -top.sum(axis=0)])


def _admissible(P: Array, Q: Array) -> bool:
    """Prop 3 conditions: ``p^i < 0``, ``q^{ii} > 0``, spectrum of ``Q`` in ``Re >= 0``."""
    spectrum = np.linalg.eigvals(Q).real
    return bool(np.all(P < 0) and np.all(np.diag(Q) > 0) and spectrum.min() > -1e-9)


def solve_cara(
    alpha: Array,
    sigma: Array,
    r: float = 1.0,
    steps: int = 5,
    tol: float = 1e-12,
) -> tuple[Array, Array, list[Array]]:
    """CARA equilibrium with ``Σ = diag(σ)`` by continuation in the shock size (Prop 15, App. A.2).

    Starts from the Prop 13 guess with ``b = r α`` at ``σ = 0`` (the linear-quadratic model,
    Prop 16) and scales ``σ`` up in ``steps`` equal steps, solving paper (15) and (51) with
    ``scipy.optimize.root`` (hybr) at each. Raises ``CaraExistenceError`` if a step has no
    stabilising Riccati solution, does not converge to ``max |residual| <= 1e-10``, or
    leaves the Prop 3 region (``p^i < 0``, ``q^{ii} > 0``, ``Re eig Q >= 0``).

    Returns ``(P, Q, [A^1, ..., A^N])``.
    """
    alpha = _check_alpha(alpha)
    r = validation.positive("r", r)
    steps = validation.integer("steps", steps, minimum=1)
    tol = validation.positive("tol", tol)
    sigma = np.asarray(sigma, dtype=float)
    if sigma.shape != alpha.shape or not np.all(np.isfinite(sigma)) or np.any(sigma < 0):
        raise ValueError(f"sigma must be a vector of {alpha.size} finite values >= 0")
    N = alpha.size
    P, Q = prop13_guess(r * alpha, r)
    x = np.concatenate([P, Q[:-1].ravel()])
    for s in np.linspace(0.0, 1.0, steps + 1):
        S = np.diag((s * sigma) ** 2)
        try:
            sol = root(lambda z, S=S: equilibrium_residual(*_unpack(z, N), alpha, r, S), x,
                       method="hybr", tol=tol)
            P, Q = _unpack(sol.x, N)
            worst = float(np.max(np.abs(equilibrium_residual(P, Q, alpha, r, S))))
        except CaraExistenceError as err:
            raise CaraExistenceError(f"at shock size {s} * sigma: {err} (existence beyond "
                                     "about 0.3 is unverified)") from err
        if worst > 1e-10 or not _admissible(P, Q):
            raise CaraExistenceError(f"no admissible equilibrium found at shock size {s} * sigma "
                                     f"(max residual {worst:.1e}); existence beyond about 0.3 "
                                     "is unverified")
        x = sol.x
    S = np.diag(sigma**2)
    return P, Q, [value_matrix(P, Q, alpha[i], i, r, S) for i in range(N)]
