"""The clustering engine on the GPU: k-means and SOM steps in kernels (``kernels/kmeans.cu``).

Every sum runs in a fixed order (float64 partial sums per row chunk, no floating-point
atomics), so a seed gives the same centers on every run. Arrays come from the backend's
namespace (CuPy; NumPy in the host emulation of the tests).
"""

import numpy as np

from .. import _cuda
from .._cuda import CTYPES, SEED_MAX_TRIALS, SEED_THREADS
from ..neighbors import _engine_cupy as segments
from ..neighbors._engine_cupy import column_means, column_partials, rows_centered
from ._engine import ClusterEngine

# Seeding's pick scans one total per SEED_THREADS rows in a single block.
SEED_MAX_ROWS = SEED_THREADS * SEED_THREADS
# The center update scans the labels once per center, in chunks of at least
# UPDATE_CHUNK_ROWS rows whose float64 partial sums take at most PARTIAL_ELEMENTS values.
UPDATE_MAX_CENTERS = 1024
UPDATE_CHUNK_ROWS = 256
PARTIAL_ELEMENTS = 1 << 22
MAX_GRID_Y = 65535


def _float_pair(X, other):
    """Whether X is 2-D of a kernel float type and ``other`` (centers, weights) of the same."""
    return X.dtype in CTYPES and other.dtype == X.dtype


def _float_matrix(X):
    """Whether X is a non-empty 2-D array of a kernel float type."""
    return X.dtype in CTYPES and X.ndim == 2 and X.size > 0


class CuPyClusterEngine(ClusterEngine):
    """k-means and SOM steps in kernels; the array-generic steps where a check below fails."""

    # ------------------------------------------------------------ assignment
    def _nearest_center(self, X, centers, with_distances):
        if not _float_pair(X, centers):
            return super()._nearest_center(X, centers, with_distances)
        # Per row tile: one GEMM for the dot products, one kernel for |c|^2 - 2 x.c and its argmin.
        xp = self.xp
        X, centers = xp.ascontiguousarray(X), xp.ascontiguousarray(centers)
        (n, d), k = X.shape, centers.shape[0]
        ctype = CTYPES[X.dtype]
        c_sq = xp.empty(k, dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "row_sq_norms")(_cuda.thread_per_item(k, 128), C=centers, k=k, d=d, out=c_sq)
        labels = xp.empty(n, dtype=xp.int32)
        min_sq = xp.empty(n if with_distances else 1, dtype=X.dtype)
        nearest = _cuda.kernel("kmeans", ctype, "nearest_from_dots")
        step = max(1, self.backend.tile_elements(X.itemsize) // max(1, k))
        for start in range(0, n, step):
            block = X[start : start + step]
            rows = block.shape[0]
            dots = xp.matmul(block, centers.T)
            out_sq = min_sq[start:] if with_distances else min_sq
            nearest(
                _cuda.warp_per_item(rows),
                dots=dots,
                c_sq=c_sq,
                X=block,
                n=rows,
                k=k,
                d=d,
                labels=labels[start:],
                min_sq=out_sq,
                with_distances=with_distances,
            )
        return (labels, min_sq) if with_distances else labels

    # ------------------------------------------------------------ preparation
    def minmax_scaled(self, X):
        if not _float_matrix(X):
            return super().minmax_scaled(X)
        # Per row chunk the min and max of every feature (order-free), per feature their
        # totals, then the scaling: three launches of the k-means module.
        xp = self.xp
        X = xp.ascontiguousarray(X)
        (n, d), ctype = X.shape, CTYPES[X.dtype]
        n_chunks = -(-n // segments.SUM_CHUNK_ROWS)
        partial_low = xp.empty((n_chunks, d), dtype=X.dtype)
        partial_high = xp.empty((n_chunks, d), dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "column_ranges")(
            _cuda.blocks((n_chunks, -(-d // 32))),
            X=X,
            n=n,
            d=d,
            chunk_rows=segments.SUM_CHUNK_ROWS,
            partial_low=partial_low,
            partial_high=partial_high,
        )
        low, span = xp.empty(d, dtype=X.dtype), xp.empty(d, dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "range_totals")(
            _cuda.thread_per_item(d),
            partial_low=partial_low,
            partial_high=partial_high,
            n_chunks=n_chunks,
            d=d,
            low=low,
            span=span,
        )
        if not self.backend.all_finite(span):  # a range that overflows X's dtype: the generic halving
            return super().minmax_scaled(X)
        out = xp.empty((n, d), dtype=xp.float32)
        _cuda.kernel("kmeans", ctype, "scale_to_unit")(
            _cuda.grid_stride(n * d), X=X, size=n * d, d=d, low=low, span=span, out=out
        )
        return out

    def centered_columns(self, X):
        if not _float_matrix(X):
            return super().centered_columns(X)
        # A copy of X as one "group" of the segmented pass's kernels: its means, then centering.
        xp = self.xp
        n, d = X.shape
        block = xp.empty((1, n, d), dtype=X.dtype)
        self.backend.copy_into(block[0], xp.ascontiguousarray(X))
        lengths = xp.asarray(np.array([n], dtype=np.int64))
        means = column_means(xp, block, lengths)
        rows_centered(xp, block, means, lengths, xp.empty((1, n), dtype=X.dtype))  # its squared norms unused
        return block[0], self.backend.to_host(means[0]).astype(np.float64)

    def mean_feature_variance(self, X):
        if not _float_matrix(X):
            return super().mean_feature_variance(X)
        # Two passes of float64 column sums in a fixed order: the means, then the squared deviations.
        xp = self.xp
        block = xp.ascontiguousarray(X)[None]
        n, d = X.shape
        means = column_means(xp, block, xp.asarray(np.array([n], dtype=np.int64)))
        squares = self.backend.to_host(column_partials(xp, block, means))
        return float(squares.sum(axis=(0, 1)).sum() / (n * d))

    # ---------------------------------------------------------------- k-means
    def kmeans_plusplus(self, X, first, uniforms):
        n, d = X.shape
        n_trials = uniforms.shape[1]
        if X.dtype not in CTYPES or n > SEED_MAX_ROWS or n_trials > SEED_MAX_TRIALS:
            return super().kmeans_plusplus(X, first, uniforms)
        # Per step: a pick (one block: the best swept candidate, then new draws), then a
        # sweep (every row against each new candidate). Nothing comes back to the host.
        xp = self.xp
        X = xp.ascontiguousarray(X)
        uniforms = xp.ascontiguousarray(uniforms, dtype=xp.float64)
        n_clusters = uniforms.shape[0] + 1
        n_blocks = -(-n // SEED_THREADS)
        ctype = CTYPES[X.dtype]
        sweep, pick = _cuda.kernel("kmeans", ctype, "seed_sweep"), _cuda.kernel("kmeans", ctype, "seed_pick")
        sweep_shape, pick_shape = _cuda.blocks((n_blocks,), SEED_THREADS), _cuda.blocks((1,), SEED_THREADS)
        trial_d = xp.empty((n_trials, n), dtype=xp.float64)  # each row's distance after each candidate
        partial = xp.empty((n_blocks, SEED_MAX_TRIALS), dtype=xp.float64)  # their sums per row block
        first = xp.ascontiguousarray(first, dtype=xp.int64)  # the first sweep's only candidate
        candidates = xp.empty(n_trials, dtype=xp.int64)
        kept = xp.zeros(1, dtype=xp.int32)
        chosen = xp.empty(n_clusters, dtype=xp.int64)
        rows = {"X": X, "n": n, "d": d, "kept": kept, "trial_d": trial_d, "partial": partial}
        sweep(sweep_shape, **rows, n_trials=1, candidates=first, first_sweep=1)
        for center in range(n_clusters):
            draws = n_trials if center + 1 < n_clusters else 0
            pick(
                pick_shape,
                trial_d=trial_d,
                partial=partial,
                n=n,
                n_blocks=n_blocks,
                n_swept=1 if center == 0 else n_trials,
                n_trials=draws,
                uniforms=uniforms[center] if draws else uniforms,
                swept=first if center == 0 else candidates,
                candidates=candidates,
                kept=kept,
                chosen=chosen,
                center=center,
            )
            if draws:
                sweep(sweep_shape, **rows, n_trials=n_trials, candidates=candidates, first_sweep=0)
        return chosen

    def lloyd_step(self, X, centers):
        k, d = centers.shape
        if not _float_pair(X, centers) or k > UPDATE_MAX_CENTERS:
            return super().lloyd_step(X, centers)
        xp = self.xp
        X, centers = xp.ascontiguousarray(X), xp.ascontiguousarray(centers)
        partial, partial_counts = self._center_partials(X, self.nearest_center(X, centers), k)
        new = xp.empty_like(centers)
        report = xp.empty(2 * k, dtype=xp.float64)  # per center: squared shift, then rows
        _cuda.kernel("kmeans", CTYPES[X.dtype], "finalize_centers")(
            _cuda.block_per_item(k, 128),
            partial=partial,
            partial_counts=partial_counts,
            n_chunks=partial.shape[0],
            k=k,
            d=d,
            old=centers,
            out=new,
            report=report,
        )
        report = self.backend.to_host(report)
        return new, report[k:].astype(np.int64), float(report[:k].sum())

    def _center_partials(self, X, labels, k):
        """Float64 column sums and row counts of the rows labelled c, per row chunk:
        ``(partial (n_chunks, k, d), partial_counts (n_chunks, k))``, in a fixed order."""
        xp = self.xp
        n, d = X.shape
        n_chunks = max(1, min(-(-n // UPDATE_CHUNK_ROWS), PARTIAL_ELEMENTS // (k * d), MAX_GRID_Y))
        chunk_rows = -(-n // n_chunks)
        partial = xp.empty((n_chunks, k, d), dtype=xp.float64)
        partial_counts = xp.empty((n_chunks, k), dtype=xp.int64)
        _cuda.kernel("kmeans", CTYPES[X.dtype], "center_partial_sums")(
            _cuda.blocks((k, n_chunks, -(-d // 32))),
            X=X,
            labels=labels,
            n=n,
            d=d,
            k=k,
            chunk_rows=chunk_rows,
            partial=partial,
            partial_counts=partial_counts,
        )
        return partial, partial_counts

    # -------------------------------------------------------------------- SOM
    def som_epoch(self, X, weights, grid_sq, width, learning_rate):
        k, d = weights.shape
        if not _float_pair(X, weights) or k > UPDATE_MAX_CENTERS:
            return super().som_epoch(X, weights, grid_sq, width, learning_rate)
        # The k-means kernels give each neuron's rows (sums and counts, float64 in a fixed
        # order); the neighbourhood's weighting is two small GEMMs; one kernel moves the neurons.
        xp = self.xp
        X, weights = xp.ascontiguousarray(X), xp.ascontiguousarray(weights)
        ctype = CTYPES[X.dtype]
        grid_sq = xp.ascontiguousarray(grid_sq, dtype=xp.float64)
        influence = xp.empty((k, k), dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "som_influence")(
            _cuda.grid_stride(k * k), grid_sq=grid_sq, n=k * k, scale=1.0 / (2 * width * width), out=influence
        )
        partial, partial_counts = self._center_partials(X, self.nearest_center(X, weights), k)
        sums = xp.empty((k, d), dtype=X.dtype)
        counts = xp.empty(k, dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "chunk_totals")(
            _cuda.block_per_item(k, 128),
            partial=partial,
            partial_counts=partial_counts,
            n_chunks=partial.shape[0],
            k=k,
            d=d,
            sums=sums,
            counts=counts,
        )
        numerator, denominator = xp.matmul(influence, sums), xp.matmul(influence, counts)
        out = xp.empty_like(weights)
        _cuda.kernel("kmeans", ctype, "som_update")(
            _cuda.grid_stride(k * d),
            weights=weights,
            numerator=numerator,
            denominator=denominator,
            learning_rate=learning_rate,
            k=k,
            d=d,
            out=out,
        )
        return out
