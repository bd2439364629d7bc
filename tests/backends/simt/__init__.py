"""Run gpu_clover's CUDA kernels on the CPU, for tests on machines without a GPU.

``build()`` compiles the kernel sources of ``gpu_clover.backends._kernels`` with the
host C++ compiler against ``simt.h`` (an emulation of the CUDA features they use: one
host thread per CUDA thread, barriers for ``__syncthreads`` and the warp shuffles) and
returns ``{name: launcher}``. A launcher is called like a CuPy ``RawKernel``:
``kernel(grid, block, args)`` with NumPy arrays where the kernel takes device pointers
and NumPy scalars for its scalar parameters. Exact, single-precision included, but
slow: keep grids to a few hundred blocks.
"""

import ctypes
import functools
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
_SCALARS = {
    np.dtype(np.int32): ctypes.c_int32,
    np.dtype(np.int64): ctypes.c_int64,
    np.dtype(np.uint64): ctypes.c_uint64,
    np.dtype(np.float32): ctypes.c_float,
    np.dtype(np.float64): ctypes.c_double,
}


def compiler():
    """The host C++ compiler (``None`` when there is none)."""
    return shutil.which("g++") or shutil.which("clang++")


def kernel_instances():
    """``{wrapper name: C++ kernel expression}`` for every kernel of ``_kernels`` that this emulates."""
    from gpu_clover.backends import _kernels

    instances = {}
    for ctype in ("float", "double"):
        for name in _kernels._NEIGHBORS_KERNELS + _kernels._KMEANS_KERNELS + ("smote_intra_rows",):
            instances[f"{name}_{ctype}"] = f"{name}<{ctype}>"
        instances[f"all_finite_{ctype}"] = f"all_finite<{ctype}>"
    instances["seed_pick"] = "seed_pick"
    for name in ("scatter_neighbors", "add_group_sums", "repeat_values", "any_and_all", "first_from_end", *_kernels.SPLITMIX_KERNELS):
        instances[name] = name
    for dtype, ctype in _kernels.CHECKED_INTEGERS.items():
        for name in _kernels._INTEGER_KERNELS:
            instances[f"{name}_{dtype}"] = f"{name}<{ctype}>"
        for row_dtype, row_ctype in _kernels.TAKE_TYPES.items():
            instances[f"take_rows_{dtype}_{row_dtype}"] = f"take_rows<{row_ctype}, {ctype}>"
        for key_dtype, key_ctype in _kernels.KEY_TYPES.items():
            instances[f"combined_codes_{dtype}_{key_dtype}"] = f"combined_codes<{ctype}, {key_ctype}>"
    return instances


def source():
    """The C++ translation unit: the emulation header, the kernels, one launcher per instance."""
    from gpu_clover.backends import _kernels

    kernels = "".join(
        (
            _kernels._ROWS_TOPK_SOURCE,
            _kernels._SEGMENTS_SOURCE,
            _kernels._PLACEMENT_SOURCE,
            _kernels._KMEANS_SOURCE,
            _kernels._CHECKS_SOURCE,
            _kernels._GENERATE_SOURCE,
            _kernels._SPLITMIX_SOURCE.replace(_kernels._SPLITMIX_PREAMBLE, ""),  # the preamble came with _GENERATE_SOURCE
        )
    )
    launchers = "".join(
        f'extern "C" void simt_{name}(unsigned gx, unsigned gy, unsigned gz, unsigned bx, void** args) '
        f"{{ simt_launch(&{expression}, gx, gy, gz, bx, args); }}\n"
        for name, expression in kernel_instances().items()
    )
    return f'#include "{HERE / "simt.h"}"\n{kernels}\n{launchers}'


@functools.lru_cache(maxsize=None)
def build():
    """Compile (cached per source) and load the launchers: ``{wrapper name: Launcher}``."""
    code = source()
    digest = hashlib.sha256((code + (HERE / "simt.h").read_text()).encode()).hexdigest()[:16]
    library = Path(tempfile.gettempdir()) / f"gpu_clover_simt_{digest}.so"
    if not library.exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "kernels.cpp"
            path.write_text(code)
            built = Path(tmp) / "kernels.so"
            subprocess.run(
                [compiler(), "-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", "-w", str(path), "-o", str(built)],
                check=True,
                capture_output=True,
                text=True,
            )
            shutil.move(built, library)
    lib = ctypes.CDLL(str(library))
    return {name: Launcher(getattr(lib, f"simt_{name}")) for name in kernel_instances()}


class Launcher:
    """A kernel launched as CuPy's ``RawKernel``: ``launcher(grid, block, args)``."""

    def __init__(self, function):
        self.function = function

    def __call__(self, grid, block, args):
        grid = tuple(grid) + (1,) * (3 - len(grid))
        if len(block) != 1:
            raise ValueError("the emulation runs one-dimensional blocks only")
        keep = [_argument(a) for a in args]  # the values must outlive the call
        pointers = (ctypes.c_void_p * len(keep))(*(ctypes.addressof(v) for v in keep))
        self.function(*(ctypes.c_uint(int(g)) for g in grid), ctypes.c_uint(int(block[0])), pointers)


def _argument(value):
    if isinstance(value, np.ndarray):
        if not value.flags.c_contiguous and value.size > 1:
            raise ValueError("kernels take C-contiguous arrays")
        return ctypes.c_void_p(value.ctypes.data)
    if isinstance(value, np.generic) and value.dtype in _SCALARS:
        return _SCALARS[value.dtype](value.item())
    raise TypeError(f"pass arrays or NumPy scalars of a fixed width, not {type(value).__name__}")
