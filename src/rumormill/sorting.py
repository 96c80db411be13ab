"""Sorting agent ids inside compiled code.

numba's own ``ndarray.sort`` costs about a second of compilation the first
time a process meets it; this least-significant-digit radix sort is a few
plain loops, compiles in a fraction of that and runs in linear time, which
suits the long, dense id lists the engine and the network builder sort.
"""

from __future__ import annotations

import numba
import numpy as np

#: bits per radix pass: 2,048 counters stay in the L1 cache
_BITS = 11
#: lists this short are sorted by insertion (linear on a list that is nearly in order)
_SHORT = 48


@numba.njit(cache=True)
def sort_ids(a, lo, hi):
    """Sort ``a[lo:hi]`` in place; ``a`` holds non-negative integers (agent ids)."""
    if hi - lo <= _SHORT:
        for j in range(lo + 1, hi):
            x = a[j]
            q = j - 1
            while q >= lo and a[q] > x:
                a[q + 1] = a[q]
                q -= 1
            a[q + 1] = x
        return
    n = hi - lo
    top = 0
    for k in range(lo, hi):
        top = max(top, a[k])
    size = 1 << _BITS
    mask = size - 1
    count = np.empty(size, dtype=np.int64)
    src = a[lo:hi]
    dst = np.empty(n, dtype=a.dtype)
    shift = 0
    passes = 0
    while passes == 0 or (top >> shift) > 0:
        for d in range(size):
            count[d] = 0
        for k in range(n):
            count[(src[k] >> shift) & mask] += 1
        total = 0
        for d in range(size):
            c = count[d]
            count[d] = total
            total += c
        for k in range(n):
            d = (src[k] >> shift) & mask
            dst[count[d]] = src[k]
            count[d] += 1
        src, dst = dst, src
        shift += _BITS
        passes += 1
    if passes % 2 == 1:
        # the sorted ids sit in the buffer: copy them back
        for k in range(n):
            a[lo + k] = src[k]
