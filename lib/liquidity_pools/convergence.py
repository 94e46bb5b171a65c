"""Convergence of the finite-difference solution of one slice (book eq. (lp-scheme)).

Three studies of the slice solved by :func:`lib.liquidity_pools.fd.solve_slice`:

* :func:`grid_refinement`, in the inventory step Δq (with Δℓ = Δq);
* :func:`time_refinement`, in the number of decisions per slice N_t (Δt = T_s / N_t);
* :func:`timing_difference`, the paper's explicit placement of the penalty (book eq.
  (lp-explicit-scheme), ``penalty_timing="pre"``) against ours (lp-scheme, ``"post"``).

Successive solutions are compared where both are defined: θ at the start of the slice and the
controls of the first decision t_0 (the same instant for every N_t) on the inventory nodes of the
coarser grid, which are nodes of the finer one. Results are small frozen dataclasses; ``table``
gives the columns of a table (or of a figure's data).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.liquidity_pools import curve, fd
from lib.liquidity_pools.params import ModelParams
from lib.progress import bar

__all__ = ["ConvergenceStudy", "Refinement", "TimingDifference", "grid_refinement",
           "time_refinement", "timing_difference"]


@dataclass(frozen=True)
class Refinement:
    """Differences at t_0 between two successive solutions, on their common inventory nodes.

    ``coarse`` and ``fine`` are the refined quantity (Δq in shares, or N_t). ``theta_max`` and
    ``theta_mean`` are the largest and mean ``|θ_fine(t_0) - θ_coarse(t_0)|`` over the nodes and
    all market states ($); ``volume_max`` and ``volume_mean`` the same for the posted volumes of
    every venue (shares); ``limit_mismatch`` the fraction of (venue, node, state) where the
    limits differ (posting nothing, ``fd.NO_LIMIT``, counts as a limit).
    """

    coarse: float
    fine: float
    theta_max: float
    theta_mean: float
    volume_max: float
    volume_mean: float
    limit_mismatch: float


@dataclass(frozen=True)
class ConvergenceStudy:
    """Successive refinements of one slice.

    ``parameter`` names the refined quantity (``"dq"`` or ``"Nt"``), ``values`` its successive
    values, ``step_sizes`` the matching steps (Δq in shares or Δt in minutes), ``theta_scale``
    the largest ``|θ(t_0)|`` of the finest solution ($), ``rows`` one :class:`Refinement` per
    successive pair and ``seconds`` the wall time of each solve.
    """

    parameter: str
    values: tuple[float, ...]
    step_sizes: tuple[float, ...]
    theta_scale: float
    rows: tuple[Refinement, ...]
    seconds: tuple[float, ...]

    def orders(self) -> tuple[float, ...]:
        """Observed orders log(d_i / d_{i+1}) / log(h_i / h_{i+1}) of ``theta_max`` (d_i of row
        i, h_i its coarse step), one per pair of successive rows; NaN where a difference is 0."""
        d = np.array([r.theta_max for r in self.rows])
        h = np.array(self.step_sizes[:-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(d[:-1] / d[1:]) / np.log(h[:-1] / h[1:])
        return tuple(float(x) if np.isfinite(x) else math.nan for x in out)

    def table(self) -> dict[str, list]:
        """The rows as table columns (``figures.save_table``), values rounded for display."""
        name = {"dq": "Δq = Δℓ [shares]", "Nt": "N_t"}[self.parameter]
        return {
            name: [f"{r.coarse:g} → {r.fine:g}" for r in self.rows],
            "max |Δθ_0| [$]": [round(r.theta_max, 4) for r in self.rows],
            "mean |Δθ_0| [$]": [round(r.theta_mean, 4) for r in self.rows],
            "max |Δℓ| at t_0 [shares]": [round(r.volume_max, 2) for r in self.rows],
            "mean |Δℓ| at t_0 [shares]": [round(r.volume_mean, 3) for r in self.rows],
            "limits differing at t_0 [%]": [round(100 * r.limit_mismatch, 2) for r in self.rows],
        }


@dataclass(frozen=True, eq=False)
class TimingDifference:
    """The explicit placement of the penalty (lp-explicit-scheme) minus ours (lp-scheme).

    ``theta_max`` and ``theta_mean`` are the largest and mean ``|θ^pre(t_0) - θ^post(t_0)|`` ($),
    reached at inventory ``q_at_max`` in state ``state_at_max``. Per decision step k = 0..N_t-1:
    ``theta_gap[k]`` the largest ``|θ^pre_k - θ^post_k|`` ($), ``limit_mismatch[k]`` the fraction of
    (venue, node, state) where the limits differ and ``volume_mean[k]`` the mean ``|Δℓ|`` (shares).
    For a fixed strategy the two schemes charge the same penalties except at the ends of the
    slice: "pre" charges Δt φ (q_{t_0} - q*_{t_0})² and not Δt φ (q_{t_N} - q*_{t_N})², "post"
    the reverse. So θ differs by O(Δt), and the controls differ where the missing final
    penalty matters, at the last decisions. ``seconds`` is the wall time of the two solves.
    """

    theta_max: float
    theta_mean: float
    q_at_max: float
    state_at_max: int
    theta_gap: np.ndarray
    limit_mismatch: np.ndarray
    volume_mean: np.ndarray
    seconds: float

    def table(self) -> dict[str, list]:
        """Per decision step k: the columns of a table or a figure."""
        return {
            "k": list(range(len(self.theta_gap))),
            "max |θ^pre_k - θ^post_k| [$]": np.round(self.theta_gap, 4).tolist(),
            "limits differing [%]": np.round(100 * self.limit_mismatch, 2).tolist(),
            "mean |Δℓ| [shares]": np.round(self.volume_mean, 3).tolist(),
        }


def _solve(p: ModelParams, grid: fd.FDGrid, slice_index: int,
           penalty_timing: str = "post") -> tuple[fd.FDSolution, float]:
    """The slice ``slice_index`` on schedule (targets of lp-trading-curve) and its wall time."""
    target = curve.slice_targets(p, slice_index)
    start = time.perf_counter()
    sol = fd.solve_slice(p, grid, target, t_start=slice_index * p.Ts,
                         penalty_timing=penalty_timing)
    return sol, time.perf_counter() - start


def _compare(coarse: fd.FDSolution, fine: fd.FDSolution, coarse_value: float,
             fine_value: float) -> Refinement:
    """θ(t_0) and the controls at t_0 of ``fine`` against ``coarse`` on the coarse nodes."""
    stride = round((coarse.q[1] - coarse.q[0]) / (fine.q[1] - fine.q[0]))
    theta = np.abs(fine.theta[0, ::stride] - coarse.theta[0])
    volume = np.abs(fine.volume[0][:, ::stride] - coarse.volume[0])
    return Refinement(coarse=coarse_value, fine=fine_value,
                      theta_max=float(theta.max()), theta_mean=float(theta.mean()),
                      volume_max=float(volume.max()), volume_mean=float(volume.mean()),
                      limit_mismatch=float(np.mean(fine.limit[0][:, ::stride]
                                                   != coarse.limit[0])))


def _study(parameter: str, values: Sequence[float], step_sizes: Sequence[float],
           solves: Sequence[tuple[fd.FDSolution, float]]) -> ConvergenceStudy:
    sols = [s for s, _ in solves]
    rows = tuple(_compare(sols[i], sols[i + 1], values[i], values[i + 1])
                 for i in range(len(sols) - 1))
    return ConvergenceStudy(parameter=parameter, values=tuple(values),
                            step_sizes=tuple(float(h) for h in step_sizes),
                            theta_scale=float(np.abs(sols[-1].theta[0]).max()), rows=rows,
                            seconds=tuple(t for _, t in solves))


def grid_refinement(p: ModelParams, slice_index: int,
                    steps: Sequence[float] = (20.0, 10.0, 5.0), *,
                    progress: bool = False) -> ConvergenceStudy:
    """Convergence of the slice in Δq = Δℓ (lp-scheme), at the N_t of ``p``.

    Parameters
    ----------
    p : the model.
    slice_index : the slice, on schedule (:func:`lib.liquidity_pools.curve.slice_targets`).
    steps : at least two decreasing steps Δq (shares), each dividing the previous one (so that
        coarse nodes are fine nodes) and q0.
    progress : show a progress bar.
    """
    steps = validation.sequence("steps", steps, validation.positive, min_length=2)
    ratios = np.divide([p.q0, *steps[:-1]], steps)    # q0 / Δq_0, then Δq_{i-1} / Δq_i
    least = np.r_[1.0, np.full(len(steps) - 1, 2.0)]
    if np.any(np.abs(ratios - np.round(ratios)) > 1e-9) or np.any(np.round(ratios) < least):
        raise ValueError(f"steps must decrease from a divisor of q0 = {p.q0:g}, each dividing "
                         f"the previous one, got {steps}")
    solves = [_solve(p, fd.FDGrid(dq, dq), slice_index)
              for dq in bar(steps, desc="grid refinement", enabled=progress)]
    return _study("dq", steps, steps, solves)


def time_refinement(p: ModelParams, slice_index: int, grid: fd.FDGrid,
                    steps_per_slice: Sequence[int] = (10, 20, 40), *,
                    progress: bool = False) -> ConvergenceStudy:
    """Convergence of the slice in the number of decisions per slice N_t (lp-scheme).

    Each N_t has its own decision grid t_k = t_start + k T_s / N_t and targets q*_{t_k}; the
    solutions are compared at their common first decision t_0.

    Parameters
    ----------
    p : the model (its ``Nt`` is replaced).
    slice_index : the slice, on schedule.
    grid : the inventory and volume grid, the same for every N_t.
    steps_per_slice : at least two increasing numbers of decisions per slice.
    progress : show a progress bar.
    """
    counts = validation.sequence(
        "steps_per_slice", steps_per_slice,
        lambda name, v: validation.integer(name, v, minimum=1), min_length=2)
    if np.any(np.diff(counts) <= 0):
        raise ValueError(f"steps_per_slice must increase, got {counts}")
    models = []
    for i, n in enumerate(counts):
        try:
            models.append(p.replace(Nt=n))
        except ValueError as err:
            raise ValueError(f"steps_per_slice[{i}] = {n}: {err}") from None
    solves = [_solve(model, grid, slice_index)
              for model in bar(models, desc="time refinement", enabled=progress)]
    return _study("Nt", counts, [model.dt for model in models], solves)


def timing_difference(p: ModelParams, slice_index: int, grid: fd.FDGrid) -> TimingDifference:
    """The paper's explicit placement of the penalty (lp-explicit-scheme) against ours
    (lp-scheme) on one slice, on schedule."""
    post, t_post = _solve(p, grid, slice_index, "post")
    pre, t_pre = _solve(p, grid, slice_index, "pre")
    gap = np.abs(pre.theta - post.theta)
    n, m = np.unravel_index(np.argmax(gap[0]), gap[0].shape)
    return TimingDifference(
        theta_max=float(gap[0, n, m]), theta_mean=float(gap[0].mean()),
        q_at_max=float(post.q[n]), state_at_max=int(m),
        theta_gap=gap[:-1].max(axis=(1, 2)),
        limit_mismatch=np.mean(pre.limit != post.limit, axis=(1, 2, 3)),
        volume_mean=np.abs(pre.volume - post.volume).mean(axis=(1, 2, 3)),
        seconds=t_post + t_pre)
