"""Symbolic verification of position building in competition, as data.

Every check is a pair ``(label, residual)`` whose residual must simplify to 0; the chapter
passes each to ``lib.symbolic.verify_zero`` and the tests assert the same. Labels cite the
paper's equation numbers. The Euler–Lagrange equations are derived from the Lagrangians, paper
(1), (2), (29) and (55)–(56), with ``sympy.euler_equations``, never typed in, and the closed
forms are substituted into them; so is the matrix of the risk-averse system, which is then
compared with the one the numerical solver integrates.
``kappa``, ``lam``, ``sigma``, ``n``, ``c`` and the weight ``w`` stay symbolic throughout.

Integrals of exponential shapes are taken term by term (``evaluate_integrals``), and the
slowest identities are handed over as rational functions of ``X = e^{kappa t/3}`` and
``Y = e^{kappa/3}`` (``as_rational``): all checks then simplify in a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp
from sympy.calculus.euler import euler_equations

from lib.competition import risk_aversion
from lib.symbolic import select_checks

__all__ = [
    "GROUPS",
    "as_rational",
    "best_response_B_general",
    "best_response_general",
    "best_response_residuals",
    "checks",
    "closed_forms",
    "equilibrium_cost_forms",
    "euler_lagrange_A",
    "euler_lagrange_B",
    "evaluate_integrals",
    "lagrangian_A",
    "lagrangian_B",
    "phi",
    "psi",
    "risk_averse_shape",
    "risk_aversion_matrix",
    "solver_matrix_checks",
]

Check = tuple[str, sp.Expr]
RowFunction = Callable[[sp.Expr, sp.Expr, sp.Expr, sp.Expr, sp.Expr, str], list[list[sp.Expr]]]

t = sp.Symbol("t", positive=True)
s = sp.Symbol("s", positive=True)
kappa, lam, sigma, n = sp.symbols("kappa lambda sigma n", positive=True)
c = sp.Symbol("c", real=True)
xi_a, xi_b, vol = sp.symbols("xi_A xi_B sigma_v", positive=True)
w = sp.Symbol("w", positive=True)  # B's weight in A's cost, book eq. (pb-weighted-cost)

_a, _b = sp.Function("a"), sp.Function("b")
a_t, b_t = _a(t), _b(t)


def phi(r: sp.Expr, x: sp.Expr = t) -> sp.Expr:
    """``phi_r(x) = (1 - e^{-r x})/(1 - e^{-r})``, the eager shape for ``r > 0``."""
    return (1 - sp.exp(-r * x)) / (1 - sp.exp(-r))


def psi(r: sp.Expr, x: sp.Expr = t) -> sp.Expr:
    """``psi_r(x) = (e^{r x} - 1)/(e^r - 1) = phi_{-r}(x)``, back-loaded for ``r > 0``."""
    return (sp.exp(r * x) - 1) / (sp.exp(r) - 1)


def risk_averse_shape(x: sp.Expr = t) -> sp.Expr:
    """``r_sigma(x) = sinh(sigma x)/sinh(sigma)`` (paper (8))."""
    return sp.sinh(sigma * x) / sp.sinh(sigma)


# --- Lagrangians and their Euler–Lagrange equations -------------------------------------------

def lagrangian_A(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """A's instantaneous cost, paper (1), ``a'(a' + lam b') + kappa a'(a + lam b)``."""
    da, db = sp.diff(a, t), sp.diff(b, t)
    return da * (da + lam * db) + kappa * da * (a + lam * b)


def lagrangian_B(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """B's instantaneous cost, paper (2), ``lam b'(a' + lam b') + kappa lam b'(a + lam b)``."""
    da, db = sp.diff(a, t), sp.diff(b, t)
    return lam * db * (da + lam * db) + kappa * lam * db * (a + lam * b)


@cache
def _euler_lagrange(player: str, penalise: str | None = None) -> sp.Expr:
    """Left side of the Euler–Lagrange equation of A (in ``a``) or B (in ``b``); with the risk
    penalties of the losses, paper (55)–(56), unless ``penalise`` is ``None``.

    A pays ``xi_A sigma_v^2 a^2``; B pays ``xi_B sigma_v^2 b^2`` on its shape
    (``penalise="shape"``) or ``xi_B sigma_v^2 (lam b)^2`` on its holding (``"holding"``).
    """
    if player == "A":
        lagrangian, unknown = lagrangian_A(), a_t
        penalty = xi_a * vol**2 * a_t**2
    else:
        lagrangian, unknown = lagrangian_B(), b_t
        penalty = xi_b * vol**2 * (b_t if penalise == "shape" else lam * b_t)**2
    (equation,) = euler_equations(lagrangian if penalise is None else lagrangian + penalty,
                                  unknown, t)
    return sp.expand(equation.lhs)


def _differentiate(expr: sp.Expr) -> sp.Expr:
    """``expr`` with its derivatives carried out but not its integrals: ``doit`` would also try,
    slowly and in vain, to integrate a generic ``a`` or ``b``."""
    return expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit(deep=False))


@cache
def euler_lagrange_A(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """A's Euler–Lagrange expression (paper (12), derived from (1)) for the strategies ``a``,
    ``b`` (cached)."""
    return _differentiate(_euler_lagrange("A").subs({a_t: a, b_t: b}, simultaneous=True))


@cache
def euler_lagrange_B(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """B's Euler–Lagrange expression (paper (23), derived from (2)) for the strategies ``a``,
    ``b``; the equilibrium's is shared by paper (23) and the inverse problem (39) (cached)."""
    return _differentiate(_euler_lagrange("B").subs({a_t: a, b_t: b}, simultaneous=True))


def best_response_residuals(label: str, a: sp.Expr, b: sp.Expr, *,
                            player: str = "A") -> list[Check]:
    """``a`` (player A) or ``b`` (player B) against paper (12)/(23) and the unit boundary
    conditions."""
    if player not in ("A", "B"):
        raise ValueError(f"player must be 'A' or 'B', got {player!r}")
    equation = euler_lagrange_A(a, b) if player == "A" else euler_lagrange_B(a, b)
    x = a if player == "A" else b
    return [(f"{label}: Euler–Lagrange residual", equation),
            (f"{label}: value at t = 0", x.subs(t, 0)),
            (f"{label}: value at t = 1, minus 1", x.subs(t, 1) - 1)]


# --- Closed forms ----------------------------------------------------------------------------

def _respond(x: sp.Expr, scale: sp.Expr) -> sp.Expr:
    """``t - scale [x - t + kappa (X(t) - t X(1))]`` with ``X(t) = int_0^t x`` (book eqs.
    (pb-best-response), (pb-best-response-b))."""
    area = sp.Integral(x.subs(t, s), (s, 0, t))
    return t - scale * (x - t + kappa * (area - t * area.subs(t, 1)))


_RATE = sp.Symbol("r", nonzero=True)


@cache
def _exponential_primitive() -> sp.Expr:
    """sympy's antiderivative in ``s`` of ``e^{r s}`` for a symbol ``r != 0``: ``e^{r s}/r``."""
    return sp.integrate(sp.exp(_RATE * s), s)


@cache
def _primitive(factor: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """An antiderivative in ``x`` of ``factor``: for ``e^{r x + q}`` with a rate ``r`` known to
    be nonzero, ``e^q`` times ``_exponential_primitive`` at ``r``; otherwise sympy's."""
    if isinstance(factor, sp.exp):
        argument = sp.expand(factor.exp)
        rate = argument.coeff(x)
        if rate.is_zero is False and not (argument - rate * x).has(x):
            primitive = _exponential_primitive().subs({_RATE: rate, s: x}, simultaneous=True)
            return sp.exp(argument - rate * x) * primitive
    return sp.integrate(factor, x)


def _integrate(integral: sp.Integral) -> sp.Expr:
    """A definite integral of a sum of exponentials (or hyperbolic functions), term by term:
    each term is split into a constant and a factor in the variable (its exponentials merged
    into one), the constants of equal factors are added, and each factor's antiderivative is
    taken at the limits (sympy is slow on the whole sum, and on a term with its constant
    inside)."""
    ((variable, lower, upper),) = integral.limits
    constants: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(integral.function)):
        constant, factor = sp.powsimp(sp.factor_terms(term)).as_independent(variable,
                                                                             as_Add=False)
        constants[factor] = constants.get(factor, 0) + constant
    return sp.Add(*(constant * (_primitive(factor, variable).subs(variable, upper)
                                - _primitive(factor, variable).subs(variable, lower))
                    for factor, constant in constants.items()))


def evaluate_integrals(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ``Integral`` carried out term by term."""
    return expr.replace(lambda e: isinstance(e, sp.Integral), _integrate)


_X, _Y = sp.symbols("X Y", positive=True)


def as_rational(expr: sp.Expr) -> sp.Expr:
    """``expr`` with ``e^{kappa (p t + q)/3}`` written as ``X^p Y^q``, ``X = e^{kappa t/3}``,
    ``Y = e^{kappa/3}`` (p, q integers).

    An identity between exponential polynomials then becomes one between rational functions,
    which ``simplify`` settles in a fraction of a second; a rational function that vanishes
    identically proves the original identity.
    """
    def power(argument: sp.Expr) -> sp.Expr:
        argument = sp.expand(argument)
        p, q = 3 * argument.coeff(t).coeff(kappa), 3 * argument.subs(t, 0).coeff(kappa)
        if not (p.is_integer and q.is_integer) or sp.expand(argument - kappa * (p * t + q) / 3):
            return sp.exp(argument)
        return _X**p * _Y**q

    return expr.rewrite(sp.exp).replace(sp.exp, power)


def _unit_integral(f: sp.Expr) -> sp.Expr:
    """``int_0^1 f dt`` for a sum ``f`` of terms ``c e^{p kappa t/3}`` (p integer), in ``Y``.

    In ``X = e^{kappa t/3}`` (``as_rational``) the term ``c X^p`` integrates to
    ``3 c (Y^p - 1)/(p kappa)``, or ``c`` for ``p = 0``; the coefficients of each power are
    collected and factored first, which keeps the residuals short.
    """
    parts: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(as_rational(f))):
        coeff, p = term.as_coeff_exponent(_X)
        if coeff.has(_X, t) or not p.is_integer:
            raise ValueError(f"not a sum of exponentials e^(p kappa t/3): {term}")
        parts[p] = parts.get(p, 0) + coeff
    return sp.Add(*(sp.factor(coeff) * (1 if p == 0 else 3 * (_Y**p - 1) / (p * kappa))
                    for p, coeff in parts.items()))


_Z = sp.Symbol("Z", positive=True)


def _in_sixths(expr: sp.Expr) -> sp.Expr:
    """``expr``, free of ``t``, as one fraction in ``Z = e^{kappa/6}``: ``e^x`` written as
    ``Z^{6x/kappa}`` and ``Y = Z^2``, so that the ``coth(kappa/6)`` of book eq.
    (pb-equilibrium-cost) becomes rational too (one fraction simplifies faster than a sum)."""
    exponential = expr.rewrite(sp.coth, sp.exp)
    return sp.together(exponential.replace(sp.exp, lambda x: _Z**(6 * x / kappa))
                       .subs(_Y, _Z**2))


def best_response_general(b: sp.Expr = b_t) -> sp.Expr:
    """A's best response (book eq. (pb-best-response)) to the shape ``b`` (an unevaluated
    integral of ``b``)."""
    return _respond(b, lam / 2)


def best_response_B_general(a: sp.Expr = a_t) -> sp.Expr:
    """B's best response (book eq. (pb-best-response-b)), its shape, to A's strategy ``a``."""
    return _respond(a, 1 / (2 * lam))


def closed_forms() -> dict[str, sp.Expr]:
    """The chapter's closed forms, for display with ``sympy.latex``: ``"best response"``
    (book eq. (pb-best-response)), ``"best response of B"`` (paper (23)), ``"best response to
    r_sigma"`` (paper (13)–(16)), ``"best response to t"`` (paper (17)–(18)), ``"best response
    to phi_sigma"`` (paper (19)), ``"a_lambda"`` and ``"b_lambda"`` (paper (26)–(27)) and
    ``"x_n"`` (paper (31)).
    """
    return dict(_closed_forms())


@cache
def _closed_forms() -> dict[str, sp.Expr]:
    h = (t * (sigma * sp.sinh(sigma) + kappa * (sp.cosh(sigma) - 1)) - sigma * sp.sinh(sigma * t)
         - kappa * (sp.cosh(sigma * t) - 1)) / (sigma * sp.sinh(sigma))
    plus, minus = (1 + lam) / 2, (lam - 1) / 2
    return {
        "best response": best_response_general(),
        "best response of B": best_response_B_general(),
        "best response to r_sigma": t + lam / 2 * h,
        "best response to t": t + lam * kappa / 4 * t * (1 - t),
        "best response to phi_sigma": t + lam * (kappa - sigma) / (2 * sigma) * (phi(sigma) - t),
        "a_lambda": plus * phi(kappa / 3) - minus * psi(kappa),
        "b_lambda": (plus * phi(kappa / 3) + minus * psi(kappa)) / lam,
        "x_n": phi(kappa * (n - 1) / (n + 1)),
    }


@cache
def _cost_blocks() -> tuple[sp.Matrix, sp.Matrix, sp.Matrix, sp.Matrix]:
    """``(alpha, beta, I, K)`` as displayed in book eq. (pb-equilibrium-cost): the coefficients
    of ``a_lambda``, ``b_lambda`` on ``(phi_{kappa/3}, psi_kappa)``, their Gram matrix ``I`` of
    the rates and the cross integrals ``K_ij = int phi_i phi_j'``."""
    e3, e = sp.exp(kappa / 3), sp.exp(kappa)
    half = sp.Rational(1, 2)
    i12 = kappa / 2 * e3 * (e3 + 1) / (e - 1)
    k12 = (e - 1 - sp.Rational(3, 2) * (e3**2 - 1)) / ((1 - 1 / e3) * (e - 1))
    alpha = sp.Matrix([(1 + lam) / 2, -(lam - 1) / 2])
    beta = sp.Matrix([(1 + lam) / (2 * lam), (lam - 1) / (2 * lam)])
    gram = sp.Matrix([[kappa / 6 * sp.coth(kappa / 6), i12],
                      [i12, kappa / 2 * sp.coth(kappa / 2)]])
    cross = sp.Matrix([[half, k12], [1 - k12, half]])
    return alpha, beta, gram, cross


def equilibrium_cost_forms() -> dict[str, sp.Expr]:
    """A's equilibrium cost with B's weight ``w`` (book eqs. (pb-weighted-cost),
    (pb-equilibrium-cost)): ``"temp" = alpha^T I alpha + w alpha^T I beta`` and
    ``"perm" = kappa (1/2 + w beta^T K alpha)``."""
    alpha, beta, gram, cross = _cost_blocks()
    return {"temp": (alpha.T * gram * alpha)[0] + w * (alpha.T * gram * beta)[0],
            "perm": kappa * (sp.Rational(1, 2) + w * (beta.T * cross * alpha)[0])}


# --- Groups of checks ------------------------------------------------------------------------

@cache
def _best_responses() -> tuple[Check, ...]:
    forms = closed_forms()
    eq_a, eq_b = _euler_lagrange("A"), _euler_lagrange("B")
    a2, b1, b2 = sp.diff(a_t, t, 2), sp.diff(b_t, t), sp.diff(b_t, t, 2)
    a1 = sp.diff(a_t, t)
    checks = [
        ("A's equation (12) from its cost (1), plus (2a'' + lam (b'' + kappa b'))",
         eq_a + 2 * a2 + lam * (b2 + kappa * b1)),
        ("B's equation (23) from its cost (2), plus lam (a'' + 2 lam b'' + kappa a')",
         eq_b + lam * (a2 + 2 * lam * b2 + kappa * a1)),
    ]
    ends = {_b(0): 0, _b(1): 1}
    general = best_response_general()
    checks += [(label, expr.subs(ends)) for label, expr in
               best_response_residuals("best response to a generic b", general, b_t)]
    general_b = best_response_B_general()
    checks += [(label, expr.subs({_a(0): 0, _a(1): 1})) for label, expr in
               best_response_residuals("B's best response to a generic a", a_t, general_b,
                                       player="B")]
    adversaries = {"best response to r_sigma": (risk_averse_shape(), "(13)-(16)"),
                   "best response to t": (t, "(17)-(18)"),
                   "best response to phi_sigma": (phi(sigma), "(19)")}
    for key, (b, numbers) in adversaries.items():
        checks += best_response_residuals(f"{key} {numbers}", forms[key], b)
        checks.append((f"{key} {numbers} minus the general best response to it",
                       forms[key] - evaluate_integrals(best_response_general(b))))
    # The arrangement implemented in lib.competition.responses.br_risk_averse.
    g = (sp.cosh(sigma * t) - 1) / sp.sinh(sigma)
    implemented = t + lam / 2 * (t * (1 + kappa * sp.tanh(sigma / 2) / sigma)
                                 - risk_averse_shape() - kappa / sigma * g)
    checks.append(("best response to r_sigma as implemented (tanh form), minus (13)-(16)",
                   implemented - forms["best response to r_sigma"]))
    return tuple(checks)


@cache
def _equilibrium() -> tuple[Check, ...]:
    forms = closed_forms()
    a, b = forms["a_lambda"], forms["b_lambda"]
    e3 = sp.exp(kappa / 3)
    bracket = e3 * (e3 + e3**2 + 1) * (lam + 1)
    waves = (lam - 1) * (sp.exp(kappa * t / 3) + sp.exp(2 * kappa * t / 3) + sp.exp(kappa * t))
    published_a = -(1 - sp.exp(-kappa * t / 3)) * (-bracket + waves) / (2 * (sp.exp(kappa) - 1))
    published_b = (1 - sp.exp(-kappa * t / 3)) * (bracket + waves) / (2 * lam * (sp.exp(kappa) - 1))
    return (
        ("A's equation (22) at the equilibrium (26)-(27)", euler_lagrange_A(a, b)),
        ("B's equation (23) at the equilibrium (26)-(27)", euler_lagrange_B(a, b)),
        ("equilibrium a(0)", a.subs(t, 0)),
        ("equilibrium b(0)", b.subs(t, 0)),
        ("equilibrium a(1) - 1", a.subs(t, 1) - 1),
        ("equilibrium b(1) - 1", b.subs(t, 1) - 1),
        ("equilibrium a minus its expanded form as transcribed by vragulin", a - published_a),
        ("equilibrium b minus its expanded form as transcribed by vragulin", b - published_b),
        ("best response to b_lambda, minus a_lambda",
         as_rational(evaluate_integrals(best_response_general(b)) - a)),
        ("B's best response to a_lambda, minus b_lambda",
         as_rational(evaluate_integrals(best_response_B_general(a)) - b)),
    )


@cache
def _n_traders() -> tuple[Check, ...]:
    # The loss (29) with n = 4 written out: trader i's Lagrangian, the others as given
    # functions.
    xs = [sp.Function(f"x_{j}")(t) for j in range(1, 5)]
    rates = [sp.diff(x, t) for x in xs]
    x = sp.Function("x")(t)
    rate = sp.diff(x, t)
    checks = []
    for i, xi in enumerate(xs):
        lagrangian = rates[i] * sum(rates) + kappa * rates[i] * sum(xs)
        (equation,) = euler_equations(lagrangian, xi, t)
        printed = (sp.diff(xi, t, 2) + sum(sp.diff(y, t, 2) for y in xs)
                   + kappa * sum(r for j, r in enumerate(rates) if j != i))
        checks.append((f"n-trader equation (30) from the loss (29) (n = 4), trader {i + 1}",
                       equation.lhs + printed))
    equal = equation.lhs.subs({y: x for y in xs}).doit()
    checks.append(("equation (30) (n = 4) for equal traders plus (5x'' + 3 kappa x')",
                   equal + 5 * sp.diff(x, t, 2) + 3 * kappa * rate))
    # Any n: the others' aggregate holding O(t) enters the loss (29) as a given function.
    others = sp.Function("O")(t)
    lagrangian = rate * (rate + sp.diff(others, t)) + kappa * rate * (x + others)
    (equation,) = euler_equations(lagrangian, x, t)
    symmetric = equation.lhs.subs(others, (n - 1) * x).doit()
    reduced = (n + 1) * sp.diff(x, t, 2) + kappa * (n - 1) * rate
    x_n = closed_forms()["x_n"]
    checks += [
        ("loss (29) for n equal traders: Euler-Lagrange plus ((n+1)x'' + kappa(n-1)x')",
         symmetric + reduced),
        ("x_n (31) in (n+1)x'' + kappa(n-1)x', symbolic n", reduced.subs(x, x_n).doit()),
        ("x_n (31) at t = 0", x_n.subs(t, 0)),
        ("x_n (31) at t = 1, minus 1", x_n.subs(t, 1) - 1),
        ("x_n (31) at n = 2 minus (28), the equilibrium at lambda = 1",
         x_n.subs(n, 2) - closed_forms()["a_lambda"].subs(lam, 1)),
        ("x_n (31) as n -> 1, minus t", sp.limit(x_n, n, 1) - t),
        ("x_n (31) as n -> oo, minus phi_kappa (35)-(36)",
         sp.limit(x_n, n, sp.oo) - phi(kappa)),
    ]
    return tuple(checks)


@cache
def _limit_at_zero(factor: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """``sympy.limit`` of one factor, such as ``phi_kappa``, as ``x -> 0``."""
    return sp.limit(factor, x, 0)


def _at_zero(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The limit of ``expr`` as ``x -> 0``, term by term: each term is split into a constant and
    a factor in ``x``, whose limit is taken once. The sum of the limits is the limit when each
    is finite (an infinite one leaves ``oo`` or ``nan`` in the residual); ``sympy.limit`` of the
    whole sum of exponentials is much slower."""
    split = (term.as_independent(x, as_Add=False)
             for term in sp.Add.make_args(sp.expand_mul(expr, deep=False)))
    return sp.Add(*(constant * _limit_at_zero(factor, x) for constant, factor in split))


@cache
def _limits() -> tuple[Check, ...]:
    """The limits kappa -> 0 of the equilibrium (paper (26)-(27)) and kappa -> oo at t = 1/2,
    the latter on the rational function of ``Z = e^{kappa/6}`` (``_in_sixths``) as ``Z -> oo``.
    """
    forms = closed_forms()
    a, b = forms["a_lambda"], forms["b_lambda"]
    half = sp.Rational(1, 2)
    return (
        ("equilibrium a as kappa -> 0, minus t", _at_zero(a, kappa) - t),
        ("equilibrium b as kappa -> 0, minus t", _at_zero(b, kappa) - t),
        ("equilibrium a at lambda = 1 minus phi_(kappa/3) (28)",
         a.subs(lam, 1) - phi(kappa / 3)),
        ("equilibrium b at lambda = 1 minus phi_(kappa/3) (28)",
         b.subs(lam, 1) - phi(kappa / 3)),
        ("equilibrium a(1/2) as kappa -> oo, minus (lambda+1)/2",
         sp.limit(_in_sixths(a.subs(t, half)), _Z, sp.oo) - (lam + 1) / 2),
        ("equilibrium b(1/2) as kappa -> oo, minus (lambda+1)/(2 lambda)",
         sp.limit(_in_sixths(b.subs(t, half)), _Z, sp.oo) - (lam + 1) / (2 * lam)),
    )


@cache
def _equilibrium_cost() -> tuple[Check, ...]:
    _, _, gram, cross = _cost_blocks()
    shapes = (phi(kappa / 3), psi(kappa))
    names = ("phi_(kappa/3)", "psi_kappa")
    checks = []
    for i, j in ((0, 0), (1, 1), (0, 1), (1, 0)):
        rates = sp.diff(shapes[i], t) * sp.diff(shapes[j], t)
        checks.append((f"cost (pb-equilibrium-cost): I_{i + 1}{j + 1} minus the integral of "
                       f"{names[i]}' {names[j]}'",
                       _in_sixths(gram[i, j] - _unit_integral(rates))))
    for i, j in ((0, 0), (1, 1), (0, 1), (1, 0)):
        cross_ij = shapes[i] * sp.diff(shapes[j], t)
        checks.append((f"cost (pb-equilibrium-cost): K_{i + 1}{j + 1} minus the integral of "
                       f"{names[i]} {names[j]}'",
                       _in_sixths(cross[i, j] - _unit_integral(cross_ij))))
    forms = closed_forms()
    a, b = forms["a_lambda"], forms["b_lambda"]
    da, db = sp.diff(a, t), sp.diff(b, t)
    cost = equilibrium_cost_forms()
    checks += [
        ("cost (pb-equilibrium-cost): Temp minus int a'(a' + w b') at the equilibrium "
         "(26)-(27), symbolic weight w",
         _in_sixths(cost["temp"] - _unit_integral(da * (da + w * db)))),
        ("cost (pb-equilibrium-cost): Perm minus kappa int a'(a + w b) at the equilibrium "
         "(26)-(27), symbolic weight w",
         _in_sixths(cost["perm"] - _unit_integral(kappa * da * (a + w * b)))),
    ]
    return tuple(checks)


@cache
def _inverse() -> tuple[Check, ...]:
    forms = closed_forms()
    # A's equation (12) read as an ODE for b when A trades a = t (paper (37)-(38)).
    ode = euler_lagrange_A(t, b_t)
    solution = sp.dsolve(ode, b_t, hint="nth_linear_constant_coeff_homogeneous",
                         ics={_b(0): 0, _b(1): 1}).rhs
    a, b = forms["a_lambda"], forms["b_lambda"]
    u = sp.Symbol("u", positive=True)

    def invert(x: sp.Expr, factor: sp.Expr) -> sp.Expr:
        rate = sp.diff(x, t).subs(t, u)
        memory = evaluate_integrals(sp.Integral(sp.exp(-kappa * (t - u)) * rate, (u, 0, t)))
        const = kappa * (1 + factor * memory.subs(t, 1)) / (1 - sp.exp(-kappa))
        return const * (1 - sp.exp(-kappa * t)) / kappa - factor * memory

    return (
        ("inverse of a = t: dsolve of (12), minus phi_kappa", solution - phi(kappa)),
        ("inverse formula (37)-(38) at a = t, minus phi_kappa",
         invert(t, 2 / lam) - phi(kappa)),
        ("B-side inverse ODE (39), B's equation (23), at a_lambda, b_lambda",
         euler_lagrange_B(a, b)),
        ("B-side inverse formula (39)-(41) at b_lambda, minus a_lambda",
         as_rational(invert(b, 2 * lam) - a)),
    )


_STATE = sp.symbols("a b a' b'")
_PENALTY_NAMES = {"shape": "penalty on B's shape", "holding": "penalty on B's holding"}


@cache
def _derived_rates(penalise: str) -> tuple[sp.Expr, ...]:
    """``y' = (a', b', a'', b'')`` in the state symbols ``y = (a, b, a', b')``: the
    Euler–Lagrange equations of the losses, paper (55)–(56), solved for ``(a'', b'')``."""
    a1, b1 = sp.diff(a_t, t), sp.diff(b_t, t)
    a2, b2 = sp.diff(a_t, t, 2), sp.diff(b_t, t, 2)
    solved = sp.solve([_euler_lagrange("A", penalise), _euler_lagrange("B", penalise)],
                      [a2, b2], dict=True, simplify=False)[0]
    # Derivatives before the functions, so that a(t) -> a leaves no derivative of a symbol.
    state = list(zip((a1, b1, a_t, b_t), (_STATE[2], _STATE[3], _STATE[0], _STATE[1]),
                     strict=True))
    return tuple(sp.expand(x.subs(state)) for x in (a1, b1, solved[a2], solved[b2]))


@cache
def risk_aversion_matrix(penalise: str = "shape") -> sp.Matrix:
    """``M`` of ``y' = M y``, ``y = (a, b, a', b')`` (book eq. (pb-risk-averse-decoupled)),
    derived forwards: the Jacobian in ``y`` of the Euler–Lagrange equations of the losses,
    paper (55)–(56), solved for ``(a'', b'')``; B's penalty on its shape ``b`` (``"shape"``)
    or on its holding ``lam b`` (``"holding"``)."""
    if penalise not in _PENALTY_NAMES:
        raise ValueError(f"penalise must be one of {tuple(_PENALTY_NAMES)}, got {penalise!r}")
    return sp.Matrix(_derived_rates(penalise)).jacobian(_STATE)


def solver_matrix_checks(rows: RowFunction) -> list[Check]:
    """The solver's matrix ``rows(kappa, lam, vol, xi_A, xi_B, penalise)`` (as
    ``lib.competition.risk_aversion._decoupled_rows``) against ``risk_aversion_matrix``, both
    penalties: row ``k`` of ``(M_solver - M_derived) y``, a linear form in the independent
    symbols ``y = (a, b, a', b')``, vanishes only if the whole row does."""
    y = sp.Matrix(_STATE)
    checks = []
    for penalise, name in _PENALTY_NAMES.items():
        solver = sp.Matrix(rows(kappa, lam, vol, xi_a, xi_b, penalise))
        difference = (solver - risk_aversion_matrix(penalise)) * y
        checks += [(f"solver's M minus M from the Euler-Lagrange equations of the losses "
                    f"(55)-(56) ({name}), row {k + 1}, times y", difference[k])
                   for k in range(4)]
    return checks


@cache
def _risk_aversion() -> tuple[Check, ...]:
    a, b, da, db = _STATE
    checks = []
    for penalise, name in _PENALTY_NAMES.items():
        rates, derived = _derived_rates(penalise), risk_aversion_matrix(penalise)
        product = derived * sp.Matrix(_STATE)
        checks += [(f"{x} from the Euler-Lagrange equations of the losses (55)-(56) ({name}) "
                    f"minus row {k + 1} of M y, M their Jacobian in y = (a, b, a', b')",
                    rates[k] - product[k]) for k, x in ((2, "a''"), (3, "b''"))]
    checks += solver_matrix_checks(risk_aversion._decoupled_rows)
    # Only now the transcriptions: the coupled (57)-(60) and the decoupled display.
    eq_a, eq_b = _euler_lagrange("A", "shape"), _euler_lagrange("B", "shape")
    a1, b1 = sp.diff(a_t, t), sp.diff(b_t, t)
    a2, b2 = sp.diff(a_t, t, 2), sp.diff(b_t, t, 2)
    coupled_a = -lam / 2 * (b2 + kappa * b1) + xi_a * vol**2 * a_t
    coupled_b = -(a2 + kappa * a1) / (2 * lam) + xi_b / lam**2 * vol**2 * b_t
    shape = risk_aversion_matrix("shape") * sp.Matrix(_STATE)
    plain = sp.solve([_euler_lagrange("A"), _euler_lagrange("B")], [a2, b2], dict=True,
                     simplify=False)[0]
    decoupled_a = (kappa / 3 * da - 2 * lam * kappa / 3 * db
                   + sp.Rational(4, 3) * xi_a * vol**2 * a - 2 * xi_b * vol**2 / (3 * lam) * b)
    decoupled_b = (kappa / 3 * db - 2 * kappa / (3 * lam) * da
                   - 2 * xi_a * vol**2 / (3 * lam) * a + 4 * xi_b * vol**2 / (3 * lam**2) * b)
    to_functions = {a: a_t, b: b_t, da: a1, db: b1}
    checks += [
        ("A's derived equation (penalty on B's shape) solved for a'', minus the paper's "
         "(57)-(60) as transcribed", sp.solve(eq_a, a2, simplify=False)[0] - coupled_a),
        ("B's derived equation (penalty on B's shape) solved for b'', minus the paper's "
         "(57)-(60) as transcribed", sp.solve(eq_b, b2, simplify=False)[0] - coupled_b),
        ("decoupled a'' as displayed (pb-risk-averse-decoupled) minus row 3 of the derived "
         "M y (penalty on B's shape)", decoupled_a - shape[2]),
        ("decoupled b'' as displayed (pb-risk-averse-decoupled) minus row 4 of the derived "
         "M y (penalty on B's shape)", decoupled_b - shape[3]),
        ("decoupled a'' at zero volatility minus (22)-(23) solved for a''",
         decoupled_a.subs(vol, 0).subs(to_functions) - plain[a2]),
        ("decoupled b'' at zero volatility minus (22)-(23) solved for b''",
         decoupled_b.subs(vol, 0).subs(to_functions) - plain[b2]),
    ]
    return tuple(checks)


@cache
def _parabolic() -> tuple[Check, ...]:
    a = t + c * t * (1 - t)
    cumulative = sp.integrate(lagrangian_A(a, t).subs(t, s), (s, 0, t))
    printed = t / 6 * (3 * c**2 * kappa * t**3 - 6 * c**2 * kappa * t**2 + 3 * c**2 * kappa * t
                       + 8 * c**2 * t**2 - 12 * c**2 * t + 6 * c**2 - 4 * c * kappa * lam * t**2
                       + 3 * c * kappa * lam * t - 6 * c * kappa * t**2 + 6 * c * kappa * t
                       - 6 * c * lam * t + 6 * c * lam - 12 * c * t + 12 * c + 3 * kappa * lam * t
                       + 3 * kappa * t + 6 * lam + 6)
    total = cumulative.subs(t, 1)
    (minimiser,) = sp.solve(sp.diff(total, c), c, simplify=False)
    return (
        ("parabola: cumulative cost minus the polynomial of Section 5.1", cumulative - printed),
        ("parabola: C(1) minus 1 + lam + c^2/3 + kappa(1+lam)/2 - c kappa lam/6",
         total - (1 + lam + c**2 / 3 + kappa * (1 + lam) / 2 - c * kappa * lam / 6)),
        ("parabola: minimiser minus lam kappa/4, the best response (17)-(18)",
         minimiser - lam * kappa / 4),
        ("parabola: d2C(1)/dc2 minus 2/3 (positive: a minimum)",
         sp.diff(total, c, 2) - sp.Rational(2, 3)),
    )


_GROUPS: dict[str, Callable[[], tuple[Check, ...]]] = {
    "best responses": _best_responses,
    "equilibrium": _equilibrium,
    "n traders": _n_traders,
    "limits": _limits,
    "equilibrium cost": _equilibrium_cost,
    "inverse problems": _inverse,
    "risk aversion": _risk_aversion,
    "parabolic": _parabolic,
}
GROUPS = tuple(_GROUPS)


def checks(group: str | None = None) -> list[Check]:
    """The ``(label, residual)`` pairs of one group (see ``GROUPS``), or of all groups.

    Each group is derived once per session (a few tenths of a second to a second).
    """
    return select_checks(_GROUPS, group)
