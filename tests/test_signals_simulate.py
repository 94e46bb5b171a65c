"""Monte Carlo checks of the trade-signal models (Donnelly & Lorig 2020) and the simulators'
contracts.

Finite population: a finite-N separate-signals market against the mean-field covariance (book
eq. (ts-lyapunov)) and price variance (book eq. (ts-price-variance)); the shared-signal
dispersion factor (book eq. (ts-shared-nu-q)), exact under Euler. Value function: the mean
payoff against the value function, and worse payoffs for perturbed rates. Euler convergence:
the Fig 2 sd(nu_T) tends to its Lyapunov value as the step shrinks. Every test is seeded and
uses reduced path counts (the 10^5-path runs stay out of the fast suite).
"""

from __future__ import annotations

import numpy as np
import pytest

from lib.signals import P1, P3, P6, P9, Params, models
from lib.signals import crosssection as cs
from lib.signals import loadings as lo
from lib.signals import simulate as sm

SIGMA0 = np.diag([0.5**2, 0.02**2])


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def within(estimate: float, target: float, se: float, n_se: float = 3.0) -> None:
    assert abs(estimate - target) <= n_se * se, (estimate, target, se)


# --- finite N against the mean-field limit --------------------------------------------------


def test_separate_signals_cross_section_matches_mean_field() -> None:
    """N=1000 agents, R=100 markets (P9, rho = 0.5): the sample covariance of (Q^n_T, V^n_T)
    (ddof = 1, averaged over markets) is within 3 s.e. of the Lyapunov covariance; Var(S_T)
    within 3 s.e. of the augmented Lyapunov value.

    The deviations from the empirical averages follow B_t exactly at any N (Prop 3.5,
    corrected), so the
    only bias is Euler's, about 0.2% at 500 steps, below the 0.5% s.e.
    """
    p, R, N, n = P9.replace(rho=0.5), 100, 1000, 500
    g = rng(2020)
    Q0, V0 = g.normal(0.0, 0.5, (R, N)), g.normal(0.0, 0.02, (R, N))
    res = sm.simulate_separate(p, N=N, n_steps=n, rng=g, Q0=Q0, V0=V0, replications=R,
                               record_every=n // 2)
    assert res.Q.shape == (3, R, N) and res.S.shape == (3, R, 1)
    mf = cs.cross_section_cov(p, SIGMA0, res.t)
    states = np.stack([res.Q, res.V])
    dev = states - states.mean(axis=-1, keepdims=True)
    cov = np.einsum("itrn,jtrn->trij", dev, dev) / (N - 1)  # per time and market
    mean, se = cov.mean(axis=1), cov.std(axis=1, ddof=1) / np.sqrt(R)
    for i in range(len(res.t)):
        for a, b in ((0, 0), (1, 1), (0, 1)):
            within(mean[i, a, b], mf[a, b, i], se[i, a, b])
    target = cs.price_variance(p, 1.0)  # Gaussian S_T: s.e. of a sample variance
    within(res.S[-1, :, 0].var(ddof=1), target, target * np.sqrt(2.0 / (R - 1)))


@pytest.mark.parametrize("rho", [-1.0, 0.5, 1.0])
def test_price_variance_matches_mean_field(rho: float) -> None:
    """Var(S_T) over R = 6000 small markets (N = 10) within 3 s.e. (1.8%) of the mean field; the
    idiosyncratic part of Vbar adds O(b^2/N), about 1e-4 relative here."""
    p, R, N = P9.replace(rho=rho), 6000, 10
    g = rng(7)
    res = sm.simulate_separate(p, N=N, n_steps=200, rng=g, Q0=g.normal(0.0, 0.5, (R, N)),
                               V0=g.normal(0.0, 0.02, (R, N)), replications=R,
                               record_every=200)
    target = cs.price_variance(p, 1.0)
    within(res.S[-1, :, 0].var(ddof=1), target, target * np.sqrt(2.0 / (R - 1)))


def test_shared_signal_dispersion_telescopes() -> None:
    """Book eq. (ts-shared-nu-q): Q^n - Qbar is multiplied by 1 + nu_q dt per Euler step, and
    the product telescopes to k / (k + alpha T); the sample-variance ratio is its square to
    1e-10."""
    g = rng(5)
    res = sm.simulate_shared(P3, N=50, n_steps=1000, rng=g, Q0=g.normal(0.0, 0.5, 50),
                             replications=3)
    ratio = res.Q[-1].var(axis=-1, ddof=1) / res.Q[0].var(axis=-1, ddof=1)
    factor = P3.k / (P3.k + P3.alpha * P3.T)
    np.testing.assert_allclose(ratio, factor**2, rtol=1e-10)
    np.testing.assert_allclose(factor**2, 0.00226757, rtol=0, atol=5e-9)  # Fig 5 value


def test_mean_path_follows_a_and_c() -> None:
    """(4.9) without noise (eta = sigma = 0): the empirical Ybar of any N solves
    Ybar' = a + C Ybar, so the simulator's Ybar_T is the same Euler recursion on that ODE."""
    p, n = P6.replace(mu=0.5, eta=0.0, sigma=0.0), 2000
    g = rng(11)
    res = sm.simulate_separate(p, N=20, n_steps=n, rng=g, Q0=g.normal(0.3, 0.5, 20),
                               V0=g.normal(0.1, 0.02, 20), record_every=n)
    y0 = np.array([res.Qbar[0, 0, 0], res.Vbar[0, 0, 0]])
    a, _, C = cs.mf_matrices(p, np.linspace(0.0, p.T, n + 1))
    y = y0
    for i in range(n):
        y = y + (a[:, i] + C[:, :, i] @ y) * (p.T / n)
    np.testing.assert_allclose([res.Qbar[-1, 0, 0], res.Vbar[-1, 0, 0]], y, rtol=1e-9)
    assert np.abs(y - y0).min() > 1e-2  # the drift a and C moved the mean


# --- value function -------------------------------------------------------------------------


def value(p: Params, q: float, V: float, S: float) -> float:
    """``H(0, x = 0, q, S, V) = q S + h(0, q, V)``, ``h = r + p.y + y.P.y`` (book eqs.
    (ts-single-ansatz), (ts-generic-riccati))."""
    sol, y = models.solve_single(p), np.array([q, V])
    return float(q * S + sol.r(0.0) + sol.p(0.0) @ y + y @ sol.P(0.0) @ y)


@pytest.mark.parametrize(("p", "q0", "v0", "h"), [
    (P1, 0.0, 0.0, 0.1304068), (P1, 0.5, 0.2, 50.14858), (P1.replace(mu=0.5), 0.5, 0.2, 51.94753),
], ids=["origin", "offset", "drift"])
def test_mean_payoff_is_the_value_function(p: Params, q0: float, v0: float, h: float) -> None:
    """E[X_T + Q_T (S_T + V_T) - alpha Q_T^2] under nu* from (q0, V0, S_0 = 100) is H(0, .)
    within 3 s.e. (20 000 paths; the values of H are regression values of the solver)."""
    assert abs(value(p, q0, v0, 100.0) - h) < 5e-6
    res = sm.simulate_single(p, n_steps=500, rng=rng(3), paths=20_000, Q0=q0, V0=v0,
                             record_every=500)
    payoff = res.payoff().ravel()
    within(payoff.mean(), value(p, q0, v0, 100.0), payoff.std(ddof=1) / np.sqrt(payoff.size))


@pytest.mark.parametrize("scale", [0.5, 0.8, 1.2])
def test_perturbed_rates_do_worse(scale: float) -> None:
    """Scaling nu* lowers the mean payoff, by more than 3 s.e. of the paired difference
    (common random numbers: the same seed gives the same draws)."""
    p = P1.replace(mu=0.5)
    kw = {"n_steps": 500, "paths": 20_000, "Q0": 0.5, "V0": 0.2, "record_every": 500}
    best = sm.simulate_single(p, rng=rng(4), **kw).payoff().ravel()
    other = sm.simulate_single(p, rng=rng(4), nu_scale=scale, **kw).payoff().ravel()
    gain = best - other
    assert gain.mean() > 3.0 * gain.std(ddof=1) / np.sqrt(gain.size)


# --- Euler convergence of Fig 2's sd(nu_T) --------------------------------------------------


def euler_sd_nu(p: Params, n_steps: int) -> float:
    """sd(nu_T) of the Euler scheme itself: Sigma <- F Sigma F^T + diag(0, eta^2) dt."""
    t, dt = np.linspace(0.0, p.T, n_steps + 1), p.T / n_steps
    ld = lo.loadings_single(models.solve_single(p), t, p)
    m = np.array([[ld["q"], ld["V"]], [-p.gamma * ld["q"], -(p.beta + p.gamma * ld["V"])]])
    sigma, noise = np.zeros((2, 2)), np.diag([0.0, p.eta**2 * dt])
    for i in range(n_steps):
        f = np.eye(2) + m[:, :, i] * dt
        sigma = f @ sigma @ f.T + noise
    w = np.array([ld["q"][-1], ld["V"][-1]])
    return float(np.sqrt(w @ sigma @ w))


def test_fig2_sd_nu_converges_to_lyapunov() -> None:
    """sd(nu_T) of 20 000 paths is within 3 s.e. of the Euler scheme's own value at each
    step count; that value tends to the Lyapunov 7.33607 at first order (7.68 at 250
    steps); the Monte Carlo error at 250 steps exceeds the later ones, and at 4000 steps
    the estimate is within 3 s.e. of 7.33607."""
    lyapunov = float(cs.single_agent_moments(P1, 1.0)["sd_nu"])
    paths, errors, biases = 20_000, [], []
    for n in (250, 1000, 4000):
        res = sm.simulate_single(P1, n_steps=n, rng=rng(n), paths=paths, record_every=n)
        sd = res.nu[-1].std(ddof=1)
        scheme = euler_sd_nu(P1, n)
        within(sd, scheme, sd / np.sqrt(2.0 * (paths - 1)))
        errors.append(abs(sd - lyapunov))
        biases.append(scheme - lyapunov)
    assert errors[0] > max(errors[1:])
    within(sd, lyapunov, sd / np.sqrt(2.0 * (paths - 1)))  # the 4000-step estimate
    assert np.all(np.array(biases) > 0)
    np.testing.assert_allclose(np.array(biases[:-1]) / biases[1:], 4.0, rtol=0.05)  # O(dt)
    assert abs(lyapunov + biases[0] - 7.68) < 0.005


# --- contracts --------------------------------------------------------------------------------


def test_contributions_add_up_to_the_rate() -> None:
    g = rng(1)
    single = sm.simulate_single(P1, n_steps=100, rng=g, paths=10)
    shared = sm.simulate_shared(P3, N=50, n_steps=100, rng=g, Q0=g.normal(0.0, 0.5, 50))
    separate = sm.simulate_separate(P6, N=50, n_steps=100, rng=g, Q0=g.normal(0.0, 0.5, 50),
                                    V0=g.normal(0.0, 0.02, 50))
    for res, keys in ((single, {"q", "V"}), (shared, {"q", "qbar", "Vbar"}),
                      (separate, {"q", "qbar", "V", "Vbar"})):
        parts = res.contributions
        assert set(parts) == keys
        total = res.loadings["const"][:, None, None] + sum(parts.values())
        np.testing.assert_allclose(total, res.nu, rtol=1e-12, atol=1e-12)
    assert single.Q.shape == (101, 10, 1) and single.Qbar is None
    assert shared.V is None and shared.Vbar.shape == (101, 1, 1)
    assert separate.Q.shape == (101, 1, 50) and separate.nubar.shape == (101, 1, 1)
    np.testing.assert_allclose(separate.nubar, separate.nu.mean(axis=-1, keepdims=True),
                               rtol=1e-13)


def test_paths_start_where_asked_and_quantities_balance() -> None:
    """Initial state; Q' = nu; the price moves by b nubar dt + sigma dW, so S_T - S_0 -
    b (Qbar_T - Qbar_0) is the same for two runs with the same seed and different b."""
    g = rng(2)
    q0 = g.normal(0.0, 0.5, 50)
    res = sm.simulate_separate(P6, N=50, n_steps=200, rng=rng(9), Q0=q0, V0=0.01, S_0=50.0)
    np.testing.assert_array_equal(res.Q[0, 0], q0)
    assert np.all(res.V[0] == 0.01) and np.all(res.S[0] == 50.0) and np.all(res.X[0] == 0.0)
    dt = P6.T / 200
    np.testing.assert_allclose(np.diff(res.Q, axis=0), res.nu[:-1] * dt, rtol=1e-9, atol=1e-15)
    other = sm.simulate_separate(P6.replace(b=0.0), N=50, n_steps=200, rng=rng(9), Q0=q0,
                                 V0=0.01, S_0=50.0)
    noise = [r.S[-1] - r.S[0] - r.params.b * (r.Qbar[-1] - r.Qbar[0]) for r in (res, other)]
    np.testing.assert_allclose(noise[0], noise[1], rtol=1e-12)


def test_seeded_runs_are_reproducible_and_records_are_subsampled() -> None:
    full = sm.simulate_shared(P3, N=5, n_steps=100, rng=rng(3), Q0=[0.1, 0.2, 0.3, 0.4, 0.5],
                              replications=2)
    again = sm.simulate_shared(P3, N=5, n_steps=100, rng=rng(3), Q0=[0.1, 0.2, 0.3, 0.4, 0.5],
                               replications=2, record_every=25)
    np.testing.assert_array_equal(again.t, full.t[::25])
    for name in ("Q", "nu", "X", "S", "Qbar", "Vbar", "nubar"):
        np.testing.assert_array_equal(getattr(again, name), getattr(full, name)[::25])
    np.testing.assert_array_equal(again.loadings["q"], full.loadings["q"][::25])


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"n_steps": 0}, "n_steps"), ({"n_steps": 10.0}, "n_steps"), ({"N": 0}, "N"),
    ({"replications": 0}, "replications"), ({"rng": 42}, "rng"),
    ({"record_every": 3}, "record_every"),
    ({"Q0": np.zeros(7)}, "Q0"), ({"V0": np.nan}, "V0"), ({"S_0": np.inf}, "S_0"),
    ({"p": "P6"}, "p"),
])
def test_separate_validation(kwargs: dict, name: str) -> None:
    args = {"p": P6, "N": 5, "n_steps": 10, "rng": rng(0), "Q0": 0.0, "V0": 0.0, **kwargs}
    with pytest.raises(ValueError, match=name):
        sm.simulate_separate(args.pop("p"), **args)


def test_single_and_shared_validation() -> None:
    with pytest.raises(ValueError, match="paths"):
        sm.simulate_single(P1, n_steps=10, rng=rng(0), paths=0)
    with pytest.raises(ValueError, match="nu_scale"):
        sm.simulate_single(P1, n_steps=10, rng=rng(0), paths=1, nu_scale=np.nan)
    with pytest.raises(ValueError, match="Q0"):
        sm.simulate_single(P1, n_steps=10, rng=rng(0), paths=3, Q0=[1.0, 2.0])
    with pytest.raises(ValueError, match="Vbar0"):
        sm.simulate_shared(P3, N=4, n_steps=10, rng=rng(0), Q0=0.0, Vbar0=[0.0, 1.0])
    with pytest.raises(ValueError, match="N"):
        sm.simulate_shared(P3, N=-1, n_steps=10, rng=rng(0), Q0=0.0)
