"""SOMO: self-organizing map, density-based distribution, SMOTE inside and between clusters (Douzas and Bacao, 2017)."""

import math
import numbers

from sklearn.base import clone

from ..cluster import SOM
from ..distribution import DensityDistributor
from ._base import CLUSTERER_SPEC, DISTRIBUTOR, K_NEIGHBORS, RAISE_ERROR, BaseClusterOverSampler
from ._smote import SMOTE


class SOMO(BaseClusterOverSampler):
    """Self-Organizing Map Oversampling.

    A :class:`~gpu_clover.cluster.SOM` clusters the rows; a
    :class:`~gpu_clover.distribution.DensityDistributor` (filtering threshold 1,
    distances exponent 2, as the reference) gives the sparser minority clusters
    more rows; ``distribution_ratio`` of them are SMOTE rows inside the
    clusters, the rest lie on segments between minority rows of adjacent
    clusters. A class with no pair of adjacent filtered clusters keeps its
    whole share inside clusters.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    random_state : int, RandomState or None, default=None
    k_neighbors : int, default=5
    som_estimator : None, int, float or estimator, default=None
        ``None``: :class:`~gpu_clover.cluster.SOM` with its default grid; int
        ``k``: a ``round(sqrt(k))``-sided square grid; float ``f`` in [0, 1]: a
        ``round(sqrt((n_samples - 1) * f + 1))``-sided square grid (0.0: one
        neuron, one cluster, as the reference); an estimator
        with ``fit``, ``labels_`` and ``neighbors_`` (cloned), e.g. a configured
        ``SOM`` or the reference's.
    distribution_ratio : float in [0, 1], default=0.8
        Share of intra-cluster rows.
    raise_error : bool, default=True
    backend : {"auto", "numpy", "cupy"}, default="auto"
    neighbor_search : {"auto", "exact"}, default="auto"
        How groups of more than 4096 rows find their k nearest neighbours and their
        density. ``"auto"``: each row is compared with the rows of nearby cells only (at
        most 8192; recall about 0.98 on 18-dimensional data) and the density comes from
        65536 sampled pairs (relative error under 0.5 %), so the cost per row is bounded.
        ``"exact"``: every pair, at a cost that grows with the square of the group. Smaller
        groups are always exact.

    Attributes
    ----------
    oversampler_, clusterer_, distributor_, labels_, neighbors_, sampling_strategy_
    random_state_ : numpy.random.RandomState
        ``check_random_state(random_state)``, as imbalanced-learn-extra's samplers.
    """

    _parameter_constraints = {
        **BaseClusterOverSampler._parameter_constraints,
        "k_neighbors": K_NEIGHBORS,
        "som_estimator": CLUSTERER_SPEC,
        "distribution_ratio": DISTRIBUTOR["distribution_ratio"],
        "raise_error": RAISE_ERROR,
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        som_estimator=None,
        distribution_ratio=0.8,
        raise_error=True,
        backend="auto",
        neighbor_search="auto",
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.som_estimator = som_estimator
        self.distribution_ratio = distribution_ratio
        self.raise_error = raise_error
        self.backend = backend
        self.neighbor_search = neighbor_search

    def _make_estimators(self, data):
        self.transformer_ = None
        self.oversampler_ = SMOTE(
            sampling_strategy=self.sampling_strategy,
            k_neighbors=self.k_neighbors,
            random_state=self.random_state,
            backend=self.backend,
        )
        self.clusterer_ = make_som(self.som_estimator, data.X.shape[0], self.random_state, self.backend)
        self.distributor_ = DensityDistributor(
            filtering_threshold=1, distances_exponent=2, distribution_ratio=self.distribution_ratio
        )


def make_som(som_estimator, n_samples, random_state, backend):
    """The clusterer for a ``som_estimator`` parameter value (see :class:`SOMO`)."""
    if som_estimator is None:
        return SOM(random_state=random_state, backend=backend)
    if isinstance(som_estimator, numbers.Integral):
        side = round(math.sqrt(som_estimator))
    elif isinstance(som_estimator, numbers.Real):
        side = round(math.sqrt((n_samples - 1) * som_estimator + 1))
    else:
        return clone(som_estimator)
    return SOM(n_columns=side, n_rows=side, random_state=random_state, backend=backend)
