"""Groups above the Dask task budget: split across tasks (gpu_clover/dask/_split.py)."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from gpu_clover import SMOTE  # noqa: E402
from gpu_clover._groups import build_groups, encode_labels  # noqa: E402
from gpu_clover._random import seed_from_random_state  # noqa: E402
from gpu_clover.backends import get_backend  # noqa: E402
from gpu_clover.dask import SMOTE as DaskSMOTE  # noqa: E402
from gpu_clover.dask import ClusterOverSampler, GeometricSMOTE, KMeansSMOTE  # noqa: E402
from gpu_clover.dask._split import MIN_TASK_ROWS, ShardTree  # noqa: E402
from gpu_clover.neighbors import GroupNeighbors  # noqa: E402
from gpu_clover.over_sampling._generation import smote_intra  # noqa: E402

N_MINORITY = 12000
BUDGET = 4000


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    n = 3 * N_MINORITY
    y = np.zeros(n, dtype=np.int64)
    y[rng.permutation(n)[:N_MINORITY]] = 1
    # Three blobs of different spread: the shards and cells meet uneven density.
    blob = rng.integers(0, 3, size=n)
    X = rng.normal(size=(n, 5)) * (0.5 + blob[:, None]) + 4.0 * blob[:, None]
    return X, y


def smote_on_dask(budget, chunks, scheduler="sync", **params):
    sampler = ClusterOverSampler(SMOTE(**params), clusterer=None, random_state=11, backend="numpy")

    def run(X, y):
        with dask.config.set({"gpu_clover.task-rows": budget}, scheduler=scheduler):
            X_res, y_res = sampler.fit_resample(da.from_array(X, chunks=(chunks, 5)), da.from_array(y, chunks=chunks))
            return X_res.compute(), y_res.compute()

    return sampler, run


def split_group(sampler):
    """The fit's split group (the minority class's only group)."""
    (split,) = sampler.split_groups_.values()
    return split


def knn_of(split):
    parts = dask.compute(*split._tables)
    positions = np.concatenate([p for p, _ in parts])
    table = np.concatenate([t for _, t in parts])
    return positions, table


def test_the_group_is_split_within_the_budget_and_its_knn_keeps_the_recall(data):
    X, y = data
    sampler, run = smote_on_dask(BUDGET, 5000)
    run(X, y)
    assert sampler.task_rows_ == BUDGET
    assert 0 < sampler.largest_task_rows_ <= BUDGET
    split = split_group(sampler)
    assert len(split._tables) >= N_MINORITY // (BUDGET // 2)  # shards of at most half the budget
    positions, table = knn_of(split)
    np.testing.assert_array_equal(np.sort(positions), np.arange(N_MINORITY))  # every row searched once
    minority = X[y == 1]  # positions are the group's rows in row order
    exact = NearestNeighbors(n_neighbors=6).fit(minority).kneighbors(minority, return_distance=False)[:, 1:]
    found = table[np.argsort(positions)]
    assert not (found == np.arange(N_MINORITY)[:, None]).any()  # never its own neighbour
    recall = np.mean([len(np.intersect1d(a, b)) / 5 for a, b in zip(found, exact)])
    assert recall >= 0.95


def test_split_output_depends_on_neither_chunks_nor_scheduler(data):
    X, y = data
    _, run = smote_on_dask(BUDGET, 5000)
    X_a, y_a = run(X, y)
    _, run = smote_on_dask(BUDGET, 2999, scheduler="threads")
    X_b, y_b = run(X, y)
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)


def test_split_rows_are_the_single_machine_smote_of_the_split_knn(data):
    """Given the split search's kNN table, the rows are exactly the single machine's SMOTE plan."""
    X, y = data
    X_before = X.copy()
    sampler, run = smote_on_dask(BUDGET, 5000)
    X_res, y_res = run(X, y)
    np.testing.assert_array_equal(X, X_before)
    n = len(y)
    np.testing.assert_array_equal(X_res[:n], X)
    assert np.bincount(y_res).tolist() == [2 * N_MINORITY, 2 * N_MINORITY]
    assert (y_res[n:] == 1).all()
    positions, table = knn_of(split_group(sampler))
    backend = get_backend("numpy")
    labels, codes = encode_labels(backend, np.zeros(n, dtype=np.int64))
    groups = build_groups(backend, codes, y, labels, np.array([0, 1]))

    class SplitTable:  # the single machine's neighbour stage, answering with the split search's table
        k = 5

        def __init__(self):
            self.backend, self.X, self.groups = backend, X, groups

        def knn(self, group_ids):
            return table[np.argsort(positions)].astype(np.int32), np.zeros(len(group_ids), dtype=np.int64)

    out = np.empty((N_MINORITY, X.shape[1]))
    smote_intra(SplitTable(), np.array([1]), np.array([N_MINORITY]), seed_from_random_state(11), out)
    np.testing.assert_array_equal(X_res[n:], out)


def test_split_distance_sums_equal_the_single_machine_estimate(data):
    X, y = data
    sampler = KMeansSMOTE(kmeans_estimator=1, random_state=3, backend="numpy")
    with dask.config.set({"gpu_clover.task-rows": BUDGET}, scheduler="sync"):
        sampler.fit_resample(da.from_array(X, chunks=(4000, 5)), da.from_array(y, chunks=4000))
    split = split_group(sampler)
    backend = get_backend("numpy")
    labels, codes = encode_labels(backend, np.zeros(len(y), dtype=np.int64))
    groups = build_groups(backend, codes, y, labels, np.array([0, 1]))
    single = GroupNeighbors(backend, X, groups, 5, seed=seed_from_random_state(3)).distance_sums(np.array([1]))[0]
    assert split.distance_sum() == pytest.approx(single, rel=1e-12)


def test_exact_search_above_the_budget_is_refused(data):
    X, y = data
    sampler, run = smote_on_dask(BUDGET, 5000)
    sampler.set_params(neighbor_search="exact")
    with pytest.raises(ValueError, match="above the Dask task budget of 4000 rows"):
        run(X, y)


def test_a_budget_below_the_floor_is_refused(data):
    X, y = data
    _, run = smote_on_dask(MIN_TASK_ROWS - 1, 5000)
    with pytest.raises(ValueError, match=r"gpu_clover\.task-rows must be at least"):
        run(X, y)


@pytest.mark.parametrize("n_shards", [2, 3, 7])
def test_shard_tree_splits_evenly_even_on_tied_rows(n_shards):
    rng = np.random.default_rng(1)
    for points in (rng.normal(size=(20000, 3)), rng.integers(0, 2, size=(20000, 3)).astype(float)):
        positions = np.arange(len(points))
        tree = ShardTree(points[::4], positions[::4], n_shards, seed=9)
        shards = tree.route(points, positions)
        sizes = np.bincount(shards, minlength=n_shards)
        assert sizes.min() > 0.8 * len(points) / n_shards
        assert sizes.max() < 1.2 * len(points) / n_shards
        np.testing.assert_array_equal(tree.route(points[5000:], positions[5000:]), shards[5000:])  # row by row


def test_rules_a_split_group_cannot_serve_are_refused(data):
    X, y = data
    Xd, yd = da.from_array(X, chunks=(5000, 5)), da.from_array(y, chunks=5000)
    with dask.config.set({"gpu_clover.task-rows": BUDGET}, scheduler="sync"):
        geometric = GeometricSMOTE(selection_strategy="minority", random_state=0, backend="numpy")
        with pytest.raises(ValueError, match="generate SMOTE rows only, not GeometricSMOTE's"):
            geometric.fit_resample(Xd, yd)
        combined = GeometricSMOTE(random_state=0, backend="numpy")  # reads every other class's rows
        with pytest.raises(ValueError, match="above the Dask task budget"):
            combined.fit_resample(Xd, yd)


def test_plain_smote_on_dask_splits_its_one_group(data):
    X, y = data
    sampler = DaskSMOTE(random_state=2, backend="numpy")
    with dask.config.set({"gpu_clover.task-rows": BUDGET}, scheduler="sync"):
        y_res = sampler.fit_resample(da.from_array(X, chunks=(5000, 5)), da.from_array(y, chunks=5000))[1].compute()
    assert list(sampler.split_groups_) == [(0, 1)]
    assert sampler.largest_task_rows_ <= BUDGET
    assert np.bincount(y_res).tolist() == [2 * N_MINORITY, 2 * N_MINORITY]


@pytest.mark.parametrize("budget", [7, 12, 40])
def test_partitions_of_whole_groups_keep_the_budget(budget):
    from gpu_clover.dask._partition import _contiguous_ranges

    lengths = np.array([5, 3, 7, 2, 6, 5, 1])
    bounds = _contiguous_ranges(lengths, 2, budget)
    ends = np.concatenate([[0], np.cumsum(lengths)])
    assert bounds[0] == 0 and bounds[-1] == len(lengths)
    assert (np.diff(bounds) > 0).all()
    assert (ends[bounds[1:]] - ends[bounds[:-1]] <= budget).all()


def test_a_large_group_within_the_budget_is_searched_by_several_tasks_as_on_one_machine(monkeypatch):
    """A group served by the cell search is searched in ranges of cells, one task each, and the
    rows equal the single machine's bit for bit (each cell is searched on its own)."""
    import gpu_clover
    from gpu_clover.dask import _partition

    rng = np.random.default_rng(8)
    n_minority = 20000
    y = np.r_[np.zeros(25000, dtype=np.int64), np.ones(n_minority, dtype=np.int64)]
    X = rng.normal(size=(len(y), 4)) + y[:, None]
    ranges = []
    search_cells = _partition._search_cells
    monkeypatch.setattr(_partition, "_search_cells", lambda p, a, b: ranges.append((a, b)) or search_cells(p, a, b))
    sampler = DaskSMOTE(random_state=4, backend="numpy")
    with dask.config.set(scheduler="threads"):
        X_res, y_res = dask.compute(
            *sampler.fit_resample(da.from_array(X, chunks=(7000, 4)), da.from_array(y, chunks=7000))
        )
    assert sorted(ranges) == [(0, 256), (256, 512), (512, None)]  # 625 cells of 32 rows
    assert sampler.split_groups_ == {}
    X_one, y_one = gpu_clover.SMOTE(random_state=4, backend="numpy").fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_one)
    np.testing.assert_array_equal(y_res, y_one)


def test_the_default_budget_follows_the_smallest_workers_memory():
    from gpu_clover.dask._split import task_row_budget

    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, processes=False, threads_per_worker=1, memory_limit="1GiB", dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster),
    ):
        assert task_row_budget(10, 8) == 2**30 // 16 // ((3 * 10 + 2) * 8 + 8)
    assert task_row_budget(10, 8) >= MIN_TASK_ROWS  # no client: a thread's share of this machine
