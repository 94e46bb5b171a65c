"""Inverse problems (the paper's Section 10, its (37)–(41)): which adversary is my strategy
the best response to?

Solving A's Euler–Lagrange equation, paper (12), for ``b`` gives
``b'' + kappa b' = -(2/lam) a''`` (paper (37)–(38), book eq. (pb-inverse-a)); solving B's,
paper (23), for ``a`` gives ``a'' + kappa a' = -2 lam b''`` (paper (39)–(41), book eq.
(pb-inverse-b)). Both are first-order linear in the rate after one integration:

    x(t) = c (1 - e^{-kappa t})/kappa - f int_0^t e^{-kappa (t - u)} y'(u) du,
    c = kappa [1 + f int_0^1 e^{-kappa (1 - u)} y'(u) du] / (1 - e^{-kappa}),

with ``f = 2/lam`` (A's side) or ``f = 2 lam`` (B's side).
"""

from __future__ import annotations

import numpy as np

from lib.competition.costs import check_model
from lib.competition.quadrature import NODES, WEIGHTS
from lib.competition.strategies import Strategy

Array = np.ndarray


def _memory(y: Strategy, t: Array, kappa: float) -> Array:
    """``J(t) = int_0^t e^{-kappa (t - u)} y'(u) du`` for each entry of ``t``."""
    flat = np.asarray(t, dtype=float).ravel()
    u = np.multiply.outer(flat, NODES)
    integrand = np.exp(-kappa * (flat[:, None] - u)) * y.evaluate(u)[1]
    return (flat * (integrand @ WEIGHTS)).reshape(np.shape(t))


def _invert(y: Strategy, *, kappa: float, factor: float, name: str) -> Strategy:
    c = kappa * (1.0 + factor * float(_memory(y, np.array([1.0]), kappa)[0])) \
        / -np.expm1(-kappa)

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        memory = _memory(y, t, kappa)  # J' = y' - kappa J
        _, rate, acc = y.evaluate(t)
        decay = np.exp(-kappa * t)
        value = c * -np.expm1(-kappa * t) / kappa - factor * memory
        x_rate = c * decay - factor * (rate - kappa * memory)
        x_acc = -kappa * c * decay - factor * (acc - kappa * (rate - kappa * memory))
        return value, x_rate, x_acc

    return Strategy(evaluate, name)


def inverse_A(a: Strategy, *, kappa: float, lam: float) -> Strategy:
    """The shape ``b`` to which ``a`` is A's best response (book eq. (pb-inverse-a); for
    ``a = t`` it is ``phi_kappa`` whatever ``lam``, (pb-inverse-linear))."""
    kappa, lam = check_model(kappa, lam)
    return _invert(a, kappa=kappa, factor=2.0 / lam, name=f"BR_A^-1[{a.name}]")


def inverse_B(b: Strategy, *, kappa: float, lam: float) -> Strategy:
    """The strategy ``a`` to which ``b`` is B's best response (book eq. (pb-inverse-b))."""
    kappa, lam = check_model(kappa, lam)
    return _invert(b, kappa=kappa, factor=2.0 * lam, name=f"BR_B^-1[{b.name}]")
