"""gpu_clover: clustering-based over-sampling for imbalanced data, on the GPU or the CPU."""

from .backends import get_backend
from .over_sampling import SMOTE, ClusterOverSampler, KMeansSMOTE

__version__ = "0.1.0"

__all__ = ["ClusterOverSampler", "KMeansSMOTE", "SMOTE", "get_backend", "__version__"]
