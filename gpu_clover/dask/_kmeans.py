"""Stage 2 on Dask: gpu_clover's KMeans as Dask reductions over row blocks.

Seeding (k-means++) and the first Lloyd iterations run on the client on a
random row sample (at most ``max(2 * WARM_START_ROWS, fit_sample_size)`` rows,
drawn with the single-machine estimator's stream, so the centers are the
single-machine ones); with ``fit_sample_size=None`` Lloyd then goes on over all
rows, one Dask reduction per iteration (per-block sums and counts, k x d,
summed on the client). Labels are one ``map_blocks`` of the nearest center.
"""

import dask
import numpy as np

from .._placement import Placement
from .._random import Stream, seed_from_random_state
from ..backends import get_backend
from ..cluster._engine import cluster_engine
from ..cluster._kmeans import WARM_START_ROWS, lloyd
from ..cluster._kmeans_state import check_kmeans_params, kmeans_initial_centers, publish_kmeans_fit
from ._data import to_host


def fit_kmeans(estimator, X):
    """Fit ``estimator`` (a gpu_clover ``KMeans``) on the dask array ``X``; the lazy labels.

    The fit is published through :func:`~gpu_clover.cluster._kmeans_state.publish_kmeans_fit`:
    ``cluster_centers_`` (NumPy), ``inertia_``, ``n_iter_``, ``n_features_in_`` and
    ``labels_`` (the returned dask array).
    """
    check_kmeans_params(estimator)
    n, k = X.shape[0], estimator.n_clusters
    if n < k:
        raise ValueError(f"n_samples={n} should be >= n_clusters={k}.")
    host = get_backend("numpy")
    seed = seed_from_random_state(estimator.random_state)
    sample_size = estimator.fit_sample_size or WARM_START_ROWS
    best = None
    for run in range(estimator.n_init):
        stream = Stream(np, seed, run)
        sampled = n > max(2 * WARM_START_ROWS, sample_size)
        sample = take_rows(X, stream.index(sample_size, n) if sampled else None)
        centers = kmeans_initial_centers(estimator, host, sample, stream)
        tol = estimator.tol * float(np.var(sample, axis=0).mean())
        centers, n_iter = lloyd(host, sample, centers, estimator.max_iter, tol)
        if sampled and estimator.fit_sample_size is None:
            tol = estimator.tol * float(X.var(axis=0, dtype=np.float64).mean().compute())
            centers, more = dask_lloyd(X, centers, max(1, estimator.max_iter - n_iter), tol, estimator.backend)
            n_iter += more
        inertia = _inertia(X, centers, estimator.backend) if estimator.n_init > 1 else np.nan
        if best is None or inertia < best[1]:
            best = (centers, inertia, n_iter)
    centers, inertia, n_iter = best
    labels = assign_labels(X, centers, estimator.backend)
    publish_kmeans_fit(
        estimator, cluster_centers=centers, inertia=inertia, n_iter=n_iter, n_features_in=X.shape[1], labels=labels
    )
    return labels


def take_rows(X, rows):
    """Rows ``rows`` of X (all rows when None) as a NumPy array on the client, in that order."""
    if rows is None:
        return to_host(X.compute())
    unique, inverse = np.unique(rows, return_inverse=True)
    return to_host(X[unique].compute())[inverse.reshape(-1)]


def assign_labels(X, centers, backend_name):
    """Index of the closest center of every row (a lazy int32 dask array)."""
    return X.map_blocks(_nearest, centers, backend_name, drop_axis=1, dtype=np.int32)


def dask_lloyd(X, centers, max_iter, tol, backend_name):
    """Lloyd iterations over all blocks; empty clusters re-seeded on the farthest rows."""
    blocks = X.to_delayed().ravel()
    for n_iter in range(1, max_iter + 1):
        partials = dask.compute(*[dask.delayed(_lloyd_partial)(b, centers, backend_name) for b in blocks])
        totals = np.sum(partials, axis=0)
        counts = totals[:, -1]
        empty = counts == 0
        new = np.where(empty[:, None], centers, totals[:, :-1] / np.maximum(counts, 1)[:, None]).astype(centers.dtype)
        shift = float(((new - centers) ** 2).sum())
        if empty.any():
            new[np.flatnonzero(empty)] = _farthest_rows(blocks, centers, int(empty.sum()), backend_name)
        centers = new
        if shift <= tol and not empty.any():
            break
    return centers, n_iter


def _inertia(X, centers, backend_name):
    blocks = X.to_delayed().ravel()
    return float(sum(dask.compute(*[dask.delayed(_block_inertia)(b, centers, backend_name) for b in blocks])))


def _farthest_rows(blocks, centers, m, backend_name):
    """The ``m`` rows farthest from their closest center, farthest first."""
    parts = dask.compute(*[dask.delayed(_block_farthest)(b, centers, m, backend_name) for b in blocks])
    distances = np.concatenate([d for d, _ in parts])
    rows = np.concatenate([r for _, r in parts])
    return rows[np.argsort(-distances, kind="stable")[:m]]


# ------------------------------------------------------------ block tasks
def _backend(block, backend_name):
    backend = get_backend(backend_name, like=block)
    return backend, backend.asarray(block)


def _nearest(block, centers, backend_name):
    backend, Xb = _backend(block, backend_name)
    labels = cluster_engine(backend).nearest_center(Xb, backend.asarray(centers, dtype=Xb.dtype))
    return Placement.of(block).wrap(labels)


def _lloyd_partial(block, centers, backend_name):
    """Per-cluster sums of the block's rows and their counts: a (k, d + 1) float64 host array."""
    backend, Xb = _backend(block, backend_name)
    xp, k = backend.xp, centers.shape[0]
    labels = cluster_engine(backend).nearest_center(Xb, backend.asarray(centers, dtype=Xb.dtype))
    sums = backend.segment_sum(Xb.astype(xp.float64), labels, k)
    counts = xp.bincount(labels, minlength=k).astype(xp.float64)
    return to_host(xp.concatenate([sums, counts[:, None]], axis=1))


def _block_inertia(block, centers, backend_name):
    backend, Xb = _backend(block, backend_name)
    _, min_sq = cluster_engine(backend).nearest_center(
        Xb, backend.asarray(centers, dtype=Xb.dtype), with_distances=True
    )
    return float(min_sq.sum(dtype=backend.xp.float64))


def _block_farthest(block, centers, m, backend_name):
    backend, Xb = _backend(block, backend_name)
    _, min_sq = cluster_engine(backend).nearest_center(
        Xb, backend.asarray(centers, dtype=Xb.dtype), with_distances=True
    )
    top = backend.xp.argsort(-min_sq)[:m]
    return to_host(min_sq[top]), to_host(Xb[top])
