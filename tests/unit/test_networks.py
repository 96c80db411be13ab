"""Network generators, group builders and loaders.

Statistical checks use fixed seeds and tolerances of 4 standard errors
computed from the sizes used, so they neither flake nor pass by luck.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.sparse

from rumormill.errors import CapacityError, NetworkError, ParameterError
from rumormill.networks import (
    barabasi_albert,
    bipartite,
    block,
    cliques,
    configuration,
    erdos_renyi,
    from_edgelist,
    from_edges,
    from_networkx,
    poisson_degrees,
    power_law_degrees,
    watts_strogatz,
)
from rumormill.seeding import as_generator

Z = 4.0  # tolerance in standard errors


def assert_simple_csr(net):
    """Valid CSR of a simple undirected graph: symmetric, sorted rows, no loops, no repeats."""
    indptr, indices = net.indptr, net.indices
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert indptr.shape == (net.n + 1,) and indptr[0] == 0 and indptr[-1] == indices.size
    assert np.all(np.diff(indptr) >= 0)
    rows = np.repeat(np.arange(net.n), np.diff(indptr))
    assert not np.any(rows == indices), "self-loop"
    same_row = rows[1:] == rows[:-1]
    assert np.all(indices[1:][same_row] > indices[:-1][same_row]), "row unsorted or repeated"
    a = scipy.sparse.csr_matrix((np.ones(indices.size), indices, indptr), shape=(net.n, net.n))
    assert (a != a.T).nnz == 0, "not symmetric"


def edge_set(net):
    rows = np.repeat(np.arange(net.n), np.diff(net.indptr))
    keep = rows < net.indices
    return set(zip(rows[keep].tolist(), net.indices[keep].tolist()))


BUILDERS = {
    "erdos_renyi": lambda seed: erdos_renyi(500, 6.0, seed),
    "configuration_poisson": lambda seed: configuration(poisson_degrees(500, 6.0, seed), seed),
    "configuration_power_law": lambda seed: configuration(power_law_degrees(500, 2.2, 2, 100, seed), seed),
    "barabasi_albert": lambda seed: barabasi_albert(500, 3, seed),
    "watts_strogatz": lambda seed: watts_strogatz(500, 6, 0.3, seed),
    "bipartite": lambda seed: bipartite(np.arange(0, 200), np.arange(300, 500), 4.0, seed),
    "block": lambda seed: block([100, 300, 100], [[5, 3, 1], [1, 4, 0], [1, 0, 2]], seed),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_builders_make_simple_csr(name):
    assert_simple_csr(BUILDERS[name](1))


@pytest.mark.parametrize("name", BUILDERS)
def test_same_seed_same_graph_and_other_seed_other_graph(name):
    a, b, c = BUILDERS[name](7), BUILDERS[name](7), BUILDERS[name](8)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))


def test_seed_forms_agree():
    a = erdos_renyi(300, 5.0, 11)
    b = erdos_renyi(300, 5.0, np.random.SeedSequence(11))
    c = erdos_renyi(300, 5.0, np.random.default_rng(11))
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indices, c.indices)


@pytest.mark.parametrize("seed", [None, -1, 1.5, True, "7"])
def test_as_generator_rejects_unrepeatable_or_odd_seeds(seed):
    with pytest.raises(ParameterError, match="seed"):
        as_generator(seed)


def test_erdos_renyi_mean_degree_within_standard_error():
    n, k = 100_000, 10.0
    net = erdos_renyi(n, k, 2)
    pairs, p = n * (n - 1) / 2, k / (n - 1)
    se = 2 * math.sqrt(pairs * p * (1 - p)) / n  # mean degree = 2 * Binomial(pairs, p) / n
    assert abs(net.mean_degree() - k) < Z * se
    assert net.removed == {"self_loops": 0, "multi_edges": 0}


def test_erdos_renyi_extremes():
    assert erdos_renyi(50, 0.0, 0).n_edges == 0
    assert erdos_renyi(30, 29.0, 0).n_edges == 30 * 29 // 2


def test_poisson_degrees_mean_within_standard_error():
    n, mean = 100_000, 7.5
    d = poisson_degrees(n, mean, 3)
    assert d.dtype == np.int64 and d.min() >= 0
    assert abs(d.mean() - mean) < Z * math.sqrt(mean / n)


def test_configuration_keeps_degrees_up_to_removed_edges():
    d = poisson_degrees(20_000, 6.0, 4)
    d[0] += d.sum() % 2
    net = configuration(d, 5)
    r = net.removed
    assert r["stubs_added"] == 0
    assert net.degrees().sum() + 2 * (r["self_loops"] + r["multi_edges"]) == d.sum()
    assert np.all(net.degrees() <= d)
    assert np.mean(net.degrees() == d) > 0.99  # O(1) loops and repeats (Molloy-Reed regime)


def test_configuration_odd_sum_adds_one_stub():
    d = np.array([1, 2, 2, 2, 2])
    net = configuration(d, 0)
    r = net.removed
    assert r["stubs_added"] == 1
    assert net.degrees().sum() + 2 * (r["self_loops"] + r["multi_edges"]) == d.sum() + 1


def test_power_law_exponent_recovered_by_maximum_likelihood():
    n, alpha, k_min, k_max = 50_000, 2.5, 3, 1_000
    d = power_law_degrees(n, alpha, k_min, k_max, 6)
    assert d.min() >= k_min and d.max() <= k_max
    ln_k = np.log(np.arange(k_min, k_max + 1))

    def pmf(a):
        w = np.exp(-a * ln_k)
        return w / w.sum()

    mean_ln = np.log(d).mean()
    nll = lambda a: a * mean_ln + np.log(np.exp(-a * ln_k).sum())  # noqa: E731
    fit = scipy.optimize.minimize_scalar(nll, bounds=(1.05, 6.0), method="bounded").x
    var_ln = pmf(alpha) @ ln_k**2 - (pmf(alpha) @ ln_k) ** 2  # Fisher information per draw
    assert abs(fit - alpha) < Z / math.sqrt(n * var_ln)


def test_barabasi_albert_degree_sum_is_exact():
    n, m = 2_000, 4
    net = barabasi_albert(n, m, 9)
    assert net.degrees().sum() == 2 * m * (n - m)
    assert net.removed == {"self_loops": 0, "multi_edges": 0}
    assert net.degrees()[m:].min() >= m and net.degrees()[:m].min() >= 1
    assert net.degrees().max() > 10 * m  # hubs emerge


def test_watts_strogatz_without_rewiring_is_the_ring_lattice():
    n, k = 40, 6
    ring = {tuple(sorted((i, (i + j) % n))) for i in range(n) for j in range(1, k // 2 + 1)}
    assert edge_set(watts_strogatz(n, k, 0.0, 1)) == ring


def test_watts_strogatz_rewiring_keeps_edge_count():
    net = watts_strogatz(1_000, 8, 0.5, 2)
    assert net.n_edges == 4_000
    assert len(edge_set(net) - edge_set(watts_strogatz(1_000, 8, 0.0, 2))) > 1_000


def test_cliques_exact_edges():
    net = cliques([0, 0, 1, 1, 1, -1])
    assert edge_set(net) == {(0, 1), (2, 3), (2, 4), (3, 4)}
    assert net.degrees().tolist() == [1, 1, 2, 2, 2, 0]
    assert_simple_csr(net)


def test_cliques_labels_need_not_be_contiguous():
    net = cliques(np.array([7, 3, 7, -1, 3, 7]))
    assert edge_set(net) == {(0, 2), (0, 5), (2, 5), (1, 4)}


def test_block_respects_block_mean_degrees():
    sizes = np.array([2_000, 6_000])
    m = np.array([[8.0, 3.0], [1.0, 4.0]])
    net = block(sizes, m, 10)
    assert_simple_csr(net)
    which = np.repeat([0, 1], sizes)
    rows = np.repeat(np.arange(net.n), net.degrees())
    for r in range(2):
        for s in range(2):
            links = np.sum((which[rows] == r) & (which[net.indices] == s))  # directed entries r -> s
            pairs = sizes[r] * (sizes[s] - 1) / 2 if r == s else sizes[r] * sizes[s]
            p = m[r, s] / ((sizes[s] - 1) if r == s else sizes[s])
            se = math.sqrt(pairs * p * (1 - p)) * (2 if r == s else 1) / sizes[r]
            assert abs(links / sizes[r] - m[r, s]) < Z * se, (r, s)


def test_block_inconsistent_mean_degrees_explains_fix():
    with pytest.raises(NetworkError, match=r"M\[1,0\] = 1"):
        block([100, 300], [[2.0, 3.0], [2.0, 1.0]], 0)


def test_bipartite_links_only_across_groups():
    a, b = np.arange(0, 4_000, 2), np.arange(1, 4_000, 2)
    net = bipartite(a, b, 5.0, 3)
    src = np.repeat(np.arange(net.n), net.degrees())
    assert np.all(src % 2 != net.indices % 2)
    p = 5.0 / b.size
    se = math.sqrt(a.size * b.size * p * (1 - p)) / a.size
    assert abs(net.degrees()[a].mean() - 5.0) < Z * se


def test_bipartite_n_spans_the_population():
    assert bipartite([0, 1], [2, 3], 1.0, 0, n=10).n == 10


def test_networkx_round_trip():
    net = erdos_renyi(200, 4.0, 5)
    back = from_networkx(net.to_networkx())
    assert np.array_equal(back.indptr, net.indptr) and np.array_equal(back.indices, net.indices)


def test_from_networkx_numbers_nodes_in_node_order():
    g = nx.relabel_nodes(nx.karate_club_graph(), lambda x: f"p{x}")
    net = from_networkx(g)
    names = list(g.nodes)
    assert_simple_csr(net)
    assert {frozenset((names[u], names[v])) for u, v in edge_set(net)} == {frozenset(e) for e in g.edges()}
    assert net.n_edges == g.number_of_edges()


def test_from_networkx_counts_multigraph_repeats_and_refuses_directed():
    g = nx.MultiGraph([(0, 1), (0, 1), (1, 1), (1, 2)])
    net = from_networkx(g)
    assert net.n_edges == 2 and net.removed == {"self_loops": 1, "multi_edges": 1}
    with pytest.raises(NetworkError, match="directed"):
        from_networkx(nx.DiGraph([(0, 1)]))


EDGES = pd.DataFrame({"source": [0, 1, 2, 2], "target": [1, 2, 0, 3]})


def test_from_edgelist_csv_without_header(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("0,1\n1,2\n2,0\n2,3\n")
    net = from_edgelist(path)
    assert net.n == 4 and edge_set(net) == {(0, 1), (1, 2), (0, 2), (2, 3)}


def test_from_edgelist_csv_named_columns_and_n(tmp_path):
    path = tmp_path / "named.csv"
    EDGES.assign(weight=1.5).to_csv(path, index=False)
    net = from_edgelist(path, n=10)
    assert net.n == 10 and net.n_edges == 4


def test_from_edgelist_parquet(tmp_path):
    path = tmp_path / "edges.parquet"
    EDGES.rename(columns={"source": "a", "target": "b"}).to_parquet(path)
    assert edge_set(from_edgelist(path)) == {(0, 1), (1, 2), (0, 2), (2, 3)}


@pytest.mark.parametrize(
    "name, text, n, match",
    [
        ("three.csv", "a,b,c\n0,1,2\n", None, "columns"),
        ("words.csv", "source,target\nann,bob\n", None, "integer"),
        ("floats.csv", "source,target\n0.5,1\n", None, "integer"),
        ("negative.csv", "0,1\n-1,2\n", None, "negative"),
        ("gaps.csv", "source,target\n0,1\n2,\n", None, "empty cells"),
        ("small.csv", "0,1\n1,5\n", 3, "n = 3"),
        ("edges.xlsx", "0,1\n", None, "format"),
    ],
)
def test_from_edgelist_bad_files(tmp_path, name, text, n, match):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(NetworkError, match=match) as info:
        from_edgelist(path, n=n)
    assert name in str(info.value)


def test_from_edgelist_missing_file(tmp_path):
    with pytest.raises(NetworkError, match="nowhere.csv"):
        from_edgelist(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: erdos_renyi(0, 3.0, 0), ParameterError, "n"),
        (lambda: erdos_renyi(100, -1.0, 0), ParameterError, "mean_degree"),
        (lambda: erdos_renyi(10, 12.0, 0), ParameterError, "mean_degree"),
        (lambda: poisson_degrees(10, -2.0, 0), ParameterError, "mean"),
        (lambda: power_law_degrees(100, 1.0, 1, 10, 0), ParameterError, "exponent"),
        (lambda: power_law_degrees(100, 2.5, 10, 5, 0), ParameterError, "k_min"),
        (lambda: power_law_degrees(100, 2.5, 1, 100, 0), ParameterError, "k_max"),
        (lambda: configuration([2, -1, 1], 0), ParameterError, "degrees"),
        (lambda: configuration([[1, 1]], 0), ParameterError, "degrees"),
        (lambda: barabasi_albert(5, 5, 0), ParameterError, "m"),
        (lambda: barabasi_albert(5, 0, 0), ParameterError, "m"),
        (lambda: watts_strogatz(10, 3, 0.1, 0), ParameterError, "k"),
        (lambda: watts_strogatz(10, 10, 0.1, 0), ParameterError, "k"),
        (lambda: watts_strogatz(10, 4, 1.5, 0), ParameterError, "p"),
        (lambda: cliques([0, -2, 1]), NetworkError, "labels"),
        (lambda: cliques([0.5, 1.0]), NetworkError, "labels"),
        (lambda: bipartite([0, 1], [1, 2], 1.0, 0), NetworkError, "a and b"),
        (lambda: bipartite([0, 0], [1, 2], 1.0, 0), NetworkError, "a"),
        (lambda: bipartite([0, 1], [2, 3], 3.0, 0), ParameterError, "mean_degree_a"),
        (lambda: bipartite([0, 1], [2, 3], 1.0, 0, n=3), NetworkError, "n"),
        (lambda: block([10, 0], [[1, 0], [0, 0]], 0), NetworkError, "sizes"),
        (lambda: block([10, 10], [[1, 0, 0]], 0), NetworkError, "mean_degrees"),
        (lambda: block([10, 10], [[10, 0], [0, 1]], 0), ParameterError, "mean_degrees"),
        (lambda: block([10, 10], [[1, -1], [-1, 1]], 0), ParameterError, "mean_degrees"),
        (lambda: erdos_renyi(10**10, 10.0, 0), CapacityError, "n"),
        (lambda: erdos_renyi(2_000_000_000, 10.0, 0), CapacityError, "n=2,000,000,000"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error) as info:
        call()
    assert name in str(info.value)


def test_from_edges_matches_a_reference_across_buckets():
    # more than one 2**16-agent bucket, with self-loops, repeats and hubs
    rng = np.random.default_rng(12)
    n = 150_000
    src = np.concatenate([rng.integers(0, n, 300_000), np.zeros(500, np.int64), [5, 5, 7]])
    dst = np.concatenate([rng.integers(0, n, 300_000), rng.integers(0, n, 500), [5, 9, 7]])
    src, dst = np.concatenate([src, dst[:1000]]), np.concatenate([dst, src[:1000]])  # reversed repeats
    net = from_edges(n, src, dst)
    assert_simple_csr(net)
    pairs = np.unique(np.sort(np.stack([src, dst], axis=1), axis=1), axis=0)
    loops = pairs[:, 0] == pairs[:, 1]
    assert edge_set(net) == set(map(tuple, pairs[~loops].tolist()))
    n_loops = int(np.sum(src == dst))
    assert net.removed == {"self_loops": n_loops, "multi_edges": src.size - n_loops - int(np.sum(~loops))}


def test_watts_strogatz_leaves_agents_linked_to_everyone():
    net = watts_strogatz(7, 6, 1.0, 0)  # the complete graph: nothing can be rewired
    assert net.n_edges == 21
