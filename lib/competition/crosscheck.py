"""Numerical cross-checks of the closed forms, independent of them.

* ``best_response_bvp`` / ``best_response_B_bvp``: the Euler–Lagrange equations, paper (12) /
  (23), solved by collocation (``scipy.integrate.solve_bvp``).
* ``best_response_discrete``: A's cost, paper (3), minimised directly over
  ``a = t + sum c_k sin(k pi t)``; the cost is quadratic in ``c``, so the minimiser solves a
  linear system (the normal equations).
* ``equilibrium_bvp``: the coupled equilibrium equations, paper (22)–(23), by collocation.
* ``nash_gap``: how much each trader would save by deviating to its (collocation) best response.
* ``nash_gaps``: the exact Nash gaps (book eq. (pb-nash-gaps)) at random perturbations of the
  equilibrium.
* ``error_table``: every closed form of the chapter against these computations.
* ``sine_convergence``: errors and observed orders of ``best_response_discrete`` as the
  number of sine modes doubles.

Collocation meshes are graded towards both ends (Chebyshev points), where the boundary
layers of width ``3/kappa`` and ``1/kappa`` sit (book eq. (pb-large-kappa)); a coarse first
pass fixes the scales of the unknowns for the second. The solvers accept ``kappa <= K_MAX``
and ``tol >= TOL_MIN``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.integrate import solve_bvp

from lib import sine_basis, validation
from lib.competition.costs import check_model, cost_A, cost_B
from lib.competition.equilibrium import (
    equilibrium_cost,
    equilibrium_strategies,
    two_trader_equilibrium,
)
from lib.competition.inverse import inverse_A, inverse_B
from lib.competition.responses import br_eager, br_risk_averse, br_risk_neutral
from lib.competition.risk_aversion import (
    risk_averse_equilibrium,
    risk_averse_equilibrium_bvp,
    risk_averse_equilibrium_mpmath,
)
from lib.competition.strategies import Strategy, eager, risk_averse, risk_neutral
from lib.figures import numbered_table
from lib.symbolic import ErrorTable

__all__ = [
    "K_MAX",
    "TOL_MIN",
    "best_response_B_bvp",
    "best_response_bvp",
    "best_response_discrete",
    "equilibrium_bvp",
    "nash_gap",
    "sine_convergence",
]

Array = np.ndarray

_MAX_NODES = 100_000
K_MAX = 1000.0
"""Largest ``kappa`` of the collocation solvers: checked within 1e-8 of the closed forms up to
it (errors about 2e-11, about 1 s a solve; the run time grows with the layers' ``1/kappa``)."""
TOL_MIN = 1e-9
"""Smallest collocation tolerance, since rounding keeps the residual of the stiffest problems
(``kappa`` in the hundreds) from reaching 1e-10."""
_COARSE_TOL = 1e-6


def _check_collocation(kappa: float, tol: float) -> tuple[float, float]:
    """``kappa <= K_MAX`` and ``tol >= TOL_MIN``, as floats."""
    kappa = validation.within("kappa", kappa, upper=K_MAX,
                              why_upper=" (the thinnest boundary layers checked)")
    tol = validation.within("tol", validation.positive("tol", tol), lower=TOL_MIN,
                            why_lower=" (rounding floor of the collocation residual)")
    return kappa, tol


def _chebyshev_mesh(kappa: float) -> Array:
    """Initial mesh on ``[0, 1]`` clustered at both ends, finer for larger ``kappa``."""
    n = 64 + 4 * int(np.ceil(kappa))
    return 0.5 * (1.0 - np.cos(np.pi * np.arange(n + 1) / n))


def _solve_scaled(rhs: Callable[[Array, Array], Array], jac: Array, dim: int, mesh: Array,
                  guess: Array, scale: Array, tol: float) -> tuple[Array, Array, Callable]:
    """One ``solve_bvp`` pass in the unknowns ``z = y / scale``; returns the final mesh,
    ``y`` on it and the dense solution ``t -> y(t)``."""
    scaled_jac = np.broadcast_to((jac * scale[None, :] / scale[:, None])[:, :, None],
                                 (2 * dim, 2 * dim, 1))
    ends = 1.0 / scale[:dim]
    bc_jac = np.diag(np.repeat([1.0, 0.0], dim)), np.eye(2 * dim, k=-dim)
    result = solve_bvp(
        lambda t, z: rhs(t, z * scale[:, None]) / scale[:, None],
        lambda za, zb: np.concatenate([za[:dim], zb[:dim] - ends]), mesh,
        guess / scale[:, None],
        fun_jac=lambda x, _z: np.broadcast_to(scaled_jac, (2 * dim, 2 * dim, x.size)),
        bc_jac=lambda _za, _zb: bc_jac, tol=tol, bc_tol=tol, max_nodes=_MAX_NODES,
    )
    if not result.success:
        raise RuntimeError(f"solve_bvp did not converge: {result.message}")
    return result.x, result.y * scale[:, None], lambda t: result.sol(t) * scale[:, None]


def _collocate(rhs: Callable[[Array, Array], Array], jac: Array, dim: int, kappa: float,
               tol: float) -> Callable[[Array], Array]:
    """Solve ``y' = rhs(t, y)`` with ``y = (x, x')`` of ``dim`` unknowns, ``x(0) = 0``,
    ``x(1) = 1``; ``jac`` is the constant Jacobian. Returns the dense solution ``t -> y(t)``.

    Two passes: at tolerance 1e-6 in the original unknowns, then at ``tol`` from that mesh
    and solution, each unknown divided by its largest first-pass value (holdings ``~ lam``,
    rates ``~ kappa lam`` in the layers), so that the relative residual of ``solve_bvp``
    weighs every component alike.
    """
    mesh = _chebyshev_mesh(kappa)
    guess = np.vstack([np.tile(mesh, (dim, 1)), np.ones((dim, mesh.size))])
    mesh, coarse, _ = _solve_scaled(rhs, jac, dim, mesh, guess, np.ones(2 * dim), _COARSE_TOL)
    return _solve_scaled(rhs, jac, dim, mesh, coarse, np.max(np.abs(coarse), axis=1), tol)[2]


def _respond_bvp(y: Strategy, *, kappa: float, scale: float, tol: float,
                 name: str) -> Strategy:
    """Solve ``x'' = -scale (y'' + kappa y')``, ``x(0) = 0``, ``x(1) = 1`` by collocation."""
    kappa, tol = _check_collocation(kappa, tol)

    def forcing(t: Array) -> Array:
        _, rate, acc = y.evaluate(t)
        return -scale * (acc + kappa * rate)

    jac = np.array([[0.0, 1.0], [0.0, 0.0]])
    sol = _collocate(lambda t, x: np.vstack([x[1], forcing(t)]), jac, 1, kappa, tol)

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        value, rate = sol(np.ravel(t)).reshape(2, *np.shape(t))
        return value, rate, forcing(t)

    return Strategy(evaluate, name)


def best_response_bvp(b: Strategy, *, kappa: float, lam: float,
                      tol: float = TOL_MIN) -> Strategy:
    """A's best response to B holding ``lam * b``: paper (12),
    ``a'' = -(lam/2)(b'' + kappa b')``,
    ``a(0) = 0``, ``a(1) = 1``, solved by ``solve_bvp`` at tolerance ``tol``.

    Domain: ``kappa <= K_MAX`` and ``tol >= TOL_MIN``; there, at the default ``tol``, within
    1e-8 of book eq. (pb-best-response) for ``1e-3 <= lam <= 1e3`` (checked; the error grows
    with the holdings, like ``lam``: about 1e-9 at ``lam = 1e3``).

    Raises
    ------
    ValueError
        naming ``kappa`` or ``tol`` outside the domain, before any solving.
    RuntimeError
        if ``solve_bvp`` does not converge.
    """
    kappa, lam = check_model(kappa, lam)
    return _respond_bvp(b, kappa=kappa, scale=lam / 2.0, tol=tol, name=f"BVP_A[{b.name}]")


def best_response_B_bvp(a: Strategy, *, kappa: float, lam: float,
                        tol: float = TOL_MIN) -> Strategy:
    """B's best response (its shape) to A holding ``a``: paper (23),
    ``b'' = -(a'' + kappa a')/(2 lam)``, by ``solve_bvp`` (domain as ``best_response_bvp``)."""
    kappa, lam = check_model(kappa, lam)
    return _respond_bvp(a, kappa=kappa, scale=1.0 / (2.0 * lam), tol=tol,
                        name=f"BVP_B[{a.name}]")


def equilibrium_bvp(*, kappa: float, lam: float,
                    tol: float = TOL_MIN) -> tuple[Strategy, Strategy]:
    """``(a, b)`` solving paper (22)–(23) by collocation: ``2a'' + lam b'' + kappa lam b' = 0``,
    ``a'' + 2 lam b'' + kappa a' = 0``, unit boundary conditions (for comparison with paper
    (26)–(27)).

    Domain: ``kappa <= K_MAX`` and ``tol >= TOL_MIN``; there, at the default ``tol``, within
    1e-8 of book eq. (pb-equilibrium) for ``1e-3 <= lam <= 1e3`` (checked; about 1e-9 at
    ``lam = 1e3``).

    Raises
    ------
    ValueError
        naming ``kappa`` or ``tol`` outside the domain, before any solving.
    RuntimeError
        if ``solve_bvp`` does not converge.
    """
    kappa, lam = check_model(kappa, lam)
    kappa, tol = _check_collocation(kappa, tol)
    mass = np.array([[2.0, lam], [1.0, 2.0 * lam]])           # coefficients of (a'', b'')
    damping = np.array([[0.0, kappa * lam], [kappa, 0.0]])    # coefficients of (a', b')
    accel = -np.linalg.solve(mass, damping)                   # (a'', b'') = accel @ (a', b')
    jac = np.block([[np.zeros((2, 2)), np.eye(2)], [np.zeros((2, 2)), accel]])
    sol = _collocate(lambda _t, y: jac @ y, jac, 2, kappa, tol)

    def player(i: int) -> Strategy:
        def evaluate(t: Array) -> tuple[Array, Array, Array]:
            y = sol(np.ravel(t)).reshape(4, *np.shape(t))
            return y[i], y[2 + i], accel[i, 0] * y[2] + accel[i, 1] * y[3]

        return Strategy(evaluate, ("a", "b")[i] + "_bvp")

    return player(0), player(1)


def best_response_discrete(b: Strategy, *, kappa: float, lam: float,
                           n_modes: int = 40) -> Strategy:
    """A's best response by direct minimisation of its cost, paper (3), over
    ``a = t + sum_k c_k sin(k pi t)``, ``k = 1..n_modes`` (``lib.sine_basis``).

    The cost is ``int a'^2 + kappa a a' + (lam b' + kappa lam b) a'``: quadratic in the
    coefficients.
    The error in ``a`` decays like ``n_modes^-2`` (the sine series of ``a - t`` converges
    slowly where ``a'' != 0`` at the ends).
    """
    kappa, lam = check_model(kappa, lam)

    def adversary(s: Array) -> Array:
        value, rate, _ = b.evaluate(s)
        return lam * rate + kappa * lam * value

    path = sine_basis.minimise_quadratic(risk_neutral().evaluate, T=1.0, n_modes=n_modes,
                                         alpha=1.0, gamma=kappa, f=adversary)
    return Strategy(path.evaluate, f"sine_{n_modes}[{b.name}]")


def nash_gap(a: Strategy, b: Strategy, *, kappa: float, lam: float) -> tuple[float, float]:
    """``(C_A[a; b] - min_a' C_A[a'; b], C_B[a; b] - min_b' C_B[a; b'])``, the best responses
    by collocation (``best_response_bvp``, ``best_response_B_bvp``).

    Both are ``>= 0`` and vanish exactly at a Nash equilibrium; by book eq.
    (pb-quadratic-gap) they equal ``int (a' - a*')^2`` and ``lam^2 int (b' - b*')^2``.
    """
    kappa, lam = check_model(kappa, lam)
    a_star = best_response_bvp(b, kappa=kappa, lam=lam)
    b_star = best_response_B_bvp(a, kappa=kappa, lam=lam)
    gap_a = cost_A(a, b, kappa=kappa, lam=lam).total - cost_A(a_star, b, kappa=kappa,
                                                               lam=lam).total
    gap_b = cost_B(a, b, kappa=kappa, lam=lam).total - cost_B(a, b_star, kappa=kappa,
                                                               lam=lam).total
    return gap_a, gap_b


@dataclass(frozen=True)
class NashGaps:
    """Gaps ``C_A[a; b_lam] - C_A[a_lam; b_lam]`` and ``C_B[a_lam; b] - C_B[a_lam; b_lam]`` at
    random perturbations, and the largest relative difference from the closed forms
    ``int (a' - a_lam')^2`` and ``lam^2 int (b' - b_lam')^2`` (book eqs. (pb-nash-gaps),
    (pb-quadratic-gap))."""

    gap_a: Array
    gap_b: Array
    max_relative_error: float


def _sine_perturbation(base: Strategy, coefficients: Array) -> Strategy:
    k = np.arange(1, len(coefficients) + 1) * np.pi

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        value, rate, acc = base.evaluate(t)
        phase = np.multiply.outer(t, k)
        return (value + np.sin(phase) @ coefficients, rate + np.cos(phase) @ (k * coefficients),
                acc - np.sin(phase) @ (k * k * coefficients))

    return Strategy(evaluate, f"{base.name} + sines")


def nash_gaps(*, kappa: float, lam: float, seed: int, samples: int = 20,
              modes: int = 6) -> NashGaps:
    """Perturb each equilibrium strategy by ``sum_k c_k sin(k pi t)`` with ``c_k`` drawn from
    ``numpy.random.default_rng(seed)`` (standard normal over ``k``) and measure the gaps."""
    kappa, lam = check_model(kappa, lam)
    samples = validation.integer("samples", samples, minimum=1)
    rng = np.random.default_rng(validation.integer("seed", seed, minimum=0))
    a_eq, b_eq = equilibrium_strategies(kappa=kappa, lam=lam)
    model = {"kappa": kappa, "lam": lam}
    base_a, base_b = cost_A(a_eq, b_eq, **model).total, cost_B(a_eq, b_eq, **model).total
    gap_a, gap_b, errors = [], [], []
    for _ in range(samples):
        c = rng.standard_normal(modes) / np.arange(1, modes + 1)
        a, b = _sine_perturbation(a_eq, c), _sine_perturbation(b_eq, c)
        gap_a.append(cost_A(a, b_eq, **model).total - base_a)
        gap_b.append(cost_B(a_eq, b, **model).total - base_b)
        k = np.arange(1, modes + 1) * np.pi
        exact = 0.5 * float(np.sum((k * c) ** 2))  # int (sum_k c_k k pi cos k pi t)^2
        errors += [abs(gap_a[-1] / exact - 1.0), abs(gap_b[-1] / (lam * lam * exact) - 1.0)]
    return NashGaps(np.array(gap_a), np.array(gap_b), max(errors))


def _response_cases() -> dict[str, tuple[Strategy, Strategy, float, float]]:
    """Closed-form best responses (paper (13)-(19), book eq. (pb-best-response)), each with
    its adversary, ``kappa`` and ``lam``."""
    a_55, b_55 = equilibrium_strategies(kappa=5.0, lam=5.0)
    return {
        "response to r_sigma, paper (13)-(16) (sigma = 3, kappa = 1, lam = 5)": (
            br_risk_averse(3.0, kappa=1.0, lam=5.0), risk_averse(3.0), 1.0, 5.0),
        "response to t, paper (17)-(18) (kappa = lam = 10)": (
            br_risk_neutral(kappa=10.0, lam=10.0), risk_neutral(), 10.0, 10.0),
        "response to phi_sigma, paper (19) (sigma = 10, kappa = 0.1, lam = 20)": (
            br_eager(10.0, kappa=0.1, lam=20.0), eager(10.0), 0.1, 20.0),
        "general response to b_lam (kappa = lam = 5)": (a_55, b_55, 5.0, 5.0),
    }


def _two_digits(x: float) -> str:
    """``x`` to 2 significant digits without exponent padding: ``1.5e-2``."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@dataclass(frozen=True)
class SineConvergence:
    """Largest absolute error of ``best_response_discrete`` against the closed forms, per case
    (rows of ``errors``) and number of modes, and the observed orders
    ``log(e_N / e_2N) / log 2`` between successive mode counts."""

    cases: tuple[str, ...]
    modes: tuple[int, ...]
    errors: Array
    orders: Array

    def markdown(self, *, label: str, caption: str) -> str:
        """A numbered MyST table (``lib.figures.numbered_table``): errors to 2 significant
        digits per number of modes, then the observed orders to 2 decimals."""
        pairs = [f"order {n}/{m}" for n, m in pairwise(self.modes)]
        heads = [f"{n} modes" for n in self.modes] + pairs
        lines = ["| case | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
        for case, errors, orders in zip(self.cases, self.errors, self.orders, strict=True):
            cells = [_two_digits(e) for e in errors] + [f"{p:.2f}" for p in orders]
            lines.append(f"| {case} | " + " | ".join(cells) + " |")
        return numbered_table("\n".join(lines), label=label, caption=caption)

    def columns(self) -> dict[str, list]:
        """Long-format columns for ``lib.figures.save_table``: case, modes, max error and the
        observed order against the previous mode count (``None`` for the first)."""
        return {
            "case": [c for c in self.cases for _ in self.modes],
            "modes": list(self.modes) * len(self.cases),
            "max error": [float(e) for e in self.errors.ravel()],
            "observed order": [None if j == 0 else float(row[j - 1]) for row in self.orders
                               for j in range(len(self.modes))],
        }

    def check(self, low: float = 1.8, high: float = 2.2) -> None:
        """Raise ``AssertionError`` naming every case with an observed order outside
        ``[low, high]``."""
        failed = [f"{case} (orders {', '.join(f'{p:.2f}' for p in orders)})"
                  for case, orders in zip(self.cases, self.orders, strict=True)
                  if np.any((orders < low) | (orders > high))]
        if failed:
            raise AssertionError(f"observed orders outside [{low:g}, {high:g}]: "
                                 + "; ".join(failed))


def sine_convergence(modes: tuple[int, ...] = (40, 80, 160)) -> SineConvergence:
    """Convergence of the sine-basis minimisation of paper (3) (``best_response_discrete``)
    to the closed-form best responses, paper (13)-(19) and book eq. (pb-best-response).

    The minimiser is the truncated sine series of ``a - t``, whose coefficients fall like
    ``k^-3`` when ``a''(0)`` or ``a''(1)`` is not 0, as in every case here (the response to
    ``t``, paper (17)-(18), is a parabola with constant ``a'' = -lam kappa/2``): the error
    falls like ``N^-2``, so each observed order is close to 2. It peaks within about ``1/N``
    of the ends, so the grid of ``t`` has 16 points per half-period of the highest mode.
    """
    modes = tuple(validation.integer("modes", n, minimum=1) for n in modes)
    if len(modes) < 2 or any(m != 2 * n for n, m in pairwise(modes)):
        raise ValueError(f"modes must double from one entry to the next, got {modes}")
    t = np.linspace(0.0, 1.0, 16 * modes[-1] + 1)
    cases = _response_cases()
    errors = np.array([[np.max(np.abs(best_response_discrete(b, kappa=kappa, lam=lam,
                                                              n_modes=n)(t) - closed(t)))
                        for n in modes] for closed, b, kappa, lam in cases.values()])
    orders = np.log2(errors[:, :-1] / errors[:, 1:])
    return SineConvergence(tuple(cases), modes, errors, orders)


def error_table() -> ErrorTable:
    """Every closed form of the chapter against an independent computation:
    largest absolute error on a grid of ``t`` (relative for costs), each with its tolerance
    (the sine-basis minimisation, which converges like ``N^-2``, is in ``sine_convergence``).
    The 50-digit references use a 15-point grid that samples the boundary layers."""
    t = np.linspace(0.0, 1.0, 101)
    t_layers = np.array([0.0, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99,
                         0.997, 0.999, 1.0])
    table = ErrorTable()

    def add(case: str, closed: Array, numeric: Array, tolerance: float,
            *, relative: bool = False) -> None:
        table.add(case, "max error", np.concatenate(closed), np.concatenate(numeric),
                  scale=None if relative else 1.0, tolerance=tolerance)

    for case, (closed, b, kappa, lam) in _response_cases().items():
        add(f"{case} vs solve_bvp", [closed(t)],
            [best_response_bvp(b, kappa=kappa, lam=lam)(t)], 1e-8)
    for kappa, lam in ((1.0, 5.0), (5.0, 5.0), (1.0, 1.0), (25.0, 5.0)):
        a, b = equilibrium_strategies(kappa=kappa, lam=lam)
        a_bvp, b_bvp = equilibrium_bvp(kappa=kappa, lam=lam)
        add(f"equilibrium (26)-(27) (kappa = {kappa:g}, lam = {lam:g}) vs solve_bvp",
            [a(t), b(t)], [a_bvp(t), b_bvp(t)], 1e-8)
    for kappa in (0.1, 1.0, 25.0, 100.0):
        for weight in (None, 1.0):
            a, b = equilibrium_strategies(kappa=kappa, lam=5.0)
            closed = equilibrium_cost(kappa=kappa, lam=5.0, weight=weight)
            quad = cost_A(a, b, kappa=kappa, lam=5.0, weight=weight)
            name = "lam" if weight is None else "1"
            add(f"equilibrium cost (kappa = {kappa:g}, lam = 5, weight {name}) vs "
                "quadrature, relative",
                [[closed.temp, closed.perm]], [[quad.temp, quad.perm]], 1e-10, relative=True)
    for kappa in (1.0, 25.0):
        a, b = equilibrium_strategies(kappa=kappa, lam=5.0)
        add(f"inverse problems (37)-(41) (kappa = {kappa:g}, lam = 5) vs phi_kappa, a_lam",
            [eager(kappa)(t), a(t)], [inverse_A(risk_neutral(), kappa=kappa, lam=5.0)(t),
                                     inverse_B(b, kappa=kappa, lam=5.0)(t)], 1e-10)
    risk = {"kappa = 5, lam = 5, vol = 0.5, xi = (10, 10)": (5.0, 5.0, 0.5, 10.0, 10.0),
            "kappa = 300, lam = 5, vol = 1, xi = (1, 1)": (300.0, 5.0, 1.0, 1.0, 1.0),
            "kappa = 14, lam = 5, vol = 2.6, xi = (95, 140)": (14.0, 5.0, 2.6, 95.0, 140.0),
            "kappa = 5, lam = 5, vol = 1, xi = (1e4, 1e4)": (5.0, 5.0, 1.0, 1e4, 1e4)}
    for case, (kappa, lam, vol, xi_a, xi_b) in risk.items():
        model = {"kappa": kappa, "lam": lam, "vol": vol, "xi_a": xi_a, "xi_b": xi_b}
        add(f"risk-averse equilibrium ({case}) vs mpmath, 50 digits",
            risk_averse_equilibrium_mpmath(t_layers, **model),
            risk_averse_equilibrium(t_layers, **model), 1e-10)
        add(f"risk-averse equilibrium ({case}) vs solve_bvp",
            risk_averse_equilibrium_bvp(t, **model, tol=1e-9),
            risk_averse_equilibrium(t, **model), 1e-8)
    for kappa, lam in ((1.0, 5.0), (100.0, 25.0)):
        add(f"risk-averse equilibrium at vol = 0 (kappa = {kappa:g}, lam = {lam:g}) vs "
            "(26)-(27)",
            two_trader_equilibrium(t, kappa=kappa, lam=lam),
            risk_averse_equilibrium(t, kappa=kappa, lam=lam, vol=0.0, xi_a=1.0, xi_b=1.0),
            1e-10)
    return table
