"""ODE integration shared by the models: tight tolerances, dense output, loud failures."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.integrate import OdeSolution, solve_ivp

RTOL = 1e-12


def solve(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    t_start: float,
    t_stop: float,
    y_start: Sequence[float],
    *,
    rtol: float = RTOL,
    atol: float = 1e-14,
    method: str = "DOP853",
) -> OdeSolution:
    """Integrate ``y' = rhs(t, y)`` from ``t_start`` to ``t_stop`` (either direction).

    Returns the dense solution, a callable ``t -> y(t)`` of shape ``(len(y), *t.shape)``,
    accurate to the 8th-order method's tolerance on the whole interval. Riccati systems with
    terminal data are integrated with ``t_start = T`` and ``t_stop = 0``.

    Raises
    ------
    RuntimeError
        if the integrator does not reach ``t_stop``.
    """
    result = solve_ivp(rhs, (t_start, t_stop), np.asarray(y_start, dtype=float), method=method,
                       rtol=rtol, atol=atol, dense_output=True)
    if not result.success:
        raise RuntimeError(f"ODE integration from t={t_start} to t={t_stop} failed: "
                           f"{result.message}")
    return result.sol
