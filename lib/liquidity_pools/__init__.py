"""Adaptive trading across liquidity pools (source 003, Baldacci & Manziuk 2020; spec-003)."""
