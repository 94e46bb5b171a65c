"""Euler–Maruyama simulation of the trade-signal models under their optimal feedback (Figs 2,
5 and 8; the finite-population, value-function and Euler-convergence checks of the tests).

* ``simulate_single``: one agent (book eq. (ts-single-dynamics)) trading at ``nu*`` of book eq.
  (ts-single-feedback), independent paths.
* ``simulate_shared``: ``N`` agents sharing one signal (book eq. (ts-shared-model)) and trading
  at the equilibrium rate of book eq. (ts-shared-loadings).
* ``simulate_separate``: ``N`` agents with their own signals (book eq. (ts-separate-model))
  trading at the equilibrium rate of book eq. (ts-separate-loadings), with
  ``dZ^n = rho dW + sqrt(1 - rho^2) dW^{n,perp}``.

The mean-field strategies are fed the **empirical** averages ``Qbar``, ``Vbar`` of the
simulated agents; by Prop 3.2 and (corrected) Prop 3.5 this is self-consistent, and ``nubar``
is the empirical average rate. One common ``W`` (and in the shared model one common ``Z``) is
drawn per replication. The loadings are evaluated once on the time grid ``t_i = i T / n_steps``.

Each step updates, from the left end point (Itô), cash ``dX = -(S + k nu + kbar nubar) nu dt``,
price ``dS = (mu + b nu_impact) dt + sigma dW`` (``nu_impact`` is ``nu`` for one agent,
``nubar`` in the games), the signals and ``dQ = nu dt``.

Shapes: per-agent arrays are ``(n_recorded, replications, agents)``; the price and the
averages are ``(n_recorded, replications, 1)`` so that they broadcast against the agents. For
one agent the paths are the replications and ``agents = 1``. Every ``record_every``-th grid
point is kept (default all); use it to bound memory in large runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib import validation
from lib.signals import loadings, models
from lib.signals.params import Params, require_params

Array = np.ndarray

__all__ = ["SimResult", "simulate_separate", "simulate_shared", "simulate_single"]


@dataclass(frozen=True, eq=False)
class SimResult:
    """Simulated paths of one model under its optimal feedback.

    Attributes
    ----------
    params : the parameters simulated. t : recorded times, ``(n_recorded,)``.
    Q, nu, X : inventory, trading rate and cash of each agent, ``(n_recorded, R, N)``.
    S : midprice, ``(n_recorded, R, 1)``.
    V : own signal ``(n_recorded, R, N)``; ``None`` in the shared-signal model.
    Qbar, Vbar, nubar : empirical averages ``(n_recorded, R, 1)``; ``None`` for one agent
        (``Vbar`` is the common signal in the shared-signal model).
    loadings : ``dict``
        The feedback loadings on the recorded times, with the keys of ``lib.signals.loadings``
        (``const`` and the state names), each ``(n_recorded,)``.
    """

    params: Params
    t: Array
    Q: Array
    nu: Array
    X: Array
    S: Array
    loadings: dict[str, Array]
    V: Array | None = None
    Qbar: Array | None = None
    Vbar: Array | None = None
    nubar: Array | None = None

    @property
    def contributions(self) -> dict[str, Array]:
        """Terms of the rate, e.g. ``nu_q(t) Q_t`` under ``"q"``: one per state loading.

        ``nu = loadings["const"] + sum(contributions.values())`` (Figs 2, 5 and 8, top rows).
        """
        states = {"q": self.Q, "qbar": self.Qbar, "V": self.V, "Vbar": self.Vbar}
        return {name: self.loadings[name][:, None, None] * states[name]
                for name in self.loadings if name != "const"}

    def payoff(self) -> Array:
        """Terminal objective ``X_T + Q_T (S_T + V_T) - alpha Q_T^2``, ``(R, N)`` (book eqs.
        (ts-single-objective), (ts-shared-model), (ts-separate-model)).

        ``V_T`` is the agent's own signal, or the common one in the shared-signal model.
        """
        q = self.Q[-1]
        signal = self.V if self.V is not None else self.Vbar
        return self.X[-1] + q * (self.S[-1] + signal[-1]) - self.params.alpha * q**2


class _Recorder:
    """Keeps every ``stride``-th state of named arrays of fixed shapes."""

    def __init__(self, n_steps: int, stride: int, shapes: dict[str, tuple[int, ...]]) -> None:
        self.stride = stride
        self.data = {name: np.empty((n_steps // stride + 1, *shape))
                     for name, shape in shapes.items()}

    def store(self, step: int, **values: Array) -> None:
        if step % self.stride == 0:
            for name, value in values.items():
                self.data[name][step // self.stride] = value


def _check(p: Params, n_steps: int, rng: object, record_every: int, S_0: float
           ) -> tuple[Params, int, int, float, Array, float]:
    """Validate the common arguments; return ``p, n_steps, record_every, S_0, grid, dt``."""
    p = require_params(p, "p")
    n_steps = validation.integer("n_steps", n_steps, minimum=1)
    record_every = validation.integer("record_every", record_every, minimum=1)
    if n_steps % record_every:
        raise ValueError(f"record_every must divide n_steps = {n_steps}, got {record_every}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    S_0 = validation.finite("S_0", S_0)
    return p, n_steps, record_every, S_0, np.linspace(0.0, p.T, n_steps + 1), p.T / n_steps


def _initial(name: str, value: object, shape: tuple[int, int]) -> Array:
    """``value`` broadcast to ``shape`` as a new float array (``ValueError`` naming it)."""
    try:
        arr = np.asarray(value, dtype=float)
        out = np.broadcast_to(arr, shape).copy()
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a number or an array broadcastable to {shape}, "
                         f"got {value!r}") from err
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite")
    return out


def _on_record(grid_loadings: dict[str, Array], stride: int) -> dict[str, Array]:
    return {name: values[::stride] for name, values in grid_loadings.items()}


def simulate_single(
    p: Params, *, n_steps: int, rng: np.random.Generator, paths: int, Q0: object = 0.0,
    V0: object = 0.0, S_0: float = 100.0, nu_scale: float = 1.0, record_every: int = 1,
) -> SimResult:
    """Simulate the single agent (book eq. (ts-single-dynamics)) trading at ``nu_scale * nu*``
    (book eq. (ts-single-feedback)).

    Parameters
    ----------
    p : parameters (P1 for Fig 2). n_steps : Euler steps on ``[0, T]`` (>= 1).
    rng : ``numpy.random.Generator``. paths : independent paths (>= 1).
    Q0, V0 : initial inventory and signal, numbers or arrays broadcastable to ``(paths, 1)``.
    S_0 : initial midprice; cash starts at 0.
    nu_scale : multiplies the optimal rate; 1 is optimal, other values give the perturbed
        strategies of the value-function check (same draws for the same seed).
    record_every : keep every ``record_every``-th grid point (must divide ``n_steps``).

    Returns
    -------
    SimResult with ``Q, V, nu, X`` of shape ``(n_recorded, paths, 1)``.
    """
    p, n_steps, stride, S_0, grid, dt = _check(p, n_steps, rng, record_every, S_0)
    paths = validation.integer("paths", paths, minimum=1)
    nu_scale = validation.finite("nu_scale", nu_scale)
    shape = (paths, 1)
    Q, V = _initial("Q0", Q0, shape), _initial("V0", V0, shape)
    S, X = np.full(shape, S_0), np.zeros(shape)
    ld = loadings.loadings_single(models.solve_single(p), grid, p)
    rec = _Recorder(n_steps, stride, dict.fromkeys(("Q", "V", "nu", "X", "S"), shape))
    root_dt, rho_perp = np.sqrt(dt), np.sqrt(1.0 - p.rho**2)
    for i in range(n_steps + 1):
        nu = nu_scale * (ld["const"][i] + ld["q"][i] * Q + ld["V"][i] * V)
        rec.store(i, Q=Q, V=V, nu=nu, X=X, S=S)
        if i == n_steps:
            break
        dW, dW_perp = root_dt * rng.standard_normal((2, *shape))
        X = X - (S + p.k * nu) * nu * dt
        S = S + (p.mu + p.b * nu) * dt + p.sigma * dW
        V = V - (p.beta * V + p.gamma * nu) * dt + p.eta * (p.rho * dW + rho_perp * dW_perp)
        Q = Q + nu * dt
    d = rec.data
    return SimResult(params=p, t=grid[::stride], Q=d["Q"], nu=d["nu"], X=d["X"], S=d["S"],
                     V=d["V"], loadings=_on_record(ld, stride))


def simulate_shared(
    p: Params, *, N: int, n_steps: int, rng: np.random.Generator, Q0: object,
    Vbar0: object = 0.0, S_0: float = 100.0, replications: int = 1, record_every: int = 1,
) -> SimResult:
    """Simulate ``N`` agents sharing one signal (book eq. (ts-shared-model)) at the equilibrium
    rate of book eq. (ts-shared-loadings).

    ``nu^n = nu0 + nu_q Q^n + nu_qbar Qbar + nu_Vbar Vbar`` with the empirical ``Qbar``; one
    ``W`` and one ``Z = rho W + sqrt(1 - rho^2) W^perp`` per replication drive the price and
    the signal ``dVbar = -(beta Vbar + gamma_bar nubar) dt + eta dZ``. The deviations
    ``Q^n - Qbar`` shrink by exactly ``prod (1 + nu_q dt)``, which telescopes to
    ``k / (k + alpha T)`` (book eq. (ts-shared-nu-q), Fig 5).

    Parameters
    ----------
    p : parameters (P3 for Fig 5). N : agents (>= 1). n_steps : Euler steps (>= 1).
    rng : ``numpy.random.Generator``.
    Q0 : initial inventories, broadcastable to ``(replications, N)`` (a draw of length ``N``
        is shared by all replications).
    Vbar0 : initial signal, broadcastable to ``(replications, 1)``. S_0 : initial midprice.
    replications : independent copies of the market (>= 1). record_every : as in
        ``simulate_single``.

    Returns
    -------
    SimResult with ``Q, nu, X`` ``(n_recorded, replications, N)``, ``Qbar, Vbar, nubar, S``
    ``(n_recorded, replications, 1)`` and ``V = None``.
    """
    p, n_steps, stride, S_0, grid, dt = _check(p, n_steps, rng, record_every, S_0)
    N = validation.integer("N", N, minimum=1)
    replications = validation.integer("replications", replications, minimum=1)
    shape, common = (replications, N), (replications, 1)
    Q, Vbar = _initial("Q0", Q0, shape), _initial("Vbar0", Vbar0, common)
    S, X = np.full(common, S_0), np.zeros(shape)
    ld = loadings.loadings_shared(models.solve_shared(p), grid, p)
    rec = _Recorder(n_steps, stride, {"Q": shape, "nu": shape, "X": shape, "S": common,
                                      "Qbar": common, "Vbar": common, "nubar": common})
    root_dt, rho_perp = np.sqrt(dt), np.sqrt(1.0 - p.rho**2)
    for i in range(n_steps + 1):
        Qbar = Q.mean(axis=1, keepdims=True)
        nu = ld["const"][i] + ld["q"][i] * Q + ld["qbar"][i] * Qbar + ld["Vbar"][i] * Vbar
        nubar = nu.mean(axis=1, keepdims=True)
        rec.store(i, Q=Q, nu=nu, X=X, S=S, Qbar=Qbar, Vbar=Vbar, nubar=nubar)
        if i == n_steps:
            break
        dW, dW_perp = root_dt * rng.standard_normal((2, *common))
        X = X - (S + p.k * nu + p.k_bar * nubar) * nu * dt
        S = S + (p.mu + p.b * nubar) * dt + p.sigma * dW
        Vbar = (Vbar - (p.beta * Vbar + p.gamma_bar * nubar) * dt
                + p.eta * (p.rho * dW + rho_perp * dW_perp))
        Q = Q + nu * dt
    d = rec.data
    return SimResult(params=p, t=grid[::stride], Q=d["Q"], nu=d["nu"], X=d["X"], S=d["S"],
                     Qbar=d["Qbar"], Vbar=d["Vbar"], nubar=d["nubar"],
                     loadings=_on_record(ld, stride))


def simulate_separate(
    p: Params, *, N: int, n_steps: int, rng: np.random.Generator, Q0: object, V0: object,
    S_0: float = 100.0, replications: int = 1, record_every: int = 1,
) -> SimResult:
    """Simulate ``N`` agents with separate, correlated signals (book eq. (ts-separate-model)) at
    the equilibrium rate of book eq. (ts-separate-loadings).

    ``nu^n = f1 + nu_q Q^n + nu_qbar Qbar + nu_V V^n + nu_Vbar Vbar`` with the empirical
    ``Qbar, Vbar``; ``dV^n = -(beta V^n + gamma nu^n + gamma_bar nubar) dt + eta dZ^n``,
    ``dZ^n = rho dW + sqrt(1 - rho^2) dW^{n,perp}``, with one common ``W`` per replication and
    independent ``W^{n,perp}``. As ``N -> inf`` the cross-section tends to
    ``crosssection.cross_section_cov`` and ``Var(S_t)`` to ``crosssection.price_variance``.

    Parameters
    ----------
    p : parameters (P6 for Fig 8, P9 for the checks of Figs 9–10). N : agents (>= 1).
    n_steps : Euler steps (>= 1). rng : ``numpy.random.Generator``.
    Q0, V0 : initial inventories and signals, broadcastable to ``(replications, N)``.
    S_0 : initial midprice. replications : independent markets (>= 1).
    record_every : as in ``simulate_single``.

    Returns
    -------
    SimResult with ``Q, V, nu, X`` ``(n_recorded, replications, N)`` and
    ``Qbar, Vbar, nubar, S`` ``(n_recorded, replications, 1)``.
    """
    p, n_steps, stride, S_0, grid, dt = _check(p, n_steps, rng, record_every, S_0)
    N = validation.integer("N", N, minimum=1)
    replications = validation.integer("replications", replications, minimum=1)
    shape, common = (replications, N), (replications, 1)
    Q, V = _initial("Q0", Q0, shape), _initial("V0", V0, shape)
    S, X = np.full(common, S_0), np.zeros(shape)
    ld = loadings.loadings_separate(models.solve_separate(p), grid, p)
    rec = _Recorder(n_steps, stride, {"Q": shape, "V": shape, "nu": shape, "X": shape,
                                      "S": common, "Qbar": common, "Vbar": common,
                                      "nubar": common})
    root_dt, rho_perp = np.sqrt(dt), np.sqrt(1.0 - p.rho**2)
    for i in range(n_steps + 1):
        Qbar, Vbar = Q.mean(axis=1, keepdims=True), V.mean(axis=1, keepdims=True)
        nu = (ld["const"][i] + ld["q"][i] * Q + ld["qbar"][i] * Qbar + ld["V"][i] * V
              + ld["Vbar"][i] * Vbar)
        nubar = nu.mean(axis=1, keepdims=True)
        rec.store(i, Q=Q, V=V, nu=nu, X=X, S=S, Qbar=Qbar, Vbar=Vbar, nubar=nubar)
        if i == n_steps:
            break
        dW = root_dt * rng.standard_normal(common)
        dW_perp = root_dt * rng.standard_normal(shape)
        X = X - (S + p.k * nu + p.k_bar * nubar) * nu * dt
        S = S + (p.mu + p.b * nubar) * dt + p.sigma * dW
        V = (V - (p.beta * V + p.gamma * nu + p.gamma_bar * nubar) * dt
             + p.eta * (p.rho * dW + rho_perp * dW_perp))
        Q = Q + nu * dt
    d = rec.data
    return SimResult(params=p, t=grid[::stride], Q=d["Q"], nu=d["nu"], X=d["X"], S=d["S"],
                     V=d["V"], Qbar=d["Qbar"], Vbar=d["Vbar"], nubar=d["nubar"],
                     loadings=_on_record(ld, stride))
