"""The backend interface: the array layer and its array-generic primitives.

A backend is an array namespace (``xp``), facts about its device, host<->device
transfers and a few grouped primitives (counts, segment and run sums, take, top-k,
ordered maps of tiles). Every primitive is written against ``self.xp`` (NumPy or
CuPy), so the NumPy path that CI runs is the code the GPU runs; subclasses override
only what their library does better. The algorithms' own GPU work lives in their
engines (``cluster``, ``neighbors``, ``over_sampling``), not here.
"""

import numpy as np

from ._host import host_copy

# Up to this many neighbours, the top-k is k passes of argmin rather than a partition.
_ARGMIN_PASSES_MAX_K = 16


class Backend:
    """Array namespace plus the primitives the algorithm needs.

    Attributes
    ----------
    name : str
        ``"numpy"`` or ``"cupy"``.
    xp : module
        The array namespace.
    """

    name = "base"
    xp = np
    # Groups up to this size share padded batched GEMMs in the exact neighbour engine;
    # larger ones go in row tiles.
    max_bucket_size = 2048
    # Whether ``map_ordered`` runs several items at once (work is only split into items for
    # it where that pays).
    runs_items_at_once = False

    # ------------------------------------------------------------------ data
    def asarray(self, a, dtype=None):
        """``a`` as an array of this backend (no copy when already there)."""
        return self.xp.asarray(a, dtype=dtype)

    def to_host(self, a):
        """``a`` as a NumPy array."""
        return np.asarray(a)

    def to_host_into(self, a, out):
        """Copy ``a`` into the host array ``out`` (same shape)."""
        out[...] = self.to_host(a)

    def copy_into(self, dst, src):
        """``dst[...] = src`` between arrays of this backend (same shape)."""
        dst[...] = src

    def host_copy(self, dst, src):
        """``dst[...] = src`` between host arrays; large plain copies are split among threads."""
        if dst.flags.c_contiguous and src.flags.c_contiguous and dst.dtype == src.dtype and dst.shape == src.shape:
            host_copy(dst, src)
        else:
            dst[...] = src

    def is_native(self, a):
        """Whether ``a`` already lives on this backend."""
        return isinstance(a, self.xp.ndarray)

    def device_name(self):
        """The device in words (for summaries)."""
        raise NotImplementedError

    def synchronize(self):
        """Wait for queued device work (for timings); a no-op on the CPU."""

    def tile_elements(self, itemsize=8):
        """How many scalars one temporary tile may hold."""
        return (256 << 20) // itemsize

    def distance_dtype(self, dtype):
        """Dtype of the distance computations for data of ``dtype``."""
        return np.float64

    def run_tiled(self, function, *args, **kwargs):
        """``function(*args, **kwargs)``, a computation in tiles of :meth:`tile_elements`; a
        backend whose device memory can run out reruns it with smaller tiles."""
        return function(*args, **kwargs)

    # ------------------------------------------------------------ reductions
    def reduce_to_scalar(self, a, op, dtype=None):
        """``a.<op>()`` over every element, as a host scalar (``op``: sum, min, max, all, any)."""
        kwargs = {} if dtype is None else {"dtype": dtype}
        return getattr(a, op)(**kwargs).item()

    def bincount(self, codes, n_bins):
        """int64 count of each code in ``[0, n_bins)``; the caller guarantees the range (no checks)."""
        return self.xp.bincount(codes, minlength=n_bins).astype(self.xp.int64, copy=False)

    def segment_sum(self, values, segment_ids, n_segments):
        """Row sums of ``values`` per segment id: shape ``(n_segments, ...)`` (a scatter-add)."""
        raise NotImplementedError

    def run_sums(self, values, lengths):
        """float64 sums of ``values`` (2-D) over runs of consecutive rows of host ``lengths``.

        Differences of one float64 running sum: the same additions in the same order on
        every call (unlike a scatter-add with atomics on a GPU).
        """
        xp = self.xp
        totals = xp.cumsum(values, axis=0, dtype=xp.float64)
        ends = np.cumsum(lengths) - 1
        sums = totals[self.asarray(ends)]
        sums[1:] -= totals[self.asarray(ends[:-1])]
        return sums

    def first_occurrence(self, codes, n_codes):
        """Index of the first row holding each code (``len(codes)`` for an absent code)."""
        raise NotImplementedError

    def all_finite(self, X):
        """Whether no value of ``X`` is NaN or infinite (a host bool)."""
        return bool(self.reduce_to_scalar(self.xp.isfinite(X), "all"))

    def take(self, a, indices):
        """``a[indices]`` along the first axis (1-D integer ``indices``, all in range)."""
        return a[indices]

    def combined_codes(self, major, minor, n_minor, dtype):
        """``major * n_minor + minor`` as ``dtype`` (e.g. a (cluster, class) group key)."""
        return (major * n_minor + minor).astype(dtype, copy=False)

    def repeat_values(self, values, counts):
        """``np.repeat(values, counts)`` as int64 on the backend (host ``values`` and ``counts``)."""
        xp = self.xp
        ends = np.cumsum(counts, dtype=np.int64)
        total = int(ends[-1]) if len(ends) else 0
        items = xp.searchsorted(xp.asarray(ends), xp.arange(total, dtype=xp.int64), side="right")
        return xp.asarray(np.asarray(values, dtype=np.int64))[items]

    def map_ordered(self, function, items):
        """``function`` over independent work items (tiles), results in the items' order.

        The generic version runs them one by one; a backend may run several at once
        (the caller combines the results in order, so the output does not depend on it).
        """
        return map(function, items)

    def stable_argsort(self, a, axis=-1):
        """Indices sorting ``a`` along ``axis``, equal keys kept in order."""
        return self.xp.argsort(a, axis=axis, kind="stable")

    def topk_smallest(self, d, k):
        """Column indices of the ``k`` smallest entries of each row of ``d``.

        Up to ``_ARGMIN_PASSES_MAX_K``: k passes of argmin, nearest first (a
        vectorised scan per pass, which beats a partition per row for small k,
        and no sort on the GPU). Larger k: a partition, in any order.
        """
        xp = self.xp
        if k > _ARGMIN_PASSES_MAX_K:
            if k >= d.shape[-1]:
                return xp.argsort(d, axis=-1)[..., :k]
            return xp.argpartition(d, k - 1, axis=-1)[..., :k]
        d = d.copy()
        picks = []
        for _ in range(k):
            best = xp.argmin(d, axis=-1)
            picks.append(best)
            xp.put_along_axis(d, best[..., None], xp.inf, axis=-1)
        return xp.stack(picks, axis=-1)
