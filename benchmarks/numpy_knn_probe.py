"""A/B of the NumPy backend's large-group neighbour search (scikit-learn's brute kNN from
``neighbors._engine.SEARCH_MIN_ROWS`` rows on) against the generic row tiles, on this machine's cores.

Same data as ``bench_gpu.py``; prints one JSON document with the fit_resample time and
the neighbours stage of each variant (median of ``--repeats`` after a warm-up).

    python benchmarks/numpy_knn_probe.py --rows 1000000
"""

import argparse
import json
import os
import statistics
import time

from bench_gpu import make_data

from gpu_clover import KMeansSMOTE
from gpu_clover.neighbors import _engine as neighbors_engine


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    X, y = make_data(args.rows, args.features)
    default = neighbors_engine.SEARCH_MIN_ROWS
    results = {"rows": args.rows, "features": args.features, "cpus": os.cpu_count()}
    for label, threshold in [("sklearn_search", default), ("generic_tiles", 1 << 62)]:
        neighbors_engine.SEARCH_MIN_ROWS = threshold
        times, neighbors = [], []
        for _ in range(args.repeats + 1):
            sampler = KMeansSMOTE(kmeans_estimator=64, random_state=0, backend="numpy")
            start = time.perf_counter()
            sampler.fit_resample(X, y)
            times.append(time.perf_counter() - start)
            neighbors.append(sampler.stage_seconds_["neighbors"])
        results[label] = {
            "median_s": statistics.median(times[1:]),
            "neighbors_s": statistics.median(neighbors[1:]),
            "runs_s": times[1:],
        }
    neighbors_engine.SEARCH_MIN_ROWS = default
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
