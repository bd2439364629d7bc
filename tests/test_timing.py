"""Stage timings: ``stage_seconds_`` and the live stage listener."""

import time

import numpy as np
import pytest

from gpu_clover import SMOTE, SOMO, KMeansSMOTE
from gpu_clover._timing import STAGES as PIPELINE
from gpu_clover._timing import StageTimer, stage_listener

STAGES = set(PIPELINE)


def test_stage_seconds_and_listener_agree():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = np.r_[np.zeros(540, dtype=int), np.ones(60, dtype=int)]
    heard = []
    sampler = KMeansSMOTE(kmeans_estimator=4, random_state=0, backend="numpy")
    with stage_listener(lambda stage, seconds: heard.append((stage, seconds))):
        sampler.fit_resample(X, y)
    assert set(sampler.stage_seconds_) == STAGES
    assert heard[0][0] == "validate" and heard[-1][0] == "assemble"
    for stage in STAGES:
        assert sum(s for name, s in heard if name == stage) == pytest.approx(sampler.stage_seconds_[stage])
    assert all(seconds >= 0 for _, seconds in heard)
    # outside the context nothing is reported
    heard.clear()
    sampler.fit_resample(X, y)
    assert heard == []


def test_listener_hears_each_timed_stage_start_before_its_end():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = np.r_[np.zeros(540, dtype=int), np.ones(60, dtype=int)]
    events = []
    with stage_listener(lambda stage, seconds: events.append(("end", stage)), on_start=lambda stage: events.append(("start", stage))):  # fmt: skip
        KMeansSMOTE(kmeans_estimator=4, random_state=0, backend="numpy").fit_resample(X, y)
    open_stages = []
    for kind, stage in events:
        if kind == "start":
            open_stages.append(stage)
        else:
            assert open_stages.pop() == stage  # stages nest: the innermost ends first
    assert open_stages == []
    assert {stage for kind, stage in events if kind == "start"} == STAGES
    assert events[0] == ("start", "validate")


@pytest.mark.parametrize("sampler", [KMeansSMOTE(kmeans_estimator=4), SMOTE(), SOMO()], ids=lambda s: type(s).__name__)
def test_stage_seconds_are_in_pipeline_order_and_add_up_to_at_most_the_fit(sampler):
    """The neighbour work runs inside "distribute" and "generate", whichever asks first (SMOTE's
    distributor needs no distance sums: its first neighbour work is in "generate"); it is
    counted once, apart from them, and listed before them."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = np.r_[np.zeros(540, dtype=int), np.ones(60, dtype=int)]
    sampler.set_params(random_state=0, backend="numpy")
    start = time.perf_counter()
    sampler.fit_resample(X, y)
    elapsed = time.perf_counter() - start
    assert list(sampler.stage_seconds_) == list(PIPELINE)
    assert sum(sampler.stage_seconds_.values()) <= elapsed  # no second counted twice


def test_nested_stage_is_counted_apart_from_its_parents():
    timer = StageTimer()
    with timer.stage("generate"), timer.stage("neighbors"):
        time.sleep(0.02)
    with timer.stage("distribute"), timer.stage("neighbors"):
        time.sleep(0.02)
    timer.record("custom", 1.0)
    timer.record("validate", 0.5)
    assert list(timer.seconds) == ["validate", "neighbors", "distribute", "generate", "custom"]
    assert timer.seconds["neighbors"] >= 0.04 > timer.seconds["distribute"] + timer.seconds["generate"]


def test_failed_validation_is_not_hidden_by_the_timer():
    with pytest.raises(ValueError, match="Found input variables with inconsistent numbers of samples"):
        KMeansSMOTE(backend="numpy").fit_resample(np.zeros((5, 2)), np.zeros(4))
