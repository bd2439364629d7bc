"""The ``gpu-clover`` command, driven end to end through a subprocess on real files."""

import bz2
import contextlib
import gzip
import json
import lzma
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


def run_cli(*args, cwd=None, code=None):
    """Run ``python -m gpu_clover ARGS`` (or ``python -c CODE ARGS``); returns the CompletedProcess."""
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "gpu_clover"]
    return subprocess.run(
        [*command, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def assert_usage_error(result, *fragments):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gpu-clover: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def table():
    """600 rows: features in a deliberate order, the target in the middle, string labels, 3 classes."""
    rng = np.random.default_rng(0)
    n = {"ok": 480, "fraud": 80, "review": 40}
    centers = {"ok": 0.0, "fraud": 3.0, "review": -3.0}
    parts = []
    for label, rows in n.items():
        part = pd.DataFrame(
            {
                "zeta": rng.normal(centers[label], 1.0, rows),
                "alpha": rng.normal(-centers[label], 1.0, rows),
                "label": label,
                "mid": rng.normal(0.0, 1.0, rows).astype(np.float32),
                "amount": rng.gamma(2.0, 50.0 + 10 * centers[label], rows),
            }
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def files(tmp_path, table):
    table.to_csv(tmp_path / "in.csv", index=False)
    table.to_parquet(tmp_path / "in.parquet", index=False)
    return tmp_path


def read(path):
    return pd.read_csv(path) if str(path).endswith(".csv") else pd.read_parquet(path)


def leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.startswith(".gpu-clover-"))


@pytest.mark.parametrize(("source", "target"), [("in.csv", "out.csv"), ("in.parquet", "out.parquet")])
def test_round_trip_appends_exactly_balancing_rows(files, table, source, target):
    result = run_cli("resample", files / source, "-o", files / target, "--target", "label", "--random-state", 0)
    assert result.returncode == 0, result.stderr

    out = read(files / target)
    assert list(out.columns) == list(table.columns)  # feature order kept, target kept in place
    assert out["label"].value_counts().to_dict() == {"ok": 480, "fraud": 480, "review": 480}
    original = out.iloc[: len(table)]
    pd.testing.assert_frame_equal(original, table, check_dtype=False)  # input rows first, unchanged
    assert out.iloc[len(table) :]["label"].isin(["fraud", "review"]).all()  # then the synthetic rows
    assert out.drop(columns="label").notna().all().all()
    if target.endswith(".parquet"):
        assert out["mid"].dtype == np.float32  # Parquet keeps the column dtypes

    summary = result.stdout
    for fragment in (
        "600 rows x 4 features, 3 classes",
        "600 -> 1440 (+840 synthetic)",
        "fraud",
        "480",
        "found; synthetic rows in",
        "(cluster, class) groups of the 2 minority classes passed the imbalance filter",
        "numpy",
        "cluster",
        "generate",
        "write",
    ):
        assert fragment in summary
    assert summary.startswith(f"gpu-clover resample: {files / source} -> {files / target}\n")
    assert result.stderr == ""  # no terminal: no progress, and no warning on this data
    assert leftovers(files) == []


def test_smote_with_json_strategy_and_quiet(files):
    result = run_cli(
        "resample", files / "in.csv", "-o", files / "out.csv", "--target", "label", "--method", "smote",
        "--sampling-strategy", '{"fraud": 100, "review": 90}', "--k-neighbors", 3, "--random-state", 1, "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert read(files / "out.csv")["label"].value_counts().to_dict() == {"ok": 480, "fraud": 100, "review": 90}


def test_neighbor_search_option_reaches_the_sampler(files):
    args = ("resample", files / "in.csv", "--target", "label", "--random-state", 1, "--quiet")
    exact = run_cli(*args, "-o", files / "exact.csv", "--neighbor-search", "exact")
    auto = run_cli(*args, "-o", files / "auto.csv")
    assert exact.returncode == 0 == auto.returncode, exact.stderr + auto.stderr
    assert read(files / "exact.csv").equals(read(files / "auto.csv"))  # small groups: exact in both modes
    refused = run_cli(*args, "-o", files / "x.csv", "--neighbor-search", "fast")
    assert refused.returncode == 2 and "argument --neighbor-search: invalid choice: 'fast'" in refused.stderr


def test_integer_columns_near_2_to_the_63_come_back_exact_never_sign_flipped(tmp_path, table):
    frame = table.copy()
    frame["id"] = np.iinfo(np.int64).max - np.arange(len(frame)) % 7  # int64's top: 2**63 - 1 is no float64
    frame.to_parquet(tmp_path / "big.parquet", index=False)
    result = run_cli("resample", tmp_path / "big.parquet", "-o", tmp_path / "out.parquet", "--target", "label")
    assert result.returncode == 0, result.stderr
    out = read(tmp_path / "out.parquet")
    assert out["id"].dtype == np.int64 and (out["id"] > 0).all()
    pd.testing.assert_frame_equal(out.iloc[: len(frame)], frame)
    assert "warning: Feature column(s) id hold integers beyond 2**53" in result.stderr


def test_existing_output_needs_force(files):
    out = files / "out.csv"
    out.write_text("precious\n")
    args = ("resample", files / "in.parquet", "-o", out, "--target", "label", "--random-state", 0)
    assert_usage_error(run_cli(*args), "exists", "--force")
    assert out.read_text() == "precious\n"

    result = run_cli(*args, "--force", "--quiet")
    assert result.returncode == 0, result.stderr
    assert len(read(out)) == 1440


def test_failed_write_leaves_no_partial_file(files):
    """The writer dies half-way (disk full): the old output stays whole and no temporary file remains."""
    out = files / "out.csv"
    out.write_text("precious\n")
    code = (
        "import errno, sys, pyarrow.csv\n"
        "def broken(table, sink, options):\n"
        "    sink.write(b'half a fi')\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "pyarrow.csv.write_csv = broken\n"
        "from gpu_clover.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    result = run_cli("resample", files / "in.csv", "-o", out, "--target", "label", "--force", code=code)
    assert_usage_error(result, "cannot write", "No space left")
    assert out.read_text() == "precious\n"
    assert leftovers(files) == []


# A stand-in for a slow stage: it makes a file (so the test knows it has begun), then sleeps.
SLOW_STAGES = {
    "write": "import pyarrow.csv\npyarrow.csv.write_csv = lambda table, sink, options: (sink.write(b'half a fi'), time.sleep(60))\n",
    "fit": (
        "import gpu_clover.over_sampling._base as base\n"
        "base.BaseClusterOverSampler._resample = lambda *args: (open(sys.argv[-1], 'w').close(), time.sleep(60))\n"
    ),
}


@pytest.mark.parametrize("stage", list(SLOW_STAGES))
@pytest.mark.parametrize(
    ("signal_number", "status", "word"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")]
)
def test_signal_during_a_stage_ends_promptly_and_leaves_no_temporary_file(files, stage, signal_number, status, word):
    """SIGTERM or Ctrl-C while resampling or writing: exit status 128 + signal at once, one line on
    stderr, no output and no temporary file."""
    out, began = files / "out.csv", files / ".gpu-clover-began"
    code = (
        "import sys, time, pandas\n"
        + SLOW_STAGES[stage]
        + "from gpu_clover.cli import main\nsys.exit(main(sys.argv[1:-1]))\n"
    )
    command = [sys.executable, "-c", code, "resample", files / "in.parquet", "-o", out, "--target", "label", began]
    process = subprocess.Popen(list(map(str, command)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not leftovers(files) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert leftovers(files), f"the {stage} never started"
    with contextlib.suppress(FileNotFoundError):
        began.unlink()
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == status, stderr
    assert stderr.strip().splitlines() == [f"gpu-clover: {word}; no output was written."]
    assert leftovers(files) == [] and not out.exists()


def test_failed_resampling_writes_nothing(files):
    # A ratio below the current one would have to remove minority rows: the sampler refuses.
    table = read(files / "in.csv")
    table[table["label"] != "review"].to_csv(files / "binary.csv", index=False)
    result = run_cli(
        "resample", files / "binary.csv", "-o", files / "out.csv", "--target", "label", "--sampling-strategy", 0.05
    )
    assert_usage_error(result, "resampling failed")
    assert not (files / "out.csv").exists()
    assert leftovers(files) == []


def test_strategy_asking_for_fewer_rows_than_a_class_has(files):
    result = run_cli(
        "resample", files / "in.csv", "-o", files / "out.csv", "--target", "label",
        "--sampling-strategy", '{"fraud": 100, "review": 30}',
    )  # fmt: skip
    assert_usage_error(
        result, "sampling_strategy asks for 30 samples of class 'review', which has 40 already", "at least 40"
    )
    assert "Originally" not in result.stderr
    assert not (files / "out.csv").exists()


def write_variant(files, name, change):
    frame = read(files / "in.csv")
    frame = change(frame)
    frame.to_csv(files / name, index=False)
    return files / name


ERROR_CASES = {
    "missing file": (lambda f: f / "nope.csv", "label", ("not found", "nope.csv")),
    "missing target": (lambda f: f / "in.csv", "klass", ("'klass' not found", "zeta, alpha, label")),
    "text feature with a missing value": (
        lambda f: write_variant(
            f, "text.csv", lambda t: t.assign(city=np.where(np.arange(len(t)) == 3, None, "Lisbon"), region="north")
        ),
        "label",
        ("feature columns with missing values: city", "--drop city"),
    ),
    "one class": (
        lambda f: write_variant(f, "one.csv", lambda t: t.assign(label="ok")),
        "label",
        ("one class only", "'ok'"),
    ),
    "missing values": (
        lambda f: write_variant(f, "nan.csv", lambda t: t.assign(alpha=t["alpha"].where(t.index != 3))),
        "label",
        ("missing values: alpha",),
    ),
    "unknown format": (lambda f: f / "in.csv", "label", ("unknown format",)),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_one_line_with_exit_status_2(files, case):
    make_input, target, fragments = ERROR_CASES[case]
    output = files / ("out.txt" if case == "unknown format" else "out.csv")
    assert_usage_error(run_cli("resample", make_input(files), "-o", output, "--target", target), *fragments)
    assert not output.exists()


# ---------------------------------------------------------------- --drop and --features
@pytest.fixture
def wide(files, table):
    """in.csv with an ID column and a free-text column (commas, a missing value) around the features."""
    frame = table.assign(note=[f"call {i}, then wait" if i % 9 else None for i in range(len(table))])
    frame.insert(0, "id", np.arange(len(frame)))
    frame.to_csv(files / "wide.csv", index=False)
    frame.to_parquet(files / "wide.parquet", index=False)
    return files


@pytest.mark.parametrize("source", ["wide.csv", "wide.parquet"])
@pytest.mark.parametrize(
    ("options", "columns"),
    [
        (("--drop", "id", "note"), ["zeta", "alpha", "label", "mid", "amount"]),
        (("--drop", "id", "--drop", "note", "mid"), ["zeta", "alpha", "label", "amount"]),
        (("--features", "amount", "zeta"), ["zeta", "label", "amount"]),
        (("--features", "zeta", "alpha", "--drop", "note"), ["zeta", "alpha", "label"]),
    ],
)
def test_columns_left_out_of_the_features_are_not_in_the_output(wide, table, source, options, columns):
    out = wide / "out.csv"
    result = run_cli("resample", wide / source, "-o", out, "--target", "label", "--random-state", 0, *options)
    assert result.returncode == 0, result.stderr
    written = read(out)
    assert list(written.columns) == columns  # the kept columns, in the input's order
    assert written["label"].value_counts().to_dict() == {"ok": 480, "fraud": 480, "review": 480}
    pd.testing.assert_frame_equal(written.iloc[: len(table)], table[columns], check_dtype=False)
    left_out = [name for name in ["id", *table.columns, "note"] if name not in columns]
    assert f"{len(columns) - 1} features, 3 classes; left out: {', '.join(left_out)}\n" in result.stdout


COLUMN_ERRORS = {
    "target unknown": (("--target", "lable"), ("target column 'lable' not found (did you mean 'label'?)", "id, zeta")),
    "drop unknown": (("--target", "label", "--drop", "ID"), ("--drop: no column named 'ID' (did you mean 'id'?)",)),
    "features unknown": (("--target", "label", "--features", "zeta", "x", "y"), ("--features: no column named 'x', 'y'",)),
    "drop target": (("--target", "label", "--drop", "id", "label"), ("--drop names the target column 'label'",)),
    "features target": (("--target", "label", "--features", "label"), ("--features names the target column",)),
    "both": (("--target", "label", "--features", "zeta", "id", "--drop", "id"), ("--features and --drop both name 'id'",)),
    "nothing left": (
        ("--target", "label", "--drop", "id", "zeta", "alpha", "mid", "amount", "note"),
        ("no feature column is left",),
    ),
    "text with missing values kept": (("--target", "label", "--drop", "id"), ("missing values: note", "--drop note")),
    "categorical unknown": (("--target", "label", "--categorical", "nope"), ("--categorical: no column named 'nope'",)),
    "categorical target": (("--target", "label", "--categorical", "label"), ("--categorical names the target",)),
    "categorical dropped": (
        ("--target", "label", "--drop", "id", "note", "--categorical", "id"),
        ("--categorical names 'id', which --features or --drop leave out",),
    ),
}  # fmt: skip


@pytest.mark.parametrize("source", ["wide.csv", "wide.parquet"])
@pytest.mark.parametrize("case", list(COLUMN_ERRORS))
def test_column_option_mistakes_are_one_line_errors(wide, source, case):
    options, fragments = COLUMN_ERRORS[case]
    result = run_cli("resample", wide / source, "-o", wide / "out.csv", *options)
    assert_usage_error(result, *fragments)
    assert not (wide / "out.csv").exists()


@pytest.mark.parametrize("source", ["in.csv", "in.parquet"])
def test_text_and_named_columns_are_categorical(files, table, source):
    """Text columns are categories (SMOTE-NC); --categorical makes a numeric one a category too.
    Synthetic rows take values their class holds; the file's columns and kinds come back."""
    rng = np.random.default_rng(5)
    frame = table.assign(
        plan=np.where(table["label"] == "ok", rng.choice(["basic", "pro"], len(table)), "premium"),
        store=rng.integers(1, 6, len(table)),
    )
    frame.to_csv(files / "in.csv", index=False)
    frame.to_parquet(files / "in.parquet", index=False)
    out = files / "out.csv"
    result = run_cli(
        "resample", files / source, "-o", out, "--target", "label", "--categorical", "store", "--random-state", 0
    )
    assert result.returncode == 0, result.stderr
    assert "(2 categorical: plan, store)" in result.stdout
    back = read(out)
    assert list(back.columns) == list(frame.columns)
    synthetic = back.iloc[len(frame) :]
    for label in ("fraud", "review"):
        rows = synthetic[synthetic["label"] == label]
        assert len(rows) > 0
        assert set(rows["plan"]) <= set(frame.loc[frame["label"] == label, "plan"])
        assert set(rows["store"]) <= set(frame.loc[frame["label"] == label, "store"])
    assert back["store"].dtype == frame["store"].dtype


def test_dropped_column_with_missing_values_is_no_error(wide):
    # "note" holds missing values; left out, it is not checked
    result = run_cli("resample", wide / "wide.csv", "-o", wide / "out.csv", "--target", "label", "--drop", "note", "-q")
    assert result.returncode == 0, result.stderr
    assert "note" not in read(wide / "out.csv").columns


COMPRESSORS = {".csv": bytes, ".csv.gz": gzip.compress, ".csv.bz2": bz2.compress, ".csv.xz": lzma.compress}
HEADERS = {
    "plain": "a,b,label\n",
    "repeated and blank names": "a,a,,a.1,label,a\n",
    "blank lines and a byte order mark": '\ufeff\n\nx,"y, quoted",label\n',
    "a name over two lines": '"multi\nline",b,label\n',
}


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip"])
@pytest.mark.parametrize("header", list(HEADERS))
def test_header_names_are_the_names_pandas_reads(tmp_path, header, suffix):
    from gpu_clover.cli._columns import header_columns

    text = (HEADERS[header] + "".join(",".join(["1"] * 6) + "\n" for _ in range(3))).encode()
    path = tmp_path / f"in{suffix}"
    if suffix == ".csv.zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("in.csv", text)
    else:
        path.write_bytes(COMPRESSORS[suffix](text))
    assert header_columns(str(path), "csv") == [str(name) for name in pd.read_csv(path).columns]


def test_parquet_header_leaves_out_the_stored_index(tmp_path):
    from gpu_clover.cli._columns import header_columns

    frame = pd.DataFrame({"a": [1.0, 2.0], "label": [0, 1]}, index=pd.Index([5, 7], name="row"))
    frame.to_parquet(tmp_path / "in.parquet")  # the index is stored as a column
    assert (
        header_columns(str(tmp_path / "in.parquet"), "parquet")
        == ["a", "label"]
        == list(pd.read_parquet(tmp_path / "in.parquet").columns)
    )


def test_unreadable_header_is_left_to_the_full_read(tmp_path):
    from gpu_clover.cli._columns import header_columns

    (tmp_path / "in.csv.gz").write_bytes(b"not gzip")
    (tmp_path / "in.parquet").write_bytes(b"not parquet")
    assert header_columns(str(tmp_path / "in.csv.gz"), "csv") is None
    assert header_columns(str(tmp_path / "in.parquet"), "parquet") is None
    result = run_cli("resample", tmp_path / "in.parquet", "-o", tmp_path / "out.csv", "--target", "label")
    assert_usage_error(result, "cannot read", "as PARQUET")


# ---------------------------------------------------------------- CSV output
def spread_floats(rng, n):
    """Floats of every kind pandas formats differently: plain, whole, tiny, huge, the edges of its
    notations and of Arrow's, zeros of both signs, infinities and NaN."""
    edges = [0.0, -0.0, 1e-4, 9.999e-5, 1e6, 999999.94, 1e10, 9999999999.5, 1e15, 1e16, 5e-324, 1e308, np.inf, -np.inf]
    magnitudes = rng.random(n) * 10.0 ** rng.uniform(-9, 20, n) * rng.choice([-1.0, 1.0], n)
    return np.concatenate([rng.normal(size=n), np.round(rng.normal(0.0, 1e5, n)), magnitudes, edges, [np.nan]])


def table_of_every_type(rng, n=20000):
    values = spread_floats(rng, n)
    rows = len(values)
    with np.errstate(over="ignore"):
        float32 = np.concatenate([values[:-3].astype(np.float32), np.float32([1e-4, 999999.94, 1.5e-45])])
    return pd.DataFrame(
        {
            "float64": values,
            "float32": float32,
            "int64": rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, rows),
            "uint8": rng.integers(0, 256, rows).astype(np.uint8),
            "flag": rng.random(rows) < 0.5,
            'a name, with "quotes"': rng.normal(size=rows),
            "label": rng.choice(["ok", "fraud", "ünïcode", ""], rows),
        }
    )


def refuse_pandas(monkeypatch):
    def to_csv(*args, **kwargs):
        raise AssertionError("written by pandas, not by the Arrow writer")

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def decompressed(path):
    path = str(path)
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            return archive.read(archive.namelist()[0])
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(os.path.splitext(path)[1], open)
    with opener(path, "rb") as file:
        return file.read()


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".csv.bz2", ".csv.xz"])
def test_csv_writer_writes_the_bytes_pandas_writes(tmp_path, monkeypatch, suffix):
    from gpu_clover.cli._csv import write_csv

    frame = table_of_every_type(np.random.default_rng(0))
    frame.to_csv(tmp_path / f"pandas{suffix}", index=False)
    refuse_pandas(monkeypatch)
    write_csv(frame, str(tmp_path / f"arrow{suffix}"))
    assert decompressed(tmp_path / f"arrow{suffix}") == decompressed(tmp_path / f"pandas{suffix}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_text_is_numpy_str_over_every_magnitude(dtype):
    from gpu_clover.cli._csv import float_text

    rng = np.random.default_rng(1)
    with np.errstate(over="ignore", invalid="ignore"):
        bits = np.frombuffer(rng.bytes(8 * 200_000), dtype=np.float64 if dtype == np.float64 else np.float32)
        values = np.concatenate([spread_floats(rng, 200_000).astype(dtype), bits])
    expected = values.astype(str).astype(object)
    expected[np.isnan(values)] = None  # written as pandas' empty na_rep
    assert float_text(values).to_pylist() == expected.tolist()


@pytest.mark.parametrize(
    ("change", "suffix"),
    [
        (lambda frame: frame.assign(label="fraud, maybe"), ".csv"),  # a text needing quotes
        (lambda frame: frame.assign(label=frame["label"].astype("category")), ".csv"),
        (lambda frame: frame.assign(mixed=[1, "a"] * (len(frame) // 2) + [2] * (len(frame) % 2)), ".csv"),
        (lambda frame: frame, ".csv.zip"),
    ],
)
def test_csv_writer_leaves_to_pandas_what_arrow_cannot_write_alike(tmp_path, change, suffix):
    from gpu_clover.cli._csv import write_csv

    frame = change(table_of_every_type(np.random.default_rng(2), n=200))
    frame.to_csv(tmp_path / f"pandas{suffix}", index=False)
    write_csv(frame, str(tmp_path / f"ours{suffix}"))
    assert decompressed(tmp_path / f"ours{suffix}") == decompressed(tmp_path / f"pandas{suffix}")


@pytest.mark.parametrize("where", ["missing directory", "directory"])
def test_unwritable_output(files, where):
    output = files / "no" / "such" / "out.csv" if where == "missing directory" else files
    result = run_cli("resample", files / "in.csv", "-o", output, "--target", "label")
    assert_usage_error(result, "does not exist" if where == "missing directory" else "is a directory")


@pytest.mark.parametrize("method", ["somo", "gsomo"])
def test_som_methods_balance_the_file(files, method):
    result = run_cli(
        "resample", files / "in.csv", "-o", files / "out.csv", "--target", "label", "--method", method,
        "-q", "--random-state", 0,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert read(files / "out.csv")["label"].value_counts().to_dict() == {"ok": 480, "fraud": 480, "review": 480}


def test_demo_prints_the_comparison_table_and_writes_json(tmp_path):
    result = run_cli("demo", "--dataset", "breast-cancer", "--json", tmp_path / "demo.json")
    assert result.returncode == 0, result.stderr
    for fragment in (
        "balanced acc.",
        "F1",
        "G-mean",
        "no over-sampling",
        "imblearn SMOTE",
        "gpu_clover SMOTE",
        "gpu_clover KMeansSMOTE",
        "gpu_clover SOMO",
        "gpu_clover GeometricSOMO",
        f"figures written to {tmp_path / 'demo.json'}",
    ):
        assert fragment in result.stdout
    assert "failed" not in result.stdout
    assert result.stdout.startswith("gpu-clover demo: breast-cancer data")
    figures = json.loads((tmp_path / "demo.json").read_text())
    assert [row["method"] for row in figures["results"]][:2] == ["no over-sampling", "imblearn SMOTE"]
    assert len(figures["results"]) == 6 and all("g_mean" in row for row in figures["results"])
    assert figures["gpu_clover"]["version"] and figures["machine"]["nproc"] >= 1


def test_bench_runs_on_a_tiny_problem():
    result = run_cli("bench", "--rows", 3000, "--features", 4, "--repeats", 1, "--n-clusters", 8, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # '--json' alone: stdout holds the JSON only
    engines = {row["engine"]: row for row in report["results"]}
    assert set(engines) >= {"gpu_clover KMeansSMOTE [numpy]", "imblearn SMOTE", "imblearn KMeansSMOTE"}
    ours = engines["gpu_clover KMeansSMOTE [numpy]"]
    assert ours["median_s"] > 0 and ours["rows_out"] == 2 * max(report["data"]["classes"].values())
    assert ours["speedup"]["imblearn KMeansSMOTE"] == pytest.approx(
        engines["imblearn KMeansSMOTE"]["median_s"] / ours["median_s"]
    )
