"""Closed forms of Donnelly & Lorig (2020) in corrected form (the book's chapter
``trade_signals``, whose equation labels ``ts-...`` are cited below).

* Props 3.2 and 3.5 (the latter corrected, book eq. (ts-separate-deviation)): the equilibrium
  rate as the average rate plus a pull towards the average.
* The shared-signal ``c5`` (book eq. (ts-shared-nu-q)) and the inventory dispersion it implies,
  for all parameters.
* Prop 3.3 (``c1`` corrected, book eq. (ts-prop33); the printed ``c1`` kept beside it to show
  the erratum) for ``alpha = mu = 0`` and Prop 3.6 (``c9``
  with its parentheses restored, book eq. (ts-prop36)) for ``alpha = gamma = mu = 0``, built on
  the Bernoulli–Riccati solution ``s`` of Prop 3.3.
* ``Psi``, ``Phi``, their inverses and the cross-sectional covariance (4.5)–(4.7) ((4.6) and
  ``Phi`` restored from the OCR), and the price variance (4.10)–(4.11), for
  ``alpha = gamma = 0``; the drift ``mu`` does not enter them.

Every closed form checks its conditions and its singular parameter sets (``b = 0``, ``z = 0``,
``gamma_bar = 0``, a blow-up of ``s`` before ``T``): it raises ``ValueError`` naming the
parameter and points to the ODE route instead (``lib.signals.models``). The formulas are
evaluated in ``tau = T - t``; integrals that have no elementary form (``c1``, (4.11)) are done
by adaptive quadrature to 1e-13 relative.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from scipy.integrate import quad

from lib import validation
from lib.riccati import LQSolution
from lib.signals import models
from lib.signals.params import Params, require_params

Array = np.ndarray

__all__ = [
    "cross_section_cov",
    "d9",
    "phi",
    "phi_inverse",
    "price_kernel",
    "price_variance",
    "prop32_rate",
    "prop33",
    "prop33_c1_printed",
    "prop35_rate",
    "prop36",
    "psi",
    "psi_inverse",
    "s_riccati",
    "shared_c5",
    "shared_dispersion",
]

_ODE = "use the ODE route of lib.signals.models instead"


def _require_zero(p: Params, names: tuple[str, ...], where: str) -> None:
    for name in names:
        if getattr(p, name) != 0.0:
            raise ValueError(f"{name} must be 0 for {where}, got {getattr(p, name)}; {_ODE}")


def _require_nonzero(p: Params, name: str, where: str) -> None:
    if getattr(p, name) == 0.0:
        raise ValueError(f"{name} must be nonzero for {where} (singular); {_ODE}")


def _setup(t: object, p: Params) -> tuple[Params, Array, Array]:
    p = require_params(p, "p")
    t = validation.times(t, p.T)
    return p, t, p.T - t


def _denominator(tau: Array, p: Params) -> Array:
    """``(1 + 2z) e^{omega tau} - 1``, written without cancellation for small ``z``."""
    return 2.0 * p.z * np.exp(p.omega * tau) + np.expm1(p.omega * tau)


def _check_riccati(p: Params, where: str) -> None:
    """Guard ``s`` of Prop 3.3: ``gamma_bar != 0``, ``z != 0`` and no blow-up on ``[0, T]``."""
    _require_nonzero(p, "gamma_bar", where)
    if p.kappa * p.beta == p.b:
        raise ValueError(f"b must differ from kappa * beta = {p.kappa * p.beta} for {where} "
                         f"(z = 0 is singular); {_ODE}")
    end = _denominator(np.array(p.T), p)  # monotone in tau, equal to 2z at tau = 0
    if not np.sign(end) == np.sign(p.z):
        raise ValueError(f"T must be below the blow-up time of s of Prop 3.3 for {where}, "
                         f"got T = {p.T}")


def _tail_integral(f: Callable[[float], float], t: Array, T: float) -> Array:
    """``int_t^T f(s) ds`` for every entry of ``t``: quadrature between sorted times, summed."""
    nodes = np.unique(np.append(t.ravel(), T))
    pieces = [quad(f, lo, hi, epsabs=0.0, epsrel=1e-13, limit=200)[0]
              for lo, hi in itertools.pairwise(nodes)]
    tails = np.append(np.cumsum(pieces[::-1])[::-1], 0.0)
    return tails[np.searchsorted(nodes, t)]


# --- Props 3.2 and 3.5 ---------------------------------------------------------------------


def prop32_rate(
    sol: LQSolution | models.Coefficients, t: object, p: Params, *, q: object, qbar: object,
    Vbar: object,
) -> Array:
    """Equilibrium rate of the shared-signal model in the form of Prop 3.2.

    ``nu = (c5/k)(q - qbar) + f1 + f2 qbar + f3 Vbar`` with ``f`` from (3.9); the states
    broadcast against ``t``.
    """
    p = require_params(p, "p")
    c = models.coefficients(sol, t, "shared")
    f1, f2, f3 = models.consistency_shared(c, p)
    q, qbar, Vbar = (np.asarray(x, dtype=float) for x in (q, qbar, Vbar))
    return c[4] / p.k * (q - qbar) + f1 + f2 * qbar + f3 * Vbar


def prop35_rate(
    sol: LQSolution | models.Coefficients, t: object, p: Params, *, q: object, qbar: object,
    V: object, Vbar: object,
) -> Array:
    """Equilibrium rate of the separate-signals model, Prop 3.5 corrected (book eq.
    (ts-separate-deviation)).

    ``nu = (2 c6 - gamma c11)/(2k) (q - qbar) + (c11 - 2 gamma c8)/(2k) (V - Vbar)
    + f1 + f2 qbar + f3 Vbar`` with ``f`` from (3.17); the paper prints ``/k`` in the first
    term.
    """
    p = require_params(p, "p")
    c = models.coefficients(sol, t, "separate")
    f1, f2, f3 = models.consistency_separate(c, p)
    q, qbar, V, Vbar = (np.asarray(x, dtype=float) for x in (q, qbar, V, Vbar))
    kq = 2.0 * c[5] - p.gamma * c[10]
    kv = c[10] - 2.0 * p.gamma * c[7]
    return (kq * (q - qbar) + kv * (V - Vbar)) / (2.0 * p.k) + f1 + f2 * qbar + f3 * Vbar


# --- The shared-signal c5 ------------------------------------------------------------------


def shared_c5(t: object, p: Params) -> Array:
    """``c5(t) = -alpha k / (k + alpha (T - t))`` of the shared-signal model (book eq.
    (ts-shared-nu-q)).

    Holds for every parameter set, since ``c5' = -c5^2/k`` decouples; ``nu_q = c5 / k``.
    """
    p, _, tau = _setup(t, p)
    return -p.alpha * p.k / (p.k + p.alpha * tau)


def shared_dispersion(t: object, p: Params) -> Array:
    """``(Q^n_t - Qbar_t) / (Q^n_0 - Qbar_0) = (k + alpha (T - t)) / (k + alpha T)`` (Prop 3.2
    and book eq. (ts-shared-nu-q)).

    The exponential of ``int_0^t nu_q``; at ``T`` it is ``k / (k + alpha T)``.
    """
    p, _, tau = _setup(t, p)
    return (p.k + p.alpha * tau) / (p.k + p.alpha * p.T)


# --- Prop 3.3 and Prop 3.6 -----------------------------------------------------------------


def s_riccati(t: object, p: Params) -> Array:
    """``s = 2z / ((1 + 2z) e^{omega tau} - 1)``, solving ``s' = omega s + (gamma_bar/kappa) s^2``,
    ``s(T) = 1`` (Prop 3.3).

    Raises ``ValueError`` for ``gamma_bar = 0``, ``z = 0`` (``b = kappa beta``) and when ``s``
    blows up on ``[0, T]``.
    """
    p, _, tau = _setup(t, p)
    _check_riccati(p, "s of Prop 3.3")
    return 2.0 * p.z / _denominator(tau, p)


def prop33(t: object, p: Params) -> dict[str, Array]:
    """Prop 3.3 for ``alpha = mu = 0`` (book eq. (ts-prop33)): the non-zero shared-signal
    coefficients.

    ``c9 = s``, ``c7 = k/(2 b kappa) c9^2 (1 - e^{-2b tau/kappa})`` and
    ``c1 = eta^2 int_t^T c7`` (the paper drops ``c9(s)^2`` inside this integral).
    Returns ``{"c1", "c7", "c9"}``, each with the shape of ``t``.
    """
    p, t, tau = _setup(t, p)
    where = "Prop 3.3"
    _require_zero(p, ("alpha", "mu"), where)
    _require_nonzero(p, "b", where)
    _check_riccati(p, where)

    def c7(tau: Array) -> Array:
        s = 2.0 * p.z / _denominator(tau, p)
        return p.k / (2.0 * p.b * p.kappa) * s**2 * -np.expm1(-2.0 * p.b * tau / p.kappa)

    c1 = p.eta**2 * _tail_integral(lambda u: float(c7(np.asarray(p.T - u))), t, p.T)
    return {"c1": c1, "c7": c7(tau), "c9": 2.0 * p.z / _denominator(tau, p)}


def prop33_c1_printed(t: object, p: Params) -> Array:
    """``c1`` as Prop 3.3 of the paper prints it, for ``alpha = mu = 0``: the erroneous formula,
    kept to show the erratum (``prop33`` gives the correct ``c1``).

    ``c1 = k eta^2/(2 b kappa) int_t^T (1 - e^{-2b(T - s)/kappa}) ds
    = k eta^2/(2 b kappa) (tau - (1 - e^{-2b tau/kappa}) kappa/(2b))``, which lacks the factor
    ``c9(s)^2`` of the integrand; it has the shape of ``t``.
    """
    p, _, tau = _setup(t, p)
    where = "the printed c1 of Prop 3.3"
    _require_zero(p, ("alpha", "mu"), where)
    _require_nonzero(p, "b", where)
    rate = 2.0 * p.b / p.kappa
    return p.k * p.eta**2 / (2.0 * p.b * p.kappa) * (tau + np.expm1(-rate * tau) / rate)


def d9(tau: object, p: Params) -> Array:
    """``D_9(tau)`` of Prop 3.6, as printed (the positive exponents are correct)."""
    p = require_params(p, "p")
    tau = validation.times(tau, p.T, name="tau")
    _require_nonzero(p, "b", "D_9")
    _check_riccati(p, "D_9")
    k, b, kappa, beta, z, w = p.k, p.b, p.kappa, p.beta, p.z, p.omega
    e_w, e_2w = np.exp(-w * tau), np.exp(-2.0 * w * tau)
    return (
        ((1.0 - e_2w) / (2.0 * w) - tau * e_2w) / (16.0 * k * z**2)
        - (1.0 + 2.0 * z) / (8.0 * k * z**2) * ((1.0 - e_w) / w - tau * e_w)
        + (1.0 - np.exp((2.0 * b / kappa - beta) * tau)) / (2.0 * b * z)
        + k / (2.0 * b * kappa) * (1.0 - np.exp(2.0 * b * tau / kappa))
        - (1.0 + 2.0 * z) / (2.0 * b * z) * (1.0 - np.exp(b * tau / kappa))
        - (1.0 - e_2w) / (32.0 * k * z**2 * w)
        + ((1.0 + 2.0 * z) * b - 4.0 * k * z * w) / (8.0 * b * k * z**2 * w) * (1.0 - e_w)
        - (1.0 + 2.0 * z) ** 2 / (16.0 * k * z**2) * tau
    )


def prop36(t: object, p: Params) -> dict[str, Array]:
    """Prop 3.6 for ``alpha = gamma = mu = 0`` (book eq. (ts-prop36)): the non-zero
    separate-signals coefficients ``c1, c8, c9, c11, c12, c15``, each with the shape of ``t``.

    ``c8 = tau e^{-2 beta tau}/(4k)``, ``c11 = e^{-beta tau}``, ``c12 = s - e^{-beta tau}``,
    ``c15 = -tau e^{-2 beta tau}/(2k) + s (1 - e^{-b tau/kappa})/b e^{-beta tau}``,
    ``c9 = -4 z^2 e^{-2b tau/kappa} D_9 / ((1 + 2z) e^{omega tau} - 1)^2`` and
    ``c1 = int_t^T (eta^2 c8 + rho^2 eta^2 (c9 + c15))``.
    """
    p, t, tau = _setup(t, p)
    where = "Prop 3.6"
    _require_zero(p, ("alpha", "gamma", "mu"), where)
    _require_nonzero(p, "b", where)
    _check_riccati(p, where)
    k, b, kappa, beta, z = p.k, p.b, p.kappa, p.beta, p.z

    def coefficients(tau: Array) -> dict[str, Array]:
        den = _denominator(tau, p)
        s, e_b, e_2b = 2.0 * z / den, np.exp(-beta * tau), np.exp(-2.0 * beta * tau)
        return {
            "c8": tau * e_2b / (4.0 * k),
            "c9": -4.0 * z**2 * np.exp(-2.0 * b * tau / kappa) * d9(tau, p) / den**2,
            "c11": e_b,
            "c12": s - e_b,
            "c15": -tau * e_2b / (2.0 * k) - s * np.expm1(-b * tau / kappa) / b * e_b,
        }

    def c1_rate(u: float) -> float:
        c = coefficients(np.asarray(p.T - u))
        return float(p.eta**2 * (c["c8"] + p.rho**2 * (c["c9"] + c["c15"])))

    return {"c1": _tail_integral(c1_rate, t, p.T), **coefficients(tau)}


# --- Section 4: Psi, Phi, (4.5)-(4.7) and (4.11) -------------------------------------------


def _stack(a11: Array, a12: Array, a21: Array, a22: Array) -> Array:
    """2x2 matrices with the time axes last, shape ``(2, 2, *t.shape)``."""
    return np.array([[a11, a12], [a21, a22]])


def psi(t: object, p: Params) -> Array:
    """``Psi_t`` of (4.2) with ``Psi_0 = I`` (which the paper omits) for ``alpha = gamma = 0``
    (book eq. (ts-cov-closed-form)).

    ``[[1, e^{-beta T} t/(2k)], [0, e^{-beta t}]]``, shape ``(2, 2, *t.shape)``.
    """
    p, t, _ = _setup(t, p)
    _require_zero(p, ("alpha", "gamma"), "Psi in closed form")
    one = np.ones_like(t)
    return _stack(one, np.exp(-p.beta * p.T) * t / (2.0 * p.k), np.zeros_like(t),
                  np.exp(-p.beta * t))


def psi_inverse(t: object, p: Params) -> Array:
    """``Psi_t^{-1} = [[1, -e^{-beta (T - t)} t/(2k)], [0, e^{beta t}]]``."""
    p, t, tau = _setup(t, p)
    _require_zero(p, ("alpha", "gamma"), "Psi in closed form")
    one = np.ones_like(t)
    return _stack(one, -np.exp(-p.beta * tau) * t / (2.0 * p.k), np.zeros_like(t),
                  np.exp(p.beta * t))


def _check_phi(p: Params, where: str) -> None:
    _require_zero(p, ("alpha", "gamma"), where)
    _require_nonzero(p, "b", where)
    _check_riccati(p, where)


def phi(t: object, p: Params) -> Array:
    """``Phi_t`` of (4.1), ``Phi' = C Phi``, ``Phi_0 = I``, for ``alpha = gamma = 0`` (book eq.
    (ts-price-variance-closed-form), restored from the OCR).

    ``Phi_12 = 2z (1 - e^{-bt/kappa}) / (b D(T))`` and
    ``Phi_22 = D(T - t) e^{-bt/kappa} / D(T)`` with ``D(tau) = (1 + 2z) e^{omega tau} - 1``.
    """
    p, t, tau = _setup(t, p)
    _check_phi(p, "Phi in closed form")
    decay, den_T = np.exp(-p.b * t / p.kappa), _denominator(np.array(p.T), p)
    one = np.ones_like(t)
    return _stack(one, 2.0 * p.z * (1.0 - decay) / (p.b * den_T), np.zeros_like(t),
                  _denominator(tau, p) * decay / den_T)


def phi_inverse(t: object, p: Params) -> Array:
    """``Phi_t^{-1}``: ``[[1, -2z (e^{bt/kappa} - 1) / (b D(T - t))],
    [0, D(T) e^{bt/kappa} / D(T - t)]]``."""
    p, t, tau = _setup(t, p)
    _check_phi(p, "Phi in closed form")
    grow, den = np.exp(p.b * t / p.kappa), _denominator(tau, p)
    one = np.ones_like(t)
    return _stack(one, -2.0 * p.z * (grow - 1.0) / (p.b * den), np.zeros_like(t),
                  _denominator(np.array(p.T), p) * grow / den)


def cross_section_cov(t: object, p: Params, Sigma0: object) -> Array:
    """Cross-sectional covariance of ``(Q^n, V^n)`` for ``alpha = gamma = 0``, (4.5)–(4.7) (book
    eq. (ts-cov-closed-form)).

    ``Sigma0`` is the initial 2x2 covariance; returns ``(2, 2, *t.shape)``. Raises
    ``ValueError`` for ``beta = 0`` (the formulas divide by ``beta^3``).
    """
    p, t, _ = _setup(t, p)
    _require_zero(p, ("alpha", "gamma"), "(4.5)-(4.7)")
    _require_nonzero(p, "beta", "(4.5)-(4.7)")
    s0 = np.array(Sigma0, dtype=float)
    if s0.shape != (2, 2) or not np.all(np.isfinite(s0)) or s0[0, 1] != s0[1, 0]:
        raise ValueError(f"Sigma0 must be a finite symmetric 2x2 matrix, got {Sigma0!r}")
    k, beta, noise = p.k, p.beta, (1.0 - p.rho**2) * p.eta**2
    e_T, e_t, bt = np.exp(-beta * p.T), np.exp(-beta * t), beta * t
    var_q = (s0[0, 0] + e_T * t * s0[0, 1] / k + e_T**2 * t**2 * s0[1, 1] / (4.0 * k**2)
             + noise * e_T**2 / (16.0 * beta**3 * k**2)
             * (np.expm1(2.0 * bt) - 2.0 * bt - 2.0 * bt**2))
    var_v = e_t**2 * s0[1, 1] - noise / (2.0 * beta) * np.expm1(-2.0 * bt)
    cov = (e_t * s0[0, 1] + e_T * t * e_t * s0[1, 1] / (2.0 * k)
           + noise * e_T / (4.0 * beta**2 * k) * (np.sinh(bt) - bt * e_t))
    return _stack(var_q, cov, cov, var_v)


def price_kernel(t: object, u: object, p: Params) -> Array:
    """Integrand kernel of (4.11), ``2 rho eta z (1 - e^{-b(t-u)/kappa}) / D(T - u)``.

    Equals ``rho eta b [1 0] Phi_t Phi_u^{-1} [0 1]^T`` of (4.10) for ``alpha = gamma = 0``;
    ``t`` and ``u`` broadcast.
    """
    p = require_params(p, "p")
    t, u = validation.times(t, p.T), validation.times(u, p.T, name="u")
    _require_zero(p, ("alpha", "gamma"), "(4.11)")
    _check_riccati(p, "(4.11)")
    return (-2.0 * p.rho * p.eta * p.z * np.expm1(-p.b * (t - u) / p.kappa)
            / _denominator(p.T - u, p))


def price_variance(t: object, p: Params) -> Array:
    """``Var(S_t) = int_0^t (kernel(t, u) + sigma)^2 du`` of (4.11) for ``alpha = gamma = 0``
    (book eq. (ts-price-variance-closed-form)), by quadrature for each entry of ``t``."""
    p, t, _ = _setup(t, p)
    _require_zero(p, ("alpha", "gamma"), "(4.11)")
    _check_riccati(p, "(4.11)")

    def variance(s: float) -> float:
        def integrand(u: float) -> float:
            return float(price_kernel(s, u, p) + p.sigma) ** 2

        return quad(integrand, 0.0, s, epsabs=0.0, epsrel=1e-13, limit=200)[0]

    return np.array([variance(s) for s in t.ravel()]).reshape(t.shape)
