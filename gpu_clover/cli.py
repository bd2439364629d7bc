"""The ``gpu-clover`` command: balance a CSV/Parquet file, run a demo, time the backends.

    gpu-clover resample train.csv -o balanced.parquet --target label
    gpu-clover demo
    gpu-clover bench --rows 200000 --features 20

Problems a user can fix (a missing file or column, an existing output, text in a
feature column, ...) are reported as one line on stderr with exit status 2.
The output is written to a temporary file next to it and renamed into place, so
an interrupted or failed run never leaves a half-written file.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

from ._timing import stage_listener

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM

# --method -> the gpu_clover class it runs (SOMO / GeometricSOMO join when they exist).
METHODS = {"kmeans-smote": "KMeansSMOTE", "smote": "SMOTE", "somo": "SOMO", "gsomo": "GeometricSOMO"}
# The constructor parameter that sets the number of clusters, by method family.
CLUSTER_PARAMETERS = ("kmeans_estimator", "som_estimator", "n_clusters")
STRATEGY_WORDS = {
    "auto": "auto",
    "minority": "minority",
    "not-majority": "not majority",
    "not-minority": "not minority",
    "all": "all",
}
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zip")


class UsageError(Exception):
    """A problem the user can fix: reported as one line, exit status 2."""


class Terminated(BaseException):
    """SIGTERM arrived: unwinds the run as Ctrl-C does, so that temporary files are removed."""


# ---------------------------------------------------------------- entry point
def main(argv=None):
    """Run the command; returns the exit status (0, 2 for usage errors, 130 when interrupted, 143 on SIGTERM)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _sigterm_unwinds():
            return args.run(args) or 0
    except UsageError as error:
        print(f"gpu-clover: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gpu-clover: interrupted; no output was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("gpu-clover: terminated; no output was written.", file=sys.stderr)
        return EXIT_TERMINATED


def _raise_terminated(signum, frame):
    raise Terminated


@contextlib.contextmanager
def _sigterm_unwinds():
    """SIGTERM raises :class:`Terminated` inside this context (Python's default ends the process at once,
    with no cleanup). Only the main thread may set signal handlers; elsewhere the default stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="gpu-clover",
        description="Clustering-based over-sampling of imbalanced data, on the GPU (CuPy) or the CPU (NumPy).",
    )
    parser.add_argument("--version", action="version", version=f"gpu-clover {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    resample = commands.add_parser(
        "resample",
        help="balance a CSV or Parquet file",
        description="Append synthetic rows to a CSV or Parquet file so that its classes are balanced.",
    )
    resample.add_argument("input", metavar="INPUT", help="a .csv or .parquet file (.csv.gz and friends too)")
    resample.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help="where to write; format from its suffix"
    )
    resample.add_argument("--target", required=True, metavar="COLUMN", help="the class label column")
    resample.add_argument("--method", choices=list(METHODS), default="kmeans-smote", help="default: kmeans-smote")
    _add_backend(resample)
    resample.add_argument(
        "--sampling-strategy",
        default="auto",
        metavar="STRATEGY",
        help="auto | minority | not-majority | not-minority | all | a float in (0, 1] (binary target: "
        "minority/majority ratio wanted) | JSON rows wanted per class, e.g. '{\"fraud\": 5000}' (default: auto)",
    )
    resample.add_argument("--n-clusters", type=_positive_int, metavar="K", help="clusters (default: the method's)")
    resample.add_argument("--k-neighbors", type=_positive_int, metavar="K", help="SMOTE neighbours (default: 5)")
    resample.add_argument(
        "--neighbor-search",
        choices=["auto", "exact"],
        help="groups above 4096 rows: cell search and sampled density (auto), or every pair (exact); default: auto",
    )
    resample.add_argument("--random-state", type=int, metavar="N", help="seed, for reproducible output")
    resample.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    resample.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    resample.set_defaults(run=run_resample)

    demo = commands.add_parser(
        "demo",
        help="compare over-samplers on built-in data with a downstream classifier",
        description="Resample a built-in imbalanced problem with each method and score a logistic regression "
        "trained on it (5-fold cross-validation): balanced accuracy, F1 and G-mean.",
    )
    demo.add_argument(
        "--dataset",
        choices=["clusters", "breast-cancer"],
        default="clusters",
        help="clusters: generated, 5%% minority in 3 sub-clusters per class; breast-cancer: scikit-learn's, "
        "malignant cases thinned to 10%% of the benign ones (default: clusters)",
    )
    demo.add_argument("--rows", type=_positive_int, default=4000, help="rows of the generated data (default: 4000)")
    _add_backend(demo)
    demo.add_argument("--random-state", type=int, default=0, metavar="N", help="default: 0")
    demo.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    demo.set_defaults(run=run_demo)

    bench = commands.add_parser(
        "bench",
        help="time KMeans-SMOTE on each available backend and imbalanced-learn's",
        description="Time gpu_clover's KMeansSMOTE on every available backend against imbalanced-learn's "
        "KMeansSMOTE (cluster_balance_threshold=0.01) on generated data.",
    )
    bench.add_argument("--rows", type=_positive_int, default=100_000, help="default: 100000")
    bench.add_argument("--features", type=_positive_int, default=20, help="default: 20")
    bench.add_argument("--n-clusters", type=_positive_int, default=8, metavar="K", help="for both (default: 8)")
    bench.add_argument("--repeat", type=_positive_int, default=1, help="timed runs per engine; the best counts")
    bench.add_argument("--no-imblearn", action="store_true", help="time gpu_clover's backends only")
    bench.add_argument("--random-state", type=int, default=0, metavar="N", help="default: 0")
    bench.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    bench.set_defaults(run=run_bench)
    return parser


def _add_backend(parser):
    parser.add_argument(
        "--backend",
        choices=["auto", "numpy", "cupy"],
        default="auto",
        help="auto: the GPU when CuPy sees a CUDA device, else NumPy (default: auto)",
    )


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _one_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__


# ---------------------------------------------------------------- resample
def run_resample(args):
    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    started = time.perf_counter()
    _check_input(args.input)
    _check_output(args.output, args.force)
    in_format, out_format = _file_format(args.input, "INPUT"), _file_format(args.output, "OUTPUT")
    backend = _resolve_backend(args.backend)
    frames = _frame_library(backend, needs_pyarrow="parquet" in (in_format, out_format))
    cls = _method_class(args.method)
    timings = {}

    with progress.step("load", timings):
        frame = _read_table(frames, args.input, in_format)
    target, features = _split_columns(frames, frame, args.target)
    if frames.__name__ == "cudf" and not frames.api.types.is_numeric_dtype(frame[target].dtype):
        # cuDF hands device arrays to the sampler, which needs numeric labels: go through pandas.
        frames, frame = _pandas(), frame.to_pandas()
    y_before = _to_pandas(frame[target])
    strategy = _parse_strategy(args.sampling_strategy, y_before.unique().tolist())
    sampler = _make_sampler(
        cls,
        args.method,
        sampling_strategy=strategy,
        random_state=args.random_state,
        backend=args.backend,
        k_neighbors=args.k_neighbors,
        neighbor_search=args.neighbor_search,
        n_clusters=args.n_clusters,
    )

    with progress.step("resample", timings), stage_listener(progress.substage):
        X_res, y_res = _fit_resample(sampler, frame[features], frame[target], quiet=args.quiet)
    output = _append_synthetic(frames, frame, target, X_res, y_res)
    with progress.step("write", timings):
        _write_atomic(output, args.output, out_format, args.force)

    if not args.quiet:
        stages = {"load": timings["load"], **getattr(sampler, "stage_seconds_", {}), "write": timings["write"]}
        stages["total"] = time.perf_counter() - started
        print(_summary(args, cls, backend, sampler, y_before, _to_pandas(output[target]), stages))
    return 0


def _file_format(path, role):
    name = os.path.basename(path).lower()
    compressed = name.endswith(COMPRESSION_SUFFIXES)
    if compressed:
        name = os.path.splitext(name)[0]
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")) and not compressed:
        return "parquet"
    raise UsageError(
        f"{role} {path!r}: unknown format; use a .csv (optionally .csv.gz, .bz2, .xz, .zst, .zip) or a .parquet file"
    )


def _check_input(path):
    if not os.path.exists(path):
        raise UsageError(f"input file not found: {path}")
    if not os.path.isfile(path):
        raise UsageError(f"input is not a file: {path}")


def _check_output(path, force):
    """Refuse early, before any work: an existing output without --force, or a place we cannot write."""
    if os.path.isdir(path):
        raise UsageError(f"output path is a directory: {path}")
    if os.path.lexists(path) and not force:
        raise UsageError(f"output file exists: {path} (pass --force to overwrite it)")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"cannot write {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {path}: no permission to create files in {directory}")


def _resolve_backend(name):
    from .backends import get_backend

    try:
        return get_backend(name)
    except ValueError as error:
        raise UsageError(error) from None


def _pandas():
    try:
        import pandas
    except ImportError:
        raise UsageError("reading and writing tables needs pandas: pip install 'gpu-clover[cli]'") from None
    return pandas


def _frame_library(backend, needs_pyarrow):
    """cuDF when the data will live on the GPU and cuDF is installed; pandas otherwise."""
    if backend.name == "cupy" and importlib.util.find_spec("cudf") is not None:
        import cudf

        return cudf
    pandas = _pandas()
    if needs_pyarrow and importlib.util.find_spec("pyarrow") is None:
        raise UsageError("Parquet files need pyarrow: pip install 'gpu-clover[cli]'")
    return pandas


def _to_pandas(obj):
    return obj.to_pandas() if type(obj).__module__.startswith("cudf") else obj


def _read_table(frames, path, file_format):
    try:
        return frames.read_csv(path) if file_format == "csv" else frames.read_parquet(path)
    except Exception as error:
        raise UsageError(f"cannot read {path} as {file_format.upper()}: {_one_line(error)}") from None


def _split_columns(frames, frame, target):
    """The target column's label and the feature columns, in file order; checks what the sampler needs."""
    names = [str(column) for column in frame.columns]
    if target not in names:
        shown = ", ".join(names[:20]) + (f", ... ({len(names)} columns)" if len(names) > 20 else "")
        raise UsageError(f"target column {target!r} not found; the columns are: {shown}")
    if len(frame) == 0:
        raise UsageError("the input has a header but no rows")
    target = frame.columns[names.index(target)]
    features = [column for column in frame.columns if column != target]
    if not features:
        raise UsageError(f"the input has no feature columns besides the target {str(target)!r}")
    is_numeric = frames.api.types.is_numeric_dtype
    text = [str(column) for column in features if not is_numeric(frame[column].dtype)]
    if text:
        raise UsageError(
            f"non-numeric feature columns: {', '.join(text)}; encode them as numbers first "
            "(e.g. one-hot with pandas.get_dummies or sklearn's OneHotEncoder / OrdinalEncoder) or drop them"
        )
    missing = [str(column) for column in features if bool(frame[column].isna().any())]
    if missing:
        raise UsageError(
            f"feature columns with missing values: {', '.join(missing)}; impute them or drop those rows first"
        )
    n_missing = int(frame[target].isna().sum())
    if n_missing:
        raise UsageError(
            f"target column {str(target)!r} has {n_missing} missing value(s); label or drop those rows first"
        )
    classes = _to_pandas(frame[target]).unique().tolist()
    if len(classes) < 2:
        raise UsageError(
            f"target column {str(target)!r} has one class only ({classes[0]!r}); over-sampling needs at least two"
        )
    return target, features


def _parse_strategy(text, classes):
    """The --sampling-strategy text as a value imbalanced-learn understands."""
    if text in STRATEGY_WORDS:
        return STRATEGY_WORDS[text]
    try:
        return float(text)
    except ValueError:
        pass
    if not text.lstrip().startswith("{"):
        raise UsageError(
            f"--sampling-strategy {text!r}: use auto, minority, not-majority, not-minority, all, "
            "a float in (0, 1], or a JSON object of rows wanted per class such as '{\"1\": 500}'"
        )
    try:
        wanted = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"--sampling-strategy is not valid JSON: {error}") from None
    if not isinstance(wanted, dict):
        raise UsageError("--sampling-strategy JSON must be an object such as '{\"1\": 500}'")
    by_name = {}
    for label in classes:
        by_name[str(label)] = label
        if isinstance(label, float) and label.is_integer():
            by_name.setdefault(str(int(label)), label)
    strategy = {}
    for name, rows in wanted.items():
        if name not in by_name:
            raise UsageError(
                f"--sampling-strategy names class {name!r}, which is not in the target column "
                f"(classes: {', '.join(sorted(by_name))})"
            )
        if not isinstance(rows, int) or isinstance(rows, bool):
            raise UsageError(f"--sampling-strategy: rows wanted for class {name!r} must be an integer; got {rows!r}")
        strategy[by_name[name]] = rows
    return strategy


def _method_class(method):
    import gpu_clover

    name = METHODS[method]
    cls = getattr(gpu_clover, name, None)
    if cls is None:
        available = ", ".join(m for m, n in METHODS.items() if hasattr(gpu_clover, n))
        raise UsageError(
            f"--method {method} needs gpu_clover.{name}, which this gpu_clover ({gpu_clover.__version__}) "
            f"does not have yet; available methods: {available}"
        )
    return cls


def _make_sampler(cls, method, n_clusters=None, **params):
    """An instance of ``cls`` with the given parameters it accepts (``None`` keeps its default)."""
    accepted = cls._get_param_names()
    kwargs = {name: value for name, value in params.items() if value is not None and name in accepted}
    if n_clusters is not None:
        name = next((name for name in CLUSTER_PARAMETERS if name in accepted), None)
        if name is None:
            raise UsageError(f"--n-clusters does not apply to --method {method}, which does not cluster")
        kwargs[name] = n_clusters
    return cls(**kwargs)


def _fit_resample(sampler, X, y, quiet):
    """``sampler.fit_resample``; its errors become one-line usage errors, its warnings one-line notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = sampler.fit_resample(X, y)
        except (ValueError, TypeError, RuntimeError) as error:
            raise UsageError(f"resampling failed: {_one_line(error)}") from None
    if not quiet:
        notes = {
            _one_line(w.message) for w in caught if not issubclass(w.category, (DeprecationWarning, FutureWarning))
        }
        for note in sorted(notes):
            print(f"gpu-clover: warning: {note}", file=sys.stderr)
    return result


def _append_synthetic(frames, frame, target, X_res, y_res):
    """The input rows unchanged, then the synthetic rows, in the input's column order and dtypes."""
    n = len(frame)
    synthetic = X_res.iloc[n:].reset_index(drop=True)
    synthetic[target] = y_res.iloc[n:].reset_index(drop=True)
    synthetic = synthetic[list(frame.columns)].astype(dict(frame.dtypes.items()))
    return frames.concat([frame, synthetic], ignore_index=True)


def _write_atomic(frame, path, file_format, force):
    """Write next to ``path`` under a temporary name, then rename: readers never see a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        # The temporary name ends with the real one, so compression is inferred from the same suffix.
        handle, temporary = tempfile.mkstemp(prefix=".gpu-clover-", suffix="-" + os.path.basename(path), dir=directory)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    try:
        if file_format == "csv":
            frame.to_csv(temporary, index=False)
        else:
            frame.to_parquet(temporary, index=False)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        if os.path.lexists(path) and not force:  # appeared while we were working
            raise UsageError(f"output file exists: {path} (pass --force to overwrite it)")
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, (OSError, ValueError)):
            raise UsageError(f"cannot write {path}: {_one_line(error)}") from None
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- progress and summary
class Progress:
    """One line per stage on stderr (a terminal only): 'load ...' then its time; the
    resampler's own stages (cluster, neighbors, distribute, generate, ...) as they end."""

    def __init__(self, enabled, stream=None):
        self.enabled = enabled
        self.stream = stream or sys.stderr

    @contextlib.contextmanager
    def step(self, name, timings):
        if self.enabled:
            self.stream.write(f"  {name:<10} ...\n")
            self.stream.flush()
        start = time.perf_counter()
        try:
            yield
        finally:
            timings[name] = time.perf_counter() - start
        if self.enabled:
            self.stream.write(f"  {name:<10} {_seconds(timings[name])}\n")
            self.stream.flush()

    def substage(self, stage, seconds):
        if self.enabled:
            self.stream.write(f"    {stage:<10} {_seconds(seconds)}\n")
            self.stream.flush()


def _seconds(value):
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def _summary(args, cls, backend, sampler, y_before, y_after, stages):
    before, after = y_before.value_counts(), y_after.value_counts()
    labels = sorted(after.index.tolist(), key=lambda label: (-int(before.get(label, 0)), str(label)))
    width = max([5] + [len(str(label)) for label in labels])
    lines = [
        f"gpu-clover resample: {args.input} -> {args.output}",
        f"  method    {args.method} (gpu_clover.{cls.__name__})",
        f"  backend   {backend.name} on {backend.device_name()}",
        f"  rows      {len(y_before)} -> {len(y_after)} (+{len(y_after) - len(y_before)} synthetic)",
        f"  {'class':<{width}}  {'before':>10}  {'after':>10}  {'added':>10}",
    ]
    for label in labels:
        n_before, n_after = int(before.get(label, 0)), int(after[label])
        lines.append(f"  {label!s:<{width}}  {n_before:>10}  {n_after:>10}  {n_after - n_before:>10}")
    lines.append(f"  clusters  {_clusters_line(sampler)}")
    lines.append("  time      " + ", ".join(f"{stage} {_seconds(seconds)}" for stage, seconds in stages.items()))
    return "\n".join(lines)


def _clusters_line(sampler):
    if getattr(sampler, "clusterer_", None) is None:
        return "none (this method does not cluster)"
    found = len(np.unique(np.asarray(_host_array(sampler.labels_))))
    distributor = sampler.distributor_
    used = {cluster for (cluster, _), share in getattr(distributor, "intra_distribution_", {}).items() if share > 0}
    for ((cluster1, _), (cluster2, _)), share in getattr(distributor, "inter_distribution_", {}).items():
        if share > 0:
            used.update((cluster1, cluster2))
    line = f"{found} found, {len(used)} used for synthetic rows"
    if hasattr(distributor, "filtered_clusters_"):
        line += f" ({len(distributor.filtered_clusters_)} (cluster, class) groups passed the imbalance filter)"
    return line


def _host_array(a):
    return a.get() if hasattr(a, "get") and type(a).__module__.startswith("cupy") else a


# ---------------------------------------------------------------- demo
def run_demo(args):
    from imblearn.metrics import geometric_mean_score
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.preprocessing import StandardScaler

    import gpu_clover

    backend = _resolve_backend(args.backend)
    X, y, description = _demo_data(args.dataset, args.rows, args.random_state)
    seed = args.random_state
    methods = {
        "no over-sampling": None,
        "imblearn SMOTE": ImblearnSMOTE(random_state=seed),
        "gpu_clover SMOTE": gpu_clover.SMOTE(random_state=seed, backend=args.backend),
        "gpu_clover KMeansSMOTE": gpu_clover.KMeansSMOTE(random_state=seed, backend=args.backend),
    }
    for method in ("somo", "gsomo"):
        cls = getattr(gpu_clover, METHODS[method], None)
        if cls is not None:
            methods[f"gpu_clover {cls.__name__}"] = _make_sampler(cls, method, random_state=seed, backend=args.backend)

    scoring = {
        "balanced_accuracy": "balanced_accuracy",
        "f1": "f1",
        "g_mean": make_scorer(geometric_mean_score),
    }
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    results = []
    for name, sampler in methods.items():
        steps = [StandardScaler()] + ([sampler] if sampler is not None else []) + [LogisticRegression(max_iter=1000)]
        row = {"method": name}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = cross_validate(make_pipeline(*steps), X, y, cv=cv, scoring=scoring, error_score="raise")
        except (ValueError, TypeError, RuntimeError) as error:
            row["error"] = _one_line(error)
        else:
            for metric in scoring:
                values = scores[f"test_{metric}"]
                row[metric] = {"mean": float(values.mean()), "std": float(values.std())}
            row["fit_seconds"] = float(scores["fit_time"].mean())
        results.append(row)

    report = {
        "data": description,
        "classes": {str(label): int(count) for label, count in zip(*np.unique(y, return_counts=True))},
        "classifier": "StandardScaler + LogisticRegression, 5-fold stratified cross-validation",
        "backend": backend.name,
        "device": backend.device_name(),
        "results": results,
    }
    print(json.dumps(report, indent=2) if args.json else _demo_table(report, scoring))
    return 0


def _demo_data(dataset, rows, seed):
    """A binary imbalanced problem (minority label 1) and a one-line description."""
    if dataset == "breast-cancer":
        from sklearn.datasets import load_breast_cancer

        X, target = load_breast_cancer(return_X_y=True)
        y = (target == 0).astype(np.int64)  # malignant is label 0 in scikit-learn: make it the minority, 1
        malignant, benign = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        kept = np.random.default_rng(seed).choice(malignant, size=len(benign) // 10, replace=False)
        rows_kept = np.sort(np.concatenate([benign, kept]))
        X, y = X[rows_kept], y[rows_kept]
        return X, y, f"breast cancer (scikit-learn), malignant thinned: {X.shape[0]} rows x {X.shape[1]} features"
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows,
        n_features=10,
        n_informative=6,
        n_redundant=2,
        n_clusters_per_class=3,
        weights=[0.95],
        class_sep=1.0,
        flip_y=0.0,
        random_state=seed,
    )
    return X, y, f"generated, 3 sub-clusters per class: {X.shape[0]} rows x {X.shape[1]} features"


def _demo_table(report, scoring):
    headers = {"balanced_accuracy": "balanced acc.", "f1": "F1", "g_mean": "G-mean"}
    name_width = max(len(row["method"]) for row in report["results"])
    lines = [
        f"data: {report['data']}; classes {report['classes']}",
        f"model: {report['classifier']}; backend {report['backend']} on {report['device']}",
        "",
        f"{'method':<{name_width}}  " + "  ".join(f"{headers[m]:<15}" for m in scoring) + "  fit s/fold",
    ]
    for row in report["results"]:
        if "error" in row:
            lines.append(f"{row['method']:<{name_width}}  failed: {row['error']}")
            continue
        cells = [f"{row[m]['mean']:.3f} ± {row[m]['std']:.3f}" for m in scoring]
        lines.append(
            f"{row['method']:<{name_width}}  " + "  ".join(f"{c:<15}" for c in cells) + f"  {row['fit_seconds']:.3f}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- bench
def run_bench(args):
    import gpu_clover
    from gpu_clover.backends import cuda_available

    X, y = _bench_data(args.rows, args.features, args.random_state)
    backends = ["numpy"] + (["cupy"] if cuda_available() else [])
    engines = {f"gpu_clover KMeansSMOTE [{name}]": _our_kmeans_smote(gpu_clover, name, args) for name in backends}
    if not args.no_imblearn:
        from imblearn.over_sampling import KMeansSMOTE as ImblearnKMeansSMOTE

        engines["imblearn KMeansSMOTE"] = lambda: ImblearnKMeansSMOTE(
            kmeans_estimator=args.n_clusters, cluster_balance_threshold=0.01, random_state=args.random_state
        )
    warm_rows = min(len(y), 2000)
    results = []
    for name, make in engines.items():
        row = {"engine": name}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make().fit_resample(X[:warm_rows], y[:warm_rows])  # compile kernels, load libraries: not timed
                best, sampler, y_res = np.inf, None, None
                for _ in range(args.repeat):
                    sampler = make()
                    start = time.perf_counter()
                    _, y_res = sampler.fit_resample(X, y)
                    best = min(best, time.perf_counter() - start)
        except (ValueError, TypeError, RuntimeError) as error:
            row["error"] = _one_line(error)
        else:
            row["seconds"] = best
            row["rows_out"] = len(y_res)
            row["stage_seconds"] = dict(getattr(sampler, "stage_seconds_", {}))
        results.append(row)

    reference = next((r.get("seconds") for r in results if r["engine"] == "imblearn KMeansSMOTE"), None)
    for row in results:
        if reference and "seconds" in row:
            row["speedup_vs_imblearn"] = reference / row["seconds"]
    report = {
        "rows": args.rows,
        "features": args.features,
        "n_clusters": args.n_clusters,
        "classes": {str(label): int(count) for label, count in zip(*np.unique(y, return_counts=True))},
        "devices": {name: gpu_clover.get_backend(name).device_name() for name in backends},
        "cpu_count": os.cpu_count(),
        "results": results,
    }
    print(json.dumps(report, indent=2) if args.json else _bench_table(report))
    return 0


def _our_kmeans_smote(gpu_clover, backend, args):
    return lambda: gpu_clover.KMeansSMOTE(
        kmeans_estimator=args.n_clusters, random_state=args.random_state, backend=backend
    )


def _bench_data(rows, features, seed):
    """Generated binary data, 10 % minority, both classes in sub-clusters; float32 (the GPU's usual dtype)."""
    from sklearn.datasets import make_classification

    informative = min(features, 8)
    X, y = make_classification(
        n_samples=rows,
        n_features=features,
        n_informative=informative,
        n_redundant=0,
        n_clusters_per_class=min(4, 2**informative // 2),
        weights=[0.9],
        random_state=seed,
    )
    return X.astype(np.float32), y


def _bench_table(report):
    width = max(len(row["engine"]) for row in report["results"])
    devices = ", ".join(f"{name}: {device}" for name, device in report["devices"].items())
    lines = [
        f"data: {report['rows']} rows x {report['features']} features, classes {report['classes']}, {report['n_clusters']} clusters",
        f"devices: {devices}; {report['cpu_count']} CPU cores",
        "",
        f"{'engine':<{width}}  {'seconds':>9}  {'rows out':>10}  {'vs imblearn':>11}  stages",
    ]
    for row in report["results"]:
        if "error" in row:
            lines.append(f"{row['engine']:<{width}}  failed: {row['error']}")
            continue
        speedup = f"{row['speedup_vs_imblearn']:.2f}x" if "speedup_vs_imblearn" in row else "-"
        stages = ", ".join(f"{stage} {_seconds(s)}" for stage, s in row["stage_seconds"].items())
        lines.append(
            f"{row['engine']:<{width}}  {row['seconds']:>9.3f}  {row['rows_out']:>10}  {speedup:>11}  {stages}"
        )
    return "\n".join(lines)
