"""CPU benchmark of issue 4: SOMO and G-SOMO, gpu_clover (NumPy) vs the reference, same run.

    python benchmarks/bench_somo.py [--rows 20000] [--features 20] [--repeats 3] [--reference-repeats 1]

The data: ``make_classification(n_samples=rows, n_features=features, n_informative=5,
n_redundant=0, weights=[0.9], n_clusters_per_class=1, class_sep=4.0, flip_y=0,
random_state=0)``: separated classes, so that SOMO's filter (a cluster passes when its
minority rows are at least its majority rows) finds clusters for the reference's map too
(on overlapping classes it finds none and raises). Both methods use their
defaults (``random_state=0``; ours with ``backend="numpy"``): SOM grid side
``ceil(sqrt(5 * sqrt(rows)))``, ``distribution_ratio=0.8``. Ours runs once untimed
(warm-up), then ``repeats`` times timed; the reference ``reference_repeats`` times.
Prints one JSON document: the machine, the times, the medians, the class counts
and the numbers of clusters and neighbouring pairs of each, and the ratios
(reference median / our median).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification


def samplers(method):
    if method == "gpu_clover":
        from gpu_clover import SOMO, GeometricSOMO

        return {"SOMO": SOMO(random_state=0, backend="numpy"), "G-SOMO": GeometricSOMO(random_state=0, backend="numpy")}
    from imblearn_extra.clover.over_sampling import SOMO, GeometricSOMO

    return {"SOMO": SOMO(random_state=0), "G-SOMO": GeometricSOMO(random_state=0)}


def timed(sampler, X, y, repeats, warmup):
    if warmup:
        sampler.fit_resample(X, y)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _, y_res = sampler.fit_resample(X, y)
        times.append(time.perf_counter() - start)
    labels = np.asarray(sampler.labels_)
    return {
        "seconds": [round(t, 4) for t in times],
        "median_s": round(statistics.median(times), 4),
        "class_counts": {str(k): int(v) for k, v in zip(*np.unique(np.asarray(y_res), return_counts=True))},
        "n_clusters": len(np.unique(labels)),
        "n_neighbor_pairs": len(np.asarray(sampler.neighbors_).reshape(-1, 2)),
        "n_inter_pairs_used": len(sampler.distributor_.inter_distribution_),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-repeats", type=int, default=1)
    args = parser.parse_args()
    X, y = make_classification(
        n_samples=args.rows,
        n_features=args.features,
        n_informative=5,
        n_redundant=0,
        weights=[0.9],
        n_clusters_per_class=1,
        class_sep=4.0,
        flip_y=0,
        random_state=0,
    )
    results = {"gpu_clover": {}, "reference": {}}
    warnings.simplefilter("ignore")
    for name, sampler in samplers("gpu_clover").items():
        results["gpu_clover"][name] = timed(sampler, X, y, args.repeats, warmup=True)
    for name, sampler in samplers("reference").items():
        results["reference"][name] = timed(sampler, X, y, args.reference_repeats, warmup=False)
    report = {
        "benchmark": "bench_somo",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "data": {"rows": args.rows, "features": args.features, "class_counts": np.bincount(y).tolist()},
        "results": results,
        "speedup_vs_reference": {
            name: round(results["reference"][name]["median_s"] / results["gpu_clover"][name]["median_s"], 1)
            for name in ("SOMO", "G-SOMO")
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
