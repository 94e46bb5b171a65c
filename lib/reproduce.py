"""Re-execute one chapter with other parameters.

    python -m lib.reproduce CHAPTER [-p NAME VALUE]... [--out DIR] [--force]
    python -m lib.reproduce CHAPTER --list

Writes DIR/<chapter>.ipynb (the executed notebook, which shows its figures on its own) and
every figure of the chapter (png, svg, csv data, json provenance) to DIR (default
reproduced/<chapter>). --list prints the chapter's parameters, their defaults and their
domains, and runs nothing.

VALUE is a Python literal: 5000, 2.5, [1, 4], and inf or -inf, also inside lists
([1e2, inf]); a bare word is a string (-p grid full). nan is refused, and so is a value
Python would read as a tuple, such as 5,000 (write 5000 or [5, 0]).

An unknown chapter or parameter name prints the valid ones, a refused VALUE how to write it,
and both exit with status 2; a value outside its domain is reported, naming the parameter,
with status 1. Either way nothing is computed or written.

The run is all or nothing: it writes into a new folder beside DIR and moves it to DIR only
when the chapter has run to the end, so a failed run leaves nothing at DIR. An existing DIR
must be empty unless --force is given; it is then replaced, again only on success.
"""

from __future__ import annotations

import argparse
import ast
import math
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from papermill.exceptions import PapermillExecutionError

from lib import chapters, notebooks

INFINITY = {"inf", "infinity"}
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")


class _Infinity(ast.NodeTransformer):
    """Read the names inf and infinity (any case) as the float."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id.lower() in INFINITY:
            return ast.copy_location(ast.Constant(math.inf), node)
        return node


def parse_value(name: str, text: str) -> object:
    """The value of ``-p NAME TEXT``: a Python literal in which inf is a number, else the
    text itself (a bare word is a string).

    ``ValueError`` for nan and for a bare tuple such as ``5,000``.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return text
    if any(isinstance(node, ast.Name) and node.id.lower() == "nan" for node in ast.walk(tree)):
        raise ValueError(f"-p {name} {text}: nan is refused (no parameter accepts it)")
    try:
        value = ast.literal_eval(_Infinity().visit(tree))
    except ValueError:
        return text
    if isinstance(value, tuple):
        number = f"{text.replace(',', '')} for a number, or " if THOUSANDS.match(text) else ""
        raise ValueError(f"-p {name} {text}: ambiguous (Python reads it as the tuple "
                         f"{value!r}); write {number}a list in brackets, {list(value)!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.reproduce", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", help=f"one of: {', '.join(chapters.names())}")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="override a chapter parameter")
    parser.add_argument("--out", type=Path, help="output folder (default reproduced/CHAPTER)")
    parser.add_argument("--force", action="store_true",
                        help="replace a non-empty output folder (only if the run succeeds)")
    parser.add_argument("--list", action="store_true",
                        help="print the chapter's parameters, defaults and domains; run nothing")
    return parser


def listing(chapter: str) -> str:
    """The chapter's parameters with their defaults and domains, as ``--list`` prints them."""
    return (f"parameters of {chapter} (python -m lib.reproduce {chapter} -p NAME VALUE):\n"
            + chapters.VALIDATORS[chapter].listing(chapters.default_parameters(chapter)))


@contextmanager
def staged(out: Path, *, force: bool) -> Iterator[Path]:
    """A new folder beside ``out`` (same filesystem) that replaces ``out`` if the block ends
    without an exception, and is deleted otherwise.

    ``ValueError`` before anything is created if ``out`` is not a folder, or is a non-empty
    one and ``force`` is false.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"--out {out} exists and is not empty; pass --force to replace it "
                         "(it is replaced only if the run succeeds)")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield stage
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / out.name)
            try:
                stage.rename(out)
            except OSError:
                (old / out.name).rename(out)
                raise
            shutil.rmtree(old)
        else:
            stage.rename(out)
    finally:
        if stage.exists():
            shutil.rmtree(stage)


def read_parameters(parser: argparse.ArgumentParser, chapter: str,
                    pairs: list[tuple[str, str]]) -> dict[str, object]:
    """The values of the ``-p NAME VALUE`` pairs; ``parser.error`` (exit status 2) for an
    unknown chapter or name, a name given twice or a refused value."""
    if chapter not in chapters.names():
        parser.error(f"unknown chapter {chapter!r}; valid chapters: "
                     f"{', '.join(chapters.names())}")
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        parser.error(f"-p {', '.join(repeated)} given more than once")
    try:
        values = {name: parse_value(name, text) for name, text in pairs}
    except ValueError as error:
        parser.error(str(error))
    message = chapters.unknown_parameters(chapter, values)
    if message:
        parser.error(message)
    return values


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    overrides = read_parameters(parser, args.chapter, args.parameter)
    if args.list:
        print(listing(args.chapter))
        return 0
    out = args.out or Path("reproduced") / args.chapter
    try:
        chapters.validate(args.chapter, overrides)
        with staged(out, force=args.force) as stage:
            run = notebooks.run_chapter(args.chapter, stage / f"{args.chapter}.ipynb", stage,
                                        overrides, progress=sys.stderr.isatty())
            notebooks.embed_figures(run.notebook)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except PapermillExecutionError as error:
        print(f"error: {args.chapter} failed, nothing was written to {out}:\n{error}",
              file=sys.stderr)
        return 1
    print(f"executed {args.chapter} in {run.seconds:.1f} s; wrote to {out}:")
    for name in sorted(p.name for p in out.iterdir()):
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
