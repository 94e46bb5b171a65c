"""lib.sine_basis: direct minimisation of quadratic functionals over sine series."""

from __future__ import annotations

import numpy as np
import pytest

from lib import sine_basis


def _linear(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return s, np.ones_like(s), np.zeros_like(s)


def test_pure_kinetic_cost_keeps_the_straight_line() -> None:
    path = sine_basis.minimise_quadratic(_linear, T=1.0, n_modes=8, alpha=1.0)
    assert np.allclose(path.coefficients, 0.0, atol=1e-14)


def test_converges_to_the_euler_lagrange_solution_like_n_squared() -> None:
    """min int x'^2 + 4 x^2 with x(0) = 0, x(1) = 1 is sinh(2t)/sinh(2)."""
    t = np.linspace(0.0, 1.0, 201)
    exact = np.sinh(2.0 * t) / np.sinh(2.0)
    errors = [np.max(np.abs(sine_basis.minimise_quadratic(
        _linear, T=1.0, n_modes=n, alpha=1.0, beta=4.0).evaluate(t)[0] - exact))
        for n in (16, 32, 64)]
    assert errors[2] < 1e-4
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.1)
    assert errors[1] / errors[2] == pytest.approx(4.0, rel=0.1)


def test_null_lagrangian_term_changes_nothing() -> None:
    a = sine_basis.minimise_quadratic(_linear, T=2.0, n_modes=20, alpha=1.0, beta=1.0)
    b = sine_basis.minimise_quadratic(_linear, T=2.0, n_modes=20, alpha=1.0, beta=1.0,
                                      gamma=50.0)
    assert np.allclose(a.coefficients, b.coefficients, rtol=0, atol=1e-12)


def test_rejects_a_non_convex_problem() -> None:
    with pytest.raises(ValueError, match=r"^alpha must be > 0"):
        sine_basis.minimise_quadratic(_linear, T=1.0, n_modes=4, alpha=0.0)
