// A host emulation of the CUDA features gpu_clover's kernels use, for testing them without
// a GPU. A launch runs the blocks one after another; a block's threads are fibers
// (ucontext) on one host thread, switched at barriers: __syncthreads waits for every live
// thread of the block, a warp shuffle writes its value, waits for the live lanes of its
// warp, reads, and waits again. One-dimensional blocks only. Deterministic: the threads run
// in index order between barriers. A barrier no thread can pass aborts the process, and so
// does a full-mask warp shuffle in a warp with lanes exited or missing (undefined on a GPU).
#pragma once
#include <ucontext.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline dim3 gridDim, blockDim, blockIdx, threadIdx;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(n)

enum SimtState { SIMT_RUN, SIMT_WAIT_BLOCK, SIMT_WAIT_WARP, SIMT_DONE };

struct SimtFiber {
    ucontext_t context;
    std::vector<char> stack;
    SimtState state = SIMT_RUN;
    unsigned long generation = 0;  // the barrier generation it waits to pass
};

struct SimtBarrier {
    unsigned long generation = 0;
    unsigned arrived = 0, live = 0;
};

inline std::vector<SimtFiber> simt_fibers;
inline std::vector<SimtBarrier> simt_warps;
inline SimtBarrier simt_block;
inline ucontext_t simt_scheduler;
inline unsigned simt_current = 0;
inline std::function<void()> simt_body;
inline std::vector<std::uint64_t> simt_exchange;  // 32 slots per warp

inline void simt_wait(SimtBarrier& barrier, SimtState state) {
    if (++barrier.arrived == barrier.live) {  // the last to arrive releases the others
        barrier.arrived = 0;
        ++barrier.generation;
        return;
    }
    SimtFiber& me = simt_fibers[simt_current];
    me.state = state;
    me.generation = barrier.generation;
    swapcontext(&me.context, &simt_scheduler);
}

inline void simt_leave(SimtBarrier& barrier) {
    --barrier.live;
    if (barrier.arrived && barrier.arrived == barrier.live) {
        barrier.arrived = 0;
        ++barrier.generation;
    }
}

inline void simt_entry() {
    simt_body();
    simt_fibers[simt_current].state = SIMT_DONE;
    simt_leave(simt_block);
    simt_leave(simt_warps[simt_current / 32]);
}  // returns to simt_scheduler through uc_link

inline void __syncthreads() { simt_wait(simt_block, SIMT_WAIT_BLOCK); }

inline int simt_count(int predicate) {
    // __syncthreads_count: every thread of the block adds its predicate between barriers.
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
T simt_shuffle(unsigned mask, T value, int source) {
    static_assert(sizeof(T) <= 8, "values up to 8 bytes");
    const unsigned warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    simt_exchange[warp * 32 + lane] = bits;
    simt_wait(simt_warps[warp], SIMT_WAIT_WARP);
    if (mask == 0xffffffffu && simt_warps[warp].live != 32) {
        // Undefined on a GPU: a full-mask shuffle needs all 32 lanes, none exited or missing.
        std::fprintf(stderr, "simt: a full-mask warp shuffle with %u live lanes (block %u, warp %u)\n",
                     simt_warps[warp].live, blockIdx.x, warp);
        std::abort();
    }
    T out = value;
    if (source >= 0 && source < 32) std::memcpy(&out, &simt_exchange[warp * 32 + source], sizeof(T));
    simt_wait(simt_warps[warp], SIMT_WAIT_WARP);
    return out;
}
template <typename T> T __shfl_down_sync(unsigned m, T v, int offset) { return simt_shuffle(m, v, (int)(threadIdx.x & 31) + offset); }
template <typename T> T __shfl_xor_sync(unsigned m, T v, int mask) { return simt_shuffle(m, v, (int)(threadIdx.x & 31) ^ mask); }
template <typename T> T __shfl_sync(unsigned m, T v, int lane) { return simt_shuffle(m, v, lane); }

inline double __longlong_as_double(long long v) {
    double d;
    std::memcpy(&d, &v, sizeof(d));
    return d;
}

// Integer atomics (one host thread runs every fiber: plain updates would do; kept atomic).
template <typename T, typename Keep>
T simt_update(T* a, T v, Keep keep) {
    std::atomic_ref<T> ref(*a);
    T old = ref.load();
    while (!ref.compare_exchange_weak(old, keep(old, v))) {
    }
    return old;
}
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
    return simt_update(a, v, [](unsigned long long x, unsigned long long y) { return x + y; });
}
inline long long atomicMin(long long* a, long long v) { return simt_update(a, v, [](long long x, long long y) { return y < x ? y : x; }); }
inline long long atomicMax(long long* a, long long v) { return simt_update(a, v, [](long long x, long long y) { return y > x ? y : x; }); }
inline int atomicOr(int* a, int v) { return simt_update(a, v, [](int x, int y) { return x | y; }); }
inline int atomicAnd(int* a, int v) { return simt_update(a, v, [](int x, int y) { return x & y; }); }

// CUDA's argument convention: args[i] points to the i-th argument's value.
template <typename... P, std::size_t... I>
void simt_call(void (*kernel)(P...), void** args, std::index_sequence<I...>) {
    kernel(*static_cast<std::remove_cv_t<P>*>(args[I])...);
}

inline bool simt_runnable(SimtFiber& fiber, unsigned t) {
    if (fiber.state == SIMT_RUN) return true;
    if (fiber.state == SIMT_WAIT_BLOCK) return simt_block.generation > fiber.generation;
    if (fiber.state == SIMT_WAIT_WARP) return simt_warps[t / 32].generation > fiber.generation;
    return false;
}

template <typename... P>
void simt_launch(void (*kernel)(P...), unsigned gx, unsigned gy, unsigned gz, unsigned bx, void** args) {
    constexpr std::size_t stack_bytes = 64 << 10;
    gridDim = {gx, gy, gz};
    blockDim = {bx, 1, 1};
    const unsigned warps = (bx + 31) / 32;
    simt_exchange.assign(warps * 32, 0);
    simt_fibers.resize(bx);
    for (auto& fiber : simt_fibers) fiber.stack.resize(stack_bytes);
    simt_body = [&] { simt_call(kernel, args, std::index_sequence_for<P...>{}); };
    for (unsigned z = 0; z < gz; ++z)
        for (unsigned y = 0; y < gy; ++y)
            for (unsigned x = 0; x < gx; ++x) {
                blockIdx = {x, y, z};
                simt_block = SimtBarrier{0, 0, bx};
                simt_warps.assign(warps, SimtBarrier{});
                for (unsigned w = 0; w < warps; ++w) simt_warps[w].live = w + 1 < warps ? 32 : bx - 32 * w;
                for (unsigned t = 0; t < bx; ++t) {
                    SimtFiber& fiber = simt_fibers[t];
                    fiber.state = SIMT_RUN;
                    getcontext(&fiber.context);
                    fiber.context.uc_stack.ss_sp = fiber.stack.data();
                    fiber.context.uc_stack.ss_size = fiber.stack.size();
                    fiber.context.uc_link = &simt_scheduler;
                    makecontext(&fiber.context, simt_entry, 0);
                }
                for (unsigned done = 0; done < bx;) {
                    bool progress = false;
                    done = 0;
                    for (unsigned t = 0; t < bx; ++t) {
                        SimtFiber& fiber = simt_fibers[t];
                        if (fiber.state == SIMT_DONE) {
                            ++done;
                            continue;
                        }
                        if (!simt_runnable(fiber, t)) continue;
                        fiber.state = SIMT_RUN;
                        simt_current = t;
                        threadIdx = {t, 0, 0};
                        swapcontext(&simt_scheduler, &fiber.context);
                        progress = true;
                    }
                    if (!progress && done < bx) {
                        std::fprintf(stderr, "simt: a barrier no thread can pass (block %u %u %u)\n", x, y, z);
                        std::abort();
                    }
                }
            }
}
