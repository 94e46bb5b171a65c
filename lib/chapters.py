"""The book's chapters: where each lives and the domain of its parameters.

A chapter's parameters and their defaults are the assignments of its cell tagged
``parameters``; the function registered here for the chapter checks a full set of values
(raising ``ValueError`` naming the parameter) and returns them normalised for provenance.
The chapter calls the same function right after its parameters cell, so the command line
and the notebook reject the same values.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import jupytext

from lib import validation

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def almgren_chriss(*, Q: float, T: float, theta: float, k_values: list[float],
                   penalties: list[float], eta_values: list[float], n_points: int) -> dict:
    """Parameters of ``book/almgren_chriss.md`` (source 004, spec-002 §3.3).

    Q shares to buy (> 0); T horizon (> 0); theta temporary impact (> 0); k_values the
    values of sqrt(kappa/theta) to plot (each >= 0); penalties the finite terminal penalties
    M of the Riccati convergence study (each > 0); eta_values permanent-impact coefficients
    (each >= 0); n_points samples per curve (>= 2).
    """
    return {
        "Q": validation.positive("Q", Q),
        "T": validation.positive("T", T),
        "theta": validation.positive("theta", theta),
        "k_values": validation.sequence("k_values", k_values, validation.nonnegative),
        "penalties": validation.sequence("penalties", penalties, validation.positive),
        "eta_values": validation.sequence("eta_values", eta_values, validation.nonnegative),
        "n_points": validation.integer("n_points", n_points, minimum=2),
    }


def position_building(*, kappa: float, lam: float, n_points: int, seed: int) -> dict:
    """Parameters of ``book/position_building.md`` (source 002, spec-002).

    kappa permanent impact of the single-(kappa, lam) figures (> 0); lam B's size relative to
    A (> 0); n_points samples per curve (>= 11); seed of the random Nash-gap perturbations
    (>= 0).
    """
    return {
        "kappa": validation.positive("kappa", kappa),
        "lam": validation.positive("lam", lam),
        "n_points": validation.integer("n_points", n_points, minimum=11),
        "seed": validation.integer("seed", seed, minimum=0),
    }


def trade_signals(*, rho: float, seed: int, n_steps: int, n_paths: int, n_agents: int,
                  n_points: int) -> dict:
    """Parameters of ``book/trade_signals.md`` (source 000, spec-000).

    rho the signal-price correlation of Figures 1–8 (in [-1, 1]); seed of the Monte Carlo
    figures (>= 0); n_steps Euler steps (>= 10); n_paths paths of Figure 2 (>= 2); n_agents
    agents of Figures 5 and 8 (>= 2); n_points samples per curve (odd, >= 11, so that t = 0.5
    is a sample).
    """
    rho = validation.finite("rho", rho)
    if abs(rho) > 1.0:
        raise ValueError(f"rho must lie in [-1, 1], got {rho}")
    n_points = validation.integer("n_points", n_points, minimum=11)
    if n_points % 2 == 0:
        raise ValueError(f"n_points must be odd, got {n_points}")
    return {
        "rho": rho,
        "seed": validation.integer("seed", seed, minimum=0),
        "n_steps": validation.integer("n_steps", n_steps, minimum=10),
        "n_paths": validation.integer("n_paths", n_paths, minimum=2),
        "n_agents": validation.integer("n_agents", n_agents, minimum=2),
        "n_points": n_points,
    }


def dynamic_trading(*, r: float, n_points: int) -> dict:
    """Parameters of ``book/dynamic_trading.md`` (source 001, spec-001).

    r the discount rate (> 0; the paper's normalisation is 1); n_points samples per curve
    (>= 11).
    """
    return {"r": validation.positive("r", r),
            "n_points": validation.integer("n_points", n_points, minimum=11)}


def liquidity_pools(*, grid: str, slice_index: int, n_slices: int, seed: int,
                    mc_paths: int, nn_iters: int, nn_slices: int) -> dict:
    """Parameters of ``book/liquidity_pools.md`` (source 003, spec-003).

    grid "ci" (Δq = Δℓ = 20 shares) or "full" (10 shares); slice_index the plotted slice (0 to
    19, the parent order's 20 slices); n_slices slices of the adaptive run (1 to 20); seed of
    the adaptive run, the Monte Carlo check and the networks (>= 0); mc_paths Monte Carlo paths
    per start (>= 1000); nn_iters Adam steps per decision step of the networks (10 to 5000);
    nn_slices slices of the adaptive run with the networks (1 to 20).
    """
    if grid not in ("ci", "full"):
        raise ValueError(f"grid must be 'ci' or 'full', got {grid!r}")
    slices = " (the parent order's slices)"
    return {"grid": grid,
            "slice_index": validation.integer("slice_index", slice_index, minimum=0,
                                              maximum=19, why=" (20 slices)"),
            "n_slices": validation.integer("n_slices", n_slices, minimum=1, maximum=20,
                                           why=slices),
            "seed": validation.integer("seed", seed, minimum=0),
            "mc_paths": validation.integer("mc_paths", mc_paths, minimum=1000),
            "nn_iters": validation.integer("nn_iters", nn_iters, minimum=10, maximum=5000),
            "nn_slices": validation.integer("nn_slices", nn_slices, minimum=1, maximum=20,
                                            why=slices)}


VALIDATORS: dict[str, Callable[..., dict]] = {
    "almgren_chriss": almgren_chriss,
    "position_building": position_building,
    "trade_signals": trade_signals,
    "dynamic_trading": dynamic_trading,
    "liquidity_pools": liquidity_pools,
}


def names() -> list[str]:
    """Chapter names, in book order."""
    return list(VALIDATORS)


def source(chapter: str) -> Path:
    """Path of the chapter's MyST notebook; ``ValueError`` listing the chapters if unknown."""
    if chapter not in VALIDATORS:
        raise ValueError(f"unknown chapter {chapter!r}; valid chapters: {', '.join(names())}")
    return BOOK / f"{chapter}.md"


def read(chapter: str):
    """The chapter as a notebook (``nbformat.NotebookNode``), read with jupytext."""
    return jupytext.read(source(chapter))


def default_parameters(chapter: str) -> dict:
    """Names and default values assigned in the chapter's ``parameters`` cell, in order."""
    cells = [c for c in read(chapter).cells
             if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"chapter {chapter!r} must have exactly one cell tagged 'parameters', "
                         f"found {len(cells)}")
    defaults = {}
    for node in ast.parse(cells[0].source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            raise ValueError(f"the parameters cell of {chapter!r} may only assign literals "
                             "to names")
        defaults[node.targets[0].id] = ast.literal_eval(node.value)
    return defaults


def unknown_parameters(chapter: str, names: Iterable[str]) -> str | None:
    """A message listing the valid parameters if any of ``names`` is not one; else None."""
    defaults = default_parameters(chapter)
    unknown = sorted(set(names) - set(defaults))
    if not unknown:
        return None
    return (f"unknown parameter(s) {', '.join(unknown)} for chapter {chapter!r}; "
            f"valid parameters: {', '.join(defaults)}")


def validate(chapter: str, overrides: Mapping[str, object]) -> dict:
    """Check parameter names and values for a chapter; return the full normalised set.

    Unknown names raise ``ValueError`` listing the valid ones; out-of-domain values raise
    ``ValueError`` naming the parameter.
    """
    message = unknown_parameters(chapter, overrides)
    if message:
        raise ValueError(message)
    return VALIDATORS[chapter](**{**default_parameters(chapter), **overrides})


def validator_parameters(chapter: str) -> list[str]:
    """Keyword names accepted by the chapter's validator (tests compare them to the cell)."""
    return list(inspect.signature(VALIDATORS[chapter]).parameters)
