"""The registry behind the ledger, against what the chapters produce."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from lib import chapters, execution, figures, ledger
from lib.book import GOLDEN


def test_registry_is_well_formed_and_covers_every_chapter() -> None:
    entries = ledger.load()
    assert {e.chapter for e in entries} == set(chapters.chapter_names())
    assert {"almgren_chriss-fig01", "almgren_chriss-ext-cost",
            "almgren_chriss-ext-permanent"} <= {e.id for e in entries}


def _folders(chapter: str, executed) -> list:
    """The folders of the files of the chapter's pages."""
    return [executed[page] for page in chapters.pages(chapter)]


def _folder_of(figure_id: str, executed):
    """The folder of the page that wrote ``figure_id``."""
    folders = [f for f in _folders(figures.chapter_of(figure_id), executed)
               if (f / f"{figure_id}.json").exists()]
    assert len(folders) == 1, f"{figure_id} written by {len(folders)} pages"
    return folders[0]


@pytest.mark.parametrize("chapter", chapters.chapter_names())
def test_registered_equals_produced(chapter: str, executed) -> None:
    missing, unregistered = ledger.discrepancies(chapter, _folders(chapter, executed),
                                                 ledger.load())
    assert not missing, f"registered but not produced: {sorted(missing)}"
    assert not unregistered, f"produced but not registered: {sorted(unregistered)}"


def test_every_figure_has_all_its_files(executed) -> None:
    for entry in (e for e in ledger.load() if e.produced):
        folder = _folder_of(entry.id, executed)
        suffixes = (".png", ".svg", ".csv", ".json") if entry.kind == "figure" else (".csv",
                                                                                      ".json")
        for suffix in suffixes:
            assert (folder / f"{entry.id}{suffix}").exists(), f"{entry.id}{suffix}"


def test_figure_data_is_the_model(executed) -> None:
    """The csv of the post's figure holds the schedule (ac-schedule) at the default
    parameters, read back from what the figure drew."""
    csv_path = executed["almgren_chriss"] / "almgren_chriss-fig01.csv"
    linear = figures.series_named(csv_path, r"linear ($\kappa = 0$)")
    assert len(linear.x) == 100 and np.array_equal(linear.y, 1e4 * linear.x)
    for k in (2.0, 3.0, 5.0):
        curve = figures.series_named(csv_path, rf"$\sqrt{{\kappa/\theta}} = {k:g}$")
        assert (curve.x_label, curve.y_label) == ("time $t$", "shares")
        expected = execution.optimal_inventory(curve.x, Q=1e4, T=1.0, kappa=k**2, theta=1.0)
        assert np.array_equal(curve.y, expected)


def test_figures_record_the_values_they_were_drawn_with(executed) -> None:
    """A figure computed at values other than the chapter's records those values: Fig. 3 of
    the position-building paper is drawn at kappa = 50, Figs 19-21 at lambda = 25, while the
    chapter's defaults are kappa = 1, lambda = 5."""
    def recorded(figure_id: str) -> dict:
        folder = _folder_of(figure_id, executed)
        return json.loads((folder / f"{figure_id}.json").read_text())["parameters"]

    assert recorded("position_building-fig03")["kappa"] == 50.0
    for number in (19, 20, 21):
        assert recorded(f"position_building-fig{number}")["lam"] == 25.0
    assert recorded("position_building-fig18")["kappa"] == 1.0


def test_ledger_markdown_lists_every_entry() -> None:
    text = ledger.markdown()
    for entry in ledger.load():
        assert f"`{entry.id}`" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "done"}, "status one of"),
        ({"id": "other_chapter-fig01"}, "is listed under chapter"),
        ({"tags": ["GUESS"]}, "tags must be among"),
        ({"original": ""}, "additions have ids"),
        ({"colour": "red"}, "unknown field"),
        ({"verdict": "holds"}, "go together"),
        ({"paper_claim": "x", "verdict": "maybe", "backed_by": ["ac-claim-x"]},
         "verdict must be one of"),
        ({"paper_claim": "x", "verdict": "holds", "backed_by": ["ac-x"]}, "backed_by lists"),
    ],
)
def test_malformed_registry_rejected(tmp_path, change: dict, message: str) -> None:
    raw = yaml.safe_load(ledger.REGISTRY.read_text())
    raw["chapters"]["almgren_chriss"]["items"][0].update(change)
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match=message):
        ledger.load(path)


def test_every_verdict_is_backed_by_a_claim_the_chapter_checks() -> None:
    """Each checked claim that backs a verdict of the ledger is shown, as a holding check, in
    the outputs of the golden notebooks of its chapter's pages."""
    for entry in (e for e in ledger.load() if e.backed_by):
        outputs = "".join(json.dumps(json.loads((GOLDEN / f"{page}.ipynb").read_text()))
                          for page in chapters.pages(entry.chapter))
        for label in entry.backed_by:
            name = label.split("-claim-", 1)[1]
            assert f"({label})=" in outputs and f"Check `{name}` holds" in outputs, \
                f"{entry.id}: {label} is not a holding check of {entry.chapter}"


def test_ledger_shows_the_paper_claim_and_our_verdict() -> None:
    entry = ledger.Entry("almgren_chriss", "almgren_chriss-fig01", "figure", "Figure 1",
                         "reproduced", (), "a check", "", paper_claim="It is convex.",
                         verdict="holds partly", backed_by=("ac-claim-convex",))
    text = ledger.markdown([entry])
    assert ("*The paper:* It is convex. *Our reconstruction:* **holds partly** "
            "({ref}`check <ac-claim-convex>`).") in text
