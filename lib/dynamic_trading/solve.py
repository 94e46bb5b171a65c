"""Numeric stationary linear equilibria of Sannikov & Skrzypacz (2016).

The unknowns are ``P`` (N) and the first ``N-1`` rows of ``Q`` (the last row makes the column
sums zero): ``N**2`` in all, matched by the ``N**2`` first-order conditions (dt-foc) and
(dt-fringe-foc) (paper (15), (17)), with the value matrices eliminated by Lyapunov solves
(dt-lyapunov), paper (16). Degenerate (no-trade) roots solve the same
equations, so every solution is screened with ``check_conditions`` (Prop 3); ``multistart``
counts the kinds of roots reached from random starting points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import root

from lib import validation
from lib.dynamic_trading import closed_forms
from lib.dynamic_trading.equations import check_conditions, equilibrium_residual, value_matrices
from lib.dynamic_trading.model import Equilibrium, Market

Array = np.ndarray

__all__ = [
    "Census",
    "equilibrium",
    "initial_guess",
    "multistart",
    "pack",
    "solve_by_continuation",
    "solve_equilibrium",
    "unpack",
]

_RESIDUAL_TOL = 1e-10
_NO_TRADE_TOL = 1e-6    # Q counts as zero (no trade) when max |Q_ij| <= _NO_TRADE_TOL * r
_DISTINCT_TOL = 1e-6    # roots closer than this (max norm, relative) are the same root


def pack(P: Array, Q: Array) -> Array:
    """Unknowns ``[P, Q[:N-1].ravel()]`` of length ``N**2``."""
    return np.concatenate([np.asarray(P, dtype=float), np.asarray(Q, dtype=float)[:-1].ravel()])


def unpack(x: Array, N: int) -> tuple[Array, Array]:
    """Inverse of ``pack``: ``(P, Q)`` with the last row of ``Q`` minus the sum of the others."""
    P, rows = x[:N], x[N:].reshape(N - 1, N)
    return P, np.vstack([rows, -rows.sum(axis=0)])


def initial_guess(market: Market, how: str = "auto") -> tuple[Array, Array]:
    """Starting point ``(P0, Q0)`` for the root finder.

    ``how="prop13"``: the Prop 13 approximation (paper (41)), all-strategic markets with ``N >= 3``;
    ``how="efficient"``: ``P0 = Pbar`` (paper (8)) and ``Q0 = kappa0 (I - w 1')`` with
    ``w = (1/b)/sum(1/b)`` and ``kappa0 = r N / 2``, so that ``1' Q0 = 0`` and ``Q0 (1/b) = 0``;
    ``how="auto"``: ``"efficient"`` with a fringe, ``"prop13"`` otherwise.
    """
    if how == "auto":
        how = "efficient" if market.fringe else "prop13"
    if how == "prop13":
        if market.fringe:
            raise ValueError("how='prop13' needs an all-strategic market (fringe=False)")
        P, Q, _, _ = closed_forms.perturbation_approx(market.b, market.r)
        return P, Q
    if how == "efficient":
        w = market.capacities * market.b_market
        kappa0 = market.r * market.n / 2.0
        return (np.full(market.n, -market.b_market / market.r),
                kappa0 * (np.eye(market.n) - np.outer(w, np.ones(market.n))))
    raise ValueError(f"how must be 'auto', 'prop13' or 'efficient', got {how!r}")


def solve_equilibrium(market: Market, guess: tuple[Array, Array] | None = None,
                      tol: float = 1e-13) -> Equilibrium:
    """Root of paper (15)–(17) by ``scipy.optimize.root`` (hybr) from ``guess`` (default
    ``initial_guess(market)``). ``converged`` requires the max residual to be below 1e-10;
    the root may still be degenerate: screen it with ``check_conditions``."""
    P0, Q0 = initial_guess(market) if guess is None else guess
    N = market.n

    def fun(x: Array) -> Array:
        return equilibrium_residual(*unpack(x, N), market)

    sol = root(fun, pack(P0, Q0), method="hybr", tol=tol)
    P, Q = unpack(sol.x, N)
    if not np.all(np.isfinite(sol.x)):
        return Equilibrium(P, Q, (), market, np.inf, False)
    residual = float(np.abs(fun(sol.x)).max())
    return Equilibrium(P, Q, value_matrices(P, Q, market), market, residual,
                       residual < _RESIDUAL_TOL)


def solve_by_continuation(market: Market, steps: int = 20) -> Equilibrium:
    """Homotopy ``b_s = (1 - s) bbar + s b``, ``s = 0, 1/steps, .., 1``, from the symmetric
    market with the mean coefficient ``bbar`` (Prop 12 for all-strategic markets), each
    step started from the previous root. Returns the last root reached (``converged`` is false
    if a step failed or left the non-degenerate branch)."""
    bbar = np.full(market.n, market.b.mean())
    eq = solve_equilibrium(market.with_b(bbar))
    for s in np.linspace(0.0, 1.0, steps + 1)[1:]:
        if not (eq.converged and check_conditions(eq.P, eq.Q).holds):
            return eq
        eq = solve_equilibrium(market.with_b((1 - s) * bbar + s * market.b), guess=(eq.P, eq.Q))
    return eq


def equilibrium(b: Array, *, r: float = 1.0, fringe: bool = False) -> tuple[Array, Array]:
    """Non-degenerate stationary linear equilibrium ``(P, Q)`` for risk coefficients ``b``
    (paper (15)–(17)); the last player is a competitive fringe when ``fringe=True``.

    Solves from ``initial_guess`` and falls back to ``solve_by_continuation``; the result
    passes ``check_conditions`` (Prop 3: ``p < 0``, ``q_ii > 0``, stable, acceptable,
    non-degenerate).

    Raises
    ------
    ValueError : bad ``b`` or ``r``, or two all-strategic players: only degenerate equilibria
        exist (Prop 12 gives ``kappa = r (N-2)/2 = 0`` at ``N = 2``, and ``multistart`` reaches
        only roots with ``Q = 0`` or a zero column of ``Q``).
    RuntimeError : no non-degenerate equilibrium was found.
    """
    market = Market(b, r=r, fringe=fringe)
    if market.n == 2 and not market.fringe:
        raise ValueError(
            "b: with two strategic players and no fringe only degenerate no-trade equilibria "
            "(Q = 0) exist; use N >= 3 or fringe=True")
    eq = solve_equilibrium(market)
    if not (eq.converged and check_conditions(eq.P, eq.Q).holds):
        eq = solve_by_continuation(market)
    conditions = check_conditions(eq.P, eq.Q)
    if not (eq.converged and conditions.holds):
        why = "; ".join(conditions.failures) or f"residual {eq.residual:.3g} > {_RESIDUAL_TOL}"
        raise RuntimeError(
            f"no non-degenerate equilibrium found for b = {market.b}, r = {market.r}, "
            f"fringe = {market.fringe} (direct solve and continuation failed: {why})")
    return eq.P.copy(), eq.Q.copy()


@dataclass(frozen=True, eq=False)
class Census:
    """Roots of paper (15)–(17) reached by ``multistart`` from ``n_starts`` random points.

    Every start is counted once: ``n_failed`` (the root finder did not converge),
    ``n_no_trade`` (``Q = 0``, up to ``1e-6 r``: no trade, any ``P``), ``n_degenerate``
    (``Q`` has a zero entry, e.g. a zero column, but is not zero), ``n_invalid``
    (non-degenerate, but another condition of Prop 3 fails) or ``n_valid`` (passes
    ``check_conditions``). ``invalid`` and ``valid`` hold the distinct roots of those kinds in
    the order found (degenerate roots come in continua, e.g. ``Q = 0`` with any ``P``, so they
    are only counted); ``max_no_trade_q`` is the largest ``|Q_ij|`` over the no-trade roots
    (0 if there are none).
    """

    n_starts: int
    n_failed: int
    n_no_trade: int
    n_degenerate: int
    n_invalid: int
    n_valid: int
    max_no_trade_q: float
    invalid: tuple[Equilibrium, ...]
    valid: tuple[Equilibrium, ...]

    @property
    def n_converged(self) -> int:
        """Starts whose root finder converged (residual below 1e-10)."""
        return self.n_starts - self.n_failed


def _random_starts(market: Market, n_starts: int, seed: int) -> tuple[Array, Array]:
    """``n_starts`` points ``(P0, Q0)`` drawn with ``numpy.random.default_rng(seed)``:
    ``p_i`` uniform in ``(-2 b^i/r, 0)`` (the scale of Prop 12's ``-b/(N r)`` and of the
    fringe's ``P``), off-diagonal ``q_ij`` uniform in ``(-2 r N/(N-1), 0)`` and ``q_jj`` minus
    the rest of column ``j``, so ``1' Q0 = 0`` and ``0 < q_jj < 2 r N``."""
    N, r = market.n, market.r
    rng = np.random.default_rng(seed)
    P0 = -2.0 * market.b / r * rng.uniform(size=(n_starts, N))
    off = -2.0 * r * N / (N - 1) * rng.uniform(size=(n_starts, N, N)) * (1.0 - np.eye(N))
    return P0, off - off.sum(axis=1)[:, None, :] * np.eye(N)


def multistart(market: Market, n_starts: int, *, seed: int = 0) -> Census:
    """Census of the roots of paper (15)–(17) found by ``solve_equilibrium`` from ``n_starts``
    random starting points (see ``Census``), each root screened with ``check_conditions``
    (Prop 3). Reproducible for a given ``seed``.

    Raises ``ValueError`` naming ``market``, ``n_starts`` or ``seed`` when one is bad.
    """
    if not isinstance(market, Market):
        raise ValueError(f"market must be a Market, got {market!r}")
    n_starts = validation.integer("n_starts", n_starts, minimum=1)
    seed = validation.integer("seed", seed, minimum=0)
    kinds = ("failed", "no_trade", "degenerate", "invalid", "valid")
    counts = dict.fromkeys(kinds, 0)
    distinct: dict[str, list[Equilibrium]] = {"invalid": [], "valid": []}
    max_no_trade_q = 0.0
    for P0, Q0 in zip(*_random_starts(market, n_starts, seed), strict=True):
        eq = solve_equilibrium(market, guess=(P0, Q0))
        kind = _kind(eq)
        counts[kind] += 1
        if kind == "no_trade":
            max_no_trade_q = max(max_no_trade_q, float(np.abs(eq.Q).max()))
        if kind in distinct and not any(_same_root(eq, seen) for seen in distinct[kind]):
            distinct[kind].append(eq)
    return Census(n_starts, *(counts[k] for k in kinds), max_no_trade_q,
                  tuple(distinct["invalid"]), tuple(distinct["valid"]))


def _kind(eq: Equilibrium) -> str:
    """``"failed"``, ``"no_trade"``, ``"degenerate"``, ``"invalid"`` or ``"valid"`` (see
    ``Census``)."""
    if not eq.converged:
        return "failed"
    if np.abs(eq.Q).max() <= _NO_TRADE_TOL * eq.market.r:
        return "no_trade"
    conditions = check_conditions(eq.P, eq.Q)
    if not conditions.nondegenerate:
        return "degenerate"
    return "valid" if conditions.holds else "invalid"


def _same_root(a: Equilibrium, b: Equilibrium) -> bool:
    """``(P, Q)`` of ``a`` and ``b`` agree to ``_DISTINCT_TOL`` relative to their size."""
    x, y = pack(a.P, a.Q), pack(b.P, b.Q)
    return bool(np.abs(x - y).max() <= _DISTINCT_TOL * max(1.0, np.abs(x).max()))
