"""The NumPy backend: the generic primitives plus SciPy's sparse scatter-add."""

import numpy as np
import scipy.sparse as sp

from ._base import Backend


class NumPyBackend(Backend):
    """Runs every stage on the CPU with NumPy / SciPy."""

    name = "numpy"
    xp = np
    max_bucket_size = 256  # on the CPU, padding costs more than a loop over larger groups

    def segment_sum(self, values, segment_ids, n_segments):
        # One sparse (n_segments x n) product: a C loop, unlike np.add.at on 2-D data.
        n = values.shape[0]
        indicator = sp.csr_matrix(
            (np.ones(n, dtype=values.dtype), (np.asarray(segment_ids), np.arange(n))),
            shape=(n_segments, n),
        )
        return np.asarray(indicator @ values)

    def first_occurrence(self, codes, n_codes):
        first = np.full(n_codes, codes.shape[0], dtype=np.int64)
        np.minimum.at(first, codes, np.arange(codes.shape[0]))
        return first

    def tile_elements(self, itemsize=8):
        # Tiles that stay in cache: a 4 MiB distance block is 3x faster than one large pass.
        return (4 << 20) // itemsize

    def device_name(self):
        return "CPU (NumPy)"
