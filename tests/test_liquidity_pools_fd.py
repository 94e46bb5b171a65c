"""Finite-difference solver of the liquidity-pools chapter (Baldacci & Manziuk 2020):
lib.liquidity_pools.

The chapter's checks of the exact dynamic programme (book eq. (lp-scheme)) with the impulse step
(book eq. (lp-market-order-operator)): terminal condition and one step, the closed form without
limit orders, grid refinement, venue symmetry, comparative statics, the shape of the value function,
the monotonicity of the controls and the probability bound; the compiled volume search against the
reference search; the market-state chain (book eq. (lp-generator)) and the trading curve (book eq.
(lp-trading-curve)); input validation. Grids are the CI grid Δq = Δℓ = 20 or coarser, except the
grid-refinement check, which needs Δq = 10 and 5.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import scipy.linalg

from lib.liquidity_pools import curve, fd, markov
from lib.liquidity_pools.intensity import fill_intensities
from lib.liquidity_pools.params import (
    ModelParams,
    VenueParams,
    default_params,
    probability_bound,
)

GRID = fd.FDGrid(20.0, 20.0)
SLICE = 8
IDENTICAL = default_params("identical")
DIFFERENT = default_params("different")
IMPACT = IDENTICAL.with_venue(0, temporary_impact=0.5, permanent_impact=1e-4).with_venue(
    1, temporary_impact=0.5, permanent_impact=1e-4)
MARKET = IDENTICAL.replace(market_orders=True, market_order_fee=0.02)
# theta_0 at (q, m) for dq = 50, 25, 20, 10, 5 (slice 8, on schedule), as in the chapter's
# grid-refinement table
REFINEMENT_POINTS = ((600.0, 7), (800.0, 0), (1000.0, 20), (400.0, 14))
REFINEMENT_VALUES = {
    50.0: (-21.310, -121.487, -261.215, 0.013),
    25.0: (-20.938, -121.282, -260.596, 0.153),
    20.0: (-20.902, -121.263, -260.560, 0.173),
    10.0: (-20.875, -121.228, -260.464, 0.206),
    5.0: (-20.862, -121.215, -260.452, 0.213),
}


@functools.cache
def _solve(p: ModelParams, grid: fd.FDGrid = GRID, method: str = "compiled",
           penalty_timing: str = "post") -> fd.FDSolution:
    """The slice-8 solution on schedule (cached: several checks share it)."""
    return fd.solve_slice(p, grid, curve.slice_targets(p, SLICE), t_start=SLICE * p.Ts,
                          method=method, penalty_timing=penalty_timing)


def _scale(theta: np.ndarray) -> float:
    return float(np.abs(theta).max())


# -- independent model arrays (from the chapter's proposed parameters, not from lib) -----------

def _states(p: ModelParams) -> list[tuple[int, ...]]:
    """Market states (s^1, ι^1, ..., s^N, ι^N), row-major."""
    sizes = []
    for v in p.venues:
        sizes += [len(v.spread_factor), len(v.imbalance_factor)]
    return list(itertools.product(*(range(n) for n in sizes)))


def _model_arrays(p: ModelParams):
    """λ^i_{j,m} = Λ^i a_j b(s^i) c(ι^i) (N, M, 3), half spreads (N, M), drift μ(m)
    (lp-signal)."""
    states = _states(p)
    lam = np.zeros((p.n_venues, len(states), 3))
    half = np.zeros((p.n_venues, len(states)))
    drift = np.full(len(states), p.mu)
    for m, st in enumerate(states):
        for i, v in enumerate(p.venues):
            s, b = st[2 * i], st[2 * i + 1]
            for jj in range(3):
                lam[i, m, jj] = (v.intensity * v.limit_profile[jj] * v.spread_factor[s]
                                 * v.imbalance_factor[b])
            half[i, m] = p.spread_ticks[s] * p.tick / 2.0
            drift[m] += p.signal_spread * p.spread_ticks[s] * p.tick
            drift[m] += p.signal_imbalance * p.imbalance_labels[b]
    return lam, half, drift


def _continuation(p: ModelParams, sol: fd.FDSolution, k: int, timing: str) -> np.ndarray:
    """W_{k+1} = P θ_{k+1} (- Δt φ (q - q*_{t_{k+1}})² for the post-trade penalty)
    (lp-scheme)."""
    P = scipy.linalg.expm(markov.joint_generator(p) * p.dt)
    W = sol.theta[k + 1] @ P.T
    if timing == "post":
        W = W - p.dt * p.phi * (sol.q - sol.target[k + 1])[:, None] ** 2
    return W


def _value_of_controls(p: ModelParams, sol: fd.FDSolution, k: int, timing: str) -> np.ndarray:
    """Right side of (lp-scheme) evaluated at the returned volumes and limits of step k."""
    lam, half, drift = _model_arrays(p)
    W = _continuation(p, sol, k, timing)
    q = sol.q
    gain = np.zeros_like(W)
    for i, v in enumerate(p.venues):
        vol = sol.volume[k, i]
        j = np.where(vol > 0, sol.limit[k, i], 0)
        rate = p.dt * lam[i][np.arange(W.shape[1])[None, :], j + 1]
        temporary = v.temporary_impact * p.sigma / np.sqrt(v.venue_volume)
        for e, pe in zip(p.fractions, v.fraction_probs, strict=True):
            sold = e * vol
            W_after = np.column_stack([np.interp(q - sold[:, m], q, W[:, m])
                                       for m in range(W.shape[1])])
            gain += rate * pe * (sold * (half[i][None, :] + j * p.tick)
                                 - temporary * sold**1.5
                                 - v.permanent_impact * sold * (q[:, None] - sold)
                                 + W_after - W)
    theta = p.dt * drift[None, :] * q[:, None] + W + np.exp(
        -p.kvol * sol.volume[k].sum(axis=0)) * gain
    if timing == "pre":
        theta -= p.dt * p.phi * (q - sol.target[k])[:, None] ** 2
    return theta


def _brute_impulse(theta: np.ndarray, q: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Mθ(q, m) = max_{q' <= q} [θ(q', m) - c(m) (q - q')] by brute force
    (lp-market-order-operator)."""
    below = q[None, :] <= q[:, None]                       # (n, n'): q_{n'} <= q_n
    cand = theta[None, :, :] - cost[None, None, :] * (q[:, None, None] - q[None, :, None])
    return np.where(below[:, :, None], cand, -np.inf).max(axis=1)


def _market_order_cost(p: ModelParams) -> np.ndarray:
    """c(m) = min_i s^i(m)/2 + fee (lp-market-order-operator)."""
    return _model_arrays(p)[1].min(axis=0) + p.market_order_fee


# -- terminal condition and one step -----------------------------------------------------------

def _one_step_direct(p: ModelParams, q: np.ndarray, levels: np.ndarray,
                     target_next: float) -> np.ndarray:
    """θ_{Nt-1}(q, m) from (lp-scheme) with θ_{Nt} = 0, by plain loops over (ℓ¹, j¹, ℓ², j²)."""
    lam, half, _ = _model_arrays(p)
    dt = p.dt
    W = -dt * p.phi * (q - target_next) ** 2              # P θ_{Nt} = 0: penalty only
    out = np.zeros((len(q), lam.shape[1]))
    for n, qn in enumerate(q):
        for m in range(lam.shape[1]):
            venue_terms = []                                # (ℓ, Δt λ G) per venue
            for i in range(p.n_venues):
                terms = []
                for ell in levels[levels <= qn]:
                    for jj, j in enumerate((-1, 0, 1)):
                        g = 0.0
                        for e, pe in zip(p.fractions, p.venues[i].fraction_probs, strict=True):
                            after = np.interp(qn - e * ell, q, W)
                            g += pe * (e * ell * (half[i, m] + j * p.tick) + after - W[n])
                        terms.append((ell, dt * lam[i, m, jj] * g))
                venue_terms.append(terms)
            best = -np.inf
            for (l1, h1), (l2, h2) in itertools.product(venue_terms[0], venue_terms[1]):
                best = max(best, np.exp(-p.kvol * (l1 + l2)) * (h1 + h2))
            out[n, m] = dt * p.mu * qn + W[n] + best
    return out


@pytest.mark.parametrize("dq, dl", [(100.0, 100.0), (100.0, 200.0)])
def test_terminal_and_one_step_match_direct_formula(dq: float, dl: float) -> None:
    """θ_{Nt} = 0 and θ_{Nt-1} is the one-step formula (lp-scheme) with θ_{Nt} = 0."""
    p = DIFFERENT.replace(mu=0.03)
    sol = _solve(p, fd.FDGrid(dq, dl))
    assert np.all(sol.theta[p.Nt] == 0.0)
    direct = _one_step_direct(p, sol.q, dl * np.arange(round(p.q0 / dl) + 1), sol.target[p.Nt])
    assert np.abs(sol.theta[p.Nt - 1] - direct).max() <= 1e-12 * _scale(direct)


# -- no limit orders ---------------------------------------------------------------------------

@pytest.mark.parametrize("timing", ["post", "pre"])
def test_zero_intensity_closed_form(timing: str) -> None:
    """With λ = 0, θ_k(q) = Σ_{k'=k}^{Nt-1} Δt [μ q - φ (q - q*_{k'+1})²] for every m.

    With ``"pre"`` timing (lp-explicit-scheme) the penalty is charged against q*_{t_{k'}} instead.
    """
    p = IDENTICAL.replace(venues=(VenueParams(intensity=0.0),) * 2, mu=0.05)
    sol = _solve(p, penalty_timing=timing)
    shift = 1 if timing == "post" else 0
    q = sol.q
    for k in range(p.Nt + 1):
        expected = np.zeros_like(q)
        for kk in range(k, p.Nt):
            expected += p.dt * (p.mu * q - p.phi * (q - sol.target[kk + shift]) ** 2)
        np.testing.assert_allclose(sol.theta[k], np.repeat(expected[:, None], 36, axis=1),
                                   rtol=1e-10,
                                   atol=1e-10 * _scale(sol.theta))
        closed = fd.no_order_value(p, q, sol.target, penalty_timing=timing)[k]
        np.testing.assert_allclose(closed, expected, rtol=1e-12, atol=1e-12 * _scale(sol.theta))


def test_no_order_value_needs_a_constant_drift() -> None:
    with pytest.raises(ValueError, match="signal_spread and signal_imbalance must be 0"):
        fd.no_order_value(IDENTICAL.replace(signal_imbalance=0.02), np.zeros(3),
                          curve.slice_targets(IDENTICAL, SLICE))
    with pytest.raises(ValueError, match="penalty_timing"):
        fd.no_order_value(IDENTICAL, np.zeros(3), curve.slice_targets(IDENTICAL, SLICE),
                          penalty_timing="mid")


@pytest.mark.parametrize("method", ["reference", "compiled"])
def test_zero_intensity_posts_nothing(method: str) -> None:
    """With λ = 0 every volume pair is worth 0: ties go to the smallest
    volume."""
    p = IDENTICAL.replace(venues=(VenueParams(intensity=0.0),) * 2)
    sol = _solve(p, method=method)
    assert np.all(sol.volume == 0.0)
    assert np.all(sol.limit == fd.NO_LIMIT)


# -- compiled search vs reference search -------------------------------------------------------

def _plug_ins() -> tuple[np.ndarray, np.ndarray]:
    """A random stochastic matrix and random intensities within the probability bound."""
    rng = np.random.default_rng(3)
    P = rng.random((36, 36)) ** 4
    P /= P.sum(axis=1, keepdims=True)
    lam = fill_intensities(IDENTICAL) * rng.uniform(0.3, 1.0, size=(2, 36, 3))
    return P, lam


SOLVER_CASES = {
    "identical": (IDENTICAL, GRID, "post"),
    "different": (DIFFERENT, GRID, "post"),
    "dl=2dq": (IDENTICAL, fd.FDGrid(10.0, 20.0), "post"),
    "pre-penalty": (IDENTICAL, GRID, "pre"),
    "impact": (IMPACT, GRID, "post"),
    "signal": (IDENTICAL.replace(signal_imbalance=0.002), GRID, "post"),
    "one-venue": (ModelParams(venues=(VenueParams(),)), GRID, "post"),
    "market-orders": (MARKET, GRID, "post"),
}


@pytest.mark.parametrize("case", list(SOLVER_CASES))
def test_compiled_matches_reference(case: str) -> None:
    """The compiled envelope search returns the value function of the plain search
    (lp-scheme)."""
    p, grid, timing = SOLVER_CASES[case]
    fast = _solve(p, grid, "compiled", timing)
    ref = _solve(p, grid, "reference", timing)
    assert np.abs(fast.theta - ref.theta).max() <= 1e-10 * _scale(ref.theta)
    np.testing.assert_array_equal(fast.market_order, ref.market_order)


def test_compiled_matches_reference_with_plug_ins() -> None:
    """Same with a posterior-style transition matrix and intensities (solve_slice overrides)."""
    P, lam = _plug_ins()
    target = curve.slice_targets(IDENTICAL, SLICE)
    sols = [fd.solve_slice(IDENTICAL, GRID, target, method=method, transition=P,
                           intensities=lam) for method in ("compiled", "reference")]
    assert np.abs(sols[0].theta - sols[1].theta).max() <= 1e-10 * _scale(sols[1].theta)
    assert np.abs(sols[0].theta - _solve(IDENTICAL).theta).max() > 1.0   # overrides are used


@pytest.mark.parametrize("case", list(SOLVER_CASES))
def test_compiled_controls_attain_the_value(case: str) -> None:
    """The returned (ℓ, j) of every step, put back into (lp-scheme), give θ_k (so they are
    optimal)."""
    p, grid, timing = SOLVER_CASES[case]
    sol = _solve(p, grid, "compiled", timing)
    q = sol.q[None, :, None]
    assert np.all((sol.volume >= 0) & (sol.volume <= q + 1e-9))
    assert np.all((sol.volume > 0) == (sol.limit != fd.NO_LIMIT))
    assert set(np.unique(sol.limit[sol.volume > 0])) <= {-1, 0, 1}
    assert np.count_nonzero(sol.volume) > 0
    for k in range(p.Nt):
        limit_orders = sol.market_order[k] == 0.0       # elsewhere a market order replaces them
        value = _value_of_controls(p, sol, k, timing)
        diff = np.abs(value - sol.theta[k])[limit_orders]
        assert diff.max() <= 1e-10 * _scale(sol.theta), (k, diff.max())


# -- grid refinement ---------------------------------------------------------------------------

@functools.cache
def _refinement_values(dq: float) -> np.ndarray:
    theta0 = _solve(IDENTICAL, fd.FDGrid(dq, dq)).theta[0]
    return np.array([theta0[round(q / dq), m] for q, m in REFINEMENT_POINTS])


@pytest.mark.parametrize("dq", list(REFINEMENT_VALUES))
def test_grid_refinement_values(dq: float) -> None:
    """θ_0 at the four (q, m) points of the chapter's grid-refinement table (3 decimals)."""
    np.testing.assert_allclose(_refinement_values(dq), REFINEMENT_VALUES[dq], rtol=0,
                               atol=5e-4 + 1e-12)


def test_grid_refinement_converges() -> None:
    """The distance of θ_0 to the Δq = 5 values shrinks along Δq = 50, 25, 20, 10, and
    successive differences shrink along the halving chain Δq = 20, 10, 5."""
    finest = _refinement_values(5.0)
    errors = np.array([np.abs(_refinement_values(dq) - finest) for dq in (50.0, 25.0, 20.0, 10.0)])
    assert np.all(np.diff(errors, axis=0) < 0)
    d1 = np.abs(_refinement_values(20.0) - _refinement_values(10.0))
    d2 = np.abs(_refinement_values(10.0) - finest)
    assert np.all(d2 < d1)


# -- venue symmetry ----------------------------------------------------------------------------

def test_identical_venues_are_symmetric() -> None:
    """θ(q, m) = θ(q, swap(m)) for identical venues; not so for different venues."""
    perm = markov.swap_venues(IDENTICAL)
    theta = _solve(IDENTICAL).theta
    assert np.abs(theta - theta[:, :, perm]).max() <= 1e-12 * _scale(theta)
    theta = _solve(DIFFERENT).theta
    assert np.abs(theta - theta[:, :, perm]).max() > 1e-3


# -- comparative statics -----------------------------------------------------------------------

@pytest.mark.parametrize("case", ["different", "venue2x0.9", "phi x2"])
def test_value_decreases_with_worse_parameters(case: str) -> None:
    """Lowering an intensity or raising φ lowers θ pointwise; strictly at high
    inventory before the last step (at the last step a trader facing a bad state on venue 2
    posts on venue 1 only, so venue 2's intensity does not matter there)."""
    worse = {"different": DIFFERENT,
             "venue2x0.9": IDENTICAL.with_venue(1, intensity=0.9 * IDENTICAL.venues[1].intensity),
             "phi x2": IDENTICAL.replace(phi=2 * IDENTICAL.phi)}[case]
    base, low = _solve(IDENTICAL).theta, _solve(worse).theta
    tol = 1e-12 * _scale(base)
    assert np.all(low <= base + tol)
    high = _solve(IDENTICAL).q >= 600.0
    assert np.all(low[: IDENTICAL.Nt - 1, high] < base[: IDENTICAL.Nt - 1, high] - tol)


@pytest.mark.parametrize("fee", [0.0, 0.02])
def test_market_orders_raise_value_and_are_idempotent(fee: float) -> None:
    """With market orders θ >= the limit-only θ and θ_k >= Mθ_k
    (lp-market-order-operator); the stored
    order sizes reproduce θ_k(q) = θ_k(q - η) - c η; the impulse operator is idempotent."""
    p = IDENTICAL.replace(market_orders=True, market_order_fee=fee)
    sol, limit_only = _solve(p), _solve(IDENTICAL)
    tol = 1e-12 * _scale(limit_only.theta)
    assert np.all(sol.theta >= limit_only.theta - tol)
    assert np.any(sol.theta > limit_only.theta + 1e-6)
    cost = _market_order_cost(p)
    q = sol.q
    for k in range(p.Nt):
        assert np.all(sol.theta[k] >= _brute_impulse(sol.theta[k], q, cost) - tol)
        size = sol.market_order[k]
        n, m = np.nonzero(size)
        assert len(n) > 0
        after = np.round((q[n] - size[n, m]) / GRID.dq).astype(int)
        np.testing.assert_allclose(sol.theta[k][n, m],
                                   sol.theta[k][after, m] - cost[m] * size[n, m],
                                   rtol=0, atol=tol)
    once, _ = fd.impulse_operator(limit_only.theta[0], q, cost)
    twice, size2 = fd.impulse_operator(once, q, cost)
    np.testing.assert_array_equal(twice, once)
    assert np.all(size2 == 0.0)
    np.testing.assert_allclose(once, np.maximum(limit_only.theta[0],
                                                _brute_impulse(limit_only.theta[0], q, cost)),
                               rtol=0, atol=tol)


# -- shape of the value function ---------------------------------------------------------------

@pytest.mark.parametrize("p", [IDENTICAL, DIFFERENT, IDENTICAL.replace(mu=0.04)],
                         ids=["identical", "different", "mu=0.04"])
def test_value_function_shape(p: ModelParams) -> None:
    """θ_k(·, m) is unimodal, peaks within a few Δq of q*_{t_{k+1}} + μ/(2φ) (from 3Δq
    below to one node above), and the peak moves to lower inventories as k grows."""
    sol = _solve(p)
    dq = GRID.dq
    peaks = np.zeros((p.Nt, sol.theta.shape[2]))
    for k in range(p.Nt):
        rising = np.diff(sol.theta[k], axis=0) > 0
        assert np.all(np.diff(rising.astype(int), axis=0) <= 0), k   # rises, then falls
        peaks[k] = sol.q[sol.theta[k].argmax(axis=0)]
        centre = sol.target[k + 1] + p.mu / (2 * p.phi)
        assert np.all(peaks[k] >= centre - 3 * dq) and np.all(peaks[k] <= centre + dq), k
    assert np.all(np.diff(peaks, axis=0) <= 0)


# -- monotonicity of the controls --------------------------------------------------------------

@pytest.mark.parametrize("p", [IDENTICAL, DIFFERENT], ids=["identical", "different"])
def test_limits_and_volumes_monotone_in_inventory(p: ModelParams) -> None:
    """Where ℓ^i > 0 the limit j^i is non-increasing in q; the total volume
    ℓ¹ + ℓ² is non-decreasing in q up to dips of one Δℓ (rare)."""
    sol = _solve(p)
    for k, i, m in itertools.product(range(p.Nt), range(p.n_venues), range(36)):
        posted = sol.volume[k, i, :, m] > 0
        assert np.all(np.diff(sol.limit[k, i, posted, m]) <= 0), (k, i, m)
    total = sol.volume.sum(axis=1)                                  # (Nt, Nq, M)
    deficit = np.maximum.accumulate(total, axis=1) - total
    assert deficit.max() <= GRID.dl + 1e-9
    assert np.mean(np.diff(total, axis=1) < 0) < 0.02
    assert total[:, -1].min() > 0                                   # sells at high inventory


# -- probability bound and validation ----------------------------------------------------------

def test_probability_bound_of_defaults() -> None:
    """Δt Σ_i max_j λ^i_{j,m} = 0.96 for the defaults."""
    assert probability_bound(IDENTICAL) == pytest.approx(0.96, abs=1e-12)
    assert probability_bound(DIFFERENT) <= 1.0
    lam = _model_arrays(IDENTICAL)[0]
    assert IDENTICAL.dt * lam.max(axis=2).sum(axis=0).max() == pytest.approx(0.96, abs=1e-12)


@pytest.mark.parametrize("build, match", [
    (lambda: ModelParams(venues=(VenueParams(intensity=10.0), VenueParams())),
     "probability bound"),
    (lambda: IDENTICAL.replace(Nt=5), "probability bound"),
    (lambda: VenueParams(intensity=-1.0), "intensity"),
    (lambda: VenueParams(fraction_probs=(1.2, -0.2)), r"fraction_probs\[0\]"),
    (lambda: VenueParams(fraction_probs=(0.6, 0.5)), "fraction_probs must sum to 1"),
    (lambda: VenueParams(spread_generator=((-1.0, 1.0), (-1.0, 1.0))), "spread_generator"),
    (lambda: VenueParams(spread_generator=((-2.0, 3.0), (4.0, -4.0))), "spread_generator"),
    (lambda: VenueParams(imbalance_generator=((-1.0, 1.0), (1.0, -1.0))),
     "imbalance_generator"),
    (lambda: fd.FDGrid(20.0, 30.0), "dl must be a positive multiple of dq"),
    (lambda: fd.FDGrid(20.0, 10.0), "dl must be a positive multiple of dq"),
])
def test_bad_parameters_raise(build, match: str) -> None:
    """Invalid parameters raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        build()


def _bad_solves() -> dict[str, tuple]:
    P, lam = _plug_ins()
    three = ModelParams(venues=(VenueParams(),) * 3, Nt=20)
    target = curve.slice_targets(IDENTICAL, SLICE)
    negative = lam.copy()
    negative[1, 5, 2] = -0.1
    not_stochastic = P.copy()
    not_stochastic[3] *= 1.01
    signed = np.eye(36) * 1.1
    signed[0, 1] = -0.1
    return {
        "dq": ((IDENTICAL, fd.FDGrid(30.0, 30.0), target, {}), "dq must divide q0"),
        "3 venues": ((three, GRID, curve.slice_targets(three, SLICE), {}), "1 or 2 venues"),
        "target": ((IDENTICAL, GRID, target[:-1], {}), "target"),
        "method": ((IDENTICAL, GRID, target, {"method": "fast"}), "method"),
        "timing": ((IDENTICAL, GRID, target, {"penalty_timing": "mid"}), "penalty_timing"),
        "negative intensities": ((IDENTICAL, GRID, target, {"intensities": negative}),
                                 "intensities"),
        "intensities shape": ((IDENTICAL, GRID, target, {"intensities": lam[:, :, :2]}),
                              "intensities"),
        "intensity bound": ((IDENTICAL, GRID, target,
                             {"intensities": fill_intensities(IDENTICAL) * 1.1}),
                            "probability bound violated by intensities"),
        "transition rows": ((IDENTICAL, GRID, target, {"transition": not_stochastic}),
                            "transition"),
        "transition sign": ((IDENTICAL, GRID, target, {"transition": signed}), "transition"),
        "transition shape": ((IDENTICAL, GRID, target, {"transition": P[:35, :35]}),
                             "transition"),
    }


@pytest.mark.parametrize("case", list(_bad_solves()))
def test_bad_solve_inputs_raise_before_solving(case: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """solve_slice rejects bad grids, venues and plug-ins before any search runs."""
    def no_search(*args: object) -> None:
        raise AssertionError("the search ran before the inputs were validated")

    monkeypatch.setattr(fd, "_search_compiled", no_search)
    monkeypatch.setattr(fd, "_search_reference", no_search)
    (p, grid, target, kwargs), match = _bad_solves()[case]
    with pytest.raises(ValueError, match=match):
        fd.solve_slice(p, grid, target, **kwargs)


# -- market-state chain (lp-generator) ---------------------------------------------------------

def test_transition_matrix_is_expm_of_generator() -> None:
    """P(Δt) = ⊗_i e^{Q Δt} equals e^{Q_joint Δt} of the Kronecker-sum generator
    (lp-generator)."""
    Q = markov.joint_generator(IDENTICAL)
    assert Q.shape == (36, 36)
    np.testing.assert_allclose(Q.sum(axis=1), 0.0, atol=1e-12)
    assert np.all(Q - np.diag(np.diag(Q)) >= 0)
    P = markov.transition_matrix(IDENTICAL)
    np.testing.assert_allclose(P, scipy.linalg.expm(Q * IDENTICAL.dt), rtol=0, atol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(P >= 0)
    # spread of venue 1 leaves the low regime at rate 2 (Q^S), whatever the other regimes
    low, high = (markov.state_index(IDENTICAL, (s, 1, 0, 1)) for s in (0, 1))
    assert Q[low, high] == pytest.approx(2.0)


def test_sample_path_follows_the_step_matrix() -> None:
    """Empirical transition frequencies of a long path match P to sampling error; a
    deterministic chain cycles exactly; bad inputs are refused."""
    P = markov.step_matrix(np.asarray(IDENTICAL.venues[0].imbalance_generator), 0.1)
    path = markov.sample_path(P, 200_000, np.random.default_rng(1), start=2)
    assert path[0] == 2 and path.shape == (200_001,)
    counts = np.zeros((3, 3))
    np.add.at(counts, (path[:-1], path[1:]), 1)
    freq = counts / counts.sum(axis=1, keepdims=True)
    se = np.sqrt(P * (1 - P) / counts.sum(axis=1, keepdims=True))
    assert np.all(np.abs(freq - P) < 5 * se)
    cycle = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(markov.sample_path(cycle, 5, np.random.default_rng(0)),
                                  [0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="start must be <= 2"):
        markov.sample_path(P, 5, np.random.default_rng(0), start=3)
    with pytest.raises(ValueError, match="P must be row-stochastic"):
        markov.sample_path(2 * P, 5, np.random.default_rng(0))


def test_state_index_and_venue_swap() -> None:
    """State m = ((s¹·3 + ι¹)·2 + s²)·3 + ι²; swapping venues is an involution."""
    assert markov.state_index(IDENTICAL, (0, 1, 0, 1)) == 7
    states = markov.enumerate_states(IDENTICAL)
    assert [tuple(s) for s in states] == _states(IDENTICAL)
    for s1, i1, s2, i2 in states:
        assert markov.state_index(IDENTICAL, (s1, i1, s2, i2)) == ((s1 * 3 + i1) * 2 + s2) * 3 + i2
    perm = markov.swap_venues(IDENTICAL)
    np.testing.assert_array_equal(perm[perm], np.arange(36))
    np.testing.assert_array_equal(states[perm], states[:, [2, 3, 0, 1]])
    assert np.any(perm != np.arange(36))


# -- trading curve (lp-trading-curve) ----------------------------------------------------------

def test_is_curve_and_slice_targets() -> None:
    """Trading curve: q*_0 = q0, q*_T = 0, κ_AC = 0.1, slice 8 from 416.19 to 368.27; the ODE
    q*'' = κ² q*."""
    p = IDENTICAL
    kappa = curve.ac_kappa(gamma=p.gamma, sigma=p.sigma, V=p.V, eta=p.eta)
    assert kappa == pytest.approx(0.1, abs=1e-12)
    assert p.kappa_ac == pytest.approx(kappa, abs=1e-15)
    assert curve.is_curve(0.0, q0=p.q0, T=p.T, kappa=kappa) == pytest.approx(p.q0, abs=1e-9)
    assert curve.is_curve(p.T, q0=p.q0, T=p.T, kappa=kappa) == pytest.approx(0.0, abs=1e-9)
    targets = curve.slice_targets(p, SLICE)
    assert targets.shape == (p.Nt + 1,)
    assert round(targets[0], 2) == 416.19 and round(targets[-1], 2) == 368.27
    assert np.all(np.diff(targets) < 0)
    t, h = np.linspace(1.0, 19.0, 7), 1e-3
    second = (curve.is_curve(t + h, q0=p.q0, T=p.T, kappa=kappa)
              - 2 * curve.is_curve(t, q0=p.q0, T=p.T, kappa=kappa)
              + curve.is_curve(t - h, q0=p.q0, T=p.T, kappa=kappa)) / h**2
    np.testing.assert_allclose(second, kappa**2 * curve.is_curve(t, q0=p.q0, T=p.T, kappa=kappa),
                               rtol=1e-5)


def test_anchored_curve() -> None:
    """Re-anchored curve [REC]: q_ref at t_ref, 0 at T, the parent curve when on schedule."""
    p = IDENTICAL
    t_ref, q_ref = SLICE * p.Ts, 300.0
    t = np.linspace(t_ref, p.T, 9)
    anchored = curve.anchored_curve(t, q_ref=q_ref, t_ref=t_ref, T=p.T, kappa=p.kappa_ac)
    assert anchored[0] == pytest.approx(q_ref, abs=1e-9)
    assert anchored[-1] == pytest.approx(0.0, abs=1e-9)
    parent = curve.is_curve(t, q0=p.q0, T=p.T, kappa=p.kappa_ac)
    np.testing.assert_allclose(anchored * parent[0] / q_ref, parent, rtol=1e-12)
    np.testing.assert_allclose(curve.slice_targets(p, SLICE, q_ref=parent[0]),
                               curve.slice_targets(p, SLICE), rtol=1e-12)
    behind = curve.slice_targets(p, SLICE, q_ref=q_ref)
    assert behind[0] == pytest.approx(q_ref, abs=1e-9)
    np.testing.assert_allclose(behind, curve.anchored_curve(
        SLICE * p.Ts + p.dt * np.arange(p.Nt + 1), q_ref=q_ref, t_ref=t_ref, T=p.T,
        kappa=p.kappa_ac), rtol=1e-12)
    straight = curve.anchored_curve(t, q_ref=q_ref, t_ref=t_ref, T=p.T, kappa=0.0)
    np.testing.assert_allclose(straight, q_ref * (p.T - t) / (p.T - t_ref), rtol=1e-12)


def test_terminal_penalty_sets_the_final_value_and_moves_the_last_thresholds() -> None:
    """θ_{Nt} = -A (q - q*_T)²; with A = 0 the slice is unchanged, and a terminal penalty makes
    the trader use the new best limit from a lower inventory at the last decision."""
    p = default_params("identical")
    target = curve.slice_targets(p, 8)
    base = fd.solve_slice(p, fd.FDGrid(20.0, 20.0), target)
    same = fd.solve_slice(p, fd.FDGrid(20.0, 20.0), target, terminal_penalty=0.0)
    assert np.array_equal(base.theta, same.theta)
    A = p.phi * p.Ts
    end = fd.solve_slice(p, fd.FDGrid(20.0, 20.0), target, terminal_penalty=A)
    assert np.allclose(end.theta[-1], -A * (end.q - target[-1])[:, None] ** 2)

    def new_best_from(sol):
        return sol.q[np.flatnonzero(sol.limit[-1, 0, :, 0] == -1)[0]]

    assert new_best_from(end) < new_best_from(base)
    with pytest.raises(ValueError, match="terminal_penalty"):
        fd.solve_slice(p, fd.FDGrid(20.0, 20.0), target, terminal_penalty=-1.0)
