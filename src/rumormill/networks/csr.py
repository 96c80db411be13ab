"""The last step of every CSR build: sorted rows without self-loops or repeats."""

from __future__ import annotations

import numba

#: rows up to this length are insertion-sorted (cheaper than quicksort's set-up)
SHORT_ROW = 32


@numba.njit(cache=True)
def compact_rows(start, raw):
    """Sort each row ``raw[start[i]:start[i+1]]``, drop entries equal to ``i`` and repeats.

    Works in place: the kept entries are packed to the front of ``raw`` and
    ``start`` is overwritten with the new row offsets (it becomes ``indptr``).
    Rows are sorted by insertion sort, which is O(degree) on a row that arrives
    in order (as ``erdos_renyi`` makes them) and fast on the short rows of sparse
    graphs; rows longer than ``SHORT_ROW`` (hubs) use quicksort, so the whole
    pass is O(m log d_max) at worst.

    Returns
    -------
    indices : ndarray
        A view of the packed front of ``raw`` (no copy is made).
    self_entries : int
        Entries equal to their own row: two per self-loop.
    repeats : int
        Other entries dropped as repeats: two per repeated edge.
    """
    n = start.size - 1
    out = 0
    lo = start[0]
    self_entries = 0
    for i in range(n):
        hi = start[i + 1]
        if hi - lo > SHORT_ROW:
            raw[lo:hi].sort()
        else:
            for j in range(lo + 1, hi):
                x = raw[j]
                k = j - 1
                while k >= lo and raw[k] > x:
                    raw[k + 1] = raw[k]
                    k -= 1
                raw[k + 1] = x
        last = -1
        for j in range(lo, hi):
            v = raw[j]
            if v == i:
                self_entries += 1
            elif v != last:
                raw[out] = v
                out += 1
                last = v
        start[i + 1] = out
        lo = hi
    repeats = raw.size - out - self_entries
    return raw[:out], self_entries, repeats
