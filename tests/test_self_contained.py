"""The book points only to what it shows or cites: no file of the repository names the
project's working specifications, their section numbers or their equation, statement, check
and defect identifiers (E12, S3, N4, R7, D14, A2, "check 11", "source 004"), which no reader
can open. The source's own numbering ("paper (31)", "Section 5.1") and the book's equation
labels take their place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "the specification": re.compile(r"\bspec(?:-\d+|s?\b|ification)|DESIGN\.md", re.IGNORECASE),
    "a section sign of the specification": re.compile("§"),
    "an identifier of the specification": re.compile(r"\b[ESNRDA]\d{1,3}[a-z]?\b"),
    "a defect of the specification in a label": re.compile(r"\bd\d{1,3}-"),
    "a numbered check or source of the specification":
        re.compile(r"\b(?:check|source)\s+0*\d+\b", re.IGNORECASE),
}
# Package pins and lint settings name packages and lint rules (E402), not the book's content.
LINT_AND_PINS = {"constraints.txt", "pyproject.toml"}
SUFFIXES = {".md", ".py", ".yml", ".yaml", ".cfg", ".toml", ".ipynb", ".txt", ".cff", ".bib"}


def scanned_files() -> list[Path]:
    """Text files of the book, the package, the tests, the benchmarks and the top level (this
    file aside)."""
    files = [path for folder in ("book", "lib", "tests", "benchmarks")
             for path in sorted((ROOT / folder).rglob("*"))
             if path.suffix in SUFFIXES and "__pycache__" not in path.parts]
    files += [path for path in sorted(ROOT.glob("*")) if path.suffix in SUFFIXES]
    return [path for path in files if path != Path(__file__) and path.name not in LINT_AND_PINS]


def mentions(text: str) -> list[str]:
    """``line: kind: match`` for every forbidden mention in ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in FORBIDDEN.items():
            found += [f"{number}: {kind}: {m.group(0)!r}" for m in pattern.finditer(line)]
    return found


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_to_the_specification(path: Path) -> None:
    found = mentions(path.read_text(errors="replace"))
    assert not found, f"{path.relative_to(ROOT)} points outside the book:\n" + "\n".join(found)


@pytest.mark.parametrize("text", ["as in spec-002", "see §3.2", "by E31", "defect D14",
                                  "S3 holds", "check 11", "source 004", "DESIGN.md",
                                  "ts-claim-d20-readings"])
def test_each_kind_of_mention_is_caught(text: str) -> None:
    assert mentions(text)


@pytest.mark.parametrize("text", ["paper (31)", "Section 5.1 of the paper", "Eq. (12)",
                                  "the special case", "spectral radius", "check that",
                                  "d9(tau, p)"])
def test_the_source_numbering_is_allowed(text: str) -> None:
    assert not mentions(text)
