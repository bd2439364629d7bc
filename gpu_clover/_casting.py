"""Synthetic rows back to the caller's dtype: never wrapped around, loss of precision said aloud.

Every stage computes in floating point; integer and boolean features get their
synthetic values converted back at the end. The original rows never take this
route: they are copied from the caller's validated array, so they come back exact.
"""

import warnings

import numpy as np

# float64 holds every integer up to this magnitude exactly.
EXACT_FLOAT_INTEGER = 2**53


def cast_values(xp, values, dtype):
    """``values`` as ``dtype``, with what a plain ``astype`` would wrap around clipped instead.

    Floats become integers as ``astype`` makes them (truncated towards zero, as
    imbalanced-learn does) when in range, and the nearest end of the range when not;
    integers are clipped to the target's range; a boolean target takes "non-zero"
    (as ``astype``) and a boolean source its 0 and 1; floats narrowed to a smaller
    float are clipped to its largest finite value.

    Returns
    -------
    out : array of ``dtype``
    clipped : host bool array, one per column (per value for 1-D ``values``)
        Which columns held a value outside ``dtype``'s range.
    """
    dtype = np.dtype(dtype)
    source = np.dtype(values.dtype)
    if dtype == source or dtype.kind == "b" or source.kind == "b":
        return values.astype(dtype, copy=False), _no_clip(values)
    if dtype.kind == "f":
        if source.kind == "f" and np.finfo(dtype).max < np.finfo(source).max:
            limit = float(np.finfo(dtype).max)
            return _clip_and_cast(xp, values, -limit, limit, dtype)
        return values.astype(dtype), _no_clip(values)
    info = np.iinfo(dtype)
    if source.kind == "f":
        return _float_to_integer(xp, values, dtype)
    low, high = max(int(info.min), int(np.iinfo(source).min)), min(int(info.max), int(np.iinfo(source).max))
    return _clip_and_cast(xp, values, low, high, dtype)


def _no_clip(values):
    return np.zeros(values.shape[1:] if values.ndim > 1 else values.shape, dtype=bool)


def _clip_and_cast(xp, values, low, high, dtype):
    outside = (values < low) | (values > high)
    return xp.clip(values, low, high).astype(dtype), _columns_with(outside)


def _float_to_integer(xp, values, dtype):
    # The range's ends as floats of the source dtype, rounded inwards: int64's largest
    # value is no float64 (it rounds up to 2**63) and uint16's none of float16.
    info, kind = np.iinfo(dtype), values.dtype.type
    with np.errstate(over="ignore"):  # an end beyond the source's range is its infinity
        top, bottom = kind(info.max), kind(info.min)
    if not np.isfinite(top) or int(top) > info.max:
        top = np.nextafter(top, kind(0))
    whole = xp.trunc(values)
    too_high = whole > top
    out = xp.where(too_high, xp.asarray(info.max, dtype=dtype), xp.clip(whole, bottom, top).astype(dtype))
    return out, _columns_with(too_high | (whole < bottom))


def _columns_with(mask):
    mask = mask.any(axis=0) if mask.ndim > 1 else mask
    return np.asarray(mask.get() if hasattr(mask, "get") else mask, dtype=bool)


def inexact_columns(X):
    """Per column (host bool): whether an integer ``X`` (any array library) holds a value float64 cannot hold exactly."""
    if X.dtype.kind not in "iu" or X.dtype.itemsize * 8 <= 53 or X.shape[0] == 0:
        return np.zeros(X.shape[1], dtype=bool)
    highest = _host(X.max(axis=0)).astype(object)
    lowest = _host(X.min(axis=0)).astype(object)
    return np.array([hi > EXACT_FLOAT_INTEGER or lo < -EXACT_FLOAT_INTEGER for hi, lo in zip(highest, lowest)])


def _host(a):
    a = a.compute() if hasattr(a, "compute") else a  # dask, whose blocks may be CuPy's
    return np.asarray(a.get() if hasattr(a, "get") else a)


def warn_about_casts(columns, inexact, clipped, stacklevel=3):
    """Warn about synthetic values that are not exact: beyond 2**53, or outside their dtype's range."""
    names = list(range(len(inexact))) if columns is None else list(columns)
    rounded = [str(names[j]) for j in np.flatnonzero(inexact)]
    if rounded:
        warnings.warn(
            f"Feature column(s) {', '.join(rounded)} hold integers beyond 2**53 in magnitude, the limit of "
            "float64's exact integers: synthetic values there are computed in float64 and rounded to its "
            "precision. The original rows come back exact.",
            UserWarning,
            stacklevel=stacklevel,
        )
    outside = [str(names[j]) for j in np.flatnonzero(clipped & ~inexact)]
    if outside:
        warnings.warn(
            f"Synthetic values in feature column(s) {', '.join(outside)} fell outside the range of the "
            "column's dtype and were clipped to it.",
            UserWarning,
            stacklevel=stacklevel,
        )
