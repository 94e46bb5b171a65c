"""lib.competition.risk_aversion (the paper's (55)–(60)): reference values, high-precision
reference, collocation, the limit without risk aversion (paper (26)–(27)), the symbolic
derivation, validation."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.linalg import expm
from sympy.calculus.euler import euler_equations

from lib.competition import risk_aversion as ra
from lib.competition import symbolic
from lib.symbolic import verify_zero

FIG24 = {"kappa": 5.0, "lam": 5.0, "vol": 0.5}
# Reference a(0.5), b(0.5) for (xi_a, xi_b) on the grid of Fig. 24 (rows: equal, A more
# averse, B more averse), from an independent evaluation.
REFERENCE_FIG24 = {
    (1.5, 1.5): (1.866785, 0.452341), (10, 10): (1.537633, 0.468363),
    (50, 50): (0.828492, 0.490003), (10, 1.5): (1.533167, 0.472804),
    (50, 1.5): (0.814278, 0.516624), (100, 1.5): (0.500725, 0.535249),
    (1.5, 10): (1.872034, 0.448054), (1.5, 50): (1.895386, 0.428824),
    (1.5, 100): (1.921731, 0.406782),
}
REFERENCE_OTHERS = [  # (kappa, vol, xi_a, xi_b, a(0.5), b(0.5)), lam = 5: Fig. 25 and Fig. 26
    (5.0, 2.0, 1.5, 1.5, 1.187226, 0.482463),
    (5.0, 2.0, 10, 10, 0.355499, 0.459028),
    (5.0, 2.0, 50, 50, 0.078140, 0.262520),
    (5.0, 2.0, 1.5, 100, 1.356601, 0.161500),
    (0.5, 0.5, 1.5, 1.5, 0.651212, 0.490191),
    (0.5, 0.5, 1.5, 100, 0.812436, 0.421288),
]
STIFF = {  # spectral radius of M: 300, 36, 118, 1
    "kappa300": {"kappa": 300.0, "lam": 5.0, "vol": 1.0, "xi_a": 1.0, "xi_b": 1.0},
    "single-shooting-fails": {"kappa": 14.0, "lam": 5.0, "vol": 2.6, "xi_a": 95.0,
                              "xi_b": 140.0},
    "vol2xi=1e4": {"kappa": 5.0, "lam": 5.0, "vol": 1.0, "xi_a": 1e4, "xi_b": 1e4},
    "mild": {"kappa": 1.0, "lam": 2.0, "vol": 0.5, "xi_a": 3.0, "xi_b": 1.0},
}
# Dense at both ends, where the boundary layers (width ~ 1/300) are.
T_GRID = np.unique(np.concatenate([np.linspace(0.0, 1.0, 11), [1e-4, 1e-3, 3e-3, 0.01, 0.03],
                                   1.0 - np.array([1e-4, 1e-3, 3e-3, 0.01, 0.03])]))


def plain_equilibrium(t: np.ndarray, *, kappa: float,
                      lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-trader equilibrium without risk aversion (paper (26)-(27)), written with expm1 of
    non-positive arguments."""
    phi = np.expm1(-kappa / 3.0 * t) / np.expm1(-kappa / 3.0)
    psi = np.exp(kappa * (t - 1.0)) * np.expm1(-kappa * t) / np.expm1(-kappa)
    plus, minus = (1.0 + lam) / 2.0, (lam - 1.0) / 2.0
    return plus * phi - minus * psi, (plus * phi + minus * psi) / lam


@pytest.mark.parametrize(("xi", "expected"), list(REFERENCE_FIG24.items()))
def test_published_values_fig24(xi: tuple[float, float], expected: tuple[float, float]) -> None:
    a, b = ra.risk_averse_equilibrium(0.5, **FIG24, xi_a=xi[0], xi_b=xi[1])
    np.testing.assert_allclose([a, b], expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("kappa", "vol", "xi_a", "xi_b", "a_half", "b_half"),
                         REFERENCE_OTHERS)
def test_published_values_fig25_fig26(kappa: float, vol: float, xi_a: float, xi_b: float,
                                      a_half: float, b_half: float) -> None:
    a, b = ra.risk_averse_equilibrium(0.5, kappa=kappa, lam=5.0, vol=vol, xi_a=xi_a, xi_b=xi_b)
    np.testing.assert_allclose([a, b], [a_half, b_half], rtol=0, atol=1e-6)


@pytest.mark.parametrize("case", list(STIFF))
def test_matches_50_digit_reference(case: str) -> None:
    """Positions to 1e-10 absolute, rates to 1e-10 of their largest value."""
    params = STIFF[case]
    states = ra.risk_averse_states(T_GRID, **params)
    exact = ra.risk_averse_states_mpmath(T_GRID, **params, dps=50)
    for value, reference in zip(states[:2], exact[:2], strict=True):
        np.testing.assert_allclose(value, reference, rtol=0, atol=1e-10)
    for value, reference in zip(states[2:], exact[2:], strict=True):
        np.testing.assert_allclose(value, reference, rtol=0, atol=1e-10 * np.abs(reference).max())


def test_single_shooting_fails_where_the_library_does_not() -> None:
    """One expm(M) is off by ~4e-4 at the 'single-shooting-fails' parameters."""
    params = STIFF["single-shooting-fails"]
    m = ra.system_matrix(**params)
    pq = np.linalg.solve(expm(m)[:2, 2:], [1.0, 1.0])
    single = np.array([expm(m * s)[:2, 2:] @ pq for s in T_GRID]).T
    exact = np.array(ra.risk_averse_equilibrium_mpmath(T_GRID, **params))
    assert np.abs(single - exact).max() > 1e-5
    assert np.abs(np.array(ra.risk_averse_equilibrium(T_GRID, **params)) - exact).max() < 1e-12


def test_random_parameters_match_the_reference() -> None:
    """Log-uniform draws over kappa in [0.01, 300], lam in [0.04, 25], vol^2 xi in [0, 1e4]."""
    rng = np.random.default_rng(20240601)
    t = np.array([0.0, 0.002, 0.1, 0.5, 0.9, 0.998, 1.0])
    for penalise in ra.PENALTIES * 3:
        kappa, lam = 10.0 ** rng.uniform(-2, np.log10(300)), 10.0 ** rng.uniform(-1.4, 1.4)
        xi_a, xi_b = 10.0 ** rng.uniform(-3, 4, size=2) * (rng.uniform(size=2) > 0.2)
        params = {"kappa": kappa, "lam": lam, "vol": 1.0, "xi_a": xi_a, "xi_b": xi_b,
                  "penalise": penalise}
        np.testing.assert_allclose(ra.risk_averse_equilibrium(t, **params),
                                   ra.risk_averse_equilibrium_mpmath(t, **params),
                                   rtol=0, atol=1e-10, err_msg=str(params))


@pytest.mark.parametrize("xi", list(REFERENCE_FIG24))
def test_matches_collocation_on_fig24_grid(xi: tuple[float, float]) -> None:
    t = np.linspace(0.0, 1.0, 101)
    params = {**FIG24, "xi_a": xi[0], "xi_b": xi[1]}
    np.testing.assert_allclose(ra.risk_averse_equilibrium(t, **params),
                               ra.risk_averse_equilibrium_bvp(t, **params, tol=1e-10),
                               rtol=0, atol=1e-8)


@pytest.mark.parametrize("kappa", [0.1, 1.0, 10.0, 100.0])
@pytest.mark.parametrize("lam", [1.0, 5.0, 25.0])
def test_zero_volatility_is_the_plain_equilibrium(kappa: float, lam: float) -> None:
    t = np.linspace(0.0, 1.0, 201)
    expected = plain_equilibrium(t, kappa=kappa, lam=lam)
    for vol, xi in [(0.0, 50.0), (2.0, 0.0)]:
        got = ra.risk_averse_equilibrium(t, kappa=kappa, lam=lam, vol=vol, xi_a=xi, xi_b=xi)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


def test_reference_is_the_plain_equilibrium_at_zero_volatility() -> None:
    """The double root 0 of M at vol = 0 (pb-decoupled) does not trouble the mpmath
    reference."""
    t = np.array([0.0, 0.01, 0.3, 0.99, 1.0])
    got = ra.risk_averse_equilibrium_mpmath(t, kappa=20.0, lam=5.0, vol=0.0, xi_a=1.0, xi_b=1.0)
    np.testing.assert_allclose(got, plain_equilibrium(t, kappa=20.0, lam=5.0), rtol=0,
                               atol=1e-14)


def test_tiny_volatility_is_continuous() -> None:
    """Nearly repeated eigenvalues (vol -> 0) cost no accuracy: no eigenvectors are formed."""
    t = np.linspace(0.0, 1.0, 51)
    for vol in [1e-9, 1e-6, 1e-4]:
        got = ra.risk_averse_equilibrium(t, kappa=10.0, lam=5.0, vol=vol, xi_a=1.0, xi_b=2.0)
        expected = plain_equilibrium(t, kappa=10.0, lam=5.0)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 + 10 * vol**2)


def test_holding_penalty_is_shape_penalty_scaled_by_lam_squared() -> None:
    t = np.linspace(0.0, 1.0, 21)
    lam, xi_b = 4.0, 3.0
    holding = ra.risk_averse_equilibrium(t, kappa=2.0, lam=lam, vol=0.5, xi_a=1.0, xi_b=xi_b,
                                         penalise="holding")
    shape = ra.risk_averse_equilibrium(t, kappa=2.0, lam=lam, vol=0.5, xi_a=1.0,
                                       xi_b=xi_b * lam**2)
    np.testing.assert_allclose(holding, shape, rtol=0, atol=1e-14)
    assert np.abs(np.array(holding) - ra.risk_averse_equilibrium(
        t, kappa=2.0, lam=lam, vol=0.5, xi_a=1.0, xi_b=xi_b)).max() > 1e-2


def test_boundary_conditions_rates_and_shapes() -> None:
    params = STIFF["kappa300"]
    a, b, da, db = ra.risk_averse_states(np.array([[0.0, 1.0], [0.5, 0.25]]), **params)
    assert a.shape == b.shape == da.shape == db.shape == (2, 2)
    np.testing.assert_allclose([a[0], b[0]], [[0.0, 1.0], [0.0, 1.0]], rtol=0, atol=1e-13)
    a, b = ra.risk_averse_equilibrium(0.5, **params)
    assert a.shape == b.shape == ()
    assert ra.risk_averse_equilibrium(np.array([]), **params)[0].shape == (0,)


@pytest.mark.parametrize("penalise", ra.PENALTIES)
def test_decoupled_form_solves_the_euler_lagrange_system(penalise: str) -> None:
    kappa, lam, vol, xi_a, xi_b, t = sp.symbols("kappa lambda sigma xi_A xi_B t", positive=True)
    af, bf = sp.Function("a")(t), sp.Function("b")(t)
    a, b, da, db, dda, ddb = sp.symbols("a b da db dda ddb")
    plain = {af.diff(t, 2): dda, bf.diff(t, 2): ddb, af.diff(t): da, bf.diff(t): db,
             af: a, bf: b}
    holding_b = bf if penalise == "shape" else lam * bf
    # The losses (55)-(56) with the costs (1), (2): A's and B's losses.
    loss_a = af.diff(t) * (af.diff(t) + lam * bf.diff(t)) \
        + kappa * af.diff(t) * (af + lam * bf) + xi_a * vol**2 * af**2
    loss_b = lam * bf.diff(t) * (af.diff(t) + lam * bf.diff(t)) \
        + kappa * lam * bf.diff(t) * (af + lam * bf) + xi_b * vol**2 * holding_b**2
    el_a = euler_equations(loss_a, af, t)[0].lhs.subs(plain)
    el_b = euler_equations(loss_b, bf, t)[0].lhs.subs(plain)
    beta = xi_b * vol**2 / lam**2 if penalise == "shape" else xi_b * vol**2
    # Paper (57)-(60), coupled form (the transcription's), for the chosen penalty.
    coupled_a = -lam / 2 * (ddb + kappa * db) + xi_a * vol**2 * a
    coupled_b = -(dda + kappa * da) / (2 * lam) + beta * b
    assert sp.simplify(sp.solve(el_a, dda)[0] - coupled_a) == 0
    assert sp.simplify(sp.solve(el_b, ddb)[0] - coupled_b) == 0
    # The decoupled form as displayed in the book (pb-risk-averse-decoupled, shape);
    # "holding" replaces xi_B/lam^2 by xi_B.
    decoupled_a = kappa / 3 * da - 2 * lam * kappa / 3 * db \
        + sp.Rational(4, 3) * xi_a * vol**2 * a - 2 * xi_b * vol**2 / (3 * lam) * b
    decoupled_b = kappa / 3 * db - 2 * kappa / (3 * lam) * da \
        - 2 * xi_a * vol**2 / (3 * lam) * a + 4 * xi_b * vol**2 / (3 * lam**2) * b
    if penalise == "holding":
        decoupled_a, decoupled_b = (e.subs(xi_b, xi_b * lam**2)
                                    for e in (decoupled_a, decoupled_b))
    solution = sp.solve([dda - coupled_a, ddb - coupled_b], [dda, ddb], dict=True)[0]
    assert sp.simplify(solution[dda] - decoupled_a) == 0
    assert sp.simplify(solution[ddb] - decoupled_b) == 0
    jacobian = sp.Matrix([da, db, decoupled_a, decoupled_b]).jacobian([a, b, da, db])
    numeric = sp.lambdify((kappa, lam, vol, xi_a, xi_b), jacobian, "numpy")
    names = ("kappa", "lam", "vol", "xi_a", "xi_b")
    for point in [(5.0, 5.0, 0.5, 1.5, 100.0), (0.3, 0.2, 2.0, 7.0, 0.0),
                  (300.0, 25.0, 1.0, 1e4, 3.0)]:
        np.testing.assert_allclose(
            ra.system_matrix(**dict(zip(names, point, strict=True)), penalise=penalise),
            np.array(numeric(*point), dtype=float), rtol=1e-14, atol=0)


def test_rows_keep_their_number_types() -> None:
    """Integer coefficients: floats in, float64 matrix out; mpmath in, mpf entries out."""
    m = ra.system_matrix(kappa=5.0, lam=3.0, vol=0.5, xi_a=1.5, xi_b=2.0)
    assert m.dtype == np.float64 and m.shape == (4, 4)
    rows = ra._decoupled_rows(*(mpmath.mpf(x) for x in (5, 3, 0.5, 1.5, 2)), "holding")
    assert all(isinstance(x, mpmath.mpf) for x in mpmath.matrix(rows))


def test_solver_matrix_is_derived_from_the_losses() -> None:
    """The solver's rows against M derived from the Euler-Lagrange equations of (55)-(56)."""
    for label, residual in symbolic.solver_matrix_checks(ra._decoupled_rows):
        verify_zero(label, residual)
    names = ("kappa", "lam", "vol", "xi_a", "xi_b")
    args = [getattr(symbolic, name) for name in names]
    for penalise in ra.PENALTIES:
        derived = sp.lambdify(args, symbolic.risk_aversion_matrix(penalise), "numpy")
        for point in [(5.0, 5.0, 0.5, 1.5, 100.0), (0.3, 0.2, 2.0, 7.0, 0.0)]:
            np.testing.assert_allclose(
                ra.system_matrix(**dict(zip(names, point, strict=True)), penalise=penalise),
                np.array(derived(*point), dtype=float), rtol=1e-14, atol=0)


def _perturbed(row: int, column: int, change: sp.Expr):
    """``_decoupled_rows`` with ``change`` added to one entry."""
    def rows(*args) -> list[list[sp.Expr]]:
        matrix = ra._decoupled_rows(*args)
        matrix[row][column] += change
        return matrix
    return rows


@pytest.mark.parametrize(("row", "column"), [(i, j) for i in range(4) for j in range(4)])
def test_a_wrong_solver_entry_is_caught(row: int, column: int) -> None:
    checks = symbolic.solver_matrix_checks(_perturbed(row, column, symbolic.kappa / 7))
    failing = [label for label, residual in checks if sp.simplify(residual) != 0]
    assert len(failing) == 2, failing  # the row, once per penalty
    assert all(f"row {row + 1}," in label for label in failing)


def test_a_typo_in_the_solver_fails_verification() -> None:
    """B's ``4 beta/3`` typed as ``2 beta/3`` (``beta = xi_B vol^2``, the holding reading)
    fails verification."""
    beta = symbolic.xi_b * symbolic.vol**2
    checks = symbolic.solver_matrix_checks(_perturbed(3, 1, -2 * beta / 3))
    with pytest.raises(AssertionError, match="not 0"):
        for label, residual in checks:
            verify_zero(label, residual)


def test_zero_volatility_roots() -> None:
    """The characteristic roots at vol = 0 are {0, 0, kappa, -kappa/3} (pb-decoupled)."""
    roots = np.sort(np.linalg.eigvals(ra.system_matrix(kappa=6.0, lam=3.0, vol=0.0, xi_a=1.0,
                                                       xi_b=1.0)).real)
    np.testing.assert_allclose(roots, [-2.0, 0.0, 0.0, 6.0], rtol=0, atol=1e-7)


GOOD = {"kappa": 1.0, "lam": 2.0, "vol": 0.5, "xi_a": 1.0, "xi_b": 1.0}


@pytest.mark.parametrize(
    ("name", "value"),
    [("kappa", 0.0), ("kappa", -1.0), ("kappa", np.nan), ("kappa", np.inf), ("lam", 0.0),
     ("lam", -2.0), ("lam", np.inf), ("vol", -0.1), ("vol", np.nan), ("vol", np.inf),
     ("xi_a", -1.0), ("xi_a", np.inf), ("xi_b", -1e-12), ("xi_b", np.nan), ("penalise", "risk"),
     ("t", [0.0, 1.5]), ("t", [-0.1]), ("t", [np.nan]), ("t", np.inf)],
)
@pytest.mark.parametrize(
    "function",
    [ra.risk_averse_equilibrium, ra.risk_averse_equilibrium_bvp, ra.risk_averse_equilibrium_mpmath,
     ra.risk_averse_states],
)
def test_bad_inputs_name_the_parameter(function, name: str, value: object) -> None:
    args = {"t": [0.5], **GOOD, name: value}
    t = args.pop("t")
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        function(t, **args)
    if name != "t":
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            ra.system_matrix(**args)


def test_bad_precision_and_tolerance_name_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"^dps\b"):
        ra.risk_averse_equilibrium_mpmath([0.5], **GOOD, dps=10)
    with pytest.raises(ValueError, match=r"^tol\b"):
        ra.risk_averse_equilibrium_bvp([0.5], **GOOD, tol=0.0)
