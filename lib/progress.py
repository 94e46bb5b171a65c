"""Progress bars for long computations (tqdm), silent when a chapter runs unattended.

A chapter executed by papermill (the book build, the goldens, ``lib.reproduce``) runs with
``OTR_PROGRESS=off``: nobody watches its bars, and their timings would differ between runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from tqdm import tqdm

__all__ = ["PROGRESS_ENV", "bar"]

PROGRESS_ENV = "OTR_PROGRESS"


def bar(iterable: Iterable, *, desc: str, enabled: bool, total: int | None = None) -> tqdm:
    """``tqdm(iterable)`` when ``enabled`` and not switched off by ``OTR_PROGRESS=off``."""
    quiet = os.environ.get(PROGRESS_ENV, "").lower() == "off"
    return tqdm(iterable, desc=desc, total=total, disable=not enabled or quiet)
