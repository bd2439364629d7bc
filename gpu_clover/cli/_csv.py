"""CSV output through pyarrow's writer, with the bytes pandas' ``to_csv(path, index=False)`` writes.

pandas writes a float as NumPy's ``str`` of it: the shortest text that reads back as the same
value, ``.0`` on whole numbers, scientific notation outside [1e-4, 1e16) for float64 and
[1e-4, 1e6) for float32. Arrow's cast to text gives the same shortest digits but no ``.0`` and
switches notation elsewhere: values where both write positional notation take Arrow's text with
the ``.0`` put back, the others NumPy's. A probe checks once per process that the installed
pyarrow writes what NumPy does there. The header is written by the ``csv`` module with pandas'
quoting; a table whose text would need quotes, or with a column of another type (dates,
categories, ...), or a compression Python's standard library does not write, goes through pandas.

Imported by the ``write`` step only: it loads NumPy and pyarrow.
"""

import bz2
import csv
import functools
import gzip
import io
import lzma
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv

# Magnitudes where Arrow and NumPy both write a float in positional notation, by dtype.
POSITIONAL = {"float64": (1e-4, 1e10), "float32": (1e-4, 1e6)}
# The compressions pandas infers from these suffixes, written here through the standard library.
OPENERS = {".csv": open, ".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# A text holding one of these needs quotes, which Arrow's writer would put on every text.
NEEDS_QUOTES = r'[,"\r\n]'


def write_csv(frame, path):
    """Write the pandas ``frame`` to ``path`` (compressed as its suffix says) as ``frame.to_csv(path,
    index=False)`` does."""
    opener = OPENERS.get(os.path.splitext(path.lower())[1])
    arrays = _arrow_columns(frame) if opener is not None and _arrow_writes_numpy_floats() else None
    options = _write_options() if arrays is not None else None
    if options is None:
        frame.to_csv(path, index=False)
        return
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
    with opener(path, "wb") as sink:
        sink.write(_header_line(frame.columns))
        pyarrow.csv.write_csv(table, sink, options)


def float_text(values):
    """Each float of the NumPy array ``values`` as NumPy's ``str`` writes it (NaN: null), as Arrow text."""
    low, high = POSITIONAL[values.dtype.name]
    with np.errstate(invalid="ignore"):  # NaN compares false: not positional, not whole
        magnitude = np.abs(values.astype(np.float64))
        positional = ((magnitude >= low) & (magnitude < high)) | (magnitude == 0)
        whole = positional & (np.floor(values) == values)  # Arrow writes "3" for 3.0
    text = pc.cast(pa.array(values, from_pandas=True), pa.string())
    if whole.any():
        mask = pa.array(whole)
        text = pc.replace_with_mask(text, mask, pc.binary_join_element_wise(pc.filter(text, mask), ".0", ""))
    by_numpy = ~positional & ~np.isnan(values)
    if by_numpy.any():
        text = pc.replace_with_mask(text, pa.array(by_numpy), pa.array(values[by_numpy].astype(str)))
    return text


def _arrow_columns(frame):
    """Each column as Arrow values whose CSV text is pandas'; ``None`` when one cannot be."""
    arrays = []
    for _, column in frame.items():
        array = _arrow_column(column)
        if array is None:
            return None
        arrays.append(array)
    return arrays


def _arrow_column(column):
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pa.array(column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pc.if_else(pa.array(column.to_numpy()), "True", "False")
    if isinstance(dtype, np.dtype) and dtype.name in POSITIONAL:
        return float_text(column.to_numpy())
    if (isinstance(dtype, np.dtype) and dtype.kind == "O") or _is_pandas_string(dtype):
        try:
            text = pa.array(column, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all texts: pandas writes str() of each
            return None
        return None if pc.any(pc.match_substring_regex(text, NEEDS_QUOTES)).as_py() else text
    return None


def _is_pandas_string(dtype):
    import pandas

    return isinstance(dtype, pandas.StringDtype)


def _header_line(columns):
    """The header as pandas writes it: the ``csv`` module's minimal quoting, the platform's line end."""
    line = io.StringIO()
    csv.writer(line, lineterminator=os.linesep).writerow([str(column) for column in columns])
    return line.getvalue().encode("utf-8")


def _write_options():
    """Arrow's options for the rows (no header, no quotes, pandas' line end); ``None`` when this
    pyarrow cannot end lines as pandas does here."""
    options = {"include_header": False, "quoting_style": "none"}
    if os.linesep != "\n":
        options["eol"] = os.linesep
    try:
        return pyarrow.csv.WriteOptions(**options)
    except TypeError:  # a pyarrow without ``eol``
        return None


@functools.cache
def _arrow_writes_numpy_floats():
    """Whether this pyarrow's float text, mended as :func:`float_text` does, is NumPy's on a probe."""
    probe = [0.0, -0.0, 1.0, -2.5, 0.1, 1 / 3, -2 / 3 * 1e9, 123456.789, 1.5e-4, 9999999999.0, 1e-300, 3e12]
    for dtype in (np.float64, np.float32):
        values = np.array(probe, dtype=dtype)
        if float_text(values).to_pylist() != values.astype(str).tolist():
            return False
    return True
