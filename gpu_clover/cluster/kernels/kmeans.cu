// k-means and SOM (gpu_clover.cluster): the assignment (after a GEMM), the center update
// (float64 partial sums per row chunk, then their totals), each k-means++ seeding step (a
// sweep over the rows, then a one-block pick), the SOM's neighbourhood update and the
// [0, 1] feature scaling. Every sum runs in a fixed order (no floating-point atomics), so a
// seed gives the same centers on every run.
//
// SEED_THREADS and MAX_TRIALS (the loader's defines, from gpu_clover._cuda._modules):
// the seeding's block size and its most candidates per step.
#include "grid.cuh"

#if !defined(SEED_THREADS) || !defined(MAX_TRIALS)
#error "SEED_THREADS and MAX_TRIALS come from the loader (gpu_clover._cuda)"
#endif

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
        const int f = (int)(e % d);
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
