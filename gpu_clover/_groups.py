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
        if low >= 0 and high < _COUNTED_LABELS:
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
