"""Stage 2 on Dask: gpu_clover's SOM trained on a bounded sample, every row labelled by map_blocks.

The single-machine :class:`~gpu_clover.cluster.SOM` already trains on at most
``max(FIT_SAMPLE_ROWS, ROWS_PER_NEURON * n_neurons)`` random rows, drawn by its
own stream, then labels every row by its closest neuron. On Dask the same
happens in the same order: the column minima and maxima are one reduction,
the same sample rows (the same stream) come to the client and train the map
there (the batch epochs on the host), and the labels are a ``map_blocks`` of
the closest neuron of each scaled row. Which neurons are occupied is one
reduction of per-block uniques; the cluster labels are the occupied neurons'
ranks and ``neighbors_`` the pairs of adjacent occupied neurons, as on one
machine. The client holds the sample (bounded by the grid, not by n).

With categorical columns the map is trained in SMOTE-NC's geometry as on one machine: the
scaled numeric block beside the codes, at the scale of the whole scaled block (one more
reduction: the spread of the scaled columns, from the same float32 values).
"""

import dask
import dask.array as da
import numpy as np

from .._placement import Placement
from .._random import Stream, seed_from_random_state
from ..backends import get_backend
from ..cluster._engine import cluster_engine, scaled_by_range
from ..cluster._mixed import MixedRows, embedding_scale
from ..cluster._som import (
    FIT_SAMPLE_ROWS,
    ROWS_PER_NEURON,
    batch_som,
    grid_shape,
    neuron_positions,
    occupied_neighbors,
    principal_axes_init,
)
from ..cluster._som_state import check_som_params, publish_som_fit
from ._categorical import class_penalties
from ._data import to_host
from ._kmeans import take_rows


def fit_som(estimator, rows):
    """Fit ``estimator`` (a gpu_clover ``SOM``) on the :class:`~._kmeans.DaskRows` ``rows``; the lazy labels.

    The fit is published through :func:`~gpu_clover.cluster._som_state.publish_som_fit`:
    ``labels_`` (the returned dask array), ``neighbors_``, ``cluster_centers_`` (NumPy),
    ``n_rows_``, ``n_columns_`` and ``n_features_in_``.
    """
    check_som_params(estimator)
    host = get_backend("numpy")
    X = rows.X
    n = X.shape[0]
    n_rows, n_columns = grid_shape(n, estimator.n_rows, estimator.n_columns)
    n_neurons = n_rows * n_columns
    low, high = (to_host(v) for v in dask.compute(X.min(axis=0), X.max(axis=0)))
    sample_size = max(FIT_SAMPLE_ROWS, ROWS_PER_NEURON * n_neurons)
    sample = None
    if n > sample_size:
        sample = Stream(np, seed_from_random_state(estimator.random_state), 0).index(sample_size, n)
    train = _scaled_rows(host, take_rows(X, sample), low, high)
    mixed = None
    if rows.mixed is not None:  # the embedding's scale: the spread of the whole scaled numeric block
        scaled = X.map_blocks(_scaled, low, high, estimator.backend, dtype=np.float32)
        one_class = da.zeros(n, chunks=(X.chunks[0],), dtype=np.int64)
        mixed = (rows.n_categories, embedding_scale(class_penalties(scaled, one_class, np.zeros(1))[0]))
        train = MixedRows.of(host, train, take_rows(rows.codes, sample), *mixed)
    positions = neuron_positions(n_rows, n_columns, estimator.topology)
    grid_sq = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(axis=-1)
    weights = principal_axes_init(host, train, n_rows, n_columns)
    weights = batch_som(host, train, weights, grid_sq, estimator.sigma, estimator.learning_rate, estimator.n_iter)
    neurons = rows.map_blocks(_nearest_neuron, weights, low, high, estimator.backend, mixed, dtype=np.int32)
    parts = dask.compute(*[dask.delayed(_uniques)(block) for block in neurons.to_delayed().ravel()])
    occupied = np.unique(np.concatenate(parts))
    labels = neurons.map_blocks(_rank_in, occupied, dtype=np.int64)
    publish_som_fit(
        estimator,
        n_rows=n_rows,
        n_columns=n_columns,
        cluster_centers=weights,
        neighbors=occupied_neighbors(occupied, n_rows, n_columns, estimator.topology),
        n_features_in=rows.width,
        labels=labels,
    )
    return labels


# ------------------------------------------------------------ block tasks
def _nearest_neuron(block, codes_block, weights, low, high, backend_name, mixed):
    """The closest neuron of every row of the block, scaled by the whole column's range (with
    categorical columns, beside its codes at the whole data's scale: ``mixed``)."""
    backend = get_backend(backend_name, like=block)
    scaled = _scaled_rows(backend, block, low, high)
    if mixed is not None:
        scaled = MixedRows.of(backend, scaled, backend.asarray(codes_block), *mixed)
    neurons = cluster_engine(backend, scaled).nearest_center(scaled, backend.asarray(weights, dtype=scaled.dtype))
    return Placement.of(block).wrap(neurons)


def _scaled(block, low, high, backend_name):
    backend = get_backend(backend_name, like=block)
    return Placement.of(block).wrap(_scaled_rows(backend, block, low, high))


def _scaled_rows(backend, block, low, high):
    """The block's rows scaled by the whole columns' range (float32, as on one machine)."""
    X = backend.asarray(block)
    return scaled_by_range(backend, X, backend.asarray(low, dtype=X.dtype), backend.asarray(high, dtype=X.dtype))


def _uniques(block):
    return np.unique(to_host(block))


def _rank_in(block, occupied):
    """Each neuron's rank among the occupied neurons: the cluster label, as ``SOM.fit`` numbers them."""
    xp = block.__array_namespace__() if hasattr(block, "__array_namespace__") else np
    return xp.searchsorted(xp.asarray(occupied), block).astype(xp.int64)
