"""The mixed-type benchmark's tools (benchmarks/bench_mixed.py): its table, byte counts, caps and ratios."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))  # the script imports its sibling _machine
    try:
        spec = importlib.util.spec_from_file_location("bench_mixed_benchmark", BENCHMARKS / "bench_mixed.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def test_table_is_built_as_documented(bench):
    table, y = bench.make_table(4000)
    assert table.shape == (4000, 15) and int(y.sum()) == 200
    assert list(table.columns[:10]) == [f"x{j}" for j in range(10)]
    assert all(table[f"x{j}"].dtype == np.float32 for j in range(10))
    for name, size in zip(bench.categorical_columns(), bench.CARDINALITIES):
        assert table[name].dtype == "category" and len(table[name].cat.categories) == size
    # The minority's frequencies differ from the majority's: the categories carry class signal.
    shares = pd.crosstab(table["c1"], y, normalize="columns")
    assert float((shares[0] - shares[1]).abs().sum()) > 0.2


def test_object_columns_count_each_distinct_value_once(bench):
    table, _ = bench.make_table(2000)
    as_objects = bench.with_categorical_dtype(table, "object")
    assert as_objects["c0"].dtype == object
    distinct = as_objects["c0"].unique()
    values = as_objects["c0"].to_numpy()
    expected = 8 * len(values) + sum(sys.getsizeof(v) for v in {id(v): v for v in values}.values())
    assert bench.table_bytes(as_objects[["c0"]]) == expected + as_objects.index.memory_usage()
    assert len({id(v) for v in values}) == len(distinct)  # shared objects, as the count assumes
    array = np.zeros((3, 2), dtype=np.float32)
    assert bench.table_bytes(array) == 24


def test_out_of_memory_is_reported_not_raised(bench, tmp_path, monkeypatch, capsys):
    table, y = bench.make_table(1000)
    pd.to_pickle((table, y), tmp_path / "table.pkl")

    class Exhausted:
        def fit_resample(self, X, y):
            raise MemoryError("Unable to allocate 103. GiB")

    monkeypatch.setattr(bench, "make_sampler", lambda method: Exhausted())
    bench.run_worker("smotenc", str(tmp_path), "category", repeats=1, warmup=1, memory_cap_gib=16)
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["error"] == "out of memory" and result["failed_run"] == 0
    assert "103. GiB" in result["message"] and result["peak_rss_mib"] > 0


def test_a_child_past_the_time_cap_is_killed(bench, tmp_path):
    result = bench.run_child(["--make-table", "1000000", "--data-dir", str(tmp_path)], 0.5, tmp_path)
    assert result["error"] == "time cap (0.5 s)" and result["ru_maxrss_mib"] > 0


def test_ratios_against_smotenc_only_where_it_finished(bench):
    results = {
        "50000": {"smotenc": {"median_s": 30.0}, "smote": {"median_s": 0.3}, "kmeans_smote": {"error": "x"}},
        "1000000": {"smotenc": {"error": "out of memory"}, "smote": {"median_s": 4.0}},
    }
    assert bench.ratios(results) == {"smotenc_time_over_method": {"smote": {"50000": 100.0}}}
