"""lib.figures: export of figures and tables with data and provenance."""

from __future__ import annotations

import csv
import hashlib
import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lib import figures


@pytest.fixture
def out(tmp_path, monkeypatch):
    monkeypatch.setenv(figures.FIGURES_ENV, str(tmp_path))
    return tmp_path


def _figure() -> plt.Figure:
    figures.use_house_style()
    fig, ax = plt.subplots()
    ax.plot([0.0, 0.5, 1.0], [0.0, 0.2, 1.0], label="curve")
    ax.legend()
    return fig


def test_save_figure_writes_four_files_with_checksums(out) -> None:
    data = {"t [time]": np.array([0.0, 0.5, 1.0]), "q [shares]": np.array([0.0, 0.2, 1.0])}
    figures.save_figure(_figure(), "demo-fig01", data, parameters={"Q": 1.0})
    names = sorted(p.name for p in out.iterdir())
    assert names == ["demo-fig01.csv", "demo-fig01.json", "demo-fig01.png", "demo-fig01.svg"]
    provenance = json.loads((out / "demo-fig01.json").read_text())
    assert provenance["chapter"] == "demo" and provenance["kind"] == "figure"
    assert provenance["parameters"] == {"Q": 1.0}
    assert set(provenance["packages"]) >= {"python", "numpy", "scipy", "sympy", "matplotlib"}
    assert len(provenance["git_commit"]) in (40, len("unknown"))
    for name, digest in provenance["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    rows = list(csv.reader((out / "demo-fig01.csv").open()))
    assert rows[0] == ["t [time]", "q [shares]"]
    assert [float(v) for v in rows[2]] == [0.5, 0.2]


def test_exports_are_byte_for_byte_reproducible(out) -> None:
    data = {"x": np.linspace(0, 1, 5), "y": np.linspace(0, 1, 5) ** 2}
    figures.save_figure(_figure(), "demo-ext-repeat", data, parameters={})
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    figures.save_figure(_figure(), "demo-ext-repeat", data, parameters={})
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}


def test_csv_keeps_full_precision(out) -> None:
    values = np.array([1 / 3, np.pi * 1e-17, 2.0**60])
    figures.save_table("demo-tab01", {"x": values}, parameters={})
    read = [float(r[0]) for r in list(csv.reader((out / "demo-tab01.csv").open()))[1:]]
    assert read == list(values)
    assert sorted(p.name for p in out.iterdir()) == ["demo-tab01.csv", "demo-tab01.json"]


@pytest.mark.parametrize("bad", ["fig01", "demo-fig1", "demo-figure01", "Demo-fig01",
                                 "demo-ext-", "demo-ext-Bad"])
def test_bad_ids_rejected(out, bad: str) -> None:
    with pytest.raises(ValueError, match="figure_id"):
        figures.save_table(bad, {"x": [1.0]}, parameters={})


def test_unequal_columns_rejected(out) -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        figures.save_table("demo-tab02", {"x": [1.0, 2.0], "y": [1.0]}, parameters={})


def test_default_folder_is_figures_of_the_chapter(monkeypatch) -> None:
    monkeypatch.delenv(figures.FIGURES_ENV, raising=False)
    assert figures.figures_dir("demo") == figures.ROOT / "figures" / "demo"
