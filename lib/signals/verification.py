"""Numerical verification of the trade-signal chapter.

``error_table`` compares independent computations: the generic Riccati core with the paper's
systems (2.2)-(2.3), (3.6)-(3.7) and (3.14)-(3.15) at a generic parameter set, the closed
forms with the ODEs, and the two forms of the cross-sectional moments and of the price
variance. ``finite_population`` compares a simulation of finitely many agents with the
mean-field covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.signals import closed_forms, crosssection, models, simulate
from lib.signals.params import P3, P6, P9, Params
from lib.symbolic import ErrorTable

Array = np.ndarray

GENERIC = Params(mu=0.2, sigma=1.0, eta=0.5, beta=1.0, gamma=0.1, gamma_bar=0.1, rho=0.3,
                 b=1e-2, k=5e-3, k_bar=1e-3, alpha=0.1, T=1.0)
"""A parameter set with every effect switched on (mu and gamma non-zero), for the comparison
of the generic core with the paper's systems."""

SIGMA0 = np.diag([0.5**2, 0.02**2])
"""Initial cross-section of Figures 8–9: sd 0.5 of inventories, 0.02 of signals."""


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
class FinitePopulation:
    """Sample cross-sectional moments at T of ``replications`` markets of ``agents`` agents,
    against the mean-field values, with Monte Carlo standard errors."""

    agents: int
    replications: int
    n_steps: int
    names: tuple[str, ...]
    simulated: Array
    standard_error: Array
    mean_field: Array

    @property
    def z_scores(self) -> Array:
        return (self.simulated - self.mean_field) / self.standard_error

    def markdown(self) -> str:
        lines = [f"{self.replications} markets of {self.agents} agents, {self.n_steps} Euler "
                 "steps; moments at $T$ across the agents of each market, averaged over the "
                 "markets.", "", "| moment | simulated | s.e. | mean field | z |",
                 "|---|---:|---:|---:|---:|"]
        lines += [f"| {n} | {s:.4f} | {e:.4f} | {m:.4f} | {z:+.2f} |" for n, s, e, m, z in
                  zip(self.names, self.simulated, self.standard_error, self.mean_field,
                      self.z_scores, strict=True)]
        return "\n".join(lines)

    def check(self, limit: float = 3.0) -> None:
        """Raise ``AssertionError`` if any moment is more than ``limit`` s.e. from the MF."""
        bad = [n for n, z in zip(self.names, self.z_scores, strict=True) if abs(z) > limit]
        if bad:
            raise AssertionError(f"more than {limit} standard errors from the mean field: {bad}")


def finite_population(*, seed: int, p: Params | None = None, agents: int = 500,
                      replications: int = 40, n_steps: int = 500) -> FinitePopulation:
    """Simulate the separate-signals model with finitely many agents, from the initial
    cross-section ``SIGMA0``, and compare Var Q, Var V, Cov(Q, V) at T with the mean-field
    covariance of book eq. (ts-lyapunov) (default parameters P9 with rho = 0.5)."""
    p = P9.replace(rho=0.5) if p is None else p
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    shape = (replications, agents)
    sd = np.sqrt(np.diag(SIGMA0))
    result = simulate.simulate_separate(
        p, N=agents, n_steps=n_steps, rng=rng, Q0=rng.normal(0.0, sd[0], shape),
        V0=rng.normal(0.0, sd[1], shape), replications=replications, record_every=n_steps)
    q, v = result.Q[-1], result.V[-1]
    samples = np.array([q.var(axis=1, ddof=1), v.var(axis=1, ddof=1),
                        [np.cov(qi, vi)[0, 1] for qi, vi in zip(q, v, strict=True)]])
    cov = crosssection.cross_section_cov(p, SIGMA0, p.T)
    return FinitePopulation(agents, replications, n_steps, ("Var Q", "Var V", "Cov(Q, V)"),
                            samples.mean(axis=1),
                            samples.std(axis=1, ddof=1) / np.sqrt(replications),
                            np.array([cov[0, 0], cov[1, 1], cov[0, 1]]))


@dataclass(frozen=True)
class VarianceBand:
    """Distribution of the terminal sample variance of inventories over many markets."""

    mean: float
    low: float
    high: float
    tail: float


def terminal_variance_band(p: Params, *, seed: int, agents: int, markets: int, n_steps: int,
                           threshold: float = 1.32) -> VarianceBand:
    """Mean, 5–95% band and ``P(variance >= threshold)`` of the terminal sample variance (ddof
    1) of ``agents`` inventories, over ``markets`` independent markets started as in Figure 8
    (the paper's single realisation reports 1.32)."""
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    shape = (validation.integer("markets", markets, minimum=2), agents)
    result = simulate.simulate_separate(
        p, N=agents, n_steps=n_steps, rng=rng, Q0=rng.normal(0.0, np.sqrt(SIGMA0[0, 0]), shape),
        V0=rng.normal(0.0, np.sqrt(SIGMA0[1, 1]), shape), replications=markets,
        record_every=n_steps)
    variances = result.Q[-1].var(axis=1, ddof=1)
    low, high = np.quantile(variances, [0.05, 0.95])
    return VarianceBand(float(variances.mean()), float(low), float(high),
                        float(np.mean(variances >= threshold)))
