"""Docstring fragments shared by the public estimators, written once.

A class docstring names a fragment by a line holding only ``%(name)s``; :func:`fill_doc`
replaces that line with the fragment, indented as the placeholder was. An unknown name is a
``KeyError`` at import, so a typo cannot reach the rendered documentation.
"""

import inspect
import re

_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)

_FEATURE_NAMES = """\
feature_names_in_ : ndarray of str, one per feature
    The column names of X seen in ``fit``. Defined only when X is a pandas DataFrame whose
    column names are all strings."""

FRAGMENTS = {
    "sampling_strategy": """\
sampling_strategy : float, str, dict or callable, default="auto"
    Which classes to over-sample and to how many rows, as in imbalanced-learn. A float (two
    classes): the wanted minority / majority ratio after resampling; ``"minority"``,
    ``"not minority"``, ``"not majority"``, ``"all"`` or ``"auto"`` (= ``"not majority"``):
    the classes brought to the majority's count; a dict ``{class: n_rows_after}``, or a
    callable ``f(y)`` returning one. Classes a dict leaves out are not resampled.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds the clusterer and every group's random stream. The same seed on the same backend
    gives bit-identical output; NumPy and CuPy results are statistically equivalent, not
    identical.""",
    "k_neighbors": """\
k_neighbors : int, default=5
    Nearest rows of the same (cluster, class) group that a synthetic row may be interpolated
    towards. Shrinks to the group size - 1 in small groups; a one-row group duplicates its
    row.""",
    "backend": """\
backend : {"auto", "numpy", "cupy"}, default="auto"
    Where the work runs. ``"auto"``: CuPy or cuDF input runs on ``"cupy"``; host input runs on
    ``"cupy"`` when CuPy is installed and sees a CUDA device, else on ``"numpy"``. ``"numpy"``
    refuses CuPy / cuDF input (no silent device-to-host copy); ``"cupy"`` raises a
    ``ValueError`` when CuPy or a device is missing. The output type always follows the input
    type.""",
    "neighbor_search": """\
neighbor_search : {"auto", "exact"}, default="auto"
    How groups of more than 4096 rows find their k nearest neighbours and their density.
    ``"auto"``: the density from 65536 sampled pairs (relative error under 0.5 %); the
    neighbours from every pair up to 16384 rows, above from cells of 32 rows, each row
    compared with the rows of the cells nearest to its own. The number of cells is the
    fewest at which the recall of the k nearest, measured on 1024 spread rows against an
    exact search, reaches 0.97, up to 32768 rows per row: that ceiling bounds the cost, and
    where it binds (high intrinsic dimension) the recall is lower. ``"exact"``: every pair,
    at a cost that grows with the square of the group. Smaller groups are always exact.""",
    "categorical_features": """\
categorical_features : "auto", array-like of int, str or bool, or None, default="auto"
    The columns of X that hold categories, as imbalanced-learn's SMOTENC takes them: column
    indices, column names (pandas), or a boolean mask. ``"auto"``: pandas ``category``,
    ``object``, ``string`` and ``bool`` columns, and the string columns of a NumPy object
    array; numeric-only data are then unchanged. ``None``: no categorical column. Distances
    are SMOTE-NC's: squared euclidean over the numeric columns plus ``med^2`` per categorical
    column where two rows differ (``med``: the median of the numeric columns' standard
    deviations in the class being over-sampled). A synthetic row's category in each column is
    the most frequent among the k nearest neighbours of the row it starts from (ties broken
    from the row's random stream), so it is always a category seen in that class. A numeric
    column named here is treated as categories (its values are never interpolated). Missing
    values in a categorical column are refused with the column named. Outputs keep the
    caller's column order, names and dtypes (categories included).""",
    "raise_error": """\
raise_error : bool, default=True
    When no (cluster, class) group passes the filter for a requested class: ``True`` raises a
    ``ValueError``; ``False`` warns and returns the original data.""",
    "imbalance_ratio_threshold": """\
imbalance_ratio_threshold : float or "auto", default="auto"
    The filter (the distributor's ``filtering_threshold``): a cluster receives synthetic rows
    of a class only when its rows of the majority class are at most this many times its rows
    of that class. ``"auto"``: the data's largest class count over its smallest;
    ``float("inf")``: no filter.""",
    "distances_exponent": """\
distances_exponent : float or "auto", default=1.0
    The distributor's ``distances_exponent``: a cluster's density is its rows of the class
    over their mean distance to this power, and sparser clusters receive more rows. 1.0 does
    not grow with the number of features; ``"auto"`` (the number of features) is
    cluster-over-sampling's, whose density ratios become so extreme in many dimensions that
    the sparsest cluster takes nearly every sample.""",
    "size_ratio": """\
size_ratio : float in [0, 1], default=0.5
    The distributor's ``size_ratio``: this share of each class's rows is allocated as SMOTE
    allocates it (to every cluster, in proportion to its rows of the class), the rest by the
    density rule, so one sparse (often outlying) cluster cannot take them all. 0.0 is
    cluster-over-sampling's rule (with ``distances_exponent="auto"``).""",
    "purity_exponent": """\
purity_exponent : float >= 0, default=0.0
    The distributor's ``purity_exponent``: each cluster's weights are multiplied by its share
    of the class's rows, to this power, so that majority-heavy clusters get less. 0.0 is
    cluster-over-sampling's rule.""",
    "truncation_factor": """\
truncation_factor : float in [-1, 1], default=1.0
    1: the half-sphere towards the surface point; 0: the whole sphere; negative: the opposite
    side.""",
    "deformation_factor": """\
deformation_factor : float in [0, 1], default=0.0
    0: a sphere; 1: the line through the center and the surface point.""",
    "selection_strategy": """\
selection_strategy : {"combined", "majority", "minority"}, default="combined"
    How the surface point is chosen: one of the center's ``k_neighbors`` nearest minority
    rows, its nearest majority row, or the closer of the two.""",
    "som_estimator": """\
som_estimator : None, int, float or estimator, default=None
    ``None``: :class:`~gpu_clover.cluster.SOM` with its default grid; int ``k``: a
    ``round(sqrt(k))``-sided square grid; float ``f`` in [0, 1]: a
    ``round(sqrt((n_samples - 1) * f + 1))``-sided square grid (0.0: one neuron, one
    cluster, as the reference); an estimator with ``fit``, ``labels_`` and ``neighbors_``
    (cloned), e.g. a configured ``SOM`` or the reference's.""",
    "distribution_ratio": """\
distribution_ratio : float in [0, 1], default=0.8
    Share of each class's synthetic rows generated inside clusters; the rest lie between
    minority rows of adjacent clusters. A class with no pair of adjacent filtered clusters
    keeps its whole share inside clusters.""",
    "sampler_attributes": """\
sampling_strategy_ : dict {class_label: n_samples}
    After ``fit``, the rows requested per class; after ``fit_resample``, the rows actually
    generated (0 for a class no group could serve).
random_state_ : numpy.random.RandomState
    ``check_random_state(random_state)``, as imbalanced-learn-extra's samplers.
stage_seconds_ : dict {stage: float}
    After ``fit_resample``, the wall-clock seconds of each stage that ran, in pipeline order
    (``"validate"``, ``"cluster"``, ``"neighbors"``, ``"distribute"``, ``"generate"``,
    ``"assemble"``). The neighbour search runs when ``"distribute"`` or ``"generate"`` first
    needs it; its seconds are counted under ``"neighbors"`` only.
median_std_ : dict {class_label: float}
    With categorical columns, after ``fit_resample``: SMOTE-NC's ``med`` of each class (the
    median of the numeric columns' standard deviations in the class; 1 without numeric
    columns), as imbalanced-learn's SMOTENC.
n_features_in_ : int
    Number of columns of X seen in ``fit`` (categorical ones included).
"""
    + _FEATURE_NAMES,
    "cluster_attributes": """\
oversampler_, clusterer_, distributor_ : estimators
    The fitted components. ``clusterer_`` is ``None`` without clustering: SMOTE and
    GeometricSMOTE used alone are their own ``oversampler_``, with one cluster and a
    :class:`~gpu_clover.distribution.BaseDistributor`.
transformer_ : transformer or None
    When the over-sampler is an imbalanced-learn ``Pipeline`` (``ClusterOverSampler``'s
    ``oversampler``), its steps before the last, fitted on X: the synthetic rows are generated
    in their output space. ``None`` otherwise.
labels_ : array of shape (n_samples,)
    The cluster label of each row (CuPy for device input, NumPy otherwise); all 0 without
    clustering.
neighbors_ : array of shape (n_pairs, 2) or None
    Pairs of adjacent clusters when the clusterer has a topology (SOM), else ``None``.""",
    "feature_names_in": _FEATURE_NAMES,
    "distributor_attributes": """\
majority_class_labels_ : list
    The class(es) with the most rows.
unique_cluster_labels_, unique_class_labels_ : array
    The cluster and class labels seen in ``fit``.
n_samples_ : int
    Rows seen in ``fit``.
neighbors_ : array of shape (n_pairs, 2) or None
    The neighbouring clusters passed to ``fit``.
labels_ : array of shape (n_samples,)
    The cluster labels passed to ``fit`` (all 0 when none were), in the caller's array kind;
    not set when a sampler fits the distributor on its groups.
n_features_in_ : int
    Number of features seen in ``fit`` (not set when a sampler fits it on its groups).
"""
    + _FEATURE_NAMES,
}


def fill_doc(obj=None, **extra):
    """Replace each ``%(name)s`` line of ``obj.__doc__`` with the fragment ``name``; return ``obj``.

    ``extra`` adds fragments for this docstring only; with it, ``fill_doc(**extra)`` is the
    decorator.
    """
    if obj is None:
        return lambda target: fill_doc(target, **extra)
    fragments = {**FRAGMENTS, **extra}

    def substitute(match):
        indent, name = match.groups()
        return "\n".join(indent + line if line else line for line in fragments[name].splitlines())

    obj.__doc__ = _PLACEHOLDER.sub(substitute, obj.__doc__)
    return obj


def parameters_of(cls):
    """The entries of ``cls``'s (filled) Parameters section, dedented: to document a subclass
    that keeps its parent's ``__init__`` without copying the text."""
    lines = inspect.cleandoc(cls.__doc__).splitlines()
    start = lines.index("Parameters") + 2
    end = next(
        (i for i in range(start, len(lines)) if lines[i] and lines[i + 1 : i + 2] and set(lines[i + 1]) == {"-"}),
        len(lines),
    )
    return "\n".join(lines[start:end]).strip("\n")
