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


# Largest k the fused top-k kernel keeps in registers; larger k falls back to argpartition.
TOPK_MAX = 16

_ROWS_TOPK_SOURCE = r"""
__device__ __forceinline__ double root(float v) { return (double)sqrtf(v); }
__device__ __forceinline__ double root(double v) { return sqrt(v); }

template <typename T>
__global__ void rows_topk_and_sums(const T* d, const long long n_rows, const long long n_cols,
                                   const long long* n_valid, const long long* self_col, const int k,
                                   const T* a_sq, const T* b_sq, const long long rows_per_batch,
                                   int* out_idx, double* out_sums) {
    // One warp per row: lanes stride over the row's columns (coalesced reads), each
    // keeping a sorted private top-k and a partial distance sum (float64); the warp
    // then merges the 32 lists k times with shuffles. The row is read exactly once.
    // d holds dot products a.b; the squared distance |a|^2 + |b|^2 - 2 a.b is formed
    // here, in registers (row r's column norms are b_sq[(r / rows_per_batch) * n_cols + c]),
    // so the tile is read once and never rewritten.
    // The lists are indexed with compile-time positions only (unrolled loops), so
    // they stay in registers; k <= KMAX is the runtime length that counts.
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (row >= n_rows) return;  // the whole warp leaves together
    const T inf = (T)__longlong_as_double(0x7ff0000000000000LL);
    const T* values = d + row * n_cols;
    const long long valid = n_valid[row];
    const long long self = self_col[row];
    const T row_sq = a_sq[row];
    const T* col_sq = b_sq + (row / rows_per_batch) * n_cols;
    T best[%(kmax)d];
    int where[%(kmax)d];
#pragma unroll
    for (int j = 0; j < %(kmax)d; ++j) { best[j] = inf; where[j] = -1; }
    T kth = inf;  // this lane's k-th smallest so far: the bar a new value must pass
    double sum = 0.0;
    for (long long c = lane; c < valid; c += 32) {
        if (c == self) continue;
        T v = row_sq + col_sq[c] - (T)2 * values[c];
        if (v < (T)0) v = (T)0;
        sum += root(v);
        if (v < kth) {
            // Insert v after the entries <= v: shift the larger ones up by one.
#pragma unroll
            for (int j = %(kmax)d - 1; j > 0; --j) {
                const bool shift = best[j - 1] > v;
                const bool here = !shift && best[j] > v;
                best[j] = shift ? best[j - 1] : (here ? v : best[j]);
                where[j] = shift ? where[j - 1] : (here ? (int)c : where[j]);
            }
            const bool first = best[0] > v;
            best[0] = first ? v : best[0];
            where[0] = first ? (int)c : where[0];
#pragma unroll
            for (int j = 0; j < %(kmax)d; ++j) if (j == k - 1) kth = best[j];
        }
    }
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    if (lane == 0) out_sums[row] = sum;
    // k rounds: the warp's smallest head wins (ties: the lower lane), and the winner pops it.
    for (int j = 0; j < k; ++j) {
        T winner = best[0];
        int winner_lane = lane;
        for (int offset = 16; offset > 0; offset >>= 1) {
            T other = __shfl_xor_sync(0xffffffffu, winner, offset);
            int other_lane = __shfl_xor_sync(0xffffffffu, winner_lane, offset);
            if (other < winner || (other == winner && other_lane < winner_lane)) { winner = other; winner_lane = other_lane; }
        }
        int chosen = __shfl_sync(0xffffffffu, where[0], winner_lane);
        if (lane == 0) out_idx[row * k + j] = chosen;
        if (lane == winner_lane) {
#pragma unroll
            for (int i = 0; i < %(kmax)d - 1; ++i) { best[i] = best[i + 1]; where[i] = where[i + 1]; }
            best[%(kmax)d - 1] = inf;
            where[%(kmax)d - 1] = -1;
        }
    }
}
""" % {"kmax": TOPK_MAX}


_ROWS_TOPK_NAMES = ("rows_topk_and_sums<float>", "rows_topk_and_sums<double>")


@functools.lru_cache(maxsize=None)
def _rows_topk_module():
    import cupy as cp

    # One module, both instantiations: compiled once (one NVRTC call) per machine.
    return cp.RawModule(code=_ROWS_TOPK_SOURCE, options=("-std=c++14",), name_expressions=_ROWS_TOPK_NAMES)


def rows_topk_kernel(dtype_name):
    """The fused per-row top-k + distance-sum kernel over a tile of dot products, for ``float`` or ``double``."""
    return _rows_topk_module().get_function(f"rows_topk_and_sums<{dtype_name}>")
