"""Adaptive trading across liquidity pools (Baldacci & Manziuk 2020; book chapter
liquidity_pools)."""
