"""Symbolic verification of position building in competition (spec-002 §7.1), as data.

Every check is a pair ``(label, residual)`` whose residual must simplify to 0; the chapter
passes each to ``lib.symbolic.verify_zero`` and the tests assert the same. The
Euler–Lagrange equations are derived from the Lagrangians E1, E2, E37 and E48 with
``sympy.euler_equations``, never typed in, and the closed forms are substituted into them.
``kappa``, ``lam``, ``sigma``, ``n`` and ``c`` stay symbolic throughout.

Integrals of exponential shapes are taken term by term (``evaluate_integrals``), and the
slowest identities are handed over as rational functions of ``X = e^{kappa t/3}`` and
``Y = e^{kappa/3}`` (``as_rational``): all checks then simplify in a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp
from sympy.calculus.euler import euler_equations

from lib.symbolic import select_checks

__all__ = [
    "GROUPS",
    "as_rational",
    "best_response_B_general",
    "best_response_general",
    "best_response_residuals",
    "checks",
    "closed_forms",
    "euler_lagrange_A",
    "euler_lagrange_B",
    "evaluate_integrals",
    "lagrangian_A",
    "lagrangian_B",
    "phi",
    "psi",
    "risk_averse_shape",
]

Check = tuple[str, sp.Expr]

t = sp.Symbol("t", positive=True)
s = sp.Symbol("s", positive=True)
kappa, lam, sigma, n = sp.symbols("kappa lambda sigma n", positive=True)
c = sp.Symbol("c", real=True)
xi_a, xi_b, vol = sp.symbols("xi_A xi_B sigma_v", positive=True)

_a, _b = sp.Function("a"), sp.Function("b")
a_t, b_t = _a(t), _b(t)


def phi(r: sp.Expr, x: sp.Expr = t) -> sp.Expr:
    """``phi_r(x) = (1 - e^{-r x})/(1 - e^{-r})``, the eager shape for ``r > 0``."""
    return (1 - sp.exp(-r * x)) / (1 - sp.exp(-r))


def psi(r: sp.Expr, x: sp.Expr = t) -> sp.Expr:
    """``psi_r(x) = (e^{r x} - 1)/(e^r - 1) = phi_{-r}(x)``, back-loaded for ``r > 0``."""
    return (sp.exp(r * x) - 1) / (sp.exp(r) - 1)


def risk_averse_shape(x: sp.Expr = t) -> sp.Expr:
    """``r_sigma(x) = sinh(sigma x)/sinh(sigma)`` (E7)."""
    return sp.sinh(sigma * x) / sp.sinh(sigma)


# --- Lagrangians and their Euler–Lagrange equations -------------------------------------------

def lagrangian_A(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """A's instantaneous cost E1, ``a'(a' + lam b') + kappa a'(a + lam b)``."""
    da, db = sp.diff(a, t), sp.diff(b, t)
    return da * (da + lam * db) + kappa * da * (a + lam * b)


def lagrangian_B(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """B's instantaneous cost E2, ``lam b'(a' + lam b') + kappa lam b'(a + lam b)``."""
    da, db = sp.diff(a, t), sp.diff(b, t)
    return lam * db * (da + lam * db) + kappa * lam * db * (a + lam * b)


@cache
def _euler_lagrange(player: str, risk: bool) -> sp.Expr:
    """Left side of the Euler–Lagrange equation of A (in ``a``) or B (in ``b``), with the risk
    penalties of E48 when ``risk``."""
    if player == "A":
        lagrangian, unknown = lagrangian_A(), a_t
        penalty = xi_a * vol**2 * a_t**2
    else:
        lagrangian, unknown = lagrangian_B(), b_t
        penalty = xi_b * vol**2 * b_t**2
    (equation,) = euler_equations(lagrangian + penalty if risk else lagrangian, unknown, t)
    return sp.expand(equation.lhs)


def euler_lagrange_A(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """A's Euler–Lagrange expression (E19, derived from E1) for the strategies ``a``, ``b``."""
    return _euler_lagrange("A", False).subs({a_t: a, b_t: b}, simultaneous=True).doit()


def euler_lagrange_B(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """B's Euler–Lagrange expression (E21, derived from E2) for the strategies ``a``, ``b``."""
    return _euler_lagrange("B", False).subs({a_t: a, b_t: b}, simultaneous=True).doit()


def best_response_residuals(label: str, a: sp.Expr, b: sp.Expr, *,
                            player: str = "A") -> list[Check]:
    """``a`` (player A) or ``b`` (player B) against E19/E21 and the unit boundary conditions."""
    if player not in ("A", "B"):
        raise ValueError(f"player must be 'A' or 'B', got {player!r}")
    equation = euler_lagrange_A(a, b) if player == "A" else euler_lagrange_B(a, b)
    x = a if player == "A" else b
    return [(f"{label}: Euler–Lagrange residual", equation),
            (f"{label}: value at t = 0", x.subs(t, 0)),
            (f"{label}: value at t = 1, minus 1", x.subs(t, 1) - 1)]


# --- Closed forms ----------------------------------------------------------------------------

def _respond(x: sp.Expr, scale: sp.Expr) -> sp.Expr:
    """``t - scale [x - t + kappa (X(t) - t X(1))]`` with ``X(t) = int_0^t x`` (E20, E21)."""
    area = sp.Integral(x.subs(t, s), (s, 0, t))
    return t - scale * (x - t + kappa * (area - t * area.subs(t, 1)))


def _integrate(integral: sp.Integral) -> sp.Expr:
    """An integral of a sum of exponentials, term by term (sympy is slow on the whole sum, and
    the rates are positive symbols, so no case split for a zero rate arises)."""
    terms = sp.Add.make_args(sp.expand(integral.function))
    return sp.Add(*(sp.integrate(term, *integral.limits, conds="none") for term in terms))


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


def best_response_general(b: sp.Expr = b_t) -> sp.Expr:
    """A's best response E20 to the shape ``b`` (an unevaluated integral of ``b``)."""
    return _respond(b, lam / 2)


def best_response_B_general(a: sp.Expr = a_t) -> sp.Expr:
    """B's best response E21 (its shape) to A's strategy ``a``."""
    return _respond(a, 1 / (2 * lam))


def closed_forms() -> dict[str, sp.Expr]:
    """The chapter's closed forms, keyed by spec equation (``"E20"``, ``"E21"``, ``"E22"``,
    ``"E23"``, ``"E24"``, ``"E31 a"``, ``"E31 b"``, ``"E39"``), for display with ``sympy.latex``.
    """
    return dict(_closed_forms())


@cache
def _closed_forms() -> dict[str, sp.Expr]:
    h = (t * (sigma * sp.sinh(sigma) + kappa * (sp.cosh(sigma) - 1)) - sigma * sp.sinh(sigma * t)
         - kappa * (sp.cosh(sigma * t) - 1)) / (sigma * sp.sinh(sigma))
    plus, minus = (1 + lam) / 2, (lam - 1) / 2
    return {
        "E20": best_response_general(),
        "E21": best_response_B_general(),
        "E22": t + lam / 2 * h,
        "E23": t + lam * kappa / 4 * t * (1 - t),
        "E24": t + lam * (kappa - sigma) / (2 * sigma) * (phi(sigma) - t),
        "E31 a": plus * phi(kappa / 3) - minus * psi(kappa),
        "E31 b": (plus * phi(kappa / 3) + minus * psi(kappa)) / lam,
        "E39": phi(kappa * (n - 1) / (n + 1)),
    }


# --- Groups of checks ------------------------------------------------------------------------

@cache
def _best_responses() -> tuple[Check, ...]:
    forms = closed_forms()
    eq_a, eq_b = _euler_lagrange("A", False), _euler_lagrange("B", False)
    a2, b1, b2 = sp.diff(a_t, t, 2), sp.diff(b_t, t), sp.diff(b_t, t, 2)
    a1 = sp.diff(a_t, t)
    checks = [
        ("E19 from E1 plus (2a'' + lam (b'' + kappa b'))", eq_a + 2 * a2 + lam * (b2 + kappa * b1)),
        ("E21 from E2 plus lam (a'' + 2 lam b'' + kappa a')",
         eq_b + lam * (a2 + 2 * lam * b2 + kappa * a1)),
    ]
    ends = {_b(0): 0, _b(1): 1}
    general = best_response_general()
    checks += [(label, expr.subs(ends)) for label, expr in
               best_response_residuals("E20 for a generic b", general, b_t)]
    general_b = best_response_B_general()
    checks += [(label, expr.subs({_a(0): 0, _a(1): 1})) for label, expr in
               best_response_residuals("E21 for a generic a", a_t, general_b, player="B")]
    adversaries = {"E22": risk_averse_shape(), "E23": t, "E24": phi(sigma)}
    for key, b in adversaries.items():
        checks += best_response_residuals(key, forms[key], b)
        checks.append((f"{key} minus E20 applied to its adversary",
                       forms[key] - evaluate_integrals(best_response_general(b))))
    # The arrangement implemented in lib.competition.responses.br_risk_averse.
    g = (sp.cosh(sigma * t) - 1) / sp.sinh(sigma)
    implemented = t + lam / 2 * (t * (1 + kappa * sp.tanh(sigma / 2) / sigma)
                                 - risk_averse_shape() - kappa / sigma * g)
    checks.append(("E22 as implemented (tanh form) minus E22", implemented - forms["E22"]))
    return tuple(checks)


@cache
def _equilibrium() -> tuple[Check, ...]:
    forms = closed_forms()
    a, b = forms["E31 a"], forms["E31 b"]
    e3 = sp.exp(kappa / 3)
    bracket = e3 * (e3 + e3**2 + 1) * (lam + 1)
    waves = (lam - 1) * (sp.exp(kappa * t / 3) + sp.exp(2 * kappa * t / 3) + sp.exp(kappa * t))
    published_a = -(1 - sp.exp(-kappa * t / 3)) * (-bracket + waves) / (2 * (sp.exp(kappa) - 1))
    published_b = (1 - sp.exp(-kappa * t / 3)) * (bracket + waves) / (2 * lam * (sp.exp(kappa) - 1))
    return (
        ("E29 (A's equation) at E31", euler_lagrange_A(a, b)),
        ("E29 (B's equation) at E31", euler_lagrange_B(a, b)),
        ("E31 a(0)", a.subs(t, 0)),
        ("E31 b(0)", b.subs(t, 0)),
        ("E31 a(1) - 1", a.subs(t, 1) - 1),
        ("E31 b(1) - 1", b.subs(t, 1) - 1),
        ("E31 a minus the published expanded form", a - published_a),
        ("E31 b minus the published expanded form", b - published_b),
        ("E20 applied to b_lambda, minus a_lambda",
         as_rational(evaluate_integrals(best_response_general(b)) - a)),
        ("E21 applied to a_lambda, minus b_lambda",
         as_rational(evaluate_integrals(best_response_B_general(a)) - b)),
    )


@cache
def _n_traders() -> tuple[Check, ...]:
    # E37 with n = 4 written out: trader i's Lagrangian, the others as given functions.
    xs = [sp.Function(f"x_{j}")(t) for j in range(1, 5)]
    rates = [sp.diff(x, t) for x in xs]
    x = sp.Function("x")(t)
    rate = sp.diff(x, t)
    checks = []
    for i, xi in enumerate(xs):
        lagrangian = rates[i] * sum(rates) + kappa * rates[i] * sum(xs)
        (equation,) = euler_equations(lagrangian, xi, t)
        e38 = (sp.diff(xi, t, 2) + sum(sp.diff(y, t, 2) for y in xs)
               + kappa * sum(r for j, r in enumerate(rates) if j != i))
        checks.append((f"E38 from E37 (n = 4), trader {i + 1}", equation.lhs + e38))
    equal = equation.lhs.subs({y: x for y in xs}).doit()
    checks.append(("E38 (n = 4) for equal traders plus (5x'' + 3 kappa x')",
                   equal + 5 * sp.diff(x, t, 2) + 3 * kappa * rate))
    # Any n: the others' aggregate holding O(t) enters E37 as a given function.
    others = sp.Function("O")(t)
    lagrangian = rate * (rate + sp.diff(others, t)) + kappa * rate * (x + others)
    (equation,) = euler_equations(lagrangian, x, t)
    symmetric = equation.lhs.subs(others, (n - 1) * x).doit()
    reduced = (n + 1) * sp.diff(x, t, 2) + kappa * (n - 1) * rate
    x_n = closed_forms()["E39"]
    checks += [
        ("E37 for n equal traders plus ((n+1)x'' + kappa(n-1)x')", symmetric + reduced),
        ("E39 in (n+1)x'' + kappa(n-1)x', symbolic n", reduced.subs(x, x_n).doit()),
        ("E39 x(0)", x_n.subs(t, 0)),
        ("E39 x(1) - 1", x_n.subs(t, 1) - 1),
        ("E39 at n = 2 minus E32 (E31 at lambda = 1)",
         x_n.subs(n, 2) - closed_forms()["E31 a"].subs(lam, 1)),
        ("E39 as n -> 1, minus t", sp.limit(x_n, n, 1) - t),
        ("E39 as n -> oo, minus phi_kappa (E40)", sp.limit(x_n, n, sp.oo) - phi(kappa)),
    ]
    return tuple(checks)


@cache
def _limits() -> tuple[Check, ...]:
    forms = closed_forms()
    a, b = forms["E31 a"], forms["E31 b"]
    half = sp.Rational(1, 2)
    return (
        ("E31 a as kappa -> 0, minus t", sp.limit(a, kappa, 0) - t),
        ("E31 b as kappa -> 0, minus t", sp.limit(b, kappa, 0) - t),
        ("E31 a at lambda = 1 minus phi_(kappa/3) (E32)", a.subs(lam, 1) - phi(kappa / 3)),
        ("E31 b at lambda = 1 minus phi_(kappa/3) (E32)", b.subs(lam, 1) - phi(kappa / 3)),
        ("E31 a(1/2) as kappa -> oo, minus (lambda+1)/2 (E33)",
         sp.limit(a.subs(t, half), kappa, sp.oo) - (lam + 1) / 2),
        ("E31 b(1/2) as kappa -> oo, minus (lambda+1)/(2 lambda) (E33)",
         sp.limit(b.subs(t, half), kappa, sp.oo) - (lam + 1) / (2 * lam)),
    )


@cache
def _inverse() -> tuple[Check, ...]:
    forms = closed_forms()
    # E25/E26: E19 read as an ODE for b when A trades a = t.
    ode = euler_lagrange_A(t, b_t)
    solution = sp.dsolve(ode, b_t, ics={_b(0): 0, _b(1): 1}).rhs
    a, b = forms["E31 a"], forms["E31 b"]
    u = sp.Symbol("u", positive=True)

    def invert(x: sp.Expr, factor: sp.Expr) -> sp.Expr:
        rate = sp.diff(x, t).subs(t, u)
        memory = evaluate_integrals(sp.Integral(sp.exp(-kappa * (t - u)) * rate, (u, 0, t)))
        const = kappa * (1 + factor * memory.subs(t, 1)) / (1 - sp.exp(-kappa))
        return const * (1 - sp.exp(-kappa * t)) / kappa - factor * memory

    return (
        ("E26: dsolve of E19 with a = t, minus phi_kappa", solution - phi(kappa)),
        ("E25 integral formula at a = t, minus phi_kappa", invert(t, 2 / lam) - phi(kappa)),
        ("E27 ODE (B's E21) with a_lambda, b_lambda", euler_lagrange_B(a, b)),
        ("E27 integral formula at b_lambda, minus a_lambda", as_rational(invert(b, 2 * lam) - a)),
    )


@cache
def _risk_aversion() -> tuple[Check, ...]:
    eq_a, eq_b = _euler_lagrange("A", True), _euler_lagrange("B", True)
    a1, b1 = sp.diff(a_t, t), sp.diff(b_t, t)
    a2, b2 = sp.diff(a_t, t, 2), sp.diff(b_t, t, 2)
    e49_a = -lam / 2 * (b2 + kappa * b1) + xi_a * vol**2 * a_t
    e49_b = -(a2 + kappa * a1) / (2 * lam) + xi_b / lam**2 * vol**2 * b_t
    solved_a = sp.solve(eq_a, a2)[0]
    solved_b = sp.solve(eq_b, b2)[0]
    decoupled = sp.solve([eq_a, eq_b], [a2, b2], dict=True)[0]
    e29 = sp.solve([_euler_lagrange("A", False), _euler_lagrange("B", False)], [a2, b2],
                   dict=True)[0]
    e50_a = (kappa / 3 * a1 - 2 * lam * kappa / 3 * b1 + sp.Rational(4, 3) * xi_a * vol**2 * a_t
             - 2 * xi_b * vol**2 / (3 * lam) * b_t)
    e50_b = (kappa / 3 * b1 - 2 * kappa / (3 * lam) * a1 - 2 * xi_a * vol**2 / (3 * lam) * a_t
             + 4 * xi_b * vol**2 / (3 * lam**2) * b_t)
    return (
        ("E49 (A) from E48, minus the transcribed form", solved_a - e49_a),
        ("E49 (B) from E48, minus the transcribed form", solved_b - e49_b),
        ("E50 a'' minus E49 solved for a''", decoupled[a2] - e50_a),
        ("E50 b'' minus E49 solved for b''", decoupled[b2] - e50_b),
        ("E50 at zero volatility: a'' minus E29 solved for a''", e50_a.subs(vol, 0) - e29[a2]),
        ("E50 at zero volatility: b'' minus E29 solved for b''", e50_b.subs(vol, 0) - e29[b2]),
    )


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
    (minimiser,) = sp.solve(sp.diff(total, c), c)
    return (
        ("E52 cumulative cost minus the polynomial of §5.1", cumulative - printed),
        ("E52 C(1) minus 1 + lam + c^2/3 + kappa(1+lam)/2 - c kappa lam/6",
         total - (1 + lam + c**2 / 3 + kappa * (1 + lam) / 2 - c * kappa * lam / 6)),
        ("E52 minimiser minus lam kappa/4 (E23)", minimiser - lam * kappa / 4),
        ("E52 d2C(1)/dc2 minus 2/3 (positive: a minimum)",
         sp.diff(total, c, 2) - sp.Rational(2, 3)),
    )


_GROUPS: dict[str, Callable[[], tuple[Check, ...]]] = {
    "best responses": _best_responses,
    "equilibrium": _equilibrium,
    "n traders": _n_traders,
    "limits": _limits,
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
