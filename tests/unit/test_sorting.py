"""The engine's radix sort of agent ids against numpy's sort."""

import numpy as np
import pytest

from rumormill.sorting import sort_ids


@pytest.mark.parametrize("n", [0, 1, 2, 48, 49, 1000, 70_000])
@pytest.mark.parametrize("top", [1, 2_000, 2**22 + 5, 2**31 - 1])
def test_sorts_a_slice_in_place(n, top):
    # top sets the number of 11-bit passes (1, 1, 3, 3): odd counts end in the buffer and are copied back
    rng = np.random.default_rng(n + top)
    a = rng.integers(0, top, n + 10, dtype=np.int64).astype(np.int32)
    want = a.copy()
    want[3:3 + n].sort()
    sort_ids(a, 3, 3 + n)
    np.testing.assert_array_equal(a, want)


def test_two_passes_and_repeats():
    a = np.repeat(np.arange(4_000, 0, -1, dtype=np.int32) * 1_000, 3)  # ids up to 4e6 < 2**22: two passes, repeats
    want = np.sort(a)
    sort_ids(a, 0, a.size)
    np.testing.assert_array_equal(a, want)
