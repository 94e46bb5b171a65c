"""Shared fixtures. Figures written by kernels that nbval starts go to a temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from lib import chapters, reproduce
from lib.figures import FIGURES_ENV
from lib.progress import PROGRESS_ENV

# The golden notebooks run in kernels started by nbval: their progress bars stay off, as in
# every unattended execution (lib.notebooks.run_chapter).
os.environ[PROGRESS_ENV] = "off"

# Set before any kernel starts, so the golden notebooks never write into figures/.
_KERNEL_FIGURES = tempfile.TemporaryDirectory(prefix="otr-nbval-figures-")
os.environ[FIGURES_ENV] = _KERNEL_FIGURES.name


@pytest.fixture(scope="session")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each chapter executed once at its defaults through the reproduce CLI: chapter -> folder."""
    folders = {}
    for chapter in chapters.names():
        out = tmp_path_factory.mktemp(chapter)
        assert reproduce.main([chapter, "--out", str(out)]) == 0
        folders[chapter] = out
    return folders
