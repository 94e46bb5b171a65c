"""Symbolic verification of trading with differing trade signals (Donnelly & Lorig 2020), as
data: the sympy checks of the chapter's verification section, in named groups (``GROUPS``).

Every check is a pair ``(label, residual)`` whose residual must simplify to 0; the chapter
passes each to ``lib.symbolic.verify_zero`` and the tests assert the same.

The coefficient ODEs of Props 2.1, 3.1 and 3.4 (paper (2.2)-(2.3), (3.6)-(3.7), (3.14)-(3.15);
book eqs. (ts-single-riccati), (ts-shared-riccati), (ts-separate-riccati)) are derived, never
typed in: the generator is built from the drifts and Brownian loadings of the dynamics, the
quadratic ansatz is substituted, the supremum over the trading rate is taken at its first-order
condition and the monomials are collected (``derived_system``). The transcribed systems
(``transcribed_system``) are compared with the derived ones and then used for display and for
the closed-form checks, as the paper uses them.

All parameters stay symbolic. The closed forms of Props 3.3 and 3.6 and of (4.11) are checked
in the parameters ``(k, b, kappa, omega, z)`` with ``beta = omega + b/kappa``,
``gammabar = kappa omega/(2z)`` and ``kbar = kappa - 2k`` (the definitions
``kappa = 2k + kbar``, ``z = (kappa beta - b)/(2 gammabar)``, ``omega = (kappa beta - b)/kappa``
inverted; a change of variables, not a special case), and as rational functions of
``X = e^{omega tau}``, ``Y = e^{b tau/kappa}`` (``exp_substitution``), which ``simplify``
settles in a fraction of a second.

``errata()`` holds the genuine errors of the paper, each with the residual of its printed and of
its corrected form; ``ocr_defects()`` lists the defects of our OCR text copy only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import sympy as sp

from lib.symbolic import select_checks

__all__ = [
    "GROUPS",
    "GROUP_TITLES",
    "MODELS",
    "C",
    "Erratum",
    "OcrDefect",
    "checks",
    "closed_forms",
    "consistency",
    "derive_consistency",
    "derived_system",
    "errata",
    "exp_substitution",
    "feedback",
    "generator",
    "in_exponentials",
    "loadings",
    "ocr_defects",
    "riccati_residual",
    "terminal_conditions",
    "transcribed_system",
]

Check = tuple[str, sp.Expr]

# --- Symbols (paper notation) ------------------------------------------------------------------

mu, rho = sp.symbols("mu rho", real=True)
sigma, eta, beta, b, k, kbar, alpha, T = sp.symbols("sigma eta beta b k kbar alpha T",
                                                    positive=True)
gamma, gammabar = sp.symbols("gamma gammabar", positive=True)
kappa = sp.Symbol("kappa", positive=True)
omega, z = sp.symbols("omega z", real=True, nonzero=True)
t, tau, u, r = sp.symbols("t tau u r", positive=True)
x, S, q, qbar, V, Vbar = sp.symbols("x S q qbar V Vbar", real=True)
nu, nubar = sp.symbols("nu nubar", real=True)
f1, f2, f3 = sp.symbols("f_1:4", real=True)
C = sp.symbols("c_1:16", real=True)
"""The coefficients ``c_1 ... c_15``; each model uses the first 6, 10 or 15."""
_DC = sp.symbols("dc_1:16", real=True)  # c_i'
Sigma_Q, Sigma_V, Sigma_QV = sp.symbols("Sigma^Q_0 Sigma^V_0 Sigma^QV_0", real=True)

MODELS = ("single", "shared", "separate")
_ONE = sp.Integer(1)
_STATES = {"single": (q, V), "shared": (q, qbar, Vbar), "separate": (q, qbar, V, Vbar)}
_MONOMIALS = {  # c_i multiplies the i-th monomial: book eqs. (ts-*-ansatz), paper (3.13)
    "single": (_ONE, q, V, q**2, V**2, q * V),
    "shared": (_ONE, q, qbar, Vbar, q**2, qbar**2, Vbar**2, q * qbar, q * Vbar, qbar * Vbar),
    "separate": (_ONE, q, qbar, V, Vbar, q**2, qbar**2, V**2, Vbar**2, q * qbar, q * V,
                 q * Vbar, qbar * V, qbar * Vbar, V * Vbar),
}
_SIGNAL = {"single": V, "shared": Vbar, "separate": V}  # the signal valued in the payoff
_TERMINAL = {"single": {4: -alpha, 6: 1}, "shared": {5: -alpha, 9: 1},
             "separate": {6: -alpha, 11: 1}}
_PAPER = {"single": ("(2.2)-(2.3)", "Prop 2.1"), "shared": ("(3.6)-(3.7)", "Prop 3.1"),
          "separate": ("(3.14)-(3.15)", "Prop 3.4")}
_NAMES = {"single": "single agent", "shared": "shared signal", "separate": "separate signals"}
_AVERAGE = {q: qbar, V: Vbar}  # the mean-field average of a function linear in (q, V)
_NUBAR = f1 + f2 * qbar + f3 * Vbar  # the ansatz of the paper's (3.5) and (3.13)

# The aggregates inverted: beta = omega + b/kappa, gammabar = kappa omega/(2z),
# kbar = kappa - 2k.
_KAPPA_OMEGA_Z = {beta: omega + b / kappa, gammabar: kappa * omega / (2 * z), kbar: kappa - 2 * k}
_XY = dict(zip((omega * tau, b * tau / kappa), sp.symbols("X Y", positive=True), strict=True))
_BETA_ATOMS = dict(zip((beta * t, beta * T), sp.symbols("E_t E_T", positive=True), strict=True))
_PHI_ATOMS = dict(zip(
    (omega * t, omega * T, omega * u, b * t / kappa, b * T / kappa, b * u / kappa),
    sp.symbols("X_t X_T X_u Y_t Y_T Y_u", positive=True), strict=True))


def _check_model(model: str, allowed: tuple[str, ...] = MODELS) -> None:
    if model not in allowed:
        raise ValueError(f"model must be one of {', '.join(allowed)}; got {model!r}")


def _coefficients(model: str) -> tuple[sp.Symbol, ...]:
    return C[:len(_MONOMIALS[model])]


# --- Dynamics and generators -------------------------------------------------------------------

def _dynamics(model: str) -> tuple[dict[sp.Symbol, sp.Expr], dict[sp.Symbol, tuple]]:
    """Drifts of ``(x, q, [qbar], S, signals)`` and their loadings on ``(W, W_perp)``: book eqs.
    (ts-single-dynamics), (ts-shared-model), (ts-separate-model) with ``N = oo`` and
    ``Z = rho W + sqrt(1 - rho^2) W_perp``."""
    signal_noise = (eta * rho, eta * sp.sqrt(1 - rho**2))  # eta dZ
    if model == "single":
        drift = {x: -(S + k * nu) * nu, q: nu, S: mu + b * nu, V: -(beta * V + gamma * nu)}
        return drift, {S: (sigma, 0), V: signal_noise}
    drift = {x: -(S + k * nu + kbar * nubar) * nu, q: nu, qbar: nubar, S: mu + b * nubar}
    if model == "shared":
        drift[Vbar] = -(beta * Vbar + gammabar * nubar)
        return drift, {S: (sigma, 0), Vbar: signal_noise}
    drift[V] = -(beta * V + gamma * nu + gammabar * nubar)
    drift[Vbar] = -(beta * Vbar + (gamma + gammabar) * nubar)
    return drift, {S: (sigma, 0), V: signal_noise, Vbar: (eta * rho, 0)}


def generator(model: str, F: sp.Expr) -> sp.Expr:
    """The generator of the controlled state applied to ``F``, built from the dynamics
    (drift . grad F + tr(L L^T Hess F)/2 with ``L`` the Brownian loadings); the rates ``nu``
    and ``nubar`` stay symbols."""
    _check_model(model)
    drift, noise = _dynamics(model)
    first = sp.Add(*(rate * sp.diff(F, state) for state, rate in drift.items()))
    second = sp.Add(*(sp.expand(sum(l1 * l2 for l1, l2 in zip(noise[a], noise[c], strict=True)))
                      * sp.diff(F, a, c) for a in noise for c in noise))
    return first + second / 2


def _printed_generator(model: str, F: sp.Expr) -> sp.Expr:
    """The operators printed with (2.1), (3.4) and (3.12) applied to ``F``."""
    def d(*v: sp.Symbol) -> sp.Expr:
        return sp.diff(F, *v)

    if model == "single":
        return (-(S + k * nu) * nu * d(x) + nu * d(q) + (mu + b * nu) * d(S)
                - (beta * V + gamma * nu) * d(V) + sigma**2 / 2 * d(S, S) + eta**2 / 2 * d(V, V)
                + rho * sigma * eta * d(S, V))
    common = (-(S + k * nu + kbar * nubar) * nu * d(x) + nu * d(q) + nubar * d(qbar)
              + (mu + b * nubar) * d(S) + sigma**2 / 2 * d(S, S))
    if model == "shared":
        return (common - (beta * Vbar + gammabar * nubar) * d(Vbar)
                + eta**2 / 2 * d(Vbar, Vbar) + rho * sigma * eta * d(S, Vbar))
    return (common - (beta * V + gamma * nu + gammabar * nubar) * d(V)
            - (beta * Vbar + (gamma + gammabar) * nubar) * d(Vbar) + eta**2 / 2 * d(V, V)
            + rho**2 * eta**2 / 2 * d(Vbar, Vbar) + rho * sigma * eta * d(S, V)
            + rho * sigma * eta * d(S, Vbar) + rho**2 * eta**2 * d(V, Vbar))


def _reduced_hjb(model: str, h: sp.Expr) -> sp.Expr:
    """The reduced HJB equation for ``h(t, states)``, the value being ``x + qS + h``
    (book eqs. (ts-single-ansatz), (ts-shared-ansatz), (ts-separate-ansatz); ``nubar`` a
    symbol)."""
    def d(*v: sp.Symbol) -> sp.Expr:
        return sp.diff(h, *v)

    if model == "single":
        return (d(t) + mu * q - beta * V * d(V) + eta**2 / 2 * d(V, V)
                + (d(q) + b * q - gamma * d(V))**2 / (4 * k))
    if model == "shared":
        return (d(t) + mu * q + nubar * (d(qbar) - gammabar * d(Vbar) + b * q)
                - beta * Vbar * d(Vbar) + eta**2 / 2 * d(Vbar, Vbar)
                + (d(q) - kbar * nubar)**2 / (4 * k))
    return (d(t) + mu * q
            + nubar * (d(qbar) - gammabar * d(V) - (gamma + gammabar) * d(Vbar) + b * q)
            - beta * V * d(V) - beta * Vbar * d(Vbar) + eta**2 / 2 * d(V, V)
            + rho**2 * eta**2 / 2 * d(Vbar, Vbar) + rho**2 * eta**2 * d(V, Vbar)
            + (d(q) - gamma * d(V) - kbar * nubar)**2 / (4 * k))


def _sup(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``(nu*, expr at nu*)`` for ``expr`` quadratic in ``nu`` (first-order condition)."""
    (nu_star,) = sp.solve(sp.diff(expr, nu), nu)
    return nu_star, expr.subs(nu, nu_star)


@cache
def _hjb(model: str) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """``(d2/dnu2 A^nu H, nu*, HJB)`` at ``H = x + qS + h`` with the quadratic ansatz and
    ``nubar = f1 + f2 qbar + f3 Vbar``; ``HJB`` is expanded and its
    ``c_i'`` appear as ``dc_i``."""
    monomials, coefficients = _MONOMIALS[model], _coefficients(model)
    h = sp.Add(*(c * m for c, m in zip(coefficients, monomials, strict=True)))
    h_t = sp.Add(*(dc * m for dc, m in zip(_DC, monomials, strict=False)))
    action = generator(model, x + q * S + h).subs(nubar, _NUBAR)
    nu_star, best = _sup(action)
    return sp.diff(action, nu, 2), sp.expand(nu_star), sp.expand(h_t + best)


def _by_monomial(model: str, expr: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """The coefficient of each ansatz monomial in the polynomial ``expr`` (keyed by ``c_i``);
    raises ``ValueError`` if ``expr`` has any other monomial."""
    states = _STATES[model]
    terms = sp.Poly(expr, *states).as_dict()
    out = {}
    for c, m in zip(_coefficients(model), _MONOMIALS[model], strict=True):
        (key,) = sp.Poly(m, *states).monoms()
        out[c] = sp.sympify(terms.pop(key, 0))
    if terms:
        raise ValueError(f"monomials outside the ansatz of {model!r}: {sorted(terms)}")
    return out


@cache
def _derived_system(model: str) -> dict[sp.Symbol, sp.Expr]:
    *_, hjb = _hjb(model)
    return {c: sp.expand(dc - coeff) for (c, coeff), dc in
            zip(_by_monomial(model, hjb).items(), _DC, strict=False)}


def derived_system(model: str) -> dict[sp.Symbol, sp.Expr]:
    """``{c_i: c_i'}`` derived from the HJB ((2.1), (3.4), (3.12)) with the quadratic ansatz: the
    monomial ``m_i`` of the HJB reads ``c_i' + rest_i = 0``."""
    _check_model(model)
    return dict(_derived_system(model))


def feedback(model: str) -> sp.Expr:
    """The optimal rate ``nu*`` from the first-order condition (Prop 2.1, (3.8), (3.16)), with
    ``f1, f2, f3`` free in the mean-field models."""
    _check_model(model)
    return _hjb(model)[1]


def derive_consistency(model: str) -> dict[sp.Symbol, sp.Expr]:
    """``f1, f2, f3`` making the mean-field average of ``nu*`` equal ``nubar`` ((3.9), (3.17))."""
    _check_model(model, MODELS[1:])
    average = feedback(model).subs(_AVERAGE, simultaneous=True)
    equations = sp.Poly(sp.expand(average - _NUBAR), qbar, Vbar).coeffs()
    return sp.solve(equations, [f1, f2, f3], dict=True)[0]


# --- Transcribed systems (the paper's, with (3.6)-(3.7) cleaned of their OCR damage) -----------

def transcribed_system(model: str) -> dict[sp.Symbol, sp.Expr]:
    """``{c_i: c_i'}`` as printed in Prop 2.1 (2.2)–(2.3), Prop 3.1 (3.6)–(3.7) (cleaned of the
    OCR damage) or Prop 3.4 (3.14)–(3.15); each line ``c_i' + rest_i = 0`` gives
    ``c_i' = -rest_i``.
    The mean-field systems hold for any ``f1, f2, f3`` (given ``nubar``)."""
    _check_model(model)
    _, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15 = C
    if model == "single":
        a0, aq, av = c2 - gamma * c3, b + 2 * c4 - gamma * c6, c6 - 2 * gamma * c5
        rest = [eta**2 * c5 + a0**2 / (4 * k), mu + a0 * aq / (2 * k),
                -beta * c3 + a0 * av / (2 * k), aq**2 / (4 * k),
                -2 * beta * c5 + av**2 / (4 * k), -beta * c6 + av * aq / (2 * k)]
    elif model == "shared":
        l0, lq, lv = c2 - kbar * f1, c8 - kbar * f2, c9 - kbar * f3
        gb = gammabar
        rest = [f1 * (c3 - gb * c4) + eta**2 * c7 + l0**2 / (4 * k),
                mu + f1 * (b + c8 - gb * c9) + c5 * l0 / k,
                f1 * (2 * c6 - gb * c10) + f2 * (c3 - gb * c4) + l0 * lq / (2 * k),
                -beta * c4 + f1 * (c10 - 2 * gb * c7) + f3 * (c3 - gb * c4) + l0 * lv / (2 * k),
                c5**2 / k,
                f2 * (2 * c6 - gb * c10) + lq**2 / (4 * k),
                -2 * beta * c7 + f3 * (c10 - 2 * gb * c7) + lv**2 / (4 * k),
                f2 * (b + c8 - gb * c9) + c5 * lq / k,
                -beta * c9 + f3 * (b + c8 - gb * c9) + c5 * lv / k,
                -beta * c10 + f2 * (c10 - 2 * gb * c7) + f3 * (2 * c6 - gb * c10)
                + lq * lv / (2 * k)]
    else:
        gb, g = gammabar, gamma + gammabar
        k0, kq = c2 - gamma * c4 - kbar * f1, 2 * c6 - gamma * c11
        kqb, kv = c10 - gamma * c13 - kbar * f2, c11 - 2 * gamma * c8
        kvb = c12 - gamma * c15 - kbar * f3
        rest = [f1 * (c3 - gb * c4 - g * c5) + eta**2 * c8 + rho**2 * eta**2 * (c9 + c15)
                + k0**2 / (4 * k),
                mu + f1 * (b + c10 - gb * c11 - g * c12) + kq * k0 / (2 * k),
                f1 * (2 * c7 - gb * c13 - g * c14) + f2 * (c3 - gb * c4 - g * c5)
                + k0 * kqb / (2 * k),
                -beta * c4 + f1 * (c13 - 2 * gb * c8 - g * c15) + k0 * kv / (2 * k),
                -beta * c5 + f1 * (c14 - gb * c15 - 2 * g * c9) + f3 * (c3 - gb * c4 - g * c5)
                + k0 * kvb / (2 * k),
                kq**2 / (4 * k),
                f2 * (2 * c7 - gb * c13 - g * c14) + kqb**2 / (4 * k),
                -2 * beta * c8 + kv**2 / (4 * k),
                -2 * beta * c9 + f3 * (c14 - gb * c15 - 2 * g * c9) + kvb**2 / (4 * k),
                f2 * (b + c10 - gb * c11 - g * c12) + kq * kqb / (2 * k),
                -beta * c11 + kq * kv / (2 * k),
                -beta * c12 + f3 * (b + c10 - gb * c11 - g * c12) + kq * kvb / (2 * k),
                -beta * c13 + f2 * (c13 - 2 * gb * c8 - g * c15) + kv * kqb / (2 * k),
                -beta * c14 + f2 * (c14 - gb * c15 - 2 * g * c9)
                + f3 * (2 * c7 - gb * c13 - g * c14) + kqb * kvb / (2 * k),
                -2 * beta * c15 + f3 * (c13 - 2 * gb * c8 - g * c15) + kv * kvb / (2 * k)]
    return {c: -rest_i for c, rest_i in zip(C, rest, strict=False)}


def terminal_conditions(model: str) -> dict[sp.Symbol, sp.Expr]:
    """``{c_i: c_i(T)}`` of Props 2.1, 3.1 (from the corrected terminal condition of (3.4)) and
    3.4."""
    _check_model(model)
    return {c: sp.sympify(_TERMINAL[model].get(i, 0))
            for i, c in enumerate(_coefficients(model), start=1)}


def consistency(model: str) -> dict[sp.Symbol, sp.Expr]:
    """The consistency conditions as printed: (3.9) or (3.17)."""
    _check_model(model, MODELS[1:])
    _, c2, _, c4, c5, c6, _, c8, c9, c10, c11, c12, c13, _, c15 = C
    if model == "shared":
        values = (c2, 2 * c5 + c8, c9)
    else:
        values = (c2 - gamma * c4, 2 * c6 + c10 - gamma * (c11 + c13),
                  c11 + c12 - gamma * (2 * c8 + c15))
    return {f: v / (2 * k + kbar) for f, v in zip((f1, f2, f3), values, strict=True)}


def loadings(model: str) -> dict[sp.Expr, sp.Expr]:
    """``{monomial: loading}`` of the optimal rate (1 for the constant): Sections 2.4 (with the
    misprint of nu_V* corrected), 3.2.2 and 3.3.2 (bars restored) of the paper, book eqs.
    (ts-single-feedback), (ts-shared-loadings), (ts-separate-loadings); in equilibrium for the
    mean-field models."""
    _check_model(model)
    _, c2, c3, c4, c5, c6, _, c8, c9, c10, c11, c12, c13, _, c15 = C
    kap = 2 * k + kbar
    if model == "single":
        return {_ONE: (c2 - gamma * c3) / (2 * k), q: (b + 2 * c4 - gamma * c6) / (2 * k),
                V: (c6 - 2 * gamma * c5) / (2 * k)}
    if model == "shared":
        return {_ONE: c2 / kap, q: c5 / k, qbar: (2 * k * c8 - 2 * kbar * c5) / (2 * k * kap),
                Vbar: c9 / kap}
    return {_ONE: (c2 - gamma * c4) / kap, q: (2 * c6 - gamma * c11) / (2 * k),
            qbar: (2 * k * (c10 - gamma * c13) - kbar * (2 * c6 - gamma * c11)) / (2 * k * kap),
            V: (c11 - 2 * gamma * c8) / (2 * k),
            Vbar: (2 * k * (c12 - gamma * c15) - kbar * (c11 - 2 * gamma * c8)) / (2 * k * kap)}


def _printed_feedback(model: str) -> sp.Expr:
    """The feedback printed in Prop 2.1, (3.8) and (3.16)."""
    _, c2, c3, c4, c5, c6, _, c8, c9, c10, c11, c12, c13, _, c15 = C
    if model == "single":
        return (c2 - gamma * c3 + (b + 2 * c4 - gamma * c6) * q
                + (c6 - 2 * gamma * c5) * V) / (2 * k)
    if model == "shared":
        return ((c2 - kbar * f1) / (2 * k) + c5 / k * q + (c8 - kbar * f2) / (2 * k) * qbar
                + (c9 - kbar * f3) / (2 * k) * Vbar)
    return (c2 - gamma * c4 - kbar * f1 + (2 * c6 - gamma * c11) * q
            + (c10 - gamma * c13 - kbar * f2) * qbar + (c11 - 2 * gamma * c8) * V
            + (c12 - gamma * c15 - kbar * f3) * Vbar) / (2 * k)


def _in_equilibrium(expr: sp.Expr, model: str) -> sp.Expr:
    """``expr`` with the printed consistency conditions substituted for ``f1, f2, f3``."""
    return expr.subs(consistency(model)) if model != "single" else expr


# --- Exponential substitution and closed forms -------------------------------------------------

def exp_substitution(expr: sp.Expr, atoms: dict[sp.Expr, sp.Symbol]) -> sp.Expr:
    """``expr`` with every ``exp(n_1 a_1 + n_2 a_2 + ...)`` (rational ``n_i``, atoms ``a_i``,
    e.g. ``omega tau``) written as ``X_1^n_1 X_2^n_2 ...`` with ``atoms = {a_i: X_i}``.

    An identity between exponential polynomials becomes one between rational functions (e.g.
    in ``X = e^{omega tau}``, ``Y = e^{b tau/kappa}``), which ``simplify`` settles at
    once; a rational function that vanishes identically proves the original identity.
    Exponentials not of this form are left alone (and then fail the check).
    """
    def power(argument: sp.Expr) -> sp.Expr:
        result = _ONE
        for term in sp.Add.make_args(sp.expand(argument)):
            for atom, symbol in atoms.items():
                n = term / atom
                if n.is_Rational:
                    result *= symbol**n
                    break
            else:
                return sp.exp(argument)
        return result

    return expr.rewrite(sp.exp).replace(sp.exp, power)


def _s(time: sp.Expr) -> sp.Expr:
    """``s = 2z/((1 + 2z) e^{omega tau} - 1)``, the Bernoulli–Riccati solution of Prop 3.3."""
    return 2 * z / ((1 + 2 * z) * sp.exp(omega * time) - 1)


def _d9() -> sp.Expr:
    """``D_9(tau)`` of Prop 3.6 (book eq. (ts-prop36)), as printed."""
    e, w = sp.exp, omega
    return (1 / (16 * k * z**2) * ((1 - e(-2 * w * tau)) / (2 * w) - tau * e(-2 * w * tau))
            - (1 + 2 * z) / (8 * k * z**2) * ((1 - e(-w * tau)) / w - tau * e(-w * tau))
            + 1 / (2 * b * z) * (1 - e((2 * b / kappa - beta) * tau))
            + k / (2 * b * kappa) * (1 - e(2 * b / kappa * tau))
            - (1 + 2 * z) / (2 * b * z) * (1 - e(b / kappa * tau))
            - 1 / (32 * k * z**2 * w) * (1 - e(-2 * w * tau))
            + ((1 + 2 * z) * b - 4 * k * z * w) / (8 * b * k * z**2 * w) * (1 - e(-w * tau))
            - (1 + 2 * z)**2 / (16 * k * z**2) * tau)


_PROP33_ZERO = {alpha: 0, mu: 0}
_PROP36_ZERO = {alpha: 0, gamma: 0, mu: 0}


def _prop33() -> dict[int, sp.Expr]:
    """Prop 3.3 (book eq. (ts-prop33), c1 corrected): every c_i of the shared model in
    equilibrium at ``alpha = mu = 0``, as functions of ``tau = T - t`` (the zero pattern of
    Prop 3.3 gives the zeros)."""
    c9 = _s(tau)
    c7 = k / (2 * b * kappa) * c9**2 * (1 - sp.exp(-2 * b / kappa * tau))
    c1 = sp.Integral((eta**2 * c7).subs(tau, r), (r, 0, tau))
    return {**dict.fromkeys((2, 3, 4, 5, 6, 8, 10), sp.S.Zero), 1: c1, 7: c7, 9: c9}


def _prop36() -> dict[int, sp.Expr]:
    """Prop 3.6 (book eq. (ts-prop36), c9 with its parentheses restored): every c_i of the
    separate model in equilibrium at ``alpha = gamma = mu = 0``, as functions of ``tau`` (the
    zero pattern of Prop 3.6 gives the zeros)."""
    decay, s = sp.exp(-beta * tau), _s(tau)
    c8 = tau / (4 * k) * decay**2
    c9 = (-4 * z**2 * sp.exp(-2 * b / kappa * tau) / ((1 + 2 * z) * sp.exp(omega * tau) - 1)**2
          * _d9())
    c15 = -tau / (2 * k) * decay**2 + s * (1 - sp.exp(-b / kappa * tau)) / b * decay
    c1 = sp.Integral((eta**2 * c8 + rho**2 * eta**2 * (c9 + c15)).subs(tau, r), (r, 0, tau))
    return {**dict.fromkeys((2, 3, 4, 5, 6, 7, 10, 13, 14), sp.S.Zero),
            1: c1, 8: c8, 9: c9, 11: decay, 12: s - decay, 15: c15}


def _psi(time: sp.Expr) -> sp.Matrix:
    """``Psi_t`` of the proof of Prop 4.1 (book eq. (ts-cov-closed-form))."""
    return sp.Matrix([[1, sp.exp(-beta * T) * time / (2 * k)], [0, sp.exp(-beta * time)]])


def _psi_inverse(time: sp.Expr) -> sp.Matrix:
    """``Psi_t^{-1}`` as printed."""
    return sp.Matrix([[1, -sp.exp(-beta * (T - time)) * time / (2 * k)], [0, sp.exp(beta * time)]])


def _sigma_closed() -> sp.Matrix:
    """The cross-sectional covariance (4.5)–(4.7) ((4.6) with its e restored)."""
    one = 1 - rho**2
    q_q = (Sigma_Q + sp.exp(-beta * T) / k * t * Sigma_QV
           + sp.exp(-2 * beta * T) / (4 * k**2) * t**2 * Sigma_V
           + one * eta**2 * sp.exp(-2 * beta * T) / (16 * beta**3 * k**2)
           * (sp.exp(2 * beta * t) - 1 - 2 * beta * t - 2 * beta**2 * t**2))
    v_v = sp.exp(-2 * beta * t) * Sigma_V + one * eta**2 / (2 * beta) * (1 - sp.exp(-2 * beta * t))
    q_v = (sp.exp(-beta * t) * Sigma_QV + sp.exp(-beta * T) / (2 * k) * t * sp.exp(-beta * t)
           * Sigma_V + one * eta**2 * sp.exp(-beta * T) / (4 * beta**2 * k)
           * (sp.sinh(beta * t) - beta * t * sp.exp(-beta * t)))
    return sp.Matrix([[q_q, q_v], [q_v, v_v]])


def _phi(time: sp.Expr) -> sp.Matrix:
    """``Phi_t`` of the proof of Prop 4.2 (book eq. (ts-price-variance-closed-form), restored
    from the OCR)."""
    den = (1 + 2 * z) * sp.exp(omega * T) - 1
    return sp.Matrix([
        [1, 2 * z * (1 - sp.exp(-b * time / kappa)) / (b * den)],
        [0, ((1 + 2 * z) * sp.exp(omega * (T - time)) - 1) / den * sp.exp(-b * time / kappa)]])


def _phi_inverse(time: sp.Expr) -> sp.Matrix:
    """``Phi_t^{-1}``."""
    den = (1 + 2 * z) * sp.exp(omega * (T - time)) - 1
    return sp.Matrix([
        [1, -2 * z * (1 - sp.exp(-b * time / kappa)) * sp.exp(b * time / kappa) / (b * den)],
        [0, ((1 + 2 * z) * sp.exp(omega * T) - 1) / den * sp.exp(b * time / kappa)]])


def _kernel_411() -> sp.Expr:
    """The integrand of (4.11) without ``sigma``: ``2 rho eta z (1 - e^{-b(t-u)/kappa})/
    ((1 + 2z) e^{omega(T-u)} - 1)``."""
    return (2 * rho * eta * z * (1 - sp.exp(-b / kappa * (t - u)))
            / ((1 + 2 * z) * sp.exp(omega * (T - u)) - 1))


def closed_forms() -> dict[str, sp.Basic]:
    """The closed forms checked here, keyed by proposition or paper equation, for display with
    ``sympy.latex``: functions of ``tau = T - t`` for the coefficients, of ``t`` (and ``u``) for
    Section 4 of the paper."""
    p33, p36 = _prop33(), _prop36()
    return {
        "shared c5": -alpha * k / (k + alpha * tau),
        "Prop 3.3 c1": p33[1], "Prop 3.3 c7": p33[7], "Prop 3.3 c9": p33[9],
        "Prop 3.6 c1": p36[1], "Prop 3.6 c8": p36[8], "Prop 3.6 c9": p36[9],
        "Prop 3.6 D_9": _d9(), "Prop 3.6 c11": p36[11], "Prop 3.6 c12": p36[12],
        "Prop 3.6 c15": p36[15],
        "Psi": _psi(t), "Psi^-1": _psi_inverse(t), "(4.5)-(4.7) Sigma": _sigma_closed(),
        "Phi": _phi(t), "Phi^-1": _phi_inverse(t),
        "(4.11) integrand": (_kernel_411() + sigma)**2,
    }


def riccati_residual(model: str, index: int, forms: dict[int, sp.Expr],
                     parameters: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``c_index' - c_index'(transcribed, in equilibrium)`` for closed forms in ``tau = T - t``.

    ``forms`` maps indices to functions of ``tau`` (``0`` for vanishing coefficients; every
    coefficient on the right side must be given); ``parameters`` fixes special values such as
    ``alpha = 0``. The residual is written in ``(k, b, kappa, omega, z)`` and in
    ``X = e^{omega tau}``, ``Y = e^{b tau/kappa}`` (``exp_substitution``).
    """
    _check_model(model)
    values = {C[i - 1]: form for i, form in forms.items()}
    rhs = _in_equilibrium(transcribed_system(model)[C[index - 1]], model)
    residual = -sp.diff(forms[index], tau) - rhs.subs(parameters).subs(values)
    left = residual.free_symbols & set(C)
    if left:
        raise ValueError(f"forms must give {sorted(left, key=str)}")
    return exp_substitution(residual.subs(_KAPPA_OMEGA_Z), _XY)


# --- Helpers for the groups --------------------------------------------------------------------

def _entries(label: str, matrix: sp.Matrix) -> list[Check]:
    """One check per entry ``(i, j)`` (1-based) of ``matrix``."""
    return [(f"{label}, entry ({i + 1},{j + 1})", matrix[i, j])
            for i in range(matrix.rows) for j in range(matrix.cols)]


def _at_tau(forms: dict[int, sp.Expr], time: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    return {C[i - 1]: form.subs(tau, time) for i, form in forms.items()}


def _prop41(values: dict[sp.Expr, sp.Expr], f_1: sp.Expr) -> tuple[sp.Matrix, ...]:
    """``(a, B, C)`` of Prop 4.1 (book eq. (ts-drift-matrices), with ``nu_V + nu_Vbar``
    restored in C) from the separate-signals loadings ``values``."""
    n_q, n_qb, n_v, n_vb = values[q], values[qbar], values[V], values[Vbar]
    g = gamma + gammabar
    a = f_1 * sp.Matrix([1, -g])
    b_mat = sp.Matrix([[n_q, n_v], [-gamma * n_q, -(beta + gamma * n_v)]])
    c_mat = sp.Matrix([[n_q + n_qb, n_v + n_vb],
                       [-g * (n_q + n_qb), -(beta + g * (n_v + n_vb))]])
    return a, b_mat, c_mat


@cache
def _prop36_matrices() -> tuple[sp.Matrix, sp.Matrix]:
    """``(B_t, C_t)`` of Prop 4.1 at the Prop 3.6 closed forms (``alpha = gamma = mu = 0``)."""
    values = _at_tau(_prop36(), T - t)
    load = {m: v.subs(_PROP36_ZERO).subs(values) for m, v in loadings("separate").items()}
    _, b_mat, c_mat = _prop41(load, load[_ONE])
    return b_mat.subs(gamma, 0), c_mat.subs(gamma, 0)


def _sigma_integral(integrand_time: sp.Expr) -> sp.Matrix:
    """(4.4) with ``Psi_{integrand_time}^{-1}`` inside the integral over ``u`` in ``[0, t]``."""
    theta = sp.Matrix([0, eta])
    inner = _psi_inverse(integrand_time) * theta * theta.T * _psi_inverse(integrand_time).T
    integral = inner.applyfunc(lambda e: sp.Add(*(
        sp.integrate(term, (u, 0, t), conds="none") for term in sp.Add.make_args(sp.expand(e)))))
    start = sp.Matrix([[Sigma_Q, Sigma_QV], [Sigma_QV, Sigma_V]])
    return _psi(t) * start * _psi(t).T + (1 - rho**2) * _psi(t) * integral * _psi(t).T


def _lyapunov(sigma_t: sp.Matrix) -> sp.Matrix:
    """``Sigma' - B Sigma - Sigma B^T - (1 - rho^2) Theta Theta^T`` (book eq. (ts-lyapunov)) at
    the Prop 3.6 ``B_t``, in ``e^{beta t}``, ``e^{beta T}``."""
    b_mat, _ = _prop36_matrices()
    theta = sp.Matrix([0, eta])
    residual = (sigma_t.diff(t) - b_mat * sigma_t - sigma_t * b_mat.T
                - (1 - rho**2) * theta * theta.T)
    return residual.applyfunc(lambda e: exp_substitution(e, _BETA_ATOMS))



# --- Groups of checks ---------------------------------------------------------------------------

@cache
def _derivations() -> tuple[Check, ...]:
    """Generators, reduced HJB equations and the three coefficient systems derived from the
    HJB equations (2.1), (3.4) and (3.12)."""
    checks: list[Check] = []
    operators = {"single": "(2.1)", "shared": "(3.4)", "separate": "(3.12)"}
    for model in MODELS:
        name, operator = _NAMES[model], operators[model]
        eq, prop = _PAPER[model]
        F = sp.Function("F")(x, *_STATES[model], S)
        h = sp.Function("h")(t, *_STATES[model])
        _, best = _sup(generator(model, x + q * S + h))
        concavity, *_ = _hjb(model)
        derived, printed = derived_system(model), transcribed_system(model)
        monomials = _MONOMIALS[model]
        tabulated = sp.Add(*(v * m for v, m in
                             zip(terminal_conditions(model).values(), monomials, strict=True)))
        payoff = x + q * (S + _SIGNAL[model]) - alpha * q**2
        checks += [
            (f"{name} {operator}: generator from the dynamics minus the printed operator",
             sp.expand(generator(model, F) - _printed_generator(model, F))),
            (f"{name}: HJB at H = x + qS + h minus the reduced equation",
             sp.expand(sp.diff(h, t) + best - _reduced_hjb(model, h))),
            (f"{name}: d²/dnu² of the generator at the ansatz, plus 2k (sup at the FOC)",
             concavity + 2 * k),
        ]
        checks += [(f"{eq} c_{i} ({prop}): derived from the HJB minus transcribed",
                    sp.expand(derived[c] - printed[c]))
                   for i, c in enumerate(_coefficients(model), start=1)]
        checks.append((f"{eq} terminal data: h(T) of {prop} minus payoff + x + qS",
                       sp.expand(tabulated - (payoff - x - q * S))))
    return tuple(checks)


@cache
def _consistency_checks() -> tuple[Check, ...]:
    """The consistency conditions (3.9) and (3.17)."""
    checks = []
    for model, label in {"shared": "(3.9)", "separate": "(3.17)"}.items():
        derived, printed = derive_consistency(model), consistency(model)
        checks += [(f"{label} {f}: mean-field average of nu* = nubar, minus printed",
                    derived[f] - printed[f]) for f in (f1, f2, f3)]
    return tuple(checks)


def _prop35(denominator: sp.Expr) -> sp.Expr:
    """Prop 3.5 with ``2c6 - gamma c11`` over ``denominator``: ``2k`` corrected (book eq.
    (ts-separate-deviation)), ``k`` printed."""
    c6, c8, c11 = C[5], C[7], C[10]
    return ((2 * c6 - gamma * c11) / denominator * (q - qbar)
            + (c11 - 2 * gamma * c8) / (2 * k) * (V - Vbar)
            + _in_equilibrium(_NUBAR, "separate"))


@cache
def _feedback_checks() -> tuple[Check, ...]:
    """Feedbacks (Prop 2.1, (3.8), (3.16)), loadings and their terminal values, Props 3.2 and
    3.5 (corrected) and ``f2 = nu_q + nu_qbar``, ``f3 = nu_V + nu_Vbar``."""
    kap = 2 * k + kbar
    terminal_loadings = {
        "single": ("single-agent loadings",
                   {q: (b - 2 * alpha - gamma) / (2 * k), V: 1 / (2 * k)}),
        "shared": ("shared-signal loadings",
                   {q: -alpha / k, qbar: kbar * alpha / (k * kap), Vbar: 1 / kap}),
        "separate": ("separate-signals loadings", {q: -(2 * alpha + gamma) / (2 * k),
                             qbar: kbar * (2 * alpha + gamma) / (2 * k * kap),
                             V: 1 / (2 * k), Vbar: -kbar / (2 * k * kap)}),
    }
    printed = {"single": "Prop 2.1", "shared": "(3.8)", "separate": "(3.16)"}
    checks: list[Check] = []
    for model in MODELS:
        eq, at_end = terminal_loadings[model]
        load, ends = loadings(model), terminal_conditions(model)
        checks += [
            (f"{printed[model]}: nu* from the FOC minus printed",
             sp.expand(feedback(model) - _printed_feedback(model))),
            (f"{eq}: nu* (in equilibrium) minus its loadings times (1, states)",
             _in_equilibrium(feedback(model), model) - sp.Add(*(m * v for m, v in load.items()))),
        ]
        checks += [(f"{eq}: loading on {m} at T minus {value}", load[m].subs(ends) - value)
                   for m, value in at_end.items()]
    nubar_2, nubar_3 = _in_equilibrium(_NUBAR, "shared"), _in_equilibrium(_NUBAR, "separate")
    shared, separate = loadings("shared"), loadings("separate")
    checks += [
        ("Prop 3.2: nu* in equilibrium minus (c5/k (q - qbar) + nubar)",
         _in_equilibrium(feedback("shared"), "shared") - (C[4] / k * (q - qbar) + nubar_2)),
        ("shared-signal loadings: f2 minus (nu_q + nu_qbar)",
         nubar_2.coeff(qbar) - shared[q] - shared[qbar]),
        ("shared-signal loadings: f3 minus nu_Vbar", nubar_2.coeff(Vbar) - shared[Vbar]),
        ("Prop 3.5 (corrected): nu* in equilibrium minus ((2c6 - gamma c11)/(2k) (q - qbar)"
         " + (c11 - 2 gamma c8)/(2k) (V - Vbar) + nubar)",
         _in_equilibrium(feedback("separate"), "separate") - _prop35(2 * k)),
        ("separate-signals loadings: f2 minus (nu_q + nu_qbar)",
         nubar_3.coeff(qbar) - separate[q] - separate[qbar]),
        ("separate-signals loadings: f3 minus (nu_V + nu_Vbar)",
         nubar_3.coeff(Vbar) - separate[V] - separate[Vbar]),
    ]
    return tuple(checks)


@cache
def _zero_patterns() -> tuple[Check, ...]:
    """Zero patterns of Props 2.2, 3.3 and 3.6. The listed coefficients start at 0 and their
    right sides vanish when they are 0, so they stay 0."""
    patterns = (
        ("single", "Prop 2.2", {mu: 0}, (2, 3)),
        ("shared", "Prop 3.3", {alpha: 0}, (3, 5, 6, 8, 10)),
        ("shared", "Prop 3.3", {mu: 0}, (2, 3, 4)),
        ("separate", "Prop 3.6", {alpha: 0, gamma: 0}, (3, 6, 7, 10, 13, 14)),
        ("separate", "Prop 3.6", {mu: 0}, (2, 3, 4, 5)),
    )
    checks: list[Check] = []
    for model, eq, parameters, indices in patterns:
        zero = {C[i - 1]: 0 for i in indices}
        where = ", ".join(f"{p} = 0" for p in parameters)
        listed = "c_" + ", c_".join(map(str, indices))
        system, ends = transcribed_system(model), terminal_conditions(model)
        for i in indices:
            rhs = _in_equilibrium(system[C[i - 1]], model).subs(parameters).subs(zero)
            checks.append((f"{eq}, {where}: c_{i}' at {listed} = 0", rhs))
            checks.append((f"{eq}, {where}: c_{i}(T)", ends[C[i - 1]].subs(parameters)))
    symmetric = feedback("single").subs({C[1]: 0, C[2]: 0})
    checks.append(("Prop 2.2: nu*(t, -q, -V) + nu*(t, q, V) at c2 = c3 = 0",
                   sp.expand(symmetric.subs({q: -q, V: -V}, simultaneous=True) + symmetric)))
    return tuple(checks)


@cache
def _prop33_checks() -> tuple[Check, ...]:
    """Prop 3.3: the definitions of omega and z inverted, c9 (Bernoulli–Riccati), c7, and c1
    derived from c1' = -eta² c7 (the printed c1 fails: ``errata()``)."""
    omega_def, z_def = (kappa * beta - b) / kappa, (kappa * beta - b) / (2 * gammabar)
    kap = 2 * k + kbar
    forms = _prop33()
    zero = {C[i - 1]: 0 for i, form in forms.items() if form == 0}
    c9 = C[8]
    c9_rhs = _in_equilibrium(transcribed_system("shared")[c9], "shared").subs(_PROP33_ZERO)
    nu_star = _in_equilibrium(feedback("shared"), "shared").subs(_PROP33_ZERO).subs(zero)
    checks: list[Check] = [
        ("aggregates: beta - (omega + b/kappa), omega = (kappa beta - b)/kappa",
         beta - omega_def - b / kappa),
        ("aggregates: gammabar - kappa omega/(2z), z = (kappa beta - b)/(2 gammabar)",
         gammabar - kappa * omega_def / (2 * z_def)),
        ("Prop 3.3: c9' at alpha = mu = 0 minus (omega c9 + gammabar c9²/kappa)",
         c9_rhs.subs(zero) - ((beta - b / kap) * c9 + gammabar * c9**2 / kap)),
        ("Prop 3.3: nu* at alpha = mu = 0 minus c9 Vbar/kappa", nu_star - c9 * Vbar / kap),
    ]
    for i, name in ((9, "c9 = s"), (7, "c7"), (1, "c1 = eta² ∫_t^T c7 (the corrected c1)")):
        checks.append((f"Prop 3.3: {name}, ODE residual",
                       riccati_residual("shared", i, forms, _PROP33_ZERO)))
    checks += [("Prop 3.3: c9(T) minus 1", forms[9].subs(tau, 0) - 1),
               ("Prop 3.3: c7(T) minus 0", forms[7].subs(tau, 0))]
    return tuple(checks)


@cache
def _prop36_checks() -> tuple[Check, ...]:
    """Prop 3.6 in ``X = e^{omega tau}``, ``Y = e^{b tau/kappa}``, with the equilibrium rate and
    loadings it implies."""
    forms = _prop36()
    checks = [(f"Prop 3.6: c{i}, ODE residual",
               riccati_residual("separate", i, forms, _PROP36_ZERO)) for i in (8, 11, 12, 15, 9, 1)]
    checks += [(f"Prop 3.6: c{i}(T) minus {value}", forms[i].subs(tau, 0) - value)
               for i, value in ((8, 0), (11, 1), (12, 0), (15, 0), (9, 0))]
    values = _at_tau(forms, tau)
    load = {m: exp_substitution(v.subs(_PROP36_ZERO).subs(values).subs(_KAPPA_OMEGA_Z), _XY)
            for m, v in loadings("separate").items()}
    f_3 = consistency("separate")[f3].subs(_PROP36_ZERO).subs(values).subs(_KAPPA_OMEGA_Z)
    checks += [
        ("Prop 3.6: f3 minus s/kappa", exp_substitution(f_3 - _s(tau) / kappa, _XY)),
        ("Prop 3.6: nu_q", load[q]),
        ("Prop 3.6: nu_qbar", load[qbar]),
        ("Prop 3.6: nu_V minus e^{-beta tau}/(2k)",
         load[V] - exp_substitution(sp.exp(-beta * tau).subs(_KAPPA_OMEGA_Z), _XY) / (2 * k)),
    ]
    return tuple(checks)


@cache
def _cross_section_checks() -> tuple[Check, ...]:
    """``Psi`` solves (4.2) with ``B_t`` from the Prop 3.6 loadings, and (4.5)–(4.7) follow
    from (4.4) by integration; they also solve the Lyapunov equation of book eq.
    (ts-lyapunov)."""
    b_mat, _ = _prop36_matrices()
    psi = _psi(t)

    def rational(matrix: sp.Matrix) -> sp.Matrix:
        return matrix.applyfunc(lambda e: exp_substitution(e, _BETA_ATOMS))

    closed = _sigma_closed()
    difference = rational(_sigma_integral(u) - closed)
    checks = _entries("(4.2): Psi' - B Psi", rational(psi.diff(t) - b_mat * psi))
    checks += _entries("(4.2): Psi_0 - I", psi.subs(t, 0) - sp.eye(2))
    checks += _entries("Psi Psi^{-1} - I", rational(psi * _psi_inverse(t) - sp.eye(2)))
    checks += [(f"{label}: (4.4) integrated minus the closed form", difference[i, j])
               for label, (i, j) in (("(4.5)", (0, 0)), ("(4.6)", (1, 1)), ("(4.7)", (0, 1)))]
    lyapunov = _lyapunov(closed)
    checks += [(f"Lyapunov equation: residual of (4.5)–(4.7), entry ({i + 1},{j + 1})",
                lyapunov[i, j])
               for i, j in ((0, 0), (0, 1), (1, 1))]
    checks += _entries("(4.5)–(4.7) at t = 0: Sigma_0 minus the initial cross-section",
                       closed.subs(t, 0) - sp.Matrix([[Sigma_Q, Sigma_QV], [Sigma_QV, Sigma_V]]))
    return tuple(checks)


@cache
def _drift_checks() -> tuple[Check, ...]:
    """The drift decomposition of Prop 4.1 ((4.8)-(4.9), book eq. (ts-drift-matrices)) from
    (3.16) with (3.17) and the signal dynamics, and the price drift in the proof of Prop 4.2
    (``b nubar = b f1 + N_t Ybar``)."""
    nu_n = _in_equilibrium(feedback("separate"), "separate")
    nubar_eq = _in_equilibrium(_NUBAR, "separate")
    drift = sp.Matrix([nu_n, -(beta * V + gamma * nu_n + gammabar * nubar_eq)])
    load = loadings("separate")
    f_1 = consistency("separate")[f1]
    a, b_mat, c_mat = _prop41(load, f_1)
    y, y_bar = sp.Matrix([q, V]), sp.Matrix([qbar, Vbar])
    mean = drift.subs(_AVERAGE, simultaneous=True)
    price = b * sp.Matrix([[load[q] + load[qbar], load[V] + load[Vbar]]])
    checks = _entries("(4.8): drift of Y^n minus (a + B Y^n + (C - B) Ybar)",
                      drift - (a + b_mat * y + (c_mat - b_mat) * y_bar))
    checks += _entries("(4.9): mean drift minus (a + C Ybar)", mean - (a + c_mat * y_bar))
    checks += [
        ("(3.10): mean drift of V^n plus (beta Vbar + (gamma + gammabar) nubar)",
         mean[1] + beta * Vbar + (gamma + gammabar) * nubar_eq),
        ("Prop 4.2 proof: b nubar minus (b f1 + N_t Ybar)",
         b * nubar_eq - (b * f_1 + (price * y_bar)[0])),
    ]
    return tuple(checks)


@cache
def _price_checks() -> tuple[Check, ...]:
    """``Phi`` solves (4.1) with ``C_t`` from the Prop 3.6 loadings, its inverse, and the
    (4.11) kernel ``rho eta b [1 0] Phi_t Phi_u^{-1} [0 1]^T``."""
    _, c_mat = _prop36_matrices()
    phi = _phi(t)

    def rational(matrix: sp.Matrix) -> sp.Matrix:
        return matrix.subs(_KAPPA_OMEGA_Z).applyfunc(lambda e: exp_substitution(e, _PHI_ATOMS))

    kernel = rho * eta * b * (phi * _phi_inverse(u))[0, 1] - _kernel_411()
    checks = _entries("(4.1): Phi' - C Phi", rational(phi.diff(t) - c_mat * phi))
    checks += _entries("(4.1): Phi_0 - I", phi.subs(t, 0) - sp.eye(2))
    checks += _entries("Phi Phi^{-1} - I", rational(phi * _phi_inverse(t) - sp.eye(2)))
    checks.append(("(4.11): rho eta b [1 0] Phi_t Phi_u^{-1} [0 1]^T minus the kernel",
                   exp_substitution(kernel, _PHI_ATOMS)))
    return tuple(checks)


@cache
def _shared_c5_checks() -> tuple[Check, ...]:
    """The shared-signal c5 closed form (book eq. (ts-shared-nu-q)), the deviation factor
    ``k/(k + alpha T)`` by Prop 3.2, and the explicit Euler scheme that telescopes to it."""
    c5 = closed_forms()["shared c5"]
    nu_q = loadings("shared")[q].subs(C[4], c5)
    integral = sp.integrate(nu_q.subs(tau, T - t), (t, 0, T), conds="none")
    steps = 10
    euler = sp.Mul(*(1 + T / steps * nu_q.subs(tau, T - j * T / steps) for j in range(steps)))
    factor = k / (k + alpha * T)
    return (
        ("shared c5: c5 = -alpha k/(k + alpha tau), ODE residual",
         riccati_residual("shared", 5, {5: c5}, {})),
        ("shared c5: c5(T) + alpha", c5.subs(tau, 0) + alpha),
        ("shared c5: nu_q = c5/k minus -alpha/(k + alpha (T - t))",
         nu_q + alpha / (k + alpha * tau)),
        ("shared c5: exp(∫_0^T nu_q dt) minus k/(k + alpha T)", sp.exp(integral) - factor),
        (f"shared c5: explicit Euler with {steps} steps, prod (1 + h nu_q(t_j)) minus "
         "k/(k + alpha T)",
         euler - factor),
    )


@cache
def _reductions() -> tuple[Check, ...]:
    """The first three reductions between the models (book section ts-reductions; not in the
    paper), symbolically."""
    single, shared, separate = (transcribed_system(m) for m in MODELS)
    checks: list[Check] = []
    # Reduction 1: (c6, c8, c11) of the separate model are the single agent's (c4, c5, c6)
    # at b = 0.
    to_separate = {C[3]: C[5], C[4]: C[7], C[5]: C[10]}
    for i_1, c in to_separate.items():
        checks.append((f"reduction 1: separate {c}' minus single {i_1}' at b = 0 "
                       "(closed subsystem)",
                       sp.expand(separate[c] - single[i_1].subs(b, 0).subs(to_separate,
                                                                       simultaneous=True))))
    # Reduction 2: gamma = 0, V = Vbar: the separate model's h on the diagonal is the shared
    # model's h; the map is derived.
    h_3 = sp.Add(*(c * m for c, m in zip(C, _MONOMIALS["separate"], strict=True)))
    to_shared = _by_monomial("shared", h_3.subs(V, Vbar))
    rhs_3 = {c: _in_equilibrium(rhs, "separate").subs(gamma, 0) for c, rhs in separate.items()}
    for c, combination in to_shared.items():
        difference = (_in_equilibrium(shared[c], "shared").subs(to_shared, simultaneous=True)
                      - combination.subs(rhs_3, simultaneous=True))
        if c == C[0]:
            checks.append(("reduction 2: shared c_1' minus separate c_1' at gamma = 0, plus "
                           "(1 - rho²) eta² (c9 + c15) (equal iff rho² = 1)",
                           difference + (1 - rho**2) * eta**2 * (C[8] + C[14])))
        else:
            checks.append((f"reduction 2: shared {c}' minus separate ({combination})' at "
                           "gamma = 0", difference))
    ends_3 = terminal_conditions("separate")
    checks.append(("reduction 2: terminal data on the diagonal", sp.Add(*(
        (combination.subs(ends_3) - end) * m for (combination, end), m in zip(
            zip(to_shared.values(), terminal_conditions("shared").values(), strict=True),
            _MONOMIALS["shared"], strict=True)))))
    # Reduction 3: the single agent at b = gamma = 0 is the shared model at
    # b = gammabar = kbar = 0 with c3 = c6 = c8 = c10 = 0.
    to_m2 = dict(zip(C[:6], (C[0], C[1], C[3], C[4], C[6], C[8]), strict=True))
    zero = {C[i - 1]: 0 for i in (3, 6, 8, 10)}
    rhs_2 = {c: _in_equilibrium(rhs, "shared").subs({b: 0, gammabar: 0, kbar: 0}).subs(zero)
             for c, rhs in shared.items()}
    checks += [(f"reduction 3: shared {c}' at b = gammabar = kbar = 0, c3 = c6 = c8 = c10 = 0",
                rhs_2[c])
               for c in zero]
    checks += [(f"reduction 3: shared {c_2}' minus single {c_1}' at b = gamma = 0",
                rhs_2[c_2] - single[c_1].subs({b: 0, gamma: 0}).subs(to_m2, simultaneous=True))
               for c_1, c_2 in to_m2.items()]
    ends_1, ends_2 = terminal_conditions("single"), terminal_conditions("shared")
    checks.append(("reduction 3: terminal data", sp.Add(*(
        (ends_1[c_1] - ends_2[c_2]) * m
        for (c_1, c_2), m in zip(to_m2.items(), _MONOMIALS["single"], strict=True)))))
    return tuple(checks)


_GROUPS: dict[str, Callable[[], tuple[Check, ...]]] = {
    "derivations": _derivations, "consistency": _consistency_checks,
    "feedback": _feedback_checks, "zero patterns": _zero_patterns, "Prop 3.3": _prop33_checks,
    "Prop 3.6": _prop36_checks, "cross-section": _cross_section_checks, "drift": _drift_checks,
    "price variance": _price_checks, "shared c5": _shared_c5_checks,
    "reductions": _reductions,
}
GROUPS = tuple(_GROUPS)
"""The groups of checks, in the order the chapter prints them, the three systems derived from
their HJB equations, the consistency conditions, feedbacks and loadings, zero patterns, the
closed forms of Props 3.3 and 3.6, the cross-section and its closed forms (Section 4 of the
paper), Prop 4.1's drift decomposition, the price variance (4.11), the shared-signal c5 and the
reductions between the models."""

GROUP_TITLES = {
    "derivations": "Propositions 2.1, 3.1 and 3.4, the three coefficient systems derived from "
                   "their HJB equations",
    "consistency": "the consistency conditions (3.9) and (3.17)",
    "feedback": "the optimal rates and loadings, with Propositions 3.2 and 3.5",
    "zero patterns": "the vanishing coefficients of Propositions 2.2, 3.3 and 3.6",
    "Prop 3.3": "Proposition 3.3",
    "Prop 3.6": "Proposition 3.6",
    "cross-section": "Proposition 4.1, the propagator and the covariance (4.4)-(4.7)",
    "drift": "Proposition 4.1, the drift decomposition (4.8)-(4.9)",
    "price variance": "Proposition 4.2, the propagator and the price variance (4.10)-(4.11)",
    "shared c5": "the closed form of c5 in the shared-signal model (ours)",
    "reductions": "the reductions between the models (ours)",
}
"""A title for each group, naming the propositions and equations of the paper it checks."""


def checks(group: str | None = None) -> list[Check]:
    """The ``(label, residual)`` pairs of one group (see ``GROUPS``), or of all groups.

    Each group is derived once per session (a tenth of a second to about a second)."""
    return select_checks(_GROUPS, group)


# --- Errata and OCR defects ----------------------------------------------------------------------

class Erratum(NamedTuple):
    """A genuine error of the paper: the residual of the ``printed`` form does not vanish, the
    residual of the ``corrected`` form does. ``name`` says where the paper errs."""

    name: str
    statement: str
    printed: sp.Expr
    corrected: sp.Expr


class OcrDefect(NamedTuple):
    """A defect of our OCR text copy only, as LaTeX: where it is, the ``printed`` (as in the copy)
    and ``corrected`` forms."""

    where: str
    printed: str
    corrected: str


@cache
def _errata() -> tuple[Erratum, ...]:
    c5, c6 = C[4], C[5]
    v_loading = sp.diff(feedback("single"), V)
    h_end = sp.Add(*(v * m for v, m in zip(terminal_conditions("shared").values(),
                                           _MONOMIALS["shared"], strict=True)))
    ansatz_end = x + q * S + h_end
    forms = _prop33()
    printed_c1 = sp.Integral(k * eta**2 / (2 * b * kappa) * (1 - sp.exp(-2 * b / kappa * r)),
                             (r, 0, tau))
    nu_eq = _in_equilibrium(feedback("separate"), "separate")
    return (
        Erratum("nu_V* of Section 2.4",
                r"Section 2.4 prints $\nu_V^* = (c_6 - 2bc_5)/(2k)$; the $V$-loading of the "
                r"optimal rate of Prop 2.1 is $(c_6 - 2\gamma c_5)/(2k)$",
                v_loading - (c6 - 2 * b * c5) / (2 * k), v_loading - loadings("single")[V]),
        Erratum("terminal condition of (3.4)",
                r"(3.4) prints $H^n(T) = x + q\bar V - \alpha q^2$; $H = x + qS + h$ with "
                r"Prop 3.1's $c_5(T) = -\alpha$, $c_9(T) = 1$ gives the payoff "
                r"$x + q(S + \bar V) - \alpha q^2$",
                sp.expand(x + q * Vbar - alpha * q**2 - ansatz_end),
                sp.expand(x + q * (S + Vbar) - alpha * q**2 - ansatz_end)),
        Erratum("c1 of Prop 3.3",
                r"Prop 3.3 prints $c_1 = \frac{k\eta^2}{2b\kappa}\int_t^T "
                r"(1 - e^{-2b(T - s)/\kappa})\,ds$; $c_1' = -\eta^2 c_7$ needs the factor "
                r"$c_9(s)^2$ in the integrand (residual: the $c_1$ equation)",
                riccati_residual("shared", 1, {**forms, 1: printed_c1}, _PROP33_ZERO),
                riccati_residual("shared", 1, forms, _PROP33_ZERO)),
        Erratum("factor of Prop 3.5",
                r"Prop 3.5 prints $\frac{2c_6 - \gamma c_{11}}{k}(q - \bar q)$; the "
                r"equilibrium rate (3.16) with (3.17) has $\frac{2c_6 - \gamma c_{11}}{2k}$",
                nu_eq - _prop35(k), nu_eq - _prop35(2 * k)),
        Erratum("proof of Prop 4.1",
                r"The statement (4.4) of Prop 4.1 is correct, with $\Psi_u^{-1}$ inside the "
                r"integral. One intermediate line of its proof writes $\Psi_t^{-1}$ inside the "
                r"stochastic integrals instead; taken literally, that line gives a covariance "
                r"that does not solve the Lyapunov equation (residual: entry (2, 2) at the "
                r"closed forms of Prop 3.6)",
                _lyapunov(_sigma_integral(t))[1, 1], _lyapunov(_sigma_integral(u))[1, 1]),
    )


def errata() -> list[Erratum]:
    """The genuine errors of the paper, each with the residual of the printed form (not 0) and of
    the corrected form (0)."""
    return list(_errata())


def in_exponentials(expr: sp.Expr) -> sp.Expr:
    """``expr`` with the shorthands of the checks written out again (``X = e^{omega tau}``,
    ``Y = e^{b tau/kappa}``, ``E_t = e^{beta t}`` and the like), for display in the page."""
    shorthands = {**_XY, **_BETA_ATOMS, **_PHI_ATOMS}
    return expr.subs({symbol: sp.exp(atom) for atom, symbol in shorthands.items()})


def ocr_defects() -> list[OcrDefect]:
    """The defects of our OCR text copy only, printed as in the copy. A lost overbar counts as
    one (the conversion drops overbars throughout, so the copy cannot show whether the
    original has them). Each corrected equation is the one the checks verify (groups
    derivations, feedback, Prop 3.6, cross-section, drift and price variance)."""
    return [
        OcrDefect("Prop 3.1, spurious lines",
                  r"c'_1 + f_2(c_2 - \bar{k}c_1) + f_3(c_3 - \bar{k}c_2) + \dots,\ "
                  r"c_2(T) = 0;\ + f(c_2 - 2\bar{c}_3) + \dots;\ c'_4 + \frac{c_5^2}{2} = 0,"
                  r"\ c_5(T) = -\alpha;\ c'_6",
                  r"\text{deleted: Prop. 3.1 has exactly the ten equations (3.6)--(3.7)}"),
        OcrDefect("Prop 3.1, $c_5$", r"c'_5 + \frac{c_5}{k} = 0", r"c'_5 + \frac{c_5^2}{k} = 0"),
        OcrDefect("Prop 3.1, $c_3$ and $c_4$",
                  r"\frac{(c_2 - kf_1)(c_8 - kf_2)}{2k},\ "
                  r"\frac{(c_2 - \kappa J_1)(c_9 - \kappa J_3)}{2k}",
                  r"\frac{(c_2 - \bar{k}f_1)(c_8 - \bar{k}f_2)}{2k},\ "
                  r"\frac{(c_2 - \bar{k}f_1)(c_9 - \bar{k}f_3)}{2k}"),
        OcrDefect("Prop 3.6, $c_9$",
                  r"c_9(t) = \frac{-4z^2 e^{-\frac{2b}{\kappa}(T - t)}}"
                  r"{(1 + 2z)e^{\omega(T - t)} - 1)^2} D_9(t)",
                  r"c_9(t) = \frac{-4z^2 e^{-\frac{2b}{\kappa}\tau}}"
                  r"{\big((1 + 2z)e^{\omega\tau} - 1\big)^2} D_9(\tau),\ \tau = T - t"),
        OcrDefect("Section 3.3.2, loadings",
                  r"\nu_{\bar{V}}^*(t)V + \nu_{\bar{V}}^*(t)\bar{V};\ "
                  r"\text{loadings on } q, \bar{q}, V \text{ and } V;\ "
                  r"\nu_{V}^*(t) = \frac{2k(c_{12} - \gamma c_{15}) - "
                  r"\bar{k}(c_{11} - 2\gamma c_8)}{2k(2k + \bar{k})}",
                  r"\nu_V^*(t)V + \nu_{\bar{V}}^*(t)\bar{V};\ "
                  r"\text{loadings on } q, \bar{q}, V \text{ and } \bar{V};\ "
                  r"\nu_{\bar{V}}^*(t) = \frac{2k(c_{12} - \gamma c_{15}) - "
                  r"\bar{k}(c_{11} - 2\gamma c_8)}{2k(2k + \bar{k})}"),
        OcrDefect("Prop 4.1, $C_t$", r"C_t:\ \nu_V^*(t) + \nu_V^*(t)\ \text{(twice)}",
                  r"C_t:\ \nu_V^*(t) + \nu_{\bar{V}}^*(t)"),
        OcrDefect("(3.8)", r"\nu^{n*}(t, q, \bar{q}, V)", r"\nu^{n*}(t, q, \bar{q}, \bar{V})"),
        OcrDefect("Figure 3 caption", r"\text{loadings on } Q_t, \bar{Q}_t, V_t",
                  r"\text{loadings on } Q_t, \bar{Q}_t, \bar{V}_t"),
        OcrDefect("Section 3.3", r"\text{the } V_0 \text{ of Section 3.2}",
                  r"\text{the } \bar{V}_0 \text{ of Section 3.2}"),
        OcrDefect("(4.6)", r"\bar{\Sigma}_t^V = 2^{-2\beta t}\bar{\Sigma}_0^V + \dots",
                  r"\bar{\Sigma}_t^V = e^{-2\beta t}\bar{\Sigma}_0^V + \dots"),
        OcrDefect("proof of Prop 4.2, $\\Phi_t$",
                  r"\Phi_t = \begin{bmatrix} 1 & \frac{2z(1-e^{-\frac{b}{k}t})}"
                  r"{b((1+2z)e^{\omega T-1})} \\ 0 & \frac{(1+2z)e^{\omega T-1}}"
                  r"{(1+2z)e^{\omega T-1}}e^{-\frac{b}{k}t} \end{bmatrix}",
                  r"\Phi_t = \begin{bmatrix} 1 & \frac{2z(1-e^{-bt/\kappa})}"
                  r"{b((1+2z)e^{\omega T}-1)} \\ 0 & \frac{(1+2z)e^{\omega(T-t)}-1}"
                  r"{(1+2z)e^{\omega T}-1}e^{-bt/\kappa} \end{bmatrix}"),
    ]
