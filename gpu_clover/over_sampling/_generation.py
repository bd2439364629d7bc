"""Stage 4, generate: one plan for every synthetic row, then one interpolation.

A plan gives each synthetic row its *item* (a group for intra-cluster rows, a
pair of neighbouring groups for inter-cluster rows), its position ``j`` in the
item, and the item's random stream. Draw ``s j + r`` of the stream is the
row's ``r``-th random number (``s`` draws per row: 3 for SMOTE), so every item
has its own numbers and a row's numbers do not depend on which other items are
generated with it.
"""

import numpy as np

from .._random import bits_to_index, bits_to_uniform
from ._engine import SmoteInter, SmoteIntra, generation_engine


class Plan:
    """Synthetic rows ``start .. stop`` of a plan: item index, position in the item, random draws.

    Each row takes ``draws_per_row`` numbers from its item's stream: row ``j``
    of an item uses draws ``draws_per_row * j + r``.
    """

    def __init__(self, backend, item_keys, n_new, seed, start, stop, draws_per_row=3):
        self.backend, self.xp = backend, backend.xp
        self.engine = generation_engine(backend)
        self.draws_per_row = draws_per_row
        self.start, self.stop = start, stop
        self._ends = np.cumsum(n_new, dtype=np.int64)
        self._keys, self._seed = np.asarray(item_keys), seed
        self._made = None  # the rows' arrays, made on first use: tiles waiting for a worker hold none

    def _rows(self):
        if self._made is None:
            self._made = self.engine.plan_rows(self._ends, self._keys, self._seed, self.start, self.stop)
        return self._made

    @property
    def item(self):
        """Each row's item index (on the backend)."""
        return self._rows()[0]

    @property
    def position(self):
        """Each row's position in its item."""
        return self._rows()[1]

    @property
    def bases(self):
        """Each row's stream base (its item's)."""
        return self._rows()[2]

    def per_row(self, per_item):
        """Broadcast a per-item host array to every synthetic row (on the backend)."""
        return self.backend.take(self.xp.asarray(per_item), self.item)

    def _bits(self, draw):
        return self.engine.plan_draws(self.bases, self.position, self.draws_per_row, draw, 1)[:, 0]

    def index(self, draw, upper):
        """Row-wise integers in [0, upper[item]) from draw number ``draw``."""
        return bits_to_index(self.xp, self._bits(draw), self.per_row(upper))

    def uniform(self, draw, dtype):
        """Row-wise uniforms in [0, 1) from draw number ``draw``."""
        return bits_to_uniform(self.xp, self._bits(draw), dtype)

    def uniform_block(self, first):
        """float64 uniforms of draws ``first .. draws_per_row - 1``: one row per synthetic row."""
        bits = self.engine.plan_draws(self.bases, self.position, self.draws_per_row, first, self.draws_per_row - first)
        return bits_to_uniform(self.xp, bits)

    def segments(self):
        """Items present in this tile and their rows' (offset, length) within the tile (host arrays)."""
        begins = self._ends - np.diff(self._ends, prepend=0)
        items = np.flatnonzero((self._ends > self.start) & (begins < self.stop))
        low = np.maximum(begins[items], self.start)
        high = np.minimum(self._ends[items], self.stop)
        return items, low - self.start, high - low


def plan_tiles(backend, item_keys, n_new, seed, draws_per_row=3, temporaries_per_row=16):
    """The plan in memory tiles: ``(start, stop, Plan)`` for consecutive row ranges.

    A tile holds about ``temporaries_per_row`` 8-byte temporaries per row.
    """
    n_new = np.asarray(n_new, dtype=np.int64)
    total = int(n_new.sum())
    step = max(1, backend.tile_elements(8) // temporaries_per_row)
    for start in range(0, total, step):
        stop = min(total, start + step)
        yield start, stop, Plan(backend, item_keys, n_new, seed, start, stop, draws_per_row)


def smote_intra(stats, group_ids, n_new, seed, out):
    """SMOTE inside each group: base row, one of its k nearest group-mates, a gap.

    ``stats`` is the fit's :class:`~gpu_clover.neighbors.GroupNeighbors` (it holds
    the backend, X, the groups and k). k shrinks to the group size - 1; a
    single-row group duplicates its row. Writes ``out`` (n_new.sum() x
    n_features) and returns it.
    """
    backend, X, groups = stats.backend, stats.X, stats.groups
    xp = backend.xp
    lengths, offsets = groups.lengths[group_ids], groups.offsets[group_ids]
    k_group = np.minimum(stats.k, lengths - 1)
    table, table_starts = stats.knn(group_ids)
    rows = groups.order
    keys = groups.keys[group_ids]
    engine = generation_engine(backend)
    job = SmoteIntra(X, rows, table, keys, n_new, table_starts, lengths, offsets, k_group, seed)
    if engine.has_kernel_for(job, out):
        return engine.smote_intra(job, out)

    def tile(part):  # tiles write disjoint rows of ``out``: several run at once where the backend can
        start, stop, plan = part
        base = plan.index(0, lengths)
        slot = plan.index(1, np.maximum(k_group, 1))
        neighbor = table[plan.per_row(table_starts) + base, slot].astype(xp.int64)
        neighbor = xp.where(plan.per_row(k_group) > 0, neighbor, base)
        first = plan.per_row(offsets)
        gaps = plan.uniform(2, X.dtype)
        engine.interpolate(X, rows[first + base], rows[first + neighbor], gaps, out[start:stop])

    for _ in backend.map_ordered(tile, plan_tiles(backend, keys, n_new, seed)):
        pass
    return out


def smote_inter(backend, X, groups, pairs, n_new, seed, out):
    """Rows between a random minority row of one group and one of a neighbouring group."""
    first, second = pairs[:, 0], pairs[:, 1]
    rows = groups.order
    keys = groups.pair_keys(first, second)
    per_pair = (groups.offsets[first], groups.lengths[first], groups.offsets[second], groups.lengths[second])
    engine = generation_engine(backend)
    job = SmoteInter(X, rows, keys, n_new, *per_pair, seed)
    if engine.has_kernel_for(job, out):
        return engine.smote_inter(job, out)

    def tile(part):  # tiles write disjoint rows of ``out``
        start, stop, plan = part
        base = rows[plan.per_row(groups.offsets[first]) + plan.index(0, groups.lengths[first])]
        partner = rows[plan.per_row(groups.offsets[second]) + plan.index(1, groups.lengths[second])]
        engine.interpolate(X, base, partner, plan.uniform(2, X.dtype), out[start:stop])

    for _ in backend.map_ordered(tile, plan_tiles(backend, keys, n_new, seed)):
        pass
    return out
