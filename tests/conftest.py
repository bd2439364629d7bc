"""Shared fixtures: the backends to run on and a few small imbalanced data sets."""

import threading

import numpy as np
import pytest

from gpu_clover.backends import cuda_available

# The one GPU marker: a test (or a parameter) that needs CuPy and a CUDA device. Test modules
# import it (``from conftest import gpu``); the hook below deselects it where there is no GPU.
gpu = pytest.mark.gpu
# The backends a test body runs on: NumPy everywhere, CuPy where a GPU is present.
BACKENDS = ["numpy", pytest.param("cupy", marks=gpu)]

_GPU_DESELECTED = pytest.StashKey[int]()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` are deselected where CuPy sees no CUDA device (one summary line, not a
    skip per test); ``python -m pytest -m gpu`` runs them on a GPU machine."""
    if cuda_available():
        return
    needs_gpu = [item for item in items if item.get_closest_marker(gpu.name)]
    if needs_gpu:
        config.hook.pytest_deselected(items=needs_gpu)
        items[:] = [item for item in items if not item.get_closest_marker(gpu.name)]
        config.stash[_GPU_DESELECTED] = len(needs_gpu)


def pytest_terminal_summary(terminalreporter, config):
    """Skips and expected failures as one line per reason, with their count and where (pyproject's
    ``-rfE`` leaves out pytest's line per test); then the GPU deselection line."""
    for kind in ("skipped", "xfailed", "xpassed"):
        for line in outcome_lines(kind, terminalreporter.stats.get(kind, [])):
            terminalreporter.write_line(line)
    n = config.stash.get(_GPU_DESELECTED, 0)
    if n:
        terminalreporter.write_line(f"{n} tests marked gpu deselected: no CUDA device (CuPy missing or no GPU)")


def outcome_lines(kind, reports):
    """``"<count> <kind>: <reason> (<where>)"`` for each reason among ``reports``, the most frequent
    first; ``where`` is the test when one has that reason, else the test files."""
    groups = {}
    for report in reports:
        groups.setdefault(_reason(report), []).append(report.nodeid)
    lines = []
    for reason, nodeids in sorted(groups.items(), key=lambda group: (-len(group[1]), group[0])):
        where = nodeids if len(nodeids) == 1 else sorted({nodeid.split("::")[0] for nodeid in nodeids})
        lines.append(f"{len(nodeids)} {kind}: {reason} ({', '.join(where)})")
    return lines


def _reason(report):
    if hasattr(report, "wasxfail"):  # an expected failure (or an unexpected pass)
        return report.wasxfail
    return report.longrepr[2].removeprefix("Skipped: ")  # a skip: (path, line, "Skipped: <reason>")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Name of a backend to pass as ``backend=``; ``cupy`` only where a GPU is present."""
    return request.param


def make_imbalanced(counts, n_features=3, n_blobs=2, seed=0, dtype=np.float64):
    """Gaussian blobs with ``counts[c]`` rows of class ``c`` (classes 0, 1, ...), rows shuffled.

    Every class is spread over the same ``n_blobs`` blob centres, so a clusterer
    finds groups that mix classes, as in real data.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(n_blobs, n_features))
    X, y = [], []
    for label, count in enumerate(counts):
        blob = rng.integers(0, n_blobs, size=count)
        X.append(centres[blob] + rng.normal(size=(count, n_features)))
        y.append(np.full(count, label))
    X, y = np.concatenate(X), np.concatenate(y)
    order = rng.permutation(len(y))
    return X[order].astype(dtype), y[order]


@pytest.fixture
def binary_data():
    """120 rows, 3 features, classes 0 (90 rows) and 1 (30 rows)."""
    return make_imbalanced([90, 30], seed=0)


@pytest.fixture
def multiclass_data():
    """200 rows, 3 features, classes 0 / 1 / 2 / 3 with 100 / 50 / 30 / 20 rows."""
    return make_imbalanced([100, 50, 30, 20], seed=1)


@pytest.fixture(scope="session")
def make_data():
    """The :func:`make_imbalanced` factory (session-scoped, so hypothesis tests may use it)."""
    return make_imbalanced


@pytest.fixture(scope="session")
def concurrent_calls():
    """``run(call, inputs, repeats=3)``: ``call(x)`` for every input, each in its own thread (all
    released at once by a barrier), ``repeats`` times per thread; ``{(i, attempt): result}``."""

    def run(call, inputs, repeats=3):
        barrier, results = threading.Barrier(len(inputs)), {}

        def work(i):
            barrier.wait()
            for attempt in range(repeats):
                results[i, attempt] = call(inputs[i])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    return run
