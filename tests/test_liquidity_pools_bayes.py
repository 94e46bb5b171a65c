"""lib.liquidity_pools.bayes (paper Section 3.1 and Appendix B; the chapter's posterior consistency
check): every posterior, fed 10⁵ synthetic observations from a known truth, returns a mean within a
few posterior s.d.; NIG and Dirichlet agree with brute-force grid posteriors; the drift estimate is
unbiased for its shrinkage target; the CTMC posterior converges on exactly simulated paths; updates
never mutate; bad priors are rejected by name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from lib.liquidity_pools import bayes
from lib.liquidity_pools.markov import sample_path, step_matrix
from lib.liquidity_pools.params import VenueParams

N_OBS = 100_000
SPREAD_Q = np.asarray(VenueParams().spread_generator)  # 2 states
IMBALANCE_Q = np.asarray(VenueParams().imbalance_generator)  # 3 states


def _z_scores(estimate: np.ndarray, truth: np.ndarray, var: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(estimate) - truth) / np.sqrt(var)


def _assert_within(z: np.ndarray) -> None:
    """Within 3 posterior s.d.; an array of many entries gets 4 s.d. per entry (Bonferroni:
    about 0.5 % family-wise at 72 entries) and most entries within 3 s.d."""
    z = np.atleast_1d(z)
    if z.size == 1:
        assert z[0] < 3.0, z
    else:
        assert z.max() < 4.0, z.max()
        assert np.mean(z < 3.0) >= 0.95, np.sort(z)[-5:]


# --- Fill intensities (book eq. (lp-gamma-update)) ----------------------------------------------

def _fill_observations(rng: np.random.Generator, truth: np.ndarray, bernoulli: bool
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Counts and exposures of N_OBS decision steps, each in a random (venue, zone) cell with
    an exposure Δt a_j f (the zone-multiplier parametrisation of the
    chapter, as in the market simulator)."""
    cells = rng.integers(truth.size, size=N_OBS)
    exposure = 0.1 * rng.choice([1.5, 1.0, 0.5], size=N_OBS) * rng.uniform(0.2, 1.0, N_OBS)
    intensity = truth.ravel()[cells] * exposure
    fills = rng.random(N_OBS) < intensity if bernoulli else rng.poisson(intensity)
    counts = np.bincount(cells, weights=fills, minlength=truth.size).reshape(truth.shape)
    exposures = np.bincount(cells, weights=exposure, minlength=truth.size).reshape(truth.shape)
    return counts, exposures


@pytest.mark.parametrize("bernoulli", [False, True], ids=["poisson", "bernoulli"])
def test_gamma_rate_recovers_the_zone_intensities(bernoulli: bool) -> None:
    rng = np.random.default_rng(17)
    truth = rng.uniform(0.5, 3.0, size=(2, 36))
    prior = bayes.GammaRate.from_mean(np.full(truth.shape, 2.0), 1.0)
    posterior = prior.update(*_fill_observations(rng, truth, bernoulli))
    _assert_within(_z_scores(posterior.mean(), truth, posterior.var()))
    assert np.all(posterior.var() < prior.var() / 30)


def test_gamma_rate_formulas_and_broadcasting() -> None:
    prior = bayes.GammaRate(np.array([2.0, 3.0]), np.array([1.0, 4.0]))
    post = prior.update(np.array([5, 0]), 2.0)  # one exposure for both cells
    np.testing.assert_allclose(post.mean(), [7 / 3, 3 / 6])
    np.testing.assert_allclose(post.var(), [7 / 9, 3 / 36])
    fm = bayes.GammaRate.from_mean([0.5, 2.0], 10.0)
    np.testing.assert_allclose(fm.alpha, [5.0, 20.0])
    np.testing.assert_allclose(fm.mean(), [0.5, 2.0])
    with pytest.raises(ValueError, match="counts has shape"):
        prior.update(np.ones(3), 1.0)


# --- Executed fractions (book eq. (lp-dirichlet-update)) ----------------------------------------

def test_dirichlet_recovers_the_fraction_probabilities() -> None:
    rng = np.random.default_rng(18)
    truth = np.array([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]])  # three venues, two fractions
    draws = rng.random((N_OBS, 3)) < truth[:, 1]  # True = half fill
    counts = np.stack([(~draws).sum(axis=0), draws.sum(axis=0)], axis=1)
    posterior = bayes.DirichletCategorical(np.ones((3, 2))).update(counts)
    _assert_within(_z_scores(posterior.mean()[:, 0], truth[:, 0], posterior.var()[:, 0]))
    a, b = posterior.marginal(0)
    np.testing.assert_allclose(a / (a + b), posterior.mean()[:, 0])
    np.testing.assert_allclose(posterior.mean().sum(axis=-1), 1.0)


def test_dirichlet_matches_a_grid_posterior() -> None:
    """Dir(2, 3, 1.5) prior, counts (5, 2, 7): prior × multinomial integrated on a midpoint grid
    over the simplex."""
    prior = bayes.DirichletCategorical([2.0, 3.0, 1.5])
    counts = np.array([5, 2, 7])
    posterior = prior.update(counts)
    m = 1500
    p1, p2 = np.meshgrid((np.arange(m) + 0.5) / m, (np.arange(m) + 0.5) / m, indexing="ij")
    p3 = 1.0 - p1 - p2
    inside = p3 > 0
    probs = np.stack([p1[inside], p2[inside], p3[inside]])
    log_post = ((prior.alpha[:, None] - 1.0 + counts[:, None]) * np.log(probs)).sum(axis=0)
    weights = np.exp(log_post - log_post.max())
    weights /= weights.sum()
    grid_mean = probs @ weights
    grid_var = (probs**2) @ weights - grid_mean**2
    np.testing.assert_allclose(posterior.mean(), grid_mean, rtol=1e-3)
    np.testing.assert_allclose(posterior.var(), grid_var, rtol=1e-3)
    for k in range(3):
        a, b = posterior.marginal(k)
        assert stats.beta(a, b).mean() == pytest.approx(grid_mean[k], rel=1e-3)


# --- Venue Markov chains (book eqs. (lp-chain-posterior), (lp-one-step-posterior)) --------------

def test_transition_counts() -> None:
    counts = bayes.transition_counts([0, 0, 1, 2, 2], [0, 1, 2, 2, 0], 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 0, 1], [1, 0, 1]])
    with pytest.raises(ValueError, match="to_states must lie in"):
        bayes.transition_counts([0], [3], 3)
    with pytest.raises(ValueError, match="one length"):
        bayes.transition_counts([0, 1], [1], 3)


def test_discrete_chain_posterior_recovers_the_step_matrix() -> None:
    rng = np.random.default_rng(5)
    truth = step_matrix(IMBALANCE_Q, 0.1)
    path = sample_path(truth, N_OBS, rng)
    prior = bayes.DiscreteChainPosterior(np.full((3, 3), 1 / 3), pseudo=10.0)
    np.testing.assert_allclose(prior.mean(), prior.prior_P)
    posterior = prior.update(bayes.transition_counts(path[:-1], path[1:], 3))
    _assert_within(_z_scores(posterior.mean(), truth, posterior.var()))
    np.testing.assert_allclose(posterior.mean().sum(axis=1), 1.0)
    n = posterior.counts
    expected = (10.0 / 3 + n) / (10.0 + n.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(posterior.mean(), expected)


def _simulate_ctmc(Q: np.ndarray, horizon: float, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Exact path on [0, horizon]: Exp(λ_m) holding times, jumps drawn from p_m·; the last
    sojourn is censored at the horizon."""
    rates = -np.diag(Q)
    jumps = np.cumsum((Q - np.diag(np.diag(Q))) / rates[:, None], axis=1)
    expected_visits = int(horizon * rates.max() * 1.2) + 10
    states = np.empty(expected_visits, dtype=int)
    states[0] = 0
    uniforms = rng.random(expected_visits)
    for k in range(expected_visits - 1):
        states[k + 1] = np.searchsorted(jumps[states[k]], uniforms[k], side="right")
    states = np.minimum(states, len(Q) - 1)
    holding = rng.exponential(1.0 / rates[states])
    ends = np.cumsum(holding)
    last = int(np.searchsorted(ends, horizon))
    assert last < expected_visits - 1, "path too short for the horizon"
    durations = holding[:last + 1].copy()
    durations[-1] = horizon - (ends[last - 1] if last else 0.0)
    return states[:last + 1], durations


@pytest.mark.parametrize("Q_true", [IMBALANCE_Q, SPREAD_Q], ids=["3 states", "2 states"])
def test_ctmc_posterior_converges_on_exact_paths(Q_true: np.ndarray) -> None:
    rng = np.random.default_rng(21)
    n = len(Q_true)
    stationary = np.linalg.lstsq(np.vstack([Q_true.T, np.ones(n)]), np.eye(n + 1)[-1],
                                 rcond=None)[0]
    horizon = N_OBS / (stationary @ -np.diag(Q_true))  # 10⁵ jumps on average
    states, durations = _simulate_ctmc(Q_true, horizon, rng)
    jumps, occupation = bayes.path_statistics(states, durations, len(Q_true))
    assert 0.9 * N_OBS < jumps.sum() < 1.1 * N_OBS
    assert occupation.sum() == pytest.approx(horizon)
    prior_Q = np.full((n, n), 1.0) - n * np.eye(n)  # rate n - 1, uniform jumps
    prior = bayes.CTMCPosterior(prior_Q, jump_pseudo=5.0, rate_exposure=2.0)
    np.testing.assert_allclose(prior.generator(), prior_Q)
    posterior = prior.update(jumps, occupation)
    Q_hat = posterior.generator()
    np.testing.assert_allclose(Q_hat.sum(axis=1), 0.0, atol=1e-12)
    off = ~np.eye(n, dtype=bool)
    sd = posterior.generator_sd()
    _assert_within(_z_scores(Q_hat[off], Q_true[off], sd[off] ** 2))
    _assert_within(_z_scores(np.diag(Q_hat), np.diag(Q_true), np.diag(sd) ** 2))
    if n == 2:  # the jump matrix is forced, only the rates learn
        np.testing.assert_array_equal(posterior.jump_probabilities(), [[0, 1], [1, 0]])


def test_ctmc_posterior_formulas() -> None:
    """The posterior-mean generator of (lp-chain-posterior) by hand: Q0 rates (3, 3, 3) and jumps
    (2/3, 1/3), (1/2, 1/2), (1/3, 2/3); w = 2, c = 6; state 0 left twice (to 1 and 2) in 1.5 time
    units."""
    prior_Q = np.array([[-3.0, 2.0, 1.0], [1.5, -3.0, 1.5], [1.0, 2.0, -3.0]])
    post = bayes.CTMCPosterior(prior_Q, 6.0, 2.0).update(
        np.array([[0, 1, 1], [0, 0, 0], [0, 0, 0]]), np.array([1.5, 0.0, 0.0]))
    rate_0 = (2.0 * 3.0 + 2) / (2.0 + 1.5)
    np.testing.assert_allclose(post.rate_posterior().mean(), [rate_0, 3.0, 3.0])
    np.testing.assert_allclose(post.jump_probabilities()[0], [0, (4 + 1) / 8, (2 + 1) / 8])
    np.testing.assert_allclose(post.generator()[0], rate_0 * np.array([-1, 5 / 8, 3 / 8]))


def test_path_statistics_counts_a_censored_path() -> None:
    jumps, occupation = bayes.path_statistics([0, 1, 0, 2], [0.5, 1.0, 0.25, 2.0], 3)
    np.testing.assert_array_equal(jumps, [[0, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(occupation, [0.75, 1.0, 2.0])
    with pytest.raises(ValueError, match="consecutive states are equal"):
        bayes.path_statistics([0, 0], [1.0, 1.0], 3)


# --- Mid-price (book eqs. (lp-nig-update), (lp-drift-update)) ----------------------------------

def test_drift_known_sigma_recovers_the_drift() -> None:
    rng = np.random.default_rng(23)
    mu, sigma, dt = 0.02, 0.01, 0.1
    dS = rng.normal(mu * dt, sigma * np.sqrt(dt), N_OBS)
    prior = bayes.DriftKnownSigma(0.0, 0.01, sigma)
    posterior = prior
    for chunk in np.array_split(dS, 100):  # slice by slice
        posterior = posterior.update(chunk.sum(), dt * chunk.size)
    assert posterior.elapsed == pytest.approx(N_OBS * dt)
    assert abs(posterior.mean() - mu) < 3 * posterior.sd()
    once = prior.update(dS.sum(), N_OBS * dt)
    assert once.mean() == pytest.approx(posterior.mean(), rel=1e-12)
    assert once.var() == pytest.approx(1 / (1 / 0.01**2 + N_OBS * dt / sigma**2))


def test_drift_estimate_is_unbiased_for_its_shrinkage_target() -> None:
    """One slice of 10 steps per seed, 2000 seeds: E[μ̂] is the shrinkage target (here half the
    true drift), not μ."""
    mu, sigma, dt, steps, mu0, s0 = 0.02, 0.01, 0.1, 10, 0.0, 0.01
    prior = bayes.DriftKnownSigma(mu0, s0, sigma)
    estimates = np.array([
        prior.update(np.random.default_rng(seed).normal(mu * dt, sigma * np.sqrt(dt),
                                                        steps).sum(), steps * dt).mean()
        for seed in range(2000)])
    t = steps * dt
    target = (mu0 / s0**2 + mu * t / sigma**2) / (1 / s0**2 + t / sigma**2)
    spread = np.sqrt(t) / sigma / (1 / s0**2 + t / sigma**2)  # s.d. of μ̂ over seeds
    standard_error = spread / np.sqrt(estimates.size)
    assert estimates.std() == pytest.approx(spread, rel=0.1)
    assert abs(estimates.mean() - target) < 4 * standard_error
    assert abs(estimates.mean() - mu) > 20 * standard_error


def test_nig_recovers_drift_and_variance() -> None:
    rng = np.random.default_rng(22)
    mu, sigma = 0.02, 0.01
    dt = rng.uniform(0.05, 0.15, N_OBS)
    dS = mu * dt + sigma * np.sqrt(dt) * rng.standard_normal(N_OBS)
    prior = bayes.NormalInverseGamma(0.0, 1.0, 3.0, 2e-4)
    posterior = prior.update(dS, dt)
    assert abs(posterior.mean_mu() - mu) < 3 * np.sqrt(posterior.var_mu())
    assert abs(posterior.mean_sigma2() - sigma**2) < 3 * np.sqrt(posterior.var_sigma2())
    sequential = prior
    for part in np.array_split(np.arange(N_OBS), 7):
        sequential = sequential.update(dS[part], dt[part])
    for name in ("mu0", "nu0", "a0", "b0"):
        assert getattr(sequential, name) == pytest.approx(getattr(posterior, name), rel=1e-9)


def test_nig_matches_a_grid_posterior() -> None:
    """Twelve increments; prior × likelihood on a (μ, log σ²) grid."""
    rng = np.random.default_rng(3)
    dt = rng.uniform(0.5, 1.5, 12)
    dS = 0.5 * dt + 1.0 * np.sqrt(dt) * rng.standard_normal(12)
    prior = bayes.NormalInverseGamma(0.0, 2.0, 3.0, 2.0)
    posterior = prior.update(dS, dt)
    mus = np.linspace(-4.0, 4.0, 1601)
    log_s2 = np.linspace(np.log(0.02), np.log(50.0), 1601)
    M, L = np.meshgrid(mus, log_s2, indexing="ij")
    sigma2 = np.exp(L)
    log_prior = (-(prior.a0 + 1.5) * L
                 - (2 * prior.b0 + prior.nu0 * (M - prior.mu0) ** 2) / (2 * sigma2))
    log_lik = sum(-0.5 * L - (x - M * d) ** 2 / (2 * sigma2 * d)
                  for x, d in zip(dS, dt, strict=True))
    log_post = log_prior + log_lik + L  # + L: the Jacobian of σ² = e^L
    weights = np.exp(log_post - log_post.max())
    weights /= weights.sum()
    grid_mu = np.sum(M * weights)
    assert grid_mu == pytest.approx(posterior.mean_mu(), rel=1e-3)
    assert np.sum((M - grid_mu) ** 2 * weights) == pytest.approx(posterior.var_mu(), rel=1e-3)
    assert np.sum(sigma2 * weights) == pytest.approx(posterior.mean_sigma2(), rel=1e-3)


# --- Appendix B (book eq. (lp-otc-updates)) -----------------------------------------------------

def test_inverse_gamma_scale_recovers_the_size_scale() -> None:
    rng = np.random.default_rng(36)
    sizes = rng.gamma(2.0, 50.0, N_OBS)
    prior = bayes.InverseGammaScale(3.0, 200.0, 2.0)
    posterior = prior.update(sizes)
    assert abs(posterior.mean() - 50.0) < 3 * np.sqrt(posterior.var())
    assert posterior.mean() == pytest.approx((200.0 + sizes.sum()) / (3.0 + 2.0 * N_OBS - 1))


def test_normal_inverse_wishart_recovers_drift_and_covariance() -> None:
    rng = np.random.default_rng(37)
    mu = np.array([0.1, -0.2, 0.05])
    root = np.array([[1.0, 0.0, 0.0], [0.5, 0.8, 0.0], [-0.3, 0.2, 0.6]])
    sigma = root @ root.T
    x = rng.multivariate_normal(mu, sigma, N_OBS)
    prior = bayes.NormalInverseWishart(np.zeros(3), 1.0, 6.0, np.eye(3))
    posterior = prior.update(x)
    _assert_within(_z_scores(posterior.mean_mu(), mu, posterior.var_mu()))
    upper = np.triu_indices(3)
    _assert_within(_z_scores(posterior.mean_sigma()[upper], sigma[upper],
                             posterior.var_sigma()[upper]))
    halves = prior.update(x[:N_OBS // 3]).update(x[N_OBS // 3:])
    np.testing.assert_allclose(halves.mean_mu(), posterior.mean_mu(), rtol=1e-10)
    np.testing.assert_allclose(halves.mean_sigma(), posterior.mean_sigma(), rtol=1e-10)


def test_one_dimensional_niw_is_the_nig_with_unit_steps() -> None:
    """NIW(μ0, κ0, ν0, Ψ0) in d = 1 is NIG(μ0, κ0, ν0/2, Ψ0/2) for unit-time increments."""
    x = np.random.default_rng(1).normal(0.3, 2.0, 50)
    niw = bayes.NormalInverseWishart(np.array([0.1]), 2.0, 5.0, np.array([[3.0]])).update(
        x[:, None])
    nig = bayes.NormalInverseGamma(0.1, 2.0, 2.5, 1.5).update(x, np.ones_like(x))
    assert niw.mean_mu()[0] == pytest.approx(nig.mean_mu(), rel=1e-12)
    assert niw.mean_sigma()[0, 0] == pytest.approx(nig.mean_sigma2(), rel=1e-12)
    assert niw.var_mu()[0] == pytest.approx(nig.var_mu(), rel=1e-12)


# --- Immutability and validation ---------------------------------------------------------------

def test_updates_return_new_objects_and_leave_the_prior_alone() -> None:
    prior = bayes.GammaRate(np.ones(3), np.ones(3))
    history = [prior]
    for _ in range(3):
        history.append(history[-1].update(np.ones(3), 1.0))
    np.testing.assert_allclose([h.alpha[0] for h in history], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="read-only"):
        prior.alpha[0] = 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        prior.alpha = np.zeros(3)
    counts = np.ones((3, 3))
    chain = bayes.DiscreteChainPosterior(np.eye(3), 1.0).update(counts)
    counts[0, 0] = 100.0  # the posterior keeps its own copy
    assert chain.counts[0, 0] == 1.0
    drift = bayes.DriftKnownSigma(0.0, 1.0, 1.0)
    assert drift.update(1.0, 1.0) is not drift and drift.elapsed == 0.0


@pytest.mark.parametrize(("build", "message"), [
    (lambda: bayes.GammaRate([1.0, 0.0], [1.0, 1.0]), "^alpha must be > 0"),
    (lambda: bayes.GammaRate([1.0], [-1.0]), "^beta must be > 0"),
    (lambda: bayes.GammaRate([1.0], [1.0, 2.0]), "one shape"),
    (lambda: bayes.GammaRate.from_mean(0.0, 1.0), "^mean must be > 0"),
    (lambda: bayes.GammaRate([1.0], [1.0]).update([-1.0], 1.0), "^counts must be >= 0"),
    (lambda: bayes.GammaRate([1.0], [1.0]).update([1.0], np.nan), "^exposure must be finite"),
    (lambda: bayes.DirichletCategorical([1.0, -2.0]), "^alpha must be > 0"),
    (lambda: bayes.DirichletCategorical([1.0]), "at least 2 categories"),
    (lambda: bayes.DirichletCategorical([1.0, 2.0]).marginal(2), "^k must be < 2"),
    (lambda: bayes.DiscreteChainPosterior([[0.5, 0.4], [0.5, 0.5]], 1.0),
     "^prior_P must be row-stochastic"),
    (lambda: bayes.DiscreteChainPosterior(np.eye(2), 0.0), "^pseudo must be > 0"),
    (lambda: bayes.DiscreteChainPosterior(np.eye(2), 1.0).update(np.ones((3, 3))),
     "^transitions must have shape"),
    (lambda: bayes.CTMCPosterior([[-1.0, 2.0], [1.0, -1.0]], 1.0, 1.0),
     "^prior_generator is not a Markov generator"),
    (lambda: bayes.CTMCPosterior([[0.0, 0.0], [1.0, -1.0]], 1.0, 1.0),
     "^prior_generator must have a holding rate"),
    (lambda: bayes.CTMCPosterior(SPREAD_Q, -1.0, 1.0), "^jump_pseudo must be > 0"),
    (lambda: bayes.CTMCPosterior(SPREAD_Q, 1.0, 0.0), "^rate_exposure must be > 0"),
    (lambda: bayes.CTMCPosterior(SPREAD_Q, 1.0, 1.0).update(np.eye(2), [1.0, 1.0]),
     "^jump_counts must have a zero diagonal"),
    (lambda: bayes.DriftKnownSigma(0.0, 0.0, 1.0), "^s0 must be > 0"),
    (lambda: bayes.DriftKnownSigma(0.0, 1.0, -1.0), "^sigma must be > 0"),
    (lambda: bayes.DriftKnownSigma(0.0, 1.0, 1.0).update(1.0, -1.0), "^t must be >= 0"),
    (lambda: bayes.NormalInverseGamma(0.0, 0.0, 1.0, 1.0), "^nu0 must be > 0"),
    (lambda: bayes.NormalInverseGamma(0.0, 1.0, -1.0, 1.0), "^a0 must be > 0"),
    (lambda: bayes.NormalInverseGamma(0.0, 1.0, 1.0, 0.0), "^b0 must be > 0"),
    (lambda: bayes.NormalInverseGamma(0.0, 1.0, 1.0, 1.0).update([1.0], [0.0]),
     "^dt must be > 0"),
    (lambda: bayes.NormalInverseGamma(0.0, 1.0, 1.0, 1.0).mean_sigma2(), "needs a > 1"),
    (lambda: bayes.InverseGammaScale(1.0, 1.0, 0.0), "^shape_k must be > 0"),
    (lambda: bayes.InverseGammaScale(1.0, 1.0, 1.0).update([1.0, -1.0]), "^sizes must be > 0"),
    (lambda: bayes.NormalInverseWishart(np.zeros(2), 0.0, 3.0, np.eye(2)),
     "^kappa0 must be > 0"),
    (lambda: bayes.NormalInverseWishart(np.zeros(2), 1.0, 1.0, np.eye(2)), "^nu0 must be > d - 1"),
    (lambda: bayes.NormalInverseWishart(np.zeros(2), 1.0, 3.0, -np.eye(2)),
     "^Psi0 must be positive definite"),
    (lambda: bayes.NormalInverseWishart(np.zeros(2), 1.0, 3.0, np.eye(2)).update(np.ones(2)),
     r"^x must have shape \(n, 2\)"),
])
def test_invalid_parameters_are_rejected_by_name(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_drift_prior_weight_splits_the_posterior_mean() -> None:
    """μ̂ = w μ0 + (1 - w) (S_t - S_0)/t with w the weight kept on the prior."""
    posterior = bayes.DriftKnownSigma(0.002, 0.005, 0.01).update(0.3, 12.0)
    w = posterior.prior_weight()
    assert w == pytest.approx(4.0 / (4.0 + 12.0), rel=1e-14)
    assert posterior.mean() == pytest.approx(w * 0.002 + (1 - w) * 0.3 / 12.0, rel=1e-14)
