"""The generation engine: where synthetic rows are made, array-generic (NumPy) or with kernels (CuPy).

The array-generic code is the specification: plan rows and draws, interpolation here, and the
samplers' own plans (``_generation``, ``_geometry``, ``GeometricSMOTE``). A GPU engine
(``_engine_cupy``) does the same work in kernels, with exactly the same draws. Where the
generic code is a sampler's own plan, the sampler describes the work as a *job* (a frozen
dataclass below) and asks ``engine.has_kernel_for(job, out)`` first: the one capability
check, after which the engine's method of that job's name does it all.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import draw_bits, stream_bases


@dataclass(frozen=True, eq=False)
class SmoteIntra:
    """SMOTE's rows inside groups: ``_generation.smote_intra``'s plan (host arrays per group:
    stream keys, rows to make, kNN table starts, lengths, offsets in ``rows``, neighbours per row)."""

    X: Any
    rows: Any
    table: Any
    keys: Any
    n_new: Any
    table_starts: Any
    lengths: Any
    offsets: Any
    k_group: Any
    seed: int


@dataclass(frozen=True, eq=False)
class SmoteInter:
    """SMOTE's rows between pairs of groups: ``_generation.smote_inter``'s plan (host arrays per pair)."""

    X: Any
    rows: Any
    keys: Any
    n_new: Any
    first_offsets: Any
    first_lengths: Any
    second_offsets: Any
    second_lengths: Any
    seed: int


@dataclass(frozen=True, eq=False)
class GeometricPoints:
    """Geometric SMOTE's points, surface choice included: ``_geometry.geometric_rows``."""

    X: Any
    centers: Any
    surfaces: Any
    majority: Any
    strategy: str
    uniforms: Any
    truncation_factor: float
    deformation_factor: float


@dataclass(frozen=True, eq=False)
class GeometricIntraEnds:
    """Each row of ``plan`` (a ``_generation.Plan``): its ``(center, surface, majority)`` rows for
    Geometric SMOTE inside groups, as ``_geometric_smote._intra_ends`` draws them (``majority``
    None without ``negative``)."""

    plan: Any
    rows: Any
    table: Any
    table_starts: Any
    lengths: Any
    offsets: Any
    k_group: Any
    member_starts: Any
    negative: Any


@dataclass(frozen=True, eq=False)
class GeometricInterEnds:
    """Each row of ``plan``: its ``(center, surface)`` rows between two groups, as
    ``_geometric_smote._inter_ends`` draws them."""

    plan: Any
    rows: Any
    first_offsets: Any
    first_lengths: Any
    second_offsets: Any
    second_lengths: Any


@dataclass(frozen=True, eq=False)
class NearestRows:
    """``_geometry.nearest_in_union`` measured directly for the items marked ``direct`` (host bool
    per item; ``r_offsets`` / ``r_lengths``: host, one row per piece): ``(nearest, sq_distance)``
    with -1 / inf for the other items, which the caller fills."""

    X: Any
    query_rows: Any
    q_offsets: Any
    q_lengths: Any
    ref_rows: Any
    r_offsets: Any
    r_lengths: Any
    direct: Any


class GenerationEngine:
    """Array-generic generation on ``backend`` (any array namespace): the specification.

    It has no kernel for any job: :meth:`has_kernel_for` is False and the samplers run
    their own plans.
    """

    def __init__(self, backend):
        self.backend, self.xp = backend, backend.xp

    def has_kernel_for(self, job, out=None):
        """Whether this engine does ``job`` (writing ``out`` where the job writes rows) itself."""
        return False

    def plan_rows(self, ends, keys, seed, start, stop):
        """Rows ``start .. stop`` of a generation plan: ``(item, position, stream base)`` per row.

        ``ends`` (host int64): each item's cumulative row count; ``keys`` (host): each item's
        stream key. A row belongs to the first item whose end is past it.
        """
        xp = self.xp
        rows = xp.arange(start, stop, dtype=xp.int64)
        item = xp.searchsorted(xp.asarray(ends), rows, side="right")
        position = rows - xp.asarray(ends - np.diff(ends, prepend=0))[item]
        return item, position, stream_bases(xp, seed, keys)[item]

    def plan_draws(self, bases, position, draws_per_row, first, count):
        """Draws ``draws_per_row * position + first .. + count - 1`` of each row's stream:
        ``(rows, count)`` uint64."""
        xp = self.xp
        draws = xp.arange(first, first + count, dtype=xp.int64)[None, :]
        return draw_bits(xp, bases[:, None], draws_per_row * position[:, None] + draws)

    def interpolate(self, X, base_rows, neighbor_rows, gaps, out):
        """``out[i] = X[base_rows[i]] + gaps[i] * (X[neighbor_rows[i]] - X[base_rows[i]])``.

        The difference overflows only between values of opposite signs beyond half
        the float range; those values are formed in two half steps instead, each
        within the segment, so every point is finite.
        """
        xp, backend = self.xp, self.backend
        step = max(1, backend.tile_elements(X.itemsize) // max(1, 3 * X.shape[1]))
        for start in range(0, base_rows.shape[0], step):
            stop = start + step
            base = backend.take(X, base_rows[start:stop])
            with np.errstate(over="ignore", invalid="ignore"):  # found below and taken again
                diff = backend.take(X, neighbor_rows[start:stop]) - base
                diff *= gaps[start:stop, None]
                diff += base
            if not backend.all_finite(diff):
                neighbor, gap = X[neighbor_rows[start:stop]], gaps[start:stop, None]
                half = gap * (neighbor * 0.5 - base * 0.5)
                diff = xp.where(xp.isfinite(diff), diff, base + half + half)
            out[start:stop] = diff
        return out


def generation_engine(backend):
    """The generation engine of ``backend``: kernels on CuPy, the array-generic code elsewhere."""
    if backend.name == "cupy":
        from ._engine_cupy import CuPyGenerationEngine  # CuPy's engine only where CuPy runs

        return CuPyGenerationEngine(backend)
    return GenerationEngine(backend)
