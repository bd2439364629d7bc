"""The neighbour stage: exact below the limit, bounded-cost cells and sampled sums above it."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import InvalidParameterError

from gpu_clover import SMOTE, GeometricSMOTE, KMeansSMOTE
from gpu_clover._groups import Groups, build_groups
from gpu_clover.backends import get_backend
from gpu_clover.neighbors import GroupNeighbors, _cell_search, _cells, _group_neighbors
from gpu_clover.neighbors._cells import balanced_cells
from gpu_clover.neighbors._ranking import rank_operands

NUMPY = get_backend("numpy")


def one_class_groups(lengths):
    """Groups of ``lengths`` rows, consecutive in the data, all of class 0 (cluster g for group g)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(lengths)
    return Groups(
        order=np.arange(int(lengths.sum()), dtype=np.int64),
        offsets=np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64),
        lengths=lengths,
        cluster=np.arange(n, dtype=np.int64),
        klass=np.zeros(n, dtype=np.int64),
        cluster_labels=np.arange(n),
        classes=np.zeros(1, dtype=np.int64),
    )


def clustered_rows(n, n_features=6, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(8, n_features))
    return (centres[rng.integers(0, 8, n)] + rng.normal(size=(n, n_features))).astype(dtype)


def exact_neighbors(X, k):
    return NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(X).kneighbors(return_distance=False)[:, :k]


@pytest.fixture
def small_limits(monkeypatch):
    """The cell search and the sampled sums from 200 rows on, with cells of 8 rows and 96 candidates per row."""
    monkeypatch.setattr(_group_neighbors, "EXACT_MAX_ROWS", 200)
    monkeypatch.setattr(_group_neighbors, "CELL_SEARCH_MIN_ROWS", 200)
    monkeypatch.setattr(_cell_search, "CELL_ROWS", 8)
    monkeypatch.setattr(_cell_search, "CANDIDATES", 96)


@pytest.mark.parametrize("fork_min_rows", [None, 0], ids=["levels-together", "runs-apart"])
def test_balanced_cells_partition_each_segment_into_full_compact_cells(monkeypatch, fork_min_rows):
    if fork_min_rows is not None:  # the levels after the eighth run worked out run by run
        monkeypatch.setattr(_cells, "FORK_MIN_ROWS", fork_min_rows)
    X = clustered_rows(1000)
    lengths = np.array([300, 7, 693])
    offsets = np.array([0, 300, 307])
    before = X.copy()
    out, cell_offsets, cell_lengths, owner = balanced_cells(NUMPY, X, lengths, 16)
    assert np.array_equal(X, before)
    assert sorted(out.tolist()) == list(range(1000))
    assert cell_lengths.max() <= 16 and cell_lengths.sum() == 1000
    assert np.array_equal(cell_offsets[1:], np.cumsum(cell_lengths)[:-1])
    for s, (offset, length) in enumerate(zip(offsets, lengths)):
        mine = owner == s
        inside = np.concatenate([out[o : o + n] for o, n in zip(cell_offsets[mine], cell_lengths[mine])])
        assert sorted(inside.tolist()) == list(range(offset, offset + length))  # cells stay in their segment
        # As few cells as the segment needs: every one full but one.
        assert mine.sum() == -(-length // 16) and (cell_lengths[mine] < 16).sum() <= 1
    # Compact: a cell's rows are closer to their own center than the segment's rows are to theirs.
    spread = np.mean([X[out[o : o + n]].std(axis=0).sum() for o, n in zip(cell_offsets, cell_lengths) if n > 1])
    assert spread < 0.5 * X[:300].std(axis=0).sum()


def test_balanced_cells_do_not_depend_on_the_cores_that_build_them(monkeypatch):
    """Runs finished apart give the same cells whether the pool runs them at once or, called from
    inside a worker, one after the other."""
    monkeypatch.setattr(_cells, "FORK_MIN_ROWS", 0)
    X, lengths = clustered_rows(3000, seed=5), np.array([3000])
    at_once = balanced_cells(NUMPY, X, lengths, 8)
    in_turn = list(NUMPY.map_ordered(lambda _: balanced_cells(NUMPY, X, lengths, 8), range(2)))
    for serial in in_turn:
        assert all(np.array_equal(a, b) for a, b in zip(at_once, serial))


def test_cell_search_is_exact_when_the_target_is_every_neighbour(monkeypatch):
    """A group no larger than the sample has every row sampled: a recall target of 1 sets a
    budget that holds every row's true neighbours, so the table is the exact one."""
    monkeypatch.setattr(_group_neighbors, "EXACT_MAX_ROWS", 100)
    monkeypatch.setattr(_group_neighbors, "CELL_SEARCH_MIN_ROWS", 100)
    monkeypatch.setattr(_cell_search, "CELL_ROWS", 16)
    monkeypatch.setattr(_cell_search, "RECALL_TARGET", 1.0)
    X = clustered_rows(700, seed=3)
    table, _ = GroupNeighbors(NUMPY, X, one_class_groups([700]), 5).knn(np.array([0]))
    assert np.array_equal(np.sort(table, axis=1), np.sort(exact_neighbors(X, 5), axis=1))


def group_cells(X, cell_rows=8):
    """The cell search's operands, cells and probe lists of one group (every list complete)."""
    left, right, far, _ = rank_operands(NUMPY, X, np.array([len(X)]))
    cells = _cell_search._Cells(NUMPY, X, left, right, far)
    return left, right, cells, _cell_search._ProbeLists(NUMPY, cells.centers, cells.n_cells)


def searched(cells, lists, k):
    """The ``(rows, k)`` table of a search of every cell with ``lists``."""
    rows, found = cells.search(lists, k, np.arange(cells.n_cells))
    table = np.empty((len(rows), k), dtype=np.int64)
    table[rows] = found
    return table


def sample_recall(table, expected, sample):
    return np.mean([len(set(a) & set(b)) / table.shape[1] for a, b in zip(table[sample], expected[sample])])


@pytest.mark.parametrize("target", [0.5, 0.9, 0.99])
def test_the_budget_is_the_fewest_probes_that_reach_the_target_on_the_sample(monkeypatch, target):
    """The probed cells are searched exactly, so the sample's recall at n probes is the share of
    its neighbours whose cells come first n in its probe list: the budget reaches the target,
    one probe fewer does not."""
    monkeypatch.setattr(_cell_search, "CELL_ROWS", 8)
    X = clustered_rows(1500, seed=4)
    left, right, cells, probes = group_cells(X)
    sample = np.arange(0, 1500, 7)
    n_probe = _cell_search.needed_probes(NUMPY, cells, probes, left, right, sample, 5, target)
    expected = exact_neighbors(X, 5)
    assert sample_recall(searched(cells, probes.lists(n_probe), 5), expected, sample) >= target
    assert sample_recall(searched(cells, probes.lists(n_probe - 1), 5), expected, sample) < target
    every = searched(cells, probes.lists(cells.n_cells), 5)  # every cell probed: exact
    assert np.array_equal(np.sort(every, axis=1), np.sort(expected, axis=1))


@pytest.mark.parametrize("exact_centers", [True, False])
def test_probe_lists_are_nearest_first_and_places_index_them(monkeypatch, exact_centers):
    """Probe lists start with the cell itself and go nearest first (every pair of centers),
    so a shorter list is a longer one's start; ``places`` is the index of a cell in a list.
    Above ``EXACT_CENTERS`` the lists come from the centers' own cell search."""
    if not exact_centers:
        monkeypatch.setattr(_cell_search, "EXACT_CENTERS", 100)
        monkeypatch.setattr(_cell_search, "CELL_ROWS", 8)
        monkeypatch.setattr(_cell_search, "CANDIDATES", 64)
    centers = clustered_rows(900, seed=5)
    probes = _cell_search._ProbeLists(NUMPY, centers, 40)
    short, long = probes.lists(20), probes.lists(40)
    assert np.array_equal(long[:, :20], short) and np.array_equal(long[:, 0], np.arange(900))
    distance = np.linalg.norm(centers[long] - centers[:, None], axis=2)
    if exact_centers:
        assert (np.diff(distance[:, 1:], axis=1) >= -1e-9).all()
        assert np.array_equal(np.sort(long[:, 1:], axis=1), np.sort(exact_neighbors(centers, 39), axis=1))
    owners = np.arange(0, 900, 9)
    listed = probes.places(owners, long[owners][:, [0, 5, 39]])
    assert np.array_equal(listed, np.broadcast_to([0, 5, 39], listed.shape))
    if not exact_centers:  # a cell outside the list has the list's width for its place
        outside = np.array([next(c for c in range(900) if c not in set(long[o])) for o in owners])
        assert (probes.places(owners, outside[:, None]) == 40).all()


def test_each_group_is_searched_once(monkeypatch, small_limits):
    searches = []
    search = _cell_search._Cells.search
    monkeypatch.setattr(
        _cell_search._Cells, "search", lambda self, p, k, c: searches.append(p.shape) or search(self, p, k, c)
    )
    X = clustered_rows(2000, seed=2)
    GroupNeighbors(NUMPY, X, one_class_groups([1200, 800]), 4).knn(np.array([0, 1]))
    assert sorted(shape[0] for shape in searches) == [100, 150]  # the groups may run at once


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_search_above_the_limit_matches_brute_force(small_limits, dtype):
    lengths = [150, 333, 1000]  # one below the limit, one not a whole number of blocks
    X = clustered_rows(sum(lengths), seed=12, dtype=dtype)
    groups = one_class_groups(lengths)
    table, starts = GroupNeighbors(NUMPY, X, groups, 6, search="exact").knn(np.arange(3))
    for start, offset, length in zip(starts, groups.offsets, groups.lengths):
        members = X[offset : offset + length].astype(np.float64)
        found = table[start : start + length]
        expected = exact_neighbors(members, 6)
        assert np.array_equal(np.sort(found, axis=1), np.sort(expected, axis=1))


def test_cell_search_recall_and_its_invariants(small_limits):
    lengths = [150, 900, 1300]  # the first stays exact
    X = clustered_rows(sum(lengths), seed=1, dtype=np.float32)
    groups = one_class_groups(lengths)
    stats = GroupNeighbors(NUMPY, X, groups, 5)
    table, starts = stats.knn(np.arange(3))
    recalls = []
    for g, (start, offset, length) in enumerate(zip(starts, groups.offsets, groups.lengths)):
        found = table[start : start + length]
        assert found.min() >= 0 and found.max() < length
        assert not (found == np.arange(length)[:, None]).any()  # never the row itself
        assert all(len(set(row)) == 5 for row in found.tolist())  # k distinct neighbours
        expected = exact_neighbors(X[offset : offset + length], 5)
        recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(found.tolist(), expected.tolist())])
        recalls.append(recall)
    assert recalls[0] == 1.0
    assert min(recalls[1:]) > 0.85  # 96 candidates of 900-1300 rows


def test_cell_search_gives_the_same_table_whatever_the_other_groups(small_limits):
    X = clustered_rows(2000, seed=2)
    alone, _ = GroupNeighbors(NUMPY, X[:1200], one_class_groups([1200]), 4).knn(np.array([0]))
    together, starts = GroupNeighbors(NUMPY, X, one_class_groups([1200, 800]), 4).knn(np.array([0, 1]))
    assert np.array_equal(alone, together[starts[0] : starts[0] + 1200])


def test_sampled_distance_sums_estimate_the_exact_sums(small_limits):
    X = clustered_rows(2450, seed=4)
    groups = one_class_groups([150, 2300])
    exact = GroupNeighbors(NUMPY, X, groups, search="exact").distance_sums(np.arange(2))
    sampled = GroupNeighbors(NUMPY, X, groups, seed=7).distance_sums(np.arange(2))
    again = GroupNeighbors(NUMPY, X, groups, seed=7).distance_sums(np.array([1]))
    other_seed = GroupNeighbors(NUMPY, X, groups, seed=8).distance_sums(np.arange(2))
    assert sampled[0] == pytest.approx(exact[0], rel=1e-12)  # below the limit: exact
    assert sampled[1] == pytest.approx(exact[1], rel=0.01)
    assert sampled[1] != exact[1] and sampled[1] != other_seed[1]
    assert again[0] == sampled[1]  # a pure function of (seed, group)


def test_sampled_sums_do_not_overflow_on_large_values(small_limits):
    X = clustered_rows(500, seed=5) * 1e300
    groups = one_class_groups([500])
    sums = GroupNeighbors(NUMPY, X, groups).distance_sums(np.array([0]))
    assert np.isfinite(sums).all() and sums[0] > 0


@pytest.mark.parametrize("sampler", [SMOTE, GeometricSMOTE, KMeansSMOTE])
def test_auto_search_is_reproducible_and_keeps_counts(sampler, small_limits, make_data, monkeypatch):
    monkeypatch.setattr(_cell_search, "RECALL_TARGET", 0.0)  # the first budget: not every row's nearest
    X, y = make_data([3000, 1000], n_features=5, n_blobs=2, seed=6)
    params = {"kmeans_estimator": 2} if sampler is KMeansSMOTE else {}
    first = sampler(random_state=0, backend="numpy", **params).fit_resample(X, y)
    second = sampler(random_state=0, backend="numpy", **params).fit_resample(X, y)
    exact = sampler(random_state=0, backend="numpy", neighbor_search="exact", **params).fit_resample(X, y)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert np.bincount(first[1]).tolist() == np.bincount(exact[1]).tolist() == [3000, 3000]
    assert not np.array_equal(first[0], exact[0])  # the bounded search did run


def test_groups_below_the_limit_are_the_same_in_both_modes(make_data):
    X, y = make_data([600, 200], n_features=4, seed=8)
    auto = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy").fit_resample(X, y)
    exact = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy", neighbor_search="exact").fit_resample(X, y)
    assert np.array_equal(auto[0], exact[0])


def test_neighbor_search_is_validated(binary_data):
    with pytest.raises(InvalidParameterError, match="neighbor_search"):
        SMOTE(neighbor_search="fast").fit_resample(*binary_data)


def test_k_neighbors_takes_a_nearest_neighbors_estimator(make_data):
    X, y = make_data([300, 100], n_features=4, seed=9)
    by_int = SMOTE(k_neighbors=4, random_state=0, backend="numpy").fit_resample(X, y)
    estimator = NearestNeighbors(n_neighbors=5, algorithm="kd_tree")  # the row itself plus 4, as imbalanced-learn
    by_estimator = SMOTE(k_neighbors=estimator, random_state=0, backend="numpy").fit_resample(X, y)
    np.testing.assert_allclose(by_estimator[0], by_int[0])
    assert estimator.get_params() == clone(estimator).get_params()  # the user's estimator is not fitted
    assert not hasattr(estimator, "n_samples_fit_")


def test_k_neighbors_estimator_inside_clusters(make_data):
    X, y = make_data([500, 150], n_features=3, seed=10)
    sampler = KMeansSMOTE(
        k_neighbors=NearestNeighbors(n_neighbors=4), kmeans_estimator=3, random_state=0, backend="numpy"
    )
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [500, 500]


def test_huge_k_neighbors_is_bounded_by_the_group(binary_data):
    X, y = binary_data
    _, y_res = SMOTE(k_neighbors=10**9, random_state=0, backend="numpy").fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [90, 90]
    stats = GroupNeighbors(
        NUMPY, X, build_groups(NUMPY, np.zeros(len(y), dtype=np.int64), y, np.zeros(1), np.arange(2)), 10**9
    )
    assert stats.k == 89
