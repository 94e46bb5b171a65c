"""python -m lib.reproduce: re-running a chapter with other parameters."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from lib import execution, reproduce
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


@pytest.mark.parametrize(("name", "value"), [("theta", "-1"), ("T", "0"), ("Q", "abc"),
                                             ("n_points", "1")])
def test_out_of_domain_value_stops_before_anything(capsys, tmp_path, name, value) -> None:
    out = tmp_path / "o"
    assert reproduce.main(["almgren_chriss", "-p", name, value, "--out", str(out)]) == 1
    assert f"error: {name} must" in capsys.readouterr().err
    assert not out.exists()


def test_trade_signals_runs_with_other_correlation_and_seed(tmp_path) -> None:
    """The acceptance example of the trade-signals chapter: -p rho 0.6 -p seed 7."""
    out = tmp_path / "signals"
    assert reproduce.main(["trade_signals", "-p", "rho", "0.6", "-p", "seed", "7",
                           "--out", str(out)]) == 0
    provenance = json.loads((out / "trade_signals-fig02.json").read_text())
    assert provenance["parameters"]["rho"] == 0.6 and provenance["parameters"]["seed"] == 7
    assert len(list(out.glob("trade_signals-fig*.png"))) == 10


def test_dynamic_trading_runs_with_another_discount_rate(tmp_path) -> None:
    """The acceptance example of the dynamic-trading chapter: -p r 0.5 (no paper comparison,
    whose printed values are for r = 1)."""
    out = tmp_path / "dynamic"
    assert reproduce.main(["dynamic_trading", "-p", "r", "0.5", "--out", str(out)]) == 0
    provenance = json.loads((out / "dynamic_trading-fig01.json").read_text())
    assert provenance["parameters"]["r"] == 0.5
    assert not list(out.glob("dynamic_trading-tab*.csv"))


def test_liquidity_pools_runs_a_short_adaptive_run(tmp_path) -> None:
    """The acceptance example of the liquidity-pools chapter: -p n_slices 5 -p seed 3."""
    out = tmp_path / "pools"
    assert reproduce.main(["liquidity_pools", "-p", "n_slices", "5", "-p", "seed", "3",
                           "--out", str(out)]) == 0
    provenance = json.loads((out / "liquidity_pools-fig47.json").read_text())
    assert provenance["parameters"]["n_slices"] == 5 and provenance["parameters"]["seed"] == 3
    rows = (out / "liquidity_pools-fig48.csv").read_text().splitlines()
    assert len(rows) == 1 + 6                  # header, the prior and five slices
    figures = {path.stem for path in out.glob("liquidity_pools-fig*.png")}
    assert figures == {f"liquidity_pools-fig{n:02d}" for n in range(1, 57)}   # all 56 of the source


@pytest.mark.parametrize(("name", "value", "message"), [
    ("grid", "fine", "grid must be"), ("n_slices", "21", "n_slices must be"),
    ("slice_index", "20", "slice_index must be")])
def test_liquidity_pools_rejects_bad_values(capsys, tmp_path, name, value, message) -> None:
    out = tmp_path / "bad"
    assert reproduce.main(["liquidity_pools", "-p", name, value, "--out", str(out)]) == 1
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
    rows = list(csv.reader((out / "almgren_chriss-fig01.csv").open()))
    t = np.array([float(r[0]) for r in rows[1:]])
    assert t[-1] == 2.0
    q = np.array([float(r[3]) for r in rows[1:]])
    assert rows[0][3] == "q [shares], sqrt(kappa/theta) = 3"
    assert np.allclose(q, execution.optimal_inventory(t, Q=5000, T=2, kappa=9.0, theta=1.0),
                       rtol=1e-15, atol=0)
