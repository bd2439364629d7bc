"""Resolve imbalanced-learn's ``sampling_strategy`` forms from class counts alone.

Same forms and meanings as ``imblearn.utils.check_sampling_strategy`` for
over-sampling, but it needs only the class counts, so a GPU input never has to
bring ``y`` to the host (except for a callable strategy, which receives ``y``).
"""

import numbers
from collections import OrderedDict

import numpy as np

_STRINGS = ("auto", "not majority", "minority", "not minority", "all")


def resolve_sampling_strategy(strategy, classes, counts, y_host=None):
    """``OrderedDict {class_label: n_samples_to_generate}``, sorted by class.

    Parameters
    ----------
    strategy : str, float, dict or callable
    classes : array of the class labels (sorted)
    counts : array of their counts
    y_host : callable returning the host ``y``, for a callable ``strategy``
    """
    classes = list(np.asarray(classes).tolist())
    counts = [int(c) for c in counts]
    if len(classes) < 2:
        raise ValueError(f"The target 'y' needs to have more than 1 class. Got {len(classes)} class instead.")
    stats = dict(zip(classes, counts))
    n_max, n_min = max(counts), min(counts)
    majority = classes[counts.index(n_max)]
    minority = classes[counts.index(n_min)]
    if isinstance(strategy, str):
        if strategy not in _STRINGS:
            raise ValueError(
                f"When 'sampling_strategy' is a string, it needs to be one of {_STRINGS}. Got {strategy!r} instead."
            )
        chosen = {
            "auto": [c for c in classes if c != majority],
            "not majority": [c for c in classes if c != majority],
            "minority": [minority],
            "not minority": [c for c in classes if c != minority],
            "all": classes,
        }[strategy]
        return OrderedDict((c, n_max - stats[c]) for c in classes if c in chosen)
    if isinstance(strategy, numbers.Real) and not isinstance(strategy, bool):
        if len(classes) != 2:
            raise ValueError('"sampling_strategy" can be a float only when the type of target is binary.')
        if not 0 < strategy <= 1:
            raise ValueError(
                f"When 'sampling_strategy' is a float, it should be in the range (0, 1]. Got {strategy} instead."
            )
        wanted = {c: int(n_max * strategy - stats[c]) for c in classes if c != majority}
        if any(n < 0 for n in wanted.values()):
            raise ValueError(
                "The specified ratio required to remove samples from the minority class while trying to "
                "generate new samples. Please increase the ratio."
            )
        return OrderedDict(sorted(wanted.items()))
    if callable(strategy):
        strategy = strategy(y_host())
    if isinstance(strategy, dict):
        unknown = set(strategy) - set(classes)
        if unknown:
            raise ValueError(f"The {sorted(unknown, key=str)} target class is/are not present in the data.")
        wanted = {}
        for label, target in strategy.items():
            if not isinstance(target, numbers.Integral) or isinstance(target, bool):
                raise TypeError(f"sampling_strategy[{label!r}] must be an integer number of samples; got {target!r}.")
            if target < stats[label]:
                raise ValueError(
                    f"sampling_strategy asks for {target} samples of class {label!r}, which has {stats[label]} "
                    f"already: a dict gives the samples wanted after over-sampling, at least {stats[label]}."
                )
            wanted[label] = int(target) - stats[label]
        return OrderedDict((c, wanted[c]) for c in classes if c in wanted)
    raise TypeError(
        "sampling_strategy must be a str, a float, a dict or a callable returning a dict; "
        f"got {type(strategy).__name__}."
    )
