"""The ``gpu-clover`` command: balance a CSV/Parquet file, run a demo, time the backends.

    gpu-clover resample train.csv -o balanced.parquet --target label
    gpu-clover demo
    gpu-clover bench --json figures.json

Problems a user can fix (a missing file or column, an existing output, text in a
feature column, ...) are reported as one line on stderr with exit status 2.
The output is written to a temporary file next to it and renamed into place, so
an interrupted or failed run never leaves a half-written file.

Every command says what it is about to do at once, and on a terminal shows what it
is doing while it works (see :class:`~gpu_clover.cli._progress.Progress`). This package
imports only the standard library at start: NumPy, pandas, scikit-learn and the samplers
are imported by the command that needs them, so that ``--help`` answers at once.

This module holds the entry point and the argument parser; each command lives in its
own module (``_resample``, ``_demo``, ``_bench``) and shares the files, progress, report
and ``--json`` figures modules.
"""

import argparse
import contextlib
import signal
import sys
import threading

from ._bench import BENCH_DEFAULTS, IMBLEARN_BALANCE_THRESHOLD, WARMUP_ROWS, run_bench
from ._demo import run_demo
from ._errors import UsageError, one_line
from ._resample import METHODS, run_resample

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM


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
        print(f"gpu-clover: error: {one_line(error)}", file=sys.stderr)
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
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="gpu-clover",
        description="Clustering-based over-sampling of imbalanced data, on the GPU (CuPy) or the CPU (NumPy).",
    )
    parser.add_argument("--version", action="version", version=f"gpu-clover {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    resample = commands.add_parser(
        "resample",
        help="balance a CSV or Parquet file",
        description="Append synthetic rows to a CSV or Parquet file so that its classes are balanced. "
        "OUTPUT holds the target and the feature columns, in the input's order: a column left out of the "
        "features (--drop, or not named by --features) is not in OUTPUT, as synthetic rows have no value for it.",
    )
    resample.add_argument("input", metavar="INPUT", help="a .csv or .parquet file (.csv.gz and friends too)")
    resample.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help="where to write; format from its suffix"
    )
    resample.add_argument("--target", required=True, metavar="COLUMN", help="the class label column")
    resample.add_argument(
        "--features",
        nargs="+",
        action="extend",
        metavar="COLUMN",
        help="the feature columns to use (default: every column but the target); the target is always kept",
    )
    resample.add_argument(
        "--drop",
        nargs="+",
        action="extend",
        metavar="COLUMN",
        help="columns to leave out of the features, such as an ID or free text; they are not in OUTPUT",
    )
    resample.add_argument(
        "--categorical",
        nargs="+",
        action="extend",
        metavar="COLUMN",
        help="numeric feature columns to treat as categories (text, category and bool columns are categories "
        "anyway): never interpolated, a synthetic row takes the most frequent among its neighbours",
    )
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
        help="time KMeans-SMOTE on each available backend against imbalanced-learn",
        description="Time gpu_clover's KMeansSMOTE on every available backend against imbalanced-learn's SMOTE "
        f"and KMeansSMOTE (cluster_balance_threshold={IMBLEARN_BALANCE_THRESHOLD}). The defaults are the README's "
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
        help="time gpu_clover's backends only (no imbalanced-learn)",
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
