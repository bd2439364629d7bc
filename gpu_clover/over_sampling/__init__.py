"""Over-sampling stage: the over-samplers and their generation kernels."""

from ._cluster import ClusterOverSampler
from ._kmeans_smote import KMeansSMOTE
from ._smote import SMOTE

__all__ = ["ClusterOverSampler", "KMeansSMOTE", "SMOTE"]
