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

from .backends import get_backend, is_cudf_object, is_cupy_array
from .backends._foreign import array_device, describe, is_foreign_array, library_of


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
    if library_of(a) == "torch" and getattr(a, "requires_grad", False):
        return a.detach()
    return a


def _host_view(a, name):
    return _through_dlpack(np.from_dlpack, a, name)


def _device_view(a, name):
    try:
        xp = get_backend("cupy").xp
    except ValueError:
        raise ValueError(
            f"{name} ({describe(a)}) is in CUDA device memory, which gpu_clover reads through CuPy; CuPy or a "
            "CUDA device is missing here: install gpu-clover[cuda12] or [cuda13], or move it to the host first."
        ) from None
    if not hasattr(a, "__dlpack__"):
        return xp.asarray(a)  # __cuda_array_interface__: a view, not a copy
    return _through_dlpack(xp.from_dlpack, a, name)


def _through_dlpack(from_dlpack, a, name):
    """``from_dlpack(a)``, or a TypeError naming ``a``'s dtype where DLPack cannot carry it."""
    try:
        return from_dlpack(a)
    except (BufferError, RuntimeError, TypeError) as error:
        dtype = getattr(a, "dtype", "unknown")
        raise TypeError(
            f"{name} ({describe(a)} of dtype {dtype}) cannot be read through DLPack: {error}. "
            "Convert it to a NumPy dtype first (e.g. tensor.float())."
        ) from None


def _unchanged(result):
    return result


def _to_host_then(export):
    def exported(result):
        return export(get_backend("cupy").to_host(result) if is_cupy_array(result) else result)

    return exported


def _exporter(a):
    """How a NumPy/CuPy result becomes an array of ``a``'s library (see the module's docstring)."""
    library = library_of(a)
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
    return is_cupy_array(view) or is_cudf_object(view)


def _exporting(wrap, export_X, export_y):
    def exported(*args):
        X_out, y_out = wrap(*args)
        return export_X(X_out), export_y(y_out)

    return exported
