"""Fill intensities, fill probability and executed fractions (book eqs. (lp-dynamics) and
(lp-fills), with the chapter's proposed parameters), and the market impact of a fill (book eq.
(lp-impact))."""

from __future__ import annotations

import math

import numpy as np

from lib.liquidity_pools.markov import enumerate_states
from lib.liquidity_pools.params import ModelParams

__all__ = ["fill_intensities", "half_spreads", "impact_coefficients", "impact_cost",
           "state_drift", "volume_factor"]


def fill_intensities(p: ModelParams, override: np.ndarray | None = None) -> np.ndarray:
    """λ^i_{j,m} = Λ^i a_j b(s^i) c(ι^i) per minute [PROP], shape ``(N, len(M), 3)``.

    The last axis is the limit j = -1, 0, 1 (lp-fills). An ``override`` (the plug-in intensities of
    the adaptive run) is checked for its shape, sign and the probability bound and returned.
    """
    states = enumerate_states(p)
    out = np.empty((p.n_venues, len(states), 3))
    for i, v in enumerate(p.venues):
        zone = (v.intensity * np.asarray(v.spread_factor)[states[:, 2 * i]]
                * np.asarray(v.imbalance_factor)[states[:, 2 * i + 1]])
        out[i] = zone[:, None] * np.asarray(v.limit_profile)[None, :]
    if override is None:
        return out
    given = np.asarray(override, dtype=float)
    if given.shape != out.shape or not np.all(np.isfinite(given)) or np.any(given < 0):
        raise ValueError(f"intensities must be a finite array >= 0 of shape {out.shape}")
    bound = p.dt * given.max(axis=2).sum(axis=0).max()
    if bound > 1.0 + 1e-12:
        raise ValueError(f"probability bound violated by intensities: dt * sum_i max_j "
                         f"lambda = {bound:.4g} > 1")
    return given


def half_spreads(p: ModelParams) -> np.ndarray:
    """Half spread s^i/2 of every venue in every state ($), shape ``(N, len(M))`` (lp-dynamics)."""
    states = enumerate_states(p)
    spreads = np.asarray(p.spread_ticks) * p.tick
    return np.stack([spreads[states[:, 2 * i]] / 2.0 for i in range(p.n_venues)])


def state_drift(p: ModelParams) -> np.ndarray:
    """Drift μ(m) = μ + Σ_i (β^S s^i + β^I ι^i) of the mid in every state (lp-signal, [PROP] form).

    With β^S = β^I = 0 (the default) it is the constant μ of (lp-dynamics).
    """
    states = enumerate_states(p)
    spreads = np.asarray(p.spread_ticks) * p.tick
    labels = np.asarray(p.imbalance_labels)
    mu = np.full(len(states), p.mu)
    for i in range(p.n_venues):
        mu += p.signal_spread * spreads[states[:, 2 * i]]
        mu += p.signal_imbalance * labels[states[:, 2 * i + 1]]
    return mu


def volume_factor(total_volume: np.ndarray, kvol: float) -> np.ndarray:
    """f(ℓ) = exp(-κ_v Σ_i ℓ^i): probability that the posted volume is hit (lp-fills)."""
    return np.exp(-kvol * np.asarray(total_volume, dtype=float))


def impact_coefficients(p: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Per venue, the temporary coefficient c^i σ / sqrt(V^i) of the square-root law and the
    permanent coefficient ν^i (lp-impact), each of shape ``(N,)``."""
    temporary = np.array([v.temporary_impact * p.sigma / math.sqrt(v.venue_volume)
                          for v in p.venues])
    return temporary, np.array([v.permanent_impact for v in p.venues])


def impact_cost(temporary: np.ndarray, permanent: np.ndarray, v: np.ndarray,
                q: np.ndarray) -> np.ndarray:
    """Impact cost of selling v shares out of an inventory q: c σ v^{3/2}/sqrt(V) + ν v (q - v)
    (lp-impact), with the coefficients of :func:`impact_coefficients` (broadcast)."""
    return temporary * v ** 1.5 + permanent * v * (q - v)
