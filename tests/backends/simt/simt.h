// A host emulation of the CUDA features gpu_clover's kernels use, for testing them without
// a GPU: each block runs its threads as host threads (one std::thread per CUDA thread,
// blocks one after another), __syncthreads is a block barrier, warp shuffles exchange
// through a per-warp buffer between two warp barriers. One-dimensional blocks only.
// Slow, exact, and enough to check indexing, padding, limits and reduction order.
#pragma once
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline dim3 gridDim, blockDim, blockIdx;
inline thread_local dim3 threadIdx;
inline std::unique_ptr<std::barrier<>> simt_block_barrier;
inline std::vector<std::unique_ptr<std::barrier<>>> simt_warp_barriers;
inline std::vector<std::uint64_t> simt_exchange;  // 32 slots per warp

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(n)

inline void __syncthreads() { simt_block_barrier->arrive_and_wait(); }

inline int simt_count(int predicate) {
    // __syncthreads_count: every thread of the block adds its predicate between two barriers.
    static std::vector<int> flags;
    if (threadIdx.x == 0) flags.assign(blockDim.x, 0);
    __syncthreads();
    flags[threadIdx.x] = predicate != 0;
    __syncthreads();
    int n = 0;
    for (unsigned t = 0; t < blockDim.x; ++t) n += flags[t];
    __syncthreads();
    return n;
}
inline int __syncthreads_count(int predicate) { return simt_count(predicate); }
inline int __syncthreads_or(int predicate) { return simt_count(predicate) > 0; }
inline int __syncthreads_and(int predicate) { return simt_count(predicate) == (int)blockDim.x; }

template <typename T>
T simt_shuffle(T value, int source) {
    static_assert(sizeof(T) <= 8, "values up to 8 bytes");
    const unsigned warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    simt_exchange[warp * 32 + lane] = bits;
    simt_warp_barriers[warp]->arrive_and_wait();
    T out = value;
    if (source >= 0 && source < 32) std::memcpy(&out, &simt_exchange[warp * 32 + source], sizeof(T));
    simt_warp_barriers[warp]->arrive_and_wait();
    return out;
}
template <typename T> T __shfl_down_sync(unsigned, T v, int offset) { return simt_shuffle(v, (int)(threadIdx.x & 31) + offset); }
template <typename T> T __shfl_xor_sync(unsigned, T v, int mask) { return simt_shuffle(v, (int)(threadIdx.x & 31) ^ mask); }
template <typename T> T __shfl_sync(unsigned, T v, int lane) { return simt_shuffle(v, lane); }

inline double __longlong_as_double(long long v) {
    double d;
    std::memcpy(&d, &v, sizeof(d));
    return d;
}

// Integer atomics (the emulated threads of a block really run concurrently).
template <typename T, typename Keep>
T simt_update(T* a, T v, Keep keep) {
    std::atomic_ref<T> ref(*a);
    T old = ref.load();
    while (!ref.compare_exchange_weak(old, keep(old, v))) {
    }
    return old;
}
inline long long atomicMin(long long* a, long long v) { return simt_update(a, v, [](long long x, long long y) { return y < x ? y : x; }); }
inline long long atomicMax(long long* a, long long v) { return simt_update(a, v, [](long long x, long long y) { return y > x ? y : x; }); }
inline int atomicOr(int* a, int v) { return simt_update(a, v, [](int x, int y) { return x | y; }); }
inline int atomicAnd(int* a, int v) { return simt_update(a, v, [](int x, int y) { return x & y; }); }

// Launch with CUDA's argument convention: args[i] points to the i-th argument's value.
template <typename... P, std::size_t... I>
void simt_call(void (*kernel)(P...), void** args, std::index_sequence<I...>) {
    kernel(*static_cast<std::remove_cv_t<P>*>(args[I])...);
}

template <typename... P>
void simt_launch(void (*kernel)(P...), unsigned gx, unsigned gy, unsigned gz, unsigned bx, void** args) {
    gridDim = {gx, gy, gz};
    blockDim = {bx, 1, 1};
    const unsigned warps = (bx + 31) / 32;
    simt_exchange.assign(warps * 32, 0);
    for (unsigned z = 0; z < gz; ++z)
        for (unsigned y = 0; y < gy; ++y)
            for (unsigned x = 0; x < gx; ++x) {
                blockIdx = {x, y, z};
                simt_block_barrier = std::make_unique<std::barrier<>>(bx);
                simt_warp_barriers.clear();
                for (unsigned w = 0; w < warps; ++w)
                    simt_warp_barriers.push_back(std::make_unique<std::barrier<>>(w + 1 < warps ? 32 : bx - 32 * w));
                std::vector<std::thread> threads;
                threads.reserve(bx);
                for (unsigned t = 0; t < bx; ++t)
                    threads.emplace_back([=] {
                        threadIdx = {t, 0, 0};
                        simt_call(kernel, args, std::index_sequence_for<P...>{});
                    });
                for (auto& thread : threads) thread.join();
            }
}
