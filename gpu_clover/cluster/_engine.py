"""The clustering engine: k-means and SOM steps, array-generic (NumPy) or with kernels (CuPy).

The array-generic engine is the specification, written against ``backend.xp`` and the
array layer's primitives; the GPU engine (``_engine_cupy``) does the same steps in kernels
(``kernels/kmeans.cu``) where its capability checks hold, and falls back to this code
elsewhere.
"""

import numpy as np

from ..neighbors._engine import sq_distances


class ClusterEngine:
    """k-means and SOM steps on ``backend`` (any array namespace)."""

    def __init__(self, backend):
        self.backend, self.xp = backend, backend.xp

    # ------------------------------------------------------------ assignment
    def nearest_center(self, X, centers, with_distances=False):
        """Label of the closest center for every row (and its squared distance), in row tiles."""
        return self.backend.run_tiled(self._nearest_center, X, centers, with_distances)

    def _nearest_center(self, X, centers, with_distances):
        xp, backend = self.xp, self.backend
        n = X.shape[0]
        labels = xp.empty(n, dtype=xp.int32)
        min_sq = xp.empty(n, dtype=X.dtype) if with_distances else None
        scaled = xp.ascontiguousarray(-2 * centers.T)  # BLAS is slow on the F-ordered view
        c_sq = (centers * centers).sum(axis=1)
        step = max(1, backend.tile_elements(X.itemsize) // max(1, centers.shape[0]))

        def row_tile(start):  # writes its own rows only
            block = X[start : start + step]
            d = xp.matmul(block, scaled)
            d += c_sq[None, :]
            lab = xp.argmin(d, axis=1)
            labels[start : start + step] = lab
            if with_distances:
                best = xp.take_along_axis(d, lab[:, None], axis=1)[:, 0]
                best += (block * block).sum(axis=1)
                min_sq[start : start + step] = xp.maximum(best, 0)

        for _ in backend.map_ordered(row_tile, range(0, n, step)):
            pass
        return (labels, min_sq) if with_distances else labels

    # ------------------------------------------------------------ rows
    def segment_sums(self, X, labels, k):
        """Each center's sum of its rows: ``(k, n_features)``."""
        return self.backend.segment_sum(X, labels, k)

    def rows_at(self, X, index):
        """Rows ``index`` of X, as centers (dense)."""
        return self.backend.take(X, index)

    def row_subset(self, X, index):
        """Rows ``index`` of X, as rows to cluster."""
        return self.backend.take(X, index)

    # ------------------------------------------------------------ preparation
    def minmax_scaled(self, X):
        """float32 ``X`` scaled per feature to [0, 1] (a constant feature becomes 0)."""
        return scaled_by_range(self.backend, X, X.min(axis=0), X.max(axis=0))

    def centered_columns(self, X):
        """``(X - its column means, the means)``: a new array of X's dtype, and float64 host means."""
        mean = X.mean(axis=0, dtype=self.xp.float64)
        return X - mean.astype(X.dtype), np.asarray(self.backend.to_host(mean), dtype=np.float64)

    def mean_feature_variance(self, X):
        """The mean over features of each feature's variance (scikit-learn's scale for ``tol``)."""
        return float(self.xp.var(X, axis=0).mean())

    # ---------------------------------------------------------------- k-means
    def kmeans_plusplus(self, X, first, uniforms):
        """Greedy k-means++ seeding: row indices (int64, ``len(uniforms) + 1``) of the chosen centers.

        ``first`` (a one-element index array) is the first center; step ``c``
        draws ``uniforms.shape[1]`` candidates by D² sampling from
        ``uniforms[c - 1]`` (float64 in [0, 1)) and keeps the one that lowers
        the potential most.
        """
        xp = self.xp
        n = X.shape[0]
        chosen = xp.empty(uniforms.shape[0] + 1, dtype=xp.int64)
        chosen[0] = first[0]
        x_sq = (X * X).sum(axis=1)
        closest = sq_distances(xp, X[first], X, b_sq=x_sq)[0].astype(xp.float64)
        for c in range(1, chosen.shape[0]):
            cumulative = xp.cumsum(closest)
            candidates = xp.minimum(xp.searchsorted(cumulative, uniforms[c - 1] * cumulative[-1]), n - 1)
            trial = xp.minimum(closest[None, :], sq_distances(xp, X[candidates], X, b_sq=x_sq))
            best = xp.argmin(trial.sum(axis=1))
            closest = trial[best]
            chosen[c] = candidates[best]
        return chosen

    def lloyd_step(self, X, centers):
        """One Lloyd iteration: ``(new_centers, counts, shift)``.

        ``new_centers`` are the means of the rows closest to each center (an
        empty center keeps its place), ``counts`` the rows per center (host
        int64) and ``shift`` the squared center shift summed over centers (host
        float): one host synchronization.
        """
        xp, backend = self.xp, self.backend
        k = centers.shape[0]
        labels = self.nearest_center(X, centers)
        counts = backend.bincount(labels, k)
        new = self.segment_sums(X, labels, k) / xp.maximum(counts, 1)[:, None].astype(X.dtype)
        new = xp.where((counts == 0)[:, None], centers, new)
        shift = ((new - centers) ** 2).sum()
        report = backend.to_host(xp.concatenate([shift[None].astype(xp.float64), counts.astype(xp.float64)]))
        return new, report[1:].astype(np.int64), float(report[0])

    # -------------------------------------------------------------------- SOM
    def som_epoch(self, X, weights, grid_sq, width, learning_rate):
        """One batch-SOM epoch: each neuron moves towards the mean of the rows won by its
        neighbourhood, weighted by ``exp(-grid_sq / (2 width^2))`` (``grid_sq``: float64 squared
        distances between neurons on the map), at ``learning_rate``."""
        xp = self.xp
        n_neurons = weights.shape[0]
        influence = xp.exp(-grid_sq / (2 * width * width)).astype(X.dtype)
        winners = self.nearest_center(X, weights)
        counts = xp.bincount(winners, minlength=n_neurons).astype(X.dtype)
        sums = self.segment_sums(X, winners, n_neurons)
        numerator = xp.matmul(influence, sums)
        denominator = xp.matmul(influence, counts)
        reached = denominator > 1e-12
        target = numerator / xp.where(reached, denominator, 1)[:, None]
        return xp.where(reached[:, None], weights + learning_rate * (target - weights), weights)


def cluster_engine(backend, X=None):
    """The clustering engine of ``backend`` for rows ``X``: kernels on CuPy, the array-generic code
    elsewhere; rows with categorical columns (:class:`~._mixed.MixedRows`) take the mixed engine,
    array-generic on both backends."""
    from ._mixed import MixedClusterEngine, MixedRows

    if isinstance(X, MixedRows):
        return MixedClusterEngine(backend)
    if backend.name == "cupy":
        from ._engine_cupy import CuPyClusterEngine  # CuPy's engine only where CuPy runs

        return CuPyClusterEngine(backend)
    return ClusterEngine(backend)


def scaled_by_range(backend, X, low, high):
    """float32 ``X`` scaled per feature from ``[low, high]`` (its column minima and maxima) to [0, 1].

    A constant feature becomes 0. Row by row: rows scaled apart (Dask blocks, with the
    whole column's ``low`` and ``high``) equal the rows of the whole array scaled at once.
    """
    xp = backend.xp
    with np.errstate(over="ignore"):
        span = high - low
    if not backend.all_finite(span):
        # The range overflows X's dtype: halving every value (exact but for subnormals) keeps
        # every difference finite, with the same quotients.
        X, low, span = X / 2, low / 2, high / 2 - low / 2
    return ((X - low) / xp.where(span > 0, span, 1)).astype(xp.float32)
