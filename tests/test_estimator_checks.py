"""scikit-learn and imbalanced-learn estimator checks for every public estimator.

Expected failures are listed with their reason; they are strict: a check that
starts passing fails the run, so the list stays true.
"""

import inspect

import pytest
from imblearn.utils.estimator_checks import check_param_validation
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

import gpu_clover
import gpu_clover.cluster
import gpu_clover.distribution
from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover.cluster import SOM, KMeans
from gpu_clover.distribution import BaseDistributor, DensityDistributor

try:
    from gpu_clover import dask as gdask
    from gpu_clover.dask._base import DaskOverSamplerMixin

    DASK_SAMPLERS = [
        gdask.KMeansSMOTE(kmeans_estimator=2, random_state=0, backend="numpy"),
        gdask.ClusterOverSampler(SMOTE(), KMeans(n_clusters=2, random_state=0), random_state=0, backend="numpy"),
        gdask.SMOTE(random_state=0, backend="numpy"),
        gdask.GeometricSMOTE(random_state=0, backend="numpy"),
        gdask.SOMO(som_estimator=4, random_state=0, backend="numpy"),
        gdask.GeometricSOMO(som_estimator=4, random_state=0, backend="numpy"),
    ]
    PUBLIC_MODULES = [gpu_clover, gpu_clover.cluster, gpu_clover.distribution, gdask]
except ImportError:  # dask is an optional extra
    DASK_SAMPLERS = []
    PUBLIC_MODULES = [gpu_clover, gpu_clover.cluster, gpu_clover.distribution]

SPARSE = "sparse input is rejected by design (a clear TypeError): synthetic rows are dense interpolations"
STRATEGY_ON_OVERSAMPLER = (
    "ClusterOverSampler has no sampling_strategy parameter: as in cluster-over-sampling it belongs to the "
    "wrapped oversampler (set_params(oversampler__sampling_strategy=...))"
)
DASK_ONLY = (
    "gpu_clover.dask samplers take dask collections only, by design: in-memory data raise a TypeError "
    "that points to the single-machine samplers"
)
# The sampler checks that feed in-memory data (NumPy, pandas, lists) to fit / fit_resample.
IN_MEMORY_CHECKS = [
    "check_target_type",
    "check_samplers_one_label",
    "check_samplers_fit",
    "check_samplers_fit_resample",
    "check_samplers_sampling_strategy_fit_resample",
    "check_samplers_pandas",
    "check_samplers_pandas_sparse",
    "check_samplers_list",
    "check_samplers_multiclass_ova",
    "check_samplers_preserve_dtype",
    "check_samplers_sample_indices",
    "check_samplers_2d_target",
    "check_sampler_get_feature_names_out",
    "check_sampler_get_feature_names_out_pandas",
]

SAMPLERS = [
    SMOTE(random_state=0, backend="numpy"),
    # imbalanced-learn's checks set kmeans_estimator=12 on any class named KMeansSMOTE.
    KMeansSMOTE(kmeans_estimator=2, random_state=0, backend="numpy"),
    GeometricSMOTE(random_state=0, backend="numpy"),
    # SOMO's filtering threshold is fixed at 1 (the reference's): a cluster serves a class only
    # where that class has at least as many rows as the majority, which a 5 x 5 map finds in the
    # checks' data and a 2 x 2 map does not (no samples: a ValueError, as the reference).
    SOMO(som_estimator=25, random_state=0, backend="numpy"),
    GeometricSOMO(som_estimator=4, random_state=0, backend="numpy"),
    ClusterOverSampler(SMOTE(), KMeans(n_clusters=2, random_state=0), random_state=0, backend="numpy"),
]


def expected_sampler_failures(estimator):
    if DASK_SAMPLERS and isinstance(estimator, DaskOverSamplerMixin):
        failures = dict.fromkeys(IN_MEMORY_CHECKS, DASK_ONLY)
    else:
        failures = {"check_samplers_pandas_sparse": SPARSE}
    if isinstance(estimator, ClusterOverSampler):
        failures["check_samplers_sampling_strategy_fit_resample"] = STRATEGY_ON_OVERSAMPLER
    return failures


def public_prefix(estimator):
    """The public module a user imports the estimator's class from, as an ID prefix: ``"dask."``
    for gpu_clover.dask's KMeansSMOTE, ``""`` for gpu_clover's own."""
    module = next(module for module in PUBLIC_MODULES if type(estimator) in map(module.__dict__.get, module.__all__))
    return "" if module is gpu_clover else module.__name__.removeprefix("gpu_clover.") + "."


def public_ids(parametrize, strict=False):
    """The same parametrization, each ID led by the estimator's public module (two classes share a
    name: ``KMeansSMOTE(...)`` and ``dask.KMeansSMOTE(...)``); ``strict``: every expected failure
    made strict."""
    names, params = parametrize.args
    ids = parametrize.kwargs["ids"]
    rewritten = []
    for param in params:
        values, marks = (param.values, param.marks) if hasattr(param, "values") else (param, ())
        if strict:
            marks = [
                pytest.mark.xfail(reason=mark.kwargs["reason"], strict=True) if mark.name == "xfail" else mark
                for mark in marks
            ]
        estimator, check = values
        rewritten.append(
            pytest.param(*values, marks=marks, id=f"{public_prefix(estimator)}{ids(estimator)}-{ids(check)}")
        )
    return pytest.mark.parametrize(names, rewritten)


@public_ids(imblearn_checks(SAMPLERS + DASK_SAMPLERS, expected_failed_checks=expected_sampler_failures), strict=True)
def test_imblearn_checks(estimator, check):
    check(estimator)


ESTIMATORS = [
    KMeans(n_clusters=3, random_state=0, backend="numpy"),
    SOM(n_columns=2, n_rows=2, random_state=0, backend="numpy"),
    DensityDistributor(),
    BaseDistributor(),
]


# The samplers too, with no expected failure: fit, the input checks (empty data, one row, one
# feature) and the parameter handling hold as for any scikit-learn estimator.
@public_ids(sklearn_checks(ESTIMATORS + SAMPLERS, xfail_strict=True))
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    """Each estimator class a public module exports runs scikit-learn's or imbalanced-learn's checks."""
    public = {
        obj
        for module in PUBLIC_MODULES
        for obj in (getattr(module, name) for name in module.__all__)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator)
    }
    checked = {type(estimator) for estimator in SAMPLERS + DASK_SAMPLERS + ESTIMATORS}
    assert public - checked == set()


@pytest.mark.parametrize(
    "estimator",
    [
        *SAMPLERS,
        *DASK_SAMPLERS,
        KMeans(n_clusters=2, backend="numpy"),
        SOM(n_columns=2, n_rows=2, backend="numpy"),
        DensityDistributor(),
    ],
    ids=lambda estimator: public_prefix(estimator) + type(estimator).__name__,
)
def test_param_validation(estimator):
    # imbalanced-learn's (= scikit-learn's) check: one constraint per parameter and no other,
    # and an InvalidParameterError naming the parameter for a value that breaks it.
    check_param_validation(type(estimator).__name__, estimator)


def test_check_ids_name_the_public_module():
    """An ID says which class it checks: gpu_clover.dask's samplers share their names with the
    single-machine ones."""
    for test in (test_imblearn_checks, test_sklearn_checks):
        params = test.pytestmark[0].args[1]
        ids = [param.id for param in params]
        assert len(set(ids)) == len(ids)
        for param in params:
            estimator = param.values[0]
            dask = type(estimator).__module__.startswith("gpu_clover.dask")
            assert param.id.startswith(f"dask.{type(estimator).__name__}(") == dask, param.id
