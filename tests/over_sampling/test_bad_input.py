"""Bad input: a clear ValueError / TypeError (or warning) with a useful message, never a deep traceback.

scikit-learn's ``InvalidParameterError`` (bad constructor parameters) subclasses
both ValueError and TypeError.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import FitFailedWarning
from sklearn.utils._param_validation import InvalidParameterError

from gpu_clover import SMOTE, ClusterOverSampler, KMeansSMOTE
from gpu_clover.backends import cuda_available, get_backend
from gpu_clover.cluster import KMeans
from gpu_clover.distribution import DensityDistributor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3))
Y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
Y3 = np.r_[np.zeros(30, dtype=int), np.ones(20, dtype=int), np.full(10, 2)]
LABELS = np.arange(60) % 3


def kmeans_smote(**params):
    return KMeansSMOTE(**{"random_state": 0, "backend": "numpy", "kmeans_estimator": 3, **params})


def with_value(row, col, value):
    X_bad = X.copy()
    X_bad[row, col] = value
    return X_bad


def frame_with_text_column():
    frame = pd.DataFrame(X, columns=["height", "width", "depth"])
    frame["colour"] = ["red", "blue"] * 30
    return frame


# (id, call, expected exception, regex the message must match)
BAD_INPUTS = [
    # ---------------------------------------------------------------- X
    ("nan", lambda: kmeans_smote().fit_resample(with_value(3, 1, np.nan), Y), ValueError, r"Input X contains NaN"),
    ("inf", lambda: kmeans_smote().fit_resample(with_value(3, 1, np.inf), Y), ValueError, r"Input X contains infinity"),
    ("-inf", lambda: SMOTE(backend="numpy").fit_resample(with_value(0, 0, -np.inf), Y), ValueError, r"infinity"),
    (
        "empty X",
        lambda: kmeans_smote().fit_resample(np.empty((0, 3)), np.empty(0, dtype=int)),
        ValueError,
        r"0 sample\(s\)",
    ),
    # Empty and one-row data: scikit-learn's own words (check_array's), as its common checks expect.
    (
        "no features",
        lambda: SMOTE(backend="numpy").fit_resample(np.empty((60, 0)), Y),
        ValueError,
        r"^Found array with 0 feature\(s\) \(shape=\(60, 0\)\) while a minimum of 1 is required by SMOTE\.$",
    ),
    (
        "frame with no columns",
        lambda: SMOTE(backend="numpy").fit_resample(pd.DataFrame(index=range(60)), Y),
        ValueError,
        r"0 feature\(s\) \(shape=\(60, 0\)\) while a minimum of 1 is required",
    ),
    (
        "one row",
        lambda: kmeans_smote().fit(X[:1], Y[:1]),
        ValueError,
        r"^Found array with 1 sample\(s\) \(shape=\(1, 3\)\) while a minimum of 2 is required by KMeansSMOTE\.$",
    ),
    (
        "one row as a list",
        lambda: SMOTE(backend="numpy").fit_resample(X[:1].tolist(), [0]),
        ValueError,
        r"1 sample\(s\) \(shape=\(1, 3\)\) while a minimum of 2 is required",
    ),
    (
        "one row with a categorical column",
        lambda: SMOTE(backend="numpy").fit_resample(frame_with_text_column().iloc[:1], [0]),
        ValueError,
        r"1 sample\(s\) \(shape=\(1, 4\)\) while a minimum of 2 is required",
    ),
    (
        "None label in a Series",
        lambda: SMOTE(backend="numpy").fit_resample(X, pd.Series(["a"] * 45 + ["b"] * 14 + [None])),
        ValueError,
        r"1 row\(s\) with a missing label \(None or NaN\), at position\(s\) 59",
    ),
    (
        "None label in a list",
        lambda: SMOTE(backend="numpy").fit_resample(X, ["a"] * 44 + [None] + ["b"] * 15),
        ValueError,
        r"missing label .* at position\(s\) 44;",
    ),
    (
        "length mismatch",
        lambda: kmeans_smote().fit_resample(X, Y[:-1]),
        ValueError,
        r"inconsistent numbers of samples: \[60, 59\]",
    ),
    ("1-D X", lambda: kmeans_smote().fit_resample(X[:, 0], Y), ValueError, r"Expected 2D array, got 1D array"),
    ("3-D X", lambda: kmeans_smote().fit_resample(X[:, :, None], Y), ValueError, r"dim 3"),
    ("X None", lambda: SMOTE(backend="numpy").fit_resample(None, Y), ValueError, r"Expected 2D array"),
    (
        "object strings, no categorical columns",
        lambda: (
            kmeans_smote()
            .set_params(categorical_features=None)
            .fit_resample(np.array([["a", "b", "c"]] * 60, dtype=object), Y)
        ),
        TypeError,
        r"X must contain numbers only.*'a'",
    ),
    (
        "unicode array, no categorical columns",
        lambda: kmeans_smote().set_params(categorical_features=None).fit_resample(np.array([["a", "b", "c"]] * 60), Y),
        TypeError,
        r"X must contain numbers.*<U1",
    ),
    (
        "list of strings, no categorical columns",
        lambda: SMOTE(backend="numpy", categorical_features=None).fit_resample([["x", "y"]] * 60, Y),
        TypeError,
        r"X must contain numbers",
    ),
    (
        "frame text column, no categorical columns",
        lambda: kmeans_smote().set_params(categorical_features=None).fit_resample(frame_with_text_column(), Y),
        TypeError,
        r"non-numeric feature columns: colour\b.*categorical_features",
    ),
    (
        "frame category column, no categorical columns",
        lambda: SMOTE(backend="numpy", categorical_features=None).fit_resample(
            pd.DataFrame({"a": X[:, 0], "kind": pd.Categorical(["u"] * 60)}), Y
        ),
        TypeError,
        r"non-numeric feature columns: kind",
    ),
    ("complex X", lambda: SMOTE(backend="numpy").fit_resample(X.astype(complex), Y), ValueError, r"Complex data"),
    (
        "scipy sparse",
        lambda: kmeans_smote().fit_resample(sp.csr_matrix(X), Y),
        TypeError,
        r"does not accept sparse matrices.*toarray",
    ),
    ("scipy sparse coo", lambda: SMOTE(backend="numpy").fit_resample(sp.coo_array(X), Y), TypeError, r"sparse"),
    (
        "pandas sparse",
        lambda: SMOTE(backend="numpy").fit_resample(
            pd.DataFrame({"a": pd.arrays.SparseArray(X[:, 0]), "b": X[:, 1]}), Y
        ),
        TypeError,
        r"sparse",
    ),
    # ---------------------------------------------------------------- y
    (
        "one class",
        lambda: kmeans_smote().fit_resample(X, np.zeros(60, dtype=int)),
        ValueError,
        r"more than 1 class\. Got 1 class",
    ),
    (
        "continuous y",
        lambda: kmeans_smote().fit_resample(X, RNG.normal(size=60)),
        ValueError,
        r"Unknown label type: continuous",
    ),
    (
        "nan in y",
        lambda: SMOTE(backend="numpy").fit_resample(X, np.where(Y == 1, 1.0, np.nan)),
        ValueError,
        r"Input y contains NaN",
    ),
    ("y None", lambda: SMOTE(backend="numpy").fit_resample(X, None), ValueError, r"got None"),
    ("multi-label y", lambda: kmeans_smote().fit_resample(X, np.c_[Y, Y]), ValueError, r"one-hot encoded"),
    ("multi-output y", lambda: kmeans_smote().fit_resample(X, np.c_[Y3, Y3]), ValueError, r"y should be a 1d array"),
    # ------------------------------------------------- sampling_strategy
    (
        "dict unknown class",
        lambda: kmeans_smote(sampling_strategy={5: 100}).fit_resample(X, Y),
        ValueError,
        r"\[5\] target class is/are not present",
    ),
    (
        "dict fewer rows",
        lambda: kmeans_smote(sampling_strategy={1: 10}).fit_resample(X, Y),
        ValueError,
        r"sampling_strategy asks for 10 samples of class 1, which has 15 already: .*at least 15\.",
    ),
    (
        "dict float count",
        lambda: kmeans_smote(sampling_strategy={1: 50.5}).fit_resample(X, Y),
        TypeError,
        r"sampling_strategy\[1\] must be an integer",
    ),
    (
        "float on multiclass",
        lambda: kmeans_smote(sampling_strategy=0.5).fit_resample(X, Y3),
        ValueError,
        r"float only when the type of target is binary",
    ),
    (
        "float removes rows",
        lambda: kmeans_smote(sampling_strategy=0.1).fit_resample(X, Y),
        ValueError,
        r"remove samples from the minority class",
    ),
    (
        "float zero",
        lambda: kmeans_smote(sampling_strategy=0.0).fit_resample(X, Y),
        InvalidParameterError,
        r"'sampling_strategy' parameter of KMeansSMOTE",
    ),
    (
        "float above one",
        lambda: SMOTE(sampling_strategy=1.5, backend="numpy").fit_resample(X, Y),
        InvalidParameterError,
        r"'sampling_strategy' parameter of SMOTE",
    ),
    (
        "unknown string",
        lambda: kmeans_smote(sampling_strategy="most").fit_resample(X, Y),
        InvalidParameterError,
        r"'sampling_strategy'.*Got 'most'",
    ),
    (
        "list strategy",
        lambda: kmeans_smote(sampling_strategy=[1, 2]).fit_resample(X, Y),
        InvalidParameterError,
        r"'sampling_strategy'",
    ),
    (
        "callable not dict",
        lambda: kmeans_smote(sampling_strategy=lambda y: 5).fit_resample(X, Y),
        TypeError,
        r"callable returning a dict; got int",
    ),
    # ------------------------------------------------------ KMeansSMOTE
    (
        "kmeans_estimator > n_samples",
        lambda: kmeans_smote(kmeans_estimator=100).fit_resample(X, Y),
        ValueError,
        r"100 clusters but X has only 60 rows",
    ),
    (
        "k_neighbors 0",
        lambda: kmeans_smote(k_neighbors=0).fit_resample(X, Y),
        InvalidParameterError,
        r"'k_neighbors' parameter of KMeansSMOTE must be an int in the range \[1, inf\) or an object implementing 'kneighbors'\. Got 0",
    ),
    (
        "k_neighbors -1",
        lambda: kmeans_smote(k_neighbors=-1).fit_resample(X, Y),
        InvalidParameterError,
        r"'k_neighbors'.*Got -1",
    ),
    (
        "k_neighbors float",
        lambda: kmeans_smote(k_neighbors=2.5).fit_resample(X, Y),
        InvalidParameterError,
        r"'k_neighbors'.*Got 2.5",
    ),
    (
        "smote k_neighbors 0",
        lambda: SMOTE(k_neighbors=0, backend="numpy").fit_resample(X, Y),
        InvalidParameterError,
        r"'k_neighbors' parameter of SMOTE",
    ),
    (
        "kmeans_estimator string",
        lambda: kmeans_smote(kmeans_estimator="kmeans").fit_resample(X, Y),
        InvalidParameterError,
        r"'kmeans_estimator'.*Got 'kmeans'",
    ),
    (
        "kmeans_estimator 0",
        lambda: kmeans_smote(kmeans_estimator=0).fit_resample(X, Y),
        InvalidParameterError,
        r"'kmeans_estimator'.*Got 0 ",
    ),
    (
        "kmeans_estimator -0.5",
        lambda: kmeans_smote(kmeans_estimator=-0.5).fit_resample(X, Y),
        InvalidParameterError,
        r"'kmeans_estimator'.*float in the range \[0.0, 1.0\].*Got -0.5",
    ),
    (
        "kmeans_estimator 1.5",
        lambda: kmeans_smote(kmeans_estimator=1.5).fit_resample(X, Y),
        InvalidParameterError,
        r"'kmeans_estimator'.*Got 1.5",
    ),
    (
        "kmeans_estimator negative",
        lambda: kmeans_smote(kmeans_estimator=-2).fit_resample(X, Y),
        InvalidParameterError,
        r"'kmeans_estimator'.*Got -2",
    ),
    (
        "kmeans_estimator no fit",
        lambda: kmeans_smote(kmeans_estimator=object()).fit_resample(X, Y),
        InvalidParameterError,
        r"'kmeans_estimator'.*implementing 'fit'",
    ),
    (
        "distances_exponent negative",
        lambda: kmeans_smote(distances_exponent=-1).fit_resample(X, Y),
        InvalidParameterError,
        r"'distances_exponent'.*Got -1",
    ),
    (
        "distances_exponent string",
        lambda: kmeans_smote(distances_exponent="max").fit_resample(X, Y),
        InvalidParameterError,
        r"'distances_exponent'.*Got 'max'",
    ),
    (
        "imbalance_ratio_threshold negative",
        lambda: kmeans_smote(imbalance_ratio_threshold=-0.5).fit_resample(X, Y),
        InvalidParameterError,
        r"'imbalance_ratio_threshold'.*Got -0.5",
    ),
    (
        "imbalance_ratio_threshold string",
        lambda: kmeans_smote(imbalance_ratio_threshold="foo").fit_resample(X, Y),
        InvalidParameterError,
        r"'imbalance_ratio_threshold'.*'auto'.*Got 'foo'",
    ),
    (
        "backend tpu",
        lambda: kmeans_smote(backend="tpu").fit_resample(X, Y),
        InvalidParameterError,
        r"'backend' parameter of KMeansSMOTE.*Got 'tpu'",
    ),
    (
        "random_state string",
        lambda: kmeans_smote(random_state="x").fit_resample(X, Y),
        InvalidParameterError,
        r"'random_state'.*Got 'x'",
    ),
    (
        "raise_error string",
        lambda: kmeans_smote(raise_error="yes").fit_resample(X, Y),
        InvalidParameterError,
        r"'raise_error'.*Got 'yes'",
    ),
    (
        "nothing passes the filter",
        lambda: kmeans_smote(imbalance_ratio_threshold=0.0).fit_resample(X, Y),
        ValueError,
        r"No samples were generated: .*filtering threshold 0;.*larger imbalance_ratio_threshold",
    ),
    # ------------------------------------------------ ClusterOverSampler
    (
        "oversampler None",
        lambda: ClusterOverSampler(None).fit_resample(X, Y),
        InvalidParameterError,
        r"'oversampler'.*implementing 'fit_resample'.*Got None",
    ),
    (
        "oversampler string",
        lambda: ClusterOverSampler("smote").fit_resample(X, Y),
        InvalidParameterError,
        r"'oversampler'.*Got 'smote'",
    ),
    (
        "clusterer string",
        lambda: ClusterOverSampler(SMOTE(), clusterer="kmeans").fit_resample(X, Y),
        InvalidParameterError,
        r"'clusterer'.*implementing 'fit'",
    ),
    (
        "distributor string",
        lambda: ClusterOverSampler(SMOTE(), KMeans(2), distributor="density").fit_resample(X, Y),
        InvalidParameterError,
        r"'distributor'",
    ),
    (
        "distributor without clusterer",
        lambda: ClusterOverSampler(SMOTE(), distributor=DensityDistributor()).fit_resample(X, Y),
        ValueError,
        r"Distributor was found but clusterer is set to `None`",
    ),
    (
        "n_clusters > n_samples",
        lambda: ClusterOverSampler(SMOTE(), KMeans(n_clusters=100), backend="numpy").fit_resample(X, Y),
        ValueError,
        r"n_samples=60 should be >= n_clusters=100",
    ),
    (
        "ratio below one without neighbours",
        lambda: ClusterOverSampler(
            SMOTE(), KMeans(3, random_state=0), DensityDistributor(distribution_ratio=0.5), backend="numpy"
        ).fit_resample(X, Y),
        ValueError,
        r"`distribution_ratio` should be equal to 1.0, when `neighbors` parameter is `None`",
    ),
    (
        "cluster backend tpu",
        lambda: ClusterOverSampler(SMOTE(), backend="tpu").fit_resample(X, Y),
        InvalidParameterError,
        r"'backend'.*Got 'tpu'",
    ),
    # ---------------------------------------------------- DensityDistributor
    (
        "filtering_threshold negative",
        lambda: DensityDistributor(filtering_threshold=-1).fit(X, Y, LABELS),
        InvalidParameterError,
        r"'filtering_threshold' parameter of DensityDistributor.*\[0.0, inf\].*Got -1",
    ),
    (
        "filtering_threshold string",
        lambda: DensityDistributor(filtering_threshold="x").fit(X, Y, LABELS),
        InvalidParameterError,
        r"'filtering_threshold' parameter of DensityDistributor.*'auto'.*Got 'x'",
    ),
    (
        "distributor distances_exponent negative",
        lambda: DensityDistributor(distances_exponent=-2.0).fit(X, Y, LABELS),
        InvalidParameterError,
        r"'distances_exponent' parameter of DensityDistributor.*Got -2.0",
    ),
    (
        "distribution_ratio above one",
        lambda: DensityDistributor(distribution_ratio=1.5).fit(X, Y, LABELS),
        InvalidParameterError,
        r"'distribution_ratio' parameter of DensityDistributor.*\[0.0, 1.0\].*Got 1.5",
    ),
    (
        "distribution_ratio negative",
        lambda: DensityDistributor(distribution_ratio=-0.1).fit(X, Y, LABELS),
        InvalidParameterError,
        r"'distribution_ratio'.*Got -0.1",
    ),
    (
        "distribution_ratio string",
        lambda: DensityDistributor(distribution_ratio="half").fit(X, Y, LABELS),
        InvalidParameterError,
        r"'distribution_ratio'.*Got 'half'",
    ),
    (
        "distribution_ratio without neighbours",
        lambda: DensityDistributor(distribution_ratio=0.5).fit(X, Y, LABELS),
        ValueError,
        r"`distribution_ratio` should be equal to 1.0, when `neighbors` parameter is `None`",
    ),
    (
        "sparsity_based string",
        lambda: DensityDistributor(sparsity_based="yes").fit(X, Y, LABELS),
        InvalidParameterError,
        r"'sparsity_based' parameter of DensityDistributor must be an instance of 'bool'.*Got 'yes'",
    ),
    (
        "labels length",
        lambda: DensityDistributor().fit(X, Y, np.zeros(5)),
        ValueError,
        r"Number of labels should be equal to the number of samples. Got 5 and 60",
    ),
    (
        "distributor y length",
        lambda: DensityDistributor().fit(X, Y[:50], LABELS),
        ValueError,
        r"different numbers of rows: 60 and 50",
    ),
    (
        "neighbours unknown label",
        lambda: DensityDistributor(distribution_ratio=0.5).fit(X, Y, LABELS, neighbors=[(0, 7)]),
        ValueError,
        r"`neighbors_` contains unknown labels",
    ),
    (
        "neighbours shape",
        lambda: DensityDistributor(distribution_ratio=0.5).fit(X, Y, LABELS, neighbors=[(0, 1, 2)]),
        ValueError,
        r"neighbors must have shape \(n_pairs, 2\); got \(1, 3\)",
    ),
    (
        "neighbours repeated",
        lambda: DensityDistributor(distribution_ratio=0.5).fit(X, Y, LABELS, neighbors=[(0, 1), (1, 0)]),
        ValueError,
        r"`neighbors_` attribute are not unique",
    ),
    # ------------------------------------------------------------ KMeans
    (
        "KMeans n_clusters 0",
        lambda: KMeans(n_clusters=0).fit(X),
        InvalidParameterError,
        r"'n_clusters' parameter of KMeans must be an int in the range \[1, inf\)",
    ),
    (
        "KMeans n_clusters > n_samples",
        lambda: KMeans(n_clusters=61, backend="numpy").fit(X),
        ValueError,
        r"n_samples=60 should be >= n_clusters=61",
    ),
    ("KMeans init string", lambda: KMeans(init="farthest").fit(X), InvalidParameterError, r"'init'.*'farthest'"),
    (
        "KMeans init shape",
        lambda: KMeans(n_clusters=3, init=np.zeros((2, 3)), backend="numpy").fit(X),
        ValueError,
        r"init has shape \(2, 3\); expected \(3, 3\)",
    ),
    ("KMeans n_init 0", lambda: KMeans(n_init=0).fit(X), InvalidParameterError, r"'n_init'"),
    ("KMeans max_iter 0", lambda: KMeans(max_iter=0).fit(X), InvalidParameterError, r"'max_iter'"),
    ("KMeans tol negative", lambda: KMeans(tol=-1.0).fit(X), InvalidParameterError, r"'tol'"),
    ("KMeans backend", lambda: KMeans(backend="tpu").fit(X), InvalidParameterError, r"'backend'.*'tpu'"),
    ("KMeans fit_sample_size 0", lambda: KMeans(fit_sample_size=0).fit(X), InvalidParameterError, r"'fit_sample_size'"),
    (
        "KMeans predict features",
        lambda: KMeans(n_clusters=2, backend="numpy").fit(X).predict(X[:, :2]),
        ValueError,
        r"X has 2 features, but KMeans is expecting 3 features",
    ),
    ("KMeans sparse", lambda: KMeans(n_clusters=2, backend="numpy").fit(sp.csr_matrix(X)), TypeError, r"[Ss]parse"),
    (
        "KMeans nan",
        lambda: KMeans(n_clusters=2, backend="numpy").fit(with_value(0, 0, np.nan)),
        ValueError,
        r"Input X contains NaN",
    ),
    ("get_backend unknown", lambda: get_backend("tpu"), ValueError, r"backend must be one of .*'tpu'"),
]


@pytest.mark.parametrize("call, error, match", [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS])
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match) as info:
        call()
    # The error is raised by our validation or scikit-learn's, not from deep inside NumPy.
    assert not info.traceback[-1].path.as_posix().split("site-packages/")[-1].startswith("numpy/")


def test_there_are_at_least_thirty_distinct_bad_inputs():
    assert len({case[0] for case in BAD_INPUTS}) == len(BAD_INPUTS) >= 30


@pytest.mark.skipif(cuda_available(), reason="backend='cupy' is valid where a CUDA device is present")
def test_cupy_backend_without_gpu():
    with pytest.raises(ValueError, match=r"backend='cupy' needs CuPy and a CUDA device.*backend='numpy'"):
        SMOTE(backend="cupy").fit_resample(X, Y)


def test_raise_error_false_warns_and_returns_the_input():
    X_copy, Y_copy = X.copy(), Y.copy()
    sampler = kmeans_smote(imbalance_ratio_threshold=0.0, raise_error=False)
    with pytest.warns(FitFailedWarning, match=r"No samples were generated"):
        X_res, y_res = sampler.fit_resample(X, Y)
    np.testing.assert_array_equal(X_res, X_copy)
    np.testing.assert_array_equal(y_res, Y_copy)
    np.testing.assert_array_equal(X, X_copy)
    assert dict(sampler.sampling_strategy_) == {1: 0}


def test_raise_error_false_on_cluster_over_sampler_returns_pandas():
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    sampler = ClusterOverSampler(
        SMOTE(),
        KMeans(3, random_state=0),
        DensityDistributor(filtering_threshold=0.0),
        raise_error=False,
        random_state=0,
        backend="numpy",
    )
    with pytest.warns(FitFailedWarning, match=r"No samples were generated"):
        X_res, y_res = sampler.fit_resample(frame, pd.Series(Y, name="y"))
    pd.testing.assert_frame_equal(X_res, frame)
    assert y_res.name == "y" and (y_res.to_numpy() == Y).all()


@pytest.mark.parametrize("labels", [np.where(Y == 1, "yes", "no"), np.where(Y == 1, 7, -3)], ids=["strings", "ints"])
def test_unusual_class_labels_work(labels):
    _X_res, y_res = kmeans_smote().fit_resample(X, labels)
    assert sorted(np.unique(y_res, return_counts=True)[1].tolist()) == [45, 45]
    assert set(np.unique(y_res).tolist()) == set(np.unique(labels).tolist())


def test_one_hot_y_comes_back_one_hot():
    one_hot = np.eye(3, dtype=int)[Y3]
    _X_res, y_res = SMOTE(random_state=0, backend="numpy").fit_resample(X, one_hot)
    assert y_res.shape == (90, 3)
    assert y_res.sum(axis=0).tolist() == [30, 30, 30]
    np.testing.assert_array_equal(y_res[:60], one_hot)


def test_boolean_feature_column():
    """A pandas bool column is categorical under "auto" (never interpolated) and numeric without
    categorical columns (its synthetic values cast back to bool, without a warning)."""
    frame = pd.DataFrame({"a": X[:, 0], "flag": X[:, 1] > 0})
    for spec in ("auto", None):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            X_res, _ = SMOTE(random_state=0, backend="numpy", categorical_features=spec).fit_resample(frame, Y)
        assert list(X_res.columns) == ["a", "flag"] and len(X_res) == 90 and X_res["flag"].dtype == bool


def test_messages_name_the_estimator():
    """Parameter errors name the class the user built, so the message points at the right place."""
    for sampler, name in ((kmeans_smote(k_neighbors=0), "KMeansSMOTE"), (SMOTE(k_neighbors=0), "SMOTE")):
        with pytest.raises(InvalidParameterError, match=re.escape(f"parameter of {name} ")):
            sampler.fit_resample(X, Y)
