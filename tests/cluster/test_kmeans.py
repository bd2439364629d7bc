"""gpu_clover.cluster.KMeans: correct clusters, inertia close to scikit-learn's, the documented options."""

import numpy as np
import pytest
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from gpu_clover.cluster import SOM, KMeans
from gpu_clover.cluster import _kmeans as kmeans_module


def inertia(X, centers, labels):
    return float(((X - centers[labels]) ** 2).sum())


@pytest.fixture(scope="module")
def blobs():
    X, truth = make_blobs(n_samples=600, centers=5, n_features=4, cluster_std=0.6, center_box=(-20, 20), random_state=0)
    return X, truth


def test_recovers_well_separated_blobs(blobs, backend):
    X, truth = blobs
    model = KMeans(n_clusters=5, n_init=3, random_state=0, backend=backend).fit(X)
    assert adjusted_rand_score(truth, np.asarray(model.labels_)) == pytest.approx(1.0)
    assert model.cluster_centers_.shape == (5, 4)
    assert model.n_features_in_ == 4
    assert 1 <= model.n_iter_ <= model.max_iter


@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_inertia_close_to_sklearn(data_seed):
    """Overlapping blobs (local minima exist): the median over seeds is within 3 % of scikit-learn's."""
    X, _ = make_blobs(n_samples=800, centers=8, n_features=3, cluster_std=2.5, random_state=data_seed)
    ours = [KMeans(n_clusters=8, n_init=2, random_state=s, backend="numpy").fit(X) for s in range(7)]
    theirs = [SklearnKMeans(n_clusters=8, n_init=2, random_state=s).fit(X).inertia_ for s in range(7)]
    assert np.median([m.inertia_ for m in ours]) <= 1.03 * np.median(theirs)
    assert min(m.inertia_ for m in ours) <= 1.03 * min(theirs)
    for model in ours:
        assert model.inertia_ == pytest.approx(inertia(X, model.cluster_centers_, model.labels_), rel=1e-9)


def test_labels_are_the_closest_centers_and_predict_agrees(blobs):
    X, _ = blobs
    model = KMeans(n_clusters=6, random_state=1, backend="numpy").fit(X)
    distances = ((X[:, None, :] - model.cluster_centers_[None, :, :]) ** 2).sum(axis=-1)
    np.testing.assert_array_equal(model.labels_, distances.argmin(axis=1))
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    np.testing.assert_array_equal(model.fit_predict(X), model.labels_)
    new = X[:50] + 0.01
    np.testing.assert_array_equal(
        model.predict(new), ((new[:, None, :] - model.cluster_centers_[None]) ** 2).sum(-1).argmin(1)
    )


def test_centers_are_the_means_of_their_rows(backend):
    """At convergence (tol=0) every center is the mean of its rows: a Lloyd fixed point."""
    X, _ = make_blobs(n_samples=300, centers=4, n_features=2, random_state=3)
    model = KMeans(n_clusters=4, tol=0.0, max_iter=300, random_state=0, backend=backend).fit(X)
    for k in range(4):
        np.testing.assert_allclose(model.cluster_centers_[k], X[model.labels_ == k].mean(axis=0), rtol=1e-10)


def test_more_inits_pick_the_lowest_inertia():
    X, _ = make_blobs(n_samples=500, centers=10, n_features=2, cluster_std=1.5, random_state=4)
    singles = [KMeans(n_clusters=10, n_init=1, random_state=s, backend="numpy").fit(X).inertia_ for s in range(10)]
    best_of_ten = KMeans(n_clusters=10, n_init=10, random_state=0, backend="numpy").fit(X).inertia_
    assert best_of_ten <= np.median(singles)


def test_n_init_keeps_the_best_run(monkeypatch):
    """The run with the lowest inertia is kept, whichever run it is."""
    X, _ = make_blobs(n_samples=400, centers=6, n_features=2, cluster_std=2.0, random_state=5)
    model = KMeans(n_clusters=6, n_init=5, random_state=2, backend="numpy")
    runs = []
    original = kmeans_module.KMeans._lloyd_run

    def recording(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        runs.append(result[0].copy())
        return result

    monkeypatch.setattr(kmeans_module.KMeans, "_lloyd_run", recording)
    model.fit(X)
    assert len(runs) == 5
    inertias = [((X[:, None] - c[None]) ** 2).sum(-1).min(1).sum() for c in runs]
    assert model.inertia_ == pytest.approx(min(inertias), rel=1e-9)
    np.testing.assert_allclose(model.cluster_centers_, runs[int(np.argmin(inertias))])


def test_init_array_is_used_and_not_modified(backend):
    X, _ = make_blobs(n_samples=200, centers=3, n_features=2, random_state=6)
    init = X[[0, 1, 2]].copy()
    init_copy = init.copy()
    one_step = KMeans(n_clusters=3, init=init, max_iter=1, backend=backend).fit(X)
    np.testing.assert_array_equal(init, init_copy)
    start_labels = ((X[:, None] - init[None]) ** 2).sum(-1).argmin(1)
    expected = np.array([X[start_labels == k].mean(axis=0) for k in range(3)])
    np.testing.assert_allclose(one_step.cluster_centers_, expected, rtol=1e-12)
    again = KMeans(n_clusters=3, init=init, max_iter=1, random_state=99, backend=backend).fit(X)
    np.testing.assert_array_equal(again.cluster_centers_, one_step.cluster_centers_)


def test_init_random_picks_distinct_data_rows_and_converges(blobs, monkeypatch):
    X, truth = blobs
    starts = []
    original = kmeans_module.lloyd

    def recording(backend, X_fit, centers, *args, **kwargs):
        starts.append(np.array(centers, copy=True))
        return original(backend, X_fit, centers, *args, **kwargs)

    monkeypatch.setattr(kmeans_module, "lloyd", recording)
    model = KMeans(n_clusters=5, init="random", n_init=5, random_state=3, backend="numpy").fit(X)
    assert len(starts) == 5
    for centers in starts:
        matches = (centers[:, None, :] == X[None, :, :]).all(axis=-1)
        assert matches.any(axis=1).all(), "every initial center is a row of X"
        assert len(np.unique(matches.argmax(axis=1))) == 5, "and the rows are distinct"
    assert adjusted_rand_score(truth, model.labels_) > 0.9


def test_fit_sample_size_path():
    """Lloyd on a subsample, then one assignment of every row to its closest center."""
    X, truth = make_blobs(n_samples=3000, centers=4, n_features=3, cluster_std=0.5, random_state=7)
    model = KMeans(n_clusters=4, n_init=2, fit_sample_size=300, random_state=0, backend="numpy").fit(X)
    assert model.labels_.shape == (3000,)
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    np.testing.assert_array_equal(model.labels_, model.predict(X))
    full = KMeans(n_clusters=4, n_init=2, random_state=0, backend="numpy").fit(X)
    assert model.inertia_ <= 1.05 * full.inertia_


def test_large_input_warm_start_path(backend):
    """Above twice WARM_START_ROWS rows, Lloyd warm-starts on a subsample, then refines on all rows."""
    n = 2 * kmeans_module.WARM_START_ROWS + 1000
    X, truth = make_blobs(n_samples=n, centers=3, n_features=2, cluster_std=0.7, random_state=8)
    model = KMeans(n_clusters=3, random_state=0, backend=backend).fit(X)
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    assert model.inertia_ == pytest.approx(inertia(X, model.cluster_centers_, model.labels_), rel=1e-9)


def test_same_random_state_same_result(blobs, backend):
    X, _ = blobs
    a = KMeans(n_clusters=7, n_init=2, random_state=11, backend=backend).fit(X)
    b = KMeans(n_clusters=7, n_init=2, random_state=11, backend=backend).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    c = KMeans(n_clusters=7, n_init=1, random_state=12, backend=backend).fit(X)
    d = KMeans(n_clusters=7, n_init=1, random_state=13, backend=backend).fit(X)
    assert not np.array_equal(c.cluster_centers_, d.cluster_centers_)


def test_float32_input(blobs, backend):
    X, truth = blobs
    model = KMeans(n_clusters=5, n_init=3, random_state=0, backend=backend).fit(X.astype(np.float32))
    assert model.cluster_centers_.dtype == np.float32
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)


def test_duplicate_rows_and_more_clusters_than_distinct_points(backend):
    """Five distinct points, six clusters: an empty cluster is re-seeded, nothing is NaN."""
    X = np.repeat(np.arange(5, dtype=float)[:, None] * [1.0, 2.0], 20, axis=0)
    model = KMeans(n_clusters=6, random_state=0, backend=backend).fit(X)
    assert np.isfinite(model.cluster_centers_).all()
    assert model.inertia_ == pytest.approx(0.0, abs=1e-12)
    assert len(np.unique(model.labels_)) == 5


def test_one_cluster_is_the_mean(backend):
    X, _ = make_blobs(n_samples=100, centers=2, n_features=3, random_state=9)
    model = KMeans(n_clusters=1, backend=backend).fit(X)
    np.testing.assert_allclose(model.cluster_centers_[0], X.mean(axis=0), rtol=1e-12)
    assert (model.labels_ == 0).all()


@pytest.mark.parametrize(
    "make", [lambda: KMeans(4, random_state=0, backend="numpy"), lambda: SOM(random_state=0, backend="numpy")]
)
def test_concurrent_fits_on_one_instance(make, concurrent_calls):
    """Four threads fit one clusterer on data sets of different sizes: each fit_predict returns what
    it returns alone, and the fitted attributes afterwards all come from one fit."""
    sets = [make_blobs(150 + 50 * i, centers=4, n_features=3, random_state=i)[0] for i in range(4)]
    alone = [make().fit_predict(X) for X in sets]
    shared = make()
    results = concurrent_calls(shared.fit_predict, sets)
    assert len(results) == 12
    for (i, _), labels in results.items():
        np.testing.assert_array_equal(labels, alone[i])
    (i,) = [i for i, X in enumerate(sets) if len(X) == len(shared.labels_)]
    np.testing.assert_array_equal(shared.cluster_centers_, make().fit(sets[i]).cluster_centers_)
