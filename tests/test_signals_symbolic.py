"""lib.signals.symbolic: every residual of the chapter's sympy verification is 0, the printed
forms of the genuine errata leave non-zero residuals, wrong forms are caught, and the closed
forms reproduce independently computed reference values."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from lib.signals import symbolic
from lib.symbolic import verify_zero

C = symbolic.C
GENUINE = ("nu_V* of Section 2.4", "terminal condition of (3.4)", "c1 of Prop 3.3",
           "factor of Prop 3.5", "proof of Prop 4.1")
OCR_ONLY = ("Prop 3.1, spurious lines", "Prop 3.1, $c_5$", "Prop 3.1, $c_3$ and $c_4$",
            "Prop 3.6, $c_9$", "Section 3.3.2, loadings", "Prop 4.1, $C_t$", "(3.8)",
            "Figure 3 caption", "Section 3.3", "(4.6)", "proof of Prop 4.2, $\\Phi_t$")
GROUPS = ("derivations", "consistency", "feedback", "zero patterns", "Prop 3.3", "Prop 3.6",
          "cross-section", "drift", "price variance", "shared c5", "reductions")


def _at_random_rationals(expr: sp.Expr, seed: int = 0) -> sp.Rational:
    """``expr`` (a rational function) at random positive rationals: an exact number."""
    rng = random.Random(seed)
    values = {s: sp.Rational(rng.randint(1, 97), rng.randint(1, 89))
              for s in sorted(expr.free_symbols, key=str)}
    value = expr.subs(values)
    assert value.is_Rational, value
    return value


def test_groups_cover_every_part_of_the_paper() -> None:
    assert symbolic.GROUPS == GROUPS
    labels = [label for label, _ in symbolic.checks()]
    assert len(labels) == len(set(labels))
    assert len(labels) == sum(len(symbolic.checks(g)) for g in symbolic.GROUPS)
    for needed in ("single agent (2.1)", "shared signal (3.4)", "separate signals (3.12)",
                   "(2.2)-(2.3) c_6", "(3.6)-(3.7) c_10", "(3.14)-(3.15) c_15", "(3.9) f_2",
                   "(3.17) f_3", "Prop 3.2:", "Prop 3.5 (corrected)",
                   "separate-signals loadings: f3 minus", "Prop 2.2, mu = 0",
                   "Prop 3.3, alpha = 0", "Prop 3.6, alpha = 0, gamma = 0", "Prop 3.3: c9 = s",
                   "Prop 3.3: c1", "Prop 3.6: c9", "(4.5):", "(4.6):", "(4.7):", "(4.8):",
                   "(4.9):", "(4.1):", "(4.11):", "shared c5: c5", "reduction 1", "reduction 2",
                   "reduction 3"):
        assert any(label.startswith(needed) for label in labels), needed


def test_unknown_group_or_model_is_rejected() -> None:
    with pytest.raises(ValueError, match="group must be one of"):
        symbolic.checks("no such group")
    with pytest.raises(ValueError, match="model must be one of"):
        symbolic.transcribed_system("mean field")
    with pytest.raises(ValueError, match="model must be one of shared, separate"):
        symbolic.consistency("single")


def test_errata_are_the_genuine_defects_and_only_their_printed_forms_fail() -> None:
    errata = symbolic.errata()
    assert tuple(e.name for e in errata) == GENUINE
    for erratum in errata:
        assert erratum.statement and "\n" not in erratum.statement
        verify_zero(erratum.name, erratum.corrected)
        assert sp.simplify(erratum.printed) != 0, erratum.name
        assert _at_random_rationals(erratum.printed) != 0, erratum.name
        with pytest.raises(AssertionError, match="not 0"):
            verify_zero(erratum.name, erratum.printed)


def test_errata_residuals_are_the_expected_ones() -> None:
    by_name = {e.name: e.printed for e in symbolic.errata()}
    c5, c6, c11 = C[4], C[5], C[10]
    k, b, gamma = symbolic.k, symbolic.b, symbolic.gamma
    q, qbar, S = symbolic.q, symbolic.qbar, symbolic.S
    verify_zero("nu_V*", by_name["nu_V* of Section 2.4"] - (b - gamma) * c5 / k)
    verify_zero("(3.4)", by_name["terminal condition of (3.4)"] + q * S)
    verify_zero("Prop 3.5", by_name["factor of Prop 3.5"]
                + (2 * c6 - gamma * c11) / (2 * k) * (q - qbar))


def test_ocr_defects_are_rows_disjoint_from_the_errata() -> None:
    rows = symbolic.ocr_defects()
    assert tuple(row.where for row in rows) == OCR_ONLY
    assert not set(OCR_ONLY) & set(GENUINE)
    for where, printed, corrected in rows:
        assert printed and corrected and printed != corrected, where
    assert "2^{-2\\beta t}" in {row.where: row for row in rows}["(4.6)"].printed


def test_transcribed_systems_for_display() -> None:
    for model, n in (("single", 6), ("shared", 10), ("separate", 15)):
        system = symbolic.transcribed_system(model)
        assert list(system) == list(C[:n])
        assert list(symbolic.terminal_conditions(model)) == list(C[:n])
        assert all(sp.latex(rhs) for rhs in system.values())
    assert symbolic.terminal_conditions("shared")[C[8]] == 1
    assert symbolic.terminal_conditions("separate")[C[5]] == -symbolic.alpha
    forms = symbolic.closed_forms()
    assert {"shared c5", "Prop 3.3 c1", "Prop 3.6 c9", "(4.5)-(4.7) Sigma", "Phi"} <= set(forms)
    assert all(sp.latex(form) for form in forms.values())


def test_wrong_forms_leave_nonzero_residuals() -> None:
    c5, c8 = C[4], C[7]
    k, tau, z, omega = symbolic.k, symbolic.tau, symbolic.z, symbolic.omega
    # Prop 3.1's c5 as printed by the OCR: c5' = -c5/k.
    assert sp.expand(symbolic.derived_system("shared")[c5] + c5 / k) != 0
    # (3.9) with f2 = (c5 + c8)/kappa.
    f2 = symbolic.derive_consistency("shared")[symbolic.f2]
    assert sp.simplify(f2 - (c5 + c8) / (2 * k + symbolic.kbar)) != 0
    # Prop 3.3 c9 with the sign of the -1 in its denominator flipped.
    wrong_c9 = 2 * z / ((1 + 2 * z) * sp.exp(omega * tau) + 1)
    forms = {**dict.fromkeys(range(1, 11), sp.S.Zero), 9: wrong_c9}
    parameters = {symbolic.alpha: 0, symbolic.mu: 0}
    residual = symbolic.riccati_residual("shared", 9, forms, parameters)
    assert _at_random_rationals(residual) != 0
    with pytest.raises(AssertionError, match="not 0"):
        verify_zero("wrong c9", residual)
    # Prop 3.6 c15 with its first term doubled.
    closed = symbolic.closed_forms()
    forms = {**dict.fromkeys(range(1, 16), sp.S.Zero),
             **{i: closed[f"Prop 3.6 c{i}"] for i in (8, 9, 11, 12, 15)}}
    forms[15] -= tau / (2 * k) * sp.exp(-2 * symbolic.beta * tau)
    parameters = {symbolic.alpha: 0, symbolic.gamma: 0, symbolic.mu: 0}
    residual = symbolic.riccati_residual("separate", 15, forms, parameters)
    assert _at_random_rationals(residual) != 0
    # A missing coefficient is reported, not treated as zero.
    with pytest.raises(ValueError, match="forms must give"):
        symbolic.riccati_residual("shared", 9, {9: wrong_c9}, parameters)


def test_exp_substitution() -> None:
    tau, omega, b, kappa = symbolic.tau, symbolic.omega, symbolic.b, symbolic.kappa
    X, Y = sp.symbols("X Y", positive=True)
    atoms = {omega * tau: X, b * tau / kappa: Y}
    rate = -(2 * omega + b / kappa) * tau
    assert symbolic.exp_substitution(sp.exp(rate), atoms) == 1 / (X**2 * Y)
    assert symbolic.exp_substitution(sp.sinh(omega * tau), atoms) == (X - 1 / X) / 2
    kept = sp.exp(symbolic.beta * tau)
    assert symbolic.exp_substitution(kept, atoms) == kept


def _numeric(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    return float(sp.N(expr.subs(values), 15))


# Reference values: P3 and P6 share k, b, kappa = 2k + kbar, omega, z; P9 differs in b and eta.
_P36 = {symbolic.k: 0.005, symbolic.b: 0.01, symbolic.kappa: 0.011, symbolic.beta: 1.0,
        symbolic.omega: 1 / 11, symbolic.z: 0.005, symbolic.eta: 0.5, symbolic.rho: 0.3,
        symbolic.tau: 1.0}


@pytest.mark.parametrize(("key", "value"), [
    ("Prop 3.3 c1", 0.1225544689), ("Prop 3.3 c7", 0.1690524179), ("Prop 3.3 c9", 0.0942319366),
    ("Prop 3.6 c1", 1.7002007671), ("Prop 3.6 c8", 6.7667641618), ("Prop 3.6 c9", 4.8658766348),
    ("Prop 3.6 c11", 0.3678794412), ("Prop 3.6 c12", -0.2736475045),
    ("Prop 3.6 c15", -11.4635883787)])
def test_closed_forms_reproduce_the_reference_values(key: str, value: float) -> None:
    assert _numeric(symbolic.closed_forms()[key], _P36) == pytest.approx(value, rel=1e-9)


def test_printed_prop33_c1_gives_its_wrong_value() -> None:
    k, b, kappa, eta, tau = (symbolic.k, symbolic.b, symbolic.kappa, symbolic.eta,
                             symbolic.tau)
    s = sp.Symbol("s")
    printed = k * eta**2 / (2 * b * kappa) * sp.integrate(1 - sp.exp(-2 * b / kappa * s),
                                                          (s, 0, tau))
    assert _numeric(printed, _P36) == pytest.approx(3.06407, rel=1e-5)


def test_section4_closed_forms_reproduce_the_reference_values() -> None:
    forms = symbolic.closed_forms()
    p9 = {symbolic.k: 0.005, symbolic.beta: 1.0, symbolic.eta: 1.0, symbolic.T: 1.0,
          symbolic.t: 1.0, symbolic.Sigma_Q: 0.25, symbolic.Sigma_V: 0.0004,
          symbolic.Sigma_QV: 0.0, symbolic.rho: 0.5}
    sigma = forms["(4.5)-(4.7) Sigma"]
    for (i, j), value in (((0, 0), 607.02306), ((1, 1), 0.32430340), ((0, 1), 11.14280373)):
        assert _numeric(sigma[i, j], p9) == pytest.approx(value, rel=1e-7)
    kappa, b = 0.011, 0.05
    p9.update({symbolic.b: b, symbolic.kappa: kappa, symbolic.omega: (kappa - b) / kappa,
               symbolic.z: (kappa - b) / 0.2, symbolic.sigma: 1.0})
    integrand = forms["(4.11) integrand"]
    for rho, value in ((0.5, 1.3856096010), (0.7, 1.5581327134)):
        variance = sp.Integral(integrand.subs({**p9, symbolic.rho: rho}), (symbolic.u, 0, 1))
        assert float(variance.evalf(15)) == pytest.approx(value, rel=1e-9)
