"""Layers built side by side on two threads equal layers built one by one."""

import numba
import numpy as np
import pytest

from rumormill.scenario import build, load
from rumormill.scenario.build import build_threads


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads")
def test_two_threads_build_the_same_layers():
    sc = load("kpa-2025")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert build_threads(7) == 1
        one = build(sc, scale=0.002)
        numba.set_num_threads(2)
        assert build_threads(7) == 2
        two = build(sc, scale=0.002)
    finally:
        numba.set_num_threads(before)
    assert one.multiplex.names == two.multiplex.names
    for name in one.multiplex.names:
        a, b = one.multiplex.layers[name].network, two.multiplex.layers[name].network
        assert a.is_complete == b.is_complete
        if not a.is_complete:
            np.testing.assert_array_equal(a.indptr, b.indptr)
            np.testing.assert_array_equal(a.indices, b.indices)
