"""G-SOMO: self-organizing map, density-based distribution, Geometric SMOTE (Douzas, Rauch and Bacao, 2021)."""

from .._docstring import fill_doc
from ..distribution import DensityDistributor
from ._base import DISTRIBUTOR
from ._geometric_smote import GeometricSMOTE
from ._somo import SOMO, make_som


@fill_doc
class GeometricSOMO(SOMO):
    """Geometric SOMO: :class:`SOMO`'s clustering and distribution with Geometric SMOTE.

    Intra-cluster rows are :class:`GeometricSMOTE` rows inside each filtered
    (cluster, class) group; inter-cluster rows take a minority row of each of
    two adjacent filtered clusters, one as the center and the other as the
    minority surface point (the majority surface point, for ``"majority"`` and
    ``"combined"``, is the center's nearest majority row of the two clusters).

    Parameters
    ----------
    %(sampling_strategy)s
    %(random_state)s
    %(k_neighbors)s
    %(truncation_factor)s
    %(deformation_factor)s
    %(selection_strategy)s
    %(som_estimator)s
    %(imbalance_ratio_threshold)s
    %(distances_exponent)s
    %(distribution_ratio)s
    %(raise_error)s
    %(backend)s
    %(neighbor_search)s
    %(categorical_features)s

    Attributes
    ----------
    %(cluster_attributes)s
    %(sampler_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from gpu_clover import GeometricSOMO
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = GeometricSOMO(random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y), np.bincount(y_res)
    (array([450,  50]), array([450, 450]))
    """

    _parameter_constraints = {
        **SOMO._parameter_constraints,
        **GeometricSMOTE._parameter_constraints,
        "imbalance_ratio_threshold": DISTRIBUTOR["filtering_threshold"],
        "distances_exponent": DISTRIBUTOR["distances_exponent"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        truncation_factor=1.0,
        deformation_factor=0.0,
        selection_strategy="combined",
        som_estimator=None,
        imbalance_ratio_threshold="auto",
        distances_exponent=1.0,
        distribution_ratio=0.8,
        raise_error=True,
        backend="auto",
        neighbor_search="auto",
        categorical_features="auto",
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.truncation_factor = truncation_factor
        self.deformation_factor = deformation_factor
        self.selection_strategy = selection_strategy
        self.som_estimator = som_estimator
        self.imbalance_ratio_threshold = imbalance_ratio_threshold
        self.distances_exponent = distances_exponent
        self.distribution_ratio = distribution_ratio
        self.raise_error = raise_error
        self.backend = backend
        self.neighbor_search = neighbor_search
        self.categorical_features = categorical_features

    def _make_estimators(self, data):
        self.transformer_ = None
        self.oversampler_ = GeometricSMOTE(
            sampling_strategy=self.sampling_strategy,
            random_state=self.random_state,
            k_neighbors=self.k_neighbors,
            truncation_factor=self.truncation_factor,
            deformation_factor=self.deformation_factor,
            selection_strategy=self.selection_strategy,
            backend=self.backend,
        )
        self.clusterer_ = make_som(self.som_estimator, data.X.shape[0], self.random_state, self.backend)
        self.distributor_ = DensityDistributor(
            filtering_threshold=self.imbalance_ratio_threshold,
            distances_exponent=self.distances_exponent,
            distribution_ratio=self.distribution_ratio,
        )
