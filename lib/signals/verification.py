"""Numerical verification of the trade-signal chapter.

``error_table`` compares independent computations: the generic Riccati core with the paper's
systems (2.2)-(2.3), (3.6)-(3.7) and (3.14)-(3.15) at a generic parameter set, the closed
forms with the ODEs, and the two forms of the cross-sectional moments and of the price
variance. ``finite_population`` compares a simulation of finitely many agents with the
mean-field covariance. ``terminal_variance_study`` sizes the terminal sample variance 1.32 of
Figure 8; ``average_check`` tests the mean formula (4.3) and ``cross_section_shape`` the
Gaussian cross-section against simulated markets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import odes, validation
from lib.signals import closed_forms, crosssection, models, simulate
from lib.signals.params import P3, P6, P9, Params, require_params
from lib.symbolic import ErrorTable

Array = np.ndarray

GENERIC = Params(mu=0.2, sigma=1.0, eta=0.5, beta=1.0, gamma=0.1, gamma_bar=0.1, rho=0.3,
                 b=1e-2, k=5e-3, k_bar=1e-3, alpha=0.1, T=1.0)
"""A parameter set with every effect switched on (mu and gamma non-zero), for the comparison
of the generic core with the paper's systems."""

SIGMA0 = np.diag([0.5**2, 0.02**2])
"""Initial cross-section of Figures 8–9, sd 0.5 of inventories, 0.02 of signals."""


def _gaussian_state(rng: np.random.Generator, shape: tuple[int, ...], sd: object
                    ) -> tuple[Array, Array]:
    """Independent centred Gaussian inventories and signals of shape ``shape`` with standard
    deviations ``sd = (sd_Q, sd_V)``, the inventories drawn first."""
    q0 = rng.normal(0.0, sd[0], shape)
    return q0, rng.normal(0.0, sd[1], shape)


def _normalised(rows: Array) -> Array:
    """Each coefficient divided by its largest magnitude, so that all weigh alike."""
    scale = np.max(np.abs(rows), axis=-1, keepdims=True)
    return rows / np.where(scale == 0.0, 1.0, scale)


def error_table(n_points: int = 201) -> ErrorTable:
    """Largest relative errors between independent computations (required within 1e-9 for the
    generic core against the paper's systems, 1e-8 for the rest)."""
    t = np.linspace(0.0, 1.0, n_points)
    table = ErrorTable()
    for name, key, generic, transcribed in (
            ("single agent, (2.2)-(2.3)", "single", models.solve_single,
             models.solve_single_transcribed),
            ("shared signal, (3.6)-(3.7)", "shared", models.solve_shared,
             models.solve_shared_transcribed),
            ("separate signals, (3.14)-(3.15)", "separate", models.solve_separate,
             models.solve_separate_transcribed)):
        core = models.coefficients(generic(GENERIC), t, key)
        paper = transcribed(GENERIC)(t)
        scale = np.max(np.abs(core), axis=-1, keepdims=True)
        scale = np.where(scale == 0.0, 1.0, scale)
        table.add(f"generic core vs {name}, mu = 0.2, gamma = 0.1", "relative error",
                  core / scale, paper / scale, scale=1.0, tolerance=1e-9)
    p33 = P3.replace(alpha=0.0)
    shared = models.coefficients(models.solve_shared(p33), t, "shared")
    closed = closed_forms.prop33(t, p33)
    table.add("Prop 3.3 (c1, c7, c9) vs ODE, P3 with alpha = 0", "relative error",
              _normalised(np.array([closed[f"c{i}"] for i in (1, 7, 9)])),
              _normalised(shared[[0, 6, 8]]), scale=1.0, tolerance=1e-8)
    table.add("shared c5 closed form vs ODE, P3", "relative error",
              closed_forms.shared_c5(t, P3),
              models.coefficients(models.solve_shared(P3), t, "shared")[4], tolerance=1e-8)
    p36 = P6.replace(alpha=0.0, gamma=0.0)
    separate = models.coefficients(models.solve_separate(p36), t, "separate")
    names = (1, 8, 9, 11, 12, 15)
    closed = closed_forms.prop36(t, p36)
    table.add("Prop 3.6 (c1, c8, c9, c11, c12, c15) vs ODE, P6 with alpha = gamma = 0",
              "relative error", _normalised(np.array([closed[f"c{i}"] for i in names])),
              _normalised(separate[[i - 1 for i in names]]), scale=1.0, tolerance=1e-8)
    p45 = P9.replace(alpha=0.0, gamma=0.0, rho=0.5)
    lyapunov = crosssection.cross_section_cov(p45, SIGMA0, t)
    entries = ([0, 1, 1], [0, 1, 0])  # Var Q, Var V, Cov(Q, V)
    table.add("(4.5)-(4.7) vs Lyapunov ODE, P9 with alpha = gamma = 0, rho = 0.5",
              "relative error", closed_forms.cross_section_cov(t, p45, SIGMA0)[entries],
              lyapunov[entries], tolerance=1e-8)
    table.add("(4.11) vs augmented Lyapunov ODE, same parameters", "relative error",
              closed_forms.price_variance(t[1:], p45), crosssection.price_variance(p45, t[1:]),
              tolerance=1e-8)
    p9 = P9.replace(rho=0.5)
    cov = crosssection.cross_section_cov(p9, SIGMA0, t)
    table.add("Lyapunov ODE vs integral form (4.4), P9, rho = 0.5", "relative error",
              cov[entries], crosssection.cross_section_cov_integral(p9, SIGMA0, t)[entries],
              tolerance=1e-8)
    table.add("augmented Lyapunov ODE vs quadrature (4.10), P9, rho = 0.5", "relative error",
              crosssection.price_variance(p9, t[1:]),
              crosssection.price_variance_quadrature(p9, t[1:]), tolerance=1e-8)
    return table


@dataclass(frozen=True)
class MonteCarloCheck:
    """Monte Carlo estimates with their standard errors against theoretical values (named
    ``theory_name`` in the table)."""

    description: str
    names: tuple[str, ...]
    simulated: Array
    standard_error: Array
    theory: Array
    theory_name: str = "theory"

    @property
    def z_scores(self) -> Array:
        return (self.simulated - self.theory) / self.standard_error

    def markdown(self) -> str:
        lines = [self.description, "",
                 f"| quantity | simulated | s.e. | {self.theory_name} | z |",
                 "|---|---:|---:|---:|---:|"]
        lines += [f"| {n} | {s:.4f} | {e:.4f} | {m:.4f} | {z:+.2f} |" for n, s, e, m, z in
                  zip(self.names, self.simulated, self.standard_error, self.theory,
                      self.z_scores, strict=True)]
        return "\n".join(lines)

    def holds(self, limit: float = 3.0) -> bool:
        """Whether every row lies within ``limit`` s.e. of the theory."""
        return bool(np.all(np.abs(self.z_scores) <= limit))

    def check(self, limit: float = 3.0) -> None:
        """Raise ``AssertionError`` naming the rows more than ``limit`` s.e. from the theory."""
        bad = [n for n, z in zip(self.names, self.z_scores, strict=True) if abs(z) > limit]
        if bad:
            raise AssertionError(f"more than {limit} standard errors from the "
                                 f"{self.theory_name}: {bad}")


def finite_population(*, seed: int, p: Params | None = None, agents: int = 500,
                      replications: int = 40, n_steps: int = 500) -> MonteCarloCheck:
    """Simulate the separate-signals model with finitely many agents, from the initial
    cross-section ``SIGMA0``, and compare Var Q, Var V, Cov(Q, V) at T with the mean-field
    covariance of book eq. (ts-lyapunov) (default parameters P9 with rho = 0.5)."""
    p = P9.replace(rho=0.5) if p is None else p
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    shape = (replications, agents)
    q0, v0 = _gaussian_state(rng, shape, np.sqrt(np.diag(SIGMA0)))
    result = simulate.simulate_separate(p, N=agents, n_steps=n_steps, rng=rng, Q0=q0, V0=v0,
                                        replications=replications, record_every=n_steps)
    q, v = result.Q[-1], result.V[-1]
    samples = np.array([q.var(axis=1, ddof=1), v.var(axis=1, ddof=1),
                        [np.cov(qi, vi)[0, 1] for qi, vi in zip(q, v, strict=True)]])
    cov = crosssection.cross_section_cov(p, SIGMA0, p.T)
    return MonteCarloCheck(
        f"{replications} markets of {agents} agents, {n_steps} Euler steps; moments at $T$ "
        "across the agents of each market, averaged over the markets.",
        ("Var Q", "Var V", "Cov(Q, V)"), samples.mean(axis=1),
        samples.std(axis=1, ddof=1) / np.sqrt(replications),
        np.array([cov[0, 0], cov[1, 1], cov[0, 1]]), "mean field")


@dataclass(frozen=True)
class TerminalVariance:
    """Terminal sample variance (ddof 1) of the inventories of ``markets`` markets of ``agents``
    agents, each started from the initial sample variance ``initial_variance`` (Figure 8).

    ``mean`` and ``standard_error`` are the mean over the markets and its Monte Carlo error,
    ``low``/``high`` the 5 % and 95 % quantiles, ``tail`` the fraction of markets at or above
    ``threshold`` with its binomial error ``tail_standard_error``, and ``mean_field`` the
    expected value of the terminal sample variance by the Lyapunov ODE of (4.4).
    """

    agents: int
    markets: int
    n_steps: int
    initial_variance: float
    threshold: float
    mean: float
    standard_error: float
    low: float
    high: float
    tail: float
    tail_standard_error: float
    mean_field: float

    @property
    def percentile_rank(self) -> float:
        """Percentage of the markets whose terminal variance lies below ``threshold``."""
        return 100.0 * (1.0 - self.tail)

    @property
    def z_score(self) -> float:
        """Distance of ``mean`` from ``mean_field`` in standard errors."""
        return (self.mean - self.mean_field) / self.standard_error


def conditioned_initial_state(rng: np.random.Generator, markets: int, agents: int,
                              initial_variance: float) -> tuple[Array, Array]:
    """Initial inventories and signals ``(markets, agents)`` of Figure 8 (``N(0, 0.5^2)`` and
    ``N(0, 0.02^2)``), the inventories of each market scaled about their sample mean to the
    sample variance (ddof 1) ``initial_variance``."""
    shape = (markets, agents)
    q0, v0 = _gaussian_state(rng, shape, np.sqrt(np.diag(SIGMA0)))
    centre = q0.mean(axis=1, keepdims=True)
    scale = np.sqrt(initial_variance / q0.var(axis=1, ddof=1, keepdims=True))
    return centre + (q0 - centre) * scale, v0


def terminal_variance_study(p: Params = P6, *, seed: int, agents: int = 50, markets: int = 2000,
                            n_steps: int = 1000, initial_variance: float = 0.24,
                            threshold: float = 1.32) -> TerminalVariance:
    """How likely the terminal sample variance 1.32 of Figure 8 is, given its initial 0.24.

    Each market draws ``Q0 ~ N(0, 0.5^2)`` and ``V0 ~ N(0, 0.02^2)`` per agent as in Figure 8,
    then scales the deviations of its inventories from their sample mean (kept) so that their
    sample variance (ddof 1) is exactly ``initial_variance``.

    ``mean_field`` is the Lyapunov covariance of (4.4) started from
    ``diag(initial_variance, 0.02^2)``. It is the expected terminal sample variance of the
    conditioned markets for any number of agents: the deviations ``Y^n - Ybar`` of a finite
    market are linear in their initial values and idiosyncratic noise with the matrix ``B_t``
    of (4.8), so the expected terminal sample covariance is that Lyapunov map applied to the
    expected initial sample covariance, which is ``diag(initial_variance, 0.02^2)`` here
    (the signals are drawn independently of the inventories). The unconditioned value from
    ``SIGMA0`` is the Figure 8 mean field, 0.887.
    """
    p = require_params(p, "p")
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    agents = validation.integer("agents", agents, minimum=2)
    markets = validation.integer("markets", markets, minimum=2)
    n_steps = validation.integer("n_steps", n_steps, minimum=1)
    initial_variance = validation.positive("initial_variance", initial_variance)
    threshold = validation.finite("threshold", threshold)
    q0, v0 = conditioned_initial_state(rng, markets, agents, initial_variance)
    result = simulate.simulate_separate(p, N=agents, n_steps=n_steps, rng=rng, Q0=q0, V0=v0,
                                        replications=markets, record_every=n_steps)
    variances = result.Q[-1].var(axis=1, ddof=1)
    low, high = np.quantile(variances, [0.05, 0.95])
    tail = float(np.mean(variances >= threshold))
    sigma0 = np.diag([initial_variance, SIGMA0[1, 1]])
    return TerminalVariance(
        agents, markets, n_steps, initial_variance, threshold, float(variances.mean()),
        float(variances.std(ddof=1) / np.sqrt(markets)), float(low), float(high), tail,
        float(np.sqrt(tail * (1.0 - tail) / markets)),
        float(crosssection.cross_section_cov(p, sigma0, p.T)[0, 0]))


def _pair(name: str, value: object) -> Array:
    """A finite pair of reals, else ``ValueError`` naming it."""
    arr = validation.finite_array(name, value)
    if arr.shape != (2,):
        raise ValueError(f"{name} must be a pair (Q, V), got shape {arr.shape}")
    return arr


def average_moments(p: Params, ybar0: object, t: object, *, agents: int | None = None
                    ) -> tuple[Array, Array]:
    """Mean and covariance of the average ``Ybar_t = (Qbar_t, Vbar_t)`` by (4.3).

    ``Ybar_t = Phi_t (Ybar_0 + int_0^t Phi_u^{-1} a_u du + rho int_0^t Phi_u^{-1} Theta dW_u)``
    with ``Phi' = C_t Phi``, ``Phi_0 = I``, ``Theta = (0, eta)`` and ``a_t``, ``C_t`` of
    ``crosssection.mf_matrices``, so ``E Ybar_t = Phi_t (Ybar_0 + int_0^t Phi_u^{-1} a_u du)``
    and ``Cov Ybar_t = rho^2 Phi_t J_t Phi_t^T``, ``J_t = int_0^t Phi_u^{-1} Theta Theta^T
    Phi_u^{-T} du``; ``Phi``, the drift integral and ``J`` are integrated together.

    With ``agents = N`` the average of ``N`` agents also carries their idiosyncratic noise,
    ``rho^2`` becoming ``rho^2 + (1 - rho^2) / N``; ``None`` is the mean-field limit (4.3).

    Returns
    -------
    mean ``(2, *t.shape)``, covariance ``(2, 2, *t.shape)``.
    """
    p = require_params(p, "p")
    ybar0 = _pair("ybar0", ybar0)
    t = validation.times(t, p.T)
    weight = p.rho**2
    if agents is not None:
        weight += (1.0 - weight) / validation.integer("agents", agents, minimum=1)
    theta = np.array([0.0, p.eta])

    def rhs(s: float, y: Array) -> Array:
        a, _, c = crosssection.mf_matrices(p, s)
        phi = y[:4].reshape(2, 2)
        w = np.linalg.solve(phi, theta)
        return np.concatenate([(c @ phi).ravel(), np.linalg.solve(phi, a),
                               np.outer(w, w).ravel()])

    y0 = np.concatenate([np.eye(2).ravel(), np.zeros(6)])
    y = np.asarray(odes.solve(rhs, 0.0, p.T, y0)(t.ravel())).reshape(10, -1)
    phi, drift, j = y[:4].reshape(2, 2, -1), y[4:6], y[6:].reshape(2, 2, -1)
    mean = np.einsum("ijn,jn->in", phi, ybar0[:, None] + drift)
    cov = weight * np.einsum("ijn,jkn,lkn->iln", phi, j, phi)
    return mean.reshape(2, *t.shape), cov.reshape(2, 2, *t.shape)


def average_check(*, seed: int, p: Params | None = None, ybar0: object = (0.3, 0.05),
                  agents: int = 20, replications: int = 8000, n_steps: int = 400
                  ) -> MonteCarloCheck:
    """Mean, variances and covariance of ``(Qbar_T, Vbar_T)`` over ``replications`` simulated
    markets against (4.3) (``average_moments`` with the finite-``agents`` noise).

    Every agent starts at ``ybar0``; the default parameters P9 with ``mu = 0.2`` and
    ``rho = 0.5`` make the drift ``a_t`` and the common noise non-zero. ``Ybar_T`` is
    Gaussian, so a sample variance ``s^2`` has s.e. ``s^2 sqrt(2 / (R - 1))`` and a sample
    covariance ``sqrt((s_QQ s_VV + s_QV^2) / (R - 1))``.
    """
    p = P9.replace(mu=0.2, rho=0.5) if p is None else require_params(p, "p")
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    ybar0 = _pair("ybar0", ybar0)
    agents = validation.integer("agents", agents, minimum=1)
    replications = validation.integer("replications", replications, minimum=2)
    n_steps = validation.integer("n_steps", n_steps, minimum=1)
    result = simulate.simulate_separate(p, N=agents, n_steps=n_steps, rng=rng, Q0=ybar0[0],
                                        V0=ybar0[1], replications=replications,
                                        record_every=n_steps)
    ybar = np.array([result.Qbar[-1, :, 0], result.Vbar[-1, :, 0]])
    s = np.cov(ybar)
    spread = np.sqrt(np.diag(s) / replications)
    root = np.sqrt(2.0 / (replications - 1))
    mean, cov = average_moments(p, ybar0, p.T, agents=agents)
    return MonteCarloCheck(
        f"{replications} markets of {agents} agents from Ybar_0 = ({ybar0[0]:g}, "
        f"{ybar0[1]:g}), {n_steps} Euler steps; theory (4.3) with the idiosyncratic noise of "
        f"{agents} agents.",
        ("E Qbar_T", "E Vbar_T", "Var Qbar_T", "Var Vbar_T", "Cov(Qbar_T, Vbar_T)"),
        np.array([*ybar.mean(axis=1), s[0, 0], s[1, 1], s[0, 1]]),
        np.array([*spread, s[0, 0] * root, s[1, 1] * root,
                  np.sqrt((s[0, 0] * s[1, 1] + s[0, 1] ** 2) / (replications - 1))]),
        np.array([*mean, cov[0, 0], cov[1, 1], cov[0, 1]]))


def shape_standard_errors(z: Array) -> tuple[float, float]:
    """Standard errors of the sample skewness and excess kurtosis of standardised ``z`` by the
    delta method with the sample moments; ``sqrt(6 / n)`` and ``sqrt(24 / n)`` for Gaussian
    data."""
    m3, m4 = np.mean(z**3), np.mean(z**4)
    skew = z**3 - m3 - 3.0 * z - 1.5 * m3 * (z**2 - 1.0)
    kurt = z**4 - m4 - 4.0 * m3 * z - 2.0 * m4 * (z**2 - 1.0)
    return float(np.sqrt(np.mean(skew**2) / z.size)), float(np.sqrt(np.mean(kurt**2) / z.size))


SHAPE_SD = (0.5, 1.0)
"""Initial cross-sectional sds of inventories and signals for ``cross_section_shape``: signals
with sd 1 keep a visible share of the terminal spread under P6, while inventories mix."""


def cross_section_shape(*, seed: int, p: Params = P6, initial: str = "gaussian",
                        sd: tuple[float, float] = SHAPE_SD, agents: int = 2000,
                        replications: int = 20, n_steps: int = 400) -> MonteCarloCheck:
    """Skewness and excess kurtosis at T of the cross-section of ``(Q, V)`` (pooled over the
    markets, each standardised by its own sample mean and sd) against their theory.

    The deviations ``Y^n - Ybar`` are linear in ``Y^n_0 - Ybar_0`` and in Brownian integrals
    ((4.8), ``Psi' = B_t Psi``), so a Gaussian initial cross-section (``initial="gaussian"``)
    stays Gaussian: skewness and excess kurtosis 0. With independent uniform ``Q0`` and ``V0``
    of the same sds (``initial="uniform"``, fourth cumulant ``-1.2 sd^4``) the terminal
    fourth cumulant is ``Psi_QQ^4 kappa_Q + Psi_QV^4 kappa_V`` for Q (``Psi_VQ``, ``Psi_VV``
    for V), divided by the squared Lyapunov variance of (4.4). Standard errors:
    ``shape_standard_errors``.
    """
    p = require_params(p, "p")
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    if initial not in ("gaussian", "uniform"):
        raise ValueError(f"initial must be 'gaussian' or 'uniform', got {initial!r}")
    sd = np.array(validation.sequence("sd", sd, validation.positive, min_length=2,
                                      max_length=2))
    agents = validation.integer("agents", agents, minimum=2)
    replications = validation.integer("replications", replications, minimum=1)
    n_steps = validation.integer("n_steps", n_steps, minimum=1)
    shape = (replications, agents)
    if initial == "gaussian":
        q0, v0 = _gaussian_state(rng, shape, sd)
    else:
        half = np.sqrt(3.0) * sd
        q0, v0 = rng.uniform(-half[0], half[0], shape), rng.uniform(-half[1], half[1], shape)
    result = simulate.simulate_separate(p, N=agents, n_steps=n_steps, rng=rng, Q0=q0, V0=v0,
                                        replications=replications, record_every=n_steps)
    names, simulated, errors = [], [], []
    for label, x in (("Q", result.Q[-1]), ("V", result.V[-1])):
        z = ((x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)).ravel()
        names += [f"skewness of {label}_T", f"excess kurtosis of {label}_T"]
        simulated += [np.mean(z**3), np.mean(z**4) - 3.0]
        errors += shape_standard_errors(z)
    theory = np.zeros(4)
    if initial == "uniform":
        variance = np.diag(crosssection.cross_section_cov(p, np.diag(sd**2), p.T))
        theory[[1, 3]] = (propagator(p, p.T) ** 4 @ (-1.2 * sd**4)) / variance**2
    return MonteCarloCheck(
        f"{replications} markets of {agents} agents, {initial} initial cross-section with sds "
        f"({sd[0]:g}, {sd[1]:g}), {n_steps} Euler steps; moments at T pooled over "
        f"{replications * agents} agents.", tuple(names), np.array(simulated),
        np.array(errors), theory)


def propagator(p: Params, t: float) -> Array:
    """``Psi_t`` of (4.2): ``Psi' = B_t Psi``, ``Psi_0 = I``, the 2x2 propagator of the
    deviations from the average."""
    p = require_params(p, "p")
    t = float(validation.times(t, p.T))

    def rhs(s: float, y: Array) -> Array:
        return (crosssection.mf_matrices(p, s)[1] @ y.reshape(2, 2)).ravel()

    return np.asarray(odes.solve(rhs, 0.0, p.T, np.eye(2).ravel())(t)).reshape(2, 2)
