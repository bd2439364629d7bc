"""Stage timings: ``stage_seconds_`` and the live stage listener."""

import numpy as np
import pytest

from gpu_clover import KMeansSMOTE
from gpu_clover._timing import stage_listener

STAGES = {"validate", "cluster", "neighbors", "distribute", "generate", "assemble"}


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
        elif stage != "validate":  # recorded once it has ended: no start event
            assert open_stages.pop() == stage  # stages nest: the innermost ends first
    assert open_stages == []
    assert {stage for kind, stage in events if kind == "start"} == STAGES - {"validate"}
