"""Each chapter's declared parameter domains (lib.chapters) agree with its computation.

A value at or just inside a declared bound either runs the chapter's core computation
(lib.cores: the lib functions the chapter calls, at reduced size, every result finite and
the chapter's own tolerances met) or is refused by a rule tying several parameters together;
a value just outside is refused with a ``ValueError`` naming the parameter. The boundary
values come from the declarations themselves: the bounds, their neighbours on either side
(``numpy.nextafter`` for reals, +-1 for integers), the list lengths, inf and nan.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lib import chapters, cores
from lib.domains import Parameter

# Where a chapter's defaults are expensive, the other parameters sit at a cheap point of
# their domains while one is taken to its boundaries.
CHEAP = {"liquidity_pools": {"mc_paths": 1000}, "liquidity_pools_bayes": {"n_slices": 1},
         "liquidity_pools_networks": {"nn_slices": 1}}
# The liquidity-pools cores take seconds even there: no random combinations for them.
COMBINED = [c for c in chapters.names() if chapters.chapter_of(c) != "liquidity_pools"]


def _step(x: float, towards: float, kind: str) -> float:
    if kind == "integer":
        return x + (1 if towards > x else -1)
    return float(np.nextafter(x, towards))


def boundary_elements(p: Parameter) -> tuple[list, list]:
    """``(inside, outside)``: element values at and next to each bound of ``p``."""
    if p.kind == "choice":
        return list(p.choices), ["", p.choices[0].upper(), 1]
    inside, outside = [], [math.nan, "1"]
    for bound, is_open, inward, outward in (
            (p.lower, p.lower_open, math.inf, -math.inf),
            (p.upper, p.upper_open, -math.inf, math.inf)):
        if bound is None:
            continue
        (outside if is_open else inside).append(bound)
        inside.append(_step(bound, inward, p.kind))
        outside.append(_step(bound, outward, p.kind))
    if p.kind == "real":
        (inside if p.allow_inf else outside).append(math.inf)
        outside.append(-math.inf)
    else:
        outside.append(float(p.lower if p.lower is not None else 0))
    return inside, outside


def boundary_values(p: Parameter) -> tuple[list, list]:
    """``(inside, outside)`` values of ``p``: lists of one element, and of the shortest and
    longest lengths, for list parameters."""
    inside, outside = boundary_elements(p)
    if p.length is None:
        return inside, outside
    low, high = p.length
    lists_in = [[x] * low for x in inside] + [[inside[0]] * high]
    lists_out = [[x] * low for x in outside] + [[inside[0]] * (low - 1), [inside[0]] * (high + 1)]
    return lists_in, [*lists_out, inside[0]]


def _cases(which: int):
    for chapter in chapters.names():
        for p in chapters.VALIDATORS[chapter].parameters:
            for value in boundary_values(p)[which]:
                yield pytest.param(chapter, p.name, value, id=f"{chapter}-{p.name}={value!r}")


def _run_if_accepted(chapter: str, overrides: dict) -> None:
    try:
        parameters = chapters.validate(chapter, overrides)
    except ValueError:
        return      # refused: by a rule tying several parameters together, or on purpose
    cores.run(chapter, parameters)


@pytest.mark.parametrize(("chapter", "name", "value"), list(_cases(1)))
def test_values_outside_a_domain_are_refused_naming_the_parameter(chapter, name, value):
    with pytest.raises(ValueError, match=rf"^{re.escape(name)}(\[\d+\])? must"):
        chapters.validate(chapter, {name: value})


@pytest.mark.parametrize(("chapter", "name", "value"), list(_cases(0)))
def test_values_at_a_boundary_run_the_core_computation(chapter, name, value):
    _run_if_accepted(chapter, {**CHEAP.get(chapter, {}), name: value})


def _interior(p: Parameter):
    """Values anywhere in the domain of ``p``, its boundary values included."""
    inside, _ = boundary_elements(p)
    if p.kind == "choice":
        element = st.sampled_from(p.choices)
    elif p.kind == "integer":
        element = st.integers(p.lower, p.upper) | st.sampled_from(inside)
    else:
        element = st.floats(p.lower, p.upper, exclude_min=p.lower_open,
                            exclude_max=p.upper_open) | st.sampled_from(inside)
    if p.length is None:
        return element
    return st.lists(element, min_size=p.length[0], max_size=p.length[1])


@pytest.mark.parametrize("chapter", COMBINED)
def test_any_accepted_combination_runs_the_core_computation(chapter):
    """All parameters drawn at once from their domains, boundaries favoured."""
    validator = chapters.VALIDATORS[chapter]

    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries({p.name: _interior(p) for p in validator.parameters}))
    def run(overrides):
        _run_if_accepted(chapter, overrides)

    run()
