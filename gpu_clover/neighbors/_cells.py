"""Balanced cells inside groups: recursive median splits along each cell's principal axis.

A group of rows (a contiguous segment of positions) is split in two at the median of its
rows' projections on their principal axis, and so on until no cell holds more than
``cell_rows`` rows. The cells of a group are then equal in size to one row, contiguous
in the returned permutation, and spatially compact: the bounded-cost neighbour search
(:mod:`._cell_search`) compares each cell with a fixed number of nearby cells only.

Every level splits all the cells of all groups at once (segmented sums and one sort), so
the cost is ``O(n d log(n / cell_rows))`` for ``n`` rows, on either backend. No random
numbers are used: the cells depend on the data only.
"""

import numpy as np

# Power-iteration steps towards each cell's principal axis, started from the axis of
# largest variance: an exact eigenvector is not needed, only a direction of large spread.
_POWER_STEPS = 2


def balanced_cells(backend, X, rows, positions, seg_offsets, seg_lengths, cell_rows):
    """Split segments of ``positions`` into cells of at most ``cell_rows`` rows.

    Parameters
    ----------
    backend : Backend
    X : backend array (n, d)
        The data; position ``p`` stands for the row ``X[rows[p]]``.
    rows : backend int64 array
        Row of X of every position.
    positions : backend int64 array
        The positions to split; segment ``s`` is ``positions[seg_offsets[s] : seg_offsets[s] + seg_lengths[s]]``.
    seg_offsets, seg_lengths : host int64 arrays
    cell_rows : int
        The largest cell.

    Returns
    -------
    positions : backend int64 array
        The same positions, reordered so that every cell is contiguous.
    cell_offsets, cell_lengths, cell_segment : host int64 arrays
        Each cell's slice of ``positions`` and the segment it belongs to, in order.
    """
    xp = backend.xp
    positions = xp.array(positions, dtype=xp.int64, copy=True)
    offsets = np.asarray(seg_offsets, dtype=np.int64)
    lengths = np.asarray(seg_lengths, dtype=np.int64)
    owner = np.arange(len(lengths), dtype=np.int64)
    while True:
        split = lengths > cell_rows
        if not split.any():
            break
        _sort_by_principal_axis(backend, X, rows, positions, offsets[split], lengths[split])
        offsets, lengths, owner = _halves(offsets, lengths, owner, split)
    return positions, offsets, lengths, owner


def _halves(offsets, lengths, owner, split):
    """Cells after splitting the marked ones in two at their middle (order kept)."""
    first = lengths // 2
    new_offsets = np.stack([offsets, offsets + first], axis=1)
    new_lengths = np.stack([first, lengths - first], axis=1)
    keep = np.stack([split, split], axis=1)
    keep[:, 0] = True  # an unsplit cell stays whole in its first slot
    new_lengths[~split, 0] = lengths[~split]
    owners = np.stack([owner, owner], axis=1)
    return new_offsets[keep], new_lengths[keep], owners[keep]


def _sort_by_principal_axis(backend, X, rows, positions, offsets, lengths):
    """Reorder each segment of ``positions`` in place by its rows' projection on the segment's principal axis."""
    xp = backend.xp
    n_segments = len(lengths)
    segment = backend.repeat_values(np.arange(n_segments), lengths)
    shift = offsets - np.concatenate([[0], np.cumsum(lengths)[:-1]])  # segment start in positions - in the run
    index = xp.arange(segment.shape[0], dtype=xp.int64) + backend.take(backend.asarray(shift), segment)
    chosen = positions[index]
    points = X[rows[chosen]]
    centered = points - (run_means(backend, points, lengths))[segment]
    axes = _principal_axes(backend, centered, segment, lengths)
    projection = (centered * axes[segment]).sum(axis=1).astype(xp.float64)
    # One sort of ``segment + a monotone map of the projection into (0, 1)``: each segment keeps
    # its slice, ordered along its axis (the map is scaled by the segment's own spread).
    spread = xp.sqrt(run_means(backend, projection[:, None] ** 2, lengths)[:, 0])
    spread = xp.where(spread > 0, spread, 1)
    key = segment + (0.5 + xp.arctan(projection / spread[segment]) / np.pi)
    positions[index] = chosen[backend.stable_argsort(key)]


def _principal_axes(backend, centered, segment, lengths):
    """A unit direction of large spread per segment: power iteration from the widest coordinate axis."""
    xp = backend.xp
    # The direction does not depend on the scale: rows scaled to at most 1 cannot overflow.
    largest = backend.reduce_to_scalar(xp.abs(centered), "max")
    if largest > 0:
        centered = centered / largest
    variance = run_means(backend, centered * centered, lengths)
    axes = xp.zeros_like(variance)
    axes[xp.arange(len(lengths)), xp.argmax(variance, axis=1)] = 1
    for _ in range(_POWER_STEPS):
        along = (centered * axes[segment]).sum(axis=1)
        step = run_means(backend, centered * along[:, None], lengths)
        norm = xp.sqrt((step * step).sum(axis=1))[:, None]
        # A segment of identical rows has no spread: it keeps its axis (any split is as good).
        axes = xp.where(norm > 0, step / xp.where(norm > 0, norm, 1), axes)
    return axes


def run_means(backend, values, lengths):
    """The mean of ``values`` (2-D) over each run of consecutive rows (host ``lengths``), in its dtype."""
    sums = backend.run_sums(values, lengths)
    return (sums / backend.asarray(lengths.astype(np.float64))[:, None]).astype(values.dtype, copy=False)
