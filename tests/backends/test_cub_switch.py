"""``cub_disabled``: CuPy's CUB accelerators off during a call, the caller's settings restored."""

import pytest

from gpu_clover import backends
from gpu_clover.backends import cub_disabled, runs_without_cub


def test_numpy_backend_leaves_cupy_alone(monkeypatch):
    monkeypatch.setattr(backends, "cuda_available", lambda: pytest.fail("must not probe CUDA for backend='numpy'"))
    with cub_disabled("numpy"):
        pass


def test_switch_is_scoped_and_restored_even_on_error(monkeypatch):
    accelerator = pytest.importorskip("cupy._core._accelerator", reason="needs CuPy installed (a GPU is not needed)")
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
