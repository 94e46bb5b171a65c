"""lib.liquidity_pools.learning: the per-slice errors of one adaptive run (the chapter's run
with the default knobs, the same for a seed in any process), the summaries of a study over
seeds (shapes, ordered bands, the cache passed on), faster learning with more fills per
slice, and bad arguments refused before anything runs.

The studies run on one shared local cluster of two single-threaded processes, on a reduced
problem (an order of 400 shares: 21 inventory nodes instead of 51).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster

from lib import parallel
from lib.liquidity_pools import adaptive, fd, learning
from lib.liquidity_pools.params import default_params, min_decisions, probability_bound

SMALL = {"order": 400.0, "horizon": 4}
"""A reduced problem: 400 shares over 4 slices (100 shares a slice, as fast as the chapter's
order early on)."""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a local cluster of two single-threaded processes that have imported
    the module under test."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.ERROR) as cluster:
        with Client(cluster, set_as_default=False) as client:
            client.run(importlib.import_module, learning.__name__)
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def tiny(scheduler: str) -> learning.LearningStudy:
    return learning.learning_study([0, 1, 2, 3], n_slices=3, **SMALL, scheduler=scheduler)


def refuse_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to reach or start a cluster fail."""
    def refused(*args: object) -> None:
        raise AssertionError("a cluster was started or reached")
    monkeypatch.setattr(parallel, "_client", refused)


def test_default_knobs_give_the_chapter_run() -> None:
    truth, rho_true, prior = adaptive.default_truth_and_prior()
    history = adaptive.run_adaptive(truth, rho_true, prior, n_slices=2, grid=fd.FDGrid(20, 20),
                                    seed=2020)
    run = learning.learning_errors(2020, n_slices=2)
    assert set(run.errors) == set(learning.group_names(2))
    np.testing.assert_array_equal(run.errors["p_full_1"],
                                  np.abs(history.fraction_probs[:, 0, 0] - 0.8))
    np.testing.assert_array_equal(run.errors["drift"], np.abs(history.mu_hat - 0.01))
    ten = np.linalg.matrix_power   # the one-slice matrices, P(Δt)^10 = P(T_s)
    np.testing.assert_allclose(
        run.errors["imbalance_2"],
        [np.abs(ten(p, 10) - ten(history.true_imbalance_P[1], 10)).max()
         for p in history.imbalance_P[:, 1]], rtol=1e-12, atol=1e-15)
    weight = history.exposure[-1, 1]
    relative = np.abs(history.rho_hat[:, 1] / history.true_rho[1] - 1)
    np.testing.assert_allclose(run.errors["rho_2"], relative @ weight / weight.sum(), rtol=1e-12)
    # the prior: P(full) 0.2 against 0.8, μ0 = 0 against 0.01, ρ of venue 2 2.0 against 1.2
    assert run.errors["p_full_1"][0] == pytest.approx(0.6)
    assert run.errors["rho_2"][0] == pytest.approx(0.8 / 1.2)
    assert run.errors["p_full_2"][0] == 0.0
    np.testing.assert_array_equal(run.fills, [np.sum(log.venue >= 0) for log in history.logs])
    np.testing.assert_array_equal(run.venue_fills, history.fills.sum(axis=2))


def test_scenario_scales_truth_and_prior_alike() -> None:
    truth, rho_true, prior = learning.scenario(intensity_scale=3.0, decisions=30)
    truth0, rho0, prior0 = adaptive.default_truth_and_prior()
    np.testing.assert_allclose(rho_true, 3.0 * rho0)
    np.testing.assert_allclose(prior.rho.mean(), 3.0 * prior0.rho.mean())
    np.testing.assert_allclose(prior.rho.alpha, prior0.rho.alpha)     # same relative spread
    assert truth.Nt == prior.params.Nt == 30
    assert truth.mu == truth0.mu and prior.drift.s0 == prior0.drift.s0


def test_regime_scale_speeds_up_the_chains_in_truth_and_prior() -> None:
    truth, _, prior = learning.scenario(regime_scale=4.0)
    truth0, _, prior0 = adaptive.default_truth_and_prior()
    for model, model0 in ((truth, truth0), (prior.params, prior0.params)):
        for venue, venue0 in zip(model.venues, model0.venues, strict=True):
            for name in ("spread_generator", "imbalance_generator"):
                np.testing.assert_allclose(np.array(getattr(venue, name)),
                                           4.0 * np.array(getattr(venue0, name)))
            assert venue.intensity == venue0.intensity


def test_a_seed_gives_the_same_errors_in_any_process(tiny: learning.LearningStudy) -> None:
    here = learning.learning_errors(2, n_slices=3, **SMALL)
    again = learning.learning_errors(2, n_slices=3, **SMALL)
    worker = tiny.runs[tiny.seeds.index(2)]
    for other in (again, worker):
        assert set(other.errors) == set(here.errors)
        for group, errors in here.errors.items():
            np.testing.assert_array_equal(other.errors[group], errors)
        np.testing.assert_array_equal(other.fills, here.fills)
    # another seed, another market
    assert not np.array_equal(tiny.runs[tiny.seeds.index(3)].errors["drift"],
                              here.errors["drift"])


def test_a_tiny_study_has_its_shapes_and_ordered_bands(tiny: learning.LearningStudy) -> None:
    assert tiny.n_runs == 4 and tiny.failures == ()
    assert tiny.groups == learning.group_names(2)
    np.testing.assert_array_equal(tiny.slices, [0, 1, 2, 3])
    assert tiny.fills_median.shape == (3,) and tiny.seconds.shape == (4,)
    assert tiny.quantiles == (0.1, 0.9)
    for group in tiny.groups:
        low, median, high = tiny.low[group], tiny.median[group], tiny.high[group]
        assert low.shape == median.shape == high.shape == (4,)
        assert np.all(np.isfinite(median))
        assert np.all(low <= median + 1e-15) and np.all(median <= high + 1e-15)
        stack = np.stack([r.errors[group] for r in tiny.runs])
        np.testing.assert_allclose(median, np.median(stack, axis=0))
        assert np.all(stack >= 0)
    # every run starts from the same prior: no spread at slice 0
    assert tiny.low["p_full_1"][0] == tiny.high["p_full_1"][0] == pytest.approx(0.6)
    assert tiny.at("p_full_1", [0, 2, 99]) == [
        (tiny.median["p_full_1"][k], tiny.low["p_full_1"][k], tiny.high["p_full_1"][k])
        for k in (0, 2)]
    assert tiny.fills_per_slice > 0
    counts, medians, sizes = tiny.by_fills("p_full_1", 1)
    assert counts[0] == 0 and medians[0] == pytest.approx(0.6) and sizes.sum() == 4 * 4


def test_the_cache_is_passed_on(scheduler: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = learning.learning_study([5, 6], n_slices=2, **SMALL, cache=tmp_path,
                                    scheduler=scheduler)
    assert len(list(tmp_path.rglob("*.pkl"))) == 2
    refuse_clusters(monkeypatch)
    second = learning.learning_study([5, 6], n_slices=2, **SMALL, cache=tmp_path,
                                     scheduler=scheduler)
    for group in first.groups:
        np.testing.assert_array_equal(second.median[group], first.median[group])


def test_more_fills_per_slice_learn_faster(scheduler: str) -> None:
    """Four times the intensities (and the decision steps) over the same seeds, with an order
    that needs the fills: about three times the fills per slice and a lower error of venue 1's
    P(full execution) over the first two slices."""
    seeds = list(range(12))
    common = {"order": 400.0, "horizon": 2, "n_slices": 2, "scheduler": scheduler}
    slow = learning.learning_study(seeds, **common)
    fast = learning.learning_study(seeds, intensity_scale=4.0, decisions=40, **common)
    assert fast.fills_per_slice > 2 * slow.fills_per_slice

    def mean_error(study: learning.LearningStudy) -> float:
        return float(np.mean([r.errors["p_full_1"][1:] for r in study.runs]))

    assert mean_error(fast) < 0.7 * mean_error(slow)
    assert fast.median["p_full_1"][-1] < slow.median["p_full_1"][-1]


def _study(median: list[float]) -> learning.LearningStudy:
    values = np.array(median)
    return learning.LearningStudy(
        scenario={}, seeds=(0,), quantiles=(0.1, 0.9), runs=(), failures=(),
        median={"x": values}, low={"x": values}, high={"x": values},
        fills_median=np.ones(len(values) - 1), seconds=np.zeros(0), wall_seconds=0.0)


def test_slices_below_reads_the_median() -> None:
    study = _study([0.6, 0.2, 0.4, 0.08, 0.05, 0.09])
    assert study.slices_below("x", 0.3, stay=False) == 1
    assert study.slices_below("x", 0.3) == 3
    assert study.slices_below("x", 0.1) == 3
    assert study.slices_below("x", 0.07, stay=False) == 4
    assert study.slices_below("x", 0.07) is None
    assert study.slices_below("x", 0.01, stay=False) is None
    assert study.slices_below("x", 1.0) == 0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: learning.learning_errors(-1), "seed"),
    (lambda: learning.learning_errors(0, n_slices=0), "n_slices"),
    (lambda: learning.learning_errors(0, n_slices=21), "n_slices"),
    (lambda: learning.learning_errors(0, intensity_scale=0.0), "intensity_scale"),
    (lambda: learning.learning_errors(0, decisions=0), "decisions"),
    (lambda: learning.learning_errors(0, intensity_scale=3.0), "decisions"),
    (lambda: learning.learning_errors(0, lot=30.0), "lot"),
    (lambda: learning.learning_errors(0, order=-5.0), "order"),
    (lambda: learning.learning_errors(0, horizon=0), "horizon"),
    (lambda: learning.learning_study([]), "seeds"),
    (lambda: learning.learning_study([1, 1]), "seeds"),
    (lambda: learning.learning_study("01"), "seeds"),
    (lambda: learning.learning_study([0], n_slices=30), "n_slices"),
    (lambda: learning.learning_study([0], intensity_scale=2.0), "intensity_scale"),
    (lambda: learning.learning_study([0], quantiles=(0.6, 0.9)), "quantiles"),
    (lambda: learning.learning_study([0], cache=3), "cache"),
    (lambda: learning.learning_study([0], workers=0), "workers"),
    (lambda: learning.learning_study([0], lot=30.0), "lot"),
    (lambda: _study([0.5, 0.1]).slices_below("y", 0.1), "group"),
    (lambda: _study([0.5, 0.1]).slices_below("x", 0.0), "threshold"),
])
def test_bad_arguments_are_refused_before_anything_runs(call, name: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_clusters(monkeypatch)
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0, 4.0])
def test_min_decisions_is_the_fewest_that_keep_the_bound(scale: float) -> None:
    p = default_params("identical")
    nt = min_decisions(p, scale)
    scaled = p.replace(Nt=nt, venues=tuple(dataclasses.replace(v, intensity=scale * v.intensity)
                                           for v in p.venues))
    assert probability_bound(scaled) <= 1.0
    with pytest.raises(ValueError, match="probability bound violated"):
        scaled.replace(Nt=nt - 1)
