"""Over-sampling stage: the over-samplers and their generation kernels."""

from ._cluster import ClusterOverSampler
from ._geometric_smote import GeometricSMOTE
from ._gsomo import GeometricSOMO
from ._kmeans_smote import KMeansSMOTE
from ._smote import SMOTE
from ._somo import SOMO

__all__ = ["SMOTE", "SOMO", "ClusterOverSampler", "GeometricSMOTE", "GeometricSOMO", "KMeansSMOTE"]
