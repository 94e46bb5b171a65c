"""House style and export of every figure and table with its data and provenance.

``save_figure`` writes ``<figure-id>.png``, ``.svg``, ``.csv`` and ``.json`` to
``$OTR_FIGURES_DIR`` when it is set (the pipeline sets it for each run), else to
``figures/<chapter>/`` at the top of the repository. The csv is read from the figure's own
artists (lines, steps, scatter, filled bands and polygons, bars, line segments, images and
colour meshes), one row per drawn point, so nothing drawn can be missing from it. The json is
the provenance: chapter, the parameters the figure was computed with, git commit, package
versions and the sha256 of each file. Every file is byte-for-byte reproducible: no time
stamps, fixed SVG ids.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import platform
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import mathtext
from matplotlib.collections import LineCollection, PathCollection, PolyCollection, QuadMesh
from matplotlib.image import AxesImage
from matplotlib.patches import Patch, Polygon
from matplotlib.transforms import Bbox

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
    "axes.titley": 1.0,          # titles just above the axes, as placed automatically when no
                                 # ticks are on top, without the layout pass that places them
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
    """Apply the book's matplotlib style (Okabe–Ito colours, light grid, tight export) and
    share the mathtext cache (``share_mathtext_cache``)."""
    mpl.rcParams.update(STYLE)
    share_mathtext_cache()


# matplotlib's own parse of one mathtext string, cached per parser object (50 entries).
_PARSE_PER_PARSER = mathtext.MathTextParser._parse_cached


@functools.lru_cache(maxsize=4096)
def _parse_shared(output_type: str, *key: object) -> object:
    output = {"vector": "path", "raster": "agg"}[output_type]
    return _PARSE_PER_PARSER.__wrapped__(mathtext.MathTextParser(output), *key)


def share_mathtext_cache() -> None:
    """Parse each mathtext string once per process, not once per figure and format.

    Every Agg renderer (one per figure, per format, and for the tight box) brings its own
    parser with its own cache, so a label such as ``"time $t$"`` was parsed again for each
    figure, which took about a fifth of a chapter's figure export. The parse
    depends only on its arguments and the output type, so one cache keyed on those gives the
    same bytes (a test compares them)."""
    mathtext.MathTextParser._parse_cached = (
        lambda parser, *key: _parse_shared(parser._output_type, *key))


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


@functools.cache
def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the numbers and figures (read once
    per process; do not modify the dict)."""
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


def write_provenance(path: Path, fields: Mapping[str, object], files: list[Path]) -> None:
    """Write the json provenance ``path``: ``fields``, the git commit, the package versions
    and the sha256 of each of ``files``."""
    commit, dirty = git_commit()
    provenance = {**fields, "git_commit": commit, "git_dirty": dirty,
                  "packages": package_versions(),
                  "files": {file.name: _sha256(file) for file in files}}
    path.write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")


def _write_provenance(item_id: str, kind: str, files: list[Path],
                      parameters: Mapping[str, object]) -> None:
    write_provenance(files[0].with_suffix(".json"),
                     {"id": item_id, "kind": kind, "chapter": chapter_of(item_id),
                      "parameters": dict(parameters)}, files)


def _target(item_id: str) -> Path:
    folder = figures_dir(chapter_of(item_id))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / item_id


# Columns of a figure's csv: one row per drawn point. ``part`` numbers the pieces of one
# series (the polygons of a band, the bars of a bar chart, the segments of a line collection,
# the rows of an image); ``value`` is the colour value of a scatter point, image pixel or mesh
# cell, empty where there is none.
SERIES_COLUMNS = ("panel", "panel title", "x label", "y label", "series", "kind", "part",
                  "x", "y", "value")


@dataclass(frozen=True)
class Series:
    """One drawn series of a figure: its panel, axis labels, legend label and points."""

    panel: int
    panel_title: str
    x_label: str
    y_label: str
    label: str
    kind: str
    part: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    value: np.ndarray = field(repr=False)

    @property
    def key(self) -> tuple[int, str, str]:
        return self.panel, self.label, self.kind


def _float(values: object) -> np.ndarray:
    return np.ma.filled(np.ma.asarray(values, dtype=float), np.nan).ravel()


def _pieces(kind: str, vertices: list[np.ndarray], values: np.ndarray | None = None):
    """``(kind, part, x, y, value)`` of a series made of vertex arrays (one per part)."""
    lengths = [len(v) for v in vertices]
    points = np.concatenate(vertices) if vertices else np.empty((0, 2))
    part = np.repeat(np.arange(len(vertices)), lengths)
    value = np.full(len(points), np.nan) if values is None else _float(values)[part]
    return kind, part, points[:, 0], points[:, 1], value


def _image_points(image: AxesImage):
    z = np.ma.asarray(image.get_array(), dtype=float)
    if z.ndim != 2:
        raise ValueError("save_figure exports images of scalar values only, not RGB pictures")
    left, right, bottom, top = image.get_extent()
    ny, nx = z.shape
    x = left + (np.arange(nx) + 0.5) * (right - left) / nx
    if image.origin == "upper":
        bottom, top = top, bottom
    y = bottom + (np.arange(ny) + 0.5) * (top - bottom) / ny
    xx, yy = np.meshgrid(x, y)
    part = np.repeat(np.arange(ny), nx)
    return "image", part, xx.ravel(), yy.ravel(), _float(z)


def _mesh_points(mesh: QuadMesh):
    nodes = np.asarray(mesh.get_coordinates(), dtype=float)     # (ny + 1, nx + 1, 2)
    ny, nx = nodes.shape[0] - 1, nodes.shape[1] - 1
    values = np.full((ny + 1, nx + 1), np.nan)
    values[:ny, :nx] = np.ma.filled(np.ma.asarray(mesh.get_array(), float), np.nan).reshape(ny, nx)
    part = np.repeat(np.arange(ny + 1), nx + 1)
    return "mesh", part, nodes[..., 0].ravel(), nodes[..., 1].ravel(), values.ravel()


def _drawn(artist, ax: plt.Axes):
    """``(kind, part, x, y, value)`` of one data-bearing artist; ``ValueError`` for an artist
    whose data this export cannot read (so that nothing drawn is left out silently)."""
    if isinstance(artist, plt.Line2D):
        x, y = _float(artist.get_xdata()), _float(artist.get_ydata())
        return "line", np.zeros(len(x), dtype=int), x, y, np.full(len(x), np.nan)
    if isinstance(artist, PathCollection):
        offsets = np.ma.filled(np.ma.asarray(artist.get_offsets(), float), np.nan).reshape(-1, 2)
        array = artist.get_array()
        value = np.full(len(offsets), np.nan) if array is None else _float(array)
        return "scatter", np.zeros(len(offsets), dtype=int), offsets[:, 0], offsets[:, 1], value
    if isinstance(artist, QuadMesh):
        return _mesh_points(artist)
    if isinstance(artist, LineCollection):
        return _pieces("segments", [np.asarray(s, float) for s in artist.get_segments()])
    if isinstance(artist, PolyCollection):
        return _pieces("polygon", [p.vertices for p in artist.get_paths()], artist.get_array())
    if isinstance(artist, AxesImage):
        return _image_points(artist)
    if isinstance(artist, Patch):
        return _pieces("patch", [artist.get_path().transformed(
            artist.get_patch_transform()).vertices])
    raise ValueError(f"save_figure cannot read the data of a {type(artist).__name__} in the "
                     f"panel titled {ax.get_title()!r}")


def _data_artists(ax: plt.Axes) -> Iterator[tuple[str, object]]:
    """``(series label, artist)`` for every visible data-bearing artist of ``ax``, in drawing
    order; the artists of a container (bars, error bars, stems) take its label."""
    owner = {id(child): container.get_label() for container in ax.containers
             for child in container.get_children()}
    for artist in (*ax.lines, *ax.collections, *ax.patches, *ax.images):
        if artist.get_visible():
            yield owner.get(id(artist), artist.get_label()), artist


def series_of(fig: plt.Figure) -> list[Series]:
    """Every drawn series of ``fig`` (colour bars aside), read from its artists. Artists of one
    panel with the same label and kind (the bars of one bar chart) form one series, a part
    each; a series without a legend label is named by its kind and position in the panel."""
    found = []
    panels = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]
    for panel, ax in enumerate(panels):
        pieces: dict[tuple[str, str], list] = {}
        for number, (label, artist) in enumerate(_data_artists(ax)):
            kind, part, x, y, value = _drawn(artist, ax)
            if not len(x):
                continue                      # an empty artist drawn only for a legend entry
            if not label or label.startswith("_"):
                label = f"unlabelled {kind} {number}"
            pieces.setdefault((label, kind), []).append((part, x, y, value))
        for (label, kind), drawn in pieces.items():
            offsets = np.cumsum([0] + [int(part.max()) + 1 for part, *_ in drawn[:-1]])
            part, x, y, value = (np.concatenate(column) for column in zip(*(
                (part + offset, x, y, value) for offset, (part, x, y, value)
                in zip(offsets, drawn, strict=True)), strict=True))
            found.append(Series(panel, ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
                                label, kind, part, x, y, value))
    return found


def _write_series(path: Path, series: list[Series]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SERIES_COLUMNS)
        for s in series:
            text = (s.panel, s.panel_title, s.x_label, s.y_label, s.label, s.kind)
            for part, *numbers in zip(s.part, s.x, s.y, s.value, strict=True):
                writer.writerow([*text, int(part),
                                 *("" if np.isnan(v) else f"{v:.17g}" for v in numbers)])


def read_series(path: Path) -> list[Series]:
    """The series of a figure's csv, in the order they were drawn."""
    rows: dict[tuple, list[list[str]]] = {}
    with Path(path).open(newline="") as handle:
        reader = csv.reader(handle)
        if tuple(next(reader)) != SERIES_COLUMNS:
            raise ValueError(f"{path} is not a figure csv (columns {SERIES_COLUMNS})")
        for row in reader:
            rows.setdefault(tuple(row[:6]), []).append(row[6:])
    found = []
    for (panel, title, x_label, y_label, label, kind), points in rows.items():
        numbers = np.array([[float(v) if v else np.nan for v in p] for p in points])
        found.append(Series(int(panel), title, x_label, y_label, label, kind,
                            numbers[:, 0].astype(int), numbers[:, 1], numbers[:, 2],
                            numbers[:, 3]))
    return found


def series_named(path: Path, label: str, *, panel: int = 0) -> Series:
    """The series labelled ``label`` in panel ``panel`` of a figure's csv."""
    matches = [s for s in read_series(path) if s.label == label and s.panel == panel]
    if len(matches) != 1:
        labels = sorted({s.label for s in read_series(path) if s.panel == panel})
        raise ValueError(f"label {label!r}: {len(matches)} series of that name in panel {panel} "
                         f"of {Path(path).name}; its series are {labels}")
    return matches[0]


def _parts(s: Series) -> list[np.ndarray]:
    return [np.column_stack([s.x, s.y])[s.part == k] for k in np.unique(s.part)]


def redraw(series: list[Series]) -> plt.Figure:
    """A figure drawn from exported series alone (one panel per exported panel), to show that
    the csv holds everything the figure drew."""
    count = 1 + max((s.panel for s in series), default=0)
    fig, axes = plt.subplots(count, 1, squeeze=False)
    for ax, panel in zip(axes[:, 0], range(count), strict=True):
        for s in (s for s in series if s.panel == panel):
            ax.set(title=s.panel_title, xlabel=s.x_label, ylabel=s.y_label)
            value = None if np.isnan(s.value).all() else s.value
            if s.kind == "line":
                ax.plot(s.x, s.y, label=s.label)
            elif s.kind == "scatter":
                ax.scatter(s.x, s.y, c=value, label=s.label)
            elif s.kind == "segments":
                ax.add_collection(LineCollection(_parts(s), label=s.label))
            elif s.kind == "polygon":
                polygons = PolyCollection(_parts(s), closed=False, label=s.label)
                if value is not None:
                    polygons.set_array(np.array([value[s.part == k][0]
                                                 for k in np.unique(s.part)]))
                ax.add_collection(polygons)
            elif s.kind == "patch":
                for vertices in _parts(s):
                    ax.add_patch(Polygon(vertices, closed=True, label=s.label))
            elif s.kind == "image":
                nx = int(np.sum(s.part == 0))
                x, y = s.x[:nx], s.y[::nx]
                dx, dy = (x[1] - x[0] if nx > 1 else 1.0), (y[1] - y[0] if len(y) > 1 else 1.0)
                ax.imshow(s.value.reshape(-1, nx), origin="lower", label=s.label,
                          extent=(x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2))
            elif s.kind == "mesh":
                nx = int(np.sum(s.part == 0))
                shape = (-1, nx)
                ax.pcolormesh(s.x.reshape(shape), s.y.reshape(shape),
                              s.value.reshape(shape)[:-1, :-1], label=s.label)
    return fig


def _tight_bbox(fig: plt.Figure) -> Bbox:
    """The figure's tight bounding box with the house padding, computed once for both
    formats from the extents of its artists: ``savefig.bbox = "tight"`` would draw the whole
    figure first for each format. Of what that draw does, only a layout engine
    (``layout="constrained"``) moves artists: such a figure is drawn once here, as
    matplotlib would."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(
        mpl.rcParams["savefig.pad_inches"])


def save_figure(fig: plt.Figure, figure_id: str, *, parameters: Mapping[str, object]) -> None:
    """Write ``figure_id`` as png, svg, csv (every drawn series, read from the artists) and
    json provenance; close ``fig``.

    Parameters
    ----------
    fig : the finished matplotlib figure. Give each series a legend label (``label=``): the
        label names the series in the csv, with the panel title and axis labels.
    figure_id : ``<chapter>-fig<NN>`` (a figure of the source) or ``<chapter>-ext-<name>``.
    parameters : the values the figure was computed with, seeds included (JSON-serialisable):
        pass the very mapping the computation used, so that the two cannot differ.
    """
    series = series_of(fig)
    if not series:
        raise ValueError(f"figure_id {figure_id!r}: the figure draws no data")
    stem = _target(figure_id)
    csv_path = stem.with_suffix(".csv")
    _write_series(csv_path, series)
    png, svg = save_images(fig, stem)
    _write_provenance(figure_id, "figure", [png, svg, csv_path], parameters)


def save_images(fig: plt.Figure, stem: Path) -> tuple[Path, Path]:
    """Write ``fig`` as ``<stem>.png`` and ``<stem>.svg``, byte-for-byte reproducible (no time
    stamps); close it; return the two paths."""
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    bbox = _tight_bbox(fig)
    fig.savefig(png, bbox_inches=bbox, metadata={"Software": None})
    fig.savefig(svg, bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return png, svg


def markdown_table(data: Mapping[str, Sequence[object]]) -> str:
    """The columns ``data`` (header -> cells, all of one length) as a Markdown table, each cell
    as ``str`` gives it, with ``|`` escaped."""
    lengths = {len(cells) for cells in data.values()}
    if len(lengths) != 1:
        raise ValueError(f"data must hold columns of one length, got lengths {sorted(lengths)}")

    def row(cells: Iterable[object]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    rows = [row(cells) for cells in zip(*data.values(), strict=True)]
    return "\n".join([row(data), "|" + "---|" * len(data), *rows])


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
