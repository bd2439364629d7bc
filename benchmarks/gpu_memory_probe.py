"""Device memory at scale (issue 3): KMeans-SMOTE on N x D float32 data generated on the GPU.

Reports the memory pool's footprint after the call (CuPy's pool keeps freed blocks, so
this is the peak the call reserved), next to the input and output sizes, as JSON.

    python benchmarks/gpu_memory_probe.py --rows 100000000 --features 32
"""

import argparse
import json
import time

import cupy as cp

from gpu_clover import KMeansSMOTE


def make_device_data(n_rows, n_features, minority=0.05, n_blobs=8, seed=0):
    """Gaussian blobs per class, generated on the device (no host copy of N x D)."""
    rng = cp.random.default_rng(seed)
    y = (rng.random(n_rows) < minority).astype(cp.int64)
    centers = rng.standard_normal((2 * n_blobs, n_features), dtype=cp.float32) * 4
    blob = y * n_blobs + rng.integers(0, n_blobs, n_rows)
    X = rng.standard_normal((n_rows, n_features), dtype=cp.float32)
    X += centers[blob]
    return X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--clusters", type=int, default=64)
    args = parser.parse_args()
    pool = cp.get_default_memory_pool()
    X, y = make_device_data(args.rows, args.features)
    cp.cuda.get_current_stream().synchronize()
    before = pool.total_bytes()
    sampler = KMeansSMOTE(kmeans_estimator=args.clusters, random_state=0)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    cp.cuda.get_current_stream().synchronize()
    seconds = time.perf_counter() - start
    gib = 2**30
    input_bytes = X.nbytes + y.nbytes
    output_bytes = X_res.nbytes + y_res.nbytes
    peak_call = pool.total_bytes() - before + input_bytes  # what the call reserved, plus its input
    print(
        json.dumps(
            {
                "rows": args.rows,
                "features": args.features,
                "seconds": round(seconds, 3),
                "stages_s": {k: round(v, 3) for k, v in sampler.stage_seconds_.items()},
                "input_gib": round(input_bytes / gib, 2),
                "output_gib": round(output_bytes / gib, 2),
                "peak_gib": round(peak_call / gib, 2),
                "peak_over_input_plus_output": round(peak_call / (input_bytes + output_bytes), 3),
                "counts_out": cp.bincount(y_res).tolist(),
                "device_total_gib": round(cp.cuda.runtime.memGetInfo()[1] / gib, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
