"""The NumPy backend: the generic primitives plus SciPy's sparse scatter-add."""

import numpy as np
import scipy.sparse as sp

from ._base import Backend

# Groups from this size on use scikit-learn's kNN search. Its fixed cost per call grows with
# the cores (~8 ms on 2 cores, ~150 ms on 16, per group of 32 features), and the row tiles'
# top-k is k passes of argmin: measured per group size (benchmarks/numpy_large_group_probe.py),
# the search wins from 8192 rows on 2 cores (tie at 8192, 1.35x at 16384) and lost below
# 4096-8192 on 16 cores even against slower tiles.
_SEARCH_MIN_ROWS = 8192


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

    def large_group_neighbors(self, members, k, members_sq=None, limits=None):
        # From _SEARCH_MIN_ROWS rows on: the kNN from scikit-learn's brute-force ArgKmin
        # (compiled, multi-threaded; the row itself removed by index), the distance sum
        # over the upper triangle only. Below, its fixed cost (~8 ms a call) loses.
        n_g = members.shape[0]
        if n_g < _SEARCH_MIN_ROWS:
            return super().large_group_neighbors(members, k, members_sq, limits)
        from sklearn.neighbors import NearestNeighbors

        table = np.zeros((n_g, max(k, 1)), dtype=np.int32)
        kk = min(k, n_g - 1)
        if kk > 0:
            search = NearestNeighbors(n_neighbors=kk, algorithm="brute").fit(members)
            table[:, :kk] = search.kneighbors(return_distance=False)
        return table, self.pair_distance_sum(members)

    def pair_distance_sum(self, members):
        """Sum of euclidean distances over ordered pairs of rows, from the upper triangle.

        Row tiles against the columns from their first row on: the off-diagonal
        part counts twice (pairs i < j), the tile's diagonal block once (both
        orders are in it); a row's distance to itself is zeroed by index.
        """
        n = members.shape[0]
        norms = np.einsum("ij,ij->i", members, members)
        scaled = np.ascontiguousarray(-2 * members.T)
        step = max(1, self.tile_elements(members.itemsize) // n)
        total = 0.0
        for r0 in range(0, n, step):
            r1 = min(r0 + step, n)
            d = members[r0:r1] @ scaled[:, r0:]
            d += norms[r0:r1, None]
            d += norms[None, r0:]
            np.maximum(d, 0, out=d)
            diagonal = np.arange(r1 - r0)
            d[diagonal, diagonal] = 0
            np.sqrt(d, out=d)
            total += 2.0 * float(d[:, r1 - r0 :].sum()) + float(d[:, : r1 - r0].sum())
        return total

    def first_occurrence(self, codes, n_codes):
        first = np.full(n_codes, codes.shape[0], dtype=np.int64)
        np.minimum.at(first, codes, np.arange(codes.shape[0]))
        return first

    def tile_elements(self, itemsize=8):
        # Tiles that stay in cache: a 4 MiB distance block is 3x faster than one large pass.
        return (4 << 20) // itemsize

    def device_name(self):
        return "CPU (NumPy)"
