"""The categorical part of SMOTE-NC's distance: a penalty per column where two rows differ.

Rows carry one integer code per categorical column. The squared distance of two rows is the
numeric part plus ``penalty`` times the number of columns whose codes differ: a count over a
few integer columns, never a one-hot block. Padding rows carry code -1, which differs from
every real code (their distance is masked or made far by the callers).
"""

import numpy as np


def add_mismatches(xp, d, a_codes, b_codes, penalty):
    """``d[..., i, j] += penalty * (number of columns where a_codes[..., i, :] != b_codes[..., j, :])``.

    ``d`` is ``(..., m, n)``, ``a_codes`` ``(..., m, p)``, ``b_codes`` ``(..., n, p)``;
    ``penalty`` a scalar or an array that broadcasts against ``d``. Returns ``d``, written in place.
    """
    p = _checked_columns(a_codes.shape[-1])
    if p == 0:
        return d
    # One contiguous vector per column and side, so each comparison streams along the tile's rows.
    a_columns = xp.ascontiguousarray(xp.moveaxis(a_codes, -1, 0))  # (p, ..., m)
    b_columns = xp.ascontiguousarray(xp.moveaxis(b_codes, -1, 0))  # (p, ..., n)
    if xp is np and d.ndim == 3 and d.shape[2] < d.shape[1]:
        return _add_batched_on_host(d, a_columns, b_columns, penalty)
    # Counted in bytes (p < 256: no overflow), converted once: the passes move a byte per pair;
    # the first column's comparison is the count's first value.
    count = xp.empty(d.shape, dtype=xp.uint8)
    xp.not_equal(a_columns[0][..., :, None], b_columns[0][..., None, :], out=count.view(bool))
    differ = xp.empty(d.shape, dtype=bool) if p > 1 else None
    for column in range(1, p):
        xp.not_equal(a_columns[column][..., :, None], b_columns[column][..., None, :], out=differ)
        count += differ.view(xp.uint8)
    return add_scaled(xp, d, count, penalty)


def _checked_columns(p):
    """``p``, the number of categorical columns, which the byte counts bound to 255."""
    if p >= 256:
        raise ValueError(f"At most 255 categorical columns are supported; got {p}.")
    return p


def _add_batched_on_host(d, a_columns, b_columns, penalty):
    """:func:`add_mismatches` of a batch of tall tiles (``(batch, m, n)``, n small) with NumPy:
    tile by tile, the short side outermost so that each comparison runs along the long side, in
    buffers reused from tile to tile."""
    batch, m, n = d.shape
    penalties = np.broadcast_to(np.asarray(penalty, dtype=d.dtype).reshape(-1), (batch,)) if np.ndim(penalty) else None
    differ, count = np.empty((n, m), dtype=bool), np.empty((n, m), dtype=np.uint8)
    scaled = np.empty((n, m), dtype=d.dtype)
    for t in range(batch):
        count[...] = 0
        for a, b in zip(a_columns, b_columns):
            np.not_equal(b[t][:, None], a[t][None, :], out=differ)
            count += differ.view(np.uint8)
        np.multiply(count, penalty if penalties is None else penalties[t], out=scaled, dtype=d.dtype)
        d[t] += scaled.T
    return d


# Rows of a count converted to floats at a time: the temporary stays in cache.
_CONVERT_ROWS = 16


def add_scaled(xp, d, count, penalty):
    """``d += penalty * count`` (``penalty`` a scalar or broadcasting over leading axes); with
    NumPy in row chunks, so that the float temporary stays in cache (a GPU takes it whole)."""
    penalty = xp.asarray(penalty, dtype=d.dtype)
    if xp is not np or d.ndim != 2 or penalty.ndim:
        d += count * penalty
        return d
    for r0 in range(0, d.shape[0], _CONVERT_ROWS):
        d[r0 : r0 + _CONVERT_ROWS] += count[r0 : r0 + _CONVERT_ROWS] * penalty
    return d


def ranking_mismatches(xp, codes, penalty, unit, n_padded):
    """``mixed`` of :func:`~._ranking.exact_nearest` for one group's rows: a :class:`MismatchIndex`
    of their codes padded to the ranking's ``n_padded`` rows, the codes, and the penalty in the
    ranking's units (``unit``: :func:`~._ranking.rank_operands`' scale of squared distances)."""
    return MismatchIndex(xp, padded_codes(xp, codes, n_padded)), codes, penalty * unit


def compact_codes(xp, codes, n_categories):
    """``codes`` (``(n, p)``) as a C-contiguous array of the narrowest signed integers that hold
    every code of columns of ``n_categories`` (host) categories, the padding code -1, and a code
    plus one (:class:`MismatchIndex` counts codes shifted by one): the comparisons then move
    fewer bytes."""
    largest = int(np.max(n_categories, initial=0))
    dtype = next(t for t in (xp.int8, xp.int16, xp.int32) if largest < np.iinfo(t).max)
    return xp.ascontiguousarray(codes.astype(dtype, copy=False))


def row_mismatches(xp, a_codes, b_codes):
    """Columns where paired rows differ: ``(a_codes != b_codes).sum(-1)`` as int32."""
    return (a_codes != b_codes).sum(axis=-1, dtype=xp.int32)


def padded_codes(xp, codes, n_rows):
    """``codes`` with rows of -1 appended up to ``n_rows`` rows."""
    extra = n_rows - codes.shape[0]
    if extra <= 0:
        return codes
    return xp.concatenate([codes, xp.full((extra, codes.shape[1]), -1, dtype=codes.dtype)])


# A column is compared pair by pair when two random rows of the set share a category with at
# least this probability; below it, the pairs that share one are found through the sorted
# codes and corrected one by one (a column of many categories has few such pairs).
DENSE_MATCH_RATE = 1 / 16


class MismatchIndex:
    """The categorical part of the squared distances to the rows of one set (a group's).

    Built once per set, used for every tile of queries. Each column is either compared densely
    (few categories) or, when matches are rare, charged the full penalty and refunded for the
    pairs that share a category: those pairs are found through sorted codes, so the cost
    follows the number of matches, not of pairs.
    """

    def __init__(self, xp, codes):
        self.xp = xp
        n, p = codes.shape
        _checked_columns(p)
        columns = xp.ascontiguousarray(codes.T)
        self.dense, self.sparse = [], []
        for j in range(p):
            counts = xp.bincount(columns[j] + 1)  # padding rows carry -1
            rate = float((counts.astype(xp.float64) ** 2).sum()) / max(1, n * n)
            if rate >= DENSE_MATCH_RATE:
                self.dense.append((j, columns[j]))
            else:
                order = xp.argsort(columns[j])  # any order within a code will do
                self.sparse.append((j, columns[j][order], order))

    def add(self, d, query_codes, penalty):
        """``d += penalty * mismatches`` between ``query_codes`` (``(m, p)``) and the set.

        ``d`` is ``(m, n)``, a query per row. Returns ``d``, written in place.
        """
        xp = self.xp
        if not self.dense:  # every column charged in full, then refunded at its matches: no count
            d += xp.asarray(penalty * len(self.sparse), dtype=d.dtype)
            for j, ordered, order in self.sparse:
                query, member = self._matches(query_codes[:, j], ordered, order)
                d[query, member] -= d.dtype.type(penalty)
            return d
        count = xp.full(d.shape, len(self.sparse), dtype=xp.uint8)
        differ = xp.empty(d.shape, dtype=bool)
        for j, column in self.dense:
            mine = xp.ascontiguousarray(query_codes[:, j])
            xp.not_equal(mine[:, None], column[None, :], out=differ)
            count += differ.view(xp.uint8)
        for j, ordered, order in self.sparse:
            query, member = self._matches(query_codes[:, j], ordered, order)
            count[query, member] -= 1
        return add_scaled(xp, d, count, penalty)

    def _matches(self, codes, ordered, order):
        """The pairs (query, member) that share a code, each once."""
        xp = self.xp
        low = xp.searchsorted(ordered, codes, side="left")
        high = xp.searchsorted(ordered, codes, side="right")
        ends = xp.cumsum(high - low)
        total = int(ends[-1]) if ends.shape[0] else 0
        pair = xp.arange(total, dtype=ends.dtype)
        query = xp.searchsorted(ends, pair, side="right")  # a query per pair, on either backend
        place = pair - (ends - high + low)[query] + low[query]
        return query, order[place]
