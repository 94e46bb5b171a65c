"""Shared fixtures. Each chapter is executed once per test run: by nbval, from its golden
notebook. The tests that need a chapter's files (the ledger, the figure data) read what that
execution wrote; only when nbval does not run a chapter in this session (a test file selected
on its own) does the ``executed`` fixture execute it.

``make test`` runs two pytest-xdist processes (``-n 2 --dist loadfile
--no-loadscope-reorder``): a golden notebook runs whole in one of them, and the tests that read
a chapter's files, ordered last, may run in the other. The goldens' kernels therefore write to
a folder shared by both processes, with a mark beside each chapter's files once its golden has
passed (or failed).
"""

from __future__ import annotations

import importlib
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The xdist worker processes share the machine's cores: each, and the kernels it starts,
# computes with its share of them, so that the BLAS, OpenMP and numba threads of the workers do
# not contend for the same cores. A value the user sets takes precedence. Set before lib
# imports numpy.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    _THREADS = str(max(1, len(os.sched_getaffinity(0))
                       // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMBA_NUM_THREADS"):
        os.environ.setdefault(_name, _THREADS)

from distributed import Client, LocalCluster

from lib import chapters, notebooks, parallel
from lib.book import GOLDEN
from lib.figures import FIGURES_ENV
from lib.progress import PROGRESS_ENV

# The golden notebooks run in kernels started by nbval: their progress bars stay off, as in
# every unattended execution (lib.notebooks.run_chapter).
os.environ[PROGRESS_ENV] = "off"

# Each golden's kernel writes its chapter's files to a folder of its own below this one, never
# into figures/. The first process to load this file (pytest's, or xdist's controller) makes
# the folder; the xdist workers it starts inherit its name.
_SHARED = "OTR_TEST_CHAPTER_FILES"
if _SHARED not in os.environ:
    _FOLDER = tempfile.TemporaryDirectory(prefix="otr-nbval-figures-")
    os.environ[_SHARED] = _FOLDER.name
os.environ[FIGURES_ENV] = os.environ[_SHARED]
WAIT_SECONDS = 1800   # longest wait for a golden that another process is running
# The test files that take longest (minutes; pytest's --durations report), longest first.
LONGEST = ["test_reproduce.py", "test_parameter_domains.py"]

_cells = Counter()    # chapter -> cells of its golden collected in this session
_passed = Counter()   # chapter -> cells that nbval ran and found equal to the golden
_golden_cells: dict[str, str] = {}   # node id of a golden's cell -> its chapter


def _golden_chapter(path: Path | str) -> str | None:
    """The chapter whose golden notebook is at ``path`` (of an nbval cell), else None."""
    path = Path(path)
    if path.suffix == ".ipynb" and path.parent == GOLDEN and path.stem in chapters.names():
        return path.stem
    return None


def _folder(chapter: str) -> Path:
    return Path(os.environ[_SHARED]) / chapter


def _mark(chapter: str, outcome: str) -> Path:
    """The file that says a chapter's golden has ``outcome`` "passed" or "failed"."""
    return Path(os.environ[_SHARED]) / f"{chapter}.{outcome}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order in which the files go to the two processes (``--no-loadscope-reorder`` keeps
    it): the goldens, the longest (largest) first, then the files that run chapters or train
    networks, the longest first, then the rest; the tests that read a chapter's files last, so
    that the goldens they wait for have run by then."""
    def order(item: pytest.Item) -> tuple:
        chapter = _golden_chapter(item.path)
        if chapter is not None:
            return (0, -(GOLDEN / f"{chapter}.ipynb").stat().st_size)
        if "executed" in getattr(item, "fixturenames", ()):
            return (3, 0)
        if item.path.name in LONGEST:
            return (1, LONGEST.index(item.path.name))
        return (2, 0)

    items.sort(key=order)
    for item in items:
        chapter = _golden_chapter(item.path)
        if chapter is not None:
            _golden_cells[item.nodeid] = chapter
    _cells.update(_golden_cells.values())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    chapter = _golden_chapter(item.path)
    if chapter is not None:  # before nbval starts the chapter's kernel at its first cell
        _folder(chapter).mkdir(exist_ok=True)
        os.environ[FIGURES_ENV] = str(_folder(chapter))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    chapter = _golden_cells.get(report.nodeid)
    if chapter is None:   # not a golden's cell, or not collected by this process
        return
    if report.failed:
        _mark(chapter, "failed").touch()
    elif report.when == "call" and report.passed:
        _passed[chapter] += 1
        if _passed[chapter] == _cells[chapter]:
            _mark(chapter, "passed").touch()


class _Executions(dict):
    """chapter -> folder of its files, from nbval's run of its golden when there is one."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self._factory = factory

    def __missing__(self, chapter: str) -> Path:
        if _cells[chapter]:   # nbval runs this chapter's golden in this session
            deadline = time.monotonic() + WAIT_SECONDS
            while not (_mark(chapter, "passed").exists() or _mark(chapter, "failed").exists()):
                if time.monotonic() > deadline:
                    pytest.fail(f"the golden notebook of {chapter} did not finish within "
                                f"{WAIT_SECONDS} s")
                time.sleep(1.0)
            if _mark(chapter, "failed").exists():
                pytest.fail(f"the golden notebook of {chapter} failed under nbval; its files "
                            "cannot be checked")
            folder = _folder(chapter)
        else:
            folder = self._factory.mktemp(chapter)
            notebooks.run_chapter(chapter, folder / f"{chapter}.ipynb", folder)
        self[chapter] = folder
        return folder


@pytest.fixture(scope="session")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each chapter's files at its defaults: chapter -> folder (see the module docstring)."""
    return _Executions(tmp_path_factory)


@pytest.fixture(scope="module")
def scheduler(request: pytest.FixtureRequest) -> Iterator[str]:
    """The address of a local cluster of two single-threaded processes, shared by the tests of
    a module, which its workers have imported already (a run's first task would otherwise pay
    for the import)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.ERROR) as cluster:
        with Client(cluster, set_as_default=False) as client:
            client.run(importlib.import_module, request.module.__name__)
        yield cluster.scheduler_address


@pytest.fixture
def refuse_clusters(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make any later attempt to reach or start a cluster fail."""
    def refuse() -> None:
        def refused(*args: object) -> None:
            raise AssertionError("a cluster was started or reached")
        monkeypatch.setattr(parallel, "_client", refused)
    return refuse
