"""lib.competition.quadrature: running integrals at many times, accuracy and memory."""

from __future__ import annotations

import tracemalloc

import mpmath
import numpy as np
import pytest

from lib.competition import quadrature
from lib.competition import strategies as st
from lib.competition.responses import best_response

RATES = [1.0, 3.0, 10.0, 50.0, 200.0, 500.0]
# Unsorted, two-dimensional, with both ends, repeated values and times inside the boundary
# layers (within 1/500 of either end).
TIMES = np.array([[0.7, 0.0, 1e-4, 0.3, 1.0, 0.0],
                  [0.999, 0.3, 1.0, 2e-3, 0.5, 1.0 - 1e-5]])


def _decay(rate: float) -> tuple:
    """``rate e^{-rate s}`` and its integral from 0, ``1 - e^{-rate t}``."""
    return lambda s: rate * np.exp(-rate * s), lambda t: -np.expm1(-rate * t)


def _growth(rate: float) -> tuple:
    """``rate e^{rate (s - 1)}`` and its integral from 0, ``e^{rate (t - 1)} - e^{-rate}``."""
    return (lambda s: rate * np.exp(rate * (s - 1.0)),
            lambda t: np.exp(rate * (t - 1.0)) * -np.expm1(-rate * t))


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("shape", [_decay, _growth], ids=["layer at 0", "layer at 1"])
def test_cumulative_matches_the_antiderivative(rate: float, shape) -> None:
    f, F = shape(rate)
    got = quadrature.cumulative(f, TIMES)
    assert got.shape == TIMES.shape
    assert np.allclose(got, F(TIMES), rtol=1e-13, atol=0.0)
    assert np.all(got[TIMES == 0.0] == 0.0)
    assert np.array_equal(got[0, 3], got[1, 1])  # t = 0.3, twice


def test_cumulative_of_many_times_matches_mpmath() -> None:
    """10,001 times in a shuffled order; spot values against a 30-digit quadrature."""
    sigma = 500.0
    t = np.random.default_rng(0).permutation(np.linspace(0.0, 1.0, 10001))
    got = quadrature.cumulative(st.risk_averse(sigma), t)
    mpmath.mp.dps = 30
    for i in np.argsort(t)[[1, 7, 5000, 9990, 9998, 10000]]:
        exact = (mpmath.cosh(sigma * t[i]) - 1) / (sigma * mpmath.sinh(sigma))
        assert got[i] == pytest.approx(float(exact), rel=1e-13, abs=0.0)


def test_cumulative_keeps_the_shape_of_scalars_and_empty_arrays() -> None:
    def f(s: np.ndarray) -> np.ndarray:
        return 2.0 * s

    assert quadrature.cumulative(f, 0.5).shape == ()
    assert float(quadrature.cumulative(f, 0.5)) == pytest.approx(0.25, rel=1e-15)
    assert quadrature.cumulative(f, np.empty((0, 3))).shape == (0, 3)


def test_cumulative_rejects_times_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"^t must"):
        quadrature.cumulative(np.exp, np.array([0.5, 1.5]))


@pytest.mark.parametrize("shape", [st.risk_averse(3.0), st.eager(3.0), st.back_loaded(40.0)],
                         ids=lambda s: s.name)
def test_the_value_alone_is_the_value_of_evaluate(shape: st.Strategy) -> None:
    t = np.linspace(0.0, 1.0, 1001)
    assert np.array_equal(shape(t), shape.evaluate(t)[0])


@pytest.mark.parametrize("shape", [st.risk_averse(3.0), st.eager(3.0)], ids=lambda s: s.name)
def test_best_response_memory_is_linear(shape: st.Strategy) -> None:
    """At 10,001 times the best response (pb-best-response) stays far below the 1.5 GB that a
    full graded rule per time would take."""
    t = np.linspace(0.0, 1.0, 10001)
    tracemalloc.start()
    try:
        best_response(t, shape, kappa=10.0, lam=5.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 100e6, f"peak {peak / 1e6:.0f} MB"
