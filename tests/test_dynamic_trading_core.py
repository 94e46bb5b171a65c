"""Numerical core of the dynamic-trading chapter (Sannikov & Skrzypacz 2016): lib.dynamic_trading.

The 5-player example of Section 5.1 (P, Q, value matrices, eigenvalues, auction profile);
impacts I, Lambda, T (paper (29)–(31)); Prop 12; Prop 5; Prop 13 (the example and the error
scaling); common values (symmetric closed form and the asymmetric example of Section 6);
front-running (paper (47)); Props 7–9; solver robustness, the N = 2 error and input
validation. Reference values are our own solutions to 6 digits (the paper prints 3).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lib.dynamic_trading import Market, equilibrium, solve
from lib.dynamic_trading import closed_forms as cf
from lib.dynamic_trading import equations as eqs
from lib.dynamic_trading import firstbest as fb

B5 = np.array([1.0, 1.5, 2.0, 2.5, 3.0])
FIVE_P = [-0.254028, -0.329436, -0.387536, -0.435063, -0.475665]
FIVE_Q = [[0.629842, -0.244056, -0.319180, -0.389394, -0.455371],
        [-0.162769, 0.965293, -0.325570, -0.400994, -0.472733],
        [-0.159579, -0.244188, 1.289292, -0.405040, -0.480778],
        [-0.155717, -0.240622, -0.324034, 1.598314, -0.483531],
        [-0.151777, -0.236427, -0.320509, -0.402886, 1.892413]]
FIVE_A_DIAG = [-0.340002, -0.431998, -0.500353, -0.554633, -0.599845]
FIVE_A1_ROW = [-0.340002, -0.075168, -0.084178, -0.090394, -0.094918]
TOL = dict(atol=1e-6, rtol=0)  # the reference values are given to 6 decimals


@pytest.fixture(scope="module")
def five():
    return solve.solve_equilibrium(Market(B5))


def _assert_equilibrium(P, Q, market, residual=1e-10):
    assert np.abs(eqs.equilibrium_residual(P, Q, market)).max() < residual
    conditions = eqs.check_conditions(P, Q)
    assert conditions.holds, conditions.failures
    np.testing.assert_allclose(Q @ market.capacities, 0.0, atol=1e-10)
    np.testing.assert_allclose(P @ market.capacities, -1.0 / market.r, atol=1e-10)
    np.testing.assert_allclose(Q.sum(axis=0), 0.0, atol=1e-12)


# --- the 5-player example of Section 5.1 -----------------------------------------------------

def test_five_player_matches_reference_values(five):
    assert five.converged and five.residual < 1e-12
    np.testing.assert_allclose(five.P, FIVE_P, **TOL)
    np.testing.assert_allclose(five.Q, FIVE_Q, **TOL)
    np.testing.assert_allclose([A[i, i] for i, A in enumerate(five.A)], FIVE_A_DIAG, **TOL)
    np.testing.assert_allclose(five.A[0][0], FIVE_A1_ROW, **TOL)
    _assert_equilibrium(five.P, five.Q, five.market, residual=1e-12)


def test_five_player_conditions_and_public_api(five):
    c = eqs.check_conditions(five.P, five.Q)
    assert (c.price_negative, c.own_flow_positive, c.stable, c.acceptable, c.nondegenerate) == (
        True, True, True, True, True)
    P, Q = equilibrium(B5)
    np.testing.assert_allclose(P, five.P, atol=1e-12)
    np.testing.assert_allclose(Q, five.Q, atol=1e-12)
    # Eigenvalues, determinant of Q^F, P/Pbar of Section 5.1.
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(Q).real),
                               [0, 0.933717, 1.386478, 1.818041, 2.236918], **TOL)
    assert np.linalg.det(np.vstack([P, Q[1:]])) == pytest.approx(-1.815448, abs=1e-6)
    np.testing.assert_allclose(P / fb.first_best_price_vector(B5),
                               [0.7367, 0.9554, 1.1239, 1.2617, 1.3794], atol=5e-5)


def test_value_matrices_solve_lyapunov(five):
    P, Q, r = five.P, five.Q, 1.0
    for i, A in enumerate(five.A):
        C = 0.5 * (np.outer(P, Q[i]) + np.outer(Q[i], P))
        C[i, i] -= B5[i] / 2
        np.testing.assert_allclose(r * A + A @ Q + Q.T @ A, C, atol=1e-13)
        np.testing.assert_allclose(A, A.T, atol=0)


# --- impacts ---------------------------------------------------------------------------------

def test_impacts_of_the_five_player_example(five):
    P, Q = five.P, five.Q
    impact = -P / np.diag(Q)
    lam = np.array([1.0 / (np.sum(1.0 / B5) - 1.0 / b) for b in B5])
    total = np.empty(5)
    for i in range(5):
        o = np.arange(5) != i
        total[i] = (P[o] + impact[i] * Q[i, o]) @ Q[o, i] / Q[i, i]     # paper (31)
    np.testing.assert_allclose(impact, [0.403320, 0.341280, 0.300580, 0.272201, 0.251354], **TOL)
    np.testing.assert_allclose(lam, [0.526316, 0.447761, 0.416667, 0.400000, 0.389610], **TOL)
    np.testing.assert_allclose(total - lam, [0.0203, 0.0552, 0.0539, 0.0449, 0.0338], atol=5e-5)


# --- first best ------------------------------------------------------------------------------

def test_first_best():
    assert fb.market_coefficient(B5) == pytest.approx(1 / np.sum(1 / B5))
    alloc = fb.efficient_allocation(B5, np.array([1.0, -2.0]))
    assert alloc.shape == (2, 5)
    np.testing.assert_allclose(alloc.sum(axis=1), [1.0, -2.0])
    np.testing.assert_allclose(alloc[0] * B5, alloc[0, 0] * B5[0])     # equal marginal costs
    np.testing.assert_allclose(fb.first_best_price_vector([2.0, 1.0], r=0.5),
                               cf.large_vs_fringe(2.0, 1.0, 0.5)["Pbar"])


# --- Prop 12 ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("N", "b", "r"), [(3, 1.0, 1.0), (4, 2.0, 0.5), (7, 1.0, 1.0),
                                           (10, 0.5, 2.0)])
def test_symmetric_numeric_equals_closed_form(N, b, r):
    P, Q = equilibrium(np.full(N, b), r=r)
    Pc, Qc, kappa = cf.symmetric(N, b, r)
    np.testing.assert_allclose(P, Pc, atol=1e-10)
    np.testing.assert_allclose(Q, Qc, atol=1e-10)
    assert kappa == pytest.approx(r * (N - 2) / 2)
    market = Market(np.full(N, b), r=r)
    assert np.abs(eqs.equilibrium_residual(Pc, Qc, market)).max() < 1e-12
    A = eqs.value_matrices(Pc, Qc, market)
    for i in (0, N - 1):
        np.testing.assert_allclose(A[i], cf.symmetric_value_matrix(N, b, r, i), atol=1e-12)
    # Prop 12 and footnote 25: I = 2b/(r^2 (N-1)(N-2)); sum_i k^i = -sigma^2 b / r^2 (iid shocks).
    np.testing.assert_allclose(-P / np.diag(Q), 2 * b / (r**2 * (N - 1) * (N - 2)))
    k = [eqs.value_constant(A_i, 0.09 * np.eye(N), r) for A_i in A]
    assert sum(k) == pytest.approx(-0.09 * b / r**2)


# --- Prop 5 ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("bL", "bF", "r"), [(2.0, 1.0, 1.0), (1.0, 1.0, 1.0), (0.3, 2.0, 0.7),
                                             (5.0, 1.25, 2.0)])
def test_fringe_numeric_equals_prop5(bL, bF, r):
    P, Q = equilibrium([bL, bF], r=r, fringe=True)
    ref = cf.large_vs_fringe(bL, bF, r)
    np.testing.assert_allclose(P, ref["P"], atol=1e-10)
    np.testing.assert_allclose(Q, ref["Q"], atol=1e-10)
    market = Market([bL, bF], r=r, fringe=True)
    _assert_equilibrium(P, Q, market)
    AL, AF = eqs.value_matrices(P, Q, market)
    np.testing.assert_allclose(AL, ref["AL"], atol=1e-12)
    np.testing.assert_allclose(AF, ref["AF"], atol=1e-12)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(Q).real), [0, ref["kappa"]], atol=1e-12)
    assert -P[0] / Q[0, 0] == pytest.approx(ref["I"])                          # paper (20)
    assert ref["I"] == pytest.approx(ref["Lam"] / (r + ref["kappa"]))
    assert P @ [1, -1] == pytest.approx(ref["p0"])


def test_prop5_reference_values_and_comparative_statics():
    ref = cf.large_vs_fringe(2.0, 1.0)
    assert ref["kappa"] == 1.5
    np.testing.assert_allclose(ref["P"], [-0.4, -0.8])
    for s, kappa, lam, impact in [(0.1, 5, 1.111111, 0.185185), (0.25, 2, 1.333333, 0.444444),
                                  (0.5, 1, 2, 1), (0.75, 0.666667, 4, 2.4)]:
        ref = cf.large_vs_fringe(1 / s, 1 / (1 - s))
        np.testing.assert_allclose([ref["kappa"], ref["Lam"], ref["I"], ref["p0"]],
                                   [kappa, lam, impact, impact], **TOL)


def test_fringe_market_reference_values():
    P, Q = equilibrium([0.5, 1.0, 2.0, 1.0], fringe=True)
    np.testing.assert_allclose(P, [-0.12640, -0.19392, -0.25964, -0.42345], atol=5e-6)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(Q).real),
                               [0, 0.83305, 1.81205, 3.96747], atol=5e-6)
    _assert_equilibrium(P, Q, Market([0.5, 1.0, 2.0, 1.0], fringe=True))


# --- Prop 13 ---------------------------------------------------------------------------------

def test_prop13_approximation_of_the_example():
    P, Q, impact, lam = cf.perturbation_approx(B5)
    np.testing.assert_allclose(P, -np.array([0.29, 0.345, 0.40, 0.455, 0.51]), atol=1e-12)
    np.testing.assert_allclose(impact, [0.408333, 0.370833, 0.333333, 0.295833, 0.258333], **TOL)
    np.testing.assert_allclose(np.diag(Q), [0.6, 0.9, 1.2, 1.5, 1.8], atol=1e-12)
    np.testing.assert_allclose(Q[0, 1:], -0.3 * B5[1:] / 2, atol=1e-12)
    np.testing.assert_allclose(Q @ (1 / B5), 0, atol=1e-14)                    # exact
    np.testing.assert_allclose(lam, 2 / 4 * (1 - (B5 / 2 - 1) / 4), atol=1e-12)
    # Accuracy on the example: max error 0.036 in P and 0.098 in Q.
    exact = solve.solve_equilibrium(Market(B5))
    assert np.abs(exact.P - P).max() == pytest.approx(0.0360, abs=5e-4)
    assert np.abs(exact.Q - Q).max() == pytest.approx(0.0983, abs=5e-4)


def test_prop13_error_is_second_order():
    eps = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])
    ts = np.array([0.025, 0.05])
    errors = []
    for t in ts:
        b = 2.0 * (1 + t * eps)
        exact = solve.solve_equilibrium(Market(b))
        P, Q, _, _ = cf.perturbation_approx(b)
        errors.append([np.abs(exact.P - P).max(), np.abs(exact.Q - Q).max()])
    slopes = np.log(errors[1] / np.asarray(errors[0])) / np.log(ts[1] / ts[0])
    np.testing.assert_allclose(slopes, 2.0, atol=0.05)
    np.testing.assert_allclose(np.asarray(errors[0]) / ts[0] ** 2, [0.0335, 0.0802], rtol=0.03)


# --- common values ---------------------------------------------------------------------------

def test_common_value_symmetric_closed_form():
    P, Q, kappa = cf.common_value_symmetric(6, 1.3, 0.8, 0.1)
    market = Market(np.full(6, 1.3), r=0.8, F=cf.common_value_matrix(6, 0.1))
    assert np.abs(eqs.equilibrium_residual(P, Q, market)).max() < 1e-12
    assert kappa > 0 and eqs.check_conditions(P, Q).holds
    kappas = [cf.common_value_symmetric(5, 1, 1, phi)[2] for phi in (0, 0.1, 0.2, 0.3)]
    np.testing.assert_allclose(kappas, [1.5, 0.785714, 0.388889, 0.136364], **TOL)
    kappas = [cf.common_value_symmetric(10, 1, 1, phi)[2] for phi in (0, 0.1, 0.2, 0.3)]
    np.testing.assert_allclose(kappas, [4, 1.631579, 0.785714, 0.351351], **TOL)
    assert cf.common_value_symmetric(3, 1, 1, 0.3)[2] < 0
    assert cf.phi_critical(5) == 0.375
    for N in (3, 5, 10):
        assert cf.common_value_symmetric(N, 1, 1, cf.phi_critical(N))[2] == pytest.approx(0)


def test_common_value_asymmetric_example():
    F = np.eye(5)
    F[[0, 2, 3, 4], 1] = 0.2
    eq = solve.solve_equilibrium(Market(B5, F=F))
    assert eq.converged and eqs.check_conditions(eq.P, eq.Q).holds
    np.testing.assert_allclose(eq.P, [-0.2761, -0.1798, -0.4394, -0.5001, -0.5527], atol=5e-5)
    np.testing.assert_allclose(eq.Q, [[0.5028, -0.0889, -0.3026, -0.3698, -0.4331],
                                      [-0.0621, 0.3350, -0.1128, -0.1341, -0.1536],
                                      [-0.1506, -0.0848, 1.0181, -0.3797, -0.4500],
                                      [-0.1469, -0.0820, -0.3034, 1.2587, -0.4505],
                                      [-0.1431, -0.0793, -0.2994, -0.3751, 1.4872]], atol=5e-5)
    I_cv = -(eq.P @ F) / np.einsum("ij,ji->i", eq.Q, F)                        # footnote 30
    np.testing.assert_allclose(I_cv, [0.5492, 2.2005, 0.4316, 0.3973, 0.3716], atol=5e-5)


# --- front-running ---------------------------------------------------------------------------

def test_frontrunning_reference_and_structure():
    P, Q = equilibrium([1.0, 1.0, 1.0], fringe=True)
    kappa, kappa_hat = np.sort(np.linalg.eigvals(Q).real)[1:]
    assert (kappa, kappa_hat) == (pytest.approx(0.876719, abs=1e-6),
                                  pytest.approx(2.015208, abs=1e-6))
    np.testing.assert_allclose(P, [-0.222783, -0.222783, -0.554435], **TOL)
    np.testing.assert_allclose(Q, cf.frontrun_flow(2, 1, 1, kappa, kappa_hat), atol=1e-10)
    np.testing.assert_allclose(P, cf.frontrun_price(2, 1, 1, 1, kappa_hat), atol=1e-10)
    assert 2 / (1 + kappa_hat) == pytest.approx(0.663304, abs=1e-6)                # pi
    assert P @ [1, 0, -1] == pytest.approx(0.331652, abs=1e-6)                     # p_0 (F9)


@pytest.mark.parametrize(("n", "kappa", "kappa_hat"), [(3, 1.272783, 3.407474),
                                                        (4, 1.711265, 5.121399)])
def test_frontrunning_f2_repeated_eigenvalue(n, kappa, kappa_hat):
    _, Q = equilibrium(np.ones(n + 1), fringe=True)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(Q).real),
                               np.r_[0, np.full(n - 1, kappa), kappa_hat], atol=1e-6)
    np.testing.assert_allclose(Q, cf.frontrun_flow(n, 1, 1, kappa, kappa_hat), atol=1e-5)


def test_frontrun_e35_solves_fringe_foc_identically():
    for n, bL, bF, r, k, kh in [(2, 1.0, 1.0, 1.0, 0.3, 1.7), (4, 0.5, 2.0, 0.7, 1.1, 4.0)]:
        P, Q = cf.frontrun_price(n, bL, bF, r, kh), cf.frontrun_flow(n, bL, bF, k, kh)
        np.testing.assert_allclose(eqs.fringe_residual(P, Q, bF, r), 0, atol=1e-12)
    ref = cf.large_vs_fringe(1.5, 0.5, 0.8)                                  # n = 1 is Prop 5
    np.testing.assert_allclose(cf.frontrun_flow(1, 1.5, 0.5, 0.0, ref["kappa"]), ref["Q"])
    np.testing.assert_allclose(cf.frontrun_price(1, 1.5, 0.5, 0.8, ref["kappa"]), ref["P"])


# --- Props 7–9 -------------------------------------------------------------------------------

@pytest.mark.parametrize("r", [1.0, 0.6])
def test_prop8_commitment(r):
    bL, bF = 1.3, 0.8
    ref = cf.large_vs_fringe(bL, bF, r)
    at_eq = cf.commitment(bL, bF, r, ref["kappa"])
    np.testing.assert_allclose(at_eq["P"], ref["P"])
    np.testing.assert_allclose(at_eq["AL"], ref["AL"])
    for kappa in (0.2, 1.0, 7.0):
        c = cf.commitment(bL, bF, r, kappa)
        np.testing.assert_allclose(eqs.fringe_residual(c["P"], c["Q"], bF, r), 0, atol=1e-13)
        np.testing.assert_allclose(eqs.value_matrix(c["P"], c["Q"], bL, 0, r), c["AL"],
                                   atol=1e-13)
        assert c["W"] == pytest.approx(np.array([1, -1]) @ c["AL"] @ [1, -1])


def test_prop8_references_f8():
    W = [cf.commitment(5, 1.25, 1, k)["W"] for k in (0.5, 1, 2, 5, 20)]
    np.testing.assert_allclose(W, [-1.041667, -0.625, -0.333333, -0.132576, -0.031940], **TOL)
    W = [cf.commitment(2, 2, 1, k)["W"] for k in (0.5, 1, 2, 5)]
    np.testing.assert_allclose(W, [-0.166667, 0, 0.066667, 0.060606], **TOL)
    kstar = [cf.commitment_optimal_kappa(1 / s, 1 / (1 - s)) for s in (0.5, 0.4, 0.6, 0.75)]
    np.testing.assert_allclose(kstar, [2.732051, 6.741657, 1.724745, 1.116515], **TOL)
    assert cf.commitment_optimal_kappa(5, 1.25) == np.inf
    assert cf.commitment_optimal_kappa(3, 1.5) == np.inf                     # share exactly 1/3


@pytest.mark.parametrize("share", [0.2, 1 / 3, 0.4, 0.5, 0.75])
def test_prop8_welfare_on_a_grid(share):
    bL, bF, r = 1 / share, 1 / (1 - share), 0.9
    kstar = cf.commitment_optimal_kappa(bL, bF, r)
    grid = np.geomspace(0.05, 200, 400)
    W = np.array([cf.commitment(bL, bF, r, k)["W"] for k in grid])
    if share <= 1 / 3 + 1e-12:
        assert np.isinf(kstar) and np.all(np.diff(W) > 0)
    else:
        assert grid[np.argmax(W)] == pytest.approx(kstar, rel=0.03)
        fine = kstar * np.array([0.999, 1.0, 1.001])
        Wf = [cf.commitment(bL, bF, r, k)["W"] for k in fine]
        assert Wf[1] > max(Wf[0], Wf[2])
    top = kstar if np.isfinite(kstar) else 50.0
    ks = np.linspace(0.1, top, 6)
    for k0, k1 in itertools.pairwise(ks):
        dA = cf.commitment(bL, bF, r, k1)["AL"] - cf.commitment(bL, bF, r, k0)["AL"]
        ev = np.linalg.eigvalsh(dA)
        assert ev[0] > -1e-12 * ev[1] and ev[1] > 0                          # PSD, rank 1


def test_prop7_merger():
    np.testing.assert_allclose([cf.merger_coefficient(b) for b in (0.1, 0.25, 0.5, 0.75)],
                               [-0.370370, -0.222222, 0, 0.4], **TOL)
    for beta1, r in [(0.2, 1.0), (0.45, 0.5), (0.7, 2.0)]:
        pre, post = cf.merger_value_matrices(beta1, r)
        np.testing.assert_allclose(post, cf.large_vs_fringe(1 / beta1, 1 / (1 - beta1), r)["AL"])
        v = np.array([1 - beta1, -beta1])
        np.testing.assert_allclose(post - pre, cf.merger_coefficient(beta1, r) * np.outer(v, v))
        X0, S = np.array([0.7, -0.2]), np.array([[0.5, 0.1], [0.1, 0.3]])
        change = X0 @ (post - pre) @ X0 + np.trace(S @ (post - pre)) / r
        assert cf.merger_welfare_change(beta1, X0, S, r) == pytest.approx(change)
        assert (change < 0) == (beta1 < 0.5)


def test_prop9_entry():
    sigma, sL, st, r = 1.0, 0.3, 0.4, 1.0
    bF = np.array([0.1, 0.2, 1 / 3, 0.5, 1, 2])
    np.testing.assert_allclose(cf.entry_welfare(bF, sigma, sL, st, r),
                               [0.1775, 0.1675, 0.163889, 0.1675, 0.2, 0.292857], **TOL)
    for b in (0.2, 0.7, 1.5):
        AL = cf.large_vs_fringe(1.0, b, 0.7)["AL"]
        Sig = np.array([[sL, st], [(1 + 1 / b) * sigma - sL, -st]])
        assert cf.entry_welfare(b, sigma, sL, st, 0.7) == pytest.approx(
            np.trace(Sig @ Sig.T @ AL))
        h = 1e-6
        fd = (cf.entry_welfare(b + h, sigma, sL, st) - cf.entry_welfare(b - h, sigma, sL, st))
        assert cf.entry_welfare_slope(b, sigma, sL, st) == pytest.approx(fd / (2 * h), rel=1e-6)
    assert np.sign(cf.entry_welfare_slope(np.array([0.2, 1 / 3, 0.5]), sigma, sL, st)).tolist() \
        == [-1, 0, 1]


# --- solver robustness -----------------------------------------------------------------------

def test_continuation_rescues_very_asymmetric_market():
    market = Market([1.0, 1.0, 100.0])
    direct = solve.solve_equilibrium(market, guess=solve.initial_guess(market, "efficient"))
    assert not eqs.check_conditions(direct.P, direct.Q).holds                # degenerate root
    P, Q = equilibrium([1.0, 1.0, 100.0])
    _assert_equilibrium(P, Q, market)
    cont = solve.solve_by_continuation(market)
    np.testing.assert_allclose(cont.P, P, atol=1e-9)


@pytest.mark.parametrize("r", [0.5, 2.0])
def test_r_not_one(r):
    P, Q = equilibrium(B5, r=r)
    market = Market(B5, r=r)
    _assert_equilibrium(P, Q, market)
    # (P, Q) scale as (1/r, r) with r (time rescaling).
    eq1 = solve.solve_equilibrium(Market(B5))
    np.testing.assert_allclose(P, eq1.P / r, atol=1e-10)
    np.testing.assert_allclose(Q, eq1.Q * r, atol=1e-10)
    # Derived auction identity (not stated in the paper): pihat_i = 1/[(Q^F)^-1]_{i1} = -b^i/r.
    np.testing.assert_allclose(1 / np.linalg.inv(np.vstack([P, Q[1:]]))[:, 0], -B5 / r)


def test_continuation_from_symmetric_reaches_the_example():
    eq = solve.solve_by_continuation(Market(B5), steps=5)
    assert eq.converged
    np.testing.assert_allclose(eq.P, FIVE_P, **TOL)


def test_pack_unpack_round_trip(five):
    P, Q = solve.unpack(solve.pack(five.P, five.Q), 5)
    np.testing.assert_array_equal(P, five.P)
    np.testing.assert_allclose(Q, five.Q, atol=1e-15)
    assert solve.pack(five.P, five.Q).size == 25


def test_check_conditions_reports_failures():
    c = eqs.check_conditions(np.array([0.0, -1.0]), np.zeros((2, 2)))
    assert not c.holds and not c.price_negative and not c.nondegenerate and not c.acceptable
    assert any("degenerate" in msg for msg in c.failures)
    c = eqs.check_conditions(np.array([-1.0, -1.0]), np.array([[-1.0, 1.0], [1.0, -1.0]]))
    assert not c.stable and not c.own_flow_positive
    assert any("negative real part" in msg for msg in c.failures)


def test_two_strategic_players_only_degenerate():
    with pytest.raises(ValueError, match="only degenerate no-trade equilibria"):
        equilibrium([1.0, 2.0])
    market = Market([1.0, 2.0])                    # the solver itself lands on Q = 0
    eq = solve.solve_equilibrium(market, guess=solve.initial_guess(market, "efficient"))
    assert eq.converged and np.abs(eq.Q).max() < 1e-12
    assert not eqs.check_conditions(eq.P, eq.Q).nondegenerate


def test_no_equilibrium_raises_runtime_error(monkeypatch):
    def degenerate(market, guess=None, tol=1e-13):
        P = np.full(market.n, -1.0)
        return solve.Equilibrium(P, np.zeros((market.n, market.n)), (), market, 0.0, True)

    monkeypatch.setattr(solve, "solve_equilibrium", degenerate)
    with pytest.raises(RuntimeError, match="no non-degenerate equilibrium"):
        equilibrium(B5)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"b": [1.0, 0.0, 2.0]}, r"b\[1\]"), ({"b": [1.0, -2.0, 2.0]}, r"b\[1\]"),
    ({"b": [1.0, np.nan, 2.0]}, r"b\[1\]"), ({"b": [1.0, np.inf, 2.0]}, r"b\[1\]"),
    ({"b": [1.0]}, "b must have at least 2"), ({"b": "abc"}, "b must be a list"),
    ({"b": B5, "r": 0.0}, "r must be > 0"), ({"b": B5, "r": -1.0}, "r must be > 0"),
    ({"b": B5, "fringe": "yes"}, "fringe must be a bool"),
])
def test_bad_inputs(kwargs, name):
    with pytest.raises(ValueError, match=name):
        equilibrium(**kwargs)


def test_market_validation():
    m = Market(B5, r=2)
    assert m.n == 5 and m.r == 2.0 and m.strategic == (0, 1, 2, 3, 4)
    assert Market(B5, fringe=True).strategic == (0, 1, 2, 3)
    assert m.b_market == pytest.approx(1 / np.sum(1 / B5))
    with pytest.raises(ValueError):
        m.b[0] = 3.0
    with pytest.raises(ValueError, match="F must be"):
        Market(B5, F=np.eye(3))
    with pytest.raises(ValueError, match="unit diagonal"):
        Market(B5, F=2 * np.eye(5))
    with pytest.raises(ValueError, match="how must be"):
        solve.initial_guess(m, "magic")
    with pytest.raises(ValueError, match="all-strategic"):
        solve.initial_guess(Market(B5, fringe=True), "prop13")
    with pytest.raises(ValueError, match="beta1 must be < 1"):
        cf.merger_coefficient(1.0)
