"""Numerical core of the trade-signal models (Donnelly & Lorig 2020): lib.riccati and
lib.signals.

The generic Riccati core (book eq. (ts-generic-riccati)) against the paper's transcribed
systems; terminal loadings and landmarks; closed forms against the ODEs; limiting and special
cases (no cross-section, no Monte Carlo); DOP853 against Radau; deterministic reference values
(computed independently, to 8 digits); validation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar

from lib import odes, riccati
from lib.signals import (
    P1,
    P3,
    P6,
    P9,
    PRESETS,
    Params,
    crosssection,
    models,
    separate_signals_coefficients,
    shared_signal_coefficients,
    single_agent_coefficients,
)
from lib.signals import closed_forms as cf
from lib.signals import loadings as lo
from lib.signals.verification import SIGMA0

# A parameter set with nothing switched off: mu != 0, gamma != 0, alpha != 0, rho not 0 or 1.
GENERIC = Params(mu=0.3, sigma=0.8, eta=0.7, beta=1.3, gamma=0.07, gamma_bar=0.15, rho=0.6,
                 b=0.02, k=4e-3, k_bar=2e-3, alpha=0.2, T=1.2)
TIMES = np.linspace(0.0, GENERIC.T, 13)
UNIT = np.linspace(0.0, 1.0, 21)
MODELS = ("single", "shared", "separate")
SOLVE = {"single": models.solve_single, "shared": models.solve_shared,
         "separate": models.solve_separate}
TRANSCRIBED = {"single": models.solve_single_transcribed,
               "shared": models.solve_shared_transcribed,
               "separate": models.solve_separate_transcribed}
LOADINGS = {"single": lo.loadings_single, "shared": lo.loadings_shared,
            "separate": lo.loadings_separate}
PUBLIC = {"single": single_agent_coefficients, "shared": shared_signal_coefficients,
          "separate": separate_signals_coefficients}


def close(actual: object, expected: object, *, rtol: float, atol: float = 0.0) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)


def reference(actual: object, printed: object) -> None:
    """Reference values: 1e-7 relative, or half a unit of the 8th printed decimal for small
    entries."""
    close(actual, printed, rtol=1e-7, atol=5.01e-9)


# --- generic Riccati core vs the transcribed systems ----------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_generic_core_matches_transcribed_system(model: str) -> None:
    generic = SOLVE[model](GENERIC).coeffs(TIMES, models.MONOMIALS[model])
    transcribed = TRANSCRIBED[model](GENERIC)(TIMES)
    assert generic.shape == (len(models.MONOMIALS[model]), len(TIMES))
    assert np.abs(generic[1]).max() > 1e-2  # mu != 0 switches the linear terms on
    close(generic, transcribed, rtol=0.0, atol=1e-9)


@pytest.mark.parametrize("model", MODELS)
def test_paper_loadings_equal_generic_feedback(model: str) -> None:
    """The paper's loadings on either route's c_i equal nu* = (u0 + u.y)/(2k) of the generic
    core."""
    sol = SOLVE[model](GENERIC)
    nu0, nu = sol.feedback(TIMES)
    for route in (sol, TRANSCRIBED[model](GENERIC)):
        loads = LOADINGS[model](route, TIMES, GENERIC)
        close(loads["const"], nu0, rtol=1e-9, atol=1e-9)
        for name, row in zip(sol.model.state, nu, strict=True):
            close(loads[name], row, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("model", "consistency"),
                         [("shared", models.consistency_shared),
                          ("separate", models.consistency_separate)])
def test_mean_field_equals_consistency_conditions(model: str, consistency) -> None:
    """(3.9) and (3.17) on the c_i give the generic f0 and f (on qbar and Vbar only)."""
    sol = SOLVE[model](GENERIC)
    f0, f = sol.mean_field(TIMES)
    f1, f2, f3 = consistency(sol.coeffs(TIMES, models.MONOMIALS[model]), GENERIC)
    index = {name: i for i, name in enumerate(sol.model.state)}
    close(f0, f1, rtol=1e-12, atol=1e-14)
    close(f[index["qbar"]], f2, rtol=1e-12, atol=1e-14)
    close(f[index["Vbar"]], f3, rtol=1e-12, atol=1e-14)
    individual = [i for name, i in index.items() if not name.endswith("bar")]
    assert np.all(f[individual] == 0.0)


def test_consistency_identities_of_the_loadings() -> None:
    """f2 = nu_q + nu_qbar and f3 = nu_V + nu_Vbar (separate signals; the shared-signal model
    has no own V)."""
    sep = models.solve_separate(GENERIC)
    f1, f2, f3 = models.consistency_separate(sep.coeffs(TIMES, models.MONOMIALS["separate"]),
                                             GENERIC)
    loads = lo.loadings_separate(sep, TIMES, GENERIC)
    close(loads["q"] + loads["qbar"], f2, rtol=1e-12, atol=1e-12)
    close(loads["V"] + loads["Vbar"], f3, rtol=1e-12, atol=1e-12)
    close(loads["const"], f1, rtol=1e-12, atol=1e-14)
    sh = models.solve_shared(GENERIC)
    f1, f2, f3 = models.consistency_shared(sh.coeffs(TIMES, models.MONOMIALS["shared"]), GENERIC)
    loads = lo.loadings_shared(sh, TIMES, GENERIC)
    close(loads["q"] + loads["qbar"], f2, rtol=1e-12, atol=1e-12)
    close(loads["Vbar"], f3, rtol=1e-12, atol=1e-12)


def test_generic_core_on_a_scalar_problem() -> None:
    """d = 1, y = q, noise s^2: P = -alpha k/(k + alpha tau), r = -s^2 k log(1 + alpha tau/k)."""
    k, alpha, s2, T = 0.3, 2.0, 0.5, 1.5
    model = riccati.LQModel(state=("q",), A=[[0.0]], g=[1.0], SigmaSigmaT=[[s2]], e_q=[1.0],
                            k=k, P_T=[[-alpha]])
    sol = riccati.solve_lq(model, T)
    t = np.linspace(0.0, T, 7)
    tau = T - t
    close(sol.P(t)[0, 0], -alpha * k / (k + alpha * tau), rtol=1e-11)
    close(sol.r(t), -s2 * k * np.log1p(alpha * tau / k), rtol=1e-10, atol=1e-15)
    assert np.all(sol.p(t) == 0.0)
    close(sol.feedback(t)[1][0], -alpha / (k + alpha * tau), rtol=1e-11)
    assert np.all(sol.mean_field(t)[1] == 0.0)


def test_solution_shapes_follow_t() -> None:
    sol = models.solve_separate(P6)
    assert sol.P(0.5).shape == (4, 4)
    assert sol.P(np.zeros((2, 3))).shape == (4, 4, 2, 3)
    assert sol.p(UNIT).shape == (4, 21)
    assert sol.r(UNIT).shape == (21,)
    assert sol.coeffs(UNIT, models.MONOMIALS["separate"]).shape == (15, 21)
    assert np.array_equal(sol.P(UNIT), np.swapaxes(sol.P(UNIT), 0, 1))
    assert lo.loadings_separate(sol, 0.25, P6)["Vbar"].shape == ()
    close(sol.coeffs(UNIT, [("Vbar", "q")]), sol.coeffs(UNIT, [("q", "Vbar")]), rtol=0.0)


# --- terminal loadings and landmarks --------------------------------------------------------


@pytest.mark.parametrize("p", [GENERIC, P1, P3, P6, P9], ids=["generic", "P1", "P3", "P6", "P9"])
def test_terminal_loadings(p: Params) -> None:
    k, kappa, alpha, gamma, T = p.k, p.kappa, p.alpha, p.gamma, np.array([p.T])
    single = lo.loadings_single(models.solve_single(p), T, p)
    close(single["q"], (p.b - 2 * alpha - gamma) / (2 * k), rtol=1e-12)  # (ts-single-feedback)
    close(single["V"], 1 / (2 * k), rtol=1e-12)
    shared = lo.loadings_shared(models.solve_shared(p), T, p)
    close(shared["q"], -alpha / k, rtol=1e-12)  # (ts-shared-loadings)
    close(shared["qbar"], p.k_bar * alpha / (k * kappa), rtol=1e-12, atol=1e-12)
    close(shared["Vbar"], 1 / kappa, rtol=1e-12)
    sep = lo.loadings_separate(models.solve_separate(p), T, p)
    close(sep["q"], -(2 * alpha + gamma) / (2 * k), rtol=1e-12)  # (ts-separate-loadings)
    close(sep["qbar"], p.k_bar * (2 * alpha + gamma) / (2 * k * kappa), rtol=1e-12, atol=1e-12)
    close(sep["V"], 1 / (2 * k), rtol=1e-12)
    close(sep["Vbar"], -p.k_bar / (2 * k * kappa), rtol=1e-12, atol=1e-12)


def _root_and_extremum(f, bracket: tuple[float, float], window: tuple[float, float], sign: float):
    root = brentq(f, *bracket, xtol=1e-14, rtol=1e-14)
    best = minimize_scalar(lambda s: sign * f(s), bounds=window, method="bounded",
                           options={"xatol": 1e-12})
    return root, best.x, f(best.x)


def test_fig3_landmarks_of_shared_nu_qbar() -> None:
    """Root 0.36080482, max 2.33103116 at t = 0.98143880; no drop to zero at T, unlike the
    paper's text on Figure 3."""
    sol = models.solve_shared(P3)

    def nu(s: float) -> float:
        return float(lo.loadings_shared(sol, s, P3)["qbar"])

    root, t_max, value = _root_and_extremum(nu, (0.2, 0.5), (0.9, 1.0), -1.0)
    close([root, t_max, value], [0.36080482, 0.98143880, 2.33103116], rtol=0.0, atol=1e-6)
    close(nu(1.0), 1.81818182, rtol=1e-8)


def test_fig6_landmarks_of_separate_nu_vbar() -> None:
    """Root 0.28051231, min -9.69025551 at t = 0.99311560."""
    sol = models.solve_separate(P6)

    def nu(s: float) -> float:
        return float(lo.loadings_separate(sol, s, P6)["Vbar"])

    root, t_min, value = _root_and_extremum(nu, (0.1, 0.5), (0.95, 1.0), 1.0)
    close([root, t_min, value], [0.28051231, 0.99311560, -9.69025551], rtol=0.0, atol=1e-6)


# --- reference values -----------------------------------------------------------------------

C0 = {
    ("single", "P1"): [0.13040678, 0, 0, -0.00087404, 0.23042213, 0.09171308],
    ("shared", "P3"): [0.11817320, 0, 0, 0, -0.00476190, 0.00434053, 0.20242428, -0.00309754,
                       0.02321567, 0.05714748],
    ("separate", "P6"): [0.15209043, 0, 0, 0, 0, -0.00173413, 0.00326374, 0.25532737,
                         0.00506288, 0.00238263, 0.05775347, 0.00308844, 0.05586120,
                         -0.00799665, -0.06928951],
    ("separate", "P9"): [0.62791567, 0, 0, 0, 0, -0.00173413, 0.00480169, 0.25532737,
                         0.01399979, -0.02522309, 0.05775347, 0.05708747, 0.02979054,
                         -0.01481402, -0.05043110],
}


@pytest.mark.parametrize(("model", "preset"), list(C0))
def test_reference_coefficients_at_zero(model: str, preset: str) -> None:
    c = PUBLIC[model](PRESETS[preset], np.array([0.0]))
    assert c.shape == (len(C0[model, preset]), 1)
    reference(c[:, 0], C0[model, preset])


LOADING_TABLE = {  # at t = 0, 0.5, 0.9, T
    ("single", "q"): [-0.09193964, -0.95989710, -5.74608953, -29],
    ("single", "V"): [4.56286515, 6.39203132, 19.72251714, 100],
    ("shared", "q"): [-0.95238095, -1.81818182, -6.66666667, -20],
    ("shared", "qbar"): [-0.19501403, 0.12851347, 1.43812425, 1.81818182],
    ("shared", "Vbar"): [2.11051513, 5.12417830, 23.65490410, 90.9090909],
    ("separate", "q"): [-0.63559344, -1.42028199, -6.17774925, -25],
    ("separate", "qbar"): [0.02046926, 0.15050943, 1.05657882, 2.27272727],
    ("separate", "V"): [3.22207356, 5.92476685, 23.43464726, 100],
    ("separate", "Vbar"): [0.30280397, -0.37392920, -3.92781168, -9.09090909],
}


@pytest.mark.parametrize(("model", "name"), list(LOADING_TABLE))
def test_reference_loadings(model: str, name: str) -> None:
    p = {"single": P1, "shared": P3, "separate": P6}[model]
    values = LOADINGS[model](SOLVE[model](p), np.array([0.0, 0.5, 0.9, 1.0]), p)[name]
    reference(values, LOADING_TABLE[model, name])


def test_reference_closed_form_anchors() -> None:
    """Reference values that need no cross-section: Fig 5, Props 3.3 and 3.6, (4.5)-(4.11)."""
    reference(cf.shared_dispersion([1.0], P3), [0.04761905])
    reference(cf.shared_dispersion([1.0], P3) ** 2, [0.00226757])
    c = cf.prop33([0.0], P3.replace(alpha=0.0))
    reference([c["c1"][0], c["c7"][0], c["c9"][0]], [0.1225544689, 0.1690524179, 0.0942319366])
    c = cf.prop36([0.0], P6.replace(alpha=0.0, gamma=0.0))
    reference([c[name][0] for name in ("c1", "c8", "c9", "c11", "c12", "c15")],
              [1.7002007671, 6.7667641618, 4.8658766348, 0.3678794412, -0.2736475045,
               -11.4635883787])
    p = P9.replace(alpha=0.0, gamma=0.0, rho=0.5)
    cov = cf.cross_section_cov([1.0], p, np.diag([0.25, 0.0004]))[:, :, 0]
    reference([cov[0, 0], cov[1, 1], cov[0, 1]], [607.02306, 0.32430340, 11.14280373])
    reference(cf.price_variance([1.0], p), [1.3856096010])
    reference(cf.price_variance([1.0], p.replace(rho=0.7)), [1.5581327134])


def test_printed_prop33_c1_is_wrong() -> None:
    """Prop 3.3's printed c1 (no c9^2 in the integrand) gives 3.06407 at t = 0, not
    0.12255447."""
    p = P3.replace(alpha=0.0)
    rate = 2 * p.b / p.kappa
    printed = p.k * p.eta**2 / (2 * p.b * p.kappa) * (p.T - (1 - np.exp(-rate * p.T)) / rate)
    assert round(printed, 5) == 3.06407
    ode = shared_signal_coefficients(p, [0.0])[0, 0]
    assert abs(printed - ode) > 2.9


def test_preset_aggregates() -> None:
    """P9 has z = -0.195 and omega = -3.54545; P3 with alpha = 0: kappa .011, z .005."""
    close([P9.kappa, P9.z, P9.omega], [0.011, -0.195, -0.039 / 0.011], rtol=1e-13)
    close([P3.kappa, P3.z, P3.omega], [0.011, 0.005, 0.001 / 0.011], rtol=1e-12)
    assert P9.beta == pytest.approx(P9.omega + P9.b / P9.kappa, rel=1e-14)
    assert P9.gamma_bar == pytest.approx(P9.kappa * P9.omega / (2 * P9.z), rel=1e-14)


def test_fig4_sweep_values() -> None:
    """Fig 4: nu_qbar(0) over b = 0..0.05 and nu_qbar(0.9) over gamma_bar = 0..0.5."""
    over_b = [float(lo.loadings_shared(models.solve_shared(P3.replace(b=b)), 0.0,
                                       P3.replace(b=b))["qbar"]) for b in np.linspace(0, .05, 6)]
    close(over_b, [0.22302, -0.19501, -0.72753, -1.35259, -2.04184, -2.77019], rtol=0, atol=5e-6)
    over_g = []
    for g in np.linspace(0.0, 0.5, 6):
        p = P3.replace(gamma_bar=g)
        over_g.append(float(lo.loadings_shared(models.solve_shared(p), 0.9, p)["qbar"]))
    close(over_g, [-0.19159, 1.43812, 2.44202, 3.12251, 3.61419, 3.98606], rtol=0, atol=5e-6)


# --- closed forms vs the ODE ----------------------------------------------------------------


def test_prop33_against_ode() -> None:
    p = P3.replace(alpha=0.0, T=1.3, b=0.02)
    closed = cf.prop33(TIMES * 1.3 / 1.2, p)
    c = shared_signal_coefficients(p, TIMES * 1.3 / 1.2)
    for name, row in (("c1", 0), ("c7", 6), ("c9", 8)):
        close(closed[name], c[row], rtol=1e-8, atol=1e-14)
    assert np.all(c[[1, 2, 3, 4, 5, 7, 9]] == 0.0)  # Prop 3.3: only c1, c7, c9 are non-zero


def test_prop36_against_ode() -> None:
    p = GENERIC.replace(alpha=0.0, gamma=0.0, mu=0.0)
    closed = cf.prop36(TIMES, p)
    c = separate_signals_coefficients(p, TIMES)
    for name in ("c1", "c8", "c9", "c11", "c12", "c15"):
        close(closed[name], c[int(name[1:]) - 1], rtol=1e-8, atol=1e-12)
    assert np.all(c[[1, 2, 3, 4, 5, 6, 9, 12, 13]] == 0.0)  # zero pattern of Prop 3.6


def test_prop36_loading_facts() -> None:
    """Prop 3.6: f3 = s/kappa, nu_q = nu_qbar = 0, nu_V = e^{-beta tau}/(2k)."""
    p = P6.replace(alpha=0.0, gamma=0.0)
    sol = models.solve_separate(p)
    loads = lo.loadings_separate(sol, UNIT, p)
    assert np.all(loads["q"] == 0.0) and np.all(loads["qbar"] == 0.0)
    close(loads["V"], np.exp(-p.beta * (1 - UNIT)) / (2 * p.k), rtol=1e-10)
    close(loads["V"] + loads["Vbar"], cf.s_riccati(UNIT, p) / p.kappa, rtol=1e-9)


@pytest.mark.parametrize("p", [GENERIC, P3, P9], ids=["generic", "P3", "P9"])
def test_shared_c5_for_every_parameter_set(p: Params) -> None:
    """Book eq. (ts-shared-nu-q): c5 = -alpha k/(k + alpha tau), and the dispersion factor is
    exp(int nu_q)."""
    t = np.linspace(0.0, p.T, 9)
    close(cf.shared_c5(t, p), shared_signal_coefficients(p, t)[4], rtol=1e-10)
    sol = models.solve_shared(p)
    integral = quad(lambda s: float(lo.loadings_shared(sol, s, p)["q"]), 0.0, p.T,
                    epsabs=0, epsrel=1e-12)[0]
    close(cf.shared_dispersion([p.T], p), [np.exp(integral)], rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_props_32_and_35_give_the_feedback(seed: int) -> None:
    """Prop 3.2 and corrected Prop 3.5 equal (3.8)/(3.16); the printed Prop 3.5 does not."""
    rng = np.random.default_rng(seed)
    q, qbar, V, Vbar = rng.normal(size=(4, len(TIMES)))
    sh = models.solve_shared(GENERIC)
    nu0, nu = sh.feedback(TIMES)
    close(cf.prop32_rate(sh, TIMES, GENERIC, q=q, qbar=qbar, Vbar=Vbar),
          nu0 + nu[0] * q + nu[1] * qbar + nu[2] * Vbar, rtol=1e-10, atol=1e-10)
    sep = models.solve_separate(GENERIC)
    nu0, nu = sep.feedback(TIMES)
    direct = nu0 + nu[0] * q + nu[1] * qbar + nu[2] * V + nu[3] * Vbar
    corrected = cf.prop35_rate(sep, TIMES, GENERIC, q=q, qbar=qbar, V=V, Vbar=Vbar)
    close(corrected, direct, rtol=1e-10, atol=1e-10)
    c = sep.coeffs(TIMES, models.MONOMIALS["separate"])
    kq = 2 * c[5] - GENERIC.gamma * c[10]
    printed = corrected + kq / (2 * GENERIC.k) * (q - qbar)  # kq/k instead of kq/(2k)
    assert np.abs(printed - direct).max() > 1.0


def _forward(matrix, t: np.ndarray, y0: np.ndarray, forcing: np.ndarray | None = None):
    """Integrate X' = M X (+ X M^T + forcing when ``forcing`` is given) forward from t = 0."""
    n = y0.shape[0]

    def rhs(s: float, y: np.ndarray) -> np.ndarray:
        m, x = matrix(s), y.reshape(n, n)
        dx = m @ x if forcing is None else m @ x + x @ m.T + forcing
        return dx.ravel()

    return odes.solve(rhs, 0.0, float(t[-1]), y0.ravel(), rtol=1e-11, atol=1e-13)(t)


def _b_and_c(p: Params):
    """B_t and C_t of Prop 4.1 (book eq. (ts-drift-matrices)) from the separate-signals
    loadings."""
    sol = models.solve_separate(p)
    gamma, big = p.gamma, p.gamma + p.gamma_bar

    def b_matrix(s: float) -> np.ndarray:
        ld = lo.loadings_separate(sol, s, p)
        return np.array([[ld["q"], ld["V"]], [-gamma * ld["q"], -(p.beta + gamma * ld["V"])]])

    def c_matrix(s: float) -> np.ndarray:
        ld = lo.loadings_separate(sol, s, p)
        f2, f3 = ld["q"] + ld["qbar"], ld["V"] + ld["Vbar"]
        return np.array([[f2, f3], [-big * f2, -(p.beta + big * f3)]])

    return b_matrix, c_matrix


def test_psi_phi_and_inverses_against_ode() -> None:
    p = GENERIC.replace(alpha=0.0, gamma=0.0)
    t = TIMES
    b_matrix, c_matrix = _b_and_c(p)
    psi_ode = _forward(b_matrix, t, np.eye(2)).reshape(2, 2, -1)
    phi_ode = _forward(c_matrix, t, np.eye(2)).reshape(2, 2, -1)
    close(cf.psi(t, p), psi_ode, rtol=1e-8, atol=1e-12)
    close(cf.phi(t, p), phi_ode, rtol=1e-8, atol=1e-12)
    for direct, inverse in ((cf.psi(t, p), cf.psi_inverse(t, p)),
                            (cf.phi(t, p), cf.phi_inverse(t, p))):
        close(np.einsum("ijn,jkn->ikn", direct, inverse), np.eye(2)[:, :, None] * np.ones(13),
              rtol=0, atol=1e-12)


def test_price_kernel_is_the_phi_product() -> None:
    """(4.10) kernel rho eta b [1 0] Phi_t Phi_u^{-1} [0 1]^T equals the printed (4.11) one."""
    p = P9.replace(alpha=0.0, gamma=0.0, rho=0.5)
    t, u = np.full(7, 0.8), np.linspace(0.0, 0.8, 7)
    product = np.einsum("ijn,jkn->ikn", cf.phi(t, p), cf.phi_inverse(u, p))[0, 1]
    close(cf.price_kernel(t, u, p), p.rho * p.eta * p.b * product, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mu", [0.0, 0.4])
def test_cross_section_cov_against_lyapunov(mu: float) -> None:
    """(4.5)-(4.7) vs Sigma' = B Sigma + Sigma B^T + (1 - rho^2) Theta Theta^T."""
    p = P9.replace(alpha=0.0, gamma=0.0, rho=0.5, mu=mu)
    sigma0 = np.array([[0.25, 0.01], [0.01, 0.0004]])
    b_matrix, _ = _b_and_c(p)
    noise = np.diag([0.0, (1 - p.rho**2) * p.eta**2])
    ode = _forward(b_matrix, UNIT, sigma0, noise).reshape(2, 2, -1)
    close(cf.cross_section_cov(UNIT, p, sigma0), ode, rtol=1e-8, atol=1e-12)


def test_price_variance_against_augmented_lyapunov() -> None:
    """(4.11) vs the augmented Lyapunov ODE of book eq. (ts-price-variance) for
    X = (Qbar, Vbar, S)."""
    p = P9.replace(alpha=0.0, gamma=0.0, rho=-0.6, mu=0.2)
    _, c_matrix = _b_and_c(p)

    def augmented(s: float) -> np.ndarray:
        m = np.zeros((3, 3))
        m[:2, :2] = c_matrix(s)
        m[2, :2] = p.b * m[0, :2]
        return m

    g = np.array([0.0, p.rho * p.eta, p.sigma])
    t = np.array([0.0, 0.3, 0.7, 1.0])
    ode = _forward(augmented, t, np.zeros((3, 3)), np.outer(g, g)).reshape(3, 3, -1)[2, 2]
    close(cf.price_variance(t, p), ode, rtol=1e-8, atol=1e-14)


# --- limiting and special cases -------------------------------------------------------------


@pytest.mark.parametrize(("model", "zero_rows"),
                         [("single", [1, 2]), ("shared", [1, 2, 3]), ("separate", [1, 2, 3, 4])])
def test_mu_zero_patterns(model: str, zero_rows: list[int]) -> None:
    """Props 2.2, 3.3, 3.6: mu = 0 switches off every linear coefficient, hence nu0 = 0."""
    p = GENERIC.replace(mu=0.0)
    assert np.all(PUBLIC[model](p, TIMES)[zero_rows] == 0.0)
    assert np.all(LOADINGS[model](SOLVE[model](p), TIMES, p)["const"] == 0.0)
    assert np.abs(PUBLIC[model](GENERIC, TIMES)[zero_rows]).max() > 1e-3


def test_prop22_symmetry() -> None:
    """Prop 2.2: with mu = 0, nu*(t, -q, -V) = -nu*(t, q, V)."""
    sol = models.solve_single(P1)
    nu0, nu = sol.feedback(UNIT)
    q, V = 0.7, -0.2
    close(nu0 + nu[0] * -q + nu[1] * -V, -(nu0 + nu[0] * q + nu[1] * V), rtol=0, atol=0)


def test_alpha_zero_patterns() -> None:
    """Prop 3.3 (shared signal, alpha = 0) and Prop 3.6 (separate signals, alpha = gamma = 0;
    with gamma != 0, c6 is not 0)."""
    shared = shared_signal_coefficients(GENERIC.replace(alpha=0.0), TIMES)
    assert np.all(shared[[2, 4, 5, 7, 9]] == 0.0)
    sep = separate_signals_coefficients(GENERIC.replace(alpha=0.0, gamma=0.0), TIMES)
    assert np.all(sep[[2, 5, 6, 9, 12, 13]] == 0.0)
    sep = separate_signals_coefficients(GENERIC.replace(alpha=0.0), TIMES)
    assert np.abs(sep[5]).max() > 1e-4


@pytest.mark.parametrize("rho", [-1.0, 0.3, 1.0])
def test_separate_with_gamma_zero_is_shared(rho: float) -> None:
    """Reduction 2 (book section ts-reductions): gamma = 0 collapses the separate-signals model
    onto the shared-signal one (any rho); c1 agrees only for rho^2 = 1."""
    p = GENERIC.replace(gamma=0.0, rho=rho)
    sh, c = shared_signal_coefficients(p, TIMES), separate_signals_coefficients(p, TIMES)
    mapped = [c[1], c[2], c[3] + c[4], c[5], c[6], c[7] + c[8] + c[14], c[9], c[10] + c[11],
              c[12] + c[13]]
    close(np.array(mapped), sh[1:], rtol=0, atol=1e-9)
    if rho**2 == 1.0:
        close(c[0], sh[0], rtol=0, atol=1e-9)
    else:
        assert np.abs(c[0] - sh[0]).max() > 1e-2


def test_single_agent_is_shared_without_interaction() -> None:
    """Reduction 3: the single agent with b = gamma = 0 equals the shared-signal model with
    b = gamma_bar = k_bar = 0."""
    single = single_agent_coefficients(GENERIC.replace(b=0.0, gamma=0.0), TIMES)
    shared = shared_signal_coefficients(GENERIC.replace(b=0.0, gamma_bar=0.0, k_bar=0.0), TIMES)
    close(single, shared[[0, 1, 3, 4, 6, 8]], rtol=0, atol=1e-9)
    assert np.all(shared[[2, 5, 7, 9]] == 0.0)


@pytest.mark.parametrize("change", [{"b": 0.05}, {"k_bar": 0.01}, {"gamma_bar": -0.2},
                                    {"eta": 2.0}, {"rho": -0.9}, {"mu": -1.0}])
def test_separate_own_subsystem_is_single_agent(change: dict) -> None:
    """Reduction 1: (c6, c8, c11) of the separate-signals model equal (c4, c5, c6) of the
    single agent with b = 0, whatever b, k_bar, ..."""
    p = GENERIC.replace(**change)
    sep = separate_signals_coefficients(p, TIMES)[[5, 7, 10]]
    single = single_agent_coefficients(GENERIC.replace(b=0.0), TIMES)[[3, 4, 5]]
    close(sep, single, rtol=0, atol=1e-10)


def test_rho_sigma_eta_enter_only_c1() -> None:
    """Reduction 4, and the same for the other two models: rho and sigma enter no loading;
    eta enters only c1."""
    for model in MODELS:
        base = PUBLIC[model](GENERIC, TIMES)
        for change in ({"rho": -0.2}, {"sigma": 3.0}, {"eta": 0.1}):
            other = PUBLIC[model](GENERIC.replace(**change), TIMES)
            close(other[1:], base[1:], rtol=0, atol=1e-10)
        assert np.abs(PUBLIC[model](GENERIC.replace(eta=0.1), TIMES)[0] - base[0]).max() > 1e-3


# --- solver robustness ----------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_dop853_against_radau(model: str) -> None:
    dop = SOLVE[model](GENERIC).coeffs(TIMES, models.MONOMIALS[model])
    radau = SOLVE[model](GENERIC, method="Radau").coeffs(TIMES, models.MONOMIALS[model])
    close(radau, dop, rtol=0, atol=1e-10)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("k", 0.0), ("k", -1e-3), ("T", 0.0), ("T", -1.0), ("rho", 1.0 + 1e-12), ("rho", -2.0),
     ("alpha", -0.1), ("sigma", -1.0), ("eta", -0.5), ("beta", -1.0), ("b", -0.01),
     ("k_bar", -1e-3), ("mu", np.nan), ("gamma", np.inf), ("gamma_bar", "0.1"), ("k", True)],
)
def test_params_reject_bad_values(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        P6.replace(**{name: value})
    fields = {f.name: getattr(P6, f.name) for f in dataclasses.fields(Params)}
    with pytest.raises(ValueError, match=rf"^{name} must"):
        Params(**{**fields, name: value})


def test_params_fields_presets_and_replace() -> None:
    assert [f.name for f in dataclasses.fields(Params)] == [
        "mu", "sigma", "eta", "beta", "gamma", "gamma_bar", "rho", "b", "k", "k_bar", "alpha", "T"]
    assert P6 == P3.replace(gamma=0.05) and P6 != P3 and hash(P6) == hash(P3.replace(gamma=0.05))
    assert P6.replace(rho=1.0).rho == 1.0 and isinstance(Params(*[1] * 12).mu, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        P6.k = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) kbar; valid: mu, sigma"):
        P6.replace(kbar=0.1)
    with pytest.raises(ValueError, match=r"^gamma_bar must be nonzero"):
        _ = P1.z


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("t", [-1e-9, 1.0 + 1e-9, np.nan])
def test_times_outside_horizon_rejected(model: str, t: float) -> None:
    times, p = np.array([0.5, t]), {"single": P1, "shared": P3, "separate": P6}[model]
    sol = SOLVE[model](p)
    calls = [(PUBLIC[model], (p, times)), (LOADINGS[model], (sol, times, p)),
             (TRANSCRIBED[model](p), (times,)), (sol.feedback, (times,)),
             (sol.mean_field, (times,)), (sol.P, (times,))]
    for call, args in calls:
        with pytest.raises(ValueError, match=r"^t must"):
            call(*args)


@pytest.mark.parametrize("t", [-1e-9, 1.0 + 1e-9, np.nan])
def test_closed_forms_reject_times_outside_horizon(t: float) -> None:
    times, p = np.array([0.5, t]), P6.replace(alpha=0.0, gamma=0.0)
    for closed in (cf.shared_c5, cf.shared_dispersion, cf.s_riccati, cf.prop33, cf.prop36,
                   cf.psi, cf.psi_inverse, cf.phi, cf.phi_inverse, cf.price_variance):
        with pytest.raises(ValueError, match=r"^t must"):
            closed(times, p)
    with pytest.raises(ValueError, match=r"^t must"):
        cf.cross_section_cov(times, p, np.eye(2))
    with pytest.raises(ValueError, match=r"^t must"):
        cf.price_kernel(times, 0.0, p)
    with pytest.raises(ValueError, match=r"^u must"):
        cf.price_kernel(0.5, times, p)
    with pytest.raises(ValueError, match=r"^tau must"):
        cf.d9(times, p)


def test_functions_reject_non_params() -> None:
    with pytest.raises(ValueError, match=r"^params must be a lib.signals.Params"):
        single_agent_coefficients({"k": 1.0}, [0.0])
    with pytest.raises(ValueError, match=r"^p must be a lib.signals.Params"):
        models.solve_separate(None)
    with pytest.raises(ValueError, match=r"^p must be a lib.signals.Params"):
        cf.shared_c5([0.0], dataclasses.asdict(P3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cf.prop33([0.0], P3), r"^alpha must be 0 for Prop 3.3"),
        (lambda: cf.prop33([0.0], P3.replace(alpha=0.0, mu=0.1)), r"^mu must be 0"),
        (lambda: cf.prop33([0.0], P3.replace(alpha=0.0, b=0.0)), r"^b must be nonzero"),
        (lambda: cf.prop33([0.0], P3.replace(alpha=0.0, gamma_bar=0.0)),
         r"^gamma_bar must be nonzero"),
        (lambda: cf.prop33([0.0], P3.replace(alpha=0.0, b=P3.kappa)), r"^b must differ"),
        (lambda: cf.prop36([0.0], P6.replace(alpha=0.0)), r"^gamma must be 0 for Prop 3.6"),
                (lambda: cf.psi([0.0], P9), r"^alpha must be 0"),
        (lambda: cf.phi([0.0], P9.replace(alpha=0.0, gamma=0.0, b=0.0)), r"^b must be nonzero"),
        (lambda: cf.cross_section_cov([0.0], P9.replace(alpha=0.0, gamma=0.0, beta=0.0),
                                      np.eye(2)), r"^beta must be nonzero"),
        (lambda: cf.cross_section_cov([0.0], P9.replace(alpha=0.0, gamma=0.0), [[1, 0.1], [0, 1]]),
         r"^Sigma0 must"),
        (lambda: cf.price_variance([0.0], P9.replace(alpha=0.0)), r"^gamma must be 0"),
    ],
)
def test_closed_forms_guard_their_conditions(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_blow_up_guard_is_where_the_ode_fails() -> None:
    """gamma_bar < 0 with z < 0 < omega: s = 2z / ((1 + 2z) e^{omega tau} - 1) has a pole at
    tau* = -log(1 + 2z)/omega; the guard lets T = 0.9 tau* through and stops T = 1.1 tau*."""
    p = P3.replace(gamma_bar=-0.1, alpha=0.0)
    assert p.z < 0 < p.omega
    tau_star = -np.log1p(2 * p.z) / p.omega
    below, above = p.replace(T=0.9 * tau_star), p.replace(T=1.1 * tau_star)
    t = np.linspace(0.0, below.T, 5)
    close(cf.s_riccati(t, below), shared_signal_coefficients(below, t)[8], rtol=1e-8)
    with pytest.raises(ValueError, match=r"^T must be below the blow-up time"):
        cf.s_riccati([0.0], above)
    with pytest.raises(RuntimeError, match="ODE integration"):
        models.solve_shared(above)


@pytest.mark.parametrize(
    ("change", "name"),
    [({"A": np.eye(3)}, "A"), ({"k": 0.0}, "k"), ({"P_T": [[0.0, 1.0], [0.0, 0.0]]}, "P_T"),
     ({"state": ("q", "q")}, "state"), ({"g": [1.0, np.nan]}, "g"),
     ({"Pi": np.eye(2), "kbar": -0.02}, "kbar")],
)
def test_lq_model_validation(change: dict, name: str) -> None:
    base = {"state": ("q", "V"), "A": np.zeros((2, 2)), "g": [1.0, 0.0],
            "SigmaSigmaT": np.zeros((2, 2)), "e_q": [1.0, 0.0], "k": 0.01, "P_T": np.zeros((2, 2))}
    with pytest.raises(ValueError, match=rf"^{name} must"):
        riccati.LQModel(**{**base, **change})


def test_lq_solve_and_monomial_validation() -> None:
    model = models.single_agent(P1)
    with pytest.raises(ValueError, match=r"^T must be > 0"):
        riccati.solve_lq(model, 0.0)
    with pytest.raises(ValueError, match=r"^model must be an LQModel"):
        riccati.solve_lq("M1", 1.0)
    with pytest.raises(ValueError, match=r"^monomials must"):
        models.solve_single(P1).coeffs([0.0], [("q", "Vbar")])
    with pytest.raises(ValueError, match=r"^model must be one of"):
        models.coefficients(models.solve_single(P1), [0.0], "mixed")
    with pytest.raises(ValueError, match=r"^sol must give the 15 coefficients"):
        lo.loadings_separate(models.solve_shared_transcribed(P6), [0.0], P6)


def test_printed_prop33_c1_in_closed_form() -> None:
    """``prop33_c1_printed`` is the printed integral of Prop 3.3: 3.06407 at t = 0 where the
    corrected c1 (and the ODE) give 0.1225544689; both vanish at T."""
    p = P3.replace(alpha=0.0)
    printed = cf.prop33_c1_printed(TIMES / 1.2, p)
    rate = 2 * p.b / p.kappa
    for t, value in zip(TIMES / 1.2, printed, strict=True):
        integral = quad(lambda s: 1 - np.exp(-rate * (p.T - s)), t, p.T, epsabs=0.0,
                        epsrel=1e-13)[0]
        close(value, p.k * p.eta**2 / (2 * p.b * p.kappa) * integral, rtol=1e-12, atol=1e-15)
    close(cf.prop33_c1_printed(0.0, p), 3.0640700918, rtol=1e-10)
    reference(cf.prop33([0.0], p)["c1"], [0.1225544689])
    assert printed[-1] == 0.0
    assert cf.prop33_c1_printed(0.0, p).shape == ()
    with pytest.raises(ValueError, match="alpha must be 0"):
        cf.prop33_c1_printed(0.0, P3)


# --- across the parameter domain ------------------------------------------------------------


def _domain_sample(seed: int, n: int) -> list[Params]:
    """``n`` parameter sets drawn around the paper's (P6): every parameter varied at once."""
    rng = np.random.default_rng(seed)
    return [P6.replace(mu=rng.uniform(-0.3, 0.3), sigma=rng.uniform(0.5, 2.0),
                       eta=rng.uniform(0.2, 1.5), beta=rng.uniform(0.5, 2.0),
                       gamma=rng.uniform(0.0, 0.1), gamma_bar=rng.uniform(0.05, 0.5),
                       rho=rng.uniform(-0.9, 0.9), b=rng.uniform(0.005, 0.1),
                       k=rng.uniform(0.002, 0.02), k_bar=rng.uniform(0.0, 0.005),
                       alpha=rng.uniform(0.0, 1.0), T=rng.uniform(0.5, 2.0)) for _ in range(n)]


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    """Largest error of each row of ``a`` relative to the largest entry of that row of ``b``."""
    scale = np.max(np.abs(b), axis=-1, keepdims=True)
    return float(np.max(np.abs(a - b) / np.where(scale == 0.0, 1.0, scale)))


@pytest.mark.parametrize("p", _domain_sample(7, 4), ids=lambda p: f"T={p.T:.2f}")
def test_coefficients_within_1e_9_across_the_domain(p: Params) -> None:
    """The generic core against the paper's systems, and the closed forms (Props 3.3 and 3.6,
    shared c5, (4.5)-(4.7), (4.11)) against the ODEs, within 1e-9 relative at random
    parameters (each closed form under its own conditions)."""
    t = np.linspace(0.0, p.T, 101)
    for model in MODELS:
        assert _relative(models.coefficients(SOLVE[model](p), t, model),
                         TRANSCRIBED[model](p)(t)) <= 1e-9, model
    assert _relative(cf.shared_c5(t, p), shared_signal_coefficients(p, t)[4]) <= 1e-9
    p33 = p.replace(alpha=0.0, mu=0.0)
    closed = cf.prop33(t, p33)
    assert _relative(np.array([closed[n] for n in ("c1", "c7", "c9")]),
                     shared_signal_coefficients(p33, t)[[0, 6, 8]]) <= 1e-9
    p36 = p.replace(alpha=0.0, gamma=0.0, mu=0.0)
    names = (1, 8, 9, 11, 12, 15)
    closed = cf.prop36(t, p36)
    assert _relative(np.array([closed[f"c{i}"] for i in names]),
                     separate_signals_coefficients(p36, t)[[i - 1 for i in names]]) <= 1e-9
    entries = ([0, 1, 1], [0, 1, 0])
    assert _relative(cf.cross_section_cov(t, p36, SIGMA0)[entries],
                     crosssection.cross_section_cov(p36, SIGMA0, t)[entries]) <= 1e-9
    assert _relative(cf.price_variance(t[1:], p36),
                     crosssection.price_variance(p36, t[1:])) <= 1e-9
