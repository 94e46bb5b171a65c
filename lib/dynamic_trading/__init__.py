"""Price inertia and front-running (source 001, Sannikov & Skrzypacz 2016; spec-001).

Modules: ``model`` (``Market``, ``Equilibrium``), ``firstbest`` (E5), ``equations`` (the value
matrices E12, the FOCs E11/E13/E36, welfare, and the Prop 3 checks), ``solve`` (the numeric
equilibrium with continuation) and ``closed_forms`` (Props 5–9, 12, 13, §5.6 and §6).
The public API of DESIGN.md, ``equilibrium(b, *, r=1.0, fringe=False)``, is re-exported here.
"""

from lib.dynamic_trading.model import Equilibrium, Market
from lib.dynamic_trading.solve import equilibrium

__all__ = ["Equilibrium", "Market", "equilibrium"]
