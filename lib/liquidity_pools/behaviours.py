"""The qualitative behaviours of the finite-difference strategy that the paper describes
(Sections 5.3.1, 5.3.2 and 5.4), as checks on solved slices, and their sensitivity to the
fill intensity and the penalty.

Each check takes solutions of (lp-scheme) (:class:`lib.liquidity_pools.fd.FDSolution`) for two
identical venues and, where it compares, for a worse second venue, with the named market states
of :func:`lib.liquidity_pools.plots.named_states`; it returns a :class:`Behaviour`: the statement,
whether it holds, what was measured, and the numbers the chapter shows. The chapter checks each
at its parameters; :func:`sensitivity` evaluates all of them at other fill intensities and
penalties, through :func:`lib.parallel.run_many`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib import validation
from lib.liquidity_pools import curve, fd, plots
from lib.liquidity_pools.params import ModelParams, default_params, min_decisions
from lib.parallel import run_many
from lib.symbolic import verdict

__all__ = ["Behaviour", "Sensitivity", "behaviours", "different_lower", "different_new_best",
           "different_strategies", "end_earlier", "end_new_best_up", "end_uses", "imb_strategy",
           "limits_order", "same_in_both_venues", "scaled_params", "sensitivity",
           "sensitivity_point", "spr_strategy", "value_shape"]


@dataclass(frozen=True)
class Behaviour:
    """One checked behaviour: ``name`` (the chapter's claim name), ``statement``, whether it
    ``holds``, what was ``measured`` (text) and ``values``, numbers the chapter shows."""

    name: str
    statement: str
    holds: bool
    measured: str
    values: dict[str, float] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holds", bool(self.holds))   # numpy comparisons give np.bool_


def _last(sol) -> int:
    return sol.volume.shape[0] - 1


def _uses(sol, k: int, venue: int, state: int) -> list[float]:
    """First inventories of the limits +1, 0, -1 (NaN if unused)."""
    return [plots.first_use(sol, k, venue, state, j) for j in (1, 0, -1)]


def _case(sol, state: int, k: int = 0) -> list[dict]:
    """Per venue at step k: first uses of the limits, the volume at q0 and in total over the
    grid, and whether the volume never falls once posting starts."""
    out = []
    for venue in range(sol.volume.shape[1]):
        volume = sol.volume[k, venue, :, state]
        start = int(np.argmax(volume > 0))
        out.append({"uses": _uses(sol, k, venue, state), "at_q0": float(volume[-1]),
                    "total": float(volume.sum()),
                    "grows": bool(np.all(np.diff(volume[start:]) >= 0))})
    return out


def _single_peak(values: np.ndarray) -> bool:
    """Rises to one maximum and falls: the slope changes sign once (flat stretches aside)."""
    slopes = np.sign(np.diff(values))
    slopes = slopes[slopes != 0]
    return int(np.sum(slopes[1:] != slopes[:-1])) == 1


def value_shape(sol, states: dict[str, int]) -> Behaviour:
    """θ(t_k, ·, m) in m_eq and m_bad: one maximum within three grid steps of the next target,
    not moving up with k; the range of θ shrinking with k; a lower value at q0 in m_bad."""
    dq = float(sol.q[1] - sol.q[0])
    curves = {name: sol.theta[:-1, :, states[name]] for name in ("eq", "bad")}
    peaks = {name: sol.q[np.argmax(values, axis=1)] for name, values in curves.items()}
    gap = max(float(np.abs(p - sol.target[1:]).max()) for p in peaks.values())
    ranges = np.ptp(sol.theta[:, :, states["eq"]], axis=1)
    holds = (all(_single_peak(row) for values in curves.values() for row in values)
             and gap <= 3 * dq and all(bool(np.all(np.diff(p) <= 0)) for p in peaks.values())
             and bool(np.all(np.diff(ranges) < 0))
             and bool(np.all(curves["bad"][:, -1] < curves["eq"][:, -1])))
    return Behaviour(
        "value-shape", "At every decision step, in m_eq and m_bad, θ rises to a single maximum "
        "and falls; the maximum lies within 3Δq of the next target and does not move up from "
        "one step to the next; the range of θ shrinks at every step; the value at q0 is lower "
        "in m_bad.", holds,
        f"largest distance of the maximum to the next target {gap:.1f} shares; maxima at t_0 "
        f"and t_{_last(sol)}: {peaks['eq'][0]:g} and {peaks['eq'][-1]:g} (m_eq); range of θ "
        f"from {ranges[0]:.1f} to {ranges[-2]:.1f} $",
        {"peak_gap": gap})


def limits_order(sol, states: dict[str, int], q0: float) -> Behaviour:
    """Limits +1, 0, -1 in that order as the inventory grows; posting starts near the next
    target; more is posted at q0 than where posting starts."""
    m = states["eq"]
    posting = sol.volume[0, :, :, m].sum(axis=0) > 0
    start = int(np.argmax(posting))
    first_post = float(sol.q[start])
    rises = all(sol.volume[0, v, -1, m] > sol.volume[0, v, start, m]
                for v in range(sol.volume.shape[1]))
    holds = (bool(posting.any()) and plots.limits_monotone(sol, states)
             and abs(first_post - sol.target[1]) <= 0.05 * q0 and rises)
    return Behaviour(
        "limits-monotone", "Identical venues: where a venue posts, its limit goes from the "
        "second best (+1) to the best (0) to a new best (-1) as the inventory grows, never "
        "back, at the first and last decisions in m_eq, m_spr and m_imb; at the first decision "
        "in m_eq nothing is posted below an inventory within 5 % of q0 of the next target, and "
        "each venue posts more at q0 than where posting starts.", holds,
        f"posting from {first_post:g} shares, next target {sol.target[1]:.1f}",
        {"first_post": first_post, "next_target": float(sol.target[1])})


def same_in_both_venues(sol, states: dict[str, int]) -> Behaviour:
    """Identical venues, m_eq: the same limit where both venues post."""
    m = states["eq"]
    both = (sol.volume[:, 0, :, m] > 0) & (sol.volume[:, 1, :, m] > 0)
    same_limit = float(np.mean(sol.limit[:, 0, :, m][both] == sol.limit[:, 1, :, m][both]))
    same_volume = float(np.mean(sol.volume[:, 0, :, m] == sol.volume[:, 1, :, m]))
    return Behaviour(
        "same-in-both-venues", "Identical venues, m_eq: the two venues use the same limit at "
        "95 % of the nodes where both post, or more.", bool(both.any()) and same_limit >= 0.95,
        f"same limit at {same_limit:.1%} of those nodes; same volume at {same_volume:.0%} of "
        "all nodes", {"same_limit": same_limit})


def end_uses(sol, states: dict[str, int]) -> dict[str, dict[int, tuple[float, float]]]:
    """Venue 1's first use of each limit at the first and last decisions, in m_eq and m_spr."""
    return {name: {j: (plots.first_use(sol, 0, 0, states[name], j),
                       plots.first_use(sol, _last(sol), 0, states[name], j)) for j in (1, 0, -1)}
            for name in ("eq", "spr")}


def end_earlier(sol, states: dict[str, int]) -> Behaviour:
    """At the last decision venue 1 starts posting from a lower inventory, and in m_eq posts
    at least as much at every inventory."""
    uses = end_uses(sol, states)
    m = states["eq"]
    first, last = sol.volume[0, :, :, m].sum(axis=0), sol.volume[-1, :, :, m].sum(axis=0)
    holds = (all(uses[name][1][1] < uses[name][1][0] for name in uses)
             and bool(np.all(last >= first)))
    return Behaviour(
        "end-earlier", "At the last decision of the slice venue 1 starts posting (at the "
        "second-best limit) from a lower inventory than at the first, in m_eq and m_spr, and in "
        "m_eq the total posted volume is at least that of the first decision at every "
        "inventory.", holds,
        f"second-best limit from {uses['eq'][1][0]:g} to {uses['eq'][1][1]:g} (m_eq) and "
        f"{uses['spr'][1][0]:g} to {uses['spr'][1][1]:g} (m_spr); volume larger at "
        f"{np.mean(last > first):.0%} of the inventories",
        {f"{name}_{j}_{when}": uses[name][j][i] for name in uses for j in (1, -1)
         for i, when in enumerate(("first", "last"))})


def end_new_best_up(sol, states: dict[str, int]) -> Behaviour:
    """At the last decision the new best limit is used only from a higher inventory."""
    uses = end_uses(sol, states)
    return Behaviour(
        "end-new-best-up", "At the last decision the new best limit (giving up a tick) is used "
        "only from a higher inventory than at the first decision, in m_eq and m_spr.",
        all(uses[name][-1][1] > uses[name][-1][0] for name in uses),
        f"from {uses['eq'][-1][0]:g} to {uses['eq'][-1][1]:g} (m_eq), {uses['spr'][-1][0]:g} "
        f"to {uses['spr'][-1][1]:g} (m_spr)")


def spr_strategy(sol, states: dict[str, int]) -> Behaviour:
    """Identical venues, m_spr, first decision: the wider-spread venue 2 starts posting and
    gives up a tick earlier, posts nothing at q0, gets less; venue 1's volume never falls."""
    spr = _case(sol, states["spr"])
    holds = (spr[1]["uses"][0] < spr[0]["uses"][0] and spr[1]["uses"][2] < spr[0]["uses"][2]
             and spr[1]["at_q0"] == 0 < spr[0]["at_q0"] and spr[1]["total"] < spr[0]["total"]
             and spr[0]["grows"])
    return Behaviour(
        "spr-strategy", "Identical venues, m_spr, first decision: venue 2 starts posting (limit "
        "+1) and gives up a tick (limit -1) at lower inventories than venue 1, posts nothing at "
        "q0 while venue 1 does, and gets the smaller total volume; venue 1's volume never falls "
        "as the inventory grows.", holds,
        f"limit +1 from {spr[1]['uses'][0]:g} (venue 2) and {spr[0]['uses'][0]:g} (venue 1), "
        f"-1 from {spr[1]['uses'][2]:g} and {spr[0]['uses'][2]:g}; at q0 {spr[1]['at_q0']:g} "
        f"and {spr[0]['at_q0']:g} shares")


def imb_strategy(sol, states: dict[str, int]) -> Behaviour:
    """Identical venues, m_imb, first decision: the favoured venue 2 gets the larger volume and
    all of it at q0, and gives up a tick no earlier than venue 1."""
    imb = _case(sol, states["imb"])
    holds = (imb[1]["total"] > imb[0]["total"] and imb[0]["at_q0"] == 0 < imb[1]["at_q0"]
             and imb[1]["uses"][2] >= imb[0]["uses"][2])
    return Behaviour(
        "imb-strategy", "Identical venues, m_imb, first decision: venue 2 gets the larger total "
        "volume and, at q0, all of it; it gives up a tick from an inventory at least as high as "
        "venue 1.", holds,
        f"at q0 {imb[0]['at_q0']:g} (venue 1) and {imb[1]['at_q0']:g} shares (venue 2); limit "
        f"-1 from {imb[0]['uses'][2]:g} and {imb[1]['uses'][2]:g}")


def different_lower(identical, different) -> Behaviour:
    """θ with the worse second venue is nowhere above θ with identical venues, below it at q0
    at the first decision, and most below at q0."""
    gap = identical.theta - different.theta
    where = float(identical.q[np.unravel_index(gap.argmax(), gap.shape)[1]])
    smallest = float(gap.min())
    return Behaviour(
        "different-lower", "With the worse second venue θ is nowhere above its value with "
        "identical venues, below it at q0 in every state at the first decision, and most below "
        "at q0.",
        smallest >= -1e-9 and bool(np.all(gap[0, -1, :] > 0)) and where == identical.q[-1],
        f"largest gap {gap.max():.2f} $ at q = {where:g}; largest excess over the "
        f"identical venues' value {verdict(max(0.0, -smallest), 1e-9)}",
        {"largest_gap": float(gap.max())})


def different_strategies(identical, different, states: dict[str, int]) -> Behaviour:
    """The splits between the venues with the worse second venue, against identical venues."""
    eq_d, imb_d = _case(different, states["eq"]), _case(different, states["imb"])
    imb = _case(identical, states["imb"])
    spr_total = {label: float(sol.volume[0, 1, :, states["spr"]].sum())
                 for label, sol in (("identical", identical), ("different", different))}
    holds = (eq_d[0]["total"] > eq_d[1]["total"] and eq_d[1]["at_q0"] == 0
             and spr_total["different"] < spr_total["identical"]
             and imb_d[1]["total"] > imb_d[0]["total"] and imb_d[0]["at_q0"] > 0
             and imb[0]["at_q0"] == 0 and imb_d[0]["uses"][2] < imb[0]["uses"][2])
    return Behaviour(
        "different-strategies", "Different venues, first decision: in m_eq venue 1 gets the "
        "larger total volume and venue 2 nothing at q0; in m_spr venue 2 posts less in total "
        "than with identical venues; in m_imb venue 2 gets the larger total, venue 1 keeps a "
        "positive volume at q0 (none with identical venues) and gives up a tick from a lower "
        "inventory than with identical venues.", holds,
        f"m_spr, venue 2 in total: {spr_total['different']:g} shares (identical venues "
        f"{spr_total['identical']:g}); m_imb, venue 1 at q0: {imb_d[0]['at_q0']:g} shares "
        f"(identical venues {imb[0]['at_q0']:g}); limit -1 from {imb_d[0]['uses'][2]:g} "
        f"(identical venues {imb[0]['uses'][2]:g})")


def different_new_best(different, states: dict[str, int]) -> Behaviour:
    """m_eq with the worse venue 2: it gives up a tick from a lower inventory than venue 1 at
    the last decision, and from one no higher at the first."""
    last = _last(different)
    first_uses = [plots.first_use(different, 0, v, states["eq"], -1) for v in (0, 1)]
    last_uses = [plots.first_use(different, last, v, states["eq"], -1) for v in (0, 1)]
    return Behaviour(
        "different-new-best", "Different venues, m_eq: venue 2 gives up a tick (limit -1) from "
        "a lower inventory than venue 1 at the last decision, and from one no higher at the "
        "first.", last_uses[1] < last_uses[0] and first_uses[1] <= first_uses[0],
        f"venue 1 and venue 2 from {first_uses[0]:g} and {first_uses[1]:g} at t_0, "
        f"{last_uses[0]:g} and {last_uses[1]:g} at t_{last}",
        {"first_venue_1": first_uses[0], "first_venue_2": first_uses[1]})


def behaviours(identical, different, states: dict[str, int], q0: float) -> list[Behaviour]:
    """Every behaviour, in the chapter's order."""
    return [value_shape(identical, states), limits_order(identical, states, q0),
            same_in_both_venues(identical, states), end_earlier(identical, states),
            end_new_best_up(identical, states), spr_strategy(identical, states),
            imb_strategy(identical, states), different_lower(identical, different),
            different_strategies(identical, different, states),
            different_new_best(different, states)]


def scaled_params(p: ModelParams, intensity_scale: float, phi_scale: float) -> ModelParams:
    """``p`` with every fill intensity times ``intensity_scale`` and φ times ``phi_scale``;
    the decisions per slice Nt grow with the intensities so that the probability bound of
    (lp-scheme) holds for the identical-venue model (the larger one)."""
    c = validation.positive("intensity_scale", intensity_scale)
    s = validation.positive("phi_scale", phi_scale)
    nt = max(p.Nt, min_decisions(default_params("identical"), c))
    return p.replace(Nt=nt, phi=p.phi * s, venues=tuple(
        dataclasses.replace(v, intensity=v.intensity * c) for v in p.venues))


def sensitivity_point(intensity_scale: float, phi_scale: float, slice_index: int,
                      dq: float) -> dict[str, tuple[bool, str]]:
    """Every behaviour at one point: the chapter's identical and different venues scaled by
    :func:`scaled_params`, slice ``slice_index`` solved on ``fd.FDGrid(dq, dq)``; name ->
    (holds, measured)."""
    identical = scaled_params(default_params("identical"), intensity_scale, phi_scale)
    different = scaled_params(default_params("different"), intensity_scale, phi_scale)
    grid = fd.FDGrid(dq, dq)
    targets = curve.slice_targets(identical, slice_index)
    t_start = slice_index * identical.Ts
    sols = [fd.solve_slice(p, grid, targets, t_start=t_start) for p in (identical, different)]
    found = behaviours(*sols, plots.named_states(identical), identical.q0)
    return {b.name: (b.holds, b.measured) for b in found}


@dataclass(frozen=True)
class Sensitivity:
    """The behaviours over a sweep: ``points`` (intensity scale, φ scale) in order;
    ``holds[name]`` one bool per point (None where the point failed); ``failures`` (point,
    message)."""

    points: tuple[tuple[float, float], ...]
    holds: dict[str, tuple[bool | None, ...]]
    failures: tuple[tuple[tuple[float, float], str], ...]

    def holding_range(self, name: str, axis: int) -> tuple[float, float] | None:
        """The smallest and largest value of the swept parameter ``axis`` (0 intensity,
        1 φ) over the contiguous run of points, along that axis with the other at 1, around
        1 where ``name`` holds; None if it fails at 1."""
        line = sorted((p[axis], h) for p, h in zip(self.points, self.holds[name], strict=True)
                      if p[1 - axis] == 1.0)
        values = [v for v, _ in line]
        if 1.0 not in values or not dict(line)[1.0]:
            return None
        i = values.index(1.0)
        low = high = i
        while low > 0 and line[low - 1][1]:
            low -= 1
        while high < len(line) - 1 and line[high + 1][1]:
            high += 1
        return values[low], values[high]


def sensitivity(intensity_scales: Sequence[float], phi_scales: Sequence[float], *,
                slice_index: int, dq: float = 5.0, cache: Path | None = None,
                workers: int | None = None, scheduler: str | None = None,
                progress: bool = False) -> Sensitivity:
    """:func:`sensitivity_point` along two lines through the chapter's parameters (1, 1): each
    intensity scale with φ unchanged, each φ scale with the intensities unchanged (1 is added
    to both lists), through :func:`lib.parallel.run_many`."""
    scales = {name: sorted({1.0, *(validation.positive(f"{name}[{i}]", v)
                                   for i, v in enumerate(values))})
              for name, values in (("intensity_scales", intensity_scales),
                                   ("phi_scales", phi_scales))}
    slice_index = validation.integer("slice_index", slice_index, minimum=0, maximum=19)
    dq = validation.positive("dq", dq)
    points = sorted({(c, 1.0) for c in scales["intensity_scales"]}
                    | {(1.0, s) for s in scales["phi_scales"]})
    outcomes = run_many(sensitivity_point,
                        [{"intensity_scale": c, "phi_scale": s, "slice_index": slice_index,
                          "dq": dq} for c, s in points],
                        cache=cache, workers=workers, scheduler=scheduler, progress=progress,
                        description="behaviours over intensity and penalty")
    names = [b for b in next((o.value for o in outcomes if o.error is None), {})]
    holds = {name: tuple(None if o.error else o.value[name][0] for o in outcomes)
             for name in names}
    failures = tuple((point, f"{o.error.type}: {o.error.message}")
                     for point, o in zip(points, outcomes, strict=True) if o.error)
    return Sensitivity(points=tuple(points), holds=holds, failures=failures)
