"""imbalanced-learn's parameter names that gpu_clover's samplers do not take: a hint, not a bare error.

``KMeansSMOTE(cluster_balance_threshold=0.1)`` would fail with Python's "unexpected keyword
argument" alone. The samplers' ``__init__`` is wrapped (:func:`hint_imblearn_names`, applied by
the base class to every subclass) so that such a name raises a ``TypeError`` naming our
counterpart and how its meaning differs. The wrapper keeps ``__init__``'s signature, which is
where scikit-learn reads the parameters from (``get_params``, ``clone``).
"""

import functools
import inspect

_CORES = (
    'backend="cupy" runs on the GPU. On backend="numpy" the tiles of the neighbour search, of k-means\' '
    "assignment and of Geometric SMOTE run on a thread pool with one thread per core this process may run "
    "on (its CPU affinity, read when the pool is first used), with BLAS held to one thread while they run. "
    "To use fewer cores, start Python under `taskset -c 0-3`, or call os.sched_setaffinity(0, {0, 1, 2, 3}) "
    "before the first fit (Linux); threadpoolctl's threadpool_limits (or OMP_NUM_THREADS) limits BLAS "
    "outside the tiles. gpu_clover.dask's samplers run on the Dask cluster's workers and their threads."
)
_FILTER = (
    "imbalanced-learn keeps a cluster for a class when the class's share of the cluster's rows is at least "
    'cluster_balance_threshold ("auto": half the class\'s share of all requested samples), and when it holds '
    "more than k_neighbors rows of the class (gpu_clover serves a cluster of any size). {ours} keeps it when the cluster's rows of the majority class "
    'are at most that many times its rows of the class ("auto": the largest class count over the smallest; '
    "float('inf') keeps every cluster): with two classes, a share t is a threshold of 1 / t - 1."
)
_DENSITY = (
    "Both raise the mean distance between a cluster's rows of the class to this power, and sparser clusters "
    "get more rows. \"auto\" differs: imbalanced-learn's is 0.16 * log(n, 1.6) ** 1.8 for the cluster's n "
    "rows of the class; here \"auto\" is the number of features (cluster-over-sampling's rule). gpu_clover's "
    "default is 1.0, and its size_ratio=0.5 shares half of each class's rows in proportion to the clusters' "
    "rows of the class (size_ratio=0.0: the density rule alone)."
)
_ENCODER = (
    'There is no encoder to choose: the columns named by categorical_features ("auto": pandas category, '
    "object, string and bool columns) are compared as integer codes, never one-hot encoded. The distance adds "
    "med ** 2 per differing column (SMOTE-NC's rule), a synthetic row takes the most frequent category among "
    "its k_neighbors, and the columns come back with the caller's dtypes and categories."
)

# imbalanced-learn's name -> (our parameter, hint) in order of preference: a sampler gets the hint of
# the first parameter it takes (None: any sampler); a sampler that takes none gets Python's own error.
HINTS = {
    "n_jobs": [(None, "gpu_clover takes no n_jobs. " + _CORES)],
    "cluster_balance_threshold": [
        (
            "imbalance_ratio_threshold",
            "Use imbalance_ratio_threshold. " + _FILTER.format(ours="imbalance_ratio_threshold"),
        ),
        (
            "distributor",
            "Use distributor=DensityDistributor(filtering_threshold=...). "
            + _FILTER.format(ours="filtering_threshold"),
        ),
    ],
    "density_exponent": [
        ("distances_exponent", "Use distances_exponent. " + _DENSITY),
        ("distributor", "Use distributor=DensityDistributor(distances_exponent=...). " + _DENSITY),
    ],
    "categorical_encoder": [("categorical_features", "SMOTENC's categorical_encoder has no counterpart. " + _ENCODER)],
}


def hints_for(parameters):
    """``{imbalanced-learn name: hint}`` for a sampler taking ``parameters``."""
    found = {}
    for name, choices in HINTS.items():
        hint = next((text for ours, text in choices if ours is None or ours in parameters), None)
        if hint is not None and name not in parameters:
            found[name] = hint
    return found


def hint_imblearn_names(init):
    """``init`` that answers an imbalanced-learn parameter name with its hint (a ``TypeError``)."""
    hints = hints_for(set(inspect.signature(init).parameters))

    @functools.wraps(init)  # keeps the signature: scikit-learn's get_params reads it
    def __init__(self, *args, **kwargs):
        foreign = [name for name in kwargs if name in hints]
        if foreign:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument {foreign[0]!r} "
                f"(imbalanced-learn's). {hints[foreign[0]]}"
            )
        init(self, *args, **kwargs)

    return __init__
