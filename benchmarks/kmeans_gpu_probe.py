"""Where the GPU k-means time goes: the seeding kernel, one Lloyd step, the iterations of a
fit, and the final assignment, each timed alone after a warm-up (prints JSON).

    python benchmarks/kmeans_gpu_probe.py --rows 1000000
"""

import argparse
import json
import time

import cupy as cp
from bench_gpu import make_data

from gpu_clover._random import Stream
from gpu_clover.backends import cub_disabled, get_backend
from gpu_clover.cluster import KMeans
from gpu_clover.cluster import _kmeans as kmeans_module
from gpu_clover.cluster._engine import cluster_engine


def seconds(call, repeats=5):
    call()
    cp.cuda.get_current_stream().synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    cp.cuda.get_current_stream().synchronize()
    return (time.perf_counter() - start) / repeats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clusters", type=int, default=64)
    args = parser.parse_args()
    X = cp.asarray(make_data(args.rows, 32)[0])
    backend = get_backend("cupy")
    k = args.clusters
    out = {"rows": args.rows, "clusters": k}
    with cub_disabled("cupy"):
        for n in (8192, 20000):
            sample = X[:n]
            stream = Stream(cp, 0, 0)
            first = stream.index(1, n)
            uniforms = stream.uniform((k - 1) * 6).reshape(k - 1, 6)
            centers = sample[:k].copy()
            out[f"seeding_{n}_s"] = seconds(
                lambda s=sample, f=first, u=uniforms: cluster_engine(backend).kmeans_plusplus(s, f, u)
            )
            out[f"lloyd_step_{n}_s"] = seconds(
                lambda s=sample, c=centers: cluster_engine(backend).lloyd_step(s, c), repeats=20
            )
            out[f"nearest_center_{n}_s"] = seconds(
                lambda s=sample, c=centers: cluster_engine(backend).nearest_center(s, c), repeats=20
            )
            out[f"var_{n}_s"] = seconds(lambda s=sample: float(cp.var(s, axis=0).mean()), repeats=20)
        model = KMeans(n_clusters=k, random_state=0, fit_sample_size=8192)
        out["fit_s"] = seconds(lambda: model.fit(X), repeats=3)
        out["fit_n_iter"] = int(model.n_iter_)
        calls = []
        original = kmeans_module.lloyd

        def timed_lloyd(*a, **kw):
            start = time.perf_counter()
            result = original(*a, **kw)
            calls.append(time.perf_counter() - start)
            return result

        kmeans_module.lloyd = timed_lloyd
        model.fit(X)
        kmeans_module.lloyd = original
        out["fit_lloyd_s"] = calls
        centers = model.cluster_centers_
        out["final_assignment_s"] = seconds(
            lambda: cluster_engine(backend).nearest_center(X, centers, with_distances=True), repeats=5
        )
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
