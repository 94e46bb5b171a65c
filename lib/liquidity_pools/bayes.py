"""Conjugate posteriors of the slice-by-slice learning (paper Section 3.1 and Appendix B).

Every posterior is a frozen dataclass holding the parameters of the current distribution (the
prior before any update); ``update(...)`` returns a new object and leaves the old one alone, so
the history of posteriors over the slices can be kept. Arrays are stored as read-only copies.
The formulas are standard conjugate results [REC: the paper's displays were lost]; the
conjugacy identities are checked with sympy in ``lib.liquidity_pools.symbolic``. The
equations are the book's (labels of the liquidity-pools chapter), with the paper's numbers
where it has them.

========================  ===========================================  ========================
class                     model                                        equations
========================  ===========================================  ========================
GammaRate                 Poisson counts with exposure, Gamma prior    lp-gamma-update;
                                                                       lp-otc-updates (B.1)
DirichletCategorical      executed fractions, Dirichlet prior          lp-dirichlet-update
DiscreteChainPosterior    one-step matrix, row-wise Dirichlet          lp-one-step-posterior
CTMCPosterior             holding rates and jump matrix of a CTMC      lp-chain-posterior
DriftKnownSigma           drift with known σ, Normal prior             lp-drift-update (3.1)
NormalInverseGamma        drift and σ², NIG prior                      lp-nig-update
InverseGammaScale         Gamma trade sizes, inverse-Gamma scale       lp-otc-updates (B.2)
NormalInverseWishart      drift vector and covariance, NIW prior       lp-otc-updates
========================  ===========================================  ========================

Non-positive (or otherwise invalid) prior parameters raise ``ValueError`` naming the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from lib import validation

__all__ = [
    "CTMCPosterior",
    "DirichletCategorical",
    "DiscreteChainPosterior",
    "DriftKnownSigma",
    "GammaRate",
    "InverseGammaScale",
    "NormalInverseGamma",
    "NormalInverseWishart",
    "path_statistics",
    "transition_counts",
]

_set = object.__setattr__


# --- Array checks -------------------------------------------------------------------------------

def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


def _positive_array(name: str, value: object) -> np.ndarray:
    arr = validation.finite_array(name, value)
    if not np.all(arr > 0):
        raise ValueError(f"{name} must be > 0 everywhere, got minimum {arr.min()}")
    return _frozen(arr)


def _nonnegative_array(name: str, value: object, shape: tuple[int, ...] | None = None
                       ) -> np.ndarray:
    """A float copy of ``value`` (broadcast to ``shape`` if given) after checking it is >= 0."""
    arr = validation.finite_array(name, value)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 everywhere, got minimum {arr.min()}")
    if shape is not None:
        try:
            arr = np.broadcast_to(arr, shape).copy()
        except ValueError as err:
            raise ValueError(f"{name} has shape {arr.shape}, which does not broadcast to the "
                             f"posterior's shape {shape}") from err
    return _frozen(arr)


def _generator(name: str, value: object) -> np.ndarray:
    """A Markov generator (book eq. (lp-generator)) without absorbing states: off-diagonal
    rates >= 0, rows summing to 0, every holding rate -Q_mm > 0."""
    arr = validation.generator_matrix(name, value)
    if np.any(np.diag(arr) >= 0):
        raise ValueError(f"{name} must have a holding rate -Q_mm > 0 in every state (no "
                         "absorbing state: its Gamma prior would be degenerate)")
    return _frozen(arr)


def _inverse_gamma_mean(a: float, b: float, what: str) -> float:
    """Mean b/(a - 1) of IG(a, b), the law of ``what``; needs a > 1."""
    if a <= 1:
        raise ValueError(f"the mean of {what} needs a > 1, got a = {a}")
    return b / (a - 1.0)


def _inverse_gamma_var(a: float, b: float, what: str) -> float:
    """Variance b²/((a - 1)² (a - 2)) of IG(a, b), the law of ``what``; needs a > 2."""
    if a <= 2:
        raise ValueError(f"the variance of {what} needs a > 2, got a = {a}")
    return _inverse_gamma_mean(a, b, what) ** 2 / (a - 2.0)


def _count_matrix(name: str, value: object, n: int) -> np.ndarray:
    arr = _nonnegative_array(name, value)
    if arr.shape != (n, n):
        raise ValueError(f"{name} must have shape {(n, n)}, got {arr.shape}")
    return arr


def _state_array(name: str, value: object, n_states: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a 1-d array of integer state indices")
    if arr.size and (arr.min() < 0 or arr.max() >= n_states):
        raise ValueError(f"{name} must lie in [0, {n_states - 1}], got values in "
                         f"[{arr.min()}, {arr.max()}]")
    return arr.astype(int)


# --- Fill intensities and executed fractions (paper Sections 3.1.1–3.1.2) ----------------------

@dataclass(frozen=True, eq=False)
class GammaRate:
    """Gamma(α, β) (shape–rate) posteriors of Poisson rates observed with an exposure (book
    eq. (lp-gamma-update); the same update is the paper's (B.1) of Appendix B).

    ``alpha`` and ``beta`` are arrays of one shape, e.g. (N venues, len(M) zones) for the zone
    multipliers ρ^i_m of λ^i_{j,m} = ρ^i_m a_j (the book's note on intensity learning). A
    count N observed over an exposure τ
    (time with an order resting, weighted by the known factors a_j f^i(ℓ)) gives
    Gamma(α + N, β + τ); the estimate ("filling ratio") is the posterior mean (α + N)/(β + τ),
    with error O(1/√N). Large α and β with the desired ratio make a robust prior.

    With at most one fill per decision step (as in the market simulator) the likelihood of a
    step is Bernoulli with success probability Δt ρ a_j f, not Poisson: the Gamma–Poisson
    posterior is then an approximation. Its mean stays consistent because E[N] = ρ × exposure
    holds exactly; its variance overstates the uncertainty by the factor 1/(1 - Δt ρ a_j f) at
    most.
    """

    alpha: np.ndarray
    beta: np.ndarray

    def __post_init__(self) -> None:
        alpha = _positive_array("alpha", self.alpha)
        beta = _positive_array("beta", self.beta)
        if alpha.shape != beta.shape:
            raise ValueError(f"alpha and beta must have one shape, got {alpha.shape} and "
                             f"{beta.shape}")
        _set(self, "alpha", alpha)
        _set(self, "beta", beta)

    @classmethod
    def from_mean(cls, mean: ArrayLike, beta: ArrayLike) -> GammaRate:
        """The prior with mean ``mean`` and rate ``beta`` (α = mean β): β is the prior's weight
        in units of exposure."""
        mean = _positive_array("mean", mean)
        beta = _positive_array("beta", beta)
        mean, beta = np.broadcast_arrays(mean, beta)
        return cls(mean * beta, beta.copy())

    def update(self, counts: ArrayLike, exposure: ArrayLike) -> GammaRate:
        """The posterior after ``counts`` events over ``exposure`` (both broadcast to the
        posterior's shape): Gamma(α + counts, β + exposure)."""
        counts = _nonnegative_array("counts", counts, self.alpha.shape)
        exposure = _nonnegative_array("exposure", exposure, self.alpha.shape)
        return GammaRate(self.alpha + counts, self.beta + exposure)

    def mean(self) -> np.ndarray:
        """Posterior mean α/β (lp-gamma-update)."""
        return self.alpha / self.beta

    def var(self) -> np.ndarray:
        """Posterior variance α/β²."""
        return self.alpha / self.beta**2


@dataclass(frozen=True, eq=False)
class DirichletCategorical:
    """Dirichlet(a) posteriors of categorical probabilities, e.g. of the executed fractions
    ε_k (book eq. (lp-dirichlet-update), paper Section 3.1.2).

    The last axis of ``alpha`` holds the categories, leading axes are arbitrary (venue, zone,
    limit, ...). Counts n_k of category k give Dir(a + n); marginals are
    Beta(a_k + n_k, Σ_k' (a_k' + n_k') - a_k - n_k) and the estimate is the posterior mean
    (a_k + n_k)/Σ_k' (a_k' + n_k'). Only fills update it.
    """

    alpha: np.ndarray

    def __post_init__(self) -> None:
        alpha = _positive_array("alpha", self.alpha)
        if alpha.ndim < 1 or alpha.shape[-1] < 2:
            raise ValueError("alpha must have at least 2 categories on its last axis, got "
                             f"shape {alpha.shape}")
        _set(self, "alpha", alpha)

    def update(self, counts: ArrayLike) -> DirichletCategorical:
        """The posterior after ``counts`` (broadcast to the shape of ``alpha``): Dir(a + n)."""
        return DirichletCategorical(self.alpha
                                    + _nonnegative_array("counts", counts, self.alpha.shape))

    def _total(self) -> np.ndarray:
        return self.alpha.sum(axis=-1, keepdims=True)

    def mean(self) -> np.ndarray:
        """Posterior mean a_k / Σ_k' a_k' (lp-dirichlet-update)."""
        return self.alpha / self._total()

    def marginal(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Parameters (a, b) of the Beta marginal of category ``k``."""
        k = validation.integer("k", k, minimum=0)
        if k >= self.alpha.shape[-1]:
            raise ValueError(f"k must be < {self.alpha.shape[-1]} (the number of categories), "
                             f"got {k}")
        a = self.alpha[..., k]
        return a, self._total()[..., 0] - a

    def var(self) -> np.ndarray:
        """Marginal variances a_k (A - a_k) / (A² (A + 1)), A = Σ_k a_k."""
        total = self._total()
        return self.alpha * (total - self.alpha) / (total**2 * (total + 1.0))


# --- Venue Markov chains (paper Section 3.1.3) ------------------------------------------------

def transition_counts(from_states: ArrayLike, to_states: ArrayLike, n_states: int) -> np.ndarray:
    """Count matrix n_ab of the observed transitions ``from_states[k] -> to_states[k]``,
    shape ``(n_states, n_states)``; self-transitions are counted on the diagonal
    (book eq. (lp-one-step-posterior))."""
    n_states = validation.integer("n_states", n_states, minimum=2)
    start = _state_array("from_states", from_states, n_states)
    end = _state_array("to_states", to_states, n_states)
    if start.shape != end.shape:
        raise ValueError(f"from_states and to_states must have one length, got {start.size} "
                         f"and {end.size}")
    return np.bincount(start * n_states + end,
                       minlength=n_states**2).reshape(n_states, n_states)


def path_statistics(states: ArrayLike, durations: ArrayLike, n_states: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Jump counts n_mm' and occupation times τ_m (book eq. (lp-chain-posterior)) of a
    continuous-time path.

    ``states`` are the states visited in order (consecutive states differ) and ``durations``
    the time spent in each; the last duration may be censored by the end of observation, which
    the likelihood (lp-chain-posterior) handles through its survival factor e^{-λ τ}.
    """
    visited = _state_array("states", states, validation.integer("n_states", n_states,
                                                                minimum=2))
    durations = _nonnegative_array("durations", durations)
    if durations.shape != visited.shape:
        raise ValueError(f"durations must have one entry per visited state ({visited.size}), "
                         f"got shape {durations.shape}")
    if np.any(visited[1:] == visited[:-1]):
        raise ValueError("states must change at every jump: consecutive states are equal")
    jumps = transition_counts(visited[:-1], visited[1:], n_states)
    return jumps, np.bincount(visited, weights=durations, minlength=n_states)


@dataclass(frozen=True, eq=False)
class DiscreteChainPosterior:
    """Row-wise Dirichlet posterior of a one-step transition matrix P(Δt) (book eq.
    (lp-one-step-posterior)).

    Row a has the prior Dir(c P_prior(a, ·)) with ``pseudo`` = c pseudo-transitions; after
    n_ab observed transitions a -> b (``counts``, self-transitions included) the posterior mean
    row is (c P_prior(a, ·) + n_a·)/(c + n_a). This is the variant plotted for Figs 50–53: with
    two spread regimes the continuous-time jump matrix is trivial (the book's note on the
    transition matrices; see ``CTMCPosterior``).
    """

    prior_P: np.ndarray
    pseudo: float
    counts: np.ndarray | None = None

    def __post_init__(self) -> None:
        prior = _frozen(validation.stochastic_matrix("prior_P", self.prior_P))
        _set(self, "prior_P", prior)
        _set(self, "pseudo", validation.positive("pseudo", self.pseudo))
        counts = np.zeros_like(prior) if self.counts is None else self.counts
        _set(self, "counts", _count_matrix("counts", counts, len(prior)))

    def update(self, transitions: ArrayLike) -> DiscreteChainPosterior:
        """The posterior after the count matrix ``transitions`` (see ``transition_counts``)."""
        new = _count_matrix("transitions", transitions, len(self.prior_P))
        return DiscreteChainPosterior(self.prior_P, self.pseudo, self.counts + new)

    def _parameters(self) -> tuple[np.ndarray, np.ndarray]:
        alpha = self.pseudo * self.prior_P + self.counts
        return alpha, alpha.sum(axis=1, keepdims=True)

    def mean(self) -> np.ndarray:
        """Posterior mean matrix (c P_prior + n)/(c + n_row), row-stochastic."""
        alpha, total = self._parameters()
        return alpha / total

    def var(self) -> np.ndarray:
        """Entrywise posterior variances (Beta marginals of each row's Dirichlet)."""
        alpha, total = self._parameters()
        return alpha * (total - alpha) / (total**2 * (total + 1.0))


@dataclass(frozen=True, eq=False)
class CTMCPosterior:
    """Posterior of a continuous-time Markov chain observed continuously (book eq.
    (lp-chain-posterior), paper Section 3.1.3).

    The chain stays an Exp(λ_m) time in m, then jumps to m' != m with probability p_mm', so
    Q_mm' = λ_m p_mm' and Q_mm = -λ_m (lp-generator). The likelihood (lp-chain-posterior)
    factorises into a Gamma part for
    each λ_m (n_m jumps out of m, occupation time τ_m) and a multinomial part for each row of
    p, so the independent priors

    * λ_m ~ Gamma(w λ⁰_m, w): prior mean the holding rate λ⁰_m = -Q⁰_mm of
      ``prior_generator``, weight w = ``rate_exposure`` (units of time),
    * (p_mm')_{m' != m} ~ Dir(c p⁰_mm'): pseudo-counts c = ``jump_pseudo`` times the prior jump
      probabilities p⁰_mm' = Q⁰_mm'/λ⁰_m,

    give independent posteriors Gamma(w λ⁰_m + n_m, w + τ_m) and Dir(c p⁰_m· + n_m·), and the
    posterior-mean generator Q̂_mm' = λ̂_m p̂_mm', Q̂_mm = -λ̂_m (lp-chain-posterior). For the
    parsimonious model of independent venue chains (lp-generator; Remark 3.1 of the paper) keep
    one posterior per venue and per variable.

    With two states the jump matrix is forced to [[0, 1], [1, 0]]: p̂ stays exactly that and
    only the holding rates learn.
    """

    prior_generator: np.ndarray
    jump_pseudo: float
    rate_exposure: float
    jump_counts: np.ndarray | None = None
    occupation: np.ndarray | None = None

    def __post_init__(self) -> None:
        prior = _generator("prior_generator", self.prior_generator)
        n = len(prior)
        _set(self, "prior_generator", prior)
        _set(self, "jump_pseudo", validation.positive("jump_pseudo", self.jump_pseudo))
        _set(self, "rate_exposure", validation.positive("rate_exposure", self.rate_exposure))
        jumps = np.zeros_like(prior) if self.jump_counts is None else self.jump_counts
        jumps = _count_matrix("jump_counts", jumps, n)
        if np.any(np.diag(jumps) != 0):
            raise ValueError("jump_counts must have a zero diagonal: a jump changes the state")
        _set(self, "jump_counts", jumps)
        occupation = np.zeros(n) if self.occupation is None else self.occupation
        occupation = _nonnegative_array("occupation", occupation)
        if occupation.shape != (n,):
            raise ValueError(f"occupation must have shape {(n,)}, got {occupation.shape}")
        _set(self, "occupation", occupation)

    def update(self, jump_counts: ArrayLike, occupation: ArrayLike) -> CTMCPosterior:
        """The posterior after jump counts n_mm' (zero diagonal) and occupation times τ_m (see
        ``path_statistics``)."""
        n = len(self.prior_generator)
        jumps = _count_matrix("jump_counts", jump_counts, n)
        if np.any(np.diag(jumps) != 0):
            raise ValueError("jump_counts must have a zero diagonal: a jump changes the state")
        occupation = _nonnegative_array("occupation", occupation)
        if occupation.shape != (n,):
            raise ValueError(f"occupation must have shape {(n,)}, got {occupation.shape}")
        return CTMCPosterior(self.prior_generator, self.jump_pseudo, self.rate_exposure,
                             self.jump_counts + jumps, self.occupation + occupation)

    def rate_posterior(self) -> GammaRate:
        """The Gamma posteriors of the holding rates λ_m (lp-chain-posterior)."""
        prior_rates = -np.diag(self.prior_generator)
        return GammaRate(self.rate_exposure * prior_rates + self.jump_counts.sum(axis=1),
                         self.rate_exposure + self.occupation)

    def _jump_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """Dirichlet parameters of the jump rows (zero diagonal) and their row sums."""
        prior = self.prior_generator
        off = prior - np.diag(np.diag(prior))
        alpha = self.jump_pseudo * off / -np.diag(prior)[:, None] + self.jump_counts
        return alpha, alpha.sum(axis=1, keepdims=True)

    def jump_probabilities(self) -> np.ndarray:
        """Posterior mean jump matrix p̂_mm' (zero diagonal, rows summing to 1)
        (lp-chain-posterior)."""
        alpha, total = self._jump_parameters()
        return alpha / total

    def generator(self) -> np.ndarray:
        """Posterior-mean generator Q̂ = diag(λ̂) (p̂ - I) (lp-chain-posterior)."""
        rates = self.rate_posterior().mean()
        return rates[:, None] * (self.jump_probabilities() - np.eye(len(rates)))

    def generator_sd(self) -> np.ndarray:
        """Posterior standard deviations of the entries of Q (λ_m and p_m· independent)."""
        rates = self.rate_posterior()
        alpha, total = self._jump_parameters()
        lam_2 = rates.alpha * (rates.alpha + 1.0) / rates.beta**2
        p, p_2 = alpha / total, alpha * (alpha + 1.0) / (total * (total + 1.0))
        var = lam_2[:, None] * p_2 - (rates.mean()[:, None] * p) ** 2
        np.fill_diagonal(var, rates.var())
        return np.sqrt(np.maximum(var, 0.0))


# --- Mid-price (paper Section 3.1.4) ----------------------------------------------------------

@dataclass(frozen=True, eq=False)
class DriftKnownSigma:
    """Normal posterior of the drift μ with σ known (book eq. (lp-drift-update), paper (3.1)).

    Prior μ ~ N(μ0, s0²). The increments enter only through their total S_t - S_0 and the
    elapsed time t (accumulated over updates in ``increment`` and ``elapsed``):
    μ̂ = (μ0/s0² + (S_t - S_0)/σ²)/(1/s0² + t/σ²), Var = (1/s0² + t/σ²)⁻¹. s0 → 0 trusts the
    prior, s0 large the data. For a true drift μ the estimate is unbiased for the shrinkage
    target (μ0/s0² + μ t/σ²)/(1/s0² + t/σ²), not for μ.
    """

    mu0: float
    s0: float
    sigma: float
    increment: float = 0.0
    elapsed: float = 0.0

    def __post_init__(self) -> None:
        _set(self, "mu0", validation.finite("mu0", self.mu0))
        _set(self, "s0", validation.positive("s0", self.s0))
        _set(self, "sigma", validation.positive("sigma", self.sigma))
        _set(self, "increment", validation.finite("increment", self.increment))
        _set(self, "elapsed", validation.nonnegative("elapsed", self.elapsed))

    def update(self, dS_total: float, t: float) -> DriftKnownSigma:
        """The posterior after a price change ``dS_total`` over a time ``t``."""
        dS_total = validation.finite("dS_total", dS_total)
        t = validation.nonnegative("t", t)
        return DriftKnownSigma(self.mu0, self.s0, self.sigma, self.increment + dS_total,
                               self.elapsed + t)

    def _precision(self) -> float:
        return 1.0 / self.s0**2 + self.elapsed / self.sigma**2

    def mean(self) -> float:
        """Posterior mean μ̂ (lp-drift-update)."""
        return (self.mu0 / self.s0**2 + self.increment / self.sigma**2) / self._precision()

    def var(self) -> float:
        """Posterior variance (1/s0² + t/σ²)⁻¹ (lp-drift-update)."""
        return 1.0 / self._precision()

    def prior_weight(self) -> float:
        """The weight the posterior mean keeps on μ0, (1/s0²)/(1/s0² + t/σ²) (lp-drift-update):
        for a true drift μ the estimate's bias is this weight times μ0 - μ."""
        return (1.0 / self.s0**2) / self._precision()

    def sd(self) -> float:
        """Posterior standard deviation."""
        return float(np.sqrt(self.var()))


@dataclass(frozen=True, eq=False)
class NormalInverseGamma:
    """Normal–inverse-Gamma posterior of (μ, σ²) from price increments (book eq.
    (lp-nig-update), paper Section 3.1.4).

    σ² ~ IG(a, b), μ | σ² ~ N(μ0, σ²/ν). Increments ΔS_k = μ Δt_k + σ √Δt_k Z_k are a Bayesian
    regression of ΔS_k/√Δt_k on √Δt_k, so n increments over a total time t give
    ν_t = ν0 + t, μ_t = (ν0 μ0 + ΣΔS_k)/ν_t, a_t = a0 + n/2 and
    b_t = b0 + (Σ ΔS_k²/Δt_k + ν0 μ0² - ν_t μ_t²)/2, computed in the equivalent form
    b0 + (Σ (ΔS_k - μ_t Δt_k)²/Δt_k + ν0 (μ_t - μ0)²)/2, which cannot cancel below b0. After
    updates the fields hold (μ_t, ν_t, a_t, b_t).
    """

    mu0: float
    nu0: float
    a0: float
    b0: float

    def __post_init__(self) -> None:
        _set(self, "mu0", validation.finite("mu0", self.mu0))
        for name in ("nu0", "a0", "b0"):
            _set(self, name, validation.positive(name, getattr(self, name)))

    def update(self, dS: ArrayLike, dt: ArrayLike) -> NormalInverseGamma:
        """The posterior after the increments ``dS`` over the steps ``dt`` (1-d, one length)."""
        dS = validation.finite_array("dS", dS)
        dt = validation.finite_array("dt", dt)
        if dS.ndim != 1 or dS.shape != dt.shape:
            raise ValueError(f"dS and dt must be 1-d arrays of one length, got shapes {dS.shape} "
                             f"and {dt.shape}")
        if np.any(dt <= 0):
            raise ValueError("dt must be > 0 everywhere")
        nu = self.nu0 + dt.sum()
        mu = (self.nu0 * self.mu0 + dS.sum()) / nu
        b = self.b0 + 0.5 * (np.sum((dS - mu * dt) ** 2 / dt) + self.nu0 * (mu - self.mu0) ** 2)
        return NormalInverseGamma(mu, nu, self.a0 + dS.size / 2.0, b)

    def mean_mu(self) -> float:
        """Posterior mean of μ: μ_t (lp-nig-update)."""
        return self.mu0

    def var_mu(self) -> float:
        """Posterior variance of μ (a Student t marginal), b/((a - 1) ν); needs a > 1."""
        return self.mean_sigma2() / self.nu0

    def mean_sigma2(self) -> float:
        """Posterior mean of σ²: b/(a - 1) (lp-nig-update); needs a > 1."""
        return _inverse_gamma_mean(self.a0, self.b0, "sigma^2")

    def var_sigma2(self) -> float:
        """Posterior variance of σ²: b²/((a - 1)² (a - 2)); needs a > 2."""
        return _inverse_gamma_var(self.a0, self.b0, "sigma^2")


# --- Appendix B of the paper: OTC market making -----------------------------------------------

@dataclass(frozen=True, eq=False)
class InverseGammaScale:
    """Inverse-Gamma posterior of the scale ϑ of Gamma(k, ϑ) trade sizes, k known
    (book eq. (lp-otc-updates), paper (B.2)).

    Prior ϑ ~ IG(a, b); sizes z_1..z_n give IG(a + n k, b + Σ z_n) and the estimate
    ϑ̂ = (b + Σ z_n)/(a + n k - 1).
    """

    a: float
    b: float
    shape_k: float

    def __post_init__(self) -> None:
        for name in ("a", "b", "shape_k"):
            _set(self, name, validation.positive(name, getattr(self, name)))

    def update(self, sizes: ArrayLike) -> InverseGammaScale:
        """The posterior after the observed trade sizes (all > 0)."""
        sizes = validation.finite_array("sizes", sizes).ravel()
        if np.any(sizes <= 0):
            raise ValueError("sizes must be > 0 everywhere")
        return InverseGammaScale(self.a + sizes.size * self.shape_k, self.b + sizes.sum(),
                                 self.shape_k)

    def mean(self) -> float:
        """Posterior mean b/(a - 1) (lp-otc-updates); needs a > 1."""
        return _inverse_gamma_mean(self.a, self.b, "the scale")

    def var(self) -> float:
        """Posterior variance b²/((a - 1)² (a - 2)); needs a > 2."""
        return _inverse_gamma_var(self.a, self.b, "the scale")


@dataclass(frozen=True, eq=False)
class NormalInverseWishart:
    """Normal–inverse-Wishart posterior of a drift vector and covariance (book eq.
    (lp-otc-updates), paper Appendix B.2).

    Σ ~ W⁻¹(Ψ, ν), μ | Σ ~ N(μ0, Σ/κ). n unit-time increments with mean x̄ and scatter
    C = Σ (x - x̄)(x - x̄)ᵀ give κ_n = κ0 + n, ν_n = ν0 + n, μ_n = (κ0 μ0 + n x̄)/κ_n and
    Ψ_n = Ψ0 + C + κ0 n/κ_n (x̄ - μ0)(x̄ - μ0)ᵀ; Σ̂ = Ψ_n/(ν_n - d - 1). After updates the
    fields hold (μ_n, κ_n, ν_n, Ψ_n).
    """

    mu0: np.ndarray
    kappa0: float
    nu0: float
    Psi0: np.ndarray

    def __post_init__(self) -> None:
        mu0 = validation.finite_array("mu0", self.mu0)
        if mu0.ndim != 1 or mu0.size < 1:
            raise ValueError(f"mu0 must be a non-empty 1-d array, got shape {mu0.shape}")
        d = mu0.size
        _set(self, "mu0", _frozen(mu0))
        _set(self, "kappa0", validation.positive("kappa0", self.kappa0))
        nu0 = validation.finite("nu0", self.nu0)
        if nu0 <= d - 1:
            raise ValueError(f"nu0 must be > d - 1 = {d - 1}, got {nu0}")
        _set(self, "nu0", nu0)
        psi = validation.finite_array("Psi0", self.Psi0)
        if psi.shape != (d, d) or not np.allclose(psi, psi.T, rtol=1e-12, atol=0.0):
            raise ValueError(f"Psi0 must be a symmetric {d}x{d} matrix")
        try:
            np.linalg.cholesky(psi)
        except np.linalg.LinAlgError as err:
            raise ValueError("Psi0 must be positive definite") from err
        _set(self, "Psi0", _frozen(psi))

    @property
    def dim(self) -> int:
        return self.mu0.size

    def update(self, x: ArrayLike) -> NormalInverseWishart:
        """The posterior after the increments ``x``, shape ``(n, d)``."""
        x = validation.finite_array("x", x)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {x.shape}")
        n = x.shape[0]
        if n == 0:
            return self
        mean = x.mean(axis=0)
        centred = x - mean
        kappa = self.kappa0 + n
        gap = mean - self.mu0
        psi = self.Psi0 + centred.T @ centred + self.kappa0 * n / kappa * np.outer(gap, gap)
        return NormalInverseWishart((self.kappa0 * self.mu0 + n * mean) / kappa, kappa,
                                    self.nu0 + n, (psi + psi.T) / 2.0)

    def mean_mu(self) -> np.ndarray:
        """Posterior mean of the drift vector μ_n (lp-otc-updates)."""
        return self.mu0.copy()

    def var_mu(self) -> np.ndarray:
        """Posterior variances of the drift entries, diag(Ψ)/(κ (ν - d - 1)); needs ν > d + 1."""
        return np.diag(self.mean_sigma()) / self.kappa0

    def mean_sigma(self) -> np.ndarray:
        """Posterior mean of the covariance Ψ/(ν - d - 1) (lp-otc-updates); needs ν > d + 1."""
        excess = self.nu0 - self.dim - 1.0
        if excess <= 0:
            raise ValueError(f"the mean of Sigma needs nu > d + 1 = {self.dim + 1}, "
                             f"got nu = {self.nu0}")
        return self.Psi0 / excess

    def var_sigma(self) -> np.ndarray:
        """Entrywise posterior variances of Σ (inverse Wishart); needs ν > d + 3."""
        m = self.nu0 - self.dim
        if m <= 3:
            raise ValueError(f"the variance of Sigma needs nu > d + 3 = {self.dim + 3}, "
                             f"got nu = {self.nu0}")
        psi = self.Psi0
        diag = np.diag(psi)
        return ((m + 1) * psi**2 + (m - 1) * np.outer(diag, diag)) / (m * (m - 1) ** 2 * (m - 3))
