"""Integer and boolean features: original rows exact, synthetic values clipped never wrapped, loss said aloud."""

import warnings

import numpy as np
import pandas as pd
import pytest

from gpu_clover import SMOTE, GeometricSMOTE, KMeansSMOTE
from gpu_clover._casting import cast_values, inexact_columns

I64, U64 = np.iinfo(np.int64), np.iinfo(np.uint64)


@pytest.mark.parametrize(
    "values, dtype, expected, clipped",
    [
        # float64 rounds 2**63 - 1 up to 2**63, which a plain astype wraps to -2**63
        ([2.0**63, -(2.0**63), 2.0**64, -1e300], np.int64, [I64.max, I64.min, I64.max, I64.min], [1, 0, 1, 1]),
        ([2.0**64, 2.0**63, -3.5, 1e300], np.uint64, [U64.max, 2**63, 0, U64.max], [1, 0, 1, 1]),
        ([3.7, -3.7, 127.9, 128.0, -129.0], np.int8, [3, -3, 127, 127, -128], [0, 0, 0, 1, 1]),
        ([300.0, -1.0, 65504.0], np.uint16, [300, 0, 65504], [0, 1, 0]),
    ],
)
def test_float_to_integer_truncates_in_range_and_clips_outside(values, dtype, expected, clipped):
    for source in (np.float64, np.float16) if dtype == np.uint16 else (np.float64,):
        out, outside = cast_values(np, np.array(values, dtype=source), dtype)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, np.array(expected, dtype=dtype))
        np.testing.assert_array_equal(outside, np.array(clipped, dtype=bool))


def test_integer_and_float_narrowing_clip():
    out, outside = cast_values(np, np.array([[U64.max, 5]], dtype=np.uint64), np.int64)
    np.testing.assert_array_equal(out, [[I64.max, 5]])
    np.testing.assert_array_equal(outside, [True, False])
    out, outside = cast_values(np, np.array([I64.min, 7]), np.uint8)
    np.testing.assert_array_equal(out, [0, 7])
    out, _ = cast_values(np, np.array([1e300, -1e300, 1.5]), np.float32)
    assert np.isfinite(out).all() and out[0] == np.finfo(np.float32).max
    out, _ = cast_values(np, np.array([0.0, 0.25, -2.0]), np.bool_)  # non-zero is True, as NumPy and imblearn
    np.testing.assert_array_equal(out, [False, True, True])


def test_inexact_columns_are_those_beyond_2_to_the_53():
    X = np.array([[2**53, 2**53 + 1, 0, 5], [-(2**53), 0, -(2**53) - 1, 6]])
    np.testing.assert_array_equal(inexact_columns(X), [False, True, True, False])
    assert not inexact_columns(X.astype(np.int32) // 2**30).any()


def extreme_integers(dtype, n=40, seed=0):
    """``n`` rows near the top of ``dtype`` (one column at its largest value), 3 to 1 imbalanced."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    X = np.empty((n, 3), dtype=dtype)
    X[:, 0] = info.max
    X[:, 1] = info.max - rng.integers(0, 5000, n).astype(dtype)
    X[:, 2] = rng.integers(0, 100, n).astype(dtype)
    return X, np.array([0] * (3 * n // 4) + [1] * (n - 3 * n // 4))


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
@pytest.mark.parametrize("make", [SMOTE, GeometricSMOTE, lambda **kw: KMeansSMOTE(kmeans_estimator=2, **kw)])
def test_extreme_64_bit_integers_come_back_exact_and_never_wrap(dtype, make):
    X, y = extreme_integers(dtype)
    X_copy = X.copy()
    with pytest.warns(UserWarning, match=r"column\(s\) 0, 1 hold integers beyond 2\*\*53") as caught:
        X_res, _ = make(random_state=0, backend="numpy").fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    assert X_res.dtype == dtype and len(X_res) == 2 * (y == 0).sum()
    np.testing.assert_array_equal(X_res[: len(X)], X)
    new = X_res[len(X) :]
    # 2**63 - 1 and 2**64 - 1 are no float64: interpolated they round up to the range's end, clipped back
    assert (new[:, 0] == np.iinfo(dtype).max).all()
    assert (new[:, 1] >= X[:, 1].min() - 2048).all()  # float64's spacing up there
    assert "2**53" in str(caught[0].message)


def test_ordinary_integers_warn_nothing_and_truncate_like_astype():
    X, y = extreme_integers(np.int32)
    X = X // 2**16
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_res, _ = SMOTE(random_state=0, backend="numpy").fit_resample(X, y)
        X_float, _ = SMOTE(random_state=0, backend="numpy").fit_resample(X.astype(np.float64), y)
    assert X_res.dtype == np.int32
    np.testing.assert_array_equal(X_res, X_float.astype(np.int32))


def test_geometric_smote_out_of_range_small_integers_are_clipped_with_a_warning():
    rng = np.random.default_rng(1)
    X = np.clip(rng.normal(120, 10, size=(60, 2)), -128, 127).astype(np.int8)
    y = np.array([0] * 45 + [1] * 15)
    # a truncation factor of -1 puts the whole hypersphere beyond the surface point
    sampler = GeometricSMOTE(random_state=0, truncation_factor=-1.0, deformation_factor=0.0, backend="numpy")
    with pytest.warns(UserWarning, match=r"fell outside the range of the column's dtype and were clipped"):
        X_res, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X_res[:60], X)
    assert X_res.dtype == np.int8 and (X_res[60:] >= 0).all()


def test_mixed_dtype_frame_keeps_each_column_exact():
    rng = np.random.default_rng(2)
    X, y = extreme_integers(np.int64)
    frame = pd.DataFrame(
        {
            "id": X[:, 0],
            "big": np.iinfo(np.uint64).max - X[:, 2].astype(np.uint64),
            "x": rng.normal(size=len(y)),
            "small": (X[:, 2] - 50).astype(np.int8),
        }
    )
    with pytest.warns(UserWarning, match=r"column\(s\) id, big hold integers beyond 2\*\*53"):
        X_res, _ = SMOTE(random_state=0, backend="numpy").fit_resample(frame, y)
    assert (X_res.dtypes == frame.dtypes).all()
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    assert (X_res["id"] == np.iinfo(np.int64).max).all()
    assert (X_res["big"] >= frame["big"].min() - 4096).all()


def test_nullable_columns_come_back_with_their_dtypes():
    rng = np.random.default_rng(3)
    y = pd.Series([0] * 30 + [1] * 10, name="t")
    frame = pd.DataFrame(
        {
            "n": pd.array(rng.integers(-5, 5, len(y)), dtype="Int64"),
            "f": pd.array(rng.normal(size=len(y)), dtype="Float64"),
            "b": pd.array(rng.random(len(y)) > 0.5, dtype="boolean"),
        }
    )
    X_res, _ = SMOTE(random_state=0, backend="numpy").fit_resample(frame, y)
    assert list(X_res.dtypes.astype(str)) == ["Int64", "Float64", "boolean"]
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    assert len(X_res) == 60 and not X_res.isna().any().any()


def test_nullable_column_with_missing_value_is_rejected_up_front():
    frame = pd.DataFrame({"n": pd.array([1, None, 3, 4, 5, 6], dtype="Int64")})
    with pytest.raises(ValueError, match="Input X contains NaN"):
        SMOTE(k_neighbors=1, backend="numpy").fit_resample(frame, [0, 0, 0, 0, 1, 1])


def test_pipeline_answers_in_its_own_space_with_the_frame_dtypes():
    """With a Pipeline as oversampler the rows are the transformer's, never the caller's originals."""
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from gpu_clover import ClusterOverSampler
    from gpu_clover.cluster import KMeans

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"n": rng.integers(0, 100, 80), "x": rng.normal(size=80)})
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    oversampler = make_pipeline(StandardScaler(), ImblearnSMOTE(k_neighbors=3))
    sampler = ClusterOverSampler(oversampler, KMeans(n_clusters=2, random_state=0), random_state=0, backend="numpy")
    X_res, _ = sampler.fit_resample(frame, y)
    assert (X_res.dtypes == frame.dtypes).all() and len(X_res) == 120
    scaled = StandardScaler().fit_transform(frame)
    np.testing.assert_allclose(X_res["x"].to_numpy()[:80], scaled[:, 1], rtol=1e-12)
    assert (np.abs(X_res["n"].to_numpy()[:80] - np.trunc(scaled[:, 0])) <= 1).all()  # scaled, not 0 .. 99
