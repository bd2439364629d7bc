"""Where results live: on the caller's device or on the host, and which estimators take device arrays.

An estimator answers in the caller's array kind: CuPy for CuPy (or cuDF) input,
NumPy otherwise, whatever backend computed the result. :class:`Placement`, made
once from the input, is that decision; every fitted attribute and every returned
array goes through its :meth:`~Placement.wrap`, so no estimator keeps a flag of
its own. :func:`is_cuml_estimator` is the one test for the foreign estimators
that take device arrays.
"""

from dataclasses import dataclass

import numpy as np

from .backends import get_backend, is_cudf_object, is_cupy_array


@dataclass(frozen=True)
class Placement:
    """Where an estimator's results go back to.

    Parameters
    ----------
    on_device : bool
        ``True``: the caller's data are CuPy arrays or cuDF objects, and results
        stay on the device; ``False``: results come back as NumPy arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_clover._placement import Placement
    >>> placement = Placement.of(np.zeros((3, 2)))
    >>> placement.on_device
    False
    >>> type(placement.wrap(np.arange(3))).__name__
    'ndarray'
    """

    on_device: bool

    @classmethod
    def of(cls, data):
        """The placement for results about ``data`` (the caller's input)."""
        return cls(on_device=is_cupy_array(data) or is_cudf_object(data))

    def wrap(self, result):
        """``result`` (a NumPy or CuPy array) where the caller's data live.

        No copy when it is there already; a device result for a host caller
        crosses through the CuPy backend's transfer path.
        """
        if self.on_device:
            return result if is_cupy_array(result) else get_backend("cupy").asarray(result)
        return get_backend("cupy").to_host(result) if is_cupy_array(result) else np.asarray(result)


def estimator_library(estimator):
    """The top-level package that defines ``estimator``'s class (``"sklearn"``, ``"cuml"``, ``"gpu_clover"``...)."""
    return type(estimator).__module__.split(".")[0]


def is_cuml_estimator(estimator, *, dask=False):
    """Whether ``estimator`` is cuML's, so it takes device arrays.

    ``dask=True``: whether it is one of ``cuml.dask``'s, which take dask collections.
    """
    parts = type(estimator).__module__.split(".")
    return parts[0] == "cuml" and (not dask or parts[1:2] == ["dask"])
