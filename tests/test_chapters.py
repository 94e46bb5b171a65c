"""lib.chapters and the chapter files: parameters cells, validation, jupytext round trip."""

from __future__ import annotations

import re

import jupytext
import numpy as np
import pytest
import yaml
from papermill.translators import PythonTranslator

from lib import chapters, cores
from lib.book import GOLDEN


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
        ({"theta": -1.0}, r"^theta must be >= 0.001 \(six decades .*\), got -1.0$"),
        ({"T": 0}, r"^T must be >= 0.001 \(six decades .*\), got 0.0$"),
        ({"Q": "many"}, "^Q must be a real number"),
        ({"k_values": [2.0, -1.0]}, r"^k_values\[1\] must be > 0"),
        ({"k_values": [0.0]}, r"^k_values\[0\] must be > 0 \(k = 0 is the linear schedule"),
        ({"k_values": [40.0]}, r"^k_values\[0\] \* T must be <= 30"),
        ({"k_values": [1.0] * 9}, "^k_values must have at most 8"),
        ({"penalties": [np.inf]}, "^penalties must hold at least one finite value"),
        ({"penalties": [1e-300]}, r"^penalties\[0\] must be >= 1e-06"),
        ({"penalties": [1e12], "theta": 0.1}, r"^penalties\[0\] \* T / theta must be <= 1e12"),
        ({"eta_values": [1e-9]}, r"^eta_values\[0\] must be 0 or eta \* T / theta >= 1e-6"),
        ({"n_points": 10**9}, r"^n_points must be <= 1000 \(each sample"),
        ({"k_values": []}, "^k_values must have at least 1"),
        ({"penalties": [0.0]}, r"^penalties\[0\] must be >= 1e-06, got 0.0"),
        ({"n_points": 1}, "^n_points must be >= 2"),
        ({"n_points": 10.5}, "^n_points must be an integer"),
        ({"thetta": 1.0}, "unknown parameter.*valid parameters: Q, T, theta"),
    ],
)
def test_almgren_chriss_domain(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chapters.validate("almgren_chriss", overrides)


def test_infinite_penalties_are_dropped_since_m_inf_is_always_studied() -> None:
    values = chapters.validate("almgren_chriss", {"penalties": [1e2, np.inf, 1e4]})
    assert values["penalties"] == [1e2, 1e4]


@pytest.mark.parametrize(("chapter", "overrides", "message"), [
    ("trade_signals", {"n_points": 500}, "^n_points must be odd"),
    ("position_building", {"n_points": 200}, "^n_points must be 1 more than a multiple of 10"),
    ("liquidity_pools_networks", {"slice_index": 20}, r"^slice_index must be <= 19"),
    ("liquidity_pools_networks", {"nn_iters": 150}, r"^nn_iters must be >= 200 \(the page"),
    ("liquidity_pools_networks", {"adaptive_seeds": 1}, r"^adaptive_seeds must be >= 2"),
    ("liquidity_pools_bayes", {"learn_seeds": 49}, r"^learn_seeds must be >= 50"),
    ("dynamic_trading", {"r": 1e-6}, r"^r must be >= 0.001"),
    ("position_building", {"seed": 2**32}, r"^seed must be <= 4294967295 \(a 32-bit seed\)")])
def test_rules_and_bounds_name_the_parameter(chapter, overrides, message) -> None:
    with pytest.raises(ValueError, match=message):
        chapters.validate(chapter, overrides)


@pytest.mark.parametrize("chapter", chapters.names())
def test_validators_are_called_with_every_parameter_by_keyword(chapter: str) -> None:
    validator = getattr(chapters, chapter)
    defaults = chapters.default_parameters(chapter)
    assert validator(**defaults) == chapters.validate(chapter, {})
    with pytest.raises(TypeError, match="missing"):
        validator(**dict(list(defaults.items())[1:]))


def test_unknown_chapter_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid chapters: almgren_chriss"):
        chapters.source("nope")


def test_a_chapter_on_several_pages() -> None:
    assert chapters.chapter_names() == ["almgren_chriss", "position_building", "trade_signals",
                                        "dynamic_trading", "liquidity_pools"]
    assert chapters.pages("liquidity_pools") == (
        "liquidity_pools", "liquidity_pools_bayes", "liquidity_pools_networks")
    assert chapters.pages("almgren_chriss") == ("almgren_chriss",)
    assert chapters.chapter_of("liquidity_pools_bayes") == "liquidity_pools"
    with pytest.raises(ValueError, match="valid chapters: almgren_chriss"):
        chapters.pages("liquidity_pools_bayes")


def test_the_table_of_contents_lists_every_page_under_its_chapter() -> None:
    toc = yaml.safe_load((chapters.ROOT / "_toc.yml").read_text())
    listed = {entry["file"]: [s["file"] for s in entry.get("sections", ())]
              for part in toc["parts"] for entry in part["chapters"]}
    for chapter in chapters.chapter_names():
        assert listed[f"book/{chapter}"] == [f"book/{p}" for p in chapters.pages(chapter)[1:]]


def _bib_titles() -> dict[str, str]:
    """The title of every entry of references.bib, by key."""
    text = (chapters.ROOT / "references.bib").read_text()
    entries = re.findall(r"^@\w+\{(?P<key>[^,]+),(?P<body>.*?)^\}", text, re.M | re.S)
    return {key: re.search(r"^\s*title\s*=\s*\{(.*?)\},?$", body, re.M)[1]
            for key, body in entries}


def test_every_chapter_is_in_every_file_a_chapter_touches() -> None:
    """The files of CONTRIBUTING.md's "Adding a paper", each checked for every chapter: the
    validator and pages (lib/chapters.py), the core computation (lib/cores.py), the golden of
    each page, the table of contents, the registry and its source, which references.bib,
    CITATION.cff and the landing page's table must cite."""
    toc = (chapters.ROOT / "_toc.yml").read_text()
    registry = yaml.safe_load((chapters.BOOK / "registry.yml").read_text())["chapters"]
    titles = _bib_titles()
    cited = {" ".join(r["title"].split()) for r in
             yaml.safe_load((chapters.ROOT / "CITATION.cff").read_text())["references"]}
    landing = (chapters.BOOK / "intro.md").read_text()
    for chapter in chapters.chapter_names():
        for page in chapters.pages(chapter):
            assert page in chapters.VALIDATORS, page
            assert callable(getattr(cores, page, None)), f"lib/cores.py: no {page}()"
            assert (GOLDEN / f"{page}.ipynb").is_file(), f"no golden of {page}"
            assert f"file: book/{page}\n" in toc, f"_toc.yml: no {page}"
        assert chapter in registry, f"book/registry.yml: no {chapter}"
        source = registry[chapter]["source"]
        assert source in titles, f"references.bib: no {source}"
        assert " ".join(titles[source].split()) in cited, f"CITATION.cff: no {source}"
        row = f"| {{doc}}`/book/{chapter}` | {{cite:t}}`{source}` |"
        assert row in landing, f"book/intro.md: no row for {chapter}"
