"""The NumPy backend's tiles on every core: ordered results, BLAS held to one thread meanwhile
and restored after, nested and forked calls, and output identical to one tile at a time."""

import multiprocessing
import os
import threading
import time

import numpy as np
import pytest
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_info

import gpu_clover
from gpu_clover.backends import _numpy, get_backend

needs_two_cores = pytest.mark.skipif(_numpy._cores() < 2, reason="the pool needs two cores")


def _blas_threads():
    return sorted(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


@needs_two_cores
def test_tiles_run_on_several_threads_results_in_order_blas_limited_then_restored():
    backend = get_backend("numpy")
    before = _blas_threads()
    seen = []

    def tile(i):
        time.sleep(0.02)
        seen.append((threading.get_ident(), _blas_threads()))
        return i * i

    assert list(backend.map_ordered(tile, range(12))) == [i * i for i in range(12)]
    assert len({ident for ident, _ in seen}) > 1
    assert all(threads == [1] * len(threads) for _, threads in seen)
    assert _blas_threads() == before


@needs_two_cores
def test_a_call_from_inside_a_tile_runs_in_its_worker():
    backend = get_backend("numpy")

    def outer(i):
        here = threading.get_ident()
        return [ident == here for ident in backend.map_ordered(lambda _: threading.get_ident(), range(4))]

    assert all(all(inner) for inner in backend.map_ordered(outer, range(3)))


@needs_two_cores
def test_a_failed_or_interrupted_call_stops_its_other_tiles_promptly():
    """The path an interrupt takes: the caller's other tiles stop at their next step and
    its queued tiles never start, so the call ends at once rather than after the queue."""
    backend = get_backend("numpy")
    steps = []

    def tile(i):
        if i == 0:
            time.sleep(0.05)
            raise KeyboardInterrupt
        return list(backend.map_ordered(lambda j: (time.sleep(0.01), steps.append(j))[0], range(500)))

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        list(backend.map_ordered(tile, range(20)))
    assert time.perf_counter() - start < 1.0
    done = len(steps)
    time.sleep(0.2)
    assert len(steps) == done < 100  # the running tile has stopped; the other 18 never started
    assert list(backend.map_ordered(lambda i: i, range(5))) == list(range(5))  # the pool still works


@needs_two_cores
def test_concurrent_callers_leave_the_blas_threads_as_they_were():
    backend = get_backend("numpy")
    before = _blas_threads()
    results = {}

    def caller(name):
        results[name] = list(backend.map_ordered(lambda i: (time.sleep(0.005 * (i % 3)), i)[1], range(20)))

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[n] == list(range(20)) for n in range(4))
    assert _blas_threads() == before


def _in_child(queue):
    queue.put(list(get_backend("numpy").map_ordered(lambda i: i + 1, range(6))))


@needs_two_cores
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python >= 3.12
def test_a_forked_child_gets_a_pool_of_its_own():
    list(get_backend("numpy").map_ordered(abs, range(4)))  # the parent's pool exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("sampler", ["KMeansSMOTE", "GeometricSOMO"])
def test_the_output_does_not_depend_on_the_pool(monkeypatch, sampler):
    """Many small tiles (a small tile budget): the same rows, bit for bit, with the pool and
    one tile at a time."""
    X, y = make_classification(n_samples=6000, n_features=8, weights=[0.9], random_state=3)
    monkeypatch.setattr(_numpy.NumPyBackend, "tile_elements", lambda self, itemsize=8: 4096)
    monkeypatch.setattr(_numpy.NumPyBackend, "max_bucket_size", 16)  # groups past 16 rows: row tiles

    def resample():
        return getattr(gpu_clover, sampler)(random_state=0, backend="numpy").fit_resample(X, y)[0]

    pooled = resample()
    monkeypatch.setattr(_numpy._TilePool, "busy", lambda self: True)
    np.testing.assert_array_equal(resample(), pooled)
