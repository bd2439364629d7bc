"""G-SOMO: self-organizing map, density-based distribution, Geometric SMOTE (Douzas, Rauch and Bacao, 2021)."""

from ..distribution import DensityDistributor
from ._base import DISTRIBUTOR
from ._geometric_smote import GeometricSMOTE
from ._somo import SOMO, make_som


class GeometricSOMO(SOMO):
    """Geometric SOMO: :class:`SOMO`'s clustering and distribution with Geometric SMOTE.

    Intra-cluster rows are :class:`GeometricSMOTE` rows inside each filtered
    (cluster, class) group; inter-cluster rows take a minority row of each of
    two adjacent filtered clusters, one as the center and the other as the
    minority surface point (the majority surface point, for ``"majority"`` and
    ``"combined"``, is the center's nearest majority row of the two clusters).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    random_state : int, RandomState or None, default=None
    k_neighbors : int, default=5
    truncation_factor : float in [-1, 1], default=1.0
    deformation_factor : float in [0, 1], default=0.0
    selection_strategy : {"combined", "majority", "minority"}, default="combined"
    som_estimator : None, int, float or estimator, default=None
        As in :class:`SOMO`.
    imbalance_ratio_threshold : float or "auto", default="auto"
        The distributor's ``filtering_threshold``; ``float("inf")``: no filter.
    distances_exponent : float or "auto", default=1.0
        As in :class:`~gpu_clover.KMeansSMOTE`: 1.0 does not grow with the number
        of features; "auto" (the number of features) is cluster-over-sampling's.
    distribution_ratio : float in [0, 1], default=0.8
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
