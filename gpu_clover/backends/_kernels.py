"""CUDA sources: the only GPU-only code. Each kernel is compiled once per dtype and cached."""

import functools

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


# The segmented pass around the top-k (Backend.gather_groups / scatter_groups): gather each
# group's rows zero-padded, center them on the group's mean, and place the neighbour
# tables and distance sums. Every sum runs in a fixed order, without atomics.
SUM_CHUNK_ROWS = 2048

_SEGMENTS_SOURCE = r"""
template <typename T>
__global__ void gather_padded(const T* X, const long long* rows, const long long* starts, const long long* lengths,
                              const long long size, const int d, const long long n_padded,
                              T* block, long long* n_valid, long long* self_col) {
    // Padded row p = g * size + i is row rows[starts[g] + i] of X when i < lengths[g], else
    // zeros; n_valid[p] = lengths[g] (0 for a padding row) and self_col[p] = i.
    const long long total = n_padded * d;
    GRID_STRIDE(e, total) {
        const long long p = e / d;
        const int f = (int)(e - p * d);
        const long long g = p / size;
        const long long i = p - g * size;
        const long long n = lengths[g];
        block[e] = i < n ? X[rows[starts[g] + i] * d + f] : (T)0;
        if (f == 0) {
            n_valid[p] = i < n ? n : 0;
            self_col[p] = i;
        }
    }
}

template <typename T>
__global__ void padded_partial_sums(const T* block, const long long size, const int d, const long long chunk_rows,
                                    const T* means, const int squared, double* partial) {
    // Block (group g, row chunk c, 32 features): 8 warps take every 8th row of the chunk, a
    // lane sums one feature in row order (float64); the warp sums are added in warp order.
    // partial[(g * gridDim.y + c) * d + f]. Padding rows are zeros: they add nothing. With
    // squared, the sums are of squared deviations (x - means[g, f])^2 instead (means is read
    // only then).
    __shared__ double sums[8][32];
    const long long g = blockIdx.x;
    const long long c = blockIdx.y;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int f = blockIdx.z * 32 + lane;
    const long long start = c * chunk_rows;
    const long long stop = start + chunk_rows < size ? start + chunk_rows : size;
    double sum = 0.0;
    if (f < d) {
        const double mean = squared ? (double)means[g * d + f] : 0.0;
        for (long long r = start + warp; r < stop; r += 8) {
            const double v = (double)block[(g * size + r) * d + f];
            sum += squared ? (v - mean) * (v - mean) : v;
        }
    }
    sums[warp][lane] = sum;
    __syncthreads();
    if (warp != 0 || f >= d) return;
    double total = 0.0;
    for (int w = 0; w < 8; ++w) total += sums[w][lane];
    partial[(g * gridDim.y + c) * d + f] = total;
}

template <typename T>
__global__ void group_means(const double* partial, const long long* lengths, const long long n_groups, const int d,
                            const int n_chunks, T* means) {
    // means[g, f]: the chunk sums in chunk order over the group's rows (one thread each).
    const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= n_groups * d) return;
    const long long g = e / d;
    const int f = (int)(e - g * d);
    double sum = 0.0;
    for (int c = 0; c < n_chunks; ++c) sum += partial[(g * n_chunks + c) * d + f];
    const long long n = lengths[g];
    means[e] = (T)(sum / (double)(n > 0 ? n : 1));
}

template <typename T>
__global__ void partial_sums(const T* a, const long long n, const long long chunk, double* partial) {
    // Block b: elements [b * chunk, (b + 1) * chunk) of a, thread-strided, then a tree in
    // shared memory (a fixed order): partial[b], in float64.
    __shared__ double sums[256];
    const long long start = (long long)blockIdx.x * chunk;
    const long long stop = start + chunk < n ? start + chunk : n;
    double s = 0.0;
    for (long long i = start + threadIdx.x; i < stop; i += 256) s += (double)a[i];
    sums[threadIdx.x] = s;
    __syncthreads();
    for (int width = 128; width > 0; width >>= 1) {
        if (threadIdx.x < width) sums[threadIdx.x] += sums[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = sums[0];
}

template <typename T>
__global__ void center_padded(T* block, const T* means, const long long* lengths, const long long n_padded,
                              const long long size, const int d, T* sq) {
    // One warp per padded row: subtract the group's mean (a padding row stays zero) and
    // write the row's squared norm.
    const long long p = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (p >= n_padded) return;  // the whole warp leaves together
    const long long g = p / size;
    const bool real = p - g * size < lengths[g];
    T s = (T)0;
    for (int f = lane; f < d; f += 32) {
        const T v = real ? block[p * d + f] - means[g * d + f] : (T)0;
        block[p * d + f] = v;
        s += v * v;
    }
    for (int offset = 16; offset > 0; offset >>= 1) s += __shfl_down_sync(0xffffffffu, s, offset);
    if (lane == 0) sq[p] = s;
}

"""

# Dtype-free: one module for every dtype.
_PLACEMENT_SOURCE = r"""
__global__ void scatter_neighbors(const int* nn, const long long m, const int kk_nn, const long long* lengths,
                                  const long long* table_starts, const long long n_groups, int* table,
                                  const int kk_table) {
    // nn holds m rows per group; row i < lengths[g] of group g goes to table row
    // table_starts[g] + i (its first kk_nn slots).
    const long long total = n_groups * m * kk_nn;
    GRID_STRIDE(e, total) {
        const long long p = e / kk_nn;
        const int j = (int)(e - p * kk_nn);
        const long long g = p / m;
        const long long i = p - g * m;
        if (i < lengths[g]) table[(table_starts[g] + i) * kk_table + j] = nn[e];
    }
}

__global__ void repeat_values(const long long* ends, const long long n_items, const long long* values,
                              const long long n_out, long long* out) {
    // out[i] = values[item] for the item whose rows ends[item - 1] <= i < ends[item] hold i.
    GRID_STRIDE(i, n_out) {
        long long low = 0, high = n_items;  // searchsorted(ends, i, side="right")
        while (low < high) {
            const long long mid = (low + high) >> 1;
            if (ends[mid] <= i) low = mid + 1; else high = mid;
        }
        out[i] = values[low];
    }
}

__global__ void add_group_sums(const double* values, const long long r, const long long* group_ids, double* sums) {
    // Block per group: its r values, thread-strided then a tree in shared memory (a fixed
    // order), added to sums[group_ids[g]].
    __shared__ double partial[256];
    const long long g = blockIdx.x;
    double s = 0.0;
    for (long long i = threadIdx.x; i < r; i += 256) s += values[g * r + i];
    partial[threadIdx.x] = s;
    __syncthreads();
    for (int width = 128; width > 0; width >>= 1) {
        if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) sums[group_ids[g]] += partial[0];
}
"""

_NEIGHBORS_KERNELS = (
    "rows_topk_and_sums",
    "gather_padded",
    "padded_partial_sums",
    "group_means",
    "center_padded",
    "partial_sums",
)


def neighbors_kernel(kernel, dtype_name):
    """One of ``_NEIGHBORS_KERNELS`` for ``float`` or ``double`` (the segmented pass's row work,
    one module per dtype: float32 work never compiles the double kernels).

    ``rows_topk_and_sums`` is the fused per-row top-k + distance sum over a tile of dot products.
    """
    return _raw_module("neighbors", dtype_name).get_function(f"{kernel}<{dtype_name}>")


_PLACEMENT_KERNELS = ("scatter_neighbors", "add_group_sums", "repeat_values")


def placement_kernel(kernel):
    """One of ``_PLACEMENT_KERNELS`` (one module for every dtype)."""
    return _raw_module("placement", None).get_function(kernel)


# k-means: the assignment (after a GEMM), the center update (two launches) and each
# seeding step (a sweep over the rows, then a one-block pick). Every sum runs in a fixed
# order (no floating-point atomics), so a seed gives the same centers on every run.
SEED_THREADS = 1024
SEED_MAX_TRIALS = 16

_KMEANS_SOURCE = r"""
#define SEED_THREADS %(seed_threads)d
#define MAX_TRIALS %(max_trials)d

template <typename T>
__device__ __forceinline__ double sq_distance(const T* a, const T* b, const int d) {
    double s = 0.0;
    for (int f = 0; f < d; ++f) { const double v = (double)a[f] - (double)b[f]; s += v * v; }
    return s;
}

template <typename T>
__global__ void row_sq_norms(const T* C, const int k, const int d, T* out) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= k) return;
    T s = (T)0;
    for (int f = 0; f < d; ++f) { const T v = C[(long long)c * d + f]; s += v * v; }
    out[c] = s;
}

template <typename T>
__global__ void nearest_from_dots(const T* dots, const T* c_sq, const T* X, const long long n, const int k,
                                  const int d, int* labels, T* min_sq, const int with_distances) {
    // One warp per row of dots = X @ C.T: |c|^2 - 2 x.c for every center, the smallest wins
    // (ties: the lower index, as argmin); |x|^2 is added to the winner only when distances
    // are asked for.
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (row >= n) return;
    const T* values = dots + row * k;
    T best = (T)__longlong_as_double(0x7ff0000000000000LL);
    int where = k;
    for (int c = lane; c < k; c += 32) {
        const T v = c_sq[c] - (T)2 * values[c];
        if (v < best) { best = v; where = c; }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        const T other = __shfl_xor_sync(0xffffffffu, best, offset);
        const int other_where = __shfl_xor_sync(0xffffffffu, where, offset);
        if (other < best || (other == best && other_where < where)) { best = other; where = other_where; }
    }
    if (lane == 0) labels[row] = where < k ? where : 0;
    if (!with_distances) return;
    T x_sq = (T)0;
    for (int f = lane; f < d; f += 32) { const T v = X[row * d + f]; x_sq += v * v; }
    for (int offset = 16; offset > 0; offset >>= 1) x_sq += __shfl_down_sync(0xffffffffu, x_sq, offset);
    if (lane == 0) { const T s = best + x_sq; min_sq[row] = s > (T)0 ? s : (T)0; }
}

template <typename T>
__global__ void center_partial_sums(const T* X, const int* labels, const long long n, const int d, const int k,
                                    const long long chunk_rows, double* partial, long long* partial_counts) {
    // Block (center c, row chunk, 32 features): 8 warps take every 8th row of the chunk;
    // a lane sums one feature of the rows labelled c, in row order; the 8 warp sums are
    // then added in warp order. partial[chunk, c, f] and partial_counts[chunk, c].
    const int c = blockIdx.x;
    const long long chunk = blockIdx.y;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int f = blockIdx.z * 32 + lane;
    const long long start = chunk * chunk_rows;
    const long long stop = start + chunk_rows < n ? start + chunk_rows : n;
    double sum = 0.0;
    long long count = 0;
    for (long long r = start + warp; r < stop; r += 8) {
        if (labels[r] == c) {
            ++count;
            if (f < d) sum += (double)X[r * d + f];
        }
    }
    __shared__ double sums[8][32];
    __shared__ long long counts[8];
    sums[warp][lane] = sum;
    if (lane == 0) counts[warp] = count;
    __syncthreads();
    if (warp != 0) return;
    double total = 0.0;
    long long n_total = 0;
    for (int w = 0; w < 8; ++w) { total += sums[w][lane]; n_total += counts[w]; }
    const long long slot = chunk * k + c;
    if (f < d) partial[slot * d + f] = total;
    if (lane == 0 && blockIdx.z == 0) partial_counts[slot] = n_total;
}

template <typename T>
__global__ void column_ranges(const T* X, const long long n, const int d, const long long chunk_rows, T* partial_low,
                              T* partial_high) {
    // Block (row chunk c, 32 features): 8 warps take every 8th row of the chunk, a lane one
    // feature; the chunk's min and max per feature (order-free), at partial_*[c * d + f].
    __shared__ T lows[8][32];
    __shared__ T highs[8][32];
    const long long c = blockIdx.x;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int f = blockIdx.y * 32 + lane;
    const T inf = (T)__longlong_as_double(0x7ff0000000000000LL);
    const long long start = c * chunk_rows;
    const long long stop = start + chunk_rows < n ? start + chunk_rows : n;
    T low = inf, high = -inf;
    if (f < d)
        for (long long r = start + warp; r < stop; r += 8) {
            const T v = X[r * d + f];
            low = v < low ? v : low;
            high = v > high ? v : high;
        }
    lows[warp][lane] = low;
    highs[warp][lane] = high;
    __syncthreads();
    if (warp != 0 || f >= d) return;
    for (int w = 1; w < 8; ++w) {
        low = lows[w][lane] < low ? lows[w][lane] : low;
        high = highs[w][lane] > high ? highs[w][lane] : high;
    }
    partial_low[c * d + f] = low;
    partial_high[c * d + f] = high;
}

template <typename T>
__global__ void range_totals(const T* partial_low, const T* partial_high, const long long n_chunks, const int d, T* low,
                             T* span) {
    // Per feature: the min over the chunks, and max - min (one thread each).
    const int f = blockIdx.x * blockDim.x + threadIdx.x;
    if (f >= d) return;
    T lo = partial_low[f], hi = partial_high[f];
    for (long long c = 1; c < n_chunks; ++c) {
        lo = partial_low[c * d + f] < lo ? partial_low[c * d + f] : lo;
        hi = partial_high[c * d + f] > hi ? partial_high[c * d + f] : hi;
    }
    low[f] = lo;
    span[f] = hi - lo;
}

template <typename T>
__global__ void scale_to_unit(const T* X, const long long size, const int d, const T* low, const T* span, float* out) {
    // out = (X - low) / span per feature (span 0: divided by 1), as float32.
    GRID_STRIDE(e, size) {
        const int f = (int)(e %% d);
        out[e] = (float)((X[e] - low[f]) / (span[f] > (T)0 ? span[f] : (T)1));
    }
}

template <typename T>
__global__ void chunk_totals(const double* partial, const long long* partial_counts, const int n_chunks, const int k,
                             const int d, T* sums, T* counts) {
    // Block per center: the chunk sums in chunk order (float64), then the center's column
    // sums and row count in T (a batch SOM's per-neuron statistics).
    const int c = blockIdx.x;
    for (int f = threadIdx.x; f < d; f += blockDim.x) {
        double s = 0.0;
        for (int j = 0; j < n_chunks; ++j) s += partial[((long long)j * k + c) * d + f];
        sums[(long long)c * d + f] = (T)s;
    }
    if (threadIdx.x == 0) {
        long long count = 0;
        for (int j = 0; j < n_chunks; ++j) count += partial_counts[(long long)j * k + c];
        counts[c] = (T)count;
    }
}

template <typename T>
__global__ void som_influence(const double* grid_sq, const long long n, const double scale, T* out) {
    // out = exp(-grid_sq * scale): each neuron's pull on the others.
    GRID_STRIDE(i, n)
        out[i] = (T)exp(-grid_sq[i] * scale);
}

template <typename T>
__global__ void som_update(const T* weights, const T* numerator, const T* denominator, const T learning_rate,
                           const long long k, const int d, T* out) {
    // A batch-SOM step per neuron: towards numerator / denominator where the neighbourhood
    // reached it (denominator > 1e-12), unchanged elsewhere.
    GRID_STRIDE(e, k * d) {
        const T den = denominator[e / d];
        const T w = weights[e];
        out[e] = den > (T)1e-12 ? w + learning_rate * (numerator[e] / den - w) : w;
    }
}

template <typename T>
__global__ void finalize_centers(const double* partial, const long long* partial_counts, const int n_chunks,
                                 const int k, const int d, const T* old, T* out, double* report) {
    // Block per center: the chunk sums in chunk order, the mean (an empty center keeps its
    // place), and its squared shift. report[c] = shift of c, report[k + c] = rows of c.
    const int c = blockIdx.x;
    long long count = 0;
    for (int j = 0; j < n_chunks; ++j) count += partial_counts[(long long)j * k + c];
    double shift = 0.0;
    for (int f = threadIdx.x; f < d; f += blockDim.x) {
        double s = 0.0;
        for (int j = 0; j < n_chunks; ++j) s += partial[((long long)j * k + c) * d + f];
        const T prev = old[(long long)c * d + f];
        const T value = count ? (T)(s / (double)count) : prev;
        out[(long long)c * d + f] = value;
        const double delta = (double)value - (double)prev;
        shift += delta * delta;
    }
    __shared__ double shifts[128];
    shifts[threadIdx.x] = shift;
    __syncthreads();
    for (int width = 64; width > 0; width >>= 1) {
        if (threadIdx.x < width) shifts[threadIdx.x] += shifts[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) { report[c] = shifts[0]; report[k + c] = (double)count; }
}

template <typename T>
__global__ void __launch_bounds__(SEED_THREADS) seed_sweep(const T* X, const long long n, const int d,
                                                           const int n_trials, const long long* candidates,
                                                           const int* kept, const int first_sweep,
                                                           double* trial_d, double* partial) {
    // k-means++, one step's sweep over the rows (a block per SEED_THREADS rows, a thread per
    // row): trial_d[j, i] = min(closest_i, |x_i - x_cand_j|^2), where closest_i is the row
    // kept by the previous pick (trial_d[kept, i]; +inf before the first center), and
    // partial[block, j] = the block's sum of trial_d[j, :] (a fixed reduction order).
    __shared__ double warp_sums[MAX_TRIALS][SEED_THREADS / 32];
    const long long i = (long long)blockIdx.x * SEED_THREADS + threadIdx.x;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const bool valid = i < n;
    double closest = __longlong_as_double(0x7ff0000000000000LL);
    if (valid && !first_sweep) closest = trial_d[(long long)kept[0] * n + i];
    for (int j = 0; j < n_trials; ++j) {
        double v = 0.0;
        if (valid) {
            v = sq_distance(X + i * d, X + candidates[j] * d, d);
            v = v < closest ? v : closest;
            trial_d[(long long)j * n + i] = v;
        }
        for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
        if (lane == 0) warp_sums[j][warp] = v;
    }
    __syncthreads();
    if (threadIdx.x < n_trials) {
        double total = 0.0;
        for (int w = 0; w < SEED_THREADS / 32; ++w) total += warp_sums[threadIdx.x][w];
        partial[(long long)blockIdx.x * MAX_TRIALS + threadIdx.x] = total;
    }
}

__device__ void inclusive_scan(double* values) {
    // Hillis-Steele over SEED_THREADS shared values, one per thread (a fixed order).
    for (int offset = 1; offset < SEED_THREADS; offset <<= 1) {
        const double v = threadIdx.x >= offset ? values[threadIdx.x - offset] : 0.0;
        __syncthreads();
        values[threadIdx.x] += v;
        __syncthreads();
    }
}

__global__ void __launch_bounds__(SEED_THREADS) seed_pick(const double* trial_d, const double* partial,
                                                          const long long n, const int n_blocks, const int n_swept,
                                                          const int n_trials, const double* uniforms,
                                                          const long long* swept, long long* candidates, int* kept,
                                                          long long* chosen, const int center) {
    // k-means++, one step's pick (one block): the swept candidate (of swept, which may be
    // candidates itself) with the smallest potential becomes chosen[center] and its
    // distances are kept; then n_trials new candidates are drawn by D^2 sampling
    // (searchsorted, side "left", on the running sum of the kept distances: first the
    // block holding the target, then the row).
    __shared__ double blocks[SEED_THREADS];
    __shared__ double rows[SEED_THREADS];
    __shared__ int best;
    const int t = threadIdx.x;
    if (t == 0) {
        double best_sum = 0.0;
        best = 0;
        for (int j = 0; j < n_swept; ++j) {
            double s = 0.0;
            for (int b = 0; b < n_blocks; ++b) s += partial[(long long)b * MAX_TRIALS + j];
            if (j == 0 || s < best_sum) { best = j; best_sum = s; }
        }
        kept[0] = best;
        chosen[center] = swept[best];
    }
    __syncthreads();
    if (n_trials == 0) return;  // the last center: nothing more to draw
    const double* closest = trial_d + (long long)best * n;
    blocks[t] = t < n_blocks ? partial[(long long)t * MAX_TRIALS + best] : 0.0;
    __syncthreads();
    inclusive_scan(blocks);
    const double total = blocks[n_blocks - 1];
    for (int j = 0; j < n_trials; ++j) {
        const double target = uniforms[j] * total;
        const int below = __syncthreads_count(t < n_blocks && blocks[t] < target);
        const int b = below < n_blocks ? below : n_blocks - 1;
        const double before = b ? blocks[b - 1] : 0.0;
        const long long i = (long long)b * SEED_THREADS + t;
        rows[t] = i < n ? closest[i] : 0.0;
        __syncthreads();
        inclusive_scan(rows);
        const int inside = __syncthreads_count(i < n && before + rows[t] < target);
        long long last = (n - 1) - (long long)b * SEED_THREADS;  // the block's last row
        if (last > SEED_THREADS - 1) last = SEED_THREADS - 1;
        if (t == 0) candidates[j] = (long long)b * SEED_THREADS + (inside <= last ? inside : last);
        __syncthreads();
    }
}
""" % {"seed_threads": SEED_THREADS, "max_trials": SEED_MAX_TRIALS}

_KMEANS_KERNELS = (
    "row_sq_norms",
    "nearest_from_dots",
    "center_partial_sums",
    "finalize_centers",
    "seed_sweep",
    "chunk_totals",
    "som_influence",
    "som_update",
    "column_ranges",
    "range_totals",
    "scale_to_unit",
)


def kmeans_kernel(kernel, dtype_name):
    """One of the k-means kernels (``_KMEANS_KERNELS``, or ``seed_pick``) for ``float`` or ``double``."""
    return _raw_module("kmeans", dtype_name).get_function(
        kernel if kernel == "seed_pick" else f"{kernel}<{dtype_name}>"
    )


# SplitMix64 (gpu_clover._random) on the GPU: the same wrapping uint64 arithmetic as the
# NumPy code, so the draws are bit-identical. The steps on flat arrays run in one module
# (one compilation); draws for broadcast counters (a plan's block of draws) in one
# elementwise kernel.
_SPLITMIX_PREAMBLE = r"""
__device__ __forceinline__ unsigned long long splitmix_mix(unsigned long long x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// gpu_clover._random's steps, one value at a time.
__device__ __forceinline__ unsigned long long stream_base(const long long key, const unsigned long long seed) {
    return splitmix_mix(splitmix_mix((unsigned long long)key * 0x9E3779B97F4A7C15ULL + seed) ^ 0x94D049BB133111EBULL);
}

__device__ __forceinline__ unsigned long long stream_draw(const unsigned long long base, const unsigned long long counter) {
    return splitmix_mix(base + (counter + 1ULL) * 0x9E3779B97F4A7C15ULL);
}

__device__ __forceinline__ long long draw_below(const unsigned long long bits, const long long n) {
    return (long long)(((bits >> 32) * (unsigned long long)n) >> 32);  // an integer in [0, n)
}

__device__ __forceinline__ double draw_unit(const unsigned long long bits) {
    return (double)(bits >> 11) * (1.0 / 9007199254740992.0);  // a float64 in [0, 1)
}

__device__ __forceinline__ long long item_of(const long long* ends, const long long n_items, const long long row) {
    // The plan item holding row: searchsorted(ends, row, side="right").
    long long low = 0, high = n_items;
    while (low < high) {
        const long long mid = (low + high) >> 1;
        if (ends[mid] <= row) low = mid + 1; else high = mid;
    }
    return low;
}
"""

_SPLITMIX_SOURCE = (
    _SPLITMIX_PREAMBLE
    + r"""

__global__ void stream_bases(const long long* keys, const long long n, const unsigned long long seed,
                             unsigned long long* out) {
    GRID_STRIDE(i, n) out[i] = stream_base(keys[i], seed);
}

__global__ void draw_bits_range(const unsigned long long* base, const unsigned long long first, const long long n,
                                unsigned long long* out) {
    GRID_STRIDE(i, n) out[i] = stream_draw(base[0], first + (unsigned long long)i);
}

__global__ void draw_bits_strided(const unsigned long long* bases, const long long* counters, const long long n_rows,
                                  const long long n_columns, const long long base_row, const long long base_column,
                                  const long long counter_row, const long long counter_column, unsigned long long* out) {
    // The counters' draws of the streams bases, broadcast to an (n_rows, n_columns) grid by
    // element strides (0 along a broadcast axis).
    GRID_STRIDE(e, n_rows * n_columns) {
        const long long i = e / n_columns;
        const long long j = e - i * n_columns;
        const unsigned long long counter = (unsigned long long)counters[i * counter_row + j * counter_column];
        out[e] = stream_draw(bases[i * base_row + j * base_column], counter);
    }
}

__global__ void bits_to_uniform(const unsigned long long* bits, const long long n, double* out) {
    GRID_STRIDE(i, n) out[i] = draw_unit(bits[i]);
}

__global__ void bits_to_uniform32(const unsigned long long* bits, const long long n, float* out) {
    // The float64 uniform rounded to float32, as NumPy's astype.
    GRID_STRIDE(i, n) out[i] = (float)draw_unit(bits[i]);
}

__global__ void plan_rows(const long long* ends, const long long n_items, const long long* keys,
                          const unsigned long long seed, const long long start, const long long n, long long* item,
                          long long* position, unsigned long long* bases) {
    // Rows start .. start + n of a generation plan: the item holding each (searchsorted on
    // the items' cumulative row counts, side "right"), the row's position in it, and the
    // item's stream base.
    GRID_STRIDE(r, n) {
        const long long row = start + r;
        const long long it = item_of(ends, n_items, row);
        item[r] = it;
        position[r] = row - (it ? ends[it - 1] : 0);
        bases[r] = stream_base(keys[it], seed);
    }
}

__global__ void plan_draws(const unsigned long long* bases, const long long* position, const long long draws_per_row,
                           const long long first, const long long count, const long long n, unsigned long long* out) {
    // out[r, j] = draw draws_per_row * position[r] + first + j of row r's stream.
    GRID_STRIDE(e, n * count) {
        const long long r = e / count;
        const unsigned long long counter = (unsigned long long)(draws_per_row * position[r] + first + (e - r * count));
        out[e] = stream_draw(bases[r], counter);
    }
}

__global__ void geometric_intra_ends(const long long* item, const long long* position, const unsigned long long* bases,
                                     const long long draws_per_row, const long long n, const long long* rows,
                                     const int* table, const int width, const long long* table_starts,
                                     const long long* lengths, const long long* offsets, const long long* k_group,
                                     const long long* member_starts, const long long* negative, const int with_negative,
                                     long long* center, long long* surface, long long* majority) {
    // Geometric SMOTE inside a group, each plan row's end points (as GeometricSMOTE's
    // generic plan, draws 0 and 1 of the row): a member as center, one of its k nearest
    // group-mates as surface point (the center itself in a one-row group) and, with_negative,
    // the member's nearest majority row (-1 in a one-row group).
    GRID_STRIDE(r, n) {
        const long long it = item[r];
        const unsigned long long counter = (unsigned long long)(draws_per_row * position[r]);
        const long long first = draw_below(stream_draw(bases[r], counter), lengths[it]);
        const long long k = k_group[it];
        const long long slot = draw_below(stream_draw(bases[r], counter + 1ULL), k > 0 ? k : 1);
        const long long c = rows[offsets[it] + first];
        center[r] = c;
        surface[r] = k > 0 ? rows[offsets[it] + table[(table_starts[it] + first) * width + slot]] : c;
        if (with_negative) majority[r] = k > 0 ? negative[member_starts[it] + first] : -1;
    }
}

__global__ void geometric_inter_ends(const long long* item, const long long* position, const unsigned long long* bases,
                                     const long long draws_per_row, const long long n, const long long* rows,
                                     const long long* first_offsets, const long long* first_lengths,
                                     const long long* second_offsets, const long long* second_lengths,
                                     long long* center, long long* surface) {
    // Geometric SMOTE between two neighbouring groups (draws 0, 1, 2 of the row): a member of
    // each, and which of the two is the center.
    GRID_STRIDE(r, n) {
        const long long it = item[r];
        const unsigned long long counter = (unsigned long long)(draws_per_row * position[r]);
        const long long one = rows[first_offsets[it] + draw_below(stream_draw(bases[r], counter), first_lengths[it])];
        const long long two = rows[second_offsets[it] + draw_below(stream_draw(bases[r], counter + 1ULL), second_lengths[it])];
        const bool swap = draw_below(stream_draw(bases[r], counter + 2ULL), 2) == 1;
        center[r] = swap ? two : one;
        surface[r] = swap ? one : two;
    }
}

__global__ void bits_to_index(const unsigned long long* bits, const long long n, const long long* upper,
                              const int upper_step, long long* out) {
    // upper_step 0: one bound for every draw; 1: a bound per draw.
    GRID_STRIDE(i, n) out[i] = draw_below(bits[i], upper[i * upper_step]);
}
"""
)

SPLITMIX_KERNELS = (
    "stream_bases",
    "draw_bits_range",
    "draw_bits_strided",
    "bits_to_uniform",
    "bits_to_uniform32",
    "bits_to_index",
    "plan_rows",
    "plan_draws",
    "geometric_intra_ends",
    "geometric_inter_ends",
)


def splitmix_kernel(kernel):
    """One of ``SPLITMIX_KERNELS`` (flat arrays, grid-stride)."""
    return _raw_module("splitmix", None).get_function(kernel)


# SMOTE inside groups in one pass (Backend.fused_smote_intra): each synthetic row's plan
# (its item by binary search, its position, three SplitMix64 draws from the item's stream:
# base row, neighbour slot, gap) and its interpolation, with exactly the draws of the
# generic plan in gpu_clover.over_sampling._generation.
_GENERATE_SOURCE = (
    _SPLITMIX_PREAMBLE
    + r"""
struct RowDraws {
    long long item;
    unsigned long long bits[3];
};

__device__ __forceinline__ RowDraws plan_row(const long long row, const long long* ends, const long long* begins,
                                             const long long* keys, const long long n_items,
                                             const unsigned long long seed) {
    // A synthetic row's item and its three draws (3 per row: draws 3 * position + 0, 1, 2).
    RowDraws plan;
    plan.item = item_of(ends, n_items, row);
    const unsigned long long position = (unsigned long long)(row - begins[plan.item]);
    const unsigned long long base = stream_base(keys[plan.item], seed);
    for (int r = 0; r < 3; ++r) plan.bits[r] = stream_draw(base, 3ULL * position + (unsigned long long)r);
    return plan;
}

template <typename T>
__device__ __forceinline__ T float_max() { return sizeof(T) == 4 ? (T)3.4028234663852886e38 : (T)1.7976931348623157e308; }

template <typename T>
__device__ __forceinline__ T between(const T a, const T b, const T gap) {
    // a + gap * (b - a) (as Backend.interpolate). b - a overflows only for values of opposite
    // signs beyond half the float range: then the same point in two half steps, each within [a, b].
    const T r = a + gap * (b - a);
    if (fabs(r) <= float_max<T>()) return r;  // finite (false for inf and NaN)
    const T half = gap * (b * (T)0.5 - a * (T)0.5);
    return a + half + half;
}

template <typename T>
__device__ __forceinline__ bool normal_square(const T sq) {
    // A squared norm that neither overflowed nor fell below the smallest normal float (as
    // _geometry.unit_scale).
    return sq >= (sizeof(T) == 4 ? (T)1.1754943508222875e-38 : (T)2.2250738585072014e-308) && sq <= float_max<T>();
}

template <typename T>
__device__ __forceinline__ void write_between(const T* a, const T* b, const T gap, const int d, const int lane, T* out) {
    for (int f = lane; f < d; f += 32) out[f] = between(a[f], b[f], gap);  // a warp writes one row
}

template <typename T>
__global__ void smote_intra_rows(const T* X, const int d, const long long* rows, const int* table, const int width,
                                 const long long* ends, const long long* begins, const long long* keys,
                                 const long long* table_starts, const long long* lengths, const long long* offsets,
                                 const long long* k_group, const long long n_items, const unsigned long long seed,
                                 const long long start, const long long n_out, T* out) {
    // One warp per synthetic row start + w: every lane forms the row's plan (the same
    // values), then the lanes write its features.
    const long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (w >= n_out) return;
    const RowDraws plan = plan_row(start + w, ends, begins, keys, n_items, seed);
    const long long item = plan.item;
    const long long k = k_group[item];
    const long long first = draw_below(plan.bits[0], lengths[item]);
    const long long slot = draw_below(plan.bits[1], k > 0 ? k : 1);
    const long long second = k > 0 ? (long long)table[(table_starts[item] + first) * width + slot] : first;
    write_between(X + rows[offsets[item] + first] * d, X + rows[offsets[item] + second] * d, (T)draw_unit(plan.bits[2]), d,
                  lane, out + w * d);
}

template <typename T>
__global__ void smote_inter_rows(const T* X, const int d, const long long* rows, const long long* ends,
                                 const long long* begins, const long long* keys, const long long* first_offsets,
                                 const long long* first_lengths, const long long* second_offsets,
                                 const long long* second_lengths, const long long n_items,
                                 const unsigned long long seed, const long long n_out, T* out) {
    // SMOTE between two neighbouring groups, one warp per synthetic row: a random row of the
    // item's first group, one of its second group and a gap, with exactly the generic plan's
    // draws (as smote_intra_rows).
    const long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (w >= n_out) return;
    const RowDraws plan = plan_row(w, ends, begins, keys, n_items, seed);
    const long long item = plan.item;
    const long long i = draw_below(plan.bits[0], first_lengths[item]);
    const long long j = draw_below(plan.bits[1], second_lengths[item]);
    write_between(X + rows[first_offsets[item] + i] * d, X + rows[second_offsets[item] + j] * d, (T)draw_unit(plan.bits[2]),
                  d, lane, out + w * d);
}

template <typename T>
__device__ __forceinline__ T warp_total(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;  // every lane holds the total
}

template <typename T>
__device__ __forceinline__ T warp_max(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        const T other = __shfl_xor_sync(0xffffffffu, v, offset);
        v = other > v ? other : v;
    }
    return v;  // every lane holds the maximum
}

template <typename T>
__device__ __forceinline__ T unit_scale(const T largest) {
    // The power of two bringing `largest` into [0.5, 1), kept finite (as _geometry.unit_scale).
    int exponent;
    frexp((double)largest, &exponent);
    const int limit = sizeof(T) == 4 ? 127 : 1023;
    exponent = -exponent < -limit ? -limit : (-exponent > limit ? limit : -exponent);
    return (T)ldexp(1.0, exponent);
}

__device__ __forceinline__ double box_muller(const double* u, const int f) {
    // Feature f's standard normal from the row's uniforms: pair m = f / 2 is (u[1 + 2m], u[2 + 2m]),
    // cos for the even feature, sin for the odd one.
    const int m = f >> 1;
    const double modulus = sqrt(-2.0 * log1p(-u[1 + 2 * m]));
    const double angle = 6.283185307179586 * u[2 + 2 * m];
    return modulus * ((f & 1) ? sin(angle) : cos(angle));
}

template <typename T>
__global__ void geometric_rows(const T* X, const int d, const long long* centers, const long long* surfaces,
                               const long long* majority, const int strategy, const double* uniforms,
                               const int n_draws, const long long n_out, const double truncation,
                               const double deformation, T* out) {
    // Geometric SMOTE, one warp per synthetic row (as _geometry.geometric_rows): the surface
    // point under the selection strategy (as _geometry.choose_surface: 0 the minority
    // surface point, 1 the nearest majority row when there is one, 2 the closer of the two),
    // then a point uniform in the unit ball, reflected into the kept side of the truncated
    // ball, flattened towards the center-to-surface axis, scaled by the radius, moved to the
    // center. Each pass recomputes its per-feature terms, so no row is held in memory.
    const long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (w >= n_out) return;
    const T* c = X + centers[w] * d;
    long long surface = surfaces[w];
    const long long other = strategy ? majority[w] : -1;
    if (other >= 0 && strategy == 1) surface = other;
    if (other >= 0 && strategy == 2) {  // the whole warp takes this branch or none
        const T* m = X + surface * d;
        const T* o = X + other * d;
        T to_minority = (T)0, to_majority = (T)0;
        for (int f = lane; f < d; f += 32) {
            const T a = c[f] - m[f];
            const T b = c[f] - o[f];
            to_minority += a * a;
            to_majority += b * b;
        }
        to_minority = warp_total(to_minority);
        to_majority = warp_total(to_majority);
        if (!normal_square(to_minority) || !normal_square(to_majority)) {  // warp-uniform
            T largest = (T)0, moved_minority = (T)0, moved_majority = (T)0;
            for (int f = lane; f < d; f += 32) {
                largest = fmax(largest, fmax(fabs(c[f]), fmax(fabs(m[f]), fabs(o[f]))));
                moved_minority = fmax(moved_minority, fabs(c[f] - m[f]));
                moved_majority = fmax(moved_majority, fabs(c[f] - o[f]));
            }
            const bool rescale = (!normal_square(to_minority) && warp_max(moved_minority) > (T)0) ||
                                 (!normal_square(to_majority) && warp_max(moved_majority) > (T)0);
            if (rescale) {  // the same comparison on the rows brought near 1 (a power of two: exact)
                const T unit = unit_scale(warp_max(largest));
                to_minority = (T)0;
                to_majority = (T)0;
                for (int f = lane; f < d; f += 32) {
                    const T a = c[f] * unit - m[f] * unit;
                    const T b = c[f] * unit - o[f] * unit;
                    to_minority += a * a;
                    to_majority += b * b;
                }
                to_minority = warp_total(to_minority);
                to_majority = warp_total(to_majority);
            }
        }
        if (to_minority > to_majority) surface = other;
    }
    const T* s = X + surface * d;
    const double* u = uniforms + w * n_draws;
    T sq = (T)0;
    double g_sq = 0.0;
    for (int f = lane; f < d; f += 32) {
        const T a = s[f] - c[f];
        sq += a * a;
        const double g = box_muller(u, f);
        g_sq += g * g;
    }
    sq = warp_total(sq);
    T unit = (T)1;  // rows whose squares overflow or underflow: computed near 1, scaled back
    if (!normal_square(sq)) {
        T largest = (T)0, moved = (T)0;
        for (int f = lane; f < d; f += 32) {
            largest = fmax(largest, fmax(fabs(c[f]), fabs(s[f])));
            moved = fmax(moved, fabs(s[f] - c[f]));
        }
        if (warp_max(moved) > (T)0) {
            unit = unit_scale(warp_max(largest));
            sq = (T)0;
            for (int f = lane; f < d; f += 32) {
                const T a = s[f] * unit - c[f] * unit;
                sq += a * a;
            }
            sq = warp_total(sq);
        }
    }
    const T radius = sqrt(sq);
    const T to_unit = radius > (T)0 ? radius : (T)1;
    double norm = sqrt(warp_total(g_sq));
    norm = norm > 2.2250738585072014e-308 ? norm : 2.2250738585072014e-308;
    const double scale = pow(u[0], 1.0 / d) / norm;
    T along = (T)0;
    for (int f = lane; f < d; f += 32) along += (T)(box_muller(u, f) * scale) * ((s[f] * unit - c[f] * unit) / to_unit);
    along = warp_total(along);
    const bool flip = (truncation > 0 && along < (T)(truncation - 1)) || (truncation < 0 && along > (T)(truncation + 1));
    const T kept = flip ? -along : along;
    for (int f = lane; f < d; f += 32) {
        const T axis = (s[f] * unit - c[f] * unit) / to_unit;
        T point = (T)(box_muller(u, f) * scale);
        if (flip) point -= (T)2 * along * axis;
        if (deformation != 0) point = point * (T)(1 - deformation) + (T)deformation * kept * axis;
        const T value = (point * radius + c[f] * unit) / unit;  // beyond the float range: clipped, never infinite
        out[w * d + f] = fmin(fmax(value, -float_max<T>()), float_max<T>());
    }
}

template <typename T>
__global__ void nearest_in_pieces(const T* X, const int d, const long long* query_rows, const long long* q_ends,
                                  const long long* q_offsets, const long long* direct, const long long n_items,
                                  const long long* ref_rows, const long long* r_offsets, const long long* r_lengths,
                                  const int n_pieces, const long long n_out, long long* nearest, T* sq_distance) {
    // Geometric SMOTE's nearest majority rows (as _geometry.nearest_in_union), one warp per
    // query: query w belongs to item item_of(q_ends, w) and is X[query_rows[q_offsets[item] +
    // its position]]; its references are the item's segments of ref_rows, piece after piece
    // (r_offsets / r_lengths[piece * n_items + item]). Each lane measures every 32nd
    // reference directly (no GEMM expansion), then the warp keeps the smallest squared
    // distance, ties to the first reference in piece order. No reference: -1 and inf. Items
    // without `direct` are left to the caller (written as no reference).
    const long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (w >= n_out) return;
    const long long item = item_of(q_ends, n_items, w);
    const T inf = (T)__longlong_as_double(0x7ff0000000000000LL);
    T best = inf;
    long long best_order = -1, best_row = -1;
    if (direct[item]) {
        const T* q = X + query_rows[q_offsets[item] + w - (item ? q_ends[item - 1] : 0)] * d;
        long long order = 0;
        for (int p = 0; p < n_pieces; ++p) {
            const long long offset = r_offsets[p * n_items + item], length = r_lengths[p * n_items + item];
            for (long long j = lane; j < length; j += 32) {
                const long long row = ref_rows[offset + j];
                const T* r = X + row * d;
                T sq = (T)0;
                for (int f = 0; f < d; ++f) {
                    const T a = q[f] - r[f];
                    sq += a * a;
                }
                if (best_row < 0 || sq < best) {
                    best = sq;
                    best_order = order + j;
                    best_row = row;
                }
            }
            order += length;
        }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        const T other = __shfl_xor_sync(0xffffffffu, best, offset);
        const long long other_order = __shfl_xor_sync(0xffffffffu, best_order, offset);
        const long long other_row = __shfl_xor_sync(0xffffffffu, best_row, offset);
        const bool better = other_row >= 0 && (best_row < 0 || other < best || (other == best && other_order < best_order));
        if (better) {
            best = other;
            best_order = other_order;
            best_row = other_row;
        }
    }
    if (lane == 0) {
        nearest[w] = best_row;
        sq_distance[w] = best_row >= 0 ? best : inf;
    }
}

template <typename T>
__global__ void interpolate_rows(const T* X, const long long* base, const long long* neighbor, const T* gap,
                                 const long long n_rows, const int d, T* out) {
    // out[r, f] = X[base[r], f] + gap[r] * (X[neighbor[r], f] - X[base[r], f]), one thread per value.
    GRID_STRIDE(e, n_rows * d) {
        const long long r = e / d;
        const long long f = e - r * d;
        out[e] = between(X[base[r] * d + f], X[neighbor[r] * d + f], gap[r]);
    }
}
"""
)


def generate_kernel(kernel, dtype_name):
    """``smote_intra_rows`` / ``smote_inter_rows`` (SMOTE's plan and interpolation in one
    kernel, inside a group / between two), ``interpolate_rows`` (rows between given pairs),
    ``geometric_rows`` (Geometric SMOTE's points) or ``nearest_in_pieces`` (its nearest
    majority rows), for ``float`` or ``double``."""
    return _raw_module("generate", dtype_name).get_function(f"{kernel}<{dtype_name}>")


# Codes up to this many bins are counted in shared memory first.
LOCAL_BINS = 1024

# Integer work on labels and codes, and whole-array checks that need no floating-point sum:
# the range of integer labels, counts of codes and where each first occurs, whether a
# boolean array holds any / only True and whether floats are all finite. Block-level
# reductions, then integer atomics: the result does not depend on the order.
_CHECKS_SOURCE = r"""
#define LOCAL_BINS %(local_bins)d

template <typename T>
__global__ void integer_range(const T* a, const long long n, long long* out) {
    // out[0] = min(out[0], a), out[1] = max(out[1], a); out starts at (LLONG_MAX, LLONG_MIN).
    long long low = 0x7fffffffffffffffLL, high = -0x7fffffffffffffffLL - 1;
    GRID_STRIDE(i, n) {
        const long long v = (long long)a[i];
        low = v < low ? v : low;
        high = v > high ? v : high;
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        const long long other_low = __shfl_down_sync(0xffffffffu, low, offset);
        const long long other_high = __shfl_down_sync(0xffffffffu, high, offset);
        low = other_low < low ? other_low : low;
        high = other_high > high ? other_high : high;
    }
    if ((threadIdx.x & 31) == 0) {
        atomicMin(out, low);
        atomicMax(out + 1, high);
    }
}

template <typename T>
__global__ void count_codes(const T* codes, const long long n, const int n_bins, unsigned long long* counts) {
    // counts[c] += rows holding code c (counts starts at zero): integer atomics, first into a
    // per-block table in shared memory when the codes are few (so few rows contend on one
    // address), then one global add per bin.
    __shared__ unsigned long long local[LOCAL_BINS];
    const bool shared = n_bins <= LOCAL_BINS;
    if (shared)
        for (int b = threadIdx.x; b < n_bins; b += blockDim.x) local[b] = 0ULL;
    __syncthreads();
    GRID_STRIDE(i, n)
        atomicAdd((shared ? local : counts) + (long long)codes[i], 1ULL);
    __syncthreads();
    if (shared)
        for (int b = threadIdx.x; b < n_bins; b += blockDim.x)
            if (local[b]) atomicAdd(counts + b, local[b]);
}

template <typename T>
__global__ void last_from_end(const T* codes, const long long n, const int n_bins, long long* out) {
    // out[c] = max(n - i) over the rows i holding code c (0 when absent; out starts at zero):
    // first_occurrence's pass, with the same per-block table as count_codes.
    __shared__ long long local[LOCAL_BINS];
    const bool shared = n_bins <= LOCAL_BINS;
    if (shared)
        for (int b = threadIdx.x; b < n_bins; b += blockDim.x) local[b] = 0;
    __syncthreads();
    GRID_STRIDE(i, n)
        atomicMax((shared ? local : out) + (long long)codes[i], n - i);
    __syncthreads();
    if (shared)
        for (int b = threadIdx.x; b < n_bins; b += blockDim.x)
            if (local[b]) atomicMax(out + b, local[b]);
}

__global__ void first_from_end(long long* out, const int n_bins, const long long n) {
    // out[c] = n - out[c]: the first row holding code c (n when absent).
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c < n_bins) out[c] = n - out[c];
}

template <typename T, typename I>
__global__ void take_rows(const T* a, const I* index, const long long n_index, const long long row_length, T* out) {
    // out[r, :] = a[index[r], :] (indices in range: the caller's guarantee).
    GRID_STRIDE(e, n_index * row_length) {
        const long long r = e / row_length;
        out[e] = a[(long long)index[r] * row_length + (e - r * row_length)];
    }
}

template <typename T, typename O>
__global__ void combined_codes(const T* major, const T* minor, const long long n, const long long n_minor, O* out) {
    // out[i] = major[i] * n_minor + minor[i], e.g. a (cluster, class) group key.
    GRID_STRIDE(i, n) out[i] = (O)((long long)major[i] * n_minor + (long long)minor[i]);
}

template <typename T>
__global__ void all_finite(const T* a, const long long n, int* out) {
    // out[0] &= every value finite; out starts at 1. x - x is 0 for a finite x and NaN otherwise.
    int all = 1;
    GRID_STRIDE(i, n)
        all &= a[i] - a[i] == (T)0 ? 1 : 0;
    all = __syncthreads_and(all);
    if (threadIdx.x == 0 && !all) atomicAnd(out, 0);
}

__global__ void any_and_all(const bool* a, const long long n, int* out) {
    // out[0] |= any(a), out[1] &= all(a); out starts at (0, 1).
    int any = 0, all = 1;
    GRID_STRIDE(i, n) {
        any |= a[i];
        all &= a[i];
    }
    any = __syncthreads_or(any);
    all = __syncthreads_and(all);
    if (threadIdx.x == 0) {
        if (any) atomicOr(out, 1);
        if (!all) atomicAnd(out + 1, 0);
    }
}
""" % {"local_bins": LOCAL_BINS}

# The integer dtypes the integer kernels take (their values fit a signed 64-bit integer).
CHECKED_INTEGERS = {
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
    "int64": "long long",
    "uint8": "unsigned char",
    "uint16": "unsigned short",
    "uint32": "unsigned int",
}


_INTEGER_KERNELS = ("integer_range", "count_codes", "last_from_end")
# Per integer module (its type is the index / code type): the row types take_rows gathers and
# the key types combined_codes writes.
TAKE_TYPES = {"float32": "float", "float64": "double", "int64": "long long", "int32": "int"}
KEY_TYPES = {"int16": "short", "int32": "int", "int64": "long long"}
_PLAIN_CHECKS = ("first_from_end", "any_and_all")
_FLOAT_CTYPES = {"float32": "float", "float64": "double"}


def _checks_module(ctype):
    return _raw_module("checks", ctype)


def integer_kernel(kernel, dtype_name, other=None):
    """``integer_range``, ``count_codes``, ``last_from_end`` or ``first_from_end`` for one of
    ``CHECKED_INTEGERS``; ``take_rows`` (``other``: the rows' dtype, one of ``TAKE_TYPES``)
    and ``combined_codes`` (``other``: the key's dtype, one of ``KEY_TYPES``) with that index
    / code type."""
    ctype = CHECKED_INTEGERS[dtype_name]
    if kernel in _PLAIN_CHECKS:
        return _checks_module(ctype).get_function(kernel)
    if kernel == "take_rows":
        return _checks_module(ctype).get_function(f"take_rows<{TAKE_TYPES[other]}, {ctype}>")
    if kernel == "combined_codes":
        return _checks_module(ctype).get_function(f"combined_codes<{ctype}, {KEY_TYPES[other]}>")
    return _checks_module(ctype).get_function(f"{kernel}<{ctype}>")


def all_finite_kernel(dtype_name):
    """``all_finite`` for ``float32`` or ``float64`` data."""
    ctype = _FLOAT_CTYPES[dtype_name]
    return _checks_module(ctype).get_function(f"all_finite<{ctype}>")


def any_and_all_kernel():
    """``any_and_all`` over a boolean array."""
    return _checks_module(None).get_function("any_and_all")


# ------------------------------------------------------------------ the modules
_FLOAT_MODULES = {
    "neighbors": _NEIGHBORS_KERNELS,
    "kmeans": _KMEANS_KERNELS,
    "generate": ("smote_intra_rows", "smote_inter_rows", "interpolate_rows", "geometric_rows", "nearest_in_pieces"),
}
_SOURCES = {
    "neighbors": _ROWS_TOPK_SOURCE + _SEGMENTS_SOURCE,
    "kmeans": _KMEANS_SOURCE,
    "generate": _GENERATE_SOURCE,
    "checks": _CHECKS_SOURCE,
    "placement": _PLACEMENT_SOURCE,
    "splitmix": _SPLITMIX_SOURCE,
}
# Every (module, C type) gpu_clover may compile: one NVRTC call each.
MODULES = (
    [(module, ctype) for module in _FLOAT_MODULES for ctype in ("float", "double")]
    + [("checks", ctype) for ctype in (*_FLOAT_CTYPES.values(), *CHECKED_INTEGERS.values(), None)]
    + [("placement", None), ("splitmix", None)]
)
COMPILE_OPTIONS = ("-std=c++14",)


# Every module starts with this: a grid-stride loop over n elements.
_COMMON_PREAMBLE = r"""
#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)
"""


def module_spec(module, ctype):
    """``(source, name expressions)`` of one module: exactly what its RawModule compiles."""
    if module in _FLOAT_MODULES:
        names = tuple(f"{kernel}<{ctype}>" for kernel in _FLOAT_MODULES[module])
        names += ("seed_pick",) if module == "kmeans" else ()
    elif module == "checks":
        # A float type's all_finite, or an integer type's kernels (None: the plain kernels
        # only); the plain kernels come with every checks module.
        if ctype in _FLOAT_CTYPES.values():
            names = (f"all_finite<{ctype}>",)
        elif ctype:
            names = tuple(f"{kernel}<{ctype}>" for kernel in _INTEGER_KERNELS)
            names += tuple(f"take_rows<{row}, {ctype}>" for row in TAKE_TYPES.values())
            names += tuple(f"combined_codes<{ctype}, {key}>" for key in KEY_TYPES.values())
        else:
            names = ()
        names += _PLAIN_CHECKS
    elif module == "placement":
        names = _PLACEMENT_KERNELS
    else:
        names = SPLITMIX_KERNELS
    return _COMMON_PREAMBLE + _SOURCES[module], names


@functools.cache
def _raw_module(module, ctype):
    import cupy as cp

    source, names = module_spec(module, ctype)
    return cp.RawModule(code=source, options=COMPILE_OPTIONS, name_expressions=names)
