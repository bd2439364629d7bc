"""Clustering stage: estimators with ``fit`` and ``labels_`` that run on the backend."""

from ._kmeans import KMeans

__all__ = ["KMeans"]
