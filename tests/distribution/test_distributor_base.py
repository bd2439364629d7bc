"""BaseDistributor, the extension point: a subclass's shares are checked when it is fitted."""

import numpy as np
import pytest

from gpu_clover.distribution import BaseDistributor, DensityDistributor

X = np.random.default_rng(3).normal(size=(60, 3))
Y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
LABELS = np.arange(60) % 3


class GivenShares(BaseDistributor):
    def __init__(self, intra=None):
        self.intra = intra

    def _distribute(self, backend, X, groups, neighbors, stats):
        self.intra_distribution_ = dict(self.intra)


@pytest.mark.parametrize(
    ("intra", "match"),
    [
        (
            {(0, 1): 1.5, (1, 1): -0.5},
            r"GivenShares\.intra_distribution_\[\(1, 1\)\] must be a finite number >= 0; got -0\.5",
        ),
        ({(0, 1): float("nan")}, r"GivenShares\.intra_distribution_\[\(0, 1\)\] must be a finite number >= 0; got nan"),
        ({(0, 1): 1.0, (5, 1): 0.0}, r"GivenShares\.intra_distribution_ has the key \(5, 1\), which is no"),
        ({(0, 1): 0.5}, r"The proportions of each class must sum to 1; got \{1: 0\.5\}"),
    ],
)
def test_subclass_with_bad_shares(intra, match):
    with pytest.raises(ValueError, match=match):
        GivenShares(intra).fit(X, Y, LABELS)


def test_subclass_with_valid_shares():
    intra = {(0, 1): 0.25, (2, 1): 0.75}
    assert GivenShares(intra).fit_distribute(X, Y, LABELS) == (intra, {})


@pytest.mark.parametrize("labels", [LABELS[:, None], 0])
def test_fit_with_labels_of_another_shape(labels):
    with pytest.raises(ValueError, match=r"labels must have shape \(n_samples,\), one cluster label per row"):
        BaseDistributor().fit(X, Y, labels)


def test_concurrent_fits_on_one_instance(concurrent_calls):
    """fit_distribute from four threads on one distributor, each with its own labels: each gets its own answer."""
    rng = np.random.default_rng(4)
    labels = [rng.integers(0, 2 + i, size=60) for i in range(4)]
    alone = [DensityDistributor().fit_distribute(X, Y, labels[i]) for i in range(4)]
    shared = DensityDistributor()
    results = concurrent_calls(lambda cluster_labels: shared.fit_distribute(X, Y, cluster_labels), labels)
    assert len(results) == 12
    assert all(result == alone[i] for (i, _), result in results.items())
    (i,) = [i for i in range(4) if np.array_equal(shared.labels_, labels[i])]
    assert (shared.intra_distribution_, shared.inter_distribution_) == alone[i]
