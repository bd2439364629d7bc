"""Categorical columns: SMOTE-NC's distance and categories, checked against imbalanced-learn's
own definitions; the types that come back; bad input; the clustering's embedding."""

import copy
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from conftest import BACKENDS
from imblearn.over_sampling import SMOTENC
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OneHotEncoder

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover._categorical import class_penalties
from gpu_clover._groups import build_groups
from gpu_clover.backends import get_backend
from gpu_clover.cluster import KMeans
from gpu_clover.cluster._engine import cluster_engine
from gpu_clover.cluster._mixed import MixedRows
from gpu_clover.neighbors import GroupNeighbors, _cell_search, _group_neighbors
from gpu_clover.neighbors._mismatch import compact_codes
from gpu_clover.over_sampling._categories import _tied_sets, synthetic_categories
from gpu_clover.over_sampling._generation import Plan

NUMPY = get_backend("numpy")


def mixed_table(n=300, minority=0.2, seed=0, cardinalities=(3, 5, 40)):
    """Numeric columns with class signal, and categorical columns whose frequencies differ by class."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < minority).astype(np.int64)
    numeric = rng.normal(size=(n, 3)) + y[:, None] * 0.8
    categories = []
    for size in cardinalities:
        weights = rng.dirichlet(np.ones(size), size=2)  # one distribution per class
        categories.append(np.array([rng.choice(size, p=weights[c]) for c in y]))
    return numeric, np.stack(categories, axis=1), y


def as_frame(numeric, categories):
    frame = pd.DataFrame(numeric, columns=["n0", "n1", "n2"])
    frame.insert(1, "c0", pd.Categorical([f"v{v}" for v in categories[:, 0]]))
    frame["c1"] = np.array([f"w{v}" for v in categories[:, 1]], dtype=object)
    frame["c2"] = categories[:, 2]  # an integer column named as categorical
    return frame


def oracle_encoding(numeric, categories, rows, med):
    """imbalanced-learn's SMOTENC encoding of ``rows``: numeric columns, then one-hot at med / sqrt(2)."""
    one_hot = OneHotEncoder().fit(categories).transform(categories[rows]).toarray()
    return np.hstack([numeric[rows], one_hot * med / np.sqrt(2)])


def oracle_knn(numeric, categories, rows, med, k):
    encoded = oracle_encoding(numeric, categories, rows, med)
    found = NearestNeighbors(n_neighbors=k + 1).fit(encoded).kneighbors(encoded, return_distance=False)
    assert (found[:, 0] == np.arange(len(rows))).all()  # continuous data: a row is its own nearest
    return found[:, 1:]


def our_knn(numeric, categories, y, klass, med, k, search="exact", narrow=True):
    """Our neighbour stage's table for the rows of ``klass`` (one group per class), in local
    indices; ``narrow``: the codes compared in the narrowest integers (else as int32)."""
    codes = np.ascontiguousarray(categories.astype(np.int32))
    groups = build_groups(NUMPY, np.zeros(len(y), dtype=np.int64), y, np.array([0]), np.array([0, 1]))
    penalties = np.where(groups.klass == klass, med**2, 1.0)
    n_categories = categories.max(axis=0) + 1 if narrow else np.full(categories.shape[1], 10**6)
    stats = GroupNeighbors(
        NUMPY, numeric, groups, k, search=search, codes=codes, penalties=penalties, n_categories=n_categories
    )
    (g,) = np.flatnonzero(groups.klass == klass)
    table, starts = stats.knn([g])
    members = groups.order[groups.offsets[g] : groups.offsets[g] + groups.lengths[g]]
    return members, table[starts[0] : starts[0] + len(members), :k], stats, g


def test_median_std_is_smotencs():
    numeric, categories, y = mixed_table()
    frame = as_frame(numeric, categories)
    ours = SMOTE(random_state=0, backend="numpy", categorical_features=["c0", "c1", "c2"]).fit(frame, y)
    ours.fit_resample(frame, y)
    theirs = SMOTENC(categorical_features=["c0", "c1", "c2"], random_state=0).fit(frame, y)
    theirs.fit_resample(frame, y)
    assert ours.median_std_[1] == pytest.approx(theirs.median_std_[1], rel=1e-12)


def test_median_std_summed_tile_by_tile_is_the_whole_tables(monkeypatch):
    """``med^2`` from sums over many tiles (on the pool, added in the tiles' order) equals each
    class's median std over its rows at once, and twice gives the same bytes."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5000, 3)) * np.array([1.0, 2.0, 3.0]) + 10.0
    y = rng.integers(0, 3, 5000)
    monkeypatch.setattr(NUMPY, "tile_elements", lambda itemsize=8: 64)  # 21 rows a tile
    got = class_penalties(NUMPY, X, y, 3)
    want = [np.median(X[y == c].std(axis=0)) ** 2 for c in range(3)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert class_penalties(NUMPY, X, y, 3).tobytes() == got.tobytes()


@pytest.mark.parametrize("narrow", [True, False], ids=["narrow-codes", "int32-codes"])
@pytest.mark.parametrize(
    ("n", "patch"),
    [
        (300, {}),  # the minority group in one bucket of the exact pass
        (2000, {}),  # a group above the NumPy buckets: row tiles against the whole group
        (2000, {"EXACT_MAX_ROWS": 100}),  # above the exact limit, below the cell search: every pair ranked
    ],
)
def test_knn_table_is_smotencs(monkeypatch, n, patch, narrow):
    for name, value in patch.items():
        monkeypatch.setattr(_group_neighbors, name, value)
    numeric, categories, y = mixed_table(n=n)
    rows = np.flatnonzero(y == 1)
    med = float(np.median(numeric[rows].std(axis=0)))
    members, table, _, _ = our_knn(numeric, categories, y, 1, med, 5, narrow=narrow)
    np.testing.assert_array_equal(members, rows)  # groups keep the rows' order
    expected = oracle_knn(numeric, categories, rows, med, 5)
    np.testing.assert_array_equal(np.sort(table, axis=1), np.sort(expected, axis=1))


def test_cell_search_reaches_its_recall_with_the_penalty(monkeypatch):
    monkeypatch.setattr(_group_neighbors, "EXACT_MAX_ROWS", 100)
    monkeypatch.setattr(_group_neighbors, "CELL_SEARCH_MIN_ROWS", 200)
    monkeypatch.setattr(_cell_search, "CELL_ROWS", 8)
    numeric, categories, y = mixed_table(n=6000)
    rows = np.flatnonzero(y == 1)
    med = float(np.median(numeric[rows].std(axis=0)))
    _, table, _, _ = our_knn(numeric, categories, y, 1, med, 5, search="auto")
    expected = oracle_knn(numeric, categories, rows, med, 5)
    recall = np.mean([len(np.intersect1d(a, b)) / 5 for a, b in zip(table, expected)])
    assert recall >= 0.95, recall


@pytest.mark.parametrize("narrow", [True, False], ids=["narrow-codes", "int32-codes"])
def test_cell_search_is_smotencs_exact_table_when_the_target_is_every_neighbour(monkeypatch, narrow):
    """A group no larger than the recall sample has every row sampled: at a target of 1 the
    budget holds every row's true neighbours, so the mixed cells' table is the exact one."""
    monkeypatch.setattr(_group_neighbors, "EXACT_MAX_ROWS", 100)
    monkeypatch.setattr(_group_neighbors, "CELL_SEARCH_MIN_ROWS", 100)
    monkeypatch.setattr(_cell_search, "CELL_ROWS", 16)
    monkeypatch.setattr(_cell_search, "RECALL_TARGET", 1.0)
    numeric, categories, y = mixed_table(n=3000)
    rows = np.flatnonzero(y == 1)
    assert 100 < len(rows) <= _cell_search.SAMPLED_ROWS
    med = float(np.median(numeric[rows].std(axis=0)))
    _, table, _, _ = our_knn(numeric, categories, y, 1, med, 5, search="auto", narrow=narrow)
    expected = oracle_knn(numeric, categories, rows, med, 5)
    np.testing.assert_array_equal(np.sort(table, axis=1), np.sort(expected, axis=1))


@pytest.mark.parametrize(
    ("n_categories", "dtype"),
    [([3, 126], np.int8), ([127], np.int16), ([5000, 32766], np.int16), ([32767], np.int32), ([10**6], np.int32)],
)
def test_compact_codes_hold_every_code_its_successor_and_the_padding(n_categories, dtype):
    codes = np.array([[0] * len(n_categories), [n - 1 for n in n_categories]], dtype=np.int32)
    compact = compact_codes(np, codes, np.array(n_categories))
    assert compact.dtype == dtype and compact.flags.c_contiguous
    np.testing.assert_array_equal(compact, codes)
    assert int(compact.max()) + 1 <= np.iinfo(dtype).max and np.iinfo(dtype).min <= -1


@pytest.mark.parametrize("narrow", [True, False], ids=["narrow-codes", "int32-codes"])
@pytest.mark.parametrize("patch", [{}, {"EXACT_MAX_ROWS": 100}])
def test_distance_sums_are_smotencs(monkeypatch, patch, narrow):
    for name, value in patch.items():
        monkeypatch.setattr(_group_neighbors, name, value)
    numeric, categories, y = mixed_table(n=1500)
    rows = np.flatnonzero(y == 1)
    med = float(np.median(numeric[rows].std(axis=0)))
    _, _, stats, g = our_knn(numeric, categories, y, 1, med, 5, narrow=narrow)
    encoded = oracle_encoding(numeric, categories, rows, med)
    diff = encoded[:, None, :] - encoded[None, :, :]
    expected = np.sqrt((diff * diff).sum(axis=-1)).sum()
    tolerance = 1e-9 if not patch else 0.02  # sampled pairs above the exact limit
    assert stats.distance_sums([g])[0] == pytest.approx(expected, rel=tolerance)


def test_synthetic_categories_are_the_neighbours_most_frequent():
    """Black box: each synthetic row lies on a segment from a minority row to one of its
    SMOTE-NC neighbours; its categories are among the most frequent of that row's neighbours."""
    numeric, categories, y = mixed_table(n=400)
    frame = as_frame(numeric, categories)
    sampler = SMOTE(k_neighbors=4, random_state=3, backend="numpy", categorical_features=["c0", "c1", "c2"])
    X_res, _ = sampler.fit_resample(frame, y)
    rows = np.flatnonzero(y == 1)
    med = sampler.median_std_[1]
    knn = oracle_knn(numeric, categories, rows, med, 4)
    synthetic = X_res.iloc[len(y) :]
    new_numeric = synthetic[["n0", "n1", "n2"]].to_numpy()
    new_categories = np.stack(
        [
            synthetic["c0"].astype(str).str[1:].astype(int),
            synthetic["c1"].str[1:].astype(int),
            synthetic["c2"].to_numpy(),
        ],
        axis=1,
    )
    base, ends = numeric[rows][:, None, :], numeric[rows][knn]  # (m, 1, d), (m, k, d)
    direction = ends - base
    for point, cats in zip(new_numeric, new_categories):
        t = np.clip(((point - base) * direction).sum(-1) / (direction * direction).sum(-1), 0, 1)
        residual = np.linalg.norm(base + t[..., None] * direction - point, axis=-1)
        # The base row: a segment's end whose neighbours include the other end (a pair of mutual
        # neighbours leaves two candidates: the categories must fit one of them).
        candidates = np.flatnonzero(residual.min(axis=1) < 1e-9)
        assert candidates.size

        def fits(r, cats=cats):
            for column in range(3):
                values, counts = np.unique(categories[rows[knn[r]], column], return_counts=True)
                if cats[column] not in values[counts == counts.max()]:
                    return False
            return True

        assert any(fits(r) for r in candidates)


def test_tied_categories_are_packed_in_order():
    found = np.array([[[2, 1, 3, 1, 2]], [[-1, 4, -1, -1, -1]], [[5, 5, 6, 5, 6]]])  # (rows, 1 column, k=5)
    packed, n_tied = _tied_sets(np, found)
    assert n_tied[:, 0].tolist() == [2, 1, 1]
    assert packed[0, 0].tolist() == [1, 2, -1, -1, -1] and packed[1, 0, 0] == 4 and packed[2, 0, 0] == 5


def test_ties_are_broken_row_by_row():
    """Synthetic rows that start from the same row draw among its tied categories each from its
    own stream: rows A and B of a three-row group see a red and a blue neighbour (a tie), C two
    reds. The rows starting from A take both colours, about equally often."""
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    codes = np.array([[0], [0], [1]], dtype=np.int32)  # red, red, blue
    groups = build_groups(NUMPY, np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64), np.array([0]), np.array([0]))
    stats = GroupNeighbors(NUMPY, X, groups, 2, codes=codes, penalties=np.ones(1))
    out = np.empty((4000, 1), dtype=np.int32)
    synthetic_categories(stats, codes, np.array([0]), np.array([5]), np.array([4000]), 1, 3, out)
    base = Plan(NUMPY, np.array([5]), np.array([4000]), 1, 0, 4000).index(0, np.array([3]))
    start = groups.order[base]
    assert set(out[start == 2, 0].tolist()) == {0}  # C: red, no tie
    for row in (0, 1):
        blue = float(out[start == row, 0].mean())
        assert 0.4 < blue < 0.6, (row, blue)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SMOTE(random_state=0),
        lambda: GeometricSMOTE(random_state=0),
        lambda: KMeansSMOTE(kmeans_estimator=3, random_state=0),
        lambda: SOMO(random_state=0),
        lambda: GeometricSOMO(random_state=0),
        lambda: ClusterOverSampler(SMOTE(k_neighbors=3), KMeans(n_clusters=3, random_state=0), random_state=0),
        lambda: KMeansSMOTE(kmeans_estimator=SklearnKMeans(3, n_init=1, random_state=0), random_state=0),
    ],
    ids=["SMOTE", "GeometricSMOTE", "KMeansSMOTE", "SOMO", "GeometricSOMO", "ClusterOverSampler", "sklearn-KMeans"],
)
def test_types_round_trip_and_values_are_observed(make):
    rng = np.random.default_rng(1)
    numeric, categories, y = mixed_table(n=500, minority=0.25)
    frame = as_frame(numeric, categories)
    frame["c0"] = frame["c0"].cat.add_categories(["unused"]).cat.as_ordered()
    frame["s"] = pd.array([f"s{v}" for v in rng.integers(0, 3, 500)], dtype="string")
    frame["b"] = rng.random(500) < 0.4
    frame["i"] = rng.integers(0, 100, 500)  # numeric, interpolated and cast back
    original = frame.copy(deep=True)
    sampler = make().set_params(backend="numpy", categorical_features=["c0", "c1", "c2", "s", "b"])
    X_res, y_res = sampler.fit_resample(frame, y)
    pd.testing.assert_frame_equal(frame, original)  # the input is not altered
    assert list(X_res.columns) == list(frame.columns)
    assert (X_res.dtypes == frame.dtypes).all()
    assert list(X_res["c0"].cat.categories) == list(frame["c0"].cat.categories) and X_res["c0"].cat.ordered
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    np.testing.assert_array_equal(np.bincount(y_res), [np.bincount(y)[0]] * 2)
    synthetic = X_res.iloc[len(frame) :]
    for column in ["c0", "c1", "c2", "s", "b"]:
        observed = set(frame.loc[y == 1, column].tolist())
        assert set(synthetic[column].tolist()) <= observed, column


def test_numpy_object_arrays_and_lists():
    numeric, categories, y = mixed_table(n=200)
    X = np.empty((200, 4), dtype=object)
    X[:, :3] = numeric
    X[:, 3] = [f"k{v}" for v in categories[:, 0]]
    X_res, _ = SMOTE(random_state=0, backend="numpy").fit_resample(X, y)  # "auto": the string column
    assert X_res.dtype == object and X_res.shape[1] == 4
    assert (X_res[:200] == X).all()
    assert set(X_res[200:, 3]) <= set(X[y == 1, 3])
    as_list, _ = SMOTE(random_state=0, backend="numpy").fit_resample(X.tolist(), y)
    assert isinstance(as_list, list) and as_list[-1][3] in set(X[y == 1, 3])


def test_all_categorical_data():
    """imbalanced-learn's SMOTEN case: no numeric column; distance = number of mismatches."""
    _, categories, y = mixed_table(n=300)
    X = np.array([[f"a{a}", f"b{b}", f"c{c}"] for a, b, c in categories])
    for sampler in (SMOTE(random_state=0), KMeansSMOTE(kmeans_estimator=2, random_state=0)):
        X_res, _ = sampler.set_params(backend="numpy").fit_resample(X, y)
        assert X_res.dtype == X.dtype and X_res.shape == (2 * np.bincount(y)[0], 3)
        for column in range(3):
            assert set(X_res[300:, column]) <= set(X[y == 1, column])


def test_numeric_data_take_the_numeric_path():
    numeric, _, y = mixed_table(n=300)
    frame = pd.DataFrame(numeric, columns=["a", "b", "c"])
    for X in (numeric, frame):
        auto = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy").fit_resample(X, y)
        none = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy", categorical_features=None)
        np.testing.assert_array_equal(np.asarray(auto[0]), np.asarray(none.fit_resample(X, y)[0]))


def test_seed_reproduces_bit_for_bit():
    numeric, categories, y = mixed_table(n=400)
    frame = as_frame(numeric, categories)
    first = KMeansSMOTE(kmeans_estimator=3, random_state=5, backend="numpy").fit_resample(frame, y)
    second = KMeansSMOTE(kmeans_estimator=3, random_state=5, backend="numpy").fit_resample(frame, y)
    pd.testing.assert_frame_equal(first[0], second[0], check_exact=True)


def test_a_hundred_thousand_categories_do_not_multiply_memory():
    rng = np.random.default_rng(0)
    n = 20_000
    y = (rng.random(n) < 0.1).astype(int)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    frame["id_like"] = pd.Categorical.from_codes(rng.integers(0, 100_000, n), categories=np.arange(100_000))
    tracemalloc.start()
    KMeansSMOTE(kmeans_estimator=4, random_state=0, backend="numpy").fit_resample(frame, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # A dense one-hot block alone would take n * 100_000 * 8 bytes = 16 GB.
    assert peak < 256 * 2**20, peak


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (["nope"], r"unknown column\(s\) \['nope'\]"),
        ([7], r"index\(es\) \[7\] out of range"),
        ([True, False], r"mask of length 2.*6 feature column"),
    ],
)
def test_bad_categorical_features(spec, message):
    numeric, categories, y = mixed_table(n=100)
    frame = as_frame(numeric, categories)
    with pytest.raises(ValueError, match=message):
        SMOTE(backend="numpy", categorical_features=spec).fit_resample(frame, y)


def test_names_need_columns():
    numeric, _, y = mixed_table(n=100)
    with pytest.raises(ValueError, match="no column names"):
        SMOTE(backend="numpy", categorical_features=["a"]).fit_resample(numeric, y)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pd.Categorical(["u", None] * 50), r"'c' has 50 missing value"),
        (np.array(["u", None] * 50, dtype=object), r"'c' has 50 missing value"),
        (pd.Series([np.nan] * 100, dtype=object), r"'c' holds no value"),
    ],
)
def test_missing_categories_are_refused(column, message):
    numeric, _, y = mixed_table(n=100)
    frame = pd.DataFrame(numeric, columns=["a", "b", "e"])
    frame["c"] = column
    before = frame.copy(deep=True)
    with pytest.raises(ValueError, match=message):
        SMOTE(backend="numpy", categorical_features=["c"]).fit_resample(frame, y)
    pd.testing.assert_frame_equal(frame, before)


def test_foreign_over_sampler_is_refused():
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE

    numeric, categories, y = mixed_table(n=200)
    sampler = ClusterOverSampler(ImblearnSMOTE(), KMeans(n_clusters=2), random_state=0, backend="numpy")
    with pytest.raises(TypeError, match="cannot generate categorical columns"):
        sampler.fit_resample(as_frame(numeric, categories), y)


def test_cluster_filter_and_densities_are_the_references_on_smotencs_encoding():
    """The distribution stage of mixed rows is the reference's DensityDistributor on SMOTE-NC's
    one-hot encoding (the minority's med), given the same cluster labels."""
    from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDensityDistributor

    numeric, categories, y = mixed_table(n=800, minority=0.15)
    frame = as_frame(numeric, categories)
    ours = KMeansSMOTE(random_state=0, backend="numpy", size_ratio=0.0, categorical_features=["c0", "c1", "c2"])
    ours.fit_resample(frame, y)
    encoded = oracle_encoding(numeric, categories, np.arange(len(y)), ours.median_std_[1])
    reference = ReferenceDensityDistributor(distances_exponent=1.0).fit(encoded, y, labels=np.asarray(ours.labels_))
    assert sorted(ours.distributor_.filtered_clusters_) == sorted(reference.filtered_clusters_)
    assert len(reference.filtered_clusters_) > 1
    for group, share in reference.intra_distribution_.items():
        assert ours.distributor_.intra_distribution_[group] == pytest.approx(share, rel=1e-9)


def test_the_clustering_embedding_is_smotencs_distance():
    """``MixedRows``' distances are SMOTE-NC's, and k-means on them equals k-means on the dense
    one-hot embedding from the same start."""
    numeric, categories, _ = mixed_table(n=300)
    codes = categories.astype(np.int32)
    n_categories = categories.max(axis=0) + 1
    rows = MixedRows.of(NUMPY, numeric, codes, n_categories)
    med = rows.scale * np.sqrt(2)
    assert med == pytest.approx(np.median(numeric.std(axis=0)))
    engine = cluster_engine(NUMPY, rows)
    got = engine.sq_to_centers(rows, slice(None), rows.dense(NUMPY, np.arange(10)))
    expected = ((numeric[:, None, :] - numeric[None, :10, :]) ** 2).sum(-1) + med**2 * (
        codes[:, None, :] != codes[None, :10, :]
    ).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    dense = rows.dense(NUMPY, np.arange(300))
    start = dense[[0, 50, 100, 150]]
    on_rows = KMeans(n_clusters=4, init=start, backend="numpy").fit(rows)
    on_dense = KMeans(n_clusters=4, init=start, backend="numpy").fit(dense)
    np.testing.assert_array_equal(on_rows.labels_, on_dense.labels_)
    np.testing.assert_allclose(on_rows.cluster_centers_, on_dense.cluster_centers_, rtol=1e-9, atol=1e-12)
    copy.deepcopy(rows)  # a plain value: clusterers may copy it


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_keeps_the_categories_observed(backend):
    """The same table on each backend: exact counts, the dtypes back, categories the class holds
    (NumPy and CuPy draw alike only statistically, so values are not compared across them)."""
    numeric, categories, y = mixed_table(n=600, minority=0.15)
    frame = as_frame(numeric, categories)
    for sampler in (SMOTE(random_state=0), KMeansSMOTE(kmeans_estimator=3, random_state=0)):
        X_res, y_res = sampler.set_params(backend=backend, categorical_features=["c0", "c1", "c2"]).fit_resample(
            frame, y
        )
        assert np.bincount(y_res).tolist() == [np.bincount(y)[0]] * 2
        assert (X_res.dtypes == frame.dtypes).all()
        synthetic = X_res.iloc[len(frame) :]
        for column in ("c0", "c1", "c2"):
            assert set(synthetic[column]) <= set(frame.loc[y == 1, column])


def test_numeric_array_with_named_columns_stays_numeric():
    numeric, categories, y = mixed_table(n=300)
    X = np.hstack([numeric, categories.astype(np.float64)])
    X_res, _ = SMOTE(random_state=0, backend="numpy", categorical_features=[3, 4, 5]).fit_resample(X, y)
    assert X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[:300], X)
    for column in (3, 4, 5):  # never interpolated: values the class holds
        assert set(X_res[300:, column]) <= set(X[y == 1, column])
