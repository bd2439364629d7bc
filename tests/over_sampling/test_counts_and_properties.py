"""Exact counts for every sampling_strategy form, and the properties every output must have."""

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imblearn.over_sampling import ADASYN, SVMSMOTE, BorderlineSMOTE, RandomOverSampler
from imblearn.over_sampling import SMOTE as ImblearnSMOTE
from imblearn.pipeline import make_pipeline
from imblearn.utils import check_sampling_strategy
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.preprocessing import StandardScaler

from gpu_clover import SMOTE, ClusterOverSampler, KMeansSMOTE
from gpu_clover.cluster import KMeans
from gpu_clover.distribution import BaseDistributor, DensityDistributor

ESTIMATORS = ["smote", "kmeans_smote", "cluster_over_sampler"]

# Property tests: few examples, derandomized (the same examples on every run), no example database.
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def make_sampler(name, sampling_strategy="auto", random_state=0, backend="numpy", n_clusters=3, k_neighbors=5):
    """One of our three over-samplers, configured alike."""
    if name == "smote":
        return SMOTE(
            sampling_strategy=sampling_strategy, random_state=random_state, k_neighbors=k_neighbors, backend=backend
        )
    if name == "kmeans_smote":
        return KMeansSMOTE(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            k_neighbors=k_neighbors,
            kmeans_estimator=n_clusters,
            backend=backend,
        )
    return ClusterOverSampler(
        SMOTE(sampling_strategy=sampling_strategy, k_neighbors=k_neighbors),
        KMeans(n_clusters=n_clusters, random_state=random_state, backend=backend),
        random_state=random_state,
        backend=backend,
    )


def expected_counts(y, sampling_strategy):
    """Class counts after over-sampling, from imbalanced-learn's own reading of the strategy."""
    wanted = check_sampling_strategy(sampling_strategy, y, "over-sampling")
    counts = Counter(np.asarray(y).tolist())
    return {label: counts[label] + wanted.get(label, 0) for label in counts}, dict(wanted)


def assert_originals_first(X, y, X_res, y_res):
    n = len(y)
    np.testing.assert_array_equal(np.asarray(X_res)[:n], np.asarray(X))
    np.testing.assert_array_equal(np.asarray(y_res)[:n], np.asarray(y))


class FixedClusters(ClusterMixin, BaseEstimator):
    """A clusterer that returns the labels it was given (to build exact group structures)."""

    def __init__(self, labels=None):
        self.labels = labels

    def fit(self, X, y=None):
        self.labels_ = np.asarray(self.labels)
        return self


# ------------------------------------------------------------ exact counts
MULTICLASS_STRATEGIES = {
    "auto": "auto",
    "not majority": "not majority",
    "minority": "minority",
    "not minority": "not minority",
    "all": "all",
    "dict-some": {1: 80, 3: 45},
    "dict-one": {2: 100},
    "dict-all": {0: 100, 1: 60, 2: 60, 3: 60},
    "callable": lambda y: {label: int(np.max(np.bincount(y)) + 7) for label in np.unique(y) if label != 0},
}


@pytest.mark.parametrize("strategy", list(MULTICLASS_STRATEGIES), ids=list(MULTICLASS_STRATEGIES))
@pytest.mark.parametrize("name", ESTIMATORS)
def test_exact_counts_multiclass(name, strategy, multiclass_data, backend):
    X, y = multiclass_data
    sampling_strategy = MULTICLASS_STRATEGIES[strategy]
    want, generated = expected_counts(y, sampling_strategy)
    sampler = make_sampler(name, sampling_strategy, backend=backend)
    X_res, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res.tolist())) == want
    assert dict(sampler.sampling_strategy_) == generated
    assert X_res.shape == (len(y_res), X.shape[1])
    assert_originals_first(X, y, X_res, y_res)


@pytest.mark.parametrize("ratio", [0.5, 0.75, 1.0])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_exact_counts_float_strategy_binary(name, ratio, binary_data, backend):
    X, y = binary_data
    X_res, y_res = make_sampler(name, ratio, backend=backend).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [90, int(90 * ratio)]
    assert_originals_first(X, y, X_res, y_res)


@pytest.mark.parametrize(
    "sampler",
    [SMOTE(random_state=0, backend="numpy"), ClusterOverSampler(SMOTE(), random_state=0, backend="numpy")],
    ids=["SMOTE", "ClusterOverSampler-no-clusterer"],
)
def test_plain_smote_dict_strategy_can_grow_the_majority(sampler, multiclass_data):
    X, y = multiclass_data
    strategy = {0: 110, 1: 60}
    expected = ImblearnSMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)[1]
    sampler.set_params(
        **{"oversampler__sampling_strategy" if hasattr(sampler, "oversampler") else "sampling_strategy": strategy}
    )
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == np.bincount(expected).tolist() == [110, 60, 30, 20]


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_balanced_input_comes_back_unchanged(name, n_classes):
    rng = np.random.default_rng(12)
    X = rng.normal(size=(30, 2))
    y = np.tile(np.arange(n_classes), 30 // n_classes)
    X_res, y_res = make_sampler(name, n_clusters=2).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_strategy_that_asks_nothing_returns_the_input(name, multiclass_data):
    """A dict asking for the present counts: nothing to generate, the input comes back."""
    X, y = multiclass_data
    counts = np.bincount(y)
    X_res, y_res = make_sampler(name, {1: int(counts[1]), 2: int(counts[2])}).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)


@pytest.mark.parametrize("n_clusters", [1, 2, 5, 12])
def test_exact_counts_for_many_cluster_counts(n_clusters, make_data):
    """Largest-remainder allocation: no over- or under-shoot, whatever the number of groups."""
    X, y = make_data([97, 41, 23], n_features=2, n_blobs=4, seed=n_clusters)
    sampler = KMeansSMOTE(kmeans_estimator=n_clusters, random_state=1, backend="numpy")
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [97, 97, 97]


def test_kmeans_estimator_as_fraction_of_rows(binary_data):
    X, y = binary_data
    sampler = KMeansSMOTE(kmeans_estimator=0.05, random_state=0, backend="numpy")
    _, y_res = sampler.fit_resample(X, y)
    assert sampler.clusterer_.n_clusters == round((len(y) - 1) * 0.05 + 1)
    assert np.bincount(y_res).tolist() == [90, 90]


def test_default_kmeans_estimator_has_eight_clusters(make_data):
    X, y = make_data([300, 80], seed=3)
    sampler = KMeansSMOTE(random_state=0, backend="numpy")
    _, y_res = sampler.fit_resample(X, y)
    assert sampler.clusterer_.n_clusters == 8
    assert len(np.unique(sampler.labels_)) == 8
    assert np.bincount(y_res).tolist() == [300, 300]


# ------------------------------------------------------- property tests
@st.composite
def imbalanced_problems(draw):
    """Small data: 2-4 classes (minority classes of 1 to 40 rows), maybe duplicated rows."""
    n_features = draw(st.integers(1, 4))
    minority = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
    majority = max(minority) + draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    duplicates = draw(st.sampled_from(["none", "some", "one class"]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    rng = np.random.default_rng(seed)
    counts = [majority, *minority]
    y = np.repeat(np.arange(len(counts)), counts)
    centres = rng.normal(scale=4.0, size=(3, n_features))
    X = centres[rng.integers(0, 3, size=len(y))] + rng.normal(size=(len(y), n_features))
    if duplicates == "some":
        X[rng.integers(0, len(y), size=len(y) // 3)] = X[0]
    elif duplicates == "one class":
        X[y == 1] = X[np.flatnonzero(y == 1)[0]]
    order = rng.permutation(len(y))
    return X[order].astype(dtype), y[order]


def segment_residuals(points, members):
    """For each point, its smallest distance to a segment [a, b] with a, b in ``members``."""
    a = members[:, None, None, :]
    d = members[None, :, None, :] - a  # (m, m, 1, f)
    x = points[None, None, :, :]  # (1, 1, s, f)
    length_sq = (d * d).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length_sq > 0, ((x - a) * d).sum(axis=-1) / length_sq, 0.0)
    t = np.clip(t, 0.0, 1.0)
    residual = np.sqrt((((a + t[..., None] * d) - x) ** 2).sum(axis=-1))  # (m, m, s)
    return residual.min(axis=(0, 1))


def assert_synthetic_rows_on_group_segments(X, y, labels, X_res, y_res, atol):
    """Every synthetic row is on a segment between two rows of one (cluster, class) group."""
    n = len(y)
    X_new, y_new = np.asarray(X_res)[n:], np.asarray(y_res)[n:]
    for label in np.unique(y_new):
        points = X_new[y_new == label].astype(np.float64)
        best = np.full(len(points), np.inf)
        for cluster in np.unique(labels[y == label]):
            members = np.asarray(X)[(y == label) & (labels == cluster)].astype(np.float64)
            best = np.minimum(best, segment_residuals(points, members))
        scale = 1.0 + np.abs(points).max(axis=1)
        assert (best <= atol * scale).all(), f"class {label}: rows off every segment, worst {best.max()}"


@PROPERTY_SETTINGS
@given(
    problem=imbalanced_problems(), name=st.sampled_from(ESTIMATORS), k=st.integers(1, 6), n_clusters=st.integers(1, 4)
)
def test_property_counts_segments_no_mutation(problem, name, k, n_clusters):
    X, y = problem
    X_copy, y_copy = X.copy(), y.copy()
    sampler = make_sampler(name, random_state=7, n_clusters=n_clusters, k_neighbors=k)
    X_res, y_res = sampler.fit_resample(X, y)
    # exact counts
    assert np.bincount(y_res).tolist() == [np.bincount(y).max()] * len(np.unique(y))
    # input untouched, originals first, nothing undefined
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert_originals_first(X, y, X_res, y_res)
    assert np.isfinite(X_res).all()
    assert X_res.dtype == X.dtype
    # every synthetic row on a segment of its own group
    assert sampler.labels_.shape == y.shape
    atol = 1e-9 if X.dtype == np.float64 else 1e-5
    assert_synthetic_rows_on_group_segments(X, y, sampler.labels_, X_res, y_res, atol=atol)


@PROPERTY_SETTINGS
@given(problem=imbalanced_problems(), name=st.sampled_from(ESTIMATORS), seed=st.integers(0, 2**32 - 1))
def test_property_same_seed_bit_identical(problem, name, seed):
    X, y = problem
    first = make_sampler(name, random_state=seed).fit_resample(X, y)
    second = make_sampler(name, random_state=seed).fit_resample(X, y)
    assert first[0].tobytes() == second[0].tobytes()
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_refit_same_instance_is_reproducible(name, multiclass_data):
    X, y = multiclass_data
    sampler = make_sampler(name, random_state=3)
    first = sampler.fit_resample(X, y)[0]
    assert sampler.fit_resample(X, y)[0].tobytes() == first.tobytes()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_different_seeds_give_different_rows(name, multiclass_data):
    X, y = multiclass_data
    n = len(y)
    a = make_sampler(name, random_state=0).fit_resample(X, y)[0][n:]
    b = make_sampler(name, random_state=1).fit_resample(X, y)[0][n:]
    assert a.shape == b.shape
    assert not np.array_equal(a, b)


def test_random_state_instance_is_accepted(binary_data):
    X, y = binary_data
    a = SMOTE(random_state=np.random.RandomState(5), backend="numpy").fit_resample(X, y)[0]
    b = SMOTE(random_state=np.random.RandomState(5), backend="numpy").fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)


def test_groups_draw_from_their_own_streams():
    """Two groups of the same shape must not receive the same gaps (the reference reuses one stream)."""
    rng = np.random.default_rng(0)
    block = rng.normal(size=(10, 2))
    X = np.concatenate([block, block + 100.0, rng.normal(size=(40, 2)) + 50.0])
    y = np.r_[np.ones(20, dtype=int), np.zeros(40, dtype=int)]
    labels = np.r_[np.zeros(10), np.ones(10), np.full(40, 2)].astype(int)
    sampler = ClusterOverSampler(
        SMOTE(k_neighbors=3), FixedClusters(labels), BaseDistributor(), random_state=0, backend="numpy"
    )
    X_res, _y_res = sampler.fit_resample(X, y)
    new = X_res[60:]
    in_first = new[new[:, 0] < 50]
    in_second = new[new[:, 0] > 50] - 100.0
    assert len(in_first) == len(in_second) == 10
    assert not np.allclose(np.sort(in_first, axis=0), np.sort(in_second, axis=0))


# ---------------------------------------------------- degenerate groups
@pytest.mark.parametrize("name", ESTIMATORS)
def test_single_row_class_is_duplicated(name, make_data):
    X, y = make_data([40, 1, 12], seed=4)
    X_res, y_res = make_sampler(name, random_state=0, n_clusters=2).fit_resample(X, y)
    single = X[y == 1][0]
    new_of_class_1 = X_res[len(y) :][y_res[len(y) :] == 1]
    assert len(new_of_class_1) == 39
    np.testing.assert_array_equal(new_of_class_1, np.tile(single, (39, 1)))


def test_single_row_groups_duplicate_their_row(make_data):
    X, y = make_data([50, 6], seed=5)
    labels = np.zeros(len(y), dtype=int)
    labels[y == 1] = np.arange(1, 7)  # each minority row alone in its cluster
    sampler = ClusterOverSampler(SMOTE(), FixedClusters(labels), random_state=0, backend="numpy")
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[len(y) :]
    assert len(new) == 44 and (y_res[len(y) :] == 1).all()
    minority = X[y == 1]
    assert all((row == minority).all(axis=1).any() for row in new)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_all_duplicate_group_gives_copies_not_nan(name, make_data):
    X, y = make_data([60, 15, 10], seed=6)
    X[y == 1] = [0.25, -3.0, 7.5]
    X_res, y_res = make_sampler(name, random_state=0, n_clusters=2).fit_resample(X, y)
    assert np.isfinite(X_res).all()
    new_of_class_1 = X_res[len(y) :][y_res[len(y) :] == 1]
    assert len(new_of_class_1) == 45
    np.testing.assert_array_equal(new_of_class_1, np.tile([0.25, -3.0, 7.5], (45, 1)))


# ----------------------------------------------------- types in, types out
@pytest.mark.parametrize("name", ESTIMATORS)
def test_float32_stays_float32(name, multiclass_data, backend):
    X, y = multiclass_data
    X32 = X.astype(np.float32)
    sampler = make_sampler(name, backend=backend)
    X_res, y_res = sampler.fit_resample(X32, y)
    assert X_res.dtype == np.float32
    assert_originals_first(X32, y, X_res, y_res)
    assert_synthetic_rows_on_group_segments(X32, y, sampler.labels_, X_res, y_res, atol=1e-5)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_integer_features_keep_their_dtype_like_imblearn(name, multiclass_data):
    X, y = multiclass_data
    X_int = np.round(X * 10).astype(np.int64)
    X_res, y_res = make_sampler(name).fit_resample(X_int, y)
    assert X_res.dtype == ImblearnSMOTE(random_state=0).fit_resample(X_int, y)[0].dtype
    assert_originals_first(X_int, y, X_res, y_res)
    for label in np.unique(y):
        new = X_res[len(y) :][y_res[len(y) :] == label]
        assert (new >= X_int[y == label].min(axis=0)).all() and (new <= X_int[y == label].max(axis=0)).all()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_pandas_in_pandas_out(name, multiclass_data):
    X, y = multiclass_data
    frame = pd.DataFrame(X, columns=["height", "width", "depth"])
    target = pd.Series(y, name="label")
    frame_copy, target_copy = frame.copy(), target.copy()
    X_res, y_res = make_sampler(name).fit_resample(frame, target)
    pd.testing.assert_frame_equal(frame, frame_copy)
    pd.testing.assert_series_equal(target, target_copy)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == ["height", "width", "depth"]
    assert y_res.name == "label"
    assert y_res.dtype == target.dtype
    assert (X_res.dtypes == frame.dtypes).all()
    np.testing.assert_array_equal(X_res.to_numpy()[: len(y)], X)
    assert y_res.value_counts().to_dict() == {0: 100, 1: 100, 2: 100, 3: 100}


def test_pandas_float32_frame_keeps_float32(multiclass_data):
    X, y = multiclass_data
    frame = pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c"])
    X_res, _ = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy").fit_resample(frame, pd.Series(y))
    assert X_res.dtypes.tolist() == [np.dtype(np.float32)] * 3


def test_lists_in_lists_out(binary_data):
    X, y = binary_data
    X_res, y_res = SMOTE(random_state=0, backend="numpy").fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_res, list) and isinstance(y_res, list)
    assert len(X_res) == len(y_res) == 180
    assert X_res[: len(y)] == X.tolist()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_numpy_string_class_labels(name, multiclass_data):
    X, y = multiclass_data
    names = np.array(["cat", "dog", "eel", "fox"])[y]
    sampler = make_sampler(name)
    _X_res, y_res = sampler.fit_resample(X, names)
    assert y_res.dtype.kind == "U"
    assert Counter(y_res.tolist()) == {"cat": 100, "dog": 100, "eel": 100, "fox": 100}
    assert dict(sampler.sampling_strategy_) == {"dog": 50, "eel": 70, "fox": 80}


def test_numpy_string_labels_same_rows_as_integer_labels(multiclass_data):
    X, y = multiclass_data
    names = np.array(["cat", "dog", "eel", "fox"])[y]
    from_codes = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy").fit_resample(X, y)
    from_names = KMeansSMOTE(kmeans_estimator=3, random_state=0, backend="numpy").fit_resample(X, names)
    np.testing.assert_array_equal(from_codes[0], from_names[0])
    np.testing.assert_array_equal(np.array(["cat", "dog", "eel", "fox"])[from_codes[1]], from_names[1])


@pytest.mark.parametrize("n_classes", [128, 129, 300], ids=["int8-codes", "int16-codes", "300-classes"])
def test_many_classes_keep_their_labels_and_counts(n_classes):
    """The output's label codes are held in the narrowest integers that hold every class:
    each class comes back with its own label and the requested count, either side of int8."""
    rng = np.random.default_rng(n_classes)
    sizes = np.r_[12, np.full(n_classes - 1, 4)]
    y = np.repeat(np.arange(n_classes) * 7 - 500, sizes)  # labels that are not the codes
    X = rng.normal(size=(len(y), 3)) + (y[:, None] % 11)
    _X_res, y_res = SMOTE(k_neighbors=2, random_state=0, backend="numpy").fit_resample(X, y)
    assert y_res.dtype == y.dtype
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert Counter(y_res.tolist()) == {int(label): 12 for label in np.unique(y)}


@pytest.mark.parametrize("kind", ["object array", "pandas Series"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_object_string_class_labels(name, kind, multiclass_data):
    X, y = multiclass_data
    names = np.array(["cat", "dog", "eel", "fox"], dtype=object)[y]
    labels = names if kind == "object array" else pd.Series(names.tolist(), name="animal")
    _X_res, y_res = make_sampler(name).fit_resample(X, labels)
    assert Counter(list(y_res)) == {"cat": 100, "dog": 100, "eel": 100, "fox": 100}
    if kind == "pandas Series":
        assert isinstance(y_res, pd.Series) and y_res.name == "animal"


# --------------------------------------------------- ClusterOverSampler mix
@pytest.mark.parametrize("strategy", ["auto", "minority", {1: 70}], ids=["auto", "minority", "dict"])
def test_no_clusterer_is_the_plain_over_sampler(strategy, multiclass_data):
    X, y = multiclass_data
    plain = SMOTE(sampling_strategy=strategy, random_state=4, backend="numpy").fit_resample(X, y)
    wrapped = ClusterOverSampler(SMOTE(sampling_strategy=strategy), random_state=4, backend="numpy")
    X_res, y_res = wrapped.fit_resample(X, y)
    assert Counter(y_res.tolist()) == Counter(plain[1].tolist())
    np.testing.assert_array_equal(X_res, plain[0])
    assert isinstance(wrapped.distributor_, BaseDistributor)
    assert (wrapped.labels_ == 0).all()


def test_no_clusterer_with_imblearn_smote_counts(multiclass_data):
    X, y = multiclass_data
    expected = ImblearnSMOTE(random_state=0).fit_resample(X, y)[1]
    _, y_res = ClusterOverSampler(ImblearnSMOTE(), random_state=0, backend="numpy").fit_resample(X, y)
    assert Counter(y_res.tolist()) == Counter(expected.tolist())


def _overlapping_binary():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(240, 3))
    y = (rng.random(240) < 0.3).astype(int)  # the classes overlap everywhere: every method finds neighbours
    return X, y


@pytest.mark.parametrize(
    "oversampler",
    [RandomOverSampler(), ImblearnSMOTE(k_neighbors=3), make_pipeline(StandardScaler(), ImblearnSMOTE())],
    ids=["RandomOverSampler", "SMOTE", "Pipeline"],
)
def test_imblearn_oversamplers_exact_counts(oversampler):
    X, y = _overlapping_binary()
    sampler = ClusterOverSampler(oversampler, KMeans(n_clusters=3, random_state=0), random_state=0, backend="numpy")
    X_res, y_res = sampler.fit_resample(X, y)
    counts = np.bincount(y)
    assert np.bincount(y_res).tolist() == [counts[0], counts[0]]
    X_space = StandardScaler().fit_transform(X) if hasattr(oversampler, "steps") else X
    np.testing.assert_allclose(X_res[: len(y)], X_space, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    labels = sampler.labels_
    atol = 1e-9
    assert_synthetic_rows_on_group_segments(X_space, y, labels, X_res, y_res, atol)


def test_imblearn_oversamplers_with_their_own_counts():
    """BorderlineSMOTE, SVMSMOTE and ADASYN decide their counts themselves: they must run, all of them."""
    X, y = _overlapping_binary()
    for oversampler in (BorderlineSMOTE(k_neighbors=3), SVMSMOTE(k_neighbors=3), ADASYN(n_neighbors=3)):
        sampler = ClusterOverSampler(oversampler, KMeans(n_clusters=3, random_state=0), random_state=0, backend="numpy")
        X_res, y_res = sampler.fit_resample(X, y)
        assert len(X_res) == len(y_res)
        assert_originals_first(X, y, X_res, y_res)
        assert np.isfinite(X_res).all()
        assert (y_res[len(y) :] == 1).all() and len(y_res) > len(y)


@pytest.mark.parametrize(
    "oversampler",
    [
        BorderlineSMOTE(k_neighbors=3),
        SVMSMOTE(k_neighbors=3),
        ADASYN(n_neighbors=3),
    ],
    ids=["BorderlineSMOTE", "SVMSMOTE", "ADASYN"],
)
def test_imblearn_oversamplers_with_their_own_counts_single_cluster(oversampler):
    X, y = _overlapping_binary()
    X_res, y_res = ClusterOverSampler(oversampler, random_state=0, backend="numpy").fit_resample(X, y)
    reference = oversampler.fit_resample(X, y)[1]
    assert len(y_res) == len(reference) == len(X_res)
    assert_originals_first(X, y, X_res, y_res)


@pytest.mark.parametrize(
    "clusterer",
    [
        SklearnKMeans(n_clusters=3, n_init=1, random_state=0),
        MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0),
        AgglomerativeClustering(n_clusters=3),
    ],
    ids=["KMeans", "MiniBatchKMeans", "AgglomerativeClustering"],
)
@pytest.mark.parametrize("oversampler", [SMOTE(), ImblearnSMOTE()], ids=["ours", "imblearn"])
def test_sklearn_clusterers(clusterer, oversampler, multiclass_data):
    X, y = multiclass_data
    sampler = ClusterOverSampler(oversampler, clusterer, random_state=0, backend="numpy")
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [100, 100, 100, 100]
    np.testing.assert_array_equal(sampler.labels_, sampler.clusterer_.labels_)
    assert type(sampler.clusterer_) is type(clusterer) and sampler.clusterer_ is not clusterer
    assert_synthetic_rows_on_group_segments(X, y, sampler.labels_, X_res, y_res, atol=1e-9)


def test_kmeans_smote_accepts_sklearn_estimator(multiclass_data):
    X, y = multiclass_data
    estimator = MiniBatchKMeans(n_clusters=4, n_init=1, random_state=0)
    sampler = KMeansSMOTE(kmeans_estimator=estimator, random_state=0, backend="numpy")
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [100, 100, 100, 100]
    assert not hasattr(estimator, "labels_"), "the given estimator must be cloned, not fitted"
    assert_synthetic_rows_on_group_segments(X, y, sampler.labels_, X_res, y_res, atol=1e-9)


def test_fitted_attributes(multiclass_data):
    X, y = multiclass_data
    sampler = ClusterOverSampler(
        SMOTE(), KMeans(n_clusters=3, random_state=0), DensityDistributor(), random_state=0, backend="numpy"
    )
    sampler.fit_resample(X, y)
    assert isinstance(sampler.oversampler_, SMOTE)
    assert isinstance(sampler.clusterer_, KMeans) and sampler.clusterer_.n_clusters == 3
    assert isinstance(sampler.distributor_, DensityDistributor)
    assert sampler.neighbors_ is None
    assert sampler.labels_.shape == y.shape and set(np.unique(sampler.labels_)) <= {0, 1, 2}
    assert list(sampler.sampling_strategy_) == [1, 2, 3]


def test_fit_then_sampling_strategy(multiclass_data):
    X, y = multiclass_data
    sampler = KMeansSMOTE(sampling_strategy="minority", kmeans_estimator=2, backend="numpy").fit(X, y)
    assert dict(sampler.sampling_strategy_) == {3: 80}


def test_warns_for_a_class_no_cluster_serves(make_data):
    """Class 2 only lives in clusters dominated by the majority: nothing can be generated for it."""
    X, y = make_data([60, 20, 4], seed=7)
    labels = np.where(y == 1, 1, 0)
    sampler = ClusterOverSampler(
        SMOTE(), FixedClusters(labels), DensityDistributor(filtering_threshold=1.0), random_state=0, backend="numpy"
    )
    with pytest.warns(UserWarning, match=r"No cluster passed the filter for class\(es\) \[2\]"):
        _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60, 4]
    assert dict(sampler.sampling_strategy_) == {1: 40, 2: 0}


def test_inter_cluster_rows_lie_between_neighbouring_groups(make_data):
    """With neighbours and distribution_ratio < 1, some rows join two neighbouring clusters' rows."""
    rng = np.random.default_rng(8)
    X = np.concatenate([rng.normal(size=(30, 2)) + [20.0 * k, 0.0] for k in range(3)])
    labels = np.repeat([0, 1, 2], 30)
    y = np.tile(np.r_[np.zeros(20, dtype=int), np.ones(10, dtype=int)], 3)

    class Neighbouring(FixedClusters):
        def fit(self, X, y=None):
            super().fit(X, y)
            self.neighbors_ = np.array([[0, 1], [1, 2]])
            return self

    sampler = ClusterOverSampler(
        SMOTE(), Neighbouring(labels), DensityDistributor(distribution_ratio=0.5), random_state=0, backend="numpy"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60]
    new = X_res[90:]
    between = (new[:, 0] > 5) & (new[:, 0] < 15) | (new[:, 0] > 25) & (new[:, 0] < 35)
    assert between.any(), "expected inter-cluster rows between the blobs"
    minority = X[y == 1]
    assert (segment_residuals(new, minority) <= 1e-9 * (1 + np.abs(new).max(axis=1))).all()


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_near_the_float_maximum_give_finite_rows_on_their_segments(name, dtype):
    """Between values of opposite signs beyond half the float range b - a overflows; the rows stay finite."""
    rng = np.random.default_rng(4)
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    X = (rng.uniform(-1, 1, size=(80, 2)) * np.finfo(dtype).max).astype(dtype)
    X_res, y_res = make_sampler(name).fit_resample(X, y)
    assert np.isfinite(X_res).all() and X_res.dtype == dtype
    assert_originals_first(X, y, X_res, y_res)
    new = X_res[80:]
    assert (new >= X[y == 1].min(axis=0)).all() and (new <= X[y == 1].max(axis=0)).all()


def test_foreign_oversampler_with_non_finite_rows_gets_a_clear_error():
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(80, 2)) * np.finfo(np.float64).max
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    sampler = ClusterOverSampler(ImblearnSMOTE(k_neighbors=3), KMeans(n_clusters=2, random_state=0), backend="numpy")
    with pytest.raises(ValueError, match=r"oversampler SMOTE returned synthetic rows with inf or NaN"):
        sampler.fit_resample(X, y)
