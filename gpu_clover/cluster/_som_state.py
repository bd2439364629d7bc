"""SOM fits computed outside ``SOM.fit``: how another engine checks a SOM and publishes its fit.

The Dask layer (:mod:`gpu_clover.dask`) trains the map on a sample and labels the
row blocks; it reads the estimator's parameters and hands the result back here.
These functions are the only code outside the class that touches its fitted
attributes or private methods, so the class and this module change together.
"""


def check_som_params(som):
    """Validate ``som``'s parameters as ``SOM.fit`` does (an ``InvalidParameterError`` naming the bad one)."""
    som._validate_params()


def publish_som_fit(som, *, n_rows, n_columns, cluster_centers, neighbors, n_features_in, labels):
    """Set ``som``'s fitted attributes from a fit computed elsewhere; returns ``som``.

    Parameters
    ----------
    som : SOM
    n_rows, n_columns : int
        The grid.
    cluster_centers : array of shape (n_rows * n_columns, n_features)
        Neuron weights, in the min-max scaled space.
    neighbors : int array of shape (n_pairs, 2)
        Pairs of clusters on adjacent neurons (as ``SOM.neighbors_``).
    n_features_in : int
    labels : array of shape (n_samples,)
        Each row's cluster (its occupied neuron's rank), in the array kind the caller works
        with (e.g. a dask array).
    """
    som.n_rows_, som.n_columns_ = n_rows, n_columns
    som.cluster_centers_, som.neighbors_ = cluster_centers, neighbors
    som.n_features_in_ = n_features_in
    som.labels_ = labels
    return som
