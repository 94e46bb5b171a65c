"""Trading strategies on [0, 1] and their canonical families (book eq. (pb-shapes)).

A ``Strategy`` knows its value, rate and acceleration, so that costs and Euler–Lagrange
residuals never need finite differences. Strategies add and scale like functions.
Exponential shapes are written with ``expm1`` and ``exp`` of non-positive arguments, so
they stay finite and accurate for rates ``|r|`` up to about 700.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lib import validation

Array = np.ndarray
Evaluator = Callable[[Array], tuple[Array, Array, Array]]


def unit_times(t: object) -> Array:
    """``t`` as a float array after checking every entry is finite and in ``[0, 1]``."""
    return validation.times(t, 1.0)


@dataclass(frozen=True)
class Strategy:
    """A strategy ``x(t)`` on ``[0, 1]`` with its rate ``x'(t)`` and acceleration ``x''(t)``.

    ``evaluate(t)`` returns the three arrays; calling the strategy returns the value, from
    ``value(t)`` when given (the same numbers as ``evaluate(t)[0]`` without computing the rate
    and acceleration, which quadratures of the value alone would throw away).
    """

    evaluate: Evaluator
    name: str = "strategy"
    value: Callable[[Array], Array] | None = None

    def __call__(self, t: object) -> Array:
        return self.value_of(unit_times(t))

    def value_of(self, t: Array) -> Array:
        """``x(t)`` for a float array ``t`` already checked to lie in ``[0, 1]``."""
        return self.evaluate(t)[0] if self.value is None else self.value(t)

    def rate(self, t: object) -> Array:
        return self.evaluate(unit_times(t))[1]

    def acceleration(self, t: object) -> Array:
        return self.evaluate(unit_times(t))[2]

    def __add__(self, other: Strategy) -> Strategy:
        return combine([(1.0, self), (1.0, other)], name=f"{self.name} + {other.name}")

    def __sub__(self, other: Strategy) -> Strategy:
        return combine([(1.0, self), (-1.0, other)], name=f"{self.name} - {other.name}")

    def __rmul__(self, scale: float) -> Strategy:
        return combine([(float(scale), self)], name=f"{scale:g} {self.name}")


def combine(terms: list[tuple[float, Strategy]], *, name: str = "combination") -> Strategy:
    """The strategy ``sum_i c_i s_i`` for ``terms = [(c_i, s_i), ...]``."""

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        parts = [(c, s.evaluate(t)) for c, s in terms]
        return tuple(sum(c * p[i] for c, p in parts) for i in range(3))  # type: ignore[return-value]

    return Strategy(evaluate, name)


def risk_neutral() -> Strategy:
    """``a(t) = t``: constant-rate buying (the shape with ``a'' = 0``)."""
    return Strategy(lambda t: (t, np.ones_like(t), np.zeros_like(t)), "t")


def exp_shape(r: float) -> Strategy:
    """``phi_r(t) = (1 - e^{-r t}) / (1 - e^{-r})``; ``r > 0`` eager, ``r < 0`` back-loaded.

    ``phi_{-r}`` is ``psi_r(t) = (e^{r t} - 1) / (e^r - 1)``; ``phi_0`` is ``t``.
    """
    r = validation.finite("r", r)
    if r == 0.0:
        return risk_neutral()
    s = abs(r)
    norm = -np.expm1(-s)  # 1 - e^{-|r|}

    if r > 0:
        def value(t: Array) -> Array:
            return -np.expm1(-s * t) / norm

        def evaluate(t: Array) -> tuple[Array, Array, Array]:
            rate = s * np.exp(-s * t) / norm
            return value(t), rate, -s * rate
    else:
        def value(t: Array) -> Array:
            return np.exp(s * (t - 1.0)) * -np.expm1(-s * t) / norm

        def evaluate(t: Array) -> tuple[Array, Array, Array]:
            rate = s * np.exp(s * (t - 1.0)) / norm
            return value(t), rate, s * rate

    return Strategy(evaluate, f"phi_{r:g}", value)


def eager(sigma: float) -> Strategy:
    """The canonical eager shape ``phi_sigma``, ``sigma > 0`` (front-loaded, ``a'' < 0``)."""
    return exp_shape(validation.positive("sigma", sigma))


def back_loaded(r: float) -> Strategy:
    """``psi_r(t) = (e^{r t} - 1) / (e^r - 1) = phi_{-r}(t)``, ``r > 0``."""
    return exp_shape(-validation.positive("r", r))


def risk_averse(sigma: float) -> Strategy:
    """``r_sigma(t) = sinh(sigma t) / sinh(sigma)`` (paper (8)), ``sigma > 0`` (back-loaded,
    convex)."""
    s = validation.positive("sigma", sigma)
    norm = -np.expm1(-2.0 * s)  # 1 - e^{-2 sigma}

    def value(t: Array) -> Array:
        return np.exp(s * (t - 1.0)) / norm * -np.expm1(-2.0 * s * t)

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        grow = np.exp(s * (t - 1.0)) / norm
        x = grow * -np.expm1(-2.0 * s * t)
        return x, s * grow * (1.0 + np.exp(-2.0 * s * t)), s * s * x

    return Strategy(evaluate, f"r_{s:g}", value)


def parabolic(c: float) -> Strategy:
    """``a(t) = t + c t (1 - t)`` (the paper's Section 5.1): eager for ``c > 0``, risk-averse
    for ``c < 0``."""
    c = validation.finite("c", c)
    return Strategy(lambda t: (t + c * t * (1.0 - t), 1.0 + c * (1.0 - 2.0 * t),
                               np.full_like(t, -2.0 * c)), f"t + {c:g} t(1-t)")


def mixture(w: float, first: Strategy, second: Strategy) -> Strategy:
    """``w first + (1 - w) second``: a unit strategy when both are."""
    w = validation.finite("w", w)
    return combine([(w, first), (1.0 - w, second)], name=f"{w:g} {first.name} + ...")


def classify(strategy: Strategy, *, tol: float = 1e-10, n: int = 401) -> str:
    """Shape of a strategy by the sign of ``a''``: ``"risk-neutral"`` (0), ``"risk-averse"``
    (> 0), ``"eager"`` (< 0) or ``"mixed"``."""
    acc = strategy.acceleration(np.linspace(0.0, 1.0, n))
    scale = max(1.0, float(np.max(np.abs(acc))))
    if np.all(np.abs(acc) <= tol * scale):
        return "risk-neutral"
    if np.all(acc >= -tol * scale):
        return "risk-averse"
    if np.all(acc <= tol * scale):
        return "eager"
    return "mixed"


def _sampled(x: object, t: object) -> tuple[Array, Array]:
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 3 or x.shape != t.shape:
        raise ValueError(f"t must be a grid of at least 3 times with x of the same shape; got "
                         f"shapes {x.shape} and {t.shape}")
    if not np.all(np.diff(t) > 0):
        raise ValueError("t must be increasing")
    return x, t


def eager_share(x: object, t: object, *, trim: int = 5) -> float:
    """Share of a sampled holding ``x`` on the grid ``t`` where ``x'' < 0`` (eager there), by
    finite differences; ``trim`` points at each end, where the one-sided differences are less
    accurate, are left out. A share above 1/2 reads as "eager", below 1/2 as "risk-averse"."""
    x, t = _sampled(x, t)
    trim = validation.integer("trim", trim, minimum=0)
    if 2 * trim >= t.size:
        raise ValueError(f"trim must leave interior points; got {trim} for {t.size} points")
    acc = np.gradient(np.gradient(x, t), t)
    return float(np.mean(acc[trim:t.size - trim] < 0))


def end_shares(x: object, t: object, *, width: float = 0.1) -> tuple[float, float]:
    """Shares of the change ``x(t_end) - x(t_0)`` made in the first and in the last ``width``
    of the grid (linear interpolation): ``(0.1, 0.1)`` for the risk-neutral ``t``; a barbell
    makes a large share at both ends."""
    x, t = _sampled(x, t)
    width = validation.positive("width", width)
    span = t[-1] - t[0]
    if width >= span / 2:
        raise ValueError(f"width must be less than half the grid's span; got {width}")
    total = x[-1] - x[0]
    if total == 0:
        raise ValueError("x must change over the grid")
    early = np.interp(t[0] + width, t, x) - x[0]
    late = x[-1] - np.interp(t[-1] - width, t, x)
    return float(early / total), float(late / total)
