"""lib.sweep: a chapter over a grid on a two-worker local cluster; the table, its provenance
and the verdict map; a failed point recorded beside the completed ones; a sweep killed
halfway resumed with only the missing points executed; a second run executing nothing; bad
names and values refused before anything runs.

The Almgren–Chriss chapter is the quickest (about 12 s a point). The sweeps of the module
share one cache, so that a point executed by one test is read by the next.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import psutil
import pytest

from lib import chapters, sweep
from lib.figures import series_of
from lib.reproduce import parse_value
from lib.sweep import POINT_ENV, Point, Record, Sweep, Verdict

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "almgren_chriss"
MID = "ac-q-mid-first"            # q(T/2) of the first plotted k, glued by the chapter
PUBLISHED_MID = 3240.2714         # its value at the defaults (the post's code gives it too)


def made_to_fail(chapter: str, overrides: dict, keep: bool) -> Record:
    """``run_point``, except at T = 0.5, where it raises."""
    if overrides.get("T") == 0.5:
        raise RuntimeError("made to fail at T = 0.5")
    return sweep.run_point(chapter, overrides, keep)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def small(scheduler: str, cache: Path) -> Sweep:
    """The chapter at T = 1 (its default) and T = 2, kept."""
    return sweep.sweep(CHAPTER, {"T": [1.0, 2.0]}, scheduler=scheduler, cache=cache,
                       keep=True, progress=False)


def test_a_small_sweep_produces_the_table_and_figure(small: Sweep, tmp_path: Path) -> None:
    assert [p.status for p in small.points] == ["ok", "ok"]
    assert small.points[0].glued[MID] == PUBLISHED_MID      # the chapter's own number
    assert small.points[1].glued[MID] != PUBLISHED_MID      # the point's parameters were used
    assert small.claim_labels and all(small.holds_everywhere(c) for c in small.claim_labels)
    written = sweep.write(small, tmp_path, cache=None)
    with (tmp_path / f"{CHAPTER}-sweep.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["point"], r["T"], r["status"]) for r in rows] == [("000", "1.0", "ok"),
                                                                ("001", "2.0", "ok")]
    assert float(rows[0][MID]) == PUBLISHED_MID
    assert all(r[label] == "holds" and r[f"{label} measured"] for r in rows
               for label in small.claim_labels)
    provenance = json.loads((tmp_path / f"{CHAPTER}-sweep.json").read_text())
    for name, digest in provenance["files"].items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert set(provenance["files"]) == {f"{CHAPTER}-sweep.{s}" for s in ("csv", "png", "svg")}
    assert provenance["grid"] == {"T": [1.0, 2.0]} and provenance["statuses"]["ok"] == 2
    assert parse_value("T", shlex.split(provenance["command"])[-1]) == [1.0, 2.0]
    kept = tmp_path / "points" / "001"
    assert (kept / f"{CHAPTER}.ipynb").is_file() and (kept / f"{CHAPTER}-fig01.png").is_file()
    assert sweep.read_record(kept / f"{CHAPTER}.ipynb").glued == small.points[1].glued
    assert kept in written
    unkept = dataclasses.replace(small, points=[dataclasses.replace(p, files={})
                                                for p in small.points])
    sweep.write(unkept, tmp_path, cache=None)
    assert not (tmp_path / "points").exists()       # no stale points of the earlier sweep


def test_a_second_run_executes_nothing(small: Sweep, scheduler: str, cache: Path,
                                       refuse_clusters: Callable[[], None]) -> None:
    refuse_clusters()
    again = sweep.sweep(CHAPTER, {"T": [1.0, 2.0]}, scheduler=scheduler, cache=cache,
                        keep=True, progress=False)
    assert [p.status for p in again.points] == ["cached", "cached"]
    assert again.table() == {**small.table(), "status": ["cached", "cached"]}
    assert again.points[1].files == small.points[1].files


def test_a_failed_point_is_recorded_while_the_others_complete(scheduler: str, cache: Path,
                                                              tmp_path: Path) -> None:
    result = sweep.sweep(CHAPTER, {"T": [0.5, 2.0]}, scheduler=scheduler, cache=cache,
                         progress=False, execute=made_to_fail)
    failed, completed = result.points
    assert (failed.status, failed.error) == ("failed", "RuntimeError: made to fail at T = 0.5")
    assert failed.claims == {} and failed.glued == {}
    assert completed.status == "ok" and completed.claims
    sweep.write(result, tmp_path, cache=cache)
    with (tmp_path / f"{CHAPTER}-sweep.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["failed", "ok"]
    assert rows[0]["error"] == failed.error and rows[0][MID] == ""


def _cli(*words: str) -> list[str]:
    return [sys.executable, "-m", "lib.sweep", CHAPTER, *words]


def _kill(process: subprocess.Popen) -> None:
    """Kill the process, its process group and every process it started, at once."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    process.wait()


def test_a_sweep_killed_halfway_resumes_with_the_missing_points(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    words = ("-p", "T", "[0.5, 1.5, 2.5, 3.5]", "--workers", "2", "--out", str(out),
             "--cache", str(cache))
    entries = cache / "lib.sweep.run_point"
    process = subprocess.Popen(_cli(*words), cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while len(list(entries.glob("*.pkl"))) < 2:
            assert process.poll() is None, "the sweep ended before it was killed"
            assert time.monotonic() < deadline, "no point completed in 300 s"
            time.sleep(0.2)
    finally:
        _kill(process)
    done = len(list(entries.glob("*.pkl")))
    assert 2 <= done < 4 and not out.exists()       # killed halfway, before writing anything
    resumed = subprocess.run(_cli(*words), cwd=ROOT, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{4 - done} run, {done} from the cache, 0 failed" in resumed.stdout
    with (out / f"{CHAPTER}-sweep.csv").open() as handle:
        statuses = [row["status"] for row in csv.DictReader(handle)]
    assert sorted(statuses) == sorted(["cached"] * done + ["ok"] * (4 - done))


@pytest.mark.parametrize(("words", "status", "message"), [
    (("-p", "thetta", "[1]"), 2, "unknown parameter(s) thetta"),
    (("-p", "T", "5,000"), 2, "-p T 5,000: ambiguous"),
    (("-p", "T", "[1]", "-p", "T", "[2]"), 2, "-p T given more than once"),
    (("-p", "T", "1"), 1, "-p T: give the values as a non-empty list"),
    (("-p", "T", "[]"), 1, "-p T: give the values as a non-empty list"),
    (("-p", "T", "[1, 1.0]"), 1, "point 001 (T=1.0) repeats point 000 (T=1)"),
    (("-p", "T", "[1, -1]"), 1, "point 001 (T=-1): T must be"),
    (("-p", "k_values", "[[2], [31]]"), 1, "point 001 (k_values=[31]): k_values[0] * T"),
    (("--seeds", "2"), 1, "has no parameter 'seed'"),
    (("--seeds", "0"), 1, "--seeds must be a whole number >= 1"),
    (("--workers", "0"), 2, "--workers must be >= 1"),
])
def test_bad_names_and_values_are_refused_before_anything_runs(
        words: tuple[str, ...], status: int, message: str, tmp_path: Path, capsys,
        refuse_clusters: Callable[[], None]) -> None:
    refuse_clusters()
    out = tmp_path / "out"
    if status == 2:
        with pytest.raises(SystemExit) as stop:
            sweep.main([CHAPTER, *words, "--out", str(out)])
        assert stop.value.code == 2
    else:
        assert sweep.main([CHAPTER, *words, "--out", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_seeds_follow_the_chapter_seed_and_refuse_a_list_of_seeds() -> None:
    seed = chapters.default_parameters("trade_signals")["seed"]
    points = sweep.plan("trade_signals", {"rho": [0.1, 0.2]}, seeds=2)
    assert points == [{"rho": 0.1, "seed": seed}, {"rho": 0.1, "seed": seed + 1},
                      {"rho": 0.2, "seed": seed}, {"rho": 0.2, "seed": seed + 1}]
    with pytest.raises(ValueError, match="give the seeds one way only"):
        sweep.plan("trade_signals", {"seed": [1, 2]}, seeds=2)


def test_a_chapter_running_as_a_point_does_not_run_its_study(monkeypatch) -> None:
    monkeypatch.setenv(POINT_ENV, "1")
    monkeypatch.setattr(sweep, "run_many", None)    # any run would fail
    assert sweep.study(CHAPTER, {"T": [1.0, 2.0]}) is None


def _point(T: float, seed: int, status: str = "ok", **holds: bool) -> Point:
    claims = {f"ac-claim-{name}": Verdict(value, f"x = {T}") for name, value in holds.items()}
    return Point({"T": T, "seed": seed}, status, 1.0, "", {}, claims)


def test_the_map_shows_each_claim_over_the_grid_and_seeds() -> None:
    result = Sweep(CHAPTER, {"T": [1.0, 2.0, 3.0]}, 2, [
        _point(1.0, 0, rises=True, ends=True), _point(1.0, 1, rises=True, ends=True),
        _point(2.0, 0, rises=False, ends=True), _point(2.0, 1, rises=True),
        _point(3.0, 0, "failed"), _point(3.0, 1, "failed")])
    assert result.verdicts("ac-claim-ends") == [True, True, True, None, None, None]
    assert not result.holds_everywhere("ac-claim-ends")
    assert result.exceptions() == {"ac-claim-rises": [2, 4, 5], "ac-claim-ends": [3, 4, 5]}
    assert result.summary() == (
        "2 claims at 6 points (2 failed); not holding everywhere: rises at (T=2.0, seed=0), "
        "(T=3.0, seed=0), (T=3.0, seed=1); ends at (T=2.0, seed=1), (T=3.0, seed=0), "
        "(T=3.0, seed=1)")
    fig = sweep.figure(result)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["holds", "1/2", "error", "holds", "holds", "error"]
    image = next(s for s in series_of(fig) if s.kind == "image")
    assert sorted(v for v in image.value if v == v) == [0.5, 1.0, 1.0, 1.0]
    plt.close(fig)
    table = result.table()
    assert table["seed"] == ["0", "1"] * 3 and table["ac-claim-rises"][2] == "FAILS"
    assert table["ac-claim-ends"][3] == "" and table["ac-claim-ends measured"][0] == "x = 1.0"
    with pytest.raises(ValueError, match="were not checked"):
        sweep.figure(result, claims=["falls"])
    plt.close(sweep.figure(result, claims=["rises"]))
