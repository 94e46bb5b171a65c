"""Time one finite-difference slice (liquidity-pools chapter): compiled vs reference volume search.

For Nq = 51, 101, 201, 401 inventory nodes (Δq = Δℓ = q0 / (Nq - 1)) solve slice 8 of the
default identical-venue model on schedule with the scheme (lp-scheme), and print the first-call
time of the compiled search, the median of three further compiled runs, one reference run and
the largest difference of the two value functions relative to max |θ|.

Run from the repository root:
``.venv/bin/python benchmarks/fd_slice.py [--skip-reference-above N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numba
import numpy as np

from lib.liquidity_pools import curve, fd
from lib.liquidity_pools.markov import enumerate_states
from lib.liquidity_pools.params import ModelParams, default_params

NODES = (51, 101, 201, 401)
SLICE = 8
REPEATS = 3


def _timed_solve(p: ModelParams, grid: fd.FDGrid, target: np.ndarray,
                 method: str) -> tuple[float, fd.FDSolution]:
    """Wall time of one slice solve and its solution."""
    start = time.perf_counter()
    sol = fd.solve_slice(p, grid, target, t_start=SLICE * p.Ts, method=method)
    return time.perf_counter() - start, sol


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-reference-above", type=int, default=None, metavar="N",
                        help="skip the reference search for grids with more than N nodes")
    args = parser.parse_args(argv)

    p = default_params("identical")
    target = curve.slice_targets(p, SLICE)
    print(f"# FD slice benchmark: slice {SLICE}, identical venues, {p.Nt} steps, "
          f"{len(enumerate_states(p))} market states")
    print(f"# nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, "
          f"numba threads {numba.get_num_threads()}, "
          f"numba {numba.__version__}, numpy {np.__version__}, python "
          f"{platform.python_version()}")
    print("| nodes | Δq = Δℓ | compiled, first call (s) | compiled, median of 3 (s) "
          "| reference (s) | max rel. diff of θ |")
    print("|---|---|---|---|---|---|")
    for n in NODES:
        grid = fd.FDGrid(p.q0 / (n - 1), p.q0 / (n - 1))
        first, fast = _timed_solve(p, grid, target, "compiled")
        median = statistics.median(_timed_solve(p, grid, target, "compiled")[0]
                                   for _ in range(REPEATS))
        if args.skip_reference_above is not None and n > args.skip_reference_above:
            ref_time, diff = "skipped", "—"
        else:
            seconds, ref = _timed_solve(p, grid, target, "reference")
            rel = np.abs(fast.theta - ref.theta).max() / np.abs(ref.theta).max()
            ref_time, diff = f"{seconds:.3f}", f"{rel:.1e}"
        print(f"| {n} | {grid.dq:g} | {first:.3f} | {median:.3f} | {ref_time} | {diff} |",
              flush=True)


if __name__ == "__main__":
    main()
