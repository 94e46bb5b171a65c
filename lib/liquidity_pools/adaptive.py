"""The slice-by-slice Bayesian adaptive strategy (paper Section 3.2; Figs 46–56).

For every slice k: plug the posterior means into the model (step 1), solve the slice problem
(book eq. (lp-scheme)) for the policy (step 2), trade one slice with it in the true market of
:mod:`lib.liquidity_pools.simulate` (step 3) and apply the conjugate updates (book eqs.
(lp-gamma-update), (lp-dirichlet-update), (lp-one-step-posterior) and (lp-drift-update)) to
what was observed (step 4).

Beliefs are :class:`Prior` objects: a posterior has the same form as the prior. The unknowns
are the zone multipliers ρ^i_m of λ^i_{j,m} = ρ^i_m a_j (known limit profile a_j; the book's
note on intensity learning) with Gamma priors, the executed-fraction law of every venue
(Dirichlet, Remark 2.4), the one-step spread and imbalance matrices of every venue (row-wise
Dirichlet, book eq. (lp-one-step-posterior)) and the drift μ with σ
known. Everything else (ticks, spreads, fractions, κ_v, φ, the trading curve, the slicing) is
known to the trader and must agree between the prior's model and the truth.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.liquidity_pools import curve, fd, nn
from lib.liquidity_pools.bayes import (
    DirichletCategorical,
    DiscreteChainPosterior,
    DriftKnownSigma,
    GammaRate,
    transition_counts,
)
from lib.liquidity_pools.markov import (
    enumerate_states,
    joint_step_matrix,
    step_matrix,
    transition_matrix,
)
from lib.liquidity_pools.params import ModelParams, default_params
from lib.liquidity_pools.simulate import Policy, SliceLog, simulate_slice
from lib.progress import bar

__all__ = ["INITIAL_MID", "SOLVERS", "History", "Prior", "default_truth_and_prior",
           "observations", "run_adaptive", "zone_multipliers"]

INITIAL_MID = 100.0
"""Mid price S_0 ($) at the start of the parent order (only the increments matter)."""



def _fd_solver(**options: object) -> Callable[..., fd.FDSolution]:
    """The finite-difference slice solver with fixed options (``method``, ``penalty_timing``)."""
    unknown = sorted(set(options) - {"method", "penalty_timing"})
    if unknown:
        raise ValueError(f"solver_options: the 'fd' solver takes method and penalty_timing, "
                         f"got {unknown}")
    return functools.partial(fd.solve_slice, **options)


def _nn_solver(**options: object) -> Callable[..., nn.NNSolution]:
    """The neural-network slice solver, warm-started from slice to slice or trained from scratch
    every slice (``config``, ``init``, ``warm``)."""
    unknown = sorted(set(options) - {"config", "init", "warm"})
    if unknown:
        raise ValueError(f"solver_options: the 'nn' solver takes config, init and warm, "
                         f"got {unknown}")
    return nn.WarmStartSolver(**options)


SOLVERS: dict[str, Callable[..., Callable[..., Policy]]] = {"fd": _fd_solver, "nn": _nn_solver}
"""Slice-solver factories by name. ``SOLVERS[name](**solver_options)`` returns the solver of one
run, called once per slice as ``solve(p, grid, target, *, t_start, transition, intensities)``
and returning the slice's policy: an :class:`~lib.liquidity_pools.fd.FDSolution` (read at its
nodes) or the networks (read at the inventory itself)."""

_KNOWN_FIELDS = ("tick", "spread_ticks", "imbalance_labels", "fractions", "kvol", "phi",
                 "sigma", "gamma", "V", "eta", "q0", "Ts", "Nt", "Ns", "signal_spread",
                 "signal_imbalance", "market_orders", "market_order_fee")
_KNOWN_VENUE_FIELDS = ("limit_profile", "temporary_impact", "venue_volume", "permanent_impact")


def zone_multipliers(p: ModelParams) -> np.ndarray:
    """ρ^i_m = Λ^i b(s^i) c(ι^i) of the model ``p``, shape ``(N, len(M))``: λ^i_{j,m} = ρ^i_m
    a_j."""
    states = enumerate_states(p)
    return np.stack([v.intensity * np.asarray(v.spread_factor)[states[:, 2 * i]]
                     * np.asarray(v.imbalance_factor)[states[:, 2 * i + 1]]
                     for i, v in enumerate(p.venues)])


@dataclass(frozen=True, eq=False)
class Prior:
    """Beliefs about the market: prior, or posterior after some slices (paper Section 3.1).

    params the trader's model: its known fields are the truth's, its unknown ones only fix
    the structure (the plug-in model replaces them); rho Gamma beliefs (N, len(M)) on the zone
    multipliers ρ^i_m (lp-gamma-update); fractions Dirichlet beliefs (N, K_ε) on the executed
    fractions (lp-dirichlet-update); spread and imbalance row-Dirichlet beliefs on every venue's
    one-step matrices e^{Q Δt} (lp-one-step-posterior); drift the Normal belief on μ with σ
    known (lp-drift-update). Labels are the book's equation labels.
    """

    params: ModelParams
    rho: GammaRate
    fractions: DirichletCategorical
    spread: tuple[DiscreteChainPosterior, ...]
    imbalance: tuple[DiscreteChainPosterior, ...]
    drift: DriftKnownSigma

    def __post_init__(self) -> None:
        p = self.params
        if not isinstance(p, ModelParams):
            raise ValueError("params must be a ModelParams")
        n_states = len(enumerate_states(p))
        if not isinstance(self.rho, GammaRate) or self.rho.alpha.shape != (p.n_venues, n_states):
            raise ValueError(f"rho must be a GammaRate of shape {(p.n_venues, n_states)}")
        shape = (p.n_venues, len(p.fractions))
        if not isinstance(self.fractions, DirichletCategorical) or \
                self.fractions.alpha.shape != shape:
            raise ValueError(f"fractions must be a DirichletCategorical of shape {shape}")
        for name, sizes in (("spread", [v.n_spread for v in p.venues]),
                            ("imbalance", [v.n_imbalance for v in p.venues])):
            chains = tuple(getattr(self, name))
            if len(chains) != p.n_venues or not all(
                    isinstance(c, DiscreteChainPosterior) and len(c.prior_P) == n
                    for c, n in zip(chains, sizes, strict=True)):
                raise ValueError(f"{name} must hold one DiscreteChainPosterior per venue with "
                                 f"{sizes} states")
            object.__setattr__(self, name, chains)
        if not isinstance(self.drift, DriftKnownSigma) or self.drift.sigma != p.sigma:
            raise ValueError(f"drift must be a DriftKnownSigma with the known sigma = {p.sigma}")

    @classmethod
    def from_params(cls, params: ModelParams, *, rate: float = 2.0,
                    concentration: float = 1.0, pseudo: float = 5.0,
                    drift_sd: float = 0.005) -> Prior:
        """Priors centred on the model ``params`` (the chapter's Bayesian experiment).

        ρ ~ Gamma with mean Λ^i b(s^i) c(ι^i) and rate ``rate`` (prior exposure,
        lp-gamma-update); fraction laws ~ Dir(``concentration`` × fraction_probs)
        (lp-dirichlet-update); one-step matrices row-Dirichlet around e^{Q Δt} with ``pseudo``
        pseudo-transitions per row (lp-one-step-posterior); μ ~ N(params.mu, drift_sd²)
        (lp-drift-update).
        """
        concentration = validation.positive("concentration", concentration)
        pseudo = validation.positive("pseudo", pseudo)
        drift_sd = validation.positive("drift_sd", drift_sd)
        return cls(
            params=params,
            rho=GammaRate.from_mean(zone_multipliers(params), validation.positive("rate", rate)),
            fractions=DirichletCategorical(concentration * np.array(
                [v.fraction_probs for v in params.venues])),
            spread=tuple(DiscreteChainPosterior(step_matrix(v.spread_generator, params.dt),
                                                pseudo) for v in params.venues),
            imbalance=tuple(DiscreteChainPosterior(step_matrix(v.imbalance_generator,
                                                               params.dt), pseudo)
                            for v in params.venues),
            drift=DriftKnownSigma(params.mu, drift_sd, params.sigma))

    def rho_cap(self) -> np.ndarray:
        """Largest plug-in ρ^i per venue, 1/(N Δt max_j a^i_j): keeps Δt Σ_i max_j λ <= 1."""
        p = self.params
        return np.array([1.0 / (p.n_venues * p.dt * max(v.limit_profile)) for v in p.venues])

    def plug_in(self) -> tuple[ModelParams, np.ndarray, np.ndarray]:
        """Posterior-mean model Θ_k (paper Section 3.2, step 1): (params, joint P(Δt),
        λ (N, len(M), 3)).

        The plug-in ρ̂ is clipped at :meth:`rho_cap` so the plug-in model is a valid MDP.
        """
        p = self.params
        probs = self.fractions.mean()
        plug = p.replace(mu=self.drift.mean(), venues=tuple(
            dataclasses.replace(v, fraction_probs=tuple(probs[i].tolist()))
            for i, v in enumerate(p.venues)))
        P = joint_step_matrix([chain.mean() for i in range(p.n_venues)
                               for chain in (self.spread[i], self.imbalance[i])])
        rho = np.minimum(self.rho.mean(), self.rho_cap()[:, None])
        lam = rho[:, :, None] * np.array([v.limit_profile for v in p.venues])[:, None, :]
        return plug, P, lam

    def update(self, log: SliceLog, dS_total: float) -> Prior:
        """The posterior after one slice (paper Section 3.2, step 4): fills and exposures per
        (venue, zone) (lp-gamma-update), executed fractions per venue (lp-dirichlet-update),
        decision-time regime transitions per venue (lp-one-step-posterior) and the slice's price
        change over Nt Δt (lp-drift-update)."""
        counts, exposure, fraction_counts = observations(self.params, log)
        states = enumerate_states(self.params)
        start, end = log.regimes, states[log.next_state]

        def chains(name: str, column: int) -> tuple[DiscreteChainPosterior, ...]:
            return tuple(c.update(transition_counts(start[:, 2 * i + column],
                                                    end[:, 2 * i + column], len(c.prior_P)))
                         for i, c in enumerate(getattr(self, name)))

        return Prior(params=self.params, rho=self.rho.update(counts, exposure),
                     fractions=self.fractions.update(fraction_counts),
                     spread=chains("spread", 0), imbalance=chains("imbalance", 1),
                     drift=self.drift.update(dS_total, len(log.t) * self.params.dt))


def observations(p: ModelParams, log: SliceLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill counts (N, len(M)), exposures (N, len(M)) and fraction counts (N, K_ε) of a slice."""
    n_states = len(enumerate_states(p))
    counts = np.zeros((p.n_venues, n_states))
    fraction_counts = np.zeros((p.n_venues, len(p.fractions)))
    filled = log.venue >= 0
    np.add.at(counts, (log.venue[filled], log.state[filled]), 1.0)
    np.add.at(fraction_counts, (log.venue[filled], log.fraction[filled]), 1.0)
    exposure = np.stack([np.bincount(log.state, weights=log.exposure[:, i], minlength=n_states)
                         for i in range(p.n_venues)])
    return counts, exposure, fraction_counts


@dataclass(frozen=True, eq=False)
class History:
    """Record of an adaptive run (Figs 46–56). S = number of slices traded.

    Decision times (S Nt + 1,): t, inventory q at t (before trading), target the slice's
    re-anchored q* (book eq. (lp-trading-curve), [REC]; at a slice boundary the next slice's,
    re-anchored on the inventory then), curve the parent order's q*_t (the same equation).
    slice_targets (S, Nt + 1): each slice's own targets q*_{t_0..t_Nt}, its end included.
    Per slice, index 0 the prior and index k the posterior after k slices
    (S + 1, ...): fraction_probs (N, K_ε), spread_P (N, J, J) and imbalance_P (N, K, K)
    posterior-mean one-step matrices, mu_hat and mu_sd (book eq. (lp-drift-update)), rho_hat
    (N, len(M)) posterior means of ρ^i_m (unclipped, book eq. (lp-gamma-update)), exposure and
    fills (N, len(M)) cumulative. plugin_bound (S,) Δt max_m Σ_i max_j λ̂ of every plug-in model
    (the probability bound, at most 1). logs the S slice logs; stopped_early True if the
    inventory reached 0 before the last slice asked for. fractions (K_ε,) the executed
    fractions; true_* the truth; final_mid the mid at the end of the last slice.
    """

    t: np.ndarray
    q: np.ndarray
    target: np.ndarray
    slice_targets: np.ndarray
    curve: np.ndarray
    fraction_probs: np.ndarray
    spread_P: np.ndarray
    imbalance_P: np.ndarray
    mu_hat: np.ndarray
    mu_sd: np.ndarray
    rho_hat: np.ndarray
    exposure: np.ndarray
    fills: np.ndarray
    plugin_bound: np.ndarray
    logs: list[SliceLog]
    stopped_early: bool
    fractions: np.ndarray
    true_fraction_probs: np.ndarray
    true_spread_P: np.ndarray
    true_imbalance_P: np.ndarray
    true_mu: float
    true_rho: np.ndarray
    final_mid: float

    @property
    def n_slices(self) -> int:
        """Number of slices traded."""
        return len(self.logs)

    @property
    def executed(self) -> float:
        """Shares sold over the run."""
        return float(self.q[0] - self.q[-1])

    @property
    def implementation_cost(self) -> float:
        """Implementation shortfall in $, q_0 S_0 - (cash received + q_T S_T), what the run
        fell short of selling the whole order at the arrival mid S_0 = :data:`INITIAL_MID`,
        the unsold inventory marked at the last mid S_T."""
        cash = sum(float(log.cash.sum()) for log in self.logs)
        return float(self.q[0] * INITIAL_MID - cash - self.q[-1] * self.final_mid)

    @property
    def spread_gain(self) -> float:
        """What the fills gained against the mid at their decision times ($)."""
        return sum(float((log.cash - log.executed * log.mid).sum()) for log in self.logs)

    @property
    def holding_gain(self) -> float:
        """Σ q_{k+1} (S_{k+1} - S_k) in $, what the inventory held after each step gained as the
        mid moved; the implementation shortfall is -spread_gain - holding_gain."""
        mids = np.append(np.concatenate([log.mid for log in self.logs]), self.final_mid)
        return float(np.sum(self.q[1:] * np.diff(mids)))

    @property
    def p_full(self) -> np.ndarray:
        """Posterior mean P(full fill) per slice and venue, (S + 1, N) (Figs 48–49)."""
        return self.fraction_probs[..., int(np.argmax(self.fractions))]

    @property
    def true_p_full(self) -> np.ndarray:
        """True probability of a full fill per venue, (N,)."""
        return self.true_fraction_probs[..., int(np.argmax(self.fractions))]


def default_truth_and_prior() -> tuple[ModelParams, np.ndarray, Prior]:
    """The Group F experiment [PROP]: (truth, true ρ (N, len(M)), prior).

    Truth: μ = 0.01, P(full fill) = 0.8 in venue 1 and 0.5 in venue 2, Q^{S,1} = [[-1, 1],
    [3, -3]], Q^{I,2} = [[-2, 1, 1], [1, -2, 1], [2, 2, -4]], Λ = (2.0, 1.2), the rest default.
    Prior: the default model with μ0 = 0, σ0 = 0.005, fraction means (0.2, 0.8) and (0.5, 0.5)
    with Dirichlet concentration 1, pseudo-count 5 per row, Λ = (2.0, 2.0) with Gamma rate 2.
    """
    base = default_params("identical")
    truth = base.replace(mu=0.01, venues=(
        dataclasses.replace(base.venues[0], intensity=2.0, fraction_probs=(0.8, 0.2),
                            spread_generator=((-1.0, 1.0), (3.0, -3.0))),
        dataclasses.replace(base.venues[1], intensity=1.2, fraction_probs=(0.5, 0.5),
                            imbalance_generator=((-2.0, 1.0, 1.0), (1.0, -2.0, 1.0),
                                                 (2.0, 2.0, -4.0)))))
    prior_model = base.replace(mu=0.0).with_venue(0, fraction_probs=(0.2, 0.8)).with_venue(
        1, fraction_probs=(0.5, 0.5))
    prior = Prior.from_params(prior_model, rate=2.0, concentration=1.0, pseudo=5.0,
                              drift_sd=0.005)
    return truth, zone_multipliers(truth), prior


def _stationary(P: np.ndarray) -> np.ndarray:
    """Stationary law π = π P of an irreducible stochastic matrix."""
    A = P.T - np.eye(len(P))
    A[-1] = 1.0
    b = np.zeros(len(P))
    b[-1] = 1.0
    pi = np.clip(np.linalg.solve(A, b), 0.0, None)
    return pi / pi.sum()


def _check_inputs(truth: ModelParams, rho_true: object, prior: Prior, n_slices: object,
                  grid: object, seed: object, solver: object) -> np.ndarray:
    """Validate ``run_adaptive``'s inputs (ValueError naming the parameter); return ρ_true."""
    if not isinstance(truth, ModelParams):
        raise ValueError("truth must be a ModelParams")
    if not isinstance(prior, Prior):
        raise ValueError("prior must be a Prior")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {sorted(SOLVERS)}, got {solver!r}")
    n_slices = validation.integer("n_slices", n_slices, minimum=1, maximum=truth.Ns,
                                  why=" = Ns (the parent order's horizon)")
    validation.integer("seed", seed, minimum=0)
    if not isinstance(grid, fd.FDGrid):
        raise ValueError(f"grid must be an FDGrid, got {grid!r}")
    grid.inventories(truth)
    for name in _KNOWN_FIELDS:
        if getattr(prior.params, name) != getattr(truth, name):
            raise ValueError(f"prior.params.{name} must equal truth.{name} (known to the trader)")
    if prior.params.n_venues != truth.n_venues:
        raise ValueError("prior.params and truth must have the same number of venues")
    for i, (vp, vt) in enumerate(zip(prior.params.venues, truth.venues, strict=True)):
        for name in _KNOWN_VENUE_FIELDS:
            if getattr(vp, name) != getattr(vt, name):
                raise ValueError(f"prior.params.venues[{i}].{name} must equal "
                                 f"truth.venues[{i}].{name} (known to the trader)")
    rho = np.asarray(rho_true, dtype=float)
    shape = (truth.n_venues, len(enumerate_states(truth)))
    if rho.shape != shape or not np.all(np.isfinite(rho)) or np.any(rho < 0):
        raise ValueError(f"rho_true must be a finite array >= 0 of shape {shape}")
    top = np.array([max(v.limit_profile) for v in truth.venues])
    bound = truth.dt * (rho * top[:, None]).sum(axis=0).max()
    if bound > 1.0 + 1e-12:
        raise ValueError(f"rho_true violates the probability bound: dt * sum_i max_j "
                         f"lambda = {bound:.4g} > 1")
    return rho


def _summary(belief: Prior) -> dict[str, np.ndarray | float]:
    return dict(fraction_probs=belief.fractions.mean(),
                spread_P=np.stack([c.mean() for c in belief.spread]),
                imbalance_P=np.stack([c.mean() for c in belief.imbalance]),
                mu_hat=belief.drift.mean(), mu_sd=belief.drift.sd(), rho_hat=belief.rho.mean())


def run_adaptive(truth: ModelParams, rho_true: np.ndarray, prior: Prior, *, n_slices: int,
                 grid: fd.FDGrid, seed: int, solver: str = "fd",
                 solver_options: Mapping[str, object] | None = None,
                 progress: bool = False) -> History:
    """Trade ``n_slices`` slices of the parent order with the slice algorithm (paper Section 3.2).

    The true market is ``truth`` with intensities λ^i_{j,m} = ρ_true^i_m a_j; the initial
    market state is drawn from the truth's stationary law and the mid starts at
    :data:`INITIAL_MID`. Each slice is solved with ``SOLVERS[solver](**solver_options)``
    ("fd": finite differences; "nn": the actor–critic, warm-started from the slice before) on
    ``grid`` for the
    posterior-mean model and the curve re-anchored on the current inventory
    (``curve.slice_targets(p, k, q_ref=q)``), then traded with
    :func:`~lib.liquidity_pools.simulate.simulate_slice`. One
    ``numpy.random.default_rng(seed)`` drives the whole run. The run stops early when the
    inventory reaches 0. Requires 1 <= n_slices <= truth.Ns.
    """
    rho_true = _check_inputs(truth, rho_true, prior, n_slices, grid, seed, solver)
    if solver_options is not None and not isinstance(solver_options, Mapping):
        raise ValueError(f"solver_options must be a mapping, got {solver_options!r}")
    solve = SOLVERS[solver](**(solver_options or {}))
    rng = np.random.default_rng(seed)
    profile = np.array([v.limit_profile for v in truth.venues])
    true_lam = rho_true[:, :, None] * profile[:, None, :]
    m = int(rng.choice(len(rho_true[0]), p=_stationary(transition_matrix(truth))))
    q, S = truth.q0, INITIAL_MID
    belief = prior
    summaries = [_summary(belief)]
    fills = [np.zeros_like(rho_true)]
    exposure = [np.zeros_like(rho_true)]
    logs: list[SliceLog] = []
    targets: list[np.ndarray] = []
    bounds: list[float] = []
    for k in bar(range(n_slices), desc="slices", enabled=progress):
        plug, P, lam = belief.plug_in()
        bounds.append(float(plug.dt * lam.max(axis=2).sum(axis=0).max()))
        target = curve.slice_targets(plug, k, q_ref=q)
        sol = solve(plug, grid, target, t_start=k * truth.Ts, transition=P, intensities=lam)
        q, m, S_end, log = simulate_slice(truth, sol, q, m, S, rng, intensities=true_lam)
        counts, expo, _ = observations(truth, log)
        belief = belief.update(log, S_end - S)
        S = S_end
        logs.append(log)
        targets.append(target)
        summaries.append(_summary(belief))
        fills.append(fills[-1] + counts)
        exposure.append(exposure[-1] + expo)
        if q <= 1e-9 * truth.q0:
            break
    t = np.append(np.concatenate([log.t for log in logs]), len(logs) * truth.Ts)
    return History(
        t=t, q=np.append(np.concatenate([log.inventory for log in logs]), q),
        target=np.append(np.concatenate([tg[:-1] for tg in targets]), targets[-1][-1]),
        slice_targets=np.array(targets),
        curve=curve.is_curve(t, q0=truth.q0, T=truth.T, kappa=truth.kappa_ac),
        **{key: np.array([s[key] for s in summaries]) for key in summaries[0]},
        exposure=np.array(exposure), fills=np.array(fills), plugin_bound=np.array(bounds),
        logs=logs, stopped_early=len(logs) < n_slices,
        fractions=np.asarray(truth.fractions),
        true_fraction_probs=np.array([v.fraction_probs for v in truth.venues]),
        true_spread_P=np.stack([step_matrix(v.spread_generator, truth.dt)
                                for v in truth.venues]),
        true_imbalance_P=np.stack([step_matrix(v.imbalance_generator, truth.dt)
                                   for v in truth.venues]),
        true_mu=truth.mu, true_rho=rho_true.copy(), final_mid=S)
