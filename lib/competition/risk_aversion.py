"""Two-trader equilibrium with risk aversion (the paper's Section 14, its (55)–(60)).

A builds a unit position ``a`` and B a position ``lam * b`` on ``[0, 1]``, with
``a(0) = b(0) = 0`` and ``a(1) = b(1) = 1``, under linear impact (temporary 1, permanent
``kappa``). On top of its trading cost each trader pays a risk penalty (paper (55)–(56),
book eq. (pb-risk-averse-losses)): A pays ``xi_a vol^2 a^2``; B pays ``xi_b vol^2 b^2`` on its
*shape* (``penalise="shape"``, the model of the paper's appendix code; see the chapter's
erratum on B's risk penalty) or ``xi_b vol^2 (lam b)^2`` on its holding
(``penalise="holding"``). The Euler–Lagrange equations (paper (57)–(60), book eq.
(pb-risk-averse-equations)), solved for the second derivatives (pb-risk-averse-decoupled), are
the linear system ``y' = M y`` in ``y = (a, b, a', b')`` with two conditions at each end.

Single shooting with one ``expm(M)``, ``y(t) = expm(M t) (0, 0, p, q)`` with ``(p, q)`` fitted
to the conditions at ``t = 1``, amplifies rounding by about
``exp(mu)``, ``mu`` the largest eigenvalue of ``M``, and is useless past ``mu ~ 20``.
``risk_averse_states`` uses multiple shooting with exact propagators instead: ``[0, 1]`` is
cut into ``n`` equal steps with ``n >= |M|`` (in scaled units, so ``n ~ mu``), on each step
``y(t + 1/n) = expm(M/n) y(t)`` exactly, and the steps and the four boundary conditions form
one banded linear system. No mode grows by more than ``e`` over a step, so the system is as
well conditioned as the boundary-value problem itself, whatever ``kappa`` and ``vol^2 xi``;
eigenvectors are never formed, so repeated roots (``{0, 0, kappa, -kappa/3}`` at
``vol = 0``, book eq. (pb-decoupled)) need no special case.
``risk_averse_equilibrium_bvp`` (collocation) and ``risk_averse_equilibrium_mpmath`` (single
shooting in high precision) are independent checks.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from scipy.integrate import solve_bvp
from scipy.linalg import expm, solve_banded

from lib import validation

Array = np.ndarray
Real = float | mpmath.mpf

PENALTIES = ("shape", "holding")
TAYLOR_DEGREE = 16

__all__ = [
    "PENALTIES",
    "risk_averse_equilibrium",
    "risk_averse_equilibrium_bvp",
    "risk_averse_equilibrium_mpmath",
    "risk_averse_states",
    "risk_averse_states_mpmath",
    "system_matrix",
]


def _check(
    kappa: float, lam: float, vol: float, xi_a: float, xi_b: float, penalise: str
) -> tuple[float, float, float, float, float]:
    """The five parameters as floats after checking their domains."""
    if penalise not in PENALTIES:
        raise ValueError(f"penalise must be one of {PENALTIES}, got {penalise!r}")
    return (validation.positive("kappa", kappa), validation.positive("lam", lam),
            validation.nonnegative("vol", vol), validation.nonnegative("xi_a", xi_a),
            validation.nonnegative("xi_b", xi_b))


def _decoupled_rows(kappa: Real, lam: Real, vol: Real, xi_a: Real, xi_b: Real,
                    penalise: str) -> list[list[Real]]:
    """Rows of ``M`` (book eq. (pb-risk-averse-decoupled)) with integer coefficients, so that
    floats, mpmath numbers and sympy symbols all work (floats give the same bits as float
    coefficients; sympy's check against the Euler–Lagrange equations of the losses, paper
    (55)–(56), runs on this very function).

    ``alpha = xi_a vol^2`` and ``beta = xi_b vol^2 / lam^2`` (shape) or ``xi_b vol^2``
    (holding) are the risk terms of paper (57)–(60).
    """
    alpha = xi_a * vol**2
    beta = xi_b * vol**2 / lam**2 if penalise == "shape" else xi_b * vol**2
    return [
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [4 * alpha / 3, -2 * lam * beta / 3, kappa / 3, -2 * lam * kappa / 3],
        [-2 * alpha / (3 * lam), 4 * beta / 3, -2 * kappa / (3 * lam), kappa / 3],
    ]


def system_matrix(
    *, kappa: float, lam: float, vol: float, xi_a: float, xi_b: float, penalise: str = "shape"
) -> Array:
    """The 4x4 matrix ``M`` of ``y' = M y``, ``y = (a, b, a', b')`` (book eq.
    (pb-risk-averse-decoupled)).

    With ``alpha = xi_a vol^2`` and ``beta = xi_b vol^2 / lam^2`` (``"shape"``) or
    ``xi_b vol^2`` (``"holding"``)::

        a'' = kappa/3 a' - 2 lam kappa/3 b' + 4 alpha/3 a - 2 lam beta/3 b
        b'' = kappa/3 b' - 2 kappa/(3 lam) a' - 2 alpha/(3 lam) a + 4 beta/3 b
    """
    return np.array(_decoupled_rows(*_check(kappa, lam, vol, xi_a, xi_b, penalise), penalise))


def _spectral_radius(m: Array) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def _scaled(m: Array, lam: float) -> tuple[Array, Array]:
    """``(H, scale)`` with ``H = S M S^-1``, ``S = diag(scale)``, for the unknowns
    ``z = S y = (a, lam b, a'/w, lam b'/w)``.

    In the holdings ``(a, lam b)`` the matrix is free of ``lam`` (but for B's risk term); the
    rate unit ``w = max(1, sqrt(|K|_1))``, ``K`` the block acting on the holdings, makes
    ``|H|_1`` about the spectral radius of ``M``.
    """
    holding = np.array([1.0, lam, 1.0, lam])
    block = (m * holding[:, None] / holding[None, :])[2:, :2]
    w = max(1.0, math.sqrt(np.abs(block).sum(axis=0).max()))
    scale = holding / np.array([1.0, 1.0, w, w])
    return m * scale[:, None] / scale[None, :], scale


def risk_averse_states(
    t: object, *, kappa: float, lam: float, vol: float, xi_a: float, xi_b: float,
    penalise: str = "shape",
) -> tuple[Array, Array, Array, Array]:
    """``(a, b, a', b')`` of the risk-averse equilibrium at times ``t`` (book eq.
    (pb-risk-averse-decoupled)).

    Multiple shooting with exact propagators (module docstring) in the scaled unknowns of
    ``_scaled``: ``n = ceil(|H|_1)`` equal steps, ``z_{j+1} = expm(H / n) z_j``, and the four
    boundary conditions form one banded system for the nodes ``z_j``. Between nodes,
    ``z(t) = expm(H s) z_j`` from the nearest node (``|s| <= 1/(2n)``), summed as a Taylor
    polynomial of degree ``TAYLOR_DEGREE`` (remainder below 1e-19 since ``|H s|_1 <= 1/2``).

    Returns
    -------
    The unit strategies ``a``, ``b`` and their rates, four arrays of the shape of ``t``.
    """
    m = system_matrix(kappa=kappa, lam=lam, vol=vol, xi_a=xi_a, xi_b=xi_b, penalise=penalise)
    t = validation.times(t, 1.0)
    h, scale = _scaled(m, lam)
    n = max(1, math.ceil(np.linalg.norm(h, 1)))
    # Banded storage of the (4n + 4)-square system: rows 0-1 are z_0[:2] = 0, rows 2 + 4j + i
    # are (expm(H/n) z_j - z_{j+1})_i, the last two rows are z_n[:2] = (1, lam).
    upper, lower = 2, 5
    bands = np.zeros((upper + lower + 1, 4 * n + 4))
    bands[upper, [0, 1]] = 1.0
    j, i, c = np.meshgrid(np.arange(n), np.arange(4), np.arange(4), indexing="ij")
    bands[upper + 2 + i - c, 4 * j + c] = expm(h / n)[i, c]
    bands[upper - 2, 4 + np.arange(4 * n)] = -1.0
    bands[upper + 2, [4 * n, 4 * n + 1]] = 1.0
    rhs = np.zeros(4 * n + 4)
    rhs[-2:] = 1.0, lam
    nodes = solve_banded((lower, upper), bands, rhs).reshape(n + 1, 4)
    nearest = np.rint(t.ravel() * n).astype(int)
    s = (t.ravel() - nearest / n)[:, None]
    start = nodes[nearest]
    z = start
    for k in range(TAYLOR_DEGREE, 0, -1):
        z = start + (s / k) * (z @ h.T)
    y = z / scale
    return tuple(y[:, r].reshape(t.shape) for r in range(4))


def risk_averse_equilibrium(
    t: object, *, kappa: float, lam: float, vol: float, xi_a: float, xi_b: float,
    penalise: str = "shape",
) -> tuple[Array, Array]:
    """Equilibrium unit strategies ``(a(t), b(t))`` with risk aversion (paper (55)–(60)).

    Parameters
    ----------
    t : array_like, times in ``[0, 1]``.
    kappa : permanent impact (> 0). lam : B's size, B holds ``lam * b`` (> 0).
    vol : volatility over the horizon (>= 0). xi_a, xi_b : risk aversions (>= 0).
    penalise : ``"shape"`` (B's penalty on ``b``, the transcribed model) or ``"holding"``
        (on ``lam * b``); see the chapter's erratum on B's risk penalty.

    Returns
    -------
    ``(a, b)``, arrays of the shape of ``t``; ``vol = 0`` gives paper (26)–(27). Accurate
    to 1e-10 absolute for ``kappa <= 300`` and ``vol^2 max(xi_a, xi_b) <= 1e4`` (checked
    against ``risk_averse_equilibrium_mpmath``).
    """
    a, b, _, _ = risk_averse_states(t, kappa=kappa, lam=lam, vol=vol, xi_a=xi_a, xi_b=xi_b,
                                    penalise=penalise)
    return a, b


def risk_averse_equilibrium_bvp(
    t: object, *, kappa: float, lam: float, vol: float, xi_a: float, xi_b: float,
    penalise: str = "shape", tol: float = 1e-10,
) -> tuple[Array, Array]:
    """``(a(t), b(t))`` by collocation, ``scipy.integrate.solve_bvp`` on book eq.
    (pb-risk-averse-decoupled) (a cross-check).

    The initial mesh is graded towards both ends (Chebyshev points), where the boundary
    layers of width ``~ 1 / mu`` sit (``mu`` the spectral radius of ``M``); the initial guess
    is ``a = b = t``. At ``tol = 1e-10`` it converges for ``mu`` up to about 50 (some 10^4
    nodes); stiffer problems need ``tol >= 1e-9``, as rounding keeps the collocation
    residual from reaching 1e-10.

    Raises
    ------
    RuntimeError
        if ``solve_bvp`` does not converge.
    """
    m = system_matrix(kappa=kappa, lam=lam, vol=vol, xi_a=xi_a, xi_b=xi_b, penalise=penalise)
    t = validation.times(t, 1.0)
    tol = validation.positive("tol", tol)
    n = 64 + 2 * math.ceil(_spectral_radius(m))
    mesh = 0.5 * (1.0 - np.cos(np.pi * np.arange(n + 1) / n))
    guess = np.vstack([mesh, mesh, np.ones_like(mesh), np.ones_like(mesh)])
    bc_jac = np.diag([1.0, 1.0, 0.0, 0.0]), np.eye(4, k=-2)
    result = solve_bvp(
        lambda _x, y: m @ y,
        lambda ya, yb: np.array([ya[0], ya[1], yb[0] - 1.0, yb[1] - 1.0]),
        mesh, guess, fun_jac=lambda x, _y: np.broadcast_to(m[:, :, None], (4, 4, x.size)),
        bc_jac=lambda _ya, _yb: bc_jac, tol=tol, max_nodes=50_000,
    )
    if not result.success:
        raise RuntimeError(f"solve_bvp did not converge: {result.message}")
    a, b = result.sol(t.ravel())[:2]
    return a.reshape(t.shape), b.reshape(t.shape)


def risk_averse_states_mpmath(
    t: object, *, kappa: float, lam: float, vol: float, xi_a: float, xi_b: float,
    penalise: str = "shape", dps: int = 50,
) -> tuple[Array, Array, Array, Array]:
    """Reference ``(a, b, a', b')`` by single shooting in high precision.

    ``y(t) = expm(M t) (0, 0, p, q)`` with ``(p, q)`` solving ``[expm(M)]_{12} (p, q) =
    (1, 1)``, with ``M`` built from the (exact binary) parameters in mpmath. Shooting loses
    up to about ``mu / ln 10`` digits, ``mu`` the spectral radius of ``M``; the working
    precision is ``dps + 2 mu / ln 10 + 10`` digits, so the result carries at least ``dps``
    digits before the final rounding to floats.
    """
    m = system_matrix(kappa=kappa, lam=lam, vol=vol, xi_a=xi_a, xi_b=xi_b, penalise=penalise)
    exact = [mpmath.mpf(x) for x in _check(kappa, lam, vol, xi_a, xi_b, penalise)]
    t = validation.times(t, 1.0)
    dps = validation.integer("dps", dps, minimum=15)
    with mpmath.workdps(dps + math.ceil(2.0 * _spectral_radius(m) / math.log(10.0)) + 10):
        m_exact = mpmath.matrix(_decoupled_rows(*exact, penalise))
        end = mpmath.expm(m_exact)
        pq = mpmath.lu_solve(end[0:2, 2:4], mpmath.matrix([1, 1]))
        columns = [mpmath.expm(m_exact * mpmath.mpf(s))[:, 2:4] * pq for s in t.ravel()]
        y = np.array([[float(col[r]) for col in columns] for r in range(4)])
    return tuple(row.reshape(t.shape) for row in y)


def risk_averse_equilibrium_mpmath(
    t: object, *, kappa: float, lam: float, vol: float, xi_a: float, xi_b: float,
    penalise: str = "shape", dps: int = 50,
) -> tuple[Array, Array]:
    """Reference ``(a(t), b(t))`` in high precision (``risk_averse_states_mpmath``)."""
    a, b, _, _ = risk_averse_states_mpmath(t, kappa=kappa, lam=lam, vol=vol, xi_a=xi_a,
                                           xi_b=xi_b, penalise=penalise, dps=dps)
    return a, b
