"""gpu_clover.dask on a 2-process LocalCluster: counts, geometry, parity with one machine, partitioning, failures."""

import os
import signal
import time
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import gpu, make_imbalanced
from sklearn.utils.validation import check_is_fitted

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import gpu_clover  # noqa: E402 (only once dask is known to be importable)
from gpu_clover import dask as gdask  # noqa: E402

COUNTS = [3000, 450, 200]
N_CLUSTERS = 4


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0", memory_limit="2GiB"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def data():
    return make_imbalanced(COUNTS, n_features=4, n_blobs=3, seed=3)


def dask_sampler(**params):
    return gdask.KMeansSMOTE(random_state=7, kmeans_estimator=N_CLUSTERS, backend="numpy", **params)


def resample(X, y, chunks, sampler=None):
    sampler = sampler or dask_sampler()
    X_res, y_res = sampler.fit_resample(da.from_array(X, chunks=(chunks, 2)), da.from_array(y, chunks=chunks))
    assert isinstance(X_res, da.Array) and isinstance(y_res, da.Array)
    X_res, y_res = distributed.get_client().compute([X_res, y_res], sync=True)
    return sampler, X_res, y_res


def nearest(rows, centers):
    return np.argmin(((rows[:, None, :] - centers[None]) ** 2).sum(axis=2), axis=1)


def group_counts(centers, rows, labels):
    """Rows per (cluster, class): a synthetic row lies inside its cluster's (convex) Voronoi cell."""
    return Counter(zip(nearest(rows, centers).tolist(), labels.tolist()))


def test_counts_exact_and_equal_to_single_machine(client, data):
    X, y = data
    sampler, X_res, y_res = resample(X, y, chunks=1000)
    assert Counter(y_res.tolist()) == {0: 3000, 1: 3000, 2: 3000}
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)

    single = gpu_clover.KMeansSMOTE(random_state=7, kmeans_estimator=N_CLUSTERS, backend="numpy")
    X_one, y_one = single.fit_resample(X, y)
    labels = sampler.labels_.compute()
    np.testing.assert_array_equal(labels, single.labels_)  # same seed: the same k-means labels
    assert single.distributor_.intra_distribution_ == sampler.distributor_.intra_distribution_
    assert single.sampling_strategy_ == sampler.sampling_strategy_
    centers, new = sampler.clusterer_.cluster_centers_, slice(len(X), None)
    assert group_counts(centers, X_res[new], y_res[new]) == group_counts(centers, X_one[new], y_one[new])
    np.testing.assert_allclose(X_res, X_one, rtol=0, atol=1e-12)


def test_the_dask_fitted_kmeans_is_a_fitted_kmeans(client, data):
    """The Dask layer publishes its k-means through the cluster package's interface: the clusterer
    is fitted as ``KMeans.fit`` fits it (the single machine's centers, iterations and feature
    count) and predicts the labels the sampler used."""
    X, y = data
    sampler, _, _ = resample(X, y, chunks=1000)
    single = gpu_clover.KMeansSMOTE(random_state=7, kmeans_estimator=N_CLUSTERS, backend="numpy")
    single.fit_resample(X, y)
    kmeans = sampler.clusterer_
    check_is_fitted(kmeans)
    assert kmeans.n_features_in_ == X.shape[1] and kmeans.n_iter_ == single.clusterer_.n_iter_
    np.testing.assert_allclose(kmeans.cluster_centers_, single.clusterer_.cluster_centers_, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(kmeans.predict(X), sampler.labels_.compute())


def test_synthetic_rows_on_segments_of_their_group(client):
    X, y = make_imbalanced([600, 90, 50], n_features=3, n_blobs=2, seed=5)
    sampler, X_res, y_res = resample(X, y, chunks=170)
    labels = sampler.labels_.compute()
    centers = sampler.clusterer_.cluster_centers_
    new, new_y = X_res[len(X) :], y_res[len(X) :]
    for row, cluster, label in zip(new, nearest(new, centers), new_y):
        members = X[(labels == cluster) & (y == label)]
        assert _on_some_segment(row, members), row


def _on_some_segment(point, members):
    """Whether ``point`` lies on a segment between two rows of ``members``."""
    direction = members[None, :, :] - members[:, None, :]  # b - a, for every pair (a, b)
    offset = point[None, :] - members  # point - a
    length_sq = (direction**2).sum(axis=2)
    t = np.where(length_sq > 0, np.einsum("abd,ad->ab", direction, offset) / np.maximum(length_sq, 1e-300), 0.0)
    residual = offset[:, None, :] - t[:, :, None] * direction
    close = (np.abs(residual).max(axis=2) < 1e-9) & (t >= -1e-12) & (t <= 1 + 1e-12)
    return bool(close.any())


def test_independent_of_partitioning(client, data):
    X, y = data
    _, X_a, y_a = resample(X, y, chunks=1000)
    _, X_b, y_b = resample(X, y, chunks=3000)
    _, X_c, y_c = resample(X, y, chunks=777)
    for X_other, y_other in ((X_b, y_b), (X_c, y_c)):
        np.testing.assert_array_equal(y_a, y_other)
        np.testing.assert_allclose(np.sort(X_a, axis=0), np.sort(X_other, axis=0), rtol=0, atol=1e-12)
        np.testing.assert_allclose(X_a, X_other, rtol=0, atol=1e-12)


def test_dataframe_in_dataframe_out(client, data):
    X, y = data
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(X.shape[1])])
    target = pd.Series(y, name="target")
    X_res, y_res = dask_sampler().fit_resample(
        dd.from_pandas(frame, npartitions=3), dd.from_pandas(target, npartitions=3)
    )
    assert isinstance(X_res, dd.DataFrame) and isinstance(y_res, dd.Series)
    X_res, y_res = client.compute([X_res, y_res], sync=True)
    assert list(X_res.columns) == list(frame.columns) and (X_res.dtypes == np.float32).all()
    assert y_res.name == "target" and Counter(y_res.tolist()) == {0: 3000, 1: 3000, 2: 3000}
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)].reset_index(drop=True), frame)


def test_cluster_over_sampler_without_clusterer_is_smote(client, data):
    X, y = data
    sampler = gdask.ClusterOverSampler(gpu_clover.SMOTE(k_neighbors=3), random_state=1, backend="numpy")
    _, X_res, y_res = resample(X, y, chunks=1500, sampler=sampler)
    X_one, y_one = gpu_clover.SMOTE(k_neighbors=3, random_state=1, backend="numpy").fit_resample(X, y)
    np.testing.assert_array_equal(y_res, y_one)
    np.testing.assert_allclose(X_res, X_one, rtol=0, atol=1e-12)


def test_random_state_attribute_as_on_one_machine(client, data):
    X, y = data
    X, y = da.from_array(X, chunks=1500), da.from_array(y, chunks=1500)
    sampler = dask_sampler()
    sampler.fit(X, y)
    assert sampler.random_state_.randint(1 << 30) == np.random.RandomState(7).randint(1 << 30)
    seeded = np.random.RandomState(2)
    sampler = gdask.ClusterOverSampler(gpu_clover.SMOTE(), random_state=seeded, backend="numpy")
    sampler.fit_resample(X, y)
    assert sampler.random_state_ is seeded
    with pytest.raises(TypeError, match=r"positional argument"):
        gdask.KMeansSMOTE("auto", 7)


class _ShortLabels:
    """A stand-in for a Dask-native clusterer (dask_ml's module) whose ``predict`` drops a row."""

    __module__ = "dask_ml.stand_in"

    def get_params(self, deep=True):
        return {}

    def fit(self, X):
        return self

    def predict(self, X):
        return da.zeros(X.shape[0] - 1, chunks=X.shape[0] - 1, dtype=np.int64)


def test_dask_native_clusterer_with_labels_of_another_shape(data):
    X, y = data
    sampler = gdask.ClusterOverSampler(gpu_clover.SMOTE(), _ShortLabels(), backend="numpy")
    with pytest.raises(
        ValueError, match=r"_ShortLabels's `predict\(X\)` must give one cluster label per row, shape \(n_samples,\)"
    ):
        sampler.fit_resample(da.from_array(X, chunks=(1000, 2)), da.from_array(y, chunks=1000))


def test_worker_killed_mid_run_gives_the_complete_result(client, data):
    X, y = data
    _, X_ref, y_ref = resample(X, y, chunks=500)
    # A slow source, so the computation is still running when one worker process dies.
    X_slow = da.from_array(X, chunks=(500, 2)).map_blocks(lambda block: (time.sleep(0.25), block)[1], dtype=X.dtype)
    X_res, y_res = dask_sampler().fit_resample(X_slow, da.from_array(y, chunks=500))
    futures = client.compute([X_res, y_res])
    pids = client.run(os.getpid)
    deadline, victim = time.monotonic() + 30, None
    while victim is None and time.monotonic() < deadline:
        busy = [address for address, tasks in client.processing().items() if tasks]
        victim = busy[0] if busy else time.sleep(0.02)
    assert victim is not None, "the computation never started"
    os.kill(pids[victim], signal.SIGKILL)
    X_out, y_out = client.gather(futures)
    np.testing.assert_array_equal(y_out, y_ref)
    np.testing.assert_allclose(X_out, X_ref, rtol=0, atol=1e-12)
    client.wait_for_workers(2, timeout=60)


@gpu
@pytest.mark.parametrize("cupy_chunks", [False, True], ids=["numpy-chunks", "cupy-chunks"])
def test_gpu_workers_agree_with_the_numpy_backend(client, data, cupy_chunks):
    """backend='cupy' on the workers (after the run above, one of them restarted): exact
    counts, the numpy backend's k-means labels and rows per group, synthetic rows on
    segments of their group; CuPy chunks come back as CuPy chunks."""
    import cupy as cp

    X, y = data
    to_device = cp.asarray if cupy_chunks else np.asarray
    sampler = gdask.KMeansSMOTE(random_state=7, kmeans_estimator=N_CLUSTERS, backend="cupy")
    X_res, y_res = sampler.fit_resample(
        da.from_array(to_device(X), chunks=(1000, 2)), da.from_array(to_device(y), chunks=1000)
    )
    X_res, y_res = client.compute([X_res, y_res], sync=True)
    assert isinstance(X_res, cp.ndarray) == cupy_chunks and isinstance(y_res, cp.ndarray) == cupy_chunks
    X_res, y_res = cp.asnumpy(X_res), cp.asnumpy(y_res)
    assert Counter(y_res.tolist()) == {0: 3000, 1: 3000, 2: 3000}
    np.testing.assert_array_equal(X_res[: len(X)], X)

    reference, X_ref, y_ref = resample(X, y, chunks=1000)
    labels = cp.asnumpy(sampler.labels_.compute())
    np.testing.assert_array_equal(labels, reference.labels_.compute())
    centers, new = reference.clusterer_.cluster_centers_, slice(len(X), None)
    assert group_counts(centers, X_res[new], y_res[new]) == group_counts(centers, X_ref[new], y_ref[new])
    for row, cluster, label in list(zip(X_res[new], nearest(X_res[new], centers), y_res[new]))[::25]:
        assert _on_some_segment(row, X[(labels == cluster) & (y == label)]), row


def test_integers_near_2_to_the_63_come_back_exact_on_dask(client):
    rng = np.random.default_rng(0)
    X = np.iinfo(np.int64).max - rng.integers(0, 10, size=(80, 2))
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    sampler = gdask.KMeansSMOTE(kmeans_estimator=1, random_state=0)
    with pytest.warns(UserWarning, match=r"column\(s\) 0, 1 hold integers beyond 2\*\*53"):
        X_res, _ = sampler.fit_resample(da.from_array(X, chunks=20), da.from_array(y, chunks=20))
    X_res = client.compute(X_res, sync=True)
    assert X_res.dtype == np.int64 and len(X_res) == 120
    np.testing.assert_array_equal(X_res[:80], X)
    assert (X_res[80:] == np.iinfo(np.int64).max).all()  # every value rounds up to 2**63 in float64: clipped back


@pytest.mark.parametrize(
    "shape, match",
    [((40, 0), r"0 feature\(s\) \(shape=\(40, 0\)\) while a minimum of 1 is required"), ((1, 3), r"1 sample\(s\)")],
)
def test_empty_and_one_row_data_in_scikit_learns_words(shape, match):
    X, y = da.ones(shape, chunks=20), da.zeros(shape[0], dtype=int, chunks=20)
    with pytest.raises(ValueError, match=rf"^Found array with {match}"):
        gdask.KMeansSMOTE(kmeans_estimator=2, backend="numpy").fit_resample(X, y)
