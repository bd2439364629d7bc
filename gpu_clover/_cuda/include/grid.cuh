// Launch shapes every kernel shares.
#ifndef GPU_CLOVER_GRID_CUH
#define GPU_CLOVER_GRID_CUH

// A grid-stride loop: i runs over [0, n) with every thread of the grid, whatever the grid's
// size (the launch policy in gpu_clover._cuda caps the number of blocks).
#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

#endif  // GPU_CLOVER_GRID_CUH
