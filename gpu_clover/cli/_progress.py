"""What a command shows on stderr while it works: a live line on a terminal, nothing elsewhere."""

import contextlib
import sys
import threading
import time

from .._timing import in_pipeline_order, stage_listener
from ._report import format_seconds


class Progress:
    """What a command shows on stderr while it works.

    On a terminal, unless ``--quiet``: a live line (tqdm) naming the running step,
    and the sampler's stage within it, with a clock that keeps moving, or a bar
    where the number of runs is known; and a permanent line per finished step and
    stage. Without a terminal (a pipe, a CI log) nothing at all: no control
    characters in logs, and stderr keeps only warnings and the one-line errors.
    """

    # How often the live line is redrawn, so that its clock moves during a long stage.
    TICK_SECONDS = 0.2

    def __init__(self, live, stream=None):
        self.live = live
        self.stream = stream or sys.stderr
        self._bar = None
        self._label = ""
        self._stages = []

    @classmethod
    def for_command(cls, quiet):
        """Live on a terminal's stderr, unless ``quiet``."""
        return cls(live=not quiet and sys.stderr.isatty())

    @contextlib.contextmanager
    def task(self, label, total=None):
        """Show ``label`` live while the block runs: its elapsed time, or a bar of ``total`` steps
        (:meth:`advance`). Tasks do not nest."""
        if not self.live:
            yield
            return
        from tqdm import tqdm

        bar_format = "  {desc}  {elapsed}" if total is None else "  {bar:20} {n}/{total}  {elapsed}  {desc}"
        self._label, self._stages = label, []
        self._bar = tqdm(total=total, desc=label, file=self.stream, leave=False, bar_format=bar_format)
        stop = threading.Event()
        ticker = threading.Thread(target=_redraw_until, args=(self._bar, stop, self.TICK_SECONDS), daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            self._bar.close()
            self._bar = None

    @contextlib.contextmanager
    def step(self, name, timings):
        """:meth:`task` for one step of ``resample``; its time goes to ``timings[name]`` and, live, on a line."""
        start = time.perf_counter()
        with self.task(name):
            yield
        timings[name] = time.perf_counter() - start
        self.note(f"  {name:<10} {format_seconds(timings[name])}")

    def relabel(self, label):
        """A new label for the live line (the run now going; no stage of it has begun)."""
        self._label, self._stages = label, []
        self._show()

    def advance(self, steps=1):
        """``steps`` more of the task's ``total`` done."""
        if self._bar is not None:
            self._bar.update(steps)

    def note(self, line):
        """A permanent line on stderr above the live one (live only)."""
        if self.live:
            self.write(line, self.stream)

    def write(self, line, file):
        """Print ``line`` to ``file`` at once, clearing and redrawing the live line around it."""
        if self._bar is None:
            print(line, file=file, flush=True)
            return
        from tqdm import tqdm

        tqdm.write(line, file=file)
        file.flush()

    @contextlib.contextmanager
    def listening(self, stage_lines=True):
        """A context in which the sampler's stages show on the live line as they start and end,
        a stage run inside another after it ("distribute > neighbors"); with ``stage_lines``,
        a line per stage once the fit is done: its total, in pipeline order."""
        totals = {}

        def ended(stage, seconds):
            totals[stage] = totals.get(stage, 0.0) + seconds
            self._stage_ended(stage)

        with stage_listener(ended, on_start=self._stage_started):
            yield
        if stage_lines:
            for stage, seconds in in_pipeline_order(totals).items():
                self.note(f"    {stage:<10} {format_seconds(seconds)}")

    def _stage_started(self, stage):
        self._stages.append(stage)
        self._show()

    def _stage_ended(self, stage):
        if self._stages and self._stages[-1] == stage:
            self._stages.pop()
        self._show()

    def _show(self):
        if self._bar is not None:
            running = f": {' > '.join(self._stages)}" if self._stages else ""
            self._bar.set_description_str(self._label + running)


def _redraw_until(bar, stop, seconds):
    while not stop.wait(seconds):
        bar.refresh()
