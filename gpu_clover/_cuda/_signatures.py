"""Kernel signatures read from CUDA source: what a launch must pass, parameter by parameter.

The typed launchers (``_launch.Kernel``) take their parameter names and types from here, and
the host emulation in the tests (``tests/backends/simt``) checks its launches with the same
parsing, so the ``.cu`` files are the only statement of a kernel's interface.
"""

import re
from typing import NamedTuple

import numpy as np

# C types of kernel parameters and the NumPy dtype an argument for them must have.
C_DTYPES = {
    "bool": np.dtype(np.bool_),
    "signed char": np.dtype(np.int8),
    "unsigned char": np.dtype(np.uint8),
    "short": np.dtype(np.int16),
    "unsigned short": np.dtype(np.uint16),
    "int": np.dtype(np.int32),
    "unsigned int": np.dtype(np.uint32),
    "long long": np.dtype(np.int64),
    "unsigned long long": np.dtype(np.uint64),
    "float": np.dtype(np.float32),
    "double": np.dtype(np.float64),
}
_KERNEL = re.compile(
    r"(?:template\s*<([^>]*)>\s*)?__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s*)?(\w+)\s*\(([^)]*)\)"
)
_QUALIFIERS = ("const", "*", "__restrict__")


class Parameter(NamedTuple):
    """One kernel parameter: its C type (template parameters bound), pointer or scalar, name."""

    ctype: str
    pointer: bool
    name: str


def signatures(source):
    """``{kernel: (template parameter names, [Parameter, ...])}`` of every ``__global__`` in ``source``."""
    found = {}
    for template, name, params in _KERNEL.findall(source):
        names = [t.split()[-1] for t in template.split(",")] if template.strip() else []
        parsed = []
        for param in params.split(","):
            words = param.replace("*", " * ").split()
            ctype = " ".join(w for w in words[:-1] if w not in _QUALIFIERS)
            parsed.append(Parameter(ctype, "*" in words, words[-1]))
        found[name] = (names, parsed)
    return found


def parameters(expression, source):
    """``[Parameter, ...]`` of a name expression, e.g. ``"take_rows<double, int>"``, in ``source``."""
    name, _, rest = expression.partition("<")
    template, params = signatures(source)[name]
    values = [v.strip() for v in rest.rstrip(">").split(",")] if rest else []
    bound = dict(zip(template, values))
    return [p._replace(ctype=bound.get(p.ctype, p.ctype)) for p in params]
