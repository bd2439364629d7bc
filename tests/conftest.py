"""Shared fixtures: the backends to run on and a few small imbalanced data sets."""

import numpy as np
import pytest

from gpu_clover.backends import cuda_available

_NO_GPU = "backend='cupy' needs CuPy and a CUDA device; none is present on this machine"


@pytest.fixture(
    params=[
        "numpy",
        pytest.param("cupy", marks=[pytest.mark.gpu, pytest.mark.skipif(not cuda_available(), reason=_NO_GPU)]),
    ]
)
def backend(request):
    """Name of a backend to pass as ``backend=``; ``cupy`` only where a GPU is present."""
    return request.param


def make_imbalanced(counts, n_features=3, n_blobs=2, seed=0, dtype=np.float64):
    """Gaussian blobs with ``counts[c]`` rows of class ``c`` (classes 0, 1, ...), rows shuffled.

    Every class is spread over the same ``n_blobs`` blob centres, so a clusterer
    finds groups that mix classes, as in real data.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(n_blobs, n_features))
    X, y = [], []
    for label, count in enumerate(counts):
        blob = rng.integers(0, n_blobs, size=count)
        X.append(centres[blob] + rng.normal(size=(count, n_features)))
        y.append(np.full(count, label))
    X, y = np.concatenate(X), np.concatenate(y)
    order = rng.permutation(len(y))
    return X[order].astype(dtype), y[order]


@pytest.fixture
def binary_data():
    """120 rows, 3 features, classes 0 (90 rows) and 1 (30 rows)."""
    return make_imbalanced([90, 30], seed=0)


@pytest.fixture
def multiclass_data():
    """200 rows, 3 features, classes 0 / 1 / 2 / 3 with 100 / 50 / 30 / 20 rows."""
    return make_imbalanced([100, 50, 30, 20], seed=1)


@pytest.fixture(scope="session")
def make_data():
    """The :func:`make_imbalanced` factory (session-scoped, so hypothesis tests may use it)."""
    return make_imbalanced
