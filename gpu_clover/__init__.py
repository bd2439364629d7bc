"""gpu_clover: clustering-based over-sampling for imbalanced data, on the GPU or the CPU.

The public names are imported on first use (PEP 562), so that ``import gpu_clover``
alone, and with it ``gpu-clover --help``, loads neither NumPy nor scikit-learn.
"""

from importlib import import_module as _import_module

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
        value = getattr(_import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return _import_module("." + name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    # The public names and the module's dunders only: not the helpers this lazy loading needs.
    dunders = {name for name in globals() if name.startswith("__") and name.endswith("__")}
    return sorted(dunders | set(__all__) | set(_SUBPACKAGES))
