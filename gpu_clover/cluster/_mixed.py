"""Clustering rows that have categorical columns: k-means and SOM in SMOTE-NC's geometry.

A categorical column stands for a one-hot block whose entries are ``scale = med / sqrt(2)``:
two rows that differ in the column are ``2 scale^2 = med^2`` apart in it, so the embedding's
squared euclidean distance is exactly SMOTE-NC's (numeric part plus ``med^2`` per mismatch),
``med`` being the median of the numeric columns' standard deviations over all rows (the
clusterer sees every class; 1 when they have no spread or there are none). The rows are never
embedded: they stay a numeric block and int32 codes, and only the centers are dense in the
embedding (``k x (d + categories)``). A center's categorical part is ``scale`` times the
frequencies of the categories among its rows, which is what k-means' mean of the one-hot
rows is, so Lloyd's steps and the batch SOM's are the usual ones in that space:

- squared distance of a row to a center: the numeric GEMM, plus
  ``p scale^2 - 2 scale sum_j c[code_j] + |c_cat|^2`` (one gather per column);
- sums of the rows per center: the numeric segment sums, and a count per (center, category).
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._categorical import class_penalties
from ..neighbors._engine import sq_distances
from ._engine import ClusterEngine


@dataclass(frozen=True)
class MixedRows:
    """Rows with categorical columns, as the clustering engines see them (see the module doc).

    Attributes
    ----------
    numeric : backend float array (n, d)
    columns : backend int32 array (p, n)
        Each categorical column's codes, offset to index the embedding's categorical part
        (column ``j``'s category ``c`` is entry ``offsets[j] + c``): one contiguous vector per
        column, as the engines read them.
    n_categories : host int64 array (p,)
    scale : float
        Every one-hot entry of the embedding.
    """

    numeric: Any
    columns: Any
    n_categories: np.ndarray
    scale: float

    @classmethod
    def of(cls, backend, numeric, codes, n_categories, scale=None):
        """Rows from the numeric block and the ``(n, p)`` codes, ``scale`` from their own numeric
        spread (``med / sqrt(2)``) unless given (rows that are part of a larger set: the set's)."""
        xp = backend.xp
        n_categories = np.asarray(n_categories, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(n_categories)[:-1]]).astype(np.int32)
        columns = xp.ascontiguousarray(codes.T) + backend.asarray(offsets)[:, None]
        return cls(numeric, columns, n_categories, _scale(backend, numeric) if scale is None else float(scale))

    @property
    def shape(self):
        return (self.numeric.shape[0], self.numeric.shape[1] + self.n_total)

    @property
    def n_total(self):
        """Categories of every column together: the width of the embedding's categorical part."""
        return int(self.n_categories.sum())

    @property
    def dtype(self):
        return self.numeric.dtype

    @property
    def ndim(self):
        return 2

    def with_numeric(self, backend, numeric):
        """The same categories beside another numeric block (its own scale)."""
        return MixedRows(numeric, self.columns, self.n_categories, _scale(backend, numeric))

    def subset(self, backend, index):
        index = backend.xp.asarray(index)
        return MixedRows(backend.take(self.numeric, index), self.columns[:, index], self.n_categories, self.scale)

    def dense(self, backend, index):
        """Rows ``index`` in the embedding: ``(m, d + categories)``."""
        xp = backend.xp
        index = xp.asarray(index)
        d = self.numeric.shape[1]
        out = xp.zeros((index.shape[0], self.shape[1]), dtype=self.dtype)
        out[:, :d] = self.numeric[index]
        out[xp.arange(index.shape[0])[None, :], d + self.columns[:, index]] = self.scale
        return out

    def category_means(self, backend):
        """The embedding's mean over the rows, categorical part only: ``scale`` times frequencies."""
        counts = backend.bincount(self.columns.reshape(-1), self.n_total)
        return counts.astype(self.dtype) * (self.scale / self.numeric.shape[0])


def _scale(backend, numeric):
    """``med / sqrt(2)``, ``med`` the median of the columns' standard deviations (1 when it is 0)."""
    if numeric.shape[1] == 0 or numeric.shape[0] == 0:
        return float(np.sqrt(0.5))
    one_class = backend.xp.zeros(numeric.shape[0], dtype=backend.xp.int64)
    return embedding_scale(class_penalties(backend, numeric, one_class, 1)[0])


def embedding_scale(penalty):
    """The one-hot entry ``med / sqrt(2)`` of the rows whose ``med^2`` is ``penalty`` (``med`` 1 when 0)."""
    med = float(np.sqrt(penalty))
    return float((med if med > 0 else 1.0) * np.sqrt(0.5))


class MixedClusterEngine(ClusterEngine):
    """k-means and SOM steps on :class:`MixedRows` (array-generic: NumPy and CuPy alike)."""

    def _nearest_center(self, X, centers, with_distances):
        xp, backend = self.xp, self.backend
        n = X.shape[0]
        labels = xp.empty(n, dtype=xp.int32)
        min_sq = xp.empty(n, dtype=X.dtype) if with_distances else None
        p = X.columns.shape[0]
        step = max(1, backend.tile_elements(X.dtype.itemsize) // max(1, centers.shape[0] * (1 + p)))
        terms = self.center_terms(X, centers)

        def row_tile(start):  # writes its own rows only
            tile = slice(start, start + step)
            d = self.sq_to_centers(X, tile, centers, terms)
            lab = xp.argmin(d, axis=1)
            labels[tile] = lab
            if with_distances:
                min_sq[tile] = xp.take_along_axis(d, lab[:, None], axis=1)[:, 0]

        for _ in backend.map_ordered(row_tile, range(0, n, step)):
            pass
        return (labels, min_sq) if with_distances else labels

    def center_terms(self, X, centers):
        """What every row's distance to ``centers`` shares: the categorical part's constant per
        center (``p scale^2 + |c_cat|^2``) and the table of ``-2 scale c`` per category, ``(categories, k)``."""
        xp = self.xp
        categorical = centers[:, X.numeric.shape[1] :]
        p = X.columns.shape[0]
        constant = (categorical * categorical).sum(axis=1) + p * X.scale * X.scale
        return constant, xp.ascontiguousarray(categorical.T) * (-2 * X.scale)

    def sq_to_centers(self, X, rows, centers, terms=None):
        """Squared embedding distances of rows ``rows`` (a slice or index) to ``centers``: ``(m, k)``."""
        xp = self.xp
        constant, table = terms if terms is not None else self.center_terms(X, centers)
        out = sq_distances(xp, X.numeric[rows], centers[:, : X.numeric.shape[1]])
        out += constant[None, :]
        for column in X.columns:  # one gather of whole table rows per categorical column
            out += xp.take(table, column[rows], axis=0)
        return xp.maximum(out, 0, out=out)

    def segment_sums(self, X, labels, k):
        """Each center's sum of its rows in the embedding: ``(k, d + categories)``."""
        xp, backend = self.xp, self.backend
        d, total = X.numeric.shape[1], X.n_total
        out = xp.empty((k, d + total), dtype=X.dtype)
        out[:, :d] = backend.segment_sum(X.numeric, labels, k)
        keys = labels.astype(xp.int64)[None, :] * total + X.columns
        out[:, d:] = backend.bincount(keys.reshape(-1), k * total).reshape(k, total).astype(X.dtype) * X.scale
        return out

    def rows_at(self, X, index):
        return X.dense(self.backend, index)

    def row_subset(self, X, index):
        return X.subset(self.backend, index)

    def kmeans_plusplus(self, X, first, uniforms):
        xp = self.xp
        n = X.shape[0]
        everything = slice(None)
        chosen = xp.empty(uniforms.shape[0] + 1, dtype=xp.int64)
        chosen[0] = first[0]
        closest = self.sq_to_centers(X, everything, X.dense(self.backend, first))[:, 0].astype(xp.float64)
        for c in range(1, chosen.shape[0]):
            cumulative = xp.cumsum(closest)
            candidates = xp.minimum(xp.searchsorted(cumulative, uniforms[c - 1] * cumulative[-1]), n - 1)
            distances = self.sq_to_centers(X, everything, X.dense(self.backend, candidates)).T
            trial = xp.minimum(closest[None, :], distances)
            best = xp.argmin(trial.sum(axis=1))
            closest = trial[best]
            chosen[c] = candidates[best]
        return chosen

    def minmax_scaled(self, X):
        return X.with_numeric(self.backend, super().minmax_scaled(X.numeric))

    def mean_feature_variance(self, X):
        """The embedding's variance per column of the table: a categorical column's one-hot block
        counts as one feature (its variance is the block's), so ``tol`` keeps k-means' meaning
        however many categories a column has."""
        xp = self.xp
        numeric = float(xp.var(X.numeric, axis=0).sum()) if X.numeric.shape[1] else 0.0
        frequencies = X.category_means(self.backend).astype(xp.float64) / X.scale
        categorical = float((frequencies * (1 - frequencies)).sum()) * X.scale * X.scale
        return (numeric + categorical) / (X.numeric.shape[1] + X.columns.shape[0])


def sparse_embedding(backend, rows):
    """The embedding of :class:`MixedRows` as a SciPy CSR matrix on the host (for a clusterer of
    another library, e.g. scikit-learn's KMeans, which takes sparse rows): ``n (d + p)`` stored
    values, whatever the number of categories."""
    import scipy.sparse as sp

    numeric = backend.to_host(rows.numeric)
    entries = backend.to_host(rows.columns).T.astype(np.int64)  # (n, p): each row's entries
    n, p = entries.shape
    one_hot = sp.csr_matrix(
        (np.full(n * p, rows.scale, dtype=numeric.dtype), entries.reshape(-1), np.arange(0, n * p + 1, p)),
        shape=(n, rows.n_total),
    )
    return sp.hstack([sp.csr_matrix(numeric), one_hot], format="csr")
