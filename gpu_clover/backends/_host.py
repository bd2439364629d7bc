"""Host-side helpers shared by the backends: large copies split among threads, kNN results without the row itself."""

import functools
import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Copies below this size are not worth splitting among threads.
_SPLIT_MIN_BYTES = 4 << 20
_COPY_THREADS = max(1, min(8, os.cpu_count() or 1))
_PAGE = 4096


@functools.cache
def _copy_pool():
    return ThreadPoolExecutor(max_workers=_COPY_THREADS, thread_name_prefix="gpu_clover-copy")


def as_bytes(a):
    """The C-contiguous array ``a`` as a flat ``uint8`` view."""
    if not a.flags.c_contiguous:
        raise ValueError("a flat byte view needs a C-contiguous array")
    return a.reshape(-1).view(np.uint8)


def host_copy(dst, src, threads=None):
    """``dst[...] = src`` for C-contiguous host arrays holding the same number of bytes.

    Large copies are split into page-aligned parts copied by a thread pool: NumPy
    releases the GIL while it copies plain numbers, so the parts (and the page
    faults of a freshly allocated ``dst``) proceed in parallel.
    """
    dst_bytes, src_bytes = as_bytes(dst), as_bytes(src)
    if dst_bytes.size != src_bytes.size:
        raise ValueError(f"host_copy needs equal sizes; got {dst_bytes.size} and {src_bytes.size} bytes.")
    threads = _COPY_THREADS if threads is None else max(1, int(threads))
    n = dst_bytes.size
    if n < _SPLIT_MIN_BYTES or threads == 1:
        np.copyto(dst_bytes, src_bytes)
        return dst
    bounds = [min(n, (n * i // threads) // _PAGE * _PAGE) for i in range(threads)] + [n]
    parts = [
        _copy_pool().submit(np.copyto, dst_bytes[a:b], src_bytes[a:b]) for a, b in itertools.pairwise(bounds) if b > a
    ]
    for part in parts:
        part.result()
    return dst


def without_self(found, own):
    """Each row of a kNN result without its own index ``own[i]``, as scikit-learn's
    ``kneighbors(X=None)`` removes it: where duplicates hid the row, the first column goes."""
    keep = found != own[:, None]
    keep[keep.all(axis=1), 0] = False
    return found[keep].reshape(found.shape[0], found.shape[1] - 1)
