"""Parameter studies: a chapter re-executed over a grid of parameters, on Dask.

    python -m lib.sweep CHAPTER -p NAME "[V1, V2, ...]" [-p NAME2 "[...]"]... [--seeds N]
                        [--workers K | --scheduler ADDRESS] [--out DIR] [--keep]

Runs the chapter by papermill at every point of the grid: the Cartesian product of the lists,
times N seeds (the chapter's ``seed`` parameter at its default, default + 1, ...). Each point
is checked before anything runs, with the messages of ``python -m lib.reproduce``. The points
run on a local Dask cluster of K single-threaded workers (default: one per core) or on the
cluster whose scheduler is at ADDRESS, with a progress bar over the points.

Writes to DIR (default sweeps/CHAPTER): ``CHAPTER-sweep.csv``, one row per point (its
parameters, status, run time and error, each checked claim's verdict and measured value,
each glued number), its provenance ``CHAPTER-sweep.json``, and ``CHAPTER-sweep.png``/``.svg``,
each claim's verdict over the grid. With --keep, each point's executed notebook and figures
go to DIR/points/NNN/ (without, an earlier sweep's DIR/points/ is removed).

A point runs with its claims recorded, not enforced: a false claim is shown as such and the
chapter goes on, so that the table holds every claim's verdict at every point. A point that
fails (an error in the chapter) is recorded with its error, and the others go on; the command
then exits with status 1. Completed points are kept in a cache (default _build/cache) keyed
on lib's source, the chapter's source and the point's parameters: an interrupted sweep
resumes where it stopped, and a completed one re-run executes nothing. Failed points are run
again.

The workers of a cluster at ADDRESS must import this repository's lib (restart them after
changing it) and run one task at a time (``dask worker ADDRESS --nthreads 1``): a point's
kernel takes its settings from the worker's environment.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import itertools
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from papermill.exceptions import PapermillExecutionError

from lib import chapters, notebooks
from lib.claims import CLAIM_METADATA, CLAIMS_ENV
from lib.figures import COLOURS, ROOT, save_images, use_house_style, write_provenance
from lib.parallel import BOOK_CACHE, lib_hash, run_many
from lib.reproduce import read_parameters

__all__ = ["POINT_ENV", "Point", "Record", "Sweep", "Verdict", "chapter_key", "check_grid",
           "command", "figure", "main", "plan", "read_record", "run_point", "study", "sweep",
           "write"]

POINT_ENV = "OTR_SWEEP_POINT"
"""Set while a chapter runs as a point of a sweep, when its own study does not run."""
SEED = "seed"
# The kernel of a point logs only what is critical: its cells' outputs and errors go to the
# notebook, and what it would log besides is noise, such as the interrupt that jupyter_client
# sends before every shutdown, logged as an error when it finds the kernel still busy. A point
# run from a chapter's study would otherwise print it in the chapter.
QUIET_KERNEL = ("--IPKernelApp.log_level=CRITICAL",)
STATUSES = ("ok", "cached", "failed")


@dataclass(frozen=True)
class Verdict:
    """A checked claim at one point: whether it holds, and what was measured."""

    holds: bool
    measured: str


@dataclass(frozen=True)
class Record:
    """What one execution of a chapter yields: its glued values, its claims' verdicts (by
    label, in the order checked) and, when kept, its files (path under the run folder ->
    bytes)."""

    glued: dict[str, object]
    claims: dict[str, Verdict]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Point:
    """One row of a sweep: the point's parameters (the swept ones), its status ("ok",
    "cached" or "failed"), the seconds its run took, its error ("" unless failed), what it
    glued and checked (empty when failed), and its files when kept."""

    parameters: dict[str, object]
    status: str
    seconds: float
    error: str
    glued: dict[str, object]
    claims: dict[str, Verdict]
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Sweep:
    """A chapter at every point of a grid (times seeds), one ``Point`` per run, in the order
    of ``plan``."""

    chapter: str
    grid: dict[str, list]
    seeds: int
    points: list[Point]

    @property
    def names(self) -> list[str]:
        """The swept parameters, the grid's and then ``seed`` when several seeds run."""
        return [*self.grid, *([SEED] if self.seeds > 1 else [])]

    @property
    def claim_labels(self) -> list[str]:
        """Every claim checked at some point, in the order first checked."""
        return list(dict.fromkeys(label for p in self.points for label in p.claims))

    @property
    def glue_names(self) -> list[str]:
        """Every value glued at some point, in the order first glued."""
        return list(dict.fromkeys(name for p in self.points for name in p.glued))

    def verdicts(self, label: str) -> list[bool | None]:
        """The claim's verdict at each point: None where it was not checked (a failed run, or
        a claim the chapter checks only at some parameters)."""
        return [p.claims[label].holds if label in p.claims else None for p in self.points]

    def holds_everywhere(self, label: str) -> bool:
        """Whether the claim was checked at every point and holds at each."""
        return all(v is True for v in self.verdicts(label))

    def exceptions(self) -> dict[str, list[int]]:
        """The claims that do not hold everywhere, each with the points (their indices) at
        which it fails or was not checked."""
        return {label: [i for i, v in enumerate(self.verdicts(label)) if v is not True]
                for label in self.claim_labels if not self.holds_everywhere(label)}

    def describe(self, indices: Sequence[int]) -> str:
        """The points ``indices`` as text: ``(kappa=0.1, lam=1), (kappa=10, lam=1)``."""
        return ", ".join(f"({_describe(self.points[i].parameters)})" for i in indices)

    def summary(self) -> str:
        """What the sweep found, in one line: the number of claims and points, and each claim
        that does not hold everywhere with the points at which it fails or was not checked."""
        head = (f"{len(self.claim_labels)} claims at {len(self.points)} points "
                f"({self.count('failed')} failed)")
        exceptions = self.exceptions()
        if not exceptions:
            return f"{head}: every claim holds at every point"
        return f"{head}; not holding everywhere: " + "; ".join(
            f"{_short(label)} at {self.describe(indices)}"
            for label, indices in exceptions.items())

    def count(self, status: str) -> int:
        """The number of points of that status."""
        return sum(p.status == status for p in self.points)

    def table(self) -> dict[str, list[str]]:
        """The columns of the csv: point number, swept parameters, status, seconds, error,
        each claim's verdict ("holds", "FAILS", or empty where not checked) and measured
        value, each glued value; every cell as text."""
        columns: dict[str, list[str]] = {"point": [f"{i:03d}" for i in range(len(self.points))]}
        for name in self.names:
            columns[name] = [_text(p.parameters[name]) for p in self.points]
        columns["status"] = [p.status for p in self.points]
        columns["seconds"] = [f"{p.seconds:.1f}" for p in self.points]
        columns["error"] = [p.error for p in self.points]
        for label in self.claim_labels:
            columns[label] = ["" if v is None else "holds" if v else "FAILS"
                              for v in self.verdicts(label)]
            columns[f"{label} measured"] = [p.claims[label].measured if label in p.claims
                                            else "" for p in self.points]
        for name in self.glue_names:
            columns[name] = [_text(p.glued[name]) if name in p.glued else ""
                             for p in self.points]
        return columns


def _text(value: object) -> str:
    """A cell of the csv: strings as they are, everything else as a Python literal."""
    return value if isinstance(value, str) else repr(value)


def _short(label: str) -> str:
    """A claim's name without its chapter prefix: ``ac-claim-no-selling`` -> ``no-selling``."""
    return label.split("-claim-", 1)[-1]


def check_grid(chapter: str, grid: Mapping[str, object], seeds: object) -> None:
    """``ValueError`` naming the fault when the grid or the number of seeds is not one
    ``plan`` can expand: an unknown chapter or parameter, a value that is not a non-empty
    list, seeds not a whole number >= 1 or given for a chapter without a
    ``seed`` parameter or beside a list of seeds."""
    chapters.source(chapter)
    message = chapters.unknown_parameters(chapter, grid)
    if message:
        raise ValueError(message)
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"-p {name}: give the values as a non-empty list in brackets, "
                             f"such as [1, 2], got {values!r}")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"--seeds must be a whole number >= 1, got {seeds!r}")
    if seeds > 1 and SEED not in chapters.default_parameters(chapter):
        raise ValueError(f"--seeds {seeds}: chapter {chapter!r} has no parameter {SEED!r} "
                         "(it draws nothing at random)")
    if seeds > 1 and SEED in grid:
        raise ValueError(f"--seeds {seeds} and -p {SEED}: give the seeds one way only")


def plan(chapter: str, grid: Mapping[str, list], seeds: int = 1) -> list[dict[str, object]]:
    """The overrides of every point: the Cartesian product of the grid's lists (the first
    list varying slowest), times the seeds (fastest). Every point is checked against the
    chapter's parameter domains first: ``ValueError`` names the point and the parameter, or
    the two points that are one (such as T = 1 and T = 1.0)."""
    check_grid(chapter, grid, seeds)
    defaults = chapters.default_parameters(chapter)
    points = []
    for values in itertools.product(*grid.values()):
        for offset in range(seeds):
            point = dict(zip(grid, values, strict=True))
            if seeds > 1:
                point[SEED] = defaults[SEED] + offset
            points.append(point)
    seen: dict[str, int] = {}
    for index, point in enumerate(points):
        try:
            values = chapters.validate(chapter, point)
        except ValueError as error:
            raise ValueError(f"point {index:03d} ({_describe(point)}): {error}") from None
        same = seen.setdefault(json.dumps(values, sort_keys=True), index)
        if same != index:
            raise ValueError(f"point {index:03d} ({_describe(point)}) repeats point "
                             f"{same:03d} ({_describe(points[same])})")
    return points


def _describe(point: Mapping[str, object]) -> str:
    return ", ".join(f"{name}={_text(value)}" for name, value in point.items()) or "defaults"


def chapter_key(chapter: str) -> str:
    """sha256 of the chapter's source: what a point's results depend on beyond lib."""
    return hashlib.sha256(chapters.source(chapter).read_bytes()).hexdigest()


def read_record(notebook: Path) -> Record:
    """The glued values and claim verdicts of an executed chapter, read from its outputs."""
    nb = nbformat.read(notebook, as_version=4)
    glued: dict[str, object] = {}
    claims: dict[str, Verdict] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            metadata = output.get("metadata", {})
            if "scrapbook" in metadata:
                text = output["data"][metadata["scrapbook"]["mime_prefix"] + "text/plain"]
                glued[metadata["scrapbook"]["name"]] = _literal(text)
            if CLAIM_METADATA in metadata:
                claim = metadata[CLAIM_METADATA]
                claims[claim["label"]] = Verdict(bool(claim["holds"]), claim["measured"])
    return Record(glued, claims)


def _literal(text: str) -> object:
    """A glued value from its text: a number or string literal, else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def run_point(chapter: str, overrides: dict[str, object], keep: bool) -> Record:
    """Execute the chapter at one point (on a worker), claims recorded, not enforced; its
    glued values and verdicts, and its notebook and figures when ``keep``. The kernel
    computes with the threads its worker allows: numba's follow ``OMP_NUM_THREADS``, which
    Dask sets to 1 in each worker process, as it does for the BLAS.

    ``RuntimeError`` with the chapter's error when a cell fails.
    """
    with tempfile.TemporaryDirectory(prefix="sweep-") as folder:
        run_folder = Path(folder)
        notebook = run_folder / f"{chapter}.ipynb"
        environment = {CLAIMS_ENV: "record", POINT_ENV: "1"}
        if "OMP_NUM_THREADS" in os.environ:   # set to 1 in each Dask worker process
            environment["NUMBA_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"]
        try:
            notebooks.run_chapter(chapter, notebook, run_folder, overrides,
                                  environment=environment, kernel_arguments=QUIET_KERNEL)
        except PapermillExecutionError as error:
            raise RuntimeError(f"{error.ename}: {error.evalue}") from None
        record = read_record(notebook)
        if keep:
            files = {p.relative_to(run_folder).as_posix(): p.read_bytes()
                     for p in sorted(run_folder.rglob("*")) if p.is_file()}
            record = Record(record.glued, record.claims, files)
    return record


Execute = Callable[[str, dict[str, object], bool], Record]


def sweep(chapter: str, grid: Mapping[str, list], *, seeds: int = 1, workers: int | None = None,
          scheduler: str | None = None, keep: bool = False, cache: Path | None = BOOK_CACHE,
          progress: bool = True, execute: Execute = run_point) -> Sweep:
    """The chapter at every point of ``plan(chapter, grid, seeds)``, on Dask
    (``lib.parallel.run_many``: ``workers``, ``scheduler``, the cache and its key).

    ``execute`` runs one point (a module-level function, default ``run_point``). Everything
    is checked before anything runs. Failed points are recorded with their error.
    """
    grid = dict(grid)
    overrides = plan(chapter, grid, seeds)
    outcomes = run_many(execute, [{"chapter": chapter, "overrides": point, "keep": keep}
                                  for point in overrides],
                        cache=cache, key=chapter_key(chapter), workers=workers,
                        scheduler=scheduler, progress=progress,
                        description=f"{chapter}: {len(overrides)} points")
    points = []
    for point, outcome in zip(overrides, outcomes, strict=True):
        record = outcome.value if outcome.error is None else Record({}, {})
        error = "" if outcome.error is None else (
            f"{outcome.error.type}: {outcome.error.message}".splitlines()[0])
        points.append(Point(point, outcome.status, outcome.seconds, error, record.glued,
                            record.claims, record.files))
    return Sweep(chapter, grid, seeds, points)


def _cell_label(verdicts: list[bool | None], failed: bool) -> str:
    """What a cell of the verdict map says: holds, FAILS, k/n, error or a dash."""
    checked = [v for v in verdicts if v is not None]
    if not checked:
        return "error" if failed else "–"
    if all(checked):
        return "holds"
    if not any(checked):
        return "FAILS"
    return f"{sum(checked)}/{len(checked)}"


def figure(result: Sweep, claims: Sequence[str] | None = None) -> plt.Figure:
    """Each claim's verdict over the grid: one row per claim (``claims``, short names or
    labels, default all), one column per point of the grid, coloured by the share of its
    seeds at which the claim holds; grey where it was not checked."""
    labels = result.claim_labels
    if claims is not None:
        wanted = list(claims)
        unknown = [c for c in wanted if c not in labels and c not in map(_short, labels)]
        if unknown:
            raise ValueError(f"claims {unknown} were not checked in this sweep; checked: "
                             f"{', '.join(map(_short, labels))}")
        labels = [label for label in labels if label in wanted or _short(label) in wanted]
    if not labels:
        raise ValueError("the sweep checked no claim at any point (every point failed?)")
    columns = [result.points[i:i + result.seeds]
               for i in range(0, len(result.points), result.seeds)]
    share = np.full((len(labels), len(columns)), np.nan)
    use_house_style()
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(columns), 1.2 + 0.4 * len(labels)))
    for row, label in enumerate(labels):
        for col, runs in enumerate(columns):
            verdicts = [p.claims[label].holds if label in p.claims else None for p in runs]
            checked = [v for v in verdicts if v is not None]
            if checked:
                share[row, col] = np.mean(checked)
            ax.text(col, row, _cell_label(verdicts, any(p.status == "failed" for p in runs)),
                    ha="center", va="center", fontsize=8)
    colours = LinearSegmentedColormap.from_list("verdict", [COLOURS[1], COLOURS[2]]
                                                ).with_extremes(bad="#DDDDDD")
    image = ax.imshow(np.ma.masked_invalid(share), cmap=colours, vmin=0.0, vmax=1.0,
                      aspect="auto", label="share of runs where the claim holds")
    ax.grid(False)
    ax.set_xticks(range(len(columns)),
                  ["\n".join(f"{n}={_text(runs[0].parameters[n])}" for n in result.grid)
                   or "defaults" for runs in columns], fontsize=8)
    ax.set_yticks(range(len(labels)), [_short(label) for label in labels], fontsize=8)
    ax.set_xlabel("point of the grid" + (f" ({result.seeds} seeds each)"
                                         if result.seeds > 1 else ""))
    ax.set_ylabel("checked claim")
    ax.set_title(f"{result.chapter}: verdict of each claim")
    fig.colorbar(image, ax=ax, label="share of runs where it holds", fraction=0.05)
    return fig


def command(chapter: str, grid: Mapping[str, list], seeds: int = 1) -> str:
    """The command line that runs this sweep."""
    words = ["python", "-m", "lib.sweep", chapter]
    for name, values in grid.items():
        words += ["-p", name, repr(list(values))]
    if seeds > 1:
        words += ["--seeds", str(seeds)]
    return shlex.join(words)


def write(result: Sweep, out: Path, *, cache: Path | None) -> list[Path]:
    """Write the table (csv), its provenance (json) and the verdict map (png, svg) to
    ``out``, and the kept files of each point to ``out/points/NNN/`` (replacing the folder
    ``points`` of an earlier sweep); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{result.chapter}-sweep"
    table = stem.with_suffix(".csv")
    columns = result.table()
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*columns.values(), strict=True))
    written = [table]
    if result.claim_labels:
        written += save_images(figure(result), stem)
    fields = {"kind": "sweep", "chapter": result.chapter,
              "command": command(result.chapter, result.grid, result.seeds),
              "grid": result.grid, "seeds": result.seeds, "points": len(result.points),
              "statuses": {status: result.count(status) for status in STATUSES},
              "lib": lib_hash(), "chapter_source": chapter_key(result.chapter),
              "cache": None if cache is None else str(cache)}
    write_provenance(stem.with_suffix(".json"), fields, written)
    written.append(stem.with_suffix(".json"))
    shutil.rmtree(out / "points", ignore_errors=True)   # those of an earlier sweep
    for index, point in enumerate(result.points):
        if point.files:
            folder = out / "points" / f"{index:03d}"
            for name, content in point.files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(content)
            written.append(folder)
    return written


def study(chapter: str, grid: Mapping[str, list], *, seeds: int = 1) -> Sweep | None:
    """A chapter's study of itself, run from the chapter on a local cluster over the cores,
    cached in the book's cache; None when the chapter is itself running as a point of a sweep
    (the study would run itself again)."""
    if os.environ.get(POINT_ENV):
        return None
    return sweep(chapter, grid, seeds=seeds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sweep", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", help=f"one of: {', '.join(chapters.names())}")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUES"),
                        help="a parameter and the list of its values, such as \"[1, 2]\"")
    parser.add_argument("--seeds", type=int, default=1,
                        help="seeds per point: the chapter's seed, seed + 1, ... (default 1)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int,
                       help="workers of the local cluster (default: one per core)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, such as "
                                           "tcp://host:8786")
    parser.add_argument("--out", type=Path, help="output folder (default sweeps/CHAPTER)")
    parser.add_argument("--keep", action="store_true",
                        help="keep each point's executed notebook and figures")
    parser.add_argument("--cache", type=Path, default=BOOK_CACHE,
                        help=f"cache of completed points (default {BOOK_CACHE.relative_to(ROOT)})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    grid = read_parameters(parser, args.chapter, args.parameter)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")
    out = args.out or Path("sweeps") / args.chapter
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} exists and is not a folder", file=sys.stderr)
        return 1
    try:
        points = plan(args.chapter, grid, args.seeds)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.chapter}: {len(points)} points", flush=True)
    result = sweep(args.chapter, grid, seeds=args.seeds, workers=args.workers,
                   scheduler=args.scheduler, keep=args.keep, cache=args.cache,
                   progress=sys.stderr.isatty())
    written = write(result, out, cache=args.cache)
    print(f"{result.count('ok')} run, {result.count('cached')} from the cache, "
          f"{result.count('failed')} failed; wrote to {out}:")
    for path in written:
        print(f"  {path.relative_to(out)}")
    for index, point in enumerate(result.points):
        if point.status == "failed":
            print(f"point {index:03d} ({_describe(point.parameters)}) failed: {point.error}",
                  file=sys.stderr)
    return 1 if result.count("failed") else 0


if __name__ == "__main__":
    # Run lib.sweep's main, not this copy's, so that points run lib.sweep.run_point: the
    # workers import it by that name, and the cache is keyed on it.
    from lib.sweep import main as sweep_main
    sys.exit(sweep_main())
