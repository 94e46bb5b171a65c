"""lib.validation: every check names the parameter it rejects."""

from __future__ import annotations

import numpy as np
import pytest

from lib import validation


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (validation.positive, 0.0, "^x must be > 0"),
        (validation.positive, np.inf, "^x must be finite"),
        (validation.positive, "1", "^x must be a real number"),
        (validation.positive, True, "^x must be a real number"),
        (validation.nonnegative, -1e-300, "^x must be >= 0"),
        (validation.finite, np.nan, "^x must be a number"),
    ],
)
def test_scalar_checks(check, value, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check("x", value)


def test_accepted_values_come_back_as_floats() -> None:
    assert validation.positive("x", 2) == 2.0 and isinstance(validation.positive("x", 2), float)
    assert validation.positive("M", np.inf, allow_inf=True) == np.inf
    assert validation.nonnegative("x", 0) == 0.0
    assert validation.integer("n", np.int64(3), minimum=1) == 3


def test_integer_and_sequence_checks() -> None:
    with pytest.raises(ValueError, match=r"^n must be an integer"):
        validation.integer("n", 3.0, minimum=1)
    with pytest.raises(ValueError, match=r"^n must be >= 2"):
        validation.integer("n", 1, minimum=2)
    assert validation.integer("n", 20, minimum=1, maximum=20) == 20
    with pytest.raises(ValueError, match=r"^n must be <= 20 \(20 slices\), got 21$"):
        validation.integer("n", 21, minimum=1, maximum=20, why=" (20 slices)")
    with pytest.raises(ValueError, match=r"^v\[2\] must be > 0"):
        validation.sequence("v", [1.0, 2.0, -3.0], validation.positive)
    with pytest.raises(ValueError, match=r"^v must be a list"):
        validation.sequence("v", "123", validation.positive)


def test_times_must_lie_in_the_horizon() -> None:
    assert validation.times([0.0, 1.0], 1.0).dtype == float
    with pytest.raises(ValueError, match=r"^t must lie in \[0, T\]"):
        validation.times([0.0, 1.5], 1.0)


@pytest.mark.parametrize(("check", "value", "message"), [
    (validation.square_matrix, [[1.0, 2.0]], r"^M must be a square N x N matrix with N >= 2"),
    (validation.square_matrix, [[1.0, np.nan], [0.0, 1.0]], r"^M must be finite"),
    (validation.square_matrix, [["a", 1.0], [0.0, 1.0]], r"^M must be an array of real"),
    (validation.generator_matrix, [[1.0, -1.0], [1.0, -1.0]], r"off-diagonal rates must be >= 0"),
    (validation.generator_matrix, [[-1.0, 1.0], [1.0, -1.1]], r"every row must sum to 0"),
    (validation.stochastic_matrix, [[1.2, -0.2], [0.5, 0.5]], r"entries must lie in \[0, 1\]"),
    (validation.stochastic_matrix, [[0.5, 0.4], [0.5, 0.5]], r"every row must sum to 1")])
def test_matrix_checks(check, value, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check("M", value)


def test_matrix_checks_return_float_copies() -> None:
    value = [[-2, 2], [4, -4]]
    arr = validation.generator_matrix("Q", value)
    assert arr.dtype == float and np.array_equal(arr, value)
    P = np.array([[0.5, 0.5], [0.25, 0.75]])
    assert validation.stochastic_matrix("P", P) is not P


@pytest.mark.parametrize(("kwargs", "x", "message"), [
    ({"lower": 0, "lower_open": True}, 0.0, r"^x must be > 0, got 0.0$"),
    ({"lower": 1e-3, "why_lower": " (why)"}, 1e-4, r"^x must be >= 0.001 \(why\), got 0.0001$"),
    ({"upper": 1e6}, 2e6, r"^x must be <= 1e\+06, got 2000000.0$"),
    ({"upper": 1.0, "upper_open": True}, 1.0, r"^x must be < 1, got 1.0$")])
def test_within_names_the_bound_and_why(kwargs, x, message) -> None:
    with pytest.raises(ValueError, match=message):
        validation.within("x", x, **kwargs)


def test_within_accepts_the_closed_bounds_and_sequences_their_length() -> None:
    assert validation.within("x", 1.0, lower=1.0, upper=1.0) == 1.0
    assert validation.sequence("v", [1.0, 2.0], validation.positive, max_length=2) == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"^v must have at most 2 element\(s\), got 3$"):
        validation.sequence("v", [1.0, 2.0, 3.0], validation.positive, max_length=2)
