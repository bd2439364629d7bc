"""The group structure: rows sorted once by (cluster, class).

A *group* is one (cluster, class) pair: the contiguous segment
``order[offsets[g] : offsets[g] + lengths[g]]`` of row indices. Every per-group
computation (counts, densities, kNN, allocation, sampling) is a segmented
operation over these segments, for all groups at once.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Groups:
    """Segments of rows sharing a (cluster, class) pair.

    ``order`` lives on the backend; the per-group arrays are small and on the host.
    ``cluster`` / ``klass`` are codes into ``cluster_labels`` / ``classes``.
    """

    order: object
    offsets: np.ndarray
    lengths: np.ndarray
    cluster: np.ndarray
    klass: np.ndarray
    cluster_labels: np.ndarray
    classes: np.ndarray

    @property
    def n_groups(self):
        return len(self.lengths)

    @property
    def keys(self):
        """A stable integer id per group (seeds its random stream)."""
        return self.cluster.astype(np.int64) * len(self.classes) + self.klass

    def pair_keys(self, first, second):
        """A stable integer id per ordered pair of groups, disjoint from the group ids."""
        n_keys = len(self.cluster_labels) * len(self.classes)
        return n_keys * (1 + self.keys[first]) + self.keys[second]

    def index(self):
        """``{(cluster_label, class_label): group}`` with Python scalars as labels."""
        clusters = self.cluster_labels[self.cluster].tolist()
        classes = self.classes[self.klass].tolist()
        return {(c, k): g for g, (c, k) in enumerate(zip(clusters, classes))}

    def class_counts(self):
        """Rows per class code (host array of length ``len(classes)``)."""
        return np.bincount(self.klass, weights=self.lengths, minlength=len(self.classes)).astype(np.int64)


# Integer labels in [0, this) are encoded by counting instead of sorting.
_COUNTED_LABELS = 1 << 20


def encode_labels(backend, values):
    """Sorted unique values (host) and the int64 code of every entry (on the backend).

    Small non-negative integers (cluster ids, class ids) are encoded in linear
    time with a count and a lookup table; anything else goes through a sort.
    """
    xp = backend.xp
    if values.dtype.kind in "iu" and values.size:
        low, high = backend.reduce_to_scalar(values, "min"), backend.reduce_to_scalar(values, "max")
        if 0 <= low and high < _COUNTED_LABELS:
            # The table is small: built on the host, so the device runs one count and one gather.
            present = np.flatnonzero(backend.to_host(backend.bincount(values, high + 1)))
            lookup = np.zeros(high + 1, dtype=np.int64)
            lookup[present] = np.arange(present.shape[0])
            return present.astype(values.dtype), backend.take(backend.asarray(lookup), values)
    uniques, codes = xp.unique(values, return_inverse=True)
    return backend.to_host(uniques), codes.reshape(-1).astype(xp.int64)


def build_groups(backend, cluster_codes, class_codes, cluster_labels, classes):
    """Sort the rows by (cluster, class) once and describe the non-empty groups."""
    xp = backend.xp
    n_classes = len(classes)
    # NumPy radix-sorts 16-bit keys in linear time.
    small = len(cluster_labels) * n_classes < 2**15
    key = backend.combined_codes(cluster_codes, class_codes, n_classes, xp.int16 if small else xp.int64)
    order = backend.stable_argsort(key)
    counts = backend.to_host(backend.bincount(key, len(cluster_labels) * n_classes))
    present = np.flatnonzero(counts)
    lengths = counts[present].astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return Groups(
        order=order,
        offsets=offsets,
        lengths=lengths,
        cluster=present // n_classes,
        klass=present % n_classes,
        cluster_labels=np.asarray(cluster_labels),
        classes=np.asarray(classes),
    )


class GroupNeighbors:
    """Per-group kNN tables and distance sums, computed together once per fit.

    The density (distribution stage) needs each filtered group's distance sum;
    SMOTE (generation stage) needs the k nearest neighbours inside the same
    groups. Both come from the same distance tiles, so the first request
    computes both in one fused pass (``Backend.segmented_neighbors``) and later
    requests for the same groups are served from memory.
    """

    def __init__(self, backend, X, groups, k_neighbors=0, timer=None):
        from ._timing import NullTimer

        self.backend, self.X, self.groups, self.k = backend, X, groups, int(k_neighbors)
        self.timer = timer or NullTimer()
        self._sums = np.full(groups.n_groups, np.nan)
        self._starts = np.full(groups.n_groups, -1, dtype=np.int64)
        self._table = None

    def _ensure(self, group_ids):
        missing = np.unique(group_ids[self._starts[group_ids] < 0])
        if missing.size == 0:
            return
        with self.timer.stage("neighbors"):
            offsets, lengths = self.groups.offsets[missing], self.groups.lengths[missing]
            table, sums = self.backend.segmented_neighbors(self.X, self.groups.order, offsets, lengths, self.k)
            done = 0 if self._table is None else self._table.shape[0]
            self._starts[missing] = done + np.concatenate([[0], np.cumsum(lengths)[:-1]])
            self._sums[missing] = self.backend.to_host(sums)
            self._table = table if self._table is None else self._joined(self._table, table)

    def _joined(self, first, second):
        """The rows of ``first`` then ``second`` (device copies, no kernel)."""
        joined = self.backend.xp.empty((first.shape[0] + second.shape[0],) + first.shape[1:], dtype=first.dtype)
        self.backend.copy_into(joined[: first.shape[0]], first)
        self.backend.copy_into(joined[first.shape[0] :], second)
        return joined

    def distance_sums(self, group_ids):
        """Sum of euclidean distances over ordered pairs of rows, per group (host float64)."""
        group_ids = np.asarray(group_ids, dtype=np.int64)
        self._ensure(group_ids)
        return self._sums[group_ids]

    def knn(self, group_ids):
        """``(table, starts)``: rows ``starts[i] ..`` of ``table`` hold group ``group_ids[i]``'s neighbours."""
        group_ids = np.asarray(group_ids, dtype=np.int64)
        self._ensure(group_ids)
        return self._table, self._starts[group_ids]
