"""``within``: a random graph inside each label group.

Statistical checks use fixed seeds and tolerances of 4 standard errors
computed from the sizes used.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse

from rumormill.errors import NetworkError, ParameterError
from rumormill.networks import cliques, within

Z = 4.0


def edges(net):
    rows = np.repeat(np.arange(net.n), np.diff(net.indptr))
    keep = rows < net.indices
    return rows[keep], net.indices[keep].astype(np.int64)


def assert_simple(net):
    indptr, indices = net.indptr, net.indices
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    rows = np.repeat(np.arange(net.n), np.diff(indptr))
    assert not np.any(rows == indices)
    same = rows[1:] == rows[:-1]
    assert np.all(indices[1:][same] > indices[:-1][same])
    a = scipy.sparse.csr_matrix((np.ones(indices.size), indices, indptr), shape=(net.n, net.n))
    assert (a != a.T).nnz == 0


def test_links_stay_inside_groups_and_skip_unlabelled():
    rng = np.random.default_rng(3)
    labels = rng.integers(-1, 50, 5_000)
    net = within(labels, 6.0, seed=1)
    assert_simple(net)
    src, dst = edges(net)
    assert np.all(labels[src] == labels[dst])
    assert np.all(labels[src] >= 0)


def test_small_groups_become_cliques():
    labels = np.repeat(np.arange(200), 4)  # groups of 4: mean_degree 3 or more makes a clique
    net = within(labels, 3.0, seed=0)
    ref = cliques(labels)
    assert np.array_equal(net.indptr, ref.indptr) and np.array_equal(net.indices, ref.indices)
    assert within(labels, 50.0, seed=0).n_edges == ref.n_edges


def test_mean_degree_in_large_groups():
    g, k, d = 2_000, 20, 8.0  # 20 groups of 2,000
    labels = np.repeat(np.arange(k), g)
    rng = np.random.default_rng(11)
    labels = labels[rng.permutation(labels.size)]
    net = within(labels, d, seed=5)
    pairs = k * g * (g - 1) / 2
    p = d / (g - 1)
    sd = math.sqrt(pairs * p * (1 - p))
    assert abs(net.n_edges - pairs * p) < Z * sd


def test_same_seed_same_graph_and_other_seed_differs():
    labels = np.repeat(np.arange(30), 100)
    a, b, c = (within(labels, 5.0, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.indices, c.indices)


def test_n_adds_unlabelled_agents():
    net = within([0, 0, 1, 1], 1.0, seed=0, n=10)
    assert net.n == 10 and net.degrees()[4:].sum() == 0
    with pytest.raises(NetworkError, match="n = 3"):
        within([0, 0, 1, 1], 1.0, seed=0, n=3)


def test_zero_mean_degree_and_no_members_give_no_edges():
    assert within([0, 0, 0], 0.0, seed=0).n_edges == 0
    assert within([-1, -1, -1], 4.0, seed=0).n_edges == 0


@pytest.mark.parametrize(
    "labels, mean_degree, error, match",
    [
        ([0, -2, 1], 1.0, NetworkError, r"labels\[1\] = -2"),
        ([0.5, 1.0], 1.0, NetworkError, "1-d int array"),
        ([[0, 1]], 1.0, NetworkError, "1-d int array"),
        ([0, 0, 1], -1.0, ParameterError, "mean_degree"),
        ([0, 0, 1], float("nan"), ParameterError, "mean_degree"),
    ],
)
def test_bad_input_is_named(labels, mean_degree, error, match):
    with pytest.raises(error, match=match):
        within(labels, mean_degree, seed=0)
