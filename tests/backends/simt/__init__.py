"""Run gpu_clover's CUDA kernels on the CPU, for tests on machines without a GPU.

``build()`` compiles every kernel module of ``gpu_clover._cuda`` (the ``.cu`` files as the
loader gives them to NVRTC: sources, name expressions and ``-D`` constants of ``module_spec``) with the host C++ compiler against ``simt.h``, an
emulation of the CUDA features they use (one fiber per CUDA thread, barriers for
``__syncthreads`` and the warp shuffles), and returns ``{name expression: launcher}``, e.g.
``"rows_topk_and_sums<float>"``. A launcher is called like a CuPy ``RawKernel``:
``kernel(grid, block, args)`` with NumPy arrays where the kernel takes device pointers and
NumPy scalars for its scalar parameters. Exact, single precision included, but slow: keep
grids to a few hundred blocks.

Each launch is checked against the kernel's parameter list, as the GPU needs it and the host
would not notice: the number of arguments, an array for every pointer with the pointed-to
type as dtype, and a NumPy scalar of exactly the parameter's width and kind (CuPy packs a
scalar by its NumPy type, so ``np.int64`` for an ``int`` shifts every later argument).
"""

import ctypes
import functools
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from gpu_clover._cuda import _modules, _signatures
from gpu_clover._cuda._signatures import C_DTYPES

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


def translation_units():
    """``{module: (source, name expressions, options)}``: each module's source once, with the
    name expressions of all its variants."""
    units = {}
    for module, variant in _modules.MODULES:
        source, names, options = _modules.module_spec(module, variant)
        known = units.setdefault(module, (source, [], options))[1]
        known.extend(name for name in names if name not in known)
    return units


def parameters(expression, source):
    """``[(C type, is_pointer), ...]`` of a name expression, e.g. ``"take_rows<double, int>"``
    (the package's parsing of the ``.cu`` signatures)."""
    return [(p.ctype, p.pointer) for p in _signatures.parameters(expression, source)]


def _defines(options):
    """The ``-DNAME=VALUE`` options as ``#define`` lines (the host compiler sees what NVRTC sees)."""
    return "".join(f"#define {o[2:].replace('=', ' ', 1)}\n" for o in options if o.startswith("-D"))


def _unit_source(source, names, first_index, options=()):
    launchers = "".join(
        f'extern "C" void simt_{first_index + i}(unsigned gx, unsigned gy, unsigned gz, unsigned bx, void** args) '
        f"{{ simt_launch(&{name}, gx, gy, gz, bx, args); }}\n"
        for i, name in enumerate(names)
    )
    return f'#include "{HERE / "simt.h"}"\n{_defines(options)}{source}\n{launchers}'


@functools.cache
def build():
    """Compile (cached per source) and load the launchers: ``{name expression: Launcher}``."""
    units, names = [], []
    for source, unit_names, options in translation_units().values():
        units.append(_unit_source(source, unit_names, len(names), options))
        names.extend(unit_names)
    digest = hashlib.sha256("".join(units).encode() + (HERE / "simt.h").read_bytes()).hexdigest()[:16]
    library = Path(tempfile.gettempdir()) / f"gpu_clover_simt_{digest}.so"
    if not library.exists():
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for i, unit in enumerate(units):
                paths.append(Path(tmp) / f"unit{i}.cpp")
                paths[-1].write_text(unit)
            built = Path(tmp) / "kernels.so"
            command = [compiler(), "-std=c++20", "-O1", "-shared", "-fPIC", "-w", *map(str, paths), "-o", str(built)]
            subprocess.run(command, check=True, capture_output=True, text=True)
            shutil.move(built, library)
    lib = ctypes.CDLL(str(library))
    params = {}
    for source, unit_names, _ in translation_units().values():
        params.update({name: parameters(name, source) for name in unit_names})
    return {name: Launcher(getattr(lib, f"simt_{i}"), name, params[name]) for i, name in enumerate(names)}


class Launcher:
    """A kernel launched as CuPy's ``RawKernel``: ``launcher(grid, block, args)``."""

    def __init__(self, function, name="?", params=None):
        self.function, self.name, self.params = function, name, params

    def __call__(self, grid, block, args):
        grid = tuple(grid) + (1,) * (3 - len(grid))
        if len(block) != 1:
            raise ValueError("the emulation runs one-dimensional blocks only")
        if not 0 < int(block[0]) <= 1024 or not 0 < grid[0] < 2**31 or not all(0 < g <= 65535 for g in grid[1:]):
            raise ValueError(f"{self.name}: a launch of grid {grid} and block {tuple(block)} is beyond a GPU's limits")
        if self.params is not None:
            check_arguments(self.name, self.params, args)
        keep = [_argument(a) for a in args]  # the values must outlive the call
        pointers = (ctypes.c_void_p * len(keep))(*(ctypes.addressof(v) for v in keep))
        self.function(*(ctypes.c_uint(int(g)) for g in grid), ctypes.c_uint(int(block[0])), pointers)


class HostModules:
    """Stands in for the loader's compiler (``gpu_clover._cuda._launch.compiler``): each module's
    kernels as host launchers.

    ``on_module(module, ctype)`` (optional) is told of every module a kernel is taken from.
    With ``device_array`` (an ndarray subclass that stands for device memory), every array
    argument must be one: CuPy refuses host arrays as kernel arguments.
    """

    def __init__(self, on_module=None, device_array=None):
        self.launchers = build()
        self.on_module = on_module
        self.device_array = device_array

    def __call__(self, module, ctype, source=None, names=None, options=None):
        if self.on_module is not None:
            self.on_module(module, ctype)
        return self

    def get_function(self, name):
        launcher = self.launchers[name]
        if self.device_array is None:
            return launcher

        def on_device(grid, block, args):
            for i, value in enumerate(args):
                if isinstance(value, np.ndarray) and not isinstance(value, self.device_array):
                    raise TypeError(f"{name}: argument {i} is a host array; the GPU needs a device array")
            launcher(grid, block, args)

        return on_device


def check_arguments(name, params, args):
    """Raise TypeError where ``args`` would not reach the kernel's parameters intact on a GPU."""
    if len(args) != len(params):
        raise TypeError(f"{name}: {len(args)} arguments for {len(params)} parameters")
    for i, ((ctype, pointer), value) in enumerate(zip(params, args)):
        want = C_DTYPES.get(ctype)
        if pointer:
            if not isinstance(value, np.ndarray):
                raise TypeError(f"{name}: argument {i} ({ctype}*) is a {type(value).__name__}, not an array")
            if want is not None and value.dtype != want:
                raise TypeError(f"{name}: argument {i} ({ctype}*) has dtype {value.dtype}, not {want}")
        elif not isinstance(value, np.generic) or value.dtype != want:
            got = value.dtype if isinstance(value, np.generic) else type(value).__name__
            raise TypeError(f"{name}: argument {i} ({ctype}) is {got}, not a NumPy {want}")


def _argument(value):
    if isinstance(value, np.ndarray):
        if not value.flags.c_contiguous and value.size > 1:
            raise ValueError("kernels take C-contiguous arrays")
        return ctypes.c_void_p(value.ctypes.data)
    if isinstance(value, np.generic) and value.dtype in _SCALARS:
        return _SCALARS[value.dtype](value.item())
    raise TypeError(f"pass arrays or NumPy scalars of a fixed width, not {type(value).__name__}")
