"""The exact grouped neighbour engine on the GPU (``kernels/segments.cu``): the padded gather,
float64 column sums per row chunk and the centering, the fused per-row top-k and distance sum,
and the placement of the results. Every sum runs in a fixed order, without atomics.

The column sums of padded groups serve k-means / SOM too (``column_means``,
``column_partials``: one module, one compilation). Arrays come from the backend's namespace
(CuPy; NumPy in the host emulation of the tests).
"""

import numpy as np

from .. import _cuda
from .._cuda import CTYPES, TOPK_MAX, int64_arrays
from ._engine import NeighborEngine

# Rows per chunk of the float64 column sums (the rows one block of padded_partial_sums adds).
SUM_CHUNK_ROWS = 2048
MAX_GRID_Y = 65535


def column_partials(xp, block, means=None):
    """Float64 column sums of each group of ``block`` (``(n_groups, size, d)``) per row chunk,
    ``(n_groups, n_chunks, d)``: of the values, or with ``means`` of their squared deviations."""
    n_groups, size, d = block.shape
    chunk_rows = max(SUM_CHUNK_ROWS, -(-size // MAX_GRID_Y))
    n_chunks = -(-size // chunk_rows)
    partial = xp.empty((n_groups, n_chunks, d), dtype=xp.float64)
    _cuda.kernel("neighbors", CTYPES[block.dtype], "padded_partial_sums")(
        _cuda.blocks((n_groups, n_chunks, -(-d // 32))),
        block=block,
        size=size,
        d=d,
        chunk_rows=chunk_rows,
        means=block if means is None else means,
        squared=means is not None,
        partial=partial,
    )
    return partial


def column_means(xp, block, lengths):
    """Each group's column means (``lengths``: its real rows, on the device), in ``block``'s dtype."""
    n_groups, _, d = block.shape
    partial = column_partials(xp, block)
    means = xp.empty((n_groups, d), dtype=block.dtype)
    _cuda.kernel("neighbors", CTYPES[block.dtype], "group_means")(
        _cuda.thread_per_item(n_groups * d),
        partial=partial,
        lengths=lengths,
        n_groups=n_groups,
        d=d,
        n_chunks=partial.shape[1],
        means=means,
    )
    return means


def rows_centered(xp, block, means, lengths, sq):
    """Subtract each group's mean from its rows of ``block`` in place (padding rows stay zero)
    and write every padded row's squared norm into ``sq``."""
    n_groups, size, d = block.shape
    _cuda.kernel("neighbors", CTYPES[block.dtype], "center_padded")(
        _cuda.warp_per_item(n_groups * size),
        block=block,
        means=means,
        lengths=lengths,
        n_padded=n_groups * size,
        size=size,
        d=d,
        sq=sq,
    )


class CuPyNeighborEngine(NeighborEngine):
    """Exact grouped neighbours in kernels; the array-generic steps where a check below fails."""

    def tile_topk_and_sums(self, a, b, n_valid, self_col, k, b_sq=None, a_sq=None):
        kk = min(k, b.shape[-2])
        if kk > TOPK_MAX or a.dtype not in CTYPES:
            return super().tile_topk_and_sums(a, b, n_valid, self_col, k, b_sq, a_sq)
        # One GEMM for the dot products; the kernel adds the norms as it reads the tile,
        # so the tile is written once and read once.
        xp = self.xp
        n_cols = b.shape[-2]
        gram = xp.matmul(a, xp.swapaxes(b, -1, -2)).reshape(-1, n_cols)
        a_sq = ((a * a).sum(axis=-1) if a_sq is None else a_sq).reshape(-1)
        b_sq = ((b * b).sum(axis=-1) if b_sq is None else b_sq).reshape(-1)
        n_rows = gram.shape[0]
        sums = xp.empty(n_rows, dtype=xp.float64)
        table = xp.empty((n_rows, max(kk, 1)), dtype=xp.int32)
        if n_rows:
            _cuda.kernel("neighbors", CTYPES[gram.dtype], "rows_topk_and_sums")(
                _cuda.warp_per_item(n_rows),
                d=xp.ascontiguousarray(gram),
                n_rows=n_rows,
                n_cols=n_cols,
                n_valid=xp.ascontiguousarray(n_valid, dtype=xp.int64),
                self_col=xp.ascontiguousarray(self_col, dtype=xp.int64),
                k=max(kk, 1),
                a_sq=xp.ascontiguousarray(a_sq, dtype=gram.dtype),
                b_sq=xp.ascontiguousarray(b_sq, dtype=gram.dtype),
                rows_per_batch=a.shape[-2],  # row r's column norms are batch r // m's
                out_idx=table,
                out_sums=sums,
            )
        return table, sums

    def gather_groups(self, X, rows, starts, lengths, size, dtype):
        n_groups, d = len(lengths), X.shape[1]
        if X.dtype not in CTYPES or np.dtype(dtype) != X.dtype or rows.dtype != np.int64 or not n_groups * size * d:
            return super().gather_groups(X, rows, starts, lengths, size, dtype)
        # Four launches of one module: the padded gather (with the top-k's limits), float64
        # column sums per row chunk, the means, then centering with the squared norms.
        xp = self.xp
        X, rows = xp.ascontiguousarray(X), xp.ascontiguousarray(rows)
        n_padded = n_groups * size
        starts, lengths = int64_arrays(xp, starts, lengths)
        block = xp.empty((n_groups, size, d), dtype=X.dtype)
        sq = xp.empty((n_groups, size), dtype=X.dtype)
        n_valid = xp.empty(n_padded, dtype=xp.int64)
        self_col = xp.empty(n_padded, dtype=xp.int64)
        _cuda.kernel("neighbors", CTYPES[X.dtype], "gather_padded")(
            _cuda.grid_stride(n_padded * d),
            X=X,
            rows=rows,
            starts=starts,
            lengths=lengths,
            size=size,
            d=d,
            n_padded=n_padded,
            block=block,
            n_valid=n_valid,
            self_col=self_col,
        )
        rows_centered(xp, block, column_means(xp, block, lengths), lengths, sq)
        return block, sq, n_valid, self_col

    def scatter_groups(self, table, sums, table_starts, group_ids, lengths, nn, row_sums):
        if nn.dtype != np.int32 or table.dtype != np.int32 or not table.flags.c_contiguous:
            return super().scatter_groups(table, sums, table_starts, group_ids, lengths, nn, row_sums)
        xp = self.xp
        n_groups = len(group_ids)
        m, kk_nn = nn.shape[0] // n_groups, nn.shape[1]
        nn = xp.ascontiguousarray(nn)
        if nn.size:
            device_lengths, device_starts = int64_arrays(xp, lengths, table_starts)
            _cuda.kernel("placement", None, "scatter_neighbors")(
                _cuda.grid_stride(nn.size),
                nn=nn,
                m=m,
                kk_nn=kk_nn,
                lengths=device_lengths,
                table_starts=device_starts,
                n_groups=n_groups,
                table=table,
                kk_table=table.shape[1],
            )
        values = xp.ascontiguousarray(row_sums, dtype=xp.float64).reshape(-1)
        _cuda.kernel("placement", None, "add_group_sums")(
            _cuda.block_per_item(n_groups),
            values=values,
            r=values.size // n_groups,
            group_ids=int64_arrays(xp, group_ids),
            sums=sums,
        )
