"""Wall-clock time per pipeline stage (the device is synchronized at stage boundaries)."""

import time
from contextlib import contextmanager


class StageTimer:
    """Collects ``{stage: seconds}``; a stage entered twice accumulates."""

    def __init__(self, backend):
        self._backend = backend
        self.seconds = {}

    @contextmanager
    def stage(self, name):
        start = time.perf_counter()
        try:
            yield
        finally:
            self._backend.synchronize()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
