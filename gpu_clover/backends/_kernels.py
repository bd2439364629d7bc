"""CUDA sources: the only GPU-only code. Each kernel is compiled once per dtype and cached."""

import functools


@functools.lru_cache(maxsize=None)
def interpolate_kernel():
    """``out[r, f] = X[base[r], f] + gap[r] * (X[neighbor[r], f] - X[base[r], f])``, one thread per value."""
    import cupy as cp

    return cp.ElementwiseKernel(
        "raw T X, raw int64 base, raw int64 neighbor, raw T gap, int64 n_features",
        "T out",
        """
        const long long r = i / n_features;
        const long long f = i - r * n_features;
        const T a = X[base[r] * n_features + f];
        out = a + gap[r] * (X[neighbor[r] * n_features + f] - a);
        """,
        "gpu_clover_interpolate",
    )
