"""House style and export of every figure and table with its data and provenance.

``save_figure`` writes ``<figure-id>.png``, ``.svg``, ``.csv`` (the plotted data, one x
column and one column per curve, headers with units) and ``.json`` (provenance: chapter,
parameters, git commit, package versions and the sha256 of each file) to
``$OTR_FIGURES_DIR`` when it is set (the pipeline sets it for each run), else to
``figures/<chapter>/`` at the top of the repository. Every file is byte-for-byte
reproducible: no time stamps, fixed SVG ids.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import re
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIGURES_ENV = "OTR_FIGURES_DIR"
ID_PATTERN = re.compile(r"^(?P<chapter>[a-z0-9_]+)-(fig\d{2}|tab\d{2}|ext-[a-z0-9]+(-[a-z0-9]+)*)$")
PACKAGES = ("numpy", "scipy", "sympy", "numba", "torch", "matplotlib", "papermill", "jupyter-book")

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLOURS),
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "svg.hashsalt": "optimal-trading-reproduced",
}


def use_house_style() -> None:
    """Apply the book's matplotlib style (Okabe–Ito colours, light grid, tight export)."""
    mpl.rcParams.update(STYLE)


def figures_dir(chapter: str) -> Path:
    """Folder for a chapter's files: ``$OTR_FIGURES_DIR`` if set, else ``figures/<chapter>``."""
    if FIGURES_ENV in os.environ:
        return Path(os.environ[FIGURES_ENV])
    return ROOT / "figures" / chapter


def chapter_of(item_id: str) -> str:
    """Chapter name of a figure or table id ``<chapter>-fig<NN>|-tab<NN>|-ext-<name>``."""
    match = ID_PATTERN.match(item_id)
    if match is None:
        raise ValueError(f"figure_id {item_id!r} is not of the form <chapter>-fig<NN>, "
                         "<chapter>-tab<NN> or <chapter>-ext-<name>")
    return match["chapter"]


def git_commit() -> tuple[str, bool]:
    """``(commit, dirty)`` of the repository holding ``lib``; ``("unknown", True)`` outside git."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                 "--untracked-files=no"], check=True, capture_output=True,
                                text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True
    return commit, bool(status.strip())


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the numbers and figures."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv(path: Path, data: Mapping[str, object]) -> None:
    if not data:
        raise ValueError("data must have at least one column")
    columns = {name: np.atleast_1d(np.asarray(values)) for name, values in data.items()}
    lengths = {name: len(col) for name, col in columns.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"data columns must have equal lengths, got {lengths}")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in zip(*columns.values(), strict=True):
            writer.writerow(f"{v:.17g}" if isinstance(v, (float, np.floating)) else v for v in row)


def _write_provenance(item_id: str, kind: str, files: list[Path],
                      parameters: Mapping[str, object]) -> None:
    commit, dirty = git_commit()
    provenance = {
        "id": item_id,
        "kind": kind,
        "chapter": chapter_of(item_id),
        "parameters": dict(parameters),
        "git_commit": commit,
        "git_dirty": dirty,
        "packages": package_versions(),
        "files": {path.name: _sha256(path) for path in files},
    }
    json_path = files[0].with_suffix(".json")
    json_path.write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")


def _target(item_id: str) -> Path:
    folder = figures_dir(chapter_of(item_id))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / item_id


def save_figure(fig: plt.Figure, figure_id: str, data: Mapping[str, object], *,
                parameters: Mapping[str, object]) -> None:
    """Write ``figure_id`` as png, svg, csv and json provenance; close ``fig``.

    Parameters
    ----------
    fig : the finished matplotlib figure.
    figure_id : ``<chapter>-fig<NN>`` (a figure of the source) or ``<chapter>-ext-<name>``.
    data : ordered mapping ``column header (with units) -> 1-d array``; the first column is
        the x axis, one further column per plotted curve, all of equal length.
    parameters : the chapter parameters the figure was computed with (JSON-serialisable).
    """
    stem = _target(figure_id)
    png, svg, csv_path = (stem.with_suffix(suffix) for suffix in (".png", ".svg", ".csv"))
    _write_csv(csv_path, data)
    fig.savefig(png, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    _write_provenance(figure_id, "figure", [png, svg, csv_path], parameters)


def numbered_table(markdown: str, *, label: str, caption: str) -> str:
    """Wrap a Markdown table in a numbered MyST table labelled ``label`` (colon fence, so the
    caption may hold code)."""
    chapter_of(label)
    return f":::{{table}} {caption}\n:name: {label}\n\n{markdown}\n:::"


def save_table(table_id: str, data: Mapping[str, object], *,
               parameters: Mapping[str, object]) -> None:
    """Write a table as ``<table_id>.csv`` with its ``.json`` provenance (see ``save_figure``)."""
    csv_path = _target(table_id).with_suffix(".csv")
    _write_csv(csv_path, data)
    _write_provenance(table_id, "table", [csv_path], parameters)
