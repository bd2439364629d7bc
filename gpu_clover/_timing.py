"""Wall-clock time per pipeline stage (the device is synchronized at stage boundaries)."""

import contextvars
import time
from contextlib import contextmanager

# The stages of a fit, in pipeline order: the order of ``stage_seconds_`` and of the
# command line's stage lines. The neighbour work runs on demand, inside "distribute" (the
# density's distance sums) and "generate" (SMOTE's nearest neighbours), and is timed apart
# from both; it is listed before them, as both use its results.
STAGES = ("validate", "cluster", "neighbors", "distribute", "generate", "assemble")

_LISTENER = contextvars.ContextVar("gpu_clover_stage_listener", default=None)


@contextmanager
def stage_listener(callback, on_start=None):
    """Within this context, call ``on_start(stage)`` (when given) each time a fit's stage begins
    and ``callback(stage, seconds)`` each time it ends.

    For live progress (the ``gpu-clover`` command names the running stage). A stage may
    run more than once in a fit, and inside another: "neighbors" runs each time
    "distribute" or "generate" asks for work not yet done, and its seconds are not
    counted in theirs. Each run is reported; the totals are the sum over the runs, as in
    the sampler's ``stage_seconds_`` afterwards.
    """
    token = _LISTENER.set((callback, on_start))
    try:
        yield
    finally:
        _LISTENER.reset(token)


def in_pipeline_order(seconds):
    """``{stage: seconds}`` ordered as :data:`STAGES`; other stages after, in their own order."""
    ordered = {stage: seconds[stage] for stage in STAGES if stage in seconds}
    ordered.update((stage, value) for stage, value in seconds.items() if stage not in ordered)
    return ordered


class StageTimer:
    """Collects ``{stage: seconds}`` in pipeline order. A stage entered twice accumulates; a
    stage nested in another is counted for itself only, not for its parent.

    ``backend`` (synchronized at each stage's end) may be set once known: the
    validation that chooses it is itself timed.
    """

    def __init__(self, backend=None):
        self.backend = backend
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
            if self.backend is not None:
                self.backend.synchronize()
            elapsed = time.perf_counter() - start
            inner = self._nested.pop()
            self._nested[-1] += elapsed
            self.record(name, elapsed - inner)

    def record(self, name, seconds):
        """Add ``seconds`` to stage ``name`` and tell the listener, if any."""
        if name not in self.seconds:
            self.seconds = in_pipeline_order({**self.seconds, name: 0.0})
        self.seconds[name] += seconds
        listener = _LISTENER.get()
        if listener is not None:
            listener[0](name, seconds)


class NullTimer(StageTimer):
    """A timer that records nothing and never synchronizes (for standalone use)."""

    @contextmanager
    def stage(self, name):
        yield
