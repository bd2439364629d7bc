"""gpu_clover.cluster.SOM: the reference's grid, numbering and adjacency rules; a well-trained map."""

import time

import numpy as np
import pytest
from imblearn_extra.clover.clusterer import SOM as ReferenceSOM
from sklearn.datasets import make_blobs

from gpu_clover.backends import get_backend
from gpu_clover.cluster import SOM
from gpu_clover.cluster._som import grid_shape, occupied_neighbors, principal_axes_init


def reference_neighbors(occupied, n_rows, n_columns, topology):
    """The reference's pairs for the occupied neurons (flat ids, row-major), without training it."""
    som = ReferenceSOM(topology=topology)
    som.n_rows_, som.n_columns_ = n_rows, n_columns
    coords = sorted((int(i), int(j)) for i, j in zip(*np.divmod(occupied, n_columns)))
    mapping = {coord: label for label, coord in enumerate(coords)}
    return np.asarray(som._generate_neighbors(coords, mapping)).reshape(-1, 2)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("side", [1, 2, 5, 8])
def test_adjacency_matches_reference_on_square_grids(topology, side):
    rng = np.random.default_rng(side)
    for fill in (1.0, 0.6, 0.3):
        occupied = np.flatnonzero(rng.random(side * side) < fill)
        if occupied.size == 0:
            continue
        ours = occupied_neighbors(occupied, side, side, topology)
        np.testing.assert_array_equal(ours, reference_neighbors(occupied, side, side, topology))


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_adjacency_on_rectangular_grids_is_the_reference_without_its_bound_quirk(topology):
    """The reference bounds a neighbour's first grid coordinate by n_columns and its second by n_rows.

    On non-square grids that drops the pairs whose two neurons both lie beyond
    the swapped bounds; we keep every adjacent pair (documented difference).
    Ours restricted to the reference's bounds is exactly the reference.
    """
    n_rows, n_columns = 4, 7
    occupied = np.arange(n_rows * n_columns)
    ours = occupied_neighbors(occupied, n_rows, n_columns, topology)
    theirs = reference_neighbors(occupied, n_rows, n_columns, topology)
    row, column = np.divmod(occupied, n_columns)
    inside_swapped = (row < n_columns) & (column < n_rows)
    kept = ours[inside_swapped[ours[:, 0]] | inside_swapped[ours[:, 1]]]
    # there, a pair found from one side only may come out as (larger, smaller): compare unordered
    np.testing.assert_array_equal(kept, np.unique(np.sort(theirs, axis=1), axis=0))
    assert len(ours) > len(theirs)


def test_rectangular_and_hexagonal_counts_on_a_full_grid():
    full = np.arange(9)
    assert len(occupied_neighbors(full, 3, 3, "rectangular")) == 12  # 2 * 3 * 2 edges
    hexagonal = occupied_neighbors(full, 3, 3, "hexagonal")
    assert len(hexagonal) == 16
    assert all(a < b for a, b in hexagonal)


@pytest.mark.parametrize("n_rows, n_columns", [(None, None), (3, None), (None, 4), (3, 5)])
def test_grid_shape_matches_reference(n_rows, n_columns):
    X, _ = make_blobs(200, n_features=2, random_state=0)
    reference = ReferenceSOM(n_rows=n_rows, n_columns=n_columns, random_state=0).fit(X)
    assert grid_shape(len(X), n_rows, n_columns) == (reference.n_rows_, reference.n_columns_)
    ours = SOM(n_rows=n_rows, n_columns=n_columns, random_state=0, backend="numpy").fit(X)
    assert (ours.n_rows_, ours.n_columns_) == (reference.n_rows_, reference.n_columns_)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_fit_labels_occupied_neurons_in_grid_order(topology, backend):
    X, truth = make_blobs(600, centers=4, n_features=3, cluster_std=0.5, center_box=(-20, 20), random_state=1)
    som = SOM(n_rows=4, n_columns=4, topology=topology, random_state=0, backend=backend).fit(X)
    labels = np.asarray(som.labels_.get() if hasattr(som.labels_, "get") else som.labels_)
    centers = np.asarray(som.cluster_centers_.get() if hasattr(som.cluster_centers_, "get") else som.cluster_centers_)
    scaled = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    neuron = ((scaled[:, None, :] - centers[None, :, :]) ** 2).sum(axis=-1).argmin(axis=1)
    occupied = np.unique(neuron)
    np.testing.assert_array_equal(labels, np.searchsorted(occupied, neuron))
    np.testing.assert_array_equal(som.neighbors_, occupied_neighbors(occupied, 4, 4, topology))
    # every cluster holds one blob only: the map separates well-separated data
    for label in np.unique(labels):
        assert len(np.unique(truth[labels == label])) == 1
    # a trained map is ordered: most adjacent neurons are closer than the typical neuron pair
    gaps = np.linalg.norm(centers[occupied[som.neighbors_[:, 0]]] - centers[occupied[som.neighbors_[:, 1]]], axis=1)
    all_gaps = np.linalg.norm(centers[:, None] - centers[None, :], axis=-1)
    assert np.median(gaps) < np.median(all_gaps[np.triu_indices(len(centers), 1)])


def test_quantization_better_than_reference():
    X, _ = make_blobs(1500, centers=6, n_features=5, cluster_std=2.0, random_state=3)
    scaled = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))

    def error(weights):
        return np.sqrt(((scaled[:, None, :] - weights[None]) ** 2).sum(-1).min(1)).mean()

    ours = SOM(random_state=0, backend="numpy").fit(X)
    reference = ReferenceSOM(random_state=0).fit(X)
    assert error(ours.cluster_centers_) < error(reference.algorithm_.get_weights().reshape(-1, X.shape[1]))


def test_reproducible_and_float32():
    X, _ = make_blobs(20000, centers=5, n_features=4, random_state=0)
    a = SOM(random_state=3, backend="numpy").fit(X)
    b = SOM(random_state=3, backend="numpy").fit(X.astype(np.float32))
    c = SOM(random_state=3, backend="numpy").fit(X)
    np.testing.assert_array_equal(a.labels_, c.labels_)
    np.testing.assert_array_equal(a.neighbors_, c.neighbors_)
    assert a.labels_.shape == b.labels_.shape == (20000,)
    assert a.n_rows_ == a.n_columns_ == int(np.ceil(np.sqrt(5 * np.sqrt(20000))))


def test_bad_parameters():
    with pytest.raises(ValueError):
        SOM(topology="triangular").fit(np.zeros((5, 2)))
    with pytest.raises(ValueError):
        SOM(learning_rate=0).fit(np.zeros((5, 2)))


def _axes_weights(X, axes, n_rows, n_columns):
    """Neuron weights of a grid spanning ``axes`` (columns) around X's mean, as the initialisation lays them."""
    steps = [np.linspace(-1, 1, n) for n in (n_rows, n_columns)]
    grid = np.stack(np.meshgrid(*steps, indexing="ij"), axis=-1).reshape(-1, 2)
    return X.mean(axis=0) + grid @ axes.T


@pytest.mark.parametrize("shape", [(30, 400), (50, 8)])
def test_principal_axes_are_those_of_an_svd(shape):
    """Wide data (more features than rows) and tall data: the SVD's axes, up to their signs."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=shape) * np.linspace(3, 0.1, shape[1])
    got = principal_axes_init(get_backend("numpy"), X, 4, 3)
    _, s, vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    axes = (vt[:2] * (s[:2, None] / np.sqrt(len(X) - 1))).T
    candidates = [_axes_weights(X, axes * signs, 4, 3) for signs in ([1, 1], [1, -1], [-1, 1], [-1, -1])]
    assert min(np.abs(got - want).max() for want in candidates) < 1e-9


def test_many_features_fit_quickly():
    X = np.random.default_rng(6).normal(size=(30, 10000))
    start = time.perf_counter()
    som = SOM(random_state=0, backend="numpy").fit(X)
    assert time.perf_counter() - start < 5  # a d x d eigendecomposition would take minutes
    assert som.labels_.shape == (30,) and np.isfinite(som.cluster_centers_).all()


@pytest.mark.parametrize("dtype, big", [(np.float32, 3e38), (np.float64, 1.7e308)])
def test_values_near_the_dtype_maximum(dtype, big):
    """A feature range beyond the dtype's maximum: the same map as on the data scaled down."""
    X = (np.random.default_rng(7).uniform(-1, 1, size=(60, 3)) * big).astype(dtype)
    som = SOM(random_state=0, backend="numpy").fit(X)
    scaled_down = SOM(random_state=0, backend="numpy").fit(X / 4)
    assert np.isfinite(som.cluster_centers_).all()
    np.testing.assert_array_equal(som.labels_, scaled_down.labels_)
