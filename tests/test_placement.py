"""Result placement (``gpu_clover/_placement.py``): one descriptor made from the input decides
where results go; one function tells cuML's estimators."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.cluster import KMeans as SklearnKMeans

from gpu_clover._placement import Placement, estimator_library, is_cuml_estimator


def _instance_from(module, name="Thing", **attributes):
    """An instance of a class that claims to live in ``module`` (as CuPy's arrays and cuML's estimators do)."""
    return type(name, (), {"__module__": module, **attributes})()


def test_host_input_gives_host_results():
    placement = Placement.of(np.zeros((2, 2)))
    assert placement == Placement.of([[0.0, 1.0]]) == Placement(on_device=False)
    result = np.arange(4)
    assert placement.wrap(result) is result


def test_device_input_keeps_results_on_the_device():
    device_array = _instance_from("cupy._core.core", "ndarray")
    placement = Placement.of(device_array)
    assert placement.on_device
    assert placement.wrap(device_array) is device_array
    assert Placement.of(_instance_from("cudf.core.dataframe", "DataFrame")).on_device


def test_placement_is_a_value():
    """Frozen and comparable: estimators hold no per-instance device flag that a copy could lose."""
    placement = Placement(on_device=True)
    with pytest.raises(AttributeError):
        placement.on_device = False
    assert placement == Placement(on_device=True)


@pytest.mark.parametrize(
    "module, cuml, cuml_dask",
    [
        ("cuml.cluster.kmeans", True, False),
        ("cuml.dask.cluster.kmeans", True, True),
        ("cumlative.models", False, False),
        ("sklearn.cluster._kmeans", False, False),
        ("dask_ml.cluster.k_means", False, False),
    ],
)
def test_cuml_estimators_are_told_by_their_package(module, cuml, cuml_dask):
    estimator = _instance_from(module)
    assert is_cuml_estimator(estimator) is cuml
    assert is_cuml_estimator(estimator, dask=True) is cuml_dask


def test_estimator_library():
    assert estimator_library(SklearnKMeans()) == "sklearn"
    assert estimator_library(_instance_from("cuml.neighbors.nearest_neighbors")) == "cuml"


def test_every_caller_uses_the_one_cuml_test():
    """The clusterer check of the samplers and the Dask layer's check agree with is_cuml_estimator."""
    pytest.importorskip("dask.array")
    from gpu_clover.dask._base import _is_dask_native
    from gpu_clover.over_sampling._base import _runs_on

    on_gpu = SimpleNamespace(name="cupy")
    assert _runs_on(_instance_from("cuml.cluster.kmeans"), on_gpu)
    assert not _runs_on(_instance_from("cumlative.models"), on_gpu)
    assert not _runs_on(_instance_from("cuml.cluster.kmeans"), SimpleNamespace(name="numpy"))
    assert _is_dask_native(_instance_from("cuml.dask.cluster", predict=lambda self, X: X))
    assert _is_dask_native(_instance_from("dask_ml.cluster", predict=lambda self, X: X))
    assert not _is_dask_native(_instance_from("cuml.cluster.kmeans", predict=lambda self, X: X))
