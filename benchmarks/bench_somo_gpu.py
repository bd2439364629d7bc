"""GPU benchmark of issue 4: SOMO and GeometricSOMO at 1M x 32 on the cupy backend (target <= 2 s).

Data generated as in bench_somo.py but larger, moved to the device once; one warm-up run
(kernel compilation), then the median of ``--repeats`` runs with the stage split, as JSON.

    python benchmarks/bench_somo_gpu.py --rows 1000000 --features 32
"""

import argparse
import json
import statistics
import time

import cupy as cp
import numpy as np
from sklearn.datasets import make_classification

from gpu_clover import SOMO, GeometricSOMO


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
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
    X, y = cp.asarray(X.astype(np.float32)), cp.asarray(y)
    report = {
        "rows": args.rows,
        "features": args.features,
        "device": cp.cuda.runtime.getDeviceProperties(0)["name"].decode(),
    }
    for name, make in (
        ("SOMO", lambda: SOMO(random_state=0)),
        ("GeometricSOMO", lambda: GeometricSOMO(random_state=0)),
    ):
        make().fit_resample(X, y)  # warm-up
        times, stages = [], []
        for _ in range(args.repeats):
            sampler = make()
            start = time.perf_counter()
            _, y_res = sampler.fit_resample(X, y)
            cp.cuda.get_current_stream().synchronize()
            times.append(time.perf_counter() - start)
            stages.append({k: round(v, 4) for k, v in sampler.stage_seconds_.items()})
        report[name] = {
            "median_s": statistics.median(times),
            "runs_s": times,
            "stages_s": stages[int(np.argsort(times)[len(times) // 2])],
            "counts_out": cp.bincount(y_res).tolist(),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
