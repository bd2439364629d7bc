"""The public estimators' signatures, parameter constraints and fitted ``random_state_``.

Positional arguments are accepted only where imbalanced-learn, scikit-learn or the
reference (imbalanced-learn-extra) put the same parameter in the same position; any
other positional use is a TypeError, never a silent binding to another parameter.
"""

import inspect

import numpy as np
import pytest
from conftest import make_imbalanced
from imblearn_extra.clover.clusterer import SOM as ReferenceSOM
from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDensityDistributor
from imblearn_extra.clover.over_sampling import ClusterOverSampler as ReferenceClusterOverSampler
from sklearn.cluster import KMeans as SklearnKMeans

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover.cluster import SOM, KMeans
from gpu_clover.distribution import BaseDistributor, DensityDistributor

SAMPLERS = [SMOTE, GeometricSMOTE, KMeansSMOTE, SOMO, GeometricSOMO]
try:
    from gpu_clover import dask as gdask

    DASK_SAMPLERS = [getattr(gdask, name) for name in gdask.__all__]
except ImportError:  # dask is an optional extra
    DASK_SAMPLERS = []

# The positional parameters of each public estimator, and where that order comes from.
POSITIONAL = {
    **{cls: ((), None) for cls in SAMPLERS},  # imbalanced-learn's samplers: all keyword-only
    ClusterOverSampler: (("oversampler", "clusterer", "distributor"), ReferenceClusterOverSampler),
    KMeans: (("n_clusters",), SklearnKMeans),
    SOM: (("n_columns", "n_rows"), ReferenceSOM),
    DensityDistributor: (
        ("filtering_threshold", "distances_exponent", "sparsity_based", "distribution_ratio"),
        ReferenceDensityDistributor,
    ),
    BaseDistributor: ((), None),
}
for dask_cls in DASK_SAMPLERS:
    POSITIONAL[dask_cls] = POSITIONAL[dask_cls.__mro__[2]]  # the single-machine class it extends


@pytest.mark.skipif(not DASK_SAMPLERS, reason="dask is not installed")
def test_every_sampler_is_on_dask():
    """gpu_clover.dask has a sampler for each single-machine one, extending it (same parameters)."""
    assert sorted(cls.__name__ for cls in DASK_SAMPLERS) == sorted(c.__name__ for c in [*SAMPLERS, ClusterOverSampler])
    for dask_cls in DASK_SAMPLERS:
        single = dask_cls.__mro__[2]
        assert single.__module__.startswith("gpu_clover.over_sampling") and single.__name__ == dask_cls.__name__
        assert inspect.signature(dask_cls) == inspect.signature(single)


def required_args(cls):
    """The fewest arguments that construct ``cls``."""
    return (SMOTE(),) if issubclass(cls, ClusterOverSampler) else ()


def positional_names(cls):
    parameters = inspect.signature(cls.__init__).parameters.values()
    return tuple(p.name for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD and p.name != "self")


@pytest.mark.parametrize("cls", list(POSITIONAL), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_positional_parameters_are_the_references(cls):
    names, reference = POSITIONAL[cls]
    assert positional_names(cls) == names
    if reference is not None:  # same names in the same positions: a migrated call binds the same way
        assert positional_names(reference)[: len(names)] == names
    # One positional argument too many is a TypeError.
    arguments = (*required_args(cls), *([None] * (len(names) - len(required_args(cls)))), None)
    with pytest.raises(TypeError, match=r"positional argument|takes no arguments"):
        cls(*arguments)


@pytest.mark.parametrize(
    "construct",
    [
        lambda: GeometricSMOTE("auto", 3),  # the reference's k_neighbors=3, our random_state
        lambda: KMeansSMOTE("auto", 0),
        lambda: SMOTE("auto", 0, 3),
        lambda: SOMO("auto"),
        lambda: GeometricSOMO("auto", 0, 5),
        lambda: ClusterOverSampler(SMOTE(), None, None, False, 0),
        lambda: KMeans(3, "random"),
        lambda: SOM(4, 4, 1.0),  # the reference's sigma, our topology
        lambda: DensityDistributor("auto", "auto", True, 1.0, 0.5),
    ],
)
def test_positional_misuse_is_a_type_error(construct):
    with pytest.raises(TypeError, match=r"positional argument"):
        construct()


@pytest.mark.parametrize("cls", list(POSITIONAL), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_constraints_name_exactly_the_parameters(cls):
    estimator = cls(*required_args(cls))
    assert set(cls._parameter_constraints) == set(estimator.get_params(deep=False))


@pytest.mark.parametrize("cls", SAMPLERS + [ClusterOverSampler])
@pytest.mark.parametrize("method", ["fit", "fit_resample"])
def test_random_state_is_check_random_state_of_the_parameter(cls, method):
    X, y = make_imbalanced([80, 20], n_blobs=2, seed=1)
    extra = {"kmeans_estimator": 2} if cls is KMeansSMOTE else {}
    for random_state, expected in [(None, np.random.mtrand._rand), (np.random.RandomState(5), None), (7, None)]:
        sampler = cls(*required_args(cls), random_state=random_state, backend="numpy", **extra)
        getattr(sampler, method)(X, y)
        if isinstance(random_state, np.random.RandomState):
            assert sampler.random_state_ is random_state
        elif expected is not None:
            assert sampler.random_state_ is expected
        else:  # an int: a new RandomState seeded with it
            assert isinstance(sampler.random_state_, np.random.RandomState)
            assert sampler.random_state_.randint(1 << 30) == np.random.RandomState(random_state).randint(1 << 30)


def test_random_state_attribute_leaves_the_output_unchanged():
    X, y = make_imbalanced([80, 20], n_blobs=2, seed=1)
    first = KMeansSMOTE(kmeans_estimator=2, random_state=3, backend="numpy")
    X_first, _ = first.fit_resample(X, y)
    first.random_state_.uniform(size=10)  # drawing from the attribute does not touch the next fit
    X_second, _ = first.fit_resample(X, y)
    np.testing.assert_array_equal(X_first, X_second)


def test_the_namespace_lists_public_names_only():
    """``dir(gpu_clover)``: what ``__all__`` exports, the public subpackages and dunders; never the
    lazy loader's helpers, nor the private modules importing a subpackage binds on the package."""
    import gpu_clover.cli  # binds gpu_clover.cli, and the private modules it imports, on the package

    subpackages = {"backends", "cluster", "dask", "distribution", "neighbors", "over_sampling"}
    public = (set(gpu_clover.__all__) | subpackages) - {"__version__"}
    listed = set(dir(gpu_clover))
    assert {name for name in listed if not name.startswith("__")} == public
    assert {"__version__", "__all__", "__doc__"} <= listed
    for name in listed:
        getattr(gpu_clover, name)
