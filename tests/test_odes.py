"""lib.odes: dense solutions in both directions, and loud failures."""

from __future__ import annotations

import numpy as np
import pytest

from lib import odes


def test_forward_and_backward_against_exponentials() -> None:
    """Local tolerance 1e-12; the global error over the interval stays below 1e-10."""
    t = np.linspace(0.0, 2.0, 21)
    forward = odes.solve(lambda _t, y: -3.0 * y, 0.0, 2.0, [1.0])
    assert np.allclose(forward(t)[0], np.exp(-3.0 * t), rtol=1e-10, atol=0)
    backward = odes.solve(lambda _t, y: np.array([y[1], -y[0]]), 2.0, 0.0, [0.0, 1.0])
    assert np.allclose(backward(t), [np.sin(t - 2.0), np.cos(t - 2.0)], rtol=0, atol=1e-10)


def test_blow_up_is_reported() -> None:
    with pytest.raises(RuntimeError, match=r"ODE integration from t=0\.0 to t=2\.0 failed"):
        odes.solve(lambda _t, y: y**2, 0.0, 2.0, [1.0])  # y = 1/(1 - t) blows up at t = 1
