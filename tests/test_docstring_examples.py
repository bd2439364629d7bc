"""The Examples sections of the public estimators' docstrings run and print what they show.

Each docstring is run with ``doctest`` directly (not ``--doctest-modules``), so the CuPy
modules are never imported.
"""

import doctest
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import make_imbalanced
from imblearn.pipeline import Pipeline, make_pipeline
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.preprocessing import StandardScaler

import gpu_clover
import gpu_clover.cluster
import gpu_clover.distribution
from gpu_clover._docstring import FRAGMENTS, fill_doc, parameters_of

PUBLIC = [
    gpu_clover.SMOTE,
    gpu_clover.GeometricSMOTE,
    gpu_clover.KMeansSMOTE,
    gpu_clover.SOMO,
    gpu_clover.GeometricSOMO,
    gpu_clover.ClusterOverSampler,
    gpu_clover.get_backend,
    gpu_clover.cluster.KMeans,
    gpu_clover.cluster.SOM,
    gpu_clover.distribution.DensityDistributor,
    gpu_clover.distribution.BaseDistributor,
]


# Every sampler of gpu_clover.dask (the public API test checks the module exports these).
DASK_SAMPLERS = ["SMOTE", "GeometricSMOTE", "KMeansSMOTE", "SOMO", "GeometricSOMO", "ClusterOverSampler"]


def _dask_public():
    pytest.importorskip("dask.array")
    import gpu_clover.dask

    return [getattr(gpu_clover.dask, name) for name in gpu_clover.dask.__all__]


def _run_examples(obj):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(obj, obj.__qualname__, globs={})
    examples = sum(len(test.examples) for test in tests)
    assert examples > 0, f"{obj.__qualname__} has no Examples section"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {obj.__qualname__}'s examples failed (see the output above)"


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__qualname__)
def test_examples_run(obj):
    _run_examples(obj)


@pytest.mark.parametrize("name", DASK_SAMPLERS)
def test_dask_examples_run(name):
    obj = {cls.__name__: cls for cls in _dask_public()}[name]
    _run_examples(obj)


def _section_names(doc, title):
    """The names a numpydoc section documents (``a, b : type`` documents both)."""
    lines = inspect.cleandoc(doc).splitlines()
    if title not in lines:
        return set()
    start = lines.index(title) + 2
    names = set()
    for line, following in zip(lines[start:], lines[start + 1 :] + [""]):
        if following and set(following) == {"-"}:
            break  # ``line`` is the next section's title
        if line and not line.startswith(" "):
            names.update(name.strip() for name in line.split(" :")[0].split(","))
    return names


ESTIMATORS = [obj for obj in PUBLIC if isinstance(obj, type)]


@pytest.mark.parametrize("obj", ESTIMATORS + [gpu_clover.get_backend], ids=lambda obj: obj.__qualname__)
def test_every_parameter_documented(obj):
    documented = _section_names(obj.__doc__, "Parameters")
    missing = set(inspect.signature(obj).parameters) - documented
    assert not missing, f"{obj.__qualname__} does not document {sorted(missing)}"


@pytest.mark.parametrize("name", DASK_SAMPLERS)
def test_dask_parameters_documented(name):
    obj = {cls.__name__: cls for cls in _dask_public()}[name]
    missing = set(inspect.signature(obj).parameters) - _section_names(obj.__doc__, "Parameters")
    assert not missing, f"gpu_clover.dask.{name} does not document {sorted(missing)}"


def _fitted_attributes(estimator):
    """The public attributes a fit set: the names ending in ``_``."""
    return {name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")}


def _frame_with_categories():
    """80 / 20 rows of two classes; three named numeric columns and a categorical one (the fit
    then sets ``feature_names_in_`` and SMOTE-NC's ``median_std_``)."""
    X, y = make_imbalanced([80, 20], n_blobs=2, seed=3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["kind"] = pd.Categorical(np.where(X[:, 0] > X[:, 0].mean(), "u", "v"))
    return X, frame, y


def _fits(estimator):
    """Every way a test fits ``estimator`` here: numeric X and a named frame, ``fit`` and
    ``fit_resample`` for the samplers."""
    X, frame, y = _frame_with_categories()
    if hasattr(estimator, "fit_resample"):
        return [(method, data) for method in ("fit", "fit_resample") for data in (X, frame)]
    if isinstance(estimator, gpu_clover.distribution.BaseDistributor):
        labels = np.arange(len(y)) % 3
        return [("fit", (data, y, labels, np.array([[0, 1]]))) for data in (X, frame[["a", "b", "c"]])]
    return [("fit", (frame[["a", "b", "c"]],))]


FITTED = [
    gpu_clover.SMOTE(random_state=0, backend="numpy"),
    gpu_clover.GeometricSMOTE(random_state=0, backend="numpy"),
    gpu_clover.KMeansSMOTE(kmeans_estimator=2, random_state=0, backend="numpy"),
    gpu_clover.SOMO(som_estimator=25, random_state=0, backend="numpy"),
    gpu_clover.GeometricSOMO(som_estimator=4, random_state=0, backend="numpy"),
    gpu_clover.ClusterOverSampler(
        gpu_clover.SMOTE(), gpu_clover.cluster.KMeans(n_clusters=2, random_state=0), random_state=0, backend="numpy"
    ),
    gpu_clover.cluster.KMeans(n_clusters=3, random_state=0, backend="numpy"),
    gpu_clover.cluster.SOM(n_columns=2, n_rows=2, random_state=0, backend="numpy"),
    gpu_clover.distribution.DensityDistributor(),
    gpu_clover.distribution.BaseDistributor(),
]


@pytest.mark.parametrize("estimator", FITTED, ids=lambda estimator: type(estimator).__name__)
def test_every_fitted_attribute_is_documented(estimator):
    """What ``help()`` shows: each attribute a fit sets (a name ending in ``_``) is in the class's
    Attributes section, ``n_features_in_``, ``feature_names_in_`` and ``transformer_`` included."""
    documented = _section_names(type(estimator).__doc__, "Attributes")
    for method, data in _fits(estimator):
        fitted = clone(estimator)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a SOM cluster too small to serve a class, say
            if isinstance(data, tuple):
                getattr(fitted, method)(*data)
            else:
                getattr(fitted, method)(data, _frame_with_categories()[2])
        missing = _fitted_attributes(fitted) - documented
        assert not missing, f"{type(estimator).__name__}.{method} sets {sorted(missing)}, not documented"


def test_the_pipeline_transformer_is_documented():
    sampler = gpu_clover.ClusterOverSampler(
        make_pipeline(StandardScaler(), gpu_clover.SMOTE()), gpu_clover.cluster.KMeans(n_clusters=2), backend="numpy"
    )
    X, _, y = _frame_with_categories()
    sampler.fit_resample(X, y)
    assert isinstance(sampler.transformer_, Pipeline)
    assert "transformer_" in _section_names(type(sampler).__doc__, "Attributes")


def test_dask_fitted_attributes_are_documented():
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    X, frame, y = _frame_with_categories()
    for obj in _dask_public():
        required = (gpu_clover.SMOTE(),) if obj.__name__ == "ClusterOverSampler" else ()
        sampler = obj(*required, random_state=0, backend="numpy")
        if obj.__name__ == "KMeansSMOTE":
            sampler.set_params(kmeans_estimator=2)
        elif obj.__name__ in ("SOMO", "GeometricSOMO"):
            sampler.set_params(som_estimator=16, raise_error=False)  # 100 rows: no cluster may pass
        elif obj.__name__ == "ClusterOverSampler":
            sampler.set_params(clusterer=gpu_clover.cluster.KMeans(n_clusters=2, random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)
            sampler.fit_resample(da.from_array(X, chunks=50), da.from_array(y, chunks=50))
            sampler.fit_resample(dd.from_pandas(frame, npartitions=2), dd.from_array(y, chunksize=50))
        assert sampler.median_std_  # set by the categorical column
        missing = _fitted_attributes(sampler) - _section_names(obj.__doc__, "Attributes")
        assert not missing, f"gpu_clover.dask.{obj.__name__} sets {sorted(missing)}, not documented"


def test_placeholders_all_filled():
    for obj in [*PUBLIC, *_dask_public()]:
        assert "%(" not in obj.__doc__, obj.__qualname__


def test_fill_doc_indents_fragments_and_refuses_unknown_names():
    def documented():
        """Doc.

        Parameters
        ----------
        %(k_neighbors)s
        """

    fill_doc(documented)
    assert "\n        k_neighbors : int, default=5\n            Nearest rows" in documented.__doc__

    def misspelt():
        """%(k_neighbours)s"""

    with pytest.raises(KeyError, match="k_neighbours"):
        fill_doc(misspelt)


def test_parameters_of_reuses_the_parent_text():
    text = parameters_of(gpu_clover.SMOTE)
    assert text.startswith("sampling_strategy : ")
    assert text.endswith(FRAGMENTS["categorical_features"])  # the last parameter, text unchanged
