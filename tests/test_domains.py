"""lib.domains: declared parameters check, normalise and describe their values."""

from __future__ import annotations

import inspect
import math

import pytest

from lib.domains import Parameter, Rule, Validator

M = Parameter("M", "penalties", lower=1e-6, upper=1e12, allow_inf=True, length=(1, 3))
N = Parameter("n", "samples", kind="integer", lower=2, upper=10, why_upper=" (why)")
GRID = Parameter("grid", "grid", kind="choice", choices=("ci", "full"))


def test_parameters_normalise_what_they_accept() -> None:
    assert M.check([1, math.inf]) == [1.0, math.inf]
    assert isinstance(M.check([1])[0], float)
    assert N.check(10) == 10 and GRID.check("ci") == "ci"


@pytest.mark.parametrize(("parameter", "value", "message"), [
    (M, [1.0, -math.inf], r"^M\[1\] must be finite, got -inf$"),
    (M, [1.0, 1e13], r"^M\[1\] must be <= 1e\+12, got 10000000000000.0$"),
    (M, [1.0] * 4, r"^M must have at most 3"),
    (M, 1.0, r"^M must be a list"),
    (N, 11, r"^n must be <= 10 \(why\), got 11$"),
    (N, 2.0, r"^n must be an integer"),
    (GRID, "fine", r"^grid must be 'ci' or 'full', got 'fine'$")])
def test_parameters_refuse_naming_themselves(parameter, value, message) -> None:
    with pytest.raises(ValueError, match=message):
        parameter.check(value)


def test_domains_in_words() -> None:
    assert M.domain() == "list of 1 to 3: real in [1e-06, 1e+12] or inf"
    assert N.domain() == "integer in [2, 10]"
    assert Parameter("x", "", lower=0.0, lower_open=True).domain() == "real > 0"
    assert GRID.domain() == "'ci' or 'full'"


def test_a_validator_checks_every_parameter_then_its_rules() -> None:
    def at_most_n(values: dict) -> dict:
        if len(values["M"]) > values["n"]:
            raise ValueError("M must have at most n elements")
        return {**values, "M": sorted(values["M"])}

    validator = Validator("chapter", (M, N), (Rule("len(M) <= n", at_most_n),))
    assert validator(M=[3.0, 1.0], n=2) == {"M": [1.0, 3.0], "n": 2}
    assert list(inspect.signature(validator).parameters) == ["M", "n"]
    with pytest.raises(ValueError, match=r"^M must have at most n"):
        validator(M=[3.0, 1.0, 2.0], n=2)
    with pytest.raises(TypeError, match=r"missing: \['n'\], unexpected: \['x'\]"):
        validator(M=[1.0], x=1)
    listing = validator.listing({"M": [1.0], "n": 2})
    assert "integer in [2, 10]" in listing and listing.endswith("and len(M) <= n")
