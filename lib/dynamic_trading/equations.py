"""Equilibrium conditions of Sannikov & Skrzypacz (2016): paper (13)–(17), Props 2–4, and the
first-order condition with common values (book eqs. (dt-hjb)–(dt-fringe-foc), (dt-common-foc)).

A stationary linear mechanism is a price row ``P`` (N,) and a flow matrix ``Q`` (N, N) with
zero column sums: ``p_t = P X_t`` and ``q_t = Q X_t``. Player ``i``'s value is
``X' A^i X + k^i``, where ``A^i`` solves the Lyapunov equation (dt-lyapunov), paper (16),
and truthtelling is the first-order condition (dt-foc), paper (15) ((dt-fringe-foc), paper
(17), for a competitive fringe).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_continuous_lyapunov

from lib.dynamic_trading.model import Market

Array = np.ndarray

__all__ = [
    "Conditions",
    "check_conditions",
    "equilibrium_residual",
    "foc_residual",
    "fringe_residual",
    "value_constant",
    "value_matrices",
    "value_matrix",
    "welfare",
]


def value_matrix(P: Array, Q: Array, b_i: float, i: int, r: float) -> Array:
    """Value matrix ``A^i`` of player ``i`` (paper (16)), shape (N, N), symmetric.

    Solves ``r A + A Q + Q' A = (P' Q_i. + Q_i.' P)/2 - (b_i/2) E_ii``.
    """
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    C = 0.5 * (np.outer(P, Q[i]) + np.outer(Q[i], P))
    C[i, i] -= 0.5 * b_i
    A = solve_continuous_lyapunov(Q.T + 0.5 * r * np.eye(P.size), C)
    return 0.5 * (A + A.T)


def value_matrices(P: Array, Q: Array, market: Market) -> tuple[Array, ...]:
    """``A^i`` of every player, the fringe included (paper (16))."""
    return tuple(value_matrix(P, Q, b_i, i, market.r) for i, b_i in enumerate(market.b))


def value_constant(A_i: Array, sigma_sigma_t: Array, r: float, F: Array | None = None) -> float:
    """``k^i = tr(F Sigma Sigma' F' A^i) / r`` (paper (16), book eq. (dt-common-foc));
    ``F = None`` for private values."""
    S = np.asarray(sigma_sigma_t, dtype=float)
    if F is not None:
        S = F @ S @ F.T
    return float(np.trace(S @ A_i) / r)


def welfare(A_i: Array, k_i: float, X0: Array) -> Array:
    """Value ``f^i(X0) = X0' A^i X0 + k^i``; ``X0`` has shape (..., N)."""
    X0 = np.asarray(X0, dtype=float)
    return np.einsum("...j,jk,...k->...", X0, A_i, X0) + k_i


def foc_residual(P: Array, Q: Array, A_i: Array, i: int, F: Array | None = None) -> Array:
    """Truthtelling FOC of strategic player ``i`` (paper (15)), zero at equilibrium, shape (N,).

    ``p^i Q_i. + q^ii P - 2 (A^i Q_.i)'``; with a common-value matrix ``F`` it is (dt-common-foc),
    ``(P F_.i) Q_i. + (Q_i. F_.i) P - 2 (A^i Q F_.i)'``.
    """
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    f = np.eye(P.size)[:, i] if F is None else np.asarray(F, dtype=float)[:, i]
    return (P @ f) * Q[i] + (Q[i] @ f) * P - 2.0 * A_i @ (Q @ f)


def fringe_residual(P: Array, Q: Array, b_N: float, r: float) -> Array:
    """FOC of a competitive fringe as the last player (paper (17)): ``r P + P Q + b^N e_N'``."""
    P = np.asarray(P, dtype=float)
    res = r * P + P @ np.asarray(Q, dtype=float)
    res[-1] += b_N
    return res


def equilibrium_residual(P: Array, Q: Array, market: Market) -> Array:
    """Stacked FOCs of all players, shape (N*N,): paper (15) or book eq. (dt-common-foc) for
    the strategic ones, paper (17) for the fringe."""
    rows = [
        foc_residual(P, Q, value_matrix(P, Q, market.b[i], i, market.r), i, market.F)
        for i in market.strategic
    ]
    if market.fringe:
        rows.append(fringe_residual(P, Q, market.b[-1], market.r))
    return np.concatenate(rows)


@dataclass(frozen=True)
class Conditions:
    """Which sufficient conditions of Prop 3 hold for ``(P, Q)``, and why any fail.

    ``price_negative``: ``p^i < 0``; ``own_flow_positive``: ``q^ii > 0``; ``stable``: every
    eigenvalue of ``Q`` has real part ``>= 0`` (the paper's "positive real parts" is a slip:
    0 is always an eigenvalue); ``acceptable``: ``Q^F`` (``Q`` with its first row replaced by
    ``P``) is invertible (Prop 2); ``nondegenerate``: ``Q`` has no zero entry. ``failures``
    holds one message per failed condition.
    """

    price_negative: bool
    own_flow_positive: bool
    stable: bool
    acceptable: bool
    nondegenerate: bool
    failures: tuple[str, ...]

    @property
    def holds(self) -> bool:
        """True when every condition holds."""
        return not self.failures


def check_conditions(P: Array, Q: Array, *, tol: float = 1e-8, atol: float = 1e-12) -> Conditions:
    """Check ``p < 0``, ``q_ii > 0``, spectrum ``>= 0``, acceptability and non-degeneracy.

    Entries of ``Q`` and real parts of its eigenvalues count as zero when their size is below
    ``max(tol * max|Q_ij|, atol)``; ``Q^F`` is singular when ``|det Q^F|`` is below ``tol``
    times its Hadamard bound (the product of its row norms), after zeroing those entries.
    """
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    zero = max(tol * np.abs(Q).max(), atol)
    q_diag = np.diag(Q)
    spectrum = np.linalg.eigvals(Q)
    QF = np.vstack([P, np.where(np.abs(Q[1:]) > zero, Q[1:], 0.0)])
    det = np.linalg.det(QF)
    bound = np.prod(np.linalg.norm(QF, axis=1))
    smallest = np.abs(Q).min()
    checks = {
        "price_negative": (bool(np.all(P < 0)), f"p^i < 0 fails: P = {P}"),
        "own_flow_positive": (bool(np.all(q_diag > zero)),
                              f"q^ii > 0 fails: diag Q = {q_diag}"),
        "stable": (bool(spectrum.real.min() >= -zero),
                   f"Q has an eigenvalue with negative real part: {np.sort_complex(spectrum)}"),
        "acceptable": (bool(bound > 0 and abs(det) > tol * bound),
                       f"Q^F is singular (not acceptable): det Q^F = {det:.3g}"),
        "nondegenerate": (bool(smallest > zero),
                          f"Q has zero entries (degenerate): min |Q_ij| = {smallest:.3g}"),
    }
    failures = tuple(msg for ok, msg in checks.values() if not ok)
    return Conditions(**{name: ok for name, (ok, _) in checks.items()}, failures=failures)
