"""
CuPy and cuDF input, with a fallback on the CPU
================================================

With CuPy or cuDF input, ``backend="auto"`` runs on the GPU and returns the same type:
nothing leaves the device. Without CuPy or a CUDA device the same code can fall back to
NumPy and pandas; asking for ``backend="cupy"`` there is a clear ``ValueError``. This page is
built on a machine without a GPU, so it shows the fallback.
"""

import pandas as pd
from sklearn.datasets import make_classification

from gpu_clover import KMeansSMOTE, get_backend

X, y = make_classification(n_samples=5000, n_features=8, weights=[0.95], random_state=0)

try:
    import cudf
    import cupy

    on_gpu = get_backend("auto").name == "cupy"
except ImportError as error:
    print(f"No RAPIDS stack here ({error}); using NumPy and pandas.")
    on_gpu = False

if on_gpu:
    frame = cudf.DataFrame(cupy.asarray(X), columns=[f"f{i}" for i in range(X.shape[1])])
    target = cudf.Series(cupy.asarray(y), name="label")
else:
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    target = pd.Series(y, name="label")

X_res, y_res = KMeansSMOTE(random_state=0).fit_resample(frame, target)
print(type(X_res).__module__, type(X_res).__name__, X_res.shape, list(X_res.columns[:3]))
print(y_res.value_counts().sort_index().to_dict())

# %%
# Asking for the GPU where there is none is an error that says what is missing:
try:
    KMeansSMOTE(backend="cupy").fit_resample(X, y)
except ValueError as error:
    print("ValueError:", error)
