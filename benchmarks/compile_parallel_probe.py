"""Does CuPy's kernel compilation run in parallel threads? (cold-start study, issue 3)

Compiles 2 x N distinct small elementwise kernels with an empty kernel cache: N one
after the other, then N others from N threads. If NVRTC runs without the GIL, the
threaded batch takes about 1/N of the time, and a first call could compile its
kernels concurrently. Prints one JSON line.

    CUPY_CACHE_DIR=$(mktemp -d) python benchmarks/compile_parallel_probe.py --kernels 16
"""

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor

import cupy as cp


def kernel(i):
    return cp.ElementwiseKernel("T x", "T y", f"y = x * (T){i + 2} + (T){i + 1}", f"probe_{i}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", type=int, default=16)
    args = parser.parse_args()
    n = args.kernels
    x = cp.arange(8, dtype=cp.float32)
    kernel(10_000)(x)  # CUDA context, headers, NVRTC loaded
    cp.cuda.Device().synchronize()
    start = time.perf_counter()
    for i in range(n):
        kernel(i)(x)
    cp.cuda.Device().synchronize()
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        list(pool.map(lambda i: kernel(i)(x), range(n, 2 * n)))
    cp.cuda.Device().synchronize()
    threaded = time.perf_counter() - start
    print(
        json.dumps(
            {
                "kernels": n,
                "sequential_s": round(sequential, 3),
                "threaded_s": round(threaded, 3),
                "speedup": round(sequential / threaded, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
