"""Stage 1, validate: check X and y once, pick the backend, move the data there once.

The caller's container (NumPy, list, pandas, CuPy, cuDF; PyTorch, JAX, Numba through
:mod:`gpu_clover._interop`) is remembered so the output comes back in the same type.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import label_binarize
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import validate_data

from ._casting import cast_values, inexact_columns, warn_about_casts
from ._categorical import (
    CategoricalColumns,
    categorical_positions,
    encode_columns,
    encode_cudf_columns,
    host_table,
)
from ._groups import encode_labels
from ._interop import accepts_foreign_arrays
from ._placement import Placement
from .backends import get_backend, is_cudf_object, is_cupy_array

# Fewer rows cannot hold the two classes over-sampling needs.
MIN_SAMPLES = 2


@dataclass
class FitData:
    """Validated data on the backend, plus what is needed to answer in the caller's type."""

    backend: object
    X: object  # floating work array on the backend
    y_codes: object  # class code of every row, on the backend
    classes: np.ndarray  # class labels (host), sorted
    counts: np.ndarray  # rows per class (host)
    out_dtype: np.dtype  # dtype of the returned X
    wrap: object  # callable(X_resampled, y_codes_resampled, starts_with_input) -> caller's types
    placement: Placement  # where the caller's arrays live: results go there
    X_exact: object = None  # the caller's validated X when the work array is a float copy of it
    columns: object = None  # feature names, for messages
    categorical: object = None  # CategoricalColumns: where X's categorical columns are, or None
    categorical_codes: object = None  # their codes on the backend, int32 (n_samples, n_categorical)
    _y_host: object = field(default=None, repr=False)
    _X_host: object = field(default=None, repr=False)
    _codes_host: object = field(default=None, repr=False)

    def finish(self, X_base, X_res, codes_new, categories_new=None):
        """The caller's ``(X_resampled, y_resampled)``.

        ``X_res`` holds the synthetic rows after ``len(X_base)`` unfilled rows;
        ``categories_new`` the synthetic rows' categorical codes (with categorical columns);
        ``X_base`` (the rows the output starts with) fills them, from the caller's
        own values when the work array is a float copy of integer X. For a host
        caller on the GPU only the synthetic rows cross the bus.
        """
        backend, xp = self.backend, self.backend.xp
        n = X_base.shape[0]
        base = self.X_exact if X_base is self.X and self.X_exact is not None else X_base
        if self.placement.on_device or backend.name == "numpy" or self._codes_host is None:
            if X_res.dtype == self.out_dtype:
                out = X_res
            else:
                out = xp.empty(X_res.shape, dtype=self.out_dtype)
                backend.copy_into(out[n:], self._synthetic_values(X_res[n:]))
            backend.copy_into(out[:n], base if base.dtype == self.out_dtype else base.astype(self.out_dtype))
            # On the host the label codes are held in the narrowest signed integers that hold
            # them (a transient of the output's length, live while the answer is built); a device
            # keeps int64, so that a cold start compiles no cast kernel for them.
            narrow = np.min_scalar_type(-len(self.classes)) if backend.name == "numpy" else np.int64
            codes = xp.empty(n + codes_new.shape[0], dtype=narrow)
            backend.copy_into(codes[:n], self.y_codes.astype(narrow, copy=False))
            backend.copy_into(codes[n:], codes_new.astype(narrow, copy=False))
            return self.wrap(out, codes, X_base is self.X, self._all_categories(categories_new))
        out = np.empty(X_res.shape, dtype=self.out_dtype)
        if X_base is self.X:
            backend.host_copy(out[:n], self.X_exact if self.X_exact is not None else self.X_host())
        else:
            backend.to_host_into(X_base, out[:n])
        backend.to_host_into(self._synthetic_values(X_res[n:]), out[n:])
        labels = np.concatenate([self._codes_host, backend.to_host(codes_new)])
        return self.wrap(out, labels, X_base is self.X, self._all_categories(categories_new))

    def _all_categories(self, categories_new):
        """Every output row's categorical codes (:class:`OutputCodes`); None without such columns."""
        if self.categorical is None:
            return None
        return OutputCodes(self.backend, self.categorical_codes, categories_new)

    def _synthetic_values(self, X_new):
        """The synthetic rows in the output dtype: clipped to its range, never wrapped; warns when inexact."""
        if X_new.dtype == self.out_dtype:
            return X_new
        X_new, clipped = cast_values(self.backend.xp, X_new, self.out_dtype)
        if X_new.shape[0]:
            warn_about_casts(self.columns, inexact_columns(self.X_exact), clipped, stacklevel=6)
        return X_new

    def y_host(self):
        """``y`` as host labels (only a callable sampling strategy needs it)."""
        if self._y_host is None:
            self._y_host = self.classes[self.backend.to_host(self.y_codes)]
        return self._y_host

    def X_host(self):
        """X as a host array, for host-only estimators (scikit-learn clusterers, imblearn samplers)."""
        if self._X_host is None:
            self._X_host = self.backend.to_host(self.X)
        return self._X_host


@dataclass
class OutputCodes:
    """The output rows' categorical codes, the original rows' then the synthetic rows', read one
    column at a time (the answer is built column by column: no second copy of every code)."""

    backend: object
    original: object
    synthetic: object

    @property
    def n_rows(self):
        return self.original.shape[0] + self.synthetic.shape[0]

    def column(self, j, host=False):
        """Column ``j``'s codes for every output row (int32; on the host with ``host``)."""
        xp = self.backend.xp
        codes = xp.concatenate([self.original[:, j], self.synthetic[:, j].astype(xp.int32, copy=False)])
        return self.backend.to_host(codes) if host else codes


@accepts_foreign_arrays
def check_fit_data(estimator, X, y, backend="auto"):
    """Validate ``X, y`` for ``fit_resample`` and move them to the backend.

    Raises clear errors for: sparse input, non-numeric features, NaN/inf, empty or
    1-D X, length mismatch, continuous or multi-output y, fewer than two classes.
    """
    if sp.issparse(X) or _is_pandas_sparse(X):
        raise TypeError(
            "gpu_clover does not accept sparse matrices: synthetic rows are dense interpolations. "
            "Convert with X.toarray() if it fits in memory."
        )
    if is_cupy_array(X) or is_cudf_object(X):
        return _check_device_data(estimator, X, y, backend)
    return _check_host_data(estimator, X, y, backend)


def _is_pandas_sparse(X):
    dtypes = getattr(X, "dtypes", None)
    return dtypes is not None and any(str(dtype).startswith("Sparse") for dtype in np.atleast_1d(dtypes))


def _check_host_data(estimator, X, y, backend_name):
    spec = getattr(estimator, "categorical_features", None)
    if spec is not None and not _is_pandas_sparse(X):
        table = host_table(X)
        if table.ndim == 2:
            check_min_shape(table.shape, estimator)
            names = list(table.columns) if hasattr(table, "columns") else None
            positions = categorical_positions(spec, table, table.shape[1], names)
            if positions.size:
                return _check_mixed_host_data(
                    estimator, table, positions, y, backend_name, isinstance(X, (list, tuple))
                )
    return _check_numeric_host_data(estimator, X, y, backend_name)


def _check_numeric_host_data(estimator, X, y, backend_name):
    _check_feature_types(X)
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        check_min_shape(shape, estimator)
    _check_no_missing_labels(y)
    y_kind = _target_kind(y)
    X_props, y_props = _container_props(X), _container_props(y)
    if y_kind == "multilabel-indicator":
        y = np.argmax(np.asarray(y), axis=1)
    backend = get_backend(backend_name, like=X)
    # On the GPU the finiteness check runs there, after the one transfer.
    on_host = backend.name == "numpy"
    X_checked, y_checked = validate_data(
        estimator, X=X, y=y, reset=True, dtype=None, ensure_all_finite=on_host, ensure_min_samples=MIN_SAMPLES
    )
    if X_checked.dtype.kind not in "fiub":
        try:
            X_checked = X_checked.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"X must contain numbers only; converting it to float failed: {error}") from None
        _check_finite(X_checked)
    exact = X_checked.dtype.kind != "f"
    work = np.ascontiguousarray(X_checked.astype(np.float64) if exact else X_checked)
    X_work = backend.asarray(work)
    if not on_host:
        _check_finite(X_work, backend)
    classes, codes = encode_labels(get_backend("numpy"), np.asarray(y_checked))  # host labels
    out_dtype = X_checked.dtype

    def wrap(X_res, codes_res, starts_with_input, categories=None):
        X_res = backend.to_host(X_res)
        labels = classes[backend.to_host(codes_res)]
        if y_kind == "multilabel-indicator":
            labels = label_binarize(labels, classes=classes)
        if X_props["type"] == "DataFrame":
            return _restore_frame(X_res, X if starts_with_input else None, X_props), _restore(labels, y_props)
        return _restore(X_res, X_props), _restore(labels, y_props)

    data = FitData(
        backend=backend,
        X=X_work,
        y_codes=backend.asarray(codes.astype(np.int64, copy=False)),
        classes=classes,
        counts=np.bincount(codes, minlength=len(classes)),
        out_dtype=out_dtype,
        wrap=wrap,
        placement=Placement.of(X),
        X_exact=np.ascontiguousarray(X_checked) if exact else None,
        columns=X_props["columns"],
    )
    data._X_host = work
    data._y_host = np.asarray(y_checked)
    data._codes_host = codes
    return data


def _check_mixed_host_data(estimator, table, positions, y, backend_name, as_list):
    """A table with categorical columns: the numeric columns as the float work array (one zero
    column when there is none), the categorical ones as codes; the answer rebuilds the table."""
    n_features = table.shape[1]
    frame = hasattr(table, "iloc")
    names = list(table.columns) if frame else None
    numeric_positions = np.setdiff1d(np.arange(n_features), positions)
    codes, n_categories, decoders = encode_columns(table, positions, names)
    placeholder = numeric_positions.size == 0  # all categorical: nothing to interpolate
    if placeholder:
        numeric = np.zeros((table.shape[0], 1))
    elif frame:
        numeric = table.iloc[:, numeric_positions]
    else:
        numeric = table[:, numeric_positions]
        if numeric.dtype.kind in "OUSV":
            try:
                numeric = numeric.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(
                    f"X's columns {numeric_positions.tolist()} are not in categorical_features but hold values "
                    "that are not numbers; name them in categorical_features."
                ) from None
    data = _check_numeric_host_data(estimator, numeric, y, backend_name)
    estimator.n_features_in_ = n_features
    if names is not None and all(isinstance(name, str) for name in names):
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    numeric_wrap = data.wrap

    def wrap(X_res, codes_res, starts_with_input, categories=None):
        X_numeric, labels = numeric_wrap(X_res, codes_res, starts_with_input)
        decoded = [decode(categories.column(j, host=True)) for j, decode in enumerate(decoders)]
        if frame:
            import pandas as pd

            columns = [None] * n_features
            for j, position in enumerate(positions.tolist()):
                columns[position] = decoded[j]
            if not placeholder:
                for i, position in enumerate(numeric_positions.tolist()):
                    columns[position] = X_numeric.iloc[:, i]
            out = pd.DataFrame(dict(enumerate(columns)), copy=False)  # the columns as they are
            out.columns = table.columns
            return out, labels
        # A numeric array stays one (its categories are numbers); text alone stays text.
        numbers, text = table.dtype.kind in "biuf", placeholder and table.dtype.kind in "USV"
        kind = table.dtype if numbers or text else object
        out = np.empty((categories.n_rows, n_features), dtype=kind)
        for j, position in enumerate(positions.tolist()):
            out[:, position] = decoded[j]
        if not placeholder:
            values = data.backend.to_host(X_res)
            out[:, numeric_positions] = values
            if starts_with_input and table.dtype == object:  # the caller's own objects for its rows
                out[: table.shape[0], numeric_positions] = table[:, numeric_positions]
        return (out.tolist() if as_list else out), labels

    data.columns = names
    return _with_categories(data, wrap, positions, numeric_positions, n_categories, data.backend.asarray(codes))


def _with_categories(data, wrap, positions, numeric_positions, n_categories, codes):
    """``data`` (of the numeric columns) answering for the whole table: its categorical
    columns' places, category counts and backend codes, and ``wrap`` to rebuild the table."""
    data.wrap = wrap
    data.categorical = CategoricalColumns(positions, numeric_positions, np.asarray(n_categories, dtype=np.int64))
    data.categorical_codes = codes
    return data


def _check_device_data(estimator, X, y, backend_name):
    spec = getattr(estimator, "categorical_features", None)
    if spec is not None and is_cudf_object(X) and hasattr(X, "columns"):
        names = list(X.columns)
        positions = categorical_positions(spec, X, len(names), names)
        if positions.size:
            return _check_mixed_cudf_data(estimator, X, names, positions, y, backend_name)
    elif spec is not None and is_cupy_array(X) and X.ndim == 2:  # numbers named as categories
        positions = categorical_positions(spec, X, X.shape[1], None)
        if positions.size:
            return _check_mixed_cupy_data(estimator, X, positions, y, backend_name)
    return _check_numeric_device_data(estimator, X, y, backend_name)


def _check_numeric_device_data(estimator, X, y, backend_name):
    columns = None
    if is_cudf_object(X):
        columns = list(X.columns)
        X = X.to_cupy()
    y_name = getattr(y, "name", None) if is_cudf_object(y) else None
    if is_cudf_object(y):
        if getattr(y.dtype, "kind", "O") not in "biuf":
            raise TypeError(
                "A cuDF target must hold numbers on the GPU; encode text labels first "
                "(e.g. y.astype('category').cat.codes) or pass a pandas/NumPy target."
            )
        y = y.to_cupy()
    backend = get_backend("cupy" if backend_name == "auto" else backend_name, like=X)
    if backend.name != "cupy":
        raise ValueError("CuPy/cuDF input needs backend='cupy' or 'auto'; convert it to NumPy for backend='numpy'.")
    xp = backend.xp
    if X.ndim != 2:
        raise ValueError(f"Expected 2D array, got {X.ndim}D array instead. Reshape your data (X.reshape(-1, 1)).")
    check_min_shape(X.shape, estimator)
    if X.dtype.kind not in "fiub":
        raise TypeError(f"X must contain numbers only; got dtype {X.dtype}.")
    y = xp.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with one label per row of X; got shape {y.shape} for X of shape {X.shape}.")
    if y.dtype.kind == "f" and not backend.reduce_to_scalar(y == xp.floor(y), "all"):
        raise ValueError("Unknown label type: continuous. Classification targets are required.")
    exact = X.dtype.kind != "f"
    work = xp.ascontiguousarray(X.astype(xp.float64) if exact else X)
    _check_finite(work, backend)
    estimator.n_features_in_ = X.shape[1]
    classes, codes = encode_labels(backend, y)
    counts = backend.to_host(backend.bincount(codes, len(classes)))
    classes_device = xp.asarray(classes)

    def wrap(X_res, codes_res, starts_with_input, categories=None):
        labels = backend.take(classes_device, codes_res)
        if columns is None:
            return X_res, labels
        import cudf

        return cudf.DataFrame(X_res, columns=columns), cudf.Series(labels, name=y_name)

    return FitData(
        backend=backend,
        X=work,
        y_codes=codes,
        classes=classes,
        counts=counts,
        out_dtype=X.dtype,
        wrap=wrap,
        placement=Placement.of(X),
        X_exact=X if exact else None,
        columns=columns,
    )


def _check_mixed_cudf_data(estimator, frame, names, positions, y, backend_name):
    """A cuDF frame with categorical columns: the numeric columns as the work array, the others
    as device codes; the answer is a cuDF frame of the same columns and dtypes, never on the host."""
    import cudf

    check_min_shape((len(frame), len(names)), estimator)
    numeric_positions = np.setdiff1d(np.arange(len(names)), positions)
    xp = get_backend("cupy" if backend_name == "auto" else backend_name).xp
    codes, n_categories, decoders = encode_cudf_columns(xp, frame, positions, names)
    placeholder = numeric_positions.size == 0  # all categorical: nothing to interpolate
    numeric_names = [names[i] for i in numeric_positions.tolist()]
    numeric = cudf.DataFrame({"_": codes[:, 0] * 0.0}) if placeholder else frame[numeric_names]
    data = _check_numeric_device_data(estimator, numeric, y, backend_name)
    numeric_wrap = data.wrap

    def wrap(X_res, codes_res, starts_with_input, categories=None):
        X_numeric, labels = numeric_wrap(X_res, codes_res, starts_with_input)
        columns = {name: decoders[j](categories.column(j)) for j, name in enumerate(names[i] for i in positions)}
        if not placeholder:
            columns.update({name: X_numeric[name] for name in numeric_names})
        return cudf.DataFrame({name: columns[name] for name in names}), labels

    estimator.n_features_in_ = len(names)
    data.columns = names
    return _with_categories(data, wrap, positions, numeric_positions, n_categories, codes)


def _check_mixed_cupy_data(estimator, X, positions, y, backend_name):
    """A CuPy array with columns named categorical: their distinct values are the categories
    (found on the device); the answer is a CuPy array of X's dtype and columns."""
    xp = get_backend("cupy" if backend_name == "auto" else backend_name).xp
    n_features = X.shape[1]
    numeric_positions = np.setdiff1d(np.arange(n_features), positions)
    codes = xp.empty((X.shape[0], len(positions)), dtype=xp.int32)
    categories = []
    for j, position in enumerate(positions.tolist()):
        column = X[:, position]
        if column.dtype.kind == "f" and bool(xp.isnan(column).any()):
            raise ValueError(f"Categorical column {position} has missing values (NaN); fill them first.")
        uniques, inverse = xp.unique(column, return_inverse=True)
        codes[:, j] = inverse.reshape(-1)
        categories.append(uniques)
    placeholder = numeric_positions.size == 0  # all categorical: nothing to interpolate
    numeric = xp.zeros((X.shape[0], 1)) if placeholder else xp.ascontiguousarray(X[:, xp.asarray(numeric_positions)])
    data = _check_numeric_device_data(estimator, numeric, y, backend_name)
    numeric_wrap = data.wrap

    def wrap(X_res, codes_res, starts_with_input, categories_res=None):
        X_numeric, labels = numeric_wrap(X_res, codes_res, starts_with_input)
        out = xp.empty((categories_res.n_rows, n_features), dtype=X.dtype)
        for j, position in enumerate(positions.tolist()):
            out[:, position] = categories[j][categories_res.column(j)]
        if not placeholder:
            out[:, xp.asarray(numeric_positions)] = X_numeric
        return out, labels

    estimator.n_features_in_ = n_features
    return _with_categories(data, wrap, positions, numeric_positions, [len(u) for u in categories], codes)


def check_min_shape(shape, estimator=None):
    """At least one feature and two rows (one row is one class: nothing to over-sample), refused in
    scikit-learn's words (``check_array``'s), which its and imbalanced-learn's common checks expect."""
    by = "" if estimator is None else f" by {type(estimator).__name__}"
    n_samples, n_features = shape
    if n_features < 1:
        raise ValueError(
            f"Found array with {n_features} feature(s) (shape={tuple(shape)}) while a minimum of 1 is required{by}."
        )
    if n_samples < MIN_SAMPLES:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={tuple(shape)}) while a minimum of {MIN_SAMPLES} is "
            f"required{by}."
        )


def _check_feature_types(X):
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):
        bad = [str(col) for col, dtype in zip(X.columns, dtypes) if not _is_numeric_dtype(dtype)]
        if bad:
            raise TypeError(
                f"X has non-numeric feature columns: {', '.join(bad)}. Name them in categorical_features "
                "(the default 'auto' takes category, object, string and bool columns), or encode them first."
            )
    elif isinstance(X, np.ndarray) and X.dtype.kind in "USV":
        raise TypeError(
            f"X must contain numbers; got an array of dtype {X.dtype}. Name its categorical columns in "
            "categorical_features, or encode the features first."
        )


def _is_numeric_dtype(dtype):
    try:
        return np.dtype(dtype).kind in "fiub"
    except TypeError:  # pandas extension dtypes (nullable Int64, category, string)
        return getattr(dtype, "kind", "O") in "fiub"


def _check_no_missing_labels(y):
    if hasattr(y, "isna"):  # pandas: None, NaN, pd.NA and NaT
        missing = np.asarray(y.isna())
    elif isinstance(y, (list, tuple, np.ndarray)) and np.asarray(y).dtype == object:
        array = np.asarray(y)
        missing = np.array([_is_missing(value) for value in array.ravel()], dtype=bool).reshape(array.shape)
    else:
        return
    rows = np.flatnonzero(missing.reshape(len(missing), -1).any(axis=1))
    if rows.size:
        shown = ", ".join(str(i) for i in rows[:10]) + (", ..." if rows.size > 10 else "")
        raise ValueError(
            f"y has {rows.size} row(s) with a missing label (None or NaN), at position(s) {shown}; "
            "label or drop those rows first."
        )


def _is_missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _target_kind(y):
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype.kind in "iu":
        return "multiclass"  # integer labels are class labels (skips a sort of y)
    check_classification_targets(y)
    kind = type_of_target(y)
    if kind == "multilabel-indicator" and not np.all(np.asarray(y).sum(axis=1) == 1):
        raise ValueError("A 2-D y must be one-hot encoded (exactly one 1 per row).")
    return kind


def _check_finite(X, backend=None):
    backend = backend or get_backend("numpy")
    if not backend.all_finite(X):
        raise ValueError("Input X contains NaN or infinity.")


def _container_props(a):
    return {
        "type": type(a).__name__,
        "columns": getattr(a, "columns", None),
        "name": getattr(a, "name", None),
        "dtypes": getattr(a, "dtypes", None),
        "dtype": getattr(a, "dtype", None),
    }


def _restore(array, props):
    """The resampled array in the caller's container type (X frames: :func:`_restore_frame`)."""
    kind = props["type"]
    if kind == "list":
        return array.tolist()
    if kind == "DataFrame":  # y: one column of labels, or one-hot columns
        import pandas as pd

        frame = pd.DataFrame(array, columns=props["columns"])
        return frame.astype(props["dtypes"]) if array.ndim == 2 and array.shape[1] == len(props["columns"]) else frame
    if kind == "Series":
        import pandas as pd

        return pd.Series(array, name=props["name"]).astype(props["dtype"])
    return array


def _restore_frame(array, frame, props):
    """The resampled rows as a DataFrame with the caller's columns and dtypes.

    A column whose dtype differs from ``array``'s (a frame of mixed dtypes, a
    nullable dtype) takes its original rows from the caller's ``frame`` itself
    (None: the rows are not the caller's, e.g. a Pipeline's transformed rows) and
    its other rows through a clipping cast, so no value comes back altered.
    """
    import pandas as pd

    columns, dtypes = props["columns"], props["dtypes"]
    if array.ndim != 2 or array.shape[1] != len(columns):  # a Pipeline's transformer answered in its own space
        return pd.DataFrame(array)
    if all(dtype == array.dtype for dtype in dtypes):
        return pd.DataFrame(array, columns=columns, copy=False)  # the output array is ours: no copy
    n = 0 if frame is None else len(frame)
    parts, inexact, clipped = {}, np.zeros(len(columns), dtype=bool), np.zeros(len(columns), dtype=bool)
    for j, dtype in enumerate(dtypes):
        values = array[:, j]
        if dtype != array.dtype:
            host_dtype = np.dtype(getattr(dtype, "numpy_dtype", dtype))
            original = frame.iloc[:, j].to_numpy(dtype=host_dtype) if n else np.empty(0, dtype=host_dtype)
            synthetic, outside = cast_values(np, values[n:], host_dtype)
            clipped[j] = outside.any()
            inexact[j] = len(synthetic) > 0 and n > 0 and inexact_columns(original[:, None])[0]
            values = np.concatenate([original, synthetic])
        parts[j] = pd.Series(values).astype(dtype)
    warn_about_casts(columns, inexact, clipped, stacklevel=7)
    out = pd.DataFrame(parts)
    out.columns = columns
    return out
