"""What the CPU benchmarks record about the machine and their own memory (shared by the scripts)."""

import os
import platform
import resource
import subprocess
from pathlib import Path


def current_rss_mib():
    """Resident memory of this process now, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib():
    """Peak resident memory of this process so far: ``VmHWM`` from /proc (Linux).

    Not ``ru_maxrss``: Linux carries the parent's peak over ``fork`` and ``execve`` into
    it, so a child started by a parent that once held more (the data's generation) would
    report the parent's peak instead of its own.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


def inherited_maxrss_mib():
    """``ru_maxrss`` (KiB on Linux): at least the parent's peak at the fork, see :func:`peak_rss_mib`."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(**extra):
    """The cores this process may use, CPU, memory, Python and the numeric stack's versions,
    BLAS / OpenMP thread pools, plus ``extra``."""
    import imblearn
    import numpy
    import scipy
    import sklearn

    try:
        import threadpoolctl

        pools = [{"api": p["internal_api"], "threads": p["num_threads"]} for p in threadpoolctl.threadpool_info()]
    except Exception:
        pools = None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        **extra,
        "nproc": cores,
        "cpu_model": cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
        "threadpools": pools,
    }


def package_source():
    """Where ``gpu_clover`` is imported from (as the children import it), and that checkout's commit.

    Python puts this script's folder, not the working directory, first on the path: a
    checkout is measured only with ``PYTHONPATH`` pointing at it, else the installed package.
    """
    import gpu_clover

    folder = Path(gpu_clover.__file__).resolve().parent

    def git(*args):
        run = subprocess.run(["git", "-C", str(folder), *args], check=False, capture_output=True, text=True)
        return run.stdout.strip() if run.returncode == 0 else None

    status = git("status", "--porcelain", "--", ".")
    return {
        "path": str(folder),
        "commit": git("rev-parse", "--short", "HEAD"),
        "modified": bool(status) if status is not None else None,
    }


def this_run():
    """:func:`machine` with the run's date, the gpu_clover measured and the load average."""
    import datetime

    return machine(
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        gpu_clover=package_source(),
        load_average=[round(v, 2) for v in os.getloadavg()],
    )


def chosen_methods(parser, text, known):
    """The comma-separated ``--methods`` text as a list; unknown names are a usage error."""
    methods = [m for m in text.split(",") if m]
    unknown = sorted(set(methods) - set(known))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {list(known)}")
    return methods


class Report:
    """A benchmark's JSON document: its settings, the machine, per row count the class counts,
    the results and the skipped methods; :meth:`publish` adds the ratios and the elapsed time and
    rewrites ``out`` (if any), so that a long run leaves what it has measured so far."""

    def __init__(self, settings, out, ratios):
        import time

        self.doc = {**settings, "machine": this_run(), "class_counts_in": {}, "results": {}, "skipped": {}}
        self.out, self.ratios, self.start, self.clock = out, ratios, time.perf_counter(), time.perf_counter

    def publish(self):
        import json

        self.doc["ratios"] = self.ratios(self.doc["results"])
        self.doc["total_s"] = round(self.clock() - self.start, 1)
        if self.out:
            Path(self.out).write_text(json.dumps(self.doc, indent=2) + "\n")
