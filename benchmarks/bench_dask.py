"""gpu_clover.dask scaling: the same KMeans-SMOTE on 1 and on 2 Dask workers.

    python benchmarks/bench_dask.py [--rows 1000000] [--features 20] [--chunk-rows 62500] [--clusters 8] [--workers 1 2] [--backend numpy]

The data are made on the workers by ``dask.array.random`` with a fixed seed (the
same rows for every cluster size) and persisted before timing: three classes
(90 / 7 / 3 %), each a shifted Gaussian. For every worker count a fresh
``distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True)``
runs ``gpu_clover.dask.KMeansSMOTE(kmeans_estimator=clusters, random_state=0,
backend=backend)`` (``--backend cupy``: every block task on the worker's GPU; the blocks
stay NumPy arrays): one untimed warm-up, then ``--repeats`` timed runs of
``fit_resample`` (k-means, counts, shuffle, distance sums, allocation) followed
by the computation of the resampled collections (kept on the workers with
``persist``). The result's checksum shows that the output does not depend on the
number of workers.

Prints one JSON document: the machine, seconds per worker count (``fit_resample``
and total), the speedup of each worker count over the first, and the single-machine
``gpu_clover.KMeansSMOTE`` on the same rows (brought to the host) for comparison.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import time

import dask.array as da
import distributed
import numpy as np

from gpu_clover.dask import KMeansSMOTE


def make_data(rows, features, chunk_rows):
    state = da.random.RandomState(0)
    u = state.uniform(size=rows, chunks=chunk_rows)
    y = da.where(u < 0.03, 2, da.where(u < 0.10, 1, 0)).astype(np.int64)
    shift = np.linspace(0.0, 1.5, features)
    X = state.normal(size=(rows, features), chunks=(chunk_rows, features)) + y[:, None] * shift[None, :]
    return X.astype(np.float64), y


def run(n_workers, args):
    with (
        distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        X, y = make_data(args.rows, args.features, args.chunk_rows)
        X, y = client.persist([X, y])
        distributed.wait([X, y])
        fit_seconds, total_seconds = [], []
        for repeat in range(args.repeats + 1):
            start = time.perf_counter()
            sampler = KMeansSMOTE(kmeans_estimator=args.clusters, random_state=0, backend=args.backend)
            X_res, y_res = sampler.fit_resample(X, y)
            fitted = time.perf_counter()
            X_res, y_res = client.persist([X_res, y_res])
            distributed.wait([X_res, y_res])
            done = time.perf_counter()
            if repeat:  # the first run warms the workers up
                fit_seconds.append(fitted - start)
                total_seconds.append(done - start)
        n_new = X_res.shape[0] - args.rows
        checksum = float(X_res[args.rows :].sum(dtype=np.float64).compute()) if n_new else 0.0
        counts = np.bincount(y_res.compute()).tolist()
    return {
        "workers": n_workers,
        "fit_resample_seconds": fit_seconds,
        "total_seconds": total_seconds,
        "median_total_seconds": statistics.median(total_seconds),
        "synthetic_rows": int(n_new),
        "class_counts": counts,
        "synthetic_checksum": checksum,
    }


def run_single_machine(args):
    """The single-machine estimator on the same rows (brought to the host), in this process."""
    import dask

    import gpu_clover

    with dask.config.set(scheduler="synchronous"):
        X, y = dask.compute(*make_data(args.rows, args.features, args.chunk_rows))
    seconds = []
    for repeat in range(args.repeats + 1):
        start = time.perf_counter()
        gpu_clover.KMeansSMOTE(kmeans_estimator=args.clusters, random_state=0, backend="numpy").fit_resample(X, y)
        if repeat:
            seconds.append(time.perf_counter() - start)
    return {"fit_resample_seconds": seconds, "median_seconds": statistics.median(seconds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=62_500)
    parser.add_argument("--clusters", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--backend", choices=["numpy", "cupy"], default="numpy", help="engine of the block tasks")
    args = parser.parse_args()
    runs = [run(w, args) for w in args.workers]
    single = run_single_machine(args)
    base = runs[0]["median_total_seconds"]
    print(
        json.dumps(
            {
                "benchmark": "gpu_clover.dask KMeansSMOTE, 1 vs 2 workers",
                "date": datetime.date.today().isoformat(),
                "machine": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "data": {
                    "rows": args.rows,
                    "features": args.features,
                    "chunk_rows": args.chunk_rows,
                    "classes": "90/7/3 %",
                },
                "clusters": args.clusters,
                "backend": args.backend,
                "runs": runs,
                "speedup_over_first": {str(r["workers"]): base / r["median_total_seconds"] for r in runs},
                "single_machine": single,
                "single_machine_over_dask": {
                    str(r["workers"]): single["median_seconds"] / r["median_total_seconds"] for r in runs
                },
                "same_output_for_every_worker_count": len({r["synthetic_checksum"] for r in runs}) == 1,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
