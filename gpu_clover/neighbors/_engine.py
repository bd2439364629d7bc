"""The exact grouped neighbour engine: each group's k nearest neighbours and distance sum.

Small groups are padded to a bucket size and share batched GEMMs; large groups go in row
tiles against the whole group. The array-generic :class:`NeighborEngine` is the
specification; :class:`NumPyNeighborEngine` hands very large groups to scikit-learn's
compiled search on the CPU, and the GPU engine (``_engine_cupy``) fuses the gathering,
centering and top-k into kernels (``kernels/segments.cu``).
"""

import numpy as np

from ..backends._host import without_self
from ..backends._numpy import _POOL
from ._mismatch import MismatchIndex, add_mismatches

# Padded sizes of small groups in the segmented pass (a batched GEMM per bucket).
BUCKET_SIZES = tuple(sorted({round(2 ** (p / 2)) for p in range(4, 23)}))  # 4 .. 2048, steps of sqrt(2)
# Groups from this size on take scikit-learn's kNN search on the CPU: its fixed cost per
# call (which grows with the cores) is then below the row tiles' (the crossover is measured
# by benchmarks/numpy_large_group_probe.py).
SEARCH_MIN_ROWS = 8192
# Query rows times group rows of one scikit-learn search call.
SEARCH_CHUNK_PAIRS = 1 << 25


def sq_distances(xp, a, b, b_sq=None, a_sq=None):
    """Squared euclidean distances between rows (batched over leading axes)."""
    if a_sq is None:
        a_sq = (a * a).sum(axis=-1)
    if b_sq is None:
        b_sq = (b * b).sum(axis=-1)
    d = xp.matmul(a * -2, xp.swapaxes(b, -1, -2))  # scaling the small operand: exact, one pass fewer
    d += a_sq[..., :, None]
    d += b_sq[..., None, :]
    return xp.maximum(d, 0, out=d)


class NeighborEngine:
    """Exact grouped neighbours on ``backend`` (any array namespace)."""

    def __init__(self, backend):
        self.backend, self.xp = backend, backend.xp

    def segmented_neighbors(self, X, rows, offsets, lengths, k, with_sums=True, codes=None, penalties=None):
        """k nearest neighbours inside each group and each group's distance sum, in one pass.

        ``rows[offsets[g] : offsets[g] + lengths[g]]`` are the rows of X forming
        group g. Returns ``(table, sums)``:

        - ``table``: int32 ``(sum(lengths), max(k, 1))`` of *local* neighbour
          indices (0 .. lengths[g] - 1), groups concatenated in order. A row is
          never its own neighbour (removed by index, so duplicates stay valid
          neighbours); slots beyond ``lengths[g] - 1`` must not be used.
        - ``sums``: float64 ``(n_groups,)``, the sum of euclidean distances over
          all ordered pairs of the group's rows (the density's numerator). Without
          ``with_sums`` an engine may skip the sums of large groups (NaN there).

        Small groups are padded to a bucket size and share one batched GEMM per
        chunk; large groups go in row tiles against the whole group. Rows are
        centered on their group's mean first, which keeps the GEMM expansion
        accurate. No group's full distance matrix is held beyond one tile.

        With categorical columns, ``codes`` (signed integers, one row per row of X) and ``penalties``
        (host float64 per group) add ``penalties[g]`` per mismatching column to the squared
        distances (:mod:`._mismatch`).
        """
        return self.backend.run_tiled(
            self._segmented_neighbors, X, rows, offsets, lengths, k, with_sums, codes, penalties
        )

    def _segmented_neighbors(self, X, rows, offsets, lengths, k, with_sums, codes=None, penalties=None):
        xp, backend = self.xp, self.backend
        lengths = np.asarray(backend.to_host(lengths), dtype=np.int64)
        offsets = np.asarray(backend.to_host(offsets), dtype=np.int64)
        table_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        table = xp.zeros((int(lengths.sum()), max(k, 1)), dtype=xp.int32)
        sums = xp.zeros(len(lengths), dtype=xp.float64)
        dtype = backend.distance_dtype(X.dtype)
        budget = backend.tile_elements(np.dtype(dtype).itemsize)
        lower = 1
        buckets = [size for size in BUCKET_SIZES if size <= backend.max_bucket_size]
        chunks = []  # (bucket size, groups) of each batched GEMM
        for size in buckets:
            groups = np.flatnonzero((lengths > lower) & (lengths <= size))
            lower = size
            step = max(1, budget // (size * size * 4))
            chunks += [(size, groups[c0 : c0 + step]) for c0 in range(0, groups.size, step)]

        def bucket_chunk(chunk):
            size, sel = chunk
            block, sq, n_valid, self_col = self.gather_groups(X, rows, offsets[sel], lengths[sel], size, dtype)
            mixed = {}
            if codes is not None:
                block_codes = self.gather_codes(codes, rows, offsets[sel], lengths[sel], size)
                penalty = xp.asarray(np.asarray(penalties)[sel])[:, None, None]
                mixed = {"a_codes": block_codes, "b_codes": block_codes, "penalty": penalty}
            return self.tile_topk_and_sums(block, block, n_valid, self_col, k, b_sq=sq, a_sq=sq, **mixed)

        for (size, sel), (nn, row_sums) in zip(chunks, backend.map_ordered(bucket_chunk, chunks)):
            self.scatter_groups(table, sums, table_starts[sel], sel, lengths[sel], nn, row_sums)

        def large_group(g):
            one = slice(g, g + 1)
            block, sq, n_valid, self_col = self.gather_groups(
                X, rows, offsets[one], lengths[one], int(lengths[g]), dtype
            )
            mixed = {}
            if codes is not None:
                members_codes = codes[rows[int(offsets[g]) : int(offsets[g] + lengths[g])]]
                mixed = {"codes": members_codes, "penalty": float(penalties[g])}
            return self.large_group_neighbors(
                block[0], k, members_sq=sq[0], limits=(n_valid, self_col), with_sums=with_sums, **mixed
            )

        large = np.flatnonzero(lengths > buckets[-1])
        for g, (nn, total) in zip(large, backend.map_ordered(large_group, large)):
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

    def gather_codes(self, codes, rows, starts, lengths, size):
        """Each group's codes, laid out as :meth:`gather_groups` lays out its rows: ``(n_groups, size, p)``
        (a padding row repeats its group's first row; it is masked by ``n_valid``)."""
        xp = self.xp
        local = xp.arange(size)
        lens = xp.asarray(lengths)
        index = xp.asarray(starts)[:, None] + xp.where(local[None, :] < lens[:, None], local[None, :], 0)
        return codes[rows[index]]

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

    def large_group_neighbors(self, members, k, members_sq=None, limits=None, with_sums=True, codes=None, penalty=0.0):
        """One large group's kNN table (local indices) and its ordered-pairs distance sum.

        ``members`` are the group's rows, centered; ``members_sq`` their squared
        norms and ``limits`` each row's ``(n_valid, self_col)`` (all rows, its own
        index), when known. Row tiles against the whole group; returns int32
        ``(n, max(k, 1))`` (any order within a row; the row itself excluded;
        columns from ``n - 1`` on unused) and a float64 scalar (a 0-d array; the
        tiles give it at no extra cost, so ``with_sums`` is not needed here). ``codes``: the
        members' categorical codes, each mismatching column adding ``penalty``.
        """
        xp, backend = self.xp, self.backend
        n_g = members.shape[0]
        if members_sq is None:
            members_sq = (members * members).sum(axis=1)
        step = max(1, backend.tile_elements(members.itemsize) // (2 * n_g))
        table = xp.zeros((n_g, max(k, 1)), dtype=xp.int32)
        total = xp.zeros(1, dtype=xp.float64)
        n_valid, self_col = limits if limits is not None else (xp.full(n_g, n_g, dtype=xp.int64), xp.arange(n_g))

        index = None if codes is None else MismatchIndex(xp, codes)

        def row_tile(r0):
            tile = slice(r0, r0 + step)
            mixed = {} if codes is None else {"a_codes": codes[tile], "b_codes": index, "penalty": penalty}
            return self.tile_topk_and_sums(
                members[tile],
                members,
                n_valid[tile],
                self_col[tile],
                k,
                b_sq=members_sq,
                a_sq=members_sq[tile],
                **mixed,
            )

        starts = range(0, n_g, step)
        for r0, (nn, row_sums) in zip(starts, backend.map_ordered(row_tile, starts)):
            self.scatter_groups(table, total, np.array([r0]), np.array([0]), np.array([nn.shape[0]]), nn, row_sums)
        return table, total[0]

    def tile_topk_and_sums(
        self, a, b, n_valid, self_col, k, b_sq=None, a_sq=None, a_codes=None, b_codes=None, penalty=0.0
    ):
        """For each row of ``a``: its k nearest rows of ``b`` and its distance sum.

        Batched over leading axes: ``a`` is ``(..., m, d)``, ``b`` is ``(..., n, d)``,
        and tile row ``i * m + r`` is row r of batch i. Only columns
        ``< n_valid[row]`` count, and column ``self_col[row]`` is the row itself
        (excluded from the neighbours, zero in the sum). ``b_sq`` and ``a_sq``
        (optional) hold the squared norms of ``b``'s and ``a``'s rows. Returns int32 indices
        ``(rows, min(k, n))`` (any order; ``(rows, 1)`` when ``k <= 0``) and
        float64 sums ``(rows,)``. An engine may fuse the distance epilogue into
        the reduction instead of materialising the distance tile. ``a_codes`` / ``b_codes``
        (categorical codes of the rows, ``(..., m, p)`` / ``(..., n, p)``) add ``penalty`` per
        mismatching column to the squared distances; ``b_codes`` may be a
        :class:`~._mismatch.MismatchIndex` of ``b``'s rows (2-D tiles).
        """
        xp = self.xp
        d = sq_distances(xp, a, b, b_sq=b_sq, a_sq=a_sq)
        if isinstance(b_codes, MismatchIndex):
            b_codes.add(d, a_codes, penalty)
        elif a_codes is not None:
            add_mismatches(xp, d, a_codes, b_codes, penalty)
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
        return self.backend.topk_smallest(d, min(k, n_cols)).astype(xp.int32), sums


class NumPyNeighborEngine(NeighborEngine):
    """On the CPU: groups from ``SEARCH_MIN_ROWS`` rows on take scikit-learn's kNN search."""

    def large_group_neighbors(self, members, k, members_sq=None, limits=None, with_sums=True, codes=None, penalty=0.0):
        # The kNN from scikit-learn's brute-force ArgKmin (compiled, multi-threaded; the row
        # itself removed by index), the distance sum over the upper triangle only, when asked
        # for. Below SEARCH_MIN_ROWS its fixed cost loses to the row tiles; scikit-learn's
        # search knows no categorical penalty, so mixed rows take the row tiles too.
        n_g = members.shape[0]
        if n_g < SEARCH_MIN_ROWS or codes is not None:
            return super().large_group_neighbors(members, k, members_sq, limits, with_sums, codes, penalty)
        from sklearn.neighbors import NearestNeighbors

        table = np.zeros((n_g, max(k, 1)), dtype=np.int32)
        kk = min(k, n_g - 1)
        if kk > 0:
            search = NearestNeighbors(n_neighbors=kk + 1, algorithm="brute").fit(members)
            # Queries in chunks of bounded cost: an interrupt is answered between two of them.
            step = max(1, SEARCH_CHUNK_PAIRS // n_g)
            for r0 in range(0, n_g, step):
                _POOL.check_stop()
                found = search.kneighbors(members[r0 : r0 + step], return_distance=False)
                table[r0 : r0 + step, :kk] = without_self(found, np.arange(r0, r0 + found.shape[0]))
        return table, self.pair_distance_sum(members) if with_sums else np.nan

    def pair_distance_sum(self, members):
        """Sum of euclidean distances over ordered pairs of rows, from the upper triangle.

        Row tiles against the columns from their first row on: the off-diagonal
        part counts twice (pairs i < j), the tile's diagonal block once (both
        orders are in it); a row's distance to itself is zeroed by index.
        """
        n = members.shape[0]
        norms = np.einsum("ij,ij->i", members, members)
        scaled = np.ascontiguousarray(-2 * members.T)
        step = max(1, self.backend.tile_elements(members.itemsize) // n)

        def row_tile(r0):
            r1 = min(r0 + step, n)
            d = members[r0:r1] @ scaled[:, r0:]
            d += norms[r0:r1, None]
            d += norms[None, r0:]
            np.maximum(d, 0, out=d)
            diagonal = np.arange(r1 - r0)
            d[diagonal, diagonal] = 0
            np.sqrt(d, out=d)
            return 2.0 * float(d[:, r1 - r0 :].sum()) + float(d[:, : r1 - r0].sum())

        total = 0.0
        for part in self.backend.map_ordered(row_tile, range(0, n, step)):  # added in tile order
            total += part
        return total


def neighbor_engine(backend, mixed=False):
    """The exact neighbour engine of ``backend``: kernels on CuPy, scikit-learn's search for the
    largest groups on NumPy. ``mixed`` (rows with categorical codes): the array-generic engine
    on CuPy, whose tiles add the mismatch penalty (the kernels know numeric columns only)."""
    if backend.name == "cupy" and not mixed:
        from ._engine_cupy import CuPyNeighborEngine  # CuPy's engine only where CuPy runs

        return CuPyNeighborEngine(backend)
    return NumPyNeighborEngine(backend)
