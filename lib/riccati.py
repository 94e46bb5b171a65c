"""Linear-quadratic matrix Riccati core shared by the chapters (the trade-signals chapter's
book eq. (ts-generic-riccati)).

An agent controls a trading rate ``nu``; the state ``y`` in R^d (own inventory, signals and
their population averages; never cash or price) moves as

    dy = (A y + a + g nu + G nubar) dt + noise with covariance SigmaSigmaT dt,

the agent pays ``k nu + kbar nubar`` per share above mid and the midprice drifts by
``mu + b nubar`` (plus ``ell.y`` per unit of the own rate, the single-agent permanent impact).
With the value ``x + q S + h`` and ``h = r + p.y + y.P.y`` the HJB is solved by a matrix
Riccati system for ``(P, p, r)``, integrated backward from the terminal data at ``T``.

In a mean-field game (``Pi`` given) the average rate ``nubar = f0 + f.y`` is not a guess to
iterate on: averaging the agents' feedback with the map ``Pi`` (each individual coordinate
to its aggregate) gives it algebraically, ``f0 = g.p / kappa`` and
``f = 2 Pi^T P g / kappa`` with ``kappa = 2 k + kbar``, and substituting it closes the system.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import OdeSolution

from lib import odes, validation

Array = np.ndarray
Monomial = tuple[str, ...]

__all__ = ["LQModel", "LQSolution", "riccati_rhs", "solve_lq"]


def _array(name: str, value: object, shape: tuple[int, ...]) -> Array:
    arr = np.array(value, dtype=float)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    arr.setflags(write=False)
    return arr


def _symmetric(name: str, value: object, d: int) -> Array:
    arr = _array(name, value, (d, d))
    if not np.allclose(arr, arr.T, rtol=0.0, atol=1e-14 * max(1.0, float(np.abs(arr).max()))):
        raise ValueError(f"{name} must be symmetric")
    return arr


@dataclass(frozen=True, eq=False)
class LQModel:
    """Data of one linear-quadratic control problem or mean-field game (book eq.
    (ts-generic-riccati)).

    Parameters
    ----------
    state : names of the ``d`` coordinates of ``y`` (used to name monomials).
    A : (d, d) drift matrix. g : (d,) loading of the own rate ``nu`` in ``dy``.
    SigmaSigmaT : (d, d) diffusion covariance of ``y`` per unit time.
    e_q : (d,) unit vector of the own inventory (the price drift is earned on it).
    k : temporary impact of the own rate (> 0).
    P_T : (d, d) terminal quadratic part, symmetric.
    a : (d,) drift vector. G : (d,) loading of ``nubar``. ell : (d,) own-trade term.
    Pi : (d, d) averaging map (row ``i`` has a 1 in the column of the aggregate of
        coordinate ``i``), or ``None`` for a single agent (``nubar = 0``).
    kbar : temporary impact of ``nubar``. b : permanent impact of ``nubar``. mu : price drift.
    p_T : (d,) terminal linear part. r_T : terminal constant.
    """

    state: tuple[str, ...]
    A: Array
    g: Array
    SigmaSigmaT: Array
    e_q: Array
    k: float
    P_T: Array
    a: Array | None = None
    G: Array | None = None
    ell: Array | None = None
    Pi: Array | None = None
    kbar: float = 0.0
    b: float = 0.0
    mu: float = 0.0
    p_T: Array | None = None
    r_T: float = 0.0

    def __post_init__(self) -> None:
        state = tuple(self.state)
        if not state or not all(isinstance(s, str) for s in state) or len(set(state)) < len(state):
            raise ValueError(f"state must be distinct names, got {self.state!r}")
        d = len(state)
        zeros = np.zeros(d)
        fields = {
            "state": state,
            "A": _array("A", self.A, (d, d)),
            "g": _array("g", self.g, (d,)),
            "SigmaSigmaT": _symmetric("SigmaSigmaT", self.SigmaSigmaT, d),
            "e_q": _array("e_q", self.e_q, (d,)),
            "k": validation.positive("k", self.k),
            "P_T": _symmetric("P_T", self.P_T, d),
            "a": _array("a", zeros if self.a is None else self.a, (d,)),
            "G": _array("G", zeros if self.G is None else self.G, (d,)),
            "ell": _array("ell", zeros if self.ell is None else self.ell, (d,)),
            "Pi": None if self.Pi is None else _array("Pi", self.Pi, (d, d)),
            "kbar": validation.finite("kbar", self.kbar),
            "b": validation.finite("b", self.b),
            "mu": validation.finite("mu", self.mu),
            "p_T": _array("p_T", zeros if self.p_T is None else self.p_T, (d,)),
            "r_T": validation.finite("r_T", self.r_T),
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        if self.Pi is not None and not self.kappa > 0:
            raise ValueError(f"kbar must satisfy 2 k + kbar > 0, got kbar = {self.kbar}")

    @property
    def kappa(self) -> float:
        """Aggregate impact ``2 k + kbar`` of the mean-field consistency condition."""
        return 2.0 * self.k + self.kbar

    @property
    def dim(self) -> int:
        """Dimension ``d`` of the state ``y``."""
        return len(self.state)


def _mean_field(model: LQModel, P: Array, p: Array) -> tuple[Array, Array]:
    """``(f0, f)`` of ``nubar = f0 + f.y`` for ``P`` of shape (d, d, ...) and ``p`` (d, ...)."""
    if model.Pi is None:
        return np.zeros(p.shape[1:]), np.zeros(p.shape)
    f0 = np.einsum("i,i...->...", model.g, p) / model.kappa
    f = 2.0 * np.einsum("ji,jk...,k->i...", model.Pi, P, model.g) / model.kappa
    return f0, f


def _feedback(model: LQModel, P: Array, p: Array) -> tuple[Array, Array, Array, Array]:
    """``(u0, u, f0, f)``: ``nu* = (u0 + u.y) / (2k)``, ``nubar = f0 + f.y``."""
    f0, f = _mean_field(model, P, p)
    extra = (slice(None),) + (None,) * (p.ndim - 1)
    u = 2.0 * np.einsum("ij...,j->i...", P, model.g) + model.ell[extra] - model.kbar * f
    u0 = np.einsum("i,i...->...", model.g, p) - model.kbar * f0
    return u0, u, f0, f


def riccati_rhs(model: LQModel) -> Callable[[float, Array], Array]:
    """Right-hand side ``y' = rhs(t, y)`` of the Riccati system for ``y = (P[triu], p, r)``.

    With ``At = A + G f^T``, ``u = 2 P g + ell - kbar f`` and ``u0 = g.p - kbar f0``:
    ``-P' = u u^T/(4k) + P At + At^T P + (b/2)(e_q f^T + f e_q^T)``,
    ``-p' = u0 u/(2k) + At^T p + 2 P (a + G f0) + (mu + b f0) e_q`` and
    ``-r' = u0^2/(4k) + p.(a + G f0) + tr(SigmaSigmaT P)``.
    """
    d, k, b = model.dim, model.k, model.b
    upper = np.triu_indices(d)

    def rhs(_t: float, y: Array) -> Array:
        P, p, _ = _unpack(y, d)
        u0, u, f0, f = _feedback(model, P, p)
        At = model.A + np.outer(model.G, f)
        drift = model.a + model.G * f0
        dP = (np.outer(u, u) / (4.0 * k) + P @ At + At.T @ P
              + 0.5 * b * (np.outer(model.e_q, f) + np.outer(f, model.e_q)))
        dp = u0 * u / (2.0 * k) + At.T @ p + 2.0 * P @ drift + (model.mu + b * f0) * model.e_q
        dr = u0 * u0 / (4.0 * k) + p @ drift + np.sum(model.SigmaSigmaT * P)
        return -np.concatenate([dP[upper], dp, [dr]])

    return rhs


def _pack(P: Array, p: Array, r: float) -> Array:
    return np.concatenate([P[np.triu_indices(len(p))], p, [r]])


def _unpack(y: Array, d: int) -> tuple[Array, Array, Array]:
    """``(P, p, r)`` from packed states of shape ``(n_state, ...)``; ``P`` is (d, d, ...)."""
    n_upper = d * (d + 1) // 2
    upper = np.triu_indices(d)
    P = np.zeros((d, d, *y.shape[1:]))
    P[upper] = y[:n_upper]
    P[upper[1], upper[0]] = y[:n_upper]
    return P, y[n_upper:n_upper + d], y[n_upper + d]


@dataclass(frozen=True, eq=False)
class LQSolution:
    """Dense solution of the Riccati system on ``[0, T]``; every method is vectorised over ``t``.

    Arrays carry the time axes last: ``P(t)`` is ``(d, d, *t.shape)``, ``p(t)`` is
    ``(d, *t.shape)`` and ``r(t)`` has the shape of ``t``. Times outside ``[0, T]`` raise
    ``ValueError`` naming ``t``.
    """

    model: LQModel
    T: float
    dense: OdeSolution

    def _state(self, t: object) -> tuple[Array, Array, Array]:
        t = validation.times(t, self.T)
        y = np.asarray(self.dense(t.ravel())).reshape(-1, *t.shape)
        return _unpack(y, self.model.dim)

    def P(self, t: object) -> Array:
        """Quadratic part ``P(t)``, symmetric, shape ``(d, d, *t.shape)``."""
        return self._state(t)[0]

    def p(self, t: object) -> Array:
        """Linear part ``p(t)``, shape ``(d, *t.shape)``."""
        return self._state(t)[1]

    def r(self, t: object) -> Array:
        """Constant part ``r(t)``, shape of ``t``."""
        return self._state(t)[2]

    def feedback(self, t: object) -> tuple[Array, Array]:
        """``(nu0, nu_vec)`` of the optimal rate ``nu* = nu0 + nu_vec.y``.

        ``nu0 = u0 / (2k)`` has the shape of ``t``; ``nu_vec = u / (2k)`` is ``(d, *t.shape)``
        and lists the loadings on the coordinates of ``state``.
        """
        P, p, _ = self._state(t)
        u0, u, _, _ = _feedback(self.model, P, p)
        return u0 / (2.0 * self.model.k), u / (2.0 * self.model.k)

    def mean_field(self, t: object) -> tuple[Array, Array]:
        """``(f0, f)`` of the equilibrium average rate ``nubar = f0 + f.y`` (zero if no ``Pi``)."""
        P, p, _ = self._state(t)
        return _mean_field(self.model, P, p)

    def coeffs(self, t: object, monomials: Sequence[Monomial]) -> Array:
        """Coefficients of ``h`` on named monomials, shape ``(len(monomials), *t.shape)``.

        A monomial is a tuple of state names: ``()`` is the constant (``r``), ``(y_i,)`` the
        linear term (``p_i``), ``(y_i, y_i)`` the square (``P_ii``) and ``(y_i, y_j)``,
        ``i != j``, the cross term (``2 P_ij``).
        """
        index = {name: i for i, name in enumerate(self.model.state)}
        for m in monomials:
            if len(m) > 2 or any(name not in index for name in m):
                raise ValueError(f"monomials must be tuples of at most two names from "
                                 f"{self.model.state}, got {m!r}")
        P, p, r = self._state(t)
        rows = []
        for m in monomials:
            if not m:
                rows.append(r)
            elif len(m) == 1:
                rows.append(p[index[m[0]]])
            else:
                i, j = index[m[0]], index[m[1]]
                rows.append(P[i, j] if i == j else 2.0 * P[i, j])
        return np.array(rows).reshape(len(monomials), *r.shape)


def solve_lq(
    model: LQModel, T: float, *, rtol: float = 1e-11, atol: float = 1e-13, method: str = "DOP853"
) -> LQSolution:
    """Integrate the Riccati system backward from ``(P_T, p_T, r_T)`` at ``T`` to 0 with
    ``lib.odes.solve``.

    Raises ``ValueError`` for a bad ``T`` or model and ``RuntimeError`` if the Riccati
    solution blows up before reaching 0.
    """
    if not isinstance(model, LQModel):
        raise ValueError(f"model must be an LQModel, got {type(model).__name__}")
    T = validation.positive("T", T)
    rtol, atol = validation.positive("rtol", rtol), validation.positive("atol", atol)
    y_T = _pack(model.P_T, model.p_T, model.r_T)
    dense = odes.solve(riccati_rhs(model), T, 0.0, y_T, rtol=rtol, atol=atol, method=method)
    return LQSolution(model=model, T=T, dense=dense)
