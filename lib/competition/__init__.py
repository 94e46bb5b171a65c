"""Position building in competition (Chriss 2024, "Optimal position-building strategies in
Competition"), the library of the book's chapter ``position_building``.

Equations are cited by the paper's numbers and by the chapter's labels (``pb-...``).
Modules: ``strategies`` (shape families), ``quadrature`` (integrals with boundary layers),
``costs`` (paper (1)–(4), the Tables 4–5 convention, the sensitivities (51)–(54) and the
parabolic example of the paper's Section 5.1), ``responses`` (best responses, paper
(12)–(19), (23)), ``inverse`` (paper (37)–(41)), ``equilibrium`` (two traders, paper
(22)–(28), with the closed-form cost ``pb-equilibrium-cost``; n traders, paper (29)–(36)),
``uncertainty`` (paper (43)–(48)), ``tables`` (Tables 1–5 and the mis-estimation excess
``pb-misestimation-excess``), ``risk_aversion`` (paper (55)–(60)), ``symbolic`` (the sympy
checks) and ``crosscheck`` (independent numerical solutions).
The public API is re-exported here.

Notation: ``kappa`` is permanent impact here, as in the paper; in ``lib.execution`` the same
letter is risk aversion. ``lam`` is B's size relative to A (``lam_dt`` in
``lib.liquidity_pools`` are fill intensities), ``b`` B's unit shape, ``sigma`` the parameter of
the eager and risk-averse shapes and ``vol`` the volatility.
"""

from lib.competition.equilibrium import n_trader_equilibrium, two_trader_equilibrium
from lib.competition.responses import best_response
from lib.competition.risk_aversion import risk_averse_equilibrium

__all__ = ["best_response", "n_trader_equilibrium", "risk_averse_equilibrium",
           "two_trader_equilibrium"]
