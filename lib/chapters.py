"""The book's chapters: where each lives and the declared domains of its parameters.

A chapter's parameters and their defaults are the assignments of its cell tagged
``parameters``. The ``Validator`` declared here for the chapter (``lib.domains``) holds the
domain of each parameter and the rules that tie several together; called with a full set of
values it checks them (raising ``ValueError`` naming the parameter) and returns them
normalised for provenance. The chapter calls it right after its parameters cell, so the
command line and the notebook reject the same values; ``python -m lib.reproduce CHAPTER
--list`` prints it, and ``tests/test_parameter_domains.py`` checks it against the chapter's
core computation (``lib.cores``).
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import jupytext

from lib.domains import Parameter, Rule, Validator

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def _schedule_horizon(values: dict) -> dict:
    """Each k T at most 30: beyond, the schedule stays below e^-30 Q until the last instants
    and the integrated Riccati coefficients lose their digits."""
    for i, k in enumerate(values["k_values"]):
        if k * values["T"] > 30:
            raise ValueError(f"k_values[{i}] * T must be <= 30 (beyond, the schedule stays "
                             f"below e^-30 Q until the last instants and the integrated "
                             f"coefficients lose their digits), got {k * values['T']:g}")
    return values


def _finite_penalties(values: dict) -> dict:
    """At least one finite penalty, each at most 1e12 theta/T; M = inf dropped (always
    studied)."""
    scale = values["theta"] / values["T"]
    for i, M in enumerate(values["penalties"]):
        if M < math.inf and M > 1e12 * scale:
            raise ValueError(f"penalties[{i}] * T / theta must be <= 1e12 (the integration "
                             f"cannot resolve the first instants, theta/M, beyond), got "
                             f"{M / scale:g}")
    finite = [M for M in values["penalties"] if M < math.inf]
    if not finite:
        raise ValueError("penalties must hold at least one finite value (the convergence "
                         "figure plots them; M = inf is always studied)")
    return {**values, "penalties": finite}


def _eta_values(values: dict) -> dict:
    """Each eta 0 or at least 1e-6 theta/T, so that eta Q^2/2 stands out of the cost's rounding
    (the chapter divides the cost shift by it)."""
    for i, eta in enumerate(values["eta_values"]):
        if 0 < eta * values["T"] / values["theta"] < 1e-6:
            raise ValueError(f"eta_values[{i}] must be 0 or eta * T / theta >= 1e-6 (the "
                             f"cost shift eta Q^2/2 is lost in the cost's rounding below), "
                             f"got {eta * values['T'] / values['theta']:g}")
    return values


_LIST = (1, 8)   # lists of values to plot: one Okabe–Ito colour each
_CHECKED = " (six decades around the post's 1, the range the chapter is checked on)"
_SEED = {"kind": "integer", "lower": 0, "upper": 2**32 - 1, "why_upper": " (a 32-bit seed)"}

almgren_chriss = Validator("almgren_chriss", (
    Parameter("Q", "shares to buy", lower=1.0, upper=1e12,
              why_lower=" (a share: the closed loop is integrated to 1e-12 shares)",
              why_upper=" (costs, of order Q^2 M, stay far from overflow)"),
    Parameter("T", "horizon", lower=1e-3, upper=1e3, why_lower=_CHECKED, why_upper=_CHECKED),
    Parameter("theta", "temporary impact", lower=1e-3, upper=1e3, why_lower=_CHECKED,
              why_upper=_CHECKED),
    Parameter("k_values", "values of sqrt(kappa/theta) to plot", lower=0.0, lower_open=True,
              upper=3e4, length=_LIST,
              why_lower=" (k = 0 is the linear schedule, which the figures already show)"),
    Parameter("penalties", "terminal penalties M of the Riccati convergence study "
              "(M = inf is always studied)", lower=1e-6, upper=1e12, allow_inf=True,
              length=_LIST),
    Parameter("eta_values", "permanent-impact coefficients", lower=0.0, upper=1e12,
              length=_LIST),
    Parameter("n_points", "samples per curve", kind="integer", lower=2, upper=1000,
              why_upper=" (each sample is checked against sympy at 50 digits)"),
), rules=(
    Rule("k_values[i] * T <= 30", _schedule_horizon),
    Rule("penalties[i] * T / theta <= 1e12, at least one finite (inf is dropped: M = inf is "
         "always studied)", _finite_penalties),
    Rule("eta_values[i] = 0 or eta_values[i] * T / theta >= 1e-6", _eta_values),
))


def _samples_at(step: int, times: str) -> Rule:
    """``n_points - 1`` a multiple of ``step``, so that the times the chapter prints at are
    samples of its grid on [0, 1]."""
    words = "odd" if step == 2 else f"1 more than a multiple of {step}"

    def check(values: dict) -> dict:
        if (values["n_points"] - 1) % step:
            raise ValueError(f"n_points must be {words} (so that {times}), got "
                             f"{values['n_points']}")
        return values

    return Rule(f"n_points {words} (so that {times})", check)


_CURVE = {"kind": "integer", "lower": 11, "upper": 10_001,
          "why_upper": " (run time and csv files grow with it)"}

position_building = Validator("position_building", (
    Parameter("kappa", "permanent impact of the single-(kappa, lam) figures", lower=0.0,
              lower_open=True, upper=1e4,
              why_upper=" (beyond, the Nash gaps lose their agreement with their closed form "
              "to rounding)"),
    Parameter("lam", "B's size relative to A", lower=1e-3, upper=1e3,
              why_lower=" (B's Nash gap, lam^2 times A's, is lost to rounding below)",
              why_upper=" (A's Nash gap, lam^-2 times B's, is lost to rounding beyond)"),
    Parameter("n_points", "samples per curve", **_CURVE),
    Parameter("seed", "seed of the random Nash-gap perturbations", **_SEED),
), rules=(_samples_at(10, "t = 0.1 and t = 0.5 are samples"),))

trade_signals = Validator("trade_signals", (
    Parameter("rho", "signal-price correlation of Figures 1-8", lower=-1.0, upper=1.0),
    Parameter("seed", "seed of the Monte Carlo figures (seed to seed + 4)", **_SEED),
    Parameter("n_steps", "Euler steps", kind="integer", lower=10, upper=10_000,
              why_upper=" (memory and time grow with n_steps x n_agents; the variance band "
              "simulates 400 markets)"),
    Parameter("n_paths", "paths of Figure 2", kind="integer", lower=2, upper=50,
              why_upper=" (Figure 2 draws every path, three csv columns each)"),
    Parameter("n_agents", "agents of Figures 5 and 8", kind="integer", lower=2, upper=200,
              why_upper=" (Figures 5 and 8 draw every agent, one csv column each)"),
    Parameter("n_points", "samples per curve", **_CURVE),
), rules=(_samples_at(2, "t = 0.5 is a sample"),))

dynamic_trading = Validator("dynamic_trading", (
    Parameter("r", "discount rate (the paper's normalisation is 1)", lower=1e-3, upper=1e3,
              why_lower=" (prices scale as 1/r: the limiting cases, asserted to 1e-9, lose "
              "their digits below)",
              why_upper=" (the exponential-utility equilibrium is no longer found to 1e-10 "
              "beyond)"),
    Parameter("n_points", "samples per curve", **_CURVE),
))

_SLICES = " (the parent order's 20 slices)"
_GRID = {"kind": "choice", "choices": ("ci", "full")}
liquidity_pools = Validator("liquidity_pools", (
    Parameter("grid", '"ci" (steps of 20 shares) or "full" (10 shares)', **_GRID),
    Parameter("slice_index", "the plotted slice", kind="integer", lower=0, upper=19,
              why_upper=_SLICES),
    Parameter("seed", "seed of the Monte Carlo check", **_SEED),
    Parameter("mc_paths", "Monte Carlo paths per start", kind="integer", lower=1000,
              upper=1_000_000,
              why_upper=" (the paths of a start are simulated at once, in memory)"),
))

liquidity_pools_bayes = Validator("liquidity_pools_bayes", (
    Parameter("grid", '"ci" (steps of 20 shares) or "full" (10 shares)', **_GRID),
    Parameter("slice_index", "the slice of Figure 46", kind="integer", lower=0, upper=19,
              why_upper=_SLICES),
    Parameter("n_slices", "slices of the adaptive run", kind="integer", lower=1, upper=20,
              why_upper=_SLICES),
    Parameter("seed", "seed of the adaptive run", **_SEED),
    Parameter("learn_seeds", "adaptive runs (seeds 0, 1, ...) of the learning study",
              kind="integer", lower=50, upper=1000,
              why_lower=" (the study's median and 10-90 % band need at least 50 runs)",
              why_upper=" (about 0.3 s per run and slice on one core)"),
    Parameter("learn_slices", "slices of each run of the learning study", kind="integer",
              lower=3, upper=20,
              why_lower=" (the paper's claims are about the first 1-2 slices and later)",
              why_upper=_SLICES),
))

liquidity_pools_networks = Validator("liquidity_pools_networks", (
    Parameter("grid", '"ci" (steps of 20 shares) or "full" (10 shares)', **_GRID),
    Parameter("slice_index", "the slice of the networks drawn in the figures", kind="integer",
              lower=0, upper=19, why_upper=_SLICES),
    Parameter("seed", "seed of the drawn networks, the first of the studies' seeds",
              kind="integer", lower=0, upper=2**31, why_upper=" (seeds up to seed + 20 stay "
              "32-bit)"),
    Parameter("nn_iters", "Adam steps per decision step of networks trained from scratch",
              kind="integer", lower=200, upper=2000,
              why_lower=" (the page asserts that the networks capture 95 % of the finite "
              "differences' gain, measured at 200 steps)",
              why_upper=" (each slice would train for several minutes)"),
    Parameter("warm_iters", "Adam steps per decision step of warm-started networks",
              kind="integer", lower=15, upper=200,
              why_lower=" (the adaptive runs' targets are measured at 15 steps)",
              why_upper=" (as many as a training from scratch)"),
    Parameter("study_seeds", "training seeds of the earnings study", kind="integer", lower=1,
              upper=10, why_upper=" (each seed trains 20 slices)"),
    Parameter("adaptive_seeds", "seeds of the adaptive runs with each solver", kind="integer",
              lower=2, upper=20, why_lower=" (the page gives the standard error of their "
              "median)", why_upper=" (each run trains 20 slices)"),
    Parameter("nn_slices", "slices of the adaptive runs", kind="integer", lower=1, upper=20,
              why_upper=_SLICES),
))


VALIDATORS: dict[str, Validator] = {
    "almgren_chriss": almgren_chriss,
    "position_building": position_building,
    "trade_signals": trade_signals,
    "dynamic_trading": dynamic_trading,
    "liquidity_pools": liquidity_pools,
    "liquidity_pools_bayes": liquidity_pools_bayes,
    "liquidity_pools_networks": liquidity_pools_networks,
}
"""Every page of the book that is a notebook, in book order, with its parameters' domains.
A chapter's first page carries the chapter's name; the further pages of a chapter written on
several pages are in ``PAGES``."""

PAGES: dict[str, tuple[str, ...]] = {
    "liquidity_pools": ("liquidity_pools_bayes", "liquidity_pools_networks"),
}
"""The further pages of the chapters written on several pages. Each page is a notebook run on
its own (its parameters, its execution, its golden notebook, its folder of figures); the
chapter is the unit of the registry and of the figure ids (``<chapter>-fig<NN>`` on every
page)."""


def names() -> list[str]:
    """Every page that is a notebook (a chapter's first page or a further page), in book
    order: what is executed, validated and compared with a golden notebook."""
    return list(VALIDATORS)


def chapter_names() -> list[str]:
    """The chapters, in book order: the units of the registry and of the figure ids."""
    further = {page for pages in PAGES.values() for page in pages}
    return [name for name in VALIDATORS if name not in further]


def pages(chapter: str) -> tuple[str, ...]:
    """The chapter's pages: its first page, which carries its name, then its further pages."""
    if chapter not in chapter_names():
        raise ValueError(f"unknown chapter {chapter!r}; valid chapters: "
                         f"{', '.join(chapter_names())}")
    return (chapter, *PAGES.get(chapter, ()))


def chapter_of(page: str) -> str:
    """The chapter a page belongs to."""
    for chapter in chapter_names():
        if page in pages(chapter):
            return chapter
    raise ValueError(f"unknown page {page!r}; valid pages: {', '.join(names())}")


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
