"""DensityDistributor against the reference implementation (imblearn_extra.clover).

Same X, y, labels and neighbors: the filtered groups, densities and intra- and
inter-cluster proportions must equal the reference's to 1e-9 (relative).

One deliberate difference is tested on its own: with ``distribution_ratio < 1``,
a class that has no pair of neighbouring filtered groups keeps its whole share
inside the clusters (its proportions sum to 1); the reference gives it a total
of ``distribution_ratio`` (and raises) or 0. Only those classes are left out of
the comparison.
"""

import numpy as np
import pytest
from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDistributor

from gpu_clover.distribution import BaseDistributor, DensityDistributor

RTOL = 1e-9
N_RANDOM_CASES = 300


# --------------------------------------------------------------------- helpers
def _key(key):
    """A distribution key with plain Python scalars (for messages and set comparisons)."""
    if isinstance(key[0], tuple):
        return tuple(_key(part) for part in key)
    return tuple(part.item() if hasattr(part, "item") else part for part in key)


def _as_plain_dict(mapping):
    return {_key(k): float(v) for k, v in mapping.items()}


def fit_reference(X, y, labels, neighbors, **params):
    """The reference distributor fitted on the data.

    When the reference rejects its own result because a class's proportions do
    not sum to 0 or 1 (a class without neighbouring filtered pairs), its fitted
    attributes are already set: they are returned for the other classes.
    """
    reference = ReferenceDistributor(**params)
    try:
        reference.fit(X, y, labels, neighbors)
    except ValueError as error:
        if "sum of proportions" not in str(error):
            raise
    return reference


def classes_without_pairs(distributor, neighbors):
    """Classes with filtered groups but no pair of neighbouring filtered groups."""
    if neighbors is None or distributor.distribution_ratio >= 1.0:
        return set()
    filtered = {_key(k) for k in distributor.filtered_clusters_}
    classes = {label for _, label in filtered}
    paired = {
        label
        for a, b in np.asarray(neighbors).tolist()
        for label in classes
        if (a, label) in filtered and (b, label) in filtered
    }
    return classes - paired


def assert_close_dicts(ours, reference, what):
    ours, reference = _as_plain_dict(ours), _as_plain_dict(reference)
    assert set(ours) == set(reference), f"{what}: keys differ: {sorted(ours)} != {sorted(reference)}"
    for key, expected in reference.items():
        assert ours[key] == pytest.approx(expected, rel=RTOL, abs=0.0), f"{what}[{key}]"


def assert_matches_reference(ours, reference, neighbors):
    """Every fitted attribute of ``ours`` equals the reference's, except classes without pairs."""
    assert {_key(k) for k in ours.filtered_clusters_} == {_key(k) for k in reference.filtered_clusters_}
    assert len(ours.filtered_clusters_) == len(reference.filtered_clusters_)
    assert [_key((c,))[0] for c in ours.majority_class_labels_] == [
        _key((c,))[0] for c in reference.majority_class_labels_
    ]
    assert ours.filtering_threshold_ == pytest.approx(reference.filtering_threshold_, rel=RTOL)
    assert ours.distances_exponent_ == pytest.approx(reference.distances_exponent_, rel=RTOL)
    assert_close_dicts(ours.clusters_density_, reference.clusters_density_, "clusters_density_")
    skip = classes_without_pairs(ours, neighbors)

    def keep_intra(distribution):
        return {k: v for k, v in distribution.items() if _key(k)[1] not in skip}

    assert_close_dicts(keep_intra(ours.intra_distribution_), keep_intra(reference.intra_distribution_), "intra")
    assert_close_dicts(ours.inter_distribution_, reference.inter_distribution_, "inter")


def class_totals(distributor):
    totals = {}
    for (_, label), share in _as_plain_dict(distributor.intra_distribution_).items():
        totals[label] = totals.get(label, 0.0) + share
    for ((_, label), _), share in _as_plain_dict(distributor.inter_distribution_).items():
        totals[label] = totals.get(label, 0.0) + share
    return totals


def random_case(seed):
    """One random (X, y, labels, neighbors, params) case; the seed picks every choice."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 250))
    n_features = int(rng.integers(1, 6))
    n_classes = int(rng.integers(2, 5))
    n_clusters = int(rng.integers(1, 9))
    scale = float(rng.choice([1e-3, 1.0, 10.0]))
    X = rng.normal(size=(n, n_features)) * scale
    if seed % 4 == 0:  # a majority tie: the two first classes have the same count
        small = rng.integers(1, max(2, n // (2 * n_classes)), size=n_classes - 2) if n_classes > 2 else []
        big = (n - int(np.sum(small))) // 2
        y = np.repeat(np.arange(n_classes), np.r_[big, big, small].astype(int))
        n = len(y)
        X = X[:n]
        y = y[rng.permutation(n)]
    else:
        weights = np.r_[0.6, np.full(n_classes - 1, 0.4 / (n_classes - 1))]
        y = rng.choice(n_classes, size=n, p=weights)
    if seed % 3 == 0:  # non-contiguous class codes
        y = np.array([3, 7, 11, 20])[y]
    labels = rng.integers(0, n_clusters, size=n)
    if seed % 5 == 1:  # non-contiguous cluster labels
        labels = labels * 10 + 5
    if seed % 6 == 2 and scale >= 1.0:  # duplicated rows: one minority group collapses to one point
        X = np.round(X * 8) / 8  # dyadic values: distances between equal rows are exactly 0
        minority = y != np.bincount(np.unique(y, return_inverse=True)[1]).argmax()
        group = minority & (labels == labels[np.flatnonzero(minority)[0]]) & (y == y[np.flatnonzero(minority)[0]])
        X[group] = X[np.flatnonzero(group)[0]]
    params = {
        "distances_exponent": rng.choice(["auto", 0.0, 1.0, 2.5, 400.0]).item(),
        "filtering_threshold": rng.choice(["auto", 0.5, 1.0, 3.0]).item(),
        "sparsity_based": bool(rng.random() < 0.8),
    }
    params = {k: (float(v) if isinstance(v, str) and v != "auto" else v) for k, v in params.items()}
    neighbors = None
    present = np.unique(labels)
    if rng.random() < 0.5 and len(present) > 1:
        pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1 :] if rng.random() < 0.5]
        pairs = pairs or [(present[0], present[1])]  # the reference rejects an empty neighbors array
        neighbors = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        params["distribution_ratio"] = float(rng.choice([0.0, 0.3, 0.8, 1.0]))
    if len(np.unique(y)) < 2:
        y[:2] = np.unique(y)[0] + 1, np.unique(y)[0]
    return X, y, labels, neighbors, params


# ------------------------------------------------------------- random cases
@pytest.mark.parametrize("seed", range(N_RANDOM_CASES))
def test_random_case_matches_reference(seed):
    X, y, labels, neighbors, params = random_case(seed)
    reference = fit_reference(X, y, labels, neighbors, **params)
    ours = DensityDistributor(**params).fit(X, y, labels, neighbors)
    assert_matches_reference(ours, reference, neighbors)


def test_random_cases_cover_the_edge_cases():
    """The random cases above do reach ties, zero and infinite densities, and classes without pairs."""
    seen = set()
    for seed in range(N_RANDOM_CASES):
        X, y, labels, neighbors, params = random_case(seed)
        ours = DensityDistributor(**params).fit(X, y, labels, neighbors)
        if len(ours.majority_class_labels_) > 1:
            seen.add("tie")
        if params["distances_exponent"] == 400.0 and ours.clusters_density_:
            seen.add("huge exponent")
        if ours.inter_distribution_:
            seen.add("inter")
        if classes_without_pairs(ours, neighbors):
            seen.add("no pair")
    assert seen == {"tie", "huge exponent", "inter", "no pair"}


# ----------------------------------------------------------- targeted cases
def _blobs(rng, sizes, n_features=2, spread=1.0, gap=20.0):
    """Rows of consecutive clusters 0, 1, ... (``sizes[k]`` rows each, far apart)."""
    X = np.concatenate([gap * k + spread * rng.normal(size=(m, n_features)) for k, m in enumerate(sizes)])
    labels = np.repeat(np.arange(len(sizes)), sizes)
    return X, labels


@pytest.mark.parametrize("first", [0, 1])
def test_majority_tie_multiclass(first):
    """Two classes tie for the majority: the first one seen filters, both are left out."""
    rng = np.random.default_rng(3)
    y = np.r_[np.full(40, first), np.full(40, 1 - first), np.full(15, 2), np.full(9, 3)]
    X = rng.normal(size=(len(y), 3))
    labels = rng.integers(0, 4, size=len(y))
    reference = fit_reference(X, y, labels, None)
    ours = DensityDistributor().fit(X, y, labels)
    assert ours.majority_class_labels_ == [first, 1 - first]
    assert {label for _, label in ours.intra_distribution_} <= {2, 3}
    assert_matches_reference(ours, reference, None)


def test_majority_tie_binary_gives_nothing_to_distribute():
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1], 30)
    X = rng.normal(size=(60, 2))
    labels = rng.integers(0, 3, size=60)
    ours = DensityDistributor().fit(X, y, labels)
    assert ours.intra_distribution_ == {}
    assert ours.inter_distribution_ == {}
    assert_matches_reference(ours, fit_reference(X, y, labels, None), None)


def test_duplicate_rows_infinite_density_becomes_largest_finite():
    rng = np.random.default_rng(5)
    X, labels = _blobs(rng, [30, 30, 30])
    y = np.zeros(90, dtype=int)
    y[[0, 1, 2, 3, 30, 31, 32, 33, 34, 60, 61, 62, 63]] = 1
    X[[0, 1, 2, 3]] = [0.5, -1.25]  # cluster 0's minority rows are one point: density +inf
    ours = DensityDistributor(filtering_threshold=10.0).fit(X, y, labels)
    reference = fit_reference(X, y, labels, None, filtering_threshold=10.0)
    assert_matches_reference(ours, reference, None)
    density = _as_plain_dict(ours.clusters_density_)
    assert set(density) == {(0, 1), (1, 1), (2, 1)}
    assert np.isfinite(list(density.values())).all()
    assert density[(0, 1)] == max(density[(1, 1)], density[(2, 1)])


def test_all_densities_infinite_become_one():
    rng = np.random.default_rng(6)
    X, labels = _blobs(rng, [20, 20])
    y = np.zeros(40, dtype=int)
    y[[0, 20]] = 1  # one minority row per cluster: mean distance 0, density +inf
    ours = DensityDistributor(filtering_threshold=100.0).fit(X, y, labels)
    assert _as_plain_dict(ours.clusters_density_) == {(0, 1): 1.0, (1, 1): 1.0}
    assert _as_plain_dict(ours.intra_distribution_) == {(0, 1): 0.5, (1, 1): 0.5}
    assert_matches_reference(ours, fit_reference(X, y, labels, None, filtering_threshold=100.0), None)


def test_huge_exponent_keeps_only_zero_densities():
    rng = np.random.default_rng(7)
    X, labels = _blobs(rng, [30, 30, 30], spread=3.0)
    X[labels == 1] = 20.0 + 1e-3 * rng.normal(size=(30, 2))  # cluster 1: tiny distances, density +inf
    y = np.zeros(90, dtype=int)
    y[[0, 1, 2, 3, 30, 31, 32, 60, 61, 62, 63, 64]] = 1
    params = {"filtering_threshold": 10.0, "distances_exponent": 1000.0}
    ours = DensityDistributor(**params).fit(X, y, labels)
    reference = fit_reference(X, y, labels, None, **params)
    assert_matches_reference(ours, reference, None)
    # Clusters 0 and 2 have mean distances > 1: density underflows to 0. Only they stay, with density 1.
    assert _as_plain_dict(ours.clusters_density_) == {(0, 1): 1.0, (2, 1): 1.0}
    assert _as_plain_dict(ours.intra_distribution_) == {(0, 1): 0.5, (2, 1): 0.5}


@pytest.mark.parametrize("ratio", [0.0, 0.25, 0.6])
@pytest.mark.parametrize("sparsity_based", [True, False])
def test_neighbors_with_ratio_below_one(ratio, sparsity_based):
    rng = np.random.default_rng(8)
    X, labels = _blobs(rng, [25, 25, 25, 25], n_features=3)
    y = np.tile(np.repeat([0, 1, 2], [15, 6, 4]), 4)
    neighbors = np.array([[0, 1], [1, 2], [2, 3]])
    params = {"filtering_threshold": 10.0, "distribution_ratio": ratio, "sparsity_based": sparsity_based}
    ours = DensityDistributor(**params).fit(X, y, labels, neighbors)
    reference = fit_reference(X, y, labels, neighbors, **params)
    assert ours.inter_distribution_, "every class should have neighbouring filtered pairs here"
    assert classes_without_pairs(ours, neighbors) == set()
    assert_matches_reference(ours, reference, neighbors)
    for total in class_totals(ours).values():
        assert total == pytest.approx(1.0, rel=RTOL)


def test_filtering_threshold_filters_dense_majority_clusters():
    rng = np.random.default_rng(9)
    X, labels = _blobs(rng, [40, 40])
    y = np.zeros(80, dtype=int)
    y[:20] = 1  # cluster 0: 20 minority / 20 majority; cluster 1: 2 minority / 38 majority
    y[40:42] = 1
    for threshold in (0.5, 1.0, 19.0, 5.0):
        ours = DensityDistributor(filtering_threshold=threshold).fit(X, y, labels)
        expected = {(0, 1)} if threshold < 19 else {(0, 1), (1, 1)}
        if threshold < 1:
            expected = set()
        assert {_key(k) for k in ours.filtered_clusters_} == expected, threshold
        assert_matches_reference(ours, fit_reference(X, y, labels, None, filtering_threshold=threshold), None)


def test_string_class_labels_match_reference():
    X, y, labels, _, params = random_case(11)
    y = np.array(["alpha", "beta", "gamma", "delta"])[np.unique(y, return_inverse=True)[1]]
    ours = DensityDistributor(**params).fit(X, y, labels)
    assert_matches_reference(ours, fit_reference(X, y, labels, None, **params), None)


def test_large_group_tiled_path_matches_reference():
    """A group larger than the batched buckets goes through the row-tiled distance pass."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(6000, 2)) * 3.0
    labels = np.repeat([0, 1, 2], [3000, 2000, 1000])
    y = np.r_[np.zeros(600), np.ones(2400), np.zeros(1400), np.ones(600), np.zeros(700), np.ones(300)].astype(int)
    ours = DensityDistributor(filtering_threshold=2.0).fit(X, y, labels)
    reference = fit_reference(X, y, labels, None, filtering_threshold=2.0)
    assert max(np.bincount(labels[y == 1])) > 2048
    assert_matches_reference(ours, reference, None)


def test_float32_input_close_to_reference():
    X, y, labels, _, params = random_case(13)
    X = X.astype(np.float32)
    ours = DensityDistributor(**params).fit(X, y, labels)
    reference = fit_reference(X.astype(np.float64), y, labels, None, **params)
    for key, expected in _as_plain_dict(reference.intra_distribution_).items():
        assert _as_plain_dict(ours.intra_distribution_)[key] == pytest.approx(expected, rel=1e-4)


# ------------------------------------------------- the deliberate difference
def _no_pair_case():
    """Class 2 has filtered groups in clusters 0 and 3 only, which are not neighbours."""
    rng = np.random.default_rng(10)
    X, labels = _blobs(rng, [30, 30, 30, 30])
    y = np.zeros(120, dtype=int)
    y[[0, 1, 2, 3, 4, 30, 31, 32, 33, 60, 61, 62, 63, 64, 90, 91, 92]] = 1
    y[[5, 6, 7, 93, 94, 95, 96]] = 2
    neighbors = np.array([[0, 1], [1, 2], [2, 3]])
    return X, y, labels, neighbors


@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.75])
def test_class_without_pair_keeps_its_whole_share(ratio):
    X, y, labels, neighbors = _no_pair_case()
    params = {"filtering_threshold": 10.0, "distribution_ratio": ratio}
    ours = DensityDistributor(**params).fit(X, y, labels, neighbors)
    assert classes_without_pairs(ours, neighbors) == {2}
    totals = class_totals(ours)
    assert totals[1] == pytest.approx(1.0, rel=RTOL)
    assert totals[2] == pytest.approx(1.0, rel=RTOL)
    # Class 2's shares are its shares without any inter-cluster generation.
    intra_only = DensityDistributor(filtering_threshold=10.0).fit(X, y, labels)
    expected = {k: v for k, v in _as_plain_dict(intra_only.intra_distribution_).items() if k[1] == 2}
    assert expected, "class 2 should have filtered groups"
    for key, share in expected.items():
        assert _as_plain_dict(ours.intra_distribution_)[key] == pytest.approx(share, rel=RTOL)
    assert not [pair for pair in _as_plain_dict(ours.inter_distribution_) if pair[0][1] == 2]
    # The reference gives class 2 a total of 0 (ratio 0) or rejects its own result.
    reference = ReferenceDistributor(**params)
    if ratio == 0.0:
        reference.fit(X, y, labels, neighbors)
        assert sum(v for (_, c), v in reference.intra_distribution_.items() if c == 2) == 0.0
    else:
        with pytest.raises(ValueError, match="sum of proportions"):
            reference.fit(X, y, labels, neighbors)
    # Class 1 has pairs: it matches the reference.
    assert_matches_reference(ours, fit_reference(X, y, labels, neighbors, **params), neighbors)


# ------------------------------------------------------------ the interface
def test_fit_distribute_returns_the_fitted_distributions():
    X, y, labels, neighbors, params = random_case(21)
    distributor = DensityDistributor(**params)
    intra, inter = distributor.fit_distribute(X, y, labels, neighbors)
    assert intra == distributor.intra_distribution_
    assert inter == distributor.inter_distribution_
    assert intra, "the case should have something to distribute"


def test_no_labels_means_one_cluster():
    X, y, _, _, _ = random_case(22)
    ours = DensityDistributor().fit(X, y)
    assert_matches_reference(ours, fit_reference(X, y, None, None), None)
    minority = sorted(set(np.unique(y).tolist()) - set(ours.majority_class_labels_))
    assert _as_plain_dict(ours.intra_distribution_) == {(0, c): 1.0 for c in minority}


def test_no_labels_with_a_threshold_that_filters_everything():
    rng = np.random.default_rng(24)
    X = rng.normal(size=(50, 2))
    y = np.r_[np.zeros(40, dtype=int), np.ones(10, dtype=int)]
    ours = DensityDistributor(filtering_threshold=0.5).fit(X, y)
    reference = fit_reference(X, y, None, None, filtering_threshold=0.5)
    assert_matches_reference(ours, reference, None)


def test_base_distributor_shares_by_group_size():
    y = np.array([0] * 10 + [1] * 6 + [2] * 4)
    labels = np.array([0] * 10 + [0, 0, 1, 1, 1, 1] + [1, 1, 1, 5])
    X = np.arange(40, dtype=float).reshape(20, 2)
    distributor = BaseDistributor().fit(X, y, labels)
    assert _as_plain_dict(distributor.intra_distribution_) == {
        (0, 0): pytest.approx(1.0),  # majority classes too: a dict strategy may ask for majority rows
        (0, 1): pytest.approx(2 / 6),
        (1, 1): pytest.approx(4 / 6),
        (1, 2): pytest.approx(3 / 4),
        (5, 2): pytest.approx(1 / 4),
    }
    assert distributor.inter_distribution_ == {}
    assert distributor.majority_class_labels_ == [0]


def test_input_is_not_modified():
    X, y, labels, neighbors, params = random_case(23)
    copies = [X.copy(), y.copy(), labels.copy(), None if neighbors is None else neighbors.copy()]
    DensityDistributor(**params).fit(X, y, labels, neighbors)
    for original, copy in zip([X, y, labels, neighbors], copies):
        if copy is not None:
            np.testing.assert_array_equal(original, copy)
