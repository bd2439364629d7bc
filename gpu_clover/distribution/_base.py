"""The distributor interface: how many synthetic rows go to each group."""

import numbers
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

from .._docstring import fill_doc
from .._groups import build_groups, encode_labels
from .._placement import Placement
from .._state import publishes_fitted_state
from ..backends import get_backend, is_cupy_array
from ..neighbors import GroupNeighbors


@fill_doc
class BaseDistributor(BaseEstimator):
    """Base class of distributors: the extension point.

    A distributor sets, for every minority group, the proportion of a class's
    synthetic rows generated inside it (``intra_distribution_``, keys
    ``(cluster_label, class_label)``) and between pairs of neighbouring clusters
    (``inter_distribution_``, keys ``((cluster1, class), (cluster2, class))``).
    Subclasses override ``_distribute(backend, X, groups, neighbors, stats)``. This base class
    shares each class among its clusters in proportion to their rows; with no
    clusterer (one cluster) that is the plain over-sampler.

    A foreign object with ``fit(X, y, labels, neighbors)`` that sets those two attributes
    works as a distributor too.

    Attributes
    ----------
    intra_distribution_ : dict {(cluster_label, class_label): float}
        Each group's proportion of its class's synthetic rows.
    inter_distribution_ : dict {((cluster1, class), (cluster2, class)): float}
        Each neighbouring pair's proportion (empty here).
    %(distributor_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from gpu_clover.distribution import BaseDistributor
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> labels = np.array([0, 0, 1, 1, 1, 2])
    >>> dist = BaseDistributor().fit(X, y, labels)
    >>> {key: round(float(share), 3) for key, share in dist.intra_distribution_.items()}
    {(0, 0): 0.667, (1, 0): 0.333, (1, 1): 0.667, (2, 1): 0.333}
    """

    # Subclasses list their parameters' constraints here (checked at fit); none for this one.
    _parameter_constraints: dict = {}

    @publishes_fitted_state
    def fit(self, X, y, labels=None, neighbors=None):
        """Compute the distributions from data, cluster labels and neighbouring clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        labels : array-like of shape (n_samples,), default=None
            Cluster label of each row; ``None`` means one cluster.
        neighbors : array-like of shape (n_pairs, 2), default=None
            Pairs of neighbouring cluster labels.

        Returns
        -------
        self
        """
        if is_cupy_array(X):
            backend = get_backend("cupy")
            if X.ndim != 2 or X.shape[0] == 0:
                raise ValueError(f"Expected a non-empty 2D array, got shape {X.shape}.")
            self.n_features_in_ = X.shape[1]
        else:  # host data: scikit-learn's checks (2-D, finite, numeric, not empty), n_features_in_ set
            backend = get_backend("numpy")
            X = validate_data(self, X, dtype=[np.float64, np.float32])
        y = backend.asarray(np.asarray(y) if not backend.is_native(y) else y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X and y have different numbers of rows: {X.shape[0]} and {y.shape[0]}.")
        labels_given = labels is not None
        if not labels_given:
            labels = backend.xp.zeros(X.shape[0], dtype=backend.xp.int64)
        labels = backend.asarray(labels if backend.is_native(labels) else np.asarray(labels))
        if labels.ndim != 1:
            raise ValueError(f"labels must have shape (n_samples,), one cluster label per row; got {labels.shape}.")
        if labels.shape[0] != X.shape[0]:
            raise ValueError(
                f"Number of labels should be equal to the number of samples. Got {labels.shape[0]} and {X.shape[0]} instead."
            )
        classes, class_codes = encode_labels(backend, y)
        cluster_labels, cluster_codes = encode_labels(backend, labels)
        groups = build_groups(backend, cluster_codes, class_codes, cluster_labels, classes)
        first_seen = backend.to_host(backend.first_occurrence(class_codes, len(classes)))
        self.labels_ = Placement.of(X).wrap(labels)
        return self._fit_groups(backend, X, groups, neighbors, first_seen, labels_given=labels_given)

    @publishes_fitted_state
    def fit_distribute(self, X, y, labels=None, neighbors=None):
        """Fit and return ``(intra_distribution_, inter_distribution_)``."""
        self.fit(X, y, labels, neighbors)
        return self.intra_distribution_, self.inter_distribution_

    def _fit_groups(self, backend, X, groups, neighbors, first_seen, stats=None, labels_given=True):
        """Fit from the group structure (the samplers reach it through :func:`fit_on_groups`).

        ``stats``: the fit's :class:`GroupNeighbors`, so that the density's
        distance sums and SMOTE's neighbours come from one pass.
        """
        self._validate_params()
        counts = groups.class_counts()
        order = np.argsort(first_seen, kind="stable")
        classes = groups.classes
        labels = classes.tolist()
        self.majority_class_labels_ = [labels[c] for c in order if counts[c] == counts.max()]
        self.unique_cluster_labels_ = groups.cluster_labels
        self.unique_class_labels_ = classes
        self.n_samples_ = int(counts.sum())
        self.neighbors_ = _check_neighbors(neighbors, groups.cluster_labels)
        self.intra_distribution_ = {}
        self.inter_distribution_ = {}
        self._distribute(backend, X, groups, neighbors, stats or GroupNeighbors(backend, X, groups))
        if not labels_given:  # no clustering: the distribution of the unclustered data
            self.intra_distribution_, self.inter_distribution_ = self._unclustered_distribution(groups), {}
        self._check_proportions(groups)
        return self

    def _distribute(self, backend, X, groups, neighbors, stats):
        """Fill ``intra_distribution_`` / ``inter_distribution_`` (subclasses)."""
        self.intra_distribution_ = _proportional_to_size(groups)

    def _unclustered_distribution(self, groups):
        """The intra distribution when ``fit`` got no labels: each class whole in cluster 0."""
        return _proportional_to_size(groups)

    def _check_proportions(self, groups):
        """Valid shares (:func:`checked_shares`) that add up to 1 for every class served."""
        intra_groups, inter_pairs, shares = checked_shares(self, groups)
        item_class = np.concatenate([groups.klass[intra_groups], groups.klass[inter_pairs[:, 0]]])
        totals = np.bincount(item_class, weights=shares, minlength=len(groups.classes))
        labels = groups.classes.tolist()
        bad = {labels[c]: float(totals[c]) for c in np.unique(item_class) if not np.isclose(totals[c], 1.0)}
        if bad:
            raise ValueError(f"The proportions of each class must sum to 1; got {bad}.")


def fit_on_groups(distributor, backend, X, groups, neighbors, first_seen, stats):
    """Fit ``distributor`` (a :class:`BaseDistributor`) on a sampler's group structure, no second pass.

    The samplers' entry point, on one machine and on Dask.

    Parameters
    ----------
    distributor : BaseDistributor
    backend : Backend
        The backend of ``X`` and ``groups.order`` (NumPy on Dask's client).
    X : array of shape (n_samples, n_features)
        The work array (on Dask: the dask array; the distributor reads it only through ``stats``).
    groups : Groups
        The (cluster, class) group table of the fit.
    neighbors : array of shape (n_pairs, 2) or None
        Pairs of neighbouring cluster labels (the clusterer's ``neighbors_``).
    first_seen : ndarray of int64
        The first row of each class (ties of the majority go to the class seen first).
    stats : object with ``groups`` and ``distance_sums(group_ids)``
        The fit's neighbour stage (:class:`GroupNeighbors`, or its Dask counterpart).

    Returns
    -------
    distributor
        Fitted: ``intra_distribution_`` and ``inter_distribution_`` set.
    """
    return distributor._fit_groups(backend, X, groups, neighbors, first_seen, stats)


def checked_shares(distributor, groups):
    """A fitted distributor's shares as ``(intra_groups, inter_pairs, shares)``, checked.

    ``intra_groups``: the group of each ``intra_distribution_`` key; ``inter_pairs``:
    the two groups of each ``inter_distribution_`` key, shape (n_pairs, 2);
    ``shares``: the intra values then the inter values, float64. Every key must
    be a (cluster label, class label) group with rows (a pair: two groups of one
    class), every share a finite number >= 0, and the shares of a class must add
    up to at most 1 (up to rounding). Errors name the distributor and the key.
    """
    name = type(distributor).__name__
    intra, inter = (_shares_map(distributor, attribute) for attribute in ("intra_distribution_", "inter_distribution_"))
    locate = _GroupOfKey(name, groups)
    intra_groups = np.array([locate("intra_distribution_", key, key) for key in intra], dtype=np.int64)
    inter_pairs = np.array([locate.pair(key) for key in inter], dtype=np.int64).reshape(-1, 2)
    items = [
        (attribute, key, share)
        for attribute, values in (("intra_distribution_", intra), ("inter_distribution_", inter))
        for key, share in values.items()
    ]
    shares = np.array([share if isinstance(share, numbers.Real) else np.nan for _, _, share in items], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(shares) | (shares < 0))
    if bad.size:
        attribute, key, share = items[bad[0]]
        raise ValueError(f"{name}.{attribute}[{key!r}] must be a finite number >= 0; got {share!r}.")
    item_class = np.concatenate([groups.klass[intra_groups], groups.klass[inter_pairs[:, 0]]])
    totals = np.bincount(item_class, weights=shares, minlength=len(groups.classes))
    over = np.flatnonzero((totals > 1) & ~np.isclose(totals, 1.0))
    if over.size:
        label = groups.classes.tolist()[over[0]]
        raise ValueError(
            f"The shares of class {label!r} in {name}'s distributions add up to {totals[over[0]]}, above 1."
        )
    return intra_groups, inter_pairs, shares


def _shares_map(distributor, attribute):
    value = getattr(distributor, attribute, None)
    if not isinstance(value, Mapping):
        raise TypeError(
            f"The distributor {type(distributor).__name__} must set `{attribute}` to a dict of shares after fit; "
            f"got {'nothing' if value is None else type(value).__name__}."
        )
    return value


class _GroupOfKey:
    """The group of a distribution key (a (cluster label, class label) pair), or an error naming the key."""

    def __init__(self, name, groups):
        self.name, self.groups, self.index = name, groups, groups.index()

    def __call__(self, attribute, key, part):
        try:
            return self.index[part]
        except (KeyError, TypeError):  # TypeError: an unhashable part
            which = "which" if part is key else f"whose {part!r}"
            raise ValueError(
                f"{self.name}.{attribute} has the key {key!r}, {which} is no (cluster label, class label) group of the data."
            ) from None

    def pair(self, key):
        """The two groups of an ``inter_distribution_`` key, of one class."""
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(f"{self.name}.inter_distribution_ has the key {key!r}, which is no pair of groups.")
        first, second = (self("inter_distribution_", key, part) for part in key)
        if self.groups.klass[first] != self.groups.klass[second]:
            raise ValueError(
                f"Neighbouring cluster pairs must share a class label; {self.name}.inter_distribution_ has {key!r}."
            )
        return first, second


def _proportional_to_size(groups):
    """Each group's share of its class, in proportion to its rows.

    Majority classes are included: a dict ``sampling_strategy`` may ask for
    majority rows too, and the plain over-sampler must honour it.
    """
    counts = groups.class_counts()
    return {key: groups.lengths[g] / counts[groups.klass[g]] for key, g in groups.index().items()}


def _check_neighbors(neighbors, cluster_labels):
    """Neighbouring pairs as a host (n_pairs, 2) array of known, unique pairs."""
    if neighbors is None:
        return np.empty((0, 2), dtype=np.int64)
    what = "pairs of neighbouring cluster labels (a clusterer's `neighbors_`)"
    try:
        pairs = np.asarray(neighbors.get() if hasattr(neighbors, "get") else neighbors)
    except ValueError:  # ragged
        raise ValueError(f"neighbors must have shape (n_pairs, 2), {what}; got ragged pairs.") from None
    if pairs.size == 0:
        return pairs.reshape(0, 2)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError(f"neighbors must have shape (n_pairs, 2); got {pairs.shape}. They are {what}.")
    if not np.isin(pairs, cluster_labels).all():
        raise ValueError("Attribute `neighbors_` contains unknown labels.")
    unique = {tuple(sorted(pair)) for pair in pairs.tolist()}
    if len(unique) < len(pairs):
        raise ValueError("Elements of `neighbors_` attribute are not unique.")
    return pairs
