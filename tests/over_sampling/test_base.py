"""The shared pipeline (``over_sampling/_base.py``): concurrent calls on one instance, foreign
distributors, clusterers with malformed ``labels_`` / ``neighbors_``."""

import threading

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, KMeansSMOTE
from gpu_clover.cluster import KMeans


def _datasets():
    """Four binary data sets of different sizes (so each call's fitted attributes tell which one it had)."""
    rng = np.random.default_rng(0)
    sets = []
    for i in range(4):
        n = 120 + 40 * i
        sets.append((rng.normal(size=(n, 3)), (np.arange(n) % 4 == 0).astype(int)))
    return sets


THREADED = [
    lambda: SMOTE(random_state=1, backend="numpy"),
    lambda: GeometricSMOTE(random_state=1, backend="numpy"),
    lambda: KMeansSMOTE(random_state=1, kmeans_estimator=3, backend="numpy"),
    lambda: SOMO(random_state=1, backend="numpy"),
    lambda: ClusterOverSampler(
        make_pipeline(StandardScaler(), RandomOverSampler()), KMeans(3, random_state=0), random_state=1, backend="numpy"
    ),
]


@pytest.mark.parametrize("make", THREADED)
def test_concurrent_calls_on_one_instance(make):
    """Four threads x three calls on one instance: each call returns what it returns alone, and the
    fitted attributes afterwards all come from one call."""
    sets = _datasets()
    alone = [make().fit_resample(X, y) for X, y in sets]
    shared = make()
    results = {}
    barrier = threading.Barrier(4)

    def work(i):  # an exception ends the thread (pytest reports it) and leaves its results missing
        barrier.wait()
        for attempt in range(3):
            results[i, attempt] = shared.fit_resample(*sets[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 12
    for (i, _), (X_res, y_res) in results.items():
        np.testing.assert_array_equal(X_res, alone[i][0])
        np.testing.assert_array_equal(y_res, alone[i][1])
    (i,) = [i for i, (X, y) in enumerate(sets) if len(shared.labels_) == len(y)]
    expected = make().fit(*sets[i])
    expected.fit_resample(*sets[i])
    assert shared.sampling_strategy_ == expected.sampling_strategy_
    np.testing.assert_array_equal(shared.labels_, expected.labels_)
    assert shared.n_features_in_ == 3 and set(shared.stage_seconds_) == set(expected.stage_seconds_)
    if isinstance(shared, (SMOTE, GeometricSMOTE)):
        assert shared.oversampler_ is shared


def test_pipeline_oversampler_steps_are_not_fitted_in_place():
    scaler = StandardScaler()
    X, y = _datasets()[0]
    ClusterOverSampler(make_pipeline(scaler, RandomOverSampler()), KMeans(3, random_state=0), backend="numpy").fit_resample(X, y)
    assert not hasattr(scaler, "mean_")
