"""Balanced cells inside groups: recursive splits along each cell's principal axis.

A run of rows (a group) is split in two along its rows' projections on their principal
axis, near the median, and so on until no cell holds more than ``cell_rows`` rows. Each
split puts a whole number of cells' rows on its first side, so that every cell of a run
holds ``cell_rows`` rows but one; the cells are contiguous in the returned permutation, and
spatially compact: the cell search (:mod:`._cell_search`) compares each cell with a number
of nearby cells only.

Every level splits all the cells at once (sums over runs and one sort), so the cost is
``O(n d log(n / cell_rows))`` for ``n`` rows, on either backend. No random numbers are
used: the cells depend on the data only.

A run's splits depend on its own rows only, so on a backend that runs work items at once
(NumPy: a thread pool, where a level's element-wise passes run on one core), once a level
holds ``FORK_RUNS`` runs of ``FORK_MIN_ROWS`` rows in all, each run is finished apart, as one
item of ``backend.map_ordered``. The fork is decided by the backend and the sizes, never by
the number of cores, so a backend builds the same cells on any machine; a GPU, which runs
items one after another, keeps each level's passes over every run together.
"""

import numpy as np

# Runs at which the levels left are worked out run by run, and the fewest rows for it (below,
# a run's few passes cost less than handing it to a worker).
FORK_RUNS = 8
FORK_MIN_ROWS = 1 << 16

# Power-iteration steps towards each cell's principal axis, started from the axis of
# largest variance: an exact eigenvector is not needed, only a direction of large spread.
_POWER_STEPS = 1


def balanced_cells(backend, points, lengths, cell_rows, *, fork=True):
    """Split runs of consecutive rows of ``points`` into cells of at most ``cell_rows`` rows.

    Parameters
    ----------
    backend : Backend
    points : backend array (n, d)
        The rows; run ``r`` is the ``lengths[r]`` rows after the runs before it.
    lengths : host int64 array
    cell_rows : int
        The largest cell.
    fork : bool
        Whether the levels may go on run by run (see the module doc: the backend, ``FORK_RUNS``
        and ``FORK_MIN_ROWS`` decide; a forked run's own call does not fork again).

    Returns
    -------
    order : backend int64 array
        A permutation of the rows that keeps each run in its place and makes every cell
        contiguous: cell ``c`` is ``points[order[cell_offsets[c] : cell_offsets[c] + cell_lengths[c]]]``.
    cell_offsets, cell_lengths, cell_run : host int64 arrays
        Each cell's slice of ``order`` and the run it belongs to, in order.
    """
    xp = backend.xp
    order = xp.arange(points.shape[0], dtype=xp.int64)
    points = points.copy()  # permuted along with ``order``; the caller's rows stay as they are
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    owner = np.arange(len(lengths), dtype=np.int64)
    while True:
        split = lengths > cell_rows
        if not split.any():
            break
        if fork and backend.runs_items_at_once and len(lengths) >= FORK_RUNS and points.shape[0] >= FORK_MIN_ROWS:
            return _runs_apart(backend, order, points, offsets, lengths, owner, cell_rows)
        if split.all():  # the usual case: every cell of a level is split
            permutation = _principal_order(backend, points, lengths)
            order, points = order[permutation], points[permutation]
        else:
            index = run_indices(backend, offsets[split], lengths[split])
            permutation = index[_principal_order(backend, points[index], lengths[split])]
            order[index], points[index] = order[permutation], points[permutation]
        offsets, lengths, owner = _halves(offsets, lengths, owner, split, cell_rows)
    return order, offsets, lengths, owner


def _runs_apart(backend, order, points, offsets, lengths, owner, cell_rows):
    """:func:`balanced_cells`' result, each run of ``points`` (already permuted along with
    ``order``) cut into its cells by a call of its own."""
    runs = list(zip(offsets.tolist(), lengths.tolist()))

    def cells_of(run):
        start, length = run
        rows = points[start : start + length]
        return balanced_cells(backend, rows, np.array([length], dtype=np.int64), cell_rows, fork=False)

    parts = list(backend.map_ordered(cells_of, runs))
    for (start, length), (local, _, _, _) in zip(runs, parts):
        order[start : start + length] = order[start : start + length][local]
    cell_offsets = np.concatenate([start + part[1] for (start, _), part in zip(runs, parts)])
    cell_lengths = np.concatenate([part[2] for part in parts])
    cell_run = np.repeat(owner, [len(part[2]) for part in parts])
    return order, cell_offsets, cell_lengths, cell_run


def run_indices(backend, offsets, lengths):
    """The indices ``offsets[r] .. offsets[r] + lengths[r] - 1`` of every run, concatenated (backend)."""
    xp = backend.xp
    run = backend.repeat_values(np.arange(len(lengths)), lengths)
    shift = offsets - np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return xp.arange(run.shape[0], dtype=xp.int64) + backend.take(backend.asarray(shift), run)


def _halves(offsets, lengths, owner, split, cell_rows):
    """Cells after splitting the marked ones in two (order kept): the first part holds half of
    the cells the run needs, whole, so that every cell but one per run ends up full."""
    first = (-(-lengths // cell_rows) // 2) * cell_rows
    new_offsets = np.stack([offsets, offsets + first], axis=1)
    new_lengths = np.stack([first, lengths - first], axis=1)
    keep = np.stack([split, split], axis=1)
    keep[:, 0] = True  # an unsplit cell stays whole in its first slot
    new_lengths[~split, 0] = lengths[~split]
    owners = np.stack([owner, owner], axis=1)
    return new_offsets[keep], new_lengths[keep], owners[keep]


def _principal_order(backend, points, lengths):
    """The permutation ordering each run of ``points`` by its rows' projection on the run's principal axis."""
    xp = backend.xp
    run = backend.repeat_values(np.arange(len(lengths)), lengths)
    centered = points - run_means(backend, points, lengths)[run]
    axes = _principal_axes(backend, centered, run, lengths)
    projection = (centered * axes[run]).sum(axis=1).astype(xp.float64)
    # One sort of ``run + a monotone map of the projection into (0, 1)``: each run keeps its
    # slice, ordered along its axis (the map is scaled by the run's own spread).
    spread = xp.sqrt(run_means(backend, projection[:, None] ** 2, lengths)[:, 0])
    spread = xp.where(spread > 0, spread, 1)
    return backend.stable_argsort(run + (0.5 + xp.arctan(projection / spread[run]) / np.pi))


def _principal_axes(backend, centered, segment, lengths):
    """A unit direction of large spread per segment: power iteration from the widest coordinate axis."""
    xp = backend.xp
    # The direction does not depend on the scale: rows far from unit scale are brought to it,
    # so that no square overflows or underflows.
    largest = backend.reduce_to_scalar(xp.abs(centered), "max")
    if largest > 0 and not 2.0**-30 < largest < 2.0**30:
        centered = xp.ldexp(centered, -int(np.ceil(np.log2(largest))))
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
