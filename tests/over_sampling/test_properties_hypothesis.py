"""Every sampler over random shapes, dtypes (integer and float extremes), label types, strategies and containers.

Whatever the input: the original rows come back exact and first, the counts are
those the strategy asks for (unless a warning says a class got none), the output
is finite, in the caller's container and dtype, and the input is left untouched.
"""

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from imblearn.utils import check_sampling_strategy
from sklearn.exceptions import FitFailedWarning

from gpu_clover import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE
from gpu_clover.cluster import KMeans

SAMPLERS = {
    "SMOTE": lambda **kw: SMOTE(k_neighbors=3, **kw),
    "GeometricSMOTE": lambda **kw: GeometricSMOTE(k_neighbors=3, truncation_factor=-0.5, **kw),
    "KMeansSMOTE": lambda **kw: KMeansSMOTE(k_neighbors=3, kmeans_estimator=2, **kw),
    "SOMO": lambda **kw: SOMO(k_neighbors=3, som_estimator=4, **kw),
    "GeometricSOMO": lambda **kw: GeometricSOMO(k_neighbors=3, som_estimator=4, **kw),
    "ClusterOverSampler": lambda sampling_strategy, **kw: ClusterOverSampler(
        SMOTE(sampling_strategy=sampling_strategy, k_neighbors=3), KMeans(n_clusters=2, random_state=0), **kw
    ),
}

# The kinds of X (see make_X): plain dtypes, and columns at the ends of their dtype's range.
I64, U64, F32 = np.iinfo(np.int64), np.iinfo(np.uint64), np.finfo(np.float32)
DTYPES = ["float64", "float32", "int64", "uint64", "int64 near 2**63", "int64 near -2**63", "uint64 near 2**64",
          "float32 near its max", "float64 near its max", "float64 near 1e300", "float16 near its max",
          "int8", "bool"]  # fmt: skip

PROPERTY_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def make_X(kind, n_rows, n_features, rng):
    """Rows of the dtype kind ``kind``: two loose blobs of small values, moved to the kind's range."""
    blobs = rng.normal(size=(n_rows, n_features)) * 3 + rng.integers(0, 2, size=(n_rows, 1)) * 8
    whole = np.round(blobs).astype(np.int64)
    if kind == "float64":
        return blobs
    if kind == "float32":
        return blobs.astype(np.float32)
    if kind == "int64":
        return whole
    if kind == "uint64":
        return (whole - whole.min()).astype(np.uint64)
    if kind == "int64 near 2**63":
        return I64.max - (whole - whole.min())
    if kind == "int64 near -2**63":
        return I64.min + (whole - whole.min())
    if kind == "uint64 near 2**64":
        return U64.max - (whole - whole.min()).astype(np.uint64)
    if kind == "float32 near its max":
        return (blobs / np.abs(blobs).max() * F32.max).astype(np.float32)
    if kind == "float64 near its max":
        return blobs / np.abs(blobs).max() * np.finfo(np.float64).max
    if kind == "float64 near 1e300":
        return blobs * 1e300
    if kind == "float16 near its max":
        return (blobs / np.abs(blobs).max() * np.finfo(np.float16).max).astype(np.float16)
    if kind == "int8":
        return np.clip(whole * 10, -128, 127).astype(np.int8)
    return whole > 2  # bool


@st.composite
def problems(draw):
    n_features = draw(st.integers(1, 4))
    majority = draw(st.integers(12, 40))
    minorities = draw(st.lists(st.integers(2, 11), min_size=1, max_size=2))
    counts = [majority, *minorities]
    string_labels = draw(st.booleans())
    labels = [f"class {i}" for i in range(len(counts))] if string_labels else [7, -1, 3][: len(counts)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = np.concatenate(
        [np.full(c, label, dtype=object if string_labels else np.int64) for c, label in zip(counts, labels)]
    )
    y = y[rng.permutation(len(y))]
    kind = draw(st.sampled_from(DTYPES))
    X = make_X(kind, len(y), n_features, rng)
    form = draw(st.sampled_from(["auto", "dict", "float"] if len(counts) == 2 else ["auto", "dict"]))
    if form == "auto":
        strategy = "auto"
    elif form == "dict":
        strategy = {label: c + draw(st.integers(0, majority)) for label, c in zip(labels[1:], minorities)}
    else:
        strategy = draw(st.floats(min_value=minorities[0] / majority, max_value=1.0))
    return X, y, kind, strategy, draw(st.booleans())


def counts_are_promised(caught):
    """False when a warning says that some class got fewer rows than asked."""
    return not any(
        issubclass(w.category, FitFailedWarning) or "no samples were generated" in str(w.message).lower()
        for w in caught
    )


@PROPERTY_SETTINGS
@given(problem=problems(), name=st.sampled_from(sorted(SAMPLERS)))
def test_every_sampler_keeps_its_promises(problem, name):
    X, y, _kind, strategy, as_frame = problem
    X_in = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]) if as_frame else X
    y_in = pd.Series(y, name="target") if as_frame else y
    X_before, y_before = X_in.copy(), y_in.copy()
    sampler = SAMPLERS[name](sampling_strategy=strategy, random_state=0, backend="numpy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            X_res, y_res = sampler.fit_resample(X_in, y_in)
        except ValueError as error:  # a clustering that leaves no group to sample from: documented
            assume("No samples were generated" not in str(error))
            raise

    if as_frame:  # same container, dtypes and names; input untouched
        pd.testing.assert_frame_equal(X_in, X_before)
        pd.testing.assert_series_equal(y_in, y_before)
        assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
        assert (X_res.dtypes == X_in.dtypes).all() and y_res.dtype == y_in.dtype and y_res.name == "target"
        pd.testing.assert_frame_equal(X_res.iloc[: len(y)], X_in)
        X_res, y_res = X_res.to_numpy(), y_res.to_numpy()
    else:
        np.testing.assert_array_equal(X_in, X_before)
        np.testing.assert_array_equal(y_in, y_before)
        assert isinstance(X_res, np.ndarray) and isinstance(y_res, np.ndarray)
        assert X_res.dtype == X.dtype and y_res.dtype == y.dtype
    np.testing.assert_array_equal(X_res[: len(y)], X)  # the original rows, exact and first
    np.testing.assert_array_equal(y_res[: len(y)], y)
    if X.dtype.kind == "f":
        assert np.isfinite(X_res).all()
    if counts_are_promised(caught):
        assert Counter(y_res.tolist()) == expected_counts(y, strategy)


def expected_counts(y, strategy):
    """Class counts after over-sampling: imbalanced-learn's reading of the strategy.

    A ratio that asks for no new row is accepted (no row made) where imbalanced-learn raises.
    """
    counts = Counter(y.tolist())
    if isinstance(strategy, float):
        n_max = max(counts.values())
        return Counter({label: max(n, int(n_max * strategy)) for label, n in counts.items()})
    for label, n in check_sampling_strategy(strategy, y, "over-sampling").items():
        counts[label] += n
    return counts
