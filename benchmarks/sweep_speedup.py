"""Wall time of one sweep of 8 points of the Almgren–Chriss chapter on two workers against the
same 8 points run one after another (one worker), each from an empty cache, in one run.

    .venv/bin/python benchmarks/sweep_speedup.py [--points 8] [--chapter almgren_chriss]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from lib import sweep


def timed(chapter: str, grid: dict[str, list], workers: int) -> float:
    """Seconds for the sweep on ``workers`` local workers, from an empty cache."""
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        result = sweep.sweep(chapter, grid, workers=workers, cache=Path(cache), progress=False)
        seconds = time.perf_counter() - start
    if result.count("ok") != len(result.points):
        raise RuntimeError(f"{result.count('failed')} points failed")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--chapter", default="almgren_chriss")
    args = parser.parse_args()
    grid = {"T": [0.5 + 0.25 * i for i in range(args.points)]}
    print(f"{args.chapter}: {sweep.command(args.chapter, grid)}")
    serial = timed(args.chapter, grid, workers=1)
    print(f"one worker (one point after another): {serial:.1f} s", flush=True)
    parallel = timed(args.chapter, grid, workers=2)
    print(f"two workers: {parallel:.1f} s")
    print(f"ratio two workers / one worker: {parallel / serial:.2f}")


if __name__ == "__main__":
    main()
