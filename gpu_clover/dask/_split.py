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
4. **Search.** For every pair of shards (q, t), a task searches q's cells against the cells
   of t that they probe (each query cell's probe list, kept to t's cells in its order) and keeps
   each row's k best; a task per shard q merges them. A task holds two shards, so at most the
   budget, whatever the probes. All ranks are made in one frame (one center, one power-of-two
   scale), so rows from different shards compare as in one array.
5. **Generation.** The SMOTE plan of the group (its stream, its draws) is the single
   machine's. For each plan chunk, each shard's table gives the neighbours of the chunk's base
   rows it holds, each shard sends the rows the chunk reads, and one task writes the chunk.

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
from ..neighbors._cell_search import (
    RECALL_TARGET,
    SAMPLED_ROWS,
    _Cells,
    _ProbeLists,
    evenly_spread,
    probe_bounds,
    probes_reaching,
)
from ..neighbors._ranking import operands_in_frame, padded, smallest_k
from ..neighbors._sampled_sums import mean_pair_distances, sampled_pairs
from ..over_sampling._engine import generation_engine
from ..over_sampling._generation import Plan
from ._data import to_host

# Rows the shard tree is learned from (evenly spread over the group's positions).
SHARD_SAMPLE = 1 << 15
# A shard's rows as a share of the budget: a search task holds two shards, and the shards'
# sizes vary by the sample's error around their share.
SHARD_FILL = 0.45
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
        """Leaves grown so far (leaf ids are given in depth-first order)."""
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
        self._sampled = self._sum = self._tables = self._shards_persisted = None
        self._largest = None  # the largest magnitude of the group's values, with the samples

    # ------------------------------------------------------------ stage 1: samples on the client
    def _samples(self):
        """The sampled rows, gathered once: ``(positions, rows, first, second, shard_rows, recall_rows)``,
        every sampled position and its row, the density's pairs, the shard and recall samples."""
        if self._sampled is None:
            first, second = sampled_pairs(get_backend("numpy"), [self.sum_key], self.seed, [self.n], self.n_pairs)
            shard_rows, recall_rows = evenly_spread(self.n, SHARD_SAMPLE), evenly_spread(self.n, SAMPLED_ROWS)
            wanted = np.unique(np.concatenate([first.ravel(), second.ravel(), shard_rows, recall_rows]))
            rows, self._largest = gather_positions(self.pieces, wanted)
            self._sampled = (wanted, rows, first, second, shard_rows, recall_rows)
        return self._sampled

    def _sampled_rows(self, positions):
        wanted, rows = self._samples()[:2]
        return rows[np.searchsorted(wanted, positions)]

    def distance_sum(self):
        """The group's sum of distances over ordered pairs, from the single machine's sampled pairs."""
        if self._sum is None:
            _, _, first, second, _, _ = self._samples()
            mean = mean_pair_distances(get_backend("numpy"), self._sampled_rows(first), self._sampled_rows(second))[0]
            self._sum = float(self.n * (self.n - 1) * mean)
        return self._sum

    # ------------------------------------------------------------ stages 2-4: the search
    def search(self):
        """Persist the shards and each shard's kNN table (as positions)."""
        if self._tables is not None:
            return
        shards, summaries, frame = self._shards()
        layout = _CellLayout(summaries)
        lists = self._probe_lists(shards, summaries, layout, frame)
        merged = []
        for q in range(len(shards)):
            partials = [
                dask.delayed(_partial_search)(shards[q], shards[t], probes, self.k, q == t)
                for t, probes in layout.probes_by_shard(q, lists)
            ]
            merged.append(dask.delayed(_merged_table)(shards[q], partials, self.k))
        self._shards_persisted, self._tables = shards, dask.persist(*merged)
        sizes = np.array([s["n_rows"] for s in summaries])
        self.largest_task_rows = int(sizes.max() + np.sort(sizes)[-2])  # a pair of shards

    def _shards(self):
        """The persisted shard tasks, their summaries and the ranking frame (center, exponent)."""
        _, _, _, _, shard_rows, recall_rows = self._samples()
        sample = self._sampled_rows(shard_rows)
        n_shards = max(2, -(-self.n // max(1, int(SHARD_FILL * self.budget))))
        tree = ShardTree(sample, shard_rows, n_shards, self.seed)
        center = sample.mean(axis=0).astype(sample.dtype)
        # |x - center| <= |x| + |center|: a bound on every centered value sets the one scale.
        exponent = int(np.ceil(np.log2(self._largest + float(np.abs(center).max()) or 1.0)))
        frame = (center, exponent)
        routed = [dask.delayed(_route, nout=n_shards)(piece, tree, n_shards) for piece in self.pieces]
        shards = dask.persist(
            *[dask.delayed(_build_shard)([r[s] for r in routed], frame, self.backend_name) for s in range(n_shards)]
        )
        summaries = dask.compute(*[dask.delayed(_shard_summary)(shard, recall_rows) for shard in shards])
        return shards, summaries, frame

    def _probe_lists(self, shards, summaries, layout, frame):
        """Every cell's probe list (global cell ids), as long as the recall needs within the ceiling."""
        fewest, ceiling = probe_bounds(layout.n_cells, int(layout.cell_lengths.min()), self.k)
        probes = _ProbeLists(get_backend("numpy"), layout.centers, ceiling)
        self.n_probe = self._needed_probes(shards, summaries, layout, probes, frame, fewest)
        return np.asarray(probes.lists(self.n_probe))

    def _needed_probes(self, shards, summaries, layout, probes, frame, fewest):
        """The fewest probes at which the recall sample's exact neighbours lie in its probe lists'
        cells for ``RECALL_TARGET`` of them (``needed_probes`` on one machine)."""
        recall_rows = self._samples()[5]
        points = self._sampled_rows(recall_rows)
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
        n_probe = max(fewest, probes_reaching(places, RECALL_TARGET, probes.width))
        # The sample's recall at the probes chosen: below the target only where the budget's
        # ceiling on a cell's candidates binds.
        self.sample_recall = float(np.mean(places < n_probe))
        return n_probe

    # ------------------------------------------------------------ stage 5: generation
    def generate(self, n_new, out_dtype, chunk_rows, wrap):
        """The group's ``n_new`` SMOTE rows: ``(rows, delayed block)`` per plan chunk, in plan order."""
        self.search()
        plan = (self.key, int(n_new), self.seed, self.n, self.k)
        blocks = []
        for start in range(0, int(n_new), chunk_rows):
            stop = min(int(n_new), start + chunk_rows)
            pairs = [dask.delayed(_chunk_pairs)(table, *plan, start, stop) for table in self._tables]
            rows = [dask.delayed(_rows_read)(shard, pairs) for shard in self._shards_persisted]
            blocks.append((stop - start, dask.delayed(_chunk_rows)(pairs, rows, *plan, start, stop, out_dtype, wrap)))
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

    def probes_by_shard(self, q, lists):
        """``(t, probes)`` for every shard t that shard q's cells probe: each q cell's probe list kept
        to t's cells (t-local ids, in list order), padded with t's empty cell (id: its cell count)."""
        mine = lists[self.cells_of(q)]
        owner = self.shard_of_cell[mine]
        for t in np.unique(owner).tolist():
            held = owner == t
            order = np.argsort(~held, axis=1, kind="stable")  # t's cells first, in list order
            width = int(held.sum(axis=1).max())
            kept = np.take_along_axis(mine, order, axis=1)[:, :width] - self.first_cell[t]
            full = np.take_along_axis(held, order, axis=1)[:, :width]
            n_cells_t = int((self.shard_of_cell == t).sum())
            yield t, np.where(full, kept, n_cells_t).astype(np.int32)


def gather_positions(pieces, wanted):
    """The rows at the group positions ``wanted`` (sorted, host) on the client, in that order, and
    the largest magnitude of any of the group's values."""
    parts = dask.compute(*[dask.delayed(_piece_rows_at)(piece, wanted) for piece in pieces])
    rows = np.concatenate([p for p, _ in parts if len(p)])
    return rows, max(largest for _, largest in parts)


# ------------------------------------------------------------ tasks
def _piece_rows_at(piece, wanted):
    rows, positions = piece
    hit = np.isin(positions, wanted)
    largest = float(to_host(abs(rows).max())) if len(positions) else 0.0
    return (to_host(rows[hit]) if hit.any() else np.empty((0, rows.shape[1]), dtype=rows.dtype)), largest


def _route(piece, tree, n_shards):
    rows, positions = piece
    shard = tree.route(to_host(rows), positions)
    return tuple((rows[shard == s], positions[shard == s]) for s in range(n_shards))


class _Shard:
    """A shard's rows in position order, split in balanced cells whose ranking blocks are in the
    group's frame (:class:`~gpu_clover.neighbors._cell_search._Cells`, with its last, empty cell
    padding the probe lists that reach fewer of this shard's cells); ``centers`` and ``cell_of``
    on the host for the client's probe lists."""

    def __init__(self, backend, rows, positions, frame):
        self.backend, self.rows, self.positions = backend, rows, positions
        center, exponent = frame
        left, right, self.far, _ = operands_in_frame(backend, rows - backend.asarray(center), exponent)
        self.cells = _Cells(backend, rows, left, right, self.far)
        self.cell_lengths = self.cells.cell_lengths
        self.centers = backend.to_host(self.cells.centers)
        self.cell_of = backend.to_host(self.cells.cell_of)


def _build_shard(parts, frame, backend_name):
    rows = [p[0] for p in parts if len(p[1])]
    positions = np.concatenate([p[1] for p in parts])
    backend = get_backend(backend_name, like=rows[0])
    rows = backend.xp.concatenate([backend.asarray(r) for r in rows])
    order = np.argsort(positions, kind="stable")
    return _Shard(backend, rows[backend.asarray(order)], positions[order], frame)


def _shard_summary(shard, recall_rows):
    at = np.searchsorted(shard.positions, recall_rows).clip(0, len(shard.positions) - 1)
    sample_cells = np.where(shard.positions[at] == recall_rows, shard.cell_of[at], -1)
    return {
        "cell_lengths": shard.cell_lengths,
        "centers": shard.centers,
        "n_rows": shard.rows.shape[0],
        "sample_cells": sample_cells,
    }


def _sample_neighbors(shard, points, positions, frame, k):
    """The recall sample's k nearest rows of this shard: ranks, positions and cells, ``(m, k)`` each
    (rank ``inf`` where the shard has fewer rows)."""
    backend, xp = shard.backend, shard.backend.xp
    center, exponent = backend.asarray(frame[0]), frame[1]
    left = operands_in_frame(backend, backend.asarray(points) - center, exponent)[0]
    _, right, far, _ = operands_in_frame(backend, shard.rows - center, exponent)
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


def _partial_search(query, candidates, probes, k, same):
    """The k nearest rows of ``candidates``' probed cells to every row of ``query`` (shard tasks):
    ``(ranks, positions)``, ``(query rows, k)`` in the query shard's row order (rank ``inf``: none).

    ``probes[c]``: query cell c's probe list within the candidate shard (its empty cell pads it);
    ``same``: the shards are one, and each cell's list starts with itself.
    """
    backend, xp = query.backend, query.backend.xp
    size = query.cells.members.shape[1]
    ranks_out = np.full((query.rows.shape[0], k), np.inf)
    positions_out = np.zeros((query.rows.shape[0], k), dtype=np.int64)
    # Cells by their probes' count here, longest first: a tile pads its lists to the longest
    # of its own cells, and its size follows from that width.
    counts = (probes < candidates.cell_lengths.shape[0]).sum(axis=1)
    by_count = np.argsort(-counts, kind="stable")
    by_count = by_count[counts[by_count] > 0]
    start = 0
    while start < len(by_count):
        width = int(counts[by_count[start]])
        per_tile = max(1, backend.tile_elements(8) // (size * size * width))
        chosen = by_count[start : start + per_tile]
        start += len(chosen)
        kk = min(k, width * size)
        rows, found, ranks, columns = query.cells.ranked_tile(
            xp.asarray(chosen), backend.asarray(probes[chosen, :width]), kk, candidates.cells, own=same
        )
        values = xp.take_along_axis(ranks, columns, axis=2)
        rows = backend.to_host(rows).ravel()
        valid = rows >= 0
        values = backend.to_host(values).reshape(-1, kk).astype(np.float64)[valid]
        found = backend.to_host(found).reshape(-1, kk)[valid]
        values[(found < 0) | (values >= candidates.far)] = np.inf
        ranks_out[rows[valid], :kk] = values
        positions_out[rows[valid], :kk] = candidates.positions[np.maximum(found, 0)]
    return ranks_out, positions_out


def _merged_table(shard, partials, k):
    """The shard's rows' positions and the k nearest of each over the partial searches
    (ties to the earlier row)."""
    ranks = np.concatenate([r for r, _ in partials], axis=1)
    positions = np.concatenate([p for _, p in partials], axis=1)
    order = np.lexsort((positions, ranks), axis=1)[:, :k]
    return shard.positions, np.take_along_axis(positions, order, axis=1)


def _chunk_pairs(table, key, n_new, seed, n, k, start, stop):
    """The plan rows ``start .. stop`` whose base row the shard holds: their offsets in the chunk,
    their base rows and their neighbours (positions)."""
    positions, table = table
    backend = get_backend("numpy")
    plan = Plan(backend, np.array([key]), np.array([n_new]), seed, start, stop)
    base = plan.index(0, np.array([n]))
    at = np.searchsorted(positions, base).clip(0, len(positions) - 1)
    mine = np.flatnonzero(positions[at] == base)
    slot = plan.index(1, np.array([k]))[mine]
    return mine, base[mine], table[at[mine], slot]


def _rows_read(shard, pairs):
    """The shard's rows that a chunk reads (its base and neighbour rows): ``(positions, rows)``."""
    wanted = np.unique(np.concatenate([np.concatenate([b, nb]) for _, b, nb in pairs]))
    at = np.searchsorted(shard.positions, wanted).clip(0, len(shard.positions) - 1)
    held = at[shard.positions[at] == wanted]
    return shard.positions[held], shard.rows[shard.backend.asarray(held)]


def _chunk_rows(pairs, rows, key, n_new, seed, n, k, start, stop, out_dtype, wrap):
    """Plan rows ``start .. stop``: each from its base row and neighbour, with its gap."""
    backend = get_backend("auto", like=rows[0][1])
    xp = backend.xp
    positions = np.concatenate([p for p, _ in rows])
    values = xp.concatenate([r for _, r in rows])
    order = np.argsort(positions)
    positions, values = positions[order], values[backend.asarray(order)]
    offsets = np.concatenate([m for m, _, _ in pairs])
    base = np.searchsorted(positions, np.concatenate([b for _, b, _ in pairs]))
    neighbor = np.searchsorted(positions, np.concatenate([nb for _, _, nb in pairs]))
    plan = Plan(backend, np.array([key]), np.array([n_new]), seed, start, stop)
    gaps = plan.uniform(2, values.dtype)[xp.asarray(offsets)]
    out = xp.empty((stop - start, values.shape[1]), dtype=values.dtype)
    written = xp.empty((len(offsets), values.shape[1]), dtype=values.dtype)
    generation_engine(backend).interpolate(values, xp.asarray(base), xp.asarray(neighbor), gaps, written)
    out[xp.asarray(offsets)] = written
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
