"""Which columns of the input are features, decided from their names alone.

The names come first from the file's header line or Parquet schema, before NumPy,
pandas or the samplers are imported and before the rows are read, so that a wrong
``--target``, ``--drop`` or ``--features`` is reported at once; the same decision is
then taken again on the loaded table, which has the last word.
"""

import bz2
import contextlib
import csv
import difflib
import gzip
import io
import lzma
import os
import zipfile

from ._errors import UsageError

# Compressed CSV inputs the standard library reads (".zip" apart; ".zst" has no reader there).
DECOMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
HEADER_ERRORS = (OSError, EOFError, UnicodeDecodeError, ValueError, csv.Error, zipfile.BadZipFile, lzma.LZMAError)


def header_columns(path, file_format):
    """The column names of ``path`` as pandas will name them, from its header line or Parquet
    schema alone; ``None`` when they cannot be had that cheaply (the full read then reports why)."""
    try:
        return _csv_header(path) if file_format == "csv" else _parquet_columns(path)
    except HEADER_ERRORS:
        return None


def feature_columns(columns, target, drop=(), features=None, categorical=()):
    """The feature columns, in the order of ``columns`` (the table's names).

    ``features``: the feature columns to use (``None``: every column but the target);
    ``drop``: columns to leave out of them; ``categorical``: feature columns to treat as
    categories (text, category and bool columns are categories anyway). The target is never
    a feature and always kept. Unknown names, the target named in any option, a column named
    in both ``features`` and ``drop``, a categorical column that is not a feature, and no
    feature left are usage errors.
    """
    if target not in columns:
        raise UsageError(f"target column {target!r} not found{_did_you_mean(target, columns)}; {_listing(columns)}")
    drop = list(dict.fromkeys(drop or ()))
    chosen = None if features is None else list(dict.fromkeys(features))
    others = [name for name in columns if name != target]
    categorical = list(dict.fromkeys(categorical or ()))
    for option, names in (("--features", chosen or []), ("--drop", drop), ("--categorical", categorical)):
        unknown = [name for name in names if name not in columns]
        if unknown:
            hint = _did_you_mean(unknown[0], others) if len(unknown) == 1 else ""
            raise UsageError(f"{option}: no column named {_names(unknown)}{hint}; {_listing(columns)}")
        if target in names:
            raise UsageError(f"{option} names the target column {target!r}; the target is always kept")
    both = sorted(set(drop) & set(chosen or ()), key=drop.index)
    if both:
        raise UsageError(f"--features and --drop both name {_names(both)}; name each column in one of them only")
    wanted = set(others) - set(drop) if chosen is None else set(chosen)
    kept = [name for name in columns if name in wanted]
    if not kept:
        if chosen is None and not drop:
            raise UsageError(f"the input has no feature columns besides the target {target!r}")
        raise UsageError(f"no feature column is left: --drop leaves out {_names(drop)}, all of them but the target")
    outside = [name for name in categorical if name not in wanted]
    if outside:
        raise UsageError(f"--categorical names {_names(outside)}, which --features or --drop leave out of the features")
    return kept


# ---------------------------------------------------------------- the header
def _csv_header(path):
    with contextlib.ExitStack() as stack:
        text = _open_csv_text(path, stack)
        if text is None:
            return None
        for row in csv.reader(text):
            if row:  # pandas skips blank lines before the header
                return _pandas_names(row)
    return None


def _open_csv_text(path, stack):
    """The CSV file as text (UTF-8, a leading byte order mark dropped, as pandas reads it), or ``None``."""
    suffix = os.path.splitext(path.lower())[1]
    if suffix == ".zst":
        return None
    if suffix == ".zip":
        archive = stack.enter_context(zipfile.ZipFile(path))
        members = archive.namelist()
        if len(members) != 1:  # pandas reads an archive of exactly one file
            return None
        binary = stack.enter_context(archive.open(members[0]))
    else:
        binary = stack.enter_context(DECOMPRESSORS.get(suffix, open)(path, "rb"))
    return stack.enter_context(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""))


def _pandas_names(row):
    """The header ``row`` as pandas names its columns: a blank name is ``Unnamed: <position>``; a
    repeated one gets ``.1``, ``.2``, ... , the first suffix that no other column has."""
    names = [name or f"Unnamed: {position}" for position, name in enumerate(row)]
    taken, seen, suffixes, result = set(names), set(), {}, []
    for name in names:
        if name in seen:
            base = name
            while name in taken:
                suffixes[base] = suffixes.get(base, 0) + 1
                name = f"{base}.{suffixes[base]}"
            taken.add(name)
        seen.add(name)
        result.append(name)
    return result


def _parquet_columns(path):
    try:
        import pyarrow.parquet
    except ImportError:  # reported with the install hint when the table library is chosen
        return None
    schema = pyarrow.parquet.read_schema(path)
    # pandas turns the columns that stored a DataFrame's index back into its index.
    index = (schema.pandas_metadata or {}).get("index_columns", [])
    return [name for name in schema.names if name not in index]


# ---------------------------------------------------------------- wording
def _names(names):
    return ", ".join(repr(name) for name in names)


def _did_you_mean(name, columns):
    """A hint naming the column closest to ``name`` (letter case aside), if one is close."""
    by_folded = {str(column).casefold(): column for column in reversed(columns)}
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""


def listed(names, limit=20):
    """``names`` joined by commas, the first ``limit`` of them and a count when there are more."""
    shown = ", ".join(map(str, names[:limit]))
    return shown + (f", ... ({len(names)} columns)" if len(names) > limit else "")


def _listing(columns):
    return f"the columns are: {listed(columns)}"
