"""ClusterOverSampler: any clusterer, any distributor, any over-sampler."""

from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, StrOptions

from ..backends import BACKENDS
from ..distribution import BaseDistributor, DensityDistributor
from ._base import RAISE_ERROR, BaseClusterOverSampler


class ClusterOverSampler(BaseClusterOverSampler):
    """Clustering-based over-sampling with any combination of components.

    The data are clustered, a distributor decides how many synthetic rows each
    (cluster, class) group gets, and the over-sampler generates them inside the
    groups (and between neighbouring clusters when the distributor says so).

    Parameters
    ----------
    oversampler : over-sampler
        gpu_clover's native :class:`~gpu_clover.over_sampling.SMOTE` (all groups in
        one vectorized pass on the backend), or any imbalanced-learn over-sampler or
        imblearn ``Pipeline`` ending in one (run group by group on the host).
    clusterer : estimator with ``fit`` and ``labels_``, default=None
        gpu_clover's, scikit-learn's or cuML's. ``None``: one cluster, i.e. the plain
        over-sampler.
    distributor : BaseDistributor, default=None
        ``None``: :class:`~gpu_clover.distribution.DensityDistributor` when there is a
        clusterer.
    raise_error : bool, default=True
        When no cluster passes the filter: raise a ValueError, or warn and return
        the original data.
    random_state : int, RandomState or None, default=None
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
    oversampler_, clusterer_, distributor_ : fitted clones
    labels_ : array of shape (n_samples,), cluster label of each row
    neighbors_ : array of shape (n_pairs, 2) or None
    sampling_strategy_ : OrderedDict {class_label: n_samples_generated}
    random_state_ : numpy.random.RandomState
        ``check_random_state(random_state)``, as imbalanced-learn-extra's samplers.
    """

    # No sampling_strategy: it is the oversampler's (as in cluster-over-sampling).
    _parameter_constraints = {
        "oversampler": [HasMethods(["fit_resample"])],
        "clusterer": [HasMethods(["fit"]), None],
        "distributor": [HasMethods(["fit"]), None],
        "raise_error": RAISE_ERROR,
        "random_state": ["random_state"],
        "backend": [StrOptions(set(BACKENDS))],
        "neighbor_search": BaseClusterOverSampler._parameter_constraints["neighbor_search"],
    }

    # The three components are positional, as in cluster-over-sampling; the rest keyword-only.
    def __init__(
        self,
        oversampler,
        clusterer=None,
        distributor=None,
        *,
        raise_error=True,
        random_state=None,
        backend="auto",
        neighbor_search="auto",
    ):
        self.oversampler = oversampler
        self.clusterer = clusterer
        self.distributor = distributor
        self.raise_error = raise_error
        self.random_state = random_state
        self.backend = backend
        self.neighbor_search = neighbor_search

    def _make_estimators(self, data):
        self.transformer_ = None
        if isinstance(self.oversampler, Pipeline):
            if self.oversampler.steps[:-1]:
                self.transformer_ = clone(Pipeline(self.oversampler.steps[:-1])).fit(data.X_host())
            self.oversampler_ = clone(self.oversampler.steps[-1][-1])
        else:
            self.oversampler_ = clone(self.oversampler)
        if self.clusterer is None and self.distributor is not None:
            raise ValueError(
                "Distributor was found but clusterer is set to `None`. "
                "Either set parameter `distributor` to `None` or use a clusterer."
            )
        self.clusterer_ = None if self.clusterer is None else clone(self.clusterer)
        if self.distributor is not None:
            self.distributor_ = clone(self.distributor)
        else:
            self.distributor_ = BaseDistributor() if self.clusterer is None else DensityDistributor()
