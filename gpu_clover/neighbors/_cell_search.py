"""Approximate k nearest neighbours inside large groups: every cell against its nearest cells.

Each group is split into balanced cells of at most ``CELL_ROWS`` rows
(:func:`~._cells.balanced_cells`). The rows of a cell are compared exactly with the rows
of the ``n_probe`` cells whose centers are nearest to the cell's own center (the cell
itself first), and keep their k nearest among them: an inverted-file search (IVF, as in
FAISS) probed by cell rather than by row, so that a cell's rows share one candidate block
and one GEMM.

The budget follows from a measured recall, before the search. As the probed cells are
searched exactly, a row's recall@k at ``n_probe`` is the share of its true k nearest
neighbours that lie in the first ``n_probe`` cells of its probe list. ``SAMPLED_ROWS``
evenly spread rows are searched exactly, and ``n_probe`` is the smallest count whose share
over the sample reaches ``RECALL_TARGET``, within ``MAX_CANDIDATES`` rows per row: the cost
per row is bounded by that ceiling, the recall by the target where the ceiling is not
reached, and the group is searched once. A budget that reaches every cell is an exact
search.

With categorical columns the cells and probe lists are built from the numeric columns, and
every comparison of rows adds the mismatch penalty: the measured recall is that of the mixed
distance, so the budget grows where the categories pull neighbours away from the numeric cells.

Probe lists (:class:`_ProbeLists`) come from every pair of cell centers up to
``EXACT_CENTERS`` cells; above, from this search applied to the centers at its first budget
(``CANDIDATES`` rows per row, no recall measured): probes need near cells, not the nearest.
"""

import numpy as np

from ._cells import balanced_cells, run_means
from ._mismatch import add_mismatches, ranking_mismatches
from ._ranking import exact_nearest, padded, rank_operands, smallest_k

# Rows per cell: a cell's rows are one GEMM operand, so larger cells use the GEMM better
# and probe coarser.
CELL_ROWS = 32
# The recall@k the budget is set for: a margin above 0.95 for the sample's error.
RECALL_TARGET = 0.97
# The most candidates per row: the bound on the cost per row.
MAX_CANDIDATES = 32768
# Candidates per row of a search that measures no recall (``recall_target=0``).
CANDIDATES = 4096
# Rows (evenly spread over the group) whose recall against exact search is measured.
SAMPLED_ROWS = 1024
# Cells up to this many are ranked against every other cell for their probe lists.
EXACT_CENTERS = 32768


def cell_knn(backend, X, rows, offsets, lengths, k, *, recall_target=None, codes=None, penalties=None):
    """k nearest neighbours of every row of the groups, found by probing nearby cells.

    Group g is ``rows[offsets[g] : offsets[g] + lengths[g]]`` (host int64 ``offsets``,
    ``lengths``; every group larger than ``k``). ``recall_target`` (default
    ``RECALL_TARGET``; 0: ``CANDIDATES`` rows per row, no recall measured) sets the budget.

    Returns an int32 table ``(sum(lengths), max(k, 1))`` of *local* indices (0 ..
    lengths[g] - 1), groups concatenated in order, nearest first; a row is never its own
    neighbour. ``codes`` / ``penalties`` (host, per group): the categorical part of the distance.
    """
    xp = backend.xp
    recall_target = RECALL_TARGET if recall_target is None else recall_target
    table = xp.zeros((int(np.sum(lengths)), max(k, 1)), dtype=xp.int32)
    weights = np.zeros(len(lengths)) if penalties is None else np.asarray(penalties, dtype=np.float64)
    groups = list(zip(np.asarray(offsets).tolist(), np.asarray(lengths).tolist(), weights.tolist()))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()

    def one_group(group):  # groups are independent: several run at once where the backend can
        offset, n, penalty = group
        members = rows[offset : offset + n]
        mixed = None if codes is None else (codes[members], penalty)
        return CellSearch(backend, X[members], k, recall_target, mixed).table()

    for start, (_, n, _), found in zip(starts, groups, backend.map_ordered(one_group, groups)):
        table[start : start + n, :k] = found
    return table


class CellSearch:
    """One group's cell search, prepared: its cells, and their probe lists at the budget the
    recall needs; ``search`` then answers any range of cells.

    Each cell is searched on its own (one GEMM block per cell), so the rows of a range do not
    depend on the other ranges: the ranges can run anywhere, in any number, and their rows
    together are :meth:`table`'s.

    ``points``: the group's rows; ``mixed``: their ``(codes, penalty)``.
    """

    def __init__(self, backend, points, k, recall_target=RECALL_TARGET, mixed=None):
        n = points.shape[0]
        self.backend, self.k, self.n_rows = backend, k, n
        left, right, far, unit = rank_operands(backend, points, np.array([n], dtype=np.int64))
        right = padded(backend, right, far)
        if mixed is not None:
            mixed = ranking_mismatches(backend.xp, *mixed, unit, right.shape[0])
        cells = self.cells = _Cells(backend, points, left, right[:n], far, mixed)
        if recall_target <= 0:
            n_probe = probe_bounds(cells.n_cells, cells.smallest, k, CANDIDATES)[1]
            probes = _ProbeLists(backend, cells.centers, n_probe)
        else:
            fewest, ceiling = probe_bounds(cells.n_cells, cells.smallest, k)
            probes = _ProbeLists(backend, cells.centers, ceiling)
            sample = evenly_spread(n, SAMPLED_ROWS)
            n_probe = max(fewest, needed_probes(backend, cells, probes, left, right, sample, k, recall_target, mixed))
        self.lists = probes.lists(n_probe)

    @property
    def n_cells(self):
        return self.cells.n_cells

    def search(self, first=0, stop=None):
        """``(rows, found)`` of cells ``first .. stop - 1``: their rows (local indices) and each
        row's k nearest, int32 ``(len(rows), k)``, nearest first."""
        xp = self.backend.xp
        stop = self.n_cells if stop is None else min(stop, self.n_cells)
        return self.cells.search(self.lists, self.k, xp.arange(first, stop))

    def table(self):
        """The group's ``(n, k)`` table."""
        rows, found = self.search()
        table = self.backend.xp.empty((self.n_rows, self.k), dtype=self.backend.xp.int32)
        table[rows] = found
        return table


def needed_probes(backend, cells, probes, left, right, sample, k, recall_target, mixed=None):
    """The fewest probes (at most ``probes.width``) at which the recall@k of the ``sample`` rows
    (host indices) reaches ``recall_target``: the sample's exact neighbours, each ranked by the
    place of its cell in the probe list of the row's own cell."""
    sample = backend.asarray(sample)
    exact = exact_nearest(backend, left, right, sample, k, mixed)  # (rows, k)
    places = backend.to_host(probes.places(cells.cell_of[sample], cells.cell_of[exact])).ravel()
    return probes_reaching(places, recall_target, probes.width)


def probes_reaching(places, recall_target, width):
    """The fewest probes (at most ``width``) whose lists hold ``recall_target`` of the exact
    neighbours, given each one's place in its row's probe list (host): the recall at p probes
    is the share of places below p."""
    covered = min(places.size, max(1, int(np.ceil(recall_target * places.size))))
    return int(min(np.partition(places, covered - 1)[covered - 1] + 1, width))


def probe_bounds(n_cells, smallest, k, candidates=None):
    """``(fewest, most)`` probes of a group of ``n_cells`` cells (the smallest of ``smallest``
    rows): enough cells to hold k neighbours besides the row itself, and the ceiling of
    ``candidates`` rows per row (default ``MAX_CANDIDATES``), never below the fewest."""
    fewest = min(n_cells, -(-(k + 1) // smallest) + 1)
    candidates = MAX_CANDIDATES if candidates is None else candidates
    return fewest, min(n_cells, max(fewest, candidates // CELL_ROWS))


def evenly_spread(n, count):
    """``count`` evenly spread positions of ``0 .. n - 1`` (all of them when fewer)."""
    return np.unique(np.linspace(0, n - 1, min(n, count)).astype(np.int64))


class _ProbeLists:
    """Every cell's probe list: the cells by the distance of their centers from its own, itself
    first, up to ``width`` cells long; ties go to the lower index, but for the cut at a list's end.

    Up to ``EXACT_CENTERS`` cells, each list is ranked from every center (in tiles, on demand);
    above, the lists are the centers' own cell search at ``width - 1`` neighbours.
    """

    def __init__(self, backend, centers, width):
        xp = self.xp = backend.xp
        self.backend, self.n, self.width = backend, centers.shape[0], width
        if self.n <= EXACT_CENTERS:
            self.left, self.right, _, _ = rank_operands(backend, centers, np.array([self.n], dtype=np.int64))
            self.table = None
        else:
            everything, one = xp.arange(self.n, dtype=xp.int64), np.array([self.n], dtype=np.int64)
            nearest = cell_knn(backend, centers, everything, one * 0, one, width - 1, recall_target=0)
            self.table = xp.concatenate([everything[:, None], nearest.astype(xp.int64)], axis=1)

    def lists(self, width):
        """``(n, width)`` cell indices, each row nearest first (``width <= self.width``)."""
        if self.table is not None:
            return self.table[:, :width]
        xp = self.xp
        step = max(1, self.backend.tile_elements(8) // self.n)

        def tile(c0):
            ranks = self._ranks(xp.arange(c0, min(c0 + step, self.n), dtype=xp.int64))
            if width < self.n:
                chosen = xp.sort(xp.argpartition(ranks, width - 1, axis=1)[:, :width], axis=1)
            else:
                chosen = xp.broadcast_to(xp.arange(self.n), ranks.shape)
            order = self.backend.stable_argsort(xp.take_along_axis(ranks, chosen, axis=1), axis=1)
            return xp.take_along_axis(chosen, order, axis=1)

        return xp.concatenate(list(self.backend.map_ordered(tile, range(0, self.n, step))))

    def places(self, owners, cells):
        """The place of ``cells[i, j]`` in the probe list of cell ``owners[i]``: ``(m, k)``;
        ``self.width`` where the list (beyond ``EXACT_CENTERS``) does not hold it."""
        xp, k = self.xp, cells.shape[1]
        places = xp.empty(cells.shape, dtype=xp.int64)
        step = max(1, self.backend.tile_elements(1) // (k * self.n))
        for r0 in range(0, cells.shape[0], step):
            mine, theirs = owners[r0 : r0 + step], cells[r0 : r0 + step]
            if self.table is None:
                ranks = self._ranks(mine)  # (rows, cells)
                rank = xp.take_along_axis(ranks, theirs, axis=1)[..., None]  # (rows, k, 1)
                ranks = ranks[:, None, :]
                earlier = xp.arange(self.n) < theirs[..., None]  # a tie goes to the lower index
                places[r0 : r0 + step] = ((ranks < rank) | ((ranks == rank) & earlier)).sum(axis=2)
            else:
                held = self.table[mine][:, None, :] == theirs[..., None]  # (rows, k, width)
                places[r0 : r0 + step] = xp.where(held.any(axis=2), xp.argmax(held, axis=2), self.width)
        return places

    def _ranks(self, owners):
        """``(len(owners), n)``: every center ranked from each owner's (the owner itself first)."""
        xp = self.xp
        ranks = xp.matmul(self.left[owners], self.right.T)
        ranks[xp.arange(owners.shape[0]), owners] = -xp.inf
        return ranks


class _Cells:
    """A group's cells, each searched against its probe list.

    The cells' rows are GEMM operands (:func:`~._ranking.rank_operands`) in blocks of one cell
    each, padded to the largest cell (padding rows rank ``far``). ``members[c, s]`` is the
    group row of slot s of cell c, or -1; ``cell_of[r]`` is the cell of row r. A last, empty
    cell (index ``n_cells``, every slot a pad) pads probe lists that reach fewer cells.
    """

    def __init__(self, backend, points, left, right, far, mixed=None):
        xp = self.xp = backend.xp
        self.backend = backend
        order, cell_offsets, cell_lengths, _ = balanced_cells(
            backend, points, np.array([points.shape[0]], dtype=np.int64), CELL_ROWS
        )
        self.cell_lengths, self.n_cells, self.smallest = cell_lengths, len(cell_lengths), int(cell_lengths.min())
        self.centers = run_means(backend, points[order], cell_lengths)
        self.cell_of = xp.empty(points.shape[0], dtype=xp.int64)
        self.cell_of[order] = backend.repeat_values(np.arange(self.n_cells), cell_lengths)
        size = int(cell_lengths.max())
        slot = np.arange(size)
        filled = slot[None, :] < np.append(cell_lengths, 0)[:, None]  # the empty cell last
        at = backend.asarray(np.where(filled, np.append(cell_offsets, 0)[:, None] + slot[None, :], 0))
        self.members = xp.where(backend.asarray(filled), order[at], -1)
        index = xp.maximum(self.members, 0)
        self.left_blocks = xp.ascontiguousarray(xp.swapaxes(left[index], 1, 2))  # (cells, d + 1, size)
        self.right_blocks = right[index]  # (cells, size, d + 1)
        self.right_blocks[..., -1][self.members < 0] = far
        self.code_blocks, self.penalty = None, 0.0
        if mixed is not None:  # padding slots carry code -1 (they rank ``far`` anyway)
            _, codes, self.penalty = mixed
            self.code_blocks = xp.where((self.members < 0)[..., None], -1, codes[index])  # (cells, size, p)

    def search(self, probes, k, cells):
        """The k nearest of every row of ``cells`` (backend int64) among the rows of its cell's
        ``probes`` (``probes[c]``: cell c's probe list, the cell itself first): ``(rows, found)``,
        the cells' rows (local indices) and int32 ``(len(rows), k)`` local indices, nearest first."""
        backend, xp = self.backend, self.xp
        size = self.members.shape[1]
        per_tile = max(1, backend.tile_elements(self.right_blocks.itemsize) // (size * size * probes.shape[1]))
        tiles = [cells[c0 : c0 + per_tile] for c0 in range(0, cells.shape[0], per_tile)]

        def tile(chosen):
            queries, found, _, _ = self.ranked_tile(chosen, probes[chosen], k)
            valid = queries >= 0
            return queries[valid], found[valid]

        parts = list(backend.map_ordered(tile, tiles))
        if not parts:
            return xp.empty(0, dtype=xp.int64), xp.empty((0, k), dtype=xp.int32)
        return xp.concatenate([q for q, _ in parts]), xp.concatenate([f for _, f in parts]).astype(xp.int32)

    def ranked_tile(self, cells, probed, k, candidates=None, own=True):
        """For a tile of query cells and their probe lists ``probed`` (``(n, probes)``, cells of
        ``candidates``: this group's by default, or another's operands in the same frame):
        each query slot's row (-1 for padding), ``(n, size)``; the rows of its k nearest
        candidates, ``(n, size, k)``; the ranks, ``(n, size, candidates)``, and the chosen columns
        of them, ``(n, size, k)``. ``own``: each query's own row is its own slot of the first
        probe (its own cell), never its neighbour."""
        xp = self.xp
        other = self if candidates is None else candidates
        n, size = probed.shape[0], self.members.shape[1]
        a = self.left_blocks[cells]  # (n, d + 1, size)
        b = other.right_blocks[probed].reshape(n, -1, a.shape[1])  # (n, probes * size, d + 1)
        slot = xp.arange(size)
        if self.code_blocks is None:
            ranks = xp.matmul(b, a)  # (n, candidates, size)
            if own:
                ranks[:, slot, slot] = xp.inf
            columns = smallest_k(self.backend, ranks, k)  # (n, size, k)
            ranks = xp.swapaxes(ranks, 1, 2)
        else:
            # Queries first, so that each categorical comparison runs along the candidates.
            ranks = xp.matmul(xp.swapaxes(a, 1, 2), xp.swapaxes(b, 1, 2))  # (n, size, candidates)
            codes = other.code_blocks[probed].reshape(n, -1, other.code_blocks.shape[2])
            # The candidates differ from cell to cell: every column is compared pair by pair.
            add_mismatches(xp, ranks, self.code_blocks[cells], codes, self.penalty)
            if own:
                ranks[:, slot, slot] = xp.inf
            columns = smallest_k(self.backend, ranks, k, queries_first=True)
        found = other.members[probed].reshape(n, -1)[xp.arange(n)[:, None, None], columns]
        return self.members[cells], found, ranks, columns
