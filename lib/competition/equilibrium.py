"""Two-trader and n-trader equilibria of position building (the paper's Sections 8–9, its
(22)–(36)).

Two traders: A buys one unit, B buys ``lam`` units, both by t = 1, with temporary impact 1
and permanent impact ``kappa``. The Nash equilibrium (paper (26)–(27), book eq.
(pb-equilibrium)) is

    a = (1 + lam)/2 phi_{kappa/3} - (lam - 1)/2 psi_kappa,
    b = [(1 + lam)/2 phi_{kappa/3} + (lam - 1)/2 psi_kappa] / lam,

and its costs have the closed form (pb-equilibrium-cost).
"""

from __future__ import annotations

import math

import numpy as np

from lib import validation
from lib.competition.costs import CostBreakdown, check_model
from lib.competition.strategies import Strategy, back_loaded, combine, exp_shape, unit_times

Array = np.ndarray


def equilibrium_strategies(*, kappa: float, lam: float) -> tuple[Strategy, Strategy]:
    """``(a_lam, b_lam)`` of paper (26)–(27) as strategies (B's shape ``b``; B holds
    ``lam * b``)."""
    kappa, lam = check_model(kappa, lam)
    phi, psi = exp_shape(kappa / 3.0), back_loaded(kappa)
    plus, minus = (1.0 + lam) / 2.0, (lam - 1.0) / 2.0
    a = combine([(plus, phi), (-minus, psi)], name="a_lambda")
    b = combine([(plus / lam, phi), (minus / lam, psi)], name="b_lambda")
    return a, b


def two_trader_equilibrium(t: object, *, kappa: float, lam: float) -> tuple[Array, Array]:
    """Equilibrium unit strategies ``(a(t), b(t))`` of A and B (paper (26)–(27); B holds
    ``lam * b``)."""
    a, b = equilibrium_strategies(kappa=kappa, lam=lam)
    t = unit_times(t)
    return a(t), b(t)


def equilibrium_limits(lam: float) -> tuple[float, float]:
    """Plateaus of ``a_lam`` and ``b_lam`` inside (0, 1) as ``kappa -> inf`` (book eq.
    (pb-large-kappa))."""
    lam = validation.positive("lam", lam)
    return (lam + 1.0) / 2.0, (lam + 1.0) / (2.0 * lam)


def _coth(x: float) -> float:
    return (1.0 + math.exp(-2.0 * x)) / -math.expm1(-2.0 * x)


def equilibrium_cost(*, kappa: float, lam: float, weight: float | None = None) -> CostBreakdown:
    """A's cost at the equilibrium in closed form (book eq. (pb-equilibrium-cost)).

    ``weight`` multiplies B's trading in A's cost: ``None`` means ``lam`` (the model, paper
    (3)); ``1`` is the convention of the paper's Tables 4–5 (book eq. (pb-weighted-cost)).
    """
    kappa, lam = check_model(kappa, lam)
    w = lam if weight is None else validation.positive("weight", weight)
    e1, e2, e3 = math.exp(-kappa / 3.0), math.exp(-2.0 * kappa / 3.0), math.exp(-kappa)
    one_minus_e3 = -math.expm1(-kappa)
    gram = np.array([
        [kappa / 6.0 * _coth(kappa / 6.0), kappa / 2.0 * (e1 + e2) / one_minus_e3],
        [kappa / 2.0 * (e1 + e2) / one_minus_e3, kappa / 2.0 * _coth(kappa / 2.0)],
    ])
    k12 = (one_minus_e3 - 1.5 * (e1 - e3)) / (-math.expm1(-kappa / 3.0) * one_minus_e3)
    cross = np.array([[0.5, k12], [1.0 - k12, 0.5]])  # K_ij = int phi_i phi_j'
    alpha = np.array([(1.0 + lam) / 2.0, -(lam - 1.0) / 2.0])
    beta = np.array([(1.0 + lam) / (2.0 * lam), (lam - 1.0) / (2.0 * lam)])
    temp = alpha @ gram @ alpha + w * alpha @ gram @ beta
    perm = kappa * (0.5 + w * beta @ cross @ alpha)
    return CostBreakdown(float(temp), float(perm))


def symmetric_rate(*, kappa: float, n: float) -> float:
    """Rate ``rho_n = kappa (n - 1)/(n + 1)`` of the n-trader equilibrium (paper (31));
    ``kappa`` at ``n = inf`` (paper (35)–(36))."""
    kappa = validation.positive("kappa", kappa)
    if isinstance(n, bool) or not isinstance(n, (int, float, np.integer, np.floating)) \
            or math.isnan(n) or n < 1:
        raise ValueError(f"n must be a number >= 1 (or inf), got {n!r}")
    return kappa if math.isinf(n) else kappa * (n - 1.0) / (n + 1.0)


def n_trader_strategy(*, kappa: float, n: float) -> Strategy:
    """The symmetric equilibrium strategy ``phi_{rho_n}`` of n unit traders (paper
    (31)–(36))."""
    return exp_shape(symmetric_rate(kappa=kappa, n=n))


def n_trader_equilibrium(t: object, *, kappa: float, n: float) -> Array:
    """Each trader's holding ``x(t)`` in the symmetric n-trader equilibrium (paper (31);
    ``n = inf`` gives ``phi_kappa``, paper (35)–(36), and ``n = 1`` gives ``t``)."""
    return n_trader_strategy(kappa=kappa, n=n)(t)
