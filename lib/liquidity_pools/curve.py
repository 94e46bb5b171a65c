"""The Almgren–Chriss / implementation-shortfall trading curve q*_t (book eq.
(lp-trading-curve))."""

from __future__ import annotations

import numpy as np

from lib import validation
from lib.liquidity_pools.params import ModelParams

__all__ = ["ac_kappa", "anchored_curve", "is_curve", "slice_targets"]


def ac_kappa(*, gamma: float, sigma: float, V: float, eta: float) -> float:
    """κ_AC = sqrt(γ σ² V / (2 η)) (lp-trading-curve): CARA risk aversion γ, volatility σ, market
    volume V, quadratic execution cost η ρ² in the participation rate ρ = v / V."""
    gamma = validation.positive("gamma", gamma)
    sigma = validation.nonnegative("sigma", sigma)
    V = validation.positive("V", V)
    eta = validation.positive("eta", eta)
    return float(np.sqrt(gamma * sigma**2 * V / (2.0 * eta)))


def anchored_curve(t: np.ndarray, *, q_ref: float, t_ref: float, T: float,
                   kappa: float) -> np.ndarray:
    """q*_t = q_ref sinh(κ (T - t)) / sinh(κ (T - t_ref)) for t in [t_ref, T]
    (lp-trading-curve, [REC]).

    The curve re-anchored at a slice start t_ref on the inventory q_ref still to sell; with
    t_ref = 0 and q_ref = q0 it is the curve of the parent order. κ = 0 gives the straight
    line (the limit κ → 0).
    """
    T = validation.positive("T", T)
    kappa = validation.nonnegative("kappa", kappa)
    if not 0.0 <= t_ref < T:
        raise ValueError(f"t_ref must lie in [0, T) = [0, {T}), got {t_ref}")
    tt = np.asarray(t, dtype=float)
    if tt.size and (tt.min() < t_ref - 1e-12 or tt.max() > T + 1e-12):
        raise ValueError(f"t must lie in [t_ref, T] = [{t_ref}, {T}]")
    if kappa == 0.0:
        return q_ref * (T - tt) / (T - t_ref)
    return q_ref * np.sinh(kappa * (T - tt)) / np.sinh(kappa * (T - t_ref))


def is_curve(t: np.ndarray, *, q0: float, T: float, kappa: float) -> np.ndarray:
    """q*_t = q0 sinh(κ (T - t)) / sinh(κ T) (lp-trading-curve)."""
    return anchored_curve(t, q_ref=q0, t_ref=0.0, T=T, kappa=kappa)


def slice_targets(p: ModelParams, slice_index: int, q_ref: float | None = None) -> np.ndarray:
    """Targets q*_{t_k}, k = 0..Nt, on the decision grid of slice ``slice_index``
    (paper Section 3.2).

    Without ``q_ref`` the trader is on schedule and the targets are the parent order's curve
    (lp-trading-curve); with ``q_ref`` the curve is re-anchored at the slice start on the inventory
    still to sell, which spreads a shortfall over the remaining slices [REC].
    """
    if not 0 <= slice_index < p.Ns:
        raise ValueError(f"slice_index must lie in [0, Ns - 1] = [0, {p.Ns - 1}], "
                         f"got {slice_index}")
    t = slice_index * p.Ts + p.dt * np.arange(p.Nt + 1)
    if q_ref is None:
        return is_curve(t, q0=p.q0, T=p.T, kappa=p.kappa_ac)
    q_ref = validation.nonnegative("q_ref", q_ref)
    return anchored_curve(t, q_ref=q_ref, t_ref=slice_index * p.Ts, T=p.T, kappa=p.kappa_ac)
