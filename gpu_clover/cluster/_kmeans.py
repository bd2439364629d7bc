"""KMeans on the backend: k-means++ seeding, then Lloyd iterations as GEMM + argmin + segmented sums."""

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docstring import fill_doc
from .._placement import Placement
from .._random import Stream, seed_from_random_state
from .._state import publishes_fitted_state
from ..backends import BACKENDS, get_backend, is_cupy_array, runs_without_cub
from ._engine import cluster_engine
from ._mixed import MixedRows

# Above twice this many rows, Lloyd first converges on a random subsample of this
# size, then refines on all rows: the same fixed point, a fraction of the passes.
WARM_START_ROWS = 1 << 14


@fill_doc
class KMeans(ClusterMixin, BaseEstimator):
    """K-means clustering on the NumPy or CuPy backend.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters.
    init : {"k-means++", "random"} or array of shape (n_clusters, n_features), default="k-means++"
        Greedy k-means++ (2 + log(k) candidates per step, as scikit-learn).
    n_init : int, default=1
        Runs with different seeds; the lowest inertia wins.
    max_iter : int, default=100
        Most Lloyd iterations per run.
    tol : float, default=1e-4
        Convergence when the squared center shift is below ``tol`` times the mean
        feature variance (scikit-learn's rule).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and the subsamples; the same seed on the same backend gives
        the same clusters.
    %(backend)s
    fit_sample_size : int or None, default=None
        ``None``: Lloyd iterations on all rows (warm-started on a random subsample
        when there are many). An int: Lloyd iterations on a random subsample of
        that many rows, then one assignment of every row to its closest center,
        which is what MiniBatchKMeans approximates, at a fraction of the passes
        over large data.

    Attributes
    ----------
    cluster_centers_ : array of shape (n_clusters, n_features)
        The centers (CuPy for CuPy input, NumPy otherwise).
    labels_ : array of shape (n_samples,)
        The closest center of each row (CuPy for CuPy input, NumPy otherwise).
    inertia_ : float
        Sum of the squared distances of the rows to their centers.
    n_iter_ : int
        Lloyd iterations run by the winning initialisation.
    n_features_in_ : int
        Number of features seen in ``fit``.
    %(feature_names_in)s

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_clover.cluster import KMeans
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> km = KMeans(n_clusters=2, random_state=0, backend="numpy").fit(X)
    >>> bool(km.labels_[0] == km.labels_[1] != km.labels_[2] == km.labels_[3])
    True
    >>> km.predict(np.array([[4.9, 5.2]])) == km.labels_[2]
    array([ True])
    """

    _parameter_constraints = {
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), "array-like"],
        "n_init": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "backend": [StrOptions(set(BACKENDS))],
        "fit_sample_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init=1,
        max_iter=100,
        tol=1e-4,
        random_state=None,
        backend="auto",
        fit_sample_size=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.backend = backend
        self.fit_sample_size = fit_sample_size

    @runs_without_cub
    @publishes_fitted_state
    def fit(self, X, y=None):
        """Compute the clusters of X (``y`` is ignored)."""
        self._validate_params()
        backend, X = self._check_data(X, reset=True)
        n = X.shape[0]
        if n < self.n_clusters:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")
        xp = backend.xp
        seed = seed_from_random_state(self.random_state)
        best = None
        for run in range(self.n_init):
            centers, n_iter = self._lloyd_run(backend, X, Stream(xp, seed, run))
            labels, min_sq = cluster_engine(backend, X).nearest_center(X, centers, with_distances=True)
            inertia = float(backend.reduce_to_scalar(min_sq, "sum", dtype=xp.float64))
            if best is None or inertia < best[2]:
                best = (centers, labels, inertia, n_iter)
        centers, labels, self.inertia_, self.n_iter_ = best
        self.cluster_centers_ = self._placement.wrap(centers)
        self.labels_ = self._placement.wrap(labels)
        return self

    @runs_without_cub
    def predict(self, X):
        """Index of the closest center for each row of X."""
        check_is_fitted(self)
        backend, X = self._check_data(X, reset=False)
        labels = cluster_engine(backend).nearest_center(X, backend.asarray(self.cluster_centers_, dtype=X.dtype))
        return Placement.of(X).wrap(labels)

    @publishes_fitted_state
    def fit_predict(self, X, y=None):
        return self.fit(X).labels_

    def _check_data(self, X, reset):
        if isinstance(X, MixedRows):  # a sampler's rows with categorical columns
            if reset:
                self.n_features_in_ = X.shape[1]
                self._placement = Placement.of(X.numeric)
            return get_backend(self.backend, like=X.numeric), X
        if is_cupy_array(X):
            if X.ndim != 2 or X.shape[0] == 0:
                raise ValueError(f"Expected a non-empty 2D array, got shape {X.shape}.")
            if X.dtype.kind != "f":
                X = X.astype("float64")
            if reset:
                self.n_features_in_ = X.shape[1]
            elif X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but KMeans is expecting {self.n_features_in_} features."
                )
            backend = get_backend(self.backend, like=X)
        else:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
            backend = get_backend(self.backend, like=X)
        if reset:
            self._placement = Placement.of(X)
        return backend, backend.asarray(X)

    def _lloyd_run(self, backend, X, stream):
        n = X.shape[0]
        sample_size = self.fit_sample_size or WARM_START_ROWS
        engine = cluster_engine(backend, X)
        sample = X if n <= max(2 * WARM_START_ROWS, sample_size) else engine.row_subset(X, stream.index(sample_size, n))
        centers = self._initial_centers(backend, sample, stream)
        # scikit-learn's rule: tol relative to the mean feature variance (of the rows iterated on).
        tol = self.tol * engine.mean_feature_variance(sample)
        centers, n_iter = lloyd(backend, sample, centers, self.max_iter, tol)
        if sample is not X and self.fit_sample_size is None:
            tol = self.tol * engine.mean_feature_variance(X)
            centers, more = lloyd(backend, X, centers, max(1, self.max_iter - n_iter), tol)
            n_iter += more
        return centers, n_iter

    def _initial_centers(self, backend, X, stream):
        if not isinstance(self.init, str):
            centers = backend.asarray(
                np.asarray(self.init) if not backend.is_native(self.init) else self.init, dtype=X.dtype
            )
            if centers.shape != (self.n_clusters, X.shape[1]):
                raise ValueError(f"init has shape {centers.shape}; expected {(self.n_clusters, X.shape[1])}.")
            return centers.copy()
        if self.init == "random":
            return cluster_engine(backend, X).rows_at(X, stream.permutation_head(X.shape[0], self.n_clusters))
        return kmeans_plusplus(backend, X, self.n_clusters, stream)


def kmeans_plusplus(backend, X, n_clusters, stream):
    """Greedy k-means++ seeding: the best of ``2 + log(k)`` D²-sampled candidates per step.

    The draws come from ``stream`` up front; the steps run on the backend (no host
    round trip per center).
    """
    n_trials = 2 + int(math.log(n_clusters))
    first = stream.index(1, X.shape[0])
    uniforms = stream.uniform((n_clusters - 1) * n_trials).reshape(n_clusters - 1, n_trials)
    engine = cluster_engine(backend, X)
    return engine.rows_at(X, engine.kmeans_plusplus(X, first, uniforms))


def lloyd(backend, X, centers, max_iter, tol):
    """Lloyd iterations until the squared center shift is at most ``tol``.

    One host synchronization per iteration (inside the engine's ``lloyd_step``). An
    empty cluster is re-seeded on the row farthest from its center.
    """
    xp = backend.xp
    engine = cluster_engine(backend, X)
    for n_iter in range(1, max_iter + 1):
        new, counts, shift = engine.lloyd_step(X, centers)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            _, min_sq = engine.nearest_center(X, centers, with_distances=True)
            new[xp.asarray(empty)] = engine.rows_at(X, xp.argsort(-min_sq)[: empty.size])
        centers = new
        if shift <= tol and not empty.size:
            break
    return centers, n_iter
