"""The shared pipeline (``over_sampling/_base.py``): concurrent calls on one instance, foreign
distributors, clusterers with malformed ``labels_`` / ``neighbors_``."""

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, KMeansSMOTE
from gpu_clover.cluster import KMeans
from gpu_clover.distribution import DensityDistributor


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
def test_concurrent_calls_on_one_instance(make, concurrent_calls):
    """Four threads x three calls on one instance: each call returns what it returns alone, and the
    fitted attributes afterwards all come from one call."""
    sets = _datasets()
    alone = [make().fit_resample(X, y) for X, y in sets]
    shared = make()
    # An exception ends its thread (pytest reports it) and leaves that thread's results missing.
    results = concurrent_calls(lambda data: shared.fit_resample(*data), sets)
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
    ClusterOverSampler(
        make_pipeline(scaler, RandomOverSampler()), KMeans(3, random_state=0), backend="numpy"
    ).fit_resample(X, y)
    assert not hasattr(scaler, "mean_")


# ------------------------------------------------------------ foreign components
X = np.random.default_rng(2).normal(size=(60, 3))
Y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
LABELS = np.arange(60) % 3
_UNSET = "unset"


class FixedClusterer(BaseEstimator):
    """A clusterer whose fitted ``labels_`` / ``neighbors_`` are given (``"unset"``: not set)."""

    def __init__(self, labels=_UNSET, neighbors=_UNSET):
        self.labels = labels
        self.neighbors = neighbors

    def fit(self, X, y=None):
        for name in ("labels", "neighbors"):
            if not (isinstance(getattr(self, name), str) and getattr(self, name) == _UNSET):
                setattr(self, f"{name}_", getattr(self, name))
        return self


class FixedShares(BaseEstimator):
    """A foreign distributor (no BaseDistributor) whose shares are given (None: not set)."""

    def __init__(self, intra=None, inter=None):
        self.intra = intra
        self.inter = inter

    def fit(self, X, y, labels=None, neighbors=None):
        if self.intra is not None:
            self.intra_distribution_ = self.intra
        if self.inter is not None:
            self.inter_distribution_ = self.inter
        return self


def resample_with(clusterer=None, distributor=None, oversampler=None):
    clusterer = FixedClusterer(LABELS) if clusterer is None else clusterer
    distributor = DensityDistributor(filtering_threshold=10) if distributor is None else distributor
    sampler = ClusterOverSampler(
        oversampler or SMOTE(k_neighbors=2), clusterer, distributor, random_state=0, backend="numpy"
    )
    return sampler, sampler.fit_resample(X, Y)


@pytest.mark.parametrize(
    ("intra", "inter"),
    [({(0, 1): 0.25, (1, 1): 0.75}, {}), ({(0, 1): 0.2, (2, 1): 0.3}, {((0, 1), (1, 1)): 0.5})],
)
def test_foreign_distributor_with_valid_shares(intra, inter):
    _, (_, y_res) = resample_with(distributor=FixedShares(intra, inter))
    assert np.bincount(y_res).tolist() == [45, 45]


BAD_SHARES = [
    (
        {(0, 1): 1.5, (1, 1): -0.5},
        {},
        ValueError,
        r"intra_distribution_\[\(1, 1\)\] must be a finite number >= 0; got -0\.5",
    ),
    ({(0, 1): float("nan")}, {}, ValueError, r"intra_distribution_\[\(0, 1\)\] must be a finite number >= 0; got nan"),
    ({(0, 1): float("inf")}, {}, ValueError, r"intra_distribution_\[\(0, 1\)\] must be a finite number"),
    ({(0, 1): "half"}, {}, ValueError, r"intra_distribution_\[\(0, 1\)\] must be a finite number >= 0; got 'half'"),
    (
        {(7, 1): 1.0},
        {},
        ValueError,
        r"intra_distribution_ has the key \(7, 1\), which is no \(cluster label, class label\)",
    ),
    ({(0, 5): 1.0}, {}, ValueError, r"has the key \(0, 5\)"),
    ({0: 1.0}, {}, ValueError, r"intra_distribution_ has the key 0,"),
    ({(0, 1): 0.8, (1, 1): 0.8}, {}, ValueError, r"shares of class 1 in FixedShares's distributions add up to 1\.6"),
    (
        {(0, 1): 0.5},
        {((0, 1), (9, 1)): 0.5},
        ValueError,
        r"inter_distribution_ has the key \(\(0, 1\), \(9, 1\)\), whose \(9, 1\) is no",
    ),
    (
        {(0, 1): 0.5},
        {((0, 1), (1, 0)): 0.5},
        ValueError,
        r"must share a class label; FixedShares\.inter_distribution_ has",
    ),
    (
        {(0, 1): 0.5},
        {(0, 1): 0.5},
        ValueError,
        r"inter_distribution_ has the key \(0, 1\), whose 0 is no \(cluster label",
    ),
    ({(0, 1): 0.5}, {((0, 1), (1, 1)): -0.1}, ValueError, r"inter_distribution_\[\(\(0, 1\), \(1, 1\)\)\] must be"),
    (
        {(0, 1): 0.5},
        None,
        TypeError,
        r"FixedShares must set `inter_distribution_` to a dict of shares after fit; got nothing",
    ),
    ([0.5], {}, TypeError, r"must set `intra_distribution_` to a dict of shares after fit; got list"),
]


@pytest.mark.parametrize(("intra", "inter", "error", "match"), BAD_SHARES)
def test_foreign_distributor_with_bad_shares(intra, inter, error, match):
    with pytest.raises(error, match=match):
        resample_with(distributor=FixedShares(intra, inter))


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (
            _UNSET,
            TypeError,
            r"FixedClusterer has no attribute `labels_` after fit; it must set `labels_` to an array of shape \(n_samples,\) = \(60,\)",
        ),
        (None, TypeError, r"FixedClusterer has `labels_` None after fit; .* shape \(n_samples,\) = \(60,\)"),
        (
            0,
            ValueError,
            r"`labels_` must be an array of shape \(n_samples,\) = \(60,\), one cluster label per row; got shape \(\)",
        ),
        (LABELS[:59], ValueError, r"`labels_` must be .*\(n_samples,\) = \(60,\).*; got shape \(59,\)"),
        (LABELS[:, None], ValueError, r"`labels_` must be .*; got shape \(60, 1\)"),
        (
            np.r_[np.nan, LABELS[1:]],
            ValueError,
            r"`labels_` holds NaN or infinity; it must be an array of shape \(n_samples,\)",
        ),
        (np.array(["a", 1, 2], dtype=object)[LABELS], TypeError, r"`labels_` cannot be sorted"),
        (LABELS + 1j, TypeError, r"`labels_` must hold numbers; got dtype complex128"),
    ],
)
def test_clusterer_with_bad_labels(labels, error, match):
    with pytest.raises(error, match=match):
        resample_with(clusterer=FixedClusterer(labels))


@pytest.mark.parametrize(
    ("labels", "neighbors"),
    [
        (np.array(["north", "south", "west"])[LABELS], [("north", "south"), ("south", "west")]),
        (LABELS + 0.5, [(0.5, 1.5)]),
        (LABELS.tolist(), [(0, 1)]),
    ],
)
@pytest.mark.parametrize("oversampler", [SMOTE(k_neighbors=2), GeometricSMOTE(k_neighbors=2)])
def test_clusterer_with_any_sortable_labels(labels, neighbors, oversampler):
    distributor = DensityDistributor(filtering_threshold=10, distribution_ratio=0.5)
    sampler, (_, y_res) = resample_with(FixedClusterer(labels, neighbors), distributor, oversampler)
    assert np.bincount(y_res).tolist() == [45, 45]
    np.testing.assert_array_equal(sampler.labels_, labels)
    assert sampler.distributor_.inter_distribution_


@pytest.mark.parametrize(
    ("neighbors", "match"),
    [
        ([[0, 1], [2]], r"neighbors must have shape \(n_pairs, 2\), pairs of .*`neighbors_`\); got ragged pairs"),
        (
            [0, 1],
            r"neighbors must have shape \(n_pairs, 2\); got \(2,\)\. They are pairs of neighbouring cluster labels",
        ),
        (5, r"neighbors must have shape \(n_pairs, 2\); got \(\)"),
        ([[0, np.nan]], r"`neighbors_` contains unknown labels"),
    ],
)
def test_clusterer_with_bad_neighbors(neighbors, match):
    distributor = DensityDistributor(filtering_threshold=10, distribution_ratio=0.5)
    with pytest.raises(ValueError, match=match):
        resample_with(FixedClusterer(LABELS, neighbors), distributor)
