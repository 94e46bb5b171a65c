"""The core computation of each chapter, cheap enough to run for many parameter values.

``run(chapter, parameters)`` calls the lib functions the chapter calls with its parameters
(already checked by its validator in ``lib.chapters``), at reduced size: each list parameter
only at its smallest and largest value, a few samples where the chapter takes hundreds, no
figures. It asserts every result is finite and applies the tolerances the chapter itself
asserts, so that a value the validator accepts but the chapter cannot compute with fails
here. The property test of the domains (``tests/test_parameter_domains.py``) runs it at the
boundaries of every declared domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import mpmath
import numpy as np

from lib import dynamic_trading as dt
from lib import execution
from lib.competition import costs, crosscheck, inverse
from lib.competition import equilibrium as eq
from lib.competition import responses as br
from lib.competition import strategies as st
from lib.dynamic_trading import cara, closed_forms, dynamics, impact, paper_tables
from lib.dynamic_trading.equations import check_conditions
from lib.dynamic_trading.model import Market
from lib.dynamic_trading.solve import solve_equilibrium
from lib.liquidity_pools import adaptive, curve, earnings, fd, learning, nn
from lib.liquidity_pools import params as lp_params
from lib.liquidity_pools import simulate as lp_simulate
from lib.signals import P1, P3, P6, crosssection, loadings, models, simulate, verification
from lib.symbolic import ErrorTable


def _finite(label: str, *values: object) -> None:
    for value in values:
        if not np.all(np.isfinite(np.asarray(value, dtype=float))):
            raise AssertionError(f"{label}: not finite: {value!r}")


def _extremes(values: Iterable[float]) -> list[float]:
    finite = [v for v in values if np.isfinite(v)]
    return sorted({min(finite), max(finite)})


def _closed_forms(t: np.ndarray, *, Q: float, T: float, theta: float,
                  k: float) -> tuple[np.ndarray, ...]:
    """The schedule (post (12)) and the Riccati coefficients in their sinh/coth form at 50
    digits: the chapter's reference for lib's exponential forms."""
    with mpmath.workdps(50):
        Q_, T_, theta_, k_ = (mpmath.mpf(float(x)) for x in (Q, T, theta, k))
        q = [Q_ * mpmath.sinh(k_ * s) / mpmath.sinh(k_ * T_) for s in map(mpmath.mpf, t)]
        tau = [T_ - mpmath.mpf(float(s)) for s in t[t < T]]
        alpha = [theta_ * k_ * mpmath.coth(k_ * x) for x in tau]
        beta = [-2 * Q_ * theta_ * k_ / mpmath.sinh(k_ * x) for x in tau]
        gamma = [Q_**2 * theta_ * k_ * mpmath.coth(k_ * x) for x in tau]
        return tuple(np.array(v, dtype=float) for v in (q, alpha, beta, gamma))


def almgren_chriss(p: Mapping[str, object]) -> None:
    """The schedule, its cost, the Riccati system for the extreme penalties and M = inf (the
    chapter's 1e-8 requirement), lib's closed forms against their sinh/coth form at 50
    digits (1e-12), the cost curve at its right end and the direct minimisation with
    permanent impact."""
    Q, T, theta = p["Q"], p["T"], p["theta"]
    model = {"Q": Q, "T": T, "theta": theta}
    t = np.linspace(0.0, T, p["n_points"])
    few = t[np.unique(np.linspace(0, len(t) - 1, 5).astype(int))]
    checks = ErrorTable()
    for k in _extremes(p["k_values"]):
        schedule = {"kappa": k**2 * theta, **model}
        q = execution.optimal_inventory(t, **schedule)
        cost = execution.path_cost(lambda s, sc=schedule: execution.optimal_inventory(s, **sc),
                                   lambda s, sc=schedule: execution.optimal_speed(s, **sc),
                                   T=T, kappa=schedule["kappa"], theta=theta)
        _finite(f"k = {k}: schedule and cost", q, cost, execution.minimal_cost(**schedule),
                execution.cost_components(**schedule), 1 + (k * T) ** 2 / 3)
        for M in [*_extremes(p["penalties"]), np.inf]:
            results = execution.riccati_check(t, M=M, **schedule)
            for name, (closed, numeric) in results.items():
                _finite(f"k = {k}, M = {M}: {name}", closed, numeric)
                checks.add(f"k = {k}, M = {M}", name, closed, numeric,
                           scale=Q if name == "q" else None,
                           tolerance=execution.riccati_tolerance(
                               name, M=M, T=T, kappa=k**2 * theta, theta=theta))
            at_0 = execution.riccati_coefficients(np.array([0.0]), M=M, **schedule)
            _finite(f"k = {k}, M = {M}: coefficients at 0", *at_0,
                    *execution.solve_riccati(M=M, **schedule)(np.array([0.0])))
        exact = _closed_forms(few, k=k, **model)
        inner = few[few < T]
        library = (execution.optimal_inventory(few, **schedule),
                   *execution.riccati_coefficients(inner, **schedule))
        for name, closed, ours in zip(("q", "alpha", "beta", "gamma"), exact, library,
                                      strict=True):
            checks.add(f"k = {k}, 50 digits", name, closed, ours,
                       scale=Q if name == "q" else None, tolerance=1e-12)
    checks.check()
    k_max = max(p["k_values"])
    kappa_end = theta * max(10.0, 1.2 * k_max * T) ** 2 / T**2
    linear = execution.path_cost(lambda s: Q * s / T, lambda s: np.full_like(s, Q / T), T=T,
                                 kappa=kappa_end, theta=theta)
    _finite("cost curve at its right end", linear / (theta * Q**2 / T),
            execution.minimal_cost(kappa=kappa_end, **model),
            execution.cost_components(kappa=kappa_end, **model))
    permanent = {"kappa": k_max**2 * theta, **model}
    for eta in _extremes(p["eta_values"]):
        _finite(f"eta = {eta}: direct minimisation",
                execution.direct_minimiser(t, eta=eta, **permanent))
        if eta > 0:
            with_eta = execution.path_cost(
                lambda s: execution.optimal_inventory(s, **permanent),
                lambda s: execution.optimal_speed(s, **permanent),
                T=T, kappa=permanent["kappa"], theta=theta, eta=eta)
            ratio = (with_eta - execution.minimal_cost(**permanent)) / (eta * Q**2 / 2)
            checks.add(f"eta = {eta}", "cost shift / (eta Q^2/2)", np.ones(1), np.array([ratio]),
                       tolerance=1e-9)
    checks.check()


def position_building(p: Mapping[str, object]) -> None:
    """The strategies, costs, best responses, inverse problem, equilibrium costs and
    sensitivities of the chapter at its (kappa, lam), on the chapter's time grid, and the
    Nash-gap check with its seed (two perturbations instead of twenty)."""
    kappa, lam = p["kappa"], p["lam"]
    model = {"kappa": kappa, "lam": lam}
    t = np.linspace(0.0, 1.0, p["n_points"])
    rn = st.risk_neutral()
    a_eq, b_eq = eq.equilibrium_strategies(**model)
    a_bucket, b_barbell = eq.equilibrium_strategies(kappa=50.0, lam=lam)
    _finite("strategies", a_bucket(t), b_barbell(t), a_eq(t), b_eq(t), st.eager(kappa)(t),
            eq.equilibrium_limits(lam), inverse.inverse_A(rn, **model)(t),
            *[br.br_risk_averse(sigma, **model)(t) for sigma in (1.0, 5.0)],
            *[eq.two_trader_equilibrium(t, kappa=k, lam=lam) for k in (0.075, 10.0, 250.0)])
    _finite("costs", *[costs.cumulative_cost_A(st.parabolic(c), rn, t, **model)
                       for c in (-1.0, 1.0, lam * kappa / 4.0)],
            costs.cost_A(br.br_risk_neutral(**model), rn, **model).total,
            costs.cost_A(st.mixture(0.5, st.eager(50.0), rn), rn, **model).total,
            *costs.sensitivities(a_eq, b_eq, **model).values(),
            *[eq.equilibrium_cost(kappa=k, lam=lam, weight=w).total
              for k in (0.05, 100.0) for w in (1.0, None)])
    gaps = crosscheck.nash_gaps(**model, seed=p["seed"], samples=2)
    _finite("Nash gaps", gaps.gap_a, gaps.gap_b, gaps.max_relative_error)
    if not (np.all(gaps.gap_a > 0) and np.all(gaps.gap_b > 0)
            and gaps.max_relative_error <= 1e-6):
        raise AssertionError(f"kappa = {kappa}, lam = {lam}: the Nash gaps are not positive "
                             f"and equal to their closed form to 1e-6: {gaps}")


def trade_signals(p: Mapping[str, object]) -> None:
    """The three models at the chapter's correlation: their loadings on the chapter's grid,
    the Monte Carlo figures with its seeds and sizes (two markets of the terminal-variance
    study instead of 2000), the mean-field moments and the check of a finite population against
    the mean field."""
    rho, seed, n_steps, n_agents = p["rho"], p["seed"], p["n_steps"], p["n_agents"]
    t = np.linspace(0.0, 1.0, p["n_points"])
    p1, p3, p6 = (q.replace(rho=rho) for q in (P1, P3, P6))
    _finite("loadings", *loadings.loadings_single(models.solve_single(p1), t, p1).values(),
            *loadings.loadings_shared(models.solve_shared(p3), t, p3).values(),
            *loadings.loadings_separate(models.solve_separate(p6), t, p6).values(),
            *crosssection.single_agent_moments(p1, p1.T).values(),
            crosssection.cross_section_cov(p6, verification.SIGMA0, p6.T))
    rng = np.random.default_rng(seed)
    paths = simulate.simulate_single(p1, n_steps=n_steps, rng=rng, paths=p["n_paths"])
    rng = np.random.default_rng(seed + 1)
    market5 = simulate.simulate_shared(p3, N=n_agents, n_steps=n_steps, rng=rng,
                                       Q0=rng.normal(0.0, 0.5, n_agents))
    rng = np.random.default_rng(seed + 2)
    market8 = simulate.simulate_separate(p6, N=n_agents, n_steps=n_steps, rng=rng,
                                         Q0=rng.normal(0.0, 0.5, n_agents),
                                         V0=rng.normal(0.0, 0.02, n_agents))
    study = verification.terminal_variance_study(P6, seed=seed + 3, agents=50, markets=2,
                                                 n_steps=1000)
    _finite("simulations", paths.nu, *paths.contributions.values(), market5.Q, market5.nu,
            *market5.contributions.values(), market8.Q, market8.V, market8.nu,
            *market8.contributions.values(), study.mean, study.low, study.high,
            study.mean_field)
    verification.finite_population(seed=seed + 4).check()


def dynamic_trading(p: Mapping[str, object]) -> None:
    """Every solver and closed form of the chapter at its discount rate, on grids of a few
    points: the five-player equilibrium and its impacts, the fringe, merger, commitment,
    entry, symmetric and common-value closed forms, the fringe equilibria, the exponential-
    utility equilibria up to sigma = 0.3 and the limiting cases the chapter asserts (1e-9)."""
    r = p["r"]
    b5 = np.array([1.0, 1.5, 2.0, 2.5, 3.0])
    P5, Q5 = dt.equilibrium(b5, r=r)
    if not check_conditions(P5, Q5).holds:
        raise AssertionError(f"r = {r}: the conditions of Prop 3 fail")
    t = np.linspace(0.0, 3.0, 3)
    path = impact.simulate_deviation(P5, Q5, b5, r, 2, (np.array([0.0, 0.5]),
                                                        np.array([1.0, 0.0])), t)
    _finite("five players", P5, Q5, *path.values(), impact.instantaneous_impact(P5, Q5),
            impact.permanent_impact(b5, r), impact.transient_impact(P5, Q5, b5, r),
            dynamics.price_path(P5, Q5, np.array([1.0, 0.0, 0.0, 0.0, -1.0]), t),
            dynamics.eigendecomposition(Q5)[0],
            dynamics.prop14_eigen(b5 / b5.mean() - 1.0,
                                  closed_forms.symmetric(5, b5.mean(), r)[2])[0],
            *closed_forms.perturbation_approx(b5, r))
    for s in (0.05, 0.9):
        _finite(f"share {s}", *closed_forms.large_vs_fringe(1 / s, 1 / (1 - s), r).values())
    for s in (0.2, 0.6):
        _finite(f"commitment, share {s}", *[closed_forms.commitment(1 / s, 1 / (1 - s), r,
                                                                     k)["W"] for k in (0.2, 20.0)])
    _finite("optimal commitment, share 0.6 (inf at shares <= 1/3, by design)",
            closed_forms.commitment_optimal_kappa(1 / 0.6, 1 / 0.4, r))
    _finite("merger and entry", [closed_forms.merger_coefficient(x, r) for x in (0.02, 0.95)],
            closed_forms.entry_welfare(np.array([0.05, 2.0]), 1.0, 0.3, 0.4, r),
            [closed_forms.common_value_symmetric(N, 1.0, r, phi)[2] for N in (3, 50)
             for phi in (0.0, 0.49)])
    for n in (3, 20):
        _finite(f"N = {n}", closed_forms.symmetric(n, 1.0, r)[2],
                closed_forms.large_vs_fringe(float(n), n / (n - 1.0), r)["kappa"])
    for n_large in (1, 2):
        P_f, Q_f = dt.equilibrium(np.ones(n_large + 1), r=r, fringe=True)
        _finite(f"{n_large} large traders and a fringe", P_f, np.linalg.eigvals(Q_f).real)
    P9, Q9 = dt.equilibrium(np.ones(3), r=r, fringe=True)
    _finite("front-running", dynamics.impulse_response(Q9, np.array([1.0, 0.0, -1.0]), t),
            dynamics.price_path(P9, Q9, np.array([1.0, 0.0, -1.0]), t))
    P_m, Q_m = dt.equilibrium(np.concatenate([[0.1], np.ones(3)]), r=r)
    _finite("a large trader and three small ones", impact.instantaneous_impact(P_m, Q_m))
    F_cv = paper_tables.common_value_example()
    common = solve_equilibrium(Market(b5, r=r, F=F_cv))
    _finite("common values", common.P, common.Q,
            impact.instantaneous_impact(common.P, common.Q, F_cv))
    _finite("exponential utility, sigma = 0.3", *cara.solve_cara(b5, [0.3] * 5, r=r)[:2])
    P_sym, Q_sym, _ = closed_forms.symmetric(5, 2.0, r)
    P_num, Q_num = dt.equilibrium(np.full(5, 2.0), r=r)
    limiting = [np.abs(P_num - P_sym).max() + np.abs(Q_num - Q_sym).max(),
                np.abs(impact.transient_impact(P_num, Q_num, np.full(5, 2.0), r)).max(),
                np.abs(dt.equilibrium([1.0, 1.0], r=r, fringe=True)[0]
                       - closed_forms.large_vs_fringe(1.0, 1.0, r)["P"]).max(),
                abs(P5 @ (1 / b5) + 1 / r)]
    if not max(limiting) < 1e-9:
        raise AssertionError(f"r = {r}: limiting cases off by {limiting} (the chapter "
                             "asserts < 1e-9)")


def _lp_grid(p: Mapping[str, object]) -> fd.FDGrid:
    return fd.FDGrid(20.0, 20.0) if p["grid"] == "ci" else fd.FDGrid(10.0, 10.0)


def liquidity_pools(p: Mapping[str, object]) -> None:
    """The first page's solvers at its grid, slice and seed: the finite-difference slice and
    the Monte Carlo check with ``mc_paths`` paths at one start (|z| < 4, as the page
    asserts)."""
    grid = _lp_grid(p)
    identical = lp_params.default_params("identical")
    targets = curve.slice_targets(identical, p["slice_index"])
    sol = fd.solve_slice(identical, grid, targets, t_start=p["slice_index"] * identical.Ts)
    _finite("finite differences", sol.theta)
    mc_grid = fd.FDGrid(grid.dq, 2 * grid.dq)
    mc_sol = fd.solve_slice(identical, mc_grid, targets)
    mean, stderr = lp_simulate.mc_slice_value(identical, mc_sol, 400.0, 0, p["mc_paths"],
                                              np.random.default_rng(p["seed"]))
    z = (mean - mc_sol.theta[0, round(400.0 / mc_grid.dq), 0]) / stderr
    if not abs(z) < 4:
        raise AssertionError(f"Monte Carlo disagrees with theta: z = {z}")


def liquidity_pools_bayes(p: Mapping[str, object]) -> None:
    """The Bayesian page's runs: the adaptive run of ``n_slices`` slices at its grid and seed,
    and one run of the learning study with ``learn_slices`` slices (``learn_seeds`` only sets
    how many such runs the study makes)."""
    truth, rho_true, prior = adaptive.default_truth_and_prior()
    history = adaptive.run_adaptive(truth, rho_true, prior, n_slices=p["n_slices"],
                                    grid=_lp_grid(p), seed=p["seed"])
    _finite("adaptive run", history.q, history.mu_hat, history.rho_hat,
            history.logs[min(p["slice_index"], history.n_slices - 1)].volume)
    run = learning.learning_errors(p["seed"], n_slices=p["learn_slices"])
    _finite("learning study", *run.errors.values())


def liquidity_pools_networks(p: Mapping[str, object]) -> None:
    """The networks page's runs, with its configurations built as the page builds them but
    trained for one Adam step per decision step: the drawn slice measured on a few paths, and
    the adaptive run of ``nn_slices`` slices of the last seed with the networks, warm-started
    from the pre-trained networks of ``seed``.

    What fully trained networks earn (the page's checked claims) takes minutes per slice and is
    left out: the lower bounds of ``nn_iters`` and ``warm_iters`` come from such runs."""
    grid, seed = _lp_grid(p), p["seed"]
    nn.NNConfig(iters=p["nn_iters"], first_iters=2 * p["nn_iters"], seed=seed)
    nn.NNConfig(iters=p["warm_iters"], first_iters=2 * p["nn_iters"], seed=seed)
    one_step = {"iters": 1, "first_iters": 1}
    for case in ("identical", "different"):
        (result,) = earnings.slice_study(case, seed + p["study_seeds"] - 1, [p["slice_index"]],
                                         one_step, n_paths=10, mc_seed=0, keep=True)
        _finite("networks", nn.on_grid(result.networks, grid).theta, result.earnings.nn,
                result.earnings.fd)
    outcome = earnings.adaptive_outcome(seed + p["adaptive_seeds"] - 1, "nn", p["nn_slices"],
                                        grid.dq, grid.dl, one_step, one_step,
                                        pretrain_seed=seed)
    _finite("adaptive run", outcome["q"], np.array([outcome["cost"]]))


CORES: dict[str, Callable[[Mapping[str, object]], None]] = {
    "almgren_chriss": almgren_chriss,
    "position_building": position_building,
    "trade_signals": trade_signals,
    "dynamic_trading": dynamic_trading,
    "liquidity_pools": liquidity_pools,
    "liquidity_pools_bayes": liquidity_pools_bayes,
    "liquidity_pools_networks": liquidity_pools_networks,
}


def run(chapter: str, parameters: Mapping[str, object]) -> None:
    """Run the chapter's core computation with checked ``parameters``; raise on a failure."""
    CORES[chapter](parameters)
