"""The measuring tools of the neighbour search: benchmarks/bench_neighbors.py and benchmarks/neighbor_recall.py."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gpu_clover
import gpu_clover.neighbors._cell_search as cell_search
import gpu_clover.neighbors._group_neighbors as group_neighbors

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name):
    sys.path.insert(0, str(BENCHMARKS))  # neighbor_recall imports its sibling
    try:
        spec = importlib.util.spec_from_file_location(f"{name}_benchmark", BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


@pytest.fixture(scope="module")
def bench():
    return load("bench_neighbors")


@pytest.fixture(scope="module")
def recall_tool():
    return load("neighbor_recall")


def test_ratios_against_the_peer_exact_and_cost_per_row(bench):
    results = {
        "1000": {
            "imblearn_smote": {"median_s": 6.0},
            "smote_auto": {"median_s": 2.0},
            "smote_exact": {"median_s": 3.0},
        },
        "4000": {"smote_auto": {"median_s": 12.0}, "smote_exact": {"error": ["killed"]}},
    }
    ratios = bench.ratios(results)
    assert ratios["imblearn_smote_time_over_method"] == {"smote_auto": {"1000": 3.0}, "smote_exact": {"1000": 2.0}}
    assert ratios["exact_time_over_auto"] == {"smote_exact": {"1000": 1.5}}
    # 2 s / 1000 rows -> 12 s / 4000 rows: the cost per row grows 1.5x.
    assert ratios["cost_per_row_growth"] == {"smote_auto": {"1000->4000": 1.5}}


def test_peak_memory_is_the_child_own_not_the_parent_peak(bench):
    held = np.ones(300 * 2**20 // 8)  # the parent's peak: at least 300 MiB
    code = (
        f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import _machine as b; "
        "print(b.peak_rss_mib(), b.inherited_maxrss_mib())"
    )
    child = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    del held
    own, inherited = map(float, child.stdout.split())
    assert inherited >= 300  # why ru_maxrss is not used
    assert own < 100


def test_limits_are_restored(recall_tool):
    before = group_neighbors.EXACT_MAX_ROWS, cell_search.MAX_CANDIDATES
    with recall_tool.limits(64, 32):
        assert (group_neighbors.EXACT_MAX_ROWS, cell_search.MAX_CANDIDATES) == (64, 32)
    assert before == (group_neighbors.EXACT_MAX_ROWS, cell_search.MAX_CANDIDATES)


def gaussian_minority(n_minority=600, n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate(
        [rng.standard_normal((n_minority, n_features)), rng.standard_normal((3 * n_minority, n_features)) + 4]
    )
    return X, np.r_[np.ones(n_minority, dtype=int), np.zeros(3 * n_minority, dtype=int)]


def minority_recall(recall_tool, limit, ceiling, queries=600):
    X, y = gaussian_minority()
    with recall_tool.limits(limit, ceiling):
        stats = recall_tool.sampler_neighbors(gpu_clover.SMOTE(backend="numpy", random_state=0), X, y)
        minority = np.flatnonzero(stats.groups.classes[stats.groups.klass] == 1)
        return recall_tool.measure(stats, minority, 5, queries, [0, 1], sums_max_rows=10_000)


def test_recall_over_a_fully_sampled_group_reaches_the_target(recall_tool):
    # 600 rows, all of them in the sample the budget is set from: the recall over every row
    # is at least the target.
    result = minority_recall(recall_tool, 64, None)
    assert result["groups_measured"] == 1
    assert cell_search.RECALL_TARGET <= result["recall_mean"] < 1.0
    (group,) = result["groups"].values()
    assert abs(group["sum_relative_error"]["exact_sum_f64_error"]) < 1e-12
    assert 0 < abs(result["sum_relative_error"]["mean"]) < 0.01  # sampled, not exact


def test_a_binding_ceiling_lowers_the_recall(recall_tool):
    assert minority_recall(recall_tool, 64, 1 << 15, queries=200)["recall_mean"] >= 0.95
    assert minority_recall(recall_tool, 64, 64, queries=200)["recall_mean"] < 0.95  # two cells at most
