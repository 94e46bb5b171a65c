"""Many independent runs of one function (seeds, parameter points) on ``dask.distributed``.

``run_many(function, points)`` calls ``function(**point)`` for every point on a local cluster
over the machine's cores, or on an existing cluster given its scheduler's address, and returns
one ``Outcome`` per point in the order of ``points``. A point that raises is recorded as
failed, with its exception and traceback, and the others go on. With ``cache`` a computed
value is kept on disk under a key made of lib's source, the function's name and the point, so
that a rerun recomputes only what changed; an interrupted run keeps what it completed.

Each run is independent of the others and of the order in which they finish: what a run
computes depends on its point only (a seed is a parameter like any other).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from distributed import Client, LocalCluster, as_completed

from lib.progress import bar

__all__ = ["BOOK_CACHE", "Failure", "Outcome", "lib_hash", "run_many"]

LIB = Path(__file__).resolve().parent
BOOK_CACHE = LIB.parent / "_build" / "cache"
"""The folder the chapters keep their many-run studies in (``make clean`` removes it)."""


@dataclass(frozen=True)
class Failure:
    """An exception raised by a run: its type, its message and its traceback as text."""

    type: str
    message: str
    traceback: str

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        """The failure that ``error`` records."""
        return cls(type(error).__name__, str(error), "".join(traceback.format_exception(error)))


@dataclass(frozen=True)
class Outcome:
    """The run at one point. ``value`` is None unless ``status`` is "ok" or "cached",
    ``error`` None unless it is "failed"; ``seconds`` is the time the function took (for a
    cached value, in the run that computed it)."""

    point: dict[str, Any]
    status: Literal["ok", "failed", "cached"]
    value: Any
    error: Failure | None
    seconds: float


def lib_hash() -> str:
    """SHA-256 of the path and contents of every ``lib/**/*.py``: the results of a run may
    depend on any of them, so a change anywhere in lib starts a new cache."""
    digest = hashlib.sha256()
    for path in sorted(LIB.rglob("*.py")):
        source = path.read_bytes()
        digest.update(f"{path.relative_to(LIB).as_posix()}\0{len(source)}\0".encode())
        digest.update(source)
    return digest.hexdigest()


def run_many(function: Callable[..., Any], points: Sequence[dict[str, Any]], *,
             cache: Path | None = None, key: str = "", workers: int | None = None,
             scheduler: str | None = None, progress: bool = True,
             description: str | None = None) -> list[Outcome]:
    """``function(**point)`` for every point, in parallel; one ``Outcome`` per point, in order.

    ``function`` is a module-level function (the cluster's processes import or unpickle it).
    Each point is a dict of keyword arguments whose values are JSON-serialisable, so that it
    has one canonical form to key the cache with. ``cache`` is a folder: a value computed with
    the same lib source, function, ``key`` and point is read from there instead of computed;
    failures are not kept. ``key`` is for what the results depend on beyond lib and the point
    (a function defined outside lib, a data file): change it to recompute. Entries of earlier
    versions stay in the folder until it is removed.

    The runs go to a local cluster of ``workers`` processes of one thread each (default: one
    per core), started and closed here, or to the running cluster whose scheduler is at
    ``scheduler`` ("tcp://host:port"), whose workers must import the same lib (restart them
    after changing it). Nothing is started when every point is cached. A script that calls
    this at the top level needs the ``if __name__ == "__main__":`` guard: the local cluster's
    processes are spawned, and import the script's module. ``progress`` shows a bar over the
    completed runs, headed by ``description`` (default: the function's name).

    Every argument is checked before anything runs: ``ValueError`` names the one at fault.
    """
    name = _check(function, points, cache, key, workers, scheduler)
    version = lib_hash()
    entries = [None if cache is None else
               Path(cache) / name / f"{_digest(version, name, key, point)}.pkl"
               for point in points]
    outcomes: list[Outcome | None] = [_cached(point, entry) for point, entry in
                                      zip(points, entries, strict=True)]
    todo = [index for index, outcome in enumerate(outcomes) if outcome is None]
    if todo:
        with _client(workers, scheduler) as client:
            pending = {client.submit(_call, function, points[index], pure=False): index
                       for index in todo}
            completed = as_completed(pending, loop=client.loop)
            for future in bar(completed, desc=description or function.__qualname__,
                              enabled=progress, total=len(pending)):
                index = pending.pop(future)
                try:
                    value, error, seconds = future.result()
                except Exception as lost:   # the cluster lost the run (its worker died)
                    value, error, seconds = None, Failure.of(lost), 0.0
                outcomes[index] = Outcome(points[index], "ok" if error is None else "failed",
                                          value, error, seconds)
                if error is None and entries[index] is not None:
                    _store(entries[index], {"point": points[index], "value": value,
                                            "seconds": seconds})
    return outcomes


def _check(function: object, points: object, cache: object, key: object, workers: object,
           scheduler: object) -> str:
    """Reject bad arguments with a ValueError naming them; the function's full name."""
    qualname = getattr(function, "__qualname__", "<")
    if not callable(function) or "<" in qualname:
        raise ValueError(f"function must be a module-level function, got {function!r}")
    if not isinstance(points, Sequence) or isinstance(points, (str, bytes)) or not points:
        raise ValueError(f"points must be a non-empty sequence of dicts, got {points!r}")
    for index, point in enumerate(points):
        if not isinstance(point, dict) or not all(isinstance(k, str) for k in point):
            raise ValueError(f"points[{index}] must be a dict of keyword arguments, "
                             f"got {point!r}")
        try:
            _canonical(point)
        except (TypeError, ValueError) as error:
            raise ValueError(f"points[{index}] is not JSON-serialisable: {error}") from None
    if cache is not None and (not isinstance(cache, (str, os.PathLike))
                              or (Path(cache).exists() and not Path(cache).is_dir())):
        raise ValueError(f"cache must be a folder, got {cache!r}")
    if not isinstance(key, str):
        raise ValueError(f"key must be a string, got {key!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
        raise ValueError(f"scheduler must be an address such as 'tcp://host:8786', "
                         f"got {scheduler!r}")
    if workers is not None and scheduler is not None:
        raise ValueError("workers and scheduler: give at most one (the cluster at scheduler "
                         "has its own workers)")
    return f"{function.__module__}.{qualname}"


def _canonical(value: object) -> str:
    """The one JSON text of ``value``: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _digest(version: str, name: str, key: str, point: dict[str, Any]) -> str:
    """The cache key of one run."""
    text = _canonical({"lib": version, "function": name, "key": key, "point": point})
    return hashlib.sha256(text.encode()).hexdigest()


def _cached(point: dict[str, Any], entry: Path | None) -> Outcome | None:
    """The cached outcome at ``entry``, if there is one."""
    if entry is None or not entry.exists():
        return None
    with entry.open("rb") as file:
        stored = pickle.load(file)
    return Outcome(point, "cached", stored["value"], None, stored["seconds"])


def _store(entry: Path, stored: dict[str, Any]) -> None:
    """Write ``stored`` to ``entry`` whole or not at all: to a temporary file, then renamed."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=entry.parent, suffix=".tmp", delete=False) as file:
        try:
            pickle.dump(stored, file)
            file.flush()
            os.fsync(file.fileno())
        except BaseException:
            file.close()
            os.unlink(file.name)
            raise
    os.replace(file.name, entry)


def _call(function: Callable[..., Any], point: dict[str, Any]
          ) -> tuple[Any, Failure | None, float]:
    """Run one point on a worker: its value or its failure, and the seconds it took."""
    start = time.perf_counter()
    try:
        value, error = function(**point), None
    except Exception as raised:
        value, error = None, Failure.of(raised)
    return value, error, time.perf_counter() - start


@contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, else of a new local cluster of ``workers``
    single-threaded processes, quiet and without a dashboard, closed with the client."""
    if scheduler is not None:
        with Client(scheduler, set_as_default=False) as client:
            yield client
        return
    # Without a dashboard the scheduler still serves its health routes over HTTP: on a free
    # port of the loopback interface, not on the dashboard's 8787, which another may hold.
    # Its logs are silenced below CRITICAL: a run's failure is recorded with the run, and
    # what else it logs is about closing (a worker's last heartbeat to a closed scheduler).
    with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                      processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client
