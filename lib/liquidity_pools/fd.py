"""Finite-difference solver of the reduced QVI on one slice (book eq. (lp-reduced-qvi), paper
(2.4)): the exact dynamic programme of the discrete-time problem (book eq. (lp-scheme)).

Decisions at t_k = t_start + k Δt, k = 0..Nt-1. Within a step the market state is frozen, at
most one venue fills, the executed fraction is drawn from the venue's fraction law, the state
then moves with P(Δt) and the running penalty is charged on the post-trade inventory
(``penalty_timing="post"``; ``"pre"`` is the paper's explicit-Euler placement, book eq.
(lp-explicit-scheme), kept to show what it does at the last step of a slice). With two venues the
volume search couples the venues only through f(ℓ¹ + ℓ²) = e^{-κ_v ℓ¹} e^{-κ_v ℓ²};
:mod:`lib.liquidity_pools.fd_kernel` exploits this, and ``method="reference"`` is the plain
vectorised search, kept as the oracle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.liquidity_pools import fd_kernel
from lib.liquidity_pools.intensity import (
    fill_intensities,
    half_spreads,
    impact_coefficients,
    impact_cost,
    state_drift,
)
from lib.liquidity_pools.markov import enumerate_states, transition_matrix
from lib.liquidity_pools.params import LIMITS, ModelParams
from lib.progress import bar

__all__ = ["NO_LIMIT", "FDGrid", "FDSolution", "impulse_operator", "no_order_value",
           "shift_interp", "slice_inputs", "solve_slice"]

NO_LIMIT = -9
"""Limit code stored where the optimal volume is zero (the limit is then undefined)."""


@dataclass(frozen=True)
class FDGrid:
    """Inventory step Δq and volume step Δℓ (shares); Δℓ must be a multiple of Δq."""

    dq: float = 20.0
    dl: float = 20.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "dq", validation.positive("dq", self.dq))
        object.__setattr__(self, "dl", validation.positive("dl", self.dl))
        ratio = self.dl / self.dq
        if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ValueError(f"dl must be a positive multiple of dq, got dl={self.dl}, "
                             f"dq={self.dq}")

    def inventories(self, p: ModelParams) -> np.ndarray:
        """Inventory nodes q_n = n Δq on [0, q0]."""
        n = p.q0 / self.dq
        if abs(n - round(n)) > 1e-9:
            raise ValueError(f"dq must divide q0 = {p.q0}, got dq={self.dq}")
        return self.dq * np.arange(round(n) + 1)

    def volumes(self, p: ModelParams) -> np.ndarray:
        """Volume levels ℓ_a = a Δℓ on [0, q0]."""
        return self.dl * np.arange(math.floor(p.q0 / self.dl + 1e-9) + 1)


@dataclass(frozen=True)
class FDSolution:
    """θ and the optimal controls on the grid of one slice.

    q (Nq,) inventory nodes; t (Nt+1,) decision times; target (Nt+1,) q*_{t_k};
    theta (Nt+1, Nq, len(M)) with theta[Nt] = 0; volume (Nt, N, Nq, len(M)) posted volumes in
    shares; limit (Nt, N, Nq, len(M)) limits in {-1, 0, 1} (``NO_LIMIT`` where the volume is 0);
    market_order (Nt, Nq, len(M)) market-order sizes (zero unless market orders are on).
    """

    q: np.ndarray
    t: np.ndarray
    target: np.ndarray
    theta: np.ndarray
    volume: np.ndarray
    limit: np.ndarray
    market_order: np.ndarray


@dataclass(frozen=True)
class _Step:
    """Model arrays of one step (lp-scheme), shared by the reference and the compiled search."""

    q: np.ndarray           # (Nq,)
    levels: np.ndarray      # (Nl,)
    dq: float
    lam_dt: np.ndarray      # (N, len(M), 3)  Δt λ^i_{j,m}
    half_spread: np.ndarray  # (N, len(M))
    probs: np.ndarray       # (N, K)
    fractions: np.ndarray   # (K,)
    temporary: np.ndarray   # (N,) c^i σ / sqrt(V^i): cost c σ sqrt(v/V) per share
    permanent: np.ndarray   # (N,) ν^i
    tick: float
    kvol: float


def shift_interp(W: np.ndarray, position: np.ndarray) -> np.ndarray:
    """W at fractional node positions, linear in q: ``position`` (Nq, Nl) → (Nq, Nl, len(M)).

    Positions below 0 are clipped to 0 (they belong to infeasible volumes, masked later).
    """
    x = np.clip(position, 0.0, W.shape[0] - 1)
    i0 = np.minimum(np.floor(x).astype(int), W.shape[0] - 2)
    frac = (x - i0)[..., None]
    return (1.0 - frac) * W[i0] + frac * W[i0 + 1]


def _gain_base(s: _Step, venue: int, v: np.ndarray) -> np.ndarray:
    """Impact part of the gain of selling v shares: -c σ v^{3/2}/sqrt(V) - ν v (q - v)
    (book eq. (lp-impact))."""
    return -impact_cost(s.temporary[venue], s.permanent[venue], v[None, :], s.q[:, None])


def _venue_values(s: _Step, W: np.ndarray, venue: int) -> tuple[np.ndarray, np.ndarray]:
    """H^i(q, ℓ, m) = max_j Δt λ^i_{j,m} G^i(q, m; ℓ, j) and its argmax j, each (Nq, Nl, len(M))."""
    Nq, M = W.shape
    G = np.zeros((3, Nq, len(s.levels), M))
    for e, pe in zip(s.fractions, s.probs[venue], strict=True):
        v = e * s.levels
        dW = shift_interp(W, np.arange(Nq)[:, None] - v[None, :] / s.dq) - W[:, None, :]
        base = _gain_base(s, venue, v)[:, :, None] + dW
        for jj, j in enumerate(LIMITS):
            G[jj] += pe * (v[None, :, None] * (s.half_spread[venue][None, None, :] + j * s.tick)
                           + base)
    G *= s.lam_dt[venue].T[:, None, None, :]
    feasible = s.levels[None, :] <= s.q[:, None] + 1e-9 * s.dq
    H = G.max(axis=0)
    H[~feasible] = -np.inf
    return H, G.argmax(axis=0)


def _search_reference(s: _Step, W: np.ndarray):
    """The plain vectorised search over (ℓ¹, ℓ²): loop over ℓ¹, vectorise the rest."""
    Nq, M = W.shape
    values = [_venue_values(s, W, i) for i in range(len(s.probs))]
    f = np.exp(-s.kvol * s.levels)
    if len(values) == 1:
        S = f[None, :, None] * values[0][0]
        idx = [S.argmax(axis=1)]
        best = S.max(axis=1)
    else:
        (H1, _), (H2, _) = values
        fpair = np.exp(-s.kvol * (s.levels[:, None] + s.levels[None, :]))
        best = np.full((Nq, M), -np.inf)
        ia = np.zeros((Nq, M), dtype=int)
        ib = np.zeros((Nq, M), dtype=int)
        for a in range(len(s.levels)):
            S = fpair[a][None, :, None] * (H1[:, a, None, :] + H2)
            b = S.argmax(axis=1)
            val = np.take_along_axis(S, b[:, None, :], axis=1)[:, 0, :]
            better = val > best
            best[better], ia[better], ib[better] = val[better], a, b[better]
        idx = [ia, ib]
    limits = [np.take_along_axis(J, k[:, None, :], axis=1)[:, 0, :]
              for (_, J), k in zip(values, idx, strict=True)]
    return best, np.stack(idx), np.stack(limits)


def _search_compiled(s: _Step, W: np.ndarray):
    return fd_kernel.search(np.ascontiguousarray(W), s.q, s.levels, s.dq, s.lam_dt,
                            s.half_spread, s.probs, s.fractions, s.temporary, s.permanent,
                            s.tick, s.kvol)


def impulse_operator(theta: np.ndarray, q: np.ndarray, cost: np.ndarray):
    """max(θ, Mθ) with Mθ(q, m) = max_{q' <= q} [θ(q', m) + c(m) q'] - c(m) q
    (book eq. (lp-market-order-operator)).

    ``cost`` (len(M),) is the cost per share of a market order (half the smallest spread plus
    the fee). Returns the new θ and the market-order size at every node (0 where none pays).
    """
    shifted = theta + cost[None, :] * q[:, None]
    running = np.maximum.accumulate(shifted, axis=0)
    # the node q' reaching the running maximum: the first one, so ties keep the smaller order
    first = np.zeros_like(shifted, dtype=int)
    for n in range(1, len(q)):
        new = shifted[n] > running[n - 1]
        first[n] = np.where(new, n, first[n - 1])
    impulse = running - cost[None, :] * q[:, None]
    use = impulse > theta
    size = np.where(use, q[:, None] - q[first], 0.0)
    return np.where(use, impulse, theta), size


def _model_step(p: ModelParams, grid: FDGrid, intensities: np.ndarray | None) -> _Step:
    lam = fill_intensities(p, intensities)
    temporary, permanent = impact_coefficients(p)
    return _Step(
        q=grid.inventories(p), levels=grid.volumes(p), dq=grid.dq,
        lam_dt=p.dt * lam, half_spread=half_spreads(p),
        probs=np.array([v.fraction_probs for v in p.venues]),
        fractions=np.asarray(p.fractions),
        temporary=temporary, permanent=permanent, tick=p.tick, kvol=p.kvol)


def _slice_targets(p: ModelParams, target: object) -> np.ndarray:
    target = np.asarray(target, dtype=float)
    if target.shape != (p.Nt + 1,) or not np.all(np.isfinite(target)):
        raise ValueError(f"target must hold Nt + 1 = {p.Nt + 1} finite values")
    return target


def slice_inputs(p: ModelParams, target: object,
                 transition: object | None) -> tuple[np.ndarray, np.ndarray]:
    """Check a slice's targets q*_{t_k} (Nt + 1 finite values) and its one-step matrix (the
    model's P(Δt) when ``transition`` is None, else a stochastic len(M) x len(M) matrix)."""
    target = _slice_targets(p, target)
    if transition is None:
        return target, transition_matrix(p)
    M = len(enumerate_states(p))
    if np.shape(transition) != (M, M):
        raise ValueError(f"transition must be a ({M}, {M}) matrix, one row per market state, "
                         f"got shape {np.shape(transition)}")
    return target, validation.stochastic_matrix("transition", transition)


def _penalty_shift(penalty_timing: str) -> int:
    """The index shift of the penalised target: q*_{t_{k+1}} ("post") or q*_{t_k} ("pre")."""
    if penalty_timing not in ("post", "pre"):
        raise ValueError(f"penalty_timing must be 'post' or 'pre', got {penalty_timing!r}")
    return 1 if penalty_timing == "post" else 0


def no_order_value(p: ModelParams, q: np.ndarray, target: object, *,
                   penalty_timing: str = "post") -> np.ndarray:
    """Closed form of (lp-scheme) when no order can fill (all λ = 0, no market orders), book eq.
    (lp-no-order-value):
    θ_k(q) = Σ_{k'=k}^{Nt-1} Δt [μ q - φ (q - q*_{k'+s})²], k = 0..Nt, in every market state,
    with s = 1 for ``"post"`` and s = 0 for ``"pre"`` (lp-explicit-scheme) timing. Shape
    ``(Nt + 1, Nq)``. It needs the constant drift μ of (lp-dynamics): no short-term signal
    (lp-signal)."""
    shift = _penalty_shift(penalty_timing)
    target = _slice_targets(p, target)
    if p.signal_spread != 0 or p.signal_imbalance != 0:
        raise ValueError("no_order_value needs a drift independent of the market state: "
                         "signal_spread and signal_imbalance must be 0")
    q = np.asarray(q, dtype=float)
    steps = p.dt * (p.mu * q - p.phi * (q - target[shift:p.Nt + shift, None]) ** 2)
    return np.vstack([np.cumsum(steps[::-1], axis=0)[::-1], np.zeros((1, len(q)))])


def solve_slice(p: ModelParams, grid: FDGrid, target: np.ndarray, *, t_start: float = 0.0,
                method: str = "compiled", penalty_timing: str = "post",
                transition: np.ndarray | None = None, intensities: np.ndarray | None = None,
                terminal_penalty: float = 0.0, progress: bool = False) -> FDSolution:
    """Solve (lp-scheme) backwards on one slice, θ_{Nt} = -A (q - q*_{t_Nt})², A =
    ``terminal_penalty`` ($ per share²; 0, no terminal penalty, is the paper's choice).

    ``target`` holds q*_{t_k}, k = 0..Nt (see :func:`lib.liquidity_pools.curve.slice_targets`);
    ``t_start`` only labels the decision times.
    ``transition`` overrides the one-step matrix P(Δt) of the market state and ``intensities``
    the fill intensities λ^i_{j,m} (N, len(M), 3) per minute: the adaptive run plugs in posterior
    means. ``method`` is ``"compiled"`` (default) or ``"reference"``.
    """
    if p.n_venues not in (1, 2):
        raise ValueError(f"the finite-difference solver handles 1 or 2 venues, got "
                         f"{p.n_venues} (the volume search grows exponentially with N)")
    if method not in ("compiled", "reference"):
        raise ValueError(f"method must be 'compiled' or 'reference', got {method!r}")
    _penalty_shift(penalty_timing)
    terminal_penalty = validation.nonnegative("terminal_penalty", terminal_penalty)
    target, P = slice_inputs(p, target, transition)
    s = _model_step(p, grid, intensities)
    M = len(P)
    search = _search_compiled if method == "compiled" else _search_reference
    Nq, N = len(s.q), p.n_venues
    theta = np.zeros((p.Nt + 1, Nq, M))
    theta[p.Nt] = -terminal_penalty * (s.q - target[-1])[:, None] ** 2
    volume = np.zeros((p.Nt, N, Nq, M))
    limit = np.full((p.Nt, N, Nq, M), NO_LIMIT, dtype=int)
    market = np.zeros((p.Nt, Nq, M))
    drift = p.dt * state_drift(p)[None, :] * s.q[:, None]
    mo_cost = half_spreads(p).min(axis=0) + p.market_order_fee
    for k in bar(range(p.Nt - 1, -1, -1), desc="FD steps", enabled=progress):
        W = theta[k + 1] @ P.T
        if penalty_timing == "post":
            W = W - p.dt * p.phi * (s.q - target[k + 1])[:, None] ** 2
        best, idx, lim = search(s, W)
        theta_k = drift + W + best
        if penalty_timing == "pre":
            theta_k -= p.dt * p.phi * (s.q - target[k])[:, None] ** 2
        if p.market_orders:
            theta_k, market[k] = impulse_operator(theta_k, s.q, mo_cost)
        theta[k] = theta_k
        volume[k] = s.levels[idx]
        limit[k] = np.where(idx > 0, np.asarray(LIMITS)[lim], NO_LIMIT)
    return FDSolution(q=s.q, t=t_start + p.dt * np.arange(p.Nt + 1), target=target,
                      theta=theta, volume=volume, limit=limit, market_order=market)

