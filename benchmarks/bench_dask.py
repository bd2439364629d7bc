"""gpu_clover.dask scaling, measured with each worker pinned to its own core.

    python benchmarks/bench_dask.py [--rows 1000000] [--sampler kmeans|smote] [--workers 1 2]
                                    [--task-rows auto|half|N] [--repeats 2]

Every Dask worker is a separate process started under ``taskset -c i`` (its own core, one
thread, ``OPENBLAS_NUM_THREADS=1`` and ``OMP_NUM_THREADS=1``), so a worker's task cannot
borrow the other core: 1 worker vs 2 workers shows the scaling, and the single-machine
sampler, run in a child pinned to one core alike, shows the overhead of going through Dask.
Each worker reports its affinity and thread pools (in the JSON).

The data are made on the workers by ``dask.array.random`` with a fixed seed and persisted
before timing: three classes (90 / 7 / 3 %), each a shifted Gaussian, float64.
``--sampler kmeans``: ``gpu_clover.dask.KMeansSMOTE`` at its defaults; ``smote``:
``gpu_clover.dask.SMOTE`` (one group per class: the largest minority group must be split
across tasks to scale). ``--task-rows`` sets ``dask.config`` ``gpu_clover.task-rows``:
``auto`` leaves the default (from the workers' memory), ``half`` is half the largest minority
group. A run is ``fit_resample`` followed by persisting the resampled collections on the
workers; a small untimed run first (two chunks: imports and first calls), then ``--repeats``
timed runs.

Prints one JSON document: the machine, seconds per worker count, the speedup of 2 workers
over 1, Dask on 1 worker over the single machine, the largest task's rows as a share of the
largest minority group, the stages' seconds, and a checksum of the synthetic rows that shows
the output does not depend on the number of workers.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import dask
import dask.array as da
import distributed
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import this_run

PINNED_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SHARES = (0.90, 0.07, 0.03)


def make_data(rows, features, chunk_rows):
    state = da.random.RandomState(0)
    u = state.uniform(size=rows, chunks=chunk_rows)
    y = da.where(u < SHARES[2], 2, da.where(u < SHARES[2] + SHARES[1], 1, 0)).astype(np.int64)
    shift = np.linspace(0.0, 1.5, features)
    X = state.normal(size=(rows, features), chunks=(chunk_rows, features)) + y[:, None] * shift[None, :]
    return X.astype(np.float64), y


def make_sampler(name):
    import gpu_clover.dask as gdask

    if name == "kmeans":
        return gdask.KMeansSMOTE(random_state=0, backend="numpy")
    return gdask.SMOTE(random_state=0, backend="numpy")


def task_rows_setting(args):
    if args.task_rows == "auto":
        return None
    if args.task_rows == "half":
        return int(args.rows * SHARES[1]) // 2  # the 7 % class is the largest minority group
    return int(args.task_rows)


def worker_facts():
    """The worker's cores and thread pools, as it sees them."""
    import threadpoolctl

    return {
        "affinity": sorted(os.sched_getaffinity(0)),
        "threadpools": [(p["internal_api"], p["num_threads"]) for p in threadpoolctl.threadpool_info()],
    }


def run_dask(n_workers, args):
    """The sampler on ``n_workers`` pinned worker processes."""
    cluster = distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0", scheduler_port=0)
    workers = [
        subprocess.Popen(
            [
                "taskset",
                "-c",
                str(i % os.cpu_count()),
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                cluster.scheduler_address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--memory-limit",
                args.worker_memory,
            ],
            env={**os.environ, **PINNED_ENV},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(n_workers)
    ]
    try:
        with distributed.Client(cluster) as client:
            client.wait_for_workers(n_workers, timeout=120)
            facts = client.run(worker_facts)
            X, y = make_data(args.rows, args.features, args.chunk_rows)
            X, y = client.persist([X, y])
            distributed.wait([X, y])
            warm = args.chunk_rows * 2  # a small run first: every import and first call on every worker
            warm_up = make_sampler(args.sampler).fit_resample(X[:warm], y[:warm])
            distributed.wait(client.persist(list(warm_up)))
            del warm_up
            total, fitted_at, stages = [], [], None
            with dask.config.set({"gpu_clover.task-rows": task_rows_setting(args)}):
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    sampler = make_sampler(args.sampler)
                    X_res, y_res = sampler.fit_resample(X, y)
                    fitted = time.perf_counter()
                    X_res, y_res = client.persist([X_res, y_res])
                    distributed.wait([X_res, y_res])
                    done = time.perf_counter()
                    total.append(done - start)
                    fitted_at.append(fitted - start)
                    stages = sampler.stage_seconds_
            checksum = float(X_res[args.rows :].sum(dtype=np.float64).compute())
            counts = np.bincount(y_res.compute()).tolist()
            largest_minority = int(np.sort(np.bincount(y.compute()))[-2])
            result = {
                "workers": n_workers,
                "worker_facts": {str(k): v for k, v in facts.items()},
                "seconds": total,
                "median_seconds": statistics.median(total),
                "fit_resample_seconds": fitted_at,
                "stage_seconds": stages,
                "task_rows": sampler.task_rows_,
                "largest_task_rows": sampler.largest_task_rows_,
                "largest_minority_class_rows": largest_minority,
                "split_groups": {
                    str(key): {
                        "shards": len(split._tables),
                        "probes": split.n_probe,
                        "sample_recall": split.sample_recall,
                    }
                    for key, split in sampler.split_groups_.items()
                },
                "class_counts": counts,
                "synthetic_checksum": checksum,
            }
            # SMOTE's groups are the classes; KMeansSMOTE's groups are smaller than their class.
            result["largest_task_share_of_minority_class"] = sampler.largest_task_rows_ / largest_minority
            return result
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()
        cluster.close()


def run_single_machine(args):
    """The single-machine sampler in a child pinned to one core (this script with ``--child``)."""
    command = [sys.executable, __file__, "--child", "--sampler", args.sampler, "--repeats", str(args.repeats)]
    command += ["--rows", str(args.rows), "--features", str(args.features), "--chunk-rows", str(args.chunk_rows)]
    out = subprocess.run(
        ["taskset", "-c", "0", *command], env={**os.environ, **PINNED_ENV}, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def single_machine_child(args):
    import gpu_clover

    X, y = dask.compute(*make_data(args.rows, args.features, args.chunk_rows), scheduler="synchronous")
    sampler_class = gpu_clover.KMeansSMOTE if args.sampler == "kmeans" else gpu_clover.SMOTE
    warm = args.chunk_rows * 2  # a small run first, as the workers have
    sampler_class(random_state=0, backend="numpy").fit_resample(X[:warm], y[:warm])
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        sampler = sampler_class(random_state=0, backend="numpy")
        sampler.fit_resample(X, y)
        seconds.append(time.perf_counter() - start)
    facts = {"affinity": sorted(os.sched_getaffinity(0)), "stage_seconds": sampler.stage_seconds_}
    print(json.dumps({"seconds": seconds, "median_seconds": statistics.median(seconds), **facts}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=62_500)
    parser.add_argument("--sampler", choices=["kmeans", "smote"], default="kmeans")
    parser.add_argument("--task-rows", default="auto", help="auto, half (of the largest minority group) or a count")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--worker-memory", default="6GiB", help="each worker's memory limit")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return single_machine_child(args)
    runs = [run_dask(w, args) for w in args.workers]
    single = run_single_machine(args)
    one = next((r for r in runs if r["workers"] == 1), runs[0])
    report = {
        "benchmark": f"gpu_clover.dask {args.sampler}, pinned workers",
        "run": this_run(),
        "data": {"rows": args.rows, "features": args.features, "chunk_rows": args.chunk_rows, "classes": SHARES},
        "sampler": args.sampler,
        "task_rows_setting": args.task_rows,
        "runs": runs,
        "single_machine_pinned": single,
        "speedup_over_1_worker": {str(r["workers"]): one["median_seconds"] / r["median_seconds"] for r in runs},
        "dask_1_worker_over_single_machine": one["median_seconds"] / single["median_seconds"],
        "same_output_for_every_worker_count": len({r["synthetic_checksum"] for r in runs}) == 1,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
