"""Solvers, checks and the build pipeline behind *Optimal Trading, Reproduced*.

Model modules are named after what they model (``lib.execution`` for single-trader
optimal execution, ...); the shared pieces are ``lib.validation`` (parameter checks),
``lib.odes`` (ODE and Riccati integration), ``lib.symbolic`` (sympy verification),
``lib.figures`` (house style and figure export), ``lib.chapters`` (the chapters and
their parameters), ``lib.notebooks`` (papermill execution), ``lib.ledger`` (the
reproduction ledger), ``lib.parallel`` (many independent runs on ``dask.distributed``, cached),
``lib.book`` (the book build) and ``lib.reproduce`` (the CLI).
"""

__version__ = "0.1.0"
