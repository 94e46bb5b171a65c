"""Position building in competition (source 002, Chriss 2024; spec-002).

Modules: ``strategies`` (shape families), ``quadrature`` (integrals with boundary layers),
``costs`` (E1–E5, E45, E52), ``responses`` (best responses, E19–E24), ``inverse`` (E25–E27),
``equilibrium`` (two-trader E29–E35 and n-trader E37–E40), ``uncertainty`` (E41–E43),
``tables`` (Tables 1–5, E46–E47), ``risk_aversion`` (E48–E51), ``symbolic`` (the sympy
checks) and ``crosscheck`` (independent numerical solutions).
The public API of DESIGN.md is re-exported here.
"""

from lib.competition.equilibrium import n_trader_equilibrium, two_trader_equilibrium
from lib.competition.responses import best_response
from lib.competition.risk_aversion import risk_averse_equilibrium

__all__ = ["best_response", "n_trader_equilibrium", "risk_averse_equilibrium",
           "two_trader_equilibrium"]
