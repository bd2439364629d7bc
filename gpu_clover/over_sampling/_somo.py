"""SOMO: self-organizing map, density-based distribution, SMOTE inside and between clusters (Douzas and Bacao, 2017)."""

import math
import numbers

from sklearn.base import clone

from .._docstring import fill_doc
from ..cluster import SOM
from ..distribution import DensityDistributor
from ._base import CLUSTERER_SPEC, DISTRIBUTOR, K_NEIGHBORS, RAISE_ERROR, BaseClusterOverSampler
from ._smote import SMOTE


@fill_doc
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
    %(sampling_strategy)s
    %(random_state)s
    %(k_neighbors)s
    %(som_estimator)s
    %(distribution_ratio)s
    %(raise_error)s
    %(backend)s
    %(neighbor_search)s
    %(categorical_features)s

    Attributes
    ----------
    %(cluster_attributes)s
    %(sampler_attributes)s

    See Also
    --------
    GeometricSOMO : the same clustering and distribution with Geometric SMOTE.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from gpu_clover import SOMO
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = SOMO(random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y), np.bincount(y_res)
    (array([450,  50]), array([450, 450]))
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
        categorical_features="auto",
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.som_estimator = som_estimator
        self.distribution_ratio = distribution_ratio
        self.raise_error = raise_error
        self.backend = backend
        self.neighbor_search = neighbor_search
        self.categorical_features = categorical_features

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
