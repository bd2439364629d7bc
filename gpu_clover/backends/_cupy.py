"""The CuPy backend: the array layer on one CUDA device.

Transfers through pinned buffers, device facts (free memory for tiles, retries with
smaller tiles), and the grouped primitives as kernels of ``backends/kernels`` (counts,
ranges, gathers, checks: integer atomics or fixed-order sums, compiled once per dtype).
The algorithms' GPU engines live beside them (``cluster``, ``neighbors``,
``over_sampling``). cuML is never required.
"""

import cupy as cp
import numpy as np

from .. import _cuda
from .._cuda import CHECKED_INTEGERS, CTYPES, KEY_TYPES, TAKE_TYPES, int64_arrays
from . import _transfer
from ._base import Backend

# Largest share of the free device memory one temporary tile may take.
_TILE_SHARE = 0.125
_MAX_OOM_RETRIES = 4
# Up to this many segments a segmented sum is a one-hot matrix product.
_ONE_HOT_MAX_SEGMENTS = 1024
# Whole-array reductions go through rows of this many elements first.
_REDUCE_WIDTH = 4096
# Whole-array float sums: at most this many float64 block sums reach the host.
_MAX_PARTIAL_BLOCKS = 4096


def _checks(dtype_name, expression):
    """A kernel of the ``checks`` module of ``dtype_name``'s C type (an integer or float dtype)."""
    ctype = CHECKED_INTEGERS.get(dtype_name) or _cuda.FLOAT_CTYPES[dtype_name]
    return _cuda.kernel("checks", ctype, expression)


def _integer_codes(codes):
    """``codes`` flat, contiguous and of a type the integer kernels take."""
    flat = cp.ascontiguousarray(codes).reshape(-1)
    return flat if flat.dtype.name in CHECKED_INTEGERS else flat.astype(cp.int64)


class CuPyBackend(Backend):
    """Runs every stage on one CUDA device with CuPy."""

    name = "cupy"
    xp = cp

    # ----------------------------------------------------------------- data
    def __init__(self):
        self._tile_scale = 1.0

    def asarray(self, a, dtype=None):
        if isinstance(a, np.ndarray) and a.nbytes >= _transfer.STAGED_MIN_BYTES:
            a = _transfer.to_device(a)  # large host arrays: pinned staging, the cast on the device
        return cp.asarray(a, dtype=dtype)

    def to_host(self, a):
        if not isinstance(a, cp.ndarray):
            return np.asarray(a)
        return _transfer.to_host_into(a, np.empty(a.shape, dtype=a.dtype))

    def to_host_into(self, a, out):
        if a.dtype == out.dtype and out.flags.c_contiguous:
            _transfer.to_host_into(a, out)  # straight into the caller's array, through pinned buffers
        else:
            out[...] = self.to_host(a)

    def is_native(self, a):
        return isinstance(a, cp.ndarray)

    def copy_into(self, dst, src):
        if dst.dtype == src.dtype and dst.shape == src.shape and dst.flags.c_contiguous and src.flags.c_contiguous:
            self._memcpy(dst, src)  # no kernel to compile
        else:
            dst[...] = src

    @staticmethod
    def _memcpy(dst, src):
        """Device-to-device copy of ``src``'s bytes into ``dst`` (C-contiguous, same size)."""
        if src.nbytes:
            dst.data.copy_from_device_async(src.data, src.nbytes)

    def synchronize(self):
        cp.cuda.get_current_stream().synchronize()

    def tile_elements(self, itemsize=8):
        free, _ = cp.cuda.runtime.memGetInfo()
        free += cp.get_default_memory_pool().free_bytes()
        return max(1 << 20, int(free * _TILE_SHARE * self._tile_scale) // itemsize)

    def distance_dtype(self, dtype):
        return dtype  # float32 stays float32; rows are centered per group first

    def run_tiled(self, function, *args, **kwargs):
        # Out of device memory: the pool's free blocks released and the tiles halved, a few
        # times, before the error reaches the caller with what was free.
        try:
            for _ in range(_MAX_OOM_RETRIES):
                try:
                    return function(*args, **kwargs)
                except cp.cuda.memory.OutOfMemoryError:
                    cp.get_default_memory_pool().free_all_blocks()
                    self._tile_scale /= 2
            try:
                return function(*args, **kwargs)
            except cp.cuda.memory.OutOfMemoryError as error:
                free, total = cp.cuda.runtime.memGetInfo()
                raise MemoryError(
                    f"gpu_clover ran out of GPU memory in {function.__name__} even with tiles "
                    f"{int(1 / self._tile_scale)}x smaller ({free / 2**30:.1f} of {total / 2**30:.1f} GiB free): "
                    f"{error}. Use fewer rows per call, or backend='numpy'."
                ) from None
        finally:
            self._tile_scale = 1.0

    def device_name(self):
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        return props["name"].decode()

    # ------------------------------------------------ reductions and labels
    def reduce_to_scalar(self, a, op, dtype=None):
        if (
            a.size
            and dtype is None
            and (
                (op in ("min", "max") and a.dtype.name in CHECKED_INTEGERS)
                or (op in ("all", "any") and a.dtype == cp.bool_)
            )
        ):
            return self._check_scalar(cp.ascontiguousarray(a).reshape(-1), op)
        if op == "sum" and a.size and a.dtype in CTYPES and dtype in (None, np.float64):
            # Float sums (the inertia): float64 block sums of one module, added on the host.
            flat = cp.ascontiguousarray(a).reshape(-1)
            chunk = max(_REDUCE_WIDTH, -(-flat.size // _MAX_PARTIAL_BLOCKS))
            partial = cp.empty(-(-flat.size // chunk), dtype=cp.float64)
            _cuda.kernel("neighbors", CTYPES[a.dtype], "partial_sums")(
                _cuda.block_per_item(partial.size), a=flat, n=flat.size, chunk=chunk, partial=partial
            )
            return float(self.to_host(partial).sum())
        # CuPy's own kernels give a whole-array reduction to one block; rows of
        # _REDUCE_WIDTH elements reduced in parallel first keep every SM busy (no CUB).
        kwargs = {} if dtype is None else {"dtype": dtype}
        flat = a.reshape(-1)
        n_head = flat.size - flat.size % _REDUCE_WIDTH
        if n_head < 4 * _REDUCE_WIDTH:
            return getattr(flat, op)(**kwargs).item()
        parts = getattr(flat[:n_head].reshape(-1, _REDUCE_WIDTH), op)(axis=1, **kwargs)
        if n_head < flat.size:
            parts = cp.concatenate([parts, getattr(flat[n_head:], op)(keepdims=True, **kwargs)])
        return getattr(parts, op)().item()

    def _check_scalar(self, flat, op):
        # Integer ranges and boolean any / all: one kernel with integer atomics per block
        # (order-free), compiled once per dtype instead of CuPy's reductions per shape.
        launch = _cuda.atomic_reduction(flat.size)
        if op in ("min", "max"):
            out = cp.asarray(np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min]))
            _checks(flat.dtype.name, "integer_range")(launch, a=flat, n=flat.size, out=out)
            low, high = self.to_host(out)
            return int(low if op == "min" else high)
        out = cp.asarray(np.array([0, 1], dtype=np.int32))
        _cuda.kernel("checks", None, "any_and_all")(launch, a=flat, n=flat.size, out=out)
        found_any, found_all = self.to_host(out)
        return bool(found_any if op == "any" else found_all)

    def all_finite(self, X):
        if X.dtype not in CTYPES or not X.size:
            return super().all_finite(X)
        flat = cp.ascontiguousarray(X).reshape(-1)
        out = cp.asarray(np.ones(1, dtype=np.int32))
        _checks(X.dtype.name, "all_finite")(_cuda.atomic_reduction(flat.size), a=flat, n=flat.size, out=out)
        return bool(self.to_host(out)[0])

    def bincount(self, codes, n_bins):
        # cupy.bincount first checks (codes < 0).any() and codes.max(): two whole-array
        # reductions and two host synchronizations per call. The range is known here,
        # so the counts are one scatter-add kernel (integer atomics, shared memory first;
        # the atomics add unsigned 64-bit integers: the same bits for counts).
        counts = cp.zeros(n_bins, dtype=cp.int64)
        if codes.size:
            flat = _integer_codes(codes)
            _checks(flat.dtype.name, "count_codes")(
                _cuda.atomic_reduction(flat.size), codes=flat, n=flat.size, n_bins=n_bins, counts=counts.view(cp.uint64)
            )
        return counts

    def first_occurrence(self, codes, n_codes):
        # One pass of integer atomics (the largest n - i per code), then first = n - that.
        flat = _integer_codes(codes)
        n = flat.size
        first = cp.zeros(n_codes, dtype=cp.int64)
        if n:
            _checks(flat.dtype.name, "last_from_end")(
                _cuda.atomic_reduction(n), codes=flat, n=n, n_bins=n_codes, out=first
            )
        if n_codes:
            _checks(flat.dtype.name if n else "int64", "first_from_end")(
                _cuda.thread_per_item(n_codes), out=first, n_bins=n_codes, n=n
            )
        return first

    def segment_sum(self, values, segment_ids, n_segments):
        if values.ndim != 2 or n_segments > _ONE_HOT_MAX_SEGMENTS:
            out = cp.zeros((n_segments,) + values.shape[1:], dtype=values.dtype)
            cp.add.at(out, segment_ids, values)
            return out
        # Few segments (k-means centers): a one-hot GEMM per row tile, no atomics contending
        # on k addresses.
        out = cp.zeros((n_segments, values.shape[1]), dtype=values.dtype)
        segments = cp.arange(n_segments)[:, None]
        step = max(1, self.tile_elements(values.itemsize) // n_segments)
        for start in range(0, values.shape[0], step):
            one_hot = (segment_ids[None, start : start + step] == segments).astype(values.dtype)
            out += one_hot @ values[start : start + step]
        return out

    def stable_argsort(self, a, axis=-1):
        return cp.argsort(a, axis=axis)  # CuPy's sort is always stable (and takes no kind)

    def take(self, a, indices):
        fits = indices.ndim == 1 and indices.dtype.name in CHECKED_INTEGERS and a.dtype.name in TAKE_TYPES
        if not fits or not a.flags.c_contiguous or not indices.size:
            return super().take(a, indices)
        out = cp.empty((indices.shape[0],) + a.shape[1:], dtype=a.dtype)
        row_length = out.size // indices.shape[0]
        index_type = CHECKED_INTEGERS[indices.dtype.name]
        _checks(indices.dtype.name, f"take_rows<{TAKE_TYPES[a.dtype.name]}, {index_type}>")(
            _cuda.grid_stride(out.size),
            a=a,
            index=cp.ascontiguousarray(indices),
            n_index=indices.shape[0],
            row_length=row_length,
            out=out,
        )
        return out

    def combined_codes(self, major, minor, n_minor, dtype):
        dtype = np.dtype(dtype)
        fits = major.dtype == minor.dtype and major.dtype.name in CHECKED_INTEGERS and dtype.name in KEY_TYPES
        if not fits or major.shape != minor.shape:
            return super().combined_codes(major, minor, n_minor, dtype)
        out = cp.empty(major.shape, dtype=dtype)
        if out.size:
            code_type = CHECKED_INTEGERS[major.dtype.name]
            _checks(major.dtype.name, f"combined_codes<{code_type}, {KEY_TYPES[dtype.name]}>")(
                _cuda.grid_stride(out.size),
                major=cp.ascontiguousarray(major),
                minor=cp.ascontiguousarray(minor),
                n=out.size,
                n_minor=n_minor,
                out=out,
            )
        return out

    def repeat_values(self, values, counts):
        ends = np.cumsum(counts, dtype=np.int64)
        total = int(ends[-1]) if len(ends) else 0
        out = cp.empty(total, dtype=cp.int64)
        if total:
            _cuda.kernel("placement", None, "repeat_values")(
                _cuda.grid_stride(total),
                ends=cp.asarray(ends),
                n_items=len(ends),
                values=int64_arrays(cp, values),
                n_out=total,
                out=out,
            )
        return out
