"""The CuPy backend: the generic primitives on the GPU, plus scatter-adds and a fused interpolation kernel.

cuML is never required: the CuPy-native primitives are the engine.
"""

import functools

import cupy as cp
import numpy as np

from .. import _cuda
from .._cuda import CHECKED_INTEGERS, KEY_TYPES, SEED_MAX_TRIALS, SEED_THREADS, TAKE_TYPES, TOPK_MAX
from . import _transfer
from ._base import Backend

# Largest share of the free device memory one temporary tile may take.
_TILE_SHARE = 0.125
_MAX_OOM_RETRIES = 4
# Up to this many segments a segmented sum is a one-hot matrix product.
_ONE_HOT_MAX_SEGMENTS = 1024
# Whole-array reductions go through rows of this many elements first.
_REDUCE_WIDTH = 4096
# The fused k-means kernels: their C type per dtype, and their limits. Seeding's pick
# scans one total per SEED_THREADS rows in a single block (so rows up to _SEED_MAX_ROWS);
# the center update scans the labels once per center (up to _UPDATE_MAX_CENTERS), in
# chunks of at least _UPDATE_CHUNK_ROWS rows whose float64 partial sums take at most
# _PARTIAL_ELEMENTS values.
_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_SEED_MAX_ROWS = SEED_THREADS * SEED_THREADS
_UPDATE_MAX_CENTERS = 1024
_UPDATE_CHUNK_ROWS = 256
_PARTIAL_ELEMENTS = 1 << 22
_MAX_GRID_Y = 65535
# Rows per chunk of the float64 column sums (a block's rows of padded_partial_sums).
SUM_CHUNK_ROWS = 2048
# Whole-array float sums: at most this many float64 block sums reach the host.
_MAX_PARTIAL_BLOCKS = 4096


# Geometric SMOTE's selection strategies as the geometric_rows kernel numbers them.
_SURFACE_STRATEGIES = {"minority": 0, "majority": 1, "combined": 2}


def _int64_on_device(*arrays):
    """Host arrays (per group, per item) as C-contiguous int64 device arrays, for kernel
    arguments: one array for one, a list for several."""
    out = [cp.asarray(np.ascontiguousarray(a, dtype=np.int64)) for a in arrays]
    return out[0] if len(out) == 1 else out


def _no_rows():
    """A one-element int64 array where a kernel's optional row array is not read."""
    return cp.empty(1, dtype=cp.int64)


def _checks(dtype_name, expression):
    """A kernel of the ``checks`` module of ``dtype_name``'s C type (an integer or float dtype)."""
    ctype = CHECKED_INTEGERS.get(dtype_name) or _cuda.FLOAT_CTYPES[dtype_name]
    return _cuda.kernel("checks", ctype, expression)


def _integer_codes(codes):
    """``codes`` flat, contiguous and of a type the integer kernels take."""
    flat = cp.ascontiguousarray(codes).reshape(-1)
    return flat if flat.dtype.name in CHECKED_INTEGERS else flat.astype(cp.int64)


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
        if op == "sum" and a.size and a.dtype in _CTYPES and dtype in (None, np.float64):
            # Float sums (the inertia): float64 block sums of one module, added on the host.
            flat = cp.ascontiguousarray(a).reshape(-1)
            chunk = max(_REDUCE_WIDTH, -(-flat.size // _MAX_PARTIAL_BLOCKS))
            partial = cp.empty(-(-flat.size // chunk), dtype=cp.float64)
            _cuda.kernel("neighbors", _CTYPES[a.dtype], "partial_sums")(
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
        if X.dtype not in _CTYPES or not X.size:
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
                values=_int64_on_device(values),
                n_out=total,
                out=out,
            )
        return out

    # ---------------------------------------------------- column statistics
    def _column_partials(self, block, means=None):
        """Float64 column sums of each group of ``block`` (``(n_groups, size, d)``) per row chunk,
        ``(n_groups, n_chunks, d)``: of the values, or with ``means`` of their squared deviations."""
        n_groups, size, d = block.shape
        chunk_rows = max(SUM_CHUNK_ROWS, -(-size // _MAX_GRID_Y))
        n_chunks = -(-size // chunk_rows)
        partial = cp.empty((n_groups, n_chunks, d), dtype=cp.float64)
        _cuda.kernel("neighbors", _CTYPES[block.dtype], "padded_partial_sums")(
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

    def _column_means(self, block, lengths):
        """Each group's column means (``lengths``: its real rows, on the device), in ``block``'s dtype."""
        n_groups, _, d = block.shape
        partial = self._column_partials(block)
        means = cp.empty((n_groups, d), dtype=block.dtype)
        _cuda.kernel("neighbors", _CTYPES[block.dtype], "group_means")(
            _cuda.thread_per_item(n_groups * d),
            partial=partial,
            lengths=lengths,
            n_groups=n_groups,
            d=d,
            n_chunks=partial.shape[1],
            means=means,
        )
        return means

    def mean_feature_variance(self, X):
        if X.dtype not in _CTYPES or X.ndim != 2 or X.size == 0:
            return super().mean_feature_variance(X)
        # Two passes of float64 column sums in a fixed order: the means, then the squared deviations.
        block = cp.ascontiguousarray(X)[None]
        n, d = X.shape
        means = self._column_means(block, cp.asarray(np.array([n], dtype=np.int64)))
        squares = self.to_host(self._column_partials(block, means))
        return float(squares.sum(axis=(0, 1)).sum() / (n * d))

    def minmax_scaled(self, X):
        if X.dtype not in _CTYPES or X.ndim != 2 or not X.size:
            return super().minmax_scaled(X)
        # Per row chunk the min and max of every feature (order-free), per feature their
        # totals, then the scaling: three launches of the k-means module.
        X = cp.ascontiguousarray(X)
        (n, d), ctype = X.shape, _CTYPES[X.dtype]
        n_chunks = -(-n // SUM_CHUNK_ROWS)
        partial_low = cp.empty((n_chunks, d), dtype=X.dtype)
        partial_high = cp.empty((n_chunks, d), dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "column_ranges")(
            _cuda.blocks((n_chunks, -(-d // 32))),
            X=X,
            n=n,
            d=d,
            chunk_rows=SUM_CHUNK_ROWS,
            partial_low=partial_low,
            partial_high=partial_high,
        )
        low, span = cp.empty(d, dtype=X.dtype), cp.empty(d, dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "range_totals")(
            _cuda.thread_per_item(d),
            partial_low=partial_low,
            partial_high=partial_high,
            n_chunks=n_chunks,
            d=d,
            low=low,
            span=span,
        )
        if not self.all_finite(span):  # a range that overflows X's dtype: the generic halving
            return super().minmax_scaled(X)
        out = cp.empty((n, d), dtype=cp.float32)
        _cuda.kernel("kmeans", ctype, "scale_to_unit")(
            _cuda.grid_stride(n * d), X=X, size=n * d, d=d, low=low, span=span, out=out
        )
        return out

    def centered_columns(self, X):
        if X.dtype not in _CTYPES or X.ndim != 2 or not X.size:
            return super().centered_columns(X)
        # A copy of X as one "group" of the segmented pass's kernels: its means, then centering.
        n, d = X.shape
        block = cp.empty((1, n, d), dtype=X.dtype)
        self.copy_into(block[0], cp.ascontiguousarray(X))
        lengths = cp.asarray(np.array([n], dtype=np.int64))
        means = self._column_means(block, lengths)
        sq = cp.empty((1, n), dtype=X.dtype)  # the kernel's squared norms, unused here
        _cuda.kernel("neighbors", _CTYPES[X.dtype], "center_padded")(
            _cuda.warp_per_item(n), block=block, means=means, lengths=lengths, n_padded=n, size=n, d=d, sq=sq
        )
        return block[0], self.to_host(means[0]).astype(np.float64)

    # ------------------------------------------------------ k-means and SOM
    @_retry_on_oom
    def nearest_center(self, X, centers, with_distances=False):
        if X.dtype not in _CTYPES or centers.dtype != X.dtype:
            return super().nearest_center(X, centers, with_distances)
        # Per row tile: one GEMM for the dot products, one kernel for |c|^2 - 2 x.c and its argmin.
        X, centers = cp.ascontiguousarray(X), cp.ascontiguousarray(centers)
        (n, d), k = X.shape, centers.shape[0]
        ctype = _CTYPES[X.dtype]
        c_sq = cp.empty(k, dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "row_sq_norms")(_cuda.thread_per_item(k, 128), C=centers, k=k, d=d, out=c_sq)
        labels = cp.empty(n, dtype=cp.int32)
        min_sq = cp.empty(n if with_distances else 1, dtype=X.dtype)
        nearest = _cuda.kernel("kmeans", ctype, "nearest_from_dots")
        step = max(1, self.tile_elements(X.itemsize) // max(1, k))
        for start in range(0, n, step):
            block = X[start : start + step]
            rows = block.shape[0]
            dots = cp.matmul(block, centers.T)
            out_sq = min_sq[start:] if with_distances else min_sq
            nearest(
                _cuda.warp_per_item(rows),
                dots=dots,
                c_sq=c_sq,
                X=block,
                n=rows,
                k=k,
                d=d,
                labels=labels[start:],
                min_sq=out_sq,
                with_distances=with_distances,
            )
        return (labels, min_sq) if with_distances else labels

    def kmeans_plusplus(self, X, first, uniforms):
        n, d = X.shape
        n_trials = uniforms.shape[1]
        if X.dtype not in _CTYPES or n > _SEED_MAX_ROWS or n_trials > SEED_MAX_TRIALS:
            return super().kmeans_plusplus(X, first, uniforms)
        # Per step: a pick (one block: the best swept candidate, then new draws), then a
        # sweep (every row against each new candidate). Nothing comes back to the host.
        X = cp.ascontiguousarray(X)
        uniforms = cp.ascontiguousarray(uniforms, dtype=cp.float64)
        n_clusters = uniforms.shape[0] + 1
        n_blocks = -(-n // SEED_THREADS)
        ctype = _CTYPES[X.dtype]
        sweep, pick = _cuda.kernel("kmeans", ctype, "seed_sweep"), _cuda.kernel("kmeans", ctype, "seed_pick")
        sweep_shape, pick_shape = _cuda.blocks((n_blocks,), SEED_THREADS), _cuda.blocks((1,), SEED_THREADS)
        trial_d = cp.empty((n_trials, n), dtype=cp.float64)  # each row's distance after each candidate
        partial = cp.empty((n_blocks, SEED_MAX_TRIALS), dtype=cp.float64)  # their sums per row block
        first = cp.ascontiguousarray(first, dtype=cp.int64)  # the first sweep's only candidate
        candidates = cp.empty(n_trials, dtype=cp.int64)
        kept = cp.zeros(1, dtype=cp.int32)
        chosen = cp.empty(n_clusters, dtype=cp.int64)
        rows = {"X": X, "n": n, "d": d, "kept": kept, "trial_d": trial_d, "partial": partial}
        sweep(sweep_shape, **rows, n_trials=1, candidates=first, first_sweep=1)
        for center in range(n_clusters):
            draws = n_trials if center + 1 < n_clusters else 0
            pick(
                pick_shape,
                trial_d=trial_d,
                partial=partial,
                n=n,
                n_blocks=n_blocks,
                n_swept=1 if center == 0 else n_trials,
                n_trials=draws,
                uniforms=uniforms[center] if draws else uniforms,
                swept=first if center == 0 else candidates,
                candidates=candidates,
                kept=kept,
                chosen=chosen,
                center=center,
            )
            if draws:
                sweep(sweep_shape, **rows, n_trials=n_trials, candidates=candidates, first_sweep=0)
        return chosen

    def lloyd_step(self, X, centers):
        k, d = centers.shape
        if X.dtype not in _CTYPES or centers.dtype != X.dtype or k > _UPDATE_MAX_CENTERS:
            return super().lloyd_step(X, centers)
        X, centers = cp.ascontiguousarray(X), cp.ascontiguousarray(centers)
        partial, partial_counts = self._center_partials(X, self.nearest_center(X, centers), k)
        n_chunks = partial.shape[0]
        ctype = _CTYPES[X.dtype]
        new = cp.empty_like(centers)
        report = cp.empty(2 * k, dtype=cp.float64)  # per center: squared shift, then rows
        _cuda.kernel("kmeans", ctype, "finalize_centers")(
            _cuda.block_per_item(k, 128),
            partial=partial,
            partial_counts=partial_counts,
            n_chunks=n_chunks,
            k=k,
            d=d,
            old=centers,
            out=new,
            report=report,
        )
        report = self.to_host(report)
        return new, report[k:].astype(np.int64), float(report[:k].sum())

    def _center_partials(self, X, labels, k):
        """Float64 column sums and row counts of the rows labelled c, per row chunk:
        ``(partial (n_chunks, k, d), partial_counts (n_chunks, k))``, in a fixed order."""
        n, d = X.shape
        n_chunks = max(1, min(-(-n // _UPDATE_CHUNK_ROWS), _PARTIAL_ELEMENTS // (k * d), _MAX_GRID_Y))
        chunk_rows = -(-n // n_chunks)
        partial = cp.empty((n_chunks, k, d), dtype=cp.float64)
        partial_counts = cp.empty((n_chunks, k), dtype=cp.int64)
        _cuda.kernel("kmeans", _CTYPES[X.dtype], "center_partial_sums")(
            _cuda.blocks((k, n_chunks, -(-d // 32))),
            X=X,
            labels=labels,
            n=n,
            d=d,
            k=k,
            chunk_rows=chunk_rows,
            partial=partial,
            partial_counts=partial_counts,
        )
        return partial, partial_counts

    def som_epoch(self, X, weights, grid_sq, width, learning_rate):
        k, d = weights.shape
        if X.dtype not in _CTYPES or weights.dtype != X.dtype or k > _UPDATE_MAX_CENTERS:
            return super().som_epoch(X, weights, grid_sq, width, learning_rate)
        # The k-means kernels give each neuron's rows (sums and counts, float64 in a fixed
        # order); the neighbourhood's weighting is two small GEMMs; one kernel moves the neurons.
        X, weights = cp.ascontiguousarray(X), cp.ascontiguousarray(weights)
        ctype = _CTYPES[X.dtype]
        grid_sq = cp.ascontiguousarray(grid_sq, dtype=cp.float64)
        influence = cp.empty((k, k), dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "som_influence")(
            _cuda.grid_stride(k * k), grid_sq=grid_sq, n=k * k, scale=1.0 / (2 * width * width), out=influence
        )
        partial, partial_counts = self._center_partials(X, self.nearest_center(X, weights), k)
        sums = cp.empty((k, d), dtype=X.dtype)
        counts = cp.empty(k, dtype=X.dtype)
        _cuda.kernel("kmeans", ctype, "chunk_totals")(
            _cuda.block_per_item(k, 128),
            partial=partial,
            partial_counts=partial_counts,
            n_chunks=partial.shape[0],
            k=k,
            d=d,
            sums=sums,
            counts=counts,
        )
        numerator, denominator = cp.matmul(influence, sums), cp.matmul(influence, counts)
        out = cp.empty_like(weights)
        _cuda.kernel("kmeans", ctype, "som_update")(
            _cuda.grid_stride(k * d),
            weights=weights,
            numerator=numerator,
            denominator=denominator,
            learning_rate=learning_rate,
            k=k,
            d=d,
            out=out,
        )
        return out

    # ------------------------------------------------------- segmented pass
    def tile_topk_and_sums(self, a, b, n_valid, self_col, k, b_sq=None, a_sq=None):
        kk = min(k, b.shape[-2])
        if kk > TOPK_MAX or a.dtype not in (cp.float32, cp.float64):
            return super().tile_topk_and_sums(a, b, n_valid, self_col, k, b_sq, a_sq)
        # One GEMM for the dot products; the kernel adds the norms as it reads the tile,
        # so the tile is written once and read once.
        n_cols = b.shape[-2]
        gram = cp.matmul(a, cp.swapaxes(b, -1, -2)).reshape(-1, n_cols)
        a_sq = ((a * a).sum(axis=-1) if a_sq is None else a_sq).reshape(-1)
        b_sq = ((b * b).sum(axis=-1) if b_sq is None else b_sq).reshape(-1)
        n_rows = gram.shape[0]
        sums = cp.empty(n_rows, dtype=cp.float64)
        table = cp.empty((n_rows, max(kk, 1)), dtype=cp.int32)
        if n_rows:
            _cuda.kernel("neighbors", _CTYPES[gram.dtype], "rows_topk_and_sums")(
                _cuda.warp_per_item(n_rows),
                d=cp.ascontiguousarray(gram),
                n_rows=n_rows,
                n_cols=n_cols,
                n_valid=cp.ascontiguousarray(n_valid, dtype=cp.int64),
                self_col=cp.ascontiguousarray(self_col, dtype=cp.int64),
                k=max(kk, 1),
                a_sq=cp.ascontiguousarray(a_sq, dtype=gram.dtype),
                b_sq=cp.ascontiguousarray(b_sq, dtype=gram.dtype),
                rows_per_batch=a.shape[-2],  # row r's column norms are batch r // m's
                out_idx=table,
                out_sums=sums,
            )
        return table, sums

    segmented_neighbors = _retry_on_oom(Backend.segmented_neighbors)

    def gather_groups(self, X, rows, starts, lengths, size, dtype):
        n_groups, d = len(lengths), X.shape[1]
        if X.dtype not in _CTYPES or np.dtype(dtype) != X.dtype or rows.dtype != cp.int64 or not n_groups * size * d:
            return super().gather_groups(X, rows, starts, lengths, size, dtype)
        # Four launches of one module: the padded gather (with the top-k's limits), float64
        # column sums per row chunk, the means, then centering with the squared norms.
        X, rows = cp.ascontiguousarray(X), cp.ascontiguousarray(rows)
        n_padded = n_groups * size
        ctype = _CTYPES[X.dtype]
        starts, lengths = _int64_on_device(starts, lengths)
        block = cp.empty((n_groups, size, d), dtype=X.dtype)
        sq = cp.empty((n_groups, size), dtype=X.dtype)
        n_valid = cp.empty(n_padded, dtype=cp.int64)
        self_col = cp.empty(n_padded, dtype=cp.int64)
        _cuda.kernel("neighbors", ctype, "gather_padded")(
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
        means = self._column_means(block, lengths)
        _cuda.kernel("neighbors", ctype, "center_padded")(
            _cuda.warp_per_item(n_padded),
            block=block,
            means=means,
            lengths=lengths,
            n_padded=n_padded,
            size=size,
            d=d,
            sq=sq,
        )
        return block, sq, n_valid, self_col

    def scatter_groups(self, table, sums, table_starts, group_ids, lengths, nn, row_sums):
        if nn.dtype != cp.int32 or table.dtype != cp.int32 or not table.flags.c_contiguous:
            return super().scatter_groups(table, sums, table_starts, group_ids, lengths, nn, row_sums)
        n_groups = len(group_ids)
        m, kk_nn = nn.shape[0] // n_groups, nn.shape[1]
        nn = cp.ascontiguousarray(nn)
        if nn.size:
            device_lengths, device_starts = _int64_on_device(lengths, table_starts)
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
        values = cp.ascontiguousarray(row_sums, dtype=cp.float64).reshape(-1)
        _cuda.kernel("placement", None, "add_group_sums")(
            _cuda.block_per_item(n_groups),
            values=values,
            r=values.size // n_groups,
            group_ids=_int64_on_device(group_ids),
            sums=sums,
        )

    # ----------------------------------------------------------- generation
    def plan_rows(self, ends, keys, seed, start, stop):
        n = stop - start
        item, position = cp.empty(n, dtype=cp.int64), cp.empty(n, dtype=cp.int64)
        bases = cp.empty(n, dtype=cp.uint64)
        if n:
            _cuda.kernel("splitmix", None, "plan_rows")(
                _cuda.grid_stride(n),
                ends=_int64_on_device(ends),
                n_items=len(ends),
                keys=_int64_on_device(keys),
                seed=seed,
                start=start,
                n=n,
                item=item,
                position=position,
                bases=bases,
            )
        return item, position, bases

    def plan_draws(self, bases, position, draws_per_row, first, count):
        n = bases.shape[0]
        out = cp.empty((n, count), dtype=cp.uint64)
        if out.size:
            _cuda.kernel("splitmix", None, "plan_draws")(
                _cuda.grid_stride(out.size),
                bases=cp.ascontiguousarray(bases),
                position=cp.ascontiguousarray(position, dtype=cp.int64),
                draws_per_row=draws_per_row,
                first=first,
                count=count,
                n=n,
                out=out,
            )
        return out

    def fused_smote_intra(self, X, rows, table, keys, n_new, table_starts, lengths, offsets, k_group, seed, out):
        n_new = np.asarray(n_new, dtype=np.int64)
        total = int(n_new.sum())
        fits = X.dtype in _CTYPES and out.dtype == X.dtype and out.flags.c_contiguous and out.shape[0] == total
        if not fits or table.dtype != cp.int32 or rows.dtype != cp.int64 or total == 0:
            return False
        # One warp per synthetic row: the plan and the interpolation in one launch.
        ends = np.cumsum(n_new)
        per_group = [ends, ends - n_new, keys, table_starts, lengths, offsets, k_group]
        names = ("ends", "begins", "keys", "table_starts", "lengths", "offsets", "k_group")
        per_group = dict(zip(names, _int64_on_device(*per_group)))
        X, table = cp.ascontiguousarray(X), cp.ascontiguousarray(table)
        _cuda.kernel("generate", _CTYPES[X.dtype], "smote_intra_rows")(
            _cuda.warp_per_item(total),
            X=X,
            d=X.shape[1],
            rows=rows,
            table=table,
            width=table.shape[1],
            **per_group,
            n_items=len(n_new),
            seed=seed,
            start=0,
            n_out=total,
            out=out,
        )
        return True

    def fused_smote_inter(
        self, X, rows, keys, n_new, first_offsets, first_lengths, second_offsets, second_lengths, seed, out
    ):
        n_new = np.asarray(n_new, dtype=np.int64)
        total = int(n_new.sum())
        fits = X.dtype in _CTYPES and out.dtype == X.dtype and out.flags.c_contiguous and out.shape[0] == total
        if not fits or rows.dtype != cp.int64 or total == 0:
            return False
        ends = np.cumsum(n_new)
        per_pair = [ends, ends - n_new, keys, first_offsets, first_lengths, second_offsets, second_lengths]
        names = ("ends", "begins", "keys", "first_offsets", "first_lengths", "second_offsets", "second_lengths")
        per_pair = dict(zip(names, _int64_on_device(*per_pair)))
        _cuda.kernel("generate", _CTYPES[X.dtype], "smote_inter_rows")(
            _cuda.warp_per_item(total),
            X=cp.ascontiguousarray(X),
            d=X.shape[1],
            rows=rows,
            **per_pair,
            n_items=len(n_new),
            seed=seed,
            n_out=total,
            out=out,
        )
        return True

    def fused_geometric_rows(
        self, X, centers, surfaces, majority, strategy, uniforms, truncation_factor, deformation_factor, out
    ):
        fits = X.dtype in _CTYPES and out.dtype == X.dtype and out.flags.c_contiguous and X.ndim == 2
        if not fits or not out.shape[0]:
            return fits
        n, d = out.shape[0], X.shape[1]
        uniforms = cp.ascontiguousarray(uniforms, dtype=cp.float64)
        choice = _SURFACE_STRATEGIES[strategy] if majority is not None else 0
        majority = cp.ascontiguousarray(majority, dtype=cp.int64) if choice else _no_rows()
        _cuda.kernel("generate", _CTYPES[X.dtype], "geometric_rows")(
            _cuda.warp_per_item(n),
            X=cp.ascontiguousarray(X),
            d=d,
            centers=cp.ascontiguousarray(centers, dtype=cp.int64),
            surfaces=cp.ascontiguousarray(surfaces, dtype=cp.int64),
            majority=majority,
            strategy=choice,
            uniforms=uniforms,
            n_draws=uniforms.shape[1],
            n_out=n,
            truncation=truncation_factor,
            deformation=deformation_factor,
            out=out,
        )
        return True

    def fused_geometric_intra_ends(
        self,
        item,
        position,
        bases,
        draws_per_row,
        rows,
        table,
        table_starts,
        lengths,
        offsets,
        k_group,
        member_starts,
        negative,
    ):
        if table.dtype != cp.int32 or rows.dtype != cp.int64 or (negative is not None and negative.dtype != cp.int64):
            return None
        n = item.shape[0]
        center, surface = cp.empty(n, dtype=cp.int64), cp.empty(n, dtype=cp.int64)
        majority = cp.empty(n, dtype=cp.int64) if negative is not None else None
        if n:
            per_group = _int64_on_device(table_starts, lengths, offsets, k_group, member_starts)
            names = ("table_starts", "lengths", "offsets", "k_group", "member_starts")
            table = cp.ascontiguousarray(table)
            _cuda.kernel("splitmix", None, "geometric_intra_ends")(
                _cuda.grid_stride(n),
                item=item,
                position=position,
                bases=bases,
                draws_per_row=draws_per_row,
                n=n,
                rows=rows,
                table=table,
                width=table.shape[1],
                **dict(zip(names, per_group)),
                negative=negative if negative is not None else _no_rows(),
                with_negative=negative is not None,
                center=center,
                surface=surface,
                majority=majority if majority is not None else _no_rows(),
            )
        return center, surface, majority

    def fused_geometric_inter_ends(
        self, item, position, bases, draws_per_row, rows, first_offsets, first_lengths, second_offsets, second_lengths
    ):
        if rows.dtype != cp.int64:
            return None
        n = item.shape[0]
        center, surface = cp.empty(n, dtype=cp.int64), cp.empty(n, dtype=cp.int64)
        if n:
            per_pair = _int64_on_device(first_offsets, first_lengths, second_offsets, second_lengths)
            names = ("first_offsets", "first_lengths", "second_offsets", "second_lengths")
            _cuda.kernel("splitmix", None, "geometric_inter_ends")(
                _cuda.grid_stride(n),
                item=item,
                position=position,
                bases=bases,
                draws_per_row=draws_per_row,
                n=n,
                rows=rows,
                **dict(zip(names, per_pair)),
                center=center,
                surface=surface,
            )
        return center, surface

    def fused_nearest_rows(self, X, query_rows, q_offsets, q_lengths, ref_rows, r_offsets, r_lengths, direct):
        if X.dtype not in _CTYPES or X.ndim != 2 or query_rows.dtype != cp.int64 or ref_rows.dtype != cp.int64:
            return None
        q_lengths = np.asarray(q_lengths, dtype=np.int64)
        total = int(q_lengths.sum())
        nearest, sq_distance = cp.empty(total, dtype=cp.int64), cp.empty(total, dtype=X.dtype)
        if total:
            q_ends, q_offsets, direct = _int64_on_device(np.cumsum(q_lengths), q_offsets, direct)
            r_offsets_device, r_lengths_device = _int64_on_device(r_offsets, r_lengths)
            _cuda.kernel("generate", _CTYPES[X.dtype], "nearest_in_pieces")(
                _cuda.warp_per_item(total),
                X=cp.ascontiguousarray(X),
                d=X.shape[1],
                query_rows=cp.ascontiguousarray(query_rows),
                q_ends=q_ends,
                q_offsets=q_offsets,
                direct=direct,
                n_items=len(q_lengths),
                ref_rows=cp.ascontiguousarray(ref_rows),
                r_offsets=r_offsets_device,
                r_lengths=r_lengths_device,
                n_pieces=len(r_offsets),
                n_out=total,
                nearest=nearest,
                sq_distance=sq_distance,
            )
        return nearest, sq_distance

    def interpolate(self, X, base_rows, neighbor_rows, gaps, out):
        if X.dtype not in _CTYPES or out.dtype != X.dtype or not out.flags.c_contiguous:
            return super().interpolate(X, base_rows, neighbor_rows, gaps, out)
        if out.shape[0]:
            _cuda.kernel("generate", _CTYPES[X.dtype], "interpolate_rows")(
                _cuda.grid_stride(out.size),
                X=cp.ascontiguousarray(X),
                base=cp.ascontiguousarray(base_rows, dtype=cp.int64),
                neighbor=cp.ascontiguousarray(neighbor_rows, dtype=cp.int64),
                gap=cp.ascontiguousarray(gaps, dtype=X.dtype),
                n_rows=out.shape[0],
                d=X.shape[1],
                out=out,
            )
        return out
