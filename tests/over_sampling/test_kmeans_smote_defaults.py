"""KMeansSMOTE's defaults (``size_ratio=0.5``, ``distances_exponent=1.0``), the opt-in ``purity_exponent``, the reference recipe."""

import numpy as np
import pytest
from imblearn_extra.clover.over_sampling import KMeansSMOTE as ReferenceKMeansSMOTE
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import MiniBatchKMeans

from gpu_clover import KMeansSMOTE
from gpu_clover.cluster import KMeans
from gpu_clover.over_sampling import SMOTE


def test_defaults_reach_the_distributor(make_data):
    X, y = make_data([300, 80], seed=3)
    sampler = KMeansSMOTE(random_state=0, backend="numpy")
    assert sampler.get_params()["size_ratio"] == 0.5 and sampler.get_params()["distances_exponent"] == 1.0
    sampler.fit_resample(X, y)
    assert sampler.distributor_.size_ratio_ == 0.5
    assert sampler.distributor_.distances_exponent_ == 1.0  # not the number of features, 3
    assert sampler.distributor_.purity_exponent_ == 0.0  # opt-in, see test_purity_exponent_reaches_the_distributor


def test_purity_exponent_reaches_the_distributor(make_data):
    X, y = make_data([300, 80], seed=3)
    sampler = KMeansSMOTE(purity_exponent=1.0, random_state=0, backend="numpy")
    sampler.fit_resample(X, y)
    assert sampler.distributor_.purity_exponent_ == 1.0


@pytest.mark.parametrize("purity_exponent", [0.0, 1.0])
@pytest.mark.parametrize("size_ratio", [0.0, 0.5, 1.0])
def test_each_cluster_receives_its_share(size_ratio, purity_exponent, make_data):
    """Rows per cluster are the largest-remainder rounding of the rule's shares: none gets more.

    k-means cells are convex, so every synthetic row (on a segment between two
    rows of one cluster) is predicted in its own group's cluster.
    """
    X, y = make_data([400, 90], n_features=4, n_blobs=5, seed=11)
    sampler = KMeansSMOTE(
        kmeans_estimator=6, size_ratio=size_ratio, purity_exponent=purity_exponent, random_state=0, backend="numpy"
    )
    X_res, _ = sampler.fit_resample(X, y)
    n_new = int(np.sum(y == 0) - np.sum(y == 1))
    received = np.bincount(sampler.clusterer_.predict(X_res[len(y) :]), minlength=6)
    shares = np.zeros(6)
    for (cluster, _), share in sampler.distributor_.intra_distribution_.items():
        shares[cluster] = share
    assert received.sum() == n_new
    assert np.all(received <= np.ceil(shares * n_new)) and np.all(received >= np.floor(shares * n_new))
    assert np.all(received[shares == 0] == 0)


@pytest.mark.parametrize("purity_exponent", [0.0, 1.0])
@pytest.mark.parametrize("size_ratio", [0.0, 0.5, 1.0])
def test_one_cluster_equals_smote_counts(size_ratio, purity_exponent, make_data):
    X, y = make_data([150, 40, 17], seed=2)
    sampler = KMeansSMOTE(
        kmeans_estimator=1, size_ratio=size_ratio, purity_exponent=purity_exponent, random_state=0, backend="numpy"
    )
    _, y_ours = sampler.fit_resample(X, y)
    _, y_smote = SMOTE(random_state=0, backend="numpy").fit_resample(X, y)
    assert np.bincount(y_ours).tolist() == np.bincount(y_smote).tolist() == [150, 150, 150]


def test_size_ratio_zero_reproduces_the_reference(make_data):
    """The recipe of docs/user_guide/differences.rst: the reference's clusterer, ``size_ratio=0.0`` and ``distances_exponent="auto"`` give its proportions."""
    X, y = make_data([300, 60], n_features=3, n_blobs=4, seed=5)
    reference = ReferenceKMeansSMOTE(random_state=0).fit(X, y)
    reference.fit_resample(X, y)
    kmeans = MiniBatchKMeans(n_clusters=8, n_init="auto", random_state=0)
    ours = KMeansSMOTE(
        kmeans_estimator=kmeans, size_ratio=0.0, distances_exponent="auto", random_state=0, backend="numpy"
    )
    ours.fit_resample(X, y)
    np.testing.assert_array_equal(ours.labels_, reference.labels_)
    expected = {(int(c), int(k)): p for (c, k), p in reference.distributor_.intra_distribution_.items()}
    assert set(ours.distributor_.intra_distribution_) == set(expected)
    for key, share in expected.items():
        np.testing.assert_allclose(ours.distributor_.intra_distribution_[key], share, rtol=1e-9)


@pytest.mark.parametrize("size_ratio", [-0.5, 2.0, "auto"])
def test_bad_size_ratio(size_ratio, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="size_ratio"):
        KMeansSMOTE(size_ratio=size_ratio, backend="numpy").fit_resample(X, y)


@pytest.mark.parametrize("purity_exponent", [-1.0, "auto"])
def test_bad_purity_exponent(purity_exponent, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="purity_exponent"):
        KMeansSMOTE(purity_exponent=purity_exponent, backend="numpy").fit_resample(X, y)


class _GivenLabels(ClusterMixin, BaseEstimator):
    """A clusterer that returns the labels it is given (the same clusters for X and a copy of it)."""

    def __init__(self, labels=None):
        self.labels = labels

    def fit(self, X, y=None):
        self.labels_ = np.asarray(self.labels)
        return self


def test_default_exponent_does_not_depend_on_the_number_of_features(make_data):
    """Repeating every feature scales all distances by sqrt(2): with exponent 1 the density
    ratios, hence the shares, stay the same; with "auto" (the number of features) they move."""
    X, y = make_data([400, 90], n_features=3, n_blobs=5, seed=4)
    labels = KMeans(n_clusters=6, random_state=0, backend="numpy").fit(X).labels_

    def shares(data, exponent):
        sampler = KMeansSMOTE(
            kmeans_estimator=_GivenLabels(labels), distances_exponent=exponent, random_state=0, backend="numpy"
        )
        sampler.fit_resample(data, y)
        return sampler.distributor_.intra_distribution_

    for exponent, same in ((1.0, True), ("auto", False)):
        narrow, wide = shares(X, exponent), shares(np.hstack([X, X]), exponent)
        assert narrow.keys() == wide.keys()
        close = all(np.isclose(narrow[key], wide[key], rtol=1e-9, atol=0) for key in narrow)
        assert close is same, (exponent, narrow, wide)
