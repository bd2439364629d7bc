"""Categorical columns on Dask: the single machine's output (values, dtypes, categories, order) for a
dask DataFrame whatever its partitioning, ``median_std_`` by reductions, the clusterers in SMOTE-NC's
geometry, and the single machine's errors."""

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import gpu_clover  # noqa: E402 (only once dask is known to be importable)
from gpu_clover import dask as gdask  # noqa: E402
from gpu_clover.cluster import SOM, KMeans  # noqa: E402
from gpu_clover.distribution import DensityDistributor  # noqa: E402

COUNTS = [1100, 260, 140]


def _table(counts=COUNTS, seed=0, numeric=True):
    """A frame of every categorical kind (category with an unused category, object, bool), with
    class signal in a numeric and a categorical column; and its labels."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(y)
    n = len(y)
    columns = {}
    if numeric:
        columns["a"] = rng.normal(size=n) + 3 * y
    columns["c"] = pd.Categorical(
        np.where(rng.random(n) < 0.6, np.array(["x", "y", "z"])[y % 3], rng.choice(["x", "y", "z"], n)),
        categories=["z", "y", "x", "w"],
    )
    if numeric:
        columns["b"] = rng.normal(size=n) * 3
    columns["s"] = rng.choice(["p", "q", "r", "t"], size=n).astype(object)
    columns["f"] = rng.random(n) > 0.6
    return pd.DataFrame(columns), y


def _frames(frame, y, npartitions):
    return dd.from_pandas(frame, npartitions=npartitions), dd.from_pandas(
        pd.Series(y, name="y"), npartitions=npartitions
    )


# (name, make(package) -> sampler)
CASES = [
    ("SMOTE", lambda p: p.SMOTE(k_neighbors=4, random_state=3, backend="numpy")),
    ("GeometricSMOTE", lambda p: p.GeometricSMOTE(random_state=4, backend="numpy")),
    ("KMeansSMOTE", lambda p: p.KMeansSMOTE(kmeans_estimator=4, random_state=3, backend="numpy")),
    ("SOMO", lambda p: p.SOMO(distribution_ratio=0.5, random_state=4, backend="numpy")),
    (
        "ClusterOverSampler-GeometricSMOTE-SOM",
        lambda p: p.ClusterOverSampler(
            gpu_clover.GeometricSMOTE(selection_strategy="majority"),
            clusterer=SOM(4, 4, random_state=2),
            distributor=DensityDistributor(distribution_ratio=0.4),
            random_state=4,
            backend="numpy",
        ),
    ),
]


def _single_and_dask(make, frame, y, npartitions):
    """Both samplers and results: the single machine's on the dask frame computed (dask may
    convert object columns to strings: the single machine sees the same table)."""
    X_dask, y_dask = _frames(frame, y, npartitions)
    single = make(gpu_clover)
    expected = single.fit_resample(X_dask.compute(), y_dask.compute())
    sampler = make(gdask)
    X_res, y_res = sampler.fit_resample(X_dask, y_dask)
    assert isinstance(X_res, dd.DataFrame) and isinstance(y_res, dd.Series)
    return single, expected, sampler, dask.compute(X_res, y_res, scheduler="synchronous")


def _assert_same_answer(found, expected):
    X_found, y_found = found
    X_expected, y_expected = expected
    # Every value, dtype and category, column order; the index is the rows' positions on both.
    pd.testing.assert_frame_equal(X_found, X_expected, check_index_type=False)
    np.testing.assert_array_equal(np.asarray(y_found), np.asarray(y_expected))


@pytest.mark.parametrize("npartitions", [2, 5])
@pytest.mark.parametrize("name, make", CASES, ids=[case[0] for case in CASES])
def test_the_single_machine_answer_whatever_the_partitioning(name, make, npartitions):
    frame, y = _table()
    original = frame.copy(deep=True)
    single, expected, sampler, found = _single_and_dask(make, frame, y, npartitions)
    _assert_same_answer(found, expected)
    assert len(found[0]) > len(frame)  # rows were generated
    assert found[0]["c"].dtype == frame["c"].dtype and found[0]["f"].dtype == bool
    np.testing.assert_array_equal(np.asarray(sampler.labels_.compute()), np.asarray(single.labels_))
    assert sampler.median_std_.keys() == single.median_std_.keys()
    np.testing.assert_allclose(list(sampler.median_std_.values()), list(single.median_std_.values()), rtol=1e-12)
    pd.testing.assert_frame_equal(frame, original)  # input never mutated


def test_partitionings_give_the_same_rows_and_a_seed_the_same_rows_again():
    frame, y = _table(seed=5)
    results = []
    for npartitions in (2, 5, 5):
        X_res, y_res = gdask.SMOTE(k_neighbors=3, random_state=9, backend="numpy").fit_resample(
            *_frames(frame, y, npartitions)
        )
        results.append(dask.compute(X_res, y_res, scheduler="synchronous"))
    for found in results[1:]:
        _assert_same_answer(found, results[0])


def test_all_categorical_columns_as_on_one_machine():
    frame, y = _table(numeric=False)
    make = CASES[0][1]
    single, expected, sampler, found = _single_and_dask(make, frame, y, 3)
    _assert_same_answer(found, expected)
    assert sampler.median_std_ == single.median_std_ == {0: 1.0, 1: 1.0, 2: 1.0}


def test_kmeans_lloyd_over_every_row_with_categorical_columns(monkeypatch):
    """Above the warm start's sample, Lloyd goes on over every block (the mixed engine's sums)."""
    import gpu_clover.cluster._kmeans as single_kmeans
    import gpu_clover.dask._kmeans as dask_kmeans

    monkeypatch.setattr(single_kmeans, "WARM_START_ROWS", 200)
    monkeypatch.setattr(dask_kmeans, "WARM_START_ROWS", 200)
    frame, y = _table(seed=2)

    def make(package):
        return package.KMeansSMOTE(
            kmeans_estimator=KMeans(5, n_init=2, random_state=1), random_state=3, backend="numpy"
        )

    single, expected, sampler, found = _single_and_dask(make, frame, y, 3)
    np.testing.assert_allclose(sampler.clusterer_.cluster_centers_, single.clusterer_.cluster_centers_, atol=1e-12)
    assert sampler.clusterer_.n_features_in_ == single.clusterer_.n_features_in_ == 2 + 4 + 4 + 2
    _assert_same_answer(found, expected)


def test_on_a_local_cluster():
    frame, y = _table(seed=1)
    with (
        distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        X_dask, y_dask = _frames(frame, y, 4)
        expected = gpu_clover.GeometricSOMO(distribution_ratio=0.5, random_state=1, backend="numpy").fit_resample(
            X_dask.compute(), y_dask.compute()
        )
        sampler = gdask.GeometricSOMO(distribution_ratio=0.5, random_state=1, backend="numpy")
        X_res, y_res = sampler.fit_resample(X_dask, y_dask)
        _assert_same_answer(client.compute([X_res, y_res], sync=True), expected)


def test_categories_unknown_to_dask_are_found_first():
    frame, y = _table(seed=3)
    X_dask, y_dask = _frames(frame, y, 3)
    X_dask = X_dask.assign(c=X_dask["c"].cat.as_unknown())
    X_res, _ = gdask.SMOTE(random_state=0, backend="numpy").fit_resample(X_dask, y_dask)
    X_res = X_res.compute(scheduler="synchronous")
    assert X_res["c"].dtype.name == "category"
    np.testing.assert_array_equal(X_res["c"].astype(str)[: len(frame)], frame["c"].astype(str))
    assert set(X_res["c"].astype(str)) <= {"x", "y", "z"}


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda f: f.assign(s=f["s"].where(np.arange(len(f)) % 500 != 7)), r"Categorical column 's' has 3 missing"),
        (lambda f: f.assign(c=f["c"].where(np.arange(len(f)) % 700 != 1)), r"Categorical column 'c' has 3 missing"),
        (lambda f: f.assign(s=None), r"Categorical column 's' holds no value: every row is missing"),
    ],
    ids=["object", "category", "all missing"],
)
def test_missing_categories_are_refused_in_the_single_machines_words(change, match):
    frame, y = _table()
    frame = change(frame)
    with pytest.raises(ValueError, match=match):
        gpu_clover.SMOTE(backend="numpy").fit_resample(frame, y)
    with pytest.raises(ValueError, match=match):
        gdask.SMOTE(backend="numpy").fit_resample(*_frames(frame, y, 3))


@pytest.mark.parametrize(
    "spec, match",
    [
        (["c", "nope"], r"names unknown column\(s\) \['nope'\]"),
        ([True, False], r"boolean mask of length 2, but X has 5 feature column\(s\)"),
        ([9], r"index\(es\) \[9\] out of range"),
    ],
)
def test_bad_categorical_features_are_refused_as_on_one_machine(spec, match):
    frame, y = _table()
    with pytest.raises(ValueError, match=match):
        gdask.SMOTE(backend="numpy", categorical_features=spec).fit_resample(*_frames(frame, y, 2))


def test_named_columns_by_index_and_mask_are_the_auto_columns():
    frame, y = _table(seed=4)
    answers = []
    for spec in ("auto", [1, 3, 4], ["c", "s", "f"], [False, True, False, True, True]):
        X_res, y_res = gdask.SMOTE(random_state=0, backend="numpy", categorical_features=spec).fit_resample(
            *_frames(frame, y, 2)
        )
        answers.append(dask.compute(X_res, y_res, scheduler="synchronous"))
    for found in answers[1:]:
        _assert_same_answer(found, answers[0])


def test_a_group_above_the_task_budget_with_categorical_columns_is_refused():
    frame, y = _table(counts=[3000, 1500], seed=6)
    budget = dask.config.set({"gpu_clover.task-rows": 1024})
    with budget, pytest.raises(ValueError, match=r"above the Dask task budget of 1024 rows.*categorical columns needs"):
        gdask.SMOTE(backend="numpy").fit_resample(*_frames(frame, y, 3))


def test_dask_arrays_with_categorical_columns_are_refused_with_the_way_out():
    rng = np.random.default_rng(0)
    y = da.from_array((rng.random(200) < 0.2).astype(int), chunks=100)
    X = da.from_array(rng.random((200, 3)), chunks=100)
    with pytest.raises(NotImplementedError, match=r"columns \[0\] named categorical. Pass dd.from_dask_array"):
        gdask.SMOTE(backend="numpy", categorical_features=[0]).fit_resample(X, y)
    X = da.from_array(rng.choice(["a", "b"], (200, 2)).astype(object), chunks=100)
    with pytest.raises(TypeError, match=r"dtype object cannot carry categorical columns on Dask"):
        gdask.SMOTE(backend="numpy").fit_resample(X, y)


def test_a_clusterer_that_cannot_see_categories_is_refused():
    from sklearn.cluster import KMeans as SklearnKMeans

    frame, y = _table()
    sampler = gdask.ClusterOverSampler(gpu_clover.SMOTE(), clusterer=SklearnKMeans(2), backend="numpy")
    with pytest.raises(NotImplementedError, match=r"must be gpu_clover's KMeans or SOM"):
        sampler.fit_resample(*_frames(frame, y, 2))
