"""lib.parallel: results in the order of the points, failures recorded beside the completed
runs, the disk cache (a rerun computes nothing, a change of lib recomputes, entries are
written whole), the arguments refused before anything runs, and the speed-up on two workers.

The tests share one local cluster of two single-threaded processes, passed by its address as
an existing cluster; one test starts the default local cluster of ``run_many`` itself. The
functions run on the cluster are defined here, at module level, and count their executions in
a log file when given one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import pytest
from distributed import Client, get_worker

from lib import parallel
from lib.parallel import run_many
from lib.progress import PROGRESS_ENV


def square(x: float, log: str | None = None, delay: float = 0.0) -> float:
    """x², after ``delay`` seconds; one line in ``log`` per execution."""
    time.sleep(delay)
    if log is not None:
        with open(log, "a") as file:
            file.write(f"{x}\n")
    return x * x


def fails_at_two(x: int, log: str) -> int:
    """x, except at 2, where it raises."""
    square(x, log)
    if x == 2:
        raise ValueError(f"x = {x} is refused")
    return x


def nap(seconds: float) -> tuple[int, int]:
    """Sleep; the process and the number of threads of the worker that slept."""
    time.sleep(seconds)
    return os.getpid(), get_worker().state.nthreads


def dies() -> None:
    """End the worker's process at once, as a crash in compiled code would."""
    os._exit(1)


def runs(log: Path) -> list[str]:
    """The points executed so far, one per execution."""
    return log.read_text().split() if log.exists() else []


def test_outcomes_come_in_the_order_of_the_points(scheduler: str, tmp_path: Path) -> None:
    log = tmp_path / "log"
    # the first point finishes after others
    points = [{"x": x, "log": str(log), "delay": 0.4 if x == 5 else 0.0} for x in range(5, -1, -1)]
    outcomes = run_many(square, points, scheduler=scheduler, progress=False)
    assert runs(log)[0] != "5"
    assert [o.value for o in outcomes] == [25, 16, 9, 4, 1, 0]
    assert [o.status for o in outcomes] == ["ok"] * 6
    assert all(o.point is p and o.error is None for o, p in zip(outcomes, points, strict=True))
    assert outcomes[0].seconds >= 0.4


def test_a_failure_is_recorded_and_the_others_complete(scheduler: str, tmp_path: Path) -> None:
    log, cache = tmp_path / "log", tmp_path / "cache"
    points = [{"x": x, "log": str(log)} for x in range(4)]
    outcomes = run_many(fails_at_two, points, cache=cache, scheduler=scheduler, progress=False)
    assert [o.status for o in outcomes] == ["ok", "ok", "failed", "ok"]
    assert [o.value for o in outcomes] == [0, 1, None, 3]
    error = outcomes[2].error
    assert (error.type, error.message) == ("ValueError", "x = 2 is refused")
    assert "fails_at_two" in error.traceback and "raise ValueError" in error.traceback
    # the failure is not cached: a rerun tries it again, and only it
    again = run_many(fails_at_two, points, cache=cache, scheduler=scheduler, progress=False)
    assert [o.status for o in again] == ["cached", "cached", "failed", "cached"]
    assert sorted(runs(log)) == ["0", "1", "2", "2", "3"]
    assert len(list(cache.rglob("*"))) == 1 + 3   # the function's folder and three entries


def test_a_rerun_computes_nothing(scheduler: str, tmp_path: Path,
                                  refuse_clusters: Callable[[], None]) -> None:
    log, cache = tmp_path / "log", tmp_path / "cache"
    points = [{"x": x / 2, "log": str(log)} for x in range(4)]
    first = run_many(square, points, cache=cache, scheduler=scheduler, progress=False)
    assert len(runs(log)) == 4
    refuse_clusters()
    second = run_many(square, points, cache=cache, scheduler=scheduler, progress=False)
    assert len(runs(log)) == 4
    assert [o.status for o in second] == ["cached"] * 4
    assert [(o.value, o.seconds) for o in second] == [(o.value, o.seconds) for o in first]


def test_a_change_of_lib_or_key_recomputes(scheduler: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    log, cache = tmp_path / "log", tmp_path / "cache"
    points = [{"x": x, "log": str(log)} for x in range(3)]
    run_many(square, points, cache=cache, scheduler=scheduler, progress=False)
    changed_key = run_many(square, points, cache=cache, key="v2", scheduler=scheduler,
                           progress=False)
    monkeypatch.setattr(parallel, "lib_hash", lambda: "another version of lib")
    changed_lib = run_many(square, points, cache=cache, scheduler=scheduler, progress=False)
    assert [o.status for o in changed_key + changed_lib] == ["ok"] * 6
    assert len(runs(log)) == 9
    monkeypatch.undo()
    assert {o.status for o in run_many(square, points, cache=cache, scheduler=scheduler,
                                       progress=False)} == {"cached"}


def test_the_lib_hash_follows_the_python_sources(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text("A = 1\n")
    monkeypatch.setattr(parallel, "LIB", tmp_path)
    before = parallel.lib_hash()
    (tmp_path / "notes.txt").write_text("not source")
    assert parallel.lib_hash() == before
    (tmp_path / "sub" / "a.py").write_text("A = 2\n")
    assert parallel.lib_hash() != before
    monkeypatch.undo()
    assert parallel.lib_hash() == parallel.lib_hash() != before


class Unpicklable:
    """A value that pickle gives up on."""

    def __reduce__(self) -> tuple:
        raise RuntimeError("cannot be pickled")


KILLED_WHILE_WRITING = """
import os, pickle, sys
from pathlib import Path
from lib import parallel

def dump(stored, file):
    file.write(b"half an entry")
    file.flush()
    os._exit(1)

pickle.dump = dump
parallel._store(Path(sys.argv[1]), {"value": 1.0, "seconds": 1.0})
"""


def test_an_entry_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    entry = tmp_path / "f" / "entry.pkl"
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, str(entry)],
                            cwd=Path(__file__).resolve().parents[1])
    assert killed.returncode == 1
    assert not entry.exists() and parallel._cached({}, entry) is None
    with pytest.raises(RuntimeError, match="cannot be pickled"):   # after a partial write
        parallel._store(entry, {"seconds": 1.0, "value": [1.0] * 1000 + [Unpicklable()]})
    assert not entry.exists()
    parallel._store(entry, {"value": 2.0, "seconds": 1.0})
    assert parallel._cached({}, entry) == parallel.Outcome({}, "cached", 2.0, None, 1.0)


@pytest.mark.parametrize(("arguments", "named"), [
    ({"points": []}, "points"),
    ({"points": "x=1"}, "points"),
    ({"points": [{"x": 1}, [("x", 2)]]}, r"points\[1\]"),
    ({"points": [{1: 2}]}, r"points\[0\]"),
    ({"points": [{"x": np.int64(1)}]}, r"points\[0\] is not JSON"),
    ({"points": [{"x": {1.0, 2.0}}]}, r"points\[0\] is not JSON"),
    ({"function": lambda x: x}, "function"),
    ({"function": 3}, "function"),
    ({"workers": 0}, "workers"),
    ({"workers": 1.5}, "workers"),
    ({"workers": True}, "workers"),
    ({"scheduler": ""}, "scheduler"),
    ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "workers and scheduler"),
    ({"key": 2}, "key"),
    ({"cache": "a file"}, "cache"),
])
def test_bad_arguments_are_refused_before_anything_runs(
        arguments: dict, named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        refuse_clusters: Callable[[], None]) -> None:
    refuse_clusters()
    monkeypatch.chdir(tmp_path)
    Path("a file").write_text("")
    log = tmp_path / "log"
    call = {"function": square, "points": [{"x": 1.0, "log": str(log)}], **arguments}
    with pytest.raises(ValueError, match=named):
        run_many(call.pop("function"), call.pop("points"), progress=False, **call)
    assert sorted(os.listdir()) == ["a file"]


def test_two_workers_beat_one(scheduler: str) -> None:
    start = time.perf_counter()
    outcomes = run_many(nap, [{"seconds": 0.5}] * 4, scheduler=scheduler, progress=False)
    elapsed = time.perf_counter() - start
    serial = sum(o.seconds for o in outcomes)
    assert serial >= 2.0
    assert elapsed < 0.75 * serial, f"{elapsed:.2f} s on two workers, {serial:.2f} s of work"
    with Client(scheduler, set_as_default=False) as client:   # the workers of that cluster
        workers = set(client.run(os.getpid).values())
    assert {pid for pid, _ in (o.value for o in outcomes)} == workers


def test_the_progress_bar_counts_the_completed_runs(scheduler: str, tmp_path: Path,
                                                    capfd: pytest.CaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    cache = tmp_path / "cache"
    run_many(square, [{"x": 1}], cache=cache, scheduler=scheduler, progress=False)
    run_many(square, [{"x": x} for x in range(3)], cache=cache, scheduler=scheduler,
             description="squares")
    err = capfd.readouterr().err
    assert "squares" in err and "2/2" in err and "3/3" not in err   # one was cached


def test_the_default_is_a_quiet_local_cluster_over_the_cores(tmp_path: Path,
                                                             capfd: pytest.CaptureFixture,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.chdir(tmp_path)
    cores = os.cpu_count()
    outcomes = run_many(nap, [{"seconds": 0.3}] * (2 * cores), progress=False)
    assert [o.status for o in outcomes] == ["ok"] * (2 * cores)
    workers = {o.value for o in outcomes}
    assert len(workers) == cores and all(threads == 1 for _, threads in workers)
    assert not any(psutil.pid_exists(pid) for pid, _ in workers)   # the cluster is closed
    assert os.listdir() == []
    assert capfd.readouterr() == ("", "")


def test_a_run_whose_worker_dies_is_recorded_as_failed(scheduler: str) -> None:
    outcomes = run_many(dies, [{}], scheduler=scheduler, progress=False)
    assert outcomes[0].status == "failed" and outcomes[0].error.type == "KilledWorker"
