// SplitMix64 counter-based random streams: gpu_clover._random's steps, one value at a time.
//
// The same wrapping uint64 arithmetic as the NumPy code, so the draws are bit-identical.
// SPLITMIX_GOLDEN, SPLITMIX_MIX1 and SPLITMIX_MIX2 are not written here: the loader
// (gpu_clover._cuda) defines them from gpu_clover._random, their one definition.
#ifndef GPU_CLOVER_RANDOM_CUH
#define GPU_CLOVER_RANDOM_CUH

#if !defined(SPLITMIX_GOLDEN) || !defined(SPLITMIX_MIX1) || !defined(SPLITMIX_MIX2)
#error "the SplitMix64 constants come from gpu_clover._random through the loader (gpu_clover._cuda)"
#endif

__device__ __forceinline__ unsigned long long splitmix_mix(unsigned long long x) {
    x ^= x >> 30;
    x *= SPLITMIX_MIX1;
    x ^= x >> 27;
    x *= SPLITMIX_MIX2;
    return x ^ (x >> 31);
}

// gpu_clover._random's steps, one value at a time.
__device__ __forceinline__ unsigned long long stream_base(const long long key, const unsigned long long seed) {
    return splitmix_mix(splitmix_mix((unsigned long long)key * SPLITMIX_GOLDEN + seed) ^ SPLITMIX_MIX2);
}

__device__ __forceinline__ unsigned long long stream_draw(const unsigned long long base, const unsigned long long counter) {
    return splitmix_mix(base + (counter + 1ULL) * SPLITMIX_GOLDEN);
}

__device__ __forceinline__ long long draw_below(const unsigned long long bits, const long long n) {
    return (long long)(((bits >> 32) * (unsigned long long)n) >> 32);  // an integer in [0, n)
}

__device__ __forceinline__ double draw_unit(const unsigned long long bits) {
    return (double)(bits >> 11) * (1.0 / 9007199254740992.0);  // a float64 in [0, 1)
}

#endif  // GPU_CLOVER_RANDOM_CUH
