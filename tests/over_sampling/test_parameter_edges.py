"""Parameter values at the edges of their ranges: the smallest clustering, no filter, and the
error that says which parameter to change when nothing can be generated."""

import re

import numpy as np
import pytest
from conftest import make_imbalanced
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSOMO, KMeansSMOTE
from gpu_clover.cluster import KMeans
from gpu_clover.distribution import DensityDistributor

X, Y = make_imbalanced([120, 30], n_features=3, n_blobs=3, seed=2)


def minority_groups(sampler):
    """Every (cluster, class) pair of a minority class that holds rows."""
    return {(c, k) for c, k in zip(sampler.labels_.tolist(), Y.tolist()) if k == 1}


def test_kmeans_estimator_zero_is_one_cluster():
    # As the reference: round((n_samples - 1) * 0.0 + 1) clusters.
    sampler = KMeansSMOTE(kmeans_estimator=0.0, random_state=0, backend="numpy")
    _, y_res = sampler.fit_resample(X, Y)
    assert sampler.clusterer_.n_clusters == 1
    assert set(sampler.labels_.tolist()) == {0}
    assert np.bincount(y_res).tolist() == [120, 120]


def test_som_estimator_zero_is_a_one_neuron_map():
    sampler = GeometricSOMO(som_estimator=0.0, random_state=0, backend="numpy")
    _, y_res = sampler.fit_resample(X, Y)
    assert (sampler.clusterer_.n_rows, sampler.clusterer_.n_columns) == (1, 1)
    assert set(sampler.labels_.tolist()) == {0}
    assert np.bincount(y_res).tolist() == [120, 120]


@pytest.mark.parametrize("cls", [KMeansSMOTE, GeometricSOMO])
def test_infinite_imbalance_ratio_threshold_filters_nothing(cls):
    params = {"kmeans_estimator": 6} if cls is KMeansSMOTE else {"som_estimator": 9}
    filtered = {}
    for threshold in (4.0, float("inf")):
        sampler = cls(imbalance_ratio_threshold=threshold, random_state=0, backend="numpy", **params)
        sampler.fit_resample(X, Y)
        filtered[threshold] = set(sampler.distributor_.filtered_clusters_)
        assert sampler.distributor_.filtering_threshold_ == threshold
    assert filtered[float("inf")] == minority_groups(sampler)
    assert filtered[4.0] < filtered[float("inf")]  # the data do exercise the filter


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: KMeansSMOTE(kmeans_estimator=3, imbalance_ratio_threshold=0.0, random_state=0, backend="numpy"),
            (
                r"3 cluster\(s\) found, filtering threshold 0;.*Try a larger imbalance_ratio_threshold "
                r"\(float\('inf'\) filters nothing\) or another number of clusters \(kmeans_estimator\)\."
            ),
        ),
        (
            lambda: ClusterOverSampler(
                SMOTE(),
                KMeans(n_clusters=4, random_state=0),
                DensityDistributor(filtering_threshold=0.0),
                backend="numpy",
            ),
            (
                r"4 cluster\(s\) found, filtering threshold 0;.*Try a distributor with a larger filtering_threshold "
                r".*or another number of clusters \(clusterer\)\."
            ),
        ),
        (
            lambda: SOMO(som_estimator=0.0, random_state=0, backend="numpy"),
            (
                r"1 cluster\(s\) found, filtering threshold 1;.*SOMO fixes the threshold\. "
                r"Try another number of clusters \(som_estimator\)\."
            ),
        ),
    ],
    ids=["KMeansSMOTE", "ClusterOverSampler", "SOMO"],
)
def test_nothing_generated_names_the_parameters_and_their_values(make, expected):
    with pytest.raises(ValueError, match=r"^No samples were generated: no cluster passed the distributor's filter"):
        make().fit_resample(X, Y)
    with pytest.raises(ValueError, match=expected):
        make().fit_resample(X, Y)
    sampler = make().set_params(raise_error=False)
    with pytest.warns(FitFailedWarning, match=expected):
        sampler.fit_resample(X, Y)


def test_nothing_generated_with_a_foreign_distributor_names_the_clusterer():
    class Empty(BaseEstimator):
        def fit(self, X, y, labels=None, neighbors=None):
            self.intra_distribution_, self.inter_distribution_ = {}, {}
            return self

    sampler = ClusterOverSampler(SMOTE(), KMeans(n_clusters=2, random_state=0), Empty(), backend="numpy")
    message = re.escape("the distributor gave no share to any group of a requested class (2 cluster(s) found)")
    with pytest.raises(ValueError, match=message + r"\. Try another number of clusters \(clusterer\)\.$"):
        sampler.fit_resample(X, Y)
