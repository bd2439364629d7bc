"""The categorical part of SMOTE-NC's distance: a penalty per column where two rows differ.

Rows carry one int32 code per categorical column. The squared distance of two rows is the
numeric part plus ``penalty`` times the number of columns whose codes differ: a count over a
few integer columns, never a one-hot block. Padding rows carry code -1, which differs from
every real code (their distance is masked or made far by the callers).
"""


def add_mismatches(xp, d, a_codes, b_codes, penalty):
    """``d[..., i, j] += penalty * (number of columns where a_codes[..., i, :] != b_codes[..., j, :])``.

    ``d`` is ``(..., m, n)``, ``a_codes`` ``(..., m, p)``, ``b_codes`` ``(..., n, p)``;
    ``penalty`` a scalar or an array that broadcasts against ``d``. Returns ``d``, written in place.
    """
    p = a_codes.shape[-1]
    if p == 0:
        return d
    count = xp.zeros(d.shape, dtype=xp.int16 if p < (1 << 15) else xp.int32)
    for column in range(p):
        count += a_codes[..., :, None, column] != b_codes[..., None, :, column]
    d += count.astype(d.dtype) * xp.asarray(penalty, dtype=d.dtype)
    return d


def row_mismatches(xp, a_codes, b_codes):
    """Columns where paired rows differ: ``(a_codes != b_codes).sum(-1)`` as int32."""
    return (a_codes != b_codes).sum(axis=-1, dtype=xp.int32)


def padded_codes(xp, codes, n_rows):
    """``codes`` with rows of -1 appended up to ``n_rows`` rows."""
    extra = n_rows - codes.shape[0]
    if extra <= 0:
        return codes
    return xp.concatenate([codes, xp.full((extra, codes.shape[1]), -1, dtype=codes.dtype)])
