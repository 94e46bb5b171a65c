"""Optimal trading with differing trade signals (source 000, Donnelly & Lorig 2020; spec-000).

Modules: ``params`` (``Params`` and the presets P1, P3, P6, P9), ``models`` (the single agent,
the shared-signal and the separate-signals models as ``lib.riccati.LQModel``s, solved by the
generic Riccati core, and the paper's coefficient systems E6, E16, E29 as a cross-check),
``loadings`` (feedback loadings E8, E20, E33), ``closed_forms`` (Props 3.2–3.6, E21,
(4.5)–(4.7) and (4.11), with their singular parameter sets guarded), ``crosssection``
(cross-sectional moments E43 and the price variance E45), ``simulate`` (Euler–Maruyama for the
three models), ``symbolic`` (the sympy derivations S1–S10 and the errata) and ``verification``
(the chapter's numerical cross-checks).
The public API of DESIGN.md is re-exported here.
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
