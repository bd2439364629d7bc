"""The neighbour stage: per-group kNN tables and distance sums, computed once per fit.

The density (distribution stage) needs each filtered group's distance sum; SMOTE
(generation stage) needs the k nearest neighbours inside the same groups.

- Groups of up to ``EXACT_MAX_ROWS`` rows: both come from one exact pass over the
  group's distance tiles (``_engine.NeighborEngine.segmented_neighbors``), whichever is asked first.
- Larger groups, ``search="auto"``: the neighbours from every pair up to
  ``CELL_SEARCH_MIN_ROWS`` rows (:func:`~._ranking.exhaustive_knn`), above from a cell
  search whose budget per row follows a measured recall, within a ceiling
  (:func:`~._cell_search.cell_knn`); the distance sum from ``DENSITY_PAIRS`` sampled pairs
  (:func:`~._sampled_sums.sampled_distance_sums`).
- Larger groups, ``search="exact"``: the kNN from every row against the whole group
  (:func:`~._ranking.exhaustive_knn`), the distance sum from the exact pass, each only
  when asked for.
- ``estimator``: a NearestNeighbors-like object fitted on each group instead (the kNN only).
"""

import numpy as np

from .._timing import NullTimer
from ._cell_search import CellSearch, cell_knn
from ._cells import run_indices
from ._engine import neighbor_engine
from ._estimator import estimator_knn
from ._mismatch import compact_codes
from ._ranking import exhaustive_knn
from ._sampled_sums import sampled_distance_sums

SEARCH_MODES = ("auto", "exact")
# Groups up to this many rows are always searched and summed exactly.
EXACT_MAX_ROWS = 4096
# Above the exact limit and up to this many rows, "auto" still searches every pair (in the
# faster one-pass selection, without distance sums): below it the cell search's fixed cost
# (cells, probes, the recall's measurement) exceeds what it saves.
CELL_SEARCH_MIN_ROWS = 16384
# Pairs sampled per group for a distance sum above the exact limit.
DENSITY_PAIRS = 1 << 16


def uses_cell_search(lengths, k, search, estimator):
    """Which groups of these lengths the cell search serves, for ``k`` neighbours, the search mode
    and the estimator of a :class:`GroupNeighbors` (a mask)."""
    # The cell search starts above the exact pass's limit too (CELL_SEARCH_MIN_ROWS > EXACT_MAX_ROWS).
    return (lengths > max(CELL_SEARCH_MIN_ROWS, k)) & (search == "auto") & (estimator is None)


def sum_keys(groups, group_ids):
    """Stream keys of the sampled sums, disjoint from the generation's group and pair keys."""
    n_keys = len(groups.cluster_labels) * len(groups.classes)
    return n_keys * (n_keys + 1) + groups.keys[group_ids]


class GroupNeighbors:
    """Per-group kNN tables and distance sums of one fit, each computed on first request.

    Parameters
    ----------
    backend, X, groups
        The fit's backend, work array and :class:`~gpu_clover._groups.Groups`.
    k_neighbors : int
        Neighbours per row; the table is ``min(k_neighbors, largest group - 1)`` wide.
    timer : StageTimer, optional
        Times the work under the ``"neighbors"`` stage.
    search : {"auto", "exact"}
        How groups above ``EXACT_MAX_ROWS`` rows are searched and summed.
    seed : int
        Seeds the sampled distance sums.
    estimator : NearestNeighbors-like, optional
        Fitted on each group for the kNN tables (``kneighbors``, ``n_neighbors``).
    codes : backend signed integer array of shape (n_samples, n_categorical), optional
        The rows' categorical codes: SMOTE-NC's distance, each mismatching column adding
        its group's ``penalties`` entry to the squared distance.
    penalties : host float64 array, one per group
        With ``codes``: ``med^2`` of each group's class.
    n_categories : host int64 array, one per categorical column
        With ``codes``: how many categories each column has (the codes are compared in the
        narrowest integers that hold them). Every categorical column is counted as mismatches,
        none joins the GEMM as a one-hot block: a count per column costs less than the block's
        columns in every tile, and the cells stay in the numeric columns' geometry.
    """

    def __init__(
        self,
        backend,
        X,
        groups,
        k_neighbors=0,
        timer=None,
        *,
        search="auto",
        seed=0,
        estimator=None,
        codes=None,
        penalties=None,
        n_categories=None,
    ):
        if codes is not None and estimator is not None:
            raise TypeError(
                "k_neighbors as a NearestNeighbors estimator cannot see categorical columns; "
                "pass an int (the number of neighbours) with categorical_features."
            )
        self.backend, self.X, self.groups = backend, X, groups
        self.search, self.seed, self.estimator = search, seed, estimator
        self.codes = codes
        self.penalties = None if codes is None else np.asarray(penalties, dtype=np.float64)
        if codes is not None:
            if n_categories is None:
                n_categories = backend.to_host(codes.max(axis=0)).astype(np.int64) + 1
            self.n_categories = np.asarray(n_categories, dtype=np.int64)
        largest = int(groups.lengths.max()) if groups.n_groups else 1
        self.k = int(min(int(k_neighbors), largest - 1))
        self.timer = timer or NullTimer()
        self._sums = np.full(groups.n_groups, np.nan)
        self._starts = np.full(groups.n_groups, -1, dtype=np.int64)
        self._table = None

    def distance_sums(self, group_ids):
        """Sum of euclidean distances over ordered pairs of rows, per group (host float64)."""
        group_ids = np.asarray(group_ids, dtype=np.int64)
        missing = np.unique(group_ids[np.isnan(self._sums[group_ids])])
        if missing.size:
            with self.timer.stage("neighbors"):
                large = self._large(missing)
                self._exact_pass(missing[~large], with_sums=True)
                large = missing[large]
                if large.size and self.search == "exact":
                    X, rows, offsets, lengths, mixed = self._inputs(large)
                    _, sums = self._engine(mixed).segmented_neighbors(X, rows, offsets, lengths, 0, **mixed)
                    self._sums[large] = self.backend.to_host(sums)
                elif large.size:
                    X, rows, offsets, lengths, mixed = self._inputs(large)
                    self._sums[large] = sampled_distance_sums(
                        self.backend,
                        X,
                        rows,
                        offsets,
                        lengths,
                        self._sum_keys(large),
                        self.seed,
                        DENSITY_PAIRS,
                        **mixed,
                    )
        return self._sums[group_ids]

    def knn(self, group_ids):
        """``(table, starts)``: rows ``starts[i] ..`` of ``table`` hold group ``group_ids[i]``'s neighbours
        (local indices, ``self.k`` wide or one column when k is 0)."""
        group_ids = np.asarray(group_ids, dtype=np.int64)
        missing = np.unique(group_ids[self._starts[group_ids] < 0])
        if missing.size:
            with self.timer.stage("neighbors"):
                if self.estimator is not None:
                    self._append(missing, self._estimator_table(missing))
                else:
                    large = self._large(missing) & (self.groups.lengths[missing] > self.k)
                    self._exact_pass(missing[~large], with_sums=False)
                    cells = self.uses_cell_search(missing)
                    if (large & ~cells).any():
                        self._append(missing[large & ~cells], self._exhaustive_table(missing[large & ~cells]))
                    if cells.any():
                        self._append(missing[cells], self._cell_table(missing[cells]))
        return self._table, self._starts[group_ids]

    def uses_cell_search(self, group_ids):
        """Which groups' kNN tables come from the cell search (a mask)."""
        lengths = self.groups.lengths[np.asarray(group_ids, dtype=np.int64)]
        return uses_cell_search(lengths, self.k, self.search, self.estimator)

    def cell_search(self, g):
        """Group ``g``'s :class:`~._cell_search.CellSearch`, prepared (its cells and probe lists):
        its ranges of cells can be searched elsewhere and given back with :meth:`with_knn`."""
        X, rows, offsets, lengths, mixed = self._inputs(np.array([g]))
        members = rows[int(offsets[0]) : int(offsets[0]) + int(lengths[0])]
        codes = mixed.get("codes")
        mixed = None if codes is None else (codes[members], float(mixed["penalties"][0]))
        return CellSearch(self.backend, X[members], self.k, mixed=mixed)

    def with_knn(self, group_ids, tables):
        """A copy of this stage that holds ``tables[i]`` as the kNN table of ``group_ids[i]`` (local
        indices, ``(length, k)``, as :meth:`knn` would make it); the copy shares X and the groups."""
        copy = object.__new__(type(self))
        vars(copy).update(vars(self))
        copy._sums, copy._starts = self._sums.copy(), self._starts.copy()
        for g, table in zip(np.asarray(group_ids, dtype=np.int64).tolist(), tables):
            if copy._starts[g] < 0:
                copy._append(np.array([g]), table)
        return copy

    # ------------------------------------------------------------ engines
    def _engine(self, mixed):
        return neighbor_engine(self.backend, mixed=bool(mixed))

    def _inputs(self, group_ids):
        """``(X, rows, offsets, lengths, mixed)`` of an engine call for ``group_ids``.

        Numeric rows: the fit's X and groups. With categorical columns: the groups' rows and
        codes gathered in group order, and ``mixed`` the codes (narrowest integers) and the
        groups' penalties.
        """
        groups, backend = self.groups, self.backend
        offsets, lengths = groups.offsets[group_ids], groups.lengths[group_ids]
        if self.codes is None:
            return self.X, groups.order, offsets, lengths, {}
        xp = backend.xp
        members = groups.order[run_indices(backend, offsets, lengths)]
        codes = compact_codes(xp, backend.take(self.codes, members), self.n_categories)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        rows = xp.arange(members.shape[0], dtype=xp.int64)
        X = backend.take(self.X, members)
        return X, rows, starts, lengths, {"codes": codes, "penalties": self.penalties[group_ids]}

    def _large(self, group_ids):
        """Which groups are above the exact pass's limit (the cell search or every pair)."""
        return self.groups.lengths[group_ids] > EXACT_MAX_ROWS

    def _exact_pass(self, group_ids, with_sums):
        """The exact pass of groups up to the limit: kNN table and distance sums together."""
        if group_ids.size == 0:
            return
        groups = self.groups
        k = 0 if self.estimator is not None else self.k
        X, rows, offsets, lengths, mixed = self._inputs(group_ids)
        table, sums = self._engine(mixed).segmented_neighbors(
            X, rows, offsets, lengths, k, with_sums=with_sums, **mixed
        )
        sums = self.backend.to_host(sums)
        known = ~np.isnan(sums)
        self._sums[group_ids[known]] = sums[known]
        fresh = self._starts[group_ids] < 0
        if self.estimator is None and fresh.any():
            if not fresh.all():
                lengths = groups.lengths[group_ids]
                starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
                table = self._rows_of(table, starts[fresh], lengths[fresh])
            self._append(group_ids[fresh], table)

    def _exhaustive_table(self, group_ids):
        X, rows, offsets, lengths, mixed = self._inputs(group_ids)
        return exhaustive_knn(self.backend, X, rows, offsets, lengths, self.k, **mixed)

    def _cell_table(self, group_ids):
        X, rows, offsets, lengths, mixed = self._inputs(group_ids)
        return cell_knn(self.backend, X, rows, offsets, lengths, self.k, **mixed)

    def _estimator_table(self, group_ids):
        groups = self.groups
        return estimator_knn(
            self.backend,
            self.X,
            groups.order,
            groups.offsets[group_ids],
            groups.lengths[group_ids],
            self.k,
            self.estimator,
        )

    def _sum_keys(self, group_ids):
        return sum_keys(self.groups, group_ids)

    def _append(self, group_ids, table):
        """Record ``table`` (the groups' rows, in order) as the neighbours of ``group_ids``."""
        lengths = self.groups.lengths[group_ids]
        done = 0 if self._table is None else self._table.shape[0]
        self._starts[group_ids] = done + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self._table = table if self._table is None else self._joined(self._table, table)

    def _rows_of(self, table, starts, lengths):
        """The rows ``starts[i] .. starts[i] + lengths[i]`` of ``table``, concatenated."""
        return self.backend.take(table, run_indices(self.backend, np.asarray(starts), np.asarray(lengths)))

    def _joined(self, first, second):
        """The rows of ``first`` then ``second`` (device copies, no kernel)."""
        joined = self.backend.xp.empty((first.shape[0] + second.shape[0],) + first.shape[1:], dtype=first.dtype)
        self.backend.copy_into(joined[: first.shape[0]], first)
        self.backend.copy_into(joined[first.shape[0] :], second)
        return joined
