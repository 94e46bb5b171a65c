"""Parameters of the trade-signal models (Donnelly & Lorig 2020) and the presets of the paper's
figure captions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from lib import validation

__all__ = ["P1", "P3", "P6", "P9", "PRESETS", "Params", "require_params"]


@dataclass(frozen=True)
class Params:
    """One parameter set of the single-agent and mean-field models (paper notation). Every
    value is stored as a float; a bad value raises ``ValueError`` naming the field.

    Parameters
    ----------
    mu : drift of the unaffected midprice. sigma : midprice volatility (>= 0).
    eta : signal volatility (>= 0). beta : mean-reversion rate of the signal (>= 0).
    gamma : impact of the own rate on the own signal.
    gamma_bar : impact of the average rate on the signal.
    rho : correlation of signal noise and price noise (``abs(rho) <= 1``).
    b : permanent price impact (>= 0). k : temporary impact of the own rate (> 0).
    k_bar : temporary impact of the average rate (>= 0).
    alpha : terminal inventory penalty (>= 0). T : horizon (> 0).
    """

    mu: float
    sigma: float
    eta: float
    beta: float
    gamma: float
    gamma_bar: float
    rho: float
    b: float
    k: float
    k_bar: float
    alpha: float
    T: float

    def __post_init__(self) -> None:
        checks = {
            "mu": validation.finite, "sigma": validation.nonnegative,
            "eta": validation.nonnegative, "beta": validation.nonnegative,
            "gamma": validation.finite, "gamma_bar": validation.finite,
            "rho": validation.finite, "b": validation.nonnegative, "k": validation.positive,
            "k_bar": validation.nonnegative, "alpha": validation.nonnegative,
            "T": validation.positive,
        }
        for name, check in checks.items():
            object.__setattr__(self, name, check(name, getattr(self, name)))
        if abs(self.rho) > 1.0:
            raise ValueError(f"rho must lie in [-1, 1], got {self.rho}")

    @property
    def kappa(self) -> float:
        """``kappa = 2 k + k_bar``, the aggregate impact of the consistency conditions."""
        return 2.0 * self.k + self.k_bar

    @property
    def z(self) -> float:
        """``z = (kappa beta - b) / (2 gamma_bar)``; ``ValueError`` if ``gamma_bar = 0``."""
        if self.gamma_bar == 0.0:
            raise ValueError("gamma_bar must be nonzero for z = (kappa beta - b) / (2 gamma_bar)")
        return (self.kappa * self.beta - self.b) / (2.0 * self.gamma_bar)

    @property
    def omega(self) -> float:
        """``omega = (kappa beta - b) / kappa``, the rate of the closed forms of Props 3.3, 3.6."""
        return (self.kappa * self.beta - self.b) / self.kappa

    def replace(self, **changes: float) -> Params:
        """A copy with some fields changed, validated again; unknown names raise ``ValueError``."""
        names = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(names))
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; "
                             f"valid: {', '.join(names)}")
        return dataclasses.replace(self, **changes)


def require_params(value: object, name: str = "params") -> Params:
    """Return ``value`` after checking it is a ``Params`` (``ValueError`` naming ``name``)."""
    if not isinstance(value, Params):
        raise ValueError(f"{name} must be a lib.signals.Params, got {type(value).__name__}")
    return value


P1 = Params(mu=0.0, sigma=1.0, eta=0.5, beta=1.0, gamma=0.1, gamma_bar=0.0, rho=0.3, b=1e-2,
            k=5e-3, k_bar=0.0, alpha=0.1, T=1.0)
"""Figs 1–2 (single agent); ``gamma_bar`` and ``k_bar`` do not enter that model."""

P3 = Params(mu=0.0, sigma=1.0, eta=0.5, beta=1.0, gamma=0.0, gamma_bar=0.1, rho=0.3, b=1e-2,
            k=5e-3, k_bar=1e-3, alpha=0.1, T=1.0)
"""Figs 3–5 (shared signal); ``gamma`` does not enter that model."""

P6 = P3.replace(gamma=0.05)
"""Figs 6–8 (separate signals), P3 with ``gamma = 0.05``."""

P9 = Params(mu=0.0, sigma=1.0, eta=1.0, beta=1.0, gamma=0.05, gamma_bar=0.1, rho=0.0, b=5e-2,
            k=5e-3, k_bar=1e-3, alpha=0.1, T=1.0)
"""Figs 9–10 (cross-section, price variance); the figures vary ``rho``, here 0."""

PRESETS = {"P1": P1, "P3": P3, "P6": P6, "P9": P9}
