"""DensityDistributor's ``purity_exponent``: majority-heavy clusters get less.

A group's purity is its rows over its cluster's rows. At ``p`` every weight of the
distributor (the density rule's, and the size rule's under ``size_ratio``) is
multiplied by ``purity ** p`` before the per-class normalisation; at 0.0 the
distributor is the reference's.
"""

import numpy as np
import pytest
from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDistributor
from test_size_ratio import random_case, size_shares

from gpu_clover.distribution import DensityDistributor

RTOL = 1e-9


def purity(y, labels, key):
    cluster, label = key
    return np.sum((labels == cluster) & (y == label)) / np.sum(labels == cluster)


def renormalised(shares, factors):
    """``shares * factors`` normalised per class (keys ``(cluster, class)``)."""
    weighted = {key: share * factors[key] for key, share in shares.items()}
    totals = {}
    for (_, label), weight in weighted.items():
        totals[label] = totals.get(label, 0.0) + weight
    return {key: weight / totals[key[1]] for key, weight in weighted.items()}


@pytest.mark.parametrize("seed", range(20))
def test_zero_is_the_reference(seed):
    X, y, labels = random_case(seed)
    ours = DensityDistributor(purity_exponent=0.0).fit(X, y, labels)
    reference = ReferenceDistributor().fit(X, y, labels)
    expected = {(int(c), int(k)): share for (c, k), share in reference.intra_distribution_.items()}
    assert set(ours.intra_distribution_) == set(expected)
    for key, share in expected.items():
        np.testing.assert_allclose(ours.intra_distribution_[key], share, rtol=RTOL)


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("purity_exponent", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("size_ratio", [0.0, 0.5])
def test_weights_are_multiplied_by_purity(seed, purity_exponent, size_ratio):
    """Each part (density, size) is the plain part re-weighted by ``purity ** p``, per class."""
    X, y, labels = random_case(seed)
    density = DensityDistributor().fit(X, y, labels)
    weighted = DensityDistributor(size_ratio=size_ratio, purity_exponent=purity_exponent).fit(X, y, labels)
    assert weighted.filtered_clusters_ == density.filtered_clusters_
    sizes = size_shares(weighted, y, labels) if size_ratio else {}
    factors = {key: purity(y, labels, key) ** purity_exponent for key in {**density.intra_distribution_, **sizes}}
    density_part = renormalised(density.intra_distribution_, factors)
    size_part = renormalised(sizes, factors) if size_ratio else {}
    assert set(weighted.intra_distribution_) == set(density_part) | set(size_part)
    for key, share in weighted.intra_distribution_.items():
        expected = (1 - size_ratio) * density_part.get(key, 0.0) + size_ratio * size_part.get(key, 0.0)
        np.testing.assert_allclose(share, expected, rtol=RTOL)


@pytest.mark.parametrize("seed", range(30))
def test_shares_sum_to_one_per_class(seed):
    X, y, labels = random_case(seed, n_features=int(2 + seed % 20))
    intra = DensityDistributor(size_ratio=0.5, purity_exponent=1.0).fit(X, y, labels).intra_distribution_
    totals = {}
    for (_, label), share in intra.items():
        totals[label] = totals.get(label, 0.0) + share
    np.testing.assert_allclose(list(totals.values()), 1.0, rtol=1e-12)


def test_pure_clusters_keep_their_weight_and_mixed_ones_lose():
    """Clusters 0 and 1 hold only minority rows, cluster 2 holds both classes.

    Between the two pure clusters the ratio of shares is unchanged; the mixed one's
    share drops by its purity relative to them.
    """
    rng = np.random.default_rng(0)
    minority = [rng.normal(loc, 1.0, size=(n, 2)) for loc, n in ((0, 20), (10, 12), (20, 10))]
    majority = rng.normal(20, 1.0, size=(60, 2))
    X = np.concatenate([*minority, majority])
    y = np.repeat([1, 1, 1, 0], [20, 12, 10, 60])
    labels = np.repeat([0, 1, 2, 2], [20, 12, 10, 60])
    plain = DensityDistributor(filtering_threshold=10.0).fit(X, y, labels).intra_distribution_
    weighted = DensityDistributor(filtering_threshold=10.0, purity_exponent=1.0).fit(X, y, labels).intra_distribution_
    assert set(plain) == set(weighted) == {(0, 1), (1, 1), (2, 1)}
    assert weighted[(0, 1)] / weighted[(1, 1)] == pytest.approx(plain[(0, 1)] / plain[(1, 1)], rel=1e-12)
    mixed_plain = plain[(2, 1)] / plain[(0, 1)]
    assert weighted[(2, 1)] / weighted[(0, 1)] == pytest.approx(mixed_plain * 10 / 70, rel=1e-12)


def test_a_pair_takes_the_smaller_purity():
    """Inter-cluster shares: the plain pair weights times the pair's smaller purity, per class."""
    X, y, labels = random_case(5)
    neighbors = np.array([[a, a + 1] for a in range(int(labels.max()))])
    plain = DensityDistributor(distribution_ratio=0.6).fit(X, y, labels, neighbors)
    weighted = DensityDistributor(distribution_ratio=0.6, purity_exponent=1.0).fit(X, y, labels, neighbors)
    assert weighted.inter_distribution_.keys() == plain.inter_distribution_.keys() and plain.inter_distribution_
    factors = {pair: min(purity(y, labels, pair[0]), purity(y, labels, pair[1])) for pair in plain.inter_distribution_}
    label_of = {pair: pair[0][1] for pair in plain.inter_distribution_}
    totals = {}
    for pair, share in plain.inter_distribution_.items():
        totals[label_of[pair]] = totals.get(label_of[pair], 0.0) + share
    weighted_totals = {}
    for pair, share in plain.inter_distribution_.items():
        weighted_totals[label_of[pair]] = weighted_totals.get(label_of[pair], 0.0) + share * factors[pair]
    for pair, share in weighted.inter_distribution_.items():
        label = label_of[pair]
        expected = plain.inter_distribution_[pair] * factors[pair] / weighted_totals[label] * totals[label]
        assert share == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("purity_exponent", [-1.0, "auto", None])
def test_bad_purity_exponent(purity_exponent):
    X, y, labels = random_case(0)
    with pytest.raises((ValueError, TypeError), match="purity_exponent"):
        DensityDistributor(purity_exponent=purity_exponent).fit(X, y, labels)
