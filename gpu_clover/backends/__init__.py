"""Backends: one interface over NumPy (CPU) and CuPy (GPU).

``get_backend("auto" | "numpy" | "cupy", like=X)`` returns the backend object the
algorithm modules compute with. CuPy is imported lazily: ``import gpu_clover``
works without it.
"""

import functools
import importlib.util

from ._base import Backend
from ._numpy import NumPyBackend

BACKENDS = ("auto", "numpy", "cupy")


def is_cupy_array(a):
    """Whether ``a`` is a CuPy array (without importing CuPy)."""
    return type(a).__module__.split(".")[0] == "cupy"


def is_cudf_object(a):
    """Whether ``a`` is a cuDF DataFrame or Series (without importing cuDF)."""
    return type(a).__module__.split(".")[0] == "cudf"


@functools.lru_cache(maxsize=1)
def cuda_available():
    """Whether CuPy is importable and sees at least one CUDA device."""
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any CUDA/driver failure means "no GPU"
        return False


@functools.lru_cache(maxsize=None)
def _instance(name):
    if name == "numpy":
        return NumPyBackend()
    from ._cupy import CuPyBackend

    return CuPyBackend()


def get_backend(name="auto", like=None):
    """The backend for ``name``, resolving ``"auto"`` from the data ``like``.

    ``"auto"``: CuPy/cuDF input -> cupy; otherwise cupy when CuPy and a CUDA device
    are present, else numpy.
    """
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {name!r}.")
    if name == "auto":
        on_device = like is not None and (is_cupy_array(like) or is_cudf_object(like))
        name = "cupy" if on_device or cuda_available() else "numpy"
    if name == "cupy" and not cuda_available():
        raise ValueError(
            "backend='cupy' needs CuPy and a CUDA device; none was found. "
            "Install gpu-clover[cuda12] or [cuda13], or use backend='numpy'."
        )
    return _instance(name)


__all__ = ["Backend", "BACKENDS", "cuda_available", "get_backend", "is_cudf_object", "is_cupy_array"]
