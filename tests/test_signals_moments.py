"""Cross-section and price variance of the trade-signal models (Section 4 of Donnelly & Lorig
2020; Figs 2, 8–10).

Reference values (computed independently, to 8 digits) for Figs 9 and 10 and Fig 8's
mean-field values; the Fig 2 companion values; the two routes of the covariance (book eq.
(ts-lyapunov), paper (4.4)) and of the price variance (book eq. (ts-price-variance), paper
(4.10)) against each other and against the closed forms (4.5)–(4.7), (4.11); limiting cases
of the covariance and the price variance; validation.
"""

from __future__ import annotations

import numpy as np
import pytest

from lib.signals import P1, P6, P9, Params, models
from lib.signals import closed_forms as cf
from lib.signals import crosssection as cs
from lib.signals import loadings as lo

SIGMA0 = np.diag([0.5**2, 0.02**2])  # Figs 8-10: sd 0.5 for Q^n_0, 0.02 for V^n_0
UNIT = np.linspace(0.0, 1.0, 11)
# Nothing switched off: mu != 0, gamma != 0, alpha != 0, rho not 0 or 1.
GENERIC = Params(mu=0.3, sigma=0.8, eta=0.7, beta=1.3, gamma=0.07, gamma_bar=0.15, rho=0.6,
                 b=0.02, k=4e-3, k_bar=2e-3, alpha=0.2, T=1.2)


def close(actual: object, expected: object, *, rtol: float, atol: float = 0.0) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)


def printed(actual: float, value: str) -> None:
    """``actual`` rounds to the printed ``value`` (half a unit of its last digit)."""
    decimals = len(value.split(".")[1])
    assert abs(actual - float(value)) <= 0.5 * 10.0**-decimals, (actual, value)


# --- reference values -----------------------------------------------------------------------

FIG9 = {  # rho: VarQ(0.5), VarQ(T), VarV(0.5), VarV(T), Corr(T)
    0.0: (0.49837090, 3.87461829, 0.29084431, 0.33787118, 0.96630768),
    0.25: (0.47364577, 3.63288791, 0.27267759, 0.31676923, 0.96630189),
    0.5: (0.39947041, 2.90769677, 0.21817740, 0.25346339, 0.96627876),
    0.75: (0.27584481, 1.69904487, 0.12734375, 0.14795365, 0.96619645),
    1.0: (0.10276897, 0.00693221, 0.00017665, 0.00024001, 0.99419265),
}
FIG10 = {  # rho: Var S(0.5), Var S(T)
    -1.0: (0.44491860, 0.84309651),
    -0.5: (0.47200355, 0.91982332),
    0.0: (0.5, 1.0),
    0.5: (0.52890795, 1.08362655),
    1.0: (0.55872741, 1.17070296),
}


def reference(actual: object, table: object) -> None:
    """1e-7 relative, or half a unit of the 8th printed decimal for the smallest entries."""
    close(actual, table, rtol=1e-7, atol=5.01e-9)


@pytest.mark.parametrize("rho", list(FIG9))
def test_fig9_reference_values(rho: float) -> None:
    cov = cs.cross_section_cov(P9.replace(rho=rho), SIGMA0, [0.5, 1.0])
    corr = cov[0, 1, 1] / np.sqrt(cov[0, 0, 1] * cov[1, 1, 1])
    reference([cov[0, 0, 0], cov[0, 0, 1], cov[1, 1, 0], cov[1, 1, 1], corr], FIG9[rho])


@pytest.mark.parametrize("rho", list(FIG10))
def test_fig10_reference_values(rho: float) -> None:
    reference(cs.price_variance(P9.replace(rho=rho), [0.5, 1.0]), FIG10[rho])


def test_fig8_mean_field_values() -> None:
    cov = cs.cross_section_cov(P6, SIGMA0, 1.0)
    reference([cov[0, 0], cov[1, 1]], [0.88683080, 0.07705110])


def test_closed_form_anchors_of_section_4() -> None:
    """(4.5)-(4.7) and (4.11) at T for P9 with alpha = gamma = 0, from the ODE routes."""
    p = P9.replace(alpha=0.0, gamma=0.0, rho=0.5)
    cov = cs.cross_section_cov(p, SIGMA0, 1.0)
    reference([cov[0, 0], cov[1, 1], cov[0, 1]], [607.02306, 0.32430340, 11.14280373])
    reference(cs.price_variance(p, 1.0), 1.3856096010)
    reference(cs.price_variance(p.replace(rho=0.7), 1.0), 1.5581327134)


def test_fig9_landmarks() -> None:
    """Fig 9: VarQ dips to 0.21366 near t = 0.174 and VarV peaks at 0.34927 near t = 0.89
    (rho = 0); for rho = 1, VarQ decays monotonically to 0.00693."""
    t = np.linspace(0.0, 1.0, 20001)
    cov = cs.cross_section_cov(P9, SIGMA0, t)
    i, j = cov[0, 0].argmin(), cov[1, 1].argmax()
    printed(cov[0, 0, i], "0.21366")
    printed(t[i], "0.174")
    printed(cov[1, 1, j], "0.34927")
    printed(t[j], "0.89")
    var_q = cs.cross_section_cov(P9.replace(rho=1.0), SIGMA0, t)[0, 0]
    assert np.all(np.diff(var_q) < 0)
    printed(var_q[-1], "0.00693")


# --- Fig 2 companion values -----------------------------------------------------------------


def test_fig2_companion_values() -> None:
    m = cs.single_agent_moments(P1, [0.0, 1.0])
    for key, value in [("sd_Q", "0.817110"), ("sd_V", "0.268126"), ("sd_nu_q_Q", "23.6962"),
                       ("sd_nu_V_V", "26.8126"), ("sd_nu", "7.33607")]:
        assert m[key][0] == 0.0
        printed(m[key][1], value)
    assert np.isnan(m["corr_contributions"][0])
    assert abs(m["corr_contributions"][1] + 0.96) < 0.01  # "strongly negative, about -0.96"
    assert m["cov"].shape == (2, 2, 2)


def test_single_agent_moments_are_the_cross_section_without_b() -> None:
    """Reduction 1 (book section ts-reductions): the separate-signals B_t is the single agent's
    M_t with b = 0, so at rho = 0 and Sigma0 = 0 the separate-signals cross-section is the
    single agent's Lyapunov covariance; with alpha = gamma = 0 it is (4.5)-(4.7)."""
    single = GENERIC.replace(b=0.0)
    close(cs.single_agent_moments(single, UNIT)["cov"],
          cs.cross_section_cov(GENERIC.replace(rho=0.0), np.zeros((2, 2)), UNIT),
          rtol=1e-9, atol=1e-14)
    p = single.replace(alpha=0.0, gamma=0.0)
    close(cs.single_agent_moments(p, UNIT)["cov"],
          cf.cross_section_cov(UNIT, p.replace(rho=0.0), np.zeros((2, 2))), rtol=1e-8,
          atol=1e-14)


def test_single_agent_sd_nu_is_the_loading_quadratic_form() -> None:
    p = GENERIC
    m = cs.single_agent_moments(p, UNIT)
    ld = lo.loadings_single(models.solve_single(p), UNIT, p)
    weights = np.array([ld["q"], ld["V"]])
    close(m["sd_nu"] ** 2, np.einsum("in,ijn,jn->n", weights, m["cov"], weights), rtol=1e-12)


# --- two routes and the closed forms --------------------------------------------------------


@pytest.mark.parametrize("p", [P9.replace(rho=0.5), GENERIC], ids=["P9", "generic"])
def test_lyapunov_equals_integral_form(p: Params) -> None:
    sigma0 = np.array([[0.25, 0.01], [0.01, 0.0004]])
    close(cs.cross_section_cov_integral(p, sigma0, UNIT), cs.cross_section_cov(p, sigma0, UNIT),
          rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("p", [P9.replace(rho=-0.6), GENERIC], ids=["P9", "generic"])
def test_augmented_lyapunov_equals_quadrature(p: Params) -> None:
    close(cs.price_variance_quadrature(p, UNIT), cs.price_variance(p, UNIT), rtol=1e-8)


@pytest.mark.parametrize("rho", [0.0, 0.5, -0.9])
@pytest.mark.parametrize("mu", [0.0, 0.4])
def test_routes_equal_closed_forms(rho: float, mu: float) -> None:
    """(4.5)-(4.7) and (4.11) for alpha = gamma = 0, every route, 1e-8 relative."""
    p = P9.replace(alpha=0.0, gamma=0.0, rho=rho, mu=mu)
    sigma0 = np.array([[0.25, 0.01], [0.01, 0.0004]])
    closed_cov = cf.cross_section_cov(UNIT, p, sigma0)
    close(cs.cross_section_cov(p, sigma0, UNIT), closed_cov, rtol=1e-8, atol=1e-14)
    close(cs.cross_section_cov_integral(p, sigma0, UNIT), closed_cov, rtol=1e-8, atol=1e-14)
    closed_var = cf.price_variance(UNIT, p)
    close(cs.price_variance(p, UNIT), closed_var, rtol=1e-8)
    close(cs.price_variance_quadrature(p, UNIT), closed_var, rtol=1e-8)


def test_mf_matrices_structure() -> None:
    """Prop 4.1: B and C from the loadings, C's first row (f2, f3) from the consistency
    (3.17)."""
    p, t = GENERIC, np.array([[0.0, 0.4], [0.9, 1.2]])
    a, B, C = cs.mf_matrices(p, t)
    assert a.shape == (2, 2, 2) and B.shape == C.shape == (2, 2, 2, 2)
    ld = lo.loadings_separate(models.solve_separate(p), t, p)
    f1, f2, f3 = models.consistency_separate(models.separate_signals_coefficients(p, t), p)
    big = p.gamma + p.gamma_bar
    close(a, [f1, -big * f1], rtol=1e-12)
    assert np.abs(f1).max() > 1e-3  # mu != 0
    close(B, [[ld["q"], ld["V"]], [-p.gamma * ld["q"], -(p.beta + p.gamma * ld["V"])]],
          rtol=1e-14)
    close(C, [[f2, f3], [-big * f2, -(p.beta + big * f3)]], rtol=1e-9, atol=1e-12)
    close(cs.mf_matrices(p, 0.4)[1], B[:, :, 0, 1], rtol=0.0)  # scalar t gives 2x2
    a0, _, _ = cs.mf_matrices(p.replace(mu=0.0), t)
    assert np.all(a0 == 0.0)


# --- limiting cases: covariance and price variance ------------------------------------------


def test_fig9_covariance_ignores_b_kbar_gamma_bar() -> None:
    """Reduction 1: only B_t enters the Lyapunov equation, and B_t does not depend on b, k_bar
    or gamma_bar."""
    base = cs.cross_section_cov(P9.replace(rho=0.5), SIGMA0, UNIT)
    for change in ({"b": 0.0}, {"b": 0.2}, {"k_bar": 0.0}, {"k_bar": 0.01},
                   {"gamma_bar": 0.0}, {"gamma_bar": 0.5}, {"b": 0.01, "k_bar": 3e-3,
                                                           "gamma_bar": -0.2}):
        close(cs.cross_section_cov(P9.replace(rho=0.5, **change), SIGMA0, UNIT), base,
              rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("p", [P9, GENERIC.replace(rho=0.0)], ids=["P9", "generic"])
def test_price_variance_without_correlation_is_sigma2_t(p: Params) -> None:
    """rho = 0 leaves Qbar deterministic, so Var(S_t) = sigma^2 t exactly."""
    t = np.linspace(0.0, p.T, 13)
    close(cs.price_variance(p, t), p.sigma**2 * t, rtol=1e-12, atol=1e-15)


def test_price_variance_increases_in_rho() -> None:
    """Fig 10: Var(S_t) is strictly increasing in rho at every t > 0."""
    t = np.linspace(0.05, 1.0, 20)
    rhos = np.linspace(-1.0, 1.0, 9)
    var = np.array([cs.price_variance(P9.replace(rho=r), t) for r in rhos])
    assert np.all(np.diff(var, axis=0) > 0)


def test_var_q_decreases_in_rho_squared() -> None:
    """Fig 9: Sigma is affine in 1 - rho^2 (paper (4.4)) with a PSD slope, so VarQ decreases
    in rho^2 at every t > 0; rho and -rho give the same covariance."""
    t = np.linspace(0.01, 1.0, 25)
    rhos = [0.0, 0.25, 0.5, 0.75, 1.0]
    covs = {r: cs.cross_section_cov(P9.replace(rho=r), SIGMA0, t) for r in rhos}
    var_q = np.array([covs[r][0, 0] for r in rhos])
    assert np.all(np.diff(var_q, axis=0) < 0)
    for r in rhos:
        close(covs[r], covs[1.0] + (1.0 - r**2) * (covs[0.0] - covs[1.0]), rtol=1e-9,
              atol=1e-13)
    close(cs.cross_section_cov(P9.replace(rho=-0.5), SIGMA0, t), covs[0.5], rtol=0.0)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("sigma0", [np.eye(3), [[1.0, 0.2], [0.1, 1.0]], [[1.0, 2.0], [2.0, 1.0]],
                                    [[-1.0, 0.0], [0.0, 1.0]], [[np.nan, 0.0], [0.0, 1.0]]])
def test_bad_sigma0_raises(sigma0: object) -> None:
    for func in (cs.cross_section_cov, cs.cross_section_cov_integral):
        with pytest.raises(ValueError, match="Sigma0"):
            func(P9, sigma0, UNIT)


def test_bad_times_and_params_raise() -> None:
    for call in (lambda: cs.mf_matrices(P9, 1.5), lambda: cs.price_variance(P9, [-0.1]),
                 lambda: cs.price_variance_quadrature(P9, [2.0]),
                 lambda: cs.single_agent_moments(P1, [1.1]),
                 lambda: cs.cross_section_cov(P9, SIGMA0, [0.5, np.nan])):
        with pytest.raises(ValueError, match="t must"):
            call()
    with pytest.raises(ValueError, match="p must"):
        cs.price_variance({"rho": 0.5}, UNIT)


def test_shapes_follow_t() -> None:
    t = np.array([[0.0, 0.5], [0.75, 1.0]])
    assert cs.cross_section_cov(P9, SIGMA0, t).shape == (2, 2, 2, 2)
    assert cs.cross_section_cov_integral(P9, SIGMA0, t).shape == (2, 2, 2, 2)
    assert cs.price_variance(P9, t).shape == (2, 2)
    assert cs.price_variance_quadrature(P9, t).shape == (2, 2)
    assert cs.cross_section_cov(P9, SIGMA0, 0.5).shape == (2, 2)
    assert cs.price_variance(P9, 0.5).shape == ()
    m = cs.single_agent_moments(P1, t)
    assert m["cov"].shape == (2, 2, 2, 2) and m["sd_nu"].shape == (2, 2)
    close(cs.cross_section_cov(P9, SIGMA0, 0.0), SIGMA0, rtol=0.0)
