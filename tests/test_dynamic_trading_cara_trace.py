"""lib.dynamic_trading.cara.continuation_trace: the CARA equilibrium (Prop 15, paper (15) with the
Riccati equation (51)) followed in the shock size from the linear-quadratic model (Prop 16), and
the fold near sigma = 0.3216 at which the branch of the five-player example with uniform shocks
is lost. Reference values are our own solutions."""

from __future__ import annotations

import numpy as np
import pytest

from lib.dynamic_trading import cara

B = np.array([1.0, 1.5, 2.0, 2.5, 3.0])
UNIFORM = np.ones(5)
# coarse to 0.32, then steps of 1e-4 through the fold at s* = 0.321589
FOLD_GRID = np.concatenate([np.linspace(0.0, 0.32, 17), np.arange(0.3201, 0.3225, 1e-4)])


@pytest.fixture(scope="module")
def fold_trace() -> cara.CaraTrace:
    return cara.continuation_trace(B, UNIFORM, FOLD_GRID)


@pytest.mark.parametrize("sigma", [[0.1] * 5, [0.1, 0.3, 0.3, 0.1, 0.1]])
def test_trace_matches_solve_cara(sigma) -> None:
    sigma = np.array(sigma)
    trace = cara.continuation_trace(B, sigma, np.linspace(0.0, 1.0, 6))
    assert trace.failure is None and trace.failed_scale is None
    np.testing.assert_array_equal(trace.scales, np.linspace(0.0, 1.0, 6))
    assert trace.P.shape == (6, 5) and trace.Q.shape == (6, 5, 5)
    assert np.all(trace.residual < 1e-10)
    for k in (2, 5):
        P, Q, _ = cara.solve_cara(B, trace.scales[k] * sigma)
        np.testing.assert_allclose(trace.P[k], P, atol=1e-10)
        np.testing.assert_allclose(trace.Q[k], Q, atol=1e-10)


def test_trace_diagnostics_at_the_start() -> None:
    """At sigma = 0 the Hamiltonian of (51) is block triangular with eigenvalues those of
    -Q - r/2 and Q + r/2: Q has the eigenvalue 0, so the gap is r/2."""
    trace = cara.continuation_trace(B, UNIFORM, [0.0, 0.1], r=2.0)
    assert trace.hamiltonian_gap[0] == pytest.approx(1.0, abs=1e-9)
    assert trace.hamiltonian_gap[1] < trace.hamiltonian_gap[0]


def test_hamiltonian_gap_is_the_closed_loop_stability_margin(fold_trace) -> None:
    """The stable Hamiltonian eigenvalues are those of the closed loop -Q - r/2 - 2 r α^i ΣΣᵀ A^i
    of (51), so the gap is the least stability margin over the players."""
    k = 20
    P, Q = fold_trace.P[k], fold_trace.Q[k]
    S = np.diag((fold_trace.scales[k] * UNIFORM) ** 2)
    margins = [-np.linalg.eigvals(-Q - np.eye(5) / 2
                                  - 2 * B[i] * S @ cara.value_matrix(P, Q, B[i], i, 1.0, S)
                                  ).real.max() for i in range(5)]
    assert fold_trace.hamiltonian_gap[k] == pytest.approx(min(margins), rel=1e-9)


def test_jacobian_singular_value_matches_finite_differences(fold_trace) -> None:
    k = 12
    S = np.diag((fold_trace.scales[k] * UNIFORM) ** 2)
    P, Q = fold_trace.P[k], fold_trace.Q[k]
    x = np.concatenate([P, Q[:-1].ravel()])

    def residual(z):
        top = z[5:].reshape(4, 5)
        return cara.equilibrium_residual(z[:5], np.vstack([top, -top.sum(axis=0)]), B, 1.0, S)

    h = 1e-6
    J = np.column_stack([(residual(x + h * e) - residual(x - h * e)) / (2 * h)
                         for e in np.eye(25)])
    smallest = np.linalg.svd(J, compute_uv=False)[-1]
    assert fold_trace.jacobian_min_sv[k] == pytest.approx(smallest, rel=1e-6)


def test_uniform_example_is_lost_at_a_fold(fold_trace) -> None:
    """The branch turns back at s* = 0.321589: the Jacobian's smallest singular value goes to 0
    like sqrt(s* - s) while the Riccati roots stay stabilising and Prop 3 holds."""
    t = fold_trace
    assert t.failure is not None and "at shock size" in t.failure
    assert 0.3 < t.failed_scale < 0.4
    assert t.scales[-1] == pytest.approx(0.3215, abs=1e-9)
    assert t.failed_scale == pytest.approx(0.3216, abs=1e-9)
    np.testing.assert_array_equal(t.scales, FOLD_GRID[: t.scales.size])
    assert np.all(t.P < 0) and np.all(np.diagonal(t.Q, axis1=1, axis2=2) > 0)
    sv = t.jacobian_min_sv
    assert sv[0] == pytest.approx(0.1460, abs=1e-4)
    assert sv[-1] < 0.15 * sv[0]
    assert np.all(np.diff(sv[-10:]) < 0)
    # sqrt law: sv**2 is linear in s near the fold; extrapolating it to 0 finds s*
    s_star = t.fold_estimate(2)
    assert s_star == pytest.approx(0.321589, abs=3e-5)
    assert t.fold_estimate(10) == pytest.approx(0.321589, abs=1e-4)
    with pytest.raises(ValueError, match="points"):
        t.fold_estimate(1)
    # q^11 moves ever faster towards the turning point (its derivative diverges there)
    dq = np.abs(np.diff(t.Q[:, 0, 0]) / np.diff(t.scales))
    assert np.all(np.diff(dq[16:]) > 0)
    assert dq[-1] > 3 * dq[16] > 30 * dq[8]
    # not a loss of the stabilising Riccati root: the Hamiltonian gap stays away from 0
    assert t.hamiltonian_gap.min() > 0.07


def test_fold_does_not_depend_on_the_step() -> None:
    fine = np.concatenate([np.linspace(0.0, 0.3215, 12), np.arange(0.32151, 0.3217, 1e-5)])
    trace = cara.continuation_trace(B, UNIFORM, fine)
    assert trace.scales[-1] == pytest.approx(0.32158, abs=1e-9)
    assert trace.failed_scale == pytest.approx(0.32159, abs=1e-9)
    assert trace.jacobian_min_sv[-1] < 0.01


def test_trace_stops_at_first_failure_and_solve_cara_raises_its_message() -> None:
    trace = cara.continuation_trace(B, np.full(5, 0.4), np.linspace(0.0, 1.0, 6))
    assert trace.failed_scale == 1.0
    np.testing.assert_array_equal(trace.scales, np.linspace(0.0, 0.8, 5))
    with pytest.raises(cara.CaraExistenceError) as error:
        cara.solve_cara(B, np.full(5, 0.4))
    assert str(error.value) == trace.failure
    empty = cara.continuation_trace(B, UNIFORM, [0.4, 0.5])
    assert empty.failed_scale == 0.4
    assert empty.P.shape == (0, 5) and empty.Q.shape == (0, 5, 5) and empty.residual.size == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scales": [0.0, 0.2, 0.1]}, "scales must"),
    ({"scales": [0.1, 0.1]}, "scales must"),
    ({"scales": [-0.1, 0.1]}, "scales must"),
    ({"scales": []}, "scales must"),
    ({"scales": [[0.0, 0.1]]}, "scales must"),
    ({"scales": [0.0, np.nan]}, "scales must be finite"),
    ({"sigma": np.ones(4)}, "sigma must"),
    ({"sigma": -UNIFORM}, "sigma must"),
    ({"alpha": [1.0, 2.0]}, "alpha must"),
    ({"alpha": [1.0, -2.0, 3.0]}, "alpha must"),
    ({"r": 0.0}, "r must be > 0"),
    ({"tol": -1.0}, "tol must be > 0"),
])
def test_trace_bad_inputs(kwargs, message) -> None:
    args = {"alpha": B, "sigma": UNIFORM, "scales": [0.0, 0.1]} | kwargs
    with pytest.raises(ValueError, match=message):
        cara.continuation_trace(**args)
