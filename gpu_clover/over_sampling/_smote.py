"""Native SMOTE: all groups in one vectorized pass on the backend."""

from ..distribution import BaseDistributor
from ._base import K_NEIGHBORS, BaseClusterOverSampler
from ._generation import smote_intra


class SMOTE(BaseClusterOverSampler):
    """SMOTE (Chawla et al., 2002) on the NumPy or CuPy backend.

    Each synthetic row lies on the segment between a minority row and one of its
    ``k_neighbors`` nearest rows of the same class. Used alone it is plain SMOTE;
    inside :class:`ClusterOverSampler` it runs inside every (cluster, class)
    group at once.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    random_state : int, RandomState or None, default=None
    k_neighbors : int, default=5
        Shrinks to the group size - 1 in small groups; a one-row group duplicates it.
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
    sampling_strategy_ : OrderedDict {class_label: n_samples_generated}
    random_state_ : numpy.random.RandomState
        ``check_random_state(random_state)``, as imbalanced-learn-extra's samplers.
    """

    _parameter_constraints = {
        **BaseClusterOverSampler._parameter_constraints,
        "k_neighbors": K_NEIGHBORS,
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, k_neighbors=5, backend="auto", neighbor_search="auto"):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.backend = backend
        self.neighbor_search = neighbor_search

    def _make_estimators(self, data):
        self.oversampler_, self.clusterer_, self.distributor_, self.transformer_ = self, None, BaseDistributor(), None

    def _generate_intra(self, stats, group_ids, n_new, seed, out):
        return smote_intra(stats, group_ids, n_new, seed, out)

