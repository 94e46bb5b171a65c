"""lib.chapters and the chapter files: parameters cells, validation, jupytext round trip."""

from __future__ import annotations

import jupytext
import pytest
from papermill.translators import PythonTranslator

from lib import chapters


@pytest.mark.parametrize("chapter", chapters.names())
def test_parameters_cell_matches_the_validator(chapter: str) -> None:
    assert list(chapters.default_parameters(chapter)) == chapters.validator_parameters(chapter)
    chapters.validate(chapter, {})


@pytest.mark.parametrize("chapter", chapters.names())
def test_papermill_reads_every_parameter(chapter: str) -> None:
    """papermill parses each line itself (an '=' in a comment hides the parameter from it)."""
    cell = next(c for c in chapters.read(chapter).cells
                if "parameters" in c.metadata.get("tags", []))
    names = [parameter.name for parameter in PythonTranslator.inspect(cell)]
    assert names == chapters.validator_parameters(chapter)


@pytest.mark.parametrize("chapter", chapters.names())
def test_jupytext_keeps_the_parameters_tag(chapter: str, tmp_path) -> None:
    notebook = chapters.read(chapter)
    path = tmp_path / f"{chapter}.ipynb"
    jupytext.write(notebook, path)
    back = jupytext.read(path)
    tagged = [c for c in back.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    text = jupytext.writes(back, fmt="md:myst")
    assert ":tags: [parameters]" in text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"theta": -1.0}, "^theta must be > 0"),
        ({"T": 0}, "^T must be > 0"),
        ({"Q": "many"}, "^Q must be a real number"),
        ({"k_values": [2.0, -1.0]}, r"^k_values\[1\] must be >= 0"),
        ({"k_values": []}, "^k_values must have at least 1"),
        ({"penalties": [0.0]}, r"^penalties\[0\] must be > 0"),
        ({"n_points": 1}, "^n_points must be >= 2"),
        ({"n_points": 10.5}, "^n_points must be an integer"),
        ({"thetta": 1.0}, "unknown parameter.*valid parameters: Q, T, theta"),
    ],
)
def test_almgren_chriss_domain(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chapters.validate("almgren_chriss", overrides)


def test_unknown_chapter_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid chapters: almgren_chriss"):
        chapters.source("nope")
