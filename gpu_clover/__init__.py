"""gpu_clover: clustering-based over-sampling for imbalanced data, on the GPU or the CPU."""

from .backends import get_backend
from .over_sampling import SMOTE, SOMO, ClusterOverSampler, GeometricSMOTE, GeometricSOMO, KMeansSMOTE

__version__ = "0.1.0"

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
