"""Tests of the Monte Carlo checks of ``lib.signals.verification``: the conditioned study of the
terminal variance of Figure 8, the mean formula (4.3) and the Gaussian cross-section."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from lib.signals import crosssection, simulate, verification
from lib.signals.params import P6, P9

SMALL = {"agents": 10, "markets": 40, "n_steps": 50}


def test_conditioning_fixes_each_initial_sample_variance_and_keeps_the_mean() -> None:
    q0, v0 = verification.conditioned_initial_state(np.random.default_rng(1), 30, 50, 0.24)
    assert q0.shape == v0.shape == (30, 50)
    np.testing.assert_allclose(q0.var(axis=1, ddof=1), 0.24, rtol=0.0, atol=1e-12)
    drawn = np.random.default_rng(1).normal(0.0, 0.5, (30, 50))
    np.testing.assert_allclose(q0.mean(axis=1), drawn.mean(axis=1), rtol=0.0, atol=1e-14)
    # the deviations are only scaled: each market's inventories keep their correlation
    for row, original in zip(q0, drawn, strict=True):
        assert np.corrcoef(row, original)[0, 1] == pytest.approx(1.0, abs=1e-12)


def test_study_statistics_and_standard_errors_match_a_direct_recomputation() -> None:
    study = verification.terminal_variance_study(P6, seed=7, threshold=0.3, **SMALL)
    rng = np.random.default_rng(7)
    q0, v0 = verification.conditioned_initial_state(rng, SMALL["markets"], SMALL["agents"],
                                                    0.24)
    result = simulate.simulate_separate(P6, N=SMALL["agents"], n_steps=SMALL["n_steps"],
                                        rng=rng, Q0=q0, V0=v0, replications=SMALL["markets"])
    np.testing.assert_allclose(result.Q[0].var(axis=1, ddof=1), 0.24, atol=1e-12)
    x = result.Q[-1].var(axis=1, ddof=1)
    n = SMALL["markets"]
    tail = np.mean(x >= 0.3)
    assert 0.0 < tail < 1.0
    assert study.mean == pytest.approx(x.mean(), rel=1e-12)
    assert study.standard_error == pytest.approx(x.std(ddof=1) / np.sqrt(n), rel=1e-12)
    assert (study.low, study.high) == pytest.approx(tuple(np.quantile(x, [0.05, 0.95])))
    assert study.tail == pytest.approx(tail)
    assert study.tail_standard_error == pytest.approx(np.sqrt(tail * (1.0 - tail) / n))
    assert study.percentile_rank == pytest.approx(100.0 * np.mean(x < 0.3))
    mean_field = crosssection.cross_section_cov(P6, np.diag([0.24, 0.02**2]), P6.T)[0, 0]
    assert study.mean_field == pytest.approx(mean_field, rel=1e-12)
    assert study.z_score == pytest.approx((x.mean() - mean_field) / study.standard_error)


def test_study_mean_agrees_with_the_conditioned_mean_field() -> None:
    study = verification.terminal_variance_study(P6, seed=2, agents=20, markets=400,
                                                 n_steps=200)
    assert abs(study.z_score) < 4.0
    assert study.low < study.mean < study.high


def test_study_is_reproducible_with_a_seed() -> None:
    first = verification.terminal_variance_study(P6, seed=3, **SMALL)
    assert verification.terminal_variance_study(P6, seed=3, **SMALL) == first
    assert verification.terminal_variance_study(P6, seed=4, **SMALL).mean != first.mean


@pytest.mark.parametrize(("name", "value"), [
    ("seed", -1), ("agents", 1), ("markets", 1), ("n_steps", 0), ("initial_variance", 0.0),
    ("threshold", float("nan")), ("p", "P6")])
def test_study_rejects_bad_parameters_by_name(name: str, value: object) -> None:
    kwargs = {"p": P6, "seed": 0, **SMALL, name: value}
    with pytest.raises(ValueError, match=rf"^{name}(\[\d+\])? must"):
        verification.terminal_variance_study(**kwargs)


@pytest.mark.parametrize(("function", "name", "value"), [
    (verification.average_check, "ybar0", (1.0, 2.0, 3.0)),
    (verification.average_check, "replications", 1),
    (verification.average_check, "agents", 0),
    (verification.cross_section_shape, "initial", "cauchy"),
    (verification.cross_section_shape, "sd", (0.5,)),
    (verification.cross_section_shape, "sd", (0.5, -1.0)),
    (verification.cross_section_shape, "replications", 0)])
def test_checks_reject_bad_parameters_by_name(function, name: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"^{name}(\[\d+\])? must"):
        function(seed=0, **{name: value})


def test_average_moments_vanish_without_drift_or_initial_average() -> None:
    p = P9.replace(mu=0.0, rho=0.5)
    mean, cov = verification.average_moments(p, (0.0, 0.0), np.linspace(0.0, 1.0, 5))
    np.testing.assert_allclose(mean, 0.0, atol=1e-13)
    assert np.all(np.diagonal(cov[:, :, 1:]) > 0.0)
    _, none = verification.average_moments(p.replace(rho=0.0), (0.3, 0.05), 1.0)
    np.testing.assert_allclose(none, 0.0, atol=1e-15)


def test_average_moments_agree_with_a_direct_ode_solve() -> None:
    p, ybar0 = P9.replace(mu=0.2, rho=0.5), np.array([0.3, 0.05])
    t = np.array([0.0, 0.3, 0.7, 1.0])
    noise = np.diag([0.0, p.rho**2 * p.eta**2])

    def rhs(s: float, y: np.ndarray) -> np.ndarray:
        a, _, c = crosssection.mf_matrices(p, s)
        m, cov = y[:2], y[2:].reshape(2, 2)
        return np.concatenate([a + c @ m, (c @ cov + cov @ c.T + noise).ravel()])

    direct = solve_ivp(rhs, (0.0, 1.0), np.concatenate([ybar0, np.zeros(4)]), method="DOP853",
                       rtol=1e-12, atol=1e-14, t_eval=t).y
    mean, cov = verification.average_moments(p, ybar0, t)
    np.testing.assert_allclose(mean, direct[:2], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(cov.reshape(4, -1), direct[2:], rtol=1e-8, atol=1e-12)
    assert np.abs(mean[0, -1] - ybar0[0]) > 0.1  # the drift a_t matters here
    _, finite = verification.average_moments(p, ybar0, t, agents=20)
    np.testing.assert_allclose(finite, cov * (0.25 + 0.75 / 20) / 0.25, rtol=1e-12)


def test_propagator_maps_the_initial_covariance_without_noise() -> None:
    p, sigma0 = P6.replace(eta=0.0), np.array([[0.3, 0.01], [0.01, 0.2]])
    psi = verification.propagator(p, p.T)
    np.testing.assert_allclose(psi @ sigma0 @ psi.T,
                               crosssection.cross_section_cov(p, sigma0, p.T), rtol=1e-8)


def test_average_check_passes_and_fails_on_a_wrong_theory() -> None:
    result = verification.average_check(seed=1, agents=5, replications=600, n_steps=100)
    result.check(limit=4.0)
    assert "| E Qbar_T |" in result.markdown()
    var_q, var_v, cov = result.simulated[2:]
    np.testing.assert_allclose(result.standard_error[2:],
                               [var_q * np.sqrt(2.0 / 599), var_v * np.sqrt(2.0 / 599),
                                np.sqrt((var_q * var_v + cov**2) / 599)], rtol=1e-12)
    wrong = dataclasses.replace(result, theory=result.theory * np.array([1, 1, 1.5, 1, 1]))
    with pytest.raises(AssertionError, match="Var Qbar_T"):
        wrong.check()


def test_shape_standard_errors_are_the_normal_ones_for_gaussian_data() -> None:
    z = np.random.default_rng(0).standard_normal(200_000)
    z = (z - z.mean()) / z.std()
    skew, kurt = verification.shape_standard_errors(z)
    assert skew == pytest.approx(np.sqrt(6.0 / z.size), rel=0.03)
    assert kurt == pytest.approx(np.sqrt(24.0 / z.size), rel=0.05)


def test_gaussian_cross_section_stays_gaussian_and_uniform_one_does_not() -> None:
    small = {"agents": 1000, "replications": 4, "n_steps": 100}
    gaussian = verification.cross_section_shape(seed=2, **small)
    np.testing.assert_array_equal(gaussian.theory, 0.0)
    gaussian.check(limit=4.0)
    uniform = verification.cross_section_shape(seed=2, initial="uniform", **small)
    assert np.all(uniform.theory[[1, 3]] < -0.3)
    uniform.check(limit=4.0)
    with pytest.raises(AssertionError, match="excess kurtosis of Q_T"):
        dataclasses.replace(uniform, theory=gaussian.theory).check()


def test_finite_population_against_the_mean_field() -> None:
    """Finitely many agents from SIGMA0 reproduce the mean-field covariance at T; a wrong mean
    field is named by its row."""
    result = verification.finite_population(seed=3, agents=200, replications=20, n_steps=200)
    result.check(limit=4.0)
    assert result.holds(4.0)
    assert "| quantity | simulated | s.e. | mean field | z |" in result.markdown()
    wrong = dataclasses.replace(result, theory=result.theory * np.array([1.3, 1, 1]))
    assert not wrong.holds(4.0)
    with pytest.raises(AssertionError, match=r"from the mean field: \['Var Q'\]"):
        wrong.check()
