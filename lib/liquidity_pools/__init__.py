"""Adaptive trading across liquidity pools (Baldacci & Manziuk 2020; book chapter
liquidity_pools).

Notation: ``theta`` is the value function θ(t, q) here (temporary impact in
``lib.execution``), ``lam_dt`` the fill intensities λ^i_{j,m} Δt per decision step (``lam``
is B's size in ``lib.competition``), ``phi`` the penalty on the distance to the target
schedule, ``gamma`` risk aversion, ``sigma`` the volatility of the mid and ``kappa_ac`` the
Almgren–Chriss urgency of the target schedule (not the ``kappa`` of ``lib.execution`` or
``lib.competition``).

Exported here: the parameters (``default_params``, ``ModelParams``, ``VenueParams``), the finite
differences (``solve_slice``, ``FDGrid``, ``FDSolution``), the networks (``train_slice``,
``NNConfig``, ``NNSolution``) and the adaptive run (``run_adaptive``).
"""

import importlib

# The package's entry points, each imported from its module on first use: the networks' module
# loads torch, which a reader of the finite differences alone need not wait for. Every module
# lists its own public names in its ``__all__``.
_EXPORTS = {
    "ModelParams": "params", "VenueParams": "params", "default_params": "params",
    "FDGrid": "fd", "FDSolution": "fd", "solve_slice": "fd",
    "NNConfig": "nn", "NNSolution": "nn", "train_slice": "nn",
    "run_adaptive": "adaptive",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
