"""Execution of a chapter with papermill: the one way chapters are run, by the book build,
by ``python -m lib.reproduce`` and by ``make goldens``.

Kernels are started with CurveZMQ keys provisioned by the kernel manager (jupyter_client's
``transport_encryption = "auto"``, honoured by ipykernel >= 7.4), so their messages are
encrypted and ipykernel has no reason to warn that it runs over TCP without encryption.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
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
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set the environment variables ``values`` for the block (the kernel inherits them)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def run_chapter(chapter: str, notebook: Path, figures: Path,
                overrides: Mapping[str, object] | None = None, *,
                progress: bool = False,
                environment: Mapping[str, str] | None = None,
                kernel_arguments: Sequence[str] = ()) -> Execution:
    """Execute ``chapter`` once with papermill.

    The parameters are checked first (``chapters.validate``): nothing is written when a name
    or value is wrong. The executed notebook goes to ``notebook`` and every figure file to
    the folder ``figures``. ``overrides`` are injected after the chapter's parameters cell.
    The notebook is written once, at the end of the run or at the failing cell with its
    error (papermill would otherwise rewrite the whole notebook before and after every cell).
    ``environment`` holds further variables for the kernel and ``kernel_arguments`` further
    options of its command line (those of a sweep's point).
    """
    overrides = dict(overrides or {})
    parameters = chapters.validate(chapter, overrides)
    notebook, figures = Path(notebook).resolve(), Path(figures).resolve()
    notebook.parent.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with _environment({FIGURES_ENV: str(figures), PROGRESS_ENV: "off", **(environment or {})}):
        papermill.execute_notebook(
            chapters.read(chapter), str(notebook), parameters=overrides or None,
            kernel_name="python3", cwd=str(chapters.BOOK), progress_bar=progress,
            request_save_on_cell_execute=False, config=KERNEL_CONFIG,
            extra_arguments=list(kernel_arguments),
        )
    return Execution(chapter, notebook, figures, parameters, time.perf_counter() - start)


FIGURE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{figure\}[ \t]+\.\./figures/[a-z0-9_]+/"
                    r"(?P<file>\S+)[ \t]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
DOWNLOAD = re.compile(r"\{download\}`(?P<text>[^`<]*?)\s*<\.\./figures/[a-z0-9_]+/"
                      r"(?P<file>[^>]+)>`")
FIGURES_PATH = re.compile(r"\.\./figures/[a-z0-9_]+/")


def _figure_markdown(match: re.Match, folder: Path, attachments: dict) -> str:
    """A ``{figure}`` directive as a markdown image from a cell attachment, its caption and
    its id in bold."""
    name = match["file"]
    path = folder / name
    if not path.is_file():
        raise ValueError(f"figure {name} is shown by the chapter but was not written to "
                         f"{folder}")
    lines = match["body"].splitlines()
    options = [line for line in lines if line.startswith(":")]
    figure_id = next((line.split(":", 2)[2].strip() for line in options
                      if line.startswith(":name:")), Path(name).stem)
    caption = "\n".join(line for line in lines if not line.startswith(":")).strip()
    attachments[name] = {"image/png": base64.b64encode(path.read_bytes()).decode("ascii")}
    return f"![{figure_id}](attachment:{name})\n\n**{figure_id}.** {caption}"


def embed_figures(notebook: Path) -> int:
    """Make an executed chapter show its figures on its own, next to its figure files.

    Every ``{figure}`` directive of a markdown cell becomes a markdown image stored in the
    cell's attachments (Jupyter and VS Code render it with no other file), followed by its
    caption and id in bold; ``{download}`` roles become plain links to the files beside the
    notebook, and any other ``../figures/<chapter>/`` path loses its folder. Returns the
    number of images embedded.
    """
    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    embedded = 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        attachments: dict = {}
        source = FIGURE.sub(partial(_figure_markdown, folder=notebook.parent,
                                    attachments=attachments), cell.source)
        source = DOWNLOAD.sub(lambda m: f"[{m['text']}]({m['file']})", source)
        cell.source = FIGURES_PATH.sub("", source)
        if attachments:
            cell.attachments = {**cell.get("attachments", {}), **attachments}
            embedded += len(attachments)
    nbformat.write(nb, notebook)
    return embedded


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
