"""CPU benchmark of issue 14: the neighbour stage at scale, auto (bounded cost) vs exact search.

    python benchmarks/bench_neighbors.py [--rows 1000000 4000000 10000000] [--repeats 3]
                                         [--methods kmeans_auto,...] [--peer-cap-rows 1000000]
                                         [--out FILE]

The data, for each row count: ``make_classification(n_samples=rows, n_features=20,
n_informative=10, weights=[0.95], n_clusters_per_class=4, random_state=0)``, cast to
float32 and saved once to a temporary ``.npy`` file. Each method then runs in its own
child process, which loads the file, runs ``fit_resample`` once untimed (warm-up) and
``repeats`` times timed, and reports the median time, gpu_clover's ``stage_seconds_``
(per stage, the median over the timed runs) and its own peak resident memory
(``VmHWM``, warm-up included; ``ru_maxrss`` is also recorded, but on Linux it inherits
the parent's peak, which here includes the data's generation).

Methods (every one with ``random_state=0``, to balance):

- ``kmeans_auto``: ``gpu_clover.KMeansSMOTE(backend="numpy")`` (the defaults: 8 clusters,
  ``neighbor_search="auto"``)
- ``kmeans_exact``: the same with ``neighbor_search="exact"``
- ``kmeans64``: ``gpu_clover.KMeansSMOTE(kmeans_estimator=64, backend="numpy")``
- ``smote_auto``: ``gpu_clover.SMOTE(backend="numpy")``
- ``smote_exact``: the same with ``neighbor_search="exact"``
- ``imblearn_smote``: ``imblearn.over_sampling.SMOTE()``

``--peer-cap-rows N`` skips the slow methods (``imblearn_smote``, ``kmeans_exact``,
``smote_exact``: their cost grows with the square of the groups) above N rows.

Memory: ``peak_rss_over_io`` is the child's peak RSS over the bytes of the input and the
output (``X, y, X_res, y_res``); ``method_rss_over_io`` leaves out the interpreter and
imports (the RSS measured before the data were loaded), so it is the data plus what the
method allocated.

Ratios, from the same run: ``imblearn_smote`` time / each method's (higher: that method is
faster), exact time / auto time, and the growth of the cost per row (seconds / rows) from
each row count to the next and from the first to the last (1.0: linear).

``gpu_clover`` is imported as Python finds it: run with ``PYTHONPATH=.`` from a checkout
to measure that checkout (the JSON's ``machine.gpu_clover`` says which was measured).

Prints one JSON document; ``--out`` also writes it to a file, after every method, so a
long run keeps what it finished.
"""

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _machine

METHODS = ("kmeans_auto", "kmeans_exact", "kmeans64", "smote_auto", "smote_exact", "imblearn_smote")
SLOW = ("imblearn_smote", "kmeans_exact", "smote_exact")
PEER = "imblearn_smote"
EXACT_OF_AUTO = {"kmeans_exact": "kmeans_auto", "smote_exact": "smote_auto"}
N_FEATURES = 20


def make_sampler(method):
    """The over-sampler of ``method`` (imports only that method's package)."""
    if method == PEER:
        from imblearn.over_sampling import SMOTE

        return SMOTE(random_state=0)
    import gpu_clover

    search = "exact" if method.endswith("_exact") else "auto"
    if method in ("kmeans_auto", "kmeans_exact"):
        return gpu_clover.KMeansSMOTE(backend="numpy", random_state=0, neighbor_search=search)
    if method == "kmeans64":
        return gpu_clover.KMeansSMOTE(kmeans_estimator=64, backend="numpy", random_state=0)
    if method in ("smote_auto", "smote_exact"):
        return gpu_clover.SMOTE(backend="numpy", random_state=0, neighbor_search=search)
    raise ValueError(f"unknown method {method!r}")


def run_worker(method, data_dir, repeats, warmup):
    """Child process: time ``method`` on the saved data and print one JSON line."""
    import numpy as np

    sampler = make_sampler(method)  # imports first: they belong to the interpreter's share
    rss_interpreter = _machine.current_rss_mib()
    X = np.load(Path(data_dir) / "X.npy")
    y = np.load(Path(data_dir) / "y.npy")
    rss_before = _machine.current_rss_mib()
    for _ in range(warmup):
        sampler.fit_resample(X, y)
    seconds, stages = [], []
    for _ in range(repeats):
        X_res = y_res = None  # free the previous result first: every run starts from the same heap
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        seconds.append(time.perf_counter() - start)
        stages.append(dict(getattr(sampler, "stage_seconds_", {})))
    peak = _machine.peak_rss_mib()
    io_mib = (X.nbytes + y.nbytes + np.asarray(X_res).nbytes + np.asarray(y_res).nbytes) / 2**20
    result = {
        "method": method,
        "seconds": [round(s, 4) for s in seconds],
        "median_s": round(statistics.median(seconds), 4),
        "rss_interpreter_mib": round(rss_interpreter, 1),
        "rss_before_mib": round(rss_before, 1),
        "peak_rss_mib": round(peak, 1),
        "ru_maxrss_mib": round(_machine.inherited_maxrss_mib(), 1),
        "io_mib": round(io_mib, 1),
        "peak_rss_over_io": round(peak / io_mib, 3),
        "method_rss_over_io": round((peak - rss_interpreter) / io_mib, 3),
        "class_counts_out": {str(k): int(v) for k, v in zip(*np.unique(np.asarray(y_res), return_counts=True))},
        "n_rows_out": int(X_res.shape[0]),
        "dtype_out": str(X_res.dtype),
    }
    if stages and stages[0]:
        result["stage_seconds"] = {
            name: round(statistics.median(s.get(name, 0.0) for s in stages), 4) for name in stages[0]
        }
    print(json.dumps(result))


def save_data(rows, data_dir):
    """Generate the data set of ``rows`` rows and save it (float32 X, int y) to ``data_dir``."""
    import numpy as np
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows,
        n_features=N_FEATURES,
        n_informative=10,
        weights=[0.95],
        n_clusters_per_class=4,
        random_state=0,
    )
    np.save(Path(data_dir) / "X.npy", X.astype(np.float32))
    np.save(Path(data_dir) / "y.npy", y)
    return {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))}


def run_child(method, data_dir, repeats, warmup):
    command = [
        sys.executable, __file__, "--worker", method, "--data-dir", data_dir,
        "--repeats", str(repeats), "--warmup", str(warmup),
    ]  # fmt: skip
    start = time.perf_counter()
    child = subprocess.run(command, check=False, capture_output=True, text=True)
    if child.returncode != 0:
        return {"method": method, "error": child.stderr.strip().splitlines()[-3:] or [f"exit {child.returncode}"]}
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["child_wall_s"] = round(time.perf_counter() - start, 1)
    return result


def ratios(by_rows):
    """Peer time / each method's, exact / auto, and the cost per row's growth between row counts."""
    out = {"imblearn_smote_time_over_method": {}, "exact_time_over_auto": {}, "cost_per_row_growth": {}}
    for rows, results in by_rows.items():
        peer = results.get(PEER, {}).get("median_s")
        for method, result in results.items():
            if peer and "median_s" in result and method != PEER:
                out["imblearn_smote_time_over_method"].setdefault(method, {})[rows] = round(
                    peer / result["median_s"], 2
                )
        for exact, auto in EXACT_OF_AUTO.items():
            if "median_s" in results.get(exact, {}) and "median_s" in results.get(auto, {}):
                out["exact_time_over_auto"].setdefault(exact, {})[rows] = round(
                    results[exact]["median_s"] / results[auto]["median_s"], 2
                )
    counts = sorted(by_rows, key=int)
    for method in METHODS:
        timed = [(int(r), by_rows[r][method]["median_s"]) for r in counts if "median_s" in by_rows[r].get(method, {})]
        steps = {}
        for (n1, t1), (n2, t2) in itertools.pairwise(timed):
            steps[f"{n1}->{n2}"] = round((t2 / n2) / (t1 / n1), 3)
        if len(timed) > 2:
            (n1, t1), (n2, t2) = timed[0], timed[-1]
            steps[f"{n1}->{n2}"] = round((t2 / n2) / (t1 / n1), 3)
        if steps:
            out["cost_per_row_growth"][method] = steps
    return out


def main():
    parser = argparse.ArgumentParser(
        description="The neighbour stage at scale: auto vs exact search, and imbalanced-learn's SMOTE."
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed ones, for every method")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {METHODS}")
    parser.add_argument(
        "--peer-cap-rows", type=int, default=1_000_000, help=f"skip {', '.join(SLOW)} above this many rows"
    )
    parser.add_argument("--out", help="also write the JSON document to this file (rewritten after every method)")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        run_worker(args.worker, args.data_dir, args.repeats, args.warmup)
        return

    methods = _machine.chosen_methods(parser, args.methods, METHODS)
    report = _machine.Report(
        {
            "benchmark": "neighbour stage at scale, auto vs exact (issue 14, CPU)",
            "data": {
                "generator": "make_classification",
                "n_features": N_FEATURES,
                "n_informative": 10,
                "weights": [0.95],
                "n_clusters_per_class": 4,
                "random_state": 0,
                "dtype": "float32",
            },
            "rows": args.rows,
            "methods": methods,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "peer_cap_rows": args.peer_cap_rows,
        },
        args.out,
        ratios,
    )
    publish = report.publish

    for rows in args.rows:
        key = str(rows)
        report.doc["results"][key] = {}
        with tempfile.TemporaryDirectory(prefix="gpu-clover-neighbors-") as data_dir:
            report.doc["class_counts_in"][key] = save_data(rows, data_dir)
            for method in methods:
                if method in SLOW and rows > args.peer_cap_rows:
                    report.doc["skipped"].setdefault(key, []).append(method)
                    continue
                report.doc["results"][key][method] = run_child(method, data_dir, args.repeats, args.warmup)
                print(
                    f"{rows} {method}: {report.doc['results'][key][method].get('median_s', 'failed')}", file=sys.stderr
                )
                publish()
    publish()
    print(json.dumps(report.doc, indent=2))


if __name__ == "__main__":
    main()
