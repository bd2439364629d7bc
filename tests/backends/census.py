"""Which kernels would a call compile on a cold GPU? A census on the CPU.

A fresh machine pays one NVRTC compilation per distinct kernel: each of our RawModules
once per dtype, and each distinct CuPy operation (an operator, reduction, gather or
scatter for given dtypes). ``xp`` here is NumPy behind a proxy that records every
operation with the dtypes it sees, and our kernel getters record their modules, so a
``fit_resample`` on the CuPy backend's code, run on the host (``simt``), lists what a GPU
would compile. An estimate: CuPy may share or split kernels where this does not (e.g.
by the number of dimensions after it merges contiguous axes), so counts are compared
with the GPU's own log (``benchmarks/gpu_check.sh``), not taken as its figure.
"""

import collections
import functools
import os
import sys
import types

import numpy as np

import gpu_clover

# Operations CuPy runs without compiling: cuBLAS, its precompiled sort, allocations,
# memset, host transfers, views and metadata.
FREE = {
    "matmul",
    "argsort",
    "sort",
    "empty",
    "empty_like",
    "zeros",
    "asarray",
    "array",
    "reshape",
    "swapaxes",
    "ascontiguousarray",
    "result_type",
    "ndim",
    "shape",
    "iinfo",
    "finfo",
    "dtype",
    "can_cast",
    "broadcast_to",
    "expand_dims",
    "squeeze",
    "atleast_1d",
    "isscalar",
}


class Census:
    """Counts of each operation key: ``(kind, name, signature)``."""

    def __init__(self):
        self.ops = collections.Counter()
        self.callers = collections.defaultdict(set)

    def record(self, kind, name, signature=()):
        if name not in FREE:
            key = (kind, name, tuple(signature))
            self.ops[key] += 1
            self.callers[key].add(_caller())

    def compilations(self):
        """Distinct kernels: one per key."""
        return len(self.ops)

    def table(self):
        """One line per kernel: calls, kind, name, dtypes, and where gpu_clover asked for it."""
        return "\n".join(
            f"{count:6d}  {kind:8s} {name} {signature}  <- {', '.join(sorted(self.callers[(kind, name, signature)]))}"
            for (kind, name, signature), count in sorted(self.ops.items(), key=str)
        )


# The imported package's own folder, not any path that merely holds a folder named
# "gpu_clover": a checkout cloned into ``gpu_clover/`` puts this file under such a folder too.
_PACKAGE = os.path.dirname(os.path.realpath(gpu_clover.__file__)) + os.sep
_TOOLCHAIN = os.path.join(_PACKAGE, "_cuda") + os.sep  # the loader and launchers: the caller is past them


@functools.cache
def _in_package(filename):
    path = os.path.realpath(filename)
    return path.startswith(_PACKAGE) and not path.startswith(_TOOLCHAIN)


def _caller():
    """``module:function`` of the innermost gpu_clover frame on the stack (past the kernel getters)."""
    frame = sys._getframe(2)
    while frame is not None and not _in_package(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return "?"
    return f"{os.path.basename(frame.f_code.co_filename)[:-3]}:{frame.f_code.co_name}"


def _signature(values):
    out = []
    for v in values:
        if isinstance(v, np.ndarray):
            out.append(v.dtype.str)
        elif isinstance(v, (list, tuple)):
            out.append(tuple(_signature(v)))
        elif isinstance(v, slice) or v is None or v is Ellipsis:
            continue
        else:
            out.append(type(v).__name__)
    return out


def unwrap(value):
    if isinstance(value, TracedArray):
        return value.view(np.ndarray)
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def wrap(value):
    if isinstance(value, np.ndarray) and not isinstance(value, TracedArray):
        return value.view(TracedArray)
    if isinstance(value, tuple):
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def _is_fancy(key):
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (np.ndarray, list)) for k in keys)


class TracedArray(np.ndarray):
    """A NumPy array whose operations are recorded in ``TracedArray.census``."""

    census = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = "matmul" if ufunc is np.matmul else ufunc.__name__
        signature = _signature(inputs)
        if method != "__call__":
            signature.append(("ndim", max(np.ndim(i) for i in inputs if isinstance(i, np.ndarray))))
        TracedArray.census.record("ufunc." + method if method != "__call__" else "ufunc", name, signature)
        return wrap(getattr(ufunc, method)(*unwrap(inputs), **unwrap(kwargs)))

    def __array_function__(self, func, types, args, kwargs):
        TracedArray.census.record("function", func.__name__, _signature(args))
        return wrap(func(*unwrap(args), **unwrap(kwargs)))

    def __getitem__(self, key):
        if _is_fancy(key):
            TracedArray.census.record(
                "gather", "take", [self.dtype.str, *_signature(key if isinstance(key, tuple) else (key,))]
            )
        return wrap(self.view(np.ndarray)[unwrap(key)])

    def __setitem__(self, key, value):
        kind = "scatter" if _is_fancy(key) else "copy"
        TracedArray.census.record(
            kind,
            "setitem",
            [self.dtype.str, *_signature(key if isinstance(key, tuple) else (key,)), *_signature([value])],
        )
        self.view(np.ndarray)[unwrap(key)] = unwrap(value)

    def astype(self, dtype, *args, **kwargs):
        if np.dtype(dtype) != self.dtype:
            TracedArray.census.record("astype", "astype", [self.dtype.str, np.dtype(dtype).str])
        return wrap(self.view(np.ndarray).astype(dtype, *args, **kwargs))

    def copy(self, *args, **kwargs):
        TracedArray.census.record("copy", "copy", [self.dtype.str])
        return wrap(self.view(np.ndarray).copy(*args, **kwargs))

    def fill(self, value):
        TracedArray.census.record("fill", "fill", [self.dtype.str])
        self.view(np.ndarray).fill(value)


class _TracedUfunc:
    def __init__(self, ufunc):
        self.ufunc = ufunc

    def __call__(self, *args, **kwargs):
        TracedArray.census.record("ufunc", self.ufunc.__name__, _signature(args))
        return wrap(self.ufunc(*unwrap(args), **unwrap(kwargs)))

    def at(self, a, indices, b=None):
        TracedArray.census.record("ufunc.at", self.ufunc.__name__, _signature([a, indices, b]))
        self.ufunc.at(unwrap(a), unwrap(indices), unwrap(b))


def traced_numpy(census):
    """A module standing in for ``cupy``: NumPy whose calls are recorded in ``census``."""
    TracedArray.census = census
    module = types.ModuleType("traced_numpy")
    for name, attr in vars(np).items():
        if name.startswith("__"):
            continue
        if isinstance(attr, np.ufunc):
            setattr(module, name, _TracedUfunc(attr))
        elif callable(attr) and not isinstance(attr, type):
            setattr(module, name, _traced_function(name, attr))
        else:
            setattr(module, name, attr)
    module.ndarray = np.ndarray  # isinstance checks
    return module


def _traced_function(name, function):
    def call(*args, **kwargs):
        if name in ("asarray", "ascontiguousarray") and args and isinstance(args[0], TracedArray):
            _record_conversion(name, args[0], kwargs.get("dtype", args[1] if len(args) > 1 else None))
        TracedArray.census.record("function", name, _signature(args))
        return wrap(function(*unwrap(args), **unwrap(kwargs)))

    call.__name__ = name
    return call


def _record_conversion(name, array, dtype):
    """An array already on the device costs a kernel when it changes type, or is copied to
    become contiguous."""
    if dtype is not None and np.dtype(dtype) != array.dtype:
        TracedArray.census.record("astype", "astype", [array.dtype.str, np.dtype(dtype).str])
    elif name == "ascontiguousarray" and not array.flags.c_contiguous:
        TracedArray.census.record("copy", "ascontiguousarray", [array.dtype.str])
