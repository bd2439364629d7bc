"""Approximate k nearest neighbours inside large groups: every cell against its nearest cells.

Each group is split into balanced cells of at most ``CELL_ROWS`` rows
(:func:`~._cells.balanced_cells`). The rows of a cell are compared exactly with the rows
of the ``n_probe`` cells whose centers are nearest to the cell's own center (the cell
itself first), and keep their k nearest among them: an inverted-file search (IVF, as in
FAISS) probed by cell rather than by row, so that a cell's rows share one candidate block
and one GEMM.

``n_probe`` starts at ``CANDIDATES // CELL_ROWS`` and grows by a quarter while the recall@k
of the neighbours found so far, measured on ``SAMPLED_ROWS`` evenly spread rows against an
exact search of those rows, is below ``RECALL_TARGET``, up to ``MAX_CANDIDATES`` rows per
row: the cost per row is bounded by that ceiling, and the recall by the target where the
ceiling is not reached. The probe lists are nearest first, so a longer list extends a
shorter one: growing searches only the newly probed cells and merges what they hold, and no
work is repeated. A group whose budget reaches all its cells is searched exactly. The cells'
own neighbours (the probes) come from the grouped search itself (every pair while there are
few cells, this method with the first budget above that).
"""

import numpy as np

from ._cells import balanced_cells, run_means
from ._ranking import exact_nearest, padded, rank_operands, smallest_k

# Rows per cell: a cell's rows are one GEMM operand, so larger cells use the GEMM better
# and probe coarser.
CELL_ROWS = 32
# The first budget of candidates per row; it grows while the estimated recall@k is below
# RECALL_TARGET (a margin above 0.95 for the estimate's error), up to MAX_CANDIDATES.
CANDIDATES = 4096
MAX_CANDIDATES = 32768
RECALL_TARGET = 0.96
# Rows (evenly spread over the group) whose recall against exact search is measured.
SAMPLED_ROWS = 1024


def cell_knn(backend, X, rows, offsets, lengths, k, center_knn, *, recall_target=None):
    """k nearest neighbours of every row of the groups, found by probing nearby cells.

    Group g is ``rows[offsets[g] : offsets[g] + lengths[g]]`` (host int64 ``offsets``,
    ``lengths``; every group larger than ``k``). ``center_knn(centers, k)`` finds the k
    nearest other centers of every cell center (a table as this function returns).
    ``recall_target`` (default ``RECALL_TARGET``; 0: the first budget as it is) stops the
    budget's growth.

    Returns an int32 table ``(sum(lengths), max(k, 1))`` of *local* indices (0 ..
    lengths[g] - 1), groups concatenated in order, nearest first; a row is never its own
    neighbour.
    """
    xp = backend.xp
    recall_target = RECALL_TARGET if recall_target is None else recall_target
    table = xp.zeros((int(np.sum(lengths)), max(k, 1)), dtype=xp.int32)
    groups = list(zip(np.asarray(offsets).tolist(), np.asarray(lengths).tolist()))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()

    def one_group(group):  # groups are independent: several run at once where the backend can
        offset, n = group
        return _group_knn(backend, X[rows[offset : offset + n]], k, center_knn, recall_target)

    for start, (_, n), found in zip(starts, groups, backend.map_ordered(one_group, groups)):
        table[start : start + n, :k] = found
    return table


def _group_knn(backend, points, k, center_knn, recall_target):
    """One group's ``(n, k)`` table: cells searched at the budget the recall needs."""
    xp = backend.xp
    n = points.shape[0]
    left, right, far = rank_operands(backend, points, np.array([n], dtype=np.int64))
    right = padded(backend, right, far)
    nearest = _Nearest(backend, n, k, left.dtype)
    cells = _Cells(backend, points, left, right[:n], far)
    # Enough cells to hold k neighbours besides the row itself.
    n_probe = min(cells.n_cells, max(CANDIDATES // CELL_ROWS, -(-(k + 1) // cells.smallest) + 1))
    ceiling = max(n_probe, MAX_CANDIDATES // CELL_ROWS)
    sample = exact = None
    while True:
        cells.search(nearest, n_probe, center_knn, k)
        if n_probe >= min(cells.n_cells, ceiling) or recall_target <= 0:
            break
        if exact is None:
            sample = backend.asarray(np.unique(np.linspace(0, n - 1, min(n, SAMPLED_ROWS)).astype(np.int64)))
            exact = exact_nearest(backend, left, right, sample, k)
        recall = float((nearest.index[sample][:, :, None] == exact[:, None, :]).any(axis=2).sum()) / exact.size
        if recall >= recall_target:
            break
        # A quarter more (small steps overshoot less, and a growth searches only the cells it
        # adds), one cell at least, within the ceiling.
        n_probe = min(max(n_probe + 1, n_probe * 5 // 4), cells.n_cells, ceiling)
    return nearest.index.astype(xp.int32)


class _Nearest:
    """The k nearest candidates found so far for every row of a group: local indices (-1: none
    yet) and their ranks, nearest first."""

    def __init__(self, backend, n, k, dtype):
        xp = backend.xp
        self.backend = backend
        self.index = xp.full((n, k), -1, dtype=xp.int64)
        self.rank = xp.full((n, k), xp.inf, dtype=dtype)
        self.empty = True

    def write(self, queries, found, ranks):
        """The query rows' first candidates (``(m, k)`` each, nearest first)."""
        self.index[queries], self.rank[queries] = found, ranks

    def merge(self, queries, found, ranks):
        """Keep the k nearest of each query row's current and ``found`` candidates (``(m, k)``
        each, ranks alike); a candidate already held is not taken twice (probe lists that tie
        at their end may overlap). Different calls of one pass touch different rows."""
        xp, k = self.backend.xp, self.index.shape[1]
        held, held_rank = self.index[queries], self.rank[queries]
        ranks = xp.where((found[:, :, None] == held[:, None, :]).any(axis=2), xp.inf, ranks)
        index = xp.concatenate([held, found], axis=1)
        rank = xp.concatenate([held_rank, ranks], axis=1)
        best = self.backend.topk_smallest(rank, k)  # ties: the candidate held first
        self.index[queries] = xp.take_along_axis(index, best, axis=1)
        self.rank[queries] = xp.take_along_axis(rank, best, axis=1)


class _Cells:
    """A group's cells, searched probe by probe.

    The cells' rows are GEMM operands (:func:`~._ranking.rank_operands`) in blocks of one cell
    each, padded to the largest cell (padding rows rank ``far``). ``members[c, s]`` is the
    group row of slot s of cell c, or -1. ``probed`` cells of each cell's probe list (its
    nearest cells by center, itself first) have been searched.
    """

    def __init__(self, backend, points, left, right, far):
        xp = self.xp = backend.xp
        self.backend = backend
        order, cell_offsets, cell_lengths, _ = balanced_cells(
            backend, points, np.array([points.shape[0]], dtype=np.int64), CELL_ROWS
        )
        self.n_cells, self.smallest = len(cell_lengths), int(cell_lengths.min())
        self.centers = run_means(backend, points[order], cell_lengths)
        size = int(cell_lengths.max())
        slot = np.arange(size)
        filled = slot[None, :] < cell_lengths[:, None]
        at = backend.asarray(np.where(filled, cell_offsets[:, None] + slot[None, :], 0))
        self.members = xp.where(backend.asarray(filled), order[at], -1)
        index = xp.maximum(self.members, 0)
        self.left_blocks = xp.ascontiguousarray(xp.swapaxes(left[index], 1, 2))  # (cells, d + 1, size)
        self.right_blocks = right[index]  # (cells, size, d + 1)
        self.right_blocks[..., -1][self.members < 0] = far
        self.probes = None
        self.probed = 0

    def search(self, nearest, n_probe, center_knn, k):
        """Search probes ``probed .. n_probe - 1`` of every cell and merge what they hold."""
        if n_probe <= self.probed:
            return
        backend, xp = self.backend, self.xp
        if self.probes is None or self.probes.shape[1] < n_probe:
            # Room for the next budget's growth: the probe list is extended, not recomputed.
            width = min(self.n_cells, n_probe * 9 // 4)
            probes = xp.empty((self.n_cells, width), dtype=xp.int64)  # on the backend: every tile reads it
            probes[:, 0] = xp.arange(self.n_cells)
            if width > 1:
                probes[:, 1:] = center_knn(self.centers, width - 1)[:, : width - 1]
            self.probes = probes
        first, self.probed = self.probed, n_probe
        size = self.members.shape[1]
        per_tile = max(1, backend.tile_elements(self.right_blocks.itemsize) // (size * size * (n_probe - first)))
        tiles = [np.arange(c0, min(c0 + per_tile, self.n_cells)) for c0 in range(0, self.n_cells, per_tile)]
        fresh = nearest.empty  # the first search of the group writes its rows, with nothing to merge

        def tile(cells):
            queries, found, ranks = self._tile(cells, first, n_probe, k)
            valid = queries >= 0
            if fresh:
                nearest.write(queries[valid], found[valid], ranks[valid])
            else:
                nearest.merge(queries[valid], found[valid], ranks[valid])

        for _ in backend.map_ordered(tile, tiles):
            pass
        nearest.empty = False

    def _tile(self, cells, first, stop, k):
        """For a tile of query cells and probe columns ``first .. stop - 1``: each query slot's
        row (-1 for padding), ``(n, size)``, and the rows and ranks of its k nearest candidates,
        ``(n, size, k)`` (rows -1 and ranks inf where fewer than k real candidates exist)."""
        backend, xp = self.backend, self.xp
        cells = backend.asarray(cells)
        probed = self.probes[cells, first:stop]  # (n, probes); column 0 is the query's own cell
        n, size = probed.shape[0], self.members.shape[1]
        a = self.left_blocks[cells]  # (n, d + 1, size)
        b = self.right_blocks[probed].reshape(n, -1, a.shape[1])  # (n, probes * size, d + 1)
        ranks = xp.matmul(b, a)  # (n, candidates, size)
        if first == 0:  # a query's own row is its own slot of the first probe
            own = xp.arange(size)
            ranks[:, own, own] = xp.inf
        columns = smallest_k(backend, ranks, k)  # (n, size, k)
        batch = xp.arange(n)[:, None, None]
        found = self.members[probed].reshape(n, -1)[batch, columns]
        values = ranks[batch, columns, xp.arange(size)[None, :, None]]
        values = xp.where(found >= 0, values, xp.inf)
        return self.members[cells], found, values
