"""The Dask over-samplers: the single-machine estimators' parameters, on dask collections."""

from ..over_sampling import ClusterOverSampler as _ClusterOverSampler
from ..over_sampling import KMeansSMOTE as _KMeansSMOTE
from ._base import DaskOverSamplerMixin


class KMeansSMOTE(DaskOverSamplerMixin, _KMeansSMOTE):
    """KMeans-SMOTE on dask collections; parameters as :class:`gpu_clover.KMeansSMOTE`.

    The k-means is gpu_clover's, run as Dask reductions (or any Dask-native
    estimator passed as ``kmeans_estimator``, e.g. ``cuml.dask.cluster.KMeans``).
    ``backend`` picks the engine of every block task (``"auto"``: CuPy for CuPy
    blocks or when the worker has a GPU, as on one machine).

    Attributes
    ----------
    labels_ : dask array, the cluster label of every row (persisted on the workers)
    clusterer_, distributor_, oversampler_, sampling_strategy_, neighbors_, random_state_
    """


class ClusterOverSampler(DaskOverSamplerMixin, _ClusterOverSampler):
    """ClusterOverSampler on dask collections; parameters as :class:`gpu_clover.ClusterOverSampler`.

    ``oversampler`` must be gpu_clover's SMOTE; ``clusterer`` gpu_clover's
    KMeans, a Dask-native estimator (``cuml.dask``, ``dask_ml``) or None;
    ``distributor`` a gpu_clover distributor.
    """
