// Counter-based random streams and generation plans on flat arrays (grid-stride), one module:
// gpu_clover._random's steps (stream bases, draws, uniforms, bounded integers) and the
// plan's rows, draws and Geometric SMOTE's end points, with exactly the draws of the
// generic code.
#include "grid.cuh"
#include "random.cuh"
#include "plan.cuh"

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
