"""Native Geometric SMOTE: all groups, and all pairs of neighbouring groups, in one vectorized pass."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._docstring import fill_doc
from ..distribution import BaseDistributor
from ._base import K_NEIGHBORS, BaseClusterOverSampler
from ._engine import GeometricInterEnds, GeometricIntraEnds
from ._generation import plan_tiles
from ._geometry import SELECTION_STRATEGIES, geometric_rows, nearest_in_union, uniform_draws
from ._native import NativeOverSampler


@fill_doc
class GeometricSMOTE(NativeOverSampler, BaseClusterOverSampler):
    """Geometric SMOTE (Douzas and Bacao, 2019) on the NumPy or CuPy backend.

    Each synthetic row is drawn in a hypersphere around a minority row (the
    *center*) whose surface passes through a *surface point*, truncated and
    deformed along the center-to-surface axis. The surface point is chosen by
    ``selection_strategy``:

    - ``"minority"``: one of the center's ``k_neighbors`` nearest minority rows;
    - ``"majority"``: the center's nearest majority row;
    - ``"combined"``: the closer of those two.

    Used alone, the majority rows are the rows of every other class (as
    imbalanced-learn-extra's GeometricSMOTE). Inside a clustering over-sampler
    (:class:`ClusterOverSampler`, :class:`GeometricSOMO`) every (cluster, class)
    group is handled at once: neighbours come from the same group and majority
    rows are the cluster's rows of the majority class (as cluster-over-sampling
    passes them); rows between neighbouring clusters take one minority row of
    each as center and surface point, in random order. Without majority rows,
    the strategy falls back to ``"minority"``; a one-row group duplicates its row.

    Parameters
    ----------
    %(sampling_strategy)s
    %(random_state)s
    %(k_neighbors)s
    %(truncation_factor)s
    %(deformation_factor)s
    %(selection_strategy)s
    %(backend)s
    %(neighbor_search)s
    %(categorical_features)s

    Attributes
    ----------
    %(cluster_attributes)s
    %(sampler_attributes)s

    See Also
    --------
    GeometricSOMO : Geometric SMOTE inside the clusters of a self-organizing map.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from gpu_clover import GeometricSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = GeometricSMOTE(random_state=0, backend="numpy").fit_resample(X, y)
    >>> np.bincount(y), np.bincount(y_res)
    (array([450,  50]), array([450, 450]))
    """

    _parameter_constraints = {
        **BaseClusterOverSampler._parameter_constraints,
        "k_neighbors": K_NEIGHBORS,
        "truncation_factor": [Interval(numbers.Real, -1, 1, closed="both")],
        "deformation_factor": [Interval(numbers.Real, 0, 1, closed="both")],
        "selection_strategy": [StrOptions(set(SELECTION_STRATEGIES))],
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
        self.backend = backend
        self.neighbor_search = neighbor_search
        self.categorical_features = categorical_features

    def _make_estimators(self, data):
        self.oversampler_, self.clusterer_, self.distributor_, self.transformer_ = self, None, BaseDistributor(), None

    def _generate_intra(self, request):
        """Rows around the minority rows of each group (see the class docstring).

        The majority rows are those ``request.majority`` names.
        """
        stats, group_ids, n_new, seed, out = request.stats, request.items, request.n_new, request.seed, request.out
        backend, X, groups = stats.backend, stats.X, stats.groups
        rows = groups.order
        lengths, offsets = groups.lengths[group_ids], groups.offsets[group_ids]
        k_group = np.minimum(stats.k, lengths - 1)
        table, table_starts = stats.knn(group_ids)
        negative = None
        if self.selection_strategy != "minority":
            if request.majority == "other_classes":
                pieces = _other_class_pieces(groups, group_ids)
            else:
                pieces = [
                    _majority_piece(backend, groups, group_ids, groups.cluster[group_ids], request.majority_class)
                ]
            negative, _ = nearest_in_union(backend, X, rows, offsets, lengths, rows, pieces)
        member_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        ends_args = (rows, table, table_starts, lengths, offsets, k_group, member_starts, negative)

        def tile(planned):  # writes its own rows of out only
            start, stop, plan = planned
            center, surface, nearest = _intra_ends(backend, plan, *ends_args)
            geometric_rows(
                backend,
                X,
                center,
                surface,
                plan.uniform_block(2),
                *self._factors(),
                out[start:stop],
                nearest,
                self.selection_strategy,
            )

        for _ in backend.map_ordered(tile, _plan_tiles(backend, groups.keys[group_ids], n_new, seed, 2, X.shape[1])):
            pass
        return out

    def _generate_inter(self, request):
        """Rows between a minority row of each of two neighbouring groups, one the center, one the surface.

        Inter-cluster requests come from clustering over-samplers: the majority
        rows are each cluster's rows of the majority class.
        """
        stats, pairs, n_new, seed, out = request.stats, request.items, request.n_new, request.seed, request.out
        backend, X, groups = stats.backend, stats.X, stats.groups
        rows = groups.order
        first, second = pairs[:, 0], pairs[:, 1]
        keys = groups.pair_keys(first, second)
        majority = [
            _majority_piece(backend, groups, first, groups.cluster[side], request.majority_class)
            for side in (first, second)
        ]
        sides = (groups.offsets[first], groups.lengths[first], groups.offsets[second], groups.lengths[second])

        def tile(planned):  # writes its own rows of out only
            start, stop, plan = planned
            center, surface = _inter_ends(backend, plan, rows, *sides)
            nearest = None
            if self.selection_strategy != "minority":
                items, q_offsets, q_lengths = plan.segments()
                pieces = [(offsets[items], lengths[items]) for offsets, lengths in majority]
                nearest, _ = nearest_in_union(backend, X, center, q_offsets, q_lengths, rows, pieces)
            geometric_rows(
                backend,
                X,
                center,
                surface,
                plan.uniform_block(3),
                *self._factors(),
                out[start:stop],
                nearest,
                self.selection_strategy,
            )

        for _ in backend.map_ordered(tile, _plan_tiles(backend, keys, n_new, seed, 3, X.shape[1])):
            pass
        return out

    def _draws_per_row(self, n_features, inter):
        # The index draws (center, surface; between groups also their order), then the uniforms.
        return (3 if inter else 2) + uniform_draws(n_features)

    def _factors(self):
        return float(self.truncation_factor), float(self.deformation_factor)


def _intra_ends(backend, plan, rows, table, table_starts, lengths, offsets, k_group, member_starts, negative):
    """Each plan row's center (a group member: draw 0), minority surface point (one of its
    k nearest group-mates: draw 1; the center itself in a one-row group) and the center's
    nearest majority row (from ``negative``, per member; -1 in a one-row group; None
    without ``negative``)."""
    job = GeometricIntraEnds(plan, rows, table, table_starts, lengths, offsets, k_group, member_starts, negative)
    if plan.engine.has_kernel_for(job):
        return plan.engine.geometric_intra_ends(job)
    xp = backend.xp
    base = plan.index(0, lengths)
    first = plan.per_row(offsets)
    center = rows[first + base]
    slot = plan.index(1, np.maximum(k_group, 1))
    neighbor = table[plan.per_row(table_starts) + base, slot].astype(xp.int64)
    alone = plan.per_row(k_group) == 0  # a one-row group: its row, duplicated
    surface = xp.where(alone, center, rows[first + neighbor])
    nearest = None if negative is None else xp.where(alone, -1, negative[plan.per_row(member_starts) + base])
    return center, surface, nearest


def _inter_ends(backend, plan, rows, first_offsets, first_lengths, second_offsets, second_lengths):
    """Each plan row's center and surface point between two groups: a member of each (draws 0
    and 1), in random order (draw 2)."""
    job = GeometricInterEnds(plan, rows, first_offsets, first_lengths, second_offsets, second_lengths)
    if plan.engine.has_kernel_for(job):
        return plan.engine.geometric_inter_ends(job)
    xp = backend.xp
    one = rows[plan.per_row(first_offsets) + plan.index(0, first_lengths)]
    two = rows[plan.per_row(second_offsets) + plan.index(1, second_lengths)]
    swap = plan.index(2, np.full(len(first_lengths), 2)) == 1
    return xp.where(swap, two, one), xp.where(swap, one, two)


def _plan_tiles(backend, item_keys, n_new, seed, n_index_draws, n_features):
    """Plan tiles sized for a geometric row's temporaries: index draws, then the uniforms."""
    n_uniform = uniform_draws(n_features)
    temporaries = 3 * n_uniform + 6 * n_features + 16
    return plan_tiles(backend, item_keys, n_new, seed, n_index_draws + n_uniform, temporaries)


def majority_code(backend, groups):
    """Code of the majority class: the largest count, ties to the class seen first in ``y``."""
    counts = groups.class_counts()
    tied = np.flatnonzero(counts == counts.max())
    if len(tied) == 1:
        return int(tied[0])
    first_row = {}
    order_host = backend.to_host(groups.order)
    for g in np.flatnonzero(np.isin(groups.klass, tied)):
        segment = order_host[groups.offsets[g] : groups.offsets[g] + groups.lengths[g]]
        code = int(groups.klass[g])
        first_row[code] = min(first_row.get(code, segment.min()), segment.min())
    return min(first_row, key=first_row.get)


def _majority_piece(backend, groups, group_ids, clusters, code=None):
    """``(offsets, lengths)`` of the majority-class group of each of ``clusters`` (length 0: none).

    None either when ``group_ids`` (aligned with ``clusters``) are of the majority class themselves.
    ``code``: the majority class's code (None: :func:`majority_code` of ``groups``).
    """
    code = majority_code(backend, groups) if code is None else code
    offsets = np.zeros(len(groups.cluster_labels), dtype=np.int64)
    lengths = np.zeros(len(groups.cluster_labels), dtype=np.int64)
    is_majority = groups.klass == code
    offsets[groups.cluster[is_majority]] = groups.offsets[is_majority]
    lengths[groups.cluster[is_majority]] = groups.lengths[is_majority]
    return offsets[clusters], np.where(groups.klass[group_ids] == code, 0, lengths[clusters])


def _other_class_pieces(groups, group_ids):
    """The rows of the same cluster outside each group: the segments before and after it."""
    n_clusters = len(groups.cluster_labels)
    ends = groups.offsets + groups.lengths
    cluster_start = np.full(n_clusters, np.iinfo(np.int64).max)
    cluster_end = np.zeros(n_clusters, dtype=np.int64)
    np.minimum.at(cluster_start, groups.cluster, groups.offsets)
    np.maximum.at(cluster_end, groups.cluster, ends)
    cluster = groups.cluster[group_ids]
    before = (cluster_start[cluster], groups.offsets[group_ids] - cluster_start[cluster])
    after = (ends[group_ids], cluster_end[cluster] - ends[group_ids])
    return [before, after]
