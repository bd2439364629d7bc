"""The CuPy backend's and the CuPy engines' kernels and launches, run on the CPU.

``simt`` compiles the CUDA modules of ``gpu_clover._cuda`` (the ``.cu`` files) for the host
(one host thread per CUDA thread) and stands in for the loader's compiler; a private copy
of the CuPy backend module is loaded with NumPy standing in for CuPy, and the engines take
the backend's namespace, so ``CuPyBackend`` and the CuPy engines run their real launch code
(grids, argument names and types, padding, limits) on host arrays. This checks the GPU
path's logic on machines without a GPU; timing, memory and CuPy's own kernels are left to
the ``gpu`` tests.
"""

import importlib
import sys
import types

import numpy as np
import nvrtc
import pytest
import simt
from census import Census, TracedArray, traced_numpy
from scipy.spatial.distance import cdist

import gpu_clover
from gpu_clover import backends
from gpu_clover._cuda import _launch, _modules
from gpu_clover._groups import build_groups
from gpu_clover._random_cupy import splitmix_steps
from gpu_clover.backends import get_backend
from gpu_clover.cluster import KMeans
from gpu_clover.cluster._engine import cluster_engine
from gpu_clover.neighbors import GroupNeighbors, _cell_search, _group_neighbors
from gpu_clover.neighbors import _engine_cupy as neighbors_engine_cupy
from gpu_clover.neighbors._engine import neighbor_engine
from gpu_clover.over_sampling._engine import NearestRows, SmoteInter, SmoteIntra, generation_engine
from gpu_clover.over_sampling._generation import smote_inter, smote_intra

NO_COMPILER = "needs a host C++ compiler (g++ or clang++) to build the kernels"
NO_NVRTC = "needs NVRTC: pip install nvidia-cuda-nvrtc (part of the test extra on Linux)"


class _OutOfMemory(Exception):
    pass


def load_cupy_module(stand_in, on_kernel=None, device_array=None):
    """A private ``gpu_clover.backends._cupy`` importing ``stand_in`` as ``cupy``.

    Returns ``(module, compiler)``: ``compiler`` is ``simt``'s host launchers, to put in the
    loader (``_launch.compiler``) for as long as the module is used. ``on_kernel(module, ctype)``
    (optional) is told of every module compiled; with ``device_array``, kernels refuse arrays of
    other types (host arrays).
    """
    if simt.compiler() is None:
        pytest.skip(NO_COMPILER)
    names = ("cupy", "gpu_clover.backends._cupy", "gpu_clover.backends._transfer")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.modules["cupy"] = stand_in
    try:
        module = importlib.import_module("gpu_clover.backends._cupy")
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return module, simt.HostModules(on_kernel, device_array)


def host_backend(cupy_module, xp):
    """The CuPy backend's code with ``xp`` for CuPy and host stand-ins for device queries."""

    class HostCuPy(cupy_module.CuPyBackend):
        max_bucket_size = 64  # groups above go the large-group way: small enough to emulate

        def tile_elements(self, itemsize=8):
            return (1 << 16) // itemsize  # several row tiles per large group

        def to_host(self, a):
            return np.asarray(a).view(np.ndarray)

        def to_host_into(self, a, out):
            out[...] = np.asarray(a)

        def synchronize(self):
            pass

        @staticmethod
        def _memcpy(dst, src):  # no kernel on the GPU: none recorded
            dst.view(np.ndarray)[...] = src.view(np.ndarray)

    HostCuPy.xp = xp
    return HostCuPy()


@pytest.fixture(scope="module")
def cupy_module():
    """The CuPy backend module with NumPy for CuPy."""
    stand_in = types.ModuleType("cupy")
    stand_in.__dict__.update({k: v for k, v in np.__dict__.items() if not k.startswith("__")})
    stand_in.cuda = types.SimpleNamespace(memory=types.SimpleNamespace(OutOfMemoryError=_OutOfMemory))
    module, compiler = load_cupy_module(stand_in)
    saved, _launch.compiler = _launch.compiler, compiler
    yield module
    _launch.compiler = saved


@pytest.fixture(scope="module")
def backend(cupy_module):
    return host_backend(cupy_module, np)


@pytest.mark.parametrize(("module", "ctype"), _modules.MODULES)
def test_every_kernel_module_compiles_with_nvrtc(module, ctype):
    """The modules as the GPU gets them: NVRTC compiles each source with its name expressions
    and options, to PTX and to sm_90 machine code (the emulation above compiles the same
    sources as C++ for the host)."""
    lib = nvrtc.library()
    if lib is None:
        pytest.skip(NO_NVRTC)
    source, names, options = _modules.module_spec(module, ctype)
    lowered = nvrtc.compile_module(lib, source, names, options)
    assert set(lowered) == set(names) and all(lowered.values())
    # Down to the H100's machine code (ptxas: shared memory and register limits), and no
    # kernel spills registers to local memory.
    log = []
    nvrtc.compile_module(lib, source, names, (*options, "-Xptxas=-v"), arch="sm_90", log=log)
    reports = [line for line in log if "spill" in line]
    spills = [line for line in reports if "0 bytes spill stores, 0 bytes spill loads" not in line]
    assert len(reports) >= len(names) and not spills, "\n".join(log)


def test_launches_are_checked_against_the_kernel_parameters():
    """Every emulated launch meets the kernel's parameter list as the GPU needs it: CuPy packs
    a scalar by its NumPy type, so a wrong width shifts every later argument on a GPU while the
    host would read it fine."""
    source = _modules.module_spec("generate", "float")[0]
    params = simt.parameters("interpolate_rows<float>", source)
    assert params == [
        ("float", True),
        ("long long", True),
        ("long long", True),
        ("float", True),
        ("long long", False),
        ("int", False),
        ("float", True),
    ]
    X, index, gap = np.zeros((3, 2), np.float32), np.zeros(3, np.int64), np.zeros(3, np.float32)
    good = [X, index, index, gap, np.int64(3), np.int32(2), X]
    simt.check_arguments("interpolate_rows<float>", params, good)
    for i, bad, message in [
        (5, np.int64(2), "is int64, not a NumPy int32"),
        (5, 2, "is int, not a NumPy int32"),
        (1, index.astype(np.int32), "has dtype int32, not int64"),
        (0, 0, "is a int, not an array"),
    ]:
        with pytest.raises(TypeError, match=message):
            simt.check_arguments("interpolate_rows<float>", params, good[:i] + [bad] + good[i + 1 :])
    with pytest.raises(TypeError, match="6 arguments for 7 parameters"):
        simt.check_arguments("interpolate_rows<float>", params, good[:-1])
    assert simt.parameters("take_rows<double, int>", _modules.module_spec("checks", "int")[0])[:2] == [
        ("double", True),
        ("int", True),
    ]


def _groups(rng, sizes, n_features, dtype):
    X = (rng.normal(size=(sum(sizes), n_features)) + 10.0).astype(dtype)  # off-centre: centering must hold
    rows = rng.permutation(len(X)).astype(np.int64)
    lengths = np.asarray(sizes, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return X, rows, offsets, lengths


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gather_groups_pads_centers_and_sets_the_limits(backend, dtype):
    X, rows, offsets, lengths = _groups(np.random.default_rng(0), [1, 3, 7, 16], 37, dtype)  # 37: two feature chunks
    size = 16
    got = neighbor_engine(backend).gather_groups(X, rows, offsets, lengths, size, np.dtype(dtype))
    want = neighbor_engine(get_backend("numpy")).gather_groups(X, rows, offsets, lengths, size, np.dtype(dtype))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for g, w in zip(got[:2], want[:2]):
        assert g.dtype == dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol * 10)
    for g, w in zip(got[2:], want[2:]):
        np.testing.assert_array_equal(g, w)


def test_gather_groups_of_one_large_group_over_several_row_chunks(backend, cupy_module, monkeypatch):
    monkeypatch.setattr(neighbors_engine_cupy, "SUM_CHUNK_ROWS", 64)  # 300 rows: five chunks of column sums
    X, rows, offsets, lengths = _groups(np.random.default_rng(1), [300], 5, np.float64)
    block, sq, n_valid, self_col = neighbor_engine(backend).gather_groups(
        X, rows, offsets, lengths, 300, np.dtype(np.float64)
    )
    members = X[rows] - X[rows].mean(axis=0)
    np.testing.assert_allclose(block[0], members, atol=1e-12)
    np.testing.assert_allclose(sq[0], (members**2).sum(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(n_valid, 300)
    np.testing.assert_array_equal(self_col, np.arange(300))


def test_scatter_groups_places_rows_and_adds_sums(backend):
    lengths = np.array([2, 4, 1], dtype=np.int64)
    m, kk = 4, 3
    nn = np.arange(len(lengths) * m * kk, dtype=np.int32).reshape(-1, kk)
    row_sums = np.arange(len(lengths) * m, dtype=np.float64)
    table_starts = np.array([0, 2, 6], dtype=np.int64)
    group_ids = np.array([2, 0, 1], dtype=np.int64)
    got_table, got_sums = np.full((7, 5), -1, dtype=np.int32), np.ones(3)
    want_table, want_sums = got_table.copy(), got_sums.copy()
    neighbor_engine(backend).scatter_groups(got_table, got_sums, table_starts, group_ids, lengths, nn, row_sums)
    neighbor_engine(get_backend("numpy")).scatter_groups(
        want_table, want_sums, table_starts, group_ids, lengths, nn, row_sums
    )
    np.testing.assert_array_equal(got_table, want_table)
    np.testing.assert_allclose(got_sums, want_sums)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_segmented_neighbors_find_the_true_neighbours_and_sums(backend, dtype):
    """Buckets (up to 64 rows here) and the large-group tiles, through the fused top-k."""
    k = 4
    X, rows, offsets, lengths = _groups(np.random.default_rng(2), [1, 2, 3, 6, 9, 40, 130, 300], 6, dtype)
    table, sums = neighbor_engine(backend).segmented_neighbors(X, rows, offsets, lengths, k)
    tol = 1e-4 if dtype == np.float32 else 1e-9
    start = 0
    for g, (o, n) in enumerate(zip(offsets, lengths)):
        members = X[rows[o : o + n]].astype(np.float64)
        d = cdist(members, members)
        assert sums[g] == pytest.approx(d.sum(), rel=tol)
        np.fill_diagonal(d, np.inf)
        kk = min(k, n - 1)
        for i in range(n):
            found = table[start + i, :kk]
            assert i not in found and len(set(found.tolist())) == kk
            np.testing.assert_allclose(np.sort(d[i, found]), np.sort(d[i])[:kk], rtol=tol, atol=tol)
        start += n


def test_duplicates_stay_neighbours(backend):
    X = np.zeros((5, 2))
    table, sums = neighbor_engine(backend).segmented_neighbors(X, np.arange(5), np.array([0]), np.array([5]), 3)
    assert sums[0] == 0
    for i in range(5):
        assert i not in table[i] and len(set(table[i].tolist())) == 3


def _grouped_rows(rng, dtype, one_row_group=False):
    """400 rows of 5 features in 6 clusters x 2 classes (30 % minority), grouped; with
    ``one_row_group``, a seventh cluster holds a single minority row."""
    X = rng.normal(size=(400, 5)).astype(dtype)
    clusters, classes = rng.integers(0, 6, size=400), (rng.random(400) < 0.3).astype(np.int64)
    if one_row_group:
        clusters[0], classes[0] = 6, 1
    n_clusters = 7 if one_row_group else 6
    return X, build_groups(get_backend("numpy"), clusters, classes, np.arange(n_clusters), np.array([0, 1]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_smote_writes_the_rows_of_the_generic_plan(backend, dtype):
    """Same draws, same base rows, neighbours and gaps: the same rows as the NumPy backend's plan."""
    rng = np.random.default_rng(4)
    X, groups = _grouped_rows(rng, dtype, one_row_group=True)  # k shrinks to 0 there: the row is copied
    numpy_backend = get_backend("numpy")
    stats = GroupNeighbors(numpy_backend, X, groups, k_neighbors=5)
    group_ids = np.flatnonzero(groups.klass == 1)
    n_new = rng.integers(0, 40, size=len(group_ids))
    want = smote_intra(stats, group_ids, n_new, 12345, np.empty((n_new.sum(), 5), dtype=dtype))
    table, starts = stats.knn(group_ids)
    got = np.full_like(want, np.nan)
    args = (X, groups.order, table, groups.keys[group_ids], n_new, starts, groups.lengths[group_ids])
    k_group = np.minimum(5, groups.lengths[group_ids] - 1)
    engine = generation_engine(backend)
    job = SmoteIntra(*args, groups.offsets[group_ids], k_group, 12345)
    assert engine.has_kernel_for(job, got)
    engine.smote_intra(job, got)
    assert 0 in k_group and (n_new[k_group == 0] > 0).any()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_smote_between_groups_writes_the_rows_of_the_generic_plan(backend, dtype):
    rng = np.random.default_rng(13)
    X, groups = _grouped_rows(rng, dtype)
    minority = np.flatnonzero(groups.klass == 1)
    pairs = np.stack([minority[:-1], minority[1:]], axis=1)
    n_new = rng.integers(0, 30, size=len(pairs))
    want = smote_inter(get_backend("numpy"), X, groups, pairs, n_new, 99, np.empty((n_new.sum(), 5), dtype=dtype))
    got = np.full_like(want, np.nan)
    first, second = pairs[:, 0], pairs[:, 1]
    per_pair = (groups.offsets[first], groups.lengths[first], groups.offsets[second], groups.lengths[second])
    engine = generation_engine(backend)
    job = SmoteInter(X, groups.order, groups.pair_keys(first, second), n_new, *per_pair, 99)
    assert engine.has_kernel_for(job, got)
    engine.smote_inter(job, got)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_som_preparation_scales_and_centers_as_the_generic_code(backend, cupy_module, monkeypatch, dtype):
    monkeypatch.setattr(neighbors_engine_cupy, "SUM_CHUNK_ROWS", 64)  # several row chunks
    rng = np.random.default_rng(14)
    X = (rng.normal(size=(300, 37)) * rng.random(37) * 10 + 100).astype(dtype)
    X[:, 3] = 7.0  # a constant feature
    numpy_backend = get_backend("numpy")
    np.testing.assert_allclose(
        cluster_engine(backend).minmax_scaled(X), cluster_engine(numpy_backend).minmax_scaled(X), rtol=1e-6, atol=1e-6
    )
    before = X.copy()
    centred, mean = cluster_engine(backend).centered_columns(X)
    want_centred, want_mean = cluster_engine(numpy_backend).centered_columns(X)
    np.testing.assert_array_equal(X, before)  # the input is left as it was
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(centred, want_centred, rtol=tol, atol=tol)
    np.testing.assert_allclose(mean, want_mean, rtol=1e-6)


@pytest.mark.parametrize("shape", [(40, 300), (300, 40)])
def test_som_principal_axes_as_the_generic_code(backend, shape):
    """The initial map on this backend, from C.T C (tall data) or C C.T (wide data)."""
    from gpu_clover.cluster._som import principal_axes_init

    X = np.random.default_rng(16).random(shape).astype(np.float32)
    got = backend.to_host(principal_axes_init(backend, X, 5, 4))
    want = principal_axes_init(get_backend("numpy"), X, 5, 4)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("dtype", "big"), [(np.float64, 1.7e308), (np.float32, 3e38)])
def test_som_preparation_scales_a_range_beyond_the_dtype_maximum(backend, dtype, big):
    """A feature whose max - min overflows: finite [0, 1] values, as the generic code's."""
    X = (np.random.default_rng(15).uniform(-1, 1, size=(200, 5)) * big).astype(dtype)
    got = backend.to_host(cluster_engine(backend).minmax_scaled(X))
    assert np.isfinite(got).all() and got.min() == 0 and got.max() == 1
    np.testing.assert_array_equal(got, cluster_engine(get_backend("numpy")).minmax_scaled(X))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("truncation", "deformation"), [(1.0, 0.0), (0.0, 0.0), (-0.5, 0.3), (0.5, 1.0)])
@pytest.mark.parametrize("strategy", [None, "majority", "combined"])
def test_geometric_rows_match_the_generic_points(backend, dtype, truncation, deformation, strategy):
    """Geometric SMOTE's points in one kernel: the surface choice, ball, truncation, deformation,
    a zero radius, odd and more than 32 features (the Box-Muller pairs, several features per lane)."""
    from gpu_clover.over_sampling._geometry import geometric_rows, uniform_draws

    rng = np.random.default_rng(15)
    for n_features in (3, 37):
        X = rng.normal(size=(40, n_features)).astype(dtype)
        centers, surfaces = rng.integers(0, 40, 60), rng.integers(0, 40, 60)
        surfaces[:3] = centers[:3]  # zero radius: the center itself
        majority = None
        if strategy is not None:
            majority = rng.integers(0, 40, 60)
            majority[:3], majority[3:10] = -1, surfaces[3:10]  # no majority row; a tie
        uniforms = rng.random((60, uniform_draws(n_features)))
        args = (uniforms, truncation, deformation)
        got = geometric_rows(
            backend, X, centers, surfaces, *args, np.empty((60, n_features), dtype=dtype), majority, strategy
        )
        want = geometric_rows(
            get_backend("numpy"),
            X,
            centers,
            surfaces,
            *args,
            np.empty((60, n_features), dtype=dtype),
            majority,
            strategy,
        )
        tol = 1e-4 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_array_equal(got[:3], X[centers[:3]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("strategy", ["combined", "majority", "minority"])
@pytest.mark.parametrize("alone", [False, True])
def test_geometric_smote_generation_matches_the_generic_code(backend, monkeypatch, dtype, strategy, alone):
    """Geometric SMOTE inside groups and between them through the kernels (end points drawn as
    the plan draws them, nearest majority rows measured directly, the surface chosen in the
    point kernel) against the NumPy backend's generic code; with a low direct limit, the
    larger items go the generic way and are filled in."""
    from gpu_clover.over_sampling import _geometry
    from gpu_clover.over_sampling._geometric_smote import GeometricSMOTE
    from gpu_clover.over_sampling._native import GenerationRequest

    rng = np.random.default_rng(21)
    X, groups = _grouped_rows(rng, dtype, one_row_group=True)
    sampler = GeometricSMOTE(selection_strategy=strategy, truncation_factor=0.5, deformation_factor=0.2)
    majority = "other_classes" if alone else "cluster_majority"  # other classes: two pieces per group
    group_ids = np.flatnonzero(groups.klass == 1)
    n_new = rng.integers(0, 30, size=len(group_ids))
    pairs = np.stack([group_ids[:-1], group_ids[1:]], axis=1)
    n_pair = rng.integers(0, 20, size=len(pairs))
    results = {}
    for name, limit in (
        ("numpy", _geometry.DIRECT_REFERENCES),
        ("kernels", _geometry.DIRECT_REFERENCES),
        ("split", 20),
    ):
        monkeypatch.setattr(_geometry, "DIRECT_REFERENCES", limit)
        on = get_backend("numpy") if name == "numpy" else backend
        stats = GroupNeighbors(on, X, groups, k_neighbors=5)
        out = np.full((n_new.sum(), 5), np.nan, dtype=dtype)
        intra = sampler._generate_intra(GenerationRequest(stats, group_ids, n_new, 31, out, majority))
        inter = sampler._generate_inter(
            GenerationRequest(stats, pairs, n_pair, 32, np.full((n_pair.sum(), 5), np.nan, dtype=dtype))
        )
        results[name] = np.concatenate([intra, inter])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(results["kernels"], results["numpy"], rtol=tol, atol=tol)
    np.testing.assert_allclose(results["split"], results["numpy"], rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_direct_nearest_rows_take_the_first_of_tied_references(backend, dtype):
    """The direct kernel's nearest reference over several pieces: the generic answer, ties to the
    first reference in piece order, -1 and inf without references, other items left empty."""
    from gpu_clover.over_sampling._geometry import nearest_in_union

    rng = np.random.default_rng(8)
    X = rng.normal(size=(90, 4)).astype(dtype)
    X[60:] = X[30:60]  # rows 30..59 and 60..89 are equal: ties across pieces and inside one
    rows = np.arange(90, dtype=np.int64)
    q_offsets, q_lengths = np.array([0, 10, 20, 25]), np.array([10, 10, 5, 0])
    pieces = [
        (np.array([60, 30, 30, 40]), np.array([30, 30, 0, 10])),
        (np.array([30, 60, 30, 30]), np.array([30, 30, 0, 5])),
    ]
    want = nearest_in_union(get_backend("numpy"), X, rows, q_offsets, q_lengths, rows, pieces)
    got = nearest_in_union(backend, X, rows, q_offsets, q_lengths, rows, pieces)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-5)
    assert (got[0][:10] >= 60).all() and (got[0][10:20] < 60).all()  # the first piece's copy
    assert (got[0][20:25] == -1).all() and np.isinf(got[1][20:25]).all()
    r_offsets, r_lengths = np.stack([p[0] for p in pieces]), np.stack([p[1] for p in pieces])
    direct = np.array([True, False, True, True])
    job = NearestRows(X, rows, q_offsets, q_lengths, rows, r_offsets, r_lengths, direct)
    assert generation_engine(backend).has_kernel_for(job)
    nearest, sq = generation_engine(backend).nearest_rows(job)
    np.testing.assert_array_equal(nearest[:10], want[0][:10])
    assert (nearest[10:20] == -1).all() and np.isinf(sq[10:20]).all()


def test_plan_rows_and_draws_match_the_generic_plan(backend, cupy_module):
    """The plan's items, positions, streams and draws (bit for bit), and float32 uniforms."""
    from gpu_clover import _random

    numpy_backend = get_backend("numpy")
    n_new = np.array([3, 0, 5, 1, 7])
    ends, keys = np.cumsum(n_new), np.array([4, 9, 2**40, 0, 11])
    for start, stop in ((0, 16), (4, 13)):
        got = generation_engine(backend).plan_rows(ends, keys, 77, start, stop)
        for g, w in zip(got, generation_engine(numpy_backend).plan_rows(ends, keys, 77, start, stop)):
            np.testing.assert_array_equal(g, w)
        args = (got[2], got[1], 3, 1, 2)
        np.testing.assert_array_equal(
            generation_engine(backend).plan_draws(*args), generation_engine(numpy_backend).plan_draws(*args)
        )
    bits = generation_engine(backend).plan_draws(got[2], got[1], 3, 0, 1)[:, 0]
    for dtype in (np.float32, np.float64):
        got = splitmix_steps(np)["uniform"](bits, dtype)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, _random.bits_to_uniform(np, bits, dtype))


@pytest.mark.parametrize("n_bins", [7, 3000])  # a shared-memory table per block / global atomics only
@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
def test_code_counts_and_first_occurrences(backend, n_bins, dtype):
    rng = np.random.default_rng(8)
    codes = rng.integers(0, n_bins - 2, size=5000).astype(dtype)  # the two last codes absent
    np.testing.assert_array_equal(backend.bincount(codes, n_bins), np.bincount(codes, minlength=n_bins))
    first = backend.first_occurrence(codes, n_bins)
    want = np.full(n_bins, codes.size)
    for code in np.unique(codes)[::-1]:
        want[code] = np.flatnonzero(codes == code)[0]
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(backend.first_occurrence(codes[:0], 3), [0, 0, 0])


def test_finite_checks_repeats_and_combined_codes(backend):
    X = np.ones((300, 7), dtype=np.float32)
    assert backend.all_finite(X)
    for bad in (np.nan, np.inf, -np.inf):
        Y = X.copy()
        Y[123, 4] = bad
        assert not backend.all_finite(Y)
    values, counts = np.array([5, 7, 9, 11]), np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(backend.repeat_values(values, counts), np.repeat(values, counts))
    assert backend.repeat_values(values, np.zeros(4, dtype=np.int64)).shape == (0,)
    rng = np.random.default_rng(9)
    major, minor = rng.integers(0, 300, 1000), rng.integers(0, 3, 1000)
    for key_dtype in (np.int16, np.int32, np.int64):
        got = backend.combined_codes(major, minor, 3, key_dtype)
        assert got.dtype == key_dtype
        np.testing.assert_array_equal(got, major * 3 + minor)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("row_dtype", [np.float32, np.float64, np.int64])
def test_take_gathers_rows(backend, index_dtype, row_dtype):
    rng = np.random.default_rng(10)
    table = rng.integers(-50, 50, size=(40, 3)).astype(row_dtype)
    index = rng.integers(0, 40, size=77).astype(index_dtype)
    np.testing.assert_array_equal(backend.take(table, index), table[index])
    np.testing.assert_array_equal(backend.take(table[:, 0].copy(), index), table[index, 0])


def test_random_steps_give_numpy_draws_bit_for_bit(cupy_module):
    from gpu_clover import _random

    steps = splitmix_steps(np)
    keys = np.array([0, 1, 7, 2**40, -3], dtype=np.int64)
    seed = np.uint64(2**63 + 11)
    bases = steps["bases"](keys, seed)
    np.testing.assert_array_equal(bases, _random.stream_bases(np, int(seed), keys))
    bits = steps["bits_range"](bases[:1], 77, np.empty(500, dtype=np.uint64))
    np.testing.assert_array_equal(bits, _random.draw_bits_range(np, bases[:1], 77, 500))
    np.testing.assert_array_equal(steps["uniform"](bits), _random.bits_to_uniform(np, bits))
    for upper in (np.asarray(1000), np.arange(1, 501, dtype=np.int64), np.asarray(2**31 + 5)):
        np.testing.assert_array_equal(steps["index"](bits, upper), _random.bits_to_index(np, bits, upper))
    counters = np.arange(12, dtype=np.int64).reshape(4, 3) * 7
    for b, c in (
        (bases, counters[0, 0] + np.arange(5)),
        (bases[:4, None], counters),
        (bases[:4, None], counters[:1]),
        (bases[:1], counters),
    ):
        np.testing.assert_array_equal(steps["bits"](b, c), _random.draw_bits(np, b, c))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_writes_rows_between_pairs(backend, dtype):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(50, 5)).astype(dtype)
    base, neighbor, gaps = rng.integers(0, 50, 30), rng.integers(0, 50, 30), rng.random(30).astype(dtype)
    out = np.empty((30, 5), dtype=dtype)
    generation_engine(backend).interpolate(X, base, neighbor, gaps, out)
    np.testing.assert_array_equal(out, X[base] + gaps[:, None] * (X[neighbor] - X[base]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_between_values_of_opposite_signs_near_the_float_maximum(backend, dtype):
    """b - a overflows there: the kernel and the generic code take two half steps, both finite."""
    rng = np.random.default_rng(12)
    X = rng.choice([-1.0, 1.0], size=(50, 5)) * np.finfo(dtype).max * rng.uniform(0.6, 1.0, size=(50, 5))
    X = X.astype(dtype)
    X[0, 0] = 1.0  # ordinary values stay as they were
    base, neighbor, gaps = rng.integers(0, 50, 30), rng.integers(0, 50, 30), rng.random(30).astype(dtype)
    gaps[0] = 0
    got, want = np.empty((30, 5), dtype=dtype), np.empty((30, 5), dtype=dtype)
    generation_engine(backend).interpolate(X, base, neighbor, gaps, got)
    generation_engine(get_backend("numpy")).interpolate(X, base, neighbor, gaps, want)
    np.testing.assert_array_equal(got, want)
    assert np.isfinite(got).all()
    low, high = np.minimum(X[base], X[neighbor]), np.maximum(X[base], X[neighbor])
    assert ((got >= low) & (got <= high)).all()
    np.testing.assert_array_equal(got[0], X[base[0]])


@pytest.mark.parametrize(
    ("dtype", "exponent"),
    [
        (np.float32, 66),
        (np.float32, 125),
        (np.float32, -140),
        (np.float64, 996),
        (np.float64, 1020),
        (np.float64, -1060),
    ],
)
@pytest.mark.parametrize("strategy", [None, "combined"])
def test_geometric_rows_at_extreme_scales_match_the_generic_points(backend, dtype, exponent, strategy):
    """Squares that overflow or underflow: kernel and generic code bring the rows near 1 by the
    same power of two, and clip points beyond the float range."""
    from gpu_clover.over_sampling._geometry import geometric_rows, uniform_draws

    rng = np.random.default_rng(16)
    X = np.ldexp(rng.normal(size=(40, 37)), exponent).astype(dtype)
    centers, surfaces = rng.integers(0, 40, 60), rng.integers(0, 40, 60)
    surfaces[:3] = centers[:3]
    majority = None if strategy is None else rng.integers(-1, 40, 60)
    args = (rng.random((60, uniform_draws(37))), -0.5, 0.3)
    got = geometric_rows(backend, X, centers, surfaces, *args, np.empty((60, 37), dtype=dtype), majority, strategy)
    want = geometric_rows(
        get_backend("numpy"), X, centers, surfaces, *args, np.empty((60, 37), dtype=dtype), majority, strategy
    )
    assert np.isfinite(got).all()
    scale = np.abs(want).max()
    np.testing.assert_allclose(got / scale, want / scale, rtol=0, atol=1e-4 if dtype == np.float32 else 1e-10)
    np.testing.assert_array_equal(got[:3], X[centers[:3]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_feature_variance_and_float_sums(backend, cupy_module, monkeypatch, dtype):
    """k-means' tol scale (two float64 passes, accurate far from the origin) and the inertia sum."""
    monkeypatch.setattr(neighbors_engine_cupy, "SUM_CHUNK_ROWS", 64)  # several row chunks
    monkeypatch.setattr(cupy_module, "_REDUCE_WIDTH", 100)  # several blocks
    rng = np.random.default_rng(5)
    X = rng.normal(loc=1000.0, size=(300, 37)).astype(dtype)
    exact = X.astype(np.float64)
    assert cluster_engine(backend).mean_feature_variance(X) == pytest.approx(exact.var(axis=0).mean(), rel=1e-9)
    values = rng.random(1234).astype(dtype)
    assert backend.reduce_to_scalar(values, "sum", dtype=np.float64) == pytest.approx(
        values.astype(np.float64).sum(), rel=1e-12
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kmeans_kernels_match_the_generic_steps(backend, dtype):
    """The k-means kernels through the emulation equal the generic steps (exact sums): a check of
    the kernels and of the emulation itself."""
    rng = np.random.default_rng(3)
    X = rng.integers(-8, 8, size=(500, 3)).astype(dtype)  # small integers: every sum is exact
    centers = X[:7].copy()
    numpy_backend = get_backend("numpy")
    np.testing.assert_array_equal(
        cluster_engine(backend).nearest_center(X, centers), cluster_engine(numpy_backend).nearest_center(X, centers)
    )
    new, counts, shift = cluster_engine(backend).lloyd_step(X, centers)
    want_new, want_counts, want_shift = cluster_engine(numpy_backend).lloyd_step(X, centers)
    np.testing.assert_allclose(new, want_new, rtol=1e-6)
    np.testing.assert_array_equal(counts, want_counts)
    assert shift == pytest.approx(want_shift, rel=1e-6)
    first, uniforms = np.array([11]), rng.random((6, 3))  # 7 centers, 3 candidates per step
    np.testing.assert_array_equal(
        cluster_engine(backend).kmeans_plusplus(X, first, uniforms),
        cluster_engine(numpy_backend).kmeans_plusplus(X, first, uniforms),
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_som_epoch_matches_the_generic_step(backend, dtype):
    """A batch-SOM epoch: the k-means kernels' sums and counts, the neighbourhood, the update."""
    rng = np.random.default_rng(12)
    X = rng.integers(-8, 8, size=(600, 3)).astype(dtype)
    weights = rng.normal(size=(12, 3)).astype(dtype)
    weights[5] = 1000  # wins no row: with a narrow neighbourhood nothing reaches it, so it stays
    positions = np.stack(np.divmod(np.arange(12), 4), axis=1).astype(np.float64)  # a 3 x 4 map
    grid_sq = ((positions[:, None] - positions[None]) ** 2).sum(axis=-1)
    for width in (2.0, 0.3, 0.05):  # wide, narrow, and too narrow to reach a neighbour
        got = cluster_engine(backend).som_epoch(X, weights, grid_sq, width, 0.5)
        want = cluster_engine(get_backend("numpy")).som_epoch(X, weights, grid_sq, width, 0.5)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert np.array_equal(got[5], weights[5])


def test_kmeans_smote_end_to_end_through_the_kernels(backend, monkeypatch):
    """The whole fit_resample on the CuPy backend's code (host kernels): exact counts, the
    input rows first, every synthetic row on a segment between two minority rows of one
    cluster, and the same output for the same seed."""
    monkeypatch.setattr(backends, "cuda_available", lambda: True)
    numpy_backend = get_backend("numpy")
    monkeypatch.setattr(backends, "_instance", lambda name: backend if name == "cupy" else numpy_backend)
    rng = np.random.default_rng(6)
    X = np.concatenate([rng.normal(size=(500, 4)), rng.normal(loc=2.0, size=(80, 4))])
    y = np.repeat([0, 1], [500, 80])

    def resample():
        kmeans = KMeans(n_clusters=5, max_iter=10, random_state=0, backend="cupy")  # few launches: emulation is slow
        sampler = gpu_clover.KMeansSMOTE(kmeans_estimator=kmeans, k_neighbors=3, random_state=0, backend="cupy")
        return (*sampler.fit_resample(X, y), sampler.labels_)

    X_res, y_res, labels = resample()
    assert np.bincount(y_res).tolist() == [500, 500]
    np.testing.assert_array_equal(X_res[: len(X)], X)
    for x in X_res[len(X) :]:
        gaps = []
        for cluster in np.unique(labels):
            members = X[(labels == cluster) & (y == 1)]
            a, diff = members[:, None, :], members[None, :, :] - members[:, None, :]
            t = np.clip(((x - a) * diff).sum(-1) / np.maximum((diff * diff).sum(-1), 1e-30), 0, 1)
            gaps.append(np.min(np.linalg.norm(a + t[..., None] * diff - x, axis=-1)) if len(members) else np.inf)
        assert min(gaps) < 1e-9
    again = resample()
    np.testing.assert_array_equal(again[0], X_res)


# The most distinct kernels a first fit_resample on float32 data may compile on a cold GPU, by
# the census (tests/backends/census.py), from NumPy or device input: every one of them one of
# gpu_clover's own modules. A change that adds kernels must raise these on purpose; the GPU's
# own count is in gpu_check.sh's cold-start log.
COLD_START_BUDGETS = {"KMeansSMOTE": 10, "SOMO": 10, "GeometricSOMO": 10}


def _census_sampler(name):
    if name == "KMeansSMOTE":
        kmeans = KMeans(n_clusters=5, max_iter=10, random_state=0, backend="cupy")  # few launches: emulation is slow
        return gpu_clover.KMeansSMOTE(kmeans_estimator=kmeans, random_state=0, backend="cupy")
    return getattr(gpu_clover, name)(som_estimator=9, random_state=0, backend="cupy")


def _device_census_backend(monkeypatch, census=None):
    """The census' traced NumPy standing in for CuPy, the CuPy backend's code on the host kernels as
    the "cupy" backend. Every array the stand-in makes is traced, so traced arrays stand for device
    arrays: an untraced one reaching a kernel came from the host, and the kernels refuse it."""
    import gpu_clover._random as random_module

    census = census if census is not None else Census()
    xp = traced_numpy(census)
    xp.cuda = types.SimpleNamespace(memory=types.SimpleNamespace(OutOfMemoryError=_OutOfMemory))
    module, compiler = load_cupy_module(
        xp, on_kernel=lambda name, ctype: census.record("module", name, [ctype]), device_array=TracedArray
    )
    monkeypatch.setattr(_launch, "compiler", compiler)
    backend = host_backend(module, xp)
    numpy_backend = get_backend("numpy")
    monkeypatch.setattr(backends, "cuda_available", lambda: True)
    monkeypatch.setattr(backends, "_instance", lambda name: backend if name == "cupy" else numpy_backend)
    steps = splitmix_steps(xp)
    monkeypatch.setattr(random_module, "_fused", lambda namespace: steps if namespace is xp else None)
    return backend


class _DeviceArray(TracedArray):
    """A traced array that gpu_clover takes for a CuPy array (``is_cupy_array``): device input."""


_DeviceArray.__module__ = "cupy"


@pytest.mark.parametrize("sampler", list(COLD_START_BUDGETS))
@pytest.mark.parametrize("source", ["numpy", "device"])
def test_cold_start_census(monkeypatch, source, sampler):
    """Count what the first call would compile: our modules and CuPy's kernels, from NumPy
    input and from device input (the GPU check's cold start); no host array reaches a
    kernel. ``-s`` prints the list."""
    census = Census()
    _device_census_backend(monkeypatch, census)
    rng = np.random.default_rng(7)
    X = np.concatenate([rng.normal(size=(700, 4)), rng.normal(loc=2.0, size=(90, 4))]).astype(np.float32)
    y = np.repeat([0, 1], [700, 90])
    if source == "device":
        X, y = X.view(_DeviceArray), y.view(_DeviceArray)
    _, y_res = _census_sampler(sampler).fit_resample(X, y)
    assert np.bincount(np.asarray(y_res).view(np.ndarray)).tolist() == [700, 700]
    print(f"\ncold-start census, {sampler}, {source} input: {census.compilations()} distinct kernels\n{census.table()}")
    assert census.compilations() <= COLD_START_BUDGETS[sampler], census.table()


def test_cudf_in_gives_cudf_out_without_leaving_the_device(monkeypatch):
    """cuDF never runs here: stand-ins whose module is ``cudf`` hold device arrays; a frame and a
    series in give a frame (same columns) and a series (same name) of device arrays out."""

    class Series:
        def __init__(self, data, name=None):
            self.data, self.name, self.dtype = data, name, data.dtype

        def to_cupy(self):
            return self.data

    class DataFrame:
        def __init__(self, data, columns=None):
            assert isinstance(data, TracedArray), f"cuDF got {type(data).__name__}, not a device array"
            self.data, self.columns = data, list(columns)

        def to_cupy(self):
            return self.data

    for cls in (Series, DataFrame):
        cls.__module__ = "cudf.core"
    monkeypatch.setitem(sys.modules, "cudf", types.SimpleNamespace(DataFrame=DataFrame, Series=Series))
    _device_census_backend(monkeypatch)
    rng = np.random.default_rng(12)
    X = np.concatenate([rng.normal(size=(200, 3)), rng.normal(loc=2.0, size=(40, 3))]).astype(np.float32)
    frame = DataFrame(X.view(_DeviceArray), columns=["a", "b", "c"])
    target = Series(np.repeat([3, 7], [200, 40]).view(_DeviceArray), name="label")
    kmeans = KMeans(n_clusters=3, max_iter=10, random_state=0, backend="cupy")
    X_res, y_res = gpu_clover.KMeansSMOTE(kmeans_estimator=kmeans, random_state=0).fit_resample(frame, target)
    assert isinstance(X_res, DataFrame) and X_res.columns == ["a", "b", "c"]
    assert isinstance(y_res, Series) and y_res.name == "label" and isinstance(y_res.data, TracedArray)
    np.testing.assert_array_equal(X_res.data[:240].view(np.ndarray), X)
    assert np.unique(y_res.data.view(np.ndarray), return_counts=True)[1].tolist() == [200, 200]


def test_a_cuml_clusterer_gets_device_arrays_and_its_labels_stay_on_the_device(monkeypatch):
    """cuML never runs here: a stand-in whose module is ``cuml`` (as ``cuml.KMeans`` is) must get X on
    the device, and its device labels must be used without a host round trip (the census' device
    arrays stand for CuPy's; the kernels refuse host arrays)."""
    from sklearn.base import BaseEstimator
    from sklearn.cluster import KMeans as HostKMeans

    class CumlKMeans(BaseEstimator):
        def __init__(self, n_clusters=8, random_state=None):
            self.n_clusters, self.random_state = n_clusters, random_state

        def fit(self, X):
            assert isinstance(X, TracedArray), f"cuML got {type(X).__name__}, not a device array"
            host = HostKMeans(self.n_clusters, n_init=1, random_state=self.random_state).fit(X.view(np.ndarray))
            self.labels_ = host.labels_.astype(np.int32).view(_DeviceArray)  # cuML answers on the device
            return self

    CumlKMeans.__module__ = "cuml.cluster.kmeans"
    _device_census_backend(monkeypatch)
    rng = np.random.default_rng(11)
    X = (
        np.concatenate([rng.normal(size=(300, 3)), rng.normal(loc=2.0, size=(60, 3))])
        .astype(np.float32)
        .view(_DeviceArray)
    )
    y = np.repeat([0, 1], [300, 60]).view(_DeviceArray)
    sampler = gpu_clover.KMeansSMOTE(kmeans_estimator=CumlKMeans(4, random_state=0), random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, TracedArray) and isinstance(sampler.labels_, TracedArray)
    assert np.bincount(y_res.view(np.ndarray)).tolist() == [300, 300]
    want = HostKMeans(4, n_init=1, random_state=0).fit(X.view(np.ndarray)).labels_
    np.testing.assert_array_equal(sampler.labels_.view(np.ndarray), want)


def test_bounded_neighbour_engines_on_the_cupy_backend(backend, monkeypatch):
    """Above the exact limit (lowered here) the cell search and the sampled sums run the CuPy
    backend's primitives (its segment sums, sorts and gathers): their tables and sums agree
    with the NumPy backend's within the method's tolerance."""
    monkeypatch.setattr(_group_neighbors, "EXACT_MAX_ROWS", 150)
    monkeypatch.setattr(_group_neighbors, "CELL_SEARCH_MIN_ROWS", 150)
    monkeypatch.setattr(_cell_search, "CELL_ROWS", 8)
    monkeypatch.setattr(_cell_search, "CANDIDATES", 64)
    rng = np.random.default_rng(11)
    X = (rng.normal(scale=4.0, size=(6, 4))[rng.integers(0, 6, 700)] + rng.normal(size=(700, 4))).astype(np.float32)
    clusters = (np.arange(700) >= 400).astype(np.int64)
    groups = build_groups(get_backend("numpy"), clusters, np.zeros(700, dtype=np.int64), np.arange(2), np.arange(1))
    results = []
    for on in (get_backend("numpy"), backend):
        stats = GroupNeighbors(on, on.asarray(X), groups, k_neighbors=4, seed=3)
        table, starts = stats.knn(np.arange(2))
        results.append((np.asarray(on.to_host(table)), starts, stats.distance_sums(np.arange(2))))
    (want, want_starts, want_sums), (got, got_starts, got_sums) = results
    np.testing.assert_allclose(got_sums, want_sums, rtol=1e-6)  # the same sampled pairs
    for start, offset, length in zip(want_starts, groups.offsets, groups.lengths):
        members = X[offset : offset + length]
        exact = np.argsort(cdist(members, members) + np.diag(np.full(length, np.inf)), axis=1)[:, :4]
        for found, first in ((want, start), (got, got_starts[0] if offset == 0 else got_starts[1])):
            rows = found[first : first + length]
            assert not (rows == np.arange(length)[:, None]).any()
            recall = np.mean([len(set(a) & set(b)) / 4 for a, b in zip(rows.tolist(), exact.tolist())])
            assert recall > 0.85


def _mixed_rows(n_majority, n_minority, seed):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(size=(n_majority, 3)), rng.normal(loc=1.5, size=(n_minority, 3))])
    y = np.repeat([0, 1], [n_majority, n_minority])
    colour = np.where(y == 1, rng.choice(["red", "blue"], len(y), p=[0.8, 0.2]), rng.choice(["red", "blue"], len(y)))
    size = rng.integers(0, 40, len(y))
    return X.astype(np.float32), colour, size, y


@pytest.mark.parametrize("sampler", ["KMeansSMOTE", "SOMO"])
def test_categorical_columns_on_the_cupy_backend_code(monkeypatch, sampler):
    """Categorical columns through the CuPy backend's code on the host kernels: the mixed engines
    (array-generic) run on the device namespace; counts exact, categories observed in the class."""
    import pandas as pd

    census = Census()
    _device_census_backend(monkeypatch, census)
    X, colour, size, y = _mixed_rows(400, 90, 21)
    frame = pd.DataFrame({"a": X[:, 0], "colour": colour, "b": X[:, 1], "size": size, "c": X[:, 2]})
    X_res, y_res = _census_sampler(sampler).set_params(categorical_features=["colour", "size"]).fit_resample(frame, y)
    assert np.bincount(np.asarray(y_res)).tolist() == [400, 400]
    assert (X_res.dtypes == frame.dtypes).all() and list(X_res.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(X_res.iloc[:490], frame)
    for column in ("colour", "size"):
        assert set(X_res[column].iloc[490:]) <= set(frame.loc[y == 1, column])
    # The penalty and the modes ran on the stand-in device namespace: mismatch comparisons of
    # int32 codes and the tie draws' index were recorded there.
    table = census.table()
    assert "not_equal" in table and "('<i4', '<i4')" in table, table


def test_cudf_categorical_columns_stay_cudf(monkeypatch):
    """cuDF never runs here: stand-ins whose module is ``cudf``, backed by pandas for their
    categories and by device arrays for their values. A frame with a category column and a
    string column comes back as a frame of the same columns and dtypes; the codes never leave
    the stand-in device."""
    import pandas as pd

    class Index:
        def __init__(self, values):
            self.values = values

        def __len__(self):
            return len(self.values)

        def take(self, codes):
            assert isinstance(codes, TracedArray), "the codes must stay on the device"
            return self.values.take(codes.view(np.ndarray))

    class Series:
        def __init__(self, data, name=None):
            self.data, self.name = data, name
            self.dtype = data.dtype

        def __len__(self):
            return len(self.data)

        def to_cupy(self):
            return np.asarray(self.data).view(_DeviceArray)

        def astype(self, dtype):
            return Series(pd.Series(np.asarray(self.data)).astype(dtype), self.name)

        def isnull(self):
            return pd.Series(self.data).isna()

        @property
        def cat(self):
            values = pd.Series(self.data)
            return types.SimpleNamespace(
                codes=Series(values.cat.codes.to_numpy()), categories=Index(values.cat.categories)
            )

    class DataFrame:
        def __init__(self, data, columns=None):
            if isinstance(data, dict):
                self.series = {
                    name: value if isinstance(value, Series) else Series(value) for name, value in data.items()
                }
            else:
                assert isinstance(data, TracedArray), f"cuDF got {type(data).__name__}, not a device array"
                self.series = {name: Series(data[:, j], name) for j, name in enumerate(columns)}
            self.columns = list(self.series)

        def __len__(self):
            return len(next(iter(self.series.values())))

        @property
        def dtypes(self):
            return [self.series[name].dtype for name in self.columns]

        def __getitem__(self, key):
            if isinstance(key, list):
                return DataFrame({name: self.series[name] for name in key})
            return self.series[key]

        def to_cupy(self):
            return np.stack([np.asarray(self.series[n].data) for n in self.columns], axis=1).view(_DeviceArray)

    for cls in (Series, DataFrame, Index):
        cls.__module__ = "cudf.core"
    monkeypatch.setitem(sys.modules, "cudf", types.SimpleNamespace(DataFrame=DataFrame, Series=Series))
    _device_census_backend(monkeypatch)
    X, colour, size, y = _mixed_rows(300, 60, 22)
    frame = DataFrame(
        {
            "a": X[:, 0],
            "colour": pd.Series(colour, dtype="category"),
            "b": X[:, 1],
            "size": pd.Series(size.astype(str), dtype=object),
        }
    )
    target = Series(y.view(_DeviceArray), name="label")
    kmeans = KMeans(n_clusters=3, max_iter=10, random_state=0, backend="cupy")
    X_res, y_res = gpu_clover.KMeansSMOTE(kmeans_estimator=kmeans, random_state=0).fit_resample(frame, target)
    assert isinstance(X_res, DataFrame) and X_res.columns == ["a", "colour", "b", "size"]
    assert [str(d) for d in X_res.dtypes] == [str(d) for d in frame.dtypes]
    assert isinstance(y_res, Series) and np.bincount(np.asarray(y_res.data)).tolist() == [300, 300]
    assert set(pd.Series(X_res["colour"].data)[360:]) <= set(colour[y == 1])
    assert set(pd.Series(X_res["size"].data)[360:]) <= set(size[y == 1].astype(str))


def test_device_array_with_named_columns(monkeypatch):
    """A CuPy array (the census' device arrays) with columns named categorical: their values are
    the categories, found on the device; the answer is a device array of X's dtype."""
    _device_census_backend(monkeypatch)
    X, _, size, y = _mixed_rows(300, 60, 23)
    table = np.hstack([X, size[:, None].astype(np.float32)])
    sampler = gpu_clover.SMOTE(random_state=0, backend="cupy", categorical_features=[3])
    X_res, y_res = sampler.fit_resample(table.view(_DeviceArray), y.view(_DeviceArray))
    assert isinstance(X_res, TracedArray) and X_res.dtype == np.float32 and X_res.shape == (600, 4)
    assert np.bincount(y_res.view(np.ndarray)).tolist() == [300, 300]
    X_res = X_res.view(np.ndarray)
    np.testing.assert_array_equal(X_res[:360], table)
    assert set(X_res[360:, 3]) <= set(table[y == 1, 3])
