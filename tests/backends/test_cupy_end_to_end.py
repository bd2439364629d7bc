"""The whole pipeline on the CuPy backend (skipped without CuPy and a CUDA device)."""

import numpy as np
import pytest
from conftest import gpu
from sklearn.cluster import KMeans as SKKMeans
from sklearn.datasets import make_classification

from gpu_clover import ClusterOverSampler, KMeansSMOTE
from gpu_clover.cluster import KMeans
from gpu_clover.distribution import DensityDistributor
from gpu_clover.over_sampling import SMOTE

pytestmark = gpu


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=6000,
        n_features=6,
        n_informative=4,
        weights=[0.8, 0.15],
        n_classes=3,
        n_clusters_per_class=2,
        random_state=0,
    )
    return X, y


def test_cupy_in_cupy_out_exact_counts_and_float32(data):
    import cupy as cp

    X, y = data
    X_dev, y_dev = cp.asarray(X, dtype=cp.float32), cp.asarray(y)
    X_res, y_res = KMeansSMOTE(kmeans_estimator=8, random_state=0).fit_resample(X_dev, y_dev)
    assert isinstance(X_res, cp.ndarray) and isinstance(y_res, cp.ndarray)
    assert X_res.dtype == cp.float32
    counts = np.bincount(cp.asnumpy(y_res))
    assert counts.tolist() == [np.bincount(y).max()] * 3
    cp.testing.assert_array_equal(X_res[: len(X)], X_dev)


def test_numpy_in_numpy_out_on_the_gpu(data):
    X, y = data
    X_res, y_res = KMeansSMOTE(kmeans_estimator=8, random_state=0, backend="cupy").fit_resample(X, y)
    assert isinstance(X_res, np.ndarray) and isinstance(y_res, np.ndarray)
    assert np.bincount(y_res).tolist() == [np.bincount(y).max()] * 3


def test_same_seed_bit_identical_on_the_gpu(data):
    import cupy as cp

    X, y = data
    X_dev, y_dev = cp.asarray(X), cp.asarray(y)
    first = KMeansSMOTE(kmeans_estimator=8, random_state=7).fit_resample(X_dev, y_dev)[0]
    second = KMeansSMOTE(kmeans_estimator=8, random_state=7).fit_resample(X_dev, y_dev)[0]
    other = KMeansSMOTE(kmeans_estimator=8, random_state=8).fit_resample(X_dev, y_dev)[0]
    assert bool(cp.all(first == second))
    assert not bool(cp.all(first[len(X) :] == other[len(X) :])) or first.shape != other.shape


def test_synthetic_rows_lie_on_segments_of_their_group(data):
    import cupy as cp

    X, y = data
    sampler = ClusterOverSampler(SMOTE(k_neighbors=3), KMeans(n_clusters=6, random_state=0), random_state=0)
    X_res, y_res = sampler.fit_resample(cp.asarray(X), cp.asarray(y))
    X_res, y_res, labels = cp.asnumpy(X_res), cp.asnumpy(y_res), cp.asnumpy(sampler.labels_)
    for x, label in zip(X_res[len(X) :][:200], y_res[len(X) :][:200]):
        found = False
        for cluster in np.unique(labels):
            members = X[(labels == cluster) & (y == label)]
            if len(members) == 0:
                continue
            a = members[:, None, :]
            b = members[None, :, :]
            diff = b - a
            t = np.clip(((x - a) * diff).sum(-1) / np.maximum((diff * diff).sum(-1), 1e-30), 0, 1)
            if np.min(np.linalg.norm(a + t[..., None] * diff - x, axis=-1)) < 1e-6:
                found = True
                break
        assert found


def test_distribution_equals_the_numpy_backend(data):
    import cupy as cp

    X, y = data
    labels = SKKMeans(n_clusters=6, n_init=1, random_state=0).fit_predict(X)
    cpu = DensityDistributor().fit(X, y, labels)
    gpu = DensityDistributor().fit(cp.asarray(X), cp.asarray(y), cp.asarray(labels))
    assert cpu.intra_distribution_.keys() == gpu.intra_distribution_.keys()
    for key, share in cpu.intra_distribution_.items():
        assert gpu.intra_distribution_[key] == pytest.approx(share, rel=1e-9)


def test_cpu_and_gpu_are_statistically_equivalent(data):
    X, y = data
    clusterer = SKKMeans(n_clusters=6, n_init=1, random_state=0)
    results = {}
    for backend in ("numpy", "cupy"):
        sampler = ClusterOverSampler(SMOTE(), clusterer, random_state=0, backend=backend)
        X_res, y_res = sampler.fit_resample(X, y)
        new = slice(len(X), None)
        results[backend] = (X_res[new], y_res[new], sampler.distributor_.intra_distribution_)
    (X_cpu, y_cpu, d_cpu), (X_gpu, y_gpu, d_gpu) = results["numpy"], results["cupy"]
    assert np.bincount(y_cpu).tolist() == np.bincount(y_gpu).tolist()
    assert d_cpu.keys() == d_gpu.keys()
    for label in np.unique(y_cpu):
        spread = X[y == label].std(axis=0)
        assert np.all(np.abs(X_cpu[y_cpu == label].mean(axis=0) - X_gpu[y_gpu == label].mean(axis=0)) < 0.1 * spread)


def test_kmeans_on_the_gpu_matches_the_cpu_inertia():
    import cupy as cp

    X, _ = make_classification(n_samples=20000, n_features=8, random_state=1)
    cpu = KMeans(n_clusters=16, random_state=0, backend="numpy").fit(X)
    gpu = KMeans(n_clusters=16, random_state=0).fit(cp.asarray(X))
    assert isinstance(gpu.labels_, cp.ndarray)
    assert gpu.inertia_ == pytest.approx(cpu.inertia_, rel=0.05)


def test_small_groups_on_the_gpu_are_defined():
    import cupy as cp

    X = np.vstack([np.zeros((3, 2)), np.ones((40, 2)) + np.arange(40)[:, None]])
    y = np.array([1, 1, 1] + [0] * 40)
    X_res, _y_res = SMOTE(k_neighbors=5, random_state=0).fit_resample(cp.asarray(X), cp.asarray(y))
    X_new = cp.asnumpy(X_res[len(X) :])
    assert len(X_new) == 37 and np.all(X_new == 0)
