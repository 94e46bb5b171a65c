"""lib.competition closed forms against independent numerics (lib.competition.crosscheck),
reference values (third-party and independent evaluations of the paper's closed forms), shape
claims and input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib.competition import best_response, n_trader_equilibrium, two_trader_equilibrium
from lib.competition.costs import cost_A, cost_B
from lib.competition.crosscheck import (
    K_MAX,
    TOL_MIN,
    SineConvergence,
    best_response_B_bvp,
    best_response_bvp,
    best_response_discrete,
    equilibrium_bvp,
    nash_gap,
    sine_convergence,
)
from lib.competition.equilibrium import (
    equilibrium_cost,
    equilibrium_limits,
    equilibrium_strategies,
)
from lib.competition.inverse import inverse_A, inverse_B
from lib.competition.quadrature import integrate
from lib.competition.responses import (
    best_response_B_strategy,
    best_response_strategy,
    br_eager,
    br_risk_averse,
    br_risk_neutral,
)
from lib.competition.strategies import (
    Strategy,
    classify,
    combine,
    eager,
    exp_shape,
    risk_averse,
    risk_neutral,
)

T = np.linspace(0.0, 1.0, 401)


def _gap(x: Strategy, y: Strategy, t: np.ndarray = T) -> float:
    return float(np.max(np.abs(x(t) - y(t))))


def _case(kind: str, kappa: float, lam: float, sigma: float = 0.0) -> tuple[Strategy, Strategy]:
    """(adversary b, closed-form best response) against r_sigma (paper (13)-(16)), t (paper
    (17)-(18)), phi_sigma (paper (19)) or, by the general formula (pb-best-response), b_lam."""
    if kind == "r_sigma":
        return risk_averse(sigma), br_risk_averse(sigma, kappa=kappa, lam=lam)
    if kind == "t":
        return risk_neutral(), br_risk_neutral(kappa=kappa, lam=lam)
    if kind == "phi_sigma":
        return eager(sigma), br_eager(sigma, kappa=kappa, lam=lam)
    b = equilibrium_strategies(kappa=kappa, lam=lam)[1]
    return b, best_response_strategy(b, kappa=kappa, lam=lam)


# (kind, kappa, lam, sigma). The best responses of MODERATE have |a''| <= 31 at both ends,
# those of STEEP (the parameters of the third-party values below, and boundary layers) up to
# 1250.
MODERATE = [("r_sigma", 1.0, 5.0, 3.0), ("t", 1.0, 5.0, 0.0), ("phi_sigma", 1.0, 5.0, 3.0),
            ("phi_sigma", 2.0, 3.0, 0.5), ("b_lam", 1.0, 5.0, 0.0)]
STEEP = [("t", 10.0, 10.0, 0.0), ("phi_sigma", 0.1, 20.0, 10.0), ("b_lam", 5.0, 5.0, 0.0),
         ("b_lam", 25.0, 5.0, 0.0), ("r_sigma", 10.0, 1.0, 8.0)]


@pytest.mark.parametrize(("kind", "kappa", "lam", "sigma"), MODERATE + STEEP)
def test_best_response_matches_collocation(kind: str, kappa: float, lam: float,
                                           sigma: float) -> None:
    b, closed = _case(kind, kappa, lam, sigma)
    numeric = best_response_bvp(b, kappa=kappa, lam=lam)
    assert _gap(numeric, closed) <= 1e-8
    assert np.max(np.abs(numeric.rate(T) - closed.rate(T))) <= 1e-7
    assert np.max(np.abs(numeric.acceleration(T) - closed.acceleration(T))) <= 1e-9


@pytest.mark.parametrize(("kind", "kappa", "lam", "sigma"), MODERATE)
def test_best_response_matches_the_minimised_cost(kind: str, kappa: float, lam: float,
                                                  sigma: float) -> None:
    b, closed = _case(kind, kappa, lam, sigma)
    errors = [_gap(best_response_discrete(b, kappa=kappa, lam=lam, n_modes=m), closed)
              for m in (40, 80, 160)]
    assert errors[0] <= 5e-4
    assert errors[0] > errors[1] > errors[2]
    best = cost_A(closed, b, kappa=kappa, lam=lam).total
    discrete = cost_A(best_response_discrete(b, kappa=kappa, lam=lam), b, kappa=kappa,
                      lam=lam).total
    # pb-quadratic-gap: the excess is int (a' - a*')^2
    assert 0.0 <= discrete - best <= 1e-4 * abs(best)


@pytest.mark.parametrize(("kind", "kappa", "lam", "sigma"), MODERATE + STEEP)
def test_discrete_error_falls_like_n_modes_squared(kind: str, kappa: float, lam: float,
                                                   sigma: float) -> None:
    # The cost restricted to the sine basis is minimised by the truncated sine series of a - t,
    # which converges like N^-2 when a''(0) or a''(1) is not 0: measured error 0.73-0.77 times
    # max |a''(end)| / (pi^3 N^2), so 5e-4 at 40 modes holds only for |a''(end)| <= 33.
    b, closed = _case(kind, kappa, lam, sigma)
    errors = [_gap(best_response_discrete(b, kappa=kappa, lam=lam, n_modes=m), closed)
              for m in (40, 80, 160)]
    assert 3.5 < errors[0] / errors[1] < 4.5 and 3.5 < errors[1] / errors[2] < 4.5
    bound = np.max(np.abs(closed.acceleration(np.array([0.0, 1.0])))) / (np.pi**3 * 40**2)
    assert 0.7 * bound < errors[0] < 0.8 * bound


@pytest.mark.parametrize(("kappa", "lam"), [(1.0, 5.0), (5.0, 5.0), (1.0, 1.0), (25.0, 5.0)])
def test_equilibrium_matches_collocation(kappa: float, lam: float) -> None:
    a, b = equilibrium_strategies(kappa=kappa, lam=lam)
    a_num, b_num = equilibrium_bvp(kappa=kappa, lam=lam)
    assert _gap(a_num, a) <= 1e-8 and _gap(b_num, b) <= 1e-8
    assert np.max(np.abs(a_num.rate(T) - a.rate(T))) <= 1e-7
    assert np.max(np.abs(b_num.acceleration(T) - b.acceleration(T))) <= 1e-6


# Boundary layers of width 3/kappa and 1/kappa (pb-large-kappa), up to the solvers' limit.
THIN_LAYERS = [(1.0, 5.0), (50.0, 20.0), (100.0, 20.0), (200.0, 50.0), (K_MAX, 50.0)]


@pytest.mark.parametrize(("kappa", "lam"), THIN_LAYERS)
def test_collocation_resolves_thin_layers(kappa: float, lam: float) -> None:
    a, b = equilibrium_strategies(kappa=kappa, lam=lam)
    a_num, b_num = equilibrium_bvp(kappa=kappa, lam=lam)
    assert _gap(a_num, a) <= 1e-8 and _gap(b_num, b) <= 1e-8
    assert _gap(best_response_bvp(b, kappa=kappa, lam=lam),
                best_response_strategy(b, kappa=kappa, lam=lam)) <= 1e-8
    assert _gap(best_response_bvp(eager(kappa / 2.0), kappa=kappa, lam=lam),
                br_eager(kappa / 2.0, kappa=kappa, lam=lam)) <= 1e-8


@pytest.mark.parametrize(("bad", "name"), [({"kappa": 2.0 * K_MAX}, "kappa"),
                                           ({"tol": TOL_MIN / 10.0}, "tol")])
def test_collocation_rejects_parameters_beyond_its_domain(bad: dict, name: str) -> None:
    params = {"kappa": 1.0, "lam": 5.0} | bad
    b = risk_neutral()
    for solve in (lambda: best_response_bvp(b, **params), lambda: equilibrium_bvp(**params),
                  lambda: best_response_B_bvp(b, **params)):
        with pytest.raises(ValueError, match=rf"^{name} must be"):
            solve()


@pytest.fixture(scope="module")
def convergence() -> SineConvergence:
    return sine_convergence()


def test_sine_basis_converges_like_n_modes_squared(convergence: SineConvergence) -> None:
    assert convergence.modes == (40, 80, 160)
    assert convergence.orders.shape == (4, 2)
    assert np.all((convergence.orders >= 1.8) & (convergence.orders <= 2.2))
    convergence.check()
    eager_case = next(i for i, c in enumerate(convergence.cases) if "phi_sigma" in c)
    np.testing.assert_allclose(convergence.errors[eager_case], [0.0149, 0.0038, 0.00094],
                               rtol=0.02)


def test_sine_convergence_check_can_fail(convergence: SineConvergence) -> None:
    with pytest.raises(AssertionError, match=r"response to phi_sigma"):
        convergence.check(low=2.5, high=3.0)


def test_sine_convergence_tables(convergence: SineConvergence) -> None:
    text = convergence.markdown(label="position_building-ext-sine", caption="Sine basis.")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(convergence.cases)
    assert all(row.count("|") == 2 + len(convergence.modes) + 2 for row in rows)
    assert "| 1.5e-2 | 3.8e-3 | 9.4e-4 |" in text
    columns = convergence.columns()
    assert list(columns) == ["case", "modes", "max error", "observed order"]
    assert {len(v) for v in columns.values()} == {12}
    assert columns["modes"][:3] == [40, 80, 160]
    assert columns["observed order"][0] is None and columns["observed order"][1] > 1.8


@pytest.mark.parametrize("modes", [(40,), (40, 60), (0, 0)])
def test_sine_convergence_rejects_bad_modes(modes: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"^modes must"):
        sine_convergence(modes)


@pytest.mark.parametrize(("kappa", "lam"), [(1.0, 5.0), (5.0, 5.0), (10.0, 1.0), (25.0, 25.0)])
def test_equilibrium_is_a_mutual_best_response(kappa: float, lam: float) -> None:
    a, b = equilibrium_strategies(kappa=kappa, lam=lam)
    assert _gap(best_response_strategy(b, kappa=kappa, lam=lam), a) <= 1e-10
    assert _gap(best_response_B_strategy(a, kappa=kappa, lam=lam), b) <= 1e-10


def test_nash_gap_vanishes_at_equilibrium_and_is_quadratic_off_it() -> None:
    kappa, lam, eps = 5.0, 5.0, 0.1
    a, b = equilibrium_strategies(kappa=kappa, lam=lam)
    gap_a, gap_b = nash_gap(a, b, kappa=kappa, lam=lam)
    assert abs(gap_a) <= 1e-9 and abs(gap_b) <= 1e-9
    bump = Strategy(lambda t: (np.sin(np.pi * t), np.pi * np.cos(np.pi * t),
                               -np.pi**2 * np.sin(np.pi * t)), "sin")
    moved = combine([(1.0, a), (eps, bump)])
    gap_a, gap_b = nash_gap(moved, b, kappa=kappa, lam=lam)
    assert gap_a == pytest.approx(eps**2 * np.pi**2 / 2.0, abs=1e-9)  # pb-quadratic-gap
    b_star = best_response_B_strategy(moved, kappa=kappa, lam=lam)
    excess = integrate(lambda t: (b.evaluate(t)[1] - b_star.evaluate(t)[1]) ** 2)
    assert excess > 1e-4
    assert gap_b == pytest.approx(lam**2 * excess, abs=1e-9)


# --- Reference values --------------------------------------------------------------------------

def test_third_party_values() -> None:
    """Values of an independent public transcription of the paper's closed forms."""
    a = br_eager(10.0, kappa=0.1, lam=20.0)
    assert cost_A(a, eager(10.0), kappa=0.1, lam=20.0).total == pytest.approx(-369.234408,
                                                                              abs=1e-6)
    linear = cost_A(risk_neutral(), risk_averse(6.0), kappa=1.0, lam=6.0)
    assert (linear.temp, linear.perm, linear.total) == pytest.approx(
        (7.0, 1.4950548, 8.4950548), abs=1e-6)
    assert linear.perm == pytest.approx(0.5 + 1 / math.tanh(6.0) - 1 / math.sinh(6.0), abs=1e-12)
    a = br_risk_neutral(kappa=10.0, lam=10.0)
    np.testing.assert_allclose(a(T), 26 * T - 25 * T**2, atol=1e-12)
    assert cost_A(a, risk_neutral(), kappa=10.0, lam=10.0).total == pytest.approx(-427 / 3,
                                                                                abs=1e-9)
    a, b = equilibrium_strategies(kappa=1.0, lam=5.0)
    at = np.array([0.2])
    assert np.concatenate([a(at), b(at), a.rate(at), b.rate(at)]) == pytest.approx(
        [0.4248386525, 0.1880487290, 1.8785568470, 0.9443737334], abs=1e-9)


def test_reference_best_response_to_risk_averse() -> None:
    a = br_risk_averse(3.0, kappa=1.0, lam=5.0)
    assert float(a(np.array(0.5))) == pytest.approx(1.483275, abs=1e-6)


SPOTS = np.array([0.1, 0.5, 0.9])


@pytest.mark.parametrize(("kappa", "lam", "a_ref", "b_ref"), [
    (1.0, 5.0, [0.224544, 0.869630, 1.044057], [0.093874, 0.475959, 0.888375]),
    (5.0, 5.0, [0.558997, 1.939461, 1.665584], None),
    (100.0, 5.0, [2.892978, 3.000000, 2.999909], [0.578596, 0.600000, 0.600018]),
    (10.0, 1.0, [0.293955, 0.841131, 0.985365], [0.293955, 0.841131, 0.985365]),
])
def test_reference_equilibrium_values(kappa: float, lam: float, a_ref: list[float],
                                    b_ref: list[float] | None) -> None:
    a, b = two_trader_equilibrium(SPOTS, kappa=kappa, lam=lam)
    np.testing.assert_allclose(a, a_ref, atol=1e-6)
    if b_ref is not None:
        np.testing.assert_allclose(b, b_ref, atol=1e-6)


@pytest.mark.parametrize(("n", "ref"), [(10, [0.558923, 0.983551]), (50, [0.617449, 0.991869]),
                                        (250, [0.629208, 0.993037]),
                                        (np.inf, [0.632149, 0.993307])])
def test_reference_n_trader_values(n: float, ref: list[float]) -> None:
    x = n_trader_equilibrium(np.array([0.1, 0.5]), kappa=10.0, n=n)
    np.testing.assert_allclose(x, ref, atol=1e-6)


@pytest.mark.parametrize(("kappa", "lam", "total_a", "total_b"), [
    (1.0, 5.0, 8.182638, 46.150079), (5.0, 5.0, 6.578676, 127.392715)])
def test_reference_equilibrium_costs(kappa: float, lam: float, total_a: float,
                                   total_b: float) -> None:
    a, b = equilibrium_strategies(kappa=kappa, lam=lam)
    cost = cost_A(a, b, kappa=kappa, lam=lam)
    assert cost.total == pytest.approx(total_a, abs=1e-6)
    assert equilibrium_cost(kappa=kappa, lam=lam).total == pytest.approx(total_a, abs=1e-6)
    assert cost_B(a, b, kappa=kappa, lam=lam).total == pytest.approx(total_b, abs=1e-6)
    if kappa == 1.0:
        assert (cost.temp, cost.perm) == pytest.approx((6.491860, 1.690778), abs=1e-6)


def test_best_response_to_eager_example() -> None:
    a = br_eager(10.0, kappa=0.1, lam=10.0)
    assert float(a(np.array(0.1))) == pytest.approx(-2.5341, abs=5e-5)
    assert float(np.min(a(np.linspace(0.0, 1.0, 100_001)))) == pytest.approx(-3.0946, abs=5e-5)


def test_plateaus_at_large_kappa() -> None:
    plateau_a, plateau_b = equilibrium_limits(5.0)
    assert (plateau_a, plateau_b) == (3.0, 0.6)
    a, b = equilibrium_strategies(kappa=100.0, lam=5.0)
    assert float(a(np.array(0.5))) == pytest.approx(plateau_a, abs=1e-6)
    assert float(b(np.array(0.5))) == pytest.approx(plateau_b, abs=1e-6)
    inner = np.linspace(0.4, 0.8, 41)  # outside the layers of width 3/kappa and 1/kappa
    assert np.max(np.abs(a(inner) - plateau_a)) <= 2e-5
    assert np.max(np.abs(b(inner) - plateau_b)) <= 2e-5


@pytest.mark.parametrize("kappa", [0.1, 1.0, 10.0, 25.0])
def test_inverse_problems(kappa: float) -> None:
    for lam in (1.0, 5.0, 25.0):  # pb-inverse-linear: independent of lam
        assert _gap(inverse_A(risk_neutral(), kappa=kappa, lam=lam), exp_shape(kappa)) <= 1e-10
    a, b = equilibrium_strategies(kappa=kappa, lam=5.0)
    assert _gap(inverse_B(b, kappa=kappa, lam=5.0), a) <= 1e-10


# --- Shapes (the best response to phi_sigma is risk-averse only when sigma > kappa) --------------

@pytest.mark.parametrize("kappa", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("lam", [1.0, 5.0])
def test_best_response_shapes(kappa: float, lam: float) -> None:
    for sigma in (0.5, 3.0, 20.0):
        assert classify(br_risk_averse(sigma, kappa=kappa, lam=lam)) == "eager"
        expected = "risk-averse" if sigma > kappa else "eager"
        assert classify(br_eager(sigma, kappa=kappa, lam=lam)) == expected
    assert classify(br_risk_neutral(kappa=kappa, lam=lam)) == "eager"
    assert classify(br_eager(kappa, kappa=kappa, lam=lam)) == "risk-neutral"


# --- Validation of the public API ---------------------------------------------------------------

BAD_MODEL = [({"kappa": 0.0}, "kappa"), ({"kappa": -1.0}, "kappa"), ({"kappa": np.inf}, "kappa"),
             ({"kappa": np.nan}, "kappa"), ({"lam": 0.0}, "lam"), ({"lam": -2.0}, "lam")]
BAD_TIMES = [np.array([0.0, np.nan]), np.array([np.inf]), np.array([-np.inf, 0.5])]


@pytest.mark.parametrize(("bad", "name"), BAD_MODEL)
def test_two_trader_and_best_response_reject_bad_parameters(bad: dict, name: str) -> None:
    params = {"kappa": 1.0, "lam": 5.0} | bad
    with pytest.raises(ValueError, match=rf"^{name} must"):
        two_trader_equilibrium(T, **params)
    with pytest.raises(ValueError, match=rf"^{name} must"):
        best_response(T, lambda t: t, **params)


@pytest.mark.parametrize(("bad", "name"), [({"kappa": 0.0}, "kappa"), ({"kappa": -3.0}, "kappa"),
                                           ({"n": 0.5}, "n"), ({"n": 0}, "n"),
                                           ({"n": -np.inf}, "n"), ({"n": np.nan}, "n")])
def test_n_trader_rejects_bad_parameters(bad: dict, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        n_trader_equilibrium(T, **({"kappa": 1.0, "n": 3} | bad))


@pytest.mark.parametrize("t", BAD_TIMES)
def test_public_functions_reject_non_finite_times(t: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"^t must be finite"):
        two_trader_equilibrium(t, kappa=1.0, lam=5.0)
    with pytest.raises(ValueError, match=r"^t must be finite"):
        n_trader_equilibrium(t, kappa=1.0, n=3)
    with pytest.raises(ValueError, match=r"^t must be finite"):
        best_response(t, lambda s: s, kappa=1.0, lam=5.0)


def test_crosscheck_rejects_bad_parameters() -> None:
    b = risk_neutral()
    with pytest.raises(ValueError, match=r"^kappa must"):
        best_response_bvp(b, kappa=0.0, lam=1.0)
    with pytest.raises(ValueError, match=r"^lam must"):
        equilibrium_bvp(kappa=1.0, lam=-1.0)
    with pytest.raises(ValueError, match=r"^n_modes must"):
        best_response_discrete(b, kappa=1.0, lam=1.0, n_modes=0)
    with pytest.raises(ValueError, match=r"^tol must"):
        best_response_bvp(b, kappa=1.0, lam=1.0, tol=0.0)
