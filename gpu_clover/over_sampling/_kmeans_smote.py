"""KMeans-SMOTE (Douzas, Bacao and Last, 2018)."""

import numbers

from sklearn.base import clone

from ..cluster import KMeans
from ..distribution import DensityDistributor
from ._base import CLUSTERER_SPEC, DISTRIBUTOR, K_NEIGHBORS, RAISE_ERROR, BaseClusterOverSampler
from ._smote import SMOTE


# The default k-means runs Lloyd on this many rows per cluster (at least 8192
# rows), then assigns every row: cluster-over-sampling's MiniBatchKMeans does
# comparable work, and the partition is what the distribution step needs.
DEFAULT_ROWS_PER_CLUSTER = 128


class KMeansSMOTE(BaseClusterOverSampler):
    """K-means clustering, density-based distribution, SMOTE inside the clusters.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    random_state : int, RandomState or None, default=None
    k_neighbors : int, default=5
    kmeans_estimator : None, int, float or estimator, default=None
        ``None``: :class:`~gpu_clover.cluster.KMeans` with 8 clusters, fitted on a
        subsample of 128 rows per cluster (at least 8192) then applied to all rows;
        int: the number of clusters; float in [0, 1]: the number of clusters as a
        fraction of the rows, ``round((n_samples - 1) * f + 1)`` (0.0: one
        cluster, as the reference); an estimator with ``fit`` and
        ``labels_`` (cloned), e.g. scikit-learn's or cuML's KMeans.
    imbalance_ratio_threshold : float or "auto", default="auto"
        The distributor's ``filtering_threshold``; ``float("inf")``: no filter.
    distances_exponent : float or "auto", default=1.0
        The distributor's ``distances_exponent``: a cluster's density is its
        rows of the class over their mean distance to this power. 1.0 does not
        grow with the number of features; "auto" (the number of features) is
        cluster-over-sampling's, whose density ratios become so extreme in many
        dimensions that the sparsest cluster takes nearly every sample.
    raise_error : bool, default=True
    backend : {"auto", "numpy", "cupy"}, default="auto"
    neighbor_search : {"auto", "exact"}, default="auto"
        How groups of more than 4096 rows find their k nearest neighbours and their
        density. ``"auto"``: each row is compared with the rows of nearby cells only (at
        most 8192; recall about 0.98 on 18-dimensional data) and the density comes from
        65536 sampled pairs (relative error under 0.5 %), so the cost per row is bounded.
        ``"exact"``: every pair, at a cost that grows with the square of the group. Smaller
        groups are always exact.
    size_ratio : float in [0, 1], default=0.5
        The distributor's ``size_ratio``: this share of each class's rows is
        allocated as SMOTE allocates it (to every cluster, in proportion to its
        rows of the class), the rest by the density rule, so one sparse (often
        outlying) cluster cannot take them all. 0.0 is cluster-over-sampling's
        rule (with ``distances_exponent="auto"``).
    purity_exponent : float >= 0, default=0.0
        The distributor's ``purity_exponent``: each cluster's weights are
        multiplied by its share of the class's rows, to this power, so that
        majority-heavy clusters get less. 0.0 is cluster-over-sampling's rule.

    Attributes
    ----------
    oversampler_, clusterer_, distributor_, labels_, neighbors_, sampling_strategy_
    random_state_ : numpy.random.RandomState
        ``check_random_state(random_state)``, as imbalanced-learn-extra's samplers.
    """

    _parameter_constraints = {
        **BaseClusterOverSampler._parameter_constraints,
        "k_neighbors": K_NEIGHBORS,
        "kmeans_estimator": CLUSTERER_SPEC,
        "imbalance_ratio_threshold": DISTRIBUTOR["filtering_threshold"],
        "distances_exponent": DISTRIBUTOR["distances_exponent"],
        "raise_error": RAISE_ERROR,
        "size_ratio": DISTRIBUTOR["size_ratio"],
        "purity_exponent": DISTRIBUTOR["purity_exponent"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        kmeans_estimator=None,
        imbalance_ratio_threshold="auto",
        distances_exponent=1.0,
        raise_error=True,
        backend="auto",
        neighbor_search="auto",
        size_ratio=0.5,
        purity_exponent=0.0,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.kmeans_estimator = kmeans_estimator
        self.imbalance_ratio_threshold = imbalance_ratio_threshold
        self.distances_exponent = distances_exponent
        self.raise_error = raise_error
        self.backend = backend
        self.neighbor_search = neighbor_search
        self.size_ratio = size_ratio
        self.purity_exponent = purity_exponent

    def _make_estimators(self, data):
        self.transformer_ = None
        self.oversampler_ = SMOTE(
            sampling_strategy=self.sampling_strategy,
            k_neighbors=self.k_neighbors,
            random_state=self.random_state,
            backend=self.backend,
        )
        self.clusterer_ = self._make_clusterer(data.X.shape[0])
        self.distributor_ = DensityDistributor(
            filtering_threshold=self.imbalance_ratio_threshold,
            distances_exponent=self.distances_exponent,
            size_ratio=self.size_ratio,
            purity_exponent=self.purity_exponent,
        )

    def _make_clusterer(self, n_samples):
        estimator = self.kmeans_estimator
        if estimator is None or isinstance(estimator, numbers.Real):
            if estimator is None:
                n_clusters = 8
            elif isinstance(estimator, numbers.Integral):
                n_clusters = int(estimator)
            else:
                n_clusters = round((n_samples - 1) * estimator + 1)
            if n_clusters > n_samples:
                raise ValueError(f"kmeans_estimator asks for {n_clusters} clusters but X has only {n_samples} rows.")
            return KMeans(
                n_clusters=n_clusters,
                random_state=self.random_state,
                backend=self.backend,
                fit_sample_size=max(DEFAULT_ROWS_PER_CLUSTER * n_clusters, 8192),
            )
        return clone(estimator)
