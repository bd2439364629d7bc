"""The Dask over-samplers: the single-machine estimators' parameters, on dask collections."""

from .._docstring import fill_doc, parameters_of
from ..over_sampling import SMOTE as _SMOTE
from ..over_sampling import SOMO as _SOMO
from ..over_sampling import ClusterOverSampler as _ClusterOverSampler
from ..over_sampling import GeometricSMOTE as _GeometricSMOTE
from ..over_sampling import GeometricSOMO as _GeometricSOMO
from ..over_sampling import KMeansSMOTE as _KMeansSMOTE
from ._base import DaskOverSamplerMixin

# The fitted attributes of every Dask sampler.
_ATTRIBUTES = """\
labels_ : dask array of shape (n_samples,)
    The cluster label of every row (persisted on the workers; zeros without a clusterer).
clusterer_, distributor_, oversampler_ : estimators
    The fitted components (``oversampler_`` is the sampler itself for SMOTE and
    GeometricSMOTE, ``clusterer_`` None for them).
transformer_ : None
    Always ``None``: the Dask samplers take no ``Pipeline`` as the over-sampler.
neighbors_ : array of shape (n_pairs, 2) or None
    Pairs of adjacent clusters when the clusterer has a topology (SOM), else ``None``.
sampling_strategy_ : dict {class_label: n_samples}
    The rows generated per class.
stage_seconds_ : dict {stage: seconds}
    Wall-clock seconds of the client's stages of the last ``fit_resample``
    ("validate", "cluster", "distribute", "generate": see ``fit_resample``). The
    synthetic rows are computed lazily, when the result is: that time is in none of them.
random_state_ : numpy.random.RandomState
    ``check_random_state(random_state)``.
median_std_ : dict {class_label: float}
    With categorical columns (a dask DataFrame), after ``fit_resample``: SMOTE-NC's ``med``
    of each class, by reductions over the numeric columns (the single machine's, to float
    rounding).
task_rows_ : int
    The task budget of the last ``fit_resample``: the most rows a task holds (``dask.config``
    ``gpu_clover.task-rows``, else from the workers' memory).
largest_task_rows_ : int
    The most rows any task of the last ``fit_resample`` held.
split_groups_ : dict {(cluster_label, class_label): search}
    The groups above the task budget, split across tasks, and their split search."""

# How a SOM is fitted on Dask (SOMO, GeometricSOMO).
_SOM_ON_DASK = """\
The map is trained as on one machine, on its bounded random sample (the same
rows, drawn by the SOM's own stream) brought to the client, after one reduction
for the columns' ranges; every row is then labelled by its closest neuron in a
``map_blocks``, so ``labels_`` and ``neighbors_`` are the single-machine ones."""


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

    ``oversampler`` must be gpu_clover's SMOTE or GeometricSMOTE; ``clusterer``
    gpu_clover's KMeans or SOM, a Dask-native estimator (``cuml.dask``,
    ``dask_ml``) or None; ``distributor`` a gpu_clover distributor.

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


@fill_doc(parameters=parameters_of(_SMOTE), attributes=_ATTRIBUTES)
class SMOTE(DaskOverSamplerMixin, _SMOTE):
    """SMOTE on dask collections; parameters as :class:`gpu_clover.SMOTE`.

    Each class's rows are one group: its rows are gathered in one task, where
    the single-machine engine finds the neighbours and writes the rows.

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
    >>> from gpu_clover.dask import SMOTE
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X, y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> X_res, y_res = SMOTE(random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y_res.compute())
    array([1792, 1792])
    """


@fill_doc(parameters=parameters_of(_GeometricSMOTE), attributes=_ATTRIBUTES)
class GeometricSMOTE(DaskOverSamplerMixin, _GeometricSMOTE):
    """Geometric SMOTE on dask collections; parameters as :class:`gpu_clover.GeometricSMOTE`.

    With ``selection_strategy`` "majority" or "combined" each minority row's
    nearest row of the other classes is needed: the minority group's task
    receives every row of the other classes too (the whole data in one task);
    "minority" reads the minority rows only. For data beyond one worker's
    memory, :class:`GeometricSOMO` or :class:`ClusterOverSampler` with a
    clusterer read each cluster's majority rows only.

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
    >>> from gpu_clover.dask import GeometricSMOTE
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X, y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> sampler = GeometricSMOTE(selection_strategy="minority", random_state=0, backend="numpy")
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res.compute())
    array([1792, 1792])
    """


@fill_doc(parameters=parameters_of(_SOMO), attributes=_ATTRIBUTES, som=_SOM_ON_DASK)
class SOMO(DaskOverSamplerMixin, _SOMO):
    """SOMO on dask collections; parameters as :class:`gpu_clover.SOMO`.

    %(som)s

    Rows between adjacent clusters (``distribution_ratio < 1``) are written by
    tasks that receive the rows of both groups of each of their pairs.

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
    >>> from gpu_clover.dask import SOMO
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X, y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> X_res, y_res = SOMO(som_estimator=16, random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y_res.compute())
    array([1792, 1792])
    """


@fill_doc(parameters=parameters_of(_GeometricSOMO), attributes=_ATTRIBUTES, som=_SOM_ON_DASK)
class GeometricSOMO(DaskOverSamplerMixin, _GeometricSOMO):
    """G-SOMO on dask collections; parameters as :class:`gpu_clover.GeometricSOMO`.

    %(som)s

    Geometric SMOTE's majority rows are each cluster's rows of the majority
    class: they are shuffled with the cluster's receiving groups (into the same
    partition), so each cluster's majority rows move once.

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
    >>> from gpu_clover.dask import GeometricSOMO
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X, y = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    >>> X_res, y_res = GeometricSOMO(som_estimator=16, random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y_res.compute())
    array([1792, 1792])
    """
