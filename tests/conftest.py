"""Fixtures shared by every test folder, and the settings the suite runs under.

The suite runs on every core (pytest-xdist, ``-n auto`` in pyproject.toml).
Each worker process runs its kernels on one thread, so the workers do not
fight over the cores; tests that check results across thread counts set the
count themselves.
"""

import os

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_thread_per_worker():
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    import numba

    numba.set_num_threads(1)
    yield



@pytest.fixture
def path3():
    """0 — 1 — 2"""
    from rumormill.networks import from_edges

    return from_edges(3, np.array([0, 1]), np.array([1, 2]), name="path3")


@pytest.fixture
def star5():
    """centre 0, leaves 1..4"""
    from rumormill.networks import from_edges

    return from_edges(5, np.zeros(4, dtype=int), np.arange(1, 5), name="star5")


@pytest.fixture
def triangle():
    from rumormill.networks import from_edges

    return from_edges(3, np.array([0, 1, 2]), np.array([1, 2, 0]), name="triangle")
