"""The native over-sampler contract: generation on the backend, every group in one pass.

The clustering pipeline (:class:`~gpu_clover.over_sampling._base.BaseClusterOverSampler`)
decides how many synthetic rows each (cluster, class) group and each pair of
neighbouring groups receives; a native over-sampler writes those rows. Any other
over-sampler (imbalanced-learn's) is *foreign*: it runs group by group on the host.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ._categories import synthetic_categories
from ._generation import smote_inter

# Which rows are a group's majority rows (see GenerationRequest.majority).
MAJORITY_RULES = ("other_classes", "cluster_majority")


@dataclass(frozen=True)
class GenerationRequest:
    """One generation call: which items get how many rows, and where they go.

    Everything the over-sampler's rule depends on is here (or in its own
    parameters), never in state that ``clone`` would drop.

    Attributes
    ----------
    stats : GroupNeighbors
        The fit's neighbour stage: ``backend``, ``X`` (the work array the rows
        are generated from), ``groups`` (the (cluster, class) group table; the
        rows of group ``g`` are ``groups.order[offsets[g] : offsets[g] + lengths[g]]``),
        ``k`` and ``knn(group_ids)``.
    items : ndarray of int64
        Intra-cluster requests: group ids, shape (n_items,). Inter-cluster
        requests: pairs of groups of one class in neighbouring clusters, shape
        (n_items, 2).
    n_new : ndarray of int64 of shape (n_items,)
        Rows to write for each item (0 writes none).
    seed : int
        The fit's 64-bit seed. Item ``i`` draws from the stream of its group key
        (``groups.keys``) or pair key (``groups.pair_keys``), so its rows do not
        depend on the other items of the call.
    out : backend array of shape (n_new.sum(), n_features), of X's dtype
        Written in place, item after item in ``items`` order: item ``i``'s rows
        are ``out[n_new[:i].sum() : n_new[: i + 1].sum()]``.
    majority : {"other_classes", "cluster_majority"}
        The majority rows of a group, for rules that use them: the rows of its
        cluster of every other class (the over-sampler used by itself, as
        imbalanced-learn), or its cluster's rows of the majority class (inside a
        clustering over-sampler, as cluster-over-sampling passes them).
    majority_class : int or None
        The code of the fit's majority class, when ``stats.groups`` holds only part of the
        fit's groups (a Dask partition, whose counts cannot tell it); None: found from
        ``stats.groups``.
    """

    stats: object
    items: object
    n_new: object
    seed: int
    out: object
    majority: str = "cluster_majority"
    majority_class: int | None = None

    def __post_init__(self):
        if self.majority not in MAJORITY_RULES:
            raise ValueError(f"majority must be one of {MAJORITY_RULES}; got {self.majority!r}.")


class NativeOverSampler(ABC):
    """An over-sampler the clustering pipeline runs on the backend, all groups at once.

    A subclass implements :meth:`_generate_intra` and may override
    :meth:`_generate_inter`. Both receive a :class:`GenerationRequest`, write
    exactly ``request.n_new.sum()`` rows into ``request.out`` (nothing else) and
    return ``request.out``. The pipeline reads the over-sampler's
    ``k_neighbors`` (an int, or a NearestNeighbors-like estimator) for the
    neighbour stage and its ``sampling_strategy``.
    """

    @abstractmethod
    def _generate_intra(self, request):
        """Rows inside each group ``request.items[i]``, from that group's rows."""

    def _draws_per_row(self, n_features, inter):
        """Random draws per synthetic row of this over-sampler's plans (draw 0 picks the row it
        starts from); SMOTE's plans take 3."""
        return 3

    def _generate_inter(self, request):
        """Rows between the two groups of each pair: SMOTE between a random row of each."""
        stats = request.stats
        return smote_inter(
            stats.backend, stats.X, stats.groups, request.items, request.n_new, request.seed, request.out
        )


def generate_categories(oversampler, stats, codes, items, n_new, seed, out, inter=False):
    """The categorical codes of the synthetic rows of ``items`` (group ids, or pairs of them when
    ``inter``), written into ``out`` (int32, ``(n_new.sum(), p)``) and returned.

    The rows of a plan as ``oversampler`` writes them (its draws per row, the item's group or
    pair key): each takes SMOTE-NC's most frequent category among the neighbours of the row it
    starts from, in the item's first group (:func:`~._categories.synthetic_categories`).
    ``codes``: every row of ``stats`` (a :class:`GroupNeighbors` of SMOTE-NC's distance).
    """
    items = np.asarray(items, dtype=np.int64)
    groups = stats.groups
    starts = items[:, 0] if inter else items
    keys = groups.pair_keys(items[:, 0], items[:, 1]) if inter else groups.keys[items]
    draws_per_row = oversampler._draws_per_row(stats.X.shape[1], inter=inter)
    return synthetic_categories(stats, codes, starts, keys, n_new, seed, draws_per_row, out)


def generate_rows(oversampler, request, inter=False):
    """``oversampler``'s rows for ``request`` (between neighbouring groups when ``inter``).

    The entry point for pipelines that build the request themselves (the Dask
    layer's tasks, on a partition's groups); returns ``request.out``.
    """
    if inter:
        return oversampler._generate_inter(request)
    return oversampler._generate_intra(request)
