"""Exponential-utility (CARA) variant of the N-trader market (App. A, Props 15–16, paper (51)).

Player ``i`` has utility ``-exp(-α^i c)``; holding cost ``b^i`` becomes ``r α^i`` and the
Lyapunov equation (paper (16)) gains the term ``-2 r α^i A^i ΣΣᵀ A^i``, an algebraic Riccati
equation (paper (51), book eq. (dt-cara)):

``r A + A Q + Qᵀ A = ½ (Pᵀ Q_{i.} + Q_{i.}ᵀ P) - (r α^i / 2) E_ii - 2 r α^i A ΣΣᵀ A``.

The FOC (paper (15)) is unchanged. ``A^i`` is the stabilising solution, computed from the
ordered real Schur form of the Hamiltonian, which also covers a singular ``ΣΣᵀ`` (``Σ = 0`` is the
Lyapunov equation of the linear-quadratic model, Prop 16). The equilibrium is followed in the
shock size from ``Σ = 0``; ``continuation_trace`` records the branch with the smallest singular
value of the Jacobian of (15)+(51) and the Hamiltonian's distance to the imaginary axis. For the
five-player example with uniform shocks the branch folds (the Jacobian becomes singular) at
``σ ≈ 0.3216``; existence beyond is unverified and ``solve_cara`` raises ``CaraExistenceError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import schur
from scipy.optimize import root

from lib import validation
from lib.dynamic_trading.dynamics import _index, check_pq

Array = np.ndarray

__all__ = [
    "CaraExistenceError",
    "CaraTrace",
    "continuation_trace",
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


def _riccati_terms(
    P: Array, Q: Array, alpha_i: float, i: int, r: float, S: Array
) -> tuple[Array, Array, Array]:
    """``(a, G, C)`` of player ``i``'s Riccati equation (51) as ``aᵀA + A a - A G A + C = 0``."""
    C = (np.outer(P, Q[i]) + np.outer(Q[i], P)) / 2.0
    C[i, i] -= r * alpha_i / 2.0
    return -Q - (r / 2.0) * np.eye(P.size), 2.0 * r * alpha_i * S, C


def _hamiltonian(a: Array, G: Array, C: Array) -> Array:
    return np.block([[a, -G], [-C, -a.T]])


def _imaginary_gap(H: Array) -> float:
    """Smallest ``|Re λ|`` over the eigenvalues ``λ`` of the Hamiltonian ``H``."""
    return float(np.min(np.abs(np.linalg.eigvals(H).real)))


def _stabilising_care(a: Array, G: Array, C: Array) -> Array:
    """Stabilising ``X`` of ``aᵀX + X a - X G X + C = 0`` (``a - G X`` stable), via Schur."""
    n = a.shape[0]
    H = _hamiltonian(a, G, C)
    scale = max(1.0, float(np.max(np.abs(H))))
    if _imaginary_gap(H) < 1e-9 * scale:
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
    return _stabilising_care(*_riccati_terms(P, Q, alpha_i, i, r, S))


def _check_alpha(alpha: object) -> Array:
    alpha = np.asarray(alpha, dtype=float)
    if alpha.ndim != 1 or alpha.size < 3:
        raise ValueError(f"alpha must be a 1-D array of length N >= 3, got shape {alpha.shape}")
    if not np.all(np.isfinite(alpha)) or np.any(alpha <= 0):
        raise ValueError("alpha must be finite and > 0")
    return alpha


def _value_matrices(P: Array, Q: Array, alpha: Array, r: float, S: Array) -> Array:
    """The stabilising roots ``A^i`` of (51) for every player, stacked ``(N, N, N)``."""
    return np.stack([_stabilising_care(*_riccati_terms(P, Q, alpha[i], i, r, S))
                     for i in range(P.size)])


def _residual(P: Array, Q: Array, A: Array) -> Array:
    """FOC (15) ``p^i Q_{i.} + q^{ii} P - 2 (A^i Q_{.i})ᵀ`` stacked over the players ``i``."""
    AQ = np.einsum("ijl,li->ij", A, Q)
    return (P[:, None] * Q + np.diag(Q)[:, None] * P[None, :] - 2.0 * AQ).ravel()


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
    r = validation.positive("r", r)
    S = _covariance(SigmaSigmaT, P.size)
    return _residual(P, Q, _value_matrices(P, Q, alpha, r, S))


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
    """``(P, Q)`` from ``x = (P, rows 1..N-1 of Q)``, the last row making the columns sum to 0;
    leading axes of ``x`` are batch axes."""
    top = x[..., N:].reshape(*x.shape[:-1], N - 1, N)
    return x[..., :N], np.concatenate([top, -top.sum(axis=-2, keepdims=True)], axis=-2)


def _jacobian(P: Array, Q: Array, A: Array, alpha: Array, r: float, S: Array) -> Array:
    """Jacobian of the residual (15) in ``x = (P, rows 1..N-1 of Q)``, ``A^i`` moving with (51).

    Differentiating (51) gives the Lyapunov equation ``Fᵀ dA + dA F = dQᵀA + A dQ - dC`` in the
    closed loop ``F = a - G A`` (stable), solved in Kronecker form for all directions at once.
    """
    N = P.size
    n = N * N
    dP, dQ = _unpack(np.eye(n), N)                                   # (n, N), (n, N, N)
    eye = np.eye(N)
    FT = np.swapaxes(-Q - (r / 2.0) * eye - 2.0 * r * alpha[:, None, None] * S @ A, -1, -2)
    L = (np.einsum("iab,cd->iacbd", FT, eye)
         + np.einsum("ab,icd->iacbd", eye, FT)).reshape(N, n, n)     # Kronecker form of Fᵀ X + X F
    outer = dP[:, None, :, None] * Q[None, :, None, :] + P[:, None] * dQ[:, :, None, :]
    dC = (outer + np.swapaxes(outer, -1, -2)) / 2.0                  # (n, i, N, N)
    dQT = np.swapaxes(dQ, -1, -2)[:, None]
    rhs = dQT @ A[None] + A[None] @ dQ[:, None] - dC                 # (n, i, N, N)
    dA = np.linalg.solve(L, np.moveaxis(rhs.reshape(n, N, n), 0, -1)).reshape(N, N, N, n)
    dR = (dP[:, :, None] * Q[None] + P[None, :, None] * dQ
          + np.diagonal(dQ, axis1=1, axis2=2)[:, :, None] * P[None, None, :]
          + np.diag(Q)[None, :, None] * dP[:, None, :]
          - 2.0 * np.einsum("ijlk,li->kij", dA, Q) - 2.0 * np.einsum("ijl,kli->kij", A, dQ))
    return dR.reshape(n, n).T


def _admissible(P: Array, Q: Array) -> bool:
    """Prop 3 conditions: ``p^i < 0``, ``q^{ii} > 0``, spectrum of ``Q`` in ``Re >= 0``."""
    spectrum = np.linalg.eigvals(Q).real
    return bool(np.all(P < 0) and np.all(np.diag(Q) > 0) and spectrum.min() > -1e-9)


def _check_sigma(sigma: object, N: int) -> Array:
    sigma = np.asarray(sigma, dtype=float)
    if sigma.shape != (N,) or not np.all(np.isfinite(sigma)) or np.any(sigma < 0):
        raise ValueError(f"sigma must be a vector of {N} finite values >= 0")
    return sigma


@dataclass(frozen=True)
class CaraTrace:
    """The equilibrium branch ``σ_s = s σ`` of ``continuation_trace``, one row per reached scale.

    ``scales`` (K,), ``P`` (K, N), ``Q`` (K, N, N), ``residual`` (K,) the max ``|residual|`` of
    (15); ``jacobian_min_sv`` (K,) the smallest singular value of the Jacobian of (15), divided by
    ``r``, with (51) in ``(P, rows 1..N-1 of Q / r)``, which do not depend on the time unit
    ``1/r`` (the holding costs are ``r α``); zero at a fold of the branch; ``hamiltonian_gap``
    (K,) the smallest ``|Re λ|`` over the players' Hamiltonian eigenvalues (zero when (51) loses
    its stabilising root).
    ``failed_scale`` and ``failure`` are the first scale not reached and why (``None`` if all were);
    ``failure`` names what stopped the root finder, possibly at a trial point off the branch, so
    the diagnostics of the reached scales tell the mechanism (a fold when ``jacobian_min_sv → 0``).
    """

    scales: Array
    P: Array
    Q: Array
    residual: Array
    jacobian_min_sv: Array
    hamiltonian_gap: Array
    failed_scale: float | None
    failure: str | None

    def fold_estimate(self, points: int) -> float:
        """The scale at which the branch turns back, from the last ``points`` reached scales:
        at a fold ``jacobian_min_sv ~ c sqrt(s* - s)``, so its square is linear in ``s`` and
        its zero is ``s*`` (least squares; two points give the secant)."""
        points = validation.integer("points", points, minimum=2)
        if points > self.scales.size:
            raise ValueError(f"points must be at most the {self.scales.size} reached scales, "
                             f"got {points}")
        slope, intercept = np.polyfit(self.scales[-points:], self.jacobian_min_sv[-points:] ** 2,
                                      1)
        return float(-intercept / slope)


def continuation_trace(
    alpha: Array, sigma: Array, scales: Array, r: float = 1.0, tol: float = 1e-12
) -> CaraTrace:
    """Follow the CARA equilibrium (Prop 15) along ``Σ = diag(s σ)`` for increasing ``scales``.

    Starts from the Prop 13 guess with ``b = r α`` (the linear-quadratic model at ``σ = 0``,
    Prop 16) and solves (15) with the stabilising roots of (51) by ``scipy.optimize.root``
    (hybr, analytic Jacobian) at each scale, starting from the previous root. Stops at the first
    scale with no stabilising Riccati root, no convergence to ``max |residual| <= 1e-10``, or a
    root outside the Prop 3 region (``p^i < 0``, ``q^{ii} > 0``, ``Re eig Q >= 0``), and records
    it instead of raising.

    Parameters
    ----------
    alpha : risk aversions ``α^i > 0``, length ``N >= 3``.
    sigma : shock sizes ``σ^i >= 0``, length ``N``; the path is ``Σ = diag(s σ)``.
    scales : increasing scales ``s >= 0``.
    r : interest rate ``> 0``.
    tol : tolerance of the root finder ``> 0``.

    Returns
    -------
    CaraTrace
        ``P``, ``Q``, the residual and the two diagnostics of the loss (Jacobian singular value,
        Hamiltonian gap) at every reached scale, and the first failed scale with its message.
    """
    alpha = _check_alpha(alpha)
    sigma = _check_sigma(sigma, alpha.size)
    scales = validation.finite_array("scales", scales)
    if scales.ndim != 1 or scales.size == 0 or scales[0] < 0 or np.any(np.diff(scales) <= 0):
        raise ValueError("scales must be a non-empty 1-D array of increasing values >= 0")
    r = validation.positive("r", r)
    tol = validation.positive("tol", tol)
    N = alpha.size
    P, Q = prop13_guess(r * alpha, r)
    x = np.concatenate([P, Q[:-1].ravel()])
    rows = []
    failed_scale = failure = None
    for s in map(float, scales):
        S = np.diag((s * sigma) ** 2)

        def residual(z: Array, S: Array = S) -> Array:
            P, Q = _unpack(z, N)
            return _residual(P, Q, _value_matrices(P, Q, alpha, r, S))

        def jacobian(z: Array, S: Array = S) -> Array:
            P, Q = _unpack(z, N)
            return _jacobian(P, Q, _value_matrices(P, Q, alpha, r, S), alpha, r, S)

        try:
            x_new = root(residual, x, jac=jacobian, method="hybr", tol=tol).x
            P, Q = _unpack(x_new, N)
            A = _value_matrices(P, Q, alpha, r, S)
        except CaraExistenceError as err:
            failed_scale, failure = s, (f"at shock size {s} * sigma: {err} (existence beyond "
                                        "about 0.3 is unverified)")
            break
        worst = float(np.max(np.abs(_residual(P, Q, A))))
        if worst > 1e-10 or not _admissible(P, Q):
            failed_scale, failure = s, (f"no admissible equilibrium found at shock size {s} * "
                                        f"sigma (max residual {worst:.1e}); existence beyond "
                                        "about 0.3 is unverified")
            break
        gap = min(_imaginary_gap(_hamiltonian(*_riccati_terms(P, Q, alpha[i], i, r, S)))
                  for i in range(N))
        units = np.r_[np.full(N, 1.0 / r), np.ones(N * (N - 1))]   # unknowns P, Q / r;
        min_sv = np.linalg.svd(_jacobian(P, Q, A, alpha, r, S) * units,  # residual / r
                               compute_uv=False)[-1]
        rows.append((s, P, Q, worst, min_sv, gap))
        x = x_new
    shapes = [(), (N,), (N, N), (), (), ()]
    columns = [np.array([row[k] for row in rows]).reshape(-1, *shape)
               for k, shape in enumerate(shapes)]
    return CaraTrace(*columns, failed_scale=failed_scale, failure=failure)


def solve_cara(
    alpha: Array,
    sigma: Array,
    r: float = 1.0,
    steps: int = 5,
    tol: float = 1e-12,
) -> tuple[Array, Array, list[Array]]:
    """CARA equilibrium with ``Σ = diag(σ)`` by continuation in the shock size (Prop 15, App. A.2).

    ``continuation_trace`` over ``s = 0, 1/steps, ..., 1``: starts from the Prop 13 guess with
    ``b = r α`` at ``σ = 0`` (the linear-quadratic model, Prop 16) and solves paper (15) and (51)
    at each step. Raises ``CaraExistenceError`` if a step has no stabilising Riccati solution,
    does not converge to ``max |residual| <= 1e-10``, or leaves the Prop 3 region
    (``p^i < 0``, ``q^{ii} > 0``, ``Re eig Q >= 0``).

    Returns ``(P, Q, [A^1, ..., A^N])``.
    """
    steps = validation.integer("steps", steps, minimum=1)
    trace = continuation_trace(alpha, sigma, np.linspace(0.0, 1.0, steps + 1), r, tol)
    if trace.failure is not None:
        raise CaraExistenceError(trace.failure)
    P, Q = trace.P[-1], trace.Q[-1]
    S = np.diag(np.asarray(sigma, dtype=float) ** 2)
    return P, Q, [value_matrix(P, Q, alpha[i], i, r, S) for i in range(P.size)]
