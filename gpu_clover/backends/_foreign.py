"""Device facts of other libraries' arrays (PyTorch, JAX, Numba, any DLPack or CUDA-array-interface producer).

Read from the protocols alone, without importing those libraries: whether an
object is such an array, and whether it lives on the host or on a CUDA device.
Reading and returning them is :mod:`gpu_clover._interop`'s work.
"""

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


def library_of(a):
    """The top-level module of ``a``'s type (``"torch"``, ``"jax"``, ``"numpy"``...)."""
    return type(a).__module__.split(".")[0]


def is_foreign_array(a):
    """Whether ``a`` is another library's array that speaks DLPack or the CUDA array interface."""
    if library_of(a) in _NATIVE_LIBRARIES:
        return False
    return hasattr(a, "__dlpack_device__") or hasattr(a, "__cuda_array_interface__")


def is_cuda_array(a):
    """Whether ``a`` is another library's array in CUDA device memory (a torch CUDA tensor, a Numba device array)."""
    return is_foreign_array(a) and array_device(a) == "cuda"


def describe(a):
    """``a``'s type as its library spells it, e.g. ``torch.Tensor``, for messages."""
    return f"{library_of(a)}.{type(a).__name__}"


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
