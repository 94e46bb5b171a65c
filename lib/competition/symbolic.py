"""Symbolic verification of position building in competition, as data.

Every check is a pair ``(label, residual)`` whose residual must simplify to 0; the chapter
passes each to ``lib.symbolic.verify_zero`` and the tests assert the same. Labels cite the
paper's equation numbers. The Euler–Lagrange equations are derived from the Lagrangians, paper
(1), (2), (29) and (55)–(56), with ``sympy.euler_equations``, never typed in, and the closed
forms are substituted into them.
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
def _euler_lagrange(player: str, risk: bool) -> sp.Expr:
    """Left side of the Euler–Lagrange equation of A (in ``a``) or B (in ``b``), with the risk
    penalties of paper (55)–(56) when ``risk``."""
    if player == "A":
        lagrangian, unknown = lagrangian_A(), a_t
        penalty = xi_a * vol**2 * a_t**2
    else:
        lagrangian, unknown = lagrangian_B(), b_t
        penalty = xi_b * vol**2 * b_t**2
    (equation,) = euler_equations(lagrangian + penalty if risk else lagrangian, unknown, t)
    return sp.expand(equation.lhs)


def euler_lagrange_A(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """A's Euler–Lagrange expression (paper (12), derived from (1)) for the strategies ``a``,
    ``b``."""
    return _euler_lagrange("A", False).subs({a_t: a, b_t: b}, simultaneous=True).doit()


def euler_lagrange_B(a: sp.Expr = a_t, b: sp.Expr = b_t) -> sp.Expr:
    """B's Euler–Lagrange expression (paper (23), derived from (2)) for the strategies ``a``,
    ``b``."""
    return _euler_lagrange("B", False).subs({a_t: a, b_t: b}, simultaneous=True).doit()


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


# --- Groups of checks ------------------------------------------------------------------------

@cache
def _best_responses() -> tuple[Check, ...]:
    forms = closed_forms()
    eq_a, eq_b = _euler_lagrange("A", False), _euler_lagrange("B", False)
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
def _limits() -> tuple[Check, ...]:
    forms = closed_forms()
    a, b = forms["a_lambda"], forms["b_lambda"]
    half = sp.Rational(1, 2)
    return (
        ("equilibrium a as kappa -> 0, minus t", sp.limit(a, kappa, 0) - t),
        ("equilibrium b as kappa -> 0, minus t", sp.limit(b, kappa, 0) - t),
        ("equilibrium a at lambda = 1 minus phi_(kappa/3) (28)",
         a.subs(lam, 1) - phi(kappa / 3)),
        ("equilibrium b at lambda = 1 minus phi_(kappa/3) (28)",
         b.subs(lam, 1) - phi(kappa / 3)),
        ("equilibrium a(1/2) as kappa -> oo, minus (lambda+1)/2",
         sp.limit(a.subs(t, half), kappa, sp.oo) - (lam + 1) / 2),
        ("equilibrium b(1/2) as kappa -> oo, minus (lambda+1)/(2 lambda)",
         sp.limit(b.subs(t, half), kappa, sp.oo) - (lam + 1) / (2 * lam)),
    )


@cache
def _inverse() -> tuple[Check, ...]:
    forms = closed_forms()
    # A's equation (12) read as an ODE for b when A trades a = t (paper (37)-(38)).
    ode = euler_lagrange_A(t, b_t)
    solution = sp.dsolve(ode, b_t, ics={_b(0): 0, _b(1): 1}).rhs
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


@cache
def _risk_aversion() -> tuple[Check, ...]:
    eq_a, eq_b = _euler_lagrange("A", True), _euler_lagrange("B", True)
    a1, b1 = sp.diff(a_t, t), sp.diff(b_t, t)
    a2, b2 = sp.diff(a_t, t, 2), sp.diff(b_t, t, 2)
    coupled_a = -lam / 2 * (b2 + kappa * b1) + xi_a * vol**2 * a_t
    coupled_b = -(a2 + kappa * a1) / (2 * lam) + xi_b / lam**2 * vol**2 * b_t
    solved_a = sp.solve(eq_a, a2)[0]
    solved_b = sp.solve(eq_b, b2)[0]
    decoupled = sp.solve([eq_a, eq_b], [a2, b2], dict=True)[0]
    plain = sp.solve([_euler_lagrange("A", False), _euler_lagrange("B", False)], [a2, b2],
                     dict=True)[0]
    decoupled_a = (kappa / 3 * a1 - 2 * lam * kappa / 3 * b1
                   + sp.Rational(4, 3) * xi_a * vol**2 * a_t - 2 * xi_b * vol**2 / (3 * lam) * b_t)
    decoupled_b = (kappa / 3 * b1 - 2 * kappa / (3 * lam) * a1
                   - 2 * xi_a * vol**2 / (3 * lam) * a_t + 4 * xi_b * vol**2 / (3 * lam**2) * b_t)
    return (
        ("A's risk-averse equation from the losses (55)-(56), minus the transcribed (57)-(60)",
         solved_a - coupled_a),
        ("B's risk-averse equation from the losses (55)-(56), minus the transcribed (57)-(60)",
         solved_b - coupled_b),
        ("decoupled a'' minus (57)-(60) solved for a''", decoupled[a2] - decoupled_a),
        ("decoupled b'' minus (57)-(60) solved for b''", decoupled[b2] - decoupled_b),
        ("decoupled a'' at zero volatility minus (22)-(23) solved for a''",
         decoupled_a.subs(vol, 0) - plain[a2]),
        ("decoupled b'' at zero volatility minus (22)-(23) solved for b''",
         decoupled_b.subs(vol, 0) - plain[b2]),
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
