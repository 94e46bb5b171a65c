"""Feedback loadings of the optimal trading rate (Sections 2.4, 3.2.2 and 3.3.2 of the paper;
book eqs. (ts-single-feedback), (ts-shared-loadings), (ts-separate-loadings)).

The optimal rate is affine in the state, e.g. ``nu* = nu0 + nu_q q + nu_V V`` for the single
agent. Each function takes the coefficients of one model, either as the ``LQSolution`` of
``models.solve_<model>`` or as the callable of ``models.solve_<model>_transcribed``, and
returns a dict of arrays with the shape of ``t``. The formulas are the paper's, written on
the coefficients ``c_i`` with the misprint of ``nu_V`` in Section 2.4 corrected and the bars
lost in Section 3.3.2 restored; the generic solution's
``LQSolution.feedback`` gives the same numbers by another route.

``loading_curve`` turns one loading into a function of ``t`` (the coefficients are dense ODE
output) and ``landmarks`` locates the roots and interior extrema of such a function, e.g. the
sign change and the peak of ``nu_qbar`` that Section 3.2.2 of the paper describes for Figure 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from lib.riccati import LQSolution
from lib.signals import models
from lib.signals.params import Params, require_params

Array = np.ndarray

__all__ = [
    "Landmarks",
    "landmarks",
    "loading_curve",
    "loadings_separate",
    "loadings_shared",
    "loadings_single",
]


def loadings_single(
    sol: LQSolution | models.Coefficients, t: object, p: Params
) -> dict[str, Array]:
    """Single agent, book eq. (ts-single-feedback): keys ``const, q, V``.

    ``nu0 = (c2 - gamma c3)/(2k)``, ``nu_q = (b + 2 c4 - gamma c6)/(2k)`` and
    ``nu_V = (c6 - 2 gamma c5)/(2k)`` (Section 2.4 of the paper prints ``2 b c5``).
    """
    p = require_params(p, "p")
    c = models.coefficients(sol, t, "single")
    two_k, gamma = 2.0 * p.k, p.gamma
    return {
        "const": (c[1] - gamma * c[2]) / two_k,
        "q": (p.b + 2.0 * c[3] - gamma * c[5]) / two_k,
        "V": (c[5] - 2.0 * gamma * c[4]) / two_k,
    }


def loadings_shared(
    sol: LQSolution | models.Coefficients, t: object, p: Params
) -> dict[str, Array]:
    """Shared signal in equilibrium, book eq. (ts-shared-loadings): keys
    ``const, q, qbar, Vbar``.

    ``nu0 = c2/kappa``, ``nu_q = c5/k``, ``nu_qbar = (2k c8 - 2 kbar c5)/(2k kappa)`` and
    ``nu_Vbar = c9/kappa``.
    """
    p = require_params(p, "p")
    c = models.coefficients(sol, t, "shared")
    k, kappa = p.k, p.kappa
    return {
        "const": c[1] / kappa,
        "q": c[4] / k,
        "qbar": (2.0 * k * c[7] - 2.0 * p.k_bar * c[4]) / (2.0 * k * kappa),
        "Vbar": c[8] / kappa,
    }


def loadings_separate(
    sol: LQSolution | models.Coefficients, t: object, p: Params
) -> dict[str, Array]:
    """Separate signals in equilibrium, book eq. (ts-separate-loadings): keys
    ``const, q, qbar, V, Vbar``.

    ``nu0 = f1 = (c2 - gamma c4)/kappa``, ``nu_q = (2 c6 - gamma c11)/(2k)``,
    ``nu_qbar = (2k (c10 - gamma c13) - kbar (2 c6 - gamma c11))/(2k kappa)``,
    ``nu_V = (c11 - 2 gamma c8)/(2k)`` and
    ``nu_Vbar = (2k (c12 - gamma c15) - kbar (c11 - 2 gamma c8))/(2k kappa)`` (the bars that
    our copy of Section 3.3.2 loses, restored).
    """
    p = require_params(p, "p")
    c = models.coefficients(sol, t, "separate")
    k, kappa, gamma = p.k, p.kappa, p.gamma
    kq = 2.0 * c[5] - gamma * c[10]
    kv = c[10] - 2.0 * gamma * c[7]
    return {
        "const": (c[1] - gamma * c[3]) / kappa,
        "q": kq / (2.0 * k),
        "qbar": (2.0 * k * (c[9] - gamma * c[12]) - p.k_bar * kq) / (2.0 * k * kappa),
        "V": kv / (2.0 * k),
        "Vbar": (2.0 * k * (c[11] - gamma * c[14]) - p.k_bar * kv) / (2.0 * k * kappa),
    }


_LOADINGS = {"single": (models.solve_single, loadings_single),
             "shared": (models.solve_shared, loadings_shared),
             "separate": (models.solve_separate, loadings_separate)}


def loading_curve(model: str, name: str, p: Params) -> Callable[[object], Array]:
    """``t -> nu_name(t)`` of ``model`` (a key of ``models.MONOMIALS``) at ``p``, vectorised
    over ``t``, from the dense output of ``models.solve_<model>``; e.g. ``("shared", "qbar")``
    is ``nu_qbar`` of book eq. (ts-shared-loadings)."""
    p = require_params(p, "p")
    if model not in _LOADINGS:
        raise ValueError(f"model must be one of {', '.join(_LOADINGS)}, got {model!r}")
    solve, loadings = _LOADINGS[model]
    sol = solve(p)
    names = loadings(sol, p.T, p)
    if name not in names:
        raise ValueError(f"name must be one of {', '.join(names)} for {model}, got {name!r}")

    def curve(t: object) -> Array:
        return loadings(sol, t, p)[name]

    return curve


@dataclass(frozen=True)
class Landmarks:
    """Roots and interior local extrema of a function on ``[t0, t1]``, each as ``(t, value)``
    in increasing ``t``."""

    roots: tuple[tuple[float, float], ...]
    maxima: tuple[tuple[float, float], ...]
    minima: tuple[tuple[float, float], ...]


def landmarks(
    curve: Callable[[object], object], t0: float, t1: float, *, n_grid: int = 2001
) -> Landmarks:
    """Roots and interior local extrema of ``curve`` on ``[t0, t1]``.

    ``curve`` is evaluated once on ``n_grid`` equispaced times (vectorised) and at scalars.
    Every sign change between grid samples (exact zeros skipped) is refined by ``brentq`` to
    ``xtol = 1e-12``; every interior grid extremum by ``minimize_scalar`` bounded by its two
    neighbours, ``xatol = 1e-10``. Features closer than the grid spacing may be missed.
    """
    if not (np.isfinite(t0) and np.isfinite(t1) and t0 < t1):
        raise ValueError(f"need finite t0 < t1, got t0 = {t0}, t1 = {t1}")
    if n_grid < 3:
        raise ValueError(f"n_grid must be at least 3, got {n_grid}")
    grid = np.linspace(t0, t1, n_grid)
    values = np.asarray(curve(grid), dtype=float)
    if values.shape != grid.shape or not np.all(np.isfinite(values)):
        raise ValueError("curve must return finite values with the shape of t")

    def at(t: float) -> float:
        return float(curve(t))

    nonzero = np.flatnonzero(values)
    change = nonzero[:-1][np.sign(values[nonzero[:-1]]) != np.sign(values[nonzero[1:]])]
    after = nonzero[np.searchsorted(nonzero, change) + 1]
    roots = tuple((r, at(r)) for r in (brentq(at, grid[i], grid[j], xtol=1e-12)
                                       for i, j in zip(change, after, strict=True)))

    def refine(i: int, sign: float) -> tuple[float, float]:
        best = minimize_scalar(lambda t: sign * at(t), bounds=(grid[i - 1], grid[i + 1]),
                               method="bounded", options={"xatol": 1e-10})
        return float(best.x), at(best.x)

    mid, left, right = values[1:-1], values[:-2], values[2:]
    peaks = np.flatnonzero((mid > left) & (mid >= right)) + 1
    troughs = np.flatnonzero((mid < left) & (mid <= right)) + 1
    return Landmarks(roots=roots, maxima=tuple(refine(i, -1.0) for i in peaks),
                     minima=tuple(refine(i, 1.0) for i in troughs))
