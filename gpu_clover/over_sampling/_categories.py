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

    A row of a group is the start of many synthetic rows: its tied most frequent categories
    are found once (:func:`tied_modes`), and each synthetic row only draws among them.
    """
    backend, groups = stats.backend, stats.groups
    xp = backend.xp
    item_groups = np.asarray(item_groups, dtype=np.int64)
    if out.shape[0] == 0:
        return out
    lengths = groups.lengths[item_groups]
    distinct, item_of = np.unique(item_groups, return_inverse=True)
    tied, n_tied = tied_modes(stats, codes, distinct)
    starts = np.concatenate([[0], np.cumsum(groups.lengths[distinct])[:-1]])[item_of.reshape(-1)]
    p = codes.shape[1]
    columns = xp.arange(p)[None, :]
    tie_bases = stream_bases(xp, (seed + _TIE_SEED_OFFSET) & ((1 << 64) - 1), xp.asarray(np.asarray(keys)))

    def tile(part):  # tiles write disjoint rows of ``out``
        start, stop, plan = part
        at = plan.per_row(starts) + plan.index(0, lengths)  # the row each synthetic row starts from
        ties = draw_bits(xp, tie_bases[plan.item][:, None], plan.position[:, None] * p + columns)  # (m, p)
        pick = bits_to_index(xp, ties, n_tied[at])
        out[start:stop] = xp.take_along_axis(backend.take(tied, at), pick[..., None], axis=-1)[..., 0]

    for _ in backend.map_ordered(tile, plan_tiles(backend, keys, n_new, seed, draws_per_row, 8 * p + 8)):
        pass
    return out


def tied_modes(stats, codes, group_ids):
    """Every row of the groups ``group_ids`` (concatenated, in group order): the categories most
    frequent among its k nearest neighbours in each column, increasing, ``(rows, p, k)`` int32
    (-1 past the last), and how many there are, ``(rows, p)``. A one-row group's row: its own."""
    backend, groups = stats.backend, stats.groups
    xp = backend.xp
    lengths, offsets = groups.lengths[group_ids], groups.offsets[group_ids]
    k = max(stats.k, 1)
    table, table_starts = stats.knn(group_ids)
    n_rows, p = int(lengths.sum()), codes.shape[1]
    tied = xp.empty((n_rows, p, k), dtype=xp.int32)
    n_tied = xp.empty((n_rows, p), dtype=xp.int64)
    row_group = backend.repeat_values(np.arange(len(lengths)), lengths)
    local = (
        xp.arange(n_rows, dtype=xp.int64) - backend.asarray(np.concatenate([[0], np.cumsum(lengths)[:-1]]))[row_group]
    )
    table_rows = backend.asarray(table_starts)[row_group] + local
    first = backend.asarray(offsets)[row_group]
    k_row = backend.asarray(np.minimum(stats.k, lengths - 1))[row_group]
    step = max(1, backend.tile_elements(8) // (4 * k * k * p + 8))

    def tile(r0):  # tiles write disjoint rows
        rows = slice(r0, r0 + step)
        valid = xp.arange(k)[None, :] < k_row[rows][:, None]
        neighbors = backend.take(table, table_rows[rows])[:, :k].astype(xp.int64)
        members = groups.order[first[rows][:, None] + xp.where(valid, neighbors, local[rows][:, None])]
        found = xp.where(valid[:, None, :], xp.moveaxis(backend.take(codes, members), 1, 2), -1)  # (m, p, k)
        own = (k_row[rows] == 0)[:, None, None]  # a one-row group: its own categories, once
        found = xp.where(own & (xp.arange(k) == 0), codes[groups.order[first[rows] + local[rows]]][:, :, None], found)
        tied[rows], n_tied[rows] = _tied_sets(xp, found)

    for _ in backend.map_ordered(tile, range(0, n_rows, step)):
        pass
    return tied, n_tied


def _tied_sets(xp, found):
    """The most frequent codes of each ``found[i, c, :]`` (``(m, p, k)``; -1: no neighbour),
    increasing and packed to the front of ``(m, p, k)`` (-1 after), and their number ``(m, p)``.

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
    is_tied = (counts == best) & (best > 0)
    place = xp.cumsum(is_tied, axis=0) - 1  # each tied code's place among the tied ones
    packed = xp.full(lanes.shape, -1, dtype=xp.int32)
    for r in range(k):
        for a in range(r, k):
            packed[r] = xp.where(is_tied[a] & (place[a] == r), lanes[a], packed[r])
    return xp.moveaxis(packed, 0, -1), is_tied.sum(axis=0)


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
