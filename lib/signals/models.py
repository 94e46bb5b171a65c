"""The three trade-signal models as Riccati systems (paper (2.2)-(2.3), (3.6)-(3.7),
(3.14)-(3.15); book eqs. (ts-single-riccati), (ts-shared-riccati), (ts-separate-riccati)).

Two independent routes to the coefficients ``c_i`` of the value function:

* the primary one builds each model as an ``lib.riccati.LQModel`` and solves the generic
  matrix Riccati system of book eq. (ts-generic-riccati) (``solve_single``, ``solve_shared``,
  ``solve_separate``; results cached per parameter set);
* the cross-check integrates the paper's coefficient ODEs as transcribed, with Prop 3.1
  cleaned of its OCR damage and the terminal condition of (3.4) corrected, and the
  consistency conditions (3.9) and (3.17) substituted (``solve_*_transcribed``).

Coefficients are indexed as in the paper: ``MONOMIALS[model][i - 1]`` is the monomial of
``c_i`` (a tuple of state names, ``()`` for the constant).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from lib import odes, validation
from lib.riccati import LQModel, LQSolution, solve_lq
from lib.signals.params import Params, require_params

Array = np.ndarray
Coefficients = Callable[[object], Array]

__all__ = [
    "MONOMIALS",
    "coefficients",
    "consistency_separate",
    "consistency_shared",
    "rhs_separate",
    "rhs_shared",
    "rhs_single",
    "separate_signals",
    "separate_signals_coefficients",
    "shared_signal",
    "shared_signal_coefficients",
    "single_agent",
    "single_agent_coefficients",
    "solve_separate",
    "solve_separate_transcribed",
    "solve_shared",
    "solve_shared_transcribed",
    "solve_single",
    "solve_single_transcribed",
    "terminal_separate",
    "terminal_shared",
    "terminal_single",
]

MONOMIALS: dict[str, tuple[tuple[str, ...], ...]] = {
    # book eq. (ts-single-ansatz): h = c1 + c2 q + c3 V + c4 q^2 + c5 V^2 + c6 q V
    "single": ((), ("q",), ("V",), ("q", "q"), ("V", "V"), ("q", "V")),
    # (ts-shared-ansatz): c1 + c2 q + c3 qbar + c4 Vbar + c5 q^2 + c6 qbar^2 + c7 Vbar^2 + c8 q qbar
    #      + c9 q Vbar + c10 qbar Vbar
    "shared": ((), ("q",), ("qbar",), ("Vbar",), ("q", "q"), ("qbar", "qbar"),
               ("Vbar", "Vbar"), ("q", "qbar"), ("q", "Vbar"), ("qbar", "Vbar")),
    # (ts-separate-ansatz), paper (3.13): c1 + c2 q + c3 qbar + c4 V + c5 Vbar + c6 q^2
    #      + c7 qbar^2 + c8 V^2 + c9 Vbar^2 + c10 q qbar + c11 q V + c12 q Vbar + c13 qbar V
    #      + c14 qbar Vbar + c15 V Vbar
    "separate": ((), ("q",), ("qbar",), ("V",), ("Vbar",), ("q", "q"), ("qbar", "qbar"),
                 ("V", "V"), ("Vbar", "Vbar"), ("q", "qbar"), ("q", "V"), ("q", "Vbar"),
                 ("qbar", "V"), ("qbar", "Vbar"), ("V", "Vbar")),
}


# --- LQ builders (the data of book eq. (ts-generic-riccati) for each model) ----------------


def single_agent(p: Params) -> LQModel:
    """The single agent as an ``LQModel``: ``y = (q, V)``, own permanent impact
    ``ell = (b, 0)`` (book eqs. (ts-single-dynamics)–(ts-single-ansatz))."""
    p = require_params(p, "p")
    return LQModel(
        state=("q", "V"), A=np.diag([0.0, -p.beta]), g=[1.0, -p.gamma],
        SigmaSigmaT=np.diag([0.0, p.eta**2]), e_q=[1.0, 0.0], k=p.k, ell=[p.b, 0.0], mu=p.mu,
        P_T=[[-p.alpha, 0.5], [0.5, 0.0]],
    )


def shared_signal(p: Params) -> LQModel:
    """The shared-signal game as an ``LQModel``: ``y = (q, qbar, Vbar)``, one common signal
    (book eqs. (ts-shared-model), (ts-shared-ansatz), with the corrected terminal condition)."""
    p = require_params(p, "p")
    return LQModel(
        state=("q", "qbar", "Vbar"), A=np.diag([0.0, 0.0, -p.beta]), g=[1.0, 0.0, 0.0],
        G=[0.0, 1.0, -p.gamma_bar], SigmaSigmaT=np.diag([0.0, 0.0, p.eta**2]),
        e_q=[1.0, 0.0, 0.0], Pi=[[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], k=p.k,
        kbar=p.k_bar, b=p.b, mu=p.mu, P_T=[[-p.alpha, 0.0, 0.5], [0.0, 0.0, 0.0], [0.5, 0.0, 0.0]],
    )


def separate_signals(p: Params) -> LQModel:
    """The separate-signals game as an ``LQModel``: ``y = (q, qbar, V, Vbar)``, correlated own
    signals (book eqs. (ts-separate-model), (ts-separate-ansatz))."""
    p = require_params(p, "p")
    r2 = p.rho**2
    noise = p.eta**2 * np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, r2], [0, 0, r2, r2]])
    P_T = np.zeros((4, 4))
    P_T[0, 0], P_T[0, 2], P_T[2, 0] = -p.alpha, 0.5, 0.5
    Pi = np.zeros((4, 4))
    Pi[[0, 1], 1] = 1.0
    Pi[[2, 3], 3] = 1.0
    return LQModel(
        state=("q", "qbar", "V", "Vbar"), A=np.diag([0.0, 0.0, -p.beta, -p.beta]),
        g=[1.0, 0.0, -p.gamma, 0.0], G=[0.0, 1.0, -p.gamma_bar, -(p.gamma + p.gamma_bar)],
        SigmaSigmaT=noise, e_q=[1.0, 0.0, 0.0, 0.0], Pi=Pi, k=p.k, kbar=p.k_bar, b=p.b, mu=p.mu,
        P_T=P_T,
    )


# --- primary solvers (generic Riccati core) ------------------------------------------------


_BUILDERS = {"single": single_agent, "shared": shared_signal, "separate": separate_signals}


@functools.lru_cache(maxsize=128)
def _solve(model: str, p: Params, rtol: float, atol: float, method: str) -> LQSolution:
    return solve_lq(_BUILDERS[model](p), p.T, rtol=rtol, atol=atol, method=method)


def solve_single(
    p: Params, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> LQSolution:
    """Solve the single agent (Prop 2.1) with the generic core (cached per parameter set)."""
    return _solve("single", require_params(p, "p"), rtol, atol, method)


def solve_shared(
    p: Params, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> LQSolution:
    """Solve the shared-signal game in equilibrium (Prop 3.1 with (3.9)) with the generic core
    (cached)."""
    return _solve("shared", require_params(p, "p"), rtol, atol, method)


def solve_separate(
    p: Params, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> LQSolution:
    """Solve the separate-signals game in equilibrium (Prop 3.4 with (3.17)) with the generic
    core (cached)."""
    return _solve("separate", require_params(p, "p"), rtol, atol, method)


def single_agent_coefficients(params: Params, t: object) -> Array:
    """``c1..c6`` of Prop 2.1 at times ``t``: shape ``(6, len(t))``."""
    return solve_single(require_params(params)).coeffs(t, MONOMIALS["single"])


def shared_signal_coefficients(params: Params, t: object) -> Array:
    """``c1..c10`` of Prop 3.1 in equilibrium (with (3.9)) at times ``t``: ``(10, len(t))``."""
    return solve_shared(require_params(params)).coeffs(t, MONOMIALS["shared"])


def separate_signals_coefficients(params: Params, t: object) -> Array:
    """``c1..c15`` of Prop 3.4 in equilibrium (with (3.17)) at times ``t``: ``(15, len(t))``."""
    return solve_separate(require_params(params)).coeffs(t, MONOMIALS["separate"])


def coefficients(sol: LQSolution | Coefficients, t: object, model: str) -> Array:
    """Paper-indexed coefficients of ``model`` at ``t`` from either route.

    ``sol`` is an ``LQSolution`` of ``solve_<model>`` or the callable returned by
    ``solve_<model>_transcribed``; ``model`` is a key of ``MONOMIALS``.
    """
    if model not in MONOMIALS:
        raise ValueError(f"model must be one of {', '.join(MONOMIALS)}, got {model!r}")
    if isinstance(sol, LQSolution):
        return sol.coeffs(t, MONOMIALS[model])
    c = np.asarray(sol(t))
    if c.shape[0] != len(MONOMIALS[model]):
        raise ValueError(f"sol must give the {len(MONOMIALS[model])} coefficients of the "
                         f"{model} model, got {c.shape[0]}")
    return c


# --- consistency conditions ----------------------------------------------------------------


def consistency_shared(c: Array, p: Params) -> tuple[Array, Array, Array]:
    """``(f1, f2, f3)`` of the average rate from the shared-signal coefficients, paper (3.9).

    ``f1 = c2/kappa``, ``f2 = (2 c5 + c8)/kappa``, ``f3 = c9/kappa``; ``c`` is ``(10, ...)``.
    """
    kappa = p.kappa
    return c[1] / kappa, (2.0 * c[4] + c[7]) / kappa, c[8] / kappa


def consistency_separate(c: Array, p: Params) -> tuple[Array, Array, Array]:
    """``(f1, f2, f3)`` from the separate-signals coefficients, paper (3.17); ``c`` is
    ``(15, ...)``.

    ``f1 = (c2 - gamma c4)/kappa``, ``f2 = (2 c6 + c10 - gamma (c11 + c13))/kappa``,
    ``f3 = (c11 + c12 - gamma (2 c8 + c15))/kappa``.
    """
    kappa, gamma = p.kappa, p.gamma
    f1 = (c[1] - gamma * c[3]) / kappa
    f2 = (2.0 * c[5] + c[9] - gamma * (c[10] + c[12])) / kappa
    f3 = (c[10] + c[11] - gamma * (2.0 * c[7] + c[14])) / kappa
    return f1, f2, f3


# --- hand-transcribed systems (cross-check) ------------------------------------------------


def rhs_single(_t: float, c: Array, p: Params) -> Array:
    """``c'`` of Prop 2.1 ((2.2)-(2.3)), as printed."""
    _, c2, c3, c4, c5, c6 = c
    k, gamma, beta = p.k, p.gamma, p.beta
    a0, aq, av = c2 - gamma * c3, p.b + 2.0 * c4 - gamma * c6, c6 - 2.0 * gamma * c5
    return -np.array([
        p.eta**2 * c5 + a0**2 / (4.0 * k),
        p.mu + a0 * aq / (2.0 * k),
        -beta * c3 + a0 * av / (2.0 * k),
        aq**2 / (4.0 * k),
        -2.0 * beta * c5 + av**2 / (4.0 * k),
        -beta * c6 + av * aq / (2.0 * k),
    ])


def terminal_single(p: Params) -> Array:
    """Terminal data of Prop 2.1: ``c4(T) = -alpha``, ``c6(T) = 1``, others 0."""
    return np.array([0.0, 0.0, 0.0, -p.alpha, 0.0, 1.0])


def rhs_shared(_t: float, c: Array, p: Params) -> Array:
    """``c'`` of Prop 3.1 ((3.6)-(3.7), cleaned of the OCR damage) with (3.9) substituted."""
    _, c2, c3, c4, c5, c6, c7, c8, c9, c10 = c
    k, kb, gb, beta, b = p.k, p.k_bar, p.gamma_bar, p.beta, p.b
    f1, f2, f3 = consistency_shared(c, p)
    l0, lq, lv = c2 - kb * f1, c8 - kb * f2, c9 - kb * f3
    return -np.array([
        f1 * (c3 - gb * c4) + p.eta**2 * c7 + l0**2 / (4.0 * k),
        p.mu + f1 * (b + c8 - gb * c9) + c5 * l0 / k,
        f1 * (2.0 * c6 - gb * c10) + f2 * (c3 - gb * c4) + l0 * lq / (2.0 * k),
        -beta * c4 + f1 * (c10 - 2.0 * gb * c7) + f3 * (c3 - gb * c4) + l0 * lv / (2.0 * k),
        c5**2 / k,
        f2 * (2.0 * c6 - gb * c10) + lq**2 / (4.0 * k),
        -2.0 * beta * c7 + f3 * (c10 - 2.0 * gb * c7) + lv**2 / (4.0 * k),
        f2 * (b + c8 - gb * c9) + c5 * lq / k,
        -beta * c9 + f3 * (b + c8 - gb * c9) + c5 * lv / k,
        -beta * c10 + f2 * (c10 - 2.0 * gb * c7) + f3 * (2.0 * c6 - gb * c10)
        + lq * lv / (2.0 * k),
    ])


def terminal_shared(p: Params) -> Array:
    """Terminal data of Prop 3.1: ``c5(T) = -alpha``, ``c9(T) = 1``, others 0 (from the
    corrected terminal condition of (3.4))."""
    c = np.zeros(10)
    c[4], c[8] = -p.alpha, 1.0
    return c


def rhs_separate(_t: float, c: Array, p: Params) -> Array:
    """``c'`` of Prop 3.4 ((3.14)-(3.15)) with (3.17) substituted, as printed."""
    _, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15 = c
    k, kb, g, gb, beta, b = p.k, p.k_bar, p.gamma, p.gamma_bar, p.beta, p.b
    big = g + gb  # Gamma
    eta2, rho2 = p.eta**2, p.rho**2
    f1, f2, f3 = consistency_separate(c, p)
    k0 = c2 - g * c4 - kb * f1
    kq = 2.0 * c6 - g * c11
    kqb = c10 - g * c13 - kb * f2
    kv = c11 - 2.0 * g * c8
    kvb = c12 - g * c15 - kb * f3
    x3 = c3 - gb * c4 - big * c5  # the brackets shared between equations
    x7 = 2.0 * c7 - gb * c13 - big * c14
    x10 = b + c10 - gb * c11 - big * c12
    x13 = c13 - 2.0 * gb * c8 - big * c15
    x14 = c14 - gb * c15 - 2.0 * big * c9
    return -np.array([
        f1 * x3 + eta2 * c8 + rho2 * eta2 * (c9 + c15) + k0**2 / (4.0 * k),
        p.mu + f1 * x10 + kq * k0 / (2.0 * k),
        f1 * x7 + f2 * x3 + k0 * kqb / (2.0 * k),
        -beta * c4 + f1 * x13 + k0 * kv / (2.0 * k),
        -beta * c5 + f1 * x14 + f3 * x3 + k0 * kvb / (2.0 * k),
        kq**2 / (4.0 * k),
        f2 * x7 + kqb**2 / (4.0 * k),
        -2.0 * beta * c8 + kv**2 / (4.0 * k),
        -2.0 * beta * c9 + f3 * x14 + kvb**2 / (4.0 * k),
        f2 * x10 + kq * kqb / (2.0 * k),
        -beta * c11 + kq * kv / (2.0 * k),
        -beta * c12 + f3 * x10 + kq * kvb / (2.0 * k),
        -beta * c13 + f2 * x13 + kv * kqb / (2.0 * k),
        -beta * c14 + f2 * x14 + f3 * x7 + kqb * kvb / (2.0 * k),
        -2.0 * beta * c15 + f3 * x13 + kv * kvb / (2.0 * k),
    ])


def terminal_separate(p: Params) -> Array:
    """Terminal data of Prop 3.4: ``c6(T) = -alpha``, ``c11(T) = 1``, others 0."""
    c = np.zeros(15)
    c[5], c[10] = -p.alpha, 1.0
    return c


def _transcribed(
    rhs: Callable[[float, Array, Params], Array], c_T: Array, p: Params,
    rtol: float, atol: float, method: str,
) -> Coefficients:
    sol = odes.solve(lambda t, c: rhs(t, c, p), p.T, 0.0, c_T, rtol=rtol, atol=atol,
                     method=method)

    def coefficients_at(t: object) -> Array:
        t = validation.times(t, p.T)
        return np.asarray(sol(t.ravel())).reshape(len(c_T), *t.shape)

    return coefficients_at


def solve_single_transcribed(
    p: Params, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> Coefficients:
    """Integrate (2.2)-(2.3) backward from T; returns ``t -> c`` of shape ``(6, *t.shape)``."""
    p = require_params(p, "p")
    return _transcribed(rhs_single, terminal_single(p), p, rtol, atol, method)


def solve_shared_transcribed(
    p: Params, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> Coefficients:
    """Integrate (3.6)-(3.7) with (3.9) backward from T; returns ``t -> c``, ``(10, ...)``."""
    p = require_params(p, "p")
    return _transcribed(rhs_shared, terminal_shared(p), p, rtol, atol, method)


def solve_separate_transcribed(
    p: Params, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> Coefficients:
    """Integrate (3.14)-(3.15) with (3.17) backward from T; returns ``t -> c``, ``(15, ...)``."""
    p = require_params(p, "p")
    return _transcribed(rhs_separate, terminal_separate(p), p, rtol, atol, method)
