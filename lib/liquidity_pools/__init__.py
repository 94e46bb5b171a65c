"""Adaptive trading across liquidity pools (Baldacci & Manziuk 2020; book chapter
liquidity_pools).

Notation: ``theta`` is the value function θ(t, q) here (temporary impact in
``lib.execution``), ``lam_dt`` the fill intensities λ^i_{j,m} Δt per decision step (``lam``
is B's size in ``lib.competition``), ``phi`` the penalty on the distance to the target
schedule, ``gamma`` risk aversion, ``sigma`` the volatility of the mid and ``kappa_ac`` the
Almgren–Chriss urgency of the target schedule (not the ``kappa`` of ``lib.execution`` or
``lib.competition``).
"""
