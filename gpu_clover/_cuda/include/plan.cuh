// Rows of a generation plan: the plan's items hold consecutive runs of synthetic rows
// (ends: their cumulative row counts); a row's draws come from its item's stream.
#ifndef GPU_CLOVER_PLAN_CUH
#define GPU_CLOVER_PLAN_CUH

#include "random.cuh"

__device__ __forceinline__ long long item_of(const long long* ends, const long long n_items, const long long row) {
    // The plan item holding row: searchsorted(ends, row, side="right").
    long long low = 0, high = n_items;
    while (low < high) {
        const long long mid = (low + high) >> 1;
        if (ends[mid] <= row) low = mid + 1; else high = mid;
    }
    return low;
}

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

#endif  // GPU_CLOVER_PLAN_CUH
