"""Pinned outputs: a fixed seed gives these synthetic rows on the NumPy backend, on any CPU.

A refactor that changes no behaviour must leave every stored output here in place, for every
sampler and both float dtypes. The stored rows (``tests/data/output_pins.npz``) are compared
at a tolerance, not by a hash of their bytes: BLAS picks its kernels by CPU, so a GEMM or a
norm may differ in its last bit from one machine to another, and Geometric SMOTE's directions
and radii carry that bit into the output. Labels and the original rows are compared exactly.

The tolerance, per element: ``64 * eps(dtype) * scale``, with ``scale`` the largest magnitude
in the input. A synthetic value is a short chain of products and sums of input values (one
interpolation, or a direction, a norm and a radius for Geometric SMOTE), so a last-bit change
in any input to it moves it by a few ulps of ``scale``; 64 leaves room for that. What the pins
exist to catch moves a row far more: another random draw, neighbour, cluster or allocation moves
it by a gap times the distance between two rows, a fraction of ``scale``, i.e. orders of
magnitude above the tolerance (``test_a_changed_draw_fails_the_pins`` checks that it does).

Bit-identity is checked where it is real: the same process gives the same bytes twice here, and
the tile, thread, chunking and worker-count tests check it across those.

To re-pin after a deliberate change of output: ``GPU_CLOVER_WRITE_PINS=1 python -m pytest
tests/test_output_pins.py`` rewrites the file; commit it with the reason in the message.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover.cluster import KMeans

PINS_FILE = Path(__file__).parent / "data" / "output_pins.npz"
WRITE_PINS = os.environ.get("GPU_CLOVER_WRITE_PINS") == "1"

SAMPLERS = {
    "SMOTE": lambda: SMOTE(random_state=1),
    "GeometricSMOTE": lambda: GeometricSMOTE(random_state=1),
    "KMeansSMOTE": lambda: KMeansSMOTE(kmeans_estimator=6, random_state=1),
    "SOMO": lambda: SOMO(random_state=1),
    "GeometricSOMO": lambda: GeometricSOMO(random_state=1),
    "ClusterOverSampler": lambda: ClusterOverSampler(
        GeometricSMOTE(k_neighbors=3), KMeans(n_clusters=5, random_state=0), random_state=1
    ),
}
DTYPES = ("float32", "float64")
# Minority groups above the exact pass: every-pair ranking (4997 rows) and the cell search (19983 rows).
LARGE_GROUPS = (10000, 40000)


def _small_data():
    return make_classification(
        n_samples=600,
        n_features=5,
        n_informative=4,
        n_redundant=0,
        weights=[0.7, 0.2, 0.1],
        n_classes=3,
        n_clusters_per_class=2,
        random_state=3,
    )


def _large_data(n_samples):
    return make_classification(n_samples=n_samples, n_features=8, n_informative=6, weights=[0.5], random_state=5)


def _tolerance(X):
    return 64 * np.finfo(X.dtype).eps * float(np.abs(X).max())


@pytest.fixture(scope="module")
def pins():
    stored = {} if WRITE_PINS or not PINS_FILE.exists() else dict(np.load(PINS_FILE))
    yield stored
    if WRITE_PINS:
        PINS_FILE.parent.mkdir(exist_ok=True)
        np.savez_compressed(PINS_FILE, **stored)


def _check_against_pin(pins, key, X, X_res, y_res):
    n = len(X)
    np.testing.assert_array_equal(X_res[:n], X)  # the original rows come first, unaltered
    X_new, y_new = X_res[n:], np.asarray(y_res[n:])
    if WRITE_PINS:
        pins[f"{key}/X"], pins[f"{key}/y"] = X_new, y_new
        return
    assert f"{key}/X" in pins, f"no stored output for {key}: write the pins (see the module docstring)"
    X_pin, y_pin = pins[f"{key}/X"], pins[f"{key}/y"]
    assert X_new.dtype == X_pin.dtype
    np.testing.assert_array_equal(y_new, y_pin)
    np.testing.assert_allclose(X_new, X_pin, rtol=0, atol=_tolerance(X))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_output_is_pinned(pins, name, dtype):
    X, y = _small_data()
    X = X.astype(dtype)
    X_res, y_res = SAMPLERS[name]().set_params(backend="numpy").fit_resample(X, y)
    assert X_res.dtype == dtype and len(X_res) == 1254
    _check_against_pin(pins, f"{name}/{dtype}", X, X_res, y_res)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_samples", LARGE_GROUPS)
def test_large_group_output_is_pinned(pins, n_samples, dtype):
    X, y = _large_data(n_samples)
    X = X.astype(dtype)
    X_res, y_res = SMOTE(random_state=2, backend="numpy").fit_resample(X, y)
    _check_against_pin(pins, f"SMOTE-{n_samples}/{dtype}", X, X_res, y_res)


@pytest.mark.skipif(WRITE_PINS, reason="writing the pins")
@pytest.mark.parametrize("name", ["SMOTE", "GeometricSMOTE", "KMeansSMOTE"])
def test_a_changed_draw_fails_the_pins(pins, name):
    """Another seed (another draw of base rows, neighbours and gaps) lands far outside the tolerance."""
    X, y = _small_data()
    X_res, _ = SAMPLERS[name]().set_params(backend="numpy", random_state=2).fit_resample(X, y)
    moved = np.abs(X_res[len(X) :] - pins[f"{name}/float64/X"]).max(axis=1)
    assert np.median(moved) > 1e6 * _tolerance(X)


def test_same_process_same_bytes():
    X, y = _small_data()
    first = GeometricSOMO(random_state=1, backend="numpy").fit_resample(X, y)
    second = GeometricSOMO(random_state=1, backend="numpy").fit_resample(X, y)
    assert first[0].tobytes() == second[0].tobytes() and first[1].tobytes() == second[1].tobytes()
