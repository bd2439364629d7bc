"""DensityDistributor: more synthetic rows where the minority class is sparse."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._docstring import fill_doc
from ._base import BaseDistributor


@fill_doc
class DensityDistributor(BaseDistributor):
    """Distribute synthetic rows among clusters by the density of their minority rows.

    Same parameters, attributes and proportions as cluster-over-sampling's
    ``DensityDistributor``: a minority group (cluster, class) is *filtered* when
    the cluster's majority rows are at most ``filtering_threshold`` times its
    minority rows; its density is ``n / mean_distance ** distances_exponent``
    (mean euclidean distance over ordered pairs of its rows); each filtered group
    receives a share of its class proportional to ``1 / density``
    (``sparsity_based=True``) or to ``density``.

    Parameters
    ----------
    filtering_threshold : float or "auto", default="auto"
        "auto": the largest class count over the smallest.
    distances_exponent : float or "auto", default="auto"
        "auto": the number of features.
    sparsity_based : bool, default=True
        ``True``: shares proportional to ``1 / density`` (sparser groups get more);
        ``False``: proportional to the density.
    distribution_ratio : float in [0, 1], default=1.0
        Share of intra-cluster generation; the rest goes between neighbouring
        filtered clusters (needs ``neighbors``). A class with no neighbouring
        filtered pair keeps its whole share inside clusters.
    size_ratio : float in [0, 1], default=0.0
        Share of each class's rows distributed as SMOTE would: among all the
        class's groups in proportion to their rows, filtered or not. The rest,
        ``1 - size_ratio``, follows the density rule above. Every group then
        gets at least ``size_ratio`` times its SMOTE share. A class with no
        filtered group still gets nothing. 0.0: the reference's rule.
    purity_exponent : float >= 0, default=0.0
        Each group's weights (density and size) are multiplied by its cluster's
        purity, ``(group rows / cluster rows) ** purity_exponent``, before they
        are normalised per class; a pair of neighbouring clusters takes the
        smaller purity of the two. The filter above is a yes/no test of how much
        majority a cluster holds; this makes it graded among the clusters that
        pass, as safe-level SMOTE does for single rows: interpolation inside a
        majority-heavy cluster is more likely to land on majority ground, so such
        a cluster gets less. A pure cluster keeps its weight; one cluster per
        class still gets everything. 0.0: the reference's rule.

    Attributes
    ----------
    filtered_clusters_ : list of (cluster_label, class_label)
        The groups that passed the filter, sorted by (cluster, class).
    clusters_density_ : dict {(cluster_label, class_label): float}
        Each filtered group's density.
    intra_distribution_ : dict {(cluster_label, class_label): float}
        Each filtered group's proportion of its class's synthetic rows.
    inter_distribution_ : dict {((cluster1, class), (cluster2, class)): float}
        Each pair of neighbouring filtered groups' proportion.
    filtering_threshold_, distances_exponent_, sparsity_based_, distribution_ratio_, size_ratio_, \
purity_exponent_ : float or bool
        The parameters as used (``"auto"`` resolved).
    %(distributor_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_clover.distribution import DensityDistributor
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(8, 3, (40, 2))])
    >>> y = np.array([0] * 30 + [1] * 10 + [0] * 30 + [1] * 10)
    >>> labels = np.repeat([0, 1], 40)
    >>> dist = DensityDistributor(filtering_threshold=5.0).fit(X, y, labels)
    >>> dist.filtered_clusters_
    [(0, 1), (1, 1)]
    >>> share = dist.intra_distribution_
    >>> bool(share[(1, 1)] > share[(0, 1)])  # the sparser cluster gets more
    True
    """

    _parameter_constraints = {
        # Infinity: every minority group passes (no filter).
        "filtering_threshold": [Interval(numbers.Real, 0, None, closed="both"), StrOptions({"auto"})],
        "distances_exponent": [Interval(numbers.Real, 0, None, closed="left"), StrOptions({"auto"})],
        "sparsity_based": ["boolean"],
        "distribution_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "size_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "purity_exponent": [Interval(numbers.Real, 0, None, closed="left")],
    }

    # The reference's four parameters keep its positions; the ones it lacks are keyword-only.
    def __init__(
        self,
        filtering_threshold="auto",
        distances_exponent="auto",
        sparsity_based=True,
        distribution_ratio=1.0,
        *,
        size_ratio=0.0,
        purity_exponent=0.0,
    ):
        self.filtering_threshold = filtering_threshold
        self.distances_exponent = distances_exponent
        self.sparsity_based = sparsity_based
        self.distribution_ratio = distribution_ratio
        self.size_ratio = size_ratio
        self.purity_exponent = purity_exponent

    def _check_parameters(self, groups, n_features, neighbors):
        """The fitted values of the parameters (validated by ``_parameter_constraints``), "auto" resolved."""
        counts = groups.class_counts()
        auto_threshold = counts.max() / counts.min()
        self.filtering_threshold_ = _resolve_auto(self.filtering_threshold, auto_threshold)
        self.distances_exponent_ = _resolve_auto(self.distances_exponent, n_features)
        self.sparsity_based_ = self.sparsity_based
        self.distribution_ratio_ = self.distribution_ratio
        self.size_ratio_ = self.size_ratio
        self.purity_exponent_ = self.purity_exponent
        if self.distribution_ratio_ < 1.0 and neighbors is None:
            raise ValueError(
                "Parameter `distribution_ratio` should be equal to 1.0, when `neighbors` parameter is `None`."
            )

    def _distribute(self, backend, X, groups, neighbors, stats):
        self._check_parameters(groups, X.shape[1], neighbors)
        filtered = self._filter_groups(groups)
        filtered, density, log_density = self._densities(stats, filtered)
        labels = list(groups.index())
        self.filtered_clusters_ = [labels[g] for g in filtered]
        self.clusters_density_ = {labels[g]: float(d) for g, d in zip(filtered, density)}
        self._set_proportions(groups, labels, filtered, log_density)

    def _unclustered_distribution(self, groups):
        # As the reference: without labels every minority class is generated as a whole,
        # whatever the filter says.
        majority = set(self.majority_class_labels_)
        return {(0, label): 1.0 for label in groups.classes.tolist() if label not in majority}

    def _filter_groups(self, groups):
        """Minority groups whose cluster holds few enough majority rows."""
        classes = groups.classes.tolist()
        majority_code = classes.index(self.majority_class_labels_[0])
        majority_rows = np.zeros(len(groups.cluster_labels), dtype=np.int64)
        is_majority_group = groups.klass == majority_code
        majority_rows[groups.cluster[is_majority_group]] = groups.lengths[is_majority_group]
        majority_codes = [classes.index(label) for label in self.majority_class_labels_]
        minority = ~np.isin(groups.klass, majority_codes)
        passes = majority_rows[groups.cluster] <= groups.lengths * self.filtering_threshold_
        return np.flatnonzero(minority & passes)

    def _densities(self, stats, filtered):
        """Density of the filtered groups, with the reference's zero/infinity rules.

        Densities are evaluated in float64 exactly as the reference does, so one
        that underflows to 0 or overflows to infinity is classified the same way;
        proportions are then formed from log densities (no overflow). Zero
        densities present: only those groups stay, with density 1. Else an
        infinite density becomes the largest finite one (1 when none is finite).
        Returns the kept groups, their densities and log densities.
        """
        n = stats.groups.lengths[filtered].astype(np.float64)
        sums = stats.distance_sums(filtered)
        mean_distance = sums / np.where(n > 1, n * (n - 1), 1.0)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            density = n / mean_distance**self.distances_exponent_
            log_mean = np.log(mean_distance) if self.distances_exponent_ != 0 else 0.0
            log_density = np.log(n) - self.distances_exponent_ * log_mean
        is_zero = density == 0.0
        if is_zero.any():
            kept = np.flatnonzero(is_zero)
            return filtered[kept], np.ones(len(kept)), np.zeros(len(kept))
        finite = np.isfinite(density)
        if finite.all():
            return filtered, density, log_density
        largest = np.argmax(np.where(finite, density, -np.inf)) if finite.any() else None
        density = np.where(finite, density, density[largest] if largest is not None else 1.0)
        log_density = np.where(finite, log_density, log_density[largest] if largest is not None else 0.0)
        return filtered, density, log_density

    def _set_proportions(self, groups, labels, filtered, log_density):
        sign = -1.0 if self.sparsity_based_ else 1.0
        klass = groups.klass[filtered]
        # Inter-cluster pairs: both groups filtered, same class, clusters adjacent.
        position = {labels[g]: i for i, g in enumerate(filtered)}
        filtered_classes = groups.classes[np.unique(klass)].tolist()
        pairs = [
            (position[(cluster1, label)], position[(cluster2, label)])
            for cluster1, cluster2 in self.neighbors_.tolist()
            for label in filtered_classes
            if (cluster1, label) in position and (cluster2, label) in position
        ]
        pair_a, pair_b = np.asarray(pairs, dtype=np.int64).reshape(-1, 2).T
        log_weight = sign * log_density
        pair_log_weight = sign * np.logaddexp(log_density[pair_a], log_density[pair_b])
        log_purity = self._log_purity(groups)
        if self.purity_exponent_ > 0:
            log_weight = log_weight + self.purity_exponent_ * log_purity[filtered]
            pair_purity = np.minimum(log_purity[filtered[pair_a]], log_purity[filtered[pair_b]])
            pair_log_weight = pair_log_weight + self.purity_exponent_ * pair_purity
        intra_share = np.where(np.isin(klass, klass[pair_a]), self.distribution_ratio_, 1.0)
        density_share = 1.0 - self.size_ratio_
        intra = density_share * intra_share * _normalize_per_class(log_weight, klass)
        inter = density_share * (1.0 - self.distribution_ratio_) * _normalize_per_class(pair_log_weight, klass[pair_a])
        shares = np.zeros(len(labels))
        shares[filtered] = intra
        receiving = filtered
        if self.size_ratio_ > 0:  # SMOTE's share: every group of a served class, by its rows
            receiving = np.flatnonzero(np.isin(groups.klass, klass))
            sizes = np.log(groups.lengths[receiving].astype(np.float64))
            if self.purity_exponent_ > 0:
                sizes = sizes + self.purity_exponent_ * log_purity[receiving]
            shares[receiving] += self.size_ratio_ * _normalize_per_class(sizes, groups.klass[receiving])
        self.intra_distribution_ = {labels[g]: float(shares[g]) for g in receiving}
        self.inter_distribution_ = {
            (labels[filtered[a]], labels[filtered[b]]): float(p) for a, b, p in zip(pair_a, pair_b, inter)
        }

    @staticmethod
    def _log_purity(groups):
        """``log(group rows / its cluster's rows)`` for every group."""
        lengths = groups.lengths.astype(np.float64)
        cluster_rows = np.bincount(groups.cluster, weights=lengths, minlength=len(groups.cluster_labels))
        return np.log(lengths) - np.log(cluster_rows[groups.cluster])


def _normalize_per_class(log_weights, klass):
    """``w / sum(w over the same class)`` computed from log weights without overflow."""
    if len(log_weights) == 0:
        return np.zeros(0)
    shifted = np.empty_like(log_weights)
    totals = {}
    for code in np.unique(klass):
        members = klass == code
        shifted[members] = np.exp(log_weights[members] - log_weights[members].max())
        totals[code] = shifted[members].sum()
    return shifted / np.array([totals[c] for c in klass])


def _resolve_auto(value, auto_value):
    return auto_value if isinstance(value, str) else value
