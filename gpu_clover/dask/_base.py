"""The over-sampling pipeline on Dask collections.

Same stages as the single-machine pipeline (validate -> cluster -> distribute ->
allocate -> generate -> assemble) and the same code for the small client-side
steps: the estimator's own ``_make_estimators``, ``_requested_samples`` and
``_allocate``, and the distributor's fit on the group table (``fit_on_groups``).
What changes is where the rows are: every pass over X is a Dask task graph over
its row blocks, and only per-block summaries (class and group counts, k x d
k-means partials, one distance sum per group) reach the client.
"""

import dask
import dask.array as da
import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from .._casting import inexact_columns, warn_about_casts
from .._placement import estimator_library, is_cuml_estimator
from .._random import seed_from_random_state
from .._state import publishes_fitted_state
from .._timing import StageTimer
from ..backends import get_backend
from ..cluster import SOM, KMeans
from ..cluster._mixed import embedding_scale
from ..distribution import BaseDistributor
from ..distribution._base import fit_on_groups
from ..over_sampling import SMOTE, GeometricSMOTE
from ..over_sampling._base import _with_rows
from ._categorical import class_penalties
from ._data import check_dask_data
from ._kmeans import DaskRows, fit_kmeans
from ._partition import DaskGroupStats, GenerationRule, MixedDistance, count_groups
from ._som import fit_som
from ._split import MIN_TASK_ROWS, task_row_budget


class DaskOverSamplerMixin:
    """``fit`` / ``fit_resample`` on dask collections, for gpu_clover's over-samplers."""

    @publishes_fitted_state
    def fit(self, X, y):
        """Validate the collections and resolve ``sampling_strategy_``; use ``fit_resample`` to sample."""
        self._validate_params()
        self.random_state_ = check_random_state(self.random_state)
        data = check_dask_data(X, y, self.categorical_features)
        self._make_estimators(data)
        self._check_components()
        self.sampling_strategy_ = self._requested_samples(data)
        return self

    @publishes_fitted_state
    def fit_resample(self, X, y, **fit_params):
        """Resample dask collections.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array or dask.dataframe.Series of shape (n_samples,)
        **fit_params : passed to a Dask-native clusterer's ``fit``.

        Returns
        -------
        X_resampled, y_resampled
            Lazy collections of the input's kind: the original row blocks, then
            the synthetic rows (inside clusters, one block per run of groups of a
            partition; then between clusters, one block per run of pairs).

        The class and group counts, the clusterer's passes and the per-group
        distance sums are computed during the call (the allocation needs them);
        the synthetic rows are computed when the result is. After the call,
        ``stage_seconds_`` holds the wall-clock seconds of each stage on the
        client: "validate" (the class summary's pass), "cluster" (the clusterer's
        passes and the labels, persisted), "distribute" (the group counts, the
        shuffle of the groups' rows with their neighbour work, the distance sums,
        the distribution and the allocation) and "generate" (building the lazy
        graph of the synthetic rows: their computation is not in it).
        """
        self._validate_params()
        self.random_state_ = check_random_state(self.random_state)
        timer = StageTimer()
        with timer.stage("validate"):
            data = check_dask_data(X, y, self.categorical_features)
        seed = seed_from_random_state(self.random_state)
        self._make_estimators(data)
        self._check_components()
        self.sampling_strategy_ = self._requested_samples(data)
        with timer.stage("cluster"):
            labels = self._cluster_dask(data, fit_params).persist()
            self.labels_ = labels
        with timer.stage("distribute"):
            groups = count_groups(labels, data.y, data.classes)
            k, options = self._neighbor_options(seed)
            mixed = self._categorical_distance_dask(data, options)
            rule = self._generation_rule(data)
            self.task_rows_ = task_rows(data.X)
            stats = DaskGroupStats(
                data.X,
                data.y,
                labels,
                groups,
                k,
                options,
                self.backend,
                data.X.numblocks[0],
                rule,
                self.task_rows_,
                mixed,
            )
            backend = get_backend("numpy")
            fit_on_groups(self.distributor_, backend, data.X, groups, self.neighbors_, data.first_seen, stats)
            items = _with_rows(self._allocate(data, groups))
        X_originals = data.X if data.X_exact is None else data.X_exact
        if items is None:
            self.stage_seconds_ = timer.seconds
            return data.wrap(X_originals, data.y, data.codes)
        with timer.stage("generate"):
            intra_groups, intra_counts, inter_pairs, inter_counts = items
            X_blocks, y_blocks, code_blocks = stats.generate(intra_groups, intra_counts, seed, data.out_dtype)
            X_inter, y_inter, code_inter = stats.generate_inter(inter_pairs, inter_counts, seed, data.out_dtype)
            self.largest_task_rows_ = stats.largest_task_rows
            self.split_groups_ = {
                (groups.cluster_labels[groups.cluster[g]].item(), groups.classes[groups.klass[g]].item()): split
                for g, split in stats._split.items()
            }
            item_class = np.concatenate([groups.klass[intra_groups], groups.klass[inter_pairs[:, 0]]])
            item_counts = np.concatenate([intra_counts, inter_counts])
            generated = np.bincount(item_class, weights=item_counts, minlength=len(data.classes))
            labels_list = data.classes.tolist()
            self.sampling_strategy_ = type(self.sampling_strategy_)(
                (label, int(generated[labels_list.index(label)])) for label in self.sampling_strategy_
            )
            if data.X_exact is not None and X_blocks + X_inter:
                warn_about_casts(None, inexact_columns(data.X_exact), np.zeros(data.X.shape[1], dtype=bool))
            X_res = da.concatenate([X_originals, *X_blocks, *X_inter])
            y_new = da.concatenate([data.y, *y_blocks, *y_inter])
            codes_res = None if data.codes is None else da.concatenate([data.codes, *code_blocks, *code_inter])
            result = data.wrap(X_res, y_new, codes_res)
        self.stage_seconds_ = timer.seconds
        return result

    def _check_components(self):
        if self.oversampler_ is not self and type(self.oversampler_) not in (SMOTE, GeometricSMOTE):
            raise TypeError("gpu_clover.dask samples with gpu_clover's native SMOTE or GeometricSMOTE only.")
        if not isinstance(self.distributor_, BaseDistributor):
            raise TypeError("gpu_clover.dask needs a gpu_clover distributor (BaseDistributor subclass).")
        if self.transformer_ is not None:
            raise TypeError("gpu_clover.dask does not take a Pipeline as oversampler.")

    def _categorical_distance_dask(self, data, options):
        """With categorical columns, what the partitions' neighbour stages take (the codes and a
        :class:`MixedDistance`), and ``median_std_``, as the single machine's ``_categorical_distance``."""
        if data.categorical is None:
            return None
        if options.get("estimator") is not None:
            raise TypeError(
                "k_neighbors as a NearestNeighbors estimator cannot see categorical columns; "
                "pass an int (the number of neighbours) with categorical_features."
            )
        if data.categorical.numeric_positions.size == 0:
            penalties = np.ones(len(data.classes))
        else:
            penalties = class_penalties(data.X, data.y, data.classes)
        self.median_std_ = {
            label: float(np.sqrt(penalty)) for label, penalty in zip(data.classes.tolist(), penalties.tolist())
        }
        return data.codes, MixedDistance(penalties, data.categorical.n_categories)

    def _generation_rule(self, data):
        """The :class:`GenerationRule` the tasks apply: the over-sampler (an unfitted clone when the
        sampler is its own, so no dask state travels with the tasks) and the majority rows' rule."""
        oversampler = clone(self) if self.oversampler_ is self else self.oversampler_
        counts = data.counts
        tied = np.flatnonzero(counts == counts.max())
        majority_class = int(tied[np.argmin(data.first_seen[tied])])  # ties: the class seen first, as on one machine
        return GenerationRule(oversampler, self._majority_rule(), majority_class)

    def _cluster_dask(self, data, fit_params):
        """Cluster labels of every row as a dask array with X's row chunks."""
        clusterer, X = self.clusterer_, data.X
        self.neighbors_ = None
        if clusterer is None:
            return da.zeros(X.shape[0], chunks=(X.chunks[0],), dtype=np.int64)
        if isinstance(clusterer, KMeans):
            return fit_kmeans(clusterer, self._cluster_rows(data))
        if isinstance(clusterer, SOM):
            labels = fit_som(clusterer, self._cluster_rows(data, scaled=False))
            self.neighbors_ = clusterer.neighbors_
            return labels
        if data.categorical is not None:
            raise NotImplementedError(
                f"On Dask with categorical columns the clusterer must be gpu_clover's KMeans or SOM (they cluster "
                f"in SMOTE-NC's geometry); {type(clusterer).__name__} would see the numeric columns only."
            )
        if _is_dask_native(clusterer):  # e.g. cuml.dask.cluster.KMeans or dask_ml.cluster.KMeans
            clusterer.fit(X, **fit_params)
            self.neighbors_ = getattr(clusterer, "neighbors_", None)
            labels = clusterer.predict(X)
            labels = labels if isinstance(labels, da.Array) else labels.to_dask_array(lengths=True)
            if labels.shape != (X.shape[0],):
                raise ValueError(
                    f"The clusterer {type(clusterer).__name__}'s `predict(X)` must give one cluster label per row, "
                    f"shape (n_samples,) = ({X.shape[0]},); got shape {labels.shape}."
                )
            return labels.rechunk((X.chunks[0],))
        raise TypeError(
            "On Dask the clusterer must be gpu_clover's KMeans or SOM, or a Dask-native estimator "
            f"(cuml.dask, dask_ml); got {type(clusterer).__name__}."
        )

    def _cluster_rows(self, data, scaled=True):
        """The :class:`DaskRows` the clusterer reads: with categorical columns, in SMOTE-NC's
        geometry at the scale of every row's numeric spread, as on one machine (``MixedRows.of``;
        not ``scaled``: the SOM scales its min-max scaled rows itself)."""
        if data.categorical is None:
            return DaskRows(data.X)
        if not scaled:
            return DaskRows(data.X, data.codes, data.categorical.n_categories)
        one_class = da.zeros(data.X.shape[0], chunks=(data.X.chunks[0],), dtype=np.int64)
        scale = embedding_scale(class_penalties(data.X, one_class, np.zeros(1))[0])
        return DaskRows(data.X, data.codes, data.categorical.n_categories, scale)


def task_rows(X):
    """Rows per task: ``dask.config`` ``gpu_clover.task-rows`` when set, else from the workers' memory."""
    configured = dask.config.get("gpu_clover.task-rows", None)
    if configured is not None:
        if int(configured) < MIN_TASK_ROWS:
            raise ValueError(f"gpu_clover.task-rows must be at least {MIN_TASK_ROWS}; got {configured}.")
        return int(configured)
    return task_row_budget(X.shape[1], X.dtype.itemsize)


def _is_dask_native(estimator):
    """Whether ``estimator`` fits on dask collections and predicts labels for them (cuML's Dask estimators, dask-ml's)."""
    dask_native = is_cuml_estimator(estimator, dask=True) or estimator_library(estimator) == "dask_ml"
    return dask_native and hasattr(estimator, "predict")
