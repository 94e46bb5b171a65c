"""The golden notebooks (run by nbval) must be the chapters as they are now."""

from __future__ import annotations

import re

import nbformat
import pytest

from lib import chapters
from lib.book import GOLDEN


@pytest.mark.parametrize("chapter", chapters.names())
def test_golden_code_cells_equal_the_chapter(chapter: str) -> None:
    path = GOLDEN / f"{chapter}.ipynb"
    assert path.exists(), f"no golden for {chapter}: run `make goldens`"
    golden = nbformat.read(path, as_version=4)
    source = chapters.read(chapter)
    code = [c.source for c in source.cells if c.cell_type == "code"]
    assert [c.source for c in golden.cells if c.cell_type == "code"] == code, (
        f"{path.name} is out of date with book/{chapter}.md: run `make goldens`")


@pytest.mark.parametrize("chapter", chapters.names())
def test_golden_has_no_images_or_timings(chapter: str) -> None:
    golden = nbformat.read(GOLDEN / f"{chapter}.ipynb", as_version=4)
    assert "papermill" not in golden.metadata
    for cell in golden.cells:
        assert "papermill" not in cell.metadata
        for output in cell.get("outputs", []):
            assert not any(m.startswith("image/") for m in output.get("data", {}))


_SCIENTIFIC = re.compile(r"(≤ )?(?<![\w.])([-+]?\d+(?:\.\d+)?e[-+]?\d+)( ✓)?")
_NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(?:\.0+)?(?![\d.])")


def _round_off_numbers(text: str) -> list[str]:
    """Numbers below 1e-8 in magnitude printed in ``text`` other than as a verdict
    ``≤ <tolerance> ✓``, and zeros printed with a sign: round-off, whose digits and sign differ
    between machines."""
    found = _NEGATIVE_ZERO.findall(text)
    for match in _SCIENTIFIC.finditer(text):
        value = abs(float(match[2]))
        if 0 < value < 1e-8 and not (match[1] and match[3]):
            found.append(match[0])
    return found


def test_round_off_numbers_are_found() -> None:
    assert _round_off_numbers("error 3.2e-13, bound ≤ 1e-12 ✓, scale 2e-3, ≤ 1e-14 Q") == [
        "3.2e-13", "≤ 1e-14"]
    assert _round_off_numbers("| -0 | -0.000 | -0.25 | -0.0001 | x-0 | 10-0.5 |") == [
        "-0", "-0.000"]


@pytest.mark.parametrize("chapter", chapters.names())
def test_golden_prints_no_round_off(chapter: str) -> None:
    """Checks print their verdict against a tolerance, never the size of a round-off error."""
    golden = nbformat.read(GOLDEN / f"{chapter}.ipynb", as_version=4)
    for index, cell in enumerate(golden.cells):
        for output in cell.get("outputs", []):
            texts = [output.get("text", ""), *output.get("data", {}).values()]
            found = [n for text in texts if isinstance(text, str)
                     for n in _round_off_numbers(text)]
            assert not found, f"cell {index} of the {chapter} golden prints {found}"
