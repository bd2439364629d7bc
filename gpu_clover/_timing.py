"""Wall-clock time per pipeline stage (the device is synchronized at stage boundaries)."""

import contextvars
import time
from contextlib import contextmanager

_LISTENER = contextvars.ContextVar("gpu_clover_stage_listener", default=None)


@contextmanager
def stage_listener(callback, on_start=None):
    """Within this context, call ``callback(stage, seconds)`` each time a fit's stage ends,
    and ``on_start(stage)`` (when given) each time a timed stage begins.

    For live progress (the ``gpu-clover`` command shows the running stage and a line
    per finished one); the totals are still in the sampler's ``stage_seconds_``
    afterwards. ``validate`` has no start event: it is recorded once it has ended.
    """
    token = _LISTENER.set((callback, on_start))
    try:
        yield
    finally:
        _LISTENER.reset(token)


class StageTimer:
    """Collects ``{stage: seconds}``. A stage entered twice accumulates; a stage
    nested in another is counted for itself only, not for its parent."""

    def __init__(self, backend):
        self._backend = backend
        self._nested = [0.0]
        self.seconds = {}

    @contextmanager
    def stage(self, name):
        listener = _LISTENER.get()
        if listener is not None and listener[1] is not None:
            listener[1](name)
        start = time.perf_counter()
        self._nested.append(0.0)
        try:
            yield
        finally:
            self._backend.synchronize()
            elapsed = time.perf_counter() - start
            inner = self._nested.pop()
            self._nested[-1] += elapsed
            self.record(name, elapsed - inner)

    def record(self, name, seconds):
        """Add ``seconds`` to stage ``name`` and tell the listener, if any."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        listener = _LISTENER.get()
        if listener is not None:
            listener[0](name, seconds)


class NullTimer(StageTimer):
    """A timer that records nothing and never synchronizes (for standalone use)."""

    def __init__(self):
        super().__init__(None)

    @contextmanager
    def stage(self, name):
        yield
