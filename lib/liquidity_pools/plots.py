"""The liquidity-pools chapter's value and strategy figures, drawn alike for the finite
differences (its first page) and the networks (its networks page).

Each function draws one matplotlib figure and returns it; the page saves it with its
provenance through :func:`lib.figures.save_figure`. A solution is anything with the fields of
:class:`lib.liquidity_pools.fd.FDSolution`: ``q`` (Q,) the inventory nodes, ``theta``
(Nt + 1, Q, M), ``volume`` (Nt, N, Q, M), ``limit`` (Nt, N, Q, M) with ``fd.NO_LIMIT`` where
nothing is posted, and ``target`` (Nt + 1,) the trading curve (lp-trading-curve) at the
decision times.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.transforms import offset_copy

from lib.figures import COLOURS
from lib.liquidity_pools import fd, markov
from lib.liquidity_pools.params import ModelParams

__all__ = [
    "LIMIT_NAMES",
    "STATE_REGIMES",
    "STATE_TITLES",
    "control",
    "first_use",
    "limits_monotone",
    "named_states",
    "shown_steps",
    "strategy_figure",
    "strategy_group",
    "threshold_report",
    "thresholds",
    "value_figure",
]

STATE_REGIMES: dict[str, tuple[int, int, int, int]] = {
    "eq": (0, 1, 0, 1),    # (δ, 0, δ, 0): both venues tight and balanced
    "bad": (1, 0, 1, 0),   # (2δ, -1, 2δ, -1): wide spreads, imbalance against the seller
    "spr": (0, 1, 1, 1),   # (δ, 0, 2δ, 0): the second venue has the wider spread
    "imb": (0, 1, 0, 2),   # (δ, 0, δ, +1): the imbalance favours selling in the second venue
}
"""The named market states of the figures, as regime indices (spread 1, imbalance 1, spread 2,
imbalance 2)."""

STATE_TITLES = {"eq": r"$m = (\delta, 0, \delta, 0)$", "bad": r"$m = (2\delta, -1, 2\delta, -1)$",
                "spr": r"$m = (\delta, 0, 2\delta, 0)$", "imb": r"$m = (\delta, 0, \delta, +1)$"}

LIMIT_NAMES = {-1: "−1 (new best)", 0: "0 (best)", 1: "+1 (second best)"}


def named_states(params: ModelParams) -> dict[str, int]:
    """Index of each state of :data:`STATE_REGIMES` in ``params``' market-state space."""
    return {name: markov.state_index(params, regimes) for name, regimes in STATE_REGIMES.items()}


def shown_steps(params: ModelParams) -> tuple[int, int, int]:
    """The decision steps the strategy figures show: t_0, t_{Nt/2} and t_{Nt-1}."""
    return (0, params.Nt // 2, params.Nt - 1)


def value_figure(sol, state: int, title: str) -> plt.Figure:
    """θ(t_k, ·, m) for every decision step of the slice (the paper's Figures 6–9, 26–29)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    colours = plt.cm.viridis(np.linspace(0.0, 0.92, sol.theta.shape[0] - 1))
    curves = [ax.plot(sol.q, sol.theta[k, :, state], color=colour, label=f"$t_{{{k}}}$")[0]
              for k, colour in enumerate(colours)]
    ax.axvline(sol.target[1], color="0.5", lw=0.8, ls=":", label="next target $q^*_{t_1}$")
    ax.set(xlabel="inventory $q$ [shares]", ylabel=r"$\theta(t_k, q, m)$ [\$]", title=title)
    ax.legend(handles=curves, ncol=2, fontsize="small", loc="lower left")
    return fig


def control(sol, kind: str, venue: int, k: int, state: int) -> np.ndarray:
    """Limit (NaN where nothing is posted) or volume (``kind``) of one venue at one step and
    state, against the inventory."""
    if kind == "volume":
        return sol.volume[k, venue, :, state]
    limit = sol.limit[k, venue, :, state].astype(float)
    limit[sol.limit[k, venue, :, state] == fd.NO_LIMIT] = np.nan
    return limit


def strategy_figure(sol, kind: str, venues: list[int], state: int, steps: tuple[int, ...],
                    title: str) -> plt.Figure:
    """Limits or volumes (``kind``) of ``venues`` against inventory at ``steps`` (the paper's
    Figures 10–25, 30–45)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    curves = []
    for venue, style in zip(venues, ("-", "--"), strict=False):
        # two venues' limits are drawn 1.4 points apart for legibility, at their exact values
        shift = offset_copy(ax.transData, fig=fig, units="points",
                            y=1.4 * (2 * venue - 1) * (len(venues) > 1))
        for k, colour in zip(steps, COLOURS, strict=False):
            y = control(sol, kind, venue, k, state)
            label = f"$t_{k}$" + (f", venue {venue + 1}" if len(venues) > 1 else "")
            if kind == "limit":
                curves += ax.step(sol.q, y, where="mid", ls=style, color=colour, label=label,
                                  transform=shift)
            else:
                curves += ax.plot(sol.q, y, ls=style, color=colour, label=label)
    ax.axvline(sol.target[1], color="0.5", lw=0.8, ls=":", label="next target $q^*_{t_1}$")
    if kind == "limit":
        ax.set_yticks(list(LIMIT_NAMES), list(LIMIT_NAMES.values()))
        ax.set_ylim(-1.5, 1.5)
        ax.set_ylabel("optimal limit $j$")
    else:
        ax.set_ylabel(r"optimal volume $\ell$ [shares]")
    ax.set(xlabel="inventory $q$ [shares]", xlim=(0, sol.q[-1]), title=title)
    ax.legend(handles=curves, fontsize="small", ncol=2 if len(venues) > 1 else 1)
    return fig


def strategy_group(sol, first: int, case: str, states: dict[str, int],
                   steps: tuple[int, ...]) -> dict[str, plt.Figure]:
    """The eight strategy figures of one case, by figure id, numbered from ``first``: limits
    and volumes of each venue in m_eq, then limits and volumes of both venues in m_spr and in
    m_imb (``states`` as :func:`named_states`)."""
    panels = [("limit", [venue], "eq") for venue in (0, 1)]
    panels += [("volume", [venue], "eq") for venue in (0, 1)]
    panels += [(kind, [0, 1], name) for name in ("spr", "imb") for kind in ("limit", "volume")]
    out = {}
    for number, (kind, venues, name) in enumerate(panels, start=first):
        which = f", venue {venues[0] + 1}" if len(venues) == 1 else ""
        out[f"liquidity_pools-fig{number:02d}"] = strategy_figure(
            sol, kind, venues, states[name], steps, f"{case}{which}, {STATE_TITLES[name]}")
    return out


def first_use(sol, k: int, venue: int, state: int, j: int) -> float:
    """The smallest inventory at which limit j is used at step k (NaN if never)."""
    hit = np.flatnonzero(sol.limit[k, venue, :, state] == j)
    return float(sol.q[hit[0]]) if hit.size else np.nan


def thresholds(sol, k: int, venue: int, state: int) -> str:
    """The inventory from which each limit is first used, as text."""
    uses = {j: first_use(sol, k, venue, state, j) for j in (1, 0, -1)}
    return ", ".join(f"{j:+d} never" if np.isnan(q) else f"{j:+d} from {q:g}"
                     for j, q in uses.items())


def threshold_report(sol, case: str, states: dict[str, int], name: str = "eq") -> str:
    """One line per venue at the first and last decision steps, in the state ``name`` of
    ``states``: the inventories from which each limit is first used (:func:`thresholds`)."""
    last = sol.volume.shape[0] - 1
    return "\n".join(f"{case}, m_{name}, t_{k}, venue {venue + 1}: "
                     f"{thresholds(sol, k, venue, states[name])}"
                     for k in (0, last) for venue in range(sol.volume.shape[1]))


def limits_monotone(sol, states: dict[str, int], names: tuple[str, ...] = ("eq", "spr", "imb"),
                    steps: tuple[int, ...] | None = None) -> bool:
    """Whether, where a venue posts, its limit never rises with the inventory (second best
    +1, then best 0, then new best -1), for both venues, in the states ``names`` of
    ``states``, at ``steps`` (default: the first and last decisions)."""
    steps = (0, sol.volume.shape[0] - 1) if steps is None else steps
    for k in steps:
        for name in names:
            for venue in range(sol.volume.shape[1]):
                posted = sol.volume[k, venue, :, states[name]] > 0
                if np.any(np.diff(sol.limit[k, venue, posted, states[name]]) > 0):
                    return False
    return True
