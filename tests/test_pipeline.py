"""The samplers inside imbalanced-learn pipelines, cross-validation and grid search."""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from gpu_clover import SMOTE, ClusterOverSampler, KMeansSMOTE
from gpu_clover.cluster import KMeans


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=600,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_clusters_per_class=2,
        weights=[0.85],
        class_sep=0.8,
        random_state=0,
    )


def kmeans_smote_pipeline(**params):
    sampler = KMeansSMOTE(**{"kmeans_estimator": 4, "random_state": 0, "backend": "numpy", **params})
    return make_pipeline(StandardScaler(), sampler, LogisticRegression(max_iter=500))


CV = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def test_cross_val_score(data):
    X, y = data
    scores = cross_val_score(kmeans_smote_pipeline(), X, y, cv=CV, scoring="balanced_accuracy", error_score="raise")
    assert scores.shape == (3,)
    assert (scores > 0.6).all()


def test_cross_val_score_is_reproducible(data):
    X, y = data
    first = cross_val_score(kmeans_smote_pipeline(), X, y, cv=CV, scoring="f1", error_score="raise")
    second = cross_val_score(kmeans_smote_pipeline(), X, y, cv=CV, scoring="f1", error_score="raise")
    np.testing.assert_array_equal(first, second)


def test_sampler_acts_in_fit_only(data):
    """The over-sampler changes what the classifier is fitted on, never what it predicts on."""
    X, y = data
    pipeline = kmeans_smote_pipeline().fit(X, y)
    assert pipeline.predict(X).shape == y.shape
    classifier = pipeline[-1]
    unbalanced = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)[-1]
    assert not np.allclose(classifier.coef_, unbalanced.coef_)
    assert pipeline[1].sampling_strategy_ == {1: int(np.sum(y == 0) - np.sum(y == 1))}


def test_grid_search_over_k_neighbors(data):
    X, y = data
    search = GridSearchCV(
        kmeans_smote_pipeline(),
        {"kmeanssmote__k_neighbors": [2, 5]},
        cv=CV,
        scoring="balanced_accuracy",
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_["kmeanssmote__k_neighbors"] in (2, 5)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_[1].k_neighbors == search.best_params_["kmeanssmote__k_neighbors"]


def test_grid_search_over_kmeans_estimator(data):
    X, y = data
    grid = {"kmeanssmote__kmeans_estimator": [2, 0.01, KMeans(n_clusters=3, random_state=0)]}
    search = GridSearchCV(kmeans_smote_pipeline(), grid, cv=CV, scoring="balanced_accuracy", error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_grid_search_over_cluster_over_sampler_parts(data):
    X, y = data
    pipeline = make_pipeline(
        StandardScaler(),
        ClusterOverSampler(SMOTE(), KMeans(n_clusters=2, random_state=0), random_state=0, backend="numpy"),
        LogisticRegression(max_iter=500),
    )
    grid = {"clusteroversampler__clusterer__n_clusters": [2, 4], "clusteroversampler__oversampler__k_neighbors": [3]}
    search = GridSearchCV(pipeline, grid, cv=CV, scoring="balanced_accuracy", error_score="raise").fit(X, y)
    assert (
        search.best_estimator_[1].clusterer_.n_clusters
        == search.best_params_["clusteroversampler__clusterer__n_clusters"]
    )
    assert search.best_estimator_[1].oversampler_.k_neighbors == 3
