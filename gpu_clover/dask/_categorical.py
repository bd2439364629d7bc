"""Categorical columns on Dask: found and encoded as on one machine, carried as an int32 code block.

A dask DataFrame's categorical columns (``categorical_features`` as on one machine) are
encoded with the codes the single machine gives the computed frame: a ``category`` column
with known categories by its dtype's codes; any other column by the codes of its distinct
values sorted (first seen where they do not compare), which one pass of per-partition
distinct values finds (:func:`encode_categorical`). The codes are a dask array with the
numeric block's row chunks, so every later pass reads both blocks of the same rows.

``med^2`` of each class (:func:`class_penalties`) is two reductions over the numeric block
(the class means, then the squared deviations from them), in float64 as on one machine.
"""

import dask
import dask.array as da
import numpy as np

from .._categorical import (
    CategoricalColumns,
    PandasCategories,
    _column_name,
    _refuse_missing,
    categorical_positions,
    factorized,
    pandas_kind,
)
from .._validation import check_min_shape
from ..backends import get_backend
from ._data import _frame_backend, _keep_futures_alive, check_numeric_dask_data, class_codes, row_block_starts, to_host


def dask_categorical_positions(X, spec):
    """Column indices of the categorical columns of the dask collection ``X`` (host int64).

    Dask DataFrames take every form of ``categorical_features`` the single machine takes;
    a dask array of numbers has none under "auto" and is refused when columns are named
    (its categories would be numbers: encode them, or pass a dask DataFrame); a dask array
    of objects or strings is refused (its columns' kinds are not known without a pass).
    """
    import dask.dataframe as dd

    if spec is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(X, dd.DataFrame):
        names = list(X.columns)
        return categorical_positions(spec, X._meta, len(names), names)
    if isinstance(X, da.Array) and X.dtype.kind in "OUSV":
        raise TypeError(
            f"A dask array of dtype {X.dtype} cannot carry categorical columns on Dask: pass a dask DataFrame "
            "whose categorical columns are category, string, object or bool columns (e.g. dd.from_pandas)."
        )
    if isinstance(X, da.Array) and X.ndim == 2:
        auto = isinstance(spec, str) and spec == "auto"
        positions = np.zeros(0, dtype=np.int64) if auto else categorical_positions(spec, X, X.shape[1], None)
        if positions.size:
            raise NotImplementedError(
                f"The Dask samplers take categorical columns of dask DataFrames; X is a dask array with columns "
                f"{positions.tolist()} named categorical. Pass dd.from_dask_array(X) with those columns as "
                "category columns, or categorical_features=None to treat them as numbers."
            )
    return np.zeros(0, dtype=np.int64)


def check_mixed_dask_data(X, y, positions):
    """``DaskData`` of a dask DataFrame with categorical columns ``positions``: the numeric
    columns as the work array (one zero column when there is none), the others as codes; the
    answer rebuilds the frame (:func:`mixed_frame`)."""
    names = list(X.columns)
    numeric_positions = np.setdiff1d(np.arange(len(names)), positions)
    categories, codes, lengths = encode_categorical(X, positions)
    n_rows = sum(lengths)
    check_min_shape((n_rows, len(names)))
    placeholder = numeric_positions.size == 0  # all categorical: nothing to interpolate
    if placeholder:
        numeric = da.zeros((n_rows, 1), chunks=(tuple(lengths), 1))
    else:
        numeric = X[[names[i] for i in numeric_positions.tolist()]]
    data = check_numeric_dask_data(numeric, y, lengths)
    numeric_dtypes = [] if placeholder else list(X._meta.dtypes.iloc[numeric_positions])
    layout = (list(X.columns), numeric_positions.tolist() if not placeholder else [], numeric_dtypes)
    layout += (positions.tolist(), categories)
    numeric_wrap = data.wrap

    def wrap(X_res, y_res, codes_res=None):
        frame = mixed_frame(*layout, X_res, codes_res)
        return _keep_futures_alive(_keep_futures_alive(frame, X_res), codes_res), numeric_wrap(X_res, y_res)[1]

    data.wrap = wrap
    data.categorical = CategoricalColumns(
        positions, numeric_positions, np.array([len(c) for c in categories], dtype=np.int64)
    )
    data.codes = codes.rechunk((data.X.chunks[0], -1))
    return data


def encode_categorical(X, positions):
    """The categories of ``X``'s columns ``positions`` and their codes, in one pass.

    Returns ``(categories, codes, lengths)``: a :class:`PandasCategories` per column, the
    int32 dask array ``(n_samples, len(positions))`` of codes (one row block per partition)
    and the partitions' row counts. Missing values are refused in the single machine's words.
    """
    names = list(X.columns)
    if _frame_backend(X) != "pandas":
        raise NotImplementedError(
            "The Dask samplers take categorical columns of pandas-backed dask DataFrames; X is backed by "
            f"{_frame_backend(X)}. Convert it with X.to_backend('pandas'), or resample on one GPU with the "
            "single-machine samplers (they take cuDF categorical columns)."
        )
    frame = X[[names[p] for p in positions.tolist()]]
    unknown = [c for c in frame.columns if pandas_kind(frame._meta[c].dtype) == "category" and not frame[c].cat.known]
    if unknown:  # their categories come from the data (dask's categorize: one pass)
        frame = frame.categorize(columns=unknown)
    dtypes = [frame._meta.iloc[:, j].dtype for j in range(len(positions))]
    kinds = [pandas_kind(dtype) for dtype in dtypes]
    parts = frame.to_delayed()
    summaries = dask.compute(*[dask.delayed(_partition_values)(part, kinds) for part in parts])
    lengths = [n for n, _, _ in summaries]
    n_rows = sum(lengths)
    categories = []
    for j, position in enumerate(positions.tolist()):
        missing = sum(counts[j] for _, counts, _ in summaries)
        if missing:
            _refuse_missing(_column_name(names, position), missing, n_rows)
        if kinds[j] == "category":
            categories.append(PandasCategories(names[position], dtypes[j]))
            continue
        import pandas as pd

        # The partitions' distinct values in partition order, deduplicated: the column's distinct
        # values in the order they are first seen, whose factorization is the whole column's.
        seen = pd.concat([values[j] for _, _, values in summaries], ignore_index=True).drop_duplicates()
        categories.append(PandasCategories(names[position], dtypes[j], factorized(seen)[1]))
    meta = np.empty((0, len(positions)), dtype=np.int32)
    blocks = [
        da.from_delayed(dask.delayed(_encode_partition)(part, categories), (n, len(positions)), np.int32, meta=meta)
        for part, n in zip(parts, lengths)
    ]
    return categories, da.concatenate(blocks), lengths


def _partition_values(part, kinds):
    """(rows, missing values per column, distinct values per non-category column in first-seen order)."""
    missing = [int(part.iloc[:, j].isna().sum()) for j in range(len(kinds))]
    values = [None if kind == "category" else part.iloc[:, j].drop_duplicates() for j, kind in enumerate(kinds)]
    return len(part), missing, values


def _encode_partition(part, categories):
    codes = np.empty((len(part), len(categories)), dtype=np.int32)
    for j, column in enumerate(categories):
        codes[:, j] = column.encode(part.iloc[:, j])
    return codes


# ------------------------------------------------------------------ the distance
def class_penalties(X, y, classes):
    """``med^2`` of every class (host float64), as the single machine's
    :func:`~gpu_clover._categorical.class_penalties`: the squared median over the numeric
    columns of their standard deviations (ddof 0) within the class, from two reductions."""
    n_classes = len(classes)
    if X.shape[1] == 0:
        return np.ones(n_classes)
    pairs = list(zip(X.to_delayed().ravel(), y.to_delayed().ravel()))
    parts = dask.compute(*[dask.delayed(_class_sums)(xb, yb, classes) for xb, yb in pairs])
    sums = np.sum([s for s, _ in parts], axis=0)
    counts = np.maximum(np.sum([c for _, c in parts], axis=0), 1).astype(np.float64)[:, None]
    means = sums / counts
    # Two passes, as on one machine: no cancellation in the variance.
    squares = np.sum(dask.compute(*[dask.delayed(_class_squares)(xb, yb, classes, means) for xb, yb in pairs]), axis=0)
    return np.median(np.sqrt(squares / counts), axis=1) ** 2


def _class_sums(X_block, y_block, classes):
    values, codes = to_host(X_block).astype(np.float64), class_codes(y_block, classes)
    sums = get_backend("numpy").segment_sum(values, codes, len(classes))  # one C loop, as on one machine
    return sums, np.bincount(codes, minlength=len(classes))


def _class_squares(X_block, y_block, classes, means):
    values, codes = to_host(X_block).astype(np.float64), class_codes(y_block, classes)
    deviation = values - means[codes]
    return get_backend("numpy").segment_sum(deviation * deviation, codes, len(classes))


# ------------------------------------------------------------------ the answer
def mixed_frame(columns, numeric_positions, numeric_dtypes, positions, categories, X_res, codes_res):
    """The answer as a dask DataFrame of the input's ``columns``, in order, with their dtypes and
    categories: one partition per row block of ``X_res`` (the numeric columns; with none, one
    placeholder column) and of ``codes_res`` (the same rows), the categories decoded from the codes."""
    import dask.dataframe as dd

    if X_res.chunks[0] != codes_res.chunks[0]:
        codes_res = codes_res.rechunk((X_res.chunks[0], -1))
    layout = (columns, numeric_positions, numeric_dtypes, positions, categories)
    meta = _frame_block(np.empty((0, X_res.shape[1]), X_res.dtype), np.empty((0, len(positions)), np.int32), 0, *layout)
    starts = row_block_starts(X_res)
    parts, divisions = [], []
    for xb, cb, start, n in zip(X_res.to_delayed().ravel(), codes_res.to_delayed().ravel(), starts, X_res.chunks[0]):
        if n == 0:  # an empty block adds no row, and would repeat a division
            continue
        parts.append(dask.delayed(_frame_block)(xb, cb, int(start), *layout))
        divisions.append(int(start))
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    divisions.append(int(X_res.shape[0]) - 1)
    return dd.from_delayed(parts, meta=meta, divisions=divisions, verify_meta=False)


def _frame_block(X_block, codes_block, start, columns, numeric_positions, numeric_dtypes, positions, categories):
    """One block of the answer: a pandas frame of ``columns`` (rows ``start`` onwards)."""
    import pandas as pd

    parts = {}
    X_block, codes_block = to_host(X_block), to_host(codes_block)
    for i, (position, dtype) in enumerate(zip(numeric_positions, numeric_dtypes)):
        parts[position] = pd.Series(X_block[:, i]).astype(dtype)
    for j, position in enumerate(positions):
        parts[position] = categories[j].decode(codes_block[:, j])
    out = pd.DataFrame({position: parts[position] for position in range(len(columns))}, copy=False)
    out.columns = columns
    out.index = pd.RangeIndex(start, start + len(out))
    return out
