"""lib.dynamic_trading dynamics, impact, auction and CARA: Lemma 2, the eigen-decomposition (25),
the impacts (29)–(31), Props 12–14, Figure 1, the auction round trip and the exponential model
(Props 15–16). Reference values are our own solutions (the paper prints fewer digits)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import solve_continuous_are, solve_continuous_lyapunov
from scipy.optimize import root

from lib.dynamic_trading import auction, cara, dynamics, impact

B = np.array([1.0, 1.5, 2.0, 2.5, 3.0])
FIVE_P = np.array([-0.254028, -0.329436, -0.387536, -0.435063, -0.475665])
FIVE_Q = np.array([
    [0.629842, -0.244056, -0.319180, -0.389394, -0.455371],
    [-0.162769, 0.965293, -0.325570, -0.400994, -0.472733],
    [-0.159579, -0.244188, 1.289292, -0.405040, -0.480778],
    [-0.155717, -0.240622, -0.324034, 1.598314, -0.483531],
    [-0.151777, -0.236427, -0.320509, -0.402886, 1.892413],
])
FIVE_KAPPA = np.array([0.0, 0.933717, 1.386478, 1.818041, 2.236918])
FIVE_U = np.array([
    [1.0000, 1.0000, 0.2178, 0.1184, 0.0811],
    [0.6667, -0.5298, 0.7822, 0.2140, 0.1230],
    [0.5000, -0.2213, -0.6186, 0.6676, 0.2128],
    [0.4000, -0.1427, -0.2340, -0.7478, 0.5831],
    [0.3333, -0.1063, -0.1474, -0.2522, -1.0000],
])


# --- independent linear-quadratic solver (paper (15)–(16)) -------------------------------------


def lyapunov_value_matrix(P, Q, b_i, i, r):
    C = (np.outer(P, Q[i]) + np.outer(Q[i], P)) / 2.0
    C[i, i] -= b_i / 2.0
    return solve_continuous_lyapunov(Q.T + r / 2.0 * np.eye(P.size), C)


def lq_residual(x, b, r):
    N = b.size
    P, top = x[:N], x[N:].reshape(N - 1, N)
    Q = np.vstack([top, -top.sum(axis=0)])
    return np.concatenate([
        P[i] * Q[i] + Q[i, i] * P - 2.0 * lyapunov_value_matrix(P, Q, b[i], i, r) @ Q[:, i]
        for i in range(N)
    ])


def solve_lq(b, r=1.0, P0=None, Q0=None):
    P0, Q0 = (cara.prop13_guess(b, r)) if P0 is None else (P0, Q0)
    sol = root(lq_residual, np.concatenate([P0, Q0[:-1].ravel()]), args=(b, r), tol=1e-14)
    assert np.max(np.abs(lq_residual(sol.x, b, r))) < 1e-12
    N = b.size
    top = sol.x[N:].reshape(N - 1, N)
    return sol.x[:N], np.vstack([top, -top.sum(axis=0)])


@pytest.fixture(scope="module")
def eq() -> tuple[np.ndarray, np.ndarray]:
    """The 5-player equilibrium (Section 5.1), solved to 1e-12 from our 6-digit values."""
    return solve_lq(B, 1.0, FIVE_P, FIVE_Q)


def test_fixture_matches_the_reference_values(eq) -> None:
    P, Q = eq
    np.testing.assert_allclose(P, FIVE_P, atol=1e-6)
    np.testing.assert_allclose(Q, FIVE_Q, atol=1e-6)
    A = [lyapunov_value_matrix(P, Q, B[i], i, 1.0) for i in range(5)]
    np.testing.assert_allclose([A[i][i, i] for i in range(5)],
                               [-0.340002, -0.431998, -0.500353, -0.554633, -0.599845], atol=1e-6)
    np.testing.assert_allclose(A[0][0], [-0.340002, -0.075168, -0.084178, -0.090394, -0.094918],
                               atol=1e-6)
    np.testing.assert_allclose(Q @ (1 / B), 0.0, atol=1e-12)
    np.testing.assert_allclose(P @ (1 / B), -1.0, atol=1e-12)


# --- Lemma 2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", ["paper", "unit"])
def test_lemma2_value_matrix_and_foc(eq, normalize: str) -> None:
    P, Q = eq
    kappas, U = dynamics.eigendecomposition(Q, normalize)
    for i in range(5):
        A = lyapunov_value_matrix(P, Q, B[i], i, 1.0)
        np.testing.assert_allclose(dynamics.lemma2_value_matrix(P, U, kappas, B[i], i, 1.0), A,
                                   atol=1e-12)
        np.testing.assert_allclose(dynamics.lemma2_foc_residual(P, U, kappas, B[i], i, 1.0), 0.0,
                                   atol=1e-10)


def test_lemma2_foc_residual_detects_non_equilibrium(eq) -> None:
    P, Q = eq
    kappas, U = dynamics.eigendecomposition(Q)
    res = dynamics.lemma2_foc_residual(1.01 * P, U, kappas, B[2], 2, 1.0)
    assert np.max(np.abs(res)) > 1e-3


# --- eigen-decomposition (25) ------------------------------------------------------------------


def test_eigendecomposition_matches_eq25(eq) -> None:
    Q = eq[1]
    kappas, U = dynamics.eigendecomposition(Q)
    np.testing.assert_allclose(kappas, FIVE_KAPPA, atol=1e-6)
    np.testing.assert_allclose(U, FIVE_U, atol=5e-5)  # reference U to 4 decimals
    np.testing.assert_allclose(U @ np.diag(kappas) @ np.linalg.inv(U), Q, atol=1e-12)
    np.testing.assert_allclose(U[:, 0], B[0] / B, atol=1e-12)  # no-trade direction 1/b
    np.testing.assert_allclose(np.where(U[:, 1:] > 0, U[:, 1:], 0).sum(axis=0), 1.0, atol=1e-12)
    # paper's (25), truncated/rounded: eigenvalues .934, 1.386, 1.818, 2.237 to +-0.01
    np.testing.assert_allclose(kappas[1:], [0.934, 1.386, 1.818, 2.237], atol=0.01)


def test_eigendecomposition_unit_and_errors() -> None:
    kappas, U = dynamics.eigendecomposition(np.diag([2.0, 1.0]), normalize="unit")
    np.testing.assert_allclose(kappas, [1.0, 2.0])
    np.testing.assert_allclose(np.linalg.norm(U, axis=0), 1.0)
    with pytest.raises(ValueError, match="complex"):
        dynamics.eigendecomposition(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="normalize"):
        dynamics.eigendecomposition(np.eye(2), normalize="scaled")
    with pytest.raises(ValueError, match="diagonalisable"):
        dynamics.eigendecomposition(np.array([[1.0, 1.0], [0.0, 1.0]]))


def test_impulse_response_and_price_path_f4(eq) -> None:
    """F4: price after a large seller (a) and small sellers vs a large buyer (b)."""
    P, Q = eq
    t = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    pa = dynamics.price_path(P, Q, np.array([1.0, 0, 0, 0, -1.0]), t)
    pb = dynamics.price_path(P, Q, np.array([-1.0, 0.25, 0.25, 0.25, 0.25]), t)
    np.testing.assert_allclose(pa, [0.221637, 0.109835, 0.058105, 0.018675, 0.002494], atol=1e-6)
    np.testing.assert_allclose(pb, [-0.152897, -0.088108, -0.051950, -0.018883, -0.002723],
                               atol=1e-6)
    kappas, U = dynamics.eigendecomposition(Q)
    X0 = np.array([0.3, -1.0, 0.2, 0.4, 0.1])
    X = dynamics.impulse_response(Q, X0, t)
    expected = (U * np.exp(-np.outer(t, kappas))[:, None, :]) @ np.linalg.solve(U, X0)
    np.testing.assert_allclose(X, expected, atol=1e-12)


# --- impacts (Lemma 3) -------------------------------------------------------------------------


def test_impact_vectors_of_the_example(eq) -> None:
    P, Q = eq
    np.testing.assert_allclose(impact.instantaneous_impact(P, Q),
                               [0.403320, 0.341280, 0.300580, 0.272201, 0.251354], atol=1e-6)
    np.testing.assert_allclose(impact.permanent_impact(B, 1.0),
                               [0.526316, 0.447761, 0.416667, 0.400000, 0.389610], atol=1e-6)
    np.testing.assert_allclose(impact.transient_impact(P, Q, B, 1.0),
                               [0.0203, 0.0552, 0.0539, 0.0449, 0.0338], atol=5e-5)


def test_symmetric_market_has_no_transient_impact() -> None:
    """Prop 12: T = 0, Λ = b/(r(N-1)), I = b/(r(N-1)κ)."""
    N, b, r = 6, 2.0, 0.7
    kappa = r * (N - 2) / 2
    P, Q = -b / (N * r) * np.ones(N), kappa * (np.eye(N) - 1.0 / N)
    np.testing.assert_allclose(impact.transient_impact(P, Q, np.full(N, b), r), 0.0, atol=1e-14)
    np.testing.assert_allclose(impact.permanent_impact(np.full(N, b), r), b / (r * (N - 1)))
    np.testing.assert_allclose(impact.instantaneous_impact(P, Q), b / (r * (N - 1) * kappa))


# --- Prop 13 -----------------------------------------------------------------------------------

EPS = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])


def test_prop13_example() -> None:
    P, Q = cara.prop13_guess(2.0 * (1 + EPS), 1.0)
    np.testing.assert_allclose(P, -np.array([0.29, 0.345, 0.40, 0.455, 0.51]), atol=1e-12)
    np.testing.assert_allclose(np.diag(Q), [0.6, 0.9, 1.2, 1.5, 1.8], atol=1e-12)
    off = Q - np.diag(np.diag(Q))
    np.testing.assert_allclose(off.sum(axis=0), -4 * 0.3 * (1 + EPS), atol=1e-12)
    # Î is the linearised paper (42), b/(r(N-1)κ) (1 - (N-2)²/(N(N-1)) ε), not -p̂^i/q̂^ii
    I_hat = 2.0 / (4 * 1.5) * (1 - 9 / 20 * EPS)
    np.testing.assert_allclose(I_hat, [0.408333, 0.370833, 0.333333, 0.295833, 0.258333],
                               atol=1e-6)


def test_prop13_error_scaling_and_first_order_derivatives() -> None:
    ts = np.geomspace(0.025, 0.2, 6)
    errs = []
    for t in ts:
        b = 2.0 * (1 + t * EPS)
        P, Q = solve_lq(b)
        Ph, Qh = cara.prop13_guess(b)
        errs.append([np.max(np.abs(P - Ph)), np.max(np.abs(Q - Qh))])
    errs = np.array(errs)
    for k in range(2):
        slope = np.polyfit(np.log(ts), np.log(errs[:, k]), 1)[0]
        assert abs(slope - 2.0) < 0.05
    np.testing.assert_allclose(errs[0] / ts[0] ** 2, [0.0335, 0.0802], rtol=0.03)
    # paper (41): dP/dt = -(b/(N r)) (3N-4)/(N(N-1)) ε and dQ/dt = κ (I - S/N) D_ε at t = 0
    h = 1e-4
    (Pp, Qp), (Pm, Qm) = solve_lq(2.0 * (1 + h * EPS)), solve_lq(2.0 * (1 - h * EPS))
    N = 5
    np.testing.assert_allclose((Pp - Pm) / (2 * h), -2.0 / N * (3 * N - 4) / (N * (N - 1)) * EPS,
                               atol=1e-6)
    np.testing.assert_allclose((Qp - Qm) / (2 * h), 1.5 * (np.eye(N) - 1.0 / N) * EPS[None, :],
                               atol=1e-6)
    dI = (impact.instantaneous_impact(Pp, Qp) - impact.instantaneous_impact(Pm, Qm)) / (2 * h)
    np.testing.assert_allclose(dI, -2.0 / (4 * 1.5) * 9 / 20 * EPS, atol=1e-6)  # paper (42)


# --- Prop 14 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_prop14_secular_roots_and_vectors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    N = int(rng.integers(3, 9))
    eps = np.sort(rng.uniform(-0.9, 0.9, N))
    eps -= eps.mean()
    kappa = float(rng.uniform(0.5, 3.0))
    kappas, V = dynamics.prop14_eigen(eps, kappa)
    Qh = kappa * (np.eye(N) - 1.0 / N) * (1 + eps)[None, :]
    np.testing.assert_allclose(kappas, np.sort(np.linalg.eigvals(Qh).real), atol=1e-10)
    np.testing.assert_allclose(Qh @ V, V * kappas, atol=1e-9 * np.abs(V).max())
    np.testing.assert_allclose((1 + eps) @ V, N, rtol=1e-10)
    assert kappas[0] == 0.0
    assert np.all(kappas[1:] > kappa * (1 + eps[:-1]))
    assert np.all(kappas[1:] < kappa * (1 + eps[1:]))
    for i in range(1, N):  # (45) as printed: the first i entries are negative, the rest positive
        assert np.all(V[:i, i] < 0) and np.all(V[i:, i] > 0)


def test_prop14_example_f5(eq) -> None:
    kappas, _ = dynamics.prop14_eigen(EPS, 1.5)
    np.testing.assert_allclose(kappas, [0, 0.883338, 1.296033, 1.703967, 2.116662], atol=1e-6)
    exact, _ = dynamics.eigendecomposition(eq[1])
    brackets = 1.5 * (1 + EPS)
    assert np.all(exact[1:] > brackets[:-1]) and np.all(exact[1:] < brackets[1:])


@pytest.mark.parametrize(("eps", "kappa", "match"), [
    ([0.1, -0.1], 1.0, "increasing"),
    ([-1.0, 1.0], 1.0, "1 \\+ eps"),
    ([-0.1, 0.1], 0.0, "kappa"),
    ([0.1], 1.0, "length"),
    ([0.0, np.nan], 1.0, "finite"),
])
def test_prop14_bad_inputs(eps, kappa, match) -> None:
    with pytest.raises(ValueError, match=match):
        dynamics.prop14_eigen(eps, kappa)


# --- Figure 1 ----------------------------------------------------------------------------------

F1_TIMES = np.array([0.0, 0.25, 0.5 - 1e-12, 0.5, 0.75, 1.0, 2.0, 3.0])
F1_PRICES = [-0.300580, -0.416100, -0.528278, -0.227697, -0.222048, -0.218130, -0.211097,
             -0.209202]


def test_figure1_price_decomposition(eq) -> None:
    P, Q = eq
    schedule = ([0.0, 0.5], [1.0, 0.0])
    out = impact.simulate_deviation(P, Q, B, 1.0, 2, schedule, F1_TIMES)
    np.testing.assert_allclose(out["p"], F1_PRICES, atol=1e-6)
    lam3 = 0.416667
    late = impact.simulate_deviation(P, Q, B, 1.0, 2, schedule, [60.0])
    np.testing.assert_allclose(late["p"], -impact.permanent_impact(B)[2] * 0.5, atol=1e-12)
    np.testing.assert_allclose(late["p"], -lam3 * 0.5, atol=1e-6)
    t = np.linspace(0.0, 3.0, 601)
    path = impact.simulate_deviation(P, Q, B, 1.0, 2, schedule, t)
    assert path["trans"][0] == pytest.approx(0.0, abs=1e-14)
    assert np.all(path["trans"] <= 1e-14)
    assert t[np.argmin(path["trans"])] == 0.5
    assert path["trans"].min() == pytest.approx(-0.019364, abs=1e-6)
    np.testing.assert_allclose(path["x"], np.minimum(t, 0.5), atol=1e-12)
    M, _ = impact.deviation_system(P, Q, 2)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(-M).real),
                               [0.0, 0.961260, 1.587374, 2.214745], atol=1e-6)


def test_simulate_deviation_matches_ode_integration(eq) -> None:
    """Piecewise expm against a Runge–Kutta integration of (27) with a nonzero start."""
    P, Q = eq
    i, X0 = 1, np.array([0.2, -0.1, 0.3, -0.4])
    breaks, rates = np.array([0.0, 0.3, 0.8]), np.array([0.7, -1.2, 0.4])
    t = np.linspace(0.0, 1.5, 31)
    out = impact.simulate_deviation(P, Q, B, 1.0, i, (breaks, rates), t, X0)
    M, c = impact.deviation_system(P, Q, i)

    def rhs(s, X):
        return M @ X - rates[np.searchsorted(breaks, s, side="right") - 1] * c

    ode = solve_ivp(rhs, (0, 1.5), X0, t_eval=t, rtol=1e-12, atol=1e-13,
                    max_step=0.01).y.T
    np.testing.assert_allclose(out["X"], ode, atol=1e-9)
    q = rates[np.searchsorted(breaks, t, side="right") - 1]
    hat = impact.belief(q, ode, Q, i)
    np.testing.assert_allclose(out["p"], ode @ np.delete(P, i) + P[i] * hat, atol=1e-9)


def test_belief_is_truthful_on_the_equilibrium_path(eq) -> None:
    """If i trades q^i = Q_{i.} X, the others' belief recovers X^i exactly (26)."""
    Q = eq[1]
    X = np.array([0.4, -0.2, 0.1, 0.3, -0.6])
    for i in range(5):
        assert impact.belief(Q[i] @ X, np.delete(X, i), Q, i) == pytest.approx(X[i], abs=1e-13)


def test_impact_bad_inputs(eq) -> None:
    P, Q = eq
    with pytest.raises(ValueError, match="positive diagonal"):
        impact.instantaneous_impact(P, -Q)
    with pytest.raises(ValueError, match="b must"):
        impact.permanent_impact([1.0, -1.0])
    with pytest.raises(ValueError, match="r must be > 0"):
        impact.permanent_impact(B, 0.0)
    with pytest.raises(ValueError, match="i must be < N"):
        impact.deviation_system(P, Q, 5)
    with pytest.raises(ValueError, match="Q must have shape"):
        impact.transient_impact(P, Q[:4], B)
    with pytest.raises(ValueError, match="q_schedule"):
        impact.simulate_deviation(P, Q, B, 1.0, 0, ([0.5, 1.0], [1.0, 0.0]), [0.0])
    with pytest.raises(ValueError, match="t must"):
        impact.simulate_deviation(P, Q, B, 1.0, 0, ([0.0], [1.0]), [-1.0])
    with pytest.raises(ValueError, match="X0_others"):
        impact.simulate_deviation(P, Q, B, 1.0, 0, ([0.0], [1.0]), [1.0], np.zeros(5))
    with pytest.raises(ValueError, match="X_others"):
        impact.belief(1.0, np.zeros(5), Q, 0)


# --- auction round trip ------------------------------------------------------------------------

FIVE_PI = np.array([
    [0, 1.21751, 1.18989, 1.17083, 1.15695],
    [1.28461, 0, 1.20768, 1.18623, 1.17038],
    [1.32050, 1.27105, 0, 1.21451, 1.19694],
    [1.36008, 1.30819, 1.27311, 0, 1.22886],
    [1.40036, 1.34650, 1.30975, 1.28310, 0],
])


def test_auction_round_trip(eq) -> None:
    P, Q = eq
    assert auction.is_acceptable(P, Q)
    pihat, Pi = auction.profile_from_mechanism(P, Q)
    np.testing.assert_allclose(pihat, -B / 1.0, atol=1e-10)
    np.testing.assert_allclose(Pi, FIVE_PI, atol=5e-6)
    assert np.linalg.det(np.vstack([P, Q[1:]])) == pytest.approx(-1.815448, abs=1e-6)
    P2, Q2 = auction.mechanism_from_profile(pihat, Pi)
    np.testing.assert_allclose(P2, P, atol=1e-12)
    np.testing.assert_allclose(Q2, Q, atol=1e-12)
    rng = np.random.default_rng(0)
    for X in rng.normal(size=(5, 5)):
        p, q = auction.clear_auction(pihat * X, Pi)
        assert p == pytest.approx(P @ X, abs=1e-12)
        np.testing.assert_allclose(q, Q @ X, atol=1e-12)


def test_auction_prop5_and_unacceptable() -> None:
    bL, bF, r = 2.0, 1.0, 1.0  # Prop 5, paper (18)
    P = -bF / (r * (3 * bF + bL)) * np.array([bL, bL + 2 * bF])
    Q = r / (2 * bF) * np.array([[bL, -bF], [-bL, bF]])
    pihat, Pi = auction.profile_from_mechanism(P, Q)
    np.testing.assert_allclose(pihat, -np.array([bL, bF]) / r, atol=1e-12)
    np.testing.assert_allclose(auction.mechanism_from_profile(pihat, Pi)[1], Q, atol=1e-12)
    assert not auction.is_acceptable(P, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="not acceptable"):
        auction.profile_from_mechanism(P, np.zeros((2, 2)))


def test_auction_bad_inputs(eq) -> None:
    P, Q = eq
    with pytest.raises(ValueError, match="column sums"):
        auction.is_acceptable(P, Q + 0.1)
    with pytest.raises(ValueError, match="zero diagonal"):
        auction.clear_auction(np.ones(5), FIVE_PI + np.eye(5))
    with pytest.raises(ValueError, match="intercepts"):
        auction.clear_auction(np.ones(4), FIVE_PI)
    with pytest.raises(ValueError, match="pihat"):
        auction.mechanism_from_profile(np.zeros(5), FIVE_PI)
    with pytest.raises(ValueError, match="Prop 1"):
        auction.clear_auction(np.ones(3), np.zeros((3, 3)))


# --- CARA (Props 15–16) ------------------------------------------------------------------------


@pytest.mark.parametrize(("sigma", "P_ref", "dQ_ref"), [
    ([0.1] * 5, [-0.2571, -0.3343, -0.3940, -0.4428, -0.4846],
     [0.6186, 0.9528, 1.2775, 1.5886, 1.8857]),
    ([0.1, 0.3, 0.3, 0.1, 0.1], [-0.2653, -0.3580, -0.4264, -0.4629, -0.5075],
     [0.5723, 0.9506, 1.3121, 1.4997, 1.7869]),
])
def test_cara_examples_of_appendix_a(sigma, P_ref, dQ_ref) -> None:
    P, Q, A = cara.solve_cara(B, np.array(sigma))
    np.testing.assert_allclose(P, P_ref, atol=5e-5)  # reference values to 4 decimals
    np.testing.assert_allclose(np.diag(Q), dQ_ref, atol=5e-5)
    np.testing.assert_allclose(Q.sum(axis=0), 0.0, atol=1e-14)
    S = np.diag(np.square(sigma))
    for i in range(5):  # paper (51) holds and agrees with scipy's CARE solver
        C = (np.outer(P, Q[i]) + np.outer(Q[i], P)) / 2
        C[i, i] -= B[i] / 2
        lhs = A[i] + A[i] @ Q + Q.T @ A[i]
        np.testing.assert_allclose(lhs, C - 2 * B[i] * A[i] @ S @ A[i], atol=1e-12)
        ref = solve_continuous_are(-Q - np.eye(5) / 2, np.eye(5), C, np.linalg.inv(2 * B[i] * S))
        np.testing.assert_allclose(A[i], ref, atol=1e-9)


def test_cara_f11_and_continuity(eq) -> None:
    """F11 p^1 and q^11 against σ; σ = 0 is the LQ model (Prop 16) and the gap is O(σ²)."""
    P_lq, Q_lq = eq
    P0, Q0, A_lq = cara.solve_cara(B, np.zeros(5))
    np.testing.assert_allclose(P0, P_lq, atol=1e-10)
    np.testing.assert_allclose(Q0, Q_lq, atol=1e-10)
    np.testing.assert_allclose(A_lq[2], lyapunov_value_matrix(P_lq, Q_lq, B[2], 2, 1.0), atol=1e-12)
    refs = {0.05: (-0.2548, 0.6271), 0.2: (-0.2682, 0.5778), 0.3: (-0.3026, 0.4565)}
    for s, (p1, q11) in refs.items():
        P, Q, _ = cara.solve_cara(B, np.full(5, s))
        assert P[0] == pytest.approx(p1, abs=5e-5)
        assert Q[0, 0] == pytest.approx(q11, abs=5e-5)
    gaps = [np.max(np.abs(cara.solve_cara(B, np.full(5, s), steps=1)[0] - P_lq))
            for s in (1e-2, 1e-3)]
    assert gaps[1] < 1e-5 and gaps[0] / gaps[1] == pytest.approx(100, rel=0.02)


def test_cara_beyond_resolved_shock_size_raises() -> None:
    with pytest.raises(cara.CaraExistenceError, match="unverified"):
        cara.solve_cara(B, np.full(5, 0.4))


def test_cara_bad_inputs(eq) -> None:
    P, Q = eq
    with pytest.raises(ValueError, match="alpha must"):
        cara.solve_cara(B[:2], np.zeros(2))
    with pytest.raises(ValueError, match="sigma must"):
        cara.solve_cara(B, -np.ones(5))
    with pytest.raises(ValueError, match="steps must"):
        cara.solve_cara(B, np.zeros(5), steps=0)
    with pytest.raises(ValueError, match="alpha_i must be > 0"):
        cara.value_matrix(P, Q, 0.0, 0, 1.0, np.eye(5))
    with pytest.raises(ValueError, match="semidefinite"):
        cara.value_matrix(P, Q, 1.0, 0, 1.0, -np.eye(5))
    with pytest.raises(ValueError, match="symmetric"):
        cara.value_matrix(P, Q, 1.0, 0, 1.0, np.triu(np.ones((5, 5))))
    with pytest.raises(ValueError, match="alpha must have length"):
        cara.equilibrium_residual(P, Q, np.ones(4), 1.0, np.eye(5))


def test_dynamics_bad_inputs(eq) -> None:
    P, Q = eq
    kappas, U = dynamics.eigendecomposition(Q)
    with pytest.raises(ValueError, match="P must"):
        dynamics.price_path(P[:, None], Q, np.ones(5), [0.0])
    with pytest.raises(ValueError, match="Q must be a square"):
        dynamics.eigendecomposition(np.ones(3))
    with pytest.raises(ValueError, match="Q must be a square"):
        impact.belief(0.0, np.zeros(2), 1.0, 0)
    with pytest.raises(ValueError, match="X0"):
        dynamics.impulse_response(Q, np.ones(4), [0.0])
    with pytest.raises(ValueError, match="t must"):
        dynamics.impulse_response(Q, np.ones(5), [np.inf])
    with pytest.raises(ValueError, match="kappas"):
        dynamics.lemma2_value_matrix(P, U, kappas[:4], 1.0, 0)
    with pytest.raises(ValueError, match="b_i must be > 0"):
        dynamics.lemma2_foc_residual(P, U, kappas, -1.0, 0)
    with pytest.raises(ValueError, match="i must be an integer"):
        dynamics.lemma2_foc_residual(P, U, kappas, 1.0, 0.5)
    with pytest.raises(ValueError, match="invertible"):
        dynamics.lemma2_value_matrix(P, np.ones((5, 5)), kappas, 1.0, 0)
