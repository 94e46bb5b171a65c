"""Re-execute one chapter with other parameters.

    python -m lib.reproduce CHAPTER [-p NAME VALUE]... [--out DIR]

Writes ``DIR/<chapter>.ipynb`` (the executed notebook) and every figure of the chapter
(png, svg, csv data, json provenance) to ``DIR`` (default ``reproduced/<chapter>``).
VALUE is read as a Python literal (``5000``, ``2.5``, ``[1, 2]``); anything else is a string.
An unknown chapter or parameter name prints the valid ones and exits with status 2; a value
outside its domain is reported, naming the parameter, before anything is computed or written.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from lib import chapters, notebooks


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.reproduce", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", help=f"one of: {', '.join(chapters.names())}")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="override a chapter parameter")
    parser.add_argument("--out", type=Path, help="output folder (default reproduced/CHAPTER)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.chapter not in chapters.names():
        parser.error(f"unknown chapter {args.chapter!r}; valid chapters: "
                     f"{', '.join(chapters.names())}")
    overrides = {name: _literal(value) for name, value in args.parameter}
    message = chapters.unknown_parameters(args.chapter, overrides)
    if message:
        parser.error(message)
    try:
        chapters.validate(args.chapter, overrides)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out = args.out or Path("reproduced") / args.chapter
    run = notebooks.run_chapter(args.chapter, out / f"{args.chapter}.ipynb", out, overrides,
                                progress=sys.stderr.isatty())
    files = sorted(p.name for p in out.iterdir())
    print(f"executed {args.chapter} in {run.seconds:.1f} s; wrote to {out}:")
    for name in files:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
