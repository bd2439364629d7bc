"""Categorical columns: chosen once at validation, carried as integer codes, restored at assembly.

A table is split into a float block (the numeric columns, the work array every stage already
uses) and a code block: one int32 column of codes per categorical column, with each column's
categories kept for the way back. The stages after validation see both blocks of the same
rows: the groups, the tiles and the random streams do not change, and numeric-only data take
exactly the path they took before.

The distance is SMOTE-NC's (Chawla et al., 2002, §6.1): the squared euclidean distance over
the numeric columns plus ``med^2`` for every categorical column where two rows differ, ``med``
being the median of the numeric columns' standard deviations within the class being
over-sampled (:func:`class_penalties`). Mismatches are counted on the codes; no one-hot block
is ever made, so memory does not grow with the number of categories.
"""

import math
from dataclasses import dataclass

import numpy as np

# Which pandas dtypes "auto" takes as categorical (bool too: two categories, never interpolated).
_AUTO_PANDAS_KINDS = ("category", "object", "string", "bool")


@dataclass
class CategoricalColumns:
    """Where a table's categorical columns are and how many categories each has. Their codes
    (one int32 column per categorical column) live on the backend
    (``FitData.categorical_codes``); the way back to the caller's values is the answer's own.

    Attributes
    ----------
    positions : host int64 array
        Their column indices in X, increasing.
    numeric_positions : host int64 array
        The other columns' indices, increasing (the float block's columns, in order).
    n_categories : host int64 array
        Categories per column.
    """

    positions: np.ndarray
    numeric_positions: np.ndarray
    n_categories: np.ndarray

    @property
    def n_columns(self):
        return len(self.positions)


# ------------------------------------------------------------------ which columns
def categorical_positions(spec, X, n_features, names):
    """The column indices ``categorical_features`` names (host int64, increasing).

    ``spec``: ``"auto"`` (pandas category, object, string and bool columns; the string columns
    of a NumPy object or string array), None (none), indices, column names, or a boolean mask,
    as imbalanced-learn's SMOTENC takes them. Raises for unknown names, indices out of range
    and masks of the wrong length.
    """
    if spec is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(spec, str) and spec == "auto":
        return _auto_positions(X, n_features)
    values = np.asarray(spec)
    if values.ndim != 1:
        raise ValueError(f"categorical_features must be 1-D (indices, names or a mask); got shape {values.shape}.")
    if values.dtype.kind == "b":
        if len(values) != n_features:
            raise ValueError(
                f"categorical_features is a boolean mask of length {len(values)}, but X has {n_features} "
                "feature column(s): the mask needs one entry per column."
            )
        return np.flatnonzero(values).astype(np.int64)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    if values.dtype.kind in "iu":
        bad = [int(v) for v in values if not -n_features <= v < n_features]
        if bad:
            raise ValueError(
                f"categorical_features holds index(es) {bad} out of range for X with {n_features} feature column(s)."
            )
        positions = np.unique(np.where(values < 0, values + n_features, values)).astype(np.int64)
        return positions
    if names is None:
        raise ValueError(
            "categorical_features holds column names, but X has no column names (a pandas DataFrame has); "
            "pass column indices or a boolean mask."
        )
    lookup = {str(name): j for j, name in enumerate(names)}
    unknown = [str(v) for v in values.tolist() if str(v) not in lookup]
    if unknown:
        raise ValueError(
            f"categorical_features names unknown column(s) {unknown}; X's columns are {[str(n) for n in names]}."
        )
    return np.unique([lookup[str(v)] for v in values.tolist()]).astype(np.int64)


def _auto_positions(X, n_features):
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):
        return np.array(
            [j for j, dtype in enumerate(dtypes) if pandas_kind(dtype) in _AUTO_PANDAS_KINDS], dtype=np.int64
        )
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.dtype.kind in "USV":
            return np.arange(n_features, dtype=np.int64)
        if X.dtype == object:
            return np.array(
                [j for j in range(n_features) if any(isinstance(v, (str, bytes)) for v in X[:, j])], dtype=np.int64
            )
    return np.zeros(0, dtype=np.int64)


def pandas_kind(dtype):
    name = getattr(dtype, "name", str(dtype))
    if name == "category":
        return "category"
    if name == "bool" or name == "boolean":
        return "bool"
    if name == "object":
        return "object"
    if name.startswith("string") or name == "str":
        return "string"
    return "numeric"


def host_table(X):
    """``X`` as a pandas DataFrame or a 2-D NumPy array (object where the values are mixed)."""
    if hasattr(X, "iloc") and hasattr(X, "columns"):
        return X
    array = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if isinstance(X, (list, tuple)) and array.dtype.kind in "USV":
        array = np.asarray(X, dtype=object)  # keep numbers numbers beside strings
    return array


# ------------------------------------------------------------------ encoding
def encode_columns(X, positions, names):
    """Codes and decoders of the columns ``positions`` of ``X`` (a DataFrame or a 2-D array).

    Missing values (None, NaN, pd.NA) are refused with the column and count named; a column
    with no value at all is refused.
    """
    n = X.shape[0]
    codes = np.empty((n, len(positions)), dtype=np.int32)
    sizes, decoders = [], []
    for j, position in enumerate(positions.tolist()):
        name = _column_name(names, position)
        if hasattr(X, "iloc"):
            column_codes, size, decoder = _encode_pandas(X.iloc[:, position], name)
        else:
            column_codes, size, decoder = _encode_array(X[:, position], name)
        codes[:, j] = column_codes
        sizes.append(size)
        decoders.append(decoder)
    return codes, np.array(sizes, dtype=np.int64), decoders


def _column_name(names, position):
    return repr(str(names[position])) if names is not None else f"{position}"


def _refuse_missing(name, n_missing, n_rows):
    if n_missing == n_rows:
        raise ValueError(f"Categorical column {name} holds no value: every row is missing (None or NaN).")
    raise ValueError(
        f"Categorical column {name} has {n_missing} missing value(s) (None, NaN or NA). gpu_clover does not "
        "guess a category for them: fill them first, e.g. with their own category "
        "(X[col] = X[col].fillna('missing'), after X[col].cat.add_categories('missing') for a category column)."
    )


def _encode_pandas(column, name):
    missing = int(column.isna().sum())
    if missing:
        _refuse_missing(name, missing, len(column))
    if pandas_kind(column.dtype) == "category":
        categories = PandasCategories(column.name, column.dtype)
        return categories.encode(column), len(categories), categories.decode
    codes, uniques = factorized(column)
    categories = PandasCategories(column.name, column.dtype, uniques)
    return codes, len(categories), categories.decode


def factorized(values):
    """``pd.factorize(values)`` with the uniques sorted, or first seen where they do not compare
    (numbers and strings): the distinct values of a column, or of its distinct values in the
    order they are first seen, come out alike."""
    import pandas as pd

    try:
        return pd.factorize(values, sort=True)
    except TypeError:
        return pd.factorize(values, sort=False)


@dataclass(frozen=True)
class PandasCategories:
    """A pandas column's categories, and the way between its values and their codes.

    ``uniques`` (a pandas Index, from :func:`factorized`) are the codes' values; None for a
    ``category`` column, whose codes are its dtype's. Picklable: the tasks of a Dask graph
    encode and decode their own rows with the client's categories.
    """

    name: object
    dtype: object
    uniques: object = None

    def __len__(self):
        return len(self.dtype.categories) if self.uniques is None else len(self.uniques)

    def encode(self, column):
        """The codes (int32) of a Series of these categories' values (no missing value)."""
        if self.uniques is None:
            return column.cat.codes.to_numpy().astype(np.int32)
        return self.uniques.get_indexer(column).astype(np.int32)

    def decode(self, codes):
        """A Series of the values of ``codes``, of the column's dtype (and categories)."""
        import pandas as pd

        if self.uniques is None:
            return pd.Series(pd.Categorical.from_codes(codes, dtype=self.dtype), name=self.name)
        return pd.Series(self.uniques.take(codes), name=self.name).astype(self.dtype)


def _encode_array(values, name):
    if values.dtype == object:
        missing = sum(1 for v in values if v is None or (isinstance(v, float) and math.isnan(v)))
        if missing:
            _refuse_missing(name, missing, len(values))
    elif values.dtype.kind == "f" and np.isnan(values).any():
        _refuse_missing(name, int(np.isnan(values).sum()), len(values))
    try:
        uniques, codes = np.unique(values, return_inverse=True)
    except TypeError:
        raise TypeError(
            f"Categorical column {name} mixes values that do not compare (e.g. numbers and strings); "
            "give it values of one type."
        ) from None

    def decode(codes_):
        return uniques[codes_]

    return codes.reshape(-1), len(uniques), decode


def encode_cudf_columns(xp, frame, positions, names):
    """Codes (an int32 array of ``xp``, CuPy's namespace) and decoders of the columns ``positions``
    of a cuDF frame, without leaving the device: each column as a category column, its codes
    and categories."""
    codes = xp.empty((len(frame), len(positions)), dtype=xp.int32)
    sizes, decoders = [], []
    for j, position in enumerate(positions.tolist()):
        column = frame[names[position]]
        dtype = column.dtype
        categorical = column if pandas_kind(dtype) == "category" else column.astype("category")
        missing = int(categorical.isnull().sum())
        if missing:
            _refuse_missing(repr(str(names[position])), missing, len(column))
        codes[:, j] = categorical.cat.codes.to_cupy()
        categories = categorical.cat.categories
        sizes.append(len(categories))
        decoders.append(_cudf_decoder(categories, dtype, names[position]))
    return codes, np.array(sizes, dtype=np.int64), decoders


def _cudf_decoder(categories, dtype, name):
    import cudf

    def decode(values):
        return cudf.Series(categories.take(values), name=name).astype(dtype)

    return decode


# ------------------------------------------------------------------ the distance
def class_penalties(backend, X, y_codes, n_classes):
    """``med^2`` of every class (host float64): the squared median over the numeric columns of
    their standard deviations (ddof 0) within the class, as imbalanced-learn's SMOTENC.

    Without numeric columns every class takes 1: the distance is then the number of
    mismatches, and any positive constant ranks neighbours alike.
    """
    if X.shape[1] == 0 or X.shape[0] == 0:
        return np.ones(n_classes)
    xp = backend.xp
    counts = xp.maximum(backend.bincount(y_codes, n_classes), 1).astype(xp.float64)[:, None]
    step = max(1, backend.tile_elements(8) // max(1, X.shape[1]))
    tiles = [slice(start, start + step) for start in range(0, X.shape[0], step)]  # float64 a tile at a time

    def total(per_tile):  # the tiles' sums added in their order, whatever ran them
        sums = xp.zeros((n_classes, X.shape[1]), dtype=xp.float64)
        for part in backend.map_ordered(per_tile, tiles):
            sums += part
        return sums

    means = total(lambda tile: backend.segment_sum(X[tile].astype(xp.float64), y_codes[tile], n_classes)) / counts

    def squares(tile):  # two passes: no cancellation in the variance
        deviation = X[tile].astype(xp.float64) - means[y_codes[tile]]
        return backend.segment_sum(deviation * deviation, y_codes[tile], n_classes)

    std = np.sqrt(backend.to_host(total(squares) / counts))
    return np.median(std, axis=1) ** 2
