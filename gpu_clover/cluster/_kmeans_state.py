"""KMeans fits computed outside ``KMeans.fit``: how another engine seeds a KMeans and publishes its fit.

The Dask reductions (:mod:`gpu_clover.dask`) run Lloyd over row blocks; they read
the estimator's parameters, use its own seeding, and hand the result back here.
These functions are the only code outside the class that touches its fitted
attributes or private methods, so the class and this module change together.
"""


def check_kmeans_params(kmeans):
    """Validate ``kmeans``'s parameters as ``KMeans.fit`` does (an ``InvalidParameterError`` naming the bad one)."""
    kmeans._validate_params()


def kmeans_initial_centers(kmeans, backend, X, stream):
    """``kmeans``'s initial centers on the rows ``X`` of ``backend``: its ``init``, drawn from ``stream``."""
    return kmeans._initial_centers(backend, X, stream)


def publish_kmeans_fit(kmeans, *, cluster_centers, inertia, n_iter, n_features_in, labels):
    """Set ``kmeans``'s fitted attributes from a fit computed elsewhere; returns ``kmeans``.

    Parameters
    ----------
    kmeans : KMeans
    cluster_centers : array of shape (n_clusters, n_features)
    inertia : float
        Sum of the squared distances of the rows to their centers (NaN when not computed).
    n_iter : int
        Lloyd iterations of the winning initialisation.
    n_features_in : int
    labels : array of shape (n_samples,)
        The closest center of each row, in the array kind the caller works with (e.g. a dask array).
    """
    kmeans.cluster_centers_, kmeans.inertia_, kmeans.n_iter_ = cluster_centers, inertia, n_iter
    kmeans.n_features_in_ = n_features_in
    kmeans.labels_ = labels
    return kmeans
