"""lib.liquidity_pools.symbolic: every residual of the chapter's sympy verification (the trading
curve, the value without orders and the conjugate updates) is 0, wrong formulas leave non-zero
residuals, and the closed forms agree with numerical quadrature and with the scheme's sums."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from lib.liquidity_pools import symbolic
from lib.liquidity_pools.curve import is_curve
from lib.symbolic import verify_zero

NUMBERS = {symbolic.mu: 0.01, symbolic.phi: 1e-3, symbolic.q: 500.0, symbolic.q0: 1000.0,
           symbolic.T: 20.0, symbolic.Ts: 9.0, symbolic.kappa: 0.1}


def test_groups_and_labels() -> None:
    assert symbolic.GROUPS == ("trading curve", "no-order value", "fill intensities",
                               "drift, known volatility", "drift and variance",
                               "executed fractions", "venue chains", "Appendix B")
    labels = [label for label, _ in symbolic.checks()]
    assert len(labels) == len(set(labels))
    for needed in ("lp-trading-curve: Euler–Lagrange", "lp-reduced-qvi (generic q*)",
                   "lp-reduced-qvi (q* of lp-trading-curve", "lp-scheme at λ = 0",
                   "lp-scheme vs the no-order value", "lp-gamma-update Gamma–Poisson",
                   "lp-drift-update: d/dmu", "lp-nig-update NIG", "lp-nig-update: two sequential",
                   "lp-dirichlet-update Dirichlet",
                   "lp-chain-posterior, likelihood: log(path likelihood)",
                   "lp-chain-posterior Gamma–exponential", "lp-chain-posterior: row sum",
                   "lp-one-step-posterior: two states", "lp-otc-updates inverse-Gamma",
                   "lp-otc-updates NIW"):
        assert any(label.startswith(needed) for label in labels), needed
    with pytest.raises(ValueError, match="group must be one of"):
        symbolic.checks("market impact")


# --- Wrong formulas are caught ------------------------------------------------------------------

def _assert_caught(label: str, residual: sp.Expr) -> None:
    with pytest.raises(AssertionError, match="residual simplifies to"):
        verify_zero(label, residual)


def test_a_wrong_kappa_is_caught() -> None:
    """The trading curve with κ² = γσ²V/η (the factor 2 of the Euler–Lagrange equation
    dropped)."""
    t, T, q0 = symbolic.t, symbolic.T, symbolic.q0
    gamma, sigma, V, eta = symbolic.gamma, symbolic.sigma, symbolic.V, symbolic.eta
    wrong = sp.sqrt(gamma * sigma**2 * V / eta)
    curve = q0 * sp.sinh(wrong * (T - t)) / sp.sinh(wrong * T)
    _assert_caught("wrong kappa", curve.diff(t, 2) - gamma * sigma**2 * V / (2 * eta) * curve)


def test_a_wrong_penalty_sign_is_caught() -> None:
    t, q, mu, phi = symbolic.t, symbolic.q, symbolic.mu, symbolic.phi
    star = sp.Function("q^*")
    theta = symbolic.no_order_value()
    _assert_caught("penalty sign", -theta.diff(t) - mu * q - phi * (q - star(t)) ** 2)


def test_a_wrong_gamma_posterior_is_caught() -> None:
    """Gamma(α + n, β) (the exposure forgotten) is not the posterior of Gamma × Poisson."""
    lam, alpha, beta, tau, n = (symbolic.lam, symbolic.alpha, symbolic.beta, symbolic.tau,
                                symbolic.n)

    def log_gamma(shape: sp.Expr, rate: sp.Expr) -> sp.Expr:
        return shape * sp.log(rate) + (shape - 1) * sp.log(lam) - rate * lam

    ratio = log_gamma(alpha, beta) + n * sp.log(lam * tau) - lam * tau - log_gamma(alpha + n, beta)
    _assert_caught("exposure forgotten", sp.diff(ratio, lam))


def test_a_wrong_drift_variance_is_caught() -> None:
    """The drift posterior (paper (3.1)) with the variance t/σ² + 1/s0² (precision and variance
    confused)."""
    mu, mu0, s0, sigma = sp.Symbol("mu", real=True), symbolic.mu0, symbolic.s0, symbolic.sigma
    total, elapsed = sp.Symbol("Delta_S", real=True), symbolic.tau
    precision = 1 / s0**2 + elapsed / sigma**2
    mean = (mu0 / s0**2 + total / sigma**2) / precision
    log_ratio = (-(mu - mu0) ** 2 / (2 * s0**2) - (total - mu * elapsed) ** 2
                 / (2 * sigma**2 * elapsed) + (mu - mean) ** 2 / (2 * precision))
    _assert_caught("variance for precision", sp.diff(log_ratio, mu))


# --- Closed forms against numbers ---------------------------------------------------------------

def _at_numbers(expr: sp.Expr, t: float) -> float:
    return float(expr.subs(NUMBERS).subs(symbolic.t, t))


def test_closed_form_value_matches_quadrature() -> None:
    values = {str(k): v for k, v in NUMBERS.items()}
    q, T, Ts = values["q"], values["T"], values["T_s"]

    def integrand(u: float) -> float:
        return (q - is_curve(u, q0=values["q_0"], T=T, kappa=values["kappa"])) ** 2

    for t in (0.0, 4.5, 8.0):
        quad = values["mu"] * q * (Ts - t) - values["phi"] * integrate.quad(integrand, t, Ts)[0]
        assert _at_numbers(symbolic.no_order_value_is_curve(), t) == pytest.approx(quad, rel=1e-10)


def test_the_scheme_sum_converges_at_first_order() -> None:
    """θ_0 = Σ Δt (μq - φ(q - q*_{k+1})²) against θ(0) on [0, T_s] with the IS curve as target: the
    error halves with Δt, and its Δt-coefficient is φ (g(T_s) - g(0))/2 (Euler–Maclaurin)."""
    values = {str(k): v for k, v in NUMBERS.items()}
    q, Ts, phi, mu = values["q"], values["T_s"], values["phi"], values["mu"]
    exact = _at_numbers(symbolic.no_order_value_is_curve(), 0.0)

    def gap(u: np.ndarray) -> np.ndarray:
        return (q - is_curve(u, q0=values["q_0"], T=values["T"], kappa=values["kappa"])) ** 2

    errors = []
    for steps in (10, 20, 40, 80):
        dt = Ts / steps
        grid = dt * np.arange(1, steps + 1)
        errors.append(np.sum(dt * (mu * q - phi * gap(grid))) - exact)
    errors = np.asarray(errors)
    np.testing.assert_allclose(errors[:-1] / errors[1:], 2.0, rtol=0.05)
    leading = -phi * (gap(np.array(Ts)) - gap(np.array(0.0))) / 2
    assert errors[-1] / (Ts / 80) == pytest.approx(leading, rel=0.02)
