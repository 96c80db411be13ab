"""Networks built from groups of agents: cliques by attribute (households,
military units), random graphs inside each group (neighbourhood units,
markets within a region), random links between two groups (mail between soldiers and
their families) and the stochastic block model (mixing across groups and
regions).
"""

from __future__ import annotations

import numba
import numpy as np

from ..errors import NetworkError, ParameterError
from ..seeding import as_generator
from .checks import check_ids, check_mean_degree
from .network import Network, check_size, csr_bytes, from_edges, require_memory
from .sampling import bipartite_edges, edge_buffers, gnp_edges

#: relative mismatch allowed between sizes[r] * M[r, s] and sizes[s] * M[s, r]
BLOCK_RTOL = 1e-3


def cliques(labels) -> Network:
    """Link every pair of agents that share a label: households, units, cells.

    Parameters
    ----------
    labels : array_like of int
        ``labels[i]`` is agent ``i``'s group (any int >= 0); -1 puts the agent
        in no group. Labels need not be contiguous.

    Notes
    -----
    O(n log n + sum of g^2) for groups of sizes g; the CSR rows are written
    directly, already sorted, with no edge list in between. One very large
    group makes a huge graph: a group of a million agents is better modelled
    as a well-mixed (``complete``) layer.

    Examples
    --------
    >>> net = cliques([0, 0, 1, 1, 1, -1])
    >>> net.n_edges, net.neighbours(2).tolist()
    (4, [3, 4])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise NetworkError(f"labels must be a 1-d int array (-1 = no group), got {labels.dtype} of shape {labels.shape}.")
    n = check_size("len(labels)", labels.size)
    labels = labels.astype(np.int64, copy=False)
    if labels.min() < -1:
        i = int(np.argmin(labels))
        raise NetworkError(f"labels[{i}] = {labels[i]}: a group label is >= 0, or -1 for no group.")
    members = np.flatnonzero(labels >= 0)
    order = members[np.argsort(labels[members], kind="stable")]
    starts = np.flatnonzero(np.diff(labels[order])) + 1
    starts = np.concatenate(([0], starts, [order.size])).astype(np.int64)
    sizes = np.diff(starts)
    directed = int(np.sum(sizes * (sizes - 1)))
    largest = int(sizes.max()) if sizes.size else 0
    require_memory(f"cliques(labels) with a largest group of {largest:,} agents", 8 * (n + 1) + 4 * directed)
    indptr, indices = _clique_csr(n, order.astype(np.int32), starts)
    return Network(n, indptr, indices, "cliques", {"self_loops": 0, "multi_edges": 0})


@numba.njit(cache=True, nogil=True)
def _clique_csr(n, order, starts):
    """CSR of the cliques: group ``g`` is ``order[starts[g]:starts[g+1]]``, ids ascending."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    for g in range(starts.size - 1):
        for q in range(starts[g], starts[g + 1]):
            indptr[order[q] + 1] = starts[g + 1] - starts[g] - 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    indices = np.empty(indptr[n], dtype=np.int32)
    for g in range(starts.size - 1):
        for q in range(starts[g], starts[g + 1]):
            pos = indptr[order[q]]
            for r in range(starts[g], starts[g + 1]):
                if r != q:
                    indices[pos] = order[r]
                    pos += 1
    return indptr, indices


def within(labels, mean_degree: float, seed, n: int | None = None) -> Network:
    """A random (Erdős–Rényi) graph inside each group of agents sharing a label.

    Two agents with the same label ``>= 0`` are linked independently with
    probability ``min(1, mean_degree / (g - 1))`` in a group of ``g`` agents,
    so an agent has ``mean_degree`` contacts on average, all in its own group;
    a group of ``mean_degree + 1`` agents or fewer becomes a clique. Agents of
    different groups, and agents labelled -1, are never linked.

    Parameters
    ----------
    labels : array_like of int
        ``labels[i]`` is agent ``i``'s group (any int >= 0), or -1 for none.
    mean_degree : float
        Expected contacts of an agent inside a large enough group, >= 0.
    seed : int, SeedSequence or Generator
    n : int, optional
        Agents in the network, at least ``len(labels)``; agents past the end
        of ``labels`` belong to no group. By default ``len(labels)``.

    Notes
    -----
    O(n log n + m) for ``m`` links: members are sorted by label, then one
    numba loop walks the groups, drawing each group's links by geometric
    skipping (Batagelj & Brandes 2005), so millions of small groups and one
    group of millions cost alike.

    Examples
    --------
    >>> net = within([0, 0, 0, 1, 1, -1], mean_degree=5.0, seed=0)
    >>> net.n_edges, net.neighbours(3).tolist()
    (4, [4])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise NetworkError(f"labels must be a 1-d int array (-1 = no group), got {labels.dtype} of shape {labels.shape}.")
    n = _population("n", n, labels.size - 1) if n is not None else check_size("len(labels)", labels.size)
    labels = labels.astype(np.int64, copy=False)
    if labels.size and labels.min() < -1:
        i = int(np.argmin(labels))
        raise NetworkError(f"labels[{i}] = {labels[i]}: a group label is >= 0, or -1 for no group.")
    mean_degree = check_mean_degree("mean_degree", mean_degree)
    rng = as_generator(seed)
    members = np.flatnonzero(labels >= 0)
    order = members[np.argsort(labels[members], kind="stable")]
    starts = np.flatnonzero(np.diff(labels[order])) + 1
    starts = np.concatenate(([0], starts, [order.size])).astype(np.int64)
    sizes = np.diff(starts)
    expected = float(np.sum(sizes * np.minimum(mean_degree, np.maximum(sizes - 1, 0)))) / 2.0
    require_memory(f"within(labels, mean_degree={mean_degree:g}) over {order.size:,} agents", csr_bytes(n, int(2 * expected)))
    src, dst = edge_buffers(expected)
    src, dst, count = _within_edges(rng, starts, mean_degree, src, dst)
    order = order.astype(np.int32)
    return from_edges(n, order[src[:count]], order[dst[:count]], "within")


@numba.njit(cache=True, nogil=True)
def _within_edges(rng, starts, mean_degree, src, dst):
    """G(g, p) inside each group ``order[starts[k]:starts[k+1]]``, as positions in ``order``."""
    count = 0
    for k in range(starts.size - 1):
        g = starts[k + 1] - starts[k]
        if g < 2 or mean_degree <= 0.0:
            continue
        p = min(1.0, mean_degree / (g - 1))
        src, dst, count = gnp_edges(rng, g, p, starts[k], src, dst, count)
    return src, dst, count


def bipartite(a, b, mean_degree_a: float, seed, n: int | None = None) -> Network:
    """Random links between two disjoint groups of agents, none within a group.

    Every pair (one agent of ``a``, one of ``b``) is linked independently with
    probability ``mean_degree_a / len(b)``: a bipartite Erdős–Rényi graph.
    An agent of ``a`` then has Binomial(len(b), p) links, Poisson(mean_degree_a)
    for large ``b``, and one of ``b`` has ``mean_degree_a * len(a) / len(b)``
    on average. Independent pairs, rather than a Poisson count of picks, mean
    no pair is drawn twice, so nothing is dropped.

    Parameters
    ----------
    a, b : array_like of int
        Agent ids of the two groups (distinct, and no agent in both).
    mean_degree_a : float
        Expected number of links of an agent of ``a``, at most ``len(b)``.
    seed : int, SeedSequence or Generator
    n : int, optional
        Agents in the network (the whole population); by default the largest
        id in ``a`` or ``b`` plus one.

    Notes
    -----
    O(n + len(a) + m) for ``m`` links, by geometric skipping over the pairs.
    """
    a = _group("a", a)
    b = _group("b", b)
    n = _population("n", n, max(int(a.max()), int(b.max())))
    in_a = np.bincount(a, minlength=n)
    in_b = np.bincount(b, minlength=n)
    for name, count in (("a", in_a), ("b", in_b)):
        if count.max() > 1:
            raise NetworkError(f"{name} lists agent {int(np.argmax(count))} more than once: give each agent id once.")
    if np.any(in_a & in_b):
        raise NetworkError(
            f"a and b share agent {int(np.argmax(in_a & in_b))}: give two disjoint groups "
            "(an agent cannot link to itself)."
        )
    mean_degree_a = check_mean_degree("mean_degree_a", mean_degree_a)
    if mean_degree_a > b.size:
        raise ParameterError(
            f"mean_degree_a = {mean_degree_a:g} exceeds len(b) = {b.size}: an agent of a can link "
            "to each agent of b at most once; lower mean_degree_a."
        )
    rng = as_generator(seed)
    expected = mean_degree_a * a.size
    require_memory(f"bipartite(a, b, mean_degree_a={mean_degree_a:g})", csr_bytes(n, int(2 * expected)))
    src, dst = edge_buffers(expected)
    src, dst, count = bipartite_edges(rng, a.size, b.size, mean_degree_a / b.size, 0, 0, src, dst, 0)
    return from_edges(n, a[src[:count]], b[dst[:count]], "bipartite")


def _group(name: str, ids) -> np.ndarray:
    ids = check_ids(name, ids)
    if ids.size == 0:
        raise NetworkError(f"{name} is empty: give the ids of at least one agent.")
    return ids


def _population(name: str, n, largest_id: int) -> int:
    if n is None:
        return check_size(name, largest_id + 1)
    n = check_size(name, n)
    if largest_id >= n:
        raise NetworkError(f"{name} = {n} but agent id {largest_id} appears: raise {name} above every id.")
    return n


def block(sizes, mean_degrees, seed) -> Network:
    """The stochastic block model: agents in blocks, linked at rates set per pair of blocks.

    Agents of block ``r`` are numbered contiguously, block 0 first. Every pair
    of agents is linked independently, with probability
    ``mean_degrees[r, s] / sizes[s]`` between blocks ``r != s`` and
    ``mean_degrees[r, r] / (sizes[r] - 1)`` within block ``r``, so an agent of
    block ``r`` has on average ``mean_degrees[r, s]`` contacts in block ``s``.

    Parameters
    ----------
    sizes : array_like of int
        Number of agents in each of the k blocks, each >= 1.
    mean_degrees : array_like, shape (k, k)
        Mean number of contacts from an agent of block r into block s. Each link
        counts from both sides, so ``sizes[r] * M[r, s]`` must equal
        ``sizes[s] * M[s, r]`` (to a relative ``BLOCK_RTOL``; the two are then
        averaged).
    seed : int, SeedSequence or Generator

    Notes
    -----
    O(n + m) for ``m`` links, by geometric skipping inside each pair of blocks.

    References
    ----------
    P. W. Holland, K. B. Laskey and S. Leinhardt, "Stochastic blockmodels:
    first steps", Social Networks 5, 109 (1983).

    Examples
    --------
    >>> net = block([100, 300], [[4.0, 3.0], [1.0, 2.0]], seed=0)
    >>> net.n
    400
    """
    sizes = check_ids("sizes", sizes)
    if sizes.size == 0 or sizes.min() < 1:
        raise NetworkError("sizes must list at least one block, each of >= 1 agents.")
    n = check_size("sum(sizes)", int(sizes.sum()))
    links = _block_links(sizes, mean_degrees)
    rng = as_generator(seed)
    k = sizes.size
    require_memory(f"block(sizes, mean_degrees) with {n:,} agents", csr_bytes(n, int(2 * np.triu(links).sum())))
    starts = np.concatenate(([0], np.cumsum(sizes)))
    src, dst = edge_buffers(float(np.triu(links).sum()))
    count = 0
    for r in range(k):
        if sizes[r] > 1:
            p = links[r, r] / (sizes[r] * (sizes[r] - 1) / 2)
            src, dst, count = gnp_edges(rng, sizes[r], p, starts[r], src, dst, count)
        for s in range(r + 1, k):
            p = links[r, s] / (sizes[r] * sizes[s])
            src, dst, count = bipartite_edges(rng, sizes[r], sizes[s], p, starts[r], starts[s], src, dst, count)
    return from_edges(n, src[:count], dst[:count], "block")


def _block_links(sizes: np.ndarray, mean_degrees) -> np.ndarray:
    """Expected number of links between each pair of blocks (symmetric), after checks."""
    k = sizes.size
    m = np.asarray(mean_degrees, dtype=np.float64)
    if m.shape != (k, k):
        raise NetworkError(f"mean_degrees has shape {m.shape}; with {k} blocks it must be ({k}, {k}).")
    if not np.all(np.isfinite(m)) or m.min() < 0:
        raise ParameterError("mean_degrees must hold finite numbers >= 0 (mean contacts from block r into s).")
    out = sizes[:, None] * m  # links from r to s, seen from r
    for r in range(k):
        if m[r, r] > max(sizes[r] - 1, 0):
            raise ParameterError(
                f"mean_degrees[{r}, {r}] = {m[r, r]:g} exceeds sizes[{r}] - 1 = {sizes[r] - 1}: "
                "an agent cannot have more contacts in its block than there are others in it."
            )
        out[r, r] /= 2.0  # each link within a block is counted from both ends
        for s in range(r + 1, k):
            a, b = out[r, s], out[s, r]
            if not np.isclose(a, b, rtol=BLOCK_RTOL, atol=1e-9):
                raise NetworkError(
                    f"mean_degrees is inconsistent for blocks {r} and {s}: sizes[{r}] * M[{r},{s}] = {a:g} "
                    f"links but sizes[{s}] * M[{s},{r}] = {b:g}; each link counts from both sides, so set "
                    f"M[{s},{r}] = {a / sizes[s]:.6g} (or M[{r},{s}] = {b / sizes[r]:.6g})."
                )
            if max(m[r, s] / sizes[s], m[s, r] / sizes[r]) > 1:
                raise ParameterError(
                    f"mean_degrees[{r}, {s}] = {m[r, s]:g} asks for more links than the "
                    f"{sizes[r]} x {sizes[s]} pairs of blocks {r} and {s} allow; lower it."
                )
            out[r, s] = out[s, r] = (a + b) / 2.0
    return out
