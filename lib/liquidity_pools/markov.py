"""Market states of the venues and their Markov dynamics (paper Section 2.1; book eq.
(lp-generator)).

A market state ("zone") is the tuple of regimes (spread regime, imbalance regime) of every
venue, in venue order. States are enumerated row-major, so for two venues with 2 spread and 3
imbalance regimes the index is ``((s1 * 3 + i1) * 2 + s2) * 3 + i2`` (regimes counted from 0,
as in the chapter's grid-refinement table).
"""

from __future__ import annotations

import itertools
from functools import reduce

import numpy as np
import scipy.linalg

from lib import validation
from lib.liquidity_pools.params import ModelParams

__all__ = ["enumerate_states", "imbalance", "imbalance_regime", "joint_generator",
           "joint_step_matrix", "onehot", "sample_path", "state_index", "step_matrix",
           "swap_venues", "transition_matrix", "venue_generators"]


def enumerate_states(p: ModelParams) -> np.ndarray:
    """All market states, shape ``(len(M), 2N)``: columns (s^1, ι^1, ..., s^N, ι^N) as indices."""
    sizes = []
    for v in p.venues:
        sizes += [v.n_spread, v.n_imbalance]
    return np.array(list(itertools.product(*(range(n) for n in sizes))), dtype=int)


def state_index(p: ModelParams, regimes: tuple[int, ...]) -> int:
    """Index of the state whose regimes are ``regimes`` = (s^1, ι^1, ..., s^N, ι^N)."""
    states = enumerate_states(p)
    if len(regimes) != states.shape[1]:
        raise ValueError(f"regimes must have {states.shape[1]} entries, got {len(regimes)}")
    hit = np.flatnonzero(np.all(states == np.asarray(regimes), axis=1))
    if hit.size != 1:
        raise ValueError(f"regimes {tuple(regimes)} is not a market state")
    return int(hit[0])


def swap_venues(p: ModelParams) -> np.ndarray:
    """Permutation of state indices exchanging venues 1 and 2 (two venues with equal shapes)."""
    if p.n_venues != 2:
        raise ValueError("swap_venues needs exactly two venues")
    states = enumerate_states(p)
    swapped = states[:, [2, 3, 0, 1]]
    return np.array([state_index(p, tuple(row)) for row in swapped])


def onehot(p: ModelParams, states: np.ndarray) -> np.ndarray:
    """One-hot encoding of states (rows of regime indices), shape ``(len, Σ_i (J^i + K^i))``."""
    states = np.asarray(states, dtype=int)
    sizes = []
    for v in p.venues:
        sizes += [v.n_spread, v.n_imbalance]
    blocks = [np.eye(n)[states[:, c]] for c, n in enumerate(sizes)]
    return np.concatenate(blocks, axis=1)


def _kron_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.kron(a, np.eye(len(b))) + np.kron(np.eye(len(a)), b)


def venue_generators(p: ModelParams) -> list[np.ndarray]:
    """The per-venue generators in state order: Q^{S,1}, Q^{I,1}, ..., Q^{S,N}, Q^{I,N}."""
    out = []
    for v in p.venues:
        out += [np.asarray(v.spread_generator), np.asarray(v.imbalance_generator)]
    return out


def joint_generator(p: ModelParams) -> np.ndarray:
    """Generator of the joint state (lp-generator): the Kronecker sum of the per-venue
    generators."""
    return reduce(_kron_sum, venue_generators(p))


def step_matrix(Q: np.ndarray, dt: float) -> np.ndarray:
    """One-step transition matrix e^{Q Δt}."""
    return scipy.linalg.expm(np.asarray(Q, dtype=float) * dt)


def joint_step_matrix(matrices: list[np.ndarray]) -> np.ndarray:
    """Kronecker product of per-venue one-step matrices (independent chains, lp-generator)."""
    return reduce(np.kron, [np.asarray(m, dtype=float) for m in matrices])


def sample_path(P: np.ndarray, n_steps: int, rng: np.random.Generator, start: int = 0
                ) -> np.ndarray:
    """A path of ``n_steps`` steps of the chain with one-step matrix ``P`` from ``start``:
    inverse-CDF draws from the rows of ``P``, one uniform per step. Shape ``(n_steps + 1,)``."""
    cumulative = np.cumsum(validation.stochastic_matrix("P", P), axis=1)
    n_steps = validation.integer("n_steps", n_steps, minimum=0)
    start = validation.integer("start", start, minimum=0, maximum=len(P) - 1)
    uniforms = rng.random(n_steps)
    path = np.empty(n_steps + 1, dtype=int)
    path[0] = start
    for k in range(n_steps):
        path[k + 1] = np.searchsorted(cumulative[path[k]], uniforms[k], side="right")
        path[k + 1] = min(path[k + 1], len(P) - 1)      # a row sum rounded below 1
    return path


def transition_matrix(p: ModelParams) -> np.ndarray:
    """One-step matrix P(Δt) = ⊗ e^{Q Δt} of the joint state, shape ``(len(M), len(M))``."""
    return joint_step_matrix([step_matrix(Q, p.dt) for Q in venue_generators(p)])


def imbalance(bid_queue: np.ndarray, ask_queue: np.ndarray, hidden_depth: float = 0.0):
    """Queue imbalance I = (Q^b - Q^a) / (Q^b + Q^a + 2H) (book eq.
    (lp-hidden-imbalance) with hidden depth H, [REC]).

    Hidden depth H at both best limits (Avellaneda–Reed–Stoikov) pulls the visible imbalance
    towards 0; H = 0 is the usual definition.
    """
    if hidden_depth < 0:
        raise ValueError(f"hidden_depth must be >= 0, got {hidden_depth}")
    bid = np.asarray(bid_queue, dtype=float)
    ask = np.asarray(ask_queue, dtype=float)
    return (bid - ask) / (bid + ask + 2.0 * hidden_depth)


def imbalance_regime(values: np.ndarray, threshold: float = 1.0 / 3.0) -> np.ndarray:
    """Regime index of imbalance values: 0 negative (I < -threshold), 1 neutral, 2 positive.

    The three regimes of the paper's Section 5.1; the threshold is [PROP] (the paper's values
    were lost).
    """
    x = np.asarray(values, dtype=float)
    return np.where(x < -threshold, 0, np.where(x > threshold, 2, 1))
