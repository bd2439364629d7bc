"""The categorical columns of synthetic rows: SMOTE-NC's most frequent category among neighbours.

A synthetic row starts from a row of its group (its plan's draw 0: SMOTE's base row, Geometric
SMOTE's center; between two groups, the row of the first group). In each categorical column
it takes the category most frequent among that row's k nearest neighbours in its group (the
kNN of SMOTE-NC's distance); ties go to one of the tied categories, uniformly, from the row's
own tie stream (a stream family apart from the numeric draws, keyed like them by item), so
the codes do not depend on tiles, threads or the other items. A group of one row gives its
own categories. Every value is therefore one the class holds.

Array-generic: on CuPy the same code runs on the device.
"""

import numpy as np

from .._random import bits_to_index, draw_bits, stream_bases
from ._generation import plan_tiles

# Offsets the tie streams' seed from the numeric streams' (a fixed odd 64-bit constant).
_TIE_SEED_OFFSET = 0xD1B54A32D192ED03


def synthetic_categories(stats, codes, item_groups, keys, n_new, seed, draws_per_row, out):
    """Write the categorical codes of a plan's synthetic rows into ``out`` and return it.

    Parameters
    ----------
    stats : GroupNeighbors
        The fit's neighbour stage (groups, k, ``knn``).
    codes : backend int32 array (n_samples, p)
        Every row's categorical codes.
    item_groups : host int64 array
        For each item, the group its rows start from (an intra item's own group; an inter
        item's first group).
    keys, n_new, seed, draws_per_row
        The numeric plan's item keys, rows per item, seed and draws per row: draw 0 of each
        row is read again from the same streams.
    out : backend int32 array (n_new.sum(), p)
    """
    backend, groups = stats.backend, stats.groups
    xp = backend.xp
    item_groups = np.asarray(item_groups, dtype=np.int64)
    if out.shape[0] == 0:
        return out
    lengths, offsets = groups.lengths[item_groups], groups.offsets[item_groups]
    k = max(stats.k, 1)
    k_group = np.minimum(stats.k, lengths - 1)
    table, table_starts = stats.knn(item_groups)
    rows, p = groups.order, codes.shape[1]
    tie_bases = stream_bases(xp, (seed + _TIE_SEED_OFFSET) & ((1 << 64) - 1), xp.asarray(np.asarray(keys)))

    def tile(part):  # tiles write disjoint rows of ``out``
        start, stop, plan = part
        base = plan.index(0, lengths)
        first = plan.per_row(offsets)
        valid = xp.arange(k)[None, :] < plan.per_row(k_group)[:, None]  # (m, k)
        local = table[plan.per_row(table_starts) + base][:, :k].astype(xp.int64)
        neighbor_rows = rows[first[:, None] + xp.where(valid, local, base[:, None])]
        found = xp.where(valid[:, None, :], xp.moveaxis(codes[neighbor_rows], 1, 2), -1)  # (m, p, k)
        counters = plan.position[:, None] * p + xp.arange(p)[None, :]
        ties = draw_bits(xp, tie_bases[plan.item][:, None], counters)  # (m, p)
        chosen = most_frequent(xp, found, ties)
        alone = (plan.per_row(k_group) == 0)[:, None]  # a one-row group keeps its own categories
        out[start:stop] = xp.where(alone, codes[rows[first + base]], chosen)

    temporaries = k * k * p + 4 * k * p + 8
    for _ in backend.map_ordered(tile, plan_tiles(backend, keys, n_new, seed, draws_per_row, temporaries)):
        pass
    return out


def most_frequent(xp, found, ties):
    """The most frequent code of each ``found[i, c, :]`` (``(m, p, k)``; -1: no neighbour), ties
    resolved by ``ties[i, c]`` (64-bit draws): the tied codes in increasing order, one taken
    uniformly. Returns int32 ``(m, p)``.

    Once each lane is sorted, equal codes are runs: a run's length is read at its last place,
    so a few elementwise passes over ``(m, p)`` per neighbour do it (k is small; this streams
    better than reductions along a short last axis).
    """
    k = found.shape[-1]
    lanes = _sorted_lanes(xp, found)  # (k, m, p)
    counts = xp.zeros(lanes.shape, dtype=xp.int32)  # the run's length at its last place, else 0
    run = xp.ones(lanes.shape[1:], dtype=xp.int32)
    for a in range(k):
        if a:
            run = xp.where(lanes[a] == lanes[a - 1], run + 1, 1)
        last = lanes[a] >= 0 if a == k - 1 else (lanes[a] != lanes[a + 1]) & (lanes[a] >= 0)
        counts[a] = xp.where(last, run, 0)
    best = counts.max(axis=0)  # (m, p)
    tied = (counts == best) & (best > 0)
    pick = bits_to_index(xp, ties, xp.maximum(tied.sum(axis=0), 1))  # (m, p): which tied code
    chosen = lanes[k - 1].copy()
    seen = xp.zeros(pick.shape, dtype=xp.int64)
    for a in range(k):
        chosen = xp.where(tied[a] & (seen == pick), lanes[a], chosen)
        seen += tied[a]
    return chosen.astype(xp.int32, copy=False)


# Up to this many neighbours the lanes are sorted by a network of min / max passes.
_NETWORK_MAX_K = 16


def _sorted_lanes(xp, found):
    """``found`` (``(m, p, k)``) sorted along k, laid out as k contiguous ``(m, p)`` lanes."""
    k = found.shape[-1]
    if k > _NETWORK_MAX_K:
        return xp.ascontiguousarray(xp.moveaxis(xp.sort(found, axis=-1), -1, 0))
    lanes = xp.ascontiguousarray(xp.moveaxis(found, -1, 0))
    for sweep in range(k):  # odd-even transposition: k sweeps sort k lanes
        for a in range(sweep % 2, k - 1, 2):
            low = xp.minimum(lanes[a], lanes[a + 1])
            xp.maximum(lanes[a], lanes[a + 1], out=lanes[a + 1])
            lanes[a] = low
    return lanes
