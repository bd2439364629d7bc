"""``gpu-clover resample``: balance a CSV or Parquet file by appending synthetic rows."""

import json
import shlex
import sys
import time
import warnings

from ._columns import feature_columns, header_columns, listed
from ._errors import UsageError, one_line, resolve_backend
from ._files import (
    check_input,
    check_output,
    file_format,
    frame_library,
    import_pandas,
    read_table,
    to_pandas,
    write_atomic,
)
from ._progress import Progress
from ._report import Report, summary

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


def run_resample(args):
    progress = Progress.for_command(args.quiet)
    started = time.perf_counter()
    check_input(args.input)
    check_output(args.output, args.force)
    in_format, out_format = file_format(args.input, "INPUT"), file_format(args.output, "OUTPUT")
    header = header_columns(args.input, in_format)
    if header is not None:  # wrong names reported now, before the imports and the read
        feature_columns(header, args.target, args.drop, args.features, args.categorical)
    report = Report(progress, None if args.quiet else sys.stdout)
    report.line(f"gpu-clover resample: {args.input} -> {args.output}")
    report.line(f"  method    {args.method} (gpu_clover.{METHODS[args.method]})")
    timings = {}

    with progress.step("import", timings):
        backend = resolve_backend(args.backend)
        cls = _method_class(args.method)
        frames = frame_library(backend, needs_pyarrow="parquet" in (in_format, out_format))
    report.line(f"  backend   {backend.name} on {backend.device_name()}")
    with progress.step("load", timings):
        frame = read_table(frames, args.input, in_format)
    columns = list(frame.columns)
    frame, target, features, categorical = _select_columns(frames, frame, args)
    if frames.__name__ == "cudf" and not frames.api.types.is_numeric_dtype(frame[target].dtype):
        # cuDF hands device arrays to the sampler, which needs numeric labels: go through pandas.
        frames, frame = import_pandas(), frame.to_pandas()
    y_before = to_pandas(frame[target])
    left_out = [str(column) for column in columns if column not in frame.columns]
    report.line(
        f"  input     {len(frame)} rows x {len(features)} features"
        + (f" ({len(categorical)} categorical: {listed([str(c) for c in categorical], 10)})" if categorical else "")
        + f", {y_before.nunique()} classes"
        + (f"; left out: {listed(left_out, 10)}" if left_out else "")
    )
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
        categorical_features=categorical,
    )

    with progress.step("resample", timings), progress.listening():
        (X_res, y_res), notes = _fit_resample(sampler, frame[features], frame[target])
    if not args.quiet:
        for note in notes:
            print(f"gpu-clover: warning: {note}", file=sys.stderr)
    output = _append_synthetic(frames, frame, target, X_res, y_res)
    with progress.step("write", timings):
        write_atomic(output, args.output, out_format, args.force)

    stages = {"import": timings["import"], "load": timings["load"], **sampler.stage_seconds_, "write": timings["write"]}
    stages["total"] = time.perf_counter() - started
    for line in summary(sampler, y_before, to_pandas(output[target]), stages):
        report.line(line)
    return 0


def _select_columns(frames, frame, args):
    """The table cut to its target and feature columns (file order), the target's label, the
    feature labels and the categorical ones (text, category and bool columns, and those named by
    ``--categorical``); checks what the sampler needs."""
    label_of = {str(column): column for column in frame.columns}
    names = feature_columns(list(label_of), args.target, args.drop, args.features, args.categorical)
    if len(frame) == 0:
        raise UsageError("the input has a header but no rows")
    target, features = label_of[args.target], [label_of[name] for name in names]
    if len(features) + 1 < len(frame.columns):
        kept = set(features) | {target}
        frame = frame[[column for column in frame.columns if column in kept]]
    types = frames.api.types
    named = {label_of[name] for name in args.categorical or ()}
    categorical = [
        column
        for column in features
        if column in named
        or types.is_bool_dtype(frame[column].dtype)
        or not types.is_numeric_dtype(frame[column].dtype)
    ]
    missing = [str(column) for column in features if bool(frame[column].isna().any())]
    if missing:
        raise UsageError(
            f"feature columns with missing values: {', '.join(missing)}; impute them, drop those rows, "
            f"or leave the columns out with --drop {_shell_words(missing)}"
        )
    n_missing = int(frame[target].isna().sum())
    if n_missing:
        raise UsageError(
            f"target column {str(target)!r} has {n_missing} missing value(s); label or drop those rows first"
        )
    classes = to_pandas(frame[target]).unique().tolist()
    if len(classes) < 2:
        raise UsageError(
            f"target column {str(target)!r} has one class only ({classes[0]!r}); over-sampling needs at least two"
        )
    return frame, target, features, categorical


def _shell_words(names):
    return " ".join(shlex.quote(name) for name in names)


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
            raise UsageError(f"resampling failed: {one_line(error)}") from None
    notes = {one_line(w.message) for w in caught if not issubclass(w.category, (DeprecationWarning, FutureWarning))}
    return result, sorted(notes)


def _append_synthetic(frames, frame, target, X_res, y_res):
    """The input rows unchanged, then the synthetic rows, in the input's column order and dtypes."""
    n = len(frame)
    synthetic = X_res.iloc[n:].reset_index(drop=True)
    synthetic[target] = y_res.iloc[n:].reset_index(drop=True)
    synthetic = synthetic[list(frame.columns)].astype(dict(frame.dtypes.items()))
    return frames.concat([frame, synthetic], ignore_index=True)
