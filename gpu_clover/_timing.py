"""Wall-clock time per pipeline stage (the device is synchronized at stage boundaries)."""

import time
from contextlib import contextmanager


class StageTimer:
    """Collects ``{stage: seconds}``. A stage entered twice accumulates; a stage
    nested in another is counted for itself only, not for its parent."""

    def __init__(self, backend):
        self._backend = backend
        self._nested = [0.0]
        self.seconds = {}

    @contextmanager
    def stage(self, name):
        start = time.perf_counter()
        self._nested.append(0.0)
        try:
            yield
        finally:
            self._backend.synchronize()
            elapsed = time.perf_counter() - start
            inner = self._nested.pop()
            self._nested[-1] += elapsed
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - inner


class NullTimer(StageTimer):
    """A timer that records nothing and never synchronizes (for standalone use)."""

    def __init__(self):
        super().__init__(None)

    @contextmanager
    def stage(self, name):
        yield
