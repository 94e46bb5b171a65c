"""lib.symbolic: the checks shown in the pages must be able to fail. Every chapter's sympy
verification itself runs, group by group, when nbval executes the chapter's golden."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from lib.symbolic import (
    ErrorTable,
    residual_table,
    tolerance_text,
    verdict,
    verify_equal,
    verify_true,
    verify_zero,
    within,
)

x = sp.symbols("x", positive=True)


def test_verify_zero_prints_and_passes(capsys) -> None:
    verify_zero("identity", sp.sinh(x) ** 2 - sp.cosh(x) ** 2 + 1)
    verify_equal("double angle", sp.sinh(2 * x), 2 * sp.sinh(x) * sp.cosh(x))
    verify_true("positive", x + 1 > 0)
    assert capsys.readouterr().out.splitlines() == ["identity: 0", "double angle: 0",
                                                    "positive: True"]


def test_verify_zero_fails_on_a_nonzero_residual() -> None:
    with pytest.raises(AssertionError, match="not 0"):
        verify_zero("wrong", sp.sinh(x) ** 2 - sp.cosh(x) ** 2)
    with pytest.raises(AssertionError):
        verify_true("false", sp.Integer(1) < 0)


@pytest.mark.parametrize(("tolerance", "text"), [(1e-10, "1e-10"), (5e-4, "5e-4"),
                                                 (2.5e-12, "2.5e-12"), (0.01, "0.01"),
                                                 (1.0, "1"), (1e4, "1e4")])
def test_tolerance_text(tolerance: float, text: str) -> None:
    assert tolerance_text(tolerance) == text


@pytest.mark.parametrize("tolerance", [0.0, -1e-8, np.inf, np.nan])
def test_tolerance_must_be_a_positive_number(tolerance: float) -> None:
    with pytest.raises(ValueError, match="tolerance must be"):
        tolerance_text(tolerance)


def test_verdict_shows_the_tolerance_never_the_error() -> None:
    """Errors that differ only by round-off print the same text."""
    assert verdict(3.2e-16, 1e-12) == verdict(0.0, 1e-12) == verdict(1e-12, 1e-12) == "≤ 1e-12 ✓"
    assert verdict(2.0e-9, 1e-10) == "2.0e-9 > 1e-10 ✗"
    assert verdict(np.nan, 1e-10).endswith("✗")


def test_within_prints_the_verdict_and_fails_above_the_tolerance(capsys) -> None:
    within("spread", 4e-15, 1e-10)
    assert capsys.readouterr().out == "spread: ≤ 1e-10 ✓\n"
    with pytest.raises(AssertionError, match=re.escape("spread: 3.0e-9 > 1e-10 ✗")):
        within("spread", 3e-9, 1e-10)
    with pytest.raises(AssertionError):
        within("spread", np.nan, 1e-10)


def test_error_table_shows_verdicts_and_checks_every_entry() -> None:
    table = ErrorTable()
    closed = np.array([1.0, 2.0, 4.0])
    table.add("coarse", "a", closed, closed * (1 + 1e-3), tolerance=1e-2)
    table.add("fine", "a", closed, closed * (1 + 1e-10), tolerance=1e-8)
    table.add("fine", "q", np.zeros(3), np.array([0.0, 1e-9, 0.0]), scale=1.0, tolerance=1e-8)
    table.check()
    text = table.markdown(label="demo-ext-errors", caption="Addition: demo")
    assert ":name: demo-ext-errors" in text
    assert "| coarse | ≤ 0.01 ✓ |  |" in text
    assert "| fine | ≤ 1e-8 ✓ | ≤ 1e-8 ✓ |" in text
    table.add("fine", "b", closed, closed * (1 + 1e-6), tolerance=1e-8)
    assert "1.0e-6 > 1e-8 ✗" in table.markdown(label="demo-ext-errors", caption="Addition: demo")
    with pytest.raises(AssertionError, match=re.escape("b (fine) 1.0e-6 > 1e-8 ✗")):
        table.check()


def test_error_table_requires_a_tolerance() -> None:
    with pytest.raises(TypeError):
        ErrorTable().add("c", "q", np.ones(2), np.ones(2))


def test_error_table_needs_a_scale_where_the_closed_form_vanishes() -> None:
    with pytest.raises(ValueError, match="scale"):
        ErrorTable().add("c", "q", np.zeros(2), np.array([0.0, 1e-12]), tolerance=1e-8)


def test_exact_rewriting_first_is_the_callers_choice(capsys) -> None:
    """``exact_first`` settles a sum of exponentials by rewriting; a nonzero residual still
    fails after the ``simplify`` fallback."""
    x = sp.Symbol("x", positive=True)
    verify_zero("cosh", sp.cosh(x) - (sp.exp(x) + sp.exp(-x)) / 2, exact_first=True)
    assert capsys.readouterr().out == "cosh: 0\n"
    with pytest.raises(AssertionError, match="not 0"):
        verify_zero("off by one", sp.exp(x) * sp.exp(-x), exact_first=True)


def test_residual_table_has_one_row_per_check(capsys) -> None:
    checks = [("identity", sp.sinh(x) ** 2 - sp.cosh(x) ** 2 + 1),
              ("double angle", sp.sinh(2 * x) - 2 * sp.sinh(x) * sp.cosh(x)),
              ("cosh", sp.cosh(x) - (sp.exp(x) + sp.exp(-x)) / 2)]
    text = residual_table(checks, label="demo-ext-residuals", caption="Addition: demo")
    assert capsys.readouterr().out == ""
    assert text.startswith(":::{table} Addition: demo\n:name: demo-ext-residuals\n")
    body = text.splitlines()[3:-1]
    assert body == ["| check | residual |", "|---|---|", "| identity | $0$ |",
                    "| double angle | $0$ |", "| cosh | $0$ |"]
    assert residual_table(checks, label="demo-ext-residuals", caption="Addition: demo",
                          exact_first=True) == text


def test_residual_table_fails_naming_every_wrong_check() -> None:
    checks = [("wrong sign", sp.sinh(x) ** 2 - sp.cosh(x) ** 2 - 1),
              ("identity", sp.sinh(x) ** 2 - sp.cosh(x) ** 2 + 1),
              ("off by one", sp.exp(x) * sp.exp(-x))]
    with pytest.raises(AssertionError, match="2 of 3") as failure:
        residual_table(checks, label="demo-ext-residuals", caption="Addition: demo")
    message = str(failure.value)
    assert "wrong sign: -2" in message
    assert "off by one: 1" in message
    assert "identity" not in message
    with pytest.raises(ValueError, match="at least one"):
        residual_table([], label="demo-ext-residuals", caption="Addition: demo")


def test_residual_table_escapes_pipes_in_labels() -> None:
    text = residual_table([("|x| = x for x > 0", sp.Abs(x) - x)], label="demo-ext-residuals",
                          caption="Addition: demo")
    assert r"| \|x\| = x for x > 0 | $0$ |" in text.splitlines()
