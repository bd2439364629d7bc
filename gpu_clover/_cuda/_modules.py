"""Every CUDA module gpu_clover compiles: its ``.cu`` file, the constants it is compiled with,
and the name expressions of each variant (one NVRTC compilation per module and variant).

A module's source is its ``.cu`` file with the shared headers of ``include/`` written in
place (each once): the text handed to NVRTC is complete, so CuPy's compile cache, keyed by
that text and the options, can never serve a kernel built from an older header.
"""

import functools
import re
from importlib import resources

from .. import _random

# The largest k the fused top-k keeps in registers (neighbors/kernels/segments.cu); larger k
# takes the generic top-k.
TOPK_MAX = 16
# k-means++ seeding (cluster/kernels/kmeans.cu): a block of SEED_THREADS rows per sweep, at
# most SEED_MAX_TRIALS candidates per step.
SEED_THREADS = 1024
SEED_MAX_TRIALS = 16
# Codes up to this many bins are counted in shared memory first (backends/kernels/checks.cu).
LOCAL_BINS = 1024

_FLOATS = ("float", "double")
# The integer dtypes the integer kernels take (their values fit a signed 64-bit integer).
CHECKED_INTEGERS = {
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
    "int64": "long long",
    "uint8": "unsigned char",
    "uint16": "unsigned short",
    "uint32": "unsigned int",
}
# Per integer ``checks`` module (its type is the index / code type): the row types take_rows
# gathers and the key types combined_codes writes.
TAKE_TYPES = {"float32": "float", "float64": "double", "int64": "long long", "int32": "int"}
KEY_TYPES = {"int16": "short", "int32": "int", "int64": "long long"}
FLOAT_CTYPES = {"float32": "float", "float64": "double"}

_SPLITMIX = {
    "SPLITMIX_GOLDEN": _random.GOLDEN,
    "SPLITMIX_MIX1": _random.MIX1,
    "SPLITMIX_MIX2": _random.MIX2,
}


def _float_kernels(*kernels, plain=()):
    """Name expressions of a module compiled once per float type: its templates for that type,
    then its plain kernels."""
    return lambda ctype: tuple(f"{kernel}<{ctype}>" for kernel in kernels) + plain


def _checks_kernels(ctype):
    # A float type's all_finite, or an integer type's kernels (None: the plain kernels only);
    # the plain kernels come with every checks module.
    if ctype in _FLOATS:
        names = (f"all_finite<{ctype}>",)
    elif ctype:
        names = tuple(f"{kernel}<{ctype}>" for kernel in ("integer_range", "count_codes", "last_from_end"))
        names += tuple(f"take_rows<{row}, {ctype}>" for row in TAKE_TYPES.values())
        names += tuple(f"combined_codes<{ctype}, {key}>" for key in KEY_TYPES.values())
    else:
        names = ()
    return names + ("first_from_end", "any_and_all")


class Spec:
    """One module: ``package``/``path`` (its ``.cu``), ``variants`` (``{variant: name expressions}``)
    and ``defines`` (``{macro: int}``, passed as ``-D`` options)."""

    def __init__(self, package, path, variants, defines=None):
        self.package, self.path, self.defines = package, path, dict(defines or {})
        self.variants = {variant: tuple(names(variant)) for variant, names in variants.items()}


def _each(variants, names):
    return dict.fromkeys(variants, names)


SPECS = {
    "neighbors": Spec(
        "gpu_clover.neighbors",
        "kernels/segments.cu",
        _each(
            _FLOATS,
            _float_kernels(
                "rows_topk_and_sums",
                "gather_padded",
                "padded_partial_sums",
                "group_means",
                "center_padded",
                "partial_sums",
            ),
        ),
        {"TOPK_MAX": TOPK_MAX},
    ),
    "kmeans": Spec(
        "gpu_clover.cluster",
        "kernels/kmeans.cu",
        _each(
            _FLOATS,
            _float_kernels(
                "row_sq_norms",
                "nearest_from_dots",
                "center_partial_sums",
                "finalize_centers",
                "seed_sweep",
                "chunk_totals",
                "som_influence",
                "som_update",
                "column_ranges",
                "range_totals",
                "scale_to_unit",
                plain=("seed_pick",),
            ),
        ),
        {"SEED_THREADS": SEED_THREADS, "MAX_TRIALS": SEED_MAX_TRIALS},
    ),
    "generate": Spec(
        "gpu_clover.over_sampling",
        "kernels/generate.cu",
        _each(
            _FLOATS,
            _float_kernels(
                "smote_intra_rows", "smote_inter_rows", "interpolate_rows", "geometric_rows", "nearest_in_pieces"
            ),
        ),
        _SPLITMIX,
    ),
    "checks": Spec(
        "gpu_clover.backends",
        "kernels/checks.cu",
        _each((*_FLOATS, *CHECKED_INTEGERS.values(), None), _checks_kernels),
        {"LOCAL_BINS": LOCAL_BINS},
    ),
    "placement": Spec(
        "gpu_clover.backends",
        "kernels/placement.cu",
        {None: lambda _: ("scatter_neighbors", "add_group_sums", "repeat_values")},
    ),
    "splitmix": Spec(
        "gpu_clover.over_sampling",
        "kernels/plan.cu",
        {
            None: lambda _: (
                "stream_bases",
                "draw_bits_range",
                "draw_bits_strided",
                "bits_to_uniform",
                "bits_to_uniform32",
                "bits_to_index",
                "plan_rows",
                "plan_draws",
                "geometric_intra_ends",
                "geometric_inter_ends",
            )
        },
        _SPLITMIX,
    ),
}
# Every (module, variant) gpu_clover may compile.
MODULES = tuple((module, variant) for module, spec in SPECS.items() for variant in spec.variants)
COMPILE_OPTIONS = ("-std=c++14",)

_INCLUDE = re.compile(r'^#include "([\w.]+)"[ \t]*$', re.MULTILINE)


def _read(package, path):
    return (resources.files(package) / path).read_text()


def _with_headers(source, seen):
    """``source`` with each ``#include "header.cuh"`` of ``include/`` replaced by the header's
    text (itself expanded), a header already written becoming empty."""

    def expand(match):
        header = match.group(1)
        if header in seen:
            return ""
        seen.add(header)
        return _with_headers(_read(__package__, f"include/{header}"), seen)

    return _INCLUDE.sub(expand, source)


def _define(value):
    """A macro value in C: integers past the signed 64-bit range as unsigned literals."""
    return f"{value:#x}ULL" if value > 0x7FFFFFFFFFFFFFFF else str(value)


@functools.cache
def source(module):
    """The complete source of ``module``: its ``.cu`` file with the shared headers in place."""
    spec = SPECS[module]
    return _with_headers(_read(spec.package, spec.path), set())


def module_spec(module, variant):
    """``(source, name expressions, options)`` of one module: exactly what NVRTC compiles."""
    spec = SPECS[module]
    defines = tuple(f"-D{name}={_define(value)}" for name, value in spec.defines.items())
    return source(module), spec.variants[variant], COMPILE_OPTIONS + defines
