"""lib.figures: export of figures and tables with data and provenance."""

from __future__ import annotations

import csv
import hashlib
import json

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import mathtext

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
    figures.save_figure(_figure(), "demo-fig01", parameters={"Q": 1.0})
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
    assert tuple(rows[0]) == figures.SERIES_COLUMNS
    assert rows[2] == ["0", "", "", "", "curve", "line", "0", "0.5", "0.20000000000000001", ""]


def test_exports_are_byte_for_byte_reproducible(out) -> None:
    figures.save_figure(_figure(), "demo-ext-repeat", parameters={})
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    figures.save_figure(_figure(), "demo-ext-repeat", parameters={})
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}


def test_shared_mathtext_cache_gives_the_same_bytes(out, monkeypatch) -> None:
    """The shared parse cache changes nothing drawn: the same figure, full of mathtext, is
    byte-for-byte what matplotlib's own per-parser cache gives."""
    def mathtext_figure() -> plt.Figure:
        fig = _figure()
        fig.axes[0].set(xlabel=r"time $t$", ylabel=r"$\xi_A\,\dot a(t)$",
                        title=r"$\phi_\sigma(t) = \frac{1 - e^{-\sigma t}}{1 - e^{-\sigma}}$")
        return fig

    figures.save_figure(mathtext_figure(), "demo-ext-mathtext", parameters={})
    shared = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".png", ".svg")}
    monkeypatch.setattr(mathtext.MathTextParser, "_parse_cached", figures._PARSE_PER_PARSER)
    monkeypatch.setattr(figures, "share_mathtext_cache", lambda: None)
    figures.save_figure(mathtext_figure(), "demo-ext-mathtext", parameters={})
    assert mathtext.MathTextParser._parse_cached is figures._PARSE_PER_PARSER
    assert shared == {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".png", ".svg")}


def _every_kind() -> plt.Figure:
    """Two panels and a colour bar, with one artist of every kind the export reads."""
    figures.use_house_style()
    fig, (top, bottom) = plt.subplots(1, 2)
    t = np.linspace(0.0, 1.0, 7)
    top.plot(t, t**2, label="square")
    top.step(t, np.sqrt(t), where="post", label="root, steps")
    top.scatter(t, 1 - t, c=t, label="points")
    top.fill_between(t, t**2, np.sqrt(t), alpha=0.2, label="band")
    top.bar([0.2, 0.6], [0.5, 0.7], width=0.1, label="bars")
    top.vlines([0.3, 0.9], 0.0, [0.4, 0.8], label="segments")
    top.axhline(0.5, color="k", label="level")
    top.set(title="top", xlabel="t [1]", ylabel="y [shares]")
    top.legend()
    image = bottom.imshow(np.arange(12.0).reshape(3, 4), extent=(0, 4, 0, 3), origin="lower",
                          label="image")
    bottom.pcolormesh(np.array([[5.0, 6.0], [5.0, 6.0]]), np.array([[0.0, 0.0], [1.0, 1.0]]),
                      np.array([[7.0]]), label="mesh")
    bottom.plot([], [], label="legend only")
    bottom.set(title="bottom", xlabel="x [1]", ylabel="z [1]")
    fig.colorbar(image, ax=bottom)
    return fig


def _constrained() -> plt.Figure:
    figures.use_house_style()
    fig, axes = plt.subplots(2, 2, layout="constrained")
    for ax in axes.flat:
        ax.plot([0.0, 1.0], [0.0, 1.0], label="line")
        ax.set(title="panel", ylabel="a long label of the vertical axis")
    return fig


@pytest.mark.parametrize("make", [_figure, _every_kind, _constrained])
def test_tight_box_is_matplotlibs(make) -> None:
    """``save_figure`` takes the tight box from the artists' extents, without the draw that
    ``savefig.bbox = "tight"`` makes first (but for a figure with a layout engine): the box is
    the one matplotlib would use, with legends placed "best", figure legends, suptitles,
    colour bars and a constrained layout."""
    boxes = []
    for ours in (True, False):
        fig = make()
        fig.suptitle("a figure title")
        fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="lower center",
                   bbox_to_anchor=(0.5, 0.98))
        if ours:
            boxes.append(figures._tight_bbox(fig).bounds)
        else:
            fig.draw_without_rendering()
            boxes.append(fig.get_tightbbox(fig.canvas.get_renderer())
                         .padded(mpl.rcParams["savefig.pad_inches"]).bounds)
        plt.close(fig)
    assert boxes[0] == pytest.approx(boxes[1], abs=1e-9)


def test_every_drawn_series_is_in_the_csv(out) -> None:
    fig = _every_kind()
    drawn = {(s.panel, s.label, s.kind) for s in figures.series_of(fig)}
    figures.save_figure(fig, "demo-ext-kinds", parameters={})
    read = figures.read_series(out / "demo-ext-kinds.csv")
    assert {s.key for s in read} == drawn == {
        (0, "square", "line"), (0, "root, steps", "line"), (0, "points", "scatter"),
        (0, "band", "polygon"), (0, "bars", "patch"), (0, "segments", "segments"),
        (0, "level", "line"), (1, "image", "image"), (1, "mesh", "mesh")}
    bars = figures.series_named(out / "demo-ext-kinds.csv", "bars")
    assert sorted(set(bars.part)) == [0, 1] and bars.y.max() == 0.7
    image = figures.series_named(out / "demo-ext-kinds.csv", "image", panel=1)
    assert image.value.tolist() == list(np.arange(12.0)) and image.y[0] == 0.5
    square = figures.series_named(out / "demo-ext-kinds.csv", "square")
    assert (square.panel_title, square.x_label, square.y_label) == ("top", "t [1]", "y [shares]")


def test_redrawing_from_the_csv_gives_the_same_data(out) -> None:
    figures.save_figure(_every_kind(), "demo-ext-kinds", parameters={})
    exported = figures.read_series(out / "demo-ext-kinds.csv")
    redrawn = figures.series_of(figures.redraw(exported))
    assert [s.key for s in redrawn] == [s.key for s in exported]
    for before, after in zip(exported, redrawn, strict=True):
        assert (before.panel_title, before.x_label, before.y_label) == (
            after.panel_title, after.x_label, after.y_label)
        for name in ("part", "x", "y", "value"):
            np.testing.assert_array_equal(getattr(before, name), getattr(after, name),
                                          err_msg=f"{before.label}: {name}")


def test_a_figure_without_data_is_refused(out) -> None:
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="draws no data"):
        figures.save_figure(fig, "demo-ext-empty", parameters={})
    assert not list(out.iterdir())


def test_an_unreadable_artist_is_refused(out) -> None:
    fig, ax = plt.subplots()
    ax.add_artist(plt.Circle((0.5, 0.5), 0.1))
    ax.add_collection(mpl.collections.EllipseCollection([1.0], [1.0], [0.0], units="x",
                                                        offsets=[(0.0, 0.0)],
                                                        offset_transform=ax.transData))
    with pytest.raises(ValueError, match="cannot read the data of a EllipseCollection"):
        figures.save_figure(fig, "demo-ext-odd", parameters={})


def test_series_named_lists_the_names_on_a_miss(out) -> None:
    figures.save_figure(_figure(), "demo-fig01", parameters={})
    with pytest.raises(ValueError, match=r"'nope': 0 series .* are \['curve'\]"):
        figures.series_named(out / "demo-fig01.csv", "nope")


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


def test_markdown_table() -> None:
    """Columns become rows of a Markdown table, cells as str gives them, ``|`` escaped; columns
    of different lengths are refused."""
    assert figures.markdown_table({"a": [1, "x|y"], "b": [2.5, 3]}) == (
        "| a | b |\n|---|---|\n| 1 | 2.5 |\n| x\\|y | 3 |")
    with pytest.raises(ValueError, match="one length"):
        figures.markdown_table({"a": [1], "b": [1, 2]})
