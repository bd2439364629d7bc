"""The backend interface and its array-generic primitives.

Every primitive is written against ``self.xp`` (NumPy or CuPy), so the NumPy path
that CI runs is the code the GPU runs. Subclasses override only what their
library does better (a scatter-add, a top-k, a fused kernel).
"""

import numpy as np

from .._random import draw_bits, stream_bases
from ._host import host_copy

# Up to this many neighbours, the top-k is k passes of argmin rather than a partition.
_ARGMIN_PASSES_MAX_K = 16
# Padded sizes of small groups in the segmented pass (a batched GEMM per bucket).
_BUCKET_SIZES = tuple(sorted({round(2 ** (p / 2)) for p in range(4, 23)}))  # 4 .. 2048, steps of sqrt(2)


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
    # Groups up to this size share padded batched GEMMs; larger ones go in exact row tiles.
    max_bucket_size = _BUCKET_SIZES[-1]

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
        vectorised scan per pass; 10x faster than a partition per row on the
        CPU, and no sort on the GPU). Larger k: a partition, in any order.
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

    # ------------------------------------------------------------- distances
    def sq_distances(self, a, b, b_sq=None, a_sq=None):
        """Squared euclidean distances between rows (batched over leading axes)."""
        xp = self.xp
        if a_sq is None:
            a_sq = (a * a).sum(axis=-1)
        if b_sq is None:
            b_sq = (b * b).sum(axis=-1)
        d = xp.matmul(a * -2, xp.swapaxes(b, -1, -2))  # scaling the small operand: exact, one pass fewer
        d += a_sq[..., :, None]
        d += b_sq[..., None, :]
        return xp.maximum(d, 0, out=d)

    def nearest_center(self, X, centers, with_distances=False):
        """Label of the closest center for every row (and its squared distance), in row tiles."""
        xp = self.xp
        n = X.shape[0]
        labels = xp.empty(n, dtype=xp.int32)
        min_sq = xp.empty(n, dtype=X.dtype) if with_distances else None
        scaled = xp.ascontiguousarray(-2 * centers.T)  # OpenBLAS is 10x slower on the F-ordered view
        c_sq = (centers * centers).sum(axis=1)
        step = max(1, self.tile_elements(X.itemsize) // max(1, centers.shape[0]))

        def row_tile(start):  # writes its own rows only
            block = X[start : start + step]
            d = xp.matmul(block, scaled)
            d += c_sq[None, :]
            lab = xp.argmin(d, axis=1)
            labels[start : start + step] = lab
            if with_distances:
                best = xp.take_along_axis(d, lab[:, None], axis=1)[:, 0]
                best += (block * block).sum(axis=1)
                min_sq[start : start + step] = xp.maximum(best, 0)

        for _ in self.map_ordered(row_tile, range(0, n, step)):
            pass
        return (labels, min_sq) if with_distances else labels

    # ---------------------------------------------------------------- k-means
    def minmax_scaled(self, X):
        """float32 ``X`` scaled per feature to [0, 1] (a constant feature becomes 0)."""
        xp = self.xp
        low, high = X.min(axis=0), X.max(axis=0)
        with np.errstate(over="ignore"):
            span = high - low
        if not self.all_finite(span):
            # The range overflows X's dtype: halving every value (exact but for subnormals) keeps
            # every difference finite, with the same quotients.
            X, low, span = X / 2, low / 2, high / 2 - low / 2
        return ((X - low) / xp.where(span > 0, span, 1)).astype(xp.float32)

    def centered_columns(self, X):
        """``(X - its column means, the means)``: a new array of X's dtype, and float64 host means."""
        mean = X.mean(axis=0, dtype=self.xp.float64)
        return X - mean.astype(X.dtype), np.asarray(self.to_host(mean), dtype=np.float64)

    def mean_feature_variance(self, X):
        """The mean over features of each feature's variance (scikit-learn's scale for ``tol``)."""
        return float(self.xp.var(X, axis=0).mean())

    def kmeans_plusplus(self, X, first, uniforms):
        """Greedy k-means++ seeding: row indices (int64, ``len(uniforms) + 1``) of the chosen centers.

        ``first`` (a one-element index array) is the first center; step ``c``
        draws ``uniforms.shape[1]`` candidates by D² sampling from
        ``uniforms[c - 1]`` (float64 in [0, 1)) and keeps the one that lowers
        the potential most.
        """
        xp = self.xp
        n = X.shape[0]
        chosen = xp.empty(uniforms.shape[0] + 1, dtype=xp.int64)
        chosen[0] = first[0]
        x_sq = (X * X).sum(axis=1)
        closest = self.sq_distances(X[first], X, b_sq=x_sq)[0].astype(xp.float64)
        for c in range(1, chosen.shape[0]):
            cumulative = xp.cumsum(closest)
            candidates = xp.minimum(xp.searchsorted(cumulative, uniforms[c - 1] * cumulative[-1]), n - 1)
            trial = xp.minimum(closest[None, :], self.sq_distances(X[candidates], X, b_sq=x_sq))
            best = xp.argmin(trial.sum(axis=1))
            closest = trial[best]
            chosen[c] = candidates[best]
        return chosen

    def som_epoch(self, X, weights, grid_sq, width, learning_rate):
        """One batch-SOM epoch: each neuron moves towards the mean of the rows won by its
        neighbourhood, weighted by ``exp(-grid_sq / (2 width^2))`` (``grid_sq``: float64 squared
        distances between neurons on the map), at ``learning_rate``."""
        xp = self.xp
        n_neurons = weights.shape[0]
        influence = xp.exp(-grid_sq / (2 * width * width)).astype(X.dtype)
        winners = self.nearest_center(X, weights)
        counts = xp.bincount(winners, minlength=n_neurons).astype(X.dtype)
        sums = self.segment_sum(X, winners, n_neurons)
        numerator = xp.matmul(influence, sums)
        denominator = xp.matmul(influence, counts)
        reached = denominator > 1e-12
        target = numerator / xp.where(reached, denominator, 1)[:, None]
        return xp.where(reached[:, None], weights + learning_rate * (target - weights), weights)

    def lloyd_step(self, X, centers):
        """One Lloyd iteration: ``(new_centers, counts, shift)``.

        ``new_centers`` are the means of the rows closest to each center (an
        empty center keeps its place), ``counts`` the rows per center (host
        int64) and ``shift`` the squared center shift summed over centers (host
        float): one host synchronization.
        """
        xp = self.xp
        k = centers.shape[0]
        labels = self.nearest_center(X, centers)
        counts = self.bincount(labels, k)
        new = self.segment_sum(X, labels, k) / xp.maximum(counts, 1)[:, None].astype(X.dtype)
        new = xp.where((counts == 0)[:, None], centers, new)
        shift = ((new - centers) ** 2).sum()
        report = self.to_host(xp.concatenate([shift[None].astype(xp.float64), counts.astype(xp.float64)]))
        return new, report[1:].astype(np.int64), float(report[0])

    # ------------------------------------------------------- segmented pass
    def segmented_neighbors(self, X, rows, offsets, lengths, k, with_sums=True):
        """k nearest neighbours inside each group and each group's distance sum, in one pass.

        ``rows[offsets[g] : offsets[g] + lengths[g]]`` are the rows of X forming
        group g. Returns ``(table, sums)``:

        - ``table``: int32 ``(sum(lengths), max(k, 1))`` of *local* neighbour
          indices (0 .. lengths[g] - 1), groups concatenated in order. A row is
          never its own neighbour (removed by index, so duplicates stay valid
          neighbours); slots beyond ``lengths[g] - 1`` must not be used.
        - ``sums``: float64 ``(n_groups,)``, the sum of euclidean distances over
          all ordered pairs of the group's rows (the density's numerator). Without
          ``with_sums`` a backend may skip the sums of large groups (NaN there).

        Small groups are padded to a bucket size and share one batched GEMM per
        chunk; large groups go in row tiles against the whole group. Rows are
        centered on their group's mean first, which keeps the GEMM expansion
        accurate. No group's full distance matrix is held beyond one tile.
        """
        xp = self.xp
        lengths = np.asarray(self.to_host(lengths), dtype=np.int64)
        offsets = np.asarray(self.to_host(offsets), dtype=np.int64)
        table_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        table = xp.zeros((int(lengths.sum()), max(k, 1)), dtype=xp.int32)
        sums = xp.zeros(len(lengths), dtype=xp.float64)
        dtype = self.distance_dtype(X.dtype)
        budget = self.tile_elements(np.dtype(dtype).itemsize)
        lower = 1
        buckets = [size for size in _BUCKET_SIZES if size <= self.max_bucket_size]
        chunks = []  # (bucket size, groups) of each batched GEMM
        for size in buckets:
            groups = np.flatnonzero((lengths > lower) & (lengths <= size))
            lower = size
            step = max(1, budget // (size * size * 4))
            chunks += [(size, groups[c0 : c0 + step]) for c0 in range(0, groups.size, step)]

        def bucket_chunk(chunk):
            size, sel = chunk
            block, sq, n_valid, self_col = self.gather_groups(X, rows, offsets[sel], lengths[sel], size, dtype)
            return self.tile_topk_and_sums(block, block, n_valid, self_col, k, b_sq=sq, a_sq=sq)

        for (size, sel), (nn, row_sums) in zip(chunks, self.map_ordered(bucket_chunk, chunks)):
            self.scatter_groups(table, sums, table_starts[sel], sel, lengths[sel], nn, row_sums)

        def large_group(g):
            one = slice(g, g + 1)
            block, sq, n_valid, self_col = self.gather_groups(
                X, rows, offsets[one], lengths[one], int(lengths[g]), dtype
            )
            return self.large_group_neighbors(
                block[0], k, members_sq=sq[0], limits=(n_valid, self_col), with_sums=with_sums
            )

        large = np.flatnonzero(lengths > buckets[-1])
        for g, (nn, total) in zip(large, self.map_ordered(large_group, large)):
            one = slice(g, g + 1)
            self.scatter_groups(
                table, sums, table_starts[one], np.array([g]), lengths[one], nn, xp.asarray(total, dtype=xp.float64)
            )
        return table, sums

    def gather_groups(self, X, rows, starts, lengths, size, dtype):
        """Each group's rows, centered on the group's mean and zero-padded to ``size`` rows.

        Group g is ``X[rows[starts[g] : starts[g] + lengths[g]]]`` (``starts`` and
        ``lengths``: host int64). Returns ``(block, sq, n_valid, self_col)``: the
        rows as ``(n_groups, size, d)`` of ``dtype``, their squared norms
        ``(n_groups, size)``, and per padded row (flat, ``n_groups * size``) the
        number of valid columns of its group (0 for a padding row) and its own
        column: what :meth:`tile_topk_and_sums` takes.
        """
        xp = self.xp
        if len(lengths) == 1 and lengths[0] == size:  # one whole group (the large-group path): no padding
            block = X[rows[int(starts[0]) : int(starts[0]) + size]].astype(dtype, copy=False)
            block = (block - block.mean(axis=0))[None]
            n_valid = xp.full(size, size, dtype=xp.int64)
            return block, (block * block).sum(axis=-1), n_valid, xp.arange(size)
        lens = xp.asarray(lengths)
        local = xp.arange(size)
        valid = local[None, :] < lens[:, None]
        index = xp.asarray(starts)[:, None] + xp.where(valid, local[None, :], 0)
        block = X[rows[index]].astype(dtype, copy=False)
        means = (block * valid[:, :, None]).sum(axis=1) / lens[:, None].astype(dtype)  # stays in dtype
        block = block - means[:, None, :]
        block *= valid[:, :, None]
        # Rows past a group's end get no valid column: they add nothing.
        n_valid = xp.where(valid, lens[:, None], 0).reshape(-1)
        return block, (block * block).sum(axis=-1), n_valid, xp.tile(local, len(lengths))

    def scatter_groups(self, table, sums, table_starts, group_ids, lengths, nn, row_sums):
        """Place each group's neighbour rows and add up its distance sums.

        ``nn`` holds ``m`` rows per group (``m = len(nn) // n_groups``, the first
        ``lengths[g]`` of them real): they go to ``table`` from row
        ``table_starts[g]`` on. ``row_sums`` holds ``r`` values per group (its
        rows' distance sums, or its total) in group order; their sum is added to
        ``sums[group_ids[g]]``. Host int64 ``table_starts``, ``group_ids``, ``lengths``.
        """
        xp = self.xp
        n_groups = len(group_ids)
        m = nn.shape[0] // n_groups
        kk = nn.shape[1]
        local = np.arange(m)
        valid = local[None, :] < lengths[:, None]
        dest = (table_starts[:, None] + local[None, :])[valid]
        table[xp.asarray(dest), :kk] = nn[xp.asarray(valid.reshape(-1))]
        sums[xp.asarray(group_ids)] += row_sums.reshape(n_groups, -1).sum(axis=1)

    def large_group_neighbors(self, members, k, members_sq=None, limits=None, with_sums=True):
        """One large group's kNN table (local indices) and its ordered-pairs distance sum.

        ``members`` are the group's rows, centered; ``members_sq`` their squared
        norms and ``limits`` each row's ``(n_valid, self_col)`` (all rows, its own
        index), when known. Row tiles against the whole group; returns int32
        ``(n, max(k, 1))`` (any order within a row; the row itself excluded;
        columns from ``n - 1`` on unused) and a float64 scalar (a 0-d array; the
        tiles give it at no extra cost, so ``with_sums`` is not needed here).
        """
        xp = self.xp
        n_g = members.shape[0]
        if members_sq is None:
            members_sq = (members * members).sum(axis=1)
        step = max(1, self.tile_elements(members.itemsize) // (2 * n_g))
        table = xp.zeros((n_g, max(k, 1)), dtype=xp.int32)
        total = xp.zeros(1, dtype=xp.float64)
        n_valid, self_col = limits if limits is not None else (xp.full(n_g, n_g, dtype=xp.int64), xp.arange(n_g))

        def row_tile(r0):
            tile = slice(r0, r0 + step)
            return self.tile_topk_and_sums(
                members[tile], members, n_valid[tile], self_col[tile], k, b_sq=members_sq, a_sq=members_sq[tile]
            )

        starts = range(0, n_g, step)
        for r0, (nn, row_sums) in zip(starts, self.map_ordered(row_tile, starts)):
            self.scatter_groups(table, total, np.array([r0]), np.array([0]), np.array([nn.shape[0]]), nn, row_sums)
        return table, total[0]

    def tile_topk_and_sums(self, a, b, n_valid, self_col, k, b_sq=None, a_sq=None):
        """For each row of ``a``: its k nearest rows of ``b`` and its distance sum.

        Batched over leading axes: ``a`` is ``(..., m, d)``, ``b`` is ``(..., n, d)``,
        and tile row ``i * m + r`` is row r of batch i. Only columns
        ``< n_valid[row]`` count, and column ``self_col[row]`` is the row itself
        (excluded from the neighbours, zero in the sum). ``b_sq`` and ``a_sq``
        (optional) hold the squared norms of ``b``'s and ``a``'s rows. Returns int32 indices
        ``(rows, min(k, n))`` (any order; ``(rows, 1)`` when ``k <= 0``) and
        float64 sums ``(rows,)``. A backend may fuse the distance epilogue into
        the reduction instead of materialising the distance tile.
        """
        xp = self.xp
        d = self.sq_distances(a, b, b_sq=b_sq, a_sq=a_sq)
        n_cols = d.shape[-1]
        d = d.reshape(-1, n_cols)  # the tile is ours: worked in place from here
        rows = xp.arange(d.shape[0])
        d[rows, self_col] = 0
        xp.sqrt(d, out=d)  # distances: monotone in the squared ones, so the same neighbours
        invalid = None
        if bool((n_valid < n_cols).any()):  # padded columns (small groups share a bucket)
            invalid = xp.arange(n_cols)[None, :] >= n_valid[:, None]
            d[invalid] = 0
        sums = d.sum(axis=1, dtype=xp.float64)
        if k <= 0:
            return xp.zeros((d.shape[0], 1), dtype=xp.int32), sums
        d[rows, self_col] = xp.inf
        if invalid is not None:
            d[invalid] = xp.inf
        return self.topk_smallest(d, min(k, n_cols)).astype(xp.int32), sums

    # --------------------------------------------------------- interpolation
    def plan_rows(self, ends, keys, seed, start, stop):
        """Rows ``start .. stop`` of a generation plan: ``(item, position, stream base)`` per row.

        ``ends`` (host int64): each item's cumulative row count; ``keys`` (host): each item's
        stream key. A row belongs to the first item whose end is past it.
        """
        xp = self.xp
        rows = xp.arange(start, stop, dtype=xp.int64)
        item = xp.searchsorted(xp.asarray(ends), rows, side="right")
        position = rows - xp.asarray(ends - np.diff(ends, prepend=0))[item]
        return item, position, stream_bases(xp, seed, keys)[item]

    def plan_draws(self, bases, position, draws_per_row, first, count):
        """Draws ``draws_per_row * position + first .. + count - 1`` of each row's stream:
        ``(rows, count)`` uint64."""
        xp = self.xp
        draws = xp.arange(first, first + count, dtype=xp.int64)[None, :]
        return draw_bits(xp, bases[:, None], draws_per_row * position[:, None] + draws)

    def fused_smote_intra(self, X, rows, table, keys, n_new, table_starts, lengths, offsets, k_group, seed, out):
        """SMOTE's rows inside groups in one pass, where the backend has a kernel for it.

        Takes the arguments of the generic plan in ``_generation.smote_intra`` (host
        arrays per group: stream keys, rows to make, kNN table starts, lengths,
        offsets in ``rows``, neighbours per row) and must write exactly its rows
        (the same draws) into ``out``. Returns False where there is no such kernel:
        the caller then runs the plan.
        """
        return False

    def fused_geometric_rows(
        self, X, centers, surfaces, majority, strategy, uniforms, truncation_factor, deformation_factor, out
    ):
        """Geometric SMOTE's points (``_geometry.geometric_rows``, surface choice included) in one
        pass, where the backend has a kernel for it; False where there is none (the caller
        computes them)."""
        return False

    def fused_geometric_intra_ends(
        self,
        item,
        position,
        bases,
        draws_per_row,
        rows,
        table,
        table_starts,
        lengths,
        offsets,
        k_group,
        member_starts,
        negative,
    ):
        """Each plan row's ``(center, surface, majority)`` rows for Geometric SMOTE inside groups,
        as the generic code in ``GeometricSMOTE._generate_intra`` draws them (``majority`` None
        without ``negative``), where the backend has a kernel for it; None where there is none."""

    def fused_geometric_inter_ends(
        self, item, position, bases, draws_per_row, rows, first_offsets, first_lengths, second_offsets, second_lengths
    ):
        """Each plan row's ``(center, surface)`` rows for Geometric SMOTE between pairs of groups,
        as ``GeometricSMOTE._generate_inter`` draws them; None where there is no kernel."""

    def fused_nearest_rows(self, X, query_rows, q_offsets, q_lengths, ref_rows, r_offsets, r_lengths, direct):
        """``_geometry.nearest_in_union`` measured directly, without GEMM, for the items marked
        ``direct`` (host bool per item; ``r_offsets`` / ``r_lengths``: host, one row per piece):
        ``(nearest, sq_distance)`` with -1 / inf for the other items, which the caller fills.
        None where the backend has no kernel for it."""

    def fused_smote_inter(
        self, X, rows, keys, n_new, first_offsets, first_lengths, second_offsets, second_lengths, seed, out
    ):
        """SMOTE's rows between pairs of groups in one pass, where the backend has a kernel for
        it: the arguments and draws of the generic plan in ``_generation.smote_inter`` (host
        arrays per pair). False where there is none: the caller runs the plan."""
        return False

    def interpolate(self, X, base_rows, neighbor_rows, gaps, out):
        """``out[i] = X[base_rows[i]] + gaps[i] * (X[neighbor_rows[i]] - X[base_rows[i]])``.

        The difference overflows only between values of opposite signs beyond half
        the float range; those values are formed in two half steps instead, each
        within the segment, so every point is finite.
        """
        xp = self.xp
        step = max(1, self.tile_elements(X.itemsize) // max(1, 3 * X.shape[1]))
        for start in range(0, base_rows.shape[0], step):
            stop = start + step
            base = X[base_rows[start:stop]]
            with np.errstate(over="ignore", invalid="ignore"):  # found below and taken again
                diff = X[neighbor_rows[start:stop]] - base
                diff *= gaps[start:stop, None]
                diff += base
            if not self.all_finite(diff):
                neighbor, gap = X[neighbor_rows[start:stop]], gaps[start:stop, None]
                half = gap * (neighbor * 0.5 - base * 0.5)
                diff = xp.where(xp.isfinite(diff), diff, base + half + half)
            out[start:stop] = diff
        return out
