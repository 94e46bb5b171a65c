"""Execution of a chapter with papermill: the one way chapters are run, by the book build,
by ``python -m lib.reproduce`` and by ``make goldens``.

Kernels are started with CurveZMQ keys provisioned by the kernel manager (jupyter_client's
``transport_encryption = "auto"``, honoured by ipykernel >= 7.4), so their messages are
encrypted and ipykernel has no reason to warn that it runs over TCP without encryption.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from traitlets.config import Config

from lib import chapters
from lib.figures import FIGURES_ENV
from lib.progress import PROGRESS_ENV

KERNEL_CONFIG = Config({"KernelManager": {"transport_encryption": "auto"}})


@dataclass(frozen=True)
class Execution:
    """What one execution of a chapter produced."""

    chapter: str
    notebook: Path
    figures: Path
    parameters: dict
    seconds: float


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


def run_chapter(chapter: str, notebook: Path, figures: Path,
                overrides: Mapping[str, object] | None = None, *,
                progress: bool = False) -> Execution:
    """Execute ``chapter`` once with papermill.

    The parameters are checked first (``chapters.validate``): nothing is written when a name
    or value is wrong. The executed notebook goes to ``notebook`` and every figure file to
    the folder ``figures``. ``overrides`` are injected after the chapter's parameters cell.
    """
    overrides = dict(overrides or {})
    parameters = chapters.validate(chapter, overrides)
    notebook, figures = Path(notebook).resolve(), Path(figures).resolve()
    notebook.parent.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with _environment(FIGURES_ENV, str(figures)), _environment(PROGRESS_ENV, "off"):
        papermill.execute_notebook(
            chapters.read(chapter), str(notebook), parameters=overrides or None,
            kernel_name="python3", cwd=str(chapters.BOOK), progress_bar=progress,
            config=KERNEL_CONFIG,
        )
    return Execution(chapter, notebook, figures, parameters, time.perf_counter() - start)


def strip_for_golden(path: Path) -> None:
    """Remove from an executed notebook what varies between identical runs: image outputs,
    timings, random cell ids and the chunking of printed text."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in [m for m in data if m.startswith("image/")]:
                del data[mime]
            previous = outputs[-1] if outputs else None
            if (output.output_type == "stream" and previous is not None
                    and previous.output_type == "stream" and previous.name == output.name):
                previous.text += output.text  # how a run chunks its prints varies
            else:
                outputs.append(output)
        if cell.cell_type == "code":
            cell.outputs = outputs
    nbformat.write(nb, path)
