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
from gpu_clover._docstring import fill_doc, parameters_of

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


@pytest.mark.parametrize("obj", PUBLIC[:6] + PUBLIC[7:], ids=lambda obj: obj.__qualname__)
def test_every_parameter_documented(obj):
    documented = obj.__doc__
    for name in inspect.signature(obj).parameters:
        assert f"\n    {name} :" in documented or f"{name}, " in documented or f", {name} :" in documented, (
            f"{obj.__qualname__} does not document {name}"
        )


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
    assert text.rstrip().endswith("Smaller groups are always exact.")
