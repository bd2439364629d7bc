// Integer work on labels and codes, gathers, and whole-array checks that need no
// floating-point sum: the range of integer labels, counts of codes and where each first
// occurs, rows taken by index, combined (major, minor) codes, whether a boolean array
// holds any / only True and whether floats are all finite. Block-level reductions, then
// integer atomics: the result does not depend on the order.
//
// LOCAL_BINS (the loader's define, from gpu_clover._cuda._modules): codes up to this many bins
// are counted in shared memory first.
#include "grid.cuh"

#ifndef LOCAL_BINS
#error "LOCAL_BINS comes from the loader (gpu_clover._cuda)"
#endif

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
