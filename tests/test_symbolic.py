"""lib.symbolic: the checks shown in the pages must be able to fail, and every chapter's sympy
verification passes."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lib.competition import symbolic as competition
from lib.dynamic_trading import symbolic as dynamic_trading
from lib.liquidity_pools import symbolic as liquidity_pools
from lib.signals import symbolic as signals
from lib.symbolic import ErrorTable, decade_bound, verify_equal, verify_true, verify_zero

x = sp.symbols("x", positive=True)
CHAPTER_CHECKS = [pytest.param(module, group, id=f"{module.__name__.split('.')[1]}-{group}")
                  for module in (signals, dynamic_trading, competition, liquidity_pools)
                  for group in module.GROUPS]


@pytest.mark.parametrize(("module", "group"), CHAPTER_CHECKS)
def test_every_chapter_residual_simplifies_to_zero(module, group: str, capsys) -> None:
    """Each group of a chapter's sympy verification, run as the chapter runs it."""
    checks = module.checks(group)
    assert checks
    for label, residual in checks:
        verify_zero(label, residual)
    assert capsys.readouterr().out.splitlines() == [f"{label}: 0" for label, _ in checks]


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


@pytest.mark.parametrize(("error", "text"), [(0.0, "0"), (3.2e-13, "1e-12"), (1e-12, "1e-12"),
                                             (0.9, "1e0"), (12.0, "1e2")])
def test_decade_bound(error: float, text: str) -> None:
    assert decade_bound(error) == text


def test_error_table_checks_only_required_cases() -> None:
    table = ErrorTable()
    closed = np.array([1.0, 2.0, 4.0])
    table.add("info", "a", closed, closed * (1 + 1e-3))
    table.add("required", "a", closed, closed * (1 + 1e-10), tolerance=1e-8)
    table.add("required", "q", np.zeros(3), np.array([0.0, 1e-9, 0.0]), scale=1.0, tolerance=1e-8)
    table.check()
    text = table.markdown(label="demo-ext-errors", caption="Addition: demo")
    assert ":name: demo-ext-errors" in text
    assert "| info | ≤ 1e-3 |  | — | — |" in text
    assert "| required | ≤ 1e-9 | ≤ 1e-9 | ≤ 1e-8 | yes |" in text
    table.add("required", "b", closed, closed * (1 + 1e-6), tolerance=1e-8)
    with pytest.raises(AssertionError, match="b \\(required\\)"):
        table.check()


def test_error_table_needs_a_scale_where_the_closed_form_vanishes() -> None:
    with pytest.raises(ValueError, match="scale"):
        ErrorTable().add("c", "q", np.zeros(2), np.array([0.0, 1e-12]))
