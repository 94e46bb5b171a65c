"""python -m lib.reproduce: re-running a chapter with other parameters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from papermill.exceptions import PapermillExecutionError

from lib import chapters, execution, figures, reproduce
from lib.figures import ROOT


def test_unknown_chapter_exits_2_listing_chapters(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["no_such_chapter"])
    assert stop.value.code == 2
    assert "valid chapters: almgren_chriss" in capsys.readouterr().err


def test_unknown_parameter_exits_2_listing_parameters(capsys, tmp_path) -> None:
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["almgren_chriss", "-p", "thetta", "1", "--out", str(tmp_path / "o")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) thetta" in err and "valid parameters: Q, T, theta" in err
    assert not (tmp_path / "o").exists()


def test_a_parameter_given_twice_exits_2(capsys, tmp_path) -> None:
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["almgren_chriss", "-p", "Q", "1", "-p", "Q", "2", "--out",
                        str(tmp_path / "o")])
    assert stop.value.code == 2
    assert "-p Q given more than once" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("name", "value"), [("theta", "-1"), ("T", "0"), ("Q", "abc"),
                                             ("n_points", "1")])
def test_out_of_domain_value_stops_before_anything(capsys, tmp_path, name, value) -> None:
    out = tmp_path / "o"
    assert reproduce.main(["almgren_chriss", "-p", name, value, "--out", str(out)]) == 1
    assert f"error: {name} must" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("text", "value"), [
    ("5000", 5000), ("2.5", 2.5), ("[1, 4]", [1, 4]), ("inf", np.inf), ("-inf", -np.inf),
    ("[1e2, inf]", [100.0, np.inf]), ("full", "full"), ("'ci'", "ci"), ("[full]", "[full]")])
def test_values_are_literals_with_inf_or_words(text, value) -> None:
    assert reproduce.parse_value("x", text) == value


@pytest.mark.parametrize(("text", "message"), [
    ("5,000", r"^-p Q 5,000: ambiguous .* write 5000 for a number, or a list in brackets, "
              r"\[5, 0\]$"),
    ("1, 2", r"ambiguous .* write a list in brackets, \[1, 2\]$"),
    ("nan", "nan is refused"), ("[1.0, NaN]", "nan is refused")])
def test_ambiguous_values_and_nan_are_refused(text, message) -> None:
    with pytest.raises(ValueError, match=message):
        reproduce.parse_value("Q", text)


def test_a_refused_value_exits_2_before_anything(capsys, tmp_path) -> None:
    out = tmp_path / "o"
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["almgren_chriss", "-p", "Q", "5,000", "--out", str(out)])
    assert stop.value.code == 2
    assert "write 5000 for a number" in capsys.readouterr().err and not out.exists()


def test_list_prints_parameters_defaults_and_domains(capsys, monkeypatch, tmp_path) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("--list must not run the chapter")

    monkeypatch.setattr(reproduce.notebooks, "run_chapter", refuse)
    monkeypatch.chdir(tmp_path)
    assert reproduce.main(["almgren_chriss", "--list"]) == 0
    printed = capsys.readouterr().out
    for p in chapters.VALIDATORS["almgren_chriss"].parameters:
        assert p.name in printed and p.domain() in printed
    assert "[2.0, 3.0, 5.0]" in printed and "list of 1 to 8: real in (0, 30000]" in printed
    assert list(tmp_path.iterdir()) == []
    assert "--list" in reproduce._parser().format_help()


def _failing_run(chapter, notebook, figures, overrides, **kwargs):
    """A chapter that writes a figure and its notebook, then stops on an error in a cell."""
    figures.mkdir(parents=True, exist_ok=True)
    (figures / f"{chapter}-fig01.png").write_bytes(b"half")
    notebook.write_text("{}")
    raise PapermillExecutionError(3, 4, "raise ValueError('boom')", "ValueError", "boom", [])


def test_a_failed_run_leaves_nothing(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(reproduce.notebooks, "run_chapter", _failing_run)
    out = tmp_path / "deep" / "run"
    assert reproduce.main(["dynamic_trading", "--out", str(out)]) == 1
    assert "failed, nothing was written" in capsys.readouterr().err
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_a_failed_run_keeps_the_previous_output(capsys, monkeypatch, tmp_path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "previous.txt").write_text("kept")
    assert reproduce.main(["dynamic_trading", "--out", str(out)]) == 1
    assert "exists and is not empty; pass --force" in capsys.readouterr().err
    monkeypatch.setattr(reproduce.notebooks, "run_chapter", _failing_run)
    assert reproduce.main(["dynamic_trading", "--out", str(out), "--force"]) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert [p.name for p in out.iterdir()] == ["previous.txt"]


def test_force_replaces_the_output_only_on_success(tmp_path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "previous.txt").write_text("replaced")
    with reproduce.staged(out, force=True) as stage:
        (stage / "new.txt").write_text("new")
        assert (out / "previous.txt").exists()
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def _parameters_of_every_figure(out: Path, chapter: str) -> list[dict]:
    """The recorded parameters of every figure and table the run wrote, one dict each."""
    files = sorted(out.glob(f"{chapter}-*.json"))
    assert files, f"no provenance written to {out}"
    return [json.loads(path.read_text())["parameters"] for path in files]


# Reduced sizes: each chapter runs in full in the goldens; here only the parameters' way to
# every figure is at stake.
def test_trade_signals_runs_with_other_correlation_and_seed(tmp_path) -> None:
    """The acceptance example of the trade-signals chapter, -p rho 0.6 -p seed 7, at reduced
    sizes: every figure records the values it was drawn with, and only those (a deterministic
    figure records no seed or number of steps)."""
    out = tmp_path / "signals"
    changed = {"rho": "0.6", "seed": "7", "n_steps": "50", "n_paths": "3", "n_agents": "20"}
    assert reproduce.main(["trade_signals", *_options(changed), "--out", str(out)]) == 0
    curve = {"rho": 0.6, "n_points": 501}
    market = {"rho": 0.6, "n_steps": 50, "n_agents": 20}
    expected = {
        "fig01": curve, "fig02": {"rho": 0.6, "seed": 7, "n_steps": 50, "n_paths": 3},
        "fig03": curve, "fig04": curve, "fig05": {**market, "seed": 8}, "fig06": curve,
        "fig07": curve, "fig08": {**market, "seed": 9},
        "fig09": {"rho": [0.0, 0.25, 0.5, 0.75, 1.0], "n_points": 501},
        "fig10": {"rho": [-1.0, -0.5, 0.0, 0.5, 1.0], "n_points": 501},
        "ext-errors": {"n_points": 501}}
    chapter = {"seed", "n_steps", "n_paths", "n_agents", "n_points"}
    for item, values in expected.items():
        path = out / f"trade_signals-{item}.json"
        recorded = json.loads(path.read_text())["parameters"]
        assert {name: recorded[name] for name in values} == values, item
        assert not (chapter - set(values)) & set(recorded), item
    assert len(list(out.glob("trade_signals-fig*.png"))) == 10


def test_dynamic_trading_runs_with_another_discount_rate(tmp_path) -> None:
    """The acceptance example of the dynamic-trading chapter: -p r 0.5 (no paper comparison,
    whose printed values are for r = 1)."""
    out = tmp_path / "dynamic"
    assert reproduce.main(["dynamic_trading", "-p", "r", "0.5", "-p", "n_points", "21",
                           "--out", str(out)]) == 0
    for recorded in _parameters_of_every_figure(out, "dynamic_trading"):
        assert recorded["r"] == 0.5 and recorded["n_points"] == 21
    assert not list(out.glob("dynamic_trading-tab*.csv"))
    # the notebook shows every figure by itself, from attachments, and names no other folder
    notebook = nbformat.read(out / "dynamic_trading.ipynb", as_version=4)
    embedded = {name: data for cell in notebook.cells
                for name, data in cell.get("attachments", {}).items()}
    shown = chapters.read("dynamic_trading").cells
    assert len(embedded) == sum(c.source.count("{figure}") for c in shown) > 0
    assert set(embedded) == {p.name for p in out.glob("*.png")}
    assert all(set(data) == {"image/png"} for data in embedded.values())
    assert not any("../figures/" in cell.source for cell in notebook.cells)


def test_liquidity_pools_runs_a_short_adaptive_run(tmp_path) -> None:
    """The acceptance example of the liquidity-pools chapter, -p n_slices 5 -p seed 3 on its
    Bayesian page, and one seed of the earnings study on its networks page (its other runs are
    the defaults', which the book's build has cached): the three pages draw all 56 figures of
    the source, each recording the values it was drawn with."""
    changed = {"liquidity_pools": {"seed": "3", "mc_paths": "1000"},
               "liquidity_pools_bayes": {"n_slices": "5", "seed": "3"},
               "liquidity_pools_networks": {"study_seeds": "1"}}
    drawn = set()
    for page, values in changed.items():
        out = tmp_path / page
        assert reproduce.main([page, *_options(values), "--out", str(out)]) == 0
        for recorded in _parameters_of_every_figure(out, "liquidity_pools"):
            assert {name: recorded[name] for name in values} == {
                name: int(value) for name, value in values.items()}
        drawn |= {path.stem for path in out.glob("liquidity_pools-fig*.png")}
    lines = [s for s in figures.read_series(tmp_path / "liquidity_pools_bayes"
                                            / "liquidity_pools-fig48.csv") if s.kind == "line"]
    assert lines and all(len(s.x) == 6 for s in lines)     # the prior and five slices
    assert drawn == {f"liquidity_pools-fig{n:02d}" for n in range(1, 57)}   # all 56 of the source


def _options(values: dict[str, str]) -> list[str]:
    return [word for name, value in values.items() for word in ("-p", name, value)]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("grid", "fine", "grid must be"), ("n_slices", "21", "n_slices must be"),
    ("slice_index", "20", "slice_index must be")])
def test_liquidity_pools_rejects_bad_values(capsys, tmp_path, name, value, message) -> None:
    out = tmp_path / "bad"
    assert reproduce.main(["liquidity_pools_bayes", "-p", name, value, "--out", str(out)]) == 1
    assert message in capsys.readouterr().err and not out.exists()


def test_command_line_runs_with_other_parameters(tmp_path) -> None:
    """The acceptance example: Q = 5000, T = 2 writes the notebook and every figure file."""
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "lib.reproduce", "almgren_chriss", "-p", "Q",
                           "5000", "-p", "T", "2", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "without encryption" not in done.stderr     # the kernel's messages are encrypted
    assert (out / "almgren_chriss.ipynb").exists()
    for stem in ("almgren_chriss-fig01", "almgren_chriss-ext-cost"):
        for suffix in (".png", ".svg", ".csv", ".json"):
            assert (out / f"{stem}{suffix}").stat().st_size > 0
    provenance = json.loads((out / "almgren_chriss-fig01.json").read_text())
    assert provenance["parameters"]["Q"] == 5000 and provenance["parameters"]["T"] == 2
    # a figure computed at values of its own records them, next to the chapter's
    permanent = json.loads((out / "almgren_chriss-ext-permanent.json").read_text())["parameters"]
    assert (permanent["Q"], permanent["k"], permanent["M"], permanent["n_modes"]) == (
        5000, 5.0, 100.0, 64)
    curve = figures.series_named(out / "almgren_chriss-fig01.csv",
                                 r"$\sqrt{\kappa/\theta} = 3$")
    assert curve.x[-1] == 2.0
    assert np.allclose(curve.y, execution.optimal_inventory(curve.x, Q=5000, T=2, kappa=9.0,
                                                            theta=1.0), rtol=1e-15, atol=0)
