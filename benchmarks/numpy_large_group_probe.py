"""One large group's kNN + distance sum on the NumPy backend: scikit-learn's search
against the generic row tiles, per group size, on this machine's cores (prints JSON).

    python benchmarks/numpy_large_group_probe.py
"""

import json
import os
import time

import numpy as np

from gpu_clover.backends._numpy import NumPyBackend
from gpu_clover.neighbors._engine import NeighborEngine, NumPyNeighborEngine


def main():
    backend = NumPyBackend()
    search = NumPyNeighborEngine(backend).large_group_neighbors
    generic = NeighborEngine(backend).large_group_neighbors
    rng = np.random.default_rng(0)
    out = {"cpus": os.cpu_count(), "sizes": {}}
    for n in (512, 1024, 2048, 4096, 8192, 16384):
        members = rng.normal(size=(n, 32))
        members -= members.mean(axis=0)
        row = {}
        for label, run in (("sklearn", search), ("generic", generic)):
            run(members, 5)
            start = time.perf_counter()
            for _ in range(3):
                run(members, 5)
            row[label] = (time.perf_counter() - start) / 3
        out["sizes"][n] = row
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
