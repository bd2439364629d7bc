"""Native GeometricSMOTE: rows inside the truncated, deformed region; exact counts; reproducible; both backends."""

import numpy as np
import pytest
from imblearn_extra.gsmote.geometric_smote import make_geometric_sample
from scipy.stats import ks_2samp
from sklearn.neighbors import NearestNeighbors

from gpu_clover import ClusterOverSampler, GeometricSMOTE
from gpu_clover.backends import get_backend
from gpu_clover.cluster import KMeans
from gpu_clover.over_sampling._geometry import geometric_rows, segmented_nearest, uniform_draws


def to_numpy(a):
    return a.get() if hasattr(a, "get") else np.asarray(a)


def in_region(x, centers, surfaces, truncation, deformation, tol=1e-6):
    """``(len(x), len(centers))``: whether each row lies in the G-SMOTE region of each (center, surface)."""
    axis = surfaces - centers
    radius = np.linalg.norm(axis, axis=1)
    unit = axis / np.where(radius > 0, radius, 1)[:, None]
    rel = (x[:, None, :] - centers[None]) / np.where(radius > 0, radius, 1)[None, :, None]
    along = (rel * unit[None]).sum(-1)
    perp = np.linalg.norm(rel - along[..., None] * unit[None], axis=-1)
    if deformation < 1:
        inside = along**2 + (perp / (1 - deformation)) ** 2 <= 1 + tol
    else:
        inside = (perp <= tol) & (np.abs(along) <= 1 + tol)
    if truncation > 0:
        inside &= along >= truncation - 1 - tol
    elif truncation < 0:
        inside &= along <= truncation + 1 + tol
    same = np.linalg.norm(x[:, None, :] - centers[None], axis=-1) <= tol
    return np.where(radius[None] > 0, inside, same)


@pytest.mark.parametrize("truncation, deformation", [(1.0, 0.0), (0.5, 0.3), (0.0, 0.0), (-0.6, 0.8), (-1.0, 1.0)])
def test_kernel_points_lie_in_the_region(truncation, deformation, backend):
    bk = get_backend(backend)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    centers, surfaces = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    uniforms = rng.random((500, uniform_draws(4)))
    out = bk.xp.empty((500, 4))
    geometric_rows(
        bk, bk.asarray(X), bk.asarray(centers), bk.asarray(surfaces), bk.asarray(uniforms), truncation, deformation, out
    )
    region = in_region(to_numpy(out), X[centers], X[surfaces], truncation, deformation)
    assert np.diagonal(region).all()


@pytest.mark.parametrize("truncation, deformation", [(1.0, 0.0), (0.4, 0.5), (-0.5, 0.2)])
def test_kernel_distribution_matches_reference(truncation, deformation):
    """Same law as the reference's make_geometric_sample: position along the axis, distance to the axis."""
    rng = np.random.default_rng(1)
    n, d = 3000, 3
    center, surface = np.zeros(d), np.array([2.0, 0.0, 0.0])
    bk = get_backend("numpy")
    X = np.stack([center, surface])
    ours = geometric_rows(
        bk,
        X,
        np.zeros(n, int),
        np.ones(n, int),
        rng.random((n, uniform_draws(d))),
        truncation,
        deformation,
        np.empty((n, d)),
    )
    state = np.random.RandomState(2)
    theirs = np.stack([make_geometric_sample(center, surface, truncation, deformation, state) for _ in range(n)])
    assert ks_2samp(ours[:, 0], theirs[:, 0]).pvalue > 1e-3
    assert ks_2samp(np.linalg.norm(ours[:, 1:], axis=1), np.linalg.norm(theirs[:, 1:], axis=1)).pvalue > 1e-3


def test_segmented_nearest_matches_brute_force():
    bk = get_backend("numpy")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9000, 3))
    rows = rng.permutation(9000)
    # items of every size class: tiny, bucketed, and one past the largest bucket (tiled path)
    q_lengths = np.array([1, 3, 17, 0, 40, 2100, 5])
    r_lengths = np.array([2, 1, 300, 4, 0, 2500, 3000])
    q_offsets = np.concatenate([[0], np.cumsum(q_lengths)[:-1]])
    r_offsets = rng.integers(0, 9000 - 3000, len(r_lengths))
    nearest, sq = segmented_nearest(bk, X, rows, q_offsets, q_lengths, rows, r_offsets, r_lengths)
    at = 0
    for qo, ql, ro, rl in zip(q_offsets, q_lengths, r_offsets, r_lengths):
        queries, refs = rows[qo : qo + ql], rows[ro : ro + rl]
        if rl == 0:
            assert (nearest[at : at + ql] == -1).all()
        elif ql:
            d = ((X[queries][:, None] - X[refs][None]) ** 2).sum(-1)
            np.testing.assert_allclose(sq[at : at + ql], d.min(1), atol=1e-9)
            np.testing.assert_allclose(((X[queries] - X[nearest[at : at + ql]]) ** 2).sum(-1), d.min(1), atol=1e-9)
        at += ql


def candidates(X, y, minority, strategy, k):
    """The (center, surface) pairs a standalone G-SMOTE row may come from."""
    pos, neg = X[y == minority], X[y != minority]
    pairs = []
    nn_pos = NearestNeighbors(n_neighbors=k + 1).fit(pos).kneighbors(pos)[1][:, 1:]
    nn_neg = NearestNeighbors(n_neighbors=1).fit(neg).kneighbors(pos)[1][:, 0]
    for i in range(len(pos)):
        for j in nn_pos[i]:
            if strategy == "minority":
                pairs.append((pos[i], pos[j]))
            elif strategy == "combined":
                closer = np.linalg.norm(pos[i] - pos[j]) > np.linalg.norm(pos[i] - neg[nn_neg[i]])
                pairs.append((pos[i], neg[nn_neg[i]] if closer else pos[j]))
        if strategy == "majority":
            pairs.append((pos[i], neg[nn_neg[i]]))
    return np.array([c for c, _ in pairs]), np.array([s for _, s in pairs])


@pytest.mark.parametrize("strategy", ["combined", "majority", "minority"])
def test_standalone_rows_in_their_region_and_counts_exact(strategy, binary_data, backend):
    X, y = binary_data
    sampler = GeometricSMOTE(
        random_state=0,
        k_neighbors=3,
        truncation_factor=0.3,
        deformation_factor=0.4,
        selection_strategy=strategy,
        backend=backend,
    )
    X_res, y_res = sampler.fit_resample(X, y)
    X_res, y_res = to_numpy(X_res), to_numpy(y_res)
    assert np.bincount(y_res).tolist() == [90, 90]
    np.testing.assert_array_equal(X_res[: len(X)], X)
    centers, surfaces = candidates(X, y, 1, strategy, 3)
    assert in_region(X_res[len(X) :], centers, surfaces, 0.3, 0.4).any(axis=1).all()


def test_multiclass_majority_rows_are_all_other_classes(multiclass_data):
    X, y = multiclass_data
    X_res, y_res = GeometricSMOTE(random_state=1, selection_strategy="majority", backend="numpy").fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [100] * 4
    for label in (1, 2, 3):
        centers, surfaces = candidates(X, y, label, "majority", 1)
        new = X_res[len(X) :][y_res[len(X) :] == label]
        assert in_region(new, centers, surfaces, 1.0, 0.0).any(axis=1).all()


def test_inside_cluster_oversampler_uses_the_cluster_majority_rows(make_data):
    X, y = make_data([300, 60], n_features=2, n_blobs=3, seed=4)
    sampler = ClusterOverSampler(
        GeometricSMOTE(selection_strategy="majority", truncation_factor=0.0, backend="numpy"),
        KMeans(n_clusters=3, random_state=0, backend="numpy"),
        random_state=0,
        backend="numpy",
    )
    X_res, _ = sampler.fit_resample(X, y)
    labels = sampler.labels_
    new = X_res[len(X) :]
    assert len(new) == sampler.sampling_strategy_[1] > 0
    centers, surfaces = [], []
    for cluster in np.unique(labels):
        pos, neg = X[(labels == cluster) & (y == 1)], X[(labels == cluster) & (y == 0)]
        if len(pos) and len(neg):
            nearest = NearestNeighbors(n_neighbors=1).fit(neg).kneighbors(pos)[1][:, 0]
            centers.append(pos)
            surfaces.append(neg[nearest])
    assert in_region(new, np.concatenate(centers), np.concatenate(surfaces), 0.0, 0.0).any(axis=1).all()


def test_reproducible_and_seeded(binary_data, backend):
    X, y = binary_data
    a = to_numpy(GeometricSMOTE(random_state=5, backend=backend).fit_resample(X, y)[0])
    b = to_numpy(GeometricSMOTE(random_state=5, backend=backend).fit_resample(X, y)[0])
    c = to_numpy(GeometricSMOTE(random_state=6, backend=backend).fit_resample(X, y)[0])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_float32_stays_float32(binary_data):
    X, y = binary_data
    X_res, _ = GeometricSMOTE(random_state=0, backend="numpy").fit_resample(X.astype(np.float32), y)
    assert X_res.dtype == np.float32 and np.isfinite(X_res).all()


@pytest.mark.parametrize(
    "params", [{"selection_strategy": "nearest"}, {"truncation_factor": 1.5}, {"deformation_factor": -0.1}]
)
def test_bad_parameters(params, binary_data):
    with pytest.raises(ValueError):
        GeometricSMOTE(**params).fit_resample(*binary_data)


# Powers of two that push float32 / float64 rows to where their squares overflow or underflow.
EXTREME_SCALES = [(np.float32, 66), (np.float32, 125), (np.float64, 996), (np.float64, 1020)]
TINY_SCALES = [(np.float32, -140), (np.float64, -1060)]


def scaled_geometric_rows(dtype, exponent, strategy):
    """The generic points on rows scaled by ``2**exponent``, and the points on the unscaled rows."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(30, 5)).astype(dtype)
    centers, surfaces, majority = rng.integers(0, 30, 50), rng.integers(0, 30, 50), rng.integers(-1, 30, 50)
    surfaces[:3] = centers[:3]
    uniforms = rng.random((50, uniform_draws(5)))
    numpy = get_backend("numpy")
    args = (uniforms, -0.4, 0.3)
    kept = geometric_rows(numpy, X, centers, surfaces, *args, np.empty((50, 5), dtype), majority, strategy)
    scaled = np.ldexp(X, exponent)
    got = geometric_rows(numpy, scaled, centers, surfaces, *args, np.empty((50, 5), dtype), majority, strategy)
    return got, kept, scaled[centers[:3]]


@pytest.mark.parametrize("dtype, exponent", EXTREME_SCALES)
@pytest.mark.parametrize("strategy", ["minority", "combined"])
def test_huge_rows_give_the_same_points_scaled(dtype, exponent, strategy):
    """Norms are taken on rows brought near 1 by a power of two: the points on rows scaled by
    2**e are the points on the rows, scaled (bit for bit), where they are within the float range,
    and the range's end where not, never inf or NaN."""
    got, kept, centers = scaled_geometric_rows(dtype, exponent, strategy)
    with np.errstate(over="ignore"):
        want = np.ldexp(kept, exponent)
    assert np.isfinite(got).all()
    inside = np.isfinite(want)
    np.testing.assert_array_equal(got[inside], want[inside])
    assert (np.abs(got[~inside]) == np.finfo(dtype).max).all()
    np.testing.assert_array_equal(got[:3], centers)  # zero radius: the center itself


@pytest.mark.parametrize("dtype, exponent", TINY_SCALES)
def test_subnormal_rows_keep_their_geometry(dtype, exponent):
    got, kept, _ = scaled_geometric_rows(dtype, exponent, "combined")
    want = np.ldexp(kept.astype(np.float64), exponent)
    np.testing.assert_allclose(got, want, rtol=0, atol=np.abs(want).max() * 1e-2)


@pytest.mark.parametrize(
    "dtype, scale", [(np.float32, 1e20), (np.float32, 3e38), (np.float64, 1e300), (np.float64, 1.7e308)]
)
@pytest.mark.parametrize("strategy", ["minority", "majority", "combined"])
def test_geometric_smote_on_huge_values_gives_finite_rows(dtype, scale, strategy):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(80, 3))
    X = (X / np.abs(X).max() * scale).astype(dtype)
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    X_res, y_res = GeometricSMOTE(selection_strategy=strategy, random_state=0, backend="numpy").fit_resample(X, y)
    assert np.isfinite(X_res).all() and X_res.dtype == dtype
    np.testing.assert_array_equal(X_res[:80], X)
    assert (y_res == 1).sum() == 60
