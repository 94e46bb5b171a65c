"""Parameters of the multi-venue execution model (Baldacci & Manziuk 2020; the chapter's
proposed parameters).

Units throughout: time in minutes, prices in dollars, inventory in shares, intensities
per minute. Every default is a proposed value [PROP]: the paper's numbers were lost.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from lib import validation

__all__ = ["LIMITS", "ModelParams", "VenueParams", "default_params", "min_decisions",
           "probability_bound"]

LIMITS: tuple[int, int, int] = (-1, 0, 1)
"""Limit labels j of book eq. (lp-dynamics), -1 new best limit, 0 best ask, 1 second-best limit."""

_SPREAD_GENERATOR = ((-2.0, 2.0), (4.0, -4.0))
_IMBALANCE_GENERATOR = ((-3.0, 2.0, 1.0), (1.5, -3.0, 1.5), (1.0, 2.0, -3.0))


def _generator(name: str, value: object) -> tuple[tuple[float, ...], ...]:
    """A regime generator (book eq. (lp-generator)) as nested tuples, so that the parameters stay
    hashable."""
    arr = validation.generator_matrix(name, value, min_size=1)
    return tuple(tuple(float(x) for x in row) for row in arr)


def _probabilities(name: str, value: object) -> tuple[float, ...]:
    probs = validation.sequence(name, value, validation.finite)
    for i, p in enumerate(probs):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{name}[{i}] is a probability and must lie in [0, 1], got {p}")
    if abs(sum(probs) - 1.0) > 1e-12:
        raise ValueError(f"{name} must sum to 1, got {sum(probs)}")
    return tuple(probs)


@dataclass(frozen=True)
class VenueParams:
    """One venue: fill intensities and executed fractions (book eq. (lp-fills)), regime chains
    (lp-generator).

    The intensity of a fill at limit ``j`` in a state where the venue's spread regime is ``s``
    and its imbalance regime ``i`` is ``intensity * limit_profile[j] * spread_factor[s] *
    imbalance_factor[i]`` per minute [PROP]. ``fraction_probs[k]`` is the probability that a
    fill executes the fraction ``ModelParams.fractions[k]`` of the posted volume (lp-fills,
    Remark 2.4 of the paper). ``spread_generator`` and ``imbalance_generator`` are the venue's
    regime generators (lp-generator). The last three fields are the extensions of the paper's
    Section 4: ``temporary_impact`` c and ``venue_volume`` V of the square-root law,
    ``permanent_impact`` ν (lp-impact), and the hidden depth at the best limit
    (lp-hidden-imbalance).
    """

    intensity: float = 2.0
    limit_profile: tuple[float, ...] = (1.5, 1.0, 0.5)
    spread_factor: tuple[float, ...] = (1.0, 0.4)
    imbalance_factor: tuple[float, ...] = (0.4, 1.0, 1.6)
    fraction_probs: tuple[float, ...] = (0.6, 0.4)
    spread_generator: tuple[tuple[float, ...], ...] = _SPREAD_GENERATOR
    imbalance_generator: tuple[tuple[float, ...], ...] = _IMBALANCE_GENERATOR
    temporary_impact: float = 0.0
    venue_volume: float = 1000.0
    permanent_impact: float = 0.0
    hidden_depth: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "intensity", validation.nonnegative("intensity", self.intensity))
        for name in ("limit_profile", "spread_factor", "imbalance_factor"):
            set_(self, name, tuple(validation.sequence(name, getattr(self, name),
                                                       validation.nonnegative)))
        if len(self.limit_profile) != len(LIMITS):
            raise ValueError(f"limit_profile must have {len(LIMITS)} entries (limits -1, 0, 1), "
                             f"got {len(self.limit_profile)}")
        set_(self, "fraction_probs", _probabilities("fraction_probs", self.fraction_probs))
        set_(self, "spread_generator", _generator("spread_generator", self.spread_generator))
        set_(self, "imbalance_generator",
             _generator("imbalance_generator", self.imbalance_generator))
        if len(self.spread_generator) != len(self.spread_factor):
            raise ValueError("spread_generator must have one row per spread regime "
                             f"({len(self.spread_factor)}), got {len(self.spread_generator)}")
        if len(self.imbalance_generator) != len(self.imbalance_factor):
            raise ValueError("imbalance_generator must have one row per imbalance regime "
                             f"({len(self.imbalance_factor)}), got "
                             f"{len(self.imbalance_generator)}")
        set_(self, "temporary_impact",
             validation.nonnegative("temporary_impact", self.temporary_impact))
        set_(self, "venue_volume", validation.positive("venue_volume", self.venue_volume))
        set_(self, "permanent_impact",
             validation.nonnegative("permanent_impact", self.permanent_impact))
        set_(self, "hidden_depth", validation.nonnegative("hidden_depth", self.hidden_depth))

    @property
    def n_spread(self) -> int:
        return len(self.spread_factor)

    @property
    def n_imbalance(self) -> int:
        return len(self.imbalance_factor)


@dataclass(frozen=True)
class ModelParams:
    """The whole model: venues, prices, penalty, trading curve and slicing [PROP].

    tick δ ($); spread_ticks the spread of each spread regime in ticks; imbalance_labels the
    value ι of each imbalance regime (used by the short-term signal, lp-signal); fractions
    the executed fractions ε_k; kvol κ_v of the fill probability f = exp(-κ_v Σ_i ℓ^i)
    (lp-fills); phi the running-penalty coefficient φ (lp-objective); mu, sigma drift and
    volatility of the mid (lp-dynamics); gamma, V, eta risk aversion, market volume and
    execution-cost coefficient of the trading curve (lp-trading-curve); q0 the parent order
    (shares); Ts slice length; Nt decisions per slice; Ns slices. signal_spread and
    signal_imbalance are the coefficients β^S, β^I of the short-term signal
    μ(m) = μ + Σ_i (β^S s^i + β^I ι^i) (lp-signal, off by default); market_orders switches the
    impulse part of (lp-reduced-qvi) on, at a per-share fee market_order_fee. Labels are the
    book's equation labels.
    """

    venues: tuple[VenueParams, ...] = field(default_factory=lambda: (VenueParams(),
                                                                     VenueParams()))
    tick: float = 0.01
    spread_ticks: tuple[float, ...] = (1.0, 2.0)
    imbalance_labels: tuple[float, ...] = (-1.0, 0.0, 1.0)
    fractions: tuple[float, ...] = (1.0, 0.5)
    kvol: float = 5e-3
    phi: float = 1e-3
    mu: float = 0.0
    sigma: float = 0.01
    gamma: float = 0.01
    V: float = 1000.0
    eta: float = 0.05
    q0: float = 1000.0
    Ts: float = 1.0
    Nt: int = 10
    Ns: int = 20
    signal_spread: float = 0.0
    signal_imbalance: float = 0.0
    market_orders: bool = False
    market_order_fee: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        venues = tuple(self.venues)
        if not venues or not all(isinstance(v, VenueParams) for v in venues):
            raise ValueError("venues must be a non-empty sequence of VenueParams")
        set_(self, "venues", venues)
        for name in ("tick", "kvol", "sigma", "gamma", "V", "eta", "q0", "Ts"):
            set_(self, name, validation.positive(name, getattr(self, name)))
        for name in ("phi", "market_order_fee"):
            set_(self, name, validation.nonnegative(name, getattr(self, name)))
        for name in ("mu", "signal_spread", "signal_imbalance"):
            set_(self, name, validation.finite(name, getattr(self, name)))
        set_(self, "Nt", validation.integer("Nt", self.Nt, minimum=1))
        set_(self, "Ns", validation.integer("Ns", self.Ns, minimum=1))
        set_(self, "spread_ticks",
             tuple(validation.sequence("spread_ticks", self.spread_ticks, validation.positive)))
        set_(self, "imbalance_labels", tuple(validation.sequence(
            "imbalance_labels", self.imbalance_labels, validation.finite)))
        fractions = tuple(validation.sequence("fractions", self.fractions, validation.positive))
        if any(e > 1.0 for e in fractions):
            raise ValueError(f"fractions must lie in (0, 1], got {list(fractions)}")
        set_(self, "fractions", fractions)
        if not isinstance(self.market_orders, bool):
            raise ValueError(f"market_orders must be True or False, got {self.market_orders!r}")
        for i, v in enumerate(venues):
            if v.n_spread != len(self.spread_ticks):
                raise ValueError(f"venues[{i}] has {v.n_spread} spread regimes but "
                                 f"spread_ticks has {len(self.spread_ticks)}")
            if v.n_imbalance != len(self.imbalance_labels):
                raise ValueError(f"venues[{i}] has {v.n_imbalance} imbalance regimes but "
                                 f"imbalance_labels has {len(self.imbalance_labels)}")
            if len(v.fraction_probs) != len(fractions):
                raise ValueError(f"venues[{i}].fraction_probs has {len(v.fraction_probs)} "
                                 f"entries but fractions has {len(fractions)}")
        bound = probability_bound(self)
        if bound > 1.0 + 1e-12:
            raise ValueError(
                "probability bound violated: dt * sum_i max_j lambda^i_{j,m} = "
                f"{bound:.4g} > 1 for some market state (dt = Ts/Nt = {self.dt:.4g}); "
                "lower the intensities or raise Nt")

    @property
    def n_venues(self) -> int:
        return len(self.venues)

    @property
    def dt(self) -> float:
        """Decision step Δt = Ts / Nt."""
        return self.Ts / self.Nt

    @property
    def T(self) -> float:
        """Horizon of the parent order, Ns slices of length Ts."""
        return self.Ns * self.Ts

    @property
    def kappa_ac(self) -> float:
        """κ_AC = sqrt(γ σ² V / (2 η)) of the trading curve (lp-trading-curve)."""
        return math.sqrt(self.gamma * self.sigma**2 * self.V / (2.0 * self.eta))

    def replace(self, **changes) -> ModelParams:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_venue(self, index: int, **changes) -> ModelParams:
        """A copy with some fields of venue ``index`` changed."""
        venues = list(self.venues)
        venues[index] = dataclasses.replace(venues[index], **changes)
        return self.replace(venues=tuple(venues))


def probability_bound(p: ModelParams) -> float:
    """max over market states of Δt Σ_i max_j λ^i_{j,m}: at most one fill per step needs <= 1.

    This is the consistency constraint of the discrete scheme (book eq. (lp-scheme)).
    """
    worst = 0.0
    for v in p.venues:
        worst += v.intensity * max(v.limit_profile) * max(v.spread_factor) * max(
            v.imbalance_factor)
    return p.dt * worst


def min_decisions(p: ModelParams, intensity_scale: float) -> int:
    """The fewest decisions per slice Nt for which ``p`` with every intensity times
    ``intensity_scale`` keeps :func:`probability_bound` <= 1 (the bound is linear in the
    intensities and in Δt = Ts/Nt)."""
    scale = validation.positive("intensity_scale", intensity_scale)
    return max(1, math.ceil(probability_bound(p) * scale * p.Nt - 1e-9))


def default_params(case: str = "identical") -> ModelParams:
    """The chapter's proposed parameter set [PROP].

    ``"identical"``: two identical venues (paper Section 5.3). ``"different"``: venue 2
    has the lower filling rate Λ² = 1.4 = 0.7 Λ¹ (paper Section 5.4).
    """
    if case == "identical":
        return ModelParams()
    if case == "different":
        return ModelParams().with_venue(1, intensity=1.4)
    raise ValueError(f"case must be 'identical' or 'different', got {case!r}")
