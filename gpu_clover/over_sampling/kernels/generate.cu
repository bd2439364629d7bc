// Synthetic rows in one pass (gpu_clover.over_sampling): SMOTE inside a group and between
// two (each row's plan, by binary search and three SplitMix64 draws of its item's stream,
// and its interpolation, with exactly the draws of the generic plan in
// gpu_clover.over_sampling._generation), rows between given pairs, Geometric SMOTE's
// points and its nearest majority rows measured directly.
#include "grid.cuh"
#include "random.cuh"
#include "plan.cuh"

template <typename T>
__device__ __forceinline__ T float_max() { return sizeof(T) == 4 ? (T)3.4028234663852886e38 : (T)1.7976931348623157e308; }

template <typename T>
__device__ __forceinline__ T between(const T a, const T b, const T gap) {
    // a + gap * (b - a) (as GenerationEngine.interpolate). b - a overflows only for values of opposite
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
