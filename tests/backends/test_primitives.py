"""The backend primitives against brute force, on every available backend."""

import numpy as np
import pytest
from conftest import BACKENDS, gpu
from scipy.spatial.distance import cdist

from gpu_clover._random import bits_to_index, bits_to_uniform, draw_bits, draw_bits_range, stream_bases
from gpu_clover.backends import cuda_available, get_backend
from gpu_clover.cluster._engine import ClusterEngine, cluster_engine
from gpu_clover.neighbors import _engine as neighbors_engine
from gpu_clover.neighbors._engine import neighbor_engine
from gpu_clover.over_sampling._engine import generation_engine


def _no_kernels(engine, job, out=None):
    """``has_kernel_for`` of an engine made to run the samplers' generic plans."""
    return False


def _groups(rng, sizes, n_features=3):
    X = rng.normal(size=(sum(sizes), n_features))
    rows = rng.permutation(len(X))
    lengths = np.asarray(sizes, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return X, rows, offsets, lengths


# sizes cover: one row, duplicates-free tiny groups, every bucket, and the tiled path (> 2048)
SIZES = [1, 2, 3, 6, 9, 40, 130, 600, 2100]


@pytest.mark.parametrize("name", BACKENDS)
def test_segmented_distance_sums_match_brute_force(name):
    """The density numerator, for every bucket size and the tiled path."""
    backend = get_backend(name)
    X, rows, offsets, lengths = _groups(np.random.default_rng(0), SIZES)
    _, sums = neighbor_engine(backend).segmented_neighbors(
        backend.asarray(X), backend.asarray(rows), offsets, lengths, 0
    )
    sums = backend.to_host(sums)
    for g, (o, n) in enumerate(zip(offsets, lengths)):
        members = X[rows[o : o + n]]
        assert sums[g] == pytest.approx(cdist(members, members).sum(), rel=1e-6 if name == "cupy" else 1e-9)


@pytest.mark.parametrize("name", BACKENDS)
def test_segmented_knn_finds_the_true_neighbours_and_never_the_row_itself(name):
    backend = get_backend(name)
    k = 4
    X, rows, offsets, lengths = _groups(np.random.default_rng(1), SIZES)
    table, _ = neighbor_engine(backend).segmented_neighbors(
        backend.asarray(X), backend.asarray(rows), offsets, lengths, k
    )
    table = backend.to_host(table)
    start = 0
    for o, n in zip(offsets, lengths):
        members = X[rows[o : o + n]]
        d = cdist(members, members)
        np.fill_diagonal(d, np.inf)
        kk = min(k, n - 1)
        for i in range(n):
            found = table[start + i, :kk]
            assert i not in found
            assert np.allclose(np.sort(d[i, found]), np.sort(d[i])[:kk])
        start += n


@pytest.mark.parametrize("name", BACKENDS)
def test_segmented_neighbors_in_float32(name):
    """float32 rows (the GPU's working precision): true neighbours up to float32 ties, sums to 1e-4."""
    backend = get_backend(name)
    k = 5
    X, rows, offsets, lengths = _groups(np.random.default_rng(3), SIZES, n_features=8)
    X32 = X.astype(np.float32) + 10.0  # off-centre rows: the groups' centering must keep the distances accurate
    table, sums = neighbor_engine(backend).segmented_neighbors(
        backend.asarray(X32), backend.asarray(rows), offsets, lengths, k
    )
    table, sums = backend.to_host(table), backend.to_host(sums)
    start = 0
    for g, (o, n) in enumerate(zip(offsets, lengths)):
        members = X32[rows[o : o + n]].astype(np.float64)
        d = cdist(members, members)
        assert sums[g] == pytest.approx(d.sum(), rel=1e-4)
        np.fill_diagonal(d, np.inf)
        kk = min(k, n - 1)
        for i in range(n):
            found = table[start + i, :kk]
            assert i not in found and len(set(found)) == kk
            np.testing.assert_allclose(np.sort(d[i, found]), np.sort(d[i])[:kk], rtol=1e-3, atol=1e-3)
        start += n


@pytest.mark.parametrize("name", BACKENDS)
def test_knn_keeps_duplicates_as_neighbours(name):
    backend = get_backend(name)
    X = np.zeros((5, 2))
    table, sums = neighbor_engine(backend).segmented_neighbors(
        backend.asarray(X), backend.asarray(np.arange(5)), np.array([0]), np.array([5]), 3
    )
    table = backend.to_host(table)
    assert backend.to_host(sums)[0] == 0
    for i in range(5):
        assert i not in table[i] and len(set(table[i])) == 3


@pytest.mark.parametrize("name", BACKENDS)
def test_nearest_center_matches_brute_force(name):
    backend = get_backend(name)
    rng = np.random.default_rng(2)
    X, C = rng.normal(size=(1000, 5)), rng.normal(size=(7, 5))
    labels, sq = cluster_engine(backend).nearest_center(backend.asarray(X), backend.asarray(C), with_distances=True)
    d = cdist(X, C, "sqeuclidean")
    np.testing.assert_array_equal(backend.to_host(labels), d.argmin(axis=1))
    np.testing.assert_allclose(backend.to_host(sq), d.min(axis=1), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nearest_center_over_row_tiles(name, dtype):
    """40k rows against 64 centers: several row tiles on either backend; the closest center up to rounding."""
    backend = get_backend(name)
    rng = np.random.default_rng(4)
    X, C = rng.normal(size=(40_000, 6)).astype(dtype), rng.normal(size=(64, 6)).astype(dtype)
    labels, sq = cluster_engine(backend).nearest_center(backend.asarray(X), backend.asarray(C), with_distances=True)
    labels, sq = backend.to_host(labels), backend.to_host(sq)
    d = cdist(X.astype(np.float64), C.astype(np.float64), "sqeuclidean")
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert labels.dtype == np.int32 and sq.dtype == dtype
    assert np.all(d[np.arange(len(X)), labels] <= d.min(axis=1) + tol * (1 + d.min(axis=1)))
    assert np.mean(labels == d.argmin(axis=1)) > 0.999
    np.testing.assert_allclose(sq, d.min(axis=1), rtol=tol, atol=tol)
    np.testing.assert_array_equal(
        backend.to_host(cluster_engine(backend).nearest_center(backend.asarray(X), backend.asarray(C))), labels
    )


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lloyd_step_gives_the_means_the_counts_and_the_shift(name, dtype):
    """One Lloyd iteration against its definition; the center no row is closest to stays put."""
    backend = get_backend(name)
    rng = np.random.default_rng(6)
    X = rng.normal(size=(5000, 7)).astype(dtype)
    C = np.vstack([X[:9], np.full((1, 7), 1e3)]).astype(dtype)  # the last center is empty
    labels = backend.to_host(cluster_engine(backend).nearest_center(backend.asarray(X), backend.asarray(C)))
    new, counts, shift = cluster_engine(backend).lloyd_step(backend.asarray(X), backend.asarray(C))
    new = backend.to_host(new)
    expected_counts = np.bincount(labels, minlength=10)
    assert expected_counts[9] == 0
    np.testing.assert_array_equal(counts, expected_counts)
    expected = np.array([X[labels == c].astype(np.float64).mean(axis=0) for c in range(9)] + [C[9]])
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert new.dtype == dtype
    np.testing.assert_allclose(new, expected, rtol=rtol, atol=rtol)
    assert shift == pytest.approx(
        ((expected - C.astype(np.float64)) ** 2).sum(), rel=1e-4 if dtype == np.float32 else 1e-10
    )


@pytest.mark.parametrize("name", BACKENDS)
def test_kmeans_plusplus_picks_distinct_rows_and_spreads_out(name):
    """Four far-apart blobs, four seeds: D² sampling puts one seed in each blob."""
    backend = get_backend(name)
    rng = np.random.default_rng(7)
    centres = np.array([[0, 0], [100, 0], [0, 100], [100, 100]], dtype=float)
    X = np.repeat(centres, 500, axis=0) + rng.normal(size=(2000, 2))
    uniforms = rng.random((3, 3))
    chosen = backend.to_host(
        cluster_engine(backend).kmeans_plusplus(
            backend.asarray(X), backend.asarray(np.array([17])), backend.asarray(uniforms)
        )
    )
    assert chosen.dtype == np.int64 and chosen[0] == 17
    assert sorted(chosen // 500) == [0, 1, 2, 3]


@gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_kmeans_plusplus_equals_the_generic_steps_on_exact_data(dtype):
    """Integer-valued rows make every distance and sum exact: the fused seeding kernel must
    pick the very rows the array-generic steps pick, also once every row is already a center."""
    backend = get_backend("cupy")
    generic = ClusterEngine(backend).kmeans_plusplus
    rng = np.random.default_rng(8)
    cases = [
        (rng.integers(-20, 20, size=(3000, 5)), 40),  # three row blocks of the sweep
        (np.repeat(np.arange(3)[:, None] * [1, 2], 50, axis=0), 6),  # more centers than distinct rows
        (rng.integers(0, 3, size=(2500, 2)), 30),  # the same, over several row blocks
    ]
    for X, k in cases:
        X = backend.asarray(X.astype(dtype))
        n_trials = 2 + int(np.log(k))
        first = backend.asarray(np.array([11]))
        uniforms = backend.asarray(rng.random((k - 1, n_trials)))
        fused = backend.to_host(cluster_engine(backend).kmeans_plusplus(X, first, uniforms))
        np.testing.assert_array_equal(fused, backend.to_host(generic(X, first, uniforms)))


@pytest.mark.parametrize("name", BACKENDS)
def test_interpolate_and_segment_sum(name):
    backend = get_backend(name)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 4))
    base, nbr, gaps = rng.integers(0, 50, 30), rng.integers(0, 50, 30), rng.random(30)
    out = backend.xp.empty((30, 4))
    generation_engine(backend).interpolate(
        backend.asarray(X), backend.asarray(base), backend.asarray(nbr), backend.asarray(gaps), out
    )
    np.testing.assert_allclose(backend.to_host(out), X[base] + gaps[:, None] * (X[nbr] - X[base]))
    ids = rng.integers(0, 6, 50)
    sums = backend.to_host(backend.segment_sum(backend.asarray(X), backend.asarray(ids), 6))
    np.testing.assert_allclose(sums, [X[ids == s].sum(axis=0) for s in range(6)])
    first = backend.to_host(backend.first_occurrence(backend.asarray(ids), 7))
    assert list(first[:6]) == [int(np.flatnonzero(ids == s)[0]) for s in range(6)] and first[6] == 50


@gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_smote_on_the_gpu_writes_the_rows_of_the_plan(dtype, monkeypatch):
    """The one-kernel SMOTE generation against the generic plan, both on the GPU (the
    kernel may fuse a multiply-add, hence a tolerance)."""
    from gpu_clover._groups import build_groups
    from gpu_clover.neighbors import GroupNeighbors
    from gpu_clover.over_sampling._generation import smote_inter, smote_intra

    backend = get_backend("cupy")
    rng = np.random.default_rng(4)
    X = backend.asarray(rng.normal(size=(3000, 7)).astype(dtype))
    clusters, classes = rng.integers(0, 9, size=3000), (rng.random(3000) < 0.2).astype(np.int64)
    clusters[0], classes[0] = 9, 1  # a group of one row: copied
    groups = build_groups(backend, backend.asarray(clusters), backend.asarray(classes), np.arange(10), np.array([0, 1]))
    stats = GroupNeighbors(backend, X, groups, k_neighbors=5)
    group_ids = np.flatnonzero(groups.klass == 1)
    n_new = rng.integers(1, 300, size=len(group_ids))
    fused = smote_intra(stats, group_ids, n_new, 7, backend.xp.empty((int(n_new.sum()), 7), dtype=dtype))
    monkeypatch.setattr(type(generation_engine(backend)), "has_kernel_for", _no_kernels)
    plan = smote_intra(stats, group_ids, n_new, 7, backend.xp.empty((int(n_new.sum()), 7), dtype=dtype))
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(backend.to_host(fused), backend.to_host(plan), rtol=tol, atol=tol)
    # Between neighbouring groups too (SOMO's inter-cluster rows).
    pairs = np.stack([group_ids[:-1], group_ids[1:]], axis=1)
    n_pair = rng.integers(1, 200, size=len(pairs))
    fused = smote_inter(backend, X, groups, pairs, n_pair, 8, backend.xp.empty((int(n_pair.sum()), 7), dtype=dtype))
    monkeypatch.setattr(type(generation_engine(backend)), "has_kernel_for", _no_kernels)
    plan = smote_inter(backend, X, groups, pairs, n_pair, 8, backend.xp.empty((int(n_pair.sum()), 7), dtype=dtype))
    np.testing.assert_allclose(backend.to_host(fused), backend.to_host(plan), rtol=tol, atol=tol)


@gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_geometric_rows_on_the_gpu_match_the_generic_points(dtype, monkeypatch):
    from gpu_clover.over_sampling._geometry import geometric_rows, uniform_draws

    backend = get_backend("cupy")
    rng = np.random.default_rng(5)
    X = backend.asarray(rng.normal(size=(500, 37)).astype(dtype))
    centers, surfaces = backend.asarray(rng.integers(0, 500, 2000)), backend.asarray(rng.integers(0, 500, 2000))
    uniforms = backend.asarray(rng.random((2000, uniform_draws(37))))
    for truncation, deformation in ((1.0, 0.0), (-0.5, 0.3)):
        fused = geometric_rows(
            backend, X, centers, surfaces, uniforms, truncation, deformation, backend.xp.empty((2000, 37), dtype=dtype)
        )
        with monkeypatch.context() as patch:
            patch.setattr(type(generation_engine(backend)), "has_kernel_for", _no_kernels)
            plain = geometric_rows(
                backend,
                X,
                centers,
                surfaces,
                uniforms,
                truncation,
                deformation,
                backend.xp.empty((2000, 37), dtype=dtype),
            )
        tol = 1e-4 if dtype == np.float32 else 1e-9
        np.testing.assert_allclose(backend.to_host(fused), backend.to_host(plain), rtol=tol, atol=tol)


@gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("strategy", ["combined", "majority", "minority"])
def test_geometric_smote_kernels_on_the_gpu_match_the_generic_code(dtype, strategy, monkeypatch):
    """Geometric SMOTE's end points, nearest majority rows (direct, and over the limit by
    GEMM) and surface choice in kernels, against the generic code, both on the GPU."""
    from gpu_clover._groups import build_groups
    from gpu_clover.neighbors import GroupNeighbors
    from gpu_clover.over_sampling import _geometry
    from gpu_clover.over_sampling._geometric_smote import GeometricSMOTE
    from gpu_clover.over_sampling._native import GenerationRequest

    backend = get_backend("cupy")
    rng = np.random.default_rng(6)
    X = backend.asarray(rng.normal(size=(6000, 9)).astype(dtype))
    clusters, classes = rng.integers(0, 12, size=6000), (rng.random(6000) < 0.2).astype(np.int64)
    clusters[0], classes[0] = 12, 1  # a group of one row
    clusters[:3000] = np.minimum(clusters[:3000], 1)  # two clusters over the direct limit
    groups = build_groups(backend, backend.asarray(clusters), backend.asarray(classes), np.arange(13), np.array([0, 1]))
    stats = GroupNeighbors(backend, X, groups, k_neighbors=5)
    group_ids = np.flatnonzero(groups.klass == 1)
    n_new = rng.integers(1, 400, size=len(group_ids))
    pairs = np.stack([group_ids[:-1], group_ids[1:]], axis=1)
    n_pair = rng.integers(1, 200, size=len(pairs))

    def generate(sampler, majority):
        out = backend.xp.empty((int(n_new.sum()), 9), dtype=dtype)
        intra = sampler._generate_intra(GenerationRequest(stats, group_ids, n_new, 41, out, majority))
        out = backend.xp.empty((int(n_pair.sum()), 9), dtype=dtype)
        inter = sampler._generate_inter(GenerationRequest(stats, pairs, n_pair, 42, out))
        return np.concatenate([backend.to_host(intra), backend.to_host(inter)])

    assert (np.bincount(clusters[classes == 0]) > _geometry.DIRECT_REFERENCES).any()
    for majority in ("cluster_majority", "other_classes"):
        sampler = GeometricSMOTE(selection_strategy=strategy, truncation_factor=0.5, deformation_factor=0.2)
        fused = generate(sampler, majority)
        with monkeypatch.context() as patch:
            patch.setattr(type(generation_engine(backend)), "has_kernel_for", _no_kernels)
            plain = generate(sampler, majority)
        if dtype == np.float64:
            np.testing.assert_allclose(fused, plain, rtol=1e-9, atol=1e-9)
        else:  # float32: a near-tie may pick another nearest row (direct vs GEMM distances)
            close = np.isclose(fused, plain, rtol=1e-4, atol=1e-4).all(axis=1)
            assert close.mean() > 0.999, f"{(~close).sum()} of {len(close)} rows differ"


def test_random_streams_are_uniform_independent_and_reproducible():
    bases = stream_bases(np, 123, np.arange(3))
    draws = np.stack([bits_to_uniform(np, draw_bits(np, b, np.arange(20000))) for b in bases])
    assert np.all((draws >= 0) & (draws < 1))
    assert np.allclose(draws.mean(axis=1), 0.5, atol=0.01)
    assert abs(np.corrcoef(draws[0], draws[1])[0, 1]) < 0.03
    np.testing.assert_array_equal(
        draws[0], bits_to_uniform(np, draw_bits(np, stream_bases(np, 123, [0])[0], np.arange(20000)))
    )
    assert not np.array_equal(
        draws[0], bits_to_uniform(np, draw_bits(np, stream_bases(np, 124, [0])[0], np.arange(20000)))
    )
    idx = bits_to_index(np, draw_bits(np, bases[0], np.arange(70000)), 7)
    assert idx.min() == 0 and idx.max() == 6
    assert np.allclose(np.bincount(idx) / 70000, 1 / 7, atol=0.01)


@gpu
def test_random_streams_are_bit_identical_on_the_gpu():
    """The fused CuPy kernels of the SplitMix64 steps give NumPy's draws, bit for bit."""
    import cupy as cp

    keys = np.array([0, 1, 7, 2**40, -3], dtype=np.int64)
    counters = np.arange(1000, dtype=np.int64)[None, :]
    upper = np.array([1, 2, 7, 1000, 2**31 + 5], dtype=np.int64)[:, None]
    host_bits = draw_bits(np, stream_bases(np, 2**63 + 11, keys)[:, None], counters)
    device_bits = draw_bits(cp, stream_bases(cp, 2**63 + 11, cp.asarray(keys))[:, None], cp.asarray(counters))
    np.testing.assert_array_equal(cp.asnumpy(device_bits), host_bits)
    np.testing.assert_array_equal(cp.asnumpy(bits_to_uniform(cp, device_bits)), bits_to_uniform(np, host_bits))
    np.testing.assert_array_equal(
        cp.asnumpy(bits_to_index(cp, device_bits, cp.asarray(upper))), bits_to_index(np, host_bits, upper)
    )
    assert cp.asnumpy(bits_to_uniform(cp, device_bits, np.float32)).dtype == np.float32
    base = stream_bases(np, 5, keys[:1])
    np.testing.assert_array_equal(
        cp.asnumpy(draw_bits_range(cp, cp.asarray(base), 77, 500)), draw_bits_range(np, base, 77, 500)
    )


def test_get_backend_rules():
    assert get_backend("numpy").name == "numpy"
    assert get_backend("auto", like=np.zeros(3)).name == ("cupy" if cuda_available() else "numpy")
    with pytest.raises(ValueError, match="backend must be one of"):
        get_backend("tpu")
    if not cuda_available():
        with pytest.raises(ValueError, match="needs CuPy and a CUDA device"):
            get_backend("cupy")


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("size", [1, 4095, 4096 * 4, 4096 * 5 + 17, 300_001])
def test_reduce_to_scalar_matches_numpy(name, size):
    """Whole-array reductions (two levels on the GPU), including a partial last row."""
    backend = get_backend(name)
    rng = np.random.default_rng(size)
    values = rng.normal(size=size).astype(np.float32)
    flags = values > -3.5  # almost all True: a single False must be seen
    flags[size // 2] = False
    a, f = backend.asarray(values), backend.asarray(flags)
    assert backend.reduce_to_scalar(a, "sum", dtype=np.float64) == pytest.approx(
        values.sum(dtype=np.float64), rel=1e-9, abs=1e-9
    )
    assert backend.reduce_to_scalar(a, "min") == values.min()
    assert backend.reduce_to_scalar(a, "max") == values.max()
    assert backend.reduce_to_scalar(f, "all") is False
    assert backend.reduce_to_scalar(f, "any") is bool(flags.any())
    assert backend.reduce_to_scalar(backend.asarray(~flags), "any") is True
    assert backend.reduce_to_scalar(backend.asarray(values.reshape(-1, 1)), "max") == values.max()
    for dtype in (np.int8, np.uint16, np.int32, np.int64):  # label ranges: exact integers, Python ints
        labels = rng.integers(0, 120, size=size).astype(dtype)
        labels[size // 3] = 3 if dtype == np.uint16 else -7
        low = backend.reduce_to_scalar(backend.asarray(labels), "min")
        high = backend.reduce_to_scalar(backend.asarray(labels[::-1]), "max")
        assert type(low) is int and (low, high) == (labels.min(), labels.max())


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
def test_bincount_counts_every_code(name, dtype):
    backend = get_backend(name)
    codes = np.random.default_rng(5).integers(0, 37, size=100_003).astype(dtype)
    counts = backend.to_host(backend.bincount(backend.asarray(codes), 40))
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, np.bincount(codes, minlength=40))
    empty = backend.to_host(backend.bincount(backend.asarray(np.zeros(0, dtype=dtype)), 3))
    np.testing.assert_array_equal(empty, [0, 0, 0])


@pytest.mark.parametrize("tile", [1, 7, 100_000])
def test_numpy_large_groups_over_many_tiles_with_duplicates(monkeypatch, tile):
    """The NumPy large-group path: upper-triangle sums and scikit-learn's kNN, any tile size."""
    from gpu_clover.backends import _numpy

    backend = get_backend("numpy")
    monkeypatch.setattr(_numpy.NumPyBackend, "tile_elements", lambda self, itemsize=8: tile * 1100)
    monkeypatch.setattr(neighbors_engine, "SEARCH_MIN_ROWS", 1024)  # a small group takes scikit-learn's path
    rng = np.random.default_rng(7)
    members = rng.normal(size=(1100, 4))
    members[10:14] = members[3]  # five copies of one row
    members -= members.mean(axis=0)
    table, total = neighbor_engine(backend).large_group_neighbors(members, 6)
    d = cdist(members, members)
    assert total == pytest.approx(d.sum(), rel=1e-10)
    np.fill_diagonal(d, np.inf)
    for i in range(len(members)):
        assert i not in table[i] and len(set(table[i])) == 6
        np.testing.assert_allclose(np.sort(d[i, table[i]]), np.sort(d[i])[:6], atol=1e-12)
    assert set(table[3]) >= {10, 11, 12, 13}  # duplicates are neighbours at distance 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_run_sums_are_each_runs_own_sum_whatever_the_blocks(monkeypatch, dtype):
    """Runs summed a block at a time give, bit for bit, each run summed alone; runs longer than a
    block, and blocks that end inside a run's span, included."""
    from gpu_clover.backends import _numpy

    rng = np.random.default_rng(0)
    lengths = np.concatenate([rng.integers(1, 40, size=300), [5000], rng.integers(1, 9, size=200)])
    values = (rng.standard_normal((int(lengths.sum()), 7)) * 1e3).astype(dtype)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    alone = np.stack([values[s : s + n].sum(axis=0, dtype=np.float64) for s, n in zip(starts, lengths)])
    whole = np.add.reduceat(values, starts, axis=0, dtype=np.float64)
    monkeypatch.setattr(_numpy, "_RUN_BLOCK_BYTES", 64 * values.shape[1] * values.itemsize)
    blocked = get_backend("numpy").run_sums(values, lengths)
    np.testing.assert_array_equal(blocked, whole)
    np.testing.assert_allclose(blocked, alone, rtol=1e-12)
