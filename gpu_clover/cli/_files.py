"""The files of ``resample``: their format from the suffix, checks before any work, the table
library (cuDF or pandas), reading, and writing atomically.

The output is written to a temporary file next to it and renamed into place, so an
interrupted or failed run never leaves a half-written file.
"""

import contextlib
import importlib.util
import os
import tempfile

from ._errors import UsageError, one_line

COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zip")


def file_format(path, role):
    """``"csv"`` or ``"parquet"``, from the suffix of ``path`` (``role``: INPUT or OUTPUT, for the message)."""
    name = os.path.basename(path).lower()
    compressed = name.endswith(COMPRESSION_SUFFIXES)
    if compressed:
        name = os.path.splitext(name)[0]
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")) and not compressed:
        return "parquet"
    raise UsageError(
        f"{role} {path!r}: unknown format; use a .csv (optionally .csv.gz, .bz2, .xz, .zst, .zip) or a .parquet file"
    )


def check_input(path):
    if not os.path.exists(path):
        raise UsageError(f"input file not found: {path}")
    if not os.path.isfile(path):
        raise UsageError(f"input is not a file: {path}")


def check_output(path, force):
    """Refuse early, before any work: an existing output without --force, or a place we cannot write."""
    if os.path.isdir(path):
        raise UsageError(f"output path is a directory: {path}")
    if os.path.lexists(path) and not force:
        raise UsageError(f"output file exists: {path} (pass --force to overwrite it)")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"cannot write {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {path}: no permission to create files in {directory}")


def import_pandas():
    try:
        import pandas
    except ImportError:
        raise UsageError("reading and writing tables needs pandas: pip install 'gpu-clover[cli]'") from None
    return pandas


def frame_library(backend, needs_pyarrow):
    """cuDF when the data will live on the GPU and cuDF is installed; pandas otherwise."""
    if backend.name == "cupy" and importlib.util.find_spec("cudf") is not None:
        import cudf

        return cudf
    pandas = import_pandas()
    if needs_pyarrow and importlib.util.find_spec("pyarrow") is None:
        raise UsageError("Parquet files need pyarrow: pip install 'gpu-clover[cli]'")
    return pandas


def to_pandas(obj):
    return obj.to_pandas() if _is_cudf(obj) else obj


def _is_cudf(obj):
    return type(obj).__module__.startswith("cudf")


def read_table(frames, path, file_format):
    try:
        return frames.read_csv(path) if file_format == "csv" else frames.read_parquet(path)
    except Exception as error:
        raise UsageError(f"cannot read {path} as {file_format.upper()}: {one_line(error)}") from None


def write_atomic(frame, path, file_format, force):
    """Write next to ``path`` under a temporary name, then rename: readers never see a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        # The temporary name ends with the real one, so compression is inferred from the same suffix.
        handle, temporary = tempfile.mkstemp(prefix=".gpu-clover-", suffix="-" + os.path.basename(path), dir=directory)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    try:
        if file_format == "csv" and not _is_cudf(frame):
            from ._csv import write_csv

            write_csv(frame, temporary)
        elif file_format == "csv":
            frame.to_csv(temporary, index=False)
        else:
            frame.to_parquet(temporary, index=False)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        if os.path.lexists(path) and not force:  # appeared while we were working
            raise UsageError(f"output file exists: {path} (pass --force to overwrite it)")
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, (OSError, ValueError)):
            raise UsageError(f"cannot write {path}: {one_line(error)}") from None
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
