"""lib.competition.symbolic: every residual of the chapter's sympy verification is 0, the
checks can fail, and the displayed closed forms agree with the numerical library."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from lib.competition import symbolic
from lib.competition.equilibrium import (
    equilibrium_cost,
    equilibrium_strategies,
    n_trader_equilibrium,
)
from lib.competition.responses import br_eager, br_risk_averse, br_risk_neutral
from lib.symbolic import verify_zero


def test_groups_cover_the_required_checks() -> None:
    labels = [label for label, _ in symbolic.checks()]
    assert len(labels) == len(set(labels))
    assert len(labels) == sum(len(symbolic.checks(group)) for group in symbolic.GROUPS)
    for needed in ("A's equation (12) from its cost (1)", "B's equation (23) from its cost (2)",
                   "best response to a generic b:", "B's best response to a generic a:",
                   "best response to r_sigma (13)-(16):", "best response to t (17)-(18):",
                   "best response to phi_sigma (19):", "A's equation (22) at the equilibrium",
                   "B's equation (23) at the equilibrium", "best response to b_lambda",
                   "B's best response to a_lambda", "n-trader equation (30) from the loss (29)",
                   "x_n (31) in (n+1)x''", "x_n (31) at n = 2", "x_n (31) as n -> 1",
                   "x_n (31) as n -> oo", "equilibrium a as kappa -> 0", "decoupled a''",
                   "parabola: minimiser", "inverse of a = t: dsolve", "B-side inverse ODE",
                   "cost (pb-equilibrium-cost): I_11", "cost (pb-equilibrium-cost): K_12",
                   "cost (pb-equilibrium-cost): Temp", "cost (pb-equilibrium-cost): Perm",
                   "a'' from the Euler-Lagrange equations of the losses (55)-(56)",
                   "solver's M minus M from the Euler-Lagrange equations",
                   "A's derived equation (penalty on B's shape)"):
        assert any(label.startswith(needed) for label in labels), needed


def test_unknown_group_is_rejected() -> None:
    with pytest.raises(ValueError, match="group must be one of"):
        symbolic.checks("nonsense")
    with pytest.raises(ValueError, match="penalise must be one of"):
        symbolic.risk_aversion_matrix("risk")


def _nonzero(residual: sp.Expr) -> bool:
    return sp.simplify(residual) != 0 and sp.simplify(sp.expand(residual.rewrite(sp.exp))) != 0


def test_wrong_closed_forms_leave_nonzero_residuals() -> None:
    t, kappa, lam = symbolic.t, symbolic.kappa, symbolic.lam
    forms = symbolic.closed_forms()
    # The best response to t, paper (17)-(18), with lam kappa/2 in place of lam kappa/4.
    wrong = t + lam * kappa / 2 * t * (1 - t)
    (_, equation), *_ = symbolic.best_response_residuals("wrong response to t", wrong, t)
    assert _nonzero(equation)
    with pytest.raises(AssertionError, match="not 0"):
        verify_zero("wrong response to t", equation)
    # The equilibrium, paper (26)-(27), with the sign of the back-loaded term flipped in a.
    a, b = forms["a_lambda"], forms["b_lambda"]
    flipped = (1 + lam) / 2 * symbolic.phi(kappa / 3) + (lam - 1) / 2 * symbolic.psi(kappa)
    assert _nonzero(symbolic.euler_lagrange_A(flipped, b))
    assert _nonzero(symbolic.euler_lagrange_B(flipped, b))
    assert _nonzero(symbolic.euler_lagrange_A(a, b.subs(lam, 2 * lam)))
    # The response to t plus 1/10 solves A's equation (12) against b = t but misses both
    # boundary conditions.
    shifted = forms["best response to t"] + sp.Rational(1, 10)
    residuals = symbolic.best_response_residuals("shifted response to t", shifted, t)
    assert [r for _, r in residuals] == [0, sp.Rational(1, 10), sp.Rational(1, 10)]


def test_as_rational_keeps_nonzero_expressions_nonzero() -> None:
    t, kappa = symbolic.t, symbolic.kappa
    expr = sp.exp(kappa * (t - 1)) - sp.exp(kappa * t) * sp.exp(-kappa / 3)
    assert sp.simplify(symbolic.as_rational(expr)) != 0
    assert symbolic.as_rational(sp.exp(symbolic.sigma * t)) == sp.exp(symbolic.sigma * t)


def test_evaluate_integrals_gives_antiderivatives() -> None:
    """Term-by-term integration: the evaluated integral vanishes at t = 0 and its derivative is
    the integrand, for rates of both signs, a hyperbolic term and a polynomial one."""
    t, s, kappa, sigma = symbolic.t, symbolic.s, symbolic.kappa, symbolic.sigma
    integrand = ((3 * sp.exp(-kappa * s / 3) - sp.sinh(sigma * s)) / (1 - sp.exp(-kappa))
                 + sp.exp(kappa * (2 * s - t)) + s**2)
    value = symbolic.evaluate_integrals(sp.Integral(integrand, (s, 0, t)))
    assert not value.has(sp.Integral)
    assert sp.simplify(value.subs(t, 0)) == 0
    derivative = sp.diff(value, t) - sp.diff(sp.Integral(integrand, (s, 0, t)), t).doit()
    assert sp.simplify(sp.expand(derivative.rewrite(sp.exp))) == 0


def test_limits_at_zero_term_by_term() -> None:
    """The term-by-term limit finds phi's limit t and does not hide a divergent term."""
    t, kappa = symbolic.t, symbolic.kappa
    assert symbolic._at_zero(3 * symbolic.phi(kappa) + 2, kappa) == 3 * t + 2
    assert symbolic._at_zero(symbolic.phi(kappa) + 1 / kappa, kappa).has(sp.oo)


def _numeric(expr: sp.Expr, **values: float):
    subs = {getattr(symbolic, k): v for k, v in values.items()}
    return sp.lambdify(symbolic.t, expr.subs(subs), "numpy")


def test_closed_forms_match_the_library() -> None:
    t = np.linspace(0.0, 1.0, 11)
    forms = symbolic.closed_forms()
    a, b = equilibrium_strategies(kappa=5.0, lam=3.0)
    np.testing.assert_allclose(_numeric(forms["a_lambda"], kappa=5, lam=3)(t), a(t),
                               atol=1e-13)
    np.testing.assert_allclose(_numeric(forms["b_lambda"], kappa=5, lam=3)(t), b(t),
                               atol=1e-13)
    np.testing.assert_allclose(_numeric(forms["best response to r_sigma"], kappa=1, lam=5,
                                        sigma=3)(t),
                               br_risk_averse(3.0, kappa=1.0, lam=5.0)(t), atol=1e-13)
    np.testing.assert_allclose(_numeric(forms["best response to t"], kappa=2, lam=5)(t),
                               br_risk_neutral(kappa=2.0, lam=5.0)(t), atol=1e-13)
    np.testing.assert_allclose(_numeric(forms["best response to phi_sigma"], kappa=0.5, lam=4,
                                        sigma=2)(t),
                               br_eager(2.0, kappa=0.5, lam=4.0)(t), atol=1e-13)
    np.testing.assert_allclose(_numeric(forms["x_n"], kappa=10, n=7)(t),
                               n_trader_equilibrium(t, kappa=10.0, n=7), atol=1e-13)
    for key in ("best response", "best response of B", "a_lambda", "x_n"):
        assert sp.latex(forms[key])


def test_solver_matrix_checks_come_before_the_transcription() -> None:
    labels = [label for label, _ in symbolic.checks("risk aversion")]
    solver = [i for i, label in enumerate(labels) if label.startswith("solver's M")]
    transcribed = [i for i, label in enumerate(labels) if "as transcribed" in label]
    assert len(solver) == 8 and len(transcribed) == 2
    assert max(solver) < min(transcribed)
    assert sum("holding" in labels[i] for i in solver) == 4


def test_wrong_cost_formula_leaves_nonzero_residuals() -> None:
    """A wrong entry of (pb-equilibrium-cost) or a wrong weight is caught."""
    kappa, w, t = symbolic.kappa, symbolic.w, symbolic.t
    shape = symbolic.phi(kappa / 3)
    wrong_i11 = kappa / 6 * sp.coth(kappa / 3)
    integral = symbolic._unit_integral(sp.diff(shape, t) ** 2)
    assert sp.cancel(symbolic._in_sixths(wrong_i11 - integral)) != 0
    forms = symbolic.closed_forms()
    a, b = forms["a_lambda"], forms["b_lambda"]
    direct = symbolic._unit_integral(sp.diff(a, t) * (sp.diff(a, t) + w * sp.diff(b, t)))
    wrong_temp = symbolic.equilibrium_cost_forms()["temp"].subs(w, 2 * w)
    assert sp.cancel(symbolic._in_sixths(wrong_temp - direct)) != 0
    with pytest.raises(ValueError, match="not a sum of exponentials"):
        symbolic._unit_integral(sp.exp(symbolic.sigma * t))


@pytest.mark.parametrize("kappa", [0.1, 1.0, 25.0, 100.0])
@pytest.mark.parametrize("lam", [1.0, 5.0, 25.0])
@pytest.mark.parametrize("weight", [None, 1.0])
def test_equilibrium_cost_forms_match_the_library(kappa: float, lam: float,
                                                  weight: float | None) -> None:
    """The closed form (pb-equilibrium-cost), evaluated in 30 digits, against
    ``equilibrium_cost``."""
    forms = symbolic.equilibrium_cost_forms()
    args = (symbolic.kappa, symbolic.lam, symbolic.w)
    cost = equilibrium_cost(kappa=kappa, lam=lam, weight=weight)
    with mpmath.workdps(30):
        for name, value in (("temp", cost.temp), ("perm", cost.perm)):
            exact = sp.lambdify(args, forms[name], "mpmath")(
                mpmath.mpf(kappa), mpmath.mpf(lam), mpmath.mpf(lam if weight is None else weight))
            assert abs(value - exact) <= 1e-12 * abs(exact), (name, value, exact)
