"""lib.execution (the Almgren–Chriss chapter, book eqs. (ac-…)): closed forms, numerics,
validation."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import execution

MODEL = {"Q": 10_000.0, "T": 1.0, "theta": 1.0}


def exact_inventory(t: float, *, Q: float, T: float, kappa: float, theta: float) -> float:
    """The schedule (ac-schedule) in its sinh form, with 60 digits."""
    with mpmath.workdps(60):
        k = mpmath.sqrt(mpmath.mpf(kappa) / theta)
        return float(Q * mpmath.sinh(k * t) / mpmath.sinh(k * T))


@pytest.mark.parametrize(("k", "expected"), [(2, 3240.2714), (3, 2125.4802), (5, 815.3562)])
def test_post_values_at_half_horizon(k: float, expected: float) -> None:
    """The post's three curves at t = 0.5, as its code prints them."""
    q = execution.optimal_inventory(0.5, kappa=k**2, **MODEL)
    assert round(float(q), 4) == expected


def test_zero_risk_aversion_is_exactly_linear() -> None:
    t = np.linspace(0.0, 2.0, 101)
    q = execution.optimal_inventory(t, Q=3.0, T=2.0, kappa=0.0, theta=0.7)
    assert np.array_equal(q, 3.0 * t / 2.0)


@pytest.mark.parametrize("kT", [1e-8, 1e-3, 0.5, 5.0, 50.0, 700.0, 1e3, 1e4])
def test_accurate_and_finite_for_large_and_small_k(kT: float) -> None:
    t = np.array([0.0, 1e-3, 0.25, 0.5, 0.9, 0.999, 1.0])
    q = execution.optimal_inventory(t, Q=1.0, T=1.0, kappa=kT**2, theta=1.0)
    assert np.all(np.isfinite(q))
    exact = np.array([exact_inventory(s, Q=1.0, T=1.0, kappa=kT**2, theta=1.0) for s in t])
    assert np.allclose(q, exact, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("T", {"T": 0.0}),
        ("T", {"T": -1.0}),
        ("theta", {"theta": 0.0}),
        ("theta", {"theta": -2.0}),
        ("kappa", {"kappa": -1e-9}),
        ("Q", {"Q": 0.0}),
        ("kappa", {"kappa": float("nan")}),
    ],
)
def test_bad_parameters_name_the_parameter(name: str, kwargs: dict) -> None:
    params = {"Q": 1.0, "T": 1.0, "kappa": 1.0, "theta": 1.0, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name} must"):
        execution.optimal_inventory(np.array([0.0]), **params)


@pytest.mark.parametrize("t", [-1e-12, 1.0 + 1e-12, np.nan])
def test_times_outside_horizon_rejected(t: float) -> None:
    with pytest.raises(ValueError, match=r"^t must"):
        execution.optimal_inventory(np.array([0.5, t]), Q=1.0, T=1.0, kappa=1.0, theta=1.0)


@settings(max_examples=60, deadline=None)
@given(
    k=st.floats(0.0, 50.0),
    T=st.floats(0.1, 10.0),
    theta=st.floats(0.01, 100.0),
    Q=st.floats(1.0, 1e6),
)
def test_schedule_is_increasing_convex_and_scales_with_Q(k, T, theta, Q) -> None:
    t = np.linspace(0.0, T, 201)
    params = {"T": T, "kappa": theta * k**2, "theta": theta}
    q = execution.optimal_inventory(t, Q=Q, **params)
    assert q[0] == 0.0 and q[-1] == pytest.approx(Q, rel=1e-14)
    assert np.all(np.diff(q) >= -1e-12 * Q)
    assert np.all(q <= Q * t / T + 1e-9 * Q)  # buying is delayed relative to linear
    assert np.allclose(q, Q * execution.optimal_inventory(t, Q=1.0, **params), rtol=1e-13)


@pytest.mark.parametrize("k", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("M", [1e2, 1e5, np.inf])
def test_riccati_closed_form_matches_sympy(k: float, M: float) -> None:
    """(ac-coefficients) and (ac-penalised-coefficients) against sympy's sinh/coth forms, 40
    digits."""
    tau = sp.symbols("tau", positive=True)
    theta, Q, T = 1.3, 2.0, 1.5
    kappa = theta * k**2
    tt = np.array([0.0, 0.4, 1.2, 1.49])
    alpha, beta, gamma = execution.riccati_coefficients(tt, Q=Q, T=T, kappa=kappa, theta=theta,
                                                        M=M)
    kk, th, QQ = sp.nsimplify(k), sp.nsimplify(theta), sp.nsimplify(Q)
    if k == 0:
        a_expr = th / tau if np.isinf(M) else th * sp.nsimplify(M) / (th + sp.nsimplify(M) * tau)
        expected = (a_expr, -2 * QQ * a_expr, QQ**2 * a_expr)
    elif np.isinf(M):
        expected = (th * kk * sp.coth(kk * tau), -2 * QQ * th * kk / sp.sinh(kk * tau),
                    QQ**2 * th * kk * sp.coth(kk * tau))
    else:
        MM = sp.nsimplify(M)
        D = MM * sp.sinh(kk * tau) + th * kk * sp.cosh(kk * tau)
        expected = (th * kk * (MM * sp.cosh(kk * tau) + th * kk * sp.sinh(kk * tau)) / D,
                    -2 * QQ * MM * th * kk / D, QQ**2 * MM * th * kk * sp.cosh(kk * tau) / D)
    for values, expr in zip((alpha, beta, gamma), expected, strict=True):
        exact = [float(sp.N(expr.subs(tau, sp.nsimplify(T - s)), 40)) for s in tt]
        assert np.allclose(values, exact, rtol=1e-13, atol=0)


@pytest.mark.parametrize("k", [0.5, 2.0, 5.0])
def test_riccati_integration_matches_closed_form_at_infinite_penalty(k: float) -> None:
    t = np.linspace(0.0, 1.0, 101)
    results = execution.riccati_check(t, kappa=k**2, M=np.inf, **MODEL)
    for name, (closed, numeric) in results.items():
        scale = MODEL["Q"] if name == "q" else np.abs(closed)
        assert np.max(np.abs(numeric - closed) / scale) <= 1e-8, name


@pytest.mark.parametrize("M", [1e2, 1e4, 1e6])
def test_riccati_integration_matches_finite_penalty_closed_form(M: float) -> None:
    t = np.linspace(0.0, 1.0, 101)
    results = execution.riccati_check(t, kappa=9.0, M=M, **MODEL)
    for name, (closed, numeric) in results.items():
        scale = MODEL["Q"] if name == "q" else np.abs(closed)
        assert np.max(np.abs(numeric - closed) / scale) <= 1e-8, name


def test_penalised_schedule_converges_like_one_over_M() -> None:
    t = np.linspace(0.0, 1.0, 101)
    q_inf = execution.optimal_inventory(t, kappa=4.0, **MODEL)
    gaps = [np.max(np.abs(execution.optimal_inventory(t, kappa=4.0, M=M, **MODEL) - q_inf))
            for M in (1e3, 1e4, 1e5)]
    assert gaps[0] / gaps[1] == pytest.approx(10.0, rel=1e-2)
    assert gaps[1] / gaps[2] == pytest.approx(10.0, rel=1e-3)


def test_feedback_on_the_optimal_path_is_its_speed() -> None:
    """The feedback (ac-feedback) along the schedule (ac-schedule) is dq/dt (closed loop)."""
    t = np.linspace(0.0, 0.99, 50)
    q = execution.optimal_inventory(t, kappa=9.0, **MODEL)
    speed = execution.feedback_speed(t, q, kappa=9.0, **MODEL)
    assert np.allclose(speed, execution.optimal_speed(t, kappa=9.0, **MODEL), rtol=1e-12)
    with pytest.raises(ValueError, match="t must be < T"):
        execution.feedback_speed(np.array([1.0]), np.array([1.0]), kappa=9.0, **MODEL)


@pytest.mark.parametrize("k", [0.0, 1e-3, 0.3, 2.0, 5.0, 40.0])
def test_minimal_cost_is_the_cost_of_the_schedule(k: float) -> None:
    """-h(0,0) = Q^2 sqrt(kappa theta) coth(kT) = int (theta qdot^2 + kappa q^2) of the
    schedule (ac-minimal-cost)."""
    params = {"kappa": k**2 * MODEL["theta"], **MODEL}
    quadrature = execution.path_cost(lambda s: execution.optimal_inventory(s, **params),
                                     lambda s: execution.optimal_speed(s, **params),
                                     T=1.0, kappa=params["kappa"], theta=1.0)
    closed = execution.minimal_cost(**params)
    assert closed == pytest.approx(quadrature, rel=1e-10)
    temporary, risk = execution.cost_components(**params)
    assert temporary + risk == pytest.approx(closed, rel=1e-13)


@pytest.mark.parametrize("x", [1e-6, 1e-3, 0.04999, 0.05, 0.05001, 0.5, 3.0, 30.0])
def test_cost_components_against_high_precision(x: float) -> None:
    with mpmath.workdps(50):
        xx = mpmath.mpf(x)
        temporary = 0.5 * xx * (mpmath.coth(xx) + xx / mpmath.sinh(xx) ** 2)
        risk = 0.5 * xx * (mpmath.coth(xx) - xx / mpmath.sinh(xx) ** 2)
    got = execution.cost_components(Q=1.0, T=1.0, kappa=x**2, theta=1.0)
    assert got[0] == pytest.approx(float(temporary), rel=1e-13)
    assert got[1] == pytest.approx(float(risk), rel=1e-12)


def test_linear_schedule_cost_and_optimality() -> None:
    kappa = 9.0
    linear = execution.path_cost(lambda s: MODEL["Q"] * s, lambda s: MODEL["Q"] + 0 * s,
                                 T=1.0, kappa=kappa, theta=1.0)
    assert linear == pytest.approx(MODEL["Q"] ** 2 * (1 + kappa / 3), rel=1e-12)
    assert execution.minimal_cost(kappa=kappa, **MODEL) < linear


def test_permanent_impact_does_not_change_the_constrained_minimiser() -> None:
    """(ac-permanent): with q_T = Q the direct minimiser is independent of eta, and the cost of
    any path shifts by eta Q^2 / 2."""
    t = np.linspace(0.0, 1.0, 101)
    base = execution.direct_minimiser(t, kappa=25.0, eta=0.0, **MODEL)
    for eta in (1.0, 10.0, 1e3):
        q = execution.direct_minimiser(t, kappa=25.0, eta=eta, **MODEL)
        assert np.max(np.abs(q - base)) <= 1e-10 * MODEL["Q"]
    exact = execution.optimal_inventory(t, kappa=25.0, **MODEL)
    assert np.max(np.abs(base - exact)) <= 1e-3 * MODEL["Q"]  # truncation of 64 sine modes
    finer = execution.direct_minimiser(t, kappa=25.0, n_modes=256, **MODEL)
    assert np.max(np.abs(finer - exact)) < np.max(np.abs(base - exact)) / 10
    shift = execution.path_cost(lambda s: MODEL["Q"] * s, lambda s: MODEL["Q"] + 0 * s,
                                T=1.0, kappa=0.0, theta=1.0, eta=4.0) - MODEL["Q"] ** 2
    assert shift == pytest.approx(4.0 * MODEL["Q"] ** 2 / 2, rel=1e-12)


@pytest.mark.parametrize("kappa", [0.0, 25.0])
@pytest.mark.parametrize("eta", [0.0, 10.0, 100.0])
def test_permanent_impact_moves_the_penalised_minimiser_as_transversality_says(
        kappa: float, eta: float) -> None:
    """(ac-transversality): with a finite penalty the terminal inventory is
    Q M / (M + eta/2 + sqrt(kappa theta) coth kT); the direct minimiser, which knows nothing
    of it, finds the same schedule."""
    t = np.linspace(0.0, 1.0, 101)
    direct = execution.direct_minimiser(t, kappa=kappa, eta=eta, M=100.0, n_modes=256, **MODEL)
    closed = execution.optimal_inventory(t, kappa=kappa, eta=eta, M=100.0, **MODEL)
    assert np.max(np.abs(direct - closed)) <= 1e-4 * MODEL["Q"]
    k = np.sqrt(kappa)
    q_T = 100.0 / (100.0 + eta / 2 + (k / np.tanh(k) if k else 1.0))
    assert closed[-1] == pytest.approx(q_T * MODEL["Q"], rel=1e-14)


def test_shortfall_schedule_mirrors_the_post_and_buys_early() -> None:
    t = np.linspace(0.0, 1.0, 101)
    post = execution.optimal_inventory(t, kappa=9.0, **MODEL)
    shortfall = execution.shortfall_inventory(t, kappa=9.0, **MODEL)
    assert np.allclose(shortfall, MODEL["Q"] - post[::-1], rtol=0, atol=1e-9 * MODEL["Q"])
    inner = slice(1, -1)
    assert np.all(shortfall[inner] > MODEL["Q"] * t[inner]) and np.all(
        post[inner] < MODEL["Q"] * t[inner])


def test_linear_cost_components_are_its_quadrature() -> None:
    impact, risk = execution.linear_cost_components(kappa=9.0, **MODEL)
    assert impact + risk == pytest.approx(execution.path_cost(
        lambda s: MODEL["Q"] * s, lambda s: MODEL["Q"] + 0 * s, T=1.0, kappa=9.0, theta=1.0),
        rel=1e-12)
    assert risk == pytest.approx(9.0 * MODEL["Q"] ** 2 / 3, rel=1e-15)


def test_direct_minimiser_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"^eta must"):
        execution.direct_minimiser(np.array([0.5]), kappa=1.0, eta=-1.0, **MODEL)
    with pytest.raises(ValueError, match=r"^n_modes must"):
        execution.direct_minimiser(np.array([0.5]), kappa=1.0, n_modes=0, **MODEL)


def test_riccati_tolerance_grows_with_the_cancellation_of_gamma() -> None:
    """gamma at M = 1e8 can lose digits beyond 1e-8: rounding is amplified by
    M / (theta k coth kT), about 5e7 here, and machine epsilon times that exceeds 1e-8, so the
    plain tolerance cannot be promised on every machine (the error seen varies with the BLAS
    kernel, 7e-9 to 3e-8). It meets the tolerance that grows with M; the others keep 1e-8."""
    model = {"Q": 1e4, "T": 1.0, "kappa": 4.0, "theta": 1.0}
    t = np.linspace(0.0, 1.0, 100)
    for name, (closed, numeric) in execution.riccati_check(t, M=1e8, **model).items():
        error = np.max(np.abs(numeric - closed) / (1e4 if name == "q" else np.abs(closed)))
        tolerance = execution.riccati_tolerance(name, M=1e8, T=1.0, kappa=4.0, theta=1.0)
        assert error <= tolerance
        if name == "gamma":
            k = np.sqrt(model["kappa"] / model["theta"])
            amplification = 1e8 / (model["theta"] * k / np.tanh(k * model["T"]))
            assert np.finfo(float).eps * amplification > 1e-8 and tolerance == 1e-6
        else:
            assert tolerance == 1e-8
    tiny = {"T": 1.0, "kappa": 1e-300, "theta": 1.0}
    assert execution.riccati_tolerance("gamma", M=1e8, **tiny) == 1e-6   # M T / theta
    assert execution.riccati_tolerance("gamma", M=np.inf, **tiny) == 1e-8
