"""Typed kernel launches: named arguments checked against the kernel's ``.cu`` signature, and
one policy for grids and blocks.

A GPU reads a launch's arguments as raw bytes in the order of the kernel's parameters: a
scalar packed with the wrong width (an ``int64`` for an ``int``) shifts every later argument,
and an array of the wrong dtype is read as other numbers. So every launch goes through
:class:`Kernel`: arguments are given by the parameter names of the ``.cu`` file, pointers
must be C-contiguous arrays of exactly the pointed-to type, and scalars are packed here at
the parameter's width (integers range-checked), never by the caller.
"""

import functools
import operator
from typing import NamedTuple

import numpy as np

from ._modules import SPECS, module_spec
from ._signatures import C_DTYPES, parameters

# Threads per block unless a kernel's shared-memory layout fixes another count.
THREADS = 256
WARP = 32
# Most blocks of a grid-stride launch: the loop covers the rest.
MAX_BLOCKS = 1 << 20
# Most blocks of a launch whose blocks end in integer atomics: enough to fill the device, few
# enough that each block's partial result (or shared-memory table) serves many rows.
ATOMIC_MAX_BLOCKS = 1024


class Launch(NamedTuple):
    """A launch shape: ``grid`` and ``block`` as CUDA takes them."""

    grid: tuple
    block: tuple


def grid_stride(n, max_blocks=MAX_BLOCKS):
    """Blocks of ``THREADS`` for a grid-stride loop over ``n`` elements (at least one block)."""
    return Launch((max(1, min(-(-n // THREADS), max_blocks)),), (THREADS,))


def atomic_reduction(n):
    """A grid-stride loop over ``n`` elements whose blocks end in integer atomics."""
    return grid_stride(n, max_blocks=ATOMIC_MAX_BLOCKS)


def thread_per_item(n, threads=THREADS):
    """One thread per item (a kernel that returns past ``n``)."""
    return Launch((-(-n // threads),), (threads,))


def warp_per_item(n):
    """One warp per item (row), ``THREADS / 32`` items per block."""
    return Launch((-(-n * WARP // THREADS),), (THREADS,))


def block_per_item(n, threads=THREADS):
    """One block per item, of ``threads`` threads (the kernel's shared tables are sized for it)."""
    return Launch((n,), (threads,))


def blocks(grid, threads=THREADS):
    """An explicit grid (up to three dimensions) of ``threads``-thread blocks."""
    return Launch(tuple(grid), (threads,))


def compile_source(module, variant, source, names, options):
    """The compiled module (CuPy's ``RawModule``): the one place CuPy compiles our CUDA."""
    import cupy as cp

    return cp.RawModule(code=source, options=options, name_expressions=names)


# The compiler in use: ``compiler(module, variant, source, names, options)`` returns an
# object with ``get_function(name expression)``; the tests put the host emulation here.
compiler = compile_source


@functools.cache
def _compiled(module, variant, compile_function):
    source, names, options = module_spec(module, variant)
    return compile_function(module, variant, source, names, options)


@functools.cache
def _parameters(module, expression):
    variant = next(iter(SPECS[module].variants))  # every variant compiles the same source
    return tuple(parameters(expression, module_spec(module, variant)[0]))


@functools.cache
def kernel(module, variant, expression):
    """The kernel ``expression`` of ``module`` compiled for ``variant`` (compiled on first use).

    ``expression`` is a name expression of the variant (``"take_rows<double, int>"``); a bare
    name stands for its instance of the variant's type (``"nearest_from_dots"`` in the
    ``"float"`` variant is ``"nearest_from_dots<float>"``).
    """
    names = SPECS[module].variants[variant]
    if expression not in names:
        expression = f"{expression}<{variant}>"
        if expression not in names:
            raise KeyError(f"{module} ({variant}) has no kernel {expression}")
    return Kernel(module, variant, expression)


class Kernel:
    """One kernel, launched as ``kernel(launch, **arguments)`` with its parameters' names."""

    def __init__(self, module, variant, expression):
        self.module, self.variant, self.expression = module, variant, expression
        self.parameters = _parameters(module, expression)

    def __call__(self, launch, /, **arguments):
        values = pack(self.expression, self.parameters, arguments)
        function = _compiled(self.module, self.variant, compiler).get_function(self.expression)
        function(launch.grid, launch.block, values)


def pack(expression, params, arguments):
    """The arguments in the kernel's order, each checked (pointers) or packed (scalars) for its
    parameter; TypeError or OverflowError where one would not reach the kernel intact."""
    unknown = set(arguments) - {p.name for p in params}
    missing = [p.name for p in params if p.name not in arguments]
    if unknown or missing:
        raise TypeError(f"{expression}: unknown arguments {sorted(unknown)}, missing {missing}")
    return tuple(_argument(expression, p, arguments[p.name]) for p in params)


def _argument(expression, param, value):
    want = C_DTYPES[param.ctype]
    if param.pointer:
        dtype = getattr(value, "dtype", None)
        if dtype is None or not hasattr(value, "flags"):
            raise TypeError(f"{expression}: {param.name} ({param.ctype}*) is a {type(value).__name__}, not an array")
        if dtype != want:
            raise TypeError(f"{expression}: {param.name} ({param.ctype}*) has dtype {dtype}, not {want}")
        if value.size > 1 and not value.flags.c_contiguous:
            raise TypeError(f"{expression}: {param.name} must be C-contiguous")
        return value
    if hasattr(value, "shape") and value.shape != ():
        raise TypeError(f"{expression}: {param.name} ({param.ctype}) is an array, not a scalar")
    if want.kind == "f":
        return want.type(float(value))
    number = operator.index(value)
    limits = np.iinfo(want)
    if not limits.min <= number <= limits.max:
        raise OverflowError(f"{expression}: {param.name} = {number} does not fit a {param.ctype}")
    return want.type(number)
