"""Time the best response to a known adversary (position-building chapter) on a grid of times.

``lib.competition.responses.best_response(t, b, kappa=10, lam=5)`` (book eq.
(pb-best-response)) for the risk-averse ``r_3`` and the eager ``phi_3`` on 1,001, 10,001 and
100,001 equally spaced times, with ``b`` given as a ``Strategy`` and as a plain numpy function
of the same shape. For each it prints the median wall time of five calls, the peak memory
that ``tracemalloc`` sees during one more call, and the largest difference from the closed
forms (pb-br-risk-averse) and (pb-br-eager), the paper's (13)–(16) and (19), relative to
max |a|.

Run from the repository root: ``.venv/bin/python benchmarks/best_response.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from lib.competition import responses
from lib.competition import strategies as st

POINTS = (1001, 10001, 100001)
KAPPA, LAM, SIGMA = 10.0, 5.0, 3.0
REPEATS = 5


def _shapes() -> list[tuple[str, st.Strategy, Callable[[np.ndarray], np.ndarray], st.Strategy]]:
    """Name, shape as a Strategy, the same shape as a plain function, closed-form response."""
    s = SIGMA
    return [
        (f"r_{s:g}", st.risk_averse(s), lambda t: np.sinh(s * t) / np.sinh(s),
         responses.br_risk_averse(s, kappa=KAPPA, lam=LAM)),
        (f"phi_{s:g}", st.eager(s), lambda t: np.expm1(-s * t) / np.expm1(-s),
         responses.br_eager(s, kappa=KAPPA, lam=LAM)),
    ]


def _peak_bytes(call: Callable[[], object]) -> int:
    """Peak of the memory traced by ``tracemalloc`` during ``call()``."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=list(POINTS),
                        help="numbers of equally spaced times on [0, 1]")
    args = parser.parse_args(argv)

    print(f"# best_response benchmark: kappa {KAPPA:g}, lam {LAM:g}, median of {REPEATS}")
    print(f"# nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, "
          f"numpy {np.__version__}, python {platform.python_version()}")
    print("| points | b | given as | time (ms) | peak memory (MB) "
          "| max rel. diff from closed form |")
    print("|---|---|---|---|---|---|")
    for n in args.points:
        t = np.linspace(0.0, 1.0, n)
        for name, shape, plain, closed in _shapes():
            exact = closed(t)
            for kind, b in (("Strategy", shape), ("function", plain)):
                def call(b=b, t=t) -> np.ndarray:
                    return responses.best_response(t, b, kappa=KAPPA, lam=LAM)

                a = call()  # warm-up
                times = []
                for _ in range(REPEATS):
                    start = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - start)
                peak = _peak_bytes(call)
                diff = np.abs(a - exact).max() / np.abs(exact).max()
                print(f"| {n} | {name} | {kind} | {1e3 * statistics.median(times):.1f} "
                      f"| {peak / 1e6:.1f} | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
