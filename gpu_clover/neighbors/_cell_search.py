"""Approximate k nearest neighbours inside large groups: every cell against its nearest cells.

Each group is split into balanced cells of at most ``CELL_ROWS`` rows
(:func:`~._cells.balanced_cells`). The rows of a cell are compared exactly with the rows
of the ``n_probe`` cells whose centers are nearest to the cell's own center (the cell
itself first), and keep their k nearest among them: an inverted-file search (IVF, as in
FAISS) probed by cell rather than by row, so that a cell's rows share one candidate block
and one GEMM. The cells' own neighbours come from the grouped search itself (exact while
there are few cells, this method above that).

``n_probe`` starts at ``CANDIDATES // CELL_ROWS`` and grows by half while the recall@k measured
on the rows of ``SAMPLED_CELLS`` cells (against an exact search of those rows) is below
``RECALL_TARGET``, up to ``MAX_CANDIDATES`` rows per row: the cost per row is bounded by
that ceiling, and the recall by the target where the ceiling is not reached. A group with
no more cells than ``n_probe`` is searched exactly.
"""

import numpy as np

from ._cells import balanced_cells, run_means
from ._ranking import exact_nearest, padded, rank_operands, smallest_k

CELL_ROWS = 16
# The first budget of candidates per row; it grows by half while the estimated recall@k is
# below RECALL_TARGET (a margin above 0.95 for the estimate's error), up to
# MAX_CANDIDATES.
CANDIDATES = 4096
MAX_CANDIDATES = 32768
RECALL_TARGET = 0.96
# Cells (evenly spread over the group) whose rows estimate the recall against exact search.
SAMPLED_CELLS = 64


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
    """One group's ``(n, k)`` table: cells, the probe budget its recall needs, then every cell."""
    xp = backend.xp
    n = points.shape[0]
    one = np.array([n], dtype=np.int64)
    positions, cell_offsets, cell_lengths, _ = balanced_cells(backend, points, one, CELL_ROWS)
    search = _CellSearch(backend, points[positions], one, cell_offsets, cell_lengths)
    n_cells = len(cell_lengths)
    # Enough cells to hold k neighbours besides the row itself.
    n_probe = max(CANDIDATES // CELL_ROWS, -(-(k + 1) // int(cell_lengths.min())) + 1)
    while True:
        n_probe = min(n_probe, n_cells)
        search.probe(n_probe, center_knn)
        settled = n_probe == n_cells or n_probe * CELL_ROWS >= MAX_CANDIDATES or recall_target <= 0
        if settled or search.recall(k) >= recall_target:
            break
        n_probe = n_probe * 3 // 2
    size = int(cell_lengths.max())
    per_tile = max(1, backend.tile_elements(points.itemsize) // (size * size * n_probe))
    tiles = [np.arange(c0, min(c0 + per_tile, n_cells)) for c0 in range(0, n_cells, per_tile)]
    table = xp.empty((n, k), dtype=xp.int32)
    for query, found in backend.map_ordered(lambda cells: search.tile(cells, k), tiles):
        valid = query >= 0
        table[positions[query[valid]]] = positions[found[valid]].astype(xp.int32)
    return table


class _CellSearch:
    """The cells' rows as GEMM operands (:func:`~._ranking.rank_operands`), in blocks of one
    cell each padded to the largest cell (padding rows rank ``far``), their centers and probes.

    ``rows[c, s]`` is the index (in cell order, as the operands) of slot s of cell c, or -1.
    """

    def __init__(self, backend, points, group_lengths, cell_offsets, cell_lengths):
        self.xp, self.backend, self.cell_lengths = backend.xp, backend, cell_lengths
        left, right, self.far = rank_operands(backend, points, group_lengths)
        self.left, self.right = left, right
        self.centers = run_means(backend, right[:, :-1], cell_lengths)
        size = int(cell_lengths.max())
        slot = np.arange(size)
        filled = slot[None, :] < cell_lengths[:, None]
        rows = np.where(filled, cell_offsets[:, None] + slot[None, :], -1)
        self.rows = backend.asarray(rows)
        index = backend.asarray(np.maximum(rows, 0))
        self.left_blocks = left[index]
        self.right_blocks = right[index]
        self.right_blocks[..., -1][backend.asarray(~filled)] = self.far
        self.probe_cells = self._exact = None

    def probe(self, n_probe, center_knn):
        """Each cell's ``n_probe`` nearest cells by center (itself first); ``n_probe`` <= cells."""
        xp, n_cells = self.xp, len(self.cell_lengths)
        probes = xp.empty((n_cells, n_probe), dtype=xp.int64)  # on the backend: every tile reads it
        probes[:, 0] = xp.arange(n_cells)
        if n_probe > 1:
            probes[:, 1:] = center_knn(self.centers, n_probe - 1)[:, : n_probe - 1]
        self.probe_cells = probes

    def recall(self, k):
        """The recall@k of the current probes on the rows of ``SAMPLED_CELLS`` evenly spread
        cells, against an exact search of those rows (made once per group)."""
        backend = self.backend
        n_cells = len(self.cell_lengths)
        cells = np.arange(0, n_cells, max(1, n_cells // SAMPLED_CELLS))[:SAMPLED_CELLS]
        query, found = self.tile(cells, k)
        valid = query >= 0
        if self._exact is None:
            right = padded(backend, self.right, self.far)
            self._exact = backend.to_host(exact_nearest(backend, self.left, right, query[valid], k))
        found = backend.to_host(found[valid])
        hits = (found[:, :, None] == self._exact[:, None, :]).any(axis=2).sum()
        return hits / self._exact.size

    def tile(self, cells, k):
        """For a tile of query cells: ``(query, found)``, each query slot's row (-1 for a padding
        slot), ``(n, size)``, and the rows of its k nearest candidates, ``(n, size, k)``."""
        backend, xp = self.backend, self.xp
        cells = backend.asarray(cells)
        probed = self.probe_cells[cells]  # (n, n_probe), the query's own cell first
        n, size = probed.shape[0], self.rows.shape[1]
        a = xp.ascontiguousarray(xp.swapaxes(self.left_blocks[cells], 1, 2))  # (n, d + 1, size)
        b = self.right_blocks[probed].reshape(n, -1, a.shape[1])  # (n, n_probe * size, d + 1)
        ranks = xp.matmul(b, a)  # (n, candidates, size); a query's own row is its own slot
        own = xp.arange(size)
        ranks[:, own, own] = xp.inf
        nearest = smallest_k(backend, ranks, k)  # (n, size, k)
        found = self.rows[probed].reshape(n, -1)[xp.arange(n)[:, None, None], nearest]
        return self.rows[cells], found
