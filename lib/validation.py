"""Parameter checks shared by every model: each raises ``ValueError`` naming the parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def real(name: str, value: object) -> float:
    """Return ``value`` as a float; reject nan and anything that is not a real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ValueError(f"{name} must be a number, got nan")
    return x


def finite(name: str, value: object) -> float:
    """Return ``value`` as a float; reject nan and infinities."""
    x = real(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def whole(name: str, value: object) -> int:
    """Return ``value`` as an int; reject anything that is not a whole number (bools too)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def show_bound(bound: float) -> str:
    """A bound as printed in messages: ints as they are, floats in the shortest form (1e+06)."""
    return str(bound) if isinstance(bound, (int, np.integer)) else f"{bound:g}"


def within(name: str, x: float, *, lower: float | None = None, upper: float | None = None,
           lower_open: bool = False, upper_open: bool = False, why_lower: str = "",
           why_upper: str = "") -> float:
    """Return ``x`` after checking ``lower <= x <= upper`` (``<`` where the bound is open).

    ``why_lower`` and ``why_upper`` explain a bound in the error message, e.g. " (20 slices)".
    """
    if lower is not None and (x <= lower if lower_open else x < lower):
        raise ValueError(f"{name} must be {'>' if lower_open else '>='} {show_bound(lower)}"
                         f"{why_lower}, got {x}")
    if upper is not None and (x >= upper if upper_open else x > upper):
        raise ValueError(f"{name} must be {'<' if upper_open else '<='} {show_bound(upper)}"
                         f"{why_upper}, got {x}")
    return x


def positive(name: str, value: object, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking ``value > 0`` (and finite unless allowed)."""
    x = real(name, value) if allow_inf else finite(name, value)
    return within(name, x, lower=0, lower_open=True)


def nonnegative(name: str, value: object) -> float:
    """Return ``value`` as a float after checking ``0 <= value < inf``."""
    return within(name, finite(name, value), lower=0)


def integer(name: str, value: object, *, minimum: int, maximum: int | None = None,
            why: str = "") -> int:
    """Return ``value`` as an int after checking it is a whole number in ``[minimum, maximum]``.

    ``why`` explains the upper bound in the error message, e.g. " (20 slices)".
    """
    return within(name, whole(name, value), lower=minimum, upper=maximum, why_upper=why)


def finite_array(name: str, value: object) -> np.ndarray:
    """Return ``value`` as a float array (a copy); reject nan and infinities."""
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an array of real numbers, got {value!r}") from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def square_matrix(name: str, value: object, *, min_size: int = 2) -> np.ndarray:
    """Return ``value`` as a finite float ``(N, N)`` array (a copy) with ``N >= min_size``."""
    arr = finite_array(name, value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < min_size:
        raise ValueError(f"{name} must be a square N x N matrix with N >= {min_size}, "
                         f"got shape {arr.shape}")
    return arr


def generator_matrix(name: str, value: object, *, min_size: int = 2) -> np.ndarray:
    """A Markov generator: a square matrix with off-diagonal rates >= 0 and rows summing to 0
    (to 1e-12 of its largest entry)."""
    arr = square_matrix(name, value, min_size=min_size)
    if np.any(arr - np.diag(np.diag(arr)) < 0):
        raise ValueError(f"{name} is not a Markov generator: off-diagonal rates must be >= 0")
    if np.any(np.abs(arr.sum(axis=1)) > 1e-12 * max(1.0, np.abs(arr).max())):
        raise ValueError(f"{name} is not a Markov generator: every row must sum to 0, "
                         f"got row sums {arr.sum(axis=1).tolist()}")
    return arr


def stochastic_matrix(name: str, value: object) -> np.ndarray:
    """A row-stochastic matrix: a square matrix with entries in [0, 1] and rows summing to 1
    (to 1e-10)."""
    arr = square_matrix(name, value)
    if np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(f"{name} must be row-stochastic: entries must lie in [0, 1]")
    if np.any(np.abs(arr.sum(axis=1) - 1.0) > 1e-10):
        raise ValueError(f"{name} must be row-stochastic: every row must sum to 1, got row sums "
                         f"{arr.sum(axis=1).tolist()}")
    return arr


def sequence(name: str, values: object, check, *, min_length: int = 1,
             max_length: int | None = None) -> list:
    """Apply ``check(f"{name}[i]", v)`` to every element of a sequence of ``min_length`` to
    ``max_length`` elements."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise ValueError(f"{name} must be a list, got {values!r}")
    if len(values) < min_length:
        raise ValueError(f"{name} must have at least {min_length} element(s), got {len(values)}")
    if max_length is not None and len(values) > max_length:
        raise ValueError(f"{name} must have at most {max_length} element(s), got {len(values)}")
    return [check(f"{name}[{i}]", v) for i, v in enumerate(values)]


def times(t: object, T: float, *, name: str = "t") -> np.ndarray:
    """Return ``t`` as a float array after checking every entry lies in ``[0, T]``."""
    arr = np.asarray(t, dtype=float)
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if arr.size and (arr.min() < 0 or arr.max() > T):
        raise ValueError(f"{name} must lie in [0, T] = [0, {T}], got values in "
                         f"[{arr.min()}, {arr.max()}]")
    return arr
