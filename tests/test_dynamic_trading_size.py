"""The impact of a trader ten times larger than M others (the introduction's claim; the chapter's
figure F12)."""

from __future__ import annotations

import numpy as np
import pytest

from lib.dynamic_trading import equilibrium
from lib.dynamic_trading.equations import check_conditions
from lib.dynamic_trading.impact import instantaneous_impact


@pytest.mark.parametrize(("M", "ratio"), [(3, 1.69463), (5, 2.52824), (10, 4.16329),
                                          (20, 6.03624)])
def test_impact_ratio_of_a_ten_times_larger_trader(M: int, ratio: float) -> None:
    P, Q = equilibrium(np.concatenate([[0.1], np.ones(M)]))
    assert check_conditions(P, Q).holds
    impacts = instantaneous_impact(P, Q)
    assert impacts[0] / impacts[1] == pytest.approx(ratio, abs=1e-5)
