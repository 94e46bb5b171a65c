"""Symbolic verification of the liquidity-pools chapter (Baldacci & Manziuk 2020): the trading
curve, the value without orders and the conjugate updates, as data.

Every check is a pair ``(label, residual)`` whose residual must simplify to 0; the chapter
passes each to ``lib.symbolic.verify_zero`` and the tests assert the same. The label starts
with the book's label of the equation it proves (the equations of the chapter
``book/liquidity_pools.md``). The groups:

* trading curve — the IS curve (lp-trading-curve) solves the Euler–Lagrange equation of the
  Almgren–Chriss functional, derived with ``euler_equations``.
* no-order value — without limit orders the value θ(t, q) = μ q (T_s - t) - φ ∫_t^{T_s}
  (q - q*_u)² du (lp-no-order-value) solves (lp-reduced-qvi) in every market state, and the
  scheme's sum (lp-scheme) is its right-endpoint Riemann sum, equal to it up to an exact O(Δt)
  Euler–Maclaurin term.
* fill intensities — Gamma–Poisson conjugacy (lp-gamma-update; the paper's (B.1)) and the
  Bernoulli likelihood of one decision step of the market simulator.
* drift, known volatility — the drift posterior (lp-drift-update, the paper's (3.1)).
* drift and variance — the Normal–inverse-Gamma update (lp-nig-update), batch against
  sequential.
* executed fractions — the Dirichlet–categorical posterior (lp-dirichlet-update).
* venue chains — the chain likelihood and its posterior (lp-chain-posterior), and the one-step
  matrix of a two-state chain (lp-one-step-posterior).
* Appendix B — inverse-Gamma trade-size scale and Normal–inverse-Wishart (lp-otc-updates).

Conjugacy is proved by differentiation: prior × likelihood is proportional to the stated
posterior iff the log-ratio of the two has zero gradient in the parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import sympy as sp
from sympy.calculus.euler import euler_equations

from lib.symbolic import select_checks

__all__ = ["GROUPS", "checks", "no_order_value", "no_order_value_is_curve"]

Check = tuple[str, sp.Expr]

# --- Symbols (paper notation) ------------------------------------------------------------------

t, u, T, Ts, h = sp.symbols("t u T T_s Delta_t", positive=True)
q, q0, mu, mu0 = sp.symbols("q q_0 mu mu_0", real=True)
eta, V, gamma, sigma, phi, kappa = sp.symbols("eta V gamma sigma phi kappa", positive=True)
lam, rho, tau, w = sp.symbols("lambda rho tau w", positive=True)
alpha, beta, nu0, a0, b0, s0, s2 = sp.symbols("alpha beta nu_0 a_0 b_0 s_0 s2", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
_q_star = sp.Function("q^*")


def _gradient_checks(label: str, log_ratio: sp.Expr, variables: Sequence[sp.Symbol]
                     ) -> list[Check]:
    """One check per variable: the log-ratio of prior × likelihood to the claimed posterior has
    zero derivative, i.e. it does not depend on the parameters."""
    return [(f"{label}: d/d{v} of log(prior × likelihood / posterior)",
             sp.expand(sp.diff(log_ratio, v))) for v in variables]


def _log_gamma_pdf(x: sp.Expr, shape: sp.Expr, rate: sp.Expr) -> sp.Expr:
    return shape * sp.log(rate) - sp.loggamma(shape) + (shape - 1) * sp.log(x) - rate * x


def _log_normal_pdf(x: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    return -sp.log(2 * sp.pi * var) / 2 - (x - mean) ** 2 / (2 * var)


# --- The IS curve (lp-trading-curve) ------------------------------------------------------------

def _is_curve() -> sp.Expr:
    """q*_t = q0 sinh(κ (T - t))/sinh(κ T) (lp-trading-curve)."""
    return q0 * sp.sinh(kappa * (T - t)) / sp.sinh(kappa * T)


@cache
def _trading_curve() -> tuple[Check, ...]:
    """Euler–Lagrange of ∫ (η/V q'² + γσ²/2 q²) dt is q'' = κ² q with κ² = γσ²V/(2η), and
    (lp-trading-curve) solves it with q(0) = q0, q(T) = 0."""
    path = sp.Function("q")(t)
    lagrangian = eta / V * path.diff(t) ** 2 + gamma * sigma**2 / 2 * path**2
    (euler_lagrange,) = euler_equations(lagrangian, path, t)
    kappa_ac = sp.sqrt(gamma * sigma**2 * V / (2 * eta))
    curve = _is_curve()
    t_ref, q_ref = sp.symbols("t_ref q_ref", positive=True)
    anchored = q_ref * sp.sinh(kappa * (T - t)) / sp.sinh(kappa * (T - t_ref))
    return (
        ("lp-trading-curve: Euler–Lagrange equation × (-V/(2η)) minus (q'' - κ² q), κ² = γσ²V/(2η)",
         euler_lagrange.lhs * (-V / (2 * eta)) - (path.diff(t, 2) - kappa_ac**2 * path)),
        ("lp-trading-curve: q*'' - κ² q*", curve.diff(t, 2) - kappa**2 * curve),
        ("lp-trading-curve: q*(0) - q0", curve.subs(t, 0) - q0),
        ("lp-trading-curve: q*(T)", curve.subs(t, T)),
        ("lp-trading-curve: re-anchored curve at t_ref minus q_ref",
         anchored.subs(t, t_ref) - q_ref),
        ("lp-trading-curve: q* as κ → 0 minus the straight line q0 (T - t)/T",
         sp.limit(curve, kappa, 0) - q0 * (T - t) / T),
    )


# --- The value without limit orders ----------------------------------------------------------

def no_order_value(target: Callable[[sp.Expr], sp.Expr] = _q_star) -> sp.Expr:
    """θ(t, q) = μ q (T_s - t) - φ ∫_t^{T_s} (q - q*_u)² du (lp-no-order-value): the value of
    (lp-reduced-qvi) in every market state when no limit order can fill (all λ = 0) and market
    orders are off.
    ``target`` maps a time to q*; by default a generic function."""
    return mu * q * (Ts - t) - phi * sp.Integral((q - target(u)) ** 2, (u, t, Ts))


def no_order_value_is_curve() -> sp.Expr:
    """``no_order_value`` for the IS curve (lp-trading-curve), integrated in closed form:
    ∫ (q - A sinh(κ(T - u)))² du = q² u + 2qA cosh(κ(T - u))/κ - A²(sinh(2κ(T - u))/(4κ) + u/2)
    with A = q0/sinh(κT)."""
    amplitude = q0 / sp.sinh(kappa * T)

    def primitive(x: sp.Expr) -> sp.Expr:
        return (q**2 * x + 2 * q * amplitude * sp.cosh(kappa * (T - x)) / kappa
                - amplitude**2 * (sp.sinh(2 * kappa * (T - x)) / (4 * kappa) + x / 2))

    return mu * q * (Ts - t) - phi * (primitive(Ts) - primitive(t))


def _reduced_qvi_residual(theta: sp.Expr, target: sp.Expr, label: str) -> Check:
    """(lp-reduced-qvi) without controls in state 1 of a generic 3-state chain: -∂_t θ - μ q + ψ
    - Σ_m' Q_1m' (θ(m') - θ(1)), where θ is the same in every state (so L θ = 0)."""
    rates = sp.symbols("Q_12 Q_13", positive=True)
    generator_term = sp.Add(*(rate * (theta - theta) for rate in rates))
    return (f"lp-reduced-qvi ({label}): -∂_t θ - μq + φ(q - q*_t)² - L θ, no controls",
            -theta.diff(t) - mu * q + phi * (q - target) ** 2 - generator_term)


@cache
def _no_order() -> tuple[Check, ...]:
    """The continuous value solves (lp-reduced-qvi) without controls, for a generic target and
    for (lp-trading-curve); the scheme's recursion gives the right-endpoint Riemann sum, whose
    distance to θ is exactly the Euler–Maclaurin O(Δt) term for a linear target."""
    checks = [_reduced_qvi_residual(no_order_value(), _q_star(t), "generic q*"),
              _reduced_qvi_residual(no_order_value_is_curve(), _is_curve(),
                                    "q* of lp-trading-curve, closed-form integral")]
    # Discrete: the no-order sum θ_k = Σ_{k'=k}^{N-1} Δt (μq - φ(q - q*_{k'+1})²), for a
    # generic target sequence (N = 4), solves lp-scheme at λ = 0 in every state of a generic 3-state
    # chain: θ_k(m) = Δt μ q + Σ_m' P_mm' θ_{k+1}(m') - Δt φ (q - q*_{k+1})² (θ_N = 0, the
    # empty sum).
    steps = 4
    targets = sp.symbols(f"q^*_1:{steps + 1}", real=True)  # targets[k] = q*_{k+1}
    sums = [sp.Add(*(h * (mu * q - phi * (q - targets[i]) ** 2) for i in range(start, steps)))
            for start in range(steps + 1)]
    step = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"P_{i + 1}{j + 1}", positive=True))
    step[:, 2] = sp.Matrix([1 - step[i, 0] - step[i, 1] for i in range(3)])  # rows sum to 1
    for k in range(steps):
        following = sp.Matrix([sums[k + 1]] * 3)  # θ_{k+1}(m'), the same in every state
        scheme = step * following + sp.Matrix([h * (mu * q - phi * (q - targets[k]) ** 2)] * 3)
        checks += [(f"lp-scheme at λ = 0, N = {steps}: θ_{k} minus the scheme applied to "
                    f"θ_{k + 1}, state m = {m + 1}", sp.expand(sums[k] - scheme[m]))
                   for m in range(3)]
    # Riemann sum against the integral, symbolic N and k, linear target q*_u = c0 + c1 u.
    N, k, j = sp.symbols("N k j", integer=True, nonnegative=True)
    c0, c1 = sp.symbols("c_0 c_1", real=True)

    def gap(x: sp.Expr) -> sp.Expr:
        return (q - c0 - c1 * x) ** 2

    def gap_slope(x: sp.Expr) -> sp.Expr:
        return sp.diff(gap(u), u).subs(u, x)

    discrete = sp.summation(h * (mu * q - phi * gap((j + 1) * h)), (j, k, N - 1))
    continuous = no_order_value(lambda x: c0 + c1 * x).subs({Ts: N * h, t: k * h}).doit()
    euler_maclaurin = (h / 2 * (gap(N * h) - gap(k * h))
                       + h**2 / 12 * (gap_slope(N * h) - gap_slope(k * h)))
    checks.append(("lp-scheme vs the no-order value: θ_k - θ(t_k) + φ[Δt/2 (g(T_s) - g(t_k)) "
                   "+ Δt²/12 (g'(T_s) - g'(t_k))], g = (q - q*)², q* linear, T_s = NΔt",
                   discrete - continuous + phi * euler_maclaurin))
    return tuple(checks)


# --- Fill intensities (lp-gamma-update, paper (B.1)) -----------------------------------------

@cache
def _fill_intensities() -> tuple[Check, ...]:
    """Gamma(α, β) prior × Poisson(n; λτ) ∝ Gamma(α + n, β + τ), its mean (α + n)/(β + τ),
    and the expected score of the Bernoulli likelihood of one decision step of the market
    simulator."""
    log_ratio = (_log_gamma_pdf(lam, alpha, beta) + n * sp.log(lam * tau) - lam * tau
                 - sp.log(sp.factorial(n)) - _log_gamma_pdf(lam, alpha + n, beta + tau))
    shape, rate = sp.symbols("a b", positive=True)
    density = rate**shape / sp.gamma(shape) * lam ** (shape - 1) * sp.exp(-rate * lam)
    mean = sp.integrate(lam * density, (lam, 0, sp.oo), conds="none")
    # One step, exposure e: P(fill) = ρ e (Bernoulli) against the Poisson(ρ e) likelihood.
    e, fill = sp.symbols("e N", positive=True)
    bernoulli = fill * sp.log(rho * e) + (1 - fill) * sp.log(1 - rho * e)
    poisson = fill * sp.log(rho * e) - rho * e
    score_gap = sp.diff(bernoulli - poisson, rho)
    expected_gap = rho * e * score_gap.subs(fill, 1) + (1 - rho * e) * score_gap.subs(fill, 0)
    return (
        *_gradient_checks("lp-gamma-update Gamma–Poisson", log_ratio, [lam]),
        ("lp-gamma-update: mean of Gamma(a, b) minus a/b", sp.gammasimp(mean - shape / rate)),
        ("lp-gamma-update: the Bernoulli and Poisson scores of a step have one expectation "
         "(E[N] = ρ × exposure)", sp.simplify(expected_gap)),
    )


# --- Drift with known σ (lp-drift-update, paper (3.1)) ---------------------------------------

def _drift_posterior(total: sp.Expr, elapsed: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(mean, variance) of (lp-drift-update) after a price change ``total`` over ``elapsed``."""
    precision = 1 / s0**2 + elapsed / sigma**2
    return (mu0 / s0**2 + total / sigma**2) / precision, 1 / precision


@cache
def _drift() -> tuple[Check, ...]:
    """N(μ0, s0²) prior × three Gaussian increments N(μ Δt_i, σ² Δt_i) is the normal
    (lp-drift-update) in
    S_t - S_0 = Σ ΔS_i and t = Σ Δt_i (completing the square by differentiation), its
    shrinkage target and its limits."""
    drift = sp.Symbol("mu", real=True)
    dS = sp.symbols("Delta_S_1:4", real=True)
    dt = sp.symbols("Delta_t_1:4", positive=True)
    mean, var = _drift_posterior(sp.Add(*dS), sp.Add(*dt))
    log_ratio = (_log_normal_pdf(drift, mu0, s0**2)
                 + sp.Add(*(_log_normal_pdf(x, drift * d, sigma**2 * d) for x, d in zip(
                     dS, dt, strict=True)))
                 - _log_normal_pdf(drift, mean, var))
    total, elapsed, truth = sp.Symbol("Delta_S", real=True), tau, sp.Symbol("mu_true", real=True)
    one_mean, _ = _drift_posterior(total, elapsed)
    target = (mu0 / s0**2 + truth * elapsed / sigma**2) / (1 / s0**2 + elapsed / sigma**2)
    return (
        ("lp-drift-update: d/dmu of log(prior × likelihood / posterior), three increments",
         sp.simplify(sp.diff(log_ratio, drift))),
        ("lp-drift-update: E[μ̂] for E[S_t - S_0] = μ t minus the shrinkage target",
         one_mean.subs(total, truth * elapsed) - target),
        ("lp-drift-update: μ̂ as s0 → 0 minus μ0 (trust the prior)",
         sp.limit(one_mean, s0, 0) - mu0),
        ("lp-drift-update: μ̂ as s0 → ∞ minus (S_t - S_0)/t (trust the data)",
         sp.limit(one_mean, s0, sp.oo) - total / elapsed),
    )


# --- Normal–inverse-Gamma (lp-nig-update) -----------------------------------------------------

def _log_nig_pdf(drift: sp.Expr, var: sp.Expr, params: tuple[sp.Expr, ...]) -> sp.Expr:
    """log NIG(μ, σ²; μ0, ν, a, b) up to constants: σ² ~ IG(a, b), μ | σ² ~ N(μ0, σ²/ν)."""
    m, nu, a, b = params
    return (a * sp.log(b) - sp.loggamma(a) + sp.log(nu) / 2 - (a + sp.Rational(3, 2)) * sp.log(var)
            - (2 * b + nu * (drift - m) ** 2) / (2 * var))


def _nig_batch(prior: tuple[sp.Expr, ...], dS: Sequence[sp.Expr], dt: Sequence[sp.Expr]
               ) -> tuple[sp.Expr, ...]:
    """(lp-nig-update) as printed: (μ_t, ν_t, a_t, b_t) after the increments ``dS`` over ``dt``."""
    m, nu, a, b = prior
    nu_t = nu + sp.Add(*dt)
    mu_t = (nu * m + sp.Add(*dS)) / nu_t
    squares = sp.Add(*(x**2 / d for x, d in zip(dS, dt, strict=True)))
    return mu_t, nu_t, a + sp.Rational(len(dS), 2), b + (squares + nu * m**2 - nu_t * mu_t**2) / 2


@cache
def _normal_inverse_gamma() -> tuple[Check, ...]:
    """NIG prior × one Gaussian increment ∝ the NIG of (lp-nig-update); two sequential updates
    equal the batch update; the residual form of b_t used by ``bayes.NormalInverseGamma``
    equals that of (lp-nig-update)."""
    drift = sp.Symbol("mu", real=True)
    dS = sp.symbols("Delta_S_1:3", real=True)
    dt = sp.symbols("Delta_t_1:3", positive=True)
    prior = (mu0, nu0, a0, b0)
    one = _nig_batch(prior, dS[:1], dt[:1])
    log_ratio = (_log_nig_pdf(drift, s2, prior)
                 + _log_normal_pdf(dS[0], drift * dt[0], s2 * dt[0]) - _log_nig_pdf(drift, s2, one))
    checks = _gradient_checks("lp-nig-update NIG, one increment", log_ratio, [drift, s2])
    batch = _nig_batch(prior, dS, dt)
    sequential = _nig_batch(one, dS[1:], dt[1:])
    checks += [(f"lp-nig-update: two sequential updates minus the batch update, {name}",
                sp.simplify(s - b)) for name, s, b in zip(("mu_t", "nu_t", "a_t", "b_t"),
                                                          sequential, batch, strict=True)]
    mu_t, _, _, b_t = batch
    stable = b0 + (sp.Add(*((x - mu_t * d) ** 2 / d for x, d in zip(dS, dt, strict=True)))
                   + nu0 * (mu_t - mu0) ** 2) / 2
    checks.append(("lp-nig-update: b0 + (Σ(ΔS_k - μ_t Δt_k)²/Δt_k + ν0(μ_t - μ0)²)/2 minus b_t",
                   sp.simplify(stable - b_t)))
    return tuple(checks)


# --- Dirichlet–categorical (lp-dirichlet-update) ----------------------------------------------

@cache
def _dirichlet() -> tuple[Check, ...]:
    """Dir(a) prior × multinomial counts ∝ Dir(a + n) on the simplex of three categories;
    the Beta marginal's mean a/(a + b) and variance ab/((a + b)²(a + b + 1))."""
    p1, p2 = sp.symbols("p_1 p_2", positive=True)
    probs = (p1, p2, 1 - p1 - p2)
    prior = sp.symbols("a_1:4", positive=True)
    counts = sp.symbols("n_1:4", integer=True, nonnegative=True)

    def log_dirichlet(params: Sequence[sp.Expr]) -> sp.Expr:
        return (sp.loggamma(sp.Add(*params)) - sp.Add(*map(sp.loggamma, params))
                + sp.Add(*((c - 1) * sp.log(p) for c, p in zip(params, probs, strict=True))))

    likelihood = sp.Add(*(c * sp.log(p) for c, p in zip(counts, probs, strict=True)))
    posterior = [c + m for c, m in zip(prior, counts, strict=True)]
    log_ratio = log_dirichlet(prior) + likelihood - log_dirichlet(posterior)
    a, b = sp.symbols("a b", positive=True)
    moment_1 = sp.beta(a + 1, b) / sp.beta(a, b)  # E[p] of Beta(a, b)
    moment_2 = sp.beta(a + 2, b) / sp.beta(a, b)
    return (
        *_gradient_checks("lp-dirichlet-update Dirichlet–categorical", log_ratio, [p1, p2]),
        ("lp-dirichlet-update: E[p] of Beta(a, b) minus a/(a + b)",
         sp.gammasimp(sp.expand_func(moment_1) - a / (a + b))),
        ("lp-dirichlet-update: Var[p] of Beta(a, b) minus ab/((a + b)²(a + b + 1))",
         sp.gammasimp(sp.expand_func(moment_2 - moment_1**2)
                      - a * b / ((a + b) ** 2 * (a + b + 1)))),
    )


# --- Venue Markov chains (lp-chain-posterior, lp-one-step-posterior) --------------------------

@cache
def _venue_chains() -> tuple[Check, ...]:
    """The likelihood of an observed path with a censored last sojourn is that of
    (lp-chain-posterior); its maximisers are n_m/τ_m and n_mm'/n_m; Gamma–exponential conjugacy
    of the holding rates; the posterior-mean generator of (lp-chain-posterior) has zero row
    sums; with two states the one-step matrix e^{QΔt} still has a diagonal and carries the
    rates (why the chapter learns one-step matrices, lp-one-step-posterior)."""
    lam1, lam2, lam3 = sp.symbols("lambda_1:4", positive=True)
    p12, p21, p13 = sp.symbols("p_12 p_21 p_13", positive=True)
    ta, tb, tc, td = sp.symbols("tau_a tau_b tau_c tau_d", positive=True)
    # Path 1 -> 2 -> 1 -> 3, the sojourn in 3 censored by the end of observation.
    path = (lam1 * sp.exp(-lam1 * ta) * p12 * lam2 * sp.exp(-lam2 * tb) * p21
            * lam1 * sp.exp(-lam1 * tc) * p13 * sp.exp(-lam3 * td))
    jumps = {(1, 2): 1, (2, 1): 1, (1, 3): 1}
    rates = {1: lam1, 2: lam2, 3: lam3}
    out = {1: 2, 2: 1, 3: 0}  # n_m
    occupation = {1: ta + tc, 2: tb, 3: td}  # τ_m
    probs = {(1, 2): p12, (2, 1): p21, (1, 3): p13}
    likelihood = (sp.Mul(*(probs[edge] ** count for edge, count in jumps.items()))
           * sp.Mul(*(rates[m] ** out[m] * sp.exp(-rates[m] * occupation[m]) for m in rates)))
    # Maximisers of one state's factor of the likelihood.
    n_12, n_13 = sp.symbols("n_12 n_13", positive=True)
    p = sp.Symbol("p", positive=True)
    row = n_12 * sp.log(p) + n_13 * sp.log(1 - p)
    holding = n * sp.log(lam) - lam * tau
    # Gamma(w λ0, w) prior on a holding rate, n jumps out over an occupation τ.
    lam0 = sp.Symbol("lambda_0", positive=True)
    log_ratio = (_log_gamma_pdf(lam, w * lam0, w) + holding
                 - _log_gamma_pdf(lam, w * lam0 + n, w + tau))
    estimate = (w * lam0 + n) / (w + tau)
    # The posterior-mean generator with Dirichlet means for a 3-state row.
    c = sp.Symbol("c", positive=True)
    prior_row = sp.symbols("p0_12 p0_13", positive=True)
    counts_row = (n_12, n_13)
    means = [(c * p0 + m) / (c + n_12 + n_13) for p0, m in zip(prior_row, counts_row,
                                                               strict=True)]
    q_row = [-lam] + [lam * m for m in means]
    # With two states the jump matrix is [[0, 1], [1, 0]]; the one-step matrix is not.
    up, down = sp.symbols("a b", positive=True)
    generator = sp.Matrix([[-up, up], [down, -down]])
    two_state = ((generator * h).exp() - sp.eye(2)
                 - (1 - sp.exp(-(up + down) * h)) / (up + down) * generator)
    return (
        ("lp-chain-posterior, likelihood: log(path likelihood) minus its log, censored last "
         "sojourn", sp.expand(sp.expand_log(sp.log(path) - sp.log(likelihood), force=True))),
        ("lp-chain-posterior, likelihood: d/dlambda of n log λ - λτ at λ = n/τ",
         sp.diff(holding, lam).subs(lam, n / tau)),
        ("lp-chain-posterior, likelihood: d/dp of n_12 log p + n_13 log(1 - p) at "
         "p = n_12/(n_12 + n_13)",
         sp.simplify(sp.diff(row, p).subs(p, n_12 / (n_12 + n_13)))),
        *_gradient_checks("lp-chain-posterior Gamma–exponential", log_ratio, [lam]),
        ("lp-chain-posterior: λ̂ without data minus the prior rate λ0",
         estimate.subs({n: 0, tau: 0}) - lam0),
        ("lp-chain-posterior: λ̂ as w → 0 minus n/τ (the maximiser)",
         sp.limit(estimate, w, 0) - n / tau),
        ("lp-chain-posterior: row sum of Q̂ (p̂ the Dirichlet means, p0_12 + p0_13 = 1)",
         sp.simplify(sp.Add(*q_row).subs(prior_row[1], 1 - prior_row[0]))),
        *[(f"lp-one-step-posterior: two states, e^(QΔt) minus "
            f"I + (1 - e^(-(a + b)Δt))/(a + b) Q, entry {i}",
            sp.simplify(entry)) for i, entry in enumerate(two_state)],
    )


# --- Appendix B of the paper (lp-otc-updates) -------------------------------------------------

def _niw_batch(prior: tuple, xs: Sequence[sp.Matrix]) -> tuple:
    """(lp-otc-updates), Normal–inverse-Wishart: (μ_n, κ_n, ν_n, Ψ_n) after the increments
    ``xs`` (column vectors)."""
    m, kappa0, nu, psi = prior
    count = len(xs)
    mean = sum(xs, sp.zeros(*m.shape)) / count
    scatter = sum(((x - mean) * (x - mean).T for x in xs), sp.zeros(*psi.shape))
    kappa_n = kappa0 + count
    gap = mean - m
    return ((kappa0 * m + count * mean) / kappa_n, kappa_n, nu + count,
            psi + scatter + kappa0 * count / kappa_n * gap * gap.T)


@cache
def _appendix_b() -> tuple[Check, ...]:
    """IG(a, b) prior on the scale ϑ of Gamma(k, ϑ) sizes ∝ IG(a + nk, b + Σz) and its mean
    (the paper's (B.2)); NIW prior × one Gaussian increment ∝ the updated NIW in d = 2 (in the
    precision Λ = Σ⁻¹), and two sequential updates equal the batch update (lp-otc-updates)."""
    scale, k = sp.symbols("vartheta k", positive=True)
    a, b = sp.symbols("a b", positive=True)
    sizes = sp.symbols("z_1:3", positive=True)

    def log_ig(x: sp.Expr, shape: sp.Expr, rate: sp.Expr) -> sp.Expr:
        return shape * sp.log(rate) - sp.loggamma(shape) - (shape + 1) * sp.log(x) - rate / x

    likelihood = sp.Add(*((k - 1) * sp.log(z) - z / scale - k * sp.log(scale) - sp.loggamma(k)
                          for z in sizes))
    ig_ratio = (log_ig(scale, a, b) + likelihood
                - log_ig(scale, a + len(sizes) * k, b + sp.Add(*sizes)))
    excess = sp.Symbol("epsilon", positive=True)  # a = 1 + ε > 1: the mean exists
    ig_density = b ** (1 + excess) / sp.gamma(1 + excess) * scale ** (-2 - excess) * sp.exp(
        -b / scale)
    ig_mean = sp.integrate(scale * ig_density, (scale, 0, sp.oo), conds="none")
    checks = _gradient_checks("lp-otc-updates inverse-Gamma scale, two sizes", ig_ratio, [scale])
    checks.append(("lp-otc-updates: mean of IG(a, b) minus b/(a - 1), a = 1 + ε",
                   sp.gammasimp(ig_mean - b / excess)))
    # NIW in d = 2, written in the precision matrix Λ (|Σ| = 1/|Λ|).
    l11, l12, l22 = sp.symbols("Lambda_11 Lambda_12 Lambda_22", real=True)
    precision = sp.Matrix([[l11, l12], [l12, l22]])
    drift = sp.Matrix(sp.symbols("mu_1:3", real=True))
    m0 = sp.Matrix(sp.symbols("m_1:3", real=True))
    psi0 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"Psi_{min(i, j) + 1}{max(i, j) + 1}",
                                                  real=True))
    kappa0, nu = sp.symbols("kappa_0 nu_0", positive=True)
    xs = [sp.Matrix([sp.Symbol(f"x_{i}{j}", real=True) for j in (1, 2)]) for i in (1, 2)]

    def log_niw(params: tuple) -> sp.Expr:
        m, kap, dof, psi = params  # density in (μ, Σ) up to constants, in terms of Λ
        return ((dof + 4) / 2 * sp.log(precision.det()) - (psi * precision).trace() / 2
                - kap / 2 * ((drift - m).T * precision * (drift - m))[0])

    def log_gauss(x: sp.Matrix) -> sp.Expr:
        return sp.log(precision.det()) / 2 - ((x - drift).T * precision * (x - drift))[0] / 2

    prior = (m0, kappa0, nu, psi0)
    one = _niw_batch(prior, xs[:1])
    niw_ratio = log_niw(prior) + log_gauss(xs[0]) - log_niw(one)
    checks += [(label, sp.simplify(r)) for label, r in _gradient_checks(
        "lp-otc-updates NIW, one increment", niw_ratio, [*drift, l11, l12, l22])]
    names = ("mu_n", "kappa_n", "nu_n", "Psi_n")
    for name, s, bt in zip(names, _niw_batch(one, xs[1:]), _niw_batch(prior, xs), strict=True):
        difference = sp.Matrix([s - bt]) if not isinstance(s, sp.MatrixBase) else s - bt
        checks += [(f"lp-otc-updates, NIW: two sequential updates minus the batch update, "
                    f"{name}[{i}]",
                    sp.simplify(entry)) for i, entry in enumerate(difference)]
    return tuple(checks)


_GROUPS: dict[str, Callable[[], tuple[Check, ...]]] = {
    "trading curve": _trading_curve,
    "no-order value": _no_order,
    "fill intensities": _fill_intensities,
    "drift, known volatility": _drift,
    "drift and variance": _normal_inverse_gamma,
    "executed fractions": _dirichlet,
    "venue chains": _venue_chains,
    "Appendix B": _appendix_b,
}
GROUPS = tuple(_GROUPS)
"""The names of the groups of checks, in the order the chapter prints them."""


def checks(group: str | None = None) -> list[Check]:
    """The ``(label, residual)`` pairs of one group (see ``GROUPS``), or of all groups.

    Each group is derived once per session."""
    return select_checks(_GROUPS, group)
