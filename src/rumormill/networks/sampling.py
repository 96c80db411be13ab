"""Numba kernels that draw edges; pure functions of their arrays and an
explicit ``numpy.random.Generator`` (never numpy's global state).

Edge kernels *append* to ``(src, dst)`` buffers from position ``count`` and
return ``(src, dst, count)``: a builder can fill one pair of buffers from
several calls (one per block of a stochastic block model). A buffer that
fills up is replaced by one twice as large, so a capacity guess that is too
small costs time, never correctness.
"""

from __future__ import annotations

import math

import numba
import numpy as np


def edge_buffers(expected: float) -> tuple[np.ndarray, np.ndarray]:
    """Empty int32 ``(src, dst)`` buffers for a Poisson-like edge count with this mean.

    Sized at the mean plus 6 standard deviations, so they almost never grow.
    """
    cap = int(expected + 6.0 * math.sqrt(expected) + 16)
    return np.empty(cap, dtype=np.int32), np.empty(cap, dtype=np.int32)


@numba.njit(cache=True)
def _grown(a):
    """``a`` in a buffer twice as long (a plain loop: a slice assignment
    compiles numba's shape-error messages, seconds on a first run)."""
    b = np.empty(2 * a.size + 16, dtype=a.dtype)
    for k in range(a.size):
        b[k] = a[k]
    return b


@numba.njit(cache=True)
def _skip(rng, scale, cap):
    """Failures before the next success of Bernoulli(p) trials, ``scale = -1 / log(1 - p)``.

    ``floor(E * scale)`` for E ~ Exp(1) is geometric (inversion, with the
    exponential drawn by ziggurat); capped at ``cap`` so it converts to int.
    """
    return int(min(math.floor(rng.standard_exponential() * scale), cap))


@numba.njit(cache=True, nogil=True)
def gnp_edges(rng, n, p, offset, src, dst, count):
    """Append each pair ``w < v < n`` independently with probability ``p``.

    The geometric-skip method of Batagelj & Brandes (2005): it jumps from one
    present edge to the next, so the cost is O(n + m) for ``m`` edges drawn,
    not O(n^2). Edges come out ordered by ``v`` and then ``w``, the order in
    which ``from_edges`` builds rows that need no sorting. Node ids are
    shifted by ``offset``.

    References
    ----------
    V. Batagelj and U. Brandes, "Efficient generation of large random
    networks", Phys. Rev. E 71, 036113 (2005).
    """
    if p <= 0.0 or n < 2:
        return src, dst, count
    scale = -1.0 / math.log1p(-p)  # 0 when p == 1: every skip is 0
    cap = float(n) * float(n)
    v = 1
    w = -1
    while True:
        w += 1 + _skip(rng, scale, cap)
        while w >= v and v < n:
            w -= v
            v += 1
        if v >= n:
            return src, dst, count
        if count == src.size:
            src = _grown(src)
            dst = _grown(dst)
        src[count] = offset + v
        dst[count] = offset + w
        count += 1


@numba.njit(cache=True, nogil=True)
def bipartite_edges(rng, n_rows, n_cols, p, row_offset, col_offset, src, dst, count):
    """Append each pair ``(i, j)``, ``i < n_rows``, ``j < n_cols``, with probability ``p``.

    Geometric skipping over the ``n_rows * n_cols`` pairs in row-major order:
    O(1 + m) for m pairs drawn. Row ids are shifted by ``row_offset``, column ids by
    ``col_offset``.
    """
    if p <= 0.0 or n_rows < 1 or n_cols < 1:
        return src, dst, count
    scale = -1.0 / math.log1p(-p)
    total = n_rows * n_cols
    t = -1
    while True:
        t += 1 + _skip(rng, scale, float(total))
        if t >= total:
            return src, dst, count
        if count == src.size:
            src = _grown(src)
            dst = _grown(dst)
        src[count] = row_offset + t // n_cols
        dst[count] = col_offset + t % n_cols
        count += 1


#: stubs per bucket of ``shuffled_stubs``: a bucket is shuffled within the CPU cache
_STUBS_PER_BUCKET = 2**17


@numba.njit(cache=True, nogil=True)
def shuffled_stubs(rng, degrees):
    """Agent ``i`` repeated ``degrees[i]`` times (int32), in uniformly random order.

    A scatter shuffle: every stub goes to a bucket chosen uniformly at random,
    then each bucket, small enough to sit in cache, is shuffled by
    Fisher-Yates. Independent uniform buckets followed by uniform orders within
    them give a uniform permutation (Sanders 1998), at streaming speed instead
    of one cache miss per swap. Pairing the first half of the result with the
    second half is then a uniformly random matching of the stubs. O(S) for
    S stubs, 6 bytes each.

    References
    ----------
    P. Sanders, "Random permutations on distributed, external and hierarchical
    memory", Inf. Process. Lett. 67, 305 (1998).
    """
    total = degrees.sum()
    n_buckets = min(max(total // _STUBS_PER_BUCKET, 1), 4096)
    bucket = np.empty(total, dtype=np.uint16)
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for k in range(total):
        b = int(rng.random() * n_buckets)
        bucket[k] = b
        start[b + 1] += 1
    for b in range(n_buckets):
        start[b + 1] += start[b]
    stubs = np.empty(total, dtype=np.int32)
    k = 0
    for i in range(degrees.size):
        for _ in range(degrees[i]):
            b = bucket[k]
            stubs[start[b]] = i
            start[b] += 1
            k += 1
    lo = 0
    for b in range(n_buckets):
        hi = start[b]  # the end of bucket b, after the scatter
        for t in range(hi - 1, lo, -1):
            j = lo + int(rng.random() * (t - lo + 1))
            x = stubs[t]
            stubs[t] = stubs[j]
            stubs[j] = x
        lo = hi
    return stubs
