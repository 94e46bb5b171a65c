"""The market of Sannikov & Skrzypacz (2016), Sections 2 and 6 of the paper.

``N`` players with risk coefficients ``b`` (holding cost ``b^i (X^i)**2 / 2``), a discount rate
``r``, and optionally a competitive fringe as the last player (Prop 4) or a common-value matrix
``F`` (book eq. (dt-common-preferences), paper (9)–(10)). ``Equilibrium`` is the output of
the numeric solver of ``lib.dynamic_trading.solve``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib import validation

Array = np.ndarray

__all__ = ["Equilibrium", "Market"]


def _frozen(values: Array) -> Array:
    values = np.array(values, dtype=float)
    values.setflags(write=False)
    return values


@dataclass(frozen=True, eq=False)
class Market:
    """Risk coefficients ``b`` (length ``N >= 2``, each > 0), discount ``r > 0``, fringe flag.

    When ``fringe`` is true the last player is a competitive fringe (book eq. (dt-fringe-foc),
    paper (17)). ``F`` is an optional ``(N, N)`` common-value matrix with unit diagonal (paper
    (9)); ``None`` means private values.
    ``b`` and ``F`` are stored as read-only float arrays; a bad value raises ``ValueError``
    naming the field.
    """

    b: Array
    r: float = 1.0
    fringe: bool = False
    F: Array | None = field(default=None)

    def __post_init__(self) -> None:
        b = validation.sequence("b", self.b, validation.positive, min_length=2)
        object.__setattr__(self, "b", _frozen(b))
        object.__setattr__(self, "r", validation.positive("r", self.r))
        if not isinstance(self.fringe, (bool, np.bool_)):
            raise ValueError(f"fringe must be a bool, got {self.fringe!r}")
        object.__setattr__(self, "fringe", bool(self.fringe))
        if self.F is not None:
            F = np.asarray(self.F, dtype=float)
            if F.shape != (self.n, self.n) or not np.all(np.isfinite(F)):
                raise ValueError(f"F must be a finite ({self.n}, {self.n}) matrix")
            if not np.allclose(np.diag(F), 1.0):
                raise ValueError(f"F must have a unit diagonal, got {np.diag(F)}")
            object.__setattr__(self, "F", _frozen(F))

    @property
    def n(self) -> int:
        """Number of players ``N`` (the fringe counts as one)."""
        return self.b.size

    @property
    def capacities(self) -> Array:
        """Risk capacities ``1/b^i``: the no-trade (efficient) direction of every equilibrium."""
        return 1.0 / self.b

    @property
    def b_market(self) -> float:
        """Market risk coefficient ``b_M = (sum_i 1/b^i)**-1`` (book eq. (dt-first-best))."""
        return 1.0 / self.capacities.sum()

    @property
    def strategic(self) -> tuple[int, ...]:
        """Indices of the strategic players (all but the last one with a fringe)."""
        return tuple(range(self.n - 1 if self.fringe else self.n))

    def with_b(self, b: Array) -> Market:
        """The same market with other risk coefficients (used by continuation)."""
        return Market(b, r=self.r, fringe=self.fringe, F=self.F)


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A numeric root of the equilibrium conditions (dt-foc), (dt-lyapunov), (dt-fringe-foc)
    (paper (15)–(17)): price row ``P`` (N,), flows ``Q`` (N, N), value matrices ``A`` (one
    (N, N) matrix per player, paper (16)), the market, the max-norm residual and whether the
    root finder converged."""

    P: Array
    Q: Array
    A: tuple[Array, ...]
    market: Market
    residual: float
    converged: bool
