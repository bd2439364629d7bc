"""The ``gpu-clover`` command: balance a CSV/Parquet file, run a demo, time the backends.

    gpu-clover resample train.csv -o balanced.parquet --target label
    gpu-clover demo
    gpu-clover bench --json figures.json

Problems a user can fix (a missing file or column, an existing output, text in a
feature column, ...) are reported as one line on stderr with exit status 2.
The output is written to a temporary file next to it and renamed into place, so
an interrupted or failed run never leaves a half-written file.

Every command says what it is about to do at once, and on a terminal shows what it
is doing while it works (see :class:`Progress`). This module imports only the
standard library at start: NumPy, pandas, scikit-learn and the samplers are
imported by the command that needs them, so that ``--help`` answers at once.
"""

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

from ._timing import stage_listener

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM

# --method -> the gpu_clover class it runs.
METHODS = {"kmeans-smote": "KMeansSMOTE", "smote": "SMOTE", "somo": "SOMO", "gsomo": "GeometricSOMO"}
# The constructor parameter that sets the number of clusters, by method family.
CLUSTER_PARAMETERS = ("kmeans_estimator", "som_estimator")
STRATEGY_WORDS = {
    "auto": "auto",
    "minority": "minority",
    "not-majority": "not majority",
    "not-minority": "not minority",
    "all": "all",
}
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zip")

# `gpu-clover bench` by default: the README's headline case, as benchmarks/bench_cpu.py runs it
# (its defaults; the data of its `make_classification` call).
BENCH_DEFAULTS = {"rows": 200_000, "features": 20, "n_clusters": 64, "minority": 0.05, "repeats": 3}
# imbalanced-learn's KMeansSMOTE finds no cluster at its default threshold on such data.
IMBLEARN_BALANCE_THRESHOLD = 0.01
# The warm-up run (libraries loaded, kernels compiled) sees this many rows, untimed.
WARMUP_ROWS = 2000


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
    resample.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors (no summary, no progress)"
    )
    resample.set_defaults(run=run_resample)

    demo = commands.add_parser(
        "demo",
        help="compare over-samplers on built-in data with a downstream classifier",
        description="Resample a built-in imbalanced problem with each method and score a logistic regression "
        "trained on it (5-fold cross-validation): balanced accuracy, F1 and G-mean. Each method's row is "
        "printed as soon as it is scored.",
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
    _add_report_options(demo)
    demo.set_defaults(run=run_demo)

    bench = commands.add_parser(
        "bench",
        help="time KMeans-SMOTE on each available backend against imbalanced-learn and the reference",
        description="Time gpu_clover's KMeansSMOTE on every available backend against imbalanced-learn's SMOTE "
        f"and KMeansSMOTE (cluster_balance_threshold={IMBLEARN_BALANCE_THRESHOLD}) and the reference "
        "implementation (imbalanced-learn-extra's KMeansSMOTE, when installed). The defaults are the README's "
        "headline case (benchmarks/bench_cpu.py): make_classification with n_informative=min(10, features), "
        "4 sub-clusters per class, float64. Each engine starts with an untimed warm-up on "
        f"{WARMUP_ROWS} rows; a peer that fails is reported with its reason.",
    )
    bench.add_argument(
        "--rows", type=_positive_int, default=BENCH_DEFAULTS["rows"], help=f"default: {BENCH_DEFAULTS['rows']}"
    )
    bench.add_argument(
        "--features",
        type=_positive_int,
        default=BENCH_DEFAULTS["features"],
        help=f"default: {BENCH_DEFAULTS['features']}",
    )
    bench.add_argument(
        "--minority",
        type=_fraction,
        default=BENCH_DEFAULTS["minority"],
        metavar="FRACTION",
        help=f"share of the minority class, in (0, 0.5] (default: {BENCH_DEFAULTS['minority']})",
    )
    bench.add_argument(
        "--n-clusters",
        type=_positive_int,
        default=BENCH_DEFAULTS["n_clusters"],
        metavar="K",
        help=f"for every KMeansSMOTE (default: {BENCH_DEFAULTS['n_clusters']})",
    )
    bench.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="the data's float type (default: float64)",
    )
    bench.add_argument(
        "--repeats",
        type=_positive_int,
        default=BENCH_DEFAULTS["repeats"],
        help=f"timed runs per engine; the median counts (default: {BENCH_DEFAULTS['repeats']})",
    )
    bench.add_argument(
        "--no-peers",
        action="store_true",
        help="time gpu_clover's backends only (no imbalanced-learn, no reference)",
    )
    bench.add_argument("--random-state", type=int, default=0, metavar="N", help="default: 0")
    _add_report_options(bench)
    bench.set_defaults(run=run_bench)
    return parser


def _add_backend(parser):
    parser.add_argument(
        "--backend",
        choices=["auto", "numpy", "cupy"],
        default="auto",
        help="auto: the GPU when CuPy sees a CUDA device, else NumPy (default: auto)",
    )


def _add_report_options(parser):
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="also write the figures as JSON to PATH (with the machine and gpu_clover's version); "
        "'--json' or '--json -': print the JSON on stdout instead of the table",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress; print the results only once they are all in"
    )


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be in (0, 0.5]; got {value}")
    return value


def _one_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__


# ---------------------------------------------------------------- resample
def run_resample(args):
    progress = Progress.for_command(args.quiet)
    started = time.perf_counter()
    _check_input(args.input)
    _check_output(args.output, args.force)
    in_format, out_format = _file_format(args.input, "INPUT"), _file_format(args.output, "OUTPUT")
    report = Report(progress, None if args.quiet else sys.stdout)
    report.line(f"gpu-clover resample: {args.input} -> {args.output}")
    report.line(f"  method    {args.method} (gpu_clover.{METHODS[args.method]})")
    timings = {}

    with progress.step("import", timings):
        backend = _resolve_backend(args.backend)
        cls = _method_class(args.method)
        frames = _frame_library(backend, needs_pyarrow="parquet" in (in_format, out_format))
    report.line(f"  backend   {backend.name} on {backend.device_name()}")
    with progress.step("load", timings):
        frame = _read_table(frames, args.input, in_format)
    target, features = _split_columns(frames, frame, args.target)
    if frames.__name__ == "cudf" and not frames.api.types.is_numeric_dtype(frame[target].dtype):
        # cuDF hands device arrays to the sampler, which needs numeric labels: go through pandas.
        frames, frame = _pandas(), frame.to_pandas()
    y_before = _to_pandas(frame[target])
    report.line(f"  input     {len(frame)} rows x {len(features)} features, {y_before.nunique()} classes")
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

    with progress.step("resample", timings), progress.listening():
        (X_res, y_res), notes = _fit_resample(sampler, frame[features], frame[target])
    if not args.quiet:
        for note in notes:
            print(f"gpu-clover: warning: {note}", file=sys.stderr)
    output = _append_synthetic(frames, frame, target, X_res, y_res)
    with progress.step("write", timings):
        _write_atomic(output, args.output, out_format, args.force)

    stages = {"import": timings["import"], "load": timings["load"], **sampler.stage_seconds_, "write": timings["write"]}
    stages["total"] = time.perf_counter() - started
    for line in _summary(sampler, y_before, _to_pandas(output[target]), stages):
        report.line(line)
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

    return getattr(gpu_clover, METHODS[method])


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


def _fit_resample(sampler, X, y):
    """``sampler.fit_resample`` and its warnings as sorted one-line notes; its errors become usage errors."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = sampler.fit_resample(X, y)
        except (ValueError, TypeError, RuntimeError) as error:
            raise UsageError(f"resampling failed: {_one_line(error)}") from None
    notes = {_one_line(w.message) for w in caught if not issubclass(w.category, (DeprecationWarning, FutureWarning))}
    return result, sorted(notes)


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


# ---------------------------------------------------------------- progress, report and summary
class Progress:
    """What a command shows on stderr while it works.

    On a terminal, unless ``--quiet``: a live line (tqdm) naming the running step,
    and the sampler's stage within it, with a clock that keeps moving, or a bar
    where the number of runs is known; and a permanent line per finished step and
    stage. Without a terminal (a pipe, a CI log) nothing at all: no control
    characters in logs, and stderr keeps only warnings and the one-line errors.
    """

    # How often the live line is redrawn, so that its clock moves during a long stage.
    TICK_SECONDS = 0.2

    def __init__(self, live, stream=None):
        self.live = live
        self.stream = stream or sys.stderr
        self._bar = None
        self._label = ""
        self._stages = []

    @classmethod
    def for_command(cls, quiet):
        """Live on a terminal's stderr, unless ``quiet``."""
        return cls(live=not quiet and sys.stderr.isatty())

    @contextlib.contextmanager
    def task(self, label, total=None):
        """Show ``label`` live while the block runs: its elapsed time, or a bar of ``total`` steps
        (:meth:`advance`). Tasks do not nest."""
        if not self.live:
            yield
            return
        from tqdm import tqdm

        bar_format = "  {desc}  {elapsed}" if total is None else "  {bar:20} {n}/{total}  {elapsed}  {desc}"
        self._label, self._stages = label, []
        self._bar = tqdm(total=total, desc=label, file=self.stream, leave=False, bar_format=bar_format)
        stop = threading.Event()
        ticker = threading.Thread(target=_redraw_until, args=(self._bar, stop, self.TICK_SECONDS), daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            self._bar.close()
            self._bar = None

    @contextlib.contextmanager
    def step(self, name, timings):
        """:meth:`task` for one step of ``resample``; its time goes to ``timings[name]`` and, live, on a line."""
        start = time.perf_counter()
        with self.task(name):
            yield
        timings[name] = time.perf_counter() - start
        self.note(f"  {name:<10} {_seconds(timings[name])}")

    def relabel(self, label):
        """A new label for the live line (the run now going; no stage of it has begun)."""
        self._label, self._stages = label, []
        self._show()

    def advance(self, steps=1):
        """``steps`` more of the task's ``total`` done."""
        if self._bar is not None:
            self._bar.update(steps)

    def note(self, line):
        """A permanent line on stderr above the live one (live only)."""
        if self.live:
            self.write(line, self.stream)

    def write(self, line, file):
        """Print ``line`` to ``file`` at once, clearing and redrawing the live line around it."""
        if self._bar is None:
            print(line, file=file, flush=True)
            return
        from tqdm import tqdm

        tqdm.write(line, file=file)
        file.flush()

    def listening(self, stage_lines=True):
        """A context in which the sampler's stages show on the live line as they start and end
        (and, with ``stage_lines``, a line each as they end)."""
        return stage_listener(
            lambda stage, seconds: self._stage_ended(stage, seconds, stage_lines), on_start=self._stage_started
        )

    def _stage_started(self, stage):
        self._stages.append(stage)
        self._show()

    def _stage_ended(self, stage, seconds, stage_line):
        if self._stages and self._stages[-1] == stage:
            self._stages.pop()
        if stage_line:
            self.note(f"    {stage:<10} {_seconds(seconds)}")
        self._show()

    def _show(self):
        if self._bar is not None:
            running = f": {self._stages[-1]}" if self._stages else ""
            self._bar.set_description_str(self._label + running)


def _redraw_until(bar, stop, seconds):
    while not stop.wait(seconds):
        bar.refresh()


class Report:
    """The human-readable report on stdout, printed line by line as its parts become known,
    so that a terminal, a pipe or a CI log sees each line when it is ready.

    ``held``: lines are kept until :meth:`release` (``--quiet``: the results only once
    they are all in). ``stream=None``: nothing is printed (JSON on stdout instead).
    """

    def __init__(self, progress, stream, held=False):
        self.progress, self.stream, self.held = progress, stream, held
        self._lines = []

    def line(self, text):
        if self.stream is None:
            return
        if self.held:
            self._lines.append(text)
        else:
            self.progress.write(text, self.stream)

    def release(self):
        for text in self._lines:
            print(text, file=self.stream, flush=True)
        self._lines.clear()


def _seconds(value):
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def _summary(sampler, y_before, y_after, stages):
    """The lines that end ``resample``'s report: rows and classes before and after, clusters, times."""
    before, after = y_before.value_counts(), y_after.value_counts()
    labels = sorted(after.index.tolist(), key=lambda label: (-int(before.get(label, 0)), str(label)))
    width = max([5] + [len(str(label)) for label in labels])
    lines = [
        f"  rows      {len(y_before)} -> {len(y_after)} (+{len(y_after) - len(y_before)} synthetic)",
        f"  {'class':<{width}}  {'before':>10}  {'after':>10}  {'added':>10}",
    ]
    for label in labels:
        n_before, n_after = int(before.get(label, 0)), int(after[label])
        lines.append(f"  {label!s:<{width}}  {n_before:>10}  {n_after:>10}  {n_after - n_before:>10}")
    lines += _cluster_lines(sampler, y_before)
    lines.append("  time      " + ", ".join(f"{stage} {_seconds(seconds)}" for stage, seconds in stages.items()))
    return lines


def _cluster_lines(sampler, y):
    """What the clustering and the imbalance filter did, in words that cannot be read as one count.

    Clusters are the clusterer's; the filter judges (cluster, class) groups of the
    over-sampled classes, several per cluster with several such classes. With
    ``size_ratio`` > 0 the groups that fail the filter still get rows by their size,
    so more clusters may receive rows than groups passed.
    """
    if sampler.clusterer_ is None:
        return ["  clusters  none (this method does not cluster)"]
    import numpy as np

    labels = np.asarray(_host_array(sampler.labels_))
    distributor = sampler.distributor_
    used = {cluster for (cluster, _), share in distributor.intra_distribution_.items() if share > 0}
    for ((cluster1, _), (cluster2, _)), share in distributor.inter_distribution_.items():
        if share > 0:
            used.update((cluster1, cluster2))
    majority = set(distributor.majority_class_labels_)
    classes = np.asarray(y)
    minority_rows = ~np.isin(classes, list(majority))
    groups = {(cluster, label) for cluster, label in zip(labels[minority_rows].tolist(), classes[minority_rows])}
    n_minority_classes = len({label for _, label in groups})
    which = "the minority class" if n_minority_classes == 1 else f"the {n_minority_classes} minority classes"
    filtered = (
        f"  filter    {len(distributor.filtered_clusters_)} of {len(groups)} (cluster, class) groups of {which} "
        "passed the imbalance filter"
    )
    size_ratio = distributor.size_ratio_
    if size_ratio > 0:
        filtered += f"; with size_ratio {size_ratio:g}, every group also gets rows by its size"
    return [f"  clusters  {len(np.unique(labels))} found; synthetic rows in {len(used)} of them", filtered]


def _host_array(a):
    return a.get() if hasattr(a, "get") and type(a).__module__.startswith("cupy") else a


# ---------------------------------------------------------------- demo
def run_demo(args):
    progress = Progress.for_command(args.quiet)
    to_stdout = args.json == "-"
    report = Report(progress, None if to_stdout else sys.stdout, held=args.quiet)
    _check_json_path(args.json)
    folds = 5
    report.line(
        f"gpu-clover demo: {args.dataset} data; each method scored by a logistic regression, "
        f"{folds}-fold cross-validation"
    )
    with progress.task("loading scikit-learn and gpu_clover"):
        import numpy as np
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
        "gpu_clover SOMO": gpu_clover.SOMO(random_state=seed, backend=args.backend),
        "gpu_clover GeometricSOMO": gpu_clover.GeometricSOMO(random_state=seed, backend=args.backend),
    }
    scoring = {
        "balanced_accuracy": "balanced_accuracy",
        "f1": "f1",
        "g_mean": make_scorer(geometric_mean_score),
    }
    result = {
        "data": description,
        "classes": {str(label): int(count) for label, count in zip(*np.unique(y, return_counts=True))},
        "classifier": f"StandardScaler + LogisticRegression, {folds}-fold stratified cross-validation",
        "backend": backend.name,
        "device": backend.device_name(),
        "results": [],
    }
    name_width = max(len(name) for name in methods)
    for line in _demo_header(result, scoring, name_width):
        report.line(line)

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with progress.task("cross-validating", total=len(methods)):
        for name, sampler in methods.items():
            progress.relabel(f"{name} ({folds} folds)")
            steps = (
                [StandardScaler()] + ([sampler] if sampler is not None else []) + [LogisticRegression(max_iter=1000)]
            )
            row = {"method": name}
            try:
                with warnings.catch_warnings(), progress.listening(stage_lines=False):
                    warnings.simplefilter("ignore")
                    scores = cross_validate(make_pipeline(*steps), X, y, cv=cv, scoring=scoring, error_score="raise")
            except (ValueError, TypeError, RuntimeError) as error:
                row["error"] = _one_line(error)
            else:
                for metric in scoring:
                    values = scores[f"test_{metric}"]
                    row[metric] = {"mean": float(values.mean()), "std": float(values.std())}
                row["fit_seconds"] = float(scores["fit_time"].mean())
            result["results"].append(row)
            report.line(_demo_row(row, scoring, name_width))
            progress.advance()
    _write_json(args.json, {**result, "gpu_clover": _provenance(), "machine": _machine_facts()}, report)
    report.release()
    return 0


def _demo_data(dataset, rows, seed):
    """A binary imbalanced problem (minority label 1) and a one-line description."""
    import numpy as np

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


DEMO_HEADERS = {"balanced_accuracy": "balanced acc.", "f1": "F1", "g_mean": "G-mean"}


def _demo_header(result, scoring, name_width):
    return [
        f"  data: {result['data']}; classes {result['classes']}",
        f"  model: {result['classifier']}; backend {result['backend']} on {result['device']}",
        "",
        f"{'method':<{name_width}}  " + "  ".join(f"{DEMO_HEADERS[m]:<15}" for m in scoring) + "  fit s/fold",
    ]


def _demo_row(row, scoring, name_width):
    if "error" in row:
        return f"{row['method']:<{name_width}}  failed: {row['error']}"
    cells = [f"{row[m]['mean']:.3f} ± {row[m]['std']:.3f}" for m in scoring]
    return f"{row['method']:<{name_width}}  " + "  ".join(f"{c:<15}" for c in cells) + f"  {row['fit_seconds']:.3f}"


# ---------------------------------------------------------------- bench
IMBLEARN_SMOTE = "imblearn SMOTE"
IMBLEARN_KMEANS_SMOTE = "imblearn KMeansSMOTE"
REFERENCE = "reference KMeansSMOTE (imbalanced-learn-extra)"


def run_bench(args):
    progress = Progress.for_command(args.quiet)
    report = Report(progress, None if args.json == "-" else sys.stdout, held=args.quiet)
    _check_json_path(args.json)
    data = _bench_data_parameters(args.rows, args.features, args.minority, args.random_state)
    timed = f"median of {args.repeats} timed runs" if args.repeats > 1 else "one timed run"
    report.line(
        f"gpu-clover bench: KMeans-SMOTE with {args.n_clusters} clusters, to balance {args.rows} rows x "
        f"{args.features} features ({args.minority * 100:g} % minority, {args.dtype}); {timed} per engine"
    )
    with progress.task("loading scikit-learn and gpu_clover"):
        import numpy as np

        from .backends import cuda_available, get_backend

        backends = ["numpy"] + (["cupy"] if cuda_available() else [])
        devices = {name: get_backend(name).device_name() for name in backends}
    with progress.task("generating the data"):
        X, y = _bench_data(data, args.dtype)
    classes = {str(label): int(count) for label, count in zip(*np.unique(y, return_counts=True))}
    engines = _bench_engines(backends, args)
    width = max(len(name) for name in engines)
    machine = _machine_facts()
    report.line(f"  data      make_classification({_call_arguments(data)}), {args.dtype}; classes {classes}")
    report.line(
        "  machine   "
        + ", ".join(f"{name}: {device}" for name, device in devices.items())
        + f"; {machine['nproc']} CPU cores ({machine['cpu_model']})"
    )
    report.line("")
    report.line(f"  {'engine':<{width}}  {'median s':>9}  {'best s':>9}  {'rows out':>10}  stages (gpu_clover)")

    results = []
    runs = sum(1 + args.repeats for make in engines.values() if callable(make))
    with progress.task("timing", total=runs):
        for name, make in engines.items():
            if callable(make):
                row = _time_engine(name, make, X, y, args.repeats, progress)
            else:
                row = {"engine": name, "skipped": make}
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
        "gpu_clover": _provenance(),
        "machine": {**machine, "devices": devices},
        "results": results,
    }
    _write_json(args.json, document, report)
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
    """{engine name: a function making a fresh sampler, or why the engine is skipped}."""
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

    def reference():
        from imblearn_extra.clover.over_sampling import KMeansSMOTE

        return KMeansSMOTE(kmeans_estimator=k, random_state=seed)

    engines[IMBLEARN_SMOTE] = imblearn_smote
    engines[IMBLEARN_KMEANS_SMOTE] = imblearn_kmeans_smote
    if importlib.util.find_spec("imblearn_extra") is None:
        engines[REFERENCE] = "imbalanced-learn-extra is not installed (pip install imbalanced-learn-extra)"
    else:
        engines[REFERENCE] = reference
    return engines


def _our_kmeans_smote(backend, n_clusters, seed):
    def make():
        from .over_sampling import KMeansSMOTE

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
    fields = {"error": f"{type(error).__name__}: {_one_line(error)}"}
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
    """The table line(s) of one engine: times and stages, or why it failed or was skipped."""
    name = f"  {row['engine']:<{width}}"
    if "skipped" in row:
        return [f"{name}  skipped: {row['skipped']}"]
    if "error" in row:
        return [f"{name}  failed: {row['error']}"] + (
            [f"  {'':<{width}}  hint: {row['hint']}"] if "hint" in row else []
        )
    stages = ", ".join(f"{stage} {_seconds(s)}" for stage, s in row["stage_seconds"].items())
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


# ---------------------------------------------------------------- JSON, machine and version
def _check_json_path(path):
    """Refuse before any work a --json PATH that cannot be written."""
    if path in (None, "-"):
        return
    if os.path.isdir(path):
        raise UsageError(f"--json {path}: is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"--json {path}: directory {directory} does not exist")


def _write_json(path, document, report):
    """The figures as JSON: on stdout for '-', else to ``path`` (and a line in the report saying so)."""
    if path is None:
        return
    text = json.dumps(document, indent=2)
    if path == "-":
        print(text, flush=True)
        return
    try:
        with open(path, "w") as handle:
            handle.write(text + "\n")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    report.line(f"figures written to {path}")


def _provenance():
    from . import __version__

    return {"version": __version__, "commit": _git_commit()}


def _git_commit():
    """The commit of the git checkout this gpu_clover runs from ('-dirty' with uncommitted changes
    to tracked files); None for an installed copy or where git cannot tell."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        commit, changes = (
            subprocess.run(
                ["git", "-C", root, *command], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            for command in (["rev-parse", "HEAD"], ["status", "--porcelain", "--untracked-files=no"])
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if changes else "")


def _machine_facts():
    """The cores this process may use, the CPU, memory, Python and the numeric stack's versions, and
    the BLAS / OpenMP thread pools: what benchmarks/_machine.py records for the benchmark scripts."""
    from importlib.metadata import PackageNotFoundError, version

    import threadpoolctl

    def installed(package):
        try:
            return version(package)
        except PackageNotFoundError:
            return None

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count()
    packages = (
        "numpy",
        "scipy",
        "scikit-learn",
        "imbalanced-learn",
        "imbalanced-learn-extra",
        "cupy-cuda12x",
        "cupy-cuda13x",
    )
    return {
        "date": datetime.date.today().isoformat(),
        "nproc": cores,
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        **{package: installed(package) for package in packages},
        "threadpools": [
            {"api": pool["internal_api"], "threads": pool["num_threads"]} for pool in threadpoolctl.threadpool_info()
        ],
    }


def _cpu_model():
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib():
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):  # no sysconf, or no such name, on this platform
        return None
