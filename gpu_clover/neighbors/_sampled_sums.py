"""Each large group's distance sum from a bounded sample of its pairs of rows.

The density stage needs ``S = sum over ordered pairs (i != j) of |x_i - x_j|``, a
quadratic sum. Above the exact limit it is estimated as ``n (n - 1)`` times the mean
distance of ``n_pairs`` ordered pairs drawn uniformly with replacement from the group's
own random stream: an incomplete U-statistic (Blom, 1976), unbiased, whose relative
standard error is the coefficient of variation of the pairwise distances over
``sqrt(n_pairs)``. The draws are a pure function of (seed, group), so the estimate does
not depend on tiles, partitions or the other groups.
"""

import numpy as np

from .._random import bits_to_index, draw_bits, stream_bases
from ._mismatch import row_mismatches


def sampled_distance_sums(backend, X, rows, offsets, lengths, keys, seed, n_pairs, codes=None, penalties=None):
    """Estimated sum of euclidean distances over ordered pairs of rows, per group (host float64).

    Group g is ``rows[offsets[g] : offsets[g] + lengths[g]]`` (host int64, every length at
    least 2); ``keys`` (host int64) names each group's stream. ``codes`` / ``penalties`` (host,
    per group): each mismatching categorical column adds its group's penalty to a pair's
    squared distance.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    per_chunk = max(1, backend.tile_elements(8) // (2 * n_pairs * max(1, X.shape[1])))
    means = []
    for c0 in range(0, len(lengths), per_chunk):
        chunk = slice(c0, c0 + per_chunk)
        first, second = sampled_pairs(backend, np.asarray(keys)[chunk], seed, lengths[chunk], n_pairs)
        start = backend.asarray(offsets[chunk])[:, None]
        one, two = rows[start + first], rows[start + second]
        mixed = None
        if codes is not None:
            mixed = (codes[one], codes[two], np.asarray(penalties, dtype=np.float64)[chunk])
        means.append(mean_pair_distances(backend, X[one], X[two], mixed))
    n = lengths.astype(np.float64)
    return n * (n - 1) * np.concatenate(means) if means else np.zeros(0)


def sampled_pairs(backend, keys, seed, lengths, n_pairs):
    """The sampled pairs of every group: ``(first, second)``, ``(groups, n_pairs)`` positions in
    the group (backend int64), two different rows each, drawn from the group's stream ``keys``."""
    xp = backend.xp
    bases = stream_bases(xp, seed, xp.asarray(keys))
    bits = draw_bits(xp, bases[:, None], xp.arange(2 * n_pairs, dtype=xp.int64)[None, :])
    n = backend.asarray(np.asarray(lengths, dtype=np.int64))[:, None]
    first = bits_to_index(xp, bits[:, 0::2], n)
    second = bits_to_index(xp, bits[:, 1::2], n - 1)
    second += second >= first  # uniform over the other rows
    return first, second


def mean_pair_distances(backend, one, two, mixed=None):
    """The mean distance of the pairs ``(one[g, i], two[g, i])`` of every group ``g`` (host float64);
    ``mixed``: both sides' codes and each group's penalty."""
    xp = backend.xp
    distances = _norms(xp, one.astype(xp.float64) - two.astype(xp.float64))
    if mixed is not None:
        codes_one, codes_two, penalties = mixed
        mismatches = row_mismatches(xp, codes_one, codes_two).astype(xp.float64)
        distances = xp.hypot(distances, xp.sqrt(mismatches * backend.asarray(penalties)[:, None]))
    return backend.to_host(distances.mean(axis=1))


def _norms(xp, diff):
    """Euclidean norms along the last axis without overflow or underflow (scaled by the largest entry)."""
    scale = xp.abs(diff).max(axis=-1, keepdims=True)
    safe = xp.where(scale > 0, scale, 1)
    return xp.sqrt(((diff / safe) ** 2).sum(axis=-1)) * safe[..., 0]
