"""gpu_clover: clustering-based over-sampling for imbalanced data, on the GPU or the CPU.

The public names are imported on first use (PEP 562), so that ``import gpu_clover``
alone, and with it ``gpu-clover --help``, loads neither NumPy nor scikit-learn.
"""

import importlib

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {
    "SMOTE": ".over_sampling",
    "SOMO": ".over_sampling",
    "ClusterOverSampler": ".over_sampling",
    "GeometricSMOTE": ".over_sampling",
    "GeometricSOMO": ".over_sampling",
    "KMeansSMOTE": ".over_sampling",
    "get_backend": ".backends",
}
_SUBPACKAGES = ("backends", "cluster", "dask", "distribution", "neighbors", "over_sampling")

__all__ = [
    "SMOTE",
    "SOMO",
    "ClusterOverSampler",
    "GeometricSMOTE",
    "GeometricSOMO",
    "KMeansSMOTE",
    "__version__",
    "get_backend",
]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))
