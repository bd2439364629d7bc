"""The steps of :mod:`gpu_clover._random` as kernels (``over_sampling/kernels/plan.cu``), for a
GPU array namespace: the same SplitMix64 arithmetic, bit for bit, in one module."""

import functools

import numpy as np

from . import _cuda


def _run(name, size, /, **arguments):
    if size:
        _cuda.kernel("splitmix", None, name)(_cuda.grid_stride(size), **arguments)


@functools.cache
def splitmix_steps(xp):
    """``{"bases", "bits", "bits_range", "uniform", "index"}`` on the namespace ``xp``, each
    called as the NumPy step of ``_random`` it replaces."""

    def flat(a, dtype):
        return xp.ascontiguousarray(xp.asarray(a), dtype=dtype).reshape(-1)

    def bases(keys, seed):
        keys = xp.asarray(keys)
        out = xp.empty(keys.shape, dtype=xp.uint64)
        _run("stream_bases", keys.size, keys=flat(keys, xp.int64), n=keys.size, seed=seed, out=out)
        return out

    def bits_range(base, first, out):
        _run("draw_bits_range", out.size, base=flat(base, xp.uint64), first=first, n=out.size, out=out)
        return out

    def uniform(bits, dtype=np.float64):
        dtype = np.dtype(dtype)
        kernel = {np.dtype(np.float64): "bits_to_uniform", np.dtype(np.float32): "bits_to_uniform32"}.get(dtype)
        out = xp.empty(bits.shape, dtype=dtype if kernel else xp.float64)
        _run(kernel or "bits_to_uniform", bits.size, bits=flat(bits, xp.uint64), n=bits.size, out=out)
        return out if kernel else out.astype(dtype)

    def index(bits, upper):
        upper = xp.asarray(upper)
        if upper.size != 1 and upper.shape != bits.shape:  # broadcast bounds: the namespace's operators
            upper = xp.broadcast_to(upper, bits.shape)
        out = xp.empty(bits.shape, dtype=xp.int64)
        step = 0 if upper.size == 1 and bits.size != 1 else 1
        _run(
            "bits_to_index",
            bits.size,
            bits=flat(bits, xp.uint64),
            n=bits.size,
            upper=flat(upper, xp.int64),
            upper_step=step,
            out=out,
        )
        return out

    def bits(bases, counters):
        # Broadcast by element strides: the plan's block of draws is (rows, draws) from a
        # column of streams and a grid of counters, with no copy of either.
        bases = xp.ascontiguousarray(xp.asarray(bases), dtype=xp.uint64)
        counters = xp.ascontiguousarray(xp.asarray(counters), dtype=xp.int64)
        shape = np.broadcast_shapes(bases.shape, counters.shape)
        if len(shape) > 2:
            raise ValueError(f"draws broadcast to at most two dimensions; got {shape}")
        grid = (1,) * (2 - len(shape)) + tuple(shape)
        out = xp.empty(shape, dtype=xp.uint64)
        base_row, base_column = _broadcast_strides(bases.shape, grid)
        counter_row, counter_column = _broadcast_strides(counters.shape, grid)
        _run(
            "draw_bits_strided",
            out.size,
            bases=bases,
            counters=counters,
            n_rows=grid[0],
            n_columns=grid[1],
            base_row=base_row,
            base_column=base_column,
            counter_row=counter_row,
            counter_column=counter_column,
            out=out,
        )
        return out

    return {"bases": bases, "bits": bits, "bits_range": bits_range, "uniform": uniform, "index": index}


def _broadcast_strides(shape, grid):
    """Element strides of a C-contiguous array of ``shape`` broadcast to the 2-D ``grid``."""
    shape = (1,) * (2 - len(shape)) + tuple(shape)
    contiguous = (shape[1], 1)
    return [0 if shape[k] == 1 and grid[k] != 1 else contiguous[k] for k in range(2)]
