"""Closed forms of Sannikov & Skrzypacz (2016), evaluated with numpy (book labels in brackets).

* Prop 12, symmetric players: ``P``, ``Q``, ``kappa`` [dt-symmetric] and the value matrices,
  paper (38) [dt-symmetric-values].
* Props 5–6, one large trader against a fringe: paper (18)–(22) [dt-large-fringe],
  [dt-large-fringe-values], [dt-large-fringe-impact].
* Prop 7 (merger, paper (59)–(61) [dt-merger]), Prop 8 (commitment to a speed, paper (62)
  [dt-commitment]), Prop 9 (entry [dt-entry]).
* Prop 13, first-order perturbation around symmetry: paper (41)–(42) [dt-perturbation],
  [dt-perturbation-impact].
* Section 6, symmetric common values: ``kappa(phi)`` and the no-trade threshold ``phi*``
  [dt-common-symmetric].
* Section 5.6, front-running: the eigenbasis ``U`` and the price row of paper (47)
  [dt-frontrun] given ``kappa_hat``.
"""

from __future__ import annotations

import numpy as np

from lib import validation

Array = np.ndarray

__all__ = [
    "commitment",
    "commitment_optimal_kappa",
    "common_value_impact",
    "common_value_matrix",
    "common_value_symmetric",
    "entry_welfare",
    "entry_welfare_slope",
    "frontrun_basis",
    "frontrun_flow",
    "frontrun_price",
    "large_vs_fringe",
    "merger_coefficient",
    "merger_value_matrices",
    "merger_welfare_change",
    "perturbation_approx",
    "phi_critical",
    "symmetric",
    "symmetric_value_matrix",
]


def _n(N: int) -> int:
    return validation.integer("N", N, minimum=2)


def symmetric(N: int, b: float, r: float = 1.0) -> tuple[Array, Array, float]:
    """Prop 12 [dt-symmetric]: ``P = -b/(N r) 1``, ``Q = kappa (I - S/N)``,
    ``kappa = r (N-2)/2``."""
    N, b, r = _n(N), validation.positive("b", b), validation.positive("r", r)
    kappa = r * (N - 2) / 2.0
    return np.full(N, -b / (N * r)), kappa * (np.eye(N) - 1.0 / N), kappa


def symmetric_value_matrix(N: int, b: float, r: float, i: int) -> Array:
    """Prop 12 value matrix ``A^i`` (paper (38) [dt-symmetric-values]), shape (N, N)."""
    N, b, r = _n(N), validation.positive("b", b), validation.positive("r", r)
    i = validation.integer("i", i, minimum=0)
    if i >= N:
        raise ValueError(f"i must be < N = {N}, got {i}")
    A = np.full((N, N), b * (N - 2) / (2 * r * (N - 1) * N**2))
    A[i, :] = A[:, i] = -b * (N - 2) / (2 * r * N**2)
    A[i, i] = -b * (3 * N - 2) / (2 * r * N**2)
    return A


def large_vs_fringe(bL: float, bF: float, r: float = 1.0) -> dict[str, Array | float]:
    """Props 5–6: one large trader (player 1) against a fringe (player 2), paper (18)–(22).

    Returns ``P``, ``Q``, ``kappa`` (paper (18)–(19) [dt-large-fringe]), ``AL``, ``AF``
    [dt-large-fringe-values], the first-best row ``Pbar``, the impacts ``I = Lam/(r + kappa)``
    and ``Lam = bF/r`` (paper (20) [dt-large-fringe-impact]) and the price ``p0`` at
    ``X0 = [1, -1]``.
    """
    bL, bF, r = (validation.positive(n, v) for n, v in (("bL", bL), ("bF", bF), ("r", r)))
    c = bF / (r * (3 * bF + bL))
    kappa = r * (bL + bF) / (2 * bF)
    lam = bF / r
    return {
        "P": -c * np.array([bL, bL + 2 * bF]),
        "Q": r / (2 * bF) * np.array([[bL, -bF], [-bL, bF]]),
        "kappa": kappa,
        "AL": c / 2 * np.array([[-3 * bL, -bL], [-bL, bF]]),
        "AF": c / (2 * (2 * bF + bL)) * np.array(
            [[bL**2, -bL * bF], [-bL * bF, -(bL**2 + 5 * bL * bF + 5 * bF**2)]]),
        "Pbar": np.full(2, -bL * bF / (r * (bL + bF))),
        "I": lam / (r + kappa),
        "Lam": lam,
        "p0": 2 * bF**2 / (r * (3 * bF + bL)),
    }


def commitment(bL: float, bF: float, r: float, kappa: float) -> dict[str, Array | float]:
    """Prop 8 [dt-commitment]: the large player commits to ``Q(kappa)``; the fringe prices by
    paper (17).

    Returns ``P`` (paper (62) for general ``r``), ``Q``, ``AL`` (paper (16)) and the objective
    ``W = [1, -1] AL [1, -1]'``. ``kappa = r (bL + bF)/(2 bF)`` is the equilibrium of Prop 5.
    """
    bL, bF, r, kappa = (validation.positive(n, v) for n, v in
                        (("bL", bL), ("bF", bF), ("r", r), ("kappa", kappa)))
    q = kappa * bF / (bL + bF)
    d1, d2 = r * bF + q * (bL + bF), r * bF + 2 * q * (bL + bF)
    a11 = -bF * bL * (2 * bF * q**2 + 3 * bF * q * r + bF * r**2 + 4 * bL * q**2 + bL * q * r)
    a12 = -2 * bF * bL * q * (bF * r + bL * q)
    a22 = 2 * bF**2 * q * (bF * r + bL * q)
    return {
        "P": -bF / (r * d1) * np.array([q * bL, r * bF + q * bL]),
        "Q": kappa / (bL + bF) * np.array([[bL, -bF], [-bL, bF]]),
        "AL": np.array([[a11, a12], [a12, a22]]) / (2 * r * d1 * d2),
        "W": bF * (q * (2 * bF - bL) * (bF + bL) - r * bF * bL) / (2 * d1 * d2),
    }


def commitment_optimal_kappa(bL: float, bF: float, r: float = 1.0) -> float:
    """Optimal committed speed ``kappa*`` of Prop 8: ``inf`` when ``2 bF <= bL`` (share
    ``<= 1/3``), else ``r (bL + sqrt(bF (2 bF + bL))) / (2 bF - bL)``."""
    bL, bF, r = (validation.positive(n, v) for n, v in (("bL", bL), ("bF", bF), ("r", r)))
    if 2 * bF <= bL:
        return np.inf
    return r * (bL + np.sqrt(bF * (2 * bF + bL))) / (2 * bF - bL)


def _share(beta1: float) -> float:
    beta1 = validation.positive("beta1", beta1)
    if beta1 >= 1:
        raise ValueError(f"beta1 must be < 1, got {beta1}")
    return beta1


def merger_coefficient(beta1: float, r: float = 1.0) -> float:
    """Prop 7 [dt-merger]: ``c = (2 beta1 - 1) / (2 r (1 - beta1)(2 beta1 + 1))``; negative
    below 1/2."""
    beta1, r = _share(beta1), validation.positive("r", r)
    return (2 * beta1 - 1) / (2 * r * (1 - beta1) * (2 * beta1 + 1))


def merger_value_matrices(beta1: float, r: float = 1.0) -> tuple[Array, Array]:
    """Prop 7: value matrices of the merging mass before (eq. 60) and after (eq. 61) merging,
    market capacity normalised to 1. Their difference is ``c v v'``, ``v = (1-beta1, -beta1)``."""
    beta1, r = _share(beta1), validation.positive("r", r)
    pre = np.array([[beta1 - 2, beta1 - 1], [beta1 - 1, beta1]]) / (2 * r)
    post = np.array([[-3, -1], [-1, beta1 / (1 - beta1)]]) / (2 * r * (2 * beta1 + 1))
    return pre, post


def merger_welfare_change(beta1: float, X0: Array, sigma_sigma_t: Array, r: float = 1.0) -> float:
    """Prop 7: welfare change of the merging mass, ``c [(v'X0)^2 + v' Sigma Sigma' v / r]``."""
    c = merger_coefficient(beta1, r)
    v = np.array([1 - beta1, -beta1])
    S = np.asarray(sigma_sigma_t, dtype=float)
    return float(c * ((v @ np.asarray(X0, dtype=float)) ** 2 + v @ S @ v / r))


def entry_welfare(bF: Array, sigma: float, sigma_L: float, sigma_tilde: float,
                  r: float = 1.0) -> Array:
    """Prop 9 [dt-entry]: the large player's (``bL = 1``) welfare ``tr(Sigma Sigma' A^L)`` against
    the fringe coefficient ``bF`` (vectorised), aggregate shock ``sigma`` per unit capacity."""
    bF, r = np.asarray(bF, dtype=float), validation.positive("r", r)
    num = (bF * (bF - 1) * (sigma_L**2 + sigma_tilde**2)
           + (bF + 1) ** 2 * (sigma**2 - 2 * sigma * sigma_L))
    return num / (2 * r * (3 * bF + 1))


def entry_welfare_slope(bF: Array, sigma: float, sigma_L: float, sigma_tilde: float,
                        r: float = 1.0) -> Array:
    """Prop 9 [dt-entry]: ``dW^L/dbF``; negative iff ``bF < 1/3`` (large share below 1/4)."""
    bF, r = np.asarray(bF, dtype=float), validation.positive("r", r)
    return ((3 * bF - 1) * (bF + 1) / (2 * r * (3 * bF + 1) ** 2)
            * ((sigma - sigma_L) ** 2 + sigma_tilde**2))


def perturbation_approx(b: Array, r: float = 1.0) -> tuple[Array, Array, Array, Array]:
    """Prop 13 (paper (41)–(42)) around the mean coefficient: ``(P_hat, Q_hat, I_hat, Lam_hat)``.

    ``b^i = bbar (1 + eps^i)``; ``p^i = -bbar/(N r) (1 + x eps^i)`` with
    ``x = (3N-4)/(N(N-1))``; ``Q_hat = kappa (I - S/N)(I + D_eps)``; first-order impacts
    ``I^i`` and ``Lam^i`` of paper (42). Requires ``N >= 3`` (``kappa = 0`` for ``N = 2``).
    """
    b = np.asarray(validation.sequence("b", b, validation.positive, min_length=3))
    N, bbar = b.size, b.mean()
    r = validation.positive("r", r)
    eps = b / bbar - 1.0
    kappa = r * (N - 2) / 2.0
    P = -bbar / (N * r) * (1 + (3 * N - 4) / (N * (N - 1)) * eps)
    Q = kappa * (np.eye(N) - 1.0 / N) * (1 + eps)
    impact = bbar / (r * (N - 1) * kappa) * (1 - (N - 2) ** 2 / (N * (N - 1)) * eps)
    lam = bbar / (r * (N - 1)) * (1 - eps / (N - 1))
    return P, Q, impact, lam


def common_value_matrix(N: int, phi: float) -> Array:
    """Symmetric common-value matrix ``F = (1 - phi) I + phi S`` (eq. 10)."""
    return (1 - validation.finite("phi", phi)) * np.eye(_n(N)) + phi


def common_value_symmetric(N: int, b: float, r: float, phi: float) -> tuple[Array, Array, float]:
    """Section 6 [dt-common-symmetric]: ``P = -b/(N r) 1``, ``Q = kappa (I - S/N)`` with
    ``kappa = r ((N-2)(1-phi) - phi N) / (2 (1-phi) + 2 phi N)``.

    ``kappa <= 0`` (``phi >= phi_critical(N)``) means that no trade is possible.
    """
    N, b = _n(N), validation.positive("b", b)
    r, phi = validation.positive("r", r), validation.nonnegative("phi", phi)
    if phi >= 1:
        raise ValueError(f"phi must be < 1, got {phi}")
    kappa = r * ((N - 2) * (1 - phi) - phi * N) / (2 * (1 - phi) + 2 * phi * N)
    return np.full(N, -b / (N * r)), kappa * (np.eye(N) - 1.0 / N), kappa


def common_value_impact(N: int, b: float, r: float, phi: float) -> float:
    """Section 6 [dt-common-impact]: the instantaneous impact of footnote 30,
    ``I = -(P F_.i)/(Q_i. F_.i)``, in the symmetric market,
    ``b (1 + (N-1) phi) / (r (N-1)(1-phi) kappa(phi))``; requires ``phi < phi_critical(N)``."""
    _, _, kappa = common_value_symmetric(N, b, r, phi)
    if kappa <= 0:
        raise ValueError(f"phi must be < phi* = {phi_critical(N):.6g} (no trade beyond), "
                         f"got {phi}")
    return b * (1 + (N - 1) * phi) / (r * (N - 1) * (1 - phi) * kappa)


def phi_critical(N: int) -> float:
    """No-trade threshold of Section 6 [dt-common-symmetric]: trade exists iff
    ``phi < (N-2) / (2 (N-1))``."""
    N = _n(N)
    return (N - 2) / (2 * (N - 1))


def frontrun_basis(n_large: int, bL: float, bF: float) -> Array:
    """Section 5.6 (paper (47)): eigenbasis ``U`` (N, N), ``N = n_large + 1``, of ``n_large``
    identical large players and a fringe: ``u_1 = 1/b``, ``u_j = e_1 - e_j`` (j = 2..N-1),
    ``u_N = [1, .., 1-N]``.
    """
    n_large = validation.integer("n_large", n_large, minimum=1)
    bL, bF = validation.positive("bL", bL), validation.positive("bF", bF)
    N = n_large + 1
    U = np.zeros((N, N))
    U[:, 0] = np.r_[np.full(n_large, 1 / bL), 1 / bF]
    U[0, 1:-1] = 1.0
    U[np.arange(1, N - 1), np.arange(1, N - 1)] = -1.0
    U[:, -1] = np.r_[np.ones(n_large), 1.0 - N]
    return U


def frontrun_flow(n_large: int, bL: float, bF: float, kappa: float, kappa_hat: float) -> Array:
    """Section 5.6 (paper (47)): ``Q = U diag(0, kappa, .., kappa, kappa_hat) U^-1``."""
    U = frontrun_basis(n_large, bL, bF)
    K = np.r_[0.0, np.full(n_large - 1, kappa), kappa_hat]
    return U @ np.diag(K) @ np.linalg.inv(U)


def frontrun_price(n_large: int, bL: float, bF: float, r: float, kappa_hat: float) -> Array:
    """Section 5.6 (paper (47)): ``P = Pi U^-1`` with ``Pi = [-1/r, 0, .., 0, pi]``,
    ``pi = n_large bF / (r + kappa_hat)``."""
    U = frontrun_basis(n_large, bL, bF)
    r = validation.positive("r", r)
    Pi = np.zeros(n_large + 1)
    Pi[0], Pi[-1] = -1.0 / r, n_large * bF / (r + kappa_hat)
    return Pi @ np.linalg.inv(U)
