"""Geometric SMOTE's geometry: segmented nearest rows, the surface point's choice, and points in
a truncated, deformed ball.

All are array-generic over ``backend.xp`` and vectorized over all groups; where the
backend's generation engine has kernels for them (CuPy: ``has_kernel_for``), it does the work.
"""

import math

import numpy as np

from ..cluster._engine import cluster_engine
from ..neighbors._engine import BUCKET_SIZES as _BUCKET_SIZES
from ..neighbors._engine import sq_distances
from ._engine import GeometricPoints, NearestRows, generation_engine

SELECTION_STRATEGIES = ("combined", "majority", "minority")
# An item with up to this many references is measured directly where a backend can (no GEMM).
DIRECT_REFERENCES = 2048


def _bucket(lengths):
    """Index of the smallest bucket size holding each length (``len(_BUCKET_SIZES)``: too large)."""
    return np.searchsorted(np.asarray(_BUCKET_SIZES), lengths, side="left")


def segmented_nearest(backend, X, query_rows, q_offsets, q_lengths, ref_rows, r_offsets, r_lengths):
    """For every query row of every item, its closest reference row of the same item.

    Item ``i`` pairs the queries ``X[query_rows[q_offsets[i] : q_offsets[i] + q_lengths[i]]]``
    with the references ``X[ref_rows[r_offsets[i] : r_offsets[i] + r_lengths[i]]]``.
    Returns ``(nearest, sq_distance)`` for the queries of all items concatenated
    in item order: the row of X of the closest reference (-1 when the item has
    no reference) and its squared distance (inf then).

    Items whose sides both fit a bucket size share one batched GEMM per
    (query bucket, reference bucket) pair and memory chunk; larger items go
    one by one in row tiles. Rows are centred on their item's query mean first
    (accurate GEMM expansion).
    """
    xp = backend.xp
    q_offsets, q_lengths = np.asarray(q_offsets, dtype=np.int64), np.asarray(q_lengths, dtype=np.int64)
    r_offsets, r_lengths = np.asarray(r_offsets, dtype=np.int64), np.asarray(r_lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(q_lengths)[:-1]]).astype(np.int64)
    total = int(q_lengths.sum())
    nearest = xp.full(total, -1, dtype=xp.int64)
    sq_distance = xp.full(total, np.inf, dtype=X.dtype)
    active = (q_lengths > 0) & (r_lengths > 0)
    q_bucket, r_bucket = _bucket(q_lengths), _bucket(r_lengths)
    small = active & (q_bucket < len(_BUCKET_SIZES)) & (r_bucket < len(_BUCKET_SIZES))
    budget = backend.tile_elements(X.itemsize)
    chunks = []  # (query bucket size, reference bucket size, items) of each batched GEMM
    for qb, rb in sorted(set(zip(q_bucket[small].tolist(), r_bucket[small].tolist()))):
        n_q, n_r = _BUCKET_SIZES[qb], _BUCKET_SIZES[rb]
        items = np.flatnonzero(small & (q_bucket == qb) & (r_bucket == rb))
        step = max(1, budget // (n_q * n_r + (n_q + n_r) * X.shape[1]))
        chunks += [(n_q, n_r, items[c0 : c0 + step]) for c0 in range(0, items.size, step)]

    def bucket_chunk(chunk):  # writes its own items' queries only
        n_q, n_r, sel = chunk
        queries, q_valid = _padded(backend, X, query_rows, q_offsets[sel], q_lengths[sel], n_q)
        refs, r_valid = _padded(backend, X, ref_rows, r_offsets[sel], r_lengths[sel], n_r)
        mean = (queries * q_valid[:, :, None]).sum(axis=1) / xp.asarray(q_lengths[sel], dtype=X.dtype)[:, None]
        d = sq_distances(xp, queries - mean[:, None, :], refs - mean[:, None, :])
        d = xp.where(r_valid[:, None, :], d, xp.inf)
        best = xp.argmin(d, axis=2)
        best_sq = xp.take_along_axis(d, best[:, :, None], axis=2)[:, :, 0]
        local = xp.arange(n_q)
        dest = (xp.asarray(starts[sel])[:, None] + local[None, :])[q_valid]
        ref_index = xp.asarray(r_offsets[sel])[:, None] + best
        nearest[dest] = ref_rows[ref_index[q_valid]]
        sq_distance[dest] = best_sq[q_valid]

    for _ in backend.map_ordered(bucket_chunk, chunks):
        pass
    for i in np.flatnonzero(active & ~small):
        queries = X[query_rows[q_offsets[i] : q_offsets[i] + q_lengths[i]]]
        refs = X[ref_rows[r_offsets[i] : r_offsets[i] + r_lengths[i]]]
        mean = queries.mean(axis=0)
        best, best_sq = cluster_engine(backend).nearest_center(queries - mean, refs - mean, with_distances=True)
        stop = starts[i] + q_lengths[i]
        nearest[starts[i] : stop] = ref_rows[int(r_offsets[i]) + best.astype(xp.int64)]
        sq_distance[starts[i] : stop] = best_sq
    return nearest, sq_distance


def _padded(backend, X, rows, offsets, lengths, size):
    """Rows of each segment padded to ``size`` (repeating the first row): ``(block, valid)``."""
    xp = backend.xp
    local = xp.arange(size)
    valid = local[None, :] < xp.asarray(lengths)[:, None]
    index = xp.asarray(offsets)[:, None] + xp.where(valid, local[None, :], 0)
    return X[rows[index]], valid


def nearest_in_union(backend, X, query_rows, q_offsets, q_lengths, ref_rows, pieces):
    """Like :func:`segmented_nearest` with each item's references the union of several segments.

    ``pieces`` is a list of ``(r_offsets, r_lengths)``, each aligned with the
    items. Ties go to the first reference in piece order. Items with at most
    ``DIRECT_REFERENCES`` references are measured directly where the backend has
    a kernel for it (a :class:`~._engine.NearestRows` job); all others go through
    one :func:`segmented_nearest` call.
    """
    q_offsets, q_lengths = np.asarray(q_offsets, dtype=np.int64), np.asarray(q_lengths, dtype=np.int64)
    r_offsets = np.stack([np.asarray(p[0], dtype=np.int64) for p in pieces])
    r_lengths = np.stack([np.asarray(p[1], dtype=np.int64) for p in pieces])
    direct = r_lengths.sum(axis=0) <= DIRECT_REFERENCES
    engine = generation_engine(backend)
    job = NearestRows(X, query_rows, q_offsets, q_lengths, ref_rows, r_offsets, r_lengths, direct)
    if not engine.has_kernel_for(job):
        return _union_of_nearest(backend, X, query_rows, q_offsets, q_lengths, ref_rows, r_offsets, r_lengths)
    nearest, sq_distance = engine.nearest_rows(job)
    rest = np.flatnonzero(~direct & (q_lengths > 0))
    if rest.size:  # the queries of the remaining items, in place
        starts, lengths = np.cumsum(q_lengths)[rest] - q_lengths[rest], q_lengths[rest]
        dest = np.arange(lengths.sum()) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        found = _union_of_nearest(
            backend, X, query_rows, q_offsets[rest], q_lengths[rest], ref_rows, r_offsets[:, rest], r_lengths[:, rest]
        )
        dest = backend.xp.asarray(dest)
        nearest[dest], sq_distance[dest] = found
    return nearest, sq_distance


def _union_of_nearest(backend, X, query_rows, q_offsets, q_lengths, ref_rows, r_offsets, r_lengths):
    """:func:`nearest_in_union` by one :func:`segmented_nearest` call over every (piece, item)."""
    n_pieces = len(r_offsets)
    nearest, sq = segmented_nearest(
        backend,
        X,
        query_rows,
        np.tile(q_offsets, n_pieces),
        np.tile(q_lengths, n_pieces),
        ref_rows,
        r_offsets.reshape(-1),
        r_lengths.reshape(-1),
    )
    xp = backend.xp
    nearest, sq = nearest.reshape(n_pieces, -1), sq.reshape(n_pieces, -1)
    best = xp.argmin(sq, axis=0)[None, :]
    return xp.take_along_axis(nearest, best, axis=0)[0], xp.take_along_axis(sq, best, axis=0)[0]


@np.errstate(over="ignore")  # squares that overflow are found and taken again, scaled
def choose_surface(xp, X, centers, minority, majority, strategy):
    """Each row's surface point under a selection strategy of Geometric SMOTE.

    ``minority``: a minority neighbour of the center; ``majority``: the
    center's nearest majority row (-1: none, then the minority one is taken).
    ``"majority"`` takes the majority row, ``"combined"`` the closer of the two
    (the minority one on a tie), ``"minority"`` the minority one.
    """
    if strategy == "minority":
        return minority
    has = majority >= 0
    if strategy == "majority":
        return xp.where(has, majority, minority)
    safe = xp.where(has, majority, minority)
    center, near, far = X[centers], X[minority], X[safe]
    to_minority = ((center - near) ** 2).sum(axis=1)
    to_majority = ((center - far) ** 2).sum(axis=1)
    scale = unit_scale(xp, [to_minority, to_majority], [center - near, center - far], [center, near, far])
    if scale is not None:  # the same comparison on rows brought near 1 (a power of two: exact)
        center, near, far = center * scale, near * scale, far * scale
        to_minority = ((center - near) ** 2).sum(axis=1)
        to_majority = ((center - far) ** 2).sum(axis=1)
    return xp.where(has & (to_minority > to_majority), majority, minority)


def unit_scale(xp, squares, differences, rows):
    """Per row, a power of two to multiply ``rows`` by before squaring them, or None when none needs one.

    A row needs one when a squared norm of ``squares`` overflowed or lost its
    precision below the smallest normal float (while its ``differences`` are
    not all zero); its scale brings the largest magnitude among ``rows`` into
    [0.5, 1), so no square overflows or underflows. Every other row gets 1
    (its arithmetic unchanged, bit for bit). Returns a ``(n_rows, 1)`` column.
    """
    info = np.finfo(rows[0].dtype)
    outside = [~((sq >= info.tiny) & (sq <= info.max)) for sq in squares]
    if not any(bool(o.any()) for o in outside):
        return None
    unsafe = outside[0] & (differences[0] != 0).any(axis=1)
    for o, difference in zip(outside[1:], differences[1:]):
        unsafe |= o & (difference != 0).any(axis=1)
    largest = xp.abs(rows[0]).max(axis=1)
    for row in rows[1:]:
        largest = xp.maximum(largest, xp.abs(row).max(axis=1))
    _, exponent = xp.frexp(largest)
    exponent = xp.clip(-exponent, 1 - info.maxexp, info.maxexp - 1)  # 2**exponent is a finite float
    one = xp.ones_like(largest)
    return xp.where(unsafe, xp.ldexp(one, exponent.astype(xp.int32)), one)[:, None]


def uniform_draws(n_features):
    """Uniform draws a geometric row consumes: one for the radius, pairs for the Box-Muller normals."""
    return 1 + 2 * math.ceil(n_features / 2)


@np.errstate(over="ignore")  # squares that overflow are found and taken again, scaled
def geometric_rows(
    backend,
    X,
    centers,
    surfaces,
    uniforms,
    truncation_factor,
    deformation_factor,
    out,
    majority=None,
    strategy="minority",
):
    """One point per row in the G-SMOTE region of ``(X[centers[i]], X[surfaces[i]])``.

    With ``majority`` (each center's nearest majority row, -1: none) the
    surface point is first chosen by ``strategy`` (:func:`choose_surface`).

    The region is the ball around the center through the surface point,
    truncated (``truncation_factor``: 1 keeps the half towards the surface
    point, 0 the whole ball, negative values the far side) and deformed
    (``deformation_factor``: 0 a ball, 1 the segment's line) along the
    center-to-surface axis. A point uniform in the unit ball (a normalized
    gaussian vector scaled by ``u ** (1 / n_features)``) is reflected across the
    axis' normal plane when it falls in the truncated part, its component
    perpendicular to the axis is shrunk by ``1 - deformation_factor``, and the
    result is scaled by the radius and moved to the center (Douzas and Bacao,
    2019). A zero radius returns the center. ``uniforms`` (float64, one row of
    ``uniform_draws(n_features)`` per output row) are the random numbers.
    """
    engine = generation_engine(backend)
    job = GeometricPoints(X, centers, surfaces, majority, strategy, uniforms, truncation_factor, deformation_factor)
    if engine.has_kernel_for(job, out):
        return engine.geometric_points(job, out)
    xp = backend.xp
    if majority is not None:
        surfaces = choose_surface(xp, X, centers, surfaces, majority, strategy)
    n_features = X.shape[1]
    center, surface = X[centers], X[surfaces]
    axis = surface - center
    sq = (axis * axis).sum(axis=1)
    unit = unit_scale(xp, [sq], [axis], [center, surface])
    if unit is not None:  # rows whose squares overflow or underflow: computed near 1, scaled back
        center = center * unit
        axis = surface * unit - center
        sq = (axis * axis).sum(axis=1)
    radius = xp.sqrt(sq)
    axis /= xp.where(radius > 0, radius, 1)[:, None]
    modulus = xp.sqrt(-2.0 * xp.log1p(-uniforms[:, 1::2]))  # 1 - u is in (0, 1]
    angle = (2 * math.pi) * uniforms[:, 2::2]
    gauss = xp.stack([modulus * xp.cos(angle), modulus * xp.sin(angle)], axis=2).reshape(len(uniforms), -1)
    gauss = gauss[:, :n_features]
    norm = xp.sqrt((gauss * gauss).sum(axis=1))
    scale = uniforms[:, 0] ** (1.0 / n_features) / xp.maximum(norm, np.finfo(np.float64).tiny)
    point = (gauss * scale[:, None]).astype(X.dtype, copy=False)
    along = (point * axis).sum(axis=1)
    if truncation_factor > 0:
        flip = along < truncation_factor - 1
    elif truncation_factor < 0:
        flip = along > truncation_factor + 1
    else:
        flip = None
    if flip is not None:  # reflect across the plane normal to the axis
        point -= (2 * along * flip)[:, None] * axis
        along = xp.where(flip, -along, along)
    if deformation_factor != 0:
        point *= 1 - deformation_factor
        point += (deformation_factor * along)[:, None] * axis
    point *= radius[:, None]
    point += center
    if unit is not None:  # a point beyond the float range is clipped to it, never infinite
        point /= unit
        limit = np.finfo(X.dtype).max
        xp.clip(point, -limit, limit, out=point)
    out[...] = point
    return out
