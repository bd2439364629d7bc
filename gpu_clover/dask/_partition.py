"""Groups on Dask: counts as reductions, then each group's rows gathered in one partition.

The client holds the small group table (a :class:`~gpu_clover._groups.Groups`
without ``order``). The rows of the groups that need them (the density's
filtered groups, the groups that receive synthetic rows) are shuffled so that
every group lies whole in one partition: contiguous ranges of group ids, one
range per partition, rows sorted by (group, global row index), i.e. the
single-machine order. Each partition then builds a local ``Groups`` with the
*global* cluster and class codes (so the group keys, which seed the random
streams, are the single-machine ones) and a ``GroupNeighbors``: its distance
sums feed the distribution, its kNN tables the generation. The result does
not depend on how the input is chunked or on how many workers run it.
"""

import itertools

import dask
import dask.array as da
import numpy as np

from .._casting import cast_values
from .._groups import Groups
from .._placement import Placement
from ..backends import get_backend
from ..neighbors import GroupNeighbors
from ..neighbors._group_neighbors import DENSITY_PAIRS, sum_keys
from ..over_sampling._generation import smote_intra
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


class DaskGroupStats:
    """The ``stats`` a distributor and SMOTE consume, computed on the workers.

    ``distance_sums(group_ids)`` shuffles those groups' rows into partitions
    (persisted on the workers, with their kNN tables) and brings back one float
    per group; ``generate`` reuses these partitions and shuffles only the
    groups none of them holds.
    """

    def __init__(self, X, y, labels, groups, k_neighbors, options, backend_name, n_partitions, task_rows):
        self.X, self.y, self.labels, self.groups = X, y, labels, groups
        self.k, self.options = int(k_neighbors), options  # the single-machine GroupNeighbors' settings
        self.backend_name, self.n_partitions = backend_name, n_partitions
        self.task_rows = int(task_rows)
        self._group_ids = np.zeros(0, dtype=np.int64)
        self._partitions = []  # (group ids of the partition, persisted _Partition)
        self._split = {}  # group id -> SplitGroup, for the groups above ``task_rows``
        self.largest_task_rows = 0

    def distance_sums(self, group_ids):
        """Sum of euclidean distances over ordered pairs of rows, per group (host float64)."""
        group_ids = np.asarray(group_ids, dtype=np.int64)
        split = self._is_split(group_ids)
        self._ensure(group_ids[~split])
        ids = [p for p, _ in self._partitions]
        sums = dask.compute(*[dask.delayed(_distance_sums)(part) for _, part in self._partitions])
        table = dict(zip(np.concatenate(ids).tolist() if ids else [], np.concatenate(sums).tolist() if sums else []))
        for g in group_ids[split].tolist():
            table[g] = self._split_group(g, "a distance sum").distance_sum()
        return np.array([table[g] for g in group_ids.tolist()], dtype=np.float64)

    def _is_split(self, group_ids):
        return self.groups.lengths[group_ids] > self.task_rows

    def _split_group(self, g, purpose):
        """The :class:`SplitGroup` of group ``g`` (above the row budget), made on first use."""
        if g not in self._split:
            if self.options.get("search") == "exact" or self.options.get("estimator") is not None:
                raise ValueError(
                    f"A group of {self.groups.lengths[g]} rows is above the Dask task budget of {self.task_rows} rows, "
                    f"and {purpose} by exact search or a NearestNeighbors estimator needs the whole group in one task. "
                    "Raise the budget (dask.config.set({'gpu_clover.task-rows': n})) or use neighbor_search='auto' "
                    "with an int k_neighbors."
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

    def generate(self, group_ids, n_new, seed, out_dtype):
        """Lazy synthetic rows and labels in ascending group id order.

        One dask array block per run of consecutive receiving groups that share a
        partition (a run never spans two partitions).
        """
        order = np.argsort(group_ids, kind="stable")
        group_ids, n_new = np.asarray(group_ids)[order], np.asarray(n_new)[order]
        split = self._is_split(group_ids)
        self._ensure(group_ids[~split])
        holder = {g: i for i, (part_ids, _) in enumerate(self._partitions) for g in part_ids.tolist()}
        holder.update({g: -1 - g for g in group_ids[split].tolist()})  # a split group is a run of its own
        owners = np.array([holder[g] for g in group_ids.tolist()], dtype=np.int64)
        cuts = np.flatnonzero(np.diff(owners)) + 1
        blocks, label_blocks = [], []
        meta = self.X._meta.astype(out_dtype)
        for run in np.split(np.arange(len(group_ids)), cuts):
            if run.size == 0 or n_new[run].sum() == 0:
                continue
            if owners[run[0]] < 0:
                g = int(group_ids[run[0]])
                placement = Placement.of(self.X._meta)
                for size, task in self._split_group(g, "SMOTE").generate(
                    n_new[run[0]], out_dtype, self.task_rows, placement.wrap
                ):
                    blocks.append(da.from_delayed(task, shape=(size, self.X.shape[1]), dtype=out_dtype, meta=meta))
                    labels = self.groups.classes[self.groups.klass[[g]]]
                    task = dask.delayed(_repeat_labels)(labels, np.array([size]), self.y._meta)
                    label_blocks.append(da.from_delayed(task, shape=(size,), dtype=self.y.dtype, meta=self.y._meta))
                self.largest_task_rows = max(self.largest_task_rows, self._split[g].largest_task_rows)
                continue
            part = self._partitions[owners[run[0]]][1]
            mine, counts = group_ids[run], n_new[run]
            task = dask.delayed(_generate_partition)(part, mine, counts, seed, out_dtype)
            blocks.append(da.from_delayed(task, shape=(int(counts.sum()), self.X.shape[1]), dtype=out_dtype, meta=meta))
            labels = self.groups.classes[self.groups.klass[mine]]
            task = dask.delayed(_repeat_labels)(labels, counts, self.y._meta)
            label_blocks.append(
                da.from_delayed(task, shape=(int(counts.sum()),), dtype=self.y.dtype, meta=self.y._meta)
            )
        return blocks, label_blocks

    def _ensure(self, group_ids):
        """Shuffle the rows of the groups no partition holds yet into new partitions.

        Partitions already built (and their neighbour tables) are kept: a later
        request for more groups (e.g. generation after the density's filtered
        groups) computes only the groups it adds.
        """
        missing = np.setdiff1d(np.asarray(group_ids, dtype=np.int64), self._group_ids)
        if missing.size == 0:
            return
        self._group_ids = np.union1d(self._group_ids, missing)
        bounds = _contiguous_ranges(self.groups.lengths[missing], self.n_partitions, self.task_rows)
        for a, b in itertools.pairwise(bounds):
            self.largest_task_rows = max(self.largest_task_rows, int(self.groups.lengths[missing[a:b]].sum()))
        part_of_group = np.full(self.groups.n_groups, -1, dtype=np.int64)
        for j, (a, b) in enumerate(itertools.pairwise(bounds)):
            part_of_group[missing[a:b]] = j
        n_parts = len(bounds) - 1
        key_table = _key_table(self.groups)
        starts = row_block_starts(self.X)
        blocks = zip(self.X.to_delayed().ravel(), self.y.to_delayed().ravel(), self.labels.to_delayed().ravel(), starts)
        pieces = [
            dask.delayed(_split_block, nout=n_parts)(xb, yb, lb, int(s), self.groups, key_table, part_of_group, n_parts)
            for xb, yb, lb, s in blocks
        ]
        tasks = [
            dask.delayed(_build_partition)([p[j] for p in pieces], self.groups, self.k, self.options, self.backend_name)
            for j in range(n_parts)
        ]
        persisted = dask.persist(*tasks)
        self._partitions += [
            (missing[a:b], part) for a, b, part in zip(bounds[:-1], bounds[1:], persisted, strict=True)
        ]


def _contiguous_ranges(lengths, n_parts, budget):
    """Cut points splitting consecutive groups into ranges of similar row counts: at least
    ``n_parts`` where there are enough groups, and none above ``budget`` rows but a single group."""
    if len(lengths) == 0:
        return np.array([0])
    ends = np.cumsum(lengths)
    targets = ends[-1] * np.arange(1, n_parts) / n_parts
    cuts = np.searchsorted(ends, targets, side="left") + 1
    bounds = np.unique(np.concatenate([[0], np.minimum(cuts, len(lengths)), [len(lengths)]]))
    within = [0]
    for a, b in itertools.pairwise(bounds.tolist()):
        start = a
        for i in range(a + 1, b):  # a range's rows may not pass the budget: cut before the group that would
            if ends[i] - (ends[start - 1] if start else 0) > budget:
                within.append(i)
                start = i
        within.append(b)
    return np.array(within)


def _key_table(groups):
    """Group id of every (cluster code, class code) key; -1 where the group is empty."""
    table = np.full(len(groups.cluster_labels) * len(groups.classes), -1, dtype=np.int64)
    table[groups.keys] = np.arange(groups.n_groups)
    return table


# ------------------------------------------------------------ block tasks
def _block_groups(y_block, label_block, groups, key_table):
    """The group id of every row of a block (-1: a group with no rows, never asked for)."""
    cluster = np.searchsorted(groups.cluster_labels, to_host(label_block))
    return key_table[cluster * len(groups.classes) + class_codes(y_block, groups.classes)]


def _count_group(y_block, label_block, groups, key_table, g):
    return int((_block_groups(y_block, label_block, groups, key_table) == g).sum())


def _group_rows(X_block, y_block, label_block, groups, key_table, g, first):
    """The block's rows of group ``g`` and their positions in the group (``first`` onwards)."""
    rows = np.flatnonzero(_block_groups(y_block, label_block, groups, key_table) == g)
    return X_block[rows], first + np.arange(len(rows), dtype=np.int64)


def _split_block(X_block, y_block, label_block, start, groups, key_table, part_of_group, n_parts):
    """The block's rows of every target partition: ``(X rows, group ids, global rows)`` each."""
    group = _block_groups(y_block, label_block, groups, key_table)
    part = np.where(group >= 0, part_of_group[np.maximum(group, 0)], -1)
    pieces = []
    for j in range(n_parts):
        rows = np.flatnonzero(part == j)
        pieces.append((X_block[rows], group[rows], rows + start))
    return tuple(pieces)


class _Partition:
    """A partition's ``GroupNeighbors``, the global ids of its groups, and where its input blocks lived."""

    def __init__(self, stats, group_ids, placement):
        self.stats, self.group_ids, self.placement = stats, group_ids, placement


def _build_partition(pieces, groups, k, options, backend_name):
    """One partition's rows in single-machine order, and their ``GroupNeighbors`` (distance sums computed)."""
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
    stats = GroupNeighbors(backend, X_local, local, k, **options)
    stats.distance_sums(np.arange(local.n_groups))
    return _Partition(stats, present, placement)


def _distance_sums(partition):
    return partition.stats.distance_sums(np.arange(len(partition.group_ids)))


def _generate_partition(partition, group_ids, n_new, seed, out_dtype):
    """SMOTE inside the partition's groups (global ids ``group_ids``), as on one machine."""
    stats = partition.stats
    out = stats.backend.xp.empty((int(n_new.sum()), stats.X.shape[1]), dtype=stats.X.dtype)
    smote_intra(stats, np.searchsorted(partition.group_ids, group_ids), n_new, seed, out)
    out = cast_values(stats.backend.xp, out, out_dtype)[0]  # clipped, never wrapped
    return partition.placement.wrap(out)


def _repeat_labels(labels, counts, like):
    """``labels[i]`` repeated ``counts[i]`` times, in the array kind of ``like`` (NumPy or CuPy)."""
    return Placement.of(like).wrap(np.repeat(labels, counts).astype(like.dtype))
