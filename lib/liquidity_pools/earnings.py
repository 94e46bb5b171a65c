"""What the networks' strategy earns against the finite-difference optimum and against posting
nothing (the networks' page of the liquidity-pools chapter).

The measure of a strategy is its expected slice objective (book eq. (lp-objective)) from an
inventory q and a market state m, estimated by Monte Carlo with the market simulator of
:mod:`lib.liquidity_pools.simulate`: the networks are read at the inventory itself, the
finite-difference policy at its nodes on :data:`REFERENCE_GRID`, where every executed size
stays on the grid and the simulated mean of the finite-difference policy is θ_0 (the
chapter's Monte Carlo check). Both run on the same random numbers, so that their difference
has a far smaller standard error than either. Posting nothing earns the closed form θ^none_0
(lp-no-order-value). The share of the finite differences' gain that the networks capture is
(E[R_nn] - θ^none) / (E[R_fd] - θ^none).

:func:`slice_study` trains and measures one seed over several slices, warm-started from slice
to slice or from scratch at every slice; :func:`adaptive_outcome` runs the adaptive algorithm
with either solver. Both are module-level functions of JSON-serialisable arguments, for
:func:`lib.parallel.run_many`.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lib.liquidity_pools import adaptive, curve, fd, nn
from lib.liquidity_pools.params import ModelParams, default_params
from lib.liquidity_pools.plots import named_states
from lib.liquidity_pools.simulate import Policy, objective_paths

__all__ = ["OFFSETS", "REFERENCE_GRID", "STATE_NAMES", "Earnings", "SliceResult",
           "adaptive_outcome", "earnings", "pretrained", "slice_study", "study_point",
           "test_inventories"]

REFERENCE_GRID = fd.FDGrid(10.0, 20.0)
"""The finite-difference grid of the reference policy (Δℓ = 2Δq keeps half fills on it)."""

OFFSETS = (0.0, 40.0, 100.0, 200.0)
"""Inventories measured, relative to the slice's first target q*_{t_0} (shares) [PROP]."""

STATE_NAMES = ("eq", "bad", "spr", "imb")
"""The named market states measured (:func:`lib.liquidity_pools.plots.named_states`)."""


def test_inventories(target: np.ndarray, q0: float, offsets: tuple[float, ...] = OFFSETS,
                     node: float = REFERENCE_GRID.dq) -> np.ndarray:
    """The distinct inventories q*_{t_0} + offset, rounded to the nearest multiple of ``node``
    and kept within [0, q0]."""
    q = np.clip(np.round((target[0] + np.asarray(offsets, dtype=float)) / node) * node, 0.0, q0)
    return np.unique(q)


@dataclass(frozen=True)
class Earnings:
    """Expected slice objectives ($) at inventories q (n_q,) in market states (n_m,).

    none (n_q,) posting nothing (closed form); fd, nn (n_q, n_m) the Monte Carlo means of the
    finite-difference and the networks' strategies, fd_se, nn_se their standard errors and
    diff_se the standard error of nn - fd on common random numbers; n_paths per point.
    """

    q: np.ndarray
    states: tuple[str, ...]
    none: np.ndarray
    fd: np.ndarray
    fd_se: np.ndarray
    nn: np.ndarray
    nn_se: np.ndarray
    diff_se: np.ndarray
    n_paths: int

    @property
    def fd_gain(self) -> np.ndarray:
        """E[R_fd] - θ^none (n_q, n_m)."""
        return self.fd - self.none[:, None]

    @property
    def share(self) -> np.ndarray:
        """The share of the finite differences' gain that the networks capture (n_q, n_m)."""
        return (self.nn - self.none[:, None]) / self.fd_gain

    @property
    def share_se(self) -> np.ndarray:
        """Standard error of :attr:`share`, from that of nn - fd."""
        return self.diff_se / np.abs(self.fd_gain)


def earnings(p: ModelParams, policy: Policy, reference: fd.FDSolution, q: np.ndarray,
             states: tuple[str, ...] = STATE_NAMES, *, n_paths: int,
             seed: int) -> Earnings:
    """:class:`Earnings` of ``policy`` against ``reference`` (a finite-difference solution of
    the same slice on a grid where half fills stay on it) at inventories ``q`` and the named
    ``states``, each point on ``n_paths`` paths of ``numpy.random.default_rng(seed)``."""
    named = named_states(p)
    unknown = [s for s in states if s not in named]
    if unknown:
        raise ValueError(f"states must be among {sorted(named)}, got {unknown}")
    q = np.asarray(q, dtype=float)
    none = fd.no_order_value(p, q, reference.target)[0]
    shape = (len(q), len(states))
    qq, mm = np.meshgrid(q, [named[state] for state in states], indexing="ij")
    R_fd, R_nn = (objective_paths(p, pol, qq.ravel(), mm.ravel(), n_paths, seed)
                  for pol in (reference, policy))
    out = {}
    for name, R in (("fd", R_fd), ("nn", R_nn), ("diff", R_nn - R_fd)):
        if name != "diff":
            out[name] = R.mean(axis=1).reshape(shape)
        out[f"{name}_se"] = (R.std(axis=1, ddof=1) / math.sqrt(n_paths)).reshape(shape)
    return Earnings(q=q, states=tuple(states), none=none, n_paths=n_paths, **out)


@dataclass(frozen=True)
class SliceResult:
    """One slice of :func:`slice_study`: the slice, whether its networks were warm-started,
    their training time (s), the value at q = 0 of the networks in the named states and the
    closed form there, the :class:`Earnings`, and the networks themselves when kept."""

    slice_index: int
    warm: bool
    seconds: float
    value_at_zero: np.ndarray
    exact_at_zero: float
    earnings: Earnings
    networks: nn.NNSolution | None = None


def slice_study(case: str, seed: int, slices: list[int], config: dict[str, Any],
                warm_config: dict[str, Any] | None = None, *, measure: list[int] | None = None,
                n_paths: int, mc_seed: int, keep: bool = False) -> list[SliceResult]:
    """Train the networks of ``case`` ("identical" or "different" venues) with seed ``seed``
    at each of ``slices`` in turn and measure what they earn at the slices of ``measure``
    (default: all).

    The first slice trains from scratch with ``config`` (keyword arguments of
    :class:`lib.liquidity_pools.nn.NNConfig`); each later one starts from the networks of the
    slice before with ``warm_config`` (warm start), or from scratch with ``config`` when
    ``warm_config`` is None. With ``keep`` every result carries its networks.
    """
    measured = set(slices if measure is None else measure)
    p = default_params(case)
    named = named_states(p)
    first = nn.NNConfig(**config, seed=seed)
    warm = None if warm_config is None else nn.NNConfig(**warm_config, seed=seed)
    results: list[SliceResult] = []
    previous: nn.NNSolution | None = None
    for index in slices:
        target = curve.slice_targets(p, index)
        started = previous is not None and warm is not None
        trained = nn.train_slice(p, target, warm if started else first, t_start=index * p.Ts,
                                 init=previous if started else None)
        previous = trained
        if index not in measured:
            continue
        reference = fd.solve_slice(p, REFERENCE_GRID, target, t_start=index * p.Ts)
        states = np.array([named[s] for s in STATE_NAMES])
        results.append(SliceResult(
            slice_index=index, warm=started, seconds=trained.seconds,
            value_at_zero=trained.theta(0, np.zeros(len(states)), states),
            exact_at_zero=float(fd.no_order_value(p, np.zeros(1), target)[0, 0]),
            earnings=earnings(p, trained, reference, test_inventories(target, p.q0),
                              n_paths=n_paths, seed=mc_seed),
            networks=trained if keep else None))
    return results


@functools.cache
def pretrained(config: str, seed: int) -> nn.NNSolution:
    """The pre-trained networks of the adaptive run: its first slice's model (the prior's
    posterior-mean model, the order's first targets) trained from scratch with the
    :class:`~lib.liquidity_pools.nn.NNConfig` whose keyword arguments are the JSON text ``config``
    and ``seed``. Kept
    per process: every run of :func:`adaptive_outcome` with them shares one training."""
    _, _, prior = adaptive.default_truth_and_prior()
    plug, P, lam = prior.plug_in()
    return nn.train_slice(plug, curve.slice_targets(plug, 0, q_ref=plug.q0),
                          nn.NNConfig(**json.loads(config), seed=seed), transition=P,
                          intensities=lam)


def adaptive_outcome(seed: int, solver: str, n_slices: int, dq: float, dl: float,
                     config: dict[str, Any] | None = None,
                     warm_config: dict[str, Any] | None = None,
                     pretrain_seed: int = 0) -> dict[str, Any]:
    """The adaptive run of :func:`lib.liquidity_pools.adaptive.run_adaptive` on the chapter's
    truth and prior (:func:`~lib.liquidity_pools.adaptive.default_truth_and_prior`) with ``solver``
    "fd" or "nn", on
    the grid (dq, dl), seed ``seed``: shares executed, implementation cost ($) and its two
    parts, cost = -spread - holding (the fills' gains against the mid at their decision time
    and the gain Σ q_{k+1} (S_{k+1} - S_k) of the inventory held), fills, and the decision
    times, inventories and trading curve of the run.

    For "nn" (networks seeded with ``seed``): with ``warm_config`` every slice starts from the
    networks of the slice before, the first from the :func:`pretrained` networks (``config``,
    ``pretrain_seed``), and trains with ``warm_config``; without it every slice trains from
    scratch with ``config``.
    """
    truth, rho_true, prior = adaptive.default_truth_and_prior()
    options: dict[str, Any] = {}
    if solver == "nn":
        if config is None:
            raise ValueError("config: the 'nn' solver needs the networks' configuration")
        if warm_config is None:
            options = {"config": nn.NNConfig(**config, seed=seed), "warm": False}
        else:
            options = {"config": nn.NNConfig(**warm_config, seed=seed),
                       "init": pretrained(json.dumps(config, sort_keys=True), pretrain_seed)}
    history = adaptive.run_adaptive(truth, rho_true, prior, n_slices=n_slices,
                                    grid=fd.FDGrid(dq, dl), seed=seed, solver=solver,
                                    solver_options=options)
    return {"executed": history.executed, "cost": history.implementation_cost,
            "spread": history.spread_gain, "holding": history.holding_gain,
            "fills": sum(int(np.sum(log.venue >= 0)) for log in history.logs),
            "t": history.t, "q": history.q, "curve": history.curve}


def study_point(kind: str, **arguments: Any) -> Any:
    """One run of the networks page's study, for :func:`lib.parallel.run_many`: a
    :func:`slice_study` (``kind="slices"``) or an :func:`adaptive_outcome`
    (``kind="adaptive"``), so that both kinds share one cluster."""
    runs = {"slices": slice_study, "adaptive": adaptive_outcome}
    if kind not in runs:
        raise ValueError(f"kind must be one of {sorted(runs)}, got {kind!r}")
    return runs[kind](**arguments)
