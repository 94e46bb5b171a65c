"""Market simulator of the slice problem, consistent with the scheme (book eq. (lp-scheme)).

At each decision time t_k of a slice the trader looks up the policy at the inventory node,
sends the market order of the policy (if market orders are on), then posts the limit orders.
Within the step the market state m is frozen and at most one venue fills: with one uniform U,
venue i fills if Σ_{i'<i} π^{i'} <= U < Σ_{i'<=i} π^{i'}, where
π^i = Δt λ^i_{j^i,m} f(ℓ) 1{ℓ^i > 0} and f(ℓ) = exp(-κ_v Σ_i ℓ^i) (book eq. (lp-fills)). The
executed fraction is drawn from the venue's fraction law (lp-fills), the mid moves by
μ(m) Δt + σ √Δt Z (lp-dynamics, lp-signal) and the regimes of every venue jump with their own
true one-step matrices e^{Q Δt} (lp-generator; sampling per venue is the Kronecker product of
the joint chain). The realised slice objective is

    R = Σ_k [fill gain vs mid - market-order cost] + Σ_k q_{t_k} (S_{t_{k+1}} - S_{t_k})
        - Σ_k Δt φ (q_{t_{k+1}} - q*_{t_{k+1}})²,

the fill gain of v = ε ℓ shares at limit j being v (s^i/2 + j δ) - c σ √(v/V) v - ν v (q - v)
(lp-impact, as in :mod:`lib.liquidity_pools.fd`), so that E[R] = θ_0(q, m) under the FD policy
(the chapter's Monte Carlo check). ``q_{t_k}`` is the inventory after the market order of step
k, as in (lp-scheme) and (lp-market-order-operator).

A policy is any :class:`Policy`: an :class:`~lib.liquidity_pools.fd.FDSolution` is read at the
nearest inventory node, the networks of :mod:`lib.liquidity_pools.nn` at the inventory itself. With
``expected_drift=True`` the price term q_{t_k} (S_{t_{k+1}} - S_{t_k}) of R is replaced by its
conditional mean q_{t_k} μ(m_k) Δt: E[R] is unchanged (the price noise is independent of
everything the trader does) and the price noise, the largest part of the variance of R, is gone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lib import validation
from lib.liquidity_pools.fd import NO_LIMIT, FDSolution
from lib.liquidity_pools.intensity import (
    fill_intensities,
    half_spreads,
    impact_coefficients,
    impact_cost,
    state_drift,
)
from lib.liquidity_pools.markov import enumerate_states, step_matrix, venue_generators
from lib.liquidity_pools.params import LIMITS, ModelParams

__all__ = ["GridPolicy", "Policy", "SliceLog", "mc_slice_value",
           "objective_paths", "simulate_slice", "simulate_slice_paths"]

_GRID_TOL = 1e-9


class Policy(Protocol):
    """A strategy of one slice: its decision times t (Nt + 1,), its targets q*_{t_k} (Nt + 1,)
    and its controls at step k for a batch of inventories q (n,) in market states m (n,)."""

    t: np.ndarray
    target: np.ndarray

    def market_orders(self, k: int, q: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Market-order sizes (n,) in shares."""

    def limit_orders(self, k: int, q: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posted volumes (N, n) in shares and their limits (N, n) in {-1, 0, 1} (any value
        where the volume is 0)."""


@dataclass(frozen=True)
class GridPolicy:
    """The policy of an :class:`~lib.liquidity_pools.fd.FDSolution`, read at the nearest inventory
    node."""

    sol: FDSolution

    @property
    def t(self) -> np.ndarray:
        return self.sol.t

    @property
    def target(self) -> np.ndarray:
        return self.sol.target

    def _node(self, q: np.ndarray) -> np.ndarray:
        dq = self.sol.q[1] - self.sol.q[0]
        return np.clip(np.rint(q / dq).astype(int), 0, len(self.sol.q) - 1)

    def market_orders(self, k: int, q: np.ndarray, m: np.ndarray) -> np.ndarray:
        return self.sol.market_order[k, self._node(q), m]

    def limit_orders(self, k: int, q: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        node = self._node(q)
        return self.sol.volume[k][:, node, m], self.sol.limit[k][:, node, m]


@dataclass(frozen=True, eq=False)
class SliceLog:
    """Per-step record of one simulated slice, every array with Nt rows.

    t decision times t_k; state market-state index m_k and regimes (Nt, 2N) its regimes
    (s^1, ι^1, ..., s^N, ι^N); inventory q at t_k before trading; market_order the market-order
    size; volume (Nt, N) posted volumes (clipped at the inventory) and limit (Nt, N) their
    limits (``NO_LIMIT`` where the volume is 0); prob (Nt, N) the fill probabilities π^i;
    venue the venue that filled (-1: none); fraction the index of the executed fraction (-1:
    none); executed the shares sold by the limit order; cash the cash received (lp-dynamics, at
    the mid of t_k, with the impact terms of (lp-impact) and the market order); mid S_{t_k};
    exposure (Nt, N) the Gamma exposures Δt a_{j^i} f(ℓ) of the venues with ℓ^i > 0
    (lp-gamma-update); next_state m_{k+1}. Labels are the book's equation labels.
    """

    t: np.ndarray
    state: np.ndarray
    regimes: np.ndarray
    inventory: np.ndarray
    market_order: np.ndarray
    volume: np.ndarray
    limit: np.ndarray
    prob: np.ndarray
    venue: np.ndarray
    fraction: np.ndarray
    executed: np.ndarray
    cash: np.ndarray
    mid: np.ndarray
    exposure: np.ndarray
    next_state: np.ndarray


@dataclass(frozen=True)
class _Market:
    """The true market of the simulator in array form."""

    lam_dt: np.ndarray       # (N, len(M), 3) Δt λ^i_{j,m}
    profile: np.ndarray      # (N, 3) limit profiles a^i_j
    half_spread: np.ndarray  # (N, len(M))
    frac_cum: np.ndarray     # (N, K - 1) cumulative fraction probabilities
    fractions: np.ndarray    # (K,)
    temporary: np.ndarray    # (N,) c^i σ / sqrt(V^i)
    permanent: np.ndarray    # (N,) ν^i
    drift: np.ndarray        # (len(M),) μ(m)
    mo_cost: np.ndarray      # (len(M),) market-order cost per share
    states: np.ndarray       # (len(M), 2N) regimes of every state
    strides: np.ndarray      # (2N,) joint index = Σ_c regime_c stride_c
    jump_cum: tuple[np.ndarray, ...]  # per component (len(M), size - 1): cumulative e^{Q Δt} row
    p: ModelParams


def _market(p: ModelParams, intensities: np.ndarray | None) -> _Market:
    lam = fill_intensities(p, intensities)
    temporary, permanent = impact_coefficients(p)
    steps = [step_matrix(Q, p.dt) for Q in venue_generators(p)]
    states = enumerate_states(p)
    sizes = [len(P) for P in steps]
    return _Market(
        lam_dt=p.dt * lam,
        profile=np.array([v.limit_profile for v in p.venues]),
        half_spread=half_spreads(p),
        frac_cum=np.cumsum([v.fraction_probs for v in p.venues], axis=1)[:, :-1],
        fractions=np.asarray(p.fractions),
        temporary=temporary,
        permanent=permanent,
        drift=state_drift(p),
        mo_cost=half_spreads(p).min(axis=0) + p.market_order_fee,
        states=states,
        strides=np.array([math.prod(sizes[c + 1:]) for c in range(len(sizes))]),
        jump_cum=tuple(np.cumsum(P, axis=1)[states[:, c], :-1] for c, P in enumerate(steps)),
        p=p)


def _categorical(u: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw: the category of every uniform ``u`` given the cumulative
    probabilities ``cum`` (n, K - 1) of its law without the last one (which is 1)."""
    return (u[:, None] >= cum).sum(axis=1)


def _check_solution(p: ModelParams, sol: FDSolution) -> float:
    """Check that ``sol`` is a policy for the model ``p``; return the inventory step Δq."""
    M = len(enumerate_states(p))
    shape = (p.Nt, p.n_venues, len(sol.q), M)
    if sol.volume.shape != shape or sol.limit.shape != shape:
        raise ValueError(f"sol does not match the model: policy arrays must have shape {shape} "
                         f"(Nt, N, Nq, len(M)), got {sol.volume.shape}")
    if sol.market_order.shape != (p.Nt, len(sol.q), M) or sol.target.shape != (p.Nt + 1,):
        raise ValueError("sol does not match the model: market_order must be (Nt, Nq, len(M)) "
                         "and target (Nt + 1,)")
    if len(sol.q) < 2:
        raise ValueError("sol must have at least two inventory nodes")
    return float(sol.q[1] - sol.q[0])


def _state(p: ModelParams, m: object) -> int:
    M = len(enumerate_states(p))
    m = validation.integer("m", m, minimum=0)
    if m >= M:
        raise ValueError(f"m must be a market-state index in [0, {M - 1}], got {m}")
    return m


def _inventory(top: float, q: object) -> float:
    q = validation.nonnegative("q", q)
    if q > top * (1.0 + _GRID_TOL):
        raise ValueError(f"q must lie in [0, {top:g}], got {q}")
    return q


def _run(mk: _Market, policy: Policy, q: np.ndarray, m: np.ndarray, S: np.ndarray,
         rng: np.random.Generator, record: list[dict] | None, expected_drift: bool = False):
    """Simulate one slice for a batch of paths; return R, q, m, S at the slice end.

    Every order is clipped at the current inventory (a no-op for a policy on its grid).
    Per-step records are appended to ``record``. The random draws per step do not depend on the
    policy, so two policies run with the same generator state see common random numbers.
    """
    p = mk.p
    n_paths = len(q)
    N = p.n_venues
    paths = np.arange(n_paths)
    limits = np.asarray(LIMITS)
    reward = np.zeros(n_paths)
    q, m, S = q.copy(), m.copy(), S.copy()
    for k in range(p.Nt):
        q_before = q
        eta = np.minimum(policy.market_orders(k, q, m), q)
        reward -= mk.mo_cost[m] * eta
        cash = (S - mk.mo_cost[m]) * eta
        q = q - eta
        volume, limit = policy.limit_orders(k, q, m)
        vol = np.minimum(volume, q[None, :])                              # (N, n)
        posted = vol > 0
        jj = np.where(posted, limit - limits[0], 0)                       # index into LIMITS
        f = np.exp(-p.kvol * vol.sum(axis=0))
        pi = np.where(posted, mk.lam_dt[np.arange(N)[:, None], m[None, :], jj] * f, 0.0)
        venue = (rng.random(n_paths)[None, :] >= np.cumsum(pi, axis=0)).sum(axis=0)
        filled = venue < N
        vc = np.minimum(venue, N - 1)
        frac = _categorical(rng.random(n_paths), mk.frac_cum[vc])
        v = np.where(filled, mk.fractions[frac] * vol[vc, paths], 0.0)
        gain = (v * (mk.half_spread[vc, m] + limits[jj[vc, paths]] * p.tick)
                - impact_cost(mk.temporary[vc], mk.permanent[vc], v, q))
        reward += gain
        cash = cash + gain + v * S
        dS = mk.drift[m] * p.dt + p.sigma * math.sqrt(p.dt) * rng.standard_normal(n_paths)
        reward += q * (mk.drift[m] * p.dt if expected_drift else dS)
        u = rng.random((len(mk.strides), n_paths))
        m_next = sum(stride * _categorical(u[c], cum[m])
                     for c, (stride, cum) in enumerate(zip(mk.strides, mk.jump_cum, strict=True)))
        if record is not None:
            record.append(dict(
                state=m, regimes=mk.states[m], inventory=q_before, market_order=eta, volume=vol.T,
                limit=np.where(posted, limits[jj], NO_LIMIT).T, prob=pi.T,
                venue=np.where(filled, venue, -1), fraction=np.where(filled, frac, -1),
                executed=v, cash=cash, mid=S,
                exposure=np.where(posted, p.dt * np.take_along_axis(mk.profile, jj, axis=1)
                                  * f[None, :], 0.0).T,
                next_state=m_next))
        q = q - v
        reward -= p.dt * p.phi * (q - policy.target[k + 1]) ** 2
        S = S + dS
        m = m_next
    return reward, q, m, S


def _as_policy(p: ModelParams, policy: FDSolution | Policy) -> Policy:
    """``policy`` as a :class:`Policy` (an :class:`~lib.liquidity_pools.fd.FDSolution` read at its
    nodes), checked."""
    if isinstance(policy, FDSolution):
        _check_solution(p, policy)
        return GridPolicy(policy)
    if not all(callable(getattr(policy, name, None)) for name in ("market_orders",
                                                                   "limit_orders")):
        raise ValueError(f"policy must be an FDSolution or have market_orders and limit_orders "
                         f"methods, got {type(policy).__name__}")
    if np.shape(getattr(policy, "target", None)) != (p.Nt + 1,):
        raise ValueError(f"policy.target must hold Nt + 1 = {p.Nt + 1} targets")
    return policy


def simulate_slice_paths(p_true: ModelParams, sol: FDSolution, q0: float, m0: int,
                         n_paths: int, rng: np.random.Generator, *,
                         intensities: np.ndarray | None = None) -> np.ndarray:
    """Realised slice objectives R of ``n_paths`` independent paths from (q0, m0).

    The policy ``sol`` is followed at the inventory nodes; every inventory must stay on the grid (q0
    a node, ε ℓ a multiple of Δq for every posted ℓ), which makes E[R] = θ_0(q0, m0) exact
    (lp-scheme; the chapter's Monte Carlo check). ``intensities`` (N, len(M), 3) overrides the true
    λ^i_{j,m}. Returns R, shape ``(n_paths,)``.
    """
    dq = _check_solution(p_true, sol)
    q0 = _inventory(sol.q[-1], q0)
    if abs(q0 / dq - round(q0 / dq)) > _GRID_TOL:
        raise ValueError(f"q0 must be an inventory node (a multiple of dq = {dq}), got {q0}")
    m0 = _state(p_true, m0)
    n_paths = validation.integer("n_paths", n_paths, minimum=2)
    sizes = np.concatenate([np.outer(p_true.fractions, np.unique(sol.volume)).ravel(),
                            np.unique(sol.market_order)]) / dq
    if np.any(np.abs(sizes - np.rint(sizes)) > _GRID_TOL):
        raise ValueError("executed sizes leave the inventory grid: every fraction times every "
                         "posted volume and every market order must be a multiple of dq = "
                         f"{dq} (use dl = 2 dq for half fills)")
    mk = _market(p_true, intensities)
    reward, *_ = _run(mk, GridPolicy(sol), np.full(n_paths, q0), np.full(n_paths, m0),
                      np.zeros(n_paths), rng, None)
    return reward


def mc_slice_value(p: ModelParams, sol: FDSolution, q0: float, m0: int, n_paths: int,
                   rng: np.random.Generator) -> tuple[float, float]:
    """Monte-Carlo estimate of θ_0(q0, m0) under the policy ``sol``: (mean, standard error)."""
    R = simulate_slice_paths(p, sol, q0, m0, n_paths, rng)
    return float(R.mean()), float(R.std(ddof=1) / math.sqrt(len(R)))


def objective_paths(p_true: ModelParams, policy: FDSolution | Policy, q0: object, m0: object,
                    n_paths: int, seed: int, *, intensities: np.ndarray | None = None,
                    expected_drift: bool = True) -> np.ndarray:
    """Realised slice objectives R of ``n_paths`` paths from each start (q0, m0) under any
    policy: an :class:`~lib.liquidity_pools.fd.FDSolution` at its nearest nodes, or the networks at
    the inventory itself.

    ``q0`` and ``m0`` are one start or equal-length sequences of starts, simulated together.
    The paths are driven by ``numpy.random.default_rng(seed)``, so that policies run with the
    same seed and starts see the same market (common random numbers: their difference has a
    far smaller variance than either). ``expected_drift`` replaces the price term by its
    conditional mean (see the module's docstring). Returns R, shape ``(n_starts, n_paths)``.
    """
    policy = _as_policy(p_true, policy)
    q_starts, m_starts = np.atleast_1d(np.asarray(q0, dtype=float)), np.atleast_1d(m0)
    if q_starts.ndim != 1 or q_starts.shape != m_starts.shape:
        raise ValueError(f"q0 and m0 must be one start or sequences of equal length, got "
                         f"shapes {np.shape(q0)} and {np.shape(m0)}")
    q_starts = np.array([_inventory(p_true.q0, q) for q in q_starts])
    m_starts = np.array([_state(p_true, m) for m in m_starts])
    n_paths = validation.integer("n_paths", n_paths, minimum=2)
    seed = validation.integer("seed", seed, minimum=0)
    if not isinstance(expected_drift, bool):
        raise ValueError(f"expected_drift must be True or False, got {expected_drift!r}")
    total = len(q_starts) * n_paths
    reward, *_ = _run(_market(p_true, intensities), policy, np.repeat(q_starts, n_paths),
                      np.repeat(m_starts, n_paths), np.zeros(total),
                      np.random.default_rng(seed), None, expected_drift)
    return reward.reshape(len(q_starts), n_paths)


def simulate_slice(p_true: ModelParams, sol: FDSolution | Policy, q: float, m: int, S: float,
                   rng: np.random.Generator, *, intensities: np.ndarray | None = None
                   ) -> tuple[float, int, float, SliceLog]:
    """One path of one slice from inventory q, state m and mid S (step 3 of the slice
    algorithm, paper Section 3.2).

    The inventory may be off the grid (half fills in the adaptive run): an
    :class:`~lib.liquidity_pools.fd.FDSolution`
    is read at the nearest inventory node, and every order is clipped at the current inventory.
    ``sol`` may also be any :class:`Policy` with decision times ``t``.
    ``intensities`` (N, len(M), 3) overrides the true λ^i_{j,m}. Returns the inventory, state
    and mid at the end of the slice and the :class:`SliceLog`.
    """
    policy = _as_policy(p_true, sol)
    q = _inventory(p_true.q0, q)
    m = _state(p_true, m)
    S = validation.finite("S", S)
    record: list[dict] = []
    _, q_end, m_end, S_end = _run(_market(p_true, intensities), policy, np.array([q]),
                                  np.array([m]), np.array([S]), rng, record)
    log = SliceLog(t=np.asarray(sol.t)[:-1].copy(),
                   **{key: np.array([step[key][0] for step in record]) for key in record[0]})
    return float(q_end[0]), int(m_end[0]), float(S_end[0]), log
