"""The Dask over-samplers: the single-machine estimators' parameters, on dask collections."""

from .._docstring import fill_doc, parameters_of
from ..over_sampling import ClusterOverSampler as _ClusterOverSampler
from ..over_sampling import KMeansSMOTE as _KMeansSMOTE
from ._base import DaskOverSamplerMixin

# The fitted attributes of both Dask samplers.
_ATTRIBUTES = """\
labels_ : dask array of shape (n_samples,)
    The cluster label of every row (persisted on the workers).
clusterer_, distributor_, oversampler_ : estimators
    The fitted components.
transformer_ : None
    Always ``None``: the Dask samplers take no ``Pipeline`` as the over-sampler.
neighbors_ : array of shape (n_pairs, 2) or None
    Pairs of adjacent clusters when the clusterer has a topology, else ``None``.
sampling_strategy_ : dict {class_label: n_samples}
    The rows generated per class.
random_state_ : numpy.random.RandomState
    ``check_random_state(random_state)``."""


@fill_doc(parameters=parameters_of(_KMeansSMOTE), attributes=_ATTRIBUTES)
class KMeansSMOTE(DaskOverSamplerMixin, _KMeansSMOTE):
    """KMeans-SMOTE on dask collections; parameters as :class:`gpu_clover.KMeansSMOTE`.

    The k-means is gpu_clover's, run as Dask reductions (or any Dask-native
    estimator passed as ``kmeans_estimator``, e.g. ``cuml.dask.cluster.KMeans``).
    ``backend`` picks the engine of every block task (``"auto"``: CuPy for CuPy
    blocks or when the worker has a GPU, as on one machine).

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    %(attributes)s

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from gpu_clover.dask import KMeansSMOTE
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X, y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> sampler = KMeansSMOTE(kmeans_estimator=4, random_state=0, backend="numpy")
    >>> X_res, y_res = sampler.fit_resample(X, y)  # lazy: the original blocks, then the synthetic rows
    >>> np.bincount(y_res.compute())
    array([1792, 1792])
    """


@fill_doc(parameters=parameters_of(_ClusterOverSampler), attributes=_ATTRIBUTES)
class ClusterOverSampler(DaskOverSamplerMixin, _ClusterOverSampler):
    """ClusterOverSampler on dask collections; parameters as :class:`gpu_clover.ClusterOverSampler`.

    ``oversampler`` must be gpu_clover's SMOTE; ``clusterer`` gpu_clover's
    KMeans, a Dask-native estimator (``cuml.dask``, ``dask_ml``) or None;
    ``distributor`` a gpu_clover distributor.

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    %(attributes)s

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from gpu_clover import SMOTE
    >>> from gpu_clover.cluster import KMeans
    >>> from gpu_clover.dask import ClusterOverSampler
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X, y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> sampler = ClusterOverSampler(SMOTE(), clusterer=KMeans(n_clusters=4), random_state=0, backend="numpy")
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res.compute())
    array([1792, 1792])
    """
