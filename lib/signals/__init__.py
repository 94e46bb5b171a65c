"""Optimal trading with differing trade signals (Donnelly & Lorig 2020; the book's chapter
``trade_signals``, whose equation labels ``ts-...`` the docstrings cite).

Modules: ``params`` (``Params`` and the presets P1, P3, P6, P9), ``models`` (the single agent,
the shared-signal and the separate-signals models, each a ``lib.riccati.LQModel`` solved by the
generic Riccati core, and the paper's coefficient systems (2.2)-(2.3), (3.6)-(3.7) and
(3.14)-(3.15) as a cross-check), ``loadings`` (feedback loadings of Sections 2.4, 3.2.2 and
3.3.2 of the paper), ``closed_forms`` (Props 3.2–3.6, the shared-signal ``c5``, (4.5)–(4.7)
and (4.11), with their singular parameter sets guarded), ``crosssection`` (cross-sectional
moments (4.4) and the price variance (4.10)), ``simulate`` (Euler–Maruyama for the three
models), ``symbolic`` (the sympy derivations and the errata) and ``verification`` (the
chapter's numerical cross-checks).
The public API is re-exported here.

Notation (the paper's): ``b`` is permanent price impact and ``k`` temporary impact (``b`` are
the players' risk coefficients in ``lib.dynamic_trading``), ``beta`` the mean-reversion rate of
the signal, ``gamma`` the impact of the own trading rate on the own signal (risk aversion in
``lib.liquidity_pools``), ``sigma`` the volatility of the mid price.
"""

from lib.signals.models import (
    separate_signals_coefficients,
    shared_signal_coefficients,
    single_agent_coefficients,
)
from lib.signals.params import P1, P3, P6, P9, PRESETS, Params

__all__ = [
    "P1",
    "P3",
    "P6",
    "P9",
    "PRESETS",
    "Params",
    "separate_signals_coefficients",
    "shared_signal_coefficients",
    "single_agent_coefficients",
]
