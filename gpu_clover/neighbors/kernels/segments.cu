// The segmented neighbour pass (gpu_clover.neighbors): each group's rows gathered zero-padded
// and centered on the group's mean, the fused per-row top-k and distance sum over a tile of
// dot products, and float64 column sums in a fixed order (also the array layer's float sums
// and the column statistics of k-means / SOM: one module, one compilation). Every sum runs in
// a fixed order, without floating-point atomics.
//
// TOPK_MAX (the loader's define, from gpu_clover._cuda._modules): the largest k
// the top-k keeps in registers.
#include "grid.cuh"

#ifndef TOPK_MAX
#error "TOPK_MAX comes from the loader (gpu_clover._cuda)"
#endif

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
    T best[TOPK_MAX];
    int where[TOPK_MAX];
#pragma unroll
    for (int j = 0; j < TOPK_MAX; ++j) { best[j] = inf; where[j] = -1; }
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
            for (int j = TOPK_MAX - 1; j > 0; --j) {
                const bool shift = best[j - 1] > v;
                const bool here = !shift && best[j] > v;
                best[j] = shift ? best[j - 1] : (here ? v : best[j]);
                where[j] = shift ? where[j - 1] : (here ? (int)c : where[j]);
            }
            const bool first = best[0] > v;
            best[0] = first ? v : best[0];
            where[0] = first ? (int)c : where[0];
#pragma unroll
            for (int j = 0; j < TOPK_MAX; ++j) if (j == k - 1) kth = best[j];
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
            for (int i = 0; i < TOPK_MAX - 1; ++i) { best[i] = best[i + 1]; where[i] = where[i + 1]; }
            best[TOPK_MAX - 1] = inf;
            where[TOPK_MAX - 1] = -1;
        }
    }
}

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
