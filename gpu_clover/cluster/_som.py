"""Self-organizing map on the backend: a batch SOM, one GEMM per epoch."""

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._docstring import fill_doc
from .._groups import encode_labels
from .._placement import Placement
from .._random import Stream, seed_from_random_state
from .._state import publishes_fitted_state
from ..backends import BACKENDS, get_backend, is_cupy_array, runs_without_cub
from ._engine import cluster_engine
from ._mixed import MixedRows

# The map is trained on at most this many random rows (and at least
# ROWS_PER_NEURON per neuron), then every row is assigned to its closest neuron:
# the same map at a fraction of the passes over large data.
FIT_SAMPLE_ROWS = 8192
ROWS_PER_NEURON = 8
# The neighbourhood width decays geometrically from ``sigma`` to ``sigma * SIGMA_DECAY``.
SIGMA_DECAY = 0.1


@fill_doc
class SOM(ClusterMixin, BaseEstimator):
    """Self-organizing map clustering on the NumPy or CuPy backend.

    A batch SOM: each epoch assigns every training row to its closest neuron
    (one GEMM against all neurons), sums the rows per neuron (a scatter-add) and
    moves every neuron towards the neighbourhood-weighted mean of those sums.
    Rows are min-max scaled first and the map is initialised along the two
    principal axes of the data, so neighbouring neurons hold neighbouring data.
    Each occupied neuron is a cluster.

    Parameters
    ----------
    n_columns, n_rows : int or None, default=None
        The grid. Both ``None``: a square grid of side
        ``ceil(sqrt(5 * sqrt(n_samples)))``; one given: the other is
        ``ceil(5 * sqrt(n_samples) / given)`` (the reference's rules).
    topology : {"rectangular", "hexagonal"}, default="rectangular"
        Adjacency of neurons (see ``neighbors_``). A hexagonal grid shifts the
        neurons of every even column by half a row.
    sigma : float, default=1.0
        Width (in grid units) of the gaussian neighbourhood in the first epoch;
        it decays geometrically to ``sigma / 10`` in the last one.
    learning_rate : float in (0, 1], default=0.5
        Step of each epoch towards the neighbourhood-weighted means
        (1.0 is the classical batch SOM).
    n_iter : int, default=5
        Epochs (passes over the training rows), each one GEMM. From the
        principal-axes initialisation five batch epochs reach a quantization
        error within about 3 % of twenty epochs' (the reference's default, 1000
        single-row updates, leaves a coarser map).
    random_state : int, RandomState instance or None, default=None
        Selects the training subsample: above ``max(8192, 8 * n_neurons)`` rows
        the map is trained on that many random rows, then every row is assigned.
    %(backend)s

    Attributes
    ----------
    labels_ : array of shape (n_samples,)
        Cluster of each row: occupied neurons numbered 0, 1, ... in grid order
        (row-major: ``row * n_columns_ + column``), as the reference numbers them.
    neighbors_ : int array of shape (n_pairs, 2)
        Unique pairs ``(a, b)``, ``a < b``, of clusters on adjacent neurons,
        sorted. Rectangular: neurons differing by one in the row or the column.
        Hexagonal: also ``(r - o, c - o)`` and ``(r - o, c + o)`` with
        ``o = (-1) ** c`` (the reference's rule).
    cluster_centers_ : array of shape (``n_rows_ * n_columns_``, n_features)
        Neuron weights, in the min-max scaled space.
    n_rows_, n_columns_ : int
        The grid's size.
    n_features_in_ : int
        Number of features seen in ``fit``.
    %(feature_names_in)s

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_clover.cluster import SOM
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> som = SOM(n_columns=3, n_rows=3, random_state=0, backend="numpy").fit(X)
    >>> som.labels_.shape, int(som.labels_.max()) < 9
    ((200,), True)
    >>> som.neighbors_.shape[1]
    2
    """

    _parameter_constraints = {
        "n_columns": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_rows": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "topology": [StrOptions({"rectangular", "hexagonal"})],
        "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
        "learning_rate": [Interval(numbers.Real, 0, 1, closed="right")],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "backend": [StrOptions(set(BACKENDS))],
    }

    def __init__(
        self,
        n_columns=None,
        n_rows=None,
        *,
        topology="rectangular",
        sigma=1.0,
        learning_rate=0.5,
        n_iter=5,
        random_state=None,
        backend="auto",
    ):
        self.n_columns = n_columns
        self.n_rows = n_rows
        self.topology = topology
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.random_state = random_state
        self.backend = backend

    @runs_without_cub
    @publishes_fitted_state
    def fit(self, X, y=None):
        """Train the map on X and label every row with its occupied neuron (``y`` is ignored)."""
        self._validate_params()
        backend, X = self._check_data(X)
        xp = backend.xp
        n = X.shape[0]
        self.n_rows_, self.n_columns_ = grid_shape(n, self.n_rows, self.n_columns)
        n_neurons = self.n_rows_ * self.n_columns_
        engine = cluster_engine(backend, X)
        scaled = engine.minmax_scaled(X)
        sample_size = max(FIT_SAMPLE_ROWS, ROWS_PER_NEURON * n_neurons)
        train = scaled
        if n > sample_size:
            train = engine.row_subset(
                scaled, Stream(xp, seed_from_random_state(self.random_state), 0).index(sample_size, n)
            )
        positions = neuron_positions(self.n_rows_, self.n_columns_, self.topology)
        grid_sq = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(axis=-1)
        weights = principal_axes_init(backend, train, self.n_rows_, self.n_columns_)
        weights = batch_som(
            backend, train, weights, backend.asarray(grid_sq), self.sigma, self.learning_rate, self.n_iter
        )
        occupied, labels = encode_labels(backend, engine.nearest_center(scaled, weights))  # sorted neurons, int64 codes
        self.neighbors_ = occupied_neighbors(occupied, self.n_rows_, self.n_columns_, self.topology)
        self.labels_ = self._placement.wrap(labels)
        self.cluster_centers_ = self._placement.wrap(weights)
        return self

    @publishes_fitted_state
    def fit_predict(self, X, y=None):
        return self.fit(X).labels_

    def _check_data(self, X):
        if isinstance(X, MixedRows):  # a sampler's rows with categorical columns
            self.n_features_in_ = X.shape[1]
            self._placement = Placement.of(X.numeric)
            return get_backend(self.backend, like=X.numeric), X
        if is_cupy_array(X):
            if X.ndim != 2 or X.shape[0] == 0:
                raise ValueError(f"Expected a non-empty 2D array, got shape {X.shape}.")
            self.n_features_in_ = X.shape[1]
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._placement = Placement.of(X)
        backend = get_backend(self.backend, like=X)
        return backend, backend.asarray(X)


def grid_shape(n_samples, n_rows, n_columns):
    """``(n_rows, n_columns)`` of the map, with the reference's defaults for missing sides."""
    n_neurons = 5 * math.sqrt(n_samples)
    if n_rows is None and n_columns is None:
        side = math.ceil(math.sqrt(n_neurons))
        return side, side
    if n_rows is None:
        return math.ceil(n_neurons / n_columns), n_columns
    if n_columns is None:
        return n_rows, math.ceil(n_neurons / n_rows)
    return n_rows, n_columns


def neuron_positions(n_rows, n_columns, topology):
    """Plane coordinates of the neurons (row-major), for the neighbourhood distances.

    Hexagonal: even columns sit half a row lower and columns are ``sqrt(3) / 2``
    apart, so every neuron is at distance 1 from the six neighbours of the
    reference's adjacency rule.
    """
    row, column = np.divmod(np.arange(n_rows * n_columns), n_columns)
    row = row.astype(np.float64)
    column = column.astype(np.float64)
    if topology == "hexagonal":
        row -= 0.5 * (column % 2 == 0)
        column *= math.sqrt(3) / 2
    return np.stack([row, column], axis=1)


def principal_axes_init(backend, X, n_rows, n_columns):
    """Neurons on a grid spanning +-1 standard deviation along the two principal axes.

    The axes come from the eigendecomposition of the smaller Gram matrix of the
    centred rows ``C``: ``C.T C`` (d x d) when there are at least as many rows
    as features, else ``C C.T`` (n x n). Both give the axes of an SVD of ``C``,
    at a cost of ``min(n, d)^2 max(n, d)``. ``X`` is min-max scaled, so neither
    product can overflow.
    """
    xp = backend.xp
    mixed = X if isinstance(X, MixedRows) else None
    if mixed is not None:  # the categorical part starts at the rows' category frequencies
        X = mixed.numeric
    n_samples, n_features = X.shape
    centred, mean = cluster_engine(backend).centered_columns(X)
    dof = max(n_samples - 1, 1)
    if n_features <= n_samples:
        cov = backend.to_host(xp.matmul(centred.T, centred)).astype(np.float64) / dof
        values, vectors = np.linalg.eigh(cov)
        top = np.argsort(values)[::-1][:2]
        axes = vectors[:, top] * np.sqrt(np.maximum(values[top], 0))  # (n_features, <= 2)
    else:
        values, vectors = np.linalg.eigh(backend.to_host(xp.matmul(centred, centred.T)).astype(np.float64))
        top = np.argsort(values)[::-1][:2]
        # An eigenvector u of C C.T gives the covariance's axis C.T u / |C.T u|, of standard
        # deviation |C.T u| / sqrt(n - 1): their product is C.T u / sqrt(n - 1).
        rows = backend.asarray(vectors[:, top].T, dtype=xp.float64)
        axes = backend.to_host(xp.matmul(rows, centred.astype(xp.float64))).T / np.sqrt(dof)
    steps = [np.linspace(-1, 1, n) if n > 1 else np.zeros(1) for n in (n_rows, n_columns)]
    grid = np.stack(np.meshgrid(*steps, indexing="ij"), axis=-1).reshape(-1, 2)[:, : axes.shape[1]]
    weights = mean[None, :] + grid @ axes.T
    if mixed is not None:
        frequencies = backend.to_host(mixed.category_means(backend)).astype(np.float64)
        weights = np.concatenate([weights, np.broadcast_to(frequencies, (len(weights), len(frequencies)))], axis=1)
    return backend.asarray(weights, dtype=X.dtype)


def batch_som(backend, X, weights, grid_sq, sigma, learning_rate, n_iter):
    """``n_iter`` batch-SOM epochs; returns the trained weights."""
    for epoch in range(n_iter):
        width = sigma * SIGMA_DECAY ** (epoch / max(n_iter - 1, 1))
        weights = cluster_engine(backend, X).som_epoch(X, weights, grid_sq, width, learning_rate)
    return weights


def occupied_neighbors(occupied, n_rows, n_columns, topology):
    """Sorted unique pairs ``(a, b)``, ``a < b``, of clusters (ranks in ``occupied``) on adjacent neurons."""
    occupied = np.asarray(occupied, dtype=np.int64)
    is_occupied = np.zeros(n_rows * n_columns, dtype=bool)
    is_occupied[occupied] = True
    row, column = np.divmod(occupied, n_columns)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    offset = np.where(column % 2 == 0, 1, -1)
    pairs = []
    for d_row, d_column in steps + ([("hex", -1), ("hex", 1)] if topology == "hexagonal" else []):
        if d_row == "hex":  # (row - o, column - o) and (row - o, column + o), o = (-1) ** column
            other_row, other_column = row - offset, column + d_column * offset
        else:
            other_row, other_column = row + d_row, column + d_column
        inside = (other_row >= 0) & (other_row < n_rows) & (other_column >= 0) & (other_column < n_columns)
        other = np.where(inside, other_row * n_columns + other_column, 0)
        keep = inside & is_occupied[other]
        pairs.append(np.stack([np.flatnonzero(keep), np.searchsorted(occupied, other[keep])], axis=1))
    pairs = np.concatenate(pairs)
    pairs = np.sort(pairs, axis=1)
    return np.unique(pairs, axis=0).reshape(-1, 2).astype(np.int64)
