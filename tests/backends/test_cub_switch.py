"""``cub_disabled``: CuPy's CUB accelerators off during a call, the caller's settings restored."""

import pytest

from gpu_clover import backends
from gpu_clover.backends import cub_disabled, runs_without_cub


def test_numpy_backend_leaves_cupy_alone(monkeypatch):
    monkeypatch.setattr(backends, "cuda_available", lambda: pytest.fail("must not probe CUDA for backend='numpy'"))
    with cub_disabled("numpy"):
        pass


def test_switch_is_scoped_and_restored_even_on_error(monkeypatch):
    accelerator = pytest.importorskip(
        "cupy._core._accelerator",
        reason="the CUB switch's scope is checked on CuPy's own accelerator lists: needs CuPy installed (not a GPU)",
    )
    monkeypatch.setattr(backends, "cuda_available", lambda: True)
    saved = accelerator.get_reduction_accelerators(), accelerator.get_routine_accelerators()
    accelerator.set_reduction_accelerators(["cub"])
    accelerator.set_routine_accelerators(["cub"])
    try:
        with pytest.raises(RuntimeError, match="inside"), cub_disabled("auto"):
            assert accelerator.get_reduction_accelerators() == []
            assert accelerator.get_routine_accelerators() == []
            raise RuntimeError("inside")
        assert accelerator.get_reduction_accelerators() == [accelerator.ACCELERATOR_CUB]
        assert accelerator.get_routine_accelerators() == [accelerator.ACCELERATOR_CUB]

        class Estimator:
            backend = "cupy"

            @runs_without_cub
            def fit(self, seen):
                seen.append(list(accelerator.get_reduction_accelerators()))
                return self

        seen = []
        Estimator().fit(seen)
        assert seen == [[]]
        assert accelerator.get_reduction_accelerators() == [accelerator.ACCELERATOR_CUB]
    finally:
        accelerator.set_reduction_accelerators(saved[0])
        accelerator.set_routine_accelerators(saved[1])


# CuPy operations that run CUB when its accelerators are on: reductions (ufunc reduce,
# argmin / argmax) and scans (cumsum).
_CUB_OPERATIONS = ("ufunc.reduce", "argmin", "argmax", "cumsum")


def test_the_switch_is_still_needed(monkeypatch):
    """Why ``cub_disabled`` stays: the cold start at default sizes calls no CuPy reduction or
    scan (only gpu_clover's kernels), but the bounded-cost neighbour search and the sampled
    distance sums (large groups) still do. When this fails, no fit path calls them any more
    and the switch (with its private CuPy API) can go."""
    import numpy as np
    from census import Census
    from test_kernels_on_host import _device_census_backend

    import gpu_clover
    from gpu_clover.cluster import KMeans
    from gpu_clover.neighbors import _cell_search, _group_neighbors

    rng = np.random.default_rng(7)
    X = np.concatenate([rng.normal(size=(700, 4)), rng.normal(loc=2.0, size=(400, 4))]).astype(np.float32)
    y = np.repeat([0, 1], [700, 400])

    def cub_operations(large_groups):
        census = Census()
        with monkeypatch.context() as patch:
            _device_census_backend(patch, census)
            if large_groups:  # groups above the exact limit: the bounded-cost engines
                patch.setattr(_group_neighbors, "EXACT_MAX_ROWS", 150)
                patch.setattr(_group_neighbors, "CELL_SEARCH_MIN_ROWS", 150)
                patch.setattr(_cell_search, "CELL_ROWS", 8)
                patch.setattr(_cell_search, "CANDIDATES", 64)
            kmeans = KMeans(n_clusters=2, max_iter=5, random_state=0, backend="cupy")
            gpu_clover.KMeansSMOTE(kmeans_estimator=kmeans, random_state=0, backend="cupy").fit_resample(X, y)
        return [
            line for line in census.table().splitlines() if any(op in line.split("<-")[0] for op in _CUB_OPERATIONS)
        ]

    assert cub_operations(large_groups=False) == []
    found = cub_operations(large_groups=True)
    print("\n".join(found))
    assert any("_cell" in line or "_ranking" in line or "_sampled_sums" in line for line in found), found
