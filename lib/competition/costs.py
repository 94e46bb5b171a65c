"""Costs of position building in competition: paper (1)–(4) (book eqs. (pb-instantaneous-costs),
(pb-total-costs)), the weighted cost (pb-weighted-cost), the sensitivities (51)–(54) and the
cumulative cost of the paper's Section 5.1 (pb-parabolic-cost).

Units: temporary impact coefficient 1, permanent impact ``kappa``; costs are relative to the
unperturbed price, so a negative cost is a profit. A holds ``a``, B holds ``lam * b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.competition.quadrature import cumulative, integrate
from lib.competition.strategies import Strategy, unit_times

Array = np.ndarray


@dataclass(frozen=True)
class CostBreakdown:
    """Temporary-impact and permanent-impact parts of a cost, and their total."""

    temp: float
    perm: float

    @property
    def total(self) -> float:
        return self.temp + self.perm


def check_model(kappa: float, lam: float) -> tuple[float, float]:
    """``(kappa, lam)`` after checking both are finite and > 0."""
    return validation.positive("kappa", kappa), validation.positive("lam", lam)


def _weight(lam: float, weight: float | None) -> float:
    return lam if weight is None else validation.positive("weight", weight)


def cost_A(a: Strategy, b: Strategy, *, kappa: float, lam: float,
           weight: float | None = None) -> CostBreakdown:
    """A's cost, paper (3), with B's weight explicit (book eq. (pb-weighted-cost)):
    ``int a'(a' + w b') + kappa int a'(a + w b)``.

    ``w = lam`` (default) is the model; ``weight=1`` is the unstated convention that reproduces
    the paper's Tables 4–5 (see the chapter's erratum on the cost convention).
    """
    kappa, lam = check_model(kappa, lam)
    w = _weight(lam, weight)

    def temp(t: Array) -> Array:
        _, da, _ = a.evaluate(t)
        return da * (da + w * b.evaluate(t)[1])

    def perm(t: Array) -> Array:
        x, da, _ = a.evaluate(t)
        return da * (x + w * b.evaluate(t)[0])

    return CostBreakdown(integrate(temp), kappa * integrate(perm))


def cost_B(a: Strategy, b: Strategy, *, kappa: float, lam: float) -> CostBreakdown:
    """B's cost, paper (4) with the integrand (2): B's rate ``lam b'`` times the price it
    pays."""
    kappa, lam = check_model(kappa, lam)

    def temp(t: Array) -> Array:
        db = b.evaluate(t)[1]
        return lam * db * (a.evaluate(t)[1] + lam * db)

    def perm(t: Array) -> Array:
        x, db, _ = b.evaluate(t)
        return lam * db * (a.evaluate(t)[0] + lam * x)

    return CostBreakdown(integrate(temp), kappa * integrate(perm))


def cumulative_cost_A(a: Strategy, b: Strategy, t: object, *, kappa: float,
                      lam: float) -> Array:
    """A's cost accrued by time ``t``, ``int_0^t c_A`` (paper (1); book eq.
    (pb-parabolic-cost) for parabolic ``a``)."""
    kappa, lam = check_model(kappa, lam)
    t = unit_times(t)

    def c_A(s: Array) -> Array:
        x, da, _ = a.evaluate(s)
        y, db, _ = b.evaluate(s)
        return da * (da + lam * db) + kappa * da * (x + lam * y)

    return cumulative(c_A, t)


def sensitivities(a: Strategy, b: Strategy, *, kappa: float, lam: float) -> dict[str, float]:
    """Partial derivatives of ``C_A`` and ``C_B`` in ``kappa`` and ``lam`` at fixed strategies
    (paper (51)–(54), book eq. (pb-sensitivities); the paper does not say the strategies are
    held fixed, this is the natural reading)."""
    kappa, lam = check_model(kappa, lam)

    def parts(t: Array) -> tuple[Array, ...]:
        x, da, _ = a.evaluate(t)
        y, db, _ = b.evaluate(t)
        return x, da, y, db

    def integral(expr) -> float:
        return integrate(lambda t: expr(*parts(t)))

    return {
        "dCA/dkappa": integral(lambda x, da, y, db: da * (x + lam * y)),
        "dCA/dlam": integral(lambda x, da, y, db: da * (db + kappa * y)),
        "dCB/dkappa": lam * integral(lambda x, da, y, db: db * (x + lam * y)),
        "dCB/dlam": integral(lambda x, da, y, db: db * (da + 2 * lam * db)
                             + kappa * db * (x + 2 * lam * y)),
    }


def sensitivity_errors(a: Strategy, b: Strategy, *, kappa: float, lam: float,
                       step: float = 1e-3) -> dict[str, tuple[float, float]]:
    """For each entry of ``sensitivities`` (paper (51)–(54), book eq. (pb-sensitivities)),
    ``(analytic value, central difference)``: the central difference with ``step`` of
    ``cost_A(...).total`` or ``cost_B(...).total`` in ``kappa`` or ``lam`` at the fixed
    strategies ``a``, ``b``.

    At fixed strategies ``C_A`` is affine in ``kappa`` and in ``lam`` and ``C_B`` is affine in
    ``kappa`` and quadratic in ``lam`` (paper (3)–(4)), so the central differences are exact
    up to round-off, of relative size about ``1e-16 |C| / (step |dC|)``.
    """
    kappa, lam = check_model(kappa, lam)
    step = validation.positive("step", step)
    if step >= min(kappa, lam):
        raise ValueError(f"step must be below kappa and lam (both stay > 0), got {step}")
    moves = {"dCA/dkappa": (cost_A, step, 0.0), "dCA/dlam": (cost_A, 0.0, step),
             "dCB/dkappa": (cost_B, step, 0.0), "dCB/dlam": (cost_B, 0.0, step)}
    result = {}
    for name, value in sensitivities(a, b, kappa=kappa, lam=lam).items():
        cost, dk, dl = moves[name]
        up = cost(a, b, kappa=kappa + dk, lam=lam + dl).total
        down = cost(a, b, kappa=kappa - dk, lam=lam - dl).total
        result[name] = (value, (up - down) / (2.0 * step))
    return result
