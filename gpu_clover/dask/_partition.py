"""Groups on Dask: counts as reductions, then each group's rows gathered in one partition.

The client holds the small group table (a :class:`~gpu_clover._groups.Groups`
without ``order``). The rows of the groups that need them (the density's
filtered groups, the groups that receive synthetic rows) are shuffled so that
every group lies whole in one partition: contiguous ranges of group ids, one
range per partition, rows sorted by (group, global row index), i.e. the
single-machine order. Each partition then builds a local ``Groups`` with the
*global* cluster and class codes (so the group keys, which seed the random
streams, are the single-machine ones) and a ``GroupNeighbors``: its distance
sums feed the distribution, its kNN tables the generation. A generation task
reads one partition, or (rows between clusters, or a group whose companions
another partition holds) a view built from only the groups it reads. The
result does not depend on how the input is chunked or on how many workers run it.

No task holds more than ``task_rows`` rows: partitions are cut to that budget, and a
group above it is split across tasks (:mod:`._split`).
"""

import itertools
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np

from .._casting import cast_values
from .._groups import Groups
from .._placement import Placement
from ..backends import get_backend
from ..neighbors import GroupNeighbors
from ..neighbors._cell_search import CELL_ROWS
from ..neighbors._cells import run_indices
from ..neighbors._group_neighbors import DENSITY_PAIRS, sum_keys, uses_cell_search
from ..over_sampling import SMOTE
from ..over_sampling._native import GenerationRequest, generate_categories, generate_rows
from ._data import class_codes, row_block_starts, to_host
from ._split import SplitGroup


def count_groups(labels, y, classes):
    """The :class:`Groups` table (``order=None``) from per-block counts of (cluster, class)."""
    blocks = zip(labels.to_delayed().ravel(), y.to_delayed().ravel())
    parts = dask.compute(*[dask.delayed(_block_group_counts)(lb, yb, classes) for lb, yb in blocks])
    cluster_labels, inverse = np.unique(np.concatenate([u for u, _ in parts]), return_inverse=True)
    counts = np.zeros((len(cluster_labels), len(classes)), dtype=np.int64)
    start = 0
    for uniques, block_counts in parts:
        np.add.at(counts, inverse[start : start + len(uniques)], block_counts)
        start += len(uniques)
    counts = counts.reshape(-1)
    present = np.flatnonzero(counts)
    lengths = counts[present]
    return Groups(
        order=None,
        offsets=np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64),
        lengths=lengths,
        cluster=present // len(classes),
        klass=present % len(classes),
        cluster_labels=cluster_labels,
        classes=classes,
    )


def _block_group_counts(label_block, y_block, classes):
    uniques, inverse = np.unique(to_host(label_block), return_inverse=True)
    key = inverse.reshape(-1) * len(classes) + class_codes(y_block, classes)
    counts = np.bincount(key, minlength=len(uniques) * len(classes)).reshape(len(uniques), len(classes))
    return uniques, counts


@dataclass(frozen=True)
class GenerationRule:
    """How the generation tasks write rows, and which rows besides its own a group's rule reads.

    ``oversampler`` is a single-machine native over-sampler (SMOTE or
    GeometricSMOTE, shipped to the tasks); ``majority`` and ``majority_class``
    are the :class:`~gpu_clover.over_sampling._native.GenerationRequest` fields
    (the class decided on the client from the whole data's counts).
    """

    oversampler: object
    majority: str
    majority_class: int

    @property
    def reads_majority(self):
        """Whether the rule reads majority rows (Geometric SMOTE's "majority" and "combined")."""
        return getattr(self.oversampler, "selection_strategy", "minority") != "minority"

    def companions(self, groups, group_ids, inter=False):
        """The groups whose rows the rule reads besides ``group_ids``' own (sorted, host int64).

        Intra-cluster, "cluster_majority": the majority-class group of each group's
        cluster; "other_classes": every group of its cluster. Between clusters
        (``inter``; ``group_ids`` both groups of each pair): each cluster's majority group.
        """
        group_ids = np.asarray(group_ids, dtype=np.int64).reshape(-1)
        if not self.reads_majority or group_ids.size == 0:
            return np.zeros(0, dtype=np.int64)
        same_cluster = np.isin(groups.cluster, groups.cluster[group_ids])
        if self.majority == "cluster_majority" or inter:
            same_cluster &= groups.klass == self.majority_class
        return np.setdiff1d(np.flatnonzero(same_cluster), group_ids)


@dataclass(frozen=True)
class MixedDistance:
    """SMOTE-NC's distance for the partitions' neighbour stages: each class's ``med^2`` (host
    float64, from the whole data) and each categorical column's category count."""

    class_penalties: np.ndarray
    n_categories: np.ndarray

    def keywords(self, backend, codes, groups):
        """The :class:`GroupNeighbors` keywords of a partition's rows: their codes (host int32, in
        the partition's order) on the backend, and each local group's penalty."""
        return {
            "codes": backend.asarray(codes),
            "penalties": self.class_penalties[groups.klass],
            "n_categories": self.n_categories,
        }


class DaskGroupStats:
    """The ``stats`` a distributor and SMOTE consume, computed on the workers.

    ``distance_sums(group_ids)`` shuffles those groups' rows into partitions
    (persisted on the workers, with their kNN tables) and brings back one float
    per group; ``generate`` and ``generate_inter`` reuse these partitions and
    shuffle only the groups none of them holds.

    Where the rule reads majority rows (Geometric SMOTE), each group's
    companions (:meth:`GenerationRule.companions`) are shuffled with it, into
    the same partition where they are placed in the same call (partitions are
    then cut between clusters only). This moves the cluster's majority rows
    (with "other_classes", every row of the cluster: for a sampler without a
    clusterer, the whole data into one task) once, in the shuffle; a group
    whose companions another partition holds, and every pair of groups between
    clusters, is generated from a task that receives only the groups it reads,
    taken out of their partitions.
    """

    def __init__(
        self, X, y, labels, groups, k_neighbors, options, backend_name, n_partitions, rule, task_rows, mixed=None
    ):
        self.X, self.y, self.labels, self.groups = X, y, labels, groups
        # With categorical columns: their codes (a dask array with X's row chunks), which travel
        # with the rows, and the :class:`MixedDistance` every partition's neighbour stage takes.
        self.codes, self.mixed = (None, None) if mixed is None else mixed
        self.k, self.options = int(k_neighbors), options  # the single-machine GroupNeighbors' settings
        self.backend_name, self.n_partitions, self.rule = backend_name, n_partitions, rule
        self.task_rows = int(task_rows)
        self._group_ids = np.zeros(0, dtype=np.int64)
        self._partitions = []  # (group ids of the partition, persisted _Partition)
        self._split = {}  # group id -> SplitGroup, for the groups above ``task_rows``
        self.largest_task_rows = 0

    def distance_sums(self, group_ids):
        """Sum of euclidean distances over ordered pairs of rows, per group (host float64)."""
        group_ids = np.asarray(group_ids, dtype=np.int64)
        split = self._is_split(group_ids)
        whole = group_ids[~split]
        self._ensure(whole, summed=whole)
        tasks, asked = [], []
        for part_ids, part in self._partitions:
            mine = np.intersect1d(part_ids, group_ids)
            if mine.size:
                tasks.append(dask.delayed(_distance_sums)(part, np.searchsorted(part_ids, mine)))
                asked.append(mine)
        sums = dask.compute(*tasks)
        table = dict(
            zip(np.concatenate(asked).tolist() if asked else [], np.concatenate(sums).tolist() if sums else [])
        )
        for g in group_ids[split].tolist():
            table[g] = self._split_group(g, "a distance sum").distance_sum()
        return np.array([table[g] for g in group_ids.tolist()], dtype=np.float64)

    def generate(self, group_ids, n_new, seed, out_dtype):
        """Lazy synthetic rows, labels and categorical codes (none without categorical columns)
        inside groups, in ascending group id order.

        One dask array block per run of consecutive receiving groups that share a
        partition (a run never spans two partitions).
        """
        order = np.argsort(group_ids, kind="stable")
        group_ids, n_new = np.asarray(group_ids, dtype=np.int64)[order], np.asarray(n_new)[order]
        split = self._is_split(group_ids)
        self._ensure(group_ids[~split])
        blocks, label_blocks, code_blocks = [], [], []
        # Runs of whole groups, and each split group on its own, in group order.
        cuts = np.flatnonzero(np.diff(split.astype(np.int8)) != 0) + 1
        for run in np.split(np.arange(len(group_ids)), cuts):
            if run.size and split[run[0]]:
                for i in run.tolist():
                    found = self._split_blocks(int(group_ids[i]), int(n_new[i]), seed, out_dtype)
                    blocks += found[0]
                    label_blocks += found[1]
            elif run.size:
                found = self._blocks(group_ids[run], n_new[run], group_ids[run], seed, out_dtype, inter=False)
                blocks += found[0]
                label_blocks += found[1]
                code_blocks += found[2]
        return blocks, label_blocks, code_blocks

    def _split_blocks(self, g, n_new, seed, out_dtype):
        """The SMOTE rows of a group above the budget: one block per plan chunk of ``task_rows`` rows."""
        if not isinstance(self.rule.oversampler, SMOTE):
            raise ValueError(
                f"A group of {self.groups.lengths[g]} rows is above the Dask task budget of {self.task_rows} rows: "
                f"it is split across tasks, which generate SMOTE rows only, not "
                f"{type(self.rule.oversampler).__name__}'s. {_RAISE_BUDGET}"
            )
        split = self._split_group(g, "SMOTE")
        meta = self.X._meta.astype(out_dtype)
        labels = self.groups.classes[self.groups.klass[[g]]]
        blocks, label_blocks = [], []
        for size, task in split.generate(n_new, out_dtype, self.task_rows, Placement.of(self.X._meta).wrap):
            blocks.append(da.from_delayed(task, shape=(size, self.X.shape[1]), dtype=out_dtype, meta=meta))
            task = dask.delayed(_repeat_labels)(labels, np.array([size]), self.y._meta)
            label_blocks.append(da.from_delayed(task, shape=(size,), dtype=self.y.dtype, meta=self.y._meta))
        self.largest_task_rows = max(self.largest_task_rows, split.largest_task_rows)
        return blocks, label_blocks

    def _is_split(self, group_ids):
        return self.groups.lengths[group_ids] > self.task_rows

    def _split_group(self, g, purpose):
        """The :class:`SplitGroup` of group ``g`` (above the row budget), made on first use."""
        if g not in self._split and self.codes is not None:
            raise ValueError(
                f"A group of {self.groups.lengths[g]} rows is above the Dask task budget of {self.task_rows} rows: "
                f"it would be split across tasks, whose neighbour search sees numeric columns only, and {purpose} "
                f"with categorical columns needs the whole group in one task. {_RAISE_BUDGET}"
            )
        if g not in self._split:
            if self.options.get("search") == "exact" or self.options.get("estimator") is not None:
                raise ValueError(
                    f"A group of {self.groups.lengths[g]} rows is above the Dask task budget of {self.task_rows} rows, "
                    f"and {purpose} by exact search or a NearestNeighbors estimator needs the whole group in one "
                    f"task. {_RAISE_BUDGET} Or use neighbor_search='auto' with an int k_neighbors."
                )
            self._split[g] = SplitGroup(
                self._group_pieces(g),
                n=self.groups.lengths[g],
                key=self.groups.keys[g],
                k=min(self.k, int(self.groups.lengths[g]) - 1),
                seed=self.options.get("seed", 0),
                budget=self.task_rows,
                backend_name=self.backend_name,
                n_pairs=DENSITY_PAIRS,
                sum_key=sum_keys(self.groups, np.array([g]))[0],
            )
        return self._split[g]

    def _group_pieces(self, g):
        """Group ``g``'s rows block by block, with their positions in the group (delayed)."""
        key_table = _key_table(self.groups)
        blocks = list(zip(self.X.to_delayed().ravel(), self.y.to_delayed().ravel(), self.labels.to_delayed().ravel()))
        counts = dask.compute(*[dask.delayed(_count_group)(yb, lb, self.groups, key_table, g) for _, yb, lb in blocks])
        firsts = np.concatenate([[0], np.cumsum(counts)[:-1]]).tolist()
        return [
            dask.delayed(_group_rows)(xb, yb, lb, self.groups, key_table, g, first)
            for (xb, yb, lb), first in zip(blocks, firsts)
        ]

    def generate_inter(self, pairs, n_new, seed, out_dtype):
        """Lazy synthetic rows, labels and categorical codes between the two groups of each pair,
        in ``pairs`` order.

        One block per run of consecutive pairs whose first groups share a partition; its
        task reads that partition when it holds both groups of each pair (and their
        companions), else the rows of only those groups, taken out of their partitions.
        """
        pairs, n_new = np.asarray(pairs, dtype=np.int64).reshape(-1, 2), np.asarray(n_new)
        split = self._is_split(pairs.reshape(-1))
        if split.any():
            g = int(pairs.reshape(-1)[split][0])
            raise ValueError(
                f"A group of {self.groups.lengths[g]} rows is above the Dask task budget of {self.task_rows} rows, "
                f"and rows between clusters need both groups of a pair in one task. {_RAISE_BUDGET}"
            )
        self._ensure(pairs.reshape(-1), inter=True)
        return self._blocks(pairs, n_new, pairs[:, 0], seed, out_dtype, inter=True)

    def _blocks(self, items, n_new, first_groups, seed, out_dtype, inter):
        holder = self._holder()
        owners = holder[first_groups]
        cuts = np.flatnonzero(np.diff(owners)) + 1
        blocks, label_blocks, code_blocks = [], [], []
        meta = self.X._meta.astype(out_dtype)
        for run in np.split(np.arange(len(items)), cuts):
            if run.size == 0 or n_new[run].sum() == 0:
                continue
            mine, counts = items[run], n_new[run]
            source, source_ids = self._sources(mine, inter, holder)
            rows = dask.delayed(_generate_items, nout=2)(
                source if inter else self._searched(source, source_ids, mine),
                mine,
                counts,
                seed,
                out_dtype,
                self.rule,
                inter,
            )
            n = int(counts.sum())
            blocks.append(da.from_delayed(rows[0], shape=(n, self.X.shape[1]), dtype=out_dtype, meta=meta))
            if self.codes is not None:
                shape, codes_meta = (n, self.codes.shape[1]), self.codes._meta
                code_blocks.append(da.from_delayed(rows[1], shape=shape, dtype=np.int32, meta=codes_meta))
            labels = self.groups.classes[self.groups.klass[first_groups[run]]]
            task = dask.delayed(_repeat_labels)(labels, counts, self.y._meta)
            label_blocks.append(
                da.from_delayed(task, shape=(int(counts.sum()),), dtype=self.y.dtype, meta=self.y._meta)
            )
        return blocks, label_blocks, code_blocks

    def _holder(self):
        """The index of the partition that holds each group (-1: none)."""
        holder = np.full(self.groups.n_groups, -1, dtype=np.int64)
        for i, (part_ids, _) in enumerate(self._partitions):
            holder[part_ids] = i
        return holder

    def _sources(self, items, inter, holder):
        """What a generation task reads, and the ids of the groups it holds: the partition holding
        every group it needs, or else a view built (in a task of its own) from only those groups,
        taken out of their partitions. ``holder``: :meth:`_holder`."""
        needed = np.unique(items)
        needed = np.union1d(needed, self.rule.companions(self.groups, needed, inter))
        owners = np.unique(holder[needed])
        if owners.size == 1:
            return self._partitions[owners[0]][::-1]
        pieces = []
        for owner in owners.tolist():
            part_ids, part = self._partitions[owner]
            pieces.append(dask.delayed(_extract)(part, np.searchsorted(part_ids, needed[holder[needed] == owner])))
        view = dask.delayed(_build_partition)(
            pieces, self.groups, self.k, self.options, self.backend_name, np.zeros(0, dtype=np.int64), self.mixed
        )
        return view, needed

    def _searched(self, source, source_ids, group_ids):
        """``source`` with the kNN tables of its cell-searched groups among ``group_ids`` made by
        tasks of ``SEARCH_TASK_CELLS`` cells each (the single machine's tables: each cell is
        searched on its own), so one large group's search runs on several workers."""
        lengths = self.groups.lengths[group_ids]
        large = uses_cell_search(lengths, self.k, self.options.get("search"), self.options.get("estimator"))
        if not large.any():
            return source
        local, tables = np.searchsorted(source_ids, group_ids[large]), []
        for g, n in zip(local.tolist(), lengths[large].tolist()):
            prepared = dask.delayed(_prepare_search)(source, g)
            starts = list(range(0, -(-n // CELL_ROWS), SEARCH_TASK_CELLS))
            stops = [*starts[1:], None]  # the last range takes every cell left
            ranges = [dask.delayed(_search_cells)(prepared, a, b) for a, b in zip(starts, stops)]
            tables.append(dask.delayed(_joined_table)(ranges, n))
        return dask.delayed(_with_knn)(source, local, tables)

    def _ensure(self, group_ids, summed=(), inter=False):
        """Shuffle the rows of the groups no partition holds yet (and their companions) into new partitions.

        Partitions already built (and their neighbour tables) are kept: a later
        request for more groups (e.g. generation after the density's filtered
        groups) computes only the groups it adds. ``summed``: groups whose distance
        sums the new partitions compute as they are built.
        """
        group_ids = np.asarray(group_ids, dtype=np.int64)
        wanted = np.union1d(group_ids, self.rule.companions(self.groups, group_ids, inter))
        missing = np.setdiff1d(wanted, self._group_ids)
        if missing.size == 0:
            return
        self._group_ids = np.union1d(self._group_ids, missing)
        boundaries = None
        if self.rule.reads_majority:  # a cluster's groups stay in one partition, with their companions
            boundaries = np.flatnonzero(np.diff(self.groups.cluster[missing])) + 1
        bounds = _contiguous_ranges(self.groups.lengths[missing], self.n_partitions, self.task_rows, boundaries)
        held = np.array([self.groups.lengths[missing[a:b]].sum() for a, b in itertools.pairwise(bounds)])
        if held.max() > self.task_rows:  # only a cluster kept whole with its companions can pass the budget
            raise ValueError(
                f"{type(self.rule.oversampler).__name__}'s selection_strategy reads each cluster's majority rows "
                f"with its minority rows: a task would hold {held.max()} rows, above the Dask task budget of "
                f"{self.task_rows} rows. Use selection_strategy='minority', more clusters, or a larger budget. "
                f"{_RAISE_BUDGET}"
            )
        self.largest_task_rows = max(self.largest_task_rows, int(held.max()))
        part_of_group = np.full(self.groups.n_groups, -1, dtype=np.int64)
        for j, (a, b) in enumerate(itertools.pairwise(bounds)):
            part_of_group[missing[a:b]] = j
        n_parts = len(bounds) - 1
        key_table = _key_table(self.groups)
        starts = row_block_starts(self.X)
        code_blocks = itertools.repeat(None) if self.codes is None else self.codes.to_delayed().ravel()
        blocks = zip(
            self.X.to_delayed().ravel(),
            self.y.to_delayed().ravel(),
            self.labels.to_delayed().ravel(),
            starts,
            code_blocks,
        )
        pieces = [
            dask.delayed(_split_block, nout=n_parts)(
                xb, yb, lb, int(s), self.groups, key_table, part_of_group, n_parts, cb
            )
            for xb, yb, lb, s, cb in blocks
        ]
        summed = np.asarray(summed, dtype=np.int64)
        tasks = []
        for j, (a, b) in enumerate(itertools.pairwise(bounds)):
            local_summed = np.flatnonzero(np.isin(missing[a:b], summed))
            build = dask.delayed(_build_partition)
            tasks.append(
                build(
                    [p[j] for p in pieces],
                    self.groups,
                    self.k,
                    self.options,
                    self.backend_name,
                    local_summed,
                    self.mixed,
                )
            )
        persisted = dask.persist(*tasks)
        self._partitions += [
            (missing[a:b], part) for a, b, part in zip(bounds[:-1], bounds[1:], persisted, strict=True)
        ]


def _contiguous_ranges(lengths, n_parts, budget, boundaries=None):
    """Cut points splitting consecutive groups into ranges of similar row counts: ``n_parts`` where
    there are enough groups, more where a range would pass ``budget`` rows.

    ``boundaries``: the only positions a cut may take (sorted; None: any), each cut moved to the
    next one; a range between two of them may then pass the budget.
    """
    if len(lengths) == 0:
        return np.array([0])
    ends = np.cumsum(lengths)
    n = len(lengths)
    allowed = np.arange(1, n + 1) if boundaries is None else np.unique(np.append(np.asarray(boundaries), n))
    targets = ends[-1] * np.arange(1, n_parts) / n_parts
    cuts = np.minimum(np.searchsorted(ends, targets, side="left") + 1, n)
    cuts = allowed[np.searchsorted(allowed, cuts, side="left")]
    bounds = np.unique(np.concatenate([[0], cuts, [n]])).tolist()

    def rows(start, stop):
        return ends[stop - 1] - (ends[start - 1] if start else 0)

    within = [0]
    for a, b in itertools.pairwise(bounds):  # cut again at the last allowed place within the budget
        start = previous = a
        for cut in allowed[(allowed > a) & (allowed <= b)].tolist():
            if rows(start, cut) > budget and previous > start:
                within.append(previous)
                start = previous
            previous = cut
        within.append(b)
    return np.array(within)


def _key_table(groups):
    """Group id of every (cluster code, class code) key; -1 where the group is empty."""
    table = np.full(len(groups.cluster_labels) * len(groups.classes), -1, dtype=np.int64)
    table[groups.keys] = np.arange(groups.n_groups)
    return table


# Cells per task of a large group's cell search (about 8192 rows): a group's search is cut in
# ranges of cells, so that its tasks spread over the workers.
SEARCH_TASK_CELLS = 256
# The sentence every budget error ends with.
_RAISE_BUDGET = "Raise the budget with dask.config.set({'gpu_clover.task-rows': n})."


# ------------------------------------------------------------ block tasks
def _block_groups(y_block, label_block, groups, key_table):
    """The group id of every row of a block (-1: an empty (cluster, class) pair, never asked for)."""
    cluster = np.searchsorted(groups.cluster_labels, to_host(label_block))
    return key_table[cluster * len(groups.classes) + class_codes(y_block, groups.classes)]


def _count_group(y_block, label_block, groups, key_table, g):
    return int((_block_groups(y_block, label_block, groups, key_table) == g).sum())


def _group_rows(X_block, y_block, label_block, groups, key_table, g, first):
    """The block's rows of group ``g`` and their positions in the group (``first`` onwards)."""
    rows = np.flatnonzero(_block_groups(y_block, label_block, groups, key_table) == g)
    return X_block[rows], first + np.arange(len(rows), dtype=np.int64)


def _split_block(X_block, y_block, label_block, start, groups, key_table, part_of_group, n_parts, codes_block=None):
    """The block's rows of every target partition: ``(X rows, group ids, global rows, codes rows)``
    each (codes None without categorical columns)."""
    group = _block_groups(y_block, label_block, groups, key_table)
    part = np.where(group >= 0, part_of_group[np.maximum(group, 0)], -1)
    pieces = []
    for j in range(n_parts):
        rows = np.flatnonzero(part == j)
        pieces.append((X_block[rows], group[rows], rows + start, None if codes_block is None else codes_block[rows]))
    return tuple(pieces)


class _Partition:
    """A partition's ``GroupNeighbors``, the global ids of its groups, the global row of each of its
    rows (host int64, in the partition's order) and where its input blocks lived."""

    def __init__(self, stats, group_ids, rows, placement):
        self.stats, self.group_ids, self.rows, self.placement = stats, group_ids, rows, placement


def _build_partition(pieces, groups, k, options, backend_name, summed, mixed=None):
    """One partition's rows in single-machine order, and their ``GroupNeighbors``.

    ``pieces``: ``(X rows, group id of each, global row of each, codes of each)``; ``summed``:
    the local groups whose distance sums are computed now (with the kNN tables of the same
    pass); ``mixed``: the :class:`MixedDistance` of rows with categorical columns.
    """
    X_parts = [p[0] for p in pieces]
    placement = Placement.of(X_parts[0])
    backend = get_backend(backend_name, like=X_parts[0])
    xp = backend.xp
    group = np.concatenate([p[1] for p in pieces])
    rows = np.concatenate([p[2] for p in pieces])
    order = np.lexsort((rows, group))
    on_host = not placement.on_device
    X_local = backend.asarray(np.concatenate(X_parts)[order] if on_host else xp.concatenate(X_parts)[xp.asarray(order)])
    present, lengths = np.unique(group[order], return_counts=True)
    local = Groups(
        order=xp.arange(len(order), dtype=xp.int64),
        offsets=np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64),
        lengths=lengths.astype(np.int64),
        cluster=groups.cluster[present],
        klass=groups.klass[present],
        cluster_labels=groups.cluster_labels,
        classes=groups.classes,
    )
    categorical = {}
    if mixed is not None:  # SMOTE-NC's distance, each group at its class's penalty, as on one machine
        codes = np.concatenate([p[3] for p in pieces])[order]
        categorical = mixed.keywords(backend, codes, local)
    stats = GroupNeighbors(backend, X_local, local, k, **options, **categorical)
    if len(summed):
        stats.distance_sums(summed)
    return _Partition(stats, present, rows[order], placement)


def _extract(partition, local_ids):
    """The rows of the partition's groups ``local_ids``: a piece for :func:`_build_partition`."""
    groups = partition.stats.groups
    backend = partition.stats.backend
    lengths = groups.lengths[local_ids]
    at = run_indices(get_backend("numpy"), groups.offsets[local_ids], lengths)  # host: rows are host
    X_rows = backend.take(partition.stats.X, backend.asarray(at))
    codes = partition.stats.codes
    codes = None if codes is None else backend.to_host(backend.take(codes, backend.asarray(at)))
    rows = partition.rows[at]
    return partition.placement.wrap(X_rows), np.repeat(partition.group_ids[local_ids], lengths), rows, codes


def _prepare_search(partition, local_id):
    return partition.stats.cell_search(local_id)


def _search_cells(prepared, first, stop):
    return prepared.search(first, stop)


def _joined_table(ranges, n):
    """One group's kNN table from its ranges of cells (each row in exactly one range)."""
    xp = get_backend("auto", like=ranges[0][1]).xp
    table = xp.empty((n, ranges[0][1].shape[1]), dtype=xp.int32)
    for rows, found in ranges:
        table[rows] = found
    return table


def _with_knn(partition, local_ids, tables):
    return _Partition(
        partition.stats.with_knn(local_ids, tables), partition.group_ids, partition.rows, partition.placement
    )


def _distance_sums(partition, local_ids):
    return partition.stats.distance_sums(local_ids)


def _generate_items(partition, items, n_new, seed, out_dtype, rule, inter):
    """The rule's rows of ``items`` (global group ids, or pairs of them), as on one machine, and
    their categorical codes (host int32; None without categorical columns)."""
    stats = partition.stats
    backend = stats.backend
    out = backend.xp.empty((int(n_new.sum()), stats.X.shape[1]), dtype=stats.X.dtype)
    local = np.searchsorted(partition.group_ids, items)
    request = GenerationRequest(stats, local, n_new, seed, out, rule.majority, rule.majority_class)
    generate_rows(rule.oversampler, request, inter)
    out = cast_values(backend.xp, out, out_dtype)[0]  # clipped, never wrapped
    if stats.codes is None:
        return partition.placement.wrap(out), None
    # The single machine's categories: the items' streams are keyed by their group or pair keys,
    # the global ones (local groups carry the global cluster and class codes).
    codes = backend.xp.empty((out.shape[0], stats.codes.shape[1]), dtype=backend.xp.int32)
    generate_categories(rule.oversampler, stats, stats.codes, local, n_new, seed, codes, inter)
    return partition.placement.wrap(out), partition.placement.wrap(codes)


def _repeat_labels(labels, counts, like):
    """``labels[i]`` repeated ``counts[i]`` times, in the array kind of ``like`` (NumPy or CuPy)."""
    return Placement.of(like).wrap(np.repeat(labels, counts).astype(like.dtype))
