"""Integer allocation: exactly the requested number of rows per class."""

import numpy as np


def allocate_samples(n_requested, item_class, proportions):
    """Split each class's request among its items by largest remainder.

    Parameters
    ----------
    n_requested : array of int, indexed by class code
        Rows to generate per class.
    item_class : array of int
        Class code of each item (a group, or a pair of groups).
    proportions : array of float
        Share of each item within its class (rescaled per class to sum to 1).

    Returns
    -------
    counts : array of int64
        Rows per item; for every class with a positive total share the counts
        add up to ``n_requested`` exactly. Ties in the remainders go to the
        earlier item.
    """
    item_class = np.asarray(item_class, dtype=np.int64)
    proportions = np.asarray(proportions, dtype=np.float64)
    n_requested = np.asarray(n_requested, dtype=np.int64)
    if item_class.size == 0:
        return np.zeros(0, dtype=np.int64)
    totals = np.bincount(item_class, weights=proportions, minlength=len(n_requested))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals[item_class] > 0, proportions / totals[item_class], 0.0)
    exact = share * n_requested[item_class]
    counts = np.floor(exact).astype(np.int64)
    remainder = exact - counts
    missing = n_requested - np.bincount(item_class, weights=counts, minlength=len(n_requested)).astype(np.int64)
    missing[totals <= 0] = 0
    # Rank items inside their class by descending remainder (stable: earlier item first).
    order = np.lexsort((np.arange(item_class.size), -remainder, item_class))
    first_of_class = np.searchsorted(item_class[order], item_class[order], side="left")
    rank = np.arange(item_class.size) - first_of_class
    counts[order] += (rank < missing[item_class[order]]).astype(np.int64)
    return counts
