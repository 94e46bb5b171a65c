"""Shared fixtures. Each chapter is executed once per test run: by nbval, from its golden
notebook. The tests that need a chapter's files (the ledger, the figure data) read what that
execution wrote; only when nbval did not run a chapter in this session (a test file selected
on its own) does the ``executed`` fixture execute it.

With pytest-xdist (``-n 2 --dist loadgroup``, as ``make test`` runs), the goldens and the
tests that read their files form one group, run in that order by one process, while the other
process runs the rest."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from lib import chapters, notebooks
from lib.book import GOLDEN
from lib.figures import FIGURES_ENV
from lib.progress import PROGRESS_ENV

# The golden notebooks run in kernels started by nbval: their progress bars stay off, as in
# every unattended execution (lib.notebooks.run_chapter).
os.environ[PROGRESS_ENV] = "off"

# Each golden's kernel writes its chapter's files to a folder of its own here, never into
# figures/. The variable is set before any kernel starts, and per chapter before its kernel.
_KERNEL_FIGURES = tempfile.TemporaryDirectory(prefix="otr-nbval-figures-")
os.environ[FIGURES_ENV] = _KERNEL_FIGURES.name

_cells = Counter()    # chapter -> cells of its golden collected in this session
_passed = Counter()   # chapter -> cells that nbval ran and found equal to the golden
_failed: set[str] = set()


def _golden_chapter(item: pytest.Item) -> str | None:
    """The chapter whose golden notebook ``item`` (an nbval cell) belongs to, else None."""
    path = Path(item.path)
    if path.suffix == ".ipynb" and path.parent == GOLDEN and path.stem in chapters.names():
        return path.stem
    return None


def _golden_folder(chapter: str) -> Path:
    return Path(_KERNEL_FIGURES.name) / chapter


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the golden notebooks first, so that their executions can serve the other tests,
    in the same process as those tests."""
    items.sort(key=lambda item: _golden_chapter(item) is None)
    _cells.update(c for c in map(_golden_chapter, items) if c is not None)
    for item in items:
        if _golden_chapter(item) is not None or "executed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("chapters"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    chapter = _golden_chapter(item)
    if chapter is not None:  # before nbval starts the chapter's kernel at its first cell
        _golden_folder(chapter).mkdir(exist_ok=True)
        os.environ[FIGURES_ENV] = str(_golden_folder(chapter))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = Path(report.fspath)
    if path.suffix != ".ipynb" or path.parent != GOLDEN:
        return
    if report.failed:
        _failed.add(path.stem)
    elif report.when == "call" and report.passed:
        _passed[path.stem] += 1


class _Executions(dict):
    """chapter -> folder of its files, from nbval's run of its golden when there was one."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self._factory = factory

    def __missing__(self, chapter: str) -> Path:
        if chapter in _failed:
            pytest.fail(f"the golden notebook of {chapter} failed under nbval; its files "
                        "cannot be checked")
        if _cells[chapter] and _passed[chapter] == _cells[chapter]:
            folder = _golden_folder(chapter)
        else:
            folder = self._factory.mktemp(chapter)
            notebooks.run_chapter(chapter, folder / f"{chapter}.ipynb", folder)
        self[chapter] = folder
        return folder


@pytest.fixture(scope="session")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each chapter's files at its defaults: chapter -> folder (see the module docstring)."""
    return _Executions(tmp_path_factory)
