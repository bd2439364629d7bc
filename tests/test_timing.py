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
