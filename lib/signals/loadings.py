"""Feedback loadings of the optimal trading rate (Sections 2.4, 3.2.2 and 3.3.2 of the paper;
book eqs. (ts-single-feedback), (ts-shared-loadings), (ts-separate-loadings)).

The optimal rate is affine in the state, e.g. ``nu* = nu0 + nu_q q + nu_V V`` for the single
agent. Each function takes the coefficients of one model, either as the ``LQSolution`` of
``models.solve_<model>`` or as the callable of ``models.solve_<model>_transcribed``, and
returns a dict of arrays with the shape of ``t``. The formulas are the paper's, written on
the coefficients ``c_i`` with the misprint of ``nu_V`` in Section 2.4 corrected and the bars
lost in Section 3.3.2 restored; the generic solution's
``LQSolution.feedback`` gives the same numbers by another route.
"""

from __future__ import annotations

import numpy as np

from lib.riccati import LQSolution
from lib.signals import models
from lib.signals.params import Params, require_params

Array = np.ndarray

__all__ = ["loadings_separate", "loadings_shared", "loadings_single"]


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
