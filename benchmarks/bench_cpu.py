"""CPU benchmark of issue 2: KMeans-SMOTE to balance, gpu_clover (NumPy) vs its peers.

    python benchmarks/bench_cpu.py [--rows 200000] [--features 20] [--clusters 64] [--repeats 3]

The data: ``make_classification(n_samples=rows, n_features=features, n_informative=10,
weights=[0.95], n_clusters_per_class=4, random_state=0)``, made once and saved to a
temporary ``.npy`` file. Each method then runs in its own child process, which loads
the file, runs ``fit_resample`` once untimed (warm-up) and ``repeats`` times timed,
and reports the median time and its own peak resident memory (``VmHWM``): the
peaks are attributable to one method each, and the data's generation (which
allocates more than the data) never counts. ``rss_before_mib`` is the child's
resident memory right before the first ``fit_resample`` (interpreter, imports and
data), so ``peak_rss_mib - rss_before_mib`` is what the method itself added.

Methods:

- ``gpu_clover``: ``gpu_clover.KMeansSMOTE(kmeans_estimator=clusters, backend="numpy", random_state=0)``
- ``reference``: ``imblearn_extra.clover.over_sampling.KMeansSMOTE(kmeans_estimator=clusters, random_state=0)``
  (cluster-over-sampling; ``int`` -> MiniBatchKMeans with that many clusters)
- ``imblearn``: ``imblearn.over_sampling.KMeansSMOTE(kmeans_estimator=clusters,
  cluster_balance_threshold=0.01, random_state=0)`` (its default threshold finds no
  cluster on such data)

Prints one JSON document: the machine, each method's times, medians, peak memory and
output class counts, and the ratios (peer time / our time; our peak memory / peer's).
"""

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _machine

METHODS = ("gpu_clover", "reference", "imblearn")


def make_sampler(method, n_clusters):
    """The over-sampler of ``method`` (imports only that method's package)."""
    if method == "gpu_clover":
        import gpu_clover

        return gpu_clover.KMeansSMOTE(kmeans_estimator=n_clusters, backend="numpy", random_state=0)
    if method == "reference":
        from imblearn_extra.clover.over_sampling import KMeansSMOTE

        return KMeansSMOTE(kmeans_estimator=n_clusters, random_state=0)
    if method == "imblearn":
        from imblearn.over_sampling import KMeansSMOTE

        return KMeansSMOTE(kmeans_estimator=n_clusters, cluster_balance_threshold=0.01, random_state=0)
    raise ValueError(f"unknown method {method!r}")


def run_worker(method, data_dir, n_clusters, repeats, warmup):
    """Child process: time ``method`` on the saved data and print one JSON line."""
    import numpy as np

    X = np.load(Path(data_dir) / "X.npy")
    y = np.load(Path(data_dir) / "y.npy")
    sampler = make_sampler(method, n_clusters)
    rss_before = _machine.current_rss_mib()
    for _ in range(warmup):
        sampler.fit_resample(X, y)
    seconds = []
    for _ in range(repeats):
        X_res = y_res = None  # free the previous result first: every run starts from the same heap
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        seconds.append(time.perf_counter() - start)
    labels, counts = np.unique(np.asarray(y_res), return_counts=True)
    result = {
        "method": method,
        "seconds": [round(s, 4) for s in seconds],
        "median_s": round(statistics.median(seconds), 4),
        "rss_before_mib": round(rss_before, 1),
        "peak_rss_mib": round(_machine.peak_rss_mib(), 1),
        "class_counts_in": {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))},
        "class_counts_out": {str(k): int(v) for k, v in zip(labels, counts)},
        "n_rows_out": int(X_res.shape[0]),
    }
    print(json.dumps(result))


def machine():
    try:
        from importlib.metadata import version

        extra = version("imbalanced-learn-extra")
    except Exception:
        extra = None
    return _machine.machine(date=datetime.date.today().isoformat(), **{"imbalanced-learn-extra": extra})


def main():
    parser = argparse.ArgumentParser(
        description="KMeans-SMOTE on the CPU: gpu_clover vs cluster-over-sampling vs imbalanced-learn."
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--clusters", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed ones, for every method")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {METHODS}")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        run_worker(args.worker, args.data_dir, args.clusters, args.repeats, args.warmup)
        return

    import numpy as np
    from sklearn.datasets import make_classification

    methods = [m for m in args.methods.split(",") if m]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {METHODS}")
    X, y = make_classification(
        n_samples=args.rows,
        n_features=args.features,
        n_informative=min(10, args.features),
        weights=[0.95],
        n_clusters_per_class=4,
        random_state=0,
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="gpu-clover-bench-") as data_dir:
        np.save(Path(data_dir) / "X.npy", X)
        np.save(Path(data_dir) / "y.npy", y)
        del X, y
        for method in methods:
            command = [
                sys.executable, __file__, "--worker", method, "--data-dir", data_dir,
                "--clusters", str(args.clusters), "--repeats", str(args.repeats), "--warmup", str(args.warmup),
            ]  # fmt: skip
            child = subprocess.run(command, check=False, capture_output=True, text=True)
            if child.returncode != 0:
                results[method] = {"method": method, "error": child.stderr.strip().splitlines()[-1:] or ["failed"]}
                continue
            results[method] = json.loads(child.stdout.strip().splitlines()[-1])

    report = {
        "benchmark": "KMeans-SMOTE to balance (issue 2, CPU)",
        "data": {
            "generator": "make_classification",
            "n_samples": args.rows,
            "n_features": args.features,
            "n_informative": min(10, args.features),
            "weights": [0.95],
            "n_clusters_per_class": 4,
            "random_state": 0,
        },
        "n_clusters": args.clusters,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "machine": machine(),
        "results": results,
        "ratios": ratios(results),
    }
    print(json.dumps(report, indent=2))


def ratios(results):
    """Peer time / our time (higher: we are faster) and our peak memory / peer's (lower: we use less)."""
    ours = results.get("gpu_clover", {})
    out = {}
    if "median_s" not in ours:
        return out
    for peer in ("reference", "imblearn"):
        theirs = results.get(peer, {})
        if "median_s" not in theirs:
            continue
        out[f"{peer}_time_over_ours"] = round(theirs["median_s"] / ours["median_s"], 2)
        out[f"ours_peak_rss_over_{peer}"] = round(ours["peak_rss_mib"] / theirs["peak_rss_mib"], 3)
        ours_added = ours["peak_rss_mib"] - ours["rss_before_mib"]
        theirs_added = theirs["peak_rss_mib"] - theirs["rss_before_mib"]
        if theirs_added > 0:
            out[f"ours_added_rss_over_{peer}"] = round(ours_added / theirs_added, 3)
    return out


if __name__ == "__main__":
    main()
