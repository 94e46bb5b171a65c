"""Market simulator (the chapter's Monte Carlo check) and the adaptive slice algorithm (paper
Section 3.2; the chapter's Bayesian experiment)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lib.liquidity_pools import adaptive, curve, fd, simulate
from lib.liquidity_pools.params import default_params

STARTS = ((600.0, 7), (700.0, 14), (1000.0, 35))
N_PATHS = 200_000
MC_GRID = fd.FDGrid(20.0, 40.0)  # Δℓ = 2Δq: half fills stay on the grid


def _impact_model():
    """μ != 0 and temporary / permanent impact in both venues (book eqs. (lp-dynamics),
    (lp-impact))."""
    return (default_params().replace(mu=0.01)
            .with_venue(0, temporary_impact=0.5, permanent_impact=2e-5)
            .with_venue(1, temporary_impact=0.3, permanent_impact=4e-5))


def _market_order_model():
    """Market orders on (lp-market-order-operator) with a one-tick fee: they are used at most high-q
    nodes."""
    return default_params().replace(market_orders=True, market_order_fee=0.01)


MODELS = {"default": default_params, "impact": _impact_model,
          "market_orders": _market_order_model}


@pytest.fixture(scope="module")
def mc_results():
    """θ_0 and the Monte-Carlo estimate (mean, se) at every start, per model (slice 8)."""
    out = {}
    for name, make in MODELS.items():
        p = make()
        sol = fd.solve_slice(p, MC_GRID, curve.slice_targets(p, 8))
        rng = np.random.default_rng(2024)
        out[name] = [(sol.theta[0, round(q / MC_GRID.dq), m],
                      *simulate.mc_slice_value(p, sol, q, m, N_PATHS, rng)) for q, m in STARTS]
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_mc_reproduces_theta(mc_results, name):
    """Monte Carlo check: E[R] = θ_0(q, m) under the FD policy, within 4 standard errors."""
    for (theta, mean, se), (q, m) in zip(mc_results[name], STARTS, strict=True):
        assert se < 0.2 and se < 0.01 * abs(theta), (q, m, theta, se)
        assert abs(mean - theta) < 4 * se, (q, m, theta, mean, se)


def test_gain_terms_matter(mc_results):
    """The impact, drift and market-order terms move θ by many standard errors."""
    for name in ("impact", "market_orders"):
        for (t0, _, se0), (t1, _, se1) in zip(mc_results["default"], mc_results[name],
                                              strict=True):
            assert abs(t1 - t0) > 10 * max(se0, se1)


def test_mc_rejects_wrong_value(mc_results):
    """A policy value off by one dollar fails the same 4-SE criterion at every start."""
    for name in MODELS:
        for theta, mean, se in mc_results[name]:
            assert abs(mean - (theta + 1.0)) > 4 * se


@pytest.fixture(scope="module")
def slice_solution():
    p = default_params()
    return p, fd.solve_slice(p, MC_GRID, curve.slice_targets(p, 8))


def test_paths_require_grid(slice_solution):
    p, sol = slice_solution
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="q0 must be an inventory node"):
        simulate.simulate_slice_paths(p, sol, 510.0, 0, 10, rng)
    coarse = fd.solve_slice(p, fd.FDGrid(20.0, 20.0), curve.slice_targets(p, 8))
    with pytest.raises(ValueError, match="leave the inventory grid"):
        simulate.simulate_slice_paths(p, coarse, 500.0, 0, 10, rng)
    with pytest.raises(ValueError, match="m must be"):
        simulate.simulate_slice_paths(p, sol, 500.0, 36, 10, rng)
    with pytest.raises(ValueError, match="sol does not match"):
        simulate.simulate_slice_paths(p.replace(Nt=20), sol, 500.0, 0, 10, rng)
    with pytest.raises(ValueError, match="intensities"):
        simulate.simulate_slice_paths(p, sol, 500.0, 0, 10, rng,
                                      intensities=np.full((2, 36, 3), 6.0))


def test_simulate_slice_off_grid(slice_solution):
    """One path from an off-grid inventory: orders clipped at q, the log is consistent."""
    p, sol = slice_solution
    q, m, S, log = simulate.simulate_slice(p, sol, 990.0, 3, 100.0, np.random.default_rng(7))
    Nt, N = p.Nt, p.n_venues
    assert log.t.shape == (Nt,) and log.volume.shape == (Nt, N) and log.regimes.shape == (Nt, 4)
    assert np.all(log.volume <= log.inventory[:, None])
    inventory = np.append(log.inventory, q)
    assert np.all(np.diff(inventory) <= 0)
    np.testing.assert_allclose(-np.diff(inventory), log.executed)
    filled = log.venue >= 0
    assert filled.any()
    frac = np.asarray(p.fractions)[log.fraction[filled]]
    np.testing.assert_allclose(log.executed[filled],
                               frac * log.volume[filled, log.venue[filled]])
    # π^i = ρ^i_m × exposure^i (the parametrisation of lp-gamma-update) and the states chain
    rho = adaptive.zone_multipliers(p)
    np.testing.assert_allclose(log.prob, rho[:, log.state].T * log.exposure, rtol=1e-12)
    np.testing.assert_array_equal(log.state[1:], log.next_state[:-1])
    assert m == log.next_state[-1] and np.isfinite(S)
    assert np.all((log.limit == fd.NO_LIMIT) == (log.volume == 0))


def test_simulate_slice_deterministic(slice_solution):
    p, sol = slice_solution
    a = simulate.simulate_slice(p, sol, 990.0, 3, 100.0, np.random.default_rng(11))
    b = simulate.simulate_slice(p, sol, 990.0, 3, 100.0, np.random.default_rng(11))
    assert a[:3] == b[:3]
    for field in dataclasses.fields(simulate.SliceLog):
        np.testing.assert_array_equal(getattr(a[3], field.name), getattr(b[3], field.name))


ADAPTIVE_GRID = fd.FDGrid(50.0, 50.0)


@pytest.fixture(scope="module")
def history():
    truth, rho, prior = adaptive.default_truth_and_prior()
    return adaptive.run_adaptive(truth, rho, prior, n_slices=5, grid=ADAPTIVE_GRID, seed=1)


def test_run_adaptive_shapes_and_inventory(history):
    truth, rho, prior = adaptive.default_truth_and_prior()
    h, S, N, M = history, 5, truth.n_venues, 36
    assert h.n_slices == S and not h.stopped_early
    assert h.t.shape == h.q.shape == h.target.shape == h.curve.shape == (S * truth.Nt + 1,)
    np.testing.assert_allclose(h.t, truth.dt * np.arange(S * truth.Nt + 1))
    assert h.q[0] == h.target[0] == h.curve[0] == truth.q0
    assert np.all(np.diff(h.q) <= 0)
    assert h.fraction_probs.shape == (S + 1, N, 2) and h.p_full.shape == (S + 1, N)
    assert h.spread_P.shape == (S + 1, N, 2, 2) and h.imbalance_P.shape == (S + 1, N, 3, 3)
    assert h.mu_hat.shape == h.mu_sd.shape == (S + 1,)
    assert h.rho_hat.shape == h.exposure.shape == h.fills.shape == (S + 1, N, M)
    assert h.plugin_bound.shape == (S,) and np.all(h.plugin_bound <= 1.0 + 1e-12)
    np.testing.assert_allclose(h.rho_hat[0], rho_prior := prior.rho.mean())
    np.testing.assert_allclose(h.rho_hat[-1], (prior.rho.alpha + h.fills[-1])
                               / (prior.rho.beta + h.exposure[-1]))
    assert not np.allclose(h.rho_hat[-1], rho_prior)
    np.testing.assert_allclose(h.true_rho, rho)
    np.testing.assert_allclose(h.true_p_full, [0.8, 0.5])
    assert h.mu_hat[0] == 0.0 and np.all(np.diff(h.mu_sd) < 0)


def test_run_adaptive_fraction_posterior(history):
    """lp-dirichlet-update: venue 1's P(full fill) moves from the prior 0.2 toward the true 0.8."""
    venue, fraction = (np.concatenate([getattr(log, f) for log in history.logs])
                       for f in ("venue", "fraction"))
    full = np.sum((venue == 0) & (fraction == 0))
    n = np.sum(venue == 0)
    assert full > 0
    np.testing.assert_allclose(history.p_full[-1, 0], (0.2 + full) / (1.0 + n))
    assert abs(history.p_full[-1, 0] - 0.8) < abs(history.p_full[0, 0] - 0.8)


def test_run_adaptive_deterministic(history):
    truth, rho, prior = adaptive.default_truth_and_prior()
    again = adaptive.run_adaptive(truth, rho, prior, n_slices=5, grid=ADAPTIVE_GRID, seed=1)
    other = adaptive.run_adaptive(truth, rho, prior, n_slices=5, grid=ADAPTIVE_GRID, seed=2)
    for name in ("q", "fraction_probs", "spread_P", "mu_hat", "rho_hat", "exposure"):
        np.testing.assert_array_equal(getattr(again, name), getattr(history, name))
    assert not np.array_equal(other.mu_hat, history.mu_hat)


def test_plug_in_clips_intensities():
    """An extreme posterior ρ̂ is clipped so the plug-in model obeys the bound."""
    *_, prior = adaptive.default_truth_and_prior()
    greedy = dataclasses.replace(prior, rho=prior.rho.update(1000.0, 0.0))
    p, P, lam = greedy.plug_in()
    assert p.dt * lam.max(axis=2).sum(axis=0).max() == pytest.approx(1.0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert p.mu == prior.drift.mean() and p.venues[0].fraction_probs == (0.2, 0.8)


def test_run_adaptive_rejects_bad_inputs(monkeypatch):
    truth, rho, prior = adaptive.default_truth_and_prior()

    def never(*args, **kwargs):
        raise AssertionError("solver called before the inputs were validated")

    monkeypatch.setitem(adaptive.SOLVERS, "fd", never)
    good = dict(n_slices=2, grid=ADAPTIVE_GRID, seed=0)
    cases = [
        (dict(n_slices=0), "n_slices"), (dict(n_slices=21), "n_slices"),
        (dict(n_slices=2.0), "n_slices"), (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"),
        (dict(grid="coarse"), "grid"), (dict(grid=fd.FDGrid(30.0, 30.0)), "dq"),
        (dict(solver="nn-fast"), "solver"),
    ]
    for change, name in cases:
        with pytest.raises(ValueError, match=name):
            adaptive.run_adaptive(truth, rho, prior, **{**good, **change})
    with pytest.raises(ValueError, match="rho_true"):
        adaptive.run_adaptive(truth, rho[:, :10], prior, **good)
    with pytest.raises(ValueError, match="rho_true"):
        adaptive.run_adaptive(truth, 10 * rho, prior, **good)
    with pytest.raises(ValueError, match="phi"):
        adaptive.run_adaptive(truth.replace(phi=2e-3), rho, prior, **good)
    with pytest.raises(ValueError, match="limit_profile"):
        adaptive.run_adaptive(truth.with_venue(1, limit_profile=(1.4, 1.0, 0.5)), rho, prior,
                              **good)
    with pytest.raises(ValueError, match="drift"):
        dataclasses.replace(prior, drift=dataclasses.replace(prior.drift, sigma=0.02))
