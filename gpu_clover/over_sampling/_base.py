"""The pipeline shared by every over-sampler: validate, cluster, distribute, generate, assemble."""

import numbers
import warnings

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions

from .._categorical import class_penalties
from .._groups import build_groups, encode_labels
from .._placement import estimator_library, is_cuml_estimator
from .._random import seed_from_random_state, stream_bases
from .._state import publishes_fitted_state
from .._timing import StageTimer
from .._validation import check_fit_data
from ..backends import BACKENDS, runs_without_cub
from ..cluster._mixed import MixedRows, sparse_embedding
from ..distribution import BaseDistributor, DensityDistributor
from ..distribution._base import checked_shares, fit_on_groups
from ..neighbors import SEARCH_MODES, GroupNeighbors, is_neighbors_estimator
from ._allocation import allocate_samples
from ._generation import smote_inter
from ._imblearn_names import hint_imblearn_names
from ._native import GenerationRequest, NativeOverSampler, generate_categories
from ._sampling_strategy import resolve_sampling_strategy

# Parameter constraints shared by the over-samplers.
# k_neighbors: a number of neighbours, or a NearestNeighbors-like estimator fitted on each group.
K_NEIGHBORS = [Interval(numbers.Integral, 1, None, closed="left"), HasMethods(["kneighbors"])]
# kmeans_estimator / som_estimator: None, a number of clusters, a fraction of the rows
# (0.0: one cluster, as the reference's ``round((n_samples - 1) * f + 1)``), or an estimator.
CLUSTERER_SPEC = [
    None,
    Interval(numbers.Integral, 1, None, closed="left"),
    Interval(RealNotInt, 0, 1, closed="both"),
    HasMethods(["fit"]),
]
RAISE_ERROR = ["boolean"]
# The constraints of the distributor's parameters that the samplers pass on.
DISTRIBUTOR = DensityDistributor._parameter_constraints


class BaseClusterOverSampler(BaseOverSampler):
    """Base class of gpu_clover's over-samplers (not for direct use).

    Subclasses provide ``_make_estimators(data)``, which sets ``oversampler_``,
    ``clusterer_``, ``distributor_`` and ``transformer_``.
    """

    # Subclasses add their own: the keys are exactly each class's ``__init__`` parameters.
    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "backend": [StrOptions(set(BACKENDS))],
        "neighbor_search": [StrOptions(set(SEARCH_MODES))],
        "categorical_features": [StrOptions({"auto"}), "array-like", None],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):  # imbalanced-learn's parameter names answered with a hint
            cls.__init__ = hint_imblearn_names(cls.__init__)

    @publishes_fitted_state
    def fit(self, X, y):
        """Validate the data and resolve ``sampling_strategy_``; use ``fit_resample`` to sample."""
        self._validate_params()
        self.random_state_ = check_random_state(self.random_state)
        data = check_fit_data(self, X, y, self.backend)
        self._make_estimators(data)
        self.sampling_strategy_ = self._requested_samples(data)
        return self

    @runs_without_cub
    @publishes_fitted_state
    def fit_resample(self, X, y, **fit_params):
        """Resample the data set.

        Parameters
        ----------
        X : {array-like, DataFrame, cupy.ndarray, cudf.DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params : passed to the clusterer's ``fit``.

        Returns
        -------
        X_resampled, y_resampled
            The original rows first, then the synthetic rows, in the caller's
            container type (NumPy, pandas, CuPy or cuDF).

        After the call, ``stage_seconds_`` holds the wall-clock seconds of each
        stage (validate, cluster, neighbors, distribute, generate, assemble).
        Concurrent calls on one instance are safe: each works on its own state,
        and the fitted attributes are those of the call that finished last.
        """
        self._validate_params()
        self.random_state_ = check_random_state(self.random_state)
        timer = StageTimer()
        with timer.stage("validate"):
            data = check_fit_data(self, X, y, self.backend)
            timer.backend = data.backend
        X_base, X_res, codes_new, categories_new = self._resample(data, fit_params, timer)
        with timer.stage("assemble"):
            result = data.finish(X_base, X_res, codes_new, categories_new)
        self.stage_seconds_ = timer.seconds
        return result

    def _fit_resample(self, X, y, **fit_params):
        return self.fit_resample(X, y, **fit_params)

    # ------------------------------------------------------------ the stages
    def _resample(self, data, fit_params, timer):
        backend, xp = data.backend, data.backend.xp
        seed = seed_from_random_state(self.random_state)
        self._make_estimators(data)
        self.sampling_strategy_ = self._requested_samples(data)
        with timer.stage("cluster"):
            labels = self._cluster(data, fit_params)
        with timer.stage("distribute"):
            cluster_labels, cluster_codes = encode_labels(backend, labels)
            groups = build_groups(backend, cluster_codes, data.y_codes, cluster_labels, data.classes)
            mixed = self._categorical_distance(data, groups)
            stats = self._neighbor_stage(
                backend, data.X, groups, seed, timer, with_knn=self.transformer_ is None, **mixed
            )
            self._distribute(data, groups, labels, stats)
            items = _with_rows(self._allocate(data, groups))
        X = data.X
        if self.transformer_ is not None:  # the oversampler was a Pipeline: generate and answer in its space
            X = backend.asarray(self.transformer_.transform(data.X_host()))
            data.out_dtype = X.dtype
            stats = self._neighbor_stage(backend, X, groups, seed, timer)
        n_categorical = 0 if data.categorical is None else data.categorical.n_columns
        if items is None:  # nothing generated: a copy, never the caller's own array
            none = xp.empty((0, n_categorical), dtype=xp.int32)
            return X, xp.empty_like(X), xp.empty(0, dtype=data.y_codes.dtype), none
        X_res, codes_new = self._generate(data, X, groups, items, seed, timer, stats)
        categories_new = None
        if data.categorical is not None:
            with timer.stage("generate"):
                categories_new = self._generate_categories(data, groups, items, seed, stats)
        return X, X_res, codes_new, categories_new

    def _categorical_distance(self, data, groups):
        """The neighbour stage's categorical keywords: the codes and each group's ``med^2``."""
        if data.categorical is None:
            return {}
        if not isinstance(self.oversampler_, NativeOverSampler) or self.transformer_ is not None:
            raise TypeError(
                f"The over-sampler {type(self.oversampler_).__name__} cannot generate categorical columns; "
                "use gpu_clover's SMOTE or GeometricSMOTE, or pass categorical_features=None with numeric X."
            )
        if data.categorical.numeric_positions.size == 0:
            penalties = np.ones(len(data.classes))
        else:
            penalties = class_penalties(data.backend, data.X, data.y_codes, len(data.classes))
        self.median_std_ = {
            label: float(np.sqrt(penalty)) for label, penalty in zip(data.classes.tolist(), penalties.tolist())
        }
        return {
            "codes": data.categorical_codes,
            "penalties": penalties[groups.klass],
            "n_categories": data.categorical.n_categories,
        }

    def _generate_categories(self, data, groups, items, seed, stats):
        """The synthetic rows' categorical codes, in the order of the numeric rows (intra, then inter)."""
        xp = data.backend.xp
        intra_groups, intra_counts, inter_pairs, inter_counts = items
        n_intra = int(intra_counts.sum())
        out = xp.empty((n_intra + int(inter_counts.sum()), data.categorical.n_columns), dtype=xp.int32)
        parts = (  # (items, rows per item, between groups, rows of out): as generated
            (intra_groups, intra_counts, False, out[:n_intra]),
            (inter_pairs, inter_counts, True, out[n_intra:]),
        )
        for items_, n_new, inter, rows in parts:
            generate_categories(self.oversampler_, stats, data.categorical_codes, items_, n_new, seed, rows, inter)
        return out

    def _neighbor_stage(self, backend, X, groups, seed, timer, with_knn=True, **mixed):
        """The fit's :class:`GroupNeighbors`: the distance sums, and the kNN of a native over-sampler
        (``mixed``: the categorical codes and each group's penalty)."""
        k, options = self._neighbor_options(seed, with_knn)
        return GroupNeighbors(backend, X, groups, k, timer, **options, **mixed)

    def _neighbor_options(self, seed, with_knn=True):
        """``(k, options)`` of the neighbour stage: the oversampler's k (or its estimator's), and
        an exact search where this sampler or its over-sampler asks for one."""
        native = isinstance(self.oversampler_, NativeOverSampler)
        spec = getattr(self.oversampler_, "k_neighbors", 0) if native and with_knn else 0
        estimator = spec if is_neighbors_estimator(spec) else None
        k = estimator.n_neighbors - 1 if estimator is not None else spec
        modes = {self.neighbor_search, getattr(self.oversampler_, "neighbor_search", "auto")}
        search = "exact" if "exact" in modes else "auto"
        return k, {"search": search, "seed": seed, "estimator": estimator}

    def _requested_samples(self, data):
        strategy = self.oversampler_.sampling_strategy
        return resolve_sampling_strategy(strategy, data.classes, data.counts, data.y_host)

    def _cluster(self, data, fit_params):
        """Fit the clusterer; ``labels_`` in the caller's array kind, labels on the backend returned."""
        backend = data.backend
        self.neighbors_ = None
        if self.clusterer_ is None:
            labels = backend.xp.zeros(data.X.shape[0], dtype=backend.xp.int64)
        else:
            on_device = _runs_on(self.clusterer_, backend)
            if data.categorical is not None:  # SMOTE-NC's geometry (cluster/_mixed.py)
                rows = MixedRows.of(backend, data.X, data.categorical_codes, data.categorical.n_categories)
                ours = estimator_library(self.clusterer_) == "gpu_clover" and on_device
                self.clusterer_.fit(rows if ours else sparse_embedding(backend, rows), **fit_params)
            else:
                self.clusterer_.fit(data.X if on_device else data.X_host(), **fit_params)
            labels = backend.asarray(fitted_labels(self.clusterer_, data.X.shape[0], backend))
            self.neighbors_ = getattr(self.clusterer_, "neighbors_", None)
        self.labels_ = data.placement.wrap(labels)
        return labels

    def _distribute(self, data, groups, labels, stats):
        backend = data.backend
        if isinstance(self.distributor_, BaseDistributor):
            first_seen = backend.to_host(backend.first_occurrence(data.y_codes, len(data.classes)))
            fit_on_groups(self.distributor_, backend, data.X, groups, self.neighbors_, first_seen, stats)
        else:  # a foreign distributor: give it host arrays
            self.distributor_.fit(
                data.X_host(), data.y_host(), labels=backend.to_host(labels), neighbors=self.neighbors_
            )

    def _allocate(self, data, groups):
        """Rows per intra item (group) and inter item (pair of groups), exact per class."""
        intra_groups, inter_pairs, shares = checked_shares(self.distributor_, groups)
        requested = np.zeros(len(data.classes), dtype=np.int64)
        class_code = {label: code for code, label in enumerate(data.classes.tolist())}
        for label, n in self.sampling_strategy_.items():
            requested[class_code[label]] = n
        item_class = np.concatenate([groups.klass[intra_groups], groups.klass[inter_pairs[:, 0]]])
        counts = allocate_samples(requested, item_class, shares)
        served = np.bincount(item_class, weights=counts, minlength=len(requested)).astype(np.int64)
        unserved = [data.classes.tolist()[c] for c in np.flatnonzero((requested > 0) & (served == 0))]
        if served.sum() == 0 and requested.sum() > 0:
            msg = self._nothing_generated_message(len(groups.cluster_labels))
            if getattr(self, "raise_error", True):
                raise ValueError(msg)
            warnings.warn(msg, FitFailedWarning, stacklevel=3)
            self.sampling_strategy_ = {label: 0 for label in self.sampling_strategy_}
            return None
        if unserved:
            warnings.warn(
                f"No cluster passed the filter for class(es) {unserved}: no samples were generated for them.",
                UserWarning,
                stacklevel=3,
            )
        n_intra = len(intra_groups)
        return intra_groups, counts[:n_intra], inter_pairs, counts[n_intra:]

    def _nothing_generated_message(self, n_clusters):
        """Why no row was generated: the cluster count and filter threshold used, and what to change."""
        params = self.get_params(deep=False)
        threshold = getattr(self.distributor_, "filtering_threshold_", None)
        clusterer = next((name for name in ("kmeans_estimator", "som_estimator", "clusterer") if name in params), None)
        tries = []
        if threshold is None:
            why = f"the distributor gave no share to any group of a requested class ({n_clusters} cluster(s) found)"
        else:
            why = (
                f"no cluster passed the distributor's filter ({n_clusters} cluster(s) found, filtering threshold "
                f"{threshold:.6g}; a cluster passes for a class when its majority rows are at most the threshold "
                "times its rows of the class)"
            )
            if "imbalance_ratio_threshold" in params:
                tries.append("a larger imbalance_ratio_threshold (float('inf') filters nothing)")
            elif "distributor" in params:
                tries.append("a distributor with a larger filtering_threshold (float('inf') filters nothing)")
            else:
                why += f"; {type(self).__name__} fixes the threshold"
        tries.append("another number of clusters" + (f" ({clusterer})" if clusterer else ""))
        return f"No samples were generated: {why}. Try {' or '.join(tries)}."

    def _generate(self, data, X, groups, items, seed, timer, stats):
        """The output array with the synthetic rows written after ``len(X)`` empty rows, and their codes.

        A :class:`NativeOverSampler` writes straight into the output (no intermediate copy).
        """
        backend, xp = data.backend, data.backend.xp
        intra_groups, intra_counts, inter_pairs, inter_counts = items
        n, n_features = X.shape
        native = isinstance(self.oversampler_, NativeOverSampler)
        with timer.stage("generate"):
            if native:
                n_intra = int(intra_counts.sum())
                X_res = xp.empty((n + n_intra + int(inter_counts.sum()), n_features), dtype=X.dtype)
                self.oversampler_._generate_intra(
                    GenerationRequest(
                        stats, intra_groups, intra_counts, seed, X_res[n : n + n_intra], self._majority_rule()
                    )
                )
            else:  # foreign samplers may return other counts than asked (ADASYN, SVMSMOTE, ...)
                intra, intra_counts = self._generate_foreign(data, X, groups, intra_groups, intra_counts, seed)
                n_intra = len(intra)
                X_res = xp.empty((n + n_intra + int(inter_counts.sum()), n_features), dtype=X.dtype)
                X_res[n : n + n_intra] = backend.asarray(intra)
            if native:
                self.oversampler_._generate_inter(
                    GenerationRequest(stats, inter_pairs, inter_counts, seed, X_res[n + n_intra :])
                )
            else:
                smote_inter(backend, X, groups, inter_pairs, inter_counts, seed, X_res[n + n_intra :])
        item_class = np.concatenate([groups.klass[intra_groups], groups.klass[inter_pairs[:, 0]]])
        item_counts = np.concatenate([intra_counts, inter_counts])
        generated = np.bincount(item_class, weights=item_counts, minlength=len(data.classes)).astype(np.int64)
        labels = data.classes.tolist()
        self.sampling_strategy_ = type(self.sampling_strategy_)(
            (label, int(generated[labels.index(label)])) for label in self.sampling_strategy_
        )
        return X_res, backend.repeat_values(item_class, item_counts)

    def _majority_rule(self):
        """Whose rows are a group's majority rows (:attr:`GenerationRequest.majority`).

        A sampler that is its own over-sampler (SMOTE, GeometricSMOTE used by
        themselves) takes every other class, as imbalanced-learn; a clustering
        over-sampler takes the cluster's majority class, as cluster-over-sampling
        passes its over-sampler a cluster's minority and majority rows. Derived
        from the sampler's structure, so a clone decides the same.
        """
        return "other_classes" if self.oversampler_ is self else "cluster_majority"

    def _generate_foreign(self, data, X, groups, group_ids, n_new, seed):
        """Run a foreign (imbalanced-learn) over-sampler on each group, as cluster-over-sampling does.

        The group's minority rows plus its cluster's majority rows go to a clone
        of the over-sampler with its own random seed; only the new rows are kept.
        Returns the new rows and how many each group produced.
        """
        backend = data.backend
        X_host = backend.to_host(X)
        codes = backend.to_host(data.y_codes)
        order = backend.to_host(groups.order)
        majority = int(np.argmax(data.counts))
        cluster_majority = {int(groups.cluster[g]): g for g in np.flatnonzero(groups.klass == majority)}
        pieces = []
        for g, n in zip(group_ids.tolist(), n_new.tolist()):
            rows = order[groups.offsets[g] : groups.offsets[g] + groups.lengths[g]]
            other = cluster_majority.get(int(groups.cluster[g]))
            if other is not None and other != g:
                rows = np.concatenate(
                    [rows, order[groups.offsets[other] : groups.offsets[other] + groups.lengths[other]]]
                )
            klass = int(groups.klass[g])
            sampler = _clone_for_group(self.oversampler_, int(groups.lengths[g]), len(rows), seed, int(groups.keys[g]))
            # The group may hold one class only, which the public fit_resample
            # rejects: set the resolved strategy and call the sampling step itself.
            sampler.sampling_strategy_ = {klass: n}
            sampler.n_features_in_ = X_host.shape[1]
            X_res, _ = sampler._fit_resample(X_host[rows], codes[rows])
            pieces.append(X_res[len(rows) :])
        produced = np.array([len(piece) for piece in pieces], dtype=np.int64)
        if not pieces:
            return np.empty((0, X_host.shape[1]), dtype=X_host.dtype), produced
        rows = np.concatenate(pieces)
        if rows.dtype.kind == "f" and not np.isfinite(rows).all():
            raise ValueError(
                f"The oversampler {type(self.oversampler_).__name__} returned synthetic rows with inf or NaN "
                "(its arithmetic overflows on values beyond half the float range). Rescale X, or use "
                "gpu_clover's own SMOTE or GeometricSMOTE, which stay finite."
            )
        return rows, produced

    def _more_tags(self):
        return {"X_types": ["2darray", "dataframe"]}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _with_rows(items):
    """The allocation's items that receive rows (``None`` stays ``None``): the generation plans,
    and the streams they key, are of these."""
    if items is None:
        return None
    intra_groups, intra_counts, inter_pairs, inter_counts = items
    keep, keep_pairs = intra_counts > 0, inter_counts > 0
    return intra_groups[keep], intra_counts[keep], inter_pairs[keep_pairs], inter_counts[keep_pairs]


def fitted_labels(clusterer, n_samples, backend):
    """The fitted clusterer's ``labels_``, checked: one finite, sortable label per row.

    Returned as an array of ``backend`` (when it already is one) or a NumPy array.
    Any sortable labels work on the host (integers, floats, strings); a device
    backend takes numbers only.
    """
    name = type(clusterer).__name__
    shape = f"an array of shape (n_samples,) = ({n_samples},), one cluster label per row"
    labels = getattr(clusterer, "labels_", None)
    if labels is None:
        state = "has no attribute `labels_`" if not hasattr(clusterer, "labels_") else "has `labels_` None"
        raise TypeError(f"The clusterer {name} {state} after fit; it must set `labels_` to {shape}.")
    labels = labels if backend.is_native(labels) else np.asarray(labels)
    if labels.shape != (n_samples,):
        raise ValueError(f"The clusterer {name}'s `labels_` must be {shape}; got shape {labels.shape}.")
    kind = labels.dtype.kind
    if kind == "f" and not backend.all_finite(labels):
        raise ValueError(f"The clusterer {name}'s `labels_` holds NaN or infinity; it must be {shape}.")
    if kind in "USO" and backend.name == "numpy":
        try:
            np.unique(labels)
        except TypeError:
            raise TypeError(f"The clusterer {name}'s `labels_` cannot be sorted (mixed types?).") from None
    elif kind not in "biuf":
        where = "" if backend.name == "numpy" else f" on the {backend.name} backend"
        raise TypeError(f"The clusterer {name}'s `labels_` must hold numbers{where}; got dtype {labels.dtype}.")
    return labels


def _runs_on(clusterer, backend):
    """Whether the clusterer takes arrays of ``backend`` (ours, or cuML on the GPU)."""
    if estimator_library(clusterer) == "gpu_clover":
        return getattr(clusterer, "backend", "auto") in ("auto", backend.name)
    return backend.name == "cupy" and is_cuml_estimator(clusterer)


def _clone_for_group(oversampler, n_minority, n_rows, seed, key):
    """A clone fitted to a small group: its own seed, neighbour counts that fit the group."""
    from imblearn.over_sampling import RandomOverSampler

    sampler = clone(oversampler)
    params = sampler.get_params(deep=False)
    if n_minority == 1 and not isinstance(sampler, RandomOverSampler):
        sampler = RandomOverSampler()
        params = sampler.get_params(deep=False)
    for name, limit in (("k_neighbors", n_minority - 1), ("n_neighbors", n_minority - 1), ("m_neighbors", n_rows - 1)):
        value = params.get(name)
        if isinstance(value, numbers.Integral) and value > limit:
            sampler.set_params(**{name: limit})
        elif hasattr(value, "n_neighbors") and value.n_neighbors > limit:
            sampler.set_params(**{name: clone(value).set_params(n_neighbors=limit)})
    if "random_state" in params:
        group_seed = stream_bases(np, seed, np.array([key]))[0]
        sampler.set_params(random_state=int(group_seed >> np.uint64(33)))
    return sampler
