"""The Examples sections of the public estimators' docstrings run and print what they show.

Each docstring is run with ``doctest`` directly (not ``--doctest-modules``), so the CuPy
modules are never imported.
"""

import doctest
import inspect

import pytest

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


def _dask_public():
    pytest.importorskip("dask.array")
    import gpu_clover.dask

    return [gpu_clover.dask.KMeansSMOTE, gpu_clover.dask.ClusterOverSampler]


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


@pytest.mark.parametrize("name", ["KMeansSMOTE", "ClusterOverSampler"])
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


@pytest.mark.parametrize("name", ["KMeansSMOTE", "ClusterOverSampler"])
def test_dask_parameters_documented(name):
    obj = {cls.__name__: cls for cls in _dask_public()}[name]
    missing = set(inspect.signature(obj).parameters) - _section_names(obj.__doc__, "Parameters")
    assert not missing, f"gpu_clover.dask.{name} does not document {sorted(missing)}"


@pytest.mark.parametrize(
    "obj",
    [
        gpu_clover.SMOTE,
        gpu_clover.GeometricSMOTE,
        gpu_clover.KMeansSMOTE,
        gpu_clover.SOMO,
        gpu_clover.GeometricSOMO,
        gpu_clover.ClusterOverSampler,
    ],
    ids=lambda obj: obj.__qualname__,
)
def test_samplers_document_their_fitted_attributes(obj):
    documented = _section_names(obj.__doc__, "Attributes")
    assert {"sampling_strategy_", "random_state_", "stage_seconds_"} <= documented
    if obj not in (gpu_clover.SMOTE, gpu_clover.GeometricSMOTE):
        assert {"labels_", "neighbors_", "clusterer_", "distributor_", "oversampler_"} <= documented


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
