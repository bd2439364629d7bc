"""ClusterOverSampler: any clusterer, any distributor, any over-sampler."""

from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, StrOptions

from .._docstring import fill_doc
from ..backends import BACKENDS
from ..distribution import BaseDistributor, DensityDistributor
from ._base import RAISE_ERROR, BaseClusterOverSampler


@fill_doc
class ClusterOverSampler(BaseClusterOverSampler):
    """Clustering-based over-sampling with any combination of components.

    The data are clustered, a distributor decides how many synthetic rows each
    (cluster, class) group gets, and the over-sampler generates them inside the
    groups (and between neighbouring clusters when the distributor says so).

    Parameters
    ----------
    oversampler : over-sampler
        gpu_clover's native :class:`~gpu_clover.SMOTE` or :class:`~gpu_clover.GeometricSMOTE`
        (all groups in one vectorized pass on the backend), or any imbalanced-learn
        over-sampler or imblearn ``Pipeline`` ending in one (run group by group on the host).
        Its ``sampling_strategy`` is the one used.
    clusterer : estimator with ``fit`` and ``labels_``, default=None
        gpu_clover's, scikit-learn's or cuML's. ``None``: one cluster, i.e. the plain
        over-sampler.
    distributor : BaseDistributor, default=None
        ``None``: :class:`~gpu_clover.distribution.DensityDistributor` when there is a
        clusterer.
    %(raise_error)s
    %(random_state)s
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
    >>> from gpu_clover import ClusterOverSampler, SMOTE
    >>> from gpu_clover.cluster import KMeans
    >>> from gpu_clover.distribution import DensityDistributor
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> sampler = ClusterOverSampler(
    ...     SMOTE(k_neighbors=3),
    ...     clusterer=KMeans(n_clusters=4, random_state=0),
    ...     distributor=DensityDistributor(distances_exponent=1.0, size_ratio=0.5),
    ...     random_state=0,
    ...     backend="numpy",
    ... )
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    >>> sampler.labels_.shape
    (500,)
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
        "categorical_features": BaseClusterOverSampler._parameter_constraints["categorical_features"],
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
        categorical_features="auto",
    ):
        self.oversampler = oversampler
        self.clusterer = clusterer
        self.distributor = distributor
        self.raise_error = raise_error
        self.random_state = random_state
        self.backend = backend
        self.neighbor_search = neighbor_search
        self.categorical_features = categorical_features

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
