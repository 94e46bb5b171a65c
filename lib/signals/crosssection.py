"""Cross-sectional moments and price variance in the mean-field limit (Section 4 of the paper).

All agents of the separate-signals game play the equilibrium feedback (3.16) with (3.17)
imposed. Their states ``Y^n = (Q^n, V^n)`` then follow Prop 4.1 ((4.8)-(4.9), book eqs.
(ts-state-dynamics), (ts-drift-matrices)): the deviations
from the average are driven by ``B_t`` and idiosyncratic noise, the average ``(Qbar, Vbar)``
by ``C_t`` and the common noise. This module turns those matrices into moments:

* ``cross_section_cov``: the covariance of ``(Q^n, V^n)`` across agents, by the Lyapunov ODE
  of book eq. (ts-lyapunov); ``cross_section_cov_integral`` is the propagator form, the
  paper's (4.4), as a cross-check.
* ``price_variance``: ``Var(S_t)``, by the augmented Lyapunov ODE of book eq.
  (ts-price-variance) for ``(Qbar, Vbar, S)``; ``price_variance_quadrature`` is the quadrature
  (4.10) as a cross-check.
* ``single_agent_moments``: the same Lyapunov machinery for the single agent of Fig 2 (book
  eqs. (ts-single-dynamics), (ts-single-feedback)), started from a known state.

Matrices carry the time axes last, as in ``lib.signals.closed_forms``: ``B(t)`` is
``(2, 2, *t.shape)``. ODEs run forward from 0 to ``T`` with DOP853 and dense output; the
coefficients come from ``lib.signals.models`` (cached per parameter set).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.integrate import quad_vec

from lib import odes, validation
from lib.signals import loadings, models
from lib.signals.params import Params, require_params

Array = np.ndarray

__all__ = [
    "cross_section_cov",
    "cross_section_cov_integral",
    "mf_matrices",
    "price_variance",
    "price_variance_quadrature",
    "single_agent_moments",
]

RTOL, ATOL = 1e-12, 1e-14


def _setup(p: Params, t: object) -> tuple[Params, Array]:
    p = require_params(p, "p")
    return p, validation.times(t, p.T)


def _covariance(name: str, value: object) -> Array:
    """A finite, symmetric, positive semi-definite 2x2 matrix, else ``ValueError`` naming it."""
    s = np.array(value, dtype=float)
    if s.shape != (2, 2) or not np.all(np.isfinite(s)) or s[0, 1] != s[1, 0]:
        raise ValueError(f"{name} must be a finite symmetric 2x2 matrix, got {value!r}")
    if s[0, 0] < 0 or s[1, 1] < 0 or s[0, 0] * s[1, 1] < s[0, 1] ** 2:
        raise ValueError(f"{name} must be positive semi-definite, got {value!r}")
    return s


def _forward(rhs: Callable[[float, Array], Array], y0: Array, p: Params, t: Array,
             rtol: float, atol: float) -> Array:
    """Integrate ``y' = rhs(t, y)`` from 0 to ``T``; ``y(t)`` of shape ``(*y0.shape, *t.shape)``."""
    dense = odes.solve(rhs, 0.0, p.T, y0.ravel(), rtol=rtol, atol=atol)
    return np.asarray(dense(t.ravel())).reshape(*y0.shape, *t.shape)


def _deviation_matrix(p: Params) -> Callable[[float], Array]:
    """``t -> B_t`` (2x2) of Prop 4.1 for the separate-signals equilibrium."""
    def b_matrix(s: float) -> Array:
        return mf_matrices(p, s)[1]

    return b_matrix


def _lyapunov(matrix: Callable[[float], Array], noise: Array, sigma0: Array, p: Params,
              t: Array, rtol: float, atol: float) -> Array:
    """``Sigma' = M Sigma + Sigma M^T + noise``, ``Sigma(0) = sigma0``, at ``t``: (d, d, *t)."""
    d = len(sigma0)

    def rhs(s: float, y: Array) -> Array:
        sigma, m = y.reshape(d, d), matrix(s)
        drift = m @ sigma
        return (drift + drift.T + noise).ravel()

    return _forward(rhs, sigma0, p, t, rtol, atol)


# --- Prop 4.1 --------------------------------------------------------------------------------


def mf_matrices(p: Params, t: object) -> tuple[Array, Array, Array]:
    """Drift data ``(a_t, B_t, C_t)`` of Prop 4.1 (book eq. (ts-drift-matrices), with the
    ``nu_V + nu_Vbar`` of ``C_t`` that our copy misprints) for the separate-signals game.

    ``dY^n = (a + B Y^n + (C - B) Ybar) dt + Theta dZ^n`` and ``dYbar = (a + C Ybar) dt
    + rho Theta dW`` ((4.8)-(4.9)), with ``a = f1 (1, -Gamma)``,
    ``B = [[nu_q, nu_V], [-gamma nu_q, -(beta + gamma nu_V)]]`` and
    ``C = [[f2, f3], [-Gamma f2, -(beta + Gamma f3)]]``, where ``Gamma = gamma + gamma_bar``,
    ``f2 = nu_q + nu_qbar`` and ``f3 = nu_V + nu_Vbar`` (loadings of book eq.
    (ts-separate-loadings), consistency (3.17)).

    Returns
    -------
    a : ``(2, *t.shape)``. B, C : ``(2, 2, *t.shape)``.
    """
    p, t = _setup(p, t)
    ld = loadings.loadings_separate(models.solve_separate(p), t, p)
    big = p.gamma + p.gamma_bar
    f2, f3 = ld["q"] + ld["qbar"], ld["V"] + ld["Vbar"]
    a = np.array([ld["const"], -big * ld["const"]])
    B = np.array([[ld["q"], ld["V"]], [-p.gamma * ld["q"], -(p.beta + p.gamma * ld["V"])]])
    C = np.array([[f2, f3], [-big * f2, -(p.beta + big * f3)]])
    return a, B, C


# --- Cross-sectional covariance (4.4) ------------------------------------------------------


def cross_section_cov(
    p: Params, Sigma0: object, t: object, *, rtol: float = RTOL, atol: float = ATOL
) -> Array:
    """Covariance of ``(Q^n_t, V^n_t)`` across agents in the MF limit, by the Lyapunov ODE of
    book eq. (ts-lyapunov).

    ``Sigma' = B_t Sigma + Sigma B_t^T + (1 - rho^2) Theta Theta^T``, ``Sigma(0) = Sigma0``,
    ``Theta = (0, eta)`` (paper (4.4)). Only ``B_t`` enters, so the result does not depend on
    ``b``, ``k_bar``, ``gamma_bar`` or ``mu`` (the first reduction of the book's section
    ts-reductions), and ``rho`` only through ``rho^2``.

    Parameters
    ----------
    p : parameters. Sigma0 : initial 2x2 covariance of ``(Q^n_0, V^n_0)`` (symmetric, PSD).
    t : times in ``[0, T]``.

    Returns
    -------
    The covariance matrices, shape ``(2, 2, *t.shape)``; ``[0, 0]`` is Var Q, ``[1, 1]`` Var V,
    ``[0, 1]`` Cov(Q, V).
    """
    p, t = _setup(p, t)
    sigma0 = _covariance("Sigma0", Sigma0)
    noise = np.diag([0.0, (1.0 - p.rho**2) * p.eta**2])
    return _lyapunov(_deviation_matrix(p), noise, sigma0, p, t, rtol, atol)


def cross_section_cov_integral(
    p: Params, Sigma0: object, t: object, *, rtol: float = RTOL, atol: float = ATOL
) -> Array:
    """The covariance in propagator form (paper (4.4)), a cross-check of ``cross_section_cov``.

    ``Sigma_t = Psi_t (Sigma0 + (1 - rho^2) J_t) Psi_t^T`` with ``Psi' = B Psi``, ``Psi_0 = I``
    ((4.2), whose initial condition the paper omits) and
    ``J_t = int_0^t Psi_u^{-1} Theta Theta^T Psi_u^{-T} du``; ``Psi`` and ``J``
    are integrated together. Same arguments and shape as ``cross_section_cov``.
    """
    p, t = _setup(p, t)
    sigma0 = _covariance("Sigma0", Sigma0)
    b_matrix, theta = _deviation_matrix(p), np.array([0.0, p.eta])

    def rhs(s: float, y: Array) -> Array:
        psi = y[:4].reshape(2, 2)
        w = np.linalg.solve(psi, theta)
        return np.concatenate([(b_matrix(s) @ psi).ravel(), np.outer(w, w).ravel()])

    y = _forward(rhs, np.concatenate([np.eye(2).ravel(), np.zeros(4)]), p, t, rtol, atol)
    psi, j = y[:4].reshape(2, 2, -1), y[4:].reshape(2, 2, -1)
    inner = sigma0[:, :, None] + (1.0 - p.rho**2) * j
    sigma = np.einsum("ijn,jkn,lkn->iln", psi, inner, psi)
    return sigma.reshape(2, 2, *t.shape)


# --- Price variance (4.10) -------------------------------------------------------------------


def price_variance(p: Params, t: object, *, rtol: float = RTOL, atol: float = ATOL) -> Array:
    """``Var(S_t)`` in the MF limit by the augmented Lyapunov ODE of book eq.
    (ts-price-variance) (Prop 4.2).

    ``X = (Qbar, Vbar, S)`` solves ``dX = (... + A_t X) dt + G dW`` with
    ``A = [[C_t, 0], [b C_t[0, :], 0]]`` and ``G = (0, rho eta, sigma)``; ``P' = A P + P A^T
    + G G^T``, ``P(0) = 0``, and ``Var(S_t) = P_33(t)``. At ``rho = 0`` it is ``sigma^2 t``.
    Returns an array of the shape of ``t``.
    """
    p, t = _setup(p, t)
    g = np.array([0.0, p.rho * p.eta, p.sigma])

    def augmented(s: float) -> Array:
        c = mf_matrices(p, s)[2]
        return np.block([[c, np.zeros((2, 1))], [p.b * c[:1], np.zeros((1, 1))]])

    return _lyapunov(augmented, np.outer(g, g), np.zeros((3, 3)), p, t, rtol, atol)[2, 2]


def price_variance_quadrature(
    p: Params, t: object, *, rtol: float = RTOL, atol: float = ATOL
) -> Array:
    """``Var(S_t) = int_0^t (rho eta b [1 0] Phi_t Phi_u^{-1} [0 1]^T + sigma)^2 du``, (4.10).

    A cross-check of ``price_variance``: ``Phi' = C Phi``, ``Phi_0 = I`` ((4.1)) is integrated
    once, and the integral, written as ``t int_0^1 (...)(u = t s)^2 ds``, is done by adaptive
    vector quadrature for all ``t`` at once (``epsrel = 1e-12``). Shape of ``t``.
    """
    p, t = _setup(p, t)

    def rhs(s: float, y: Array) -> Array:
        return (mf_matrices(p, s)[2] @ y.reshape(2, 2)).ravel()

    dense = odes.solve(rhs, 0.0, p.T, np.eye(2).ravel(), rtol=rtol, atol=atol)
    flat = t.ravel()
    phi_t = np.asarray(dense(flat)).reshape(2, 2, -1)

    def integrand(s: float) -> Array:
        phi_u = np.asarray(dense(flat * s)).reshape(2, 2, -1)
        det = phi_u[0, 0] * phi_u[1, 1] - phi_u[0, 1] * phi_u[1, 0]
        # [1 0] Phi_t Phi_u^{-1} [0 1]^T, with Phi_u^{-1} [0 1]^T = (-Phi_u[0, 1], Phi_u[0, 0])/det
        kernel = (phi_t[0, 1] * phi_u[0, 0] - phi_t[0, 0] * phi_u[0, 1]) / det
        return flat * (p.rho * p.eta * p.b * kernel + p.sigma) ** 2

    value, _ = quad_vec(integrand, 0.0, 1.0, epsabs=0.0, epsrel=1e-12, limit=500)
    return np.asarray(value).reshape(t.shape)


# --- Single agent (Fig 2 companion values) --------------------------------------------------


def single_agent_moments(
    p: Params, t: object, *, rtol: float = RTOL, atol: float = ATOL
) -> dict[str, Array]:
    """Lyapunov moments of the single agent's optimally controlled ``(Q_t, V_t)`` (book eqs.
    (ts-single-dynamics), (ts-single-feedback)).

    With ``nu* = nu0 + nu_q Q + nu_V V``, ``(Q, V)`` is linear with
    ``M_t = [[nu_q, nu_V], [-gamma nu_q, -(beta + gamma nu_V)]]`` and noise
    ``diag(0, eta^2)``; from a known initial state ``Sigma(0) = 0`` and
    ``Sigma' = M Sigma + Sigma M^T + diag(0, eta^2)``. The standard deviations of the Fig 2
    panels follow: ``nu_q Q``, ``nu_V V`` and ``nu* = nu0 + nu_q Q + nu_V V``.

    Returns
    -------
    dict with ``cov`` ``(2, 2, *t.shape)`` and, each of the shape of ``t``, ``sd_Q``, ``sd_V``,
    ``sd_nu_q_Q``, ``sd_nu_V_V``, ``sd_nu`` and ``corr_contributions`` (the correlation of
    ``nu_q Q`` and ``nu_V V``, ``nan`` where a variance is zero, e.g. at ``t = 0``).
    """
    p, t = _setup(p, t)
    sol = models.solve_single(p)

    def m_matrix(s: float) -> Array:
        ld = loadings.loadings_single(sol, s, p)
        return np.array([[ld["q"], ld["V"]], [-p.gamma * ld["q"], -(p.beta + p.gamma * ld["V"])]])

    cov = _lyapunov(m_matrix, np.diag([0.0, p.eta**2]), np.zeros((2, 2)), p, t, rtol, atol)
    ld = loadings.loadings_single(sol, t, p)
    var_q, var_v, cov_qv = np.maximum(cov[0, 0], 0.0), np.maximum(cov[1, 1], 0.0), cov[0, 1]
    var_nu = ld["q"] ** 2 * var_q + 2.0 * ld["q"] * ld["V"] * cov_qv + ld["V"] ** 2 * var_v
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.sign(ld["q"] * ld["V"]) * cov_qv / np.sqrt(var_q * var_v)
    return {
        "cov": cov,
        "sd_Q": np.sqrt(var_q),
        "sd_V": np.sqrt(var_v),
        "sd_nu_q_Q": np.abs(ld["q"]) * np.sqrt(var_q),
        "sd_nu_V_V": np.abs(ld["V"]) * np.sqrt(var_v),
        "sd_nu": np.sqrt(np.maximum(var_nu, 0.0)),
        "corr_contributions": corr,
    }
