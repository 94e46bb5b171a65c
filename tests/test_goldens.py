"""The golden notebooks (run by nbval) must be the chapters as they are now."""

from __future__ import annotations

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
