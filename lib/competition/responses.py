"""Best responses to a known adversary (the paper's Section 7, its (12)–(19) and (23)).

A's Euler–Lagrange equation against B's shape ``b`` (paper (12), book eq.
(pb-best-response-equation)) is ``a'' = -(lam/2)(b'' + kappa b')`` with ``a(0) = 0``,
``a(1) = 1``; its solution for any ``b`` is the closed form (pb-best-response),
``a* = t - (lam/2)[b - t + kappa (B(t) - t B(1))]`` with ``B(t) = int_0^t b``. The special
cases (pb-br-risk-averse), (pb-br-risk-neutral) and (pb-br-eager), paper (13)–(19), are closed
forms in the shape families.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lib import validation
from lib.competition.costs import check_model
from lib.competition.quadrature import cumulative, integrate
from lib.competition.strategies import (
    Strategy,
    combine,
    exp_shape,
    parabolic,
    risk_averse,
    risk_neutral,
    unit_times,
)

Array = np.ndarray


def _respond(x: Strategy, *, kappa: float, scale: float, name: str) -> Strategy:
    """``t - scale [x - t + kappa (X(t) - t X(1))]`` with ``X = int x``, and its derivatives."""
    total = integrate(x.value_of)

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        value, rate, acc = x.evaluate(t)
        area = cumulative(x.value_of, t)
        return (t - scale * (value - t + kappa * (area - t * total)),
                1.0 - scale * (rate - 1.0 + kappa * (value - total)),
                -scale * (acc + kappa * rate))

    return Strategy(evaluate, name)


def best_response_strategy(b: Strategy, *, kappa: float, lam: float) -> Strategy:
    """A's best response to B holding ``lam * b`` (book eq. (pb-best-response)), for any unit
    shape ``b``."""
    kappa, lam = check_model(kappa, lam)
    return _respond(b, kappa=kappa, scale=lam / 2.0, name=f"BR_A[{b.name}]")


def best_response_B_strategy(a: Strategy, *, kappa: float, lam: float) -> Strategy:
    """B's best response (its shape) to A holding ``a`` (paper (23), book eq.
    (pb-best-response-b)): ``t - [a - t + kappa (A(t) - t A(1))] / (2 lam)``."""
    kappa, lam = check_model(kappa, lam)
    return _respond(a, kappa=kappa, scale=1.0 / (2.0 * lam), name=f"BR_B[{a.name}]")


def best_response(t: object, b: Callable[[Array], Array], *, kappa: float,
                  lam: float) -> Array:
    """A's best response ``a(t)`` to an adversary of shape ``b`` scaled by ``lam`` (book eq.
    (pb-best-response)).

    ``b`` is any vectorised callable on ``[0, 1]`` with ``b(0) = 0`` and ``b(1) = 1``.
    """
    kappa, lam = check_model(kappa, lam)
    t = unit_times(t)
    ends = np.asarray(b(np.array([0.0, 1.0])), dtype=float)
    if not np.allclose(ends, [0.0, 1.0], rtol=0.0, atol=1e-12):
        raise ValueError(f"b must satisfy b(0) = 0 and b(1) = 1, got {ends.tolist()}")
    total = integrate(b)
    return t - lam / 2.0 * (b(t) - t + kappa * (cumulative(b, t) - t * total))


def br_risk_neutral(*, kappa: float, lam: float) -> Strategy:
    """Best response to B buying at a constant rate, ``t + (lam kappa/4) t(1 - t)`` (paper
    (17)–(18))."""
    kappa, lam = check_model(kappa, lam)
    return parabolic(lam * kappa / 4.0)


def br_eager(sigma: float, *, kappa: float, lam: float) -> Strategy:
    """Best response to the eager ``phi_sigma`` (paper (19), book eq. (pb-br-eager)):
    ``t + lam (kappa - sigma)/(2 sigma) (phi_sigma - t)``: risk-averse iff ``sigma > kappa``."""
    kappa, lam = check_model(kappa, lam)
    sigma = validation.positive("sigma", sigma)
    c = lam * (kappa - sigma) / (2.0 * sigma)
    return combine([(1.0 - c, risk_neutral()), (c, exp_shape(sigma))],
                   name=f"BR_A[phi_{sigma:g}]")


def br_risk_averse(sigma: float, *, kappa: float, lam: float) -> Strategy:
    """Best response to the risk-averse ``r_sigma`` (paper (13)–(16), book eq.
    (pb-br-risk-averse)): ``t + (lam/2) h_{sigma,kappa}(t)``.

    With ``g(t) = (cosh(sigma t) - 1)/sinh(sigma)``,
    ``h = t (1 + kappa tanh(sigma/2)/sigma) - r_sigma(t) - (kappa/sigma) g(t)``; always eager.
    """
    kappa, lam = check_model(kappa, lam)
    sigma = validation.positive("sigma", sigma)
    r = risk_averse(sigma)
    slope = 1.0 + kappa * np.tanh(sigma / 2.0) / sigma
    norm = -np.expm1(-2.0 * sigma)

    def evaluate(t: Array) -> tuple[Array, Array, Array]:
        rv, rr, ra = r.evaluate(t)
        g = np.exp(sigma * (t - 1.0)) * np.expm1(-sigma * t) ** 2 / norm
        # g' = sigma r_sigma, g'' = sigma r_sigma'
        h = (t * slope - rv - kappa / sigma * g, slope - rr - kappa * rv, -ra - kappa * rr)
        return t + lam / 2.0 * h[0], 1.0 + lam / 2.0 * h[1], lam / 2.0 * h[2]

    return Strategy(evaluate, f"BR_A[r_{sigma:g}]")
