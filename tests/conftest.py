import numpy as np
import pytest


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
