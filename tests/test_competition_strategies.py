"""lib.competition.strategies, quadrature and costs: stability, derivatives, simple costs."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from lib.competition import costs, quadrature
from lib.competition import strategies as st

T = np.array([0.0, 1e-4, 0.01, 0.3, 0.5, 0.9, 0.999, 1.0])


def _mp_phi(r: float, t: float) -> tuple[float, float]:
    with mpmath.workdps(60):
        r, t = mpmath.mpf(r), mpmath.mpf(t)
        norm = 1 - mpmath.exp(-r)
        return float((1 - mpmath.exp(-r * t)) / norm), float(r * mpmath.exp(-r * t) / norm)


@pytest.mark.parametrize("r", [1e-8, -1e-8, 1.0, -1.0, 50.0, -50.0, 700.0, -700.0])
def test_exponential_shapes_are_accurate_up_to_rate_700(r: float) -> None:
    value, rate, acc = st.exp_shape(r).evaluate(T)
    exact = np.array([_mp_phi(r, s) for s in T])
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(rate))
    assert np.allclose(value, exact[:, 0], rtol=1e-12, atol=1e-300)
    assert np.allclose(rate, exact[:, 1], rtol=1e-12, atol=1e-300)
    assert np.allclose(acc, -r * rate, rtol=1e-15, atol=0)


@pytest.mark.parametrize("sigma", [1e-6, 3.0, 700.0])
def test_risk_averse_shape_is_accurate(sigma: float) -> None:
    value, rate, acc = st.risk_averse(sigma).evaluate(T)
    with mpmath.workdps(60):
        s = mpmath.mpf(sigma)
        exact = [float(mpmath.sinh(s * x) / mpmath.sinh(s)) for x in T]
        exact_rate = [float(s * mpmath.cosh(s * x) / mpmath.sinh(s)) for x in T]
    assert np.allclose(value, exact, rtol=1e-12, atol=1e-300)
    assert np.allclose(rate, exact_rate, rtol=1e-10, atol=1e-300)
    assert np.allclose(acc, sigma**2 * value, rtol=1e-14, atol=0)


@pytest.mark.parametrize("shape", [st.parabolic(0.7), st.eager(4.0), st.back_loaded(2.0),
                                   st.risk_averse(2.5),
                                   st.mixture(0.3, st.eager(3.0), st.risk_averse(1.0))])
def test_rates_and_accelerations_match_finite_differences(shape: st.Strategy) -> None:
    t, h = np.linspace(0.05, 0.95, 19), 1e-5
    _, rate, acc = shape.evaluate(t)
    assert np.allclose((shape(t + h) - shape(t - h)) / (2 * h), rate, rtol=1e-8, atol=1e-8)
    assert np.allclose((shape.rate(t + h) - shape.rate(t - h)) / (2 * h), acc, rtol=1e-6,
                       atol=1e-6)
    assert shape(np.array([0.0]))[0] == pytest.approx(0.0, abs=1e-15)
    assert shape(np.array([1.0]))[0] == pytest.approx(1.0, rel=1e-14)


def test_shape_arithmetic_and_classification() -> None:
    combo = 2.0 * st.eager(3.0) - st.risk_neutral()
    assert np.allclose(combo(T), 2 * st.eager(3.0)(T) - T, rtol=0, atol=1e-15)
    assert st.classify(st.risk_neutral()) == "risk-neutral"
    assert st.classify(st.eager(2.0)) == "eager"
    assert st.classify(st.risk_averse(2.0)) == "risk-averse"
    assert st.classify(st.parabolic(0.5) - st.eager(5.0) + st.risk_neutral()) == "mixed"


def test_strategies_reject_times_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"^t must"):
        st.eager(1.0)(np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match=r"^t must be finite"):
        st.eager(1.0)(np.array([np.nan]))
    with pytest.raises(ValueError, match=r"^sigma must be > 0"):
        st.eager(0.0)


@pytest.mark.parametrize("rate", [1.0, 30.0, 300.0])
def test_graded_quadrature_resolves_boundary_layers(rate: float) -> None:
    assert quadrature.integrate(lambda s: rate * np.exp(-rate * s)) == pytest.approx(
        -np.expm1(-rate), rel=1e-14)
    assert quadrature.integrate(lambda s: rate * np.exp(rate * (s - 1.0))) == pytest.approx(
        -np.expm1(-rate), rel=1e-14)
    cumulative = quadrature.cumulative(lambda s: rate * np.exp(-rate * s), T)
    assert np.allclose(cumulative, -np.expm1(-rate * T), rtol=1e-13, atol=1e-16)


def test_cost_of_two_constant_rates() -> None:
    """A and B both buy at constant rates: C_A = 1 + lam + kappa (1 + lam)/2 (paper (3)), and
    the convention of the paper's Tables 4-5 (weight 1) replaces lam by 1 inside A's cost."""
    a = b = st.risk_neutral()
    model = costs.cost_A(a, b, kappa=2.0, lam=5.0)
    assert (model.temp, model.perm) == pytest.approx((6.0, 6.0), rel=1e-14)
    table = costs.cost_A(a, b, kappa=2.0, lam=5.0, weight=1.0)
    assert (table.temp, table.perm) == pytest.approx((2.0, 2.0), rel=1e-14)
    cost_b = costs.cost_B(a, b, kappa=2.0, lam=5.0)
    assert cost_b.total == pytest.approx(5.0 * 6.0 + 2.0 * 5.0 * 6.0 / 2.0, rel=1e-14)


def test_cumulative_cost_of_parabola_matches_the_closed_form() -> None:
    """Book eq. (pb-parabolic-cost): C(1) = 1 + lam + c^2/3 + kappa (1 + lam)/2 - c kappa lam/6."""
    c, kappa, lam = 0.8, 1.5, 4.0
    total = costs.cumulative_cost_A(st.parabolic(c), st.risk_neutral(), np.array([1.0]),
                                    kappa=kappa, lam=lam)[0]
    expected = 1 + lam + c**2 / 3 + kappa * (1 + lam) / 2 - c * kappa * lam / 6
    assert total == pytest.approx(expected, rel=1e-13)


def test_eager_share_reads_the_sign_of_the_curvature() -> None:
    t = np.linspace(0.0, 1.0, 201)
    assert st.eager_share(st.eager(3.0)(t), t) == 1.0
    assert st.eager_share(st.risk_averse(3.0)(t), t) == 0.0
    assert st.eager_share(t + 0.5 * np.sin(np.pi * t) ** 2 * (t > 0.5), t) < 0.5
    with pytest.raises(ValueError, match="trim"):
        st.eager_share(t, t, trim=101)
    with pytest.raises(ValueError, match="increasing"):
        st.eager_share(t, t[::-1])


def test_end_shares_of_line_eager_shape_and_barbell() -> None:
    t = np.linspace(0.0, 1.0, 201)
    assert st.end_shares(t, t) == pytest.approx((0.1, 0.1), abs=1e-12)
    early, late = st.end_shares(st.eager(50.0)(t), t)
    assert early > 0.99 and late < 1e-3
    barbell = 0.5 * st.eager(50.0)(t) + 0.5 * st.back_loaded(50.0)(t)
    assert min(st.end_shares(barbell, t)) > 0.49
    with pytest.raises(ValueError, match="width"):
        st.end_shares(t, t, width=0.5)
    with pytest.raises(ValueError, match="change"):
        st.end_shares(np.ones_like(t), t)
