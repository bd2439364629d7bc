"""GPU benchmark (issue 3): KMeans-SMOTE, 64 clusters, to balance, on make_classification data.

Prints one JSON document: per size, gpu_clover on cupy (from CuPy input and from
NumPy input, transfers included), gpu_clover on numpy, and the CPU peers
(imbalanced-learn's KMeansSMOTE and cluster-over-sampling's), each the median of
``--repeats`` runs after a warm-up, with the stage split and the ratios. A CPU
peer whose first run exceeds ``--peer-cap`` seconds, or whose projected time does,
is skipped and the JSON says so.

    python benchmarks/bench_gpu.py --rows 1000000 10000000 --features 32
"""

import argparse
import json
import platform
import statistics
import time

import numpy as np
from sklearn.datasets import make_classification

import gpu_clover
from gpu_clover import KMeansSMOTE
from gpu_clover.backends import cuda_available, get_backend


def make_data(n_rows, n_features, seed=0):
    X, y = make_classification(
        n_samples=n_rows,
        n_features=n_features,
        n_informative=min(n_features, 16),
        n_redundant=0,
        weights=[0.95],
        n_clusters_per_class=4,
        random_state=seed,
    )
    return X.astype(np.float32), y


def timed(run, repeats, sync):
    run()  # warm-up: kernel compilation, memory pool
    sync()
    times, stages = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        sampler = run()
        sync()
        times.append(time.perf_counter() - start)
        stages.append(getattr(sampler, "stage_seconds_", {}))
    best = stages[int(np.argsort(times)[len(times) // 2])]
    return {"median_s": statistics.median(times), "runs_s": times, "stages_s": best}


def peer(name, n_rows, X, y, cap, projected):
    if cap <= 0:
        return {"skipped": "peers disabled (--peer-cap 0)"}
    if projected is not None and projected > cap:
        return {"skipped": f"projected {projected:.0f} s > cap {cap:.0f} s"}
    if name == "imblearn":
        from imblearn.over_sampling import KMeansSMOTE as Peer

        sampler = Peer(kmeans_estimator=64, cluster_balance_threshold=0.01, random_state=0)
    else:
        from imblearn_extra.clover.over_sampling import KMeansSMOTE as Peer

        sampler = Peer(kmeans_estimator=64, random_state=0)
    X64 = X.astype(np.float64)
    start = time.perf_counter()
    try:
        _, y_res = sampler.fit_resample(X64, y)
    except Exception as error:
        return {"failed": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - start
    return {"median_s": seconds, "runs_s": [seconds], "counts": np.bincount(y_res).tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--clusters", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-cap", type=float, default=60.0, help="seconds a CPU peer may take")
    parser.add_argument("--numpy-max-rows", type=int, default=2_000_000, help="largest size for the numpy backend")
    args = parser.parse_args()

    report = {
        "versions": {"gpu_clover": gpu_clover.__version__, "numpy": np.__version__, "python": platform.python_version()}
    }
    if cuda_available():
        import cupy as cp

        report["device"] = get_backend("cupy").device_name()
        report["versions"]["cupy"] = cp.__version__
        report["versions"]["cuda_runtime"] = cp.cuda.runtime.runtimeGetVersion()
    results = []
    peer_per_row = {}
    for n_rows in args.rows:
        X, y = make_data(n_rows, args.features)
        entry = {
            "rows": n_rows,
            "features": args.features,
            "clusters": args.clusters,
            "counts_in": np.bincount(y).tolist(),
        }

        def ours(backend, X_in, y_in):
            return lambda: _fit(
                KMeansSMOTE(kmeans_estimator=args.clusters, random_state=0, backend=backend), X_in, y_in
            )

        if cuda_available():
            import cupy as cp

            sync = cp.cuda.get_current_stream().synchronize
            X_dev, y_dev = cp.asarray(X), cp.asarray(y)
            entry["cupy_from_cupy"] = timed(ours("cupy", X_dev, y_dev), args.repeats, sync)
            entry["cupy_from_numpy"] = timed(ours("cupy", X, y), args.repeats, sync)
            del X_dev, y_dev
            cp.get_default_memory_pool().free_all_blocks()
        if n_rows <= args.numpy_max_rows:
            entry["numpy"] = timed(ours("numpy", X, y), 1, lambda: None)
        for name in ("imblearn", "reference"):
            projected = peer_per_row[name] * n_rows if name in peer_per_row else None
            entry[name] = peer(name, n_rows, X, y, args.peer_cap, projected)
            if "median_s" in entry[name]:
                peer_per_row[name] = entry[name]["median_s"] / n_rows
        entry["ratios"] = {
            f"{other}_over_{mine}": entry[other]["median_s"] / entry[mine]["median_s"]
            for mine in ("cupy_from_cupy", "cupy_from_numpy", "numpy")
            for other in ("imblearn", "reference", "numpy")
            if mine in entry and other in entry and other != mine and "median_s" in entry[other]
        }
        results.append(entry)
        print(json.dumps(entry), flush=True)
    report["results"] = results
    print(json.dumps(report, indent=2))


def _fit(sampler, X, y):
    sampler.fit_resample(X, y)
    return sampler


if __name__ == "__main__":
    main()
