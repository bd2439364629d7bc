"""Backends: one interface over NumPy (CPU) and CuPy (GPU).

``get_backend("auto" | "numpy" | "cupy", like=X)`` returns the backend object the
algorithm modules compute with. CuPy is imported lazily: ``import gpu_clover``
works without it.
"""

import contextlib
import functools
import importlib.util

from ._base import Backend
from ._foreign import is_cuda_array
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
    except Exception:
        return False


@functools.cache
def _instance(name):
    if name == "numpy":
        return NumPyBackend()
    from ._cupy import CuPyBackend

    return CuPyBackend()


def get_backend(name="auto", like=None):
    """The backend for ``name``, resolving ``"auto"`` from the data ``like``.

    Parameters
    ----------
    name : {"auto", "numpy", "cupy"}, default="auto"
        ``"auto"``: CuPy/cuDF input, or another library's CUDA array (DLPack, CUDA array
        interface) -> cupy; otherwise cupy when CuPy and a CUDA device are present, else numpy.
    like : array-like, default=None
        The data the backend will work on, for ``"auto"``.

    Returns
    -------
    backend
        The backend object; its ``name`` is ``"numpy"`` or ``"cupy"``.

    Raises
    ------
    ValueError
        For an unknown ``name``, ``"cupy"`` without CuPy or a CUDA device, or ``like`` on a
        device other than the host or a CUDA device.

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_clover import get_backend
    >>> get_backend("numpy").name
    'numpy'
    >>> get_backend("auto", like=np.zeros(3)).name in ("numpy", "cupy")
    True
    """
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {name!r}.")
    if name == "auto":
        on_device = like is not None and (is_cupy_array(like) or is_cudf_object(like) or is_cuda_array(like))
        name = "cupy" if on_device or cuda_available() else "numpy"
    if name == "cupy" and not cuda_available():
        raise ValueError(
            "backend='cupy' needs CuPy and a CUDA device; none was found. "
            "Install gpu-clover[cuda12] or [cuda13], or use backend='numpy'."
        )
    return _instance(name)


@contextlib.contextmanager
def cub_disabled(backend_name="auto"):
    """CuPy's CUB accelerators switched off for the duration of one gpu_clover call.

    Why it is still needed: gpu_clover's hot paths run its own kernels (a first
    fit_resample at default sizes calls no CuPy reduction at all), but the bounded-cost
    neighbour search, the sampled distance sums, the generic top-k (k above the fused
    kernel's limit), run sums and some whole-array reductions still call CuPy's
    reductions and ``cumsum`` (the census in ``tests/backends/test_cub_switch.py`` lists
    them and fails once none is left, when this switch should go). With CUB on, each of
    those compiles a CUB template through Jitify on first use per shape and dtype, and
    the float additions run in CUB's order; with it off, CuPy's own kernels (compiled
    once, cached) add in one order whatever the user's CUB setting, so the same seed
    gives the same output bits.

    Why this scope: CuPy has no per-call switch, only this process-wide (private)
    setting, so it is set for one estimator call on the CuPy backend and the caller's
    settings are restored on exit; CuPy work on other threads during the call also runs
    without CUB. A CuPy without these switches is left as it is.
    """
    if backend_name == "numpy" or not cuda_available():
        yield
        return
    try:
        from cupy._core import _accelerator as accelerator

        saved = accelerator.get_reduction_accelerators(), accelerator.get_routine_accelerators()
    except (ImportError, AttributeError):  # a CuPy without these switches: leave it as it is
        yield
        return
    accelerator.set_reduction_accelerators([])
    accelerator.set_routine_accelerators([])
    try:
        yield
    finally:
        accelerator.set_reduction_accelerators(saved[0])
        accelerator.set_routine_accelerators(saved[1])


def runs_without_cub(method):
    """Decorate an estimator method to run inside ``cub_disabled(self.backend)``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with cub_disabled(getattr(self, "backend", "auto")):
            return method(self, *args, **kwargs)

    return wrapper


__all__ = [
    "BACKENDS",
    "Backend",
    "cub_disabled",
    "cuda_available",
    "get_backend",
    "is_cudf_object",
    "is_cupy_array",
    "runs_without_cub",
]
