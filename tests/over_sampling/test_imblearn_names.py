"""imbalanced-learn's parameter names that the samplers do not take: a TypeError with a hint.

The hint names our counterpart and says how its meaning differs; the samplers' signatures (where
scikit-learn reads the parameters) stay exactly their own.
"""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE as ImblearnSMOTE
from imblearn.over_sampling import SMOTENC
from imblearn.over_sampling import KMeansSMOTE as ImblearnKMeansSMOTE
from sklearn.base import clone

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover.distribution import DensityDistributor
from gpu_clover.over_sampling._imblearn_names import HINTS

SAMPLERS = [SMOTE, GeometricSMOTE, KMeansSMOTE, SOMO, GeometricSOMO, ClusterOverSampler]
try:
    from gpu_clover import dask as gdask

    SAMPLERS += [gdask.KMeansSMOTE, gdask.ClusterOverSampler]
except ImportError:  # dask is an optional extra
    pass

GUIDE = Path(__file__).parents[2] / "docs" / "user_guide" / "imbalanced_learn.rst"

# What each hint must name, per sampler; None: the sampler has no counterpart (Python's own error).
DISTRIBUTOR_FILTER = r"Use distributor=DensityDistributor\(filtering_threshold=\.\.\.\)"
DISTRIBUTOR_EXPONENT = r"Use distributor=DensityDistributor\(distances_exponent=\.\.\.\)"
WITH_FILTER = {
    "cluster_balance_threshold": r"Use imbalance_ratio_threshold\. .*a share t is a threshold of 1 / t - 1",
    "density_exponent": r"Use distances_exponent\. .*\"auto\" differs",
}
EXPECTED = {
    "SMOTE": {"cluster_balance_threshold": None, "density_exponent": None},
    "GeometricSMOTE": {"cluster_balance_threshold": None, "density_exponent": None},
    "SOMO": {"cluster_balance_threshold": None, "density_exponent": None},
    "KMeansSMOTE": WITH_FILTER,
    "GeometricSOMO": WITH_FILTER,
    "ClusterOverSampler": {
        "cluster_balance_threshold": DISTRIBUTOR_FILTER,
        "density_exponent": DISTRIBUTOR_EXPONENT,
    },
}
EVERY_SAMPLER = {
    "n_jobs": r"no n_jobs\. .*CPU affinity.*BLAS held to one thread.*taskset -c 0-3.*os\.sched_setaffinity",
    "categorical_encoder": r"no counterpart\. .*categorical_features",
}


def construct(cls, **params):
    return cls(SMOTE(), **params) if issubclass(cls, ClusterOverSampler) else cls(**params)


def cases():
    for cls in SAMPLERS:
        for name, hint in {**EVERY_SAMPLER, **EXPECTED[cls.__name__]}.items():
            yield pytest.param(cls, name, hint, id=f"{cls.__module__.split('.')[1]}.{cls.__name__}-{name}")


@pytest.mark.parametrize("cls, name, hint", list(cases()))
def test_imblearn_names_raise_a_type_error_with_the_counterpart(cls, name, hint):
    with pytest.raises(TypeError) as info:
        construct(cls, **{name: 1})
    message = str(info.value)
    assert message.startswith(f"{cls.__name__}.__init__() got an unexpected keyword argument '{name}'")
    if hint is None:
        assert message.endswith(f"'{name}'")  # nothing to point to: Python's own words
    else:
        assert "(imbalanced-learn's)" in message
        assert re.search(hint, message), message


@pytest.mark.parametrize("theirs, ours", [(ImblearnKMeansSMOTE, KMeansSMOTE), (ImblearnSMOTE, SMOTE), (SMOTENC, SMOTE)])
def test_every_imblearn_parameter_is_taken_or_hinted(theirs, ours):
    """A parameter of imbalanced-learn's class is one of ours, or gets a hint (this follows
    imbalanced-learn's signatures as they change)."""
    their_names = set(inspect.signature(theirs).parameters)
    our_names = set(inspect.signature(ours).parameters)
    assert their_names - our_names <= set(HINTS)
    for name in their_names - our_names:
        with pytest.raises(TypeError, match=r"\(imbalanced-learn's\)"):
            ours(**{name: None})


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_the_signature_is_the_samplers_own(cls):
    """The wrapped ``__init__`` shows the class's parameters, nothing more: scikit-learn's
    get_params and clone read them from its signature."""
    assert cls.__init__.__wrapped__ is not None
    parameters = set(inspect.signature(cls).parameters)
    assert parameters == set(cls._parameter_constraints)
    assert not parameters & set(HINTS)
    sampler = construct(cls, random_state=3)
    assert set(sampler.get_params(deep=False)) == parameters
    assert clone(sampler).get_params(deep=False).keys() == parameters


def test_the_filter_hint_holds():
    """With two classes, imbalanced-learn's rule (the class's share of the cluster is at least t)
    keeps the same clusters as a filtering threshold of 1 / t - 1."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 12, size=600)
    # Each cluster its own share of the minority class, between 2 % and 98 %.
    y = (rng.random(600) < np.linspace(0.02, 0.98, 12)[labels]).astype(int)
    y[:5] = 0
    X = rng.normal(size=(600, 2))
    for t in (0.1, 0.25, 0.4, 0.5, 0.7):
        shares = np.array([y[labels == c].mean() for c in range(12)])
        assert not np.isclose(shares, t).any()  # no cluster on the boundary
        theirs = {c for c in range(12) if shares[c] >= t}
        distributor = DensityDistributor(filtering_threshold=1 / t - 1).fit(X, y, labels)
        ours = {cluster for cluster, klass in distributor.filtered_clusters_ if klass == 1}
        assert ours == theirs, t


def test_the_guide_lists_every_hinted_name():
    text = GUIDE.read_text()
    assert "Coming from imbalanced-learn" in text
    for name in HINTS:
        assert f"* - ``{name}``" in text, name
