"""Pinned output hashes: a fixed seed gives these exact bytes on the NumPy backend.

A refactor that changes no behaviour must leave every hash here unchanged, for every sampler and
both float dtypes. The pins hold for this platform's floating point (x86-64, NumPy with OpenBLAS);
a deliberate change of output updates them in the same commit, with the reason in its message.
"""

import hashlib

import numpy as np
import pytest
from sklearn.datasets import make_classification

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover.cluster import KMeans

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

PINS = {
    ("SMOTE", "float32"): "198cb3c56603a53a",
    ("SMOTE", "float64"): "d8f5e8736294a6b2",
    ("GeometricSMOTE", "float32"): "43be4981930077c4",
    ("GeometricSMOTE", "float64"): "c05ced9e7b796239",
    ("KMeansSMOTE", "float32"): "d9d2f59ccc146548",
    ("KMeansSMOTE", "float64"): "b10beea3eb6122e7",
    ("SOMO", "float32"): "a9165b19558bd743",
    ("SOMO", "float64"): "dcac659150701daa",
    ("GeometricSOMO", "float32"): "150d5886c4a6f23d",
    ("GeometricSOMO", "float64"): "da88a91938cd46ee",
    ("ClusterOverSampler", "float32"): "8fcdfe0e2186e8d6",
    ("ClusterOverSampler", "float64"): "e74de2435965029a",
}


def _digest(X, y):
    return hashlib.sha256(np.ascontiguousarray(X).tobytes() + np.ascontiguousarray(y).tobytes()).hexdigest()[:16]


@pytest.fixture(scope="module")
def data():
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


@pytest.mark.parametrize(("name", "dtype"), sorted(PINS))
def test_output_hash_is_pinned(data, name, dtype):
    X, y = data
    X_res, y_res = SAMPLERS[name]().set_params(backend="numpy").fit_resample(X.astype(dtype), y)
    assert X_res.dtype == dtype and len(X_res) == 1254
    assert _digest(X_res, y_res) == PINS[name, dtype]


# Minority groups above the exact pass: every-pair ranking (4997 rows) and the cell search (19983 rows).
LARGE_GROUP_PINS = {
    (10000, "float32"): "d563483f64a8711d",
    (10000, "float64"): "6447bfc590756d01",
    (40000, "float32"): "45368ffe713cd3b4",
    (40000, "float64"): "572e34fecdd02d25",
}


@pytest.mark.parametrize(("n_samples", "dtype"), sorted(LARGE_GROUP_PINS))
def test_large_group_output_hash_is_pinned(n_samples, dtype):
    X, y = make_classification(n_samples=n_samples, n_features=8, n_informative=6, weights=[0.5], random_state=5)
    X_res, y_res = SMOTE(random_state=2, backend="numpy").fit_resample(X.astype(dtype), y)
    assert _digest(X_res, y_res) == LARGE_GROUP_PINS[n_samples, dtype]
