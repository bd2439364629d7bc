"""Ranking candidates by distance with one GEMM, and the k smallest ranks in one pass.

The rows of a group, centered on the group's mean and scaled by a power of two, become two
operands: ``left`` holds ``[-2 x, 1]`` and ``right`` holds ``[y, |y|^2]``, so that one
product gives ``|y|^2 - 2 x.y``, the squared distance less the query's own norm: it ranks a
query's candidates as the distance does, with no pass over the product to add norms. With
categorical columns, each mismatching column adds the penalty, scaled as the squares are
(:func:`rank_operands`' ``unit``).
"""

import numpy as np

from ._cells import run_means
from ._mismatch import ranking_mismatches

# Interleaved blocks per column in ``smallest_k``'s one-pass selection, used up to this k
# (the backend's top-k is k passes of argmin, smallest first, up to it).
_BLOCKS = 16
_BLOCK_PATH_MAX_K = 16


def rank_operands(backend, points, run_lengths):
    """``(left, right, far, unit)`` for ``points`` (2-D, runs of consecutive rows of ``run_lengths``
    centered on their own mean); ``far`` is a rank no real candidate reaches, ``unit`` the factor
    the scaling applied to squared distances (a categorical penalty is multiplied by it)."""
    points = points - backend.take(
        run_means(backend, points, run_lengths), backend.repeat_values(np.arange(len(run_lengths)), run_lengths)
    )
    return operands_in_frame(backend, points, scale_exponent(backend, points))


def scale_exponent(backend, centered):
    """The power of two that brings the largest entry of ``centered`` to at most 1 (0 for zeros)."""
    largest = backend.reduce_to_scalar(backend.xp.abs(centered), "max")
    return int(np.ceil(np.log2(largest))) if largest > 0 else 0


def operands_in_frame(backend, centered, exponent):
    """``(left, right, far, unit)`` of rows already centered, scaled by ``2**-exponent``.

    Rows ranked together must share the frame (center and exponent): the ranks are then
    comparable wherever the operands were made, e.g. in different tasks.
    """
    xp = backend.xp
    # Scaled by a power of two to at most 1 (the ranking is unchanged): no square overflows,
    # and a column that must not be chosen can carry a large finite norm (an infinite one
    # would meet the zeros that BLAS pads its blocks with and become NaN).
    points = xp.ldexp(centered, -exponent) if exponent else centered
    unit = 2.0 ** (-2 * exponent)
    n, d = points.shape
    left = xp.empty((n, d + 1), dtype=points.dtype)
    left[:, :d] = points * -2
    left[:, d] = 1
    right = xp.empty((n, d + 1), dtype=points.dtype)
    right[:, :d] = points
    right[:, d] = (points * points).sum(axis=1)
    return left, right, points.dtype.type(np.finfo(points.dtype).max / 16), unit


def exhaustive_knn(backend, X, rows, offsets, lengths, k, codes=None, penalties=None):
    """The exact k nearest neighbours inside each group: every row against the whole group.

    Group g is ``rows[offsets[g] : offsets[g] + lengths[g]]`` (host int64, every group larger
    than ``k``). Query rows in tiles, one GEMM per tile against the group's rows, then the
    one-pass selection. Returns int32 ``(sum(lengths), max(k, 1))`` local indices, nearest
    first; a row is never its own neighbour. ``codes`` / ``penalties`` (host, per group): the
    categorical part of the distance.
    """
    xp = backend.xp
    table = xp.zeros((int(np.sum(lengths)), max(k, 1)), dtype=xp.int32)
    done = 0
    for g, (offset, n) in enumerate(zip(np.asarray(offsets).tolist(), np.asarray(lengths).tolist())):
        members = rows[offset : offset + n]
        mixed = (codes[members], float(penalties[g])) if codes is not None else None
        table[done : done + n, :k] = _group_exhaustive(backend, X[members], k, mixed)
        done += n
    return table


def _group_exhaustive(backend, points, k, mixed=None):
    """The k nearest other rows of every row of one group (local indices, ``(n, k)``); ``mixed``:
    the rows' ``(codes, penalty)``."""
    left, right, far, unit = rank_operands(backend, points, np.array([points.shape[0]]))
    queries = backend.xp.arange(points.shape[0], dtype=backend.xp.int64)
    right = padded(backend, right, far)
    if mixed is not None:
        mixed = ranking_mismatches(backend.xp, *mixed, unit, right.shape[0])
    return exact_nearest(backend, left, right, queries, k, mixed)


def padded(backend, right, far):
    """``right`` with rows of rank ``far`` appended up to a whole number of ``_BLOCKS``."""
    xp = backend.xp
    n = right.shape[0]
    extra = -n % _BLOCKS
    if extra == 0:
        return right
    right = xp.concatenate([right, xp.zeros((extra, right.shape[1]), dtype=right.dtype)])
    right[n:, -1] = far
    return right


def exact_nearest(backend, left, right, queries, k, mixed=None):
    """The k nearest rows of ``right`` (padded) to the rows ``queries`` of ``left``, each
    query's own row excluded: ``(len(queries), k)`` int32 indices, in tiles of queries.

    ``mixed``: ``(right_index, left_codes, penalty)``, a :class:`~._mismatch.MismatchIndex` of
    ``right``'s rows (padded alike), the codes of ``left``'s, and the penalty per mismatching
    column in rank units.
    """
    xp = backend.xp
    step = max(_BLOCKS, backend.tile_elements(right.itemsize) // right.shape[0])

    def tile(q0):
        own = queries[q0 : q0 + step]
        if mixed is None:
            ranks = xp.matmul(right, xp.ascontiguousarray(left[own].T))  # (candidates, queries)
            ranks[own, xp.arange(own.shape[0])] = xp.inf
            return smallest_k(backend, ranks[None], k)[0]
        # Queries first: each categorical comparison then runs along the candidates (a tile
        # holds few queries and many candidates).
        right_index, left_codes, penalty = mixed
        ranks = xp.matmul(left[own], right.T)  # (queries, candidates)
        right_index.add(ranks, left_codes[own], penalty)
        ranks[xp.arange(own.shape[0]), own] = xp.inf
        return smallest_k(backend, ranks[None], k, queries_first=True)[0]

    return xp.concatenate(list(backend.map_ordered(tile, range(0, queries.shape[0], step)))).astype(xp.int32)


def smallest_k(backend, ranks, k, queries_first=False):
    """Indices along axis 1 of the k smallest entries of every column of ``ranks`` ``(n, c, m)``,
    smallest first: ``(n, m, k)``; equal entries are taken lowest index first. ``queries_first``:
    ``ranks`` is ``(n, m, c)``, each query's candidates along the last axis.

    For small k the c entries of a column are cut into ``_BLOCKS`` interleaved slices; entry j
    of every slice makes block j (rows j, j + c / _BLOCKS, ...). The k blocks with the smallest
    minima hold k smallest entries (an entry below the k-th smallest minimum lies in one of
    them): one pass over ``ranks`` for the minima, then k passes of argmin over the minima and
    over the chosen blocks' entries replace k passes over ``ranks``.
    """
    xp = backend.xp
    n, c, m = (ranks.shape[0], ranks.shape[2], ranks.shape[1]) if queries_first else ranks.shape
    if k <= _BLOCK_PATH_MAX_K and c % _BLOCKS == 0 and c >= 4 * _BLOCKS * k:
        width = c // _BLOCKS
        batch, query = xp.arange(n)[:, None, None], xp.arange(m)[None, :, None]
        if queries_first:
            grid = ranks.reshape(n, m, _BLOCKS, width)
            minima = grid.min(axis=2)  # (n, m, width)
        else:
            grid = ranks.reshape(n, _BLOCKS, width, m)
            minima = xp.ascontiguousarray(xp.swapaxes(grid.min(axis=1), 1, 2))
        blocks = backend.topk_smallest(minima, k)  # (n, m, k), k passes of argmin
        # the chosen blocks' entries, (n, m, k, _BLOCKS) either way
        chosen = grid[batch, query, :, blocks] if queries_first else grid[batch, :, blocks, query]
        values = chosen.reshape(n, m, k * _BLOCKS)
        columns = (blocks[..., None] + width * xp.arange(_BLOCKS)).reshape(n, m, k * _BLOCKS)
        return xp.take_along_axis(columns, backend.topk_smallest(values, k), axis=2)
    by_query = ranks if queries_first else xp.ascontiguousarray(xp.swapaxes(ranks, 1, 2))  # (n, m, c)
    if k < c:
        columns = xp.argpartition(by_query, k - 1, axis=2)[..., :k]
    else:
        columns = xp.broadcast_to(xp.arange(c), by_query.shape)
    order = backend.stable_argsort(xp.take_along_axis(by_query, columns, axis=2), axis=2)
    return xp.take_along_axis(columns, order, axis=2)
