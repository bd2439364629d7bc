"""The CuPy backend: the generic primitives on the GPU, plus scatter-adds and a fused interpolation kernel.

cuML is never required: the CuPy-native primitives are the engine.
"""

import functools

import cupy as cp
import numpy as np

from . import _transfer
from ._base import Backend
from ._kernels import TOPK_MAX, interpolate_kernel, rows_topk_kernel

# Largest share of the free device memory one temporary tile may take.
_TILE_SHARE = 0.125
_MAX_OOM_RETRIES = 4
# Up to this many segments a segmented sum is a one-hot matrix product.
_ONE_HOT_MAX_SEGMENTS = 1024
# Whole-array reductions go through rows of this many elements first.
_REDUCE_WIDTH = 4096


def _retry_on_oom(method):
    """Rerun a tiled primitive with tiles half as large when the device runs out of memory."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        for _ in range(_MAX_OOM_RETRIES):
            try:
                return method(self, *args, **kwargs)
            except cp.cuda.memory.OutOfMemoryError:
                cp.get_default_memory_pool().free_all_blocks()
                self._tile_scale /= 2
        try:
            return method(self, *args, **kwargs)
        except cp.cuda.memory.OutOfMemoryError as error:
            free, total = cp.cuda.runtime.memGetInfo()
            raise MemoryError(
                f"gpu_clover ran out of GPU memory in {method.__name__} even with tiles "
                f"{int(1 / self._tile_scale)}x smaller ({free / 2**30:.1f} of {total / 2**30:.1f} GiB free): "
                f"{error}. Use fewer rows per call, or backend='numpy'."
            ) from None
        finally:
            self._tile_scale = 1.0

    return wrapper


class CuPyBackend(Backend):
    """Runs every stage on one CUDA device with CuPy."""

    name = "cupy"
    xp = cp

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

    def synchronize(self):
        cp.cuda.get_current_stream().synchronize()

    def tile_elements(self, itemsize=8):
        free, _ = cp.cuda.runtime.memGetInfo()
        free += cp.get_default_memory_pool().free_bytes()
        return max(1 << 20, int(free * _TILE_SHARE * self._tile_scale) // itemsize)

    def distance_dtype(self, dtype):
        return dtype  # float32 stays float32; rows are centered per group first

    def device_name(self):
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        return props["name"].decode()

    def reduce_to_scalar(self, a, op, dtype=None):
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

    def bincount(self, codes, n_bins):
        # cupy.bincount first checks (codes < 0).any() and codes.max(): two whole-array
        # reductions and two host synchronizations per call. The range is known here,
        # so the counts are a plain scatter-add (uint64: an atomicAdd type CuPy supports).
        counts = cp.zeros(n_bins, dtype=cp.uint64)
        if codes.size:
            cp.add.at(counts, codes.astype(cp.int64, copy=False), cp.ones(codes.shape, dtype=cp.uint64))
        return counts.astype(cp.int64)

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

    def first_occurrence(self, codes, n_codes):
        first = cp.full(n_codes, codes.shape[0], dtype=cp.int64)
        cp.minimum.at(first, codes, cp.arange(codes.shape[0], dtype=cp.int64))
        return first

    def stable_argsort(self, a):
        return cp.argsort(a)  # CuPy's sort is always stable (and takes no kind)

    def topk_smallest(self, d, k):
        # k passes of argmin (k is small): no sort of the whole row.
        if k > 16:
            return cp.argpartition(d, k - 1, axis=-1)[..., :k]
        d = d.copy()
        picks = []
        for _ in range(k):
            best = cp.argmin(d, axis=-1)
            picks.append(best)
            cp.put_along_axis(d, best[..., None], cp.inf, axis=-1)
        return cp.stack(picks, axis=-1)

    def tile_topk_and_sums(self, a, b, n_valid, self_col, k, b_sq=None):
        kk = min(k, b.shape[-2])
        if kk > TOPK_MAX or a.dtype not in (cp.float32, cp.float64):
            return super().tile_topk_and_sums(a, b, n_valid, self_col, k, b_sq)
        # One GEMM for the dot products; the kernel adds the norms as it reads the tile,
        # so the tile is written once and read once.
        n_cols = b.shape[-2]
        gram = cp.matmul(a, cp.swapaxes(b, -1, -2)).reshape(-1, n_cols)
        a_sq = (a * a).sum(axis=-1).reshape(-1)
        b_sq = ((b * b).sum(axis=-1) if b_sq is None else b_sq).reshape(-1)
        n_rows = gram.shape[0]
        sums = cp.empty(n_rows, dtype=cp.float64)
        table = cp.empty((n_rows, max(kk, 1)), dtype=cp.int32)
        if n_rows:
            threads = 256
            blocks = (n_rows * 32 + threads - 1) // threads
            kernel = rows_topk_kernel("float" if gram.dtype == cp.float32 else "double")
            kernel(
                (blocks,),
                (threads,),
                (
                    cp.ascontiguousarray(gram),
                    np.int64(n_rows),
                    np.int64(n_cols),
                    cp.ascontiguousarray(n_valid, dtype=cp.int64),
                    cp.ascontiguousarray(self_col, dtype=cp.int64),
                    np.int32(max(kk, 1)),
                    cp.ascontiguousarray(a_sq, dtype=gram.dtype),
                    cp.ascontiguousarray(b_sq, dtype=gram.dtype),
                    np.int64(a.shape[-2]),  # rows per batch: row r's column norms are batch r // m's
                    table,
                    sums,
                ),
            )
        return table, sums

    nearest_center = _retry_on_oom(Backend.nearest_center)
    segmented_neighbors = _retry_on_oom(Backend.segmented_neighbors)

    def interpolate(self, X, base_rows, neighbor_rows, gaps, out):
        if out.shape[0] == 0:
            return out
        X = cp.ascontiguousarray(X)
        interpolate_kernel()(X, base_rows, neighbor_rows, gaps.astype(X.dtype, copy=False), X.shape[1], out)
        return out
