"""Small conversions every GPU engine needs to meet its kernels' parameter types."""

import numpy as np

# The C type of each float dtype the float kernels are compiled for.
CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def int64_arrays(xp, *arrays):
    """Host arrays (per group, per item) as C-contiguous int64 arrays of ``xp``, for ``long long*``
    parameters: one array for one, a list for several."""
    out = [xp.asarray(np.ascontiguousarray(a, dtype=np.int64)) for a in arrays]
    return out[0] if len(out) == 1 else out


def unused_rows(xp):
    """A one-element int64 array where a kernel's optional row array is not read."""
    return xp.empty(1, dtype=xp.int64)
