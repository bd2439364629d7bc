// Grouped placement primitives of the array layer, one module for every dtype: rows of
// per-group results placed into a table, per-group sums in a fixed order, and
// np.repeat of per-item values.
#include "grid.cuh"

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
