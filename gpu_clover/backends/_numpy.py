"""The NumPy backend: the generic primitives plus SciPy's sparse scatter-add."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from ._base import Backend


def _cores():
    """The cores this process may run on (its CPU affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Stopped(Exception):
    """Raised in a worker whose caller was interrupted (or lost another tile)."""


class _TilePool:
    """One process-wide thread pool for tiles, made on first use, a worker per core.

    While any caller's tiles run, BLAS is held to one thread (the first caller sets the
    limit, the last one restores it, so concurrent callers cannot leave it changed). A
    forked child starts with no pool (the parent's threads do not exist there).

    An interrupted caller (Ctrl-C) cancels its queued tiles and tells its running ones to
    stop: work nested inside a tile calls :meth:`check_stop` between its own steps.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._local = threading.local()
        self._executor = self._controller = self._limit = None
        self._callers = 0

    def busy(self):
        """True inside a worker, or when one core is all there is."""
        return getattr(self._local, "stop", None) is not None or _cores() < 2

    def check_stop(self):
        """Raise in a worker whose caller has stopped; a no-op elsewhere."""
        stop = getattr(self._local, "stop", None)
        if stop is not None and stop.is_set():
            raise _Stopped

    def map(self, function, items):
        stop = threading.Event()

        def run(item):
            self._local.stop = stop
            try:
                self.check_stop()
                return function(item)
            finally:
                self._local.stop = None

        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(_cores(), thread_name_prefix="gpu_clover")
                self._controller = ThreadpoolController()
            if self._callers == 0:
                self._limit = self._controller.limit(limits=1, user_api="blas")
            self._callers += 1
            executor = self._executor
        futures = [executor.submit(run, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            # Queued tiles are cancelled and running ones stop at their next check, so the
            # call returns within a tile's step instead of after the whole queue.
            stop.set()
            for future in futures:
                future.cancel()
            wait(futures)
            raise
        finally:
            with self._lock:
                self._callers -= 1
                if self._callers == 0:
                    self._limit.restore_original_limits()
                    self._limit = None

    def reset(self):
        """Forget the pool (in a forked child)."""
        self.__init__()


_POOL = _TilePool()


def _checked(function):
    """``function`` preceded by the pool's stop check (tiles run inline inside a worker)."""

    def checked(item):
        _POOL.check_stop()
        return function(item)

    return checked


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.reset)


# Bytes of rows summed per block in ``run_sums``: a block that stays in the core's cache.
_RUN_BLOCK_BYTES = 1 << 19


class NumPyBackend(Backend):
    """Runs every stage on the CPU with NumPy / SciPy."""

    name = "numpy"
    xp = np
    max_bucket_size = 256  # on the CPU, padding costs more than a loop over larger groups
    runs_items_at_once = True  # tiles go to a thread pool (map_ordered)

    def map_ordered(self, function, items):
        # Tiles on every core: NumPy's element-wise passes run on one core each, so the
        # tiles go to a thread pool (NumPy and BLAS release the GIL), with BLAS held to one
        # thread meanwhile so the two do not oversubscribe the cores. A call from inside
        # the pool runs in its worker.
        items = list(items)
        if len(items) < 2 or _POOL.busy():
            return map(_checked(function), items)
        return _POOL.map(function, items)

    def copy_into(self, dst, src):
        # Host arrays: large plain copies are split among threads, so the page faults of a
        # fresh output (most of a large copy's time) divide among the cores.
        self.host_copy(dst, src)

    def take(self, a, indices):
        # np.take gathers whole rows in a C loop; fancy indexing of a 2-D array goes element by
        # element (several times slower for short rows).
        return np.take(a, indices, axis=0)

    def repeat_values(self, values, counts):
        # On the host NumPy repeats in one pass (the generic version searches every row's run).
        return np.repeat(np.asarray(values, dtype=np.int64), np.asarray(counts, dtype=np.int64))

    def segment_sum(self, values, segment_ids, n_segments):
        # One sparse (n_segments x n) product: a C loop, unlike np.add.at on 2-D data.
        n = values.shape[0]
        indicator = sp.csr_matrix(
            (np.ones(n, dtype=values.dtype), (np.asarray(segment_ids), np.arange(n))),
            shape=(n_segments, n),
        )
        return np.asarray(indicator @ values)

    def run_sums(self, values, lengths):
        # Each run summed on its own in one C loop (no running sum over the whole array), a
        # block of whole runs at a time: reduceat along axis 0 passes over the rows once per
        # column, so a block that stays in cache is read from memory once. Each run is summed
        # by the same call on the same rows either way: the sums do not depend on the blocks.
        lengths = np.asarray(lengths, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        block_rows = max(1, _RUN_BLOCK_BYTES // max(1, values.shape[1] * values.itemsize))
        first = np.flatnonzero(np.diff(starts // block_rows, prepend=-1))  # each block's first run
        if len(first) <= 1:
            return np.add.reduceat(values, starts, axis=0, dtype=np.float64)
        out = np.empty((len(lengths), values.shape[1]), dtype=np.float64)
        ends = np.append(starts[first[1:]], values.shape[0])
        for r, s, end in zip(first.tolist(), np.append(first[1:], len(lengths)).tolist(), ends.tolist()):
            out[r:s] = np.add.reduceat(values[starts[r] : end], starts[r:s] - starts[r], axis=0, dtype=np.float64)
        return out

    def first_occurrence(self, codes, n_codes):
        first = np.full(n_codes, codes.shape[0], dtype=np.int64)
        np.minimum.at(first, codes, np.arange(codes.shape[0]))
        return first

    def tile_elements(self, itemsize=8):
        # Tiles that stay in cache: a 4 MiB distance block beats one large pass.
        return (4 << 20) // itemsize

    def device_name(self):
        return "CPU (NumPy)"
