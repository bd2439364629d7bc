"""CPU benchmark of issue 23: over-sampling a mixed-type table (numeric and categorical columns).

    python benchmarks/bench_mixed.py [--rows 50000 1000000] [--repeats 3] [--warmup 1]
                                     [--methods smote,kmeans_smote,...] [--categorical-dtype category]
                                     [--time-cap 1800] [--memory-cap-gib 16] [--onehot-cap-gib 2]
                                     [--out FILE]

The table (:func:`make_table`), for each row count: 10 numeric columns ``x0..x9`` from
``make_classification(n_features=10, n_informative=6, n_redundant=2, n_clusters_per_class=2,
weights=[0.95], flip_y=0, random_state=0)`` as float32 (5 % minority), and 5 categorical
columns ``c0..c4`` of 4, 12, 100, 1000 and 5000 categories (6116 in all) that carry class
signal: each column's category frequencies are Zipf-like (exponent 1.1, ranks in a random
order), and the minority's frequencies are the majority's times ``exp(z)``, ``z`` one
standard normal per category, renormalised. The categorical columns are pandas ``category``
columns (``--categorical-dtype object`` or ``string``: the same values as Python ``str``
objects or pandas' default string dtype). The table is made once, in a child process, and
pickled to a temporary folder.

Each method runs in its own child process, which loads the table, runs ``fit_resample``
``warmup`` times untimed and ``repeats`` times timed, and reports the median time,
gpu_clover's ``stage_seconds_`` (per stage, the median over the timed runs) and its own
peak resident memory (``VmHWM``). Every child runs under an address-space limit
(``RLIMIT_AS``, ``--memory-cap-gib``) and a wall-clock cap (``--time-cap``): a method that
runs out of memory is reported as ``"out of memory"`` (the ``MemoryError``'s message, the
seconds until it and the peak RSS then), one killed by the kernel by its signal and
``ru_maxrss`` (from ``wait4``), one that exceeds the cap as ``"time cap"``.

Methods (every one with ``random_state=0``, to balance, the defaults otherwise):

- ``smote``: ``gpu_clover.SMOTE()`` (``categorical_features="auto"``: the 5 categorical columns)
- ``kmeans_smote``: ``gpu_clover.KMeansSMOTE()``
- ``smotenc``: ``imblearn.over_sampling.SMOTENC(categorical_features=["c0", ..., "c4"])``
- ``onehot_smote``, ``onehot_kmeans_smote``: ``gpu_clover.SMOTE()`` / ``KMeansSMOTE()`` on the
  same table one-hot encoded (``OneHotEncoder(sparse_output=False, dtype=float32)``, the
  numeric columns first): a numeric-only reference. The encoding is done before the timed
  runs (its seconds are reported apart); skipped where the dense one-hot table would exceed
  ``--onehot-cap-gib``.
- ``numeric_smote``, ``numeric_kmeans_smote``: the same on the 10 numeric columns alone (a
  float32 array): what the categorical columns cost.

Memory: ``io_mib`` is the bytes of the input and the output (``X, y, X_res, y_res``): a
DataFrame's ``memory_usage(deep=True)``, except that an object column counts 8 bytes per row
plus each distinct object once (its values are shared objects); a NumPy array's ``nbytes``.
``peak_rss_over_io`` is the child's peak RSS over them; ``method_rss_over_io`` leaves out
the interpreter and imports (the RSS before the table was loaded).

Ratios, from the same run: ``smotenc`` time / each method's (higher: that method is faster),
where ``smotenc`` finished.

``gpu_clover`` is imported as Python finds it: run with ``PYTHONPATH=.`` from a checkout to
measure that checkout (the JSON's ``machine.gpu_clover`` says which was measured).

Prints one JSON document; ``--out`` also writes it to a file, after every method.
"""

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _machine

METHODS = (
    "smote", "kmeans_smote", "smotenc", "onehot_smote", "onehot_kmeans_smote", "numeric_smote", "numeric_kmeans_smote",
)  # fmt: skip
ONE_HOT = ("onehot_smote", "onehot_kmeans_smote")
NUMERIC_ONLY = ("numeric_smote", "numeric_kmeans_smote")
PEER = "smotenc"
N_NUMERIC = 10
CARDINALITIES = (4, 12, 100, 1000, 5000)
CATEGORICAL_DTYPES = ("category", "object", "string")
ONE_HOT_ITEMSIZE = 4  # float32


# ------------------------------------------------------------------ the table
def make_table(rows, seed=0):
    """The benchmark's table (module docstring): a DataFrame with category columns, and y."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    numeric, y = make_classification(
        n_samples=rows,
        n_features=N_NUMERIC,
        n_informative=6,
        n_redundant=2,
        n_clusters_per_class=2,
        weights=[0.95],
        flip_y=0,
        random_state=seed,
    )
    table = pd.DataFrame(numeric.astype(np.float32), columns=[f"x{j}" for j in range(N_NUMERIC)])
    del numeric
    rng = np.random.default_rng(seed)
    minority = y == 1
    for j, size in enumerate(CARDINALITIES):
        majority_p = 1.0 / np.arange(1, size + 1) ** 1.1
        majority_p = majority_p[rng.permutation(size)] / majority_p.sum()
        minority_p = majority_p * np.exp(rng.standard_normal(size))
        minority_p /= minority_p.sum()
        codes = np.empty(rows, dtype=np.int16)
        codes[~minority] = rng.choice(size, size=int((~minority).sum()), p=majority_p)
        codes[minority] = rng.choice(size, size=int(minority.sum()), p=minority_p)
        table[f"c{j}"] = pd.Categorical.from_codes(codes, categories=[f"c{j}_{i}" for i in range(size)])
    return table, y


def categorical_columns():
    return [f"c{j}" for j in range(len(CARDINALITIES))]


def with_categorical_dtype(table, kind):
    """``table`` with its categorical columns as ``kind``: category, object (Python str) or string."""
    if kind == "category":
        return table
    target = object if kind == "object" else "str"
    return table.astype({name: target for name in categorical_columns()})


def one_hot_bytes(rows):
    return rows * (N_NUMERIC + sum(CARDINALITIES)) * ONE_HOT_ITEMSIZE


def table_bytes(X):
    """Bytes of a DataFrame (object columns: 8 per row plus each distinct object once) or an array."""
    if not hasattr(X, "columns"):
        return int(X.nbytes)
    total = int(X.index.memory_usage())
    for name in X.columns:
        column = X[name]
        if column.dtype == object:
            distinct = {id(v): v for v in column.to_numpy()}
            total += 8 * len(column) + sum(sys.getsizeof(v) for v in distinct.values())
        else:
            total += int(column.memory_usage(index=False, deep=True))
    return total


# ------------------------------------------------------------------ the children
def make_sampler(method):
    """The over-sampler of ``method`` (imports only that method's package)."""
    if method == PEER:
        from imblearn.over_sampling import SMOTENC

        return SMOTENC(categorical_features=categorical_columns(), random_state=0)
    import gpu_clover

    if method in ("smote", "onehot_smote", "numeric_smote"):
        return gpu_clover.SMOTE(random_state=0)
    if method in ("kmeans_smote", "onehot_kmeans_smote", "numeric_kmeans_smote"):
        return gpu_clover.KMeansSMOTE(random_state=0)
    raise ValueError(f"unknown method {method!r}")


def write_table(rows, data_dir):
    """Child process: make the table and pickle it (the parent never holds it)."""
    import pickle

    import numpy as np

    table, y = make_table(rows)
    with open(Path(data_dir) / "table.pkl", "wb") as handle:
        pickle.dump((table, y), handle, protocol=pickle.HIGHEST_PROTOCOL)
    labels, counts = np.unique(y, return_counts=True)
    print(json.dumps({"class_counts_in": {str(k): int(v) for k, v in zip(labels, counts)}}))


def limit_memory(cap_gib):
    """Cap this process's address space: past it, allocations raise ``MemoryError``."""
    cap = int(cap_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_worker(method, data_dir, categorical_dtype, repeats, warmup, memory_cap_gib):
    """Child process: time ``method`` on the pickled table and print one JSON line."""
    import pickle

    import numpy as np

    sampler = make_sampler(method)  # imports first: they belong to the interpreter's share
    rss_interpreter = _machine.current_rss_mib()
    with open(Path(data_dir) / "table.pkl", "rb") as handle:
        X, y = pickle.load(handle)
    result = {"method": method}
    if method in ONE_HOT:
        from sklearn.preprocessing import OneHotEncoder

        start = time.perf_counter()
        encoder = OneHotEncoder(sparse_output=False, dtype=np.float32)
        encoded = encoder.fit_transform(X[categorical_columns()])
        X = np.hstack([X.drop(columns=categorical_columns()).to_numpy(np.float32), encoded])
        del encoded
        result["encode_s"] = round(time.perf_counter() - start, 3)
    elif method in NUMERIC_ONLY:
        X = X.drop(columns=categorical_columns()).to_numpy(np.float32)
    else:
        X = with_categorical_dtype(X, categorical_dtype)
    rss_before = _machine.current_rss_mib()
    seconds, stages = [], []
    try:
        for run in range(warmup + repeats):
            X_res = y_res = None  # free the previous result first: every run starts from the same heap
            start = time.perf_counter()
            X_res, y_res = sampler.fit_resample(X, y)
            if run >= warmup:
                seconds.append(time.perf_counter() - start)
                stages.append(dict(getattr(sampler, "stage_seconds_", {})))
    except MemoryError as error:
        result.update(
            error="out of memory",
            message=str(error)[:300],
            failed_run=run,  # 0 .. warmup - 1: a warm-up
            seconds_into_failed_run=round(time.perf_counter() - start, 2),
            peak_rss_mib=round(_machine.peak_rss_mib(), 1),
            memory_cap_gib=memory_cap_gib,
        )
        print(json.dumps(result))
        return
    peak = _machine.peak_rss_mib()
    io_mib = (table_bytes(X) + y.nbytes + table_bytes(X_res) + np.asarray(y_res).nbytes) / 2**20
    result.update(
        seconds=[round(s, 4) for s in seconds],
        median_s=round(statistics.median(seconds), 4),
        rss_interpreter_mib=round(rss_interpreter, 1),
        rss_before_mib=round(rss_before, 1),
        peak_rss_mib=round(peak, 1),
        io_mib=round(io_mib, 1),
        peak_rss_over_io=round(peak / io_mib, 3),
        method_rss_over_io=round((peak - rss_interpreter) / io_mib, 3),
        class_counts_out={str(k): int(v) for k, v in zip(*np.unique(np.asarray(y_res), return_counts=True))},
        n_rows_out=int(X_res.shape[0]),
        type_out=type(X_res).__name__,
        dtypes_out=sorted({str(d) for d in getattr(X_res, "dtypes", [])}) or [str(X_res.dtype)],
    )
    if stages and stages[0]:
        result["stage_seconds"] = {
            name: round(statistics.median(s.get(name, 0.0) for s in stages), 4) for name in stages[0]
        }
    print(json.dumps(result))


def run_child(arguments, time_cap, scratch):
    """Run this script with ``arguments`` in a child; its last JSON line, or what stopped it.

    The child is reaped with ``wait4`` so that its own ``ru_maxrss`` is known even when it was
    killed; past ``time_cap`` seconds it is killed.
    """
    out, err = Path(scratch) / "child.out", Path(scratch) / "child.err"
    start = time.perf_counter()
    with open(out, "w") as stdout, open(err, "w") as stderr:
        child = subprocess.Popen([sys.executable, __file__, *arguments], stdout=stdout, stderr=stderr)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > time_cap:
            os.kill(child.pid, signal.SIGKILL)
            _, status, usage = os.wait4(child.pid, 0)
            timed_out = True
            break
        time.sleep(0.2)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it
    wall = round(time.perf_counter() - start, 1)
    lines = out.read_text().strip().splitlines()
    if child.returncode == 0 and lines:
        result = json.loads(lines[-1])
        result["child_wall_s"] = wall
        return result
    result = {"child_wall_s": wall, "ru_maxrss_mib": round(usage.ru_maxrss / 1024, 1)}
    if timed_out:
        result["error"] = f"time cap ({time_cap} s)"
    elif child.returncode < 0:
        result["error"] = f"killed by signal {signal.Signals(-child.returncode).name}"
    else:
        result["error"] = err.read_text().strip().splitlines()[-3:] or [f"exit {child.returncode}"]
    return result


# ------------------------------------------------------------------ the report
def ratios(by_rows):
    """SMOTENC's time / each method's, per row count (where both finished)."""
    out = {}
    for rows, results in by_rows.items():
        peer = results.get(PEER, {}).get("median_s")
        for method, result in results.items():
            if peer and "median_s" in result and method != PEER:
                out.setdefault(method, {})[rows] = round(peer / result["median_s"], 2)
    return {"smotenc_time_over_method": out}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed ones, for every method")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {METHODS}")
    parser.add_argument("--categorical-dtype", choices=CATEGORICAL_DTYPES, default="category")
    parser.add_argument("--time-cap", type=float, default=1800, help="seconds one method's child may run")
    parser.add_argument("--memory-cap-gib", type=float, default=16, help="address-space limit of every child")
    parser.add_argument(
        "--onehot-cap-gib", type=float, default=2, help="skip the one-hot methods where that table exceeds this"
    )
    parser.add_argument("--out", help="also write the JSON document to this file (rewritten after every method)")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--make-table", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.make_table:
        write_table(args.make_table, args.data_dir)
        return
    if args.worker:
        limit_memory(args.memory_cap_gib)
        run_worker(args.worker, args.data_dir, args.categorical_dtype, args.repeats, args.warmup, args.memory_cap_gib)
        return

    methods = _machine.chosen_methods(parser, args.methods, METHODS)
    report = _machine.Report(
        {
            "benchmark": "mixed-type table (issue 23, CPU)",
            "data": {
                "numeric": "make_classification(n_features=10, n_informative=6, n_redundant=2, "
                "n_clusters_per_class=2, weights=[0.95], flip_y=0, random_state=0), float32",
                "cardinalities": list(CARDINALITIES),
                "categorical_dtype": args.categorical_dtype,
            },
            "rows": args.rows,
            "methods": methods,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "time_cap_s": args.time_cap,
            "memory_cap_gib": args.memory_cap_gib,
        },
        args.out,
        ratios,
    )
    publish = report.publish

    for rows in args.rows:
        key = str(rows)
        report.doc["results"][key] = {}
        with tempfile.TemporaryDirectory(prefix="gpu-clover-mixed-") as data_dir:
            made = run_child(["--make-table", key, "--data-dir", data_dir], args.time_cap, data_dir)
            if "error" in made:
                raise SystemExit(f"making the {rows}-row table failed: {made['error']}")
            report.doc["class_counts_in"][key] = made["class_counts_in"]
            for method in methods:
                if method in ONE_HOT and one_hot_bytes(rows) > args.onehot_cap_gib * 2**30:
                    report.doc["skipped"].setdefault(key, []).append(method)
                    continue
                command = [
                    "--worker", method, "--data-dir", data_dir, "--categorical-dtype", args.categorical_dtype,
                    "--repeats", str(args.repeats), "--warmup", str(args.warmup),
                    "--memory-cap-gib", str(args.memory_cap_gib),
                ]  # fmt: skip
                result = run_child(command, args.time_cap, data_dir)
                result["load_average"] = [round(v, 2) for v in os.getloadavg()]
                report.doc["results"][key][method] = result
                print(f"{rows} {method}: {result.get('median_s', result.get('error'))}", file=sys.stderr)
                publish()
    publish()
    print(json.dumps(report.doc, indent=2))


if __name__ == "__main__":
    main()
