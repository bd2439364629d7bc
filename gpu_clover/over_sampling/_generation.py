"""Stage 4, generate: one plan for every synthetic row, then one interpolation.

A plan gives each synthetic row its *item* (a group for intra-cluster rows, a
pair of neighbouring groups for inter-cluster rows), its position ``j`` in the
item, and the item's random stream. Draw ``3 j + r`` of the stream is the
row's ``r``-th random number, so every item has its own numbers and a row's
numbers do not depend on which other items are generated with it.
"""

import numpy as np

from .._random import bits_to_index, bits_to_uniform, draw_bits, stream_bases


def repeat_items(xp, counts):
    """``[0] * counts[0] + [1] * counts[1] + ...`` built on the backend (counts on the host)."""
    ends = np.cumsum(counts, dtype=np.int64)
    total = int(ends[-1]) if len(ends) else 0
    return xp.searchsorted(xp.asarray(ends), xp.arange(total, dtype=xp.int64), side="right")


class Plan:
    """Per synthetic row: item index, position in the item, and random draws."""

    def __init__(self, backend, item_keys, n_new, seed):
        xp = backend.xp
        self.xp = xp
        self.n_new = np.asarray(n_new, dtype=np.int64)
        self.item = repeat_items(xp, self.n_new)
        starts = xp.asarray(np.concatenate([[0], np.cumsum(self.n_new)[:-1]]))
        self.position = xp.arange(int(self.n_new.sum()), dtype=xp.int64) - starts[self.item]
        self._bases = stream_bases(xp, seed, item_keys)[self.item]

    @property
    def size(self):
        return int(self.n_new.sum())

    def per_row(self, per_item):
        """Broadcast a per-item host array to every synthetic row (on the backend)."""
        return self.xp.asarray(per_item)[self.item]

    def index(self, draw, upper):
        """Row-wise integers in [0, upper[item]) from draw number ``draw`` (0, 1 or 2)."""
        bits = draw_bits(self.xp, self._bases, 3 * self.position + draw)
        return bits_to_index(self.xp, bits, self.per_row(upper))

    def uniform(self, draw, dtype):
        bits = draw_bits(self.xp, self._bases, 3 * self.position + draw)
        return bits_to_uniform(self.xp, bits, dtype)


def smote_intra(stats, group_ids, n_new, seed, out):
    """SMOTE inside each group: base row, one of its k nearest group-mates, a gap.

    ``stats`` is the fit's :class:`~gpu_clover._groups.GroupNeighbors` (it holds
    the backend, X, the groups and k). k shrinks to the group size - 1; a
    single-row group duplicates its row. Writes ``out`` (n_new.sum() x
    n_features) and returns it.
    """
    backend, X, groups = stats.backend, stats.X, stats.groups
    xp = backend.xp
    lengths, offsets = groups.lengths[group_ids], groups.offsets[group_ids]
    k_group = np.minimum(stats.k, lengths - 1)
    table, table_starts = stats.knn(group_ids)
    plan = Plan(backend, groups.keys[group_ids], n_new, seed)
    base = plan.index(0, lengths)
    slot = plan.index(1, np.maximum(k_group, 1))
    neighbor = table[plan.per_row(table_starts) + base, slot].astype(xp.int64)
    neighbor = xp.where(plan.per_row(k_group) > 0, neighbor, base)
    first = plan.per_row(offsets)
    rows = groups.order
    return backend.interpolate(X, rows[first + base], rows[first + neighbor], plan.uniform(2, X.dtype), out)


def smote_inter(backend, X, groups, pairs, n_new, seed, out):
    """Rows between a random minority row of one group and one of a neighbouring group."""
    first, second = pairs[:, 0], pairs[:, 1]
    n_keys = len(groups.cluster_labels) * len(groups.classes)
    keys = n_keys * (1 + groups.keys[first]) + groups.keys[second]
    plan = Plan(backend, keys, n_new, seed)
    rows = groups.order
    base = rows[plan.per_row(groups.offsets[first]) + plan.index(0, groups.lengths[first])]
    partner = rows[plan.per_row(groups.offsets[second]) + plan.index(1, groups.lengths[second])]
    return backend.interpolate(X, base, partner, plan.uniform(2, X.dtype), out)
