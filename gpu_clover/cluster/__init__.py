"""Clustering stage: estimators with ``fit`` and ``labels_`` that run on the backend."""

from ._kmeans import KMeans
from ._som import SOM

__all__ = ["SOM", "KMeans"]
