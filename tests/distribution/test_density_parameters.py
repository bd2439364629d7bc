"""DensityDistributor's parameters: no filter at infinity, and the reference's exception types."""

import numpy as np
import pytest
from conftest import make_imbalanced
from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDensityDistributor
from sklearn.utils._param_validation import InvalidParameterError

from gpu_clover.distribution import DensityDistributor

X, Y = make_imbalanced([90, 30, 20], n_features=3, n_blobs=3, seed=4)
LABELS = np.arange(len(Y)) % 5


def test_infinite_filtering_threshold_filters_nothing():
    minority_groups = {(c, k) for c, k in zip(LABELS.tolist(), Y.tolist()) if k != 0}
    distributor = DensityDistributor(filtering_threshold=float("inf")).fit(X, Y, LABELS)
    assert set(distributor.filtered_clusters_) == minority_groups
    assert set(DensityDistributor(filtering_threshold=1.0).fit(X, Y, LABELS).filtered_clusters_) < minority_groups
    reference = ReferenceDensityDistributor(filtering_threshold=float("inf")).fit(X, Y, LABELS)
    assert set(reference.filtered_clusters_) == minority_groups


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("filtering_threshold", "high"),
        ("filtering_threshold", [1.0]),
        ("filtering_threshold", -1.0),
        ("distances_exponent", "max"),
        ("distances_exponent", None),
        ("distances_exponent", -2.0),
        ("sparsity_based", "yes"),
        ("distribution_ratio", "half"),
        ("distribution_ratio", 1.5),
    ],
)
def test_bad_parameter_raises_what_the_reference_raises(name, value):
    with pytest.raises(Exception) as reference:
        ReferenceDensityDistributor(**{name: value}).fit(X, Y, LABELS)
    assert reference.type in (TypeError, ValueError)
    # InvalidParameterError is both a ValueError and a TypeError: an ``except`` written for
    # the reference catches it.
    with pytest.raises(reference.type, match=rf"'{name}' parameter of DensityDistributor") as ours:
        DensityDistributor(**{name: value}).fit(X, Y, LABELS)
    assert ours.type is InvalidParameterError


def test_nan_filtering_threshold_is_rejected():
    # NaN would compare false everywhere and silently filter every group.
    with pytest.raises(InvalidParameterError, match=r"'filtering_threshold'.*Got nan"):
        DensityDistributor(filtering_threshold=float("nan")).fit(X, Y, LABELS)
