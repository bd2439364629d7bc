"""Native SMOTE: all groups in one vectorized pass on the backend."""

from .._docstring import fill_doc
from ..distribution import BaseDistributor
from ._base import K_NEIGHBORS, BaseClusterOverSampler
from ._generation import smote_intra
from ._native import NativeOverSampler


@fill_doc
class SMOTE(NativeOverSampler, BaseClusterOverSampler):
    """SMOTE (Chawla et al., 2002) on the NumPy or CuPy backend.

    Each synthetic row lies on the segment between a minority row and one of its
    ``k_neighbors`` nearest rows of the same class. Used alone it is plain SMOTE;
    inside :class:`ClusterOverSampler` it runs inside every (cluster, class)
    group at once.

    Parameters
    ----------
    %(sampling_strategy)s
    %(random_state)s
    %(k_neighbors)s
    %(backend)s
    %(neighbor_search)s
    %(categorical_features)s

    Attributes
    ----------
    %(cluster_attributes)s
    %(sampler_attributes)s

    See Also
    --------
    KMeansSMOTE : SMOTE inside k-means clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from gpu_clover import SMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = SMOTE(random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y), np.bincount(y_res)
    (array([450,  50]), array([450, 450]))
    >>> bool((X_res[:500] == X).all())  # the original rows first, then the synthetic ones
    True

    A pandas table with a string column: ``categorical_features="auto"`` takes it as
    categories (SMOTE-NC), so its values are never interpolated and come back as strings.

    >>> import pandas as pd
    >>> table = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    >>> table["plan"] = np.where(X[:, 3] > 0, "pro", "basic")
    >>> table_res, y_res = SMOTE(random_state=0, backend="numpy").fit_resample(table, y)
    >>> table_res.shape, list(table_res.columns), table_res.dtypes.equals(table.dtypes)
    ((900, 4), ['a', 'b', 'c', 'plan'], True)
    >>> sorted(table_res["plan"].iloc[500:].unique())  # the synthetic rows' plans: observed ones
    ['basic', 'pro']
    """

    _parameter_constraints = {
        **BaseClusterOverSampler._parameter_constraints,
        "k_neighbors": K_NEIGHBORS,
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        backend="auto",
        neighbor_search="auto",
        categorical_features="auto",
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.backend = backend
        self.neighbor_search = neighbor_search
        self.categorical_features = categorical_features

    def _make_estimators(self, data):
        self.oversampler_, self.clusterer_, self.distributor_, self.transformer_ = self, None, BaseDistributor(), None

    def _generate_intra(self, request):
        return smote_intra(request.stats, request.items, request.n_new, request.seed, request.out)
