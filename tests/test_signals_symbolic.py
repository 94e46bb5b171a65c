"""lib.signals.symbolic: every residual of the chapter's sympy verification (spec-000 §8) is 0,
the printed forms of the genuine errata leave non-zero residuals, wrong forms are caught, and
the closed forms reproduce the spec's anchors (§6)."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from lib.signals import symbolic
from lib.symbolic import verify_zero

C = symbolic.C
GENUINE = ("D1", "D3", "D8", "D11", "D17")
OCR_ONLY = ("D4", "D5", "D6", "D12", "D13", "D14", "D16", "D18")


def _at_random_rationals(expr: sp.Expr, seed: int = 0) -> sp.Rational:
    """``expr`` (a rational function) at random positive rationals: an exact number."""
    rng = random.Random(seed)
    values = {s: sp.Rational(rng.randint(1, 97), rng.randint(1, 89))
              for s in sorted(expr.free_symbols, key=str)}
    value = expr.subs(values)
    assert value.is_Rational, value
    return value


def test_groups_cover_s1_to_s10() -> None:
    assert symbolic.GROUPS == (*(f"S{i}" for i in range(1, 11)), "E34")
    labels = [label for label, _ in symbolic.checks()]
    assert len(labels) == len(set(labels))
    assert len(labels) == sum(len(symbolic.checks(g)) for g in symbolic.GROUPS)
    for needed in ("E4 (2.1)", "E13 (3.4)", "E27 (3.12)", "E6 c_6", "E16 c_10", "E29 c_15",
                   "E18 (3.9) f_2", "E31 (3.17) f_3", "E19 (Prop 3.2)", "E32 (Prop 3.5",
                   "E33: f3 minus", "E9 (Prop 2.2)", "E22 (Prop 3.3)", "E35 (Prop 3.6)",
                   "E23 (Prop 3.3): c9", "E23 (Prop 3.3): c1", "E36 (Prop 3.6): c9",
                   "E44 (4.5)", "E44 (4.6)", "E44 (4.7)", "E40 (4.8)", "E40 (4.9)",
                   "E46 (4.1)", "E46 (4.11)", "E21: c5", "E34.2"):
        assert any(label.startswith(needed) for label in labels), needed


def test_unknown_group_or_model_is_rejected() -> None:
    with pytest.raises(ValueError, match="group must be one of"):
        symbolic.checks("S11")
    with pytest.raises(ValueError, match="model must be one of"):
        symbolic.transcribed_system("mean field")
    with pytest.raises(ValueError, match="model must be one of shared, separate"):
        symbolic.consistency("single")


def test_errata_are_the_genuine_defects_and_only_their_printed_forms_fail() -> None:
    errata = symbolic.errata()
    assert tuple(e.id for e in errata) == GENUINE
    for erratum in errata:
        assert erratum.statement and "\n" not in erratum.statement
        verify_zero(erratum.id, erratum.corrected)
        assert sp.simplify(erratum.printed) != 0, erratum.id
        assert _at_random_rationals(erratum.printed) != 0, erratum.id
        with pytest.raises(AssertionError, match="not 0"):
            verify_zero(erratum.id, erratum.printed)


def test_errata_residuals_are_the_ones_the_spec_states() -> None:
    by_id = {e.id: e.printed for e in symbolic.errata()}
    c5, c6, c11 = C[4], C[5], C[10]
    k, b, gamma = symbolic.k, symbolic.b, symbolic.gamma
    q, qbar, S = symbolic.q, symbolic.qbar, symbolic.S
    verify_zero("D1", by_id["D1"] - (b - gamma) * c5 / k)
    verify_zero("D3", by_id["D3"] + q * S)
    verify_zero("D11", by_id["D11"] + (2 * c6 - gamma * c11) / (2 * k) * (q - qbar))


def test_ocr_defects_are_rows_disjoint_from_the_errata() -> None:
    rows = symbolic.ocr_defects()
    assert tuple(row.id for row in rows) == OCR_ONLY
    assert not set(OCR_ONLY) & set(GENUINE)
    for defect_id, printed, corrected in rows:
        assert printed and corrected and printed != corrected, defect_id
    assert "2^{-2\\beta t}" in {row.id: row for row in rows}["D16"].printed


def test_transcribed_systems_for_display() -> None:
    for model, n in (("single", 6), ("shared", 10), ("separate", 15)):
        system = symbolic.transcribed_system(model)
        assert list(system) == list(C[:n])
        assert list(symbolic.terminal_conditions(model)) == list(C[:n])
        assert all(sp.latex(rhs) for rhs in system.values())
    assert symbolic.terminal_conditions("shared")[C[8]] == 1
    assert symbolic.terminal_conditions("separate")[C[5]] == -symbolic.alpha
    forms = symbolic.closed_forms()
    assert {"E21 c5", "E23 c1", "E36 c9", "E44 Sigma", "E46 Phi"} <= set(forms)
    assert all(sp.latex(form) for form in forms.values())


def test_wrong_forms_leave_nonzero_residuals() -> None:
    c5, c8 = C[4], C[7]
    k, tau, z, omega = symbolic.k, symbolic.tau, symbolic.z, symbolic.omega
    # D5 as printed by the OCR: c5' = -c5/k.
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
             **{i: closed[f"E36 c{i}"] for i in (8, 9, 11, 12, 15)}}
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


# Spec §6 anchors: P3 and P6 share k, b, kappa = 2k + kbar, omega, z; P9 differs in b and eta.
_P36 = {symbolic.k: 0.005, symbolic.b: 0.01, symbolic.kappa: 0.011, symbolic.beta: 1.0,
        symbolic.omega: 1 / 11, symbolic.z: 0.005, symbolic.eta: 0.5, symbolic.rho: 0.3,
        symbolic.tau: 1.0}


@pytest.mark.parametrize(("key", "value"), [
    ("E23 c1", 0.1225544689), ("E23 c7", 0.1690524179), ("E23 c9", 0.0942319366),
    ("E36 c1", 1.7002007671), ("E36 c8", 6.7667641618), ("E36 c9", 4.8658766348),
    ("E36 c11", 0.3678794412), ("E36 c12", -0.2736475045), ("E36 c15", -11.4635883787)])
def test_closed_forms_reproduce_the_spec_anchors(key: str, value: float) -> None:
    assert _numeric(symbolic.closed_forms()[key], _P36) == pytest.approx(value, rel=1e-9)


def test_printed_prop33_c1_gives_the_spec_value() -> None:
    k, b, kappa, eta, tau = (symbolic.k, symbolic.b, symbolic.kappa, symbolic.eta,
                             symbolic.tau)
    s = sp.Symbol("s")
    printed = k * eta**2 / (2 * b * kappa) * sp.integrate(1 - sp.exp(-2 * b / kappa * s),
                                                          (s, 0, tau))
    assert _numeric(printed, _P36) == pytest.approx(3.06407, rel=1e-5)


def test_section4_closed_forms_reproduce_the_spec_anchors() -> None:
    forms = symbolic.closed_forms()
    p9 = {symbolic.k: 0.005, symbolic.beta: 1.0, symbolic.eta: 1.0, symbolic.T: 1.0,
          symbolic.t: 1.0, symbolic.Sigma_Q: 0.25, symbolic.Sigma_V: 0.0004,
          symbolic.Sigma_QV: 0.0, symbolic.rho: 0.5}
    sigma = forms["E44 Sigma"]
    for (i, j), value in (((0, 0), 607.02306), ((1, 1), 0.32430340), ((0, 1), 11.14280373)):
        assert _numeric(sigma[i, j], p9) == pytest.approx(value, rel=1e-7)
    kappa, b = 0.011, 0.05
    p9.update({symbolic.b: b, symbolic.kappa: kappa, symbolic.omega: (kappa - b) / kappa,
               symbolic.z: (kappa - b) / 0.2, symbolic.sigma: 1.0})
    integrand = forms["E46 (4.11) integrand"]
    for rho, value in ((0.5, 1.3856096010), (0.7, 1.5581327134)):
        variance = sp.Integral(integrand.subs({**p9, symbolic.rho: rho}), (symbolic.u, 0, 1))
        assert float(variance.evalf(15)) == pytest.approx(value, rel=1e-9)
