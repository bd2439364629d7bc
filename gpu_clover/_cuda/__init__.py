"""The CUDA toolchain: kernel modules, their loader and typed launches.

CUDA is written as CUDA: each algorithm's kernels are ``.cu`` files beside it
(``cluster/kernels``, ``neighbors/kernels``, ``over_sampling/kernels``, the array layer's
in ``backends/kernels``), sharing the device headers of ``include/`` (random streams,
grid-stride loops, plan rows). ``_modules`` lists every module with the constants it is
compiled with; ``_launch`` compiles a module on first use (NVRTC through CuPy, cached per
module and variant) and launches its kernels with named, checked arguments on a shape
from one launch policy. Nothing here imports CuPy until a kernel is launched.
"""

from ._arrays import CTYPES, int64_arrays, unused_rows
from ._launch import (
    Launch,
    atomic_reduction,
    block_per_item,
    blocks,
    grid_stride,
    kernel,
    thread_per_item,
    warp_per_item,
)
from ._modules import (
    CHECKED_INTEGERS,
    FLOAT_CTYPES,
    KEY_TYPES,
    LOCAL_BINS,
    SEED_MAX_TRIALS,
    SEED_THREADS,
    TAKE_TYPES,
    TOPK_MAX,
)

__all__ = [
    "CHECKED_INTEGERS",
    "CTYPES",
    "FLOAT_CTYPES",
    "KEY_TYPES",
    "LOCAL_BINS",
    "SEED_MAX_TRIALS",
    "SEED_THREADS",
    "TAKE_TYPES",
    "TOPK_MAX",
    "Launch",
    "atomic_reduction",
    "block_per_item",
    "blocks",
    "grid_stride",
    "int64_arrays",
    "kernel",
    "thread_per_item",
    "unused_rows",
    "warp_per_item",
]
