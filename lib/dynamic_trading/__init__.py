"""Price inertia and front-running (Sannikov & Skrzypacz 2016), the dynamic-trading chapter.

Modules: ``model`` (``Market``, ``Equilibrium``), ``firstbest`` (book eq. (dt-first-best),
paper (7)–(8)), ``equations`` (the value matrices of the Lyapunov equation (dt-lyapunov), the
first-order conditions (dt-foc), (dt-fringe-foc) and (dt-common-foc), welfare, and the
conditions of Prop 3), ``solve`` (the numeric equilibrium with continuation) and
``closed_forms`` (Props 5–9, 12, 13 and Sections 5.6 and 6 of the paper). The public API,
``equilibrium(b, *, r=1.0, fringe=False)``, is re-exported here.

Notation (the paper's): ``b`` are the players' risk coefficients (permanent impact in
``lib.signals``, B's shape in ``lib.competition``) and ``r`` the discount rate.
"""

from lib.dynamic_trading.model import Equilibrium, Market
from lib.dynamic_trading.solve import equilibrium

__all__ = ["Equilibrium", "Market", "equilibrium"]
