"""Stage 1 on Dask: check the collections, describe the classes, answer in the caller's kind.

Dask arrays and dask DataFrames / Series (pandas or cuDF partitions) come in;
the work collection is a 2-D dask array with one column chunk, and ``y`` a 1-D
dask array with the same row chunks. Only per-block summaries (class labels,
their counts and first rows) travel to the client.
"""

import weakref
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np

from .._validation import check_min_shape
from ..backends import get_backend, is_cupy_array


def to_host(a):
    """A block (NumPy, CuPy, pandas or cuDF) as a NumPy array."""
    if is_cupy_array(a):  # the CuPy backend's transfer path, as every device-to-host copy
        return get_backend("cupy").to_host(a)
    if hasattr(a, "to_numpy"):
        a = a.to_pandas() if type(a).__module__.split(".")[0] == "cudf" else a
        return a.to_numpy()
    return np.asarray(a)


@dataclass
class DaskData:
    """The validated collections and the (small) class description, on the client."""

    X: da.Array  # floating work array, one column chunk
    y: da.Array  # the caller's labels
    classes: np.ndarray  # sorted class labels
    counts: np.ndarray  # rows per class
    first_seen: np.ndarray  # first row of each class
    out_dtype: np.dtype  # dtype of the returned X
    wrap: object  # callable(X_res, y_res) -> the caller's collection kind
    X_exact: da.Array = None  # the caller's X when ``X`` is a float copy of it (integer X)
    categorical: object = None  # CategoricalColumns: where X's categorical columns are, or None
    codes: da.Array = None  # their int32 codes, (n_samples, n_categorical), X's row chunks

    def y_host(self):
        """``y`` on the client: only a callable ``sampling_strategy`` asks for it."""
        return to_host(self.y.compute())


def row_block_starts(a):
    """First global row of every row block of the dask array ``a`` (host int64)."""
    return np.concatenate([[0], np.cumsum(a.chunks[0])[:-1]]).astype(np.int64)


def is_dask_collection(a):
    return dask.is_dask_collection(a)


def check_dask_data(X, y, categorical_features=None):
    """Validate ``X, y``, compute the class summary; ``DaskData``.

    Categorical columns (``categorical_features`` as on one machine) of a dask DataFrame
    become an int32 code block beside the numeric columns' work array
    (:mod:`._categorical`); the answer is then a dask DataFrame of the input's columns.
    """
    if not is_dask_collection(X):
        raise TypeError(
            f"gpu_clover.dask samplers take a dask array or dask DataFrame; got {type(X).__name__}. "
            "Use gpu_clover's single-machine samplers for in-memory data."
        )
    from ._categorical import check_mixed_dask_data, dask_categorical_positions  # it builds on this module

    positions = dask_categorical_positions(X, categorical_features)
    if positions.size:
        return check_mixed_dask_data(X, y, positions)
    return check_numeric_dask_data(X, y)


def check_numeric_dask_data(X, y, lengths=None):
    """``check_dask_data`` of numbers only (``lengths``: the rows of each partition of a dask
    DataFrame ``X``, when already counted)."""
    X, wrap_X = _as_array(X, "X", lengths)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D dask array for X, got {X.ndim}D.")
    check_min_shape(X.shape)  # an unknown row count (NaN, unknown chunks) passes
    if X.dtype.kind not in "fiub":
        raise TypeError(
            f"X must contain numbers only; got dtype {X.dtype}. Pass a dask DataFrame whose categorical "
            "columns are category, string, object or bool columns (categorical_features='auto' takes them)."
        )
    y, wrap_y = _as_array(y if is_dask_collection(y) else da.from_array(np.asarray(y), chunks=X.chunks[0]), "y")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with one label per row of X; got shape {y.shape} for X of shape {X.shape}.")
    out_dtype = X.dtype
    X = X.rechunk({1: -1})
    X_exact = None if X.dtype.kind == "f" else X
    if X_exact is not None:
        X = X.astype(np.float64)
    y = y.rechunk((X.chunks[0],))
    X, y = computed_once(X), computed_once(y)
    blocks = zip(X.to_delayed().ravel(), y.to_delayed().ravel(), row_block_starts(X).tolist())
    summaries = dask.compute(*[dask.delayed(_block_summary)(xb, yb, s) for xb, yb, s in blocks])
    if not all(finite for finite, *_ in summaries):
        raise ValueError("Input X contains NaN or infinity.")
    classes, counts, first_seen = _merge_class_summaries([s[1:] for s in summaries])

    def wrap(X_res, y_res, codes_res=None):
        return wrap_X(X_res), wrap_y(y_res)

    return DaskData(
        X=X,
        y=y,
        classes=classes,
        counts=counts,
        first_seen=first_seen,
        out_dtype=out_dtype,
        wrap=wrap,
        X_exact=X_exact,
    )


def computed_once(a):
    """``a`` persisted on the cluster unless its graph already is: the pipeline passes over X
    several times (summaries, clustering, counts, shuffle), and each pass then reads the
    workers' blocks instead of recomputing them from the source (a file, a DataFrame's
    conversion, a rechunk). Without a distributed client ``a`` is returned as it is."""
    try:
        from distributed import default_client, futures_of

        default_client()
    except (ImportError, ValueError):
        return a
    keys = list(dask.core.flatten(a.__dask_keys__()))
    return a if len(futures_of(a)) >= len(keys) else a.persist()


def _as_array(a, name, lengths=None):
    """A dask array with known chunks, and how to turn a result back into ``a``'s kind
    (``lengths``: a dask DataFrame's partition sizes, when known)."""
    import dask.dataframe as dd

    if isinstance(a, da.Array):
        if any(np.isnan(c) for c in a.chunks[0]):
            a.compute_chunk_sizes()
        return a, lambda result: result
    if isinstance(a, dd.DataFrame):
        columns, dtypes = list(a.columns), a.dtypes.to_dict()
        backend = _frame_backend(a)

        def wrap_frame(result):
            frame = dd.from_dask_array(result, columns=columns).astype(dtypes)
            return _keep_futures_alive(frame if backend == "pandas" else frame.to_backend(backend), result)

        return a.to_dask_array(lengths=True if lengths is None else lengths), wrap_frame
    if isinstance(a, dd.Series):
        series_name, dtype = a.name, a.dtype
        backend = _frame_backend(a)

        def wrap_series(result):
            series = dd.from_dask_array(result, columns=series_name).astype(dtype)
            return _keep_futures_alive(series if backend == "pandas" else series.to_backend(backend), result)

        return a.to_dask_array(lengths=True), wrap_series
    raise TypeError(f"{name} must be a dask array, DataFrame or Series; got {type(a).__name__}.")


def _keep_futures_alive(frame, array):
    """Tie the futures of ``array``'s graph (its persisted parts) to the lifetime of ``frame``.

    A dask-expr collection built from an array does not hold the array's
    ``Future`` objects: once they are collected the scheduler forgets the keys
    and computing the frame fails with "lost dependencies". ``finalize`` keeps
    them referenced for as long as the frame lives.
    """
    try:
        from distributed import futures_of
    except ImportError:  # no distributed scheduler, no futures
        return frame
    futures = futures_of(array)
    if futures:
        weakref.finalize(frame, futures.clear)
    return frame


def _frame_backend(a):
    return "cudf" if type(a._meta).__module__.split(".")[0] == "cudf" else "pandas"


def _block_summary(X_block, y_block, start):
    """(X finite?, class labels, their counts, their first global row) of one block."""
    xp = X_block.__array_namespace__() if hasattr(X_block, "__array_namespace__") else np
    finite = bool(xp.isfinite(X_block).all()) if X_block.dtype.kind == "f" else True
    y = to_host(y_block)
    if y.dtype.kind == "f" and not np.all(y == np.floor(y)):
        raise ValueError("Unknown label type: continuous. Classification targets are required.")
    labels, first, counts = np.unique(y, return_index=True, return_counts=True)
    return finite, labels, counts, first + start


def _merge_class_summaries(summaries):
    labels = np.concatenate([s[0] for s in summaries])
    counts = np.concatenate([s[1] for s in summaries])
    first = np.concatenate([s[2] for s in summaries])
    classes, inverse = np.unique(labels, return_inverse=True)
    total = np.bincount(inverse, weights=counts, minlength=len(classes)).astype(np.int64)
    first_seen = np.full(len(classes), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_seen, inverse, first)
    return classes, total, first_seen


def class_codes(y_block, classes):
    """The class code of every label of a block (host int64)."""
    labels, inverse = np.unique(to_host(y_block), return_inverse=True)
    index = {label: code for code, label in enumerate(classes.tolist())}
    return np.array([index[label] for label in labels.tolist()], dtype=np.int64)[inverse.reshape(-1)]
