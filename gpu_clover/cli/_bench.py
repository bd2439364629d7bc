"""``gpu-clover bench``: KMeans-SMOTE timed on each available backend against its peers
(imbalanced-learn's SMOTE and KMeansSMOTE), each peer's failure reported with its cause.

The reference implementation (imbalanced-learn-extra) is a test oracle, not a dependency:
``benchmarks/bench_cpu.py`` times it beside these engines."""

import contextlib
import statistics
import sys
import time
import warnings

from ._errors import one_line
from ._figures import check_json_path, machine_facts, provenance, write_json
from ._progress import Progress
from ._report import Report, format_seconds

# `gpu-clover bench` by default: the README's headline case, as benchmarks/bench_cpu.py runs it
# (its defaults; the data of its `make_classification` call).
BENCH_DEFAULTS = {"rows": 200_000, "features": 20, "n_clusters": 64, "minority": 0.05, "repeats": 3}
# imbalanced-learn's KMeansSMOTE finds no cluster at its default threshold on such data.
IMBLEARN_BALANCE_THRESHOLD = 0.01
# The warm-up run (libraries loaded, kernels compiled) sees this many rows, untimed.
WARMUP_ROWS = 2000

IMBLEARN_SMOTE = "imblearn SMOTE"
IMBLEARN_KMEANS_SMOTE = "imblearn KMeansSMOTE"


def run_bench(args):
    progress = Progress.for_command(args.quiet)
    report = Report(progress, None if args.json == "-" else sys.stdout, held=args.quiet)
    check_json_path(args.json)
    data = _bench_data_parameters(args.rows, args.features, args.minority, args.random_state)
    timed = f"median of {args.repeats} timed runs" if args.repeats > 1 else "one timed run"
    report.line(
        f"gpu-clover bench: KMeans-SMOTE with {args.n_clusters} clusters, to balance {args.rows} rows x "
        f"{args.features} features ({args.minority * 100:g} % minority, {args.dtype}); {timed} per engine"
    )
    with progress.task("loading scikit-learn and gpu_clover"):
        import numpy as np

        from ..backends import cuda_available, get_backend

        backends = ["numpy"] + (["cupy"] if cuda_available() else [])
        devices = {name: get_backend(name).device_name() for name in backends}
    with progress.task("generating the data"):
        X, y = _bench_data(data, args.dtype)
    classes = {str(label): int(count) for label, count in zip(*np.unique(y, return_counts=True))}
    engines = _bench_engines(backends, args)
    width = max(len(name) for name in engines)
    machine = machine_facts()
    report.line(f"  data      make_classification({_call_arguments(data)}), {args.dtype}; classes {classes}")
    report.line(
        "  machine   "
        + ", ".join(f"{name}: {device}" for name, device in devices.items())
        + f"; {machine['nproc']} CPU cores ({machine['cpu_model']})"
    )
    report.line("")
    report.line(f"  {'engine':<{width}}  {'median s':>9}  {'best s':>9}  {'rows out':>10}  stages (gpu_clover)")

    results = []
    with progress.task("timing", total=len(engines) * (1 + args.repeats)):
        for name, make in engines.items():
            row = _time_engine(name, make, X, y, args.repeats, progress)
            results.append(row)
            for line in _bench_row(row, width):
                report.line(line)
    for line in _speedup_lines(results):
        report.line(line)

    document = {
        "benchmark": "gpu-clover bench: KMeans-SMOTE to balance",
        "data": {"generator": "make_classification", **data, "dtype": args.dtype, "classes": classes},
        "n_clusters": args.n_clusters,
        "imblearn_cluster_balance_threshold": IMBLEARN_BALANCE_THRESHOLD,
        "repeats": args.repeats,
        "warmup_rows": min(WARMUP_ROWS, args.rows),
        "gpu_clover": provenance(),
        "machine": {**machine, "devices": devices},
        "results": results,
    }
    write_json(args.json, document, report)
    report.release()
    return 0


def _bench_data_parameters(rows, features, minority, seed):
    """``make_classification``'s arguments: those of benchmarks/bench_cpu.py, which made the README's
    figures (its other parameters at their defaults), reduced where few features cannot hold them."""
    informative = min(10, features)
    return {
        "n_samples": rows,
        "n_features": features,
        "n_informative": informative,
        "n_redundant": min(2, features - informative),
        "weights": [1 - minority],
        "n_clusters_per_class": min(4, 2**informative // 2),
        "random_state": seed,
    }


def _bench_data(parameters, dtype):
    from sklearn.datasets import make_classification

    X, y = make_classification(**parameters)
    return X.astype(dtype, copy=False), y


def _call_arguments(parameters):
    return ", ".join(f"{name}={value!r}" for name, value in parameters.items())


def _bench_engines(backends, args):
    """{engine name: a function making a fresh sampler}."""
    seed, k = args.random_state, args.n_clusters
    engines = {f"gpu_clover KMeansSMOTE [{name}]": _our_kmeans_smote(name, k, seed) for name in backends}
    if args.no_peers:
        return engines

    def imblearn_smote():
        from imblearn.over_sampling import SMOTE

        return SMOTE(random_state=seed)

    def imblearn_kmeans_smote():
        from imblearn.over_sampling import KMeansSMOTE

        return KMeansSMOTE(kmeans_estimator=k, cluster_balance_threshold=IMBLEARN_BALANCE_THRESHOLD, random_state=seed)

    engines[IMBLEARN_SMOTE] = imblearn_smote
    engines[IMBLEARN_KMEANS_SMOTE] = imblearn_kmeans_smote
    return engines


def _our_kmeans_smote(backend, n_clusters, seed):
    def make():
        from ..over_sampling import KMeansSMOTE

        return KMeansSMOTE(kmeans_estimator=n_clusters, random_state=seed, backend=backend)

    return make


def _time_engine(name, make, X, y, repeats, progress):
    """One engine's row: its timed runs after an untimed warm-up, or why it failed."""
    row = {"engine": name}
    done = 0
    try:
        with warnings.catch_warnings(), progress.listening(stage_lines=False):
            warnings.simplefilter("ignore")
            progress.relabel(f"{name}: warm-up")
            # Only loads libraries and compiles kernels: an error that matters shows again in the timed runs.
            with contextlib.suppress(Exception):
                make().fit_resample(X[:WARMUP_ROWS], y[:WARMUP_ROWS])
            progress.advance()
            done += 1
            seconds = []
            for run in range(repeats):
                progress.relabel(f"{name}: run {run + 1} of {repeats}")
                sampler = make()
                start = time.perf_counter()
                _, y_res = sampler.fit_resample(X, y)
                seconds.append(time.perf_counter() - start)
                progress.advance()
                done += 1
    except Exception as error:
        progress.advance(1 + repeats - done)
        row.update(_failure(name, error, X.dtype))
        return row
    row.update(
        seconds=seconds,
        median_s=statistics.median(seconds),
        best_s=min(seconds),
        rows_out=len(y_res),
        stage_seconds=dict(getattr(sampler, "stage_seconds_", {})),
    )
    return row


def _failure(engine, error, dtype):
    """A failed engine's fields: the exception's type and message, and its cause in plain words where known."""
    fields = {"error": f"{type(error).__name__}: {one_line(error)}"}
    hint = _failure_hint(engine, error, dtype)
    if hint:
        fields["hint"] = hint
    return fields


def _failure_hint(engine, error, dtype):
    message = str(error)
    if engine == IMBLEARN_KMEANS_SMOTE and isinstance(error, ValueError) and "NaN" in message:
        # imbalanced-learn's density weight is mean_distance ** exponent in the data's dtype, the exponent
        # growing with the cluster's minority rows; an overflow to inf makes the weights inf / inf = NaN.
        cause = (
            "imbalanced-learn weighs each cluster by (its mean distance) ** (an exponent that grows with the "
            "cluster's minority rows), in the data's float type; it overflowed to inf and the weights became "
            "inf / inf = NaN"
        )
        if str(dtype) == "float32":
            return (
                cause
                + ": float32 overflows past 3.4e38, which large or spread-out clusters reach; "
                + ("--dtype float64 or more --n-clusters avoid it")
            )
        return cause + "; more --n-clusters (smaller clusters) avoid it"
    if engine == IMBLEARN_KMEANS_SMOTE and isinstance(error, RuntimeError) and "No clusters found" in message:
        return (
            "no cluster passed imbalanced-learn's filter: in every cluster the minority share is below "
            f"cluster_balance_threshold={IMBLEARN_BALANCE_THRESHOLD} or the minority rows are fewer than "
            "k_neighbors + 1; try another --n-clusters"
        )
    if engine == IMBLEARN_KMEANS_SMOTE and isinstance(error, MemoryError):
        return (
            "imbalanced-learn holds all pairwise distances of a cluster's minority rows at once (memory grows "
            "with the square of their count); more --n-clusters makes the clusters smaller"
        )
    if isinstance(error, MemoryError):
        return "the machine ran out of memory; try fewer --rows"
    return None


def _bench_row(row, width):
    """The table line(s) of one engine: times and stages, or why it failed."""
    name = f"  {row['engine']:<{width}}"
    if "error" in row:
        return [f"{name}  failed: {row['error']}"] + (
            [f"  {'':<{width}}  hint: {row['hint']}"] if "hint" in row else []
        )
    stages = ", ".join(f"{stage} {format_seconds(s)}" for stage, s in row["stage_seconds"].items())
    return [f"{name}  {row['median_s']:>9.3f}  {row['best_s']:>9.3f}  {row['rows_out']:>10}  {stages}".rstrip()]


def _speedup_lines(results):
    """Each peer's median time over each of our engines', also recorded in our rows as ``speedup``."""
    peers = [row for row in results if not row["engine"].startswith("gpu_clover") and "median_s" in row]
    lines = []
    for row in results:
        if not row["engine"].startswith("gpu_clover") or "median_s" not in row or not peers:
            continue
        row["speedup"] = {peer["engine"]: peer["median_s"] / row["median_s"] for peer in peers}
        ratios = ", ".join(f"{peer} {ratio:.2f}x" for peer, ratio in row["speedup"].items())
        lines.append(f"  speed-up of {row['engine']} (a peer's median time / its own): {ratios}")
    return [""] + lines if lines else []
