"""The ``gpu-clover`` command, driven end to end through a subprocess on real files."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

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
        "import errno, sys, pandas\n"
        "def broken(self, path, **kwargs):\n"
        "    open(path, 'w').write('half a fi')\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "pandas.DataFrame.to_csv = broken\n"
        "from gpu_clover.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    result = run_cli("resample", files / "in.csv", "-o", out, "--target", "label", "--force", code=code)
    assert_usage_error(result, "cannot write", "No space left")
    assert out.read_text() == "precious\n"
    assert leftovers(files) == []


# A stand-in for a slow stage: it makes a file (so the test knows it has begun), then sleeps.
SLOW_STAGES = {
    "write": "pandas.DataFrame.to_csv = lambda self, path, **kwargs: (open(path, 'w').write('half a fi'), time.sleep(60))\n",
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
    "text feature": (
        lambda f: write_variant(f, "text.csv", lambda t: t.assign(city="Lisbon", region="north")),
        "label",
        ("non-numeric feature columns: city, region", "encode"),
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
