"""Arrays of other libraries: PyTorch, JAX, Numba, any DLPack or CUDA-array-interface producer.

Such an array is read without a copy: a host array as a NumPy view (DLPack), a
CUDA array as a CuPy view (DLPack, or ``__cuda_array_interface__``). The
resampled arrays go back into the caller's library, on the device each came from:

- ``torch.Tensor`` in, ``torch.Tensor`` out (``torch.from_dlpack``);
- a JAX array, or any array whose ``__array_namespace__()`` has ``from_dlpack``,
  comes back through that namespace's ``from_dlpack``;
- a Numba device array comes back as a Numba device array (``numba.cuda.as_cuda_array``);
- any other producer gets a NumPy array (host) or a CuPy array (CUDA): there is
  no constructor to return its own type with.

NumPy, CuPy, cuDF, pandas, PyArrow and Dask objects may also speak DLPack but are
read by their own paths (:mod:`gpu_clover._validation`, :mod:`gpu_clover.dask`): they
are not "foreign" here.
"""

import functools

import numpy as np

# The libraries gpu_clover reads natively, by the top-level module of their array types.
# PyArrow arrays speak DLPack for numbers only; NumPy reads them all (string labels too).
_NATIVE_LIBRARIES = frozenset({"builtins", "numpy", "cupy", "cudf", "pandas", "dask", "scipy", "pyarrow"})
# DLPack device types (dlpack.h, DLDeviceType) gpu_clover reads, and the names of the others.
_HOST_DEVICES = {1: "CPU", 3: "CUDA host (pinned)"}
_CUDA_DEVICES = {2: "CUDA", 13: "CUDA managed"}
_OTHER_DEVICES = {
    4: "OpenCL",
    7: "Vulkan",
    8: "Metal",
    9: "VPI",
    10: "ROCm",
    11: "ROCm host",
    12: "ExtDev",
    14: "oneAPI",
    15: "WebGPU",
    16: "Hexagon",
    17: "MAIA",
}


def _library(a):
    return type(a).__module__.split(".")[0]


def is_foreign_array(a):
    """Whether ``a`` is another library's array that speaks DLPack or the CUDA array interface."""
    if _library(a) in _NATIVE_LIBRARIES:
        return False
    return hasattr(a, "__dlpack_device__") or hasattr(a, "__cuda_array_interface__")


def is_cuda_array(a):
    """Whether ``a`` is another library's array in CUDA device memory (a torch CUDA tensor, a Numba device array)."""
    return is_foreign_array(a) and array_device(a) == "cuda"


def describe(a):
    """``a``'s type as its library spells it, e.g. ``torch.Tensor``, for messages."""
    return f"{_library(a)}.{type(a).__name__}"


def array_device(a, name="the array"):
    """``"cpu"`` or ``"cuda"``: where the foreign array ``a`` lives.

    Raises
    ------
    ValueError
        For a device that is neither the host nor a CUDA device (Metal, ROCm, ...),
        or one the producer cannot describe through DLPack (torch's ``meta``).
    """
    if not hasattr(a, "__dlpack_device__"):
        return "cuda"  # the CUDA array interface describes device memory only
    try:
        device_type, device_id = a.__dlpack_device__()
    except (ValueError, RuntimeError, BufferError) as error:
        raise ValueError(f"{name} ({describe(a)}) cannot be exported through DLPack: {error}") from None
    device_type = int(device_type)
    if device_type in _HOST_DEVICES:
        return "cpu"
    if device_type in _CUDA_DEVICES:
        return "cuda"
    device = _OTHER_DEVICES.get(device_type, "unknown")
    raise ValueError(
        f"{name} ({describe(a)}) lives on DLPack device type {device_type} ({device}, index {device_id}); "
        "gpu_clover reads CPU and CUDA arrays only: move it to one of them first (e.g. tensor.cpu())."
    )


def import_array(a, name, backend_name="auto"):
    """A view of ``a`` that gpu_clover reads, and the function that returns a result in ``a``'s kind.

    Parameters
    ----------
    a : object
        The caller's ``X`` or ``y``. Anything that is not a foreign array comes
        back unchanged, with the identity as its export.
    name : str
        ``"X"`` or ``"y"``, for messages.
    backend_name : {"auto", "numpy", "cupy"}, default="auto"
        The backend asked for: a CUDA array cannot go to ``"numpy"`` (no silent
        device-to-host copies).

    Returns
    -------
    view : numpy.ndarray or cupy.ndarray
        ``a``'s memory, not copied: NumPy for a host array, CuPy for a CUDA array.
    export : callable
        Takes a NumPy or CuPy result and returns it as ``a``'s library's array, on
        ``a``'s side of the bus (a host ``y`` beside a CUDA ``X`` comes back to the host).
    """
    if not is_foreign_array(a):
        return a, _unchanged
    a = _exportable(a)
    if array_device(a, name) == "cpu":
        return _host_view(a, name), _to_host_then(_exporter(a))
    if backend_name == "numpy":
        raise ValueError(
            f"{name} ({describe(a)}) is in CUDA device memory; backend='numpy' would need a copy to the host. "
            f"Use backend='cupy' or 'auto', or move {name} to the host first (e.g. tensor.cpu())."
        )
    return _device_view(a, name), _exporter(a)


def _exportable(a):
    # A tensor that requires grad refuses DLPack export; resampling is not differentiated,
    # and detach() shares the tensor's memory.
    if _library(a) == "torch" and getattr(a, "requires_grad", False):
        return a.detach()
    return a


def _host_view(a, name):
    try:
        return np.from_dlpack(a)
    except (BufferError, RuntimeError, TypeError) as error:
        dtype = getattr(a, "dtype", "unknown")
        raise TypeError(
            f"{name} ({describe(a)} of dtype {dtype}) cannot be read through DLPack: {error}. "
            "Convert it to a NumPy dtype first (e.g. tensor.float())."
        ) from None


def _device_view(a, name):
    try:
        import cupy
    except ImportError:
        raise ValueError(
            f"{name} ({describe(a)}) is in CUDA device memory, which gpu_clover reads through CuPy; "
            "CuPy is not installed: install gpu-clover[cuda12] or [cuda13], or move it to the host first."
        ) from None
    if hasattr(a, "__dlpack__"):
        try:
            return cupy.from_dlpack(a)
        except (BufferError, RuntimeError, TypeError) as error:
            dtype = getattr(a, "dtype", "unknown")
            raise TypeError(
                f"{name} ({describe(a)} of dtype {dtype}) cannot be read through DLPack: {error}. "
                "Convert it to a NumPy dtype first (e.g. tensor.float())."
            ) from None
    return cupy.asarray(a)  # __cuda_array_interface__: a view, not a copy


def _unchanged(result):
    return result


def _to_host_then(export):
    def exported(result):
        return export(result.get() if _library(result) == "cupy" else result)

    return exported


def _exporter(a):
    """How a NumPy/CuPy result becomes an array of ``a``'s library (see the module's docstring)."""
    library = _library(a)
    if library == "torch":
        import torch

        return torch.from_dlpack
    if library in ("numba", "numba_cuda"):
        from numba import cuda

        return cuda.as_cuda_array
    namespace = getattr(a, "__array_namespace__", None)
    from_dlpack = getattr(namespace(), "from_dlpack", None) if namespace is not None else None
    return from_dlpack if from_dlpack is not None else _unchanged


def accepts_foreign_arrays(check_fit_data):
    """Decorate ``check_fit_data(estimator, X, y, backend)`` to read foreign ``X`` and ``y`` too.

    The check runs on NumPy/CuPy views of the caller's memory; the ``wrap`` of the
    data it returns gives the resampled ``X`` and ``y`` back in their own kinds.
    """

    @functools.wraps(check_fit_data)
    def check(estimator, X, y, backend="auto"):
        if not (is_foreign_array(X) or is_foreign_array(y)):
            return check_fit_data(estimator, X, y, backend)
        X_view, export_X = import_array(X, "X", backend)
        y_view, export_y = import_array(y, "y", backend)
        if _on_cuda(y_view) and not _on_cuda(X_view):
            raise ValueError(
                f"y ({describe(y)}) is in CUDA device memory but X is on the host; put both on one device."
            )
        data = check_fit_data(estimator, X_view, y_view, backend)
        data.wrap = _exporting(data.wrap, export_X, export_y)
        return data

    return check


def _on_cuda(view):
    return _library(view) in ("cupy", "cudf")


def _exporting(wrap, export_X, export_y):
    def exported(*args):
        X_out, y_out = wrap(*args)
        return export_X(X_out), export_y(y_out)

    return exported
