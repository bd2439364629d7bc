"""The generation engine on the GPU: plans, interpolation and whole generation jobs as kernels
(``kernels/generate.cu``, ``kernels/plan.cu``), with exactly the draws of the generic code.

Arrays come from the backend's namespace (CuPy; NumPy in the host emulation of the tests).
"""

import numpy as np

from .. import _cuda
from .._cuda import CTYPES, int64_arrays, unused_rows
from ._engine import (
    GenerationEngine,
    GeometricInterEnds,
    GeometricIntraEnds,
    GeometricPoints,
    NearestRows,
    SmoteInter,
    SmoteIntra,
)

# Geometric SMOTE's selection strategies as the geometric_rows kernel numbers them.
_SURFACE_STRATEGIES = {"minority": 0, "majority": 1, "combined": 2}


def _writes_rows_of(X, out, n_rows):
    """Whether ``out`` is a C-contiguous block of ``n_rows`` rows of X's float type."""
    return X.dtype in CTYPES and out.dtype == X.dtype and out.flags.c_contiguous and out.shape[0] == n_rows


class CuPyGenerationEngine(GenerationEngine):
    """Generation in kernels: one warp per synthetic row (its plan and its interpolation)."""

    def has_kernel_for(self, job, out=None):
        checks = {
            SmoteIntra: self._fits_smote_intra,
            SmoteInter: self._fits_smote_inter,
            GeometricPoints: self._fits_geometric_points,
            GeometricIntraEnds: self._fits_intra_ends,
            GeometricInterEnds: self._fits_inter_ends,
            NearestRows: self._fits_nearest_rows,
        }
        return checks[type(job)](job, out)

    # ------------------------------------------------------------- capability
    @staticmethod
    def _fits_smote_intra(job, out):
        total = int(np.sum(job.n_new))
        fits = _writes_rows_of(job.X, out, total) and job.table.dtype == np.int32
        return fits and job.rows.dtype == np.int64 and total > 0

    @staticmethod
    def _fits_smote_inter(job, out):
        total = int(np.sum(job.n_new))
        return _writes_rows_of(job.X, out, total) and job.rows.dtype == np.int64 and total > 0

    @staticmethod
    def _fits_geometric_points(job, out):
        return _writes_rows_of(job.X, out, out.shape[0]) and job.X.ndim == 2

    @staticmethod
    def _fits_intra_ends(job, out):
        negative = job.negative
        fits = job.table.dtype == np.int32 and job.rows.dtype == np.int64
        return fits and (negative is None or negative.dtype == np.int64)

    @staticmethod
    def _fits_inter_ends(job, out):
        return job.rows.dtype == np.int64

    @staticmethod
    def _fits_nearest_rows(job, out):
        X = job.X
        fits = X.dtype in CTYPES and X.ndim == 2
        return fits and job.query_rows.dtype == np.int64 and job.ref_rows.dtype == np.int64

    # ------------------------------------------------------------------ plans
    def plan_rows(self, ends, keys, seed, start, stop):
        xp = self.xp
        n = stop - start
        item, position = xp.empty(n, dtype=xp.int64), xp.empty(n, dtype=xp.int64)
        bases = xp.empty(n, dtype=xp.uint64)
        if n:
            _cuda.kernel("splitmix", None, "plan_rows")(
                _cuda.grid_stride(n),
                ends=int64_arrays(xp, ends),
                n_items=len(ends),
                keys=int64_arrays(xp, keys),
                seed=seed,
                start=start,
                n=n,
                item=item,
                position=position,
                bases=bases,
            )
        return item, position, bases

    def plan_draws(self, bases, position, draws_per_row, first, count):
        xp = self.xp
        n = bases.shape[0]
        out = xp.empty((n, count), dtype=xp.uint64)
        if out.size:
            _cuda.kernel("splitmix", None, "plan_draws")(
                _cuda.grid_stride(out.size),
                bases=xp.ascontiguousarray(bases),
                position=xp.ascontiguousarray(position, dtype=xp.int64),
                draws_per_row=draws_per_row,
                first=first,
                count=count,
                n=n,
                out=out,
            )
        return out

    def interpolate(self, X, base_rows, neighbor_rows, gaps, out):
        if X.dtype not in CTYPES or out.dtype != X.dtype or not out.flags.c_contiguous:
            return super().interpolate(X, base_rows, neighbor_rows, gaps, out)
        xp = self.xp
        if out.shape[0]:
            _cuda.kernel("generate", CTYPES[X.dtype], "interpolate_rows")(
                _cuda.grid_stride(out.size),
                X=xp.ascontiguousarray(X),
                base=xp.ascontiguousarray(base_rows, dtype=xp.int64),
                neighbor=xp.ascontiguousarray(neighbor_rows, dtype=xp.int64),
                gap=xp.ascontiguousarray(gaps, dtype=X.dtype),
                n_rows=out.shape[0],
                d=X.shape[1],
                out=out,
            )
        return out

    # ------------------------------------------------------------------- jobs
    def smote_intra(self, job, out):
        """Write the rows of a :class:`SmoteIntra` job into ``out``: its plan and interpolation in one launch."""
        xp = self.xp
        n_new = np.asarray(job.n_new, dtype=np.int64)
        ends = np.cumsum(n_new)
        per_group = int64_arrays(
            xp, ends, ends - n_new, job.keys, job.table_starts, job.lengths, job.offsets, job.k_group
        )
        names = ("ends", "begins", "keys", "table_starts", "lengths", "offsets", "k_group")
        X, table = xp.ascontiguousarray(job.X), xp.ascontiguousarray(job.table)
        _cuda.kernel("generate", CTYPES[X.dtype], "smote_intra_rows")(
            _cuda.warp_per_item(out.shape[0]),
            X=X,
            d=X.shape[1],
            rows=job.rows,
            table=table,
            width=table.shape[1],
            **dict(zip(names, per_group)),
            n_items=len(n_new),
            seed=job.seed,
            start=0,
            n_out=out.shape[0],
            out=out,
        )
        return out

    def smote_inter(self, job, out):
        """Write the rows of a :class:`SmoteInter` job into ``out`` in one launch."""
        xp = self.xp
        n_new = np.asarray(job.n_new, dtype=np.int64)
        ends = np.cumsum(n_new)
        per_pair = int64_arrays(
            xp,
            ends,
            ends - n_new,
            job.keys,
            job.first_offsets,
            job.first_lengths,
            job.second_offsets,
            job.second_lengths,
        )
        names = ("ends", "begins", "keys", "first_offsets", "first_lengths", "second_offsets", "second_lengths")
        _cuda.kernel("generate", CTYPES[job.X.dtype], "smote_inter_rows")(
            _cuda.warp_per_item(out.shape[0]),
            X=xp.ascontiguousarray(job.X),
            d=job.X.shape[1],
            rows=job.rows,
            **dict(zip(names, per_pair)),
            n_items=len(n_new),
            seed=job.seed,
            n_out=out.shape[0],
            out=out,
        )
        return out

    def geometric_points(self, job, out):
        """Write the points of a :class:`GeometricPoints` job into ``out`` (one warp per point)."""
        xp = self.xp
        n, X = out.shape[0], job.X
        if not n:
            return out
        uniforms = xp.ascontiguousarray(job.uniforms, dtype=xp.float64)
        choice = _SURFACE_STRATEGIES[job.strategy] if job.majority is not None else 0
        majority = xp.ascontiguousarray(job.majority, dtype=xp.int64) if choice else unused_rows(xp)
        _cuda.kernel("generate", CTYPES[X.dtype], "geometric_rows")(
            _cuda.warp_per_item(n),
            X=xp.ascontiguousarray(X),
            d=X.shape[1],
            centers=xp.ascontiguousarray(job.centers, dtype=xp.int64),
            surfaces=xp.ascontiguousarray(job.surfaces, dtype=xp.int64),
            majority=majority,
            strategy=choice,
            uniforms=uniforms,
            n_draws=uniforms.shape[1],
            n_out=n,
            truncation=job.truncation_factor,
            deformation=job.deformation_factor,
            out=out,
        )
        return out

    def geometric_intra_ends(self, job):
        """``(center, surface, majority)`` rows of a :class:`GeometricIntraEnds` job."""
        xp, plan, negative = self.xp, job.plan, job.negative
        n = plan.item.shape[0]
        center, surface = xp.empty(n, dtype=xp.int64), xp.empty(n, dtype=xp.int64)
        majority = xp.empty(n, dtype=xp.int64) if negative is not None else None
        if n:
            per_group = int64_arrays(xp, job.table_starts, job.lengths, job.offsets, job.k_group, job.member_starts)
            names = ("table_starts", "lengths", "offsets", "k_group", "member_starts")
            table = xp.ascontiguousarray(job.table)
            _cuda.kernel("splitmix", None, "geometric_intra_ends")(
                _cuda.grid_stride(n),
                item=plan.item,
                position=plan.position,
                bases=plan.bases,
                draws_per_row=plan.draws_per_row,
                n=n,
                rows=job.rows,
                table=table,
                width=table.shape[1],
                **dict(zip(names, per_group)),
                negative=negative if negative is not None else unused_rows(xp),
                with_negative=negative is not None,
                center=center,
                surface=surface,
                majority=majority if majority is not None else unused_rows(xp),
            )
        return center, surface, majority

    def geometric_inter_ends(self, job):
        """``(center, surface)`` rows of a :class:`GeometricInterEnds` job."""
        xp, plan = self.xp, job.plan
        n = plan.item.shape[0]
        center, surface = xp.empty(n, dtype=xp.int64), xp.empty(n, dtype=xp.int64)
        if n:
            per_pair = int64_arrays(xp, job.first_offsets, job.first_lengths, job.second_offsets, job.second_lengths)
            names = ("first_offsets", "first_lengths", "second_offsets", "second_lengths")
            _cuda.kernel("splitmix", None, "geometric_inter_ends")(
                _cuda.grid_stride(n),
                item=plan.item,
                position=plan.position,
                bases=plan.bases,
                draws_per_row=plan.draws_per_row,
                n=n,
                rows=job.rows,
                **dict(zip(names, per_pair)),
                center=center,
                surface=surface,
            )
        return center, surface

    def nearest_rows(self, job):
        """``(nearest, sq_distance)`` of a :class:`NearestRows` job: the direct items measured
        without GEMM (one warp per query row), -1 / inf for the others."""
        xp, X = self.xp, job.X
        q_lengths = np.asarray(job.q_lengths, dtype=np.int64)
        total = int(q_lengths.sum())
        nearest, sq_distance = xp.empty(total, dtype=xp.int64), xp.empty(total, dtype=X.dtype)
        if total:
            q_ends, q_offsets, direct = int64_arrays(xp, np.cumsum(q_lengths), job.q_offsets, job.direct)
            r_offsets, r_lengths = int64_arrays(xp, job.r_offsets, job.r_lengths)
            _cuda.kernel("generate", CTYPES[X.dtype], "nearest_in_pieces")(
                _cuda.warp_per_item(total),
                X=xp.ascontiguousarray(X),
                d=X.shape[1],
                query_rows=xp.ascontiguousarray(job.query_rows),
                q_ends=q_ends,
                q_offsets=q_offsets,
                direct=direct,
                n_items=len(q_lengths),
                ref_rows=xp.ascontiguousarray(job.ref_rows),
                r_offsets=r_offsets,
                r_lengths=r_lengths,
                n_pieces=len(job.r_offsets),
                n_out=total,
                nearest=nearest,
                sq_distance=sq_distance,
            )
        return nearest, sq_distance
