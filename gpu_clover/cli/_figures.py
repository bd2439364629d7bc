"""The ``--json`` figures of ``demo`` and ``bench``: the path checked before any work, the document
written, and what it records beside the figures (gpu_clover's version and commit, the machine)."""

import contextlib
import datetime
import json
import os
import platform
import subprocess

from ._errors import UsageError


def check_json_path(path):
    """Refuse before any work a --json PATH that cannot be written."""
    if path in (None, "-"):
        return
    if os.path.isdir(path):
        raise UsageError(f"--json {path}: is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"--json {path}: directory {directory} does not exist")


def write_json(path, document, report):
    """The figures as JSON: on stdout for '-', else to ``path`` (and a line in the report saying so)."""
    if path is None:
        return
    text = json.dumps(document, indent=2)
    if path == "-":
        print(text, flush=True)
        return
    try:
        with open(path, "w") as handle:
            handle.write(text + "\n")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    report.line(f"figures written to {path}")


def provenance():
    """gpu_clover's version, and the commit of the checkout it runs from (see :func:`_git_commit`)."""
    from .. import __version__

    return {"version": __version__, "commit": _git_commit()}


def _git_commit():
    """The commit of the git checkout this gpu_clover runs from ('-dirty' with uncommitted changes
    to tracked files); None for an installed copy or where git cannot tell."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    root = os.path.dirname(package)
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        commit, changes = (
            subprocess.run(
                ["git", "-C", root, *command], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            for command in (["rev-parse", "HEAD"], ["status", "--porcelain", "--untracked-files=no"])
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if changes else "")


def machine_facts():
    """The cores this process may use, the CPU, memory, Python and the numeric stack's versions, and
    the BLAS / OpenMP thread pools: what benchmarks/_machine.py records for the benchmark scripts."""
    from importlib.metadata import PackageNotFoundError, version

    import threadpoolctl

    def installed(package):
        try:
            return version(package)
        except PackageNotFoundError:
            return None

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count()
    packages = (
        "numpy",
        "scipy",
        "scikit-learn",
        "imbalanced-learn",
        "imbalanced-learn-extra",
        "cupy-cuda12x",
        "cupy-cuda13x",
    )
    return {
        "date": datetime.date.today().isoformat(),
        "nproc": cores,
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        **{package: installed(package) for package in packages},
        "threadpools": [
            {"api": pool["internal_api"], "threads": pool["num_threads"]} for pool in threadpoolctl.threadpool_info()
        ],
    }


def _cpu_model():
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib():
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):  # no sysconf, or no such name, on this platform
        return None
