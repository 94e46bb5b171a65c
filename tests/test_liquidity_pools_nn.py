"""Neural-network (actor–critic) solver of the liquidity-pools chapter: lib.liquidity_pools.nn.

The networks at the default configuration are trained by the chapter's networks page, which
asserts what their strategies earn against the finite differences (lib.liquidity_pools.earnings)
in its golden and in its re-run with other parameters (tests/test_reproduce.py); the shape of
their value is checked here on the files of the golden's run. Every other test trains for a
few iterations.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
import torch

from lib import figures
from lib.liquidity_pools import adaptive, curve, fd, nn, simulate
from lib.liquidity_pools.markov import enumerate_states
from lib.liquidity_pools.params import LIMITS, default_params

GRID = fd.FDGrid(20.0, 20.0)
SLICE = 8
TINY = nn.NNConfig(batch=64, iters=5, first_iters=10, seed=3)


def _targets(p):
    return curve.slice_targets(p, SLICE)


def _tiny(p) -> nn.NNSolution:
    """The networks of the model ``p`` trained for a few iterations (``TINY``)."""
    return nn.train_slice(p, _targets(p), TINY)


@functools.cache
def _fd(case: str) -> fd.FDSolution:
    p = default_params(case)
    return fd.solve_slice(p, GRID, _targets(p))


def _weights(sol: nn.NNSolution) -> list[torch.Tensor]:
    return [t for net in sol.value + sol.policy for t in net.state_dict().values()]


# -- the networks' accuracy check: the networks against the finite-difference solution ----------

def test_compare_measures_the_differences() -> None:
    """The secondary measures: zero against itself; a shifted θ and swapped limits are seen."""
    F = _fd("identical")
    assert nn.compare(F, F) == (0.0, 0.0, 1.0)
    scale = F.theta[0].max() - F.theta[0].min()
    shifted = dataclasses.replace(F, theta=F.theta + 0.1 * scale,
                                  limit=np.where(F.limit == 0, 1, F.limit))
    mean, worst, agree = nn.compare(F, shifted)
    assert mean == pytest.approx(0.1) and worst == pytest.approx(0.1)
    both = F.volume >= 1.0
    assert agree == pytest.approx(np.mean(F.limit[both] != 0))


# The value figures of the chapter: finite differences, then networks, at the same states.
VALUE_FIGURES = {"identical": [("06", "08"), ("07", "09")],
                 "different": [("26", "28"), ("27", "29")]}


@pytest.mark.parametrize("case", VALUE_FIGURES)
def test_network_value_peaks_where_fd_is_near_its_maximum(case: str, executed) -> None:
    """The networks' θ_0 has the finite-difference shape, in the chapter's pages at their
    defaults (finite differences on the first page, networks on the networks page):
    at each plotted market state the inventory where the networks' θ_0 peaks is one where the
    finite-difference θ_0 is within 2 % of its range from its maximum (the peak is flat, so
    the argmax itself may move by a few nodes). The finite differences are drawn on a finer
    grid, which holds every node of the networks' grid; they are compared at those nodes."""
    for fd_figure, nn_figure in VALUE_FIGURES[case]:
        F, G = (figures.series_named(executed[page] / f"liquidity_pools-fig{n}.csv", "$t_{0}$")
                for page, n in (("liquidity_pools", fd_figure),
                                ("liquidity_pools_networks", nn_figure)))
        common = np.isin(F.x, G.x)
        np.testing.assert_array_equal(F.x[common], G.x)
        fd_theta, nn_theta = F.y[common], G.y
        shortfall = fd_theta.max() - fd_theta[np.argmax(nn_theta)]
        assert shortfall <= 0.02 * np.ptp(fd_theta), (fd_figure, shortfall / np.ptp(fd_theta))


# -- the objective (lp-strategy-objective, lp-value-target) is the scheme (lp-scheme) ------------

def test_last_step_reward_is_the_fd_scheme() -> None:
    """At k = Nt-1 (θ_Nt = 0) the NN reward of the FD controls, Δt μ q + W̃(q) + f Σ_i reward of
    the FD limit, equals the FD θ_{Nt-1} at every node with q > 0. Δℓ = 2Δq keeps the half
    fills on the grid, where the FD interpolation of W̃ is exact."""
    p = default_params("different").replace(mu=0.01)
    target = _targets(p)
    F = fd.solve_slice(p, fd.FDGrid(20.0, 40.0), target)
    mod = nn._model(p, target, None, None, nn.NNConfig())
    k = p.Nt - 1
    M = F.theta.shape[2]
    qq, mm = np.meshgrid(F.q[1:], np.arange(M), indexing="ij")
    q = torch.as_tensor(qq.ravel(), dtype=torch.float32)
    m = torch.as_tensor(mm.ravel())
    vol = F.volume[k][:, 1:, :].reshape(p.n_venues, -1).T
    share = torch.as_tensor(vol / qq.ravel()[:, None], dtype=torch.float32)
    f, reward, W = nn._limit_rewards(mod, None, k, q, m, m, share)
    lim = F.limit[k][:, 1:, :].reshape(p.n_venues, -1).T
    index = torch.as_tensor(np.where(lim == fd.NO_LIMIT, 1, lim - LIMITS[0]))
    chosen = reward.gather(2, index[:, :, None])[:, :, 0].sum(dim=1)
    theta = (mod.drift_dt[m] * q + W + f * chosen).double().numpy()
    np.testing.assert_allclose(theta, F.theta[k][1:].ravel(), rtol=2e-5,
                               atol=2e-5 * np.abs(F.theta[k]).max())


# -- determinism, shapes, constraints ------------------------------------------------------------

def test_training_is_deterministic() -> None:
    """The same seed gives the same weights bit for bit; another seed gives other weights."""
    p = default_params("identical")
    first = nn.train_slice(p, _targets(p), TINY)
    second = nn.train_slice(p, _targets(p), TINY)
    for a, b in zip(_weights(first), _weights(second), strict=True):
        assert torch.equal(a, b)
    other = nn.train_slice(p, _targets(p), nn.NNConfig(batch=64, iters=5, first_iters=10,
                                                       seed=4))
    assert any(not torch.equal(a, b) for a, b in zip(_weights(first), _weights(other),
                                                      strict=True))


def test_training_restores_the_thread_count() -> None:
    """Training runs on one thread and gives back the caller's count (2 here, so that a
    count left at 1 is seen)."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        _tiny(default_params("identical"))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_encoding_is_one_hot() -> None:
    p = default_params("identical")
    states = enumerate_states(p)
    inventory, market = nn.encode(p, np.full(len(states), 250.0), np.arange(len(states)),
                                  200.0, 25.0)
    assert inventory.shape == (36, 2)
    torch.testing.assert_close(inventory, torch.tensor([[0.25, 2.0]] * 36))
    assert market.shape == (36, 10)
    assert set(market.unique().tolist()) == {0.0, 1.0}
    blocks = np.split(market.numpy(), np.cumsum([2, 3, 2]), axis=1)
    for block, column in zip(blocks, states.T, strict=True):
        np.testing.assert_array_equal(block.sum(axis=1), 1.0)
        np.testing.assert_array_equal(block.argmax(axis=1), column)
    assert len({tuple(row) for row in market.numpy()}) == 36


def test_network_shapes() -> None:
    value, policy = nn.ValueNet(10), nn.PolicyNet(10, 2)
    inventory, market = torch.rand(7, 2), torch.eye(10)[torch.randint(10, (7,))]
    assert value(inventory, market).shape == (7,)
    share, pi = policy(inventory, market)
    assert share.shape == (7, 2) and pi.shape == (7, 2, 3)
    assert torch.all((share > 0) & (share < 1))
    torch.testing.assert_close(pi.sum(dim=2), torch.ones(7, 2))


def test_value_at_zero_is_the_closed_form() -> None:
    """(lp-nn-value): whatever the weights, θ_k(0, m) is the no-order value θ^none_k(0), and
    θ^none is the closed form of the finite-difference module (lp-no-order-value); without the
    baseline it is not."""
    p = default_params("different")
    trained = _tiny(p)
    exact = fd.no_order_value(p, np.array([0.0, 300.0]), _targets(p))
    for k in range(p.Nt):
        np.testing.assert_allclose(trained.theta(k, np.zeros(36), np.arange(36)), exact[k, 0],
                                   rtol=1e-6)
        mod = nn._model(p, _targets(p), None, None, TINY)
        np.testing.assert_allclose(float(nn._no_order(p, _targets(p), k, torch.tensor(300.0))),
                                   exact[k, 1], rtol=1e-6)
    plain = nn.train_slice(p, _targets(p), dataclasses.replace(TINY, baseline=False))
    assert not np.allclose(plain.theta(0, np.zeros(36), np.arange(36)), exact[0, 0], rtol=1e-2)
    assert mod.c_V == pytest.approx(p.phi * TINY.inventory_scale ** 2 * p.Ts)


def test_network_policy_is_read_at_the_inventory() -> None:
    """The networks as a policy of the simulator: volumes within [0, q], none below
    ``min_volume``, no market orders; the simulator runs it from any inventory."""
    p = default_params("different")
    trained = nn.train_slice(p, _targets(p), dataclasses.replace(TINY, min_volume=5.0))
    q = np.array([0.0, 3.0, 417.3, 1000.0])
    volume, limit = trained.limit_orders(0, q, np.array([0, 5, 17, 35]))
    assert volume.shape == limit.shape == (2, 4)
    assert np.all((volume == 0) | ((volume >= 5.0) & (volume <= q)))
    assert set(np.unique(limit).tolist()) <= set(LIMITS)
    assert np.all(trained.market_orders(0, q, np.zeros(4, dtype=int)) == 0)
    R = simulate.objective_paths(p, trained, [417.3, 990.0], [3, 7], 50, 1)
    assert R.shape == (2, 50) and np.all(np.isfinite(R))


def test_grid_policy_respects_the_constraints() -> None:
    """Volumes 0 or within [min_volume, q]; limits in {-1, 0, 1} where an order is posted and
    NO_LIMIT where none is (the FD convention the simulator reads); θ_Nt = 0."""
    p = default_params("different")
    G = nn.on_grid(nn.train_slice(p, _targets(p), dataclasses.replace(TINY, min_volume=5.0)),
                   GRID)
    q = G.q[None, None, :, None]
    posted = G.volume > 0
    assert np.all(G.volume >= 0) and np.all(G.volume <= q + 1e-9)
    assert np.all(G.volume[posted] >= 5.0)
    assert set(np.unique(G.limit[posted]).tolist()) <= set(LIMITS)
    assert np.all(G.limit[~posted] == fd.NO_LIMIT)
    assert np.all(G.theta[-1] == 0) and np.all(np.isfinite(G.theta))
    assert np.all(G.volume[:, :, 0, :] == 0)


def test_layers_read_the_architecture() -> None:
    policy = dict(nn.layers(nn.PolicyNet(10, 2)))
    assert policy["body.market"] == "Linear 10 → 16 + ELU"
    assert policy["body.inventory"] == "Linear 2 → 16 + ELU"
    assert policy["volume"] == "Linear 32 → 2 + Sigmoid"
    assert policy["limits"] == "Linear 32 → 6 + softmax per venue"
    value = nn.layers(nn.ValueNet(10))
    assert value[-1] == ("value", "Linear 64 → 1")
    assert [branch for branch, _ in value].count("body.shared") == 2


def test_limit_weights() -> None:
    q = torch.tensor([0.0, 25.0, 500.0, 1000.0])
    torch.testing.assert_close(nn.limit_weights(q, 1000.0, 0.05),
                               torch.tensor([20.0, 20.0, 2.0, 1.0]))
    torch.testing.assert_close(nn.limit_weights(q, 1000.0, 1.0), torch.ones(4))


def test_raw_and_onehot_fits() -> None:
    """Both encodings fit a value function; the one-hot fit is the better one (Figs 2–3)."""
    F = _fd("identical")
    p = default_params("identical")
    errors = {}
    for encoding in ("raw", "onehot"):
        fit = nn.fit_values(p, F.q, F.theta[p.Nt - 2], encoding=encoding, epochs=400)
        assert fit.shape == F.theta[0].shape
        errors[encoding] = np.mean((fit - F.theta[p.Nt - 2]) ** 2)
    assert errors["onehot"] < errors["raw"]


# -- the adaptive run with the networks ------------------------------------------------------------

def test_adaptive_run_with_the_networks() -> None:
    truth, rho, prior = adaptive.default_truth_and_prior()
    history = adaptive.run_adaptive(truth, rho, prior, n_slices=2, grid=GRID, seed=1,
                                    solver="nn", solver_options={"config": TINY})
    assert history.n_slices == 2
    assert np.all(np.diff(history.q) <= 0)
    with pytest.raises(ValueError, match="solver_options"):
        adaptive.run_adaptive(truth, rho, prior, n_slices=1, grid=GRID, seed=1,
                              solver="nn", solver_options={"iters": 3})


def test_warm_start_and_scratch_solvers() -> None:
    """Without warm start every slice starts from fresh networks, so the same model gives the
    same weights twice; a warm-started solver trains on from the slice before."""
    p = default_params("identical")
    calls = dict(t_start=0.0, transition=None, intensities=None)
    warm, fresh = nn.WarmStartSolver(TINY), nn.WarmStartSolver(TINY, warm=False)
    first_warm, first_fresh = (solver(p, GRID, _targets(p), **calls) for solver in (warm, fresh))
    second_warm, second_fresh = (solver(p, GRID, _targets(p), **calls) for solver in (warm, fresh))
    for a, b, c in zip(_weights(first_warm), _weights(first_fresh), _weights(second_fresh),
                       strict=True):
        assert torch.equal(a, b) and torch.equal(b, c)
    assert any(not torch.equal(a, b) for a, b in zip(_weights(second_warm),
                                                      _weights(second_fresh), strict=True))
    with pytest.raises(ValueError, match="warm"):
        nn.WarmStartSolver(TINY, warm=1)


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, name", [
    (dict(batch=0), "batch"), (dict(iters=1.5), "iters"), (dict(first_iters=-1), "first_iters"),
    (dict(lr_body=0.0), "lr_body"), (dict(lr_limits=-1e-3), "lr_limits"),
    (dict(lr_value=float("nan")), "lr_value"), (dict(seed=-2), "seed"),
    (dict(limit_weight_floor=0.0), "limit_weight_floor"), (dict(limit_head="max"), "limit_head"),
    (dict(min_volume=-1.0), "min_volume"), (dict(baseline=1), "baseline"),
    (dict(inventory_scale=0.0), "inventory_scale"), (dict(focus=1.5), "focus"),
    (dict(focus_width=-5.0), "focus_width"), (dict(value_weight_width=0.0), "value_weight_width"),
])
def test_config_rejects_bad_values(change, name) -> None:
    with pytest.raises(ValueError, match=name):
        nn.NNConfig(**change)


def test_solver_rejects_what_it_does_not_model() -> None:
    p = default_params("identical")
    with pytest.raises(ValueError, match="impact"):
        nn.train_slice(p.with_venue(0, temporary_impact=0.5), _targets(p), TINY)
    with pytest.raises(ValueError, match="market orders"):
        nn.train_slice(p.replace(market_orders=True), _targets(p), TINY)
    with pytest.raises(ValueError, match="target"):
        nn.train_slice(p, _targets(p)[:-1], TINY)
    with pytest.raises(ValueError, match="config"):
        nn.train_slice(p, _targets(p), {"iters": 3})
    with pytest.raises(ValueError, match="encoding"):
        nn.fit_values(p, np.arange(3.0), np.zeros((3, 36)), encoding="binary")
    with pytest.raises(ValueError, match="init"):
        single = default_params("identical").replace(venues=p.venues[:1])
        nn.train_slice(p, _targets(p), TINY, init=_tiny(single))
