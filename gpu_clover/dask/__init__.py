"""gpu_clover on Dask: every over-sampler on dask arrays and DataFrames, on any Dask cluster.

``fit_resample(X, y)`` takes dask collections (dask.array, dask.dataframe, or
dask_cudf) and returns lazy collections of the same kind: the original row
blocks, then the synthetic rows. Nothing gathers X on the client. Synthetic
rows depend on the seed, the cluster labels and the data only, not on the
chunking or the number of workers; for the same labels they equal the
single-machine estimator's. A dask DataFrame's categorical columns are resampled
with SMOTE-NC's semantics and come back with their dtypes and categories, as on
one machine.
"""

from ._samplers import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE

__all__ = ["SMOTE", "SOMO", "ClusterOverSampler", "GeometricSMOTE", "GeometricSOMO", "KMeansSMOTE"]
