"""kNN tables from a user's NearestNeighbors-like estimator (scikit-learn, cuML, pynndescent, faiss wrappers).

The estimator is cloned and fitted on each group's rows, as imbalanced-learn's SMOTE fits
its ``k_neighbors`` estimator on each class. A cuML estimator gets the group's rows as
device arrays; any other gets host arrays.
"""

import numpy as np
from sklearn.base import clone

from .._placement import is_cuml_estimator
from ..backends._host import without_self


def is_neighbors_estimator(value):
    """Whether ``value`` can serve as ``k_neighbors``: it has ``kneighbors`` and ``n_neighbors``."""
    return hasattr(value, "kneighbors") and hasattr(value, "n_neighbors")


def estimator_knn(backend, X, rows, offsets, lengths, k, estimator):
    """The kNN table of each group from a clone of ``estimator`` fitted on the group.

    Returns int32 ``(sum(lengths), max(k, 1))`` local indices; the row itself is removed
    from its own result (by index, so duplicated rows stay valid neighbours).
    """
    xp = backend.xp
    table = xp.zeros((int(np.sum(lengths)), max(k, 1)), dtype=xp.int32)
    on_device = backend.name == "cupy" and is_cuml_estimator(estimator)
    done = 0
    for offset, length in zip(np.asarray(offsets).tolist(), np.asarray(lengths).tolist()):
        kk = min(k, length - 1)
        if kk > 0:
            members = X[rows[offset : offset + length]]
            members = members if on_device else backend.to_host(members)
            search = clone(estimator).set_params(n_neighbors=kk + 1).fit(members)
            found = np.asarray(backend.to_host(search.kneighbors(members, return_distance=False)), dtype=np.int64)
            table[done : done + length, :kk] = backend.asarray(
                without_self(found, np.arange(length))[:, :kk].astype(np.int32)
            )
        done += length
    return table
