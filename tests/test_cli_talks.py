"""The ``gpu-clover`` command while it works: progress on a terminal only, the report as it
comes, bench's defaults, its JSON figures and its peers' failures, and a light ``--help``."""

import ast
import io
import json
import re
import statistics
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import gpu_clover
from gpu_clover import cli
from gpu_clover.cli import _bench, _report

pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parent.parent
BENCH_CPU = ROOT / "benchmarks" / "bench_cpu.py"
HEAVY = ("numpy", "sklearn", "pandas", "scipy", "imblearn", "cupy", "tqdm")


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal (tqdm draws on it as on one)."""

    def isatty(self):
        return True


class Pipe(io.StringIO):
    def isatty(self):
        return False


def run_main(monkeypatch, *args, stderr_cls=FakeTerminal):
    """Run ``main(args)`` in this process; returns (status, stdout text, stderr text)."""
    stdout, stderr = Pipe(), stderr_cls()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    status = cli.main([str(arg) for arg in args])
    return status, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    sizes = {"ok": 400, "fraud": 60, "review": 40}
    frame = pd.concat(
        [
            pd.DataFrame({"a": rng.normal(i, 1, n), "b": rng.normal(-i, 1, n), "label": label})
            for i, (label, n) in enumerate(sizes.items())
        ],
        ignore_index=True,
    )
    frame.to_csv(tmp_path / "in.csv", index=False)
    return tmp_path / "in.csv"


# ---------------------------------------------------------------- --help stays light
@pytest.mark.parametrize("command", [[], ["resample"], ["demo"], ["bench"]])
def test_help_imports_no_heavy_module(command):
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['gpu-clover', *{command!r}, '--help']\n"
        "try:\n"
        "    runpy.run_module('gpu_clover', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    *help_text, imported = result.stdout.strip().splitlines()
    assert "usage: gpu-clover" in "\n".join(help_text)
    assert imported == "[]"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("names", [["--target", "nope"], ["--target", "label", "--drop", "c"]])
def test_wrong_column_names_are_reported_before_the_numeric_stack_is_imported(tmp_path, csv_file, suffix, names):
    source = csv_file.with_suffix(suffix)
    if suffix == ".parquet":
        pd.read_csv(csv_file).to_parquet(source, index=False)
    code = (
        "import sys\n"
        "from gpu_clover.cli import main\n"
        "status = main(sys.argv[1:])\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
        "sys.exit(status)\n"
    )
    args = ["resample", str(source), "-o", str(tmp_path / "out.csv"), *names]
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
    )
    assert result.returncode == 2 and result.stderr.startswith("gpu-clover: error: "), result.stderr
    assert "not found" in result.stderr or "no column named 'c'" in result.stderr
    imported = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    # pyarrow, which reads the Parquet schema, brings NumPy; nothing else heavy is loaded
    assert imported == ([] if suffix == ".csv" else ["numpy"])
    assert not (tmp_path / "out.csv").exists()


def test_public_names_load_on_first_use():
    code = (
        "import sys, gpu_clover\n"
        "assert 'sklearn' not in sys.modules and 'numpy' not in sys.modules\n"
        "assert {'KMeansSMOTE', 'SOMO', 'get_backend', 'cluster'} <= set(dir(gpu_clover))\n"
        "from gpu_clover import *\n"
        "assert KMeansSMOTE.__module__.startswith('gpu_clover.over_sampling')\n"
        "assert gpu_clover.cluster.KMeans.__name__ == 'KMeans'\n"
        "try:\n"
        "    gpu_clover.no_such_name\n"
        "except AttributeError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "module 'gpu_clover' has no attribute 'no_such_name'"


# ---------------------------------------------------------------- progress
def test_resample_shows_progress_on_a_terminal(monkeypatch, csv_file):
    status, out, err = run_main(monkeypatch, "resample", csv_file, "-o", csv_file.with_name("out.csv"),
                                "--target", "label", "--random-state", 0)  # fmt: skip
    assert status == 0, err
    assert "\r" in err  # a live line, redrawn in place
    assert "resample: cluster" in err and "resample: generate" in err  # the running stage, named live
    kept = [line.rsplit("\r", 1)[-1] for line in err.split("\n")]  # what stays on screen: after the last \r
    for step in ("import", "load", "resample", "write"):
        assert any(re.fullmatch(rf"  {step} +[0-9.]+ m?s", line) for line in kept), step  # a line per step
    # a line per stage of the fit, once, with its total, in pipeline order
    stage_lines = [match[1] for line in kept if (match := re.fullmatch(r"    (\w+) +[0-9.]+ m?s", line))]
    assert stage_lines == ["validate", "cluster", "neighbors", "distribute", "generate", "assemble"]
    assert "\r" not in out and out.startswith(f"gpu-clover resample: {csv_file} -> ")


def test_live_line_moves_forward_through_the_stages(monkeypatch, csv_file):
    """The live line names each stage of the fit in turn, never going back; the neighbour
    work shows inside the stage that asked for it."""
    status, _, err = run_main(monkeypatch, "resample", csv_file, "-o", csv_file.with_name("out.csv"),
                                "--target", "label", "--random-state", 0)  # fmt: skip
    assert status == 0, err
    shown = re.findall(r"resample: ([a-z> ]+?) +[0-9:]+", err)
    running = [stage for i, stage in enumerate(shown) if i == 0 or stage != shown[i - 1]]
    outer = [stage.split(" > ")[0] for stage in running]
    outer = [stage for i, stage in enumerate(outer) if i == 0 or stage != outer[i - 1]]
    assert outer == ["validate", "cluster", "distribute", "generate", "assemble"]
    assert "distribute > neighbors" in running  # the density's distance sums
    assert {stage.split(" > ")[-1] for stage in running if " > " in stage} == {"neighbors"}


def test_resample_shows_no_progress_without_a_terminal(monkeypatch, csv_file):
    status, out, err = run_main(monkeypatch, "resample", csv_file, "-o", csv_file.with_name("out.csv"),
                                "--target", "label", "--random-state", 0, stderr_cls=Pipe)  # fmt: skip
    assert status == 0
    assert err == ""
    assert "  time      import" in out


def test_quiet_shows_nothing_on_a_terminal(monkeypatch, csv_file):
    status, out, err = run_main(monkeypatch, "resample", csv_file, "-o", csv_file.with_name("out.csv"),
                                "--target", "label", "--quiet")  # fmt: skip
    assert (status, out, err) == (0, "", "")


def test_bench_shows_a_bar_over_its_runs_on_a_terminal(monkeypatch):
    status, out, err = run_main(monkeypatch, "bench", "--rows", 500, "--features", 4, "--n-clusters", 4,
                                "--repeats", 2, "--no-peers")  # fmt: skip
    assert status == 0, err
    assert "gpu_clover KMeansSMOTE [numpy]: run 2 of 2" in err and "3/3" in err
    assert "gpu_clover KMeansSMOTE [numpy]: run 1 of 2: cluster" in err  # the stage within the run
    lines = out.splitlines()
    assert lines[0].startswith("gpu-clover bench: KMeans-SMOTE with 4 clusters, to balance 500 rows x 4 features")
    assert any(line.startswith("  gpu_clover KMeansSMOTE [numpy]  ") for line in lines)


def test_bench_quiet_prints_the_table_only_at_the_end(monkeypatch):
    printed_when = []

    def time_engine(name, *args):
        printed_when.append(sys.stdout.getvalue())
        return {"engine": name, "error": "RuntimeError: stand-in"}

    monkeypatch.setattr(_bench, "_time_engine", time_engine)
    status, out, err = run_main(monkeypatch, "bench", "--rows", 300, "--features", 4, "--no-peers", "--quiet")
    assert status == 0 and err == ""
    assert printed_when == [""]  # nothing printed while working
    assert out.startswith("gpu-clover bench:") and "failed: RuntimeError: stand-in" in out
    status, out, err = run_main(monkeypatch, "bench", "--rows", 300, "--features", 4, "--no-peers")
    assert printed_when[-1].startswith("gpu-clover bench:")  # without --quiet: the header before the runs


# ---------------------------------------------------------------- bench: defaults, JSON, peers
def _bench_cpu_defaults_and_data_call():
    """benchmarks/bench_cpu.py's option defaults and the keywords of its make_classification call."""
    tree = ast.parse(BENCH_CPU.read_text())
    defaults, data_call = {}, None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name == "add_argument" and node.args and isinstance(node.args[0], ast.Constant):
            for keyword in node.keywords:
                if keyword.arg == "default" and isinstance(keyword.value, ast.Constant):
                    defaults[node.args[0].value.lstrip("-")] = ast.literal_eval(keyword.value)
        if name == "make_classification":
            data_call = node
    return defaults, data_call


def test_bench_defaults_are_the_headline_case_of_bench_cpu():
    defaults, data_call = _bench_cpu_defaults_and_data_call()
    args = cli.build_parser().parse_args(["bench"])
    assert (args.rows, args.features, args.n_clusters, args.repeats) == (
        defaults["rows"],
        defaults["features"],
        defaults["clusters"],
        defaults["repeats"],
    )
    assert args.dtype == "float64" and args.random_state == 0

    # The same data: bench_cpu's make_classification call (at fewer rows) against ours.
    from sklearn.datasets import make_classification

    bench_args = type("Args", (), {"rows": 2000, "features": args.features})
    keywords = {k.arg: eval(compile(ast.Expression(k.value), "bench_cpu", "eval"), {"args": bench_args, "min": min})
                for k in data_call.keywords}  # fmt: skip
    X_theirs, y_theirs = make_classification(**keywords)
    X_ours, y_ours = _bench._bench_data(
        _bench._bench_data_parameters(2000, args.features, args.minority, args.random_state), args.dtype
    )
    np.testing.assert_array_equal(X_ours, X_theirs)
    np.testing.assert_array_equal(y_ours, y_theirs)

    # The same samplers.
    sys.path.insert(0, str(BENCH_CPU.parent))
    try:
        import bench_cpu
    finally:
        sys.path.remove(str(BENCH_CPU.parent))
    engines = _bench._bench_engines(["numpy"], args)
    pairs = {
        "gpu_clover": "gpu_clover KMeansSMOTE [numpy]",
        "imblearn": _bench.IMBLEARN_KMEANS_SMOTE,
    }
    for theirs, ours in pairs.items():
        expected = bench_cpu.make_sampler(theirs, defaults["clusters"])
        made = engines[ours]()
        assert type(made) is type(expected)
        assert made.get_params() == expected.get_params()


def test_bench_json_file_holds_figures_machine_and_version(monkeypatch, tmp_path):
    path = tmp_path / "figures.json"
    status, out, err = run_main(monkeypatch, "bench", "--rows", 800, "--features", 5, "--n-clusters", 4,
                                "--repeats", 2, "--json", path, stderr_cls=Pipe)  # fmt: skip
    assert status == 0, err
    figures = json.loads(path.read_text())
    assert figures["data"] == {
        "generator": "make_classification",
        **_bench._bench_data_parameters(800, 5, 0.05, 0),
        "dtype": "float64",
        "classes": figures["data"]["classes"],
    }
    assert sum(figures["data"]["classes"].values()) == 800
    assert (figures["n_clusters"], figures["repeats"]) == (4, 2)
    assert figures["gpu_clover"]["version"] == gpu_clover.__version__
    commit = figures["gpu_clover"]["commit"]
    if (ROOT / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit), commit
    machine = figures["machine"]
    assert machine["nproc"] >= 1 and machine["numpy"] == np.__version__ and machine["devices"]["numpy"]
    rows = {row["engine"]: row for row in figures["results"]}
    assert list(rows)[:3] == ["gpu_clover KMeansSMOTE [numpy]", _bench.IMBLEARN_SMOTE, _bench.IMBLEARN_KMEANS_SMOTE]
    for row in rows.values():
        if "seconds" in row:
            assert len(row["seconds"]) == 2 and row["median_s"] == statistics.median(row["seconds"])
    ours = rows["gpu_clover KMeansSMOTE [numpy]"]
    assert ours["rows_out"] == 2 * max(figures["data"]["classes"].values())
    assert set(ours["stage_seconds"]) >= {"cluster", "generate"}
    assert f"figures written to {path}" in out


def test_bench_json_on_stdout_is_the_json_alone(monkeypatch):
    status, out, err = run_main(monkeypatch, "bench", "--rows", 300, "--features", 4, "--n-clusters", 2,
                                "--repeats", 1, "--no-peers", "--json", "-", stderr_cls=Pipe)  # fmt: skip
    assert status == 0, err
    assert [row["engine"] for row in json.loads(out)["results"]] == ["gpu_clover KMeansSMOTE [numpy]"]


def test_bench_json_path_checked_before_any_work(monkeypatch, tmp_path):
    status, out, err = run_main(monkeypatch, "bench", "--json", tmp_path / "no" / "f.json", stderr_cls=Pipe)
    assert status == 2 and out == ""
    assert err.startswith("gpu-clover: error: --json") and "does not exist" in err


def _raiser(error):
    def fit_resample(self, X, y):
        raise error

    return fit_resample


def test_bench_reports_each_failing_peer_with_its_reason(monkeypatch):
    from imblearn.over_sampling import SMOTE, KMeansSMOTE

    monkeypatch.setattr(KMeansSMOTE, "fit_resample", _raiser(ValueError("cannot convert float NaN to integer")))
    monkeypatch.setattr(SMOTE, "fit_resample", _raiser(MemoryError()))
    status, out, err = run_main(monkeypatch, "bench", "--rows", 400, "--features", 4, "--n-clusters", 2,
                                "--repeats", 1, "--dtype", "float32", "--json", "-", stderr_cls=Pipe)  # fmt: skip
    assert status == 0, err
    rows = {row["engine"]: row for row in json.loads(out)["results"]}
    nan = rows[_bench.IMBLEARN_KMEANS_SMOTE]
    assert nan["error"] == "ValueError: cannot convert float NaN to integer"
    assert "inf / inf = NaN" in nan["hint"] and "--dtype float64" in nan["hint"]
    assert rows[_bench.IMBLEARN_SMOTE]["error"] == "MemoryError: MemoryError"
    assert "out of memory" in rows[_bench.IMBLEARN_SMOTE]["hint"]
    # A cause it does not know: the error alone, its message on one line.
    assert _bench._failure(_bench.IMBLEARN_SMOTE, TypeError("something\n  odd"), "float64") == {
        "error": "TypeError: something odd"
    }
    assert "median_s" in rows["gpu_clover KMeansSMOTE [numpy]"]  # the others still timed
    assert "speedup" not in rows["gpu_clover KMeansSMOTE [numpy]"]  # no peer to compare with


def test_bench_table_shows_failure_hint(monkeypatch):
    from imblearn.over_sampling import KMeansSMOTE

    message = "No clusters found with sufficient samples of class 1."
    monkeypatch.setattr(KMeansSMOTE, "fit_resample", _raiser(RuntimeError(message)))
    status, out, err = run_main(monkeypatch, "bench", "--rows", 400, "--features", 4, "--n-clusters", 2,
                                "--repeats", 1, stderr_cls=Pipe)  # fmt: skip
    assert status == 0, err
    lines = out.splitlines()
    failed = next(i for i, line in enumerate(lines) if "imblearn KMeansSMOTE" in line and "failed:" in line)
    assert lines[failed].endswith(f"failed: RuntimeError: {message}")
    assert "hint: no cluster passed imbalanced-learn's filter" in lines[failed + 1]
    assert not any("imbalanced-learn-extra" in line for line in lines)  # the oracle is not a peer here
    assert any(line.startswith("  speed-up of gpu_clover KMeansSMOTE [numpy]") for line in lines)


def test_imblearn_nan_error_is_the_float32_overflow_the_hint_names():
    """Why imbalanced-learn's KMeansSMOTE failed at 1M rows: reproduced small with spread-out float32
    data, where each cluster's weight (mean distance) ** exponent passes float32's range; float64 passes."""
    from imblearn.over_sampling import KMeansSMOTE
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=4000, n_features=20, n_informative=10, weights=[0.9], random_state=0)
    X = X * 1000

    def run(dtype):
        return KMeansSMOTE(kmeans_estimator=4, cluster_balance_threshold=0.01, random_state=0).fit_resample(
            X.astype(dtype), y
        )

    with warnings.catch_warnings(record=True) as caught, pytest.raises(ValueError, match="NaN to integer"):
        warnings.simplefilter("always")
        run(np.float32)
    assert any("overflow encountered in scalar power" in str(w.message) for w in caught)
    assert len(run(np.float64)[1]) >= 2 * np.bincount(y).max()  # imbalanced-learn rounds each cluster's share up


# ---------------------------------------------------------------- the summary's words
def test_cluster_lines_count_clusters_and_minority_groups_apart():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(0, 1, (500, 3)), rng.normal(2, 1, (60, 3)), rng.normal(-2, 1, (40, 3))])
    y = np.repeat(np.array(["ok", "fraud", "review"]), [500, 60, 40])
    sampler = gpu_clover.KMeansSMOTE(kmeans_estimator=6, random_state=0, backend="numpy")
    sampler.fit_resample(X, y)
    clusters, filtered = _report._cluster_lines(sampler, pd.Series(y))

    minority_groups = {(c, k) for c, k in zip(sampler.labels_.tolist(), y.tolist()) if k != "ok"}
    used = {cluster for (cluster, _), share in sampler.distributor_.intra_distribution_.items() if share > 0}
    assert clusters == f"  clusters  {len(np.unique(sampler.labels_))} found; synthetic rows in {len(used)} of them"
    assert filtered.startswith(
        f"  filter    {len(sampler.distributor_.filtered_clusters_)} of {len(minority_groups)} (cluster, class) "
        "groups of the 2 minority classes passed the imbalance filter; with size_ratio 0.5"
    )
    binary = y != "review"
    somo = gpu_clover.SOMO(random_state=0, backend="numpy")
    somo.fit_resample(X[binary], y[binary])
    filtered = _report._cluster_lines(somo, pd.Series(y[binary]))[1]
    assert filtered.endswith("groups of the minority class passed the imbalance filter")  # size_ratio 0: no more
