"""Groups larger than a task's row budget, split across tasks: a distributed cell search.

A group of ``n`` rows above the budget is never gathered in one task. Its rows are
numbered by their global row order (the group's *positions*, as on one machine), and:

1. **Sample.** A few evenly spread positions (the shard sample, the recall sample) and the
   density's sampled pairs (:func:`~gpu_clover.neighbors._sampled_sums.sampled_pairs`, the
   single-machine draws) are gathered on the client: the distance sum is the single
   machine's estimate, from the same pairs.
2. **Shards.** A :class:`ShardTree` learned on the sample (principal-axis splits at sample
   quantiles) routes every row to one of ``ceil(n / (SHARD_FILL * budget))`` shards. A shard
   task holds its rows in position order and splits them into balanced cells (the single
   machine's :func:`~gpu_clover.neighbors._cells.balanced_cells`).
3. **Budget.** Every cell's center reaches the client, which builds the probe lists
   (:class:`~gpu_clover.neighbors._cell_search._ProbeLists`) and measures the recall of the
   recall sample against its exact neighbours (found shard by shard, merged on the client)
   to choose the probes, as :func:`~gpu_clover.neighbors._cell_search.needed_probes` does.
4. **Search.** Each shard's cells are cut into ranges whose rows, with the rows of every
   cell they probe, fit the budget; a query task receives exactly those cells' rows and
   searches its cells as one machine does (:meth:`~gpu_clover.neighbors._cell_search._Cells.search`).
   All ranks are made in one frame (the sample's mean, one power-of-two scale), so rows
   from different shards compare as in one array.
5. **Generation.** The SMOTE plan of the group (its stream, its draws) is the single
   machine's; a plan chunk's rows are written by the query tasks that hold their base rows
   (each base row's neighbours are there) and assembled in plan order.

Every choice depends on the positions and the data only, never on the chunking or the
workers: the output does not change with either. The cells differ from the single
machine's (the cells of a shard, not of the group), so the neighbours of a split group are
those of another cell search of the same recall target, not the same table.
"""

import os

import dask
import numpy as np

from .._casting import cast_values
from .._random import bits_to_uniform, draw_bits, stream_bases
from ..backends import get_backend
from ..neighbors._cell_search import CELL_ROWS, MAX_CANDIDATES, RECALL_TARGET, SAMPLED_ROWS, _Cells, _ProbeLists
from ..neighbors._cells import balanced_cells, run_means
from ..neighbors._ranking import operands_in_frame, padded, scale_exponent, smallest_k
from ..neighbors._sampled_sums import mean_pair_distances, sampled_pairs
from ..over_sampling._engine import generation_engine
from ..over_sampling._generation import Plan
from ._data import to_host

# Rows the shard tree is learned from (evenly spread over the group's positions).
SHARD_SAMPLE = 1 << 15
# A shard's rows as a share of the budget: the rest of a query task's budget holds the
# rows of the cells it probes in other shards.
SHARD_FILL = 0.5
# The smallest budget: a cell's probes (at least a few cells) must fit one task.
MIN_TASK_ROWS = 1024
# Stream key of the shard tree's tie breaks (rows on a split's threshold), apart from
# the generation's group and pair keys and the sampled sums' keys.
_TIE_KEY = (1 << 62) + 1


class ShardTree:
    """Routes rows to ``n_shards`` shards of about equal size: principal-axis splits at quantiles
    of a sample, each split giving its sides as many shards as the sample's share.

    Rows on a threshold go left or right by a uniform draw of their position, in the share the
    sample's tied rows need, so tied data (repeated values) still split evenly.
    """

    def __init__(self, sample, positions, n_shards, seed):
        self.seed, self._positions = seed, np.asarray(positions, dtype=np.int64)
        self.center, self.axis, self.threshold, self.tie_share, self.children, self.leaf = [], [], [], [], [], []
        self._grow(np.asarray(sample, dtype=np.float64), np.arange(len(sample)), int(n_shards))
        del self._positions
        self.center, self.axis = np.array(self.center), np.array(self.axis)
        self.threshold, self.tie_share = np.array(self.threshold), np.array(self.tie_share)
        self.children, self.leaf = np.array(self.children, dtype=np.int64), np.array(self.leaf, dtype=np.int64)

    def _grow(self, sample, order, n_leaves):
        node = len(self.leaf)
        d = sample.shape[1]
        self.center.append(np.zeros(d)), self.axis.append(np.zeros(d))
        self.threshold.append(0.0), self.tie_share.append(0.0), self.children.append((-1, -1))
        if n_leaves == 1:
            self.leaf.append(int(self.leaf_count()))
            return node
        self.leaf.append(-1)
        rows = sample[order]
        center = rows.mean(axis=0)
        centered = rows - center
        _, vectors = np.linalg.eigh(centered.T @ centered)
        axis = vectors[:, -1]
        projection = _project(rows, center, axis)
        left_leaves = n_leaves // 2
        ranked = np.sort(projection)
        wanted = round(len(ranked) * left_leaves / n_leaves)
        threshold = ranked[min(max(wanted, 0), len(ranked) - 1)]
        below, tied = int((projection < threshold).sum()), int((projection == threshold).sum())
        share = (wanted - below) / tied if tied else 0.0
        goes_left = _goes_left(
            projection, threshold, share, self._tie_draws(np.full(len(order), node), self._positions[order])
        )
        self.center[node], self.axis[node], self.threshold[node], self.tie_share[node] = center, axis, threshold, share
        first = self._grow(sample, order[goes_left], left_leaves)
        second = self._grow(sample, order[~goes_left], n_leaves - left_leaves)
        self.children[node] = (first, second)
        return node

    def leaf_count(self):
        return sum(1 for leaf in self.leaf if leaf >= 0)

    def _tie_draws(self, nodes, positions):
        """A uniform per (node, row position): each split draws anew, so a row sent by a tie at one
        split is not biased at the next."""
        bases = stream_bases(np, self.seed, _TIE_KEY + np.asarray(nodes, dtype=np.int64))
        return bits_to_uniform(np, draw_bits(np, bases, np.asarray(positions, dtype=np.int64)), np.float64)

    def route(self, points, positions):
        """The shard of every row (host int64); ``positions``: the rows' positions in the group."""
        points = np.asarray(points, dtype=np.float64)
        node = np.zeros(len(points), dtype=np.int64)
        positions = np.asarray(positions, dtype=np.int64)
        while True:
            inner = np.flatnonzero(self.leaf[node] < 0)
            if inner.size == 0:
                return self.leaf[node]
            at = node[inner]
            projection = _project(points[inner], self.center[at], self.axis[at])
            left = _goes_left(projection, self.threshold[at], self.tie_share[at], self._tie_draws(at, positions[inner]))
            node[inner] = np.where(left, self.children[at, 0], self.children[at, 1])


def _project(points, center, axis):
    """Each row's coordinate along ``axis`` about ``center``: the same arithmetic when the tree is
    learned and when rows are routed, so that a row on a threshold is found on it both times."""
    return ((points - center) * axis).sum(axis=1)


def _goes_left(projection, threshold, tie_share, draws):
    return (projection < threshold) | ((projection == threshold) & (draws < tie_share))


def evenly_spread(n, count):
    """``count`` evenly spread positions of ``0 .. n - 1`` (the single machine's recall sample)."""
    return np.unique(np.linspace(0, n - 1, min(n, count)).astype(np.int64))


class SplitGroup:
    """One group above the budget: its distance sum, its kNN (persisted query tasks) and its SMOTE rows.

    Parameters
    ----------
    pieces : list of delayed ``(X rows, positions)``
        The group's rows block by block, with their positions in the group.
    n, key : int
        The group's rows and its stream key (the single machine's).
    k, seed, budget : int
        Neighbours per row, the fit's seed, rows per task.
    backend_name : str
    n_pairs, sum_key : int
        The density's sampled pairs and their stream key (the single machine's).
    """

    def __init__(self, pieces, n, key, k, seed, budget, backend_name, n_pairs, sum_key):
        self.pieces, self.n, self.key, self.k = pieces, int(n), int(key), int(k)
        self.seed, self.budget, self.backend_name = seed, int(budget), backend_name
        self.n_pairs, self.sum_key = n_pairs, sum_key
        self.largest_task_rows = 0
        self.n_probe = self.sample_recall = None  # known once searched
        self._sampled = self._sum = self._queries = None

    # ------------------------------------------------------------ stage 1: samples on the client
    def _samples(self):
        """``(positions, rows)`` of every sampled row, the density's pairs, the shard and recall samples."""
        if self._sampled is None:
            first, second = sampled_pairs(get_backend("numpy"), [self.sum_key], self.seed, [self.n], self.n_pairs)
            shard_rows, recall_rows = evenly_spread(self.n, SHARD_SAMPLE), evenly_spread(self.n, SAMPLED_ROWS)
            wanted = np.unique(np.concatenate([first.ravel(), second.ravel(), shard_rows, recall_rows]))
            self._sampled = (wanted, gather_positions(self.pieces, wanted), first, second, shard_rows, recall_rows)
        return self._sampled

    def _rows_at(self, positions):
        wanted, rows = self._samples()[:2]
        return rows[np.searchsorted(wanted, positions)]

    def distance_sum(self):
        """The group's sum of distances over ordered pairs, from the single machine's sampled pairs."""
        if self._sum is None:
            _, _, first, second, _, _ = self._samples()
            mean = mean_pair_distances(get_backend("numpy"), self._rows_at(first), self._rows_at(second))[0]
            self._sum = float(self.n * (self.n - 1) * mean)
        return self._sum

    # ------------------------------------------------------------ stages 2-4: the search
    def search(self):
        """Persist the query tasks (each: its rows' kNN, as positions)."""
        if self._queries is not None:
            return
        shards, summaries, frame = self._shards()
        layout = _CellLayout(summaries)
        lists = self._probe_lists(shards, summaries, layout, frame)
        self._queries = dask.persist(*self._query_tasks(shards, layout, lists, frame))
        held = dask.compute(*[dask.delayed(_held_rows)(q) for q in self._queries])
        self.largest_task_rows = int(max(*held, *(s["n_rows"] for s in summaries)))

    def _shards(self):
        """The persisted shard tasks, their summaries and the ranking frame (center, exponent)."""
        _, _, _, _, shard_rows, recall_rows = self._samples()
        sample = self._rows_at(shard_rows)
        n_shards = max(2, -(-self.n // max(1, int(SHARD_FILL * self.budget))))
        tree = ShardTree(sample, shard_rows, n_shards, self.seed)
        center = sample.mean(axis=0).astype(sample.dtype)
        routed = [dask.delayed(_route, nout=n_shards)(piece, tree, n_shards) for piece in self.pieces]
        shards = dask.persist(
            *[dask.delayed(_build_shard)([r[s] for r in routed], center, self.backend_name) for s in range(n_shards)]
        )
        summaries = dask.compute(*[dask.delayed(_shard_summary)(shard, recall_rows) for shard in shards])
        return shards, summaries, (center, max(s["exponent"] for s in summaries))

    def _probe_lists(self, shards, summaries, layout, frame):
        """Every cell's probe list (global cell ids), as long as the recall needs within the ceiling."""
        fewest = min(layout.n_cells, -(-(self.k + 1) // int(layout.cell_lengths.min())) + 1)
        # The budget bounds the candidates of one cell too: its probes' rows fit a task.
        ceiling = min(layout.n_cells, max(fewest, min(MAX_CANDIDATES, self.budget // 2) // CELL_ROWS))
        probes = _ProbeLists(get_backend("numpy"), layout.centers, ceiling)
        self.n_probe = self._needed_probes(shards, summaries, layout, probes, frame, fewest)
        return np.asarray(probes.lists(self.n_probe))

    def _query_tasks(self, shards, layout, lists, frame):
        """One delayed search per range of a shard's cells, fed the rows of exactly the cells it probes."""
        tasks = []
        for s in range(len(shards)):
            for query_cells in _query_ranges(layout.cells_of(s), lists, layout.cell_lengths, self.budget):
                others = np.setdiff1d(np.unique(lists[query_cells]), query_cells)
                order = np.concatenate([query_cells, others])  # local cell ids: queries first
                local = np.empty(layout.n_cells, dtype=np.int64)
                local[order] = np.arange(len(order))
                parts, shipped = [], []
                for t in np.unique(layout.shard_of_cell[order]).tolist():
                    mine = order[layout.shard_of_cell[order] == t]
                    parts.append(dask.delayed(_cell_rows)(shards[t], mine - layout.first_cell[t]))
                    shipped.append(local[mine])
                tasks.append(
                    dask.delayed(_query_task)(
                        parts,
                        np.concatenate(shipped),
                        len(query_cells),
                        local[lists[query_cells]],
                        frame,
                        self.k,
                        self.backend_name,
                    )
                )
        return tasks

    def _needed_probes(self, shards, summaries, layout, probes, frame, fewest):
        """The fewest probes at which the recall sample's exact neighbours lie in its probe lists'
        cells for ``RECALL_TARGET`` of them (``needed_probes`` on one machine)."""
        recall_rows = self._samples()[5]
        points = self._rows_at(recall_rows)
        parts = dask.compute(
            *[dask.delayed(_sample_neighbors)(shard, points, recall_rows, frame, self.k) for shard in shards]
        )
        ranks = np.concatenate([p[0] for p in parts], axis=1)  # (sample, shards * k)
        positions = np.concatenate([p[1] for p in parts], axis=1)
        cells = np.concatenate([p[2] + layout.first_cell[s] for s, p in enumerate(parts)], axis=1)
        nearest = np.lexsort((positions, ranks), axis=1)[:, : self.k]  # ties to the earlier row
        nearest_cells = np.take_along_axis(cells, nearest, axis=1)
        own = np.full(len(recall_rows), -1, dtype=np.int64)
        for s, summary in enumerate(summaries):
            held = summary["sample_cells"] >= 0
            own[held] = summary["sample_cells"][held] + layout.first_cell[s]
        places = np.asarray(probes.places(own, nearest_cells)).ravel()
        covered = min(places.size, max(1, int(np.ceil(RECALL_TARGET * places.size))))
        n_probe = max(fewest, int(min(np.partition(places, covered - 1)[covered - 1] + 1, probes.width)))
        # The sample's recall at the probes chosen: below the target only where the budget's
        # ceiling on a cell's candidates binds.
        self.sample_recall = float(np.mean(places < n_probe))
        return n_probe

    # ------------------------------------------------------------ stage 5: generation
    def generate(self, n_new, out_dtype, chunk_rows, wrap):
        """The group's ``n_new`` SMOTE rows: one delayed block per plan chunk, in plan order."""
        self.search()
        blocks = []
        for start in range(0, int(n_new), chunk_rows):
            stop = min(int(n_new), start + chunk_rows)
            pieces = [
                dask.delayed(_plan_piece)(q, self.key, int(n_new), self.seed, start, stop, self.n, self.k)
                for q in self._queries
            ]
            blocks.append((stop - start, dask.delayed(_assemble)(pieces, stop - start, out_dtype, wrap)))
        return blocks


class _CellLayout:
    """The cells of every shard, numbered shard after shard (global cell ids)."""

    def __init__(self, summaries):
        counts = [len(s["cell_lengths"]) for s in summaries]
        self.cell_lengths = np.concatenate([s["cell_lengths"] for s in summaries])
        self.centers = np.concatenate([s["centers"] for s in summaries])
        self.first_cell = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.shard_of_cell = np.repeat(np.arange(len(summaries)), counts)
        self.n_cells = len(self.cell_lengths)

    def cells_of(self, shard):
        return np.flatnonzero(self.shard_of_cell == shard)


def gather_positions(pieces, wanted):
    """The rows at the group positions ``wanted`` (sorted, host) on the client, in that order."""
    parts = dask.compute(*[dask.delayed(_rows_at)(piece, wanted) for piece in pieces])
    return np.concatenate([p for p in parts if len(p)]) if parts else np.empty((0, 0))


def _query_ranges(cells, lists, cell_lengths, budget):
    """Consecutive runs of ``cells`` whose own rows and probed cells' rows fit ``budget``."""
    ranges, start, seen, held = [], 0, np.zeros(len(cell_lengths), dtype=bool), 0
    marked = []
    for i, cell in enumerate(cells.tolist()):
        new = lists[cell][~seen[lists[cell]]]
        new = np.unique(new)
        extra = int(cell_lengths[new].sum())
        if held + extra > budget and i > start:
            ranges.append(cells[start:i])
            for m in marked:
                seen[m] = False
            marked, start, held = [], i, 0
            new = np.unique(lists[cell])
            extra = int(cell_lengths[new].sum())
        seen[new] = True
        marked.append(new)
        held += extra
    ranges.append(cells[start:])
    return ranges


# ------------------------------------------------------------ tasks
def _rows_at(piece, wanted):
    rows, positions = piece
    hit = np.isin(positions, wanted)
    return to_host(rows[hit]) if hit.any() else np.empty((0, rows.shape[1]), dtype=rows.dtype)


def _route(piece, tree, n_shards):
    rows, positions = piece
    shard = tree.route(to_host(rows), positions)
    return tuple((rows[shard == s], positions[shard == s]) for s in range(n_shards))


class _Shard:
    """A shard's rows in position order, split in balanced cells (cell ``c``: ``order[cell_offsets[c] ..]``)."""

    def __init__(self, backend, rows, positions, center):
        self.backend, self.rows, self.positions = backend, rows, positions
        order, self.cell_offsets, self.cell_lengths, _ = balanced_cells(
            backend, rows, np.array([rows.shape[0]], dtype=np.int64), CELL_ROWS
        )
        self.order = order
        self.centers = backend.to_host(run_means(backend, rows[order], self.cell_lengths))
        self.cell_of = np.empty(rows.shape[0], dtype=np.int64)
        self.cell_of[backend.to_host(order)] = np.repeat(np.arange(len(self.cell_lengths)), self.cell_lengths)
        self.center = backend.asarray(center)
        self.exponent = scale_exponent(backend, rows - self.center)


def _build_shard(parts, center, backend_name):
    rows = [p[0] for p in parts if len(p[1])]
    positions = np.concatenate([p[1] for p in parts])
    backend = get_backend(backend_name, like=rows[0])
    xp = backend.xp
    rows = xp.concatenate([backend.asarray(r) for r in rows])
    order = np.argsort(positions, kind="stable")
    return _Shard(backend, rows[backend.asarray(order)], positions[order], center)


def _shard_summary(shard, recall_rows):
    at = np.searchsorted(shard.positions, recall_rows).clip(0, len(shard.positions) - 1)
    sample_cells = np.where(shard.positions[at] == recall_rows, shard.cell_of[at], -1)
    return {
        "cell_lengths": shard.cell_lengths,
        "centers": shard.centers,
        "exponent": shard.exponent,
        "n_rows": shard.rows.shape[0],
        "sample_cells": sample_cells,
    }


def _sample_neighbors(shard, points, positions, frame, k):
    """The recall sample's k nearest rows of this shard: ranks, positions and cells, ``(m, k)`` each
    (rank ``inf`` where the shard has fewer rows)."""
    backend, xp = shard.backend, shard.backend.xp
    _, exponent = frame
    left = operands_in_frame(backend, backend.asarray(points) - shard.center, exponent)[0]
    _, right, far, _ = operands_in_frame(backend, shard.rows - shard.center, exponent)
    n = right.shape[0]
    right = padded(backend, right, far)
    own = np.searchsorted(shard.positions, positions).clip(0, n - 1)
    held = shard.positions[own] == positions
    width = min(k, n)
    step = max(1, backend.tile_elements(right.itemsize) // right.shape[0])
    values, chosen = [], []
    for q0 in range(0, len(positions), step):
        q = slice(q0, q0 + step)
        ranks = xp.matmul(right, xp.ascontiguousarray(left[q].T))  # (candidates, queries)
        mine = np.flatnonzero(held[q])
        ranks[xp.asarray(own[q][mine]), xp.asarray(mine)] = xp.inf  # a row is not its own neighbour
        picked = smallest_k(backend, ranks[None], width)[0]  # (queries, width)
        values.append(backend.to_host(xp.take_along_axis(ranks.T, picked, axis=1)).astype(np.float64))
        chosen.append(backend.to_host(picked))
    values, chosen = np.concatenate(values), np.concatenate(chosen)
    values[chosen >= n] = np.inf
    chosen = np.minimum(chosen, n - 1)
    return values, shard.positions[chosen], shard.cell_of[chosen]


def _runs(offsets, lengths):
    """``offsets[r] .. offsets[r] + lengths[r] - 1`` of every run, concatenated (host int64)."""
    shift = np.asarray(offsets) - np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.arange(int(np.sum(lengths)), dtype=np.int64) + np.repeat(shift, lengths)


def _cell_rows(shard, cells):
    """The rows of the shard's ``cells`` (local ids): ``(rows, positions, lengths)`` cell after cell."""
    index = _runs(shard.cell_offsets[cells], shard.cell_lengths[cells])
    members = shard.backend.to_host(shard.order)[index]
    return shard.rows[shard.backend.asarray(members)], shard.positions[members], shard.cell_lengths[cells]


class _QueryTask:
    """A query range's result: its rows' positions (sorted), their neighbours' positions, the rows they need."""

    def __init__(self, backend, positions, table, rows, row_positions, held):
        self.backend, self.positions, self.table = backend, positions, table
        self.rows, self.row_positions, self.held = rows, row_positions, held


def _query_task(parts, order, n_query_cells, local_lists, frame, k, backend_name):
    """Search the first ``n_query_cells`` cells (of ``order``, the local cell of each shipped cell)."""
    backend = get_backend(backend_name, like=parts[0][0])
    xp = backend.xp
    rows = xp.concatenate([backend.asarray(p[0]) for p in parts])
    positions = np.concatenate([p[1] for p in parts])
    lengths = np.concatenate([p[2] for p in parts])
    # Shipped cell j (shard by shard) is local cell order[j]; rows are re-laid in local cell order.
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    by_local = np.argsort(order)
    lengths, starts = lengths[by_local], starts[by_local]
    relaid = _runs(starts, lengths)
    rows, positions = rows[backend.asarray(relaid)], positions[relaid]
    center, exponent = frame
    left, right, far, _ = operands_in_frame(backend, rows - backend.asarray(center), exponent)
    size = int(lengths.max())
    slot = np.arange(size)
    filled = slot[None, :] < lengths[:, None]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    members = backend.asarray(np.where(filled, offsets[:, None] + slot[None, :], -1))
    index = xp.maximum(members, 0)
    left_blocks = xp.ascontiguousarray(xp.swapaxes(left[index], 1, 2))
    right_blocks = right[index]
    right_blocks[..., -1][members < 0] = far
    cells = _Cells.from_blocks(backend, members, left_blocks, right_blocks)
    queries, table = cells.search(backend.asarray(local_lists), k, xp.arange(n_query_cells))
    n_query = int(lengths[:n_query_cells].sum())
    found = np.empty((n_query, k), dtype=np.int64)
    found[backend.to_host(queries)] = positions[backend.to_host(table)]
    needed = np.union1d(positions[:n_query], found.ravel())
    keep = np.searchsorted(positions[np.argsort(positions)], needed)
    keep = np.argsort(positions)[keep]
    by_position = np.argsort(positions[:n_query])
    return _QueryTask(
        backend,
        positions[:n_query][by_position],
        found[by_position],
        rows[backend.asarray(keep)],
        positions[keep],
        rows.shape[0],
    )


def _held_rows(query):
    return query.held


def _plan_piece(query, key, n_new, seed, start, stop, n, k):
    """The plan rows ``start .. stop`` whose base row this query task holds: their offsets in the
    chunk and their values."""
    backend = query.backend
    xp = backend.xp
    plan = Plan(backend, np.array([key]), np.array([n_new]), seed, start, stop)
    base = backend.to_host(plan.index(0, np.array([n])))
    at = np.searchsorted(query.positions, base).clip(0, len(query.positions) - 1)
    mine = np.flatnonzero(query.positions[at] == base)
    if mine.size == 0:
        return mine, None
    slot = backend.to_host(plan.index(1, np.array([k])))[mine]
    neighbor = query.table[at[mine], slot]
    gaps = plan.uniform(2, query.rows.dtype)[xp.asarray(mine)]
    base_rows = np.searchsorted(query.row_positions, base[mine])
    neighbor_rows = np.searchsorted(query.row_positions, neighbor)
    out = xp.empty((mine.size, query.rows.shape[1]), dtype=query.rows.dtype)
    generation_engine(backend).interpolate(query.rows, xp.asarray(base_rows), xp.asarray(neighbor_rows), gaps, out)
    return mine, out


def _assemble(pieces, size, out_dtype, wrap):
    """One plan chunk's rows from the query tasks' pieces (every row written by exactly one)."""
    values = [v for _, v in pieces if v is not None]
    xp = get_backend("auto", like=values[0]).xp
    out = xp.empty((size, values[0].shape[1]), dtype=values[0].dtype)
    for offsets, piece in pieces:
        if piece is not None:
            out[xp.asarray(offsets)] = piece
    return wrap(cast_values(xp, out, out_dtype)[0])  # clipped, never wrapped


def task_row_budget(n_features, itemsize):
    """The default rows per task: a sixteenth of the smallest worker's memory (of the machine's
    share of a thread without a distributed client), over the bytes a row costs in the search
    (its values, both ranking operands and its position)."""
    memory = None
    try:
        from distributed import get_client

        workers = get_client().scheduler_info()["workers"].values()
        memory = min(w["memory_limit"] for w in workers) or None
    except (ImportError, ValueError, KeyError):
        memory = None
    if memory is None:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = pages * page_size / max(1, os.cpu_count() or 1)
    row_bytes = (3 * n_features + 2) * itemsize + 8
    return max(MIN_TASK_ROWS, int(memory / 16 / row_bytes))
