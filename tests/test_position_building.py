"""The position-building chapter re-run with other parameters (issue acceptance)."""

from __future__ import annotations

import filecmp

from lib import reproduce

PARAMETERISED = {f"position_building-fig{n:02d}" for n in (3, 4, 9, 13, 18, 22, 23)}


def test_other_parameters_change_exactly_the_parameterised_figures(executed, tmp_path) -> None:
    """-p kappa 3 -p lam 7 recomputes the single-(kappa, lam) figures; the data of every other
    figure and table is byte-for-byte the default run's."""
    out = tmp_path / "run"
    assert reproduce.main(["position_building", "-p", "kappa", "3", "-p", "lam", "7",
                           "--out", str(out)]) == 0
    default = executed["position_building"]
    stems = sorted(p.stem for p in default.glob("*.csv"))
    assert stems == sorted(p.stem for p in out.glob("*.csv"))
    changed = {s for s in stems
               if not filecmp.cmp(default / f"{s}.csv", out / f"{s}.csv", shallow=False)}
    assert changed == PARAMETERISED
