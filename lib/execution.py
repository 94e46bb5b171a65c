"""Optimal execution of a single trader: the blog post's recovery of Almgren–Chriss by HJB.

A trader buys ``Q`` shares by time ``T`` at speed ``nu``; linear temporary impact ``theta``
makes each fill cost ``theta * nu`` above mid, and a running penalty ``kappa * q**2`` on the
holdings stands for risk aversion (book eqs. (ac-dynamics), (ac-objective); post (1)–(2)). The
value function is quadratic in inventory, ``h(t, q) = -(alpha q**2 + beta q + gamma)`` (book
eq. (ac-riccati)), and the optimal inventory is the ``sinh`` schedule (book eq.
(ac-schedule), post (12)). Almgren and Chriss penalise the risk of the shares still to buy
instead, which mirrors the schedule in time (book eq. (ac-shortfall-schedule)).

Every closed form here also accepts a finite terminal penalty ``M (q_T - Q)**2`` in place of
the hard constraint ``q_T = Q``; ``M = inf`` (the default) is the constrained problem of the
source. Closed forms are written with ``exp(-2 k tau)`` rather than ``sinh``/``coth`` so that
they stay finite for ``sqrt(kappa/theta) * T`` up to 1e4 and beyond.

Notation: ``kappa`` is risk aversion here, as in the post; in ``lib.competition`` the same
letter is permanent impact. ``theta`` is temporary impact here; in ``lib.liquidity_pools`` it
is the value function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.integrate import quad

from lib import odes, sine_basis, validation

Array = np.ndarray

__all__ = [
    "closed_loop_inventory",
    "cost_components",
    "direct_minimiser",
    "feedback_speed",
    "linear_cost_components",
    "minimal_cost",
    "optimal_inventory",
    "optimal_speed",
    "path_cost",
    "riccati_check",
    "riccati_coefficients",
    "riccati_rhs",
    "riccati_tolerance",
    "shortfall_inventory",
    "solve_riccati",
]


def _check(Q: float, T: float, kappa: float, theta: float, M: float) -> tuple[float, ...]:
    return (
        validation.positive("Q", Q),
        validation.positive("T", T),
        validation.nonnegative("kappa", kappa),
        validation.positive("theta", theta),
        validation.positive("M", M, allow_inf=True),
    )


def optimal_inventory(
    t: Array, *, Q: float, T: float, kappa: float, theta: float, M: float = np.inf,
    eta: float = 0.0,
) -> Array:
    """Optimal inventory ``q(t)`` when buying ``Q`` shares by ``T`` (book eq. (ac-schedule),
    post (12)).

    ``q(t) = Q sinh(k t) / sinh(k T)`` with ``k = sqrt(kappa/theta)``; ``kappa = 0`` gives the
    linear schedule ``Q t / T`` exactly. With a finite terminal penalty ``M`` the path is
    ``q_T sinh(k t) / sinh(k T)`` with the terminal inventory of book eq.
    (ac-transversality), ``q_T = Q M / (M + eta/2 + sqrt(kappa theta) coth(k T))``.

    Parameters
    ----------
    t : array_like, times in ``[0, T]``.
    Q : shares to buy (> 0). T : horizon (> 0). kappa : risk aversion (>= 0).
    theta : temporary impact (> 0). M : terminal penalty (> 0, ``inf`` for ``q_T = Q``).
    eta : linear permanent impact (>= 0); it changes the schedule only when ``M`` is finite.

    Returns
    -------
    ndarray of the shape of ``t``, in shares.
    """
    Q, T, kappa, theta, M = _check(Q, T, kappa, theta, M)
    eta = validation.nonnegative("eta", eta)
    t = validation.times(t, T)
    if kappa == 0.0:
        return Q * t / T if np.isinf(M) else Q * M * t / ((M + eta / 2.0) * T + theta)
    k, s = np.sqrt(kappa / theta), np.sqrt(kappa * theta)
    # sinh(kt)/sinh(kT) = exp(k(t-T)) (1 - exp(-2kt)) / (1 - exp(-2kT))
    num = np.exp(k * (t - T)) * -np.expm1(-2.0 * k * t)
    one_minus, one_plus = -np.expm1(-2.0 * k * T), 1.0 + np.exp(-2.0 * k * T)
    if np.isinf(M):
        return Q * num / one_minus
    return Q * M * num / ((M + eta / 2.0) * one_minus + s * one_plus)


def shortfall_inventory(t: Array, *, Q: float, T: float, kappa: float, theta: float) -> Array:
    """Almgren and Chriss's schedule, ``Q [1 - sinh(k (T - t)) / sinh(k T)]`` (book eq.
    (ac-shortfall-schedule)): the penalty ``kappa (Q - q)^2`` on the shares still to buy
    replaces ``kappa q^2``, and the schedule is ``optimal_inventory`` mirrored in time.
    """
    Q, T, _, _, _ = _check(Q, T, kappa, theta, np.inf)
    t = validation.times(t, T)
    return Q - optimal_inventory(T - t, Q=Q, T=T, kappa=kappa, theta=theta)


def optimal_speed(t: Array, *, Q: float, T: float, kappa: float, theta: float) -> Array:
    """Buying speed of the optimal schedule, ``qdot(t) = Q k cosh(k t) / sinh(k T)`` (book eq.
    (ac-schedule)).

    ``kappa = 0`` gives the constant ``Q / T``. Written with exponentials, as
    ``optimal_inventory``.
    """
    Q, T, kappa, theta, _ = _check(Q, T, kappa, theta, np.inf)
    t = validation.times(t, T)
    if kappa == 0.0:
        return np.full_like(t, Q / T)
    k = np.sqrt(kappa / theta)
    return Q * k * np.exp(k * (t - T)) * (1.0 + np.exp(-2.0 * k * t)) / -np.expm1(-2.0 * k * T)


def riccati_coefficients(
    t: Array, *, Q: float, T: float, kappa: float, theta: float, M: float = np.inf
) -> tuple[Array, Array, Array]:
    """Coefficients ``(alpha, beta, gamma)`` of ``h = -(alpha q^2 + beta q + gamma)`` (book eqs.
    (ac-coefficients) and, for finite ``M``, (ac-penalised-coefficients)).

    With ``k = sqrt(kappa/theta)``, ``s = sqrt(kappa theta)`` and ``tau = T - t``:
    ``alpha = s coth(k tau)``, ``beta = -2 Q s / sinh(k tau)``, ``gamma = Q^2 s coth(k tau)``.
    With a finite penalty ``M`` (terminal values ``M, -2QM, Q^2 M``), writing
    ``D = M sinh(k tau) + s cosh(k tau)``: ``alpha = s (M cosh + s sinh) / D``,
    ``beta = -2 Q M s / D``, ``gamma = Q^2 M s cosh / D``. At ``t = T`` and ``M = inf`` the
    coefficients are infinite.
    """
    Q, T, kappa, theta, M = _check(Q, T, kappa, theta, M)
    tau = T - validation.times(t, T)
    with np.errstate(divide="ignore"):
        if kappa == 0.0:
            alpha = theta / tau if np.isinf(M) else theta * M / (theta + M * tau)
            return alpha, -2.0 * Q * alpha, Q**2 * alpha
        k, s = np.sqrt(kappa / theta), np.sqrt(kappa * theta)
        e = np.exp(-2.0 * k * tau)
        half_sinh, half_cosh = -np.expm1(-2.0 * k * tau), 1.0 + e  # 2 e^{-k tau} (sinh, cosh)
        two_e = 2.0 * np.exp(-k * tau)
        if np.isinf(M):
            alpha = s * half_cosh / half_sinh
            return alpha, -2.0 * Q * s * two_e / half_sinh, Q**2 * alpha
        d = M * half_sinh + s * half_cosh
        return (
            s * (M * half_cosh + s * half_sinh) / d,
            -2.0 * Q * M * s * two_e / d,
            Q**2 * M * s * half_cosh / d,
        )


def feedback_speed(
    t: Array, q: Array, *, Q: float, T: float, kappa: float, theta: float, M: float = np.inf
) -> Array:
    """Optimal buying speed in feedback form, ``nu* = h_q / (2 theta)`` (book eq. (ac-feedback),
    post (7)).

    ``h_q = -(2 alpha q + beta)``; for ``M = inf`` this is
    ``k [Q / sinh(k tau) - q coth(k tau)]``, singular at ``t = T`` (then ``t < T`` is required).
    """
    alpha, beta, _ = riccati_coefficients(t, Q=Q, T=T, kappa=kappa, theta=theta, M=M)
    if np.isinf(M) and np.any(np.isinf(alpha)):
        raise ValueError("t must be < T: the feedback is singular at t = T when M = inf")
    return -(2.0 * alpha * np.asarray(q, dtype=float) + beta) / (2.0 * theta)


def minimal_cost(*, Q: float, T: float, kappa: float, theta: float, M: float = np.inf) -> float:
    """Minimal risk-adjusted cost ``-h(0, 0) = gamma(0)`` (book eq. (ac-minimal-cost)):
    ``Q^2 sqrt(kappa theta) coth(kT)``, the spread cost ``delta Q`` aside.

    Equals ``min int_0^T (theta qdot^2 + kappa q^2) dt`` (plus ``M (q_T - Q)^2`` if finite).
    """
    _, _, gamma = riccati_coefficients(np.array([0.0]), Q=Q, T=T, kappa=kappa, theta=theta, M=M)
    return float(gamma[0])


def cost_components(*, Q: float, T: float, kappa: float, theta: float) -> tuple[float, float]:
    """Temporary-impact and risk parts of the optimal cost, ``(theta int qdot^2, kappa int q^2)``
    (book eq. (ac-cost-split)).

    With ``x = kT``: ``theta Q^2 k (coth x + x / sinh^2 x) / 2`` and
    ``theta Q^2 k (coth x - x / sinh^2 x) / 2``; they add up to ``minimal_cost``. The
    difference ``coth x - x / sinh^2 x`` is summed as a series for small ``x`` (no cancellation).
    """
    Q, T, kappa, theta, _ = _check(Q, T, kappa, theta, np.inf)
    if kappa == 0.0:
        return theta * Q**2 / T, 0.0
    k = np.sqrt(kappa / theta)
    x = k * T
    e = np.exp(-2.0 * x)
    coth = (1.0 + e) / -np.expm1(-2.0 * x)
    x_over_sinh2 = 4.0 * x * e / np.expm1(-2.0 * x) ** 2
    if x < 0.05:  # coth x - x/sinh^2 x = 2x/3 - 4x^3/45 + 4x^5/315 - 8x^7/4725 + 4x^9/18711 - ...
        x2 = x * x
        diff = x * (2 / 3 + x2 * (-4 / 45 + x2 * (4 / 315 + x2 * (-8 / 4725 + x2 * 4 / 18711))))
    else:
        diff = coth - x_over_sinh2
    scale = 0.5 * theta * Q**2 * k
    return float(scale * (coth + x_over_sinh2)), float(scale * diff)


def linear_cost_components(*, Q: float, T: float, kappa: float,
                           theta: float) -> tuple[float, float]:
    """Temporary-impact and risk parts of the linear schedule's cost, ``(theta Q^2 / T,
    kappa Q^2 T / 3)`` (book eq. (ac-cost-split) for ``q = Q t / T``)."""
    Q, T, kappa, theta, _ = _check(Q, T, kappa, theta, np.inf)
    return theta * Q**2 / T, kappa * Q**2 * T / 3.0


def path_cost(
    q: Callable[[Array], Array],
    dq: Callable[[Array], Array],
    *,
    T: float,
    kappa: float,
    theta: float,
    eta: float = 0.0,
) -> float:
    """Cost ``int_0^T (theta qdot^2 + kappa q^2 + eta q qdot) dt`` of any path, by quadrature.

    ``eta`` is a linear permanent impact (the price has moved ``eta q`` when holding ``q``);
    its term integrates to ``eta q_T^2 / 2`` whatever the path (book eq. (ac-permanent)).
    """
    T = validation.positive("T", T)
    kappa, theta = validation.nonnegative("kappa", kappa), validation.positive("theta", theta)
    eta = validation.nonnegative("eta", eta)

    def integrand(s: float) -> float:
        x, v = float(q(np.array(s))), float(dq(np.array(s)))
        return theta * v * v + kappa * x * x + eta * x * v

    value, _ = quad(integrand, 0.0, T, epsabs=0.0, epsrel=1e-13, limit=200)
    return float(value)


def riccati_rhs(*, kappa: float, theta: float) -> Callable[[float, Array], Array]:
    """Right-hand side of the Riccati system (book eq. (ac-riccati)) in
    ``y = (alpha, beta, gamma)``.

    ``alpha' = alpha^2/theta - kappa``, ``beta' = alpha beta/theta``, ``gamma' = beta^2/(4 theta)``.
    """

    def rhs(_t: float, y: Array) -> Array:
        a, b, _ = y
        return np.array([a * a / theta - kappa, a * b / theta, b * b / (4.0 * theta)])

    return rhs


def _inverse_riccati_rhs(*, kappa: float, theta: float) -> Callable[[float, Array], Array]:
    """The Riccati system in ``(P, R, W) = (1/alpha, beta/alpha, gamma - beta^2/(4 alpha))``
    (book eq. (ac-inverse-riccati)).

    ``P' = kappa P^2 - 1/theta``, ``R' = kappa R P``, ``W' = -kappa R^2 / 4``; the terminal data
    ``(1/M, -2Q, 0)`` stay finite as ``M -> inf``.
    """

    def rhs(_t: float, y: Array) -> Array:
        p, r, _ = y
        return np.array([kappa * p * p - 1.0 / theta, kappa * r * p, -0.25 * kappa * r * r])

    return rhs


def solve_riccati(
    *, Q: float, T: float, kappa: float, theta: float, M: float = np.inf
) -> Callable[[Array], tuple[Array, Array, Array]]:
    """Integrate the Riccati system backward from ``t = T``; return ``t -> (alpha, beta, gamma)``.

    A finite ``M`` starts the system itself at ``(M, -2QM, Q^2 M)``. ``M = inf`` starts the
    equivalent system in inverse variables (see ``_inverse_riccati_rhs``) at ``(0, -2Q, 0)``:
    the singular terminal condition becomes a regular one. Tolerances: ``rtol = 1e-12``.
    """
    Q, T, kappa, theta, M = _check(Q, T, kappa, theta, M)
    if np.isfinite(M):
        sol = odes.solve(riccati_rhs(kappa=kappa, theta=theta), T, 0.0,
                         [M, -2.0 * Q * M, Q**2 * M], atol=0.0)

        def coefficients(t: Array) -> tuple[Array, Array, Array]:
            a, b, g = sol(validation.times(t, T))
            return a, b, g

        return coefficients

    sol = odes.solve(_inverse_riccati_rhs(kappa=kappa, theta=theta), T, 0.0,
                     [0.0, -2.0 * Q, 0.0], atol=1e-30)

    def coefficients_inf(t: Array) -> tuple[Array, Array, Array]:
        p, r, w = sol(validation.times(t, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = 1.0 / p
            return alpha, r * alpha, w + 0.25 * r * r * alpha

    return coefficients_inf


def closed_loop_inventory(
    t: Array,
    coefficients: Callable[[Array], tuple[Array, Array, Array]],
    *,
    T: float,
    theta: float,
) -> Array:
    """Integrate the closed loop ``qdot = -(2 alpha q + beta) / (2 theta)``, ``q(0) = 0``, forward
    (book eq. (ac-feedback)).

    ``coefficients`` maps times to ``(alpha, beta, gamma)`` (e.g. from ``solve_riccati``). The
    times ``t`` must lie in ``[0, T)`` when the coefficients blow up at ``T``.
    """
    T, theta = validation.positive("T", T), validation.positive("theta", theta)
    t = validation.times(t, T)

    def rhs(s: float, y: Array) -> Array:
        a, b, _ = coefficients(np.array([s]))
        return -(2.0 * a * y + b) / (2.0 * theta)

    sol = odes.solve(rhs, 0.0, float(t.max()), [0.0], atol=1e-12)
    return sol(t)[0]


def direct_minimiser(
    t: Array,
    *,
    Q: float,
    T: float,
    kappa: float,
    theta: float,
    eta: float = 0.0,
    M: float = np.inf,
    n_modes: int = 64,
) -> Array:
    """Minimise ``int (theta qdot^2 + kappa q^2 + eta q qdot) dt + M (q_T - Q)^2`` directly,
    without the HJB or the Euler–Lagrange equation.

    The path is ``q_T (t/T + sum_j c_j sin(j pi t/T))``, ``j = 1..n_modes``: ``c`` minimises
    the cost of the unit path (``lib.sine_basis``, the permanent-impact term kept), and, the
    cost being ``J_1 q_T^2 + M (q_T - Q)^2`` with ``J_1`` the unit path's cost by quadrature,
    ``q_T = M Q / (J_1 + M)`` (``Q`` when ``M = inf``). With ``M = inf`` the permanent-impact
    term is the constant ``eta Q^2 / 2`` (book eq. (ac-permanent)); with a finite ``M`` it moves
    ``q_T``, which book eq. (ac-transversality) predicts.
    """
    Q, T, kappa, theta, M = _check(Q, T, kappa, theta, M)
    eta = validation.nonnegative("eta", eta)
    t = validation.times(t, T)

    def unit_line(s: Array) -> tuple[Array, Array, Array]:
        return s / T, np.full_like(s, 1.0 / T), np.zeros_like(s)

    unit = sine_basis.minimise_quadratic(unit_line, T=T, n_modes=n_modes, alpha=theta,
                                         beta=kappa, gamma=eta)
    if np.isinf(M):
        return Q * unit.evaluate(t)[0]
    nodes, weights = sine_basis.panel_rule(n_modes, T)
    x, dx, _ = unit.evaluate(nodes)
    unit_cost = weights @ (theta * dx * dx + kappa * x * x + eta * x * dx)
    return M * Q / (unit_cost + M) * unit.evaluate(t)[0]


def riccati_check(
    t: Array, *, Q: float, T: float, kappa: float, theta: float, M: float = np.inf
) -> dict[str, tuple[Array, Array]]:
    """Closed form against numerics for one terminal penalty ``M``.

    Returns ``{"alpha", "beta", "gamma", "q"} -> (closed form, numerical)`` on the times
    ``t`` (those equal to ``T`` are dropped when ``M = inf``, where the coefficients are
    infinite). The numerical coefficients come from ``solve_riccati``, the numerical ``q``
    from ``closed_loop_inventory`` driven by them.
    """
    t = validation.times(t, validation.positive("T", T))
    if np.isinf(M):
        t = t[t < T]
    model = {"Q": Q, "T": T, "kappa": kappa, "theta": theta, "M": M}
    coefficients = solve_riccati(**model)
    closed = riccati_coefficients(t, **model)
    numeric = coefficients(t)
    result = {name: (c, n) for name, c, n in zip(("alpha", "beta", "gamma"), closed, numeric,
                                                 strict=True)}
    result["q"] = (optimal_inventory(t, **model),
                   closed_loop_inventory(t, coefficients, T=T, theta=theta))
    return result


def riccati_tolerance(quantity: str, *, M: float, T: float, kappa: float,
                      theta: float) -> float:
    """The relative error ``riccati_check`` may show for ``quantity`` at penalty ``M``.

    ``1e-8``, except for ``gamma`` at a finite ``M``: it falls from ``Q^2 M`` at ``T`` to about
    ``gamma(0) = Q^2 theta k coth(kT)`` (book eq. (ac-coefficients), ``k = sqrt(kappa/theta)``;
    ``Q^2 theta/T`` as ``k -> 0``), so rounding (about 1e-16) is amplified by
    ``M / (theta k coth kT)``; its tolerance is ``1e-14`` times that factor, rounded up to a
    power of ten, and at least 1e-8.
    """
    if quantity != "gamma" or np.isinf(M):
        return 1e-8
    kT = np.sqrt(kappa / theta) * T
    scale = theta / T * (kT / np.tanh(kT) if kT > 1e-8 else 1.0)   # theta k coth(kT)
    return max(1e-8, float(10.0 ** np.ceil(np.log10(1e-14 * M / scale))))
