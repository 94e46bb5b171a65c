"""How fast the Bayesian adaptive run learns, over many seeds (paper Sections 3.2 and 5.5).

One run (:func:`learning_errors`) trades the adaptive strategy of
:func:`lib.liquidity_pools.adaptive.run_adaptive` for one seed and keeps, per slice, the error
of every posterior mean against the truth; :func:`learning_study` runs many seeds through
:func:`lib.parallel.run_many` and summarises them by the median and a quantile band per slice.

The errors, slice k = 0 being the prior and k the posterior after k slices:

==============  ==========================================================================
group           error of the posterior mean at slice k
==============  ==========================================================================
p_full_i        ``|p̂ - p|`` of venue i's probability of a full execution (lp-dirichlet-update)
spread_i        max over entries ``|P̂^Nt - P^Nt|`` for venue i's one-step spread matrix P(Δt)
                (lp-one-step-posterior): the error of the one-slice matrix P(Ts) the estimate
                implies, which does not depend on Δt, so that scenarios with different
                numbers of decisions Nt compare (one-step matrices of a shorter Δt are
                closer to the identity, and so are their errors)
imbalance_i     the same for venue i's one-step imbalance matrix
drift           ``|μ̂ - μ|`` in $/min (lp-drift-update)
rho_i           Σ_m w_m ``|ρ̂^i_m/ρ^i_m - 1|`` / Σ_m w_m, the relative error of venue i's zone
                multipliers weighted by the exposure w_m the run accumulates in zone m over
                all its slices (lp-gamma-update; the zones where the trader's orders rest)
==============  ==========================================================================

Venues are numbered from 1, as in the chapter's figures. The scenario knobs change the
chapter's experiment (:func:`~lib.liquidity_pools.adaptive.default_truth_and_prior`) in the truth
and in the prior
alike, since they describe the market and the order, which the trader knows up to the unknown
parameters: ``intensity_scale`` c multiplies every venue's intensity scale Λ^i (the market is c
times as liquid; the Gamma prior keeps its shape α, hence its relative uncertainty, by dividing
its rate by c), ``decisions`` is Nt (c > 1 needs Nt >= about 10 c for the probability bound of
(lp-scheme)), ``regime_scale`` multiplies every venue's spread and imbalance generators (the
regimes jump that many times as often), ``order`` is q0, ``horizon`` is Ns and ``lot`` the step
Δq = Δℓ of the grid.

Cost: each slice solves (lp-scheme) on the grid, Nt backward steps of the compiled volume
search; a run uses one numba thread, the runs themselves going in parallel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np

from lib import validation
from lib.liquidity_pools import adaptive, fd
from lib.liquidity_pools.adaptive import History, Prior
from lib.liquidity_pools.params import ModelParams, min_decisions, probability_bound
from lib.parallel import run_many

__all__ = ["DEFAULTS", "LearningStudy", "RunErrors", "group_names", "learning_errors",
           "learning_study", "scenario"]

DEFAULTS: dict[str, float | int] = {"intensity_scale": 1.0, "regime_scale": 1.0, "decisions": 10,
                                    "order": 1000.0, "horizon": 20, "lot": 20.0}
"""The chapter's experiment, with its intensities, Nt = 10, q0 = 1000 shares, Ns = 20 slices and
the coarse grid ``fd.FDGrid(20, 20)``."""


def group_names(n_venues: int = 2) -> tuple[str, ...]:
    """Names of the error groups (see the module's table), venues numbered from 1."""
    venues = range(1, n_venues + 1)
    return (*(f"p_full_{i}" for i in venues), *(f"spread_{i}" for i in venues),
            *(f"imbalance_{i}" for i in venues), "drift", *(f"rho_{i}" for i in venues))


def _knobs(intensity_scale: object, regime_scale: object, decisions: object, order: object,
           horizon: object, lot: object) -> dict[str, float | int]:
    """The scenario knobs, checked (ValueError naming the parameter)."""
    return {"intensity_scale": validation.positive("intensity_scale", intensity_scale),
            "regime_scale": validation.positive("regime_scale", regime_scale),
            "decisions": validation.integer("decisions", decisions, minimum=1),
            "order": validation.positive("order", order),
            "horizon": validation.integer("horizon", horizon, minimum=1),
            "lot": validation.positive("lot", lot)}


def scenario(*, intensity_scale: float = 1.0, regime_scale: float = 1.0, decisions: int = 10,
             order: float = 1000.0, horizon: int = 20) -> tuple[ModelParams, np.ndarray, Prior]:
    """(truth, true ρ, prior) of the chapter's experiment with the knobs changed in both.

    The prior keeps the chapter's hyperparameters (Gamma rate 2, Dirichlet concentration 1,
    5 pseudo-transitions per row, drift s.d. 0.005), except that the Gamma rate is divided by
    ``intensity_scale`` so that α, and the prior's relative uncertainty on ρ, are unchanged.
    The one-step matrices are those of the new Δt = Ts/``decisions`` and of the generators
    times ``regime_scale``.
    """
    knobs = _knobs(intensity_scale, regime_scale, decisions, order, horizon, DEFAULTS["lot"])
    c, r, nt = knobs["intensity_scale"], knobs["regime_scale"], int(knobs["decisions"])
    truth0, _, prior0 = adaptive.default_truth_and_prior()
    needed = max(min_decisions(truth0, c), min_decisions(prior0.params, c))
    if nt < needed:
        worst = max(probability_bound(truth0), probability_bound(prior0.params))
        bound = worst * c * truth0.Nt / nt
        raise ValueError(f"intensity_scale = {c:g} with decisions = {nt} violates the probability "
                         f"bound of the scheme (Δt Σ_i max_j λ = {bound:.3g} > 1): take "
                         f"decisions >= {needed}")

    def faster(generator: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(r * rate for rate in row) for row in generator)

    def changed(p: ModelParams) -> ModelParams:
        return p.replace(Nt=nt, q0=knobs["order"], Ns=int(knobs["horizon"]), venues=tuple(
            dataclasses.replace(v, intensity=v.intensity * c,
                                spread_generator=faster(v.spread_generator),
                                imbalance_generator=faster(v.imbalance_generator))
            for v in p.venues))

    truth, model = changed(truth0), changed(prior0.params)
    prior = Prior.from_params(model, rate=float(prior0.rho.beta.flat[0]) / c,
                              concentration=float(prior0.fractions.alpha[0].sum()),
                              pseudo=prior0.spread[0].pseudo, drift_sd=prior0.drift.s0)
    return truth, adaptive.zone_multipliers(truth), prior


@dataclass(frozen=True, eq=False)
class RunErrors:
    """The per-slice errors of one adaptive run; S = n_slices asked for.

    errors maps every group of :func:`group_names` to its errors (S + 1,), index 0 the prior;
    fills (S,) the trader's fills in each slice; venue_fills (S + 1, N) the cumulative fills
    per venue. A run that sold its whole order before slice S (``slices_traded`` < S) learns
    nothing more: its later entries are NaN. dt is the decision step Δt of the run (min).
    """

    seed: int
    errors: dict[str, np.ndarray]
    fills: np.ndarray
    venue_fills: np.ndarray
    slices_traded: int
    dt: float


def _pad(values: np.ndarray, length: int) -> np.ndarray:
    """``values`` (float) along axis 0, NaN-padded to ``length`` rows."""
    values = np.asarray(values, dtype=float)
    pad = np.full((length - len(values), *values.shape[1:]), np.nan)
    return np.concatenate([values, pad])


def _slice_matrix_error(estimate: np.ndarray, truth: np.ndarray, nt: int) -> np.ndarray:
    """max over entries ``|P̂^nt - P^nt|``: estimates (S + 1, N, k, k) against truths (N, k, k)
    -> (S + 1, N)."""
    power = np.linalg.matrix_power
    return np.abs(power(estimate, nt) - power(truth, nt)).max(axis=(-2, -1))


def _errors(history: History, nt: int) -> dict[str, np.ndarray]:
    """The errors of every group per slice (S_traded + 1,) (see the module's table); ``nt``
    decisions per slice."""
    n = history.true_rho.shape[0]
    out: dict[str, np.ndarray] = {}
    p_full = np.abs(history.p_full - history.true_p_full)
    spread = _slice_matrix_error(history.spread_P, history.true_spread_P, nt)
    imbalance = _slice_matrix_error(history.imbalance_P, history.true_imbalance_P, nt)
    weight = history.exposure[-1]
    known = history.true_rho > 0
    relative = np.abs(np.divide(history.rho_hat, history.true_rho,
                                out=np.ones_like(history.rho_hat), where=known) - 1.0)
    for i in range(n):
        out[f"p_full_{i + 1}"] = p_full[:, i]
    for i in range(n):
        out[f"spread_{i + 1}"] = spread[:, i]
    for i in range(n):
        out[f"imbalance_{i + 1}"] = imbalance[:, i]
    out["drift"] = np.abs(history.mu_hat - history.true_mu)
    for i in range(n):
        w = np.where(known[i], weight[i], 0.0)
        out[f"rho_{i + 1}"] = (relative[:, i] @ w / w.sum() if w.sum() > 0
                               else np.full(len(relative), np.nan))
    return out


@contextlib.contextmanager
def _one_numba_thread() -> Iterator[None]:
    """Run the compiled volume search on one thread (the runs go in parallel instead)."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)


def learning_errors(seed: int, n_slices: int = 20, intensity_scale: float = 1.0,
                    regime_scale: float = 1.0, decisions: int = 10, order: float = 1000.0,
                    horizon: int = 20, lot: float = 20.0) -> RunErrors:
    """One adaptive run (paper Section 3.2) of :func:`scenario` on ``fd.FDGrid(lot, lot)``
    with ``seed``, reduced to its per-slice errors (updates (lp-gamma-update),
    (lp-dirichlet-update), (lp-one-step-posterior), (lp-drift-update)).

    With the default knobs this is the chapter's run (`run_adaptive` of
    :func:`~lib.liquidity_pools.adaptive.default_truth_and_prior` on its coarse grid). Requires
    1 <= n_slices <= horizon and ``lot`` dividing ``order``.
    """
    knobs = _knobs(intensity_scale, regime_scale, decisions, order, horizon, lot)
    seed = validation.integer("seed", seed, minimum=0)
    n_slices = validation.integer("n_slices", n_slices, minimum=1, maximum=int(knobs["horizon"]),
                                  why=" = horizon (the parent order's slices)")
    steps = knobs["order"] / knobs["lot"]
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(f"lot must divide order = {knobs['order']:g}, got {knobs['lot']:g}")
    truth, rho_true, prior = scenario(intensity_scale=knobs["intensity_scale"],
                                      regime_scale=knobs["regime_scale"],
                                      decisions=int(knobs["decisions"]), order=knobs["order"],
                                      horizon=int(knobs["horizon"]))
    with _one_numba_thread():
        history = adaptive.run_adaptive(truth, rho_true, prior, n_slices=n_slices,
                                        grid=fd.FDGrid(knobs["lot"], knobs["lot"]), seed=seed)
    length = n_slices + 1
    fills = np.array([np.sum(log.venue >= 0) for log in history.logs], dtype=float)
    return RunErrors(seed=seed,
                     errors={k: _pad(v, length) for k, v in _errors(history, truth.Nt).items()},
                     fills=_pad(fills, n_slices),
                     venue_fills=_pad(history.fills.sum(axis=2), length),
                     slices_traded=history.n_slices, dt=truth.dt)


def _quantile_rows(stack: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles (len(levels), columns) over the rows of ``stack``, ignoring NaN (a column
    without any value gives NaN)."""
    out = np.full((len(levels), stack.shape[1]), np.nan)
    for column in range(stack.shape[1]):
        values = stack[:, column][np.isfinite(stack[:, column])]
        if values.size:
            out[:, column] = np.quantile(values, levels)
    return out


@dataclass(frozen=True, eq=False)
class LearningStudy:
    """Many seeds of one scenario: per group the median and the band (``quantiles``) of the
    errors per slice (S + 1,), index 0 the prior.

    scenario the knobs of :func:`learning_errors` (n_slices included); seeds the seeds asked
    for; runs the completed runs (their :class:`RunErrors`); failures (seed, "Type: message")
    of the runs that raised; median, low, high dicts by group; fills_median (S,) the median
    over runs of the fills in each slice; seconds the compute time of every completed run;
    wall_seconds the time of the whole study (cached runs cost nothing).
    """

    scenario: dict[str, float | int]
    seeds: tuple[int, ...]
    quantiles: tuple[float, float]
    runs: tuple[RunErrors, ...]
    failures: tuple[tuple[int, str], ...]
    median: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    fills_median: np.ndarray
    seconds: np.ndarray
    wall_seconds: float

    @property
    def n_runs(self) -> int:
        """Number of completed runs."""
        return len(self.runs)

    @property
    def groups(self) -> tuple[str, ...]:
        """The error groups, in the order of :func:`group_names`."""
        return tuple(self.median)

    @property
    def slices(self) -> np.ndarray:
        """Slice numbers 0..S (0 the prior)."""
        return np.arange(len(self.fills_median) + 1)

    @property
    def fills_per_slice(self) -> float:
        """Median over runs of a run's mean number of fills per traded slice."""
        return float(np.median([np.nanmean(r.fills) for r in self.runs]))

    def _group(self, group: str) -> str:
        if group not in self.median:
            raise ValueError(f"group must be one of {list(self.median)}, got {group!r}")
        return group

    def slices_below(self, group: str, threshold: float, *, stay: bool = True) -> int | None:
        """First slice at which the median error of ``group`` is below ``threshold`` (with
        ``stay``, below it at every later slice too); None when it never is."""
        threshold = validation.positive("threshold", threshold)
        median = self.median[self._group(group)]
        below = np.isfinite(median) & (median < threshold)
        if stay:
            if not below[-1]:
                return None
            above = np.flatnonzero(~below)
            return int(above[-1] + 1) if above.size else 0
        hits = np.flatnonzero(below)
        return int(hits[0]) if hits.size else None

    def at(self, group: str, slices: Sequence[int]) -> list[tuple[float, float, float]]:
        """(median, low, high) of ``group`` at each of ``slices`` (those beyond S skipped)."""
        group = self._group(group)
        return [(float(self.median[group][k]), float(self.low[group][k]),
                 float(self.high[group][k])) for k in slices if 0 <= k < len(self.slices)]

    def by_fills(self, group: str, venue: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Median error of ``group`` against the cumulative fills of ``venue`` (1-based),
        pooled over runs and slices: (fill counts, median error, number of (run, slice))."""
        group = self._group(group)
        n_venues = self.runs[0].venue_fills.shape[1] if self.runs else 0
        venue = validation.integer("venue", venue, minimum=1, maximum=n_venues)
        fills = np.concatenate([r.venue_fills[:, venue - 1] for r in self.runs])
        errors = np.concatenate([r.errors[group] for r in self.runs])
        keep = np.isfinite(fills) & np.isfinite(errors)
        counts = np.unique(fills[keep]).astype(int)
        medians = np.array([np.median(errors[keep][fills[keep] == n]) for n in counts])
        sizes = np.array([np.sum(fills[keep] == n) for n in counts])
        return counts, medians, sizes


def _seeds(seeds: object) -> tuple[int, ...]:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Sequence, range, np.ndarray)):
        raise ValueError(f"seeds must be a sequence of seeds, got {seeds!r}")
    checked = tuple(validation.integer(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(seeds))
    if not checked:
        raise ValueError("seeds must hold at least one seed")
    if len(set(checked)) != len(checked):
        raise ValueError("seeds must be distinct (a repeated seed repeats its run)")
    return checked


def learning_study(seeds: Sequence[int], *, n_slices: int = 20, intensity_scale: float = 1.0,
                   regime_scale: float = 1.0, decisions: int = 10, order: float = 1000.0,
                   horizon: int = 20,
                   lot: float = 20.0, quantiles: tuple[float, float] = (0.1, 0.9),
                   cache: Path | str | None = None, workers: int | None = None,
                   scheduler: str | None = None, progress: bool = False) -> LearningStudy:
    """:func:`learning_errors` for every seed through :func:`lib.parallel.run_many`
    (``cache``, ``workers``, ``scheduler`` and ``progress`` passed on), summarised per slice.

    Every argument is checked before anything runs (ValueError naming it). A run that raises
    is recorded in ``failures``; if none completes, RuntimeError gives the first failure.
    """
    seeds = _seeds(seeds)
    knobs = _knobs(intensity_scale, regime_scale, decisions, order, horizon, lot)
    n_slices = validation.integer("n_slices", n_slices, minimum=1, maximum=int(knobs["horizon"]),
                                  why=" = horizon (the parent order's slices)")
    low_q, high_q = validation.sequence("quantiles", quantiles, validation.finite,
                                        min_length=2, max_length=2)
    if not 0.0 <= low_q < 0.5 < high_q <= 1.0:
        raise ValueError(f"quantiles must be (low, high) with 0 <= low < 0.5 < high <= 1, "
                         f"got {quantiles!r}")
    if cache is not None and not isinstance(cache, (str, os.PathLike)):
        raise ValueError(f"cache must be a folder, got {cache!r}")
    steps = knobs["order"] / knobs["lot"]
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(f"lot must divide order = {knobs['order']:g}, got {knobs['lot']:g}")
    scenario(intensity_scale=knobs["intensity_scale"], decisions=int(knobs["decisions"]),
             order=knobs["order"], horizon=int(knobs["horizon"]))   # the bound, before running
    point: dict[str, Any] = {"n_slices": n_slices, **knobs}
    label = ", ".join(f"{k}={v:g}" for k, v in knobs.items())
    start = time.perf_counter()
    outcomes = run_many(learning_errors, [{"seed": s, **point} for s in seeds],
                        cache=None if cache is None else Path(cache), workers=workers,
                        scheduler=scheduler, progress=progress, description=f"learning ({label})")
    wall = time.perf_counter() - start
    runs = tuple(o.value for o in outcomes if o.error is None)
    failures = tuple((o.point["seed"], f"{o.error.type}: {o.error.message}")
                     for o in outcomes if o.error is not None)
    if not runs:
        raise RuntimeError(f"no run completed; seed {failures[0][0]}: {failures[0][1]}")
    median, low, high = {}, {}, {}
    for group in runs[0].errors:
        rows = _quantile_rows(np.stack([r.errors[group] for r in runs]), (0.5, low_q, high_q))
        median[group], low[group], high[group] = rows
    fills = _quantile_rows(np.stack([r.fills for r in runs]), (0.5,))[0]
    return LearningStudy(scenario=point, seeds=seeds, quantiles=(low_q, high_q), runs=runs,
                         failures=failures, median=median, low=low, high=high,
                         fills_median=fills,
                         seconds=np.array([o.seconds for o in outcomes if o.error is None]),
                         wall_seconds=wall)
