"""Counter-based random streams: one SplitMix64 sequence per group.

A stream is a 64-bit state ``base``; its ``i``-th draw is ``mix(base + i * GOLDEN)``.
Every draw is a pure function of (seed, stream key, counter), so draws are
vectorized over all groups at once, do not depend on how the work is batched or
partitioned, and are bit-identical on NumPy and CuPy (both wrap uint64 arithmetic).
On CuPy each step runs as one kernel (``_random_cupy``, ``over_sampling/kernels/plan.cu``):
the same arithmetic, compiled once instead of once per operator.
"""

import numpy as np
from sklearn.utils import check_random_state

# SplitMix64's constants: their one definition (the CUDA side gets them from here through
# the loader, gpu_clover._cuda).
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
_MASK64 = (1 << 64) - 1


def seed_from_random_state(random_state):
    """A 64-bit seed from ``None``, an int or a ``RandomState`` (sklearn's forms)."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state) & _MASK64
    rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int64).max, dtype=np.int64))


def _fused(xp):
    """The kernels for these steps on a GPU namespace, or None on NumPy."""
    if xp is np:
        return None
    from ._random_cupy import splitmix_steps

    return splitmix_steps(xp)


def mix64(xp, x):
    """SplitMix64's finalizer on a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> xp.uint64(30))
    x = x * xp.uint64(MIX1)
    x = x ^ (x >> xp.uint64(27))
    x = x * xp.uint64(MIX2)
    return x ^ (x >> xp.uint64(31))


def stream_bases(xp, seed, keys):
    """The state of one stream per key (keys: integer array, e.g. group ids)."""
    fused = _fused(xp)
    if fused is not None:
        return fused["bases"](xp.asarray(keys), xp.uint64(seed & _MASK64))
    keys = xp.asarray(keys).astype(xp.uint64)
    seeded = mix64(xp, keys * xp.uint64(GOLDEN) + xp.uint64(seed & _MASK64))
    return mix64(xp, seeded ^ xp.uint64(MIX2))


def draw_bits(xp, bases, counters):
    """The ``counters``-th 64-bit draw of the streams ``bases`` (broadcasting)."""
    fused = _fused(xp)
    if fused is not None:
        return fused["bits"](bases, xp.asarray(counters))
    counters = xp.asarray(counters).astype(xp.uint64)
    return mix64(xp, bases + (counters + xp.uint64(1)) * xp.uint64(GOLDEN))


def draw_bits_range(xp, base, first, size):
    """Draws ``first .. first + size - 1`` of the one stream ``base`` (a one-element array)."""
    fused = _fused(xp)
    if fused is not None:
        out = xp.empty(size, dtype=xp.uint64)
        fused["bits_range"](base, xp.uint64(first), out)
        return out
    return draw_bits(xp, base, xp.arange(first, first + size, dtype=xp.uint64))


def bits_to_uniform(xp, bits, dtype=np.float64):
    """Uniform floats in [0, 1) from 64-bit draws (53 bits of mantissa)."""
    fused = _fused(xp)
    if fused is not None:
        return fused["uniform"](bits, dtype)
    u = (bits >> xp.uint64(11)).astype(xp.float64) * (1.0 / (1 << 53))
    return u.astype(dtype, copy=False)


def bits_to_index(xp, bits, n):
    """Integers in [0, n) from 64-bit draws, exactly (Lemire's multiply-shift; n < 2**32)."""
    fused = _fused(xp)
    if fused is not None:
        return fused["index"](bits, xp.asarray(n))
    n = xp.asarray(n).astype(xp.uint64)
    return (((bits >> xp.uint64(32)) * n) >> xp.uint64(32)).astype(xp.int64)


class Stream:
    """One sequential random stream (for the few draws of k-means seeding)."""

    def __init__(self, xp, seed, key):
        self.xp = xp
        self._base = stream_bases(xp, seed, xp.asarray([key]))
        self._counter = 0

    def _bits(self, size):
        bits = draw_bits_range(self.xp, self._base, self._counter, size)
        self._counter += size
        return bits

    def uniform(self, size):
        """``size`` floats in [0, 1) (float64)."""
        return bits_to_uniform(self.xp, self._bits(size))

    def index(self, size, upper):
        """``size`` integers in [0, upper)."""
        return bits_to_index(self.xp, self._bits(size), upper)

    def permutation_head(self, n, size):
        """``size`` distinct indices drawn from range(n), in random order."""
        keys = self._bits(n)
        return self.xp.argsort(keys)[:size]
