"""DensityDistributor's ``size_ratio``: a share of every class distributed as SMOTE.

At its default (0.0) the distributor is the reference's, to 1e-9; at ``r`` every
group's share is ``(1 - r) * density share + r * size share`` (density share: the
reference's, 0 for a group that is not filtered; size share: the group's rows
over its class's rows, SMOTE's allocation), for every class with a filtered group.
"""

import numpy as np
import pytest
from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDistributor

from gpu_clover.distribution import DensityDistributor

RTOL = 1e-9


def random_case(seed, n_features=None):
    """Clustered data: 2-3 classes, 3-8 clusters, integer labels (the reference's input)."""
    rng = np.random.default_rng(seed)
    n_features = n_features or int(rng.integers(2, 9))
    n_classes = int(rng.integers(2, 4))
    n_clusters = int(rng.integers(3, 9))
    counts = [int(rng.integers(60, 120))] + [int(rng.integers(8, 40)) for _ in range(n_classes - 1)]
    y = np.repeat(np.arange(n_classes), counts)
    labels = rng.integers(0, n_clusters, size=len(y))
    scale = rng.uniform(0.3, 3.0, size=n_clusters)
    X = rng.normal(size=(len(y), n_features)) * scale[labels, None] + labels[:, None]
    return X, y, labels


def size_shares(distributor, y, labels):
    """SMOTE's share of every group of a class that has a filtered group: its rows over the class's."""
    served = {label for _, label in distributor.filtered_clusters_}
    return {
        (int(cluster), int(label)): np.sum((labels == cluster) & (y == label)) / np.sum(y == label)
        for label in served
        for cluster in np.unique(labels[y == label])
    }


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("params", [{}, {"size_ratio": 0.0}])
def test_default_equals_the_reference(seed, params):
    X, y, labels = random_case(seed)
    ours = DensityDistributor(**params).fit(X, y, labels)
    reference = ReferenceDistributor().fit(X, y, labels)
    assert ours.size_ratio_ == 0.0
    expected = {(int(cluster), int(label)): share for (cluster, label), share in reference.intra_distribution_.items()}
    assert set(ours.intra_distribution_) == set(expected)
    for key, share in expected.items():
        np.testing.assert_allclose(ours.intra_distribution_[key], share, rtol=RTOL)


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("size_ratio", [0.25, 0.5, 1.0])
def test_mixes_density_and_size_shares(seed, size_ratio):
    X, y, labels = random_case(seed)
    density = DensityDistributor().fit(X, y, labels)
    mixed = DensityDistributor(size_ratio=size_ratio).fit(X, y, labels)
    assert mixed.filtered_clusters_ == density.filtered_clusters_
    sizes = size_shares(mixed, y, labels)
    assert set(mixed.intra_distribution_) == set(sizes)
    for key, share in mixed.intra_distribution_.items():
        expected = (1 - size_ratio) * density.intra_distribution_.get(key, 0.0) + size_ratio * sizes[key]
        np.testing.assert_allclose(share, expected, rtol=RTOL)


@pytest.mark.parametrize("seed", range(30))
def test_no_group_falls_below_its_floor_or_above_its_cap(seed):
    """Under r = 0.5 a group gets at least half its SMOTE share, at most that plus one half.

    Groups that are not filtered get exactly half their SMOTE share.
    """
    X, y, labels = random_case(seed, n_features=int(8 + seed % 24))  # high exponents: extreme densities
    distributor = DensityDistributor(size_ratio=0.5).fit(X, y, labels)
    sizes = size_shares(distributor, y, labels)
    totals = {}
    for key, share in distributor.intra_distribution_.items():
        assert 0.5 * sizes[key] - 1e-12 <= share <= 0.5 + 0.5 * sizes[key] + 1e-12
        if key not in distributor.filtered_clusters_:
            assert share == pytest.approx(0.5 * sizes[key], rel=1e-12)
        totals[key[1]] = totals.get(key[1], 0.0) + share
    np.testing.assert_allclose(list(totals.values()), 1.0, rtol=1e-12)


@pytest.mark.parametrize("purity_exponent", [0.0, 1.0])
def test_one_cluster_per_class_gets_everything(purity_exponent):
    X, y, labels = random_case(3)
    labels = np.zeros_like(labels)
    for size_ratio in (0.0, 0.5, 1.0):
        distributor = DensityDistributor(size_ratio=size_ratio, purity_exponent=purity_exponent)
        intra = distributor.fit(X, y, labels).intra_distribution_
        assert all(share == pytest.approx(1.0) for share in intra.values())


def test_inter_cluster_shares_are_scaled():
    """The density rule's inter-cluster shares are scaled by ``1 - size_ratio``; each class sums to 1."""
    X, y, labels = random_case(5)
    neighbors = np.array([[a, a + 1] for a in range(int(labels.max()))])
    plain = DensityDistributor(distribution_ratio=0.6).fit(X, y, labels, neighbors)
    mixed = DensityDistributor(distribution_ratio=0.6, size_ratio=0.5).fit(X, y, labels, neighbors)
    assert mixed.inter_distribution_.keys() == plain.inter_distribution_.keys()
    for pair, share in plain.inter_distribution_.items():
        assert mixed.inter_distribution_[pair] == pytest.approx(0.5 * share, rel=1e-12)
    for label in {key[1] for key in mixed.intra_distribution_}:
        total = sum(p for key, p in mixed.intra_distribution_.items() if key[1] == label)
        total += sum(p for (key, _), p in mixed.inter_distribution_.items() if key[1] == label)
        assert total == pytest.approx(1.0)


@pytest.mark.parametrize("size_ratio", [-0.1, 1.5, "half", None])
def test_bad_size_ratio(size_ratio):
    X, y, labels = random_case(0)
    with pytest.raises((ValueError, TypeError), match="size_ratio"):
        DensityDistributor(size_ratio=size_ratio).fit(X, y, labels)
