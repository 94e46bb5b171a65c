"""Landmarks (roots and interior extrema) of the trade-signal loadings: the sign change and the
peak of nu_qbar that Section 3.2.2 of the paper describes for Figure 3, and the dip of nu_Vbar
of Figure 6, at the captions' k_bar = 0.001 and at k_bar = 0 (reference values computed
independently, to 8 digits)."""

from __future__ import annotations

import numpy as np
import pytest

from lib.signals import P3, P6
from lib.signals import loadings as lo


def test_landmarks_of_sine() -> None:
    """On [0.5, 8]: 5 pi/2 = 7.85 lies beyond 7."""
    marks = lo.landmarks(np.sin, 0.5, 8.0)
    np.testing.assert_allclose([t for t, _ in marks.roots], [np.pi, 2 * np.pi], rtol=0,
                               atol=1e-9)
    np.testing.assert_allclose([t for t, _ in marks.maxima], [np.pi / 2, 5 * np.pi / 2], rtol=0,
                               atol=1e-9)
    np.testing.assert_allclose([t for t, _ in marks.minima], [3 * np.pi / 2], rtol=0, atol=1e-9)
    np.testing.assert_allclose([v for _, v in marks.roots], [0, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose([v for _, v in marks.maxima + marks.minima], [1, 1, -1], rtol=0,
                               atol=1e-12)


def test_landmarks_with_exact_zeros_on_the_grid() -> None:
    """A grid sample exactly at a root is bridged; a zero without a sign change is no root and
    an extremum at an end point is not interior."""
    marks = lo.landmarks(lambda t: np.asarray(t) - 1.0, 0.0, 2.0, n_grid=5)
    assert marks.roots == ((1.0, 0.0),)
    assert marks.maxima == marks.minima == ()
    marks = lo.landmarks(lambda t: (np.asarray(t) - 1.0) ** 2, 0.0, 3.0, n_grid=7)
    assert marks.roots == () and marks.maxima == ()
    np.testing.assert_allclose(marks.minima, [(1.0, 0.0)], rtol=0, atol=1e-9)


def test_landmarks_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="t0 < t1"):
        lo.landmarks(np.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match="n_grid"):
        lo.landmarks(np.sin, 0.0, 1.0, n_grid=2)
    with pytest.raises(ValueError, match="shape of t"):
        lo.landmarks(lambda t: 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="model must be"):
        lo.loading_curve("mixed", "q", P3)
    with pytest.raises(ValueError, match="name must be one of const, q, qbar, Vbar"):
        lo.loading_curve("shared", "V", P3)


# (model, loading, preset, k_bar) -> (roots, maxima, minima, value at T), each (t, value)
LANDMARKS = {
    ("shared", "qbar", "P3", 1e-3): ([0.36080482], [(0.98143880, 2.33103116)], [], 1.81818182),
    ("shared", "qbar", "P3", 0.0): ([0.41866981], [(0.96355564, 1.72259989)], [], 0.0),
    ("separate", "Vbar", "P6", 1e-3): ([0.28051231], [], [(0.99311560, -9.69025551)],
                                       -9.09090909),
    ("separate", "Vbar", "P6", 0.0): ([0.45950453], [], [(0.97492974, -5.99807002)], 0.0),
}


@pytest.mark.parametrize(("model", "name", "preset", "k_bar"), list(LANDMARKS))
def test_loading_landmarks(model: str, name: str, preset: str, k_bar: float) -> None:
    """One sign change and one interior extremum; the end value k_bar alpha/(k kappa) for
    nu_qbar and -k_bar/(2k kappa) for nu_Vbar, 0 with k_bar = 0."""
    p = {"P3": P3, "P6": P6}[preset].replace(k_bar=k_bar)
    curve = lo.loading_curve(model, name, p)
    marks = lo.landmarks(curve, 0.0, p.T)
    roots, maxima, minima, end = LANDMARKS[model, name, preset, k_bar]
    assert (len(marks.roots), len(marks.maxima), len(marks.minima)) == (
        len(roots), len(maxima), len(minima))
    np.testing.assert_allclose([t for t, _ in marks.roots], roots, rtol=1e-6)
    np.testing.assert_allclose([v for _, v in marks.roots], 0.0, rtol=0, atol=1e-12)
    for found, expected in ((marks.maxima, maxima), (marks.minima, minima)):
        np.testing.assert_allclose(np.reshape(found, (-1, 2)), np.reshape(expected, (-1, 2)),
                                   rtol=1e-6)
    np.testing.assert_allclose(curve(p.T), end, rtol=1e-8, atol=1e-14)
    expected_end = (p.k_bar * p.alpha / (p.k * p.kappa) if name == "qbar"
                    else -p.k_bar / (2 * p.k * p.kappa))
    np.testing.assert_allclose(curve(p.T), expected_end, rtol=1e-12, atol=1e-14)
