"""Stage 2 on Dask: gpu_clover's KMeans as Dask reductions over row blocks.

Seeding (k-means++) and the first Lloyd iterations run on the client on a
random row sample (at most ``max(2 * WARM_START_ROWS, fit_sample_size)`` rows,
drawn with the single-machine estimator's stream, so the centers are the
single-machine ones); with ``fit_sample_size=None`` Lloyd then goes on over all
rows, one Dask reduction per iteration (per-block sums and counts, k x d,
summed on the client). Labels are one ``map_blocks`` of the nearest center.

Rows with categorical columns (:class:`DaskRows` with codes) are clustered as on one
machine, in SMOTE-NC's geometry (:mod:`gpu_clover.cluster._mixed`): the sample is
:class:`~gpu_clover.cluster._mixed.MixedRows` on the client, every block task makes the
block's own ``MixedRows`` with the whole data's scale, and the centers are dense in the
embedding (``k x (d + categories)``).
"""

from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np

from .._placement import Placement
from .._random import Stream, seed_from_random_state
from ..backends import get_backend
from ..cluster._engine import cluster_engine
from ..cluster._kmeans import WARM_START_ROWS, lloyd
from ..cluster._kmeans_state import check_kmeans_params, kmeans_initial_centers, publish_kmeans_fit
from ..cluster._mixed import MixedRows
from ._data import to_host


@dataclass(frozen=True)
class DaskRows:
    """The rows a Dask clusterer reads: the numeric work array ``X`` and, with categorical
    columns, their ``codes`` (int32, X's row chunks), each column's category count and the
    embedding's ``scale`` (the whole data's: a block's rows are part of it)."""

    X: da.Array
    codes: da.Array = None
    n_categories: np.ndarray = None
    scale: float = None

    @property
    def mixed(self):
        """What a block task needs to make its ``MixedRows`` (None: numeric rows)."""
        return None if self.codes is None else (self.n_categories, self.scale)

    @property
    def width(self):
        """Columns of the rows as the clusterer sees them (the embedding's, with categories)."""
        return self.X.shape[1] + (0 if self.codes is None else int(np.sum(self.n_categories)))

    def blocks(self):
        """``(numeric block, codes block or None)`` of every row block (delayed)."""
        codes = [None] * self.X.numblocks[0] if self.codes is None else self.codes.to_delayed().ravel()
        return list(zip(self.X.to_delayed().ravel(), codes))

    def take(self, rows):
        """Rows ``rows`` (all when None) on the client: a NumPy array, or ``MixedRows``."""
        X = take_rows(self.X, rows)
        if self.codes is None:
            return X
        return MixedRows.of(get_backend("numpy"), X, take_rows(self.codes, rows), self.n_categories, self.scale)

    def map_blocks(self, func, *args, dtype):
        """``func(numeric block, codes block or None, *args)`` of every row block: a 1-D dask array."""
        if self.codes is None:
            return self.X.map_blocks(func, None, *args, drop_axis=1, dtype=dtype)
        return da.map_blocks(func, self.X, self.codes, *args, drop_axis=1, dtype=dtype)

    def mean_feature_variance(self):
        """The engine's ``mean_feature_variance`` of every row, by reductions (float64)."""
        numeric = self.X.var(axis=0, dtype=np.float64)
        if self.codes is None:
            return float(numeric.mean().compute())
        offsets = np.concatenate([[0], np.cumsum(self.n_categories)[:-1]])
        total = int(np.sum(self.n_categories))
        counts = [dask.delayed(_category_counts)(cb, offsets, total) for _, cb in self.blocks()]
        numeric, counts = dask.compute(numeric.sum(), counts)
        frequencies = np.sum(counts, axis=0) / self.X.shape[0]
        categorical = float((frequencies * (1 - frequencies)).sum()) * self.scale * self.scale
        return (float(numeric) + categorical) / (self.X.shape[1] + self.codes.shape[1])


def fit_kmeans(estimator, rows):
    """Fit ``estimator`` (a gpu_clover ``KMeans``) on the :class:`DaskRows` ``rows``; the lazy labels.

    The fit is published through :func:`~gpu_clover.cluster._kmeans_state.publish_kmeans_fit`:
    ``cluster_centers_`` (NumPy), ``inertia_``, ``n_iter_``, ``n_features_in_`` and
    ``labels_`` (the returned dask array).
    """
    check_kmeans_params(estimator)
    n, k = rows.X.shape[0], estimator.n_clusters
    if n < k:
        raise ValueError(f"n_samples={n} should be >= n_clusters={k}.")
    host = get_backend("numpy")
    seed = seed_from_random_state(estimator.random_state)
    sample_size = estimator.fit_sample_size or WARM_START_ROWS
    best = None
    for run in range(estimator.n_init):
        stream = Stream(np, seed, run)
        sampled = n > max(2 * WARM_START_ROWS, sample_size)
        sample = rows.take(stream.index(sample_size, n) if sampled else None)
        centers = kmeans_initial_centers(estimator, host, sample, stream)
        tol = estimator.tol * cluster_engine(host, sample).mean_feature_variance(sample)
        centers, n_iter = lloyd(host, sample, centers, estimator.max_iter, tol)
        if sampled and estimator.fit_sample_size is None:
            tol = estimator.tol * rows.mean_feature_variance()
            centers, more = dask_lloyd(rows, centers, max(1, estimator.max_iter - n_iter), tol, estimator.backend)
            n_iter += more
        inertia = _inertia(rows, centers, estimator.backend) if estimator.n_init > 1 else np.nan
        if best is None or inertia < best[1]:
            best = (centers, inertia, n_iter)
    centers, inertia, n_iter = best
    labels = assign_labels(rows, centers, estimator.backend)
    publish_kmeans_fit(
        estimator, cluster_centers=centers, inertia=inertia, n_iter=n_iter, n_features_in=rows.width, labels=labels
    )
    return labels


def take_rows(X, rows):
    """Rows ``rows`` of X (all rows when None) as a NumPy array on the client, in that order."""
    if rows is None:
        return to_host(X.compute())
    unique, inverse = np.unique(rows, return_inverse=True)
    return to_host(X[unique].compute())[inverse.reshape(-1)]


def assign_labels(rows, centers, backend_name):
    """Index of the closest center of every row (a lazy int32 dask array)."""
    return rows.map_blocks(_nearest, centers, backend_name, rows.mixed, dtype=np.int32)


def dask_lloyd(rows, centers, max_iter, tol, backend_name):
    """Lloyd iterations over all blocks; empty clusters re-seeded on the farthest rows."""
    blocks, mixed = rows.blocks(), rows.mixed
    for n_iter in range(1, max_iter + 1):
        partials = dask.compute(*[dask.delayed(_lloyd_partial)(b, c, centers, backend_name, mixed) for b, c in blocks])
        totals = np.sum(partials, axis=0)
        counts = totals[:, -1]
        empty = counts == 0
        new = np.where(empty[:, None], centers, totals[:, :-1] / np.maximum(counts, 1)[:, None]).astype(centers.dtype)
        shift = float(((new - centers) ** 2).sum())
        if empty.any():
            new[np.flatnonzero(empty)] = _farthest_rows(blocks, centers, int(empty.sum()), backend_name, mixed)
        centers = new
        if shift <= tol and not empty.any():
            break
    return centers, n_iter


def _inertia(rows, centers, backend_name):
    tasks = [dask.delayed(_block_inertia)(b, c, centers, backend_name, rows.mixed) for b, c in rows.blocks()]
    return float(sum(dask.compute(*tasks)))


def _farthest_rows(blocks, centers, m, backend_name, mixed):
    """The ``m`` rows farthest from their closest center, farthest first (dense, as centers)."""
    parts = dask.compute(*[dask.delayed(_block_farthest)(b, c, centers, m, backend_name, mixed) for b, c in blocks])
    distances = np.concatenate([d for d, _ in parts])
    rows = np.concatenate([r for _, r in parts])
    return rows[np.argsort(-distances, kind="stable")[:m]]


# ------------------------------------------------------------ block tasks
def block_rows(block, codes_block, backend_name, mixed):
    """``(backend, the block's rows)``: its numeric rows on the backend, or its ``MixedRows``
    (``mixed``: the category counts and the whole data's scale)."""
    backend = get_backend(backend_name, like=block)
    Xb = backend.asarray(block)
    if mixed is None:
        return backend, Xb
    n_categories, scale = mixed
    return backend, MixedRows.of(backend, Xb, backend.asarray(codes_block), n_categories, scale)


def _nearest(block, codes_block, centers, backend_name, mixed):
    backend, Xb = block_rows(block, codes_block, backend_name, mixed)
    engine = cluster_engine(backend, Xb)
    labels = engine.nearest_center(Xb, backend.asarray(centers, dtype=Xb.dtype))
    return Placement.of(block).wrap(labels)


def _lloyd_partial(block, codes_block, centers, backend_name, mixed):
    """Per-cluster sums of the block's rows and their counts: a (k, width + 1) float64 host array."""
    backend, Xb = block_rows(block, codes_block, backend_name, mixed)
    xp, k, engine = backend.xp, centers.shape[0], cluster_engine(backend, Xb)
    labels = engine.nearest_center(Xb, backend.asarray(centers, dtype=Xb.dtype))
    if mixed is None:
        sums = backend.segment_sum(Xb.astype(xp.float64), labels, k)
    else:  # the embedding's sums: numeric segment sums and category counts times the scale
        sums = engine.segment_sums(Xb, labels, k).astype(xp.float64)
    counts = xp.bincount(labels, minlength=k).astype(xp.float64)
    return to_host(xp.concatenate([sums, counts[:, None]], axis=1))


def _block_inertia(block, codes_block, centers, backend_name, mixed):
    backend, Xb = block_rows(block, codes_block, backend_name, mixed)
    _, min_sq = cluster_engine(backend, Xb).nearest_center(
        Xb, backend.asarray(centers, dtype=Xb.dtype), with_distances=True
    )
    return float(min_sq.sum(dtype=backend.xp.float64))


def _block_farthest(block, codes_block, centers, m, backend_name, mixed):
    backend, Xb = block_rows(block, codes_block, backend_name, mixed)
    engine = cluster_engine(backend, Xb)
    _, min_sq = engine.nearest_center(Xb, backend.asarray(centers, dtype=Xb.dtype), with_distances=True)
    top = backend.xp.argsort(-min_sq)[:m]
    return to_host(min_sq[top]), to_host(engine.rows_at(Xb, top))


def _category_counts(codes_block, offsets, total):
    """Rows per category of every column (the embedding's categorical part), host int64."""
    codes = to_host(codes_block).astype(np.int64) + offsets[None, :]
    return np.bincount(codes.reshape(-1), minlength=total)
