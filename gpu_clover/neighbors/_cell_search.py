"""Bounded-cost k nearest neighbours inside large groups: every cell against its nearest cells.

Each group is split into balanced cells of at most ``CELL_ROWS`` rows
(:func:`~._cells.balanced_cells`). The rows of a cell are compared exactly with the rows
of the ``CANDIDATES // CELL_ROWS`` cells whose centers are nearest to the cell's own
center (the cell itself first), and keep their k nearest among them. Each row is thus
compared with at most ``CANDIDATES`` rows whatever its group's size, in batched GEMMs;
a group with no more cells than that is searched exactly.

This is an inverted-file search (IVF, as in FAISS) probing by cell rather than by row, so
that a cell's rows share one candidate block and one GEMM. The cells' own neighbours are
found by the grouped search itself (exact while the groups of cells are small, the same
cells method above that), so no step costs more than a bounded amount per row.
"""

import numpy as np

from ._cells import balanced_cells, run_means
from ._ranking import rank_operands, smallest_k

CELL_ROWS = 16
CANDIDATES = 4096


def cell_knn(backend, X, rows, offsets, lengths, k, grouped_knn):
    """k nearest neighbours of every row of the groups, found by probing nearby cells.

    Group g is ``rows[offsets[g] : offsets[g] + lengths[g]]`` (host int64 ``offsets``,
    ``lengths``; every group larger than ``k``). ``grouped_knn(points, rows, offsets,
    lengths, k)`` is the grouped search used for the cell centers; it returns a table of
    local indices as this function does.

    Returns an int32 table ``(sum(lengths), max(k, 1))`` of *local* indices (0 ..
    lengths[g] - 1), groups concatenated in order, nearest first; a row is never its own
    neighbour.
    """
    xp = backend.xp
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)  # each group's first table row
    group_of = backend.repeat_values(np.arange(len(lengths)), lengths)
    positions = xp.arange(group_of.shape[0], dtype=xp.int64) + backend.take(backend.asarray(offsets - starts), group_of)
    positions, cell_offsets, cell_lengths, cell_group = balanced_cells(
        backend, X, rows, positions, starts, lengths, CELL_ROWS
    )
    search = _CellSearch(backend, X[rows[positions]], lengths, cell_offsets, cell_lengths)
    cells_per_group = np.bincount(cell_group, minlength=len(lengths)).astype(np.int64)
    first_cell = np.concatenate([[0], np.cumsum(cells_per_group)[:-1]]).astype(np.int64)
    # Enough cells to hold k neighbours besides the row itself.
    n_probe = max(CANDIDATES // CELL_ROWS, -(-(k + 1) // int(cell_lengths.min())) + 1)
    n_probe = int(min(n_probe, cells_per_group.max()))
    probes = np.empty((len(cell_lengths), n_probe), dtype=np.int64)  # local cell ids in the group, itself first
    probes[:, 0] = np.arange(len(cell_lengths)) - first_cell[cell_group]
    if n_probe > 1:
        n_cells = len(cell_lengths)
        near = grouped_knn(search.centers, xp.arange(n_cells, dtype=xp.int64), first_cell, cells_per_group, n_probe - 1)
        probes[:, 1:] = backend.to_host(near)[:, : n_probe - 1]
    usable = np.arange(n_probe)[None, :] < np.minimum(cells_per_group, n_probe)[cell_group][:, None]
    search.probe_cells = np.where(usable, probes + first_cell[cell_group][:, None], np.arange(len(cell_lengths))[:, None])
    search.usable = usable

    table = xp.zeros((int(lengths.sum()), max(k, 1)), dtype=xp.int32)
    size = int(cell_lengths.max())
    per_tile = max(1, backend.tile_elements(X.itemsize) // (size * size * n_probe))
    tiles = [np.arange(c0, min(c0 + per_tile, len(cell_lengths))) for c0 in range(0, len(cell_lengths), per_tile)]
    # A position's local index is itself minus its group's offset; its table row, plus the group's first row.
    local_shift = backend.asarray(offsets[cell_group])
    table_shift = backend.asarray((starts - offsets)[cell_group])
    for cells, (query, found) in zip(tiles, backend.map_ordered(lambda cells: search.tile(cells, k), tiles)):
        valid = query >= 0
        query, found = positions[xp.where(valid, query, 0)], positions[found]
        cells = backend.asarray(cells)
        dest = (query + table_shift[cells][:, None])[valid]
        table[dest, :k] = (found - local_shift[cells][:, None, None])[valid].astype(xp.int32)
    return table


class _CellSearch:
    """The cells' rows as GEMM operands (:func:`~._ranking.rank_operands`, in cell order: index
    ``i`` is position ``i`` of the cells' permutation), their centers and probe lists."""

    def __init__(self, backend, points, group_lengths, cell_offsets, cell_lengths):
        self.backend, self.xp = backend, backend.xp
        self.cell_offsets, self.cell_lengths = cell_offsets, cell_lengths
        self.left, self.right, self.far = rank_operands(backend, points, group_lengths)
        self.centers = run_means(backend, self.right[:, :-1], cell_lengths)
        self.probe_cells = self.usable = None

    def tile(self, cells, k):
        """For a tile of query cells: ``(query, found)``, each query slot's index (-1 for a
        padding slot), ``(n, size)``, and the indices of its k nearest candidates, ``(n, size, k)``."""
        backend, xp = self.backend, self.xp
        lengths = self.cell_lengths
        size = int(lengths[cells].max())
        slot = np.arange(size)
        query_valid = slot[None, :] < lengths[cells][:, None]
        query = self.cell_offsets[cells][:, None] + np.minimum(slot[None, :], lengths[cells][:, None] - 1)
        probed = self.probe_cells[cells]  # (n, n_probe), the query's own cell first
        candidate_valid = (slot[None, None, :] < lengths[probed][:, :, None]) & self.usable[cells][:, :, None]
        candidates = self.cell_offsets[probed][:, :, None] + np.where(candidate_valid, slot[None, None, :], 0)
        candidates = backend.asarray(candidates.reshape(len(cells), -1))
        a = xp.ascontiguousarray(xp.swapaxes(self.left[backend.asarray(query)], 1, 2))  # (n, d + 1, size)
        b = self.right[candidates]  # (n, n_probe * size, d + 1)
        b[..., -1][backend.asarray(~candidate_valid.reshape(len(cells), -1))] = self.far
        ranks = xp.matmul(b, a)  # (n, candidates, size); a query's own column comes first
        own = backend.asarray(slot)
        ranks[:, own, own] = xp.inf
        nearest = smallest_k(backend, ranks, k)  # (n, size, k)
        found = candidates[xp.arange(len(cells))[:, None, None], nearest]
        return xp.where(backend.asarray(query_valid), backend.asarray(query), -1), found
