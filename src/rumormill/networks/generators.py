"""Random graph generators: Erdős–Rényi, configuration model (with Poisson or
power-law degrees), Barabási–Albert and Watts–Strogatz.

Every generator takes ``seed`` (an int, a ``SeedSequence`` or a ``Generator``),
draws in numba kernels with that generator, refuses sizes that cannot fit in
memory before allocating them, and returns a CSR ``Network`` whose rows are
sorted and free of self-loops and repeated edges.
"""

from __future__ import annotations

import math
import numbers

import numba
import numpy as np

from ..errors import ParameterError
from ..rates import check_probability
from ..seeding import as_generator
from .checks import check_count, check_ids, check_mean_degree
from .network import Network, check_size, csr_bytes, from_edges, require_memory
from .sampling import edge_buffers, gnp_edges, shuffled_stubs


def erdos_renyi(n: int, mean_degree: float, seed) -> Network:
    """The Erdős–Rényi graph G(n, p) with ``p = mean_degree / (n - 1)``.

    Each of the n(n-1)/2 pairs is linked independently, so degrees are
    Binomial(n - 1, p), close to Poisson(mean_degree) for large ``n``.

    Parameters
    ----------
    n : int
        Number of agents.
    mean_degree : float
        Expected degree, between 0 and ``n - 1``.
    seed : int, SeedSequence or Generator

    Notes
    -----
    O(n + m) time and memory for ``m`` edges, by the geometric skipping of
    Batagelj & Brandes (2005): the cost does not depend on the n^2 pairs.

    References
    ----------
    P. Erdős and A. Rényi, "On random graphs I", Publ. Math. Debrecen 6 (1959).
    V. Batagelj and U. Brandes, "Efficient generation of large random
    networks", Phys. Rev. E 71, 036113 (2005).

    Examples
    --------
    >>> net = erdos_renyi(1000, 8.0, seed=1)
    >>> net.n, 7.5 < net.mean_degree() < 8.5
    (1000, True)
    """
    n = check_size("n", n)
    mean_degree = check_mean_degree("mean_degree", mean_degree)
    if mean_degree > n - 1:
        raise ParameterError(
            f"mean_degree = {mean_degree:g} exceeds n - 1 = {n - 1}: no simple graph on n agents "
            "is that dense; lower mean_degree or raise n."
        )
    rng = as_generator(seed)
    expected = n * mean_degree / 2.0
    require_memory(f"erdos_renyi(n={n:,}, mean_degree={mean_degree:g})", csr_bytes(n, int(2 * expected)))
    p = mean_degree / (n - 1) if n > 1 else 0.0
    src, dst = edge_buffers(expected)
    src, dst, count = gnp_edges(rng, n, p, 0, src, dst, 0)
    return from_edges(n, src[:count], dst[:count], "erdos_renyi")


def poisson_degrees(n: int, mean: float, seed) -> np.ndarray:
    """``n`` degrees drawn independently from Poisson(``mean``) (int64).

    Feed them to ``configuration`` for a random graph in which, unlike in
    ``erdos_renyi``, each agent keeps its drawn degree (but for the few
    self-loops and repeated edges dropped).
    """
    n = check_size("n", n)
    mean = check_mean_degree("mean", mean)
    rng = as_generator(seed)
    require_memory(f"poisson_degrees(n={n:,})", 8 * n)
    return rng.poisson(mean, n).astype(np.int64, copy=False)


def power_law_degrees(n: int, exponent: float, k_min: int, k_max: int, seed) -> np.ndarray:
    """``n`` degrees from the discrete power law P(k) ∝ k^-exponent, k_min <= k <= k_max.

    Drawn exactly, by inverting the cumulative distribution tabulated over
    ``k_min..k_max``: O(k_max - k_min) memory and O(n log(k_max - k_min)) time.
    A cut-off near ``sqrt(n * mean degree)`` keeps the configuration model from
    piling multi-edges onto the hubs.

    Parameters
    ----------
    n : int
        Number of agents.
    exponent : float
        Tail exponent, > 1 (social contact networks: 2 to 3).
    k_min, k_max : int
        Smallest and largest degree, 1 <= k_min <= k_max <= n - 1.
    seed : int, SeedSequence or Generator

    References
    ----------
    A. Clauset, C. R. Shalizi and M. E. J. Newman, "Power-law distributions in
    empirical data", SIAM Review 51, 661 (2009).
    """
    n = check_size("n", n)
    if not isinstance(exponent, numbers.Real) or not (math.isfinite(exponent) and exponent > 1):
        raise ParameterError(f"exponent = {exponent!r} must be a finite number > 1 (social networks: 2 to 3).")
    exponent = float(exponent)
    k_min = check_count("k_min", k_min, 1)
    k_max = check_count("k_max", k_max, 1)
    if k_min > k_max:
        raise ParameterError(f"k_min = {k_min} exceeds k_max = {k_max}: give k_min <= k_max.")
    if k_max > n - 1:
        raise ParameterError(f"k_max = {k_max} exceeds n - 1 = {n - 1}: an agent has at most n - 1 contacts.")
    rng = as_generator(seed)
    require_memory(f"power_law_degrees(n={n:,}, k_max={k_max:,})", 8 * (k_max - k_min + 1) + 16 * n)
    cdf = np.cumsum(np.arange(k_min, k_max + 1, dtype=np.float64) ** -exponent)
    cdf /= cdf[-1]
    return k_min + np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def configuration(degrees, seed) -> Network:
    """A random graph with (nearly) the given degrees: the configuration model.

    Each agent ``i`` gets ``degrees[i]`` stubs (half-edges) and the stubs are
    paired uniformly at random (shuffled, then the first half is paired with
    the second). Self-loops and repeated edges that the pairing
    makes are dropped and counted in ``Network.removed``; there are O(1) of
    them while the second moment of the degrees stays finite (Molloy & Reed),
    more with heavy tails, so a few agents end up with fewer contacts than
    asked.

    An odd degree sum cannot be paired: one stub is then added to an agent
    chosen uniformly at random, and ``removed["stubs_added"]`` is 1 (else 0).
    This lets sampled degrees (``poisson_degrees``, ``power_law_degrees``)
    be used directly, at a bias of one stub in the whole graph.

    Parameters
    ----------
    degrees : array_like of int
        Wanted degree of every agent, >= 0.
    seed : int, SeedSequence or Generator

    Notes
    -----
    O(n + S) time; about 10 S + 8 n bytes at peak for S stubs.

    References
    ----------
    M. Molloy and B. Reed, "A critical point for random graphs with a given
    degree sequence", Random Struct. Algorithms 6, 161 (1995).
    M. E. J. Newman, S. H. Strogatz and D. J. Watts, "Random graphs with
    arbitrary degree distributions", Phys. Rev. E 64, 026118 (2001).

    Examples
    --------
    >>> net = configuration([2, 2, 2, 2], seed=3)
    >>> int(net.degrees().sum()) + 2 * (net.removed["self_loops"] + net.removed["multi_edges"])
    8
    """
    degrees = check_ids("degrees", degrees, ParameterError)
    n = check_size("len(degrees)", degrees.size)
    rng = as_generator(seed)
    total = int(degrees.sum())
    require_memory(f"configuration(degrees) with {total:,} stubs", csr_bytes(n, total) + 2 * total)
    added = total % 2
    if added:
        degrees = degrees.copy()
        degrees[int(rng.random() * n)] += 1
    stubs = shuffled_stubs(rng, degrees)
    net = from_edges(n, stubs[: stubs.size // 2], stubs[stubs.size // 2 :], "configuration")
    return Network(n, net.indptr, net.indices, net.name, {**net.removed, "stubs_added": added})


def barabasi_albert(n: int, m: int, seed) -> Network:
    """Growth by preferential attachment (Barabási & Albert 1999).

    Agents ``0..m-1`` start unlinked. Agent ``m`` links to all of them; every
    later agent ``t`` links to ``m`` distinct earlier agents, each chosen with
    probability proportional to its degree. So there are exactly
    ``m * (n - m)`` edges (degree sum ``2 m (n - m)``) and the degrees follow
    P(k) ~ k^-3.

    Parameters
    ----------
    n : int
        Number of agents, > m.
    m : int
        Links each new agent makes, >= 1.
    seed : int, SeedSequence or Generator

    Notes
    -----
    O(n m) time: a degree-proportional choice is a uniform pick among the
    endpoints of the edges made so far; a repeated target is drawn again.

    References
    ----------
    A.-L. Barabási and R. Albert, "Emergence of scaling in random networks",
    Science 286, 509 (1999).
    """
    n = check_size("n", n)
    m = check_count("m", m, 1)
    if m >= n:
        raise ParameterError(f"m = {m} must be below n = {n}: each new agent links to m earlier ones.")
    rng = as_generator(seed)
    require_memory(f"barabasi_albert(n={n:,}, m={m})", csr_bytes(n, 2 * m * (n - m)))
    src, dst = _preferential_edges(rng, n, m)
    return from_edges(n, src, dst, "barabasi_albert")


@numba.njit(cache=True, nogil=True)
def _preferential_edges(rng, n, m):
    n_edges = m * (n - m)
    src = np.empty(n_edges, dtype=np.int32)
    dst = np.empty(n_edges, dtype=np.int32)
    chosen = np.empty(m, dtype=np.int32)
    for j in range(m):
        src[j] = m
        dst[j] = j
    e = m
    for t in range(m + 1, n):
        for j in range(m):
            while True:
                r = int(rng.random() * 2 * e)  # an endpoint of one of the e edges so far
                c = src[r // 2] if r % 2 == 0 else dst[r // 2]
                fresh = True
                for q in range(j):
                    if chosen[q] == c:
                        fresh = False
                        break
                if fresh:
                    break
            chosen[j] = c
        for j in range(m):
            src[e] = t
            dst[e] = chosen[j]
            e += 1
    return src, dst


def watts_strogatz(n: int, k: int, p: float, seed) -> Network:
    """The small-world graph of Watts & Strogatz (1998).

    Start from a ring where each agent is linked to its ``k/2`` nearest
    neighbours on each side. Then, lap by lap (first the links to the nearest
    neighbour, then the next), each link ``(i, i + j)`` is rewired with
    probability ``p`` to ``(i, w)`` with ``w`` uniform among the agents not
    already linked to ``i``; an agent linked to everyone keeps its link. The
    number of edges stays ``n k / 2``; ``p = 0`` is the ring lattice and
    ``p = 1`` close to a random graph.

    Parameters
    ----------
    n : int
        Number of agents.
    k : int
        Even number of ring neighbours, 2 <= k < n.
    p : float
        Rewiring probability in [0, 1].
    seed : int, SeedSequence or Generator

    Notes
    -----
    O(n k) expected time, with a hash set of the current edges.

    References
    ----------
    D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world'
    networks", Nature 393, 440 (1998).
    """
    n = check_size("n", n)
    k = check_count("k", k, 2)
    if k % 2:
        raise ParameterError(f"k = {k} is odd: give an even k (k/2 neighbours on each side of the ring).")
    if k >= n:
        raise ParameterError(f"k = {k} must be below n = {n}: a ring of n agents has at most n - 1 neighbours.")
    p = check_probability("p", p)
    rng = as_generator(seed)
    m = n * (k // 2)
    require_memory(f"watts_strogatz(n={n:,}, k={k})", csr_bytes(n, 2 * m) + 32 * m)
    src, dst = _ring_edges(n, k // 2)
    if p > 0:
        _rewire(rng, n, src, dst, p)
    return from_edges(n, src, dst, "watts_strogatz")


@numba.njit(cache=True, nogil=True)
def _ring_edges(n, half):
    src = np.empty(n * half, dtype=np.int32)
    dst = np.empty(n * half, dtype=np.int32)
    for j in range(1, half + 1):
        for i in range(n):
            src[(j - 1) * n + i] = i
            dst[(j - 1) * n + i] = (i + j) % n
    return src, dst


_EMPTY = -1
_DELETED = -2


@numba.njit(cache=True)
def _slot(table, bits, key):
    """Slot of ``key`` in an open-addressing table of ``2**bits`` slots, or the first empty one.

    Fibonacci hashing (the top bits of ``key * 2**64 / golden ratio``) and
    linear probing; deleted slots are probed past.
    """
    h = (np.uint64(key) * np.uint64(11400714819323198485)) >> np.uint64(64 - bits)
    i = np.int64(h)
    mask = table.size - 1
    while table[i] != key and table[i] != _EMPTY:
        i = (i + 1) & mask
    return i


@numba.njit(cache=True, nogil=True)
def _rewire(rng, n, src, dst, p):
    """Rewire the ring edges in place, in the order given, keeping the graph simple.

    The current edges live in a hash set keyed ``min * n + max``; it holds at
    most 2 m keys (m inserts, one per rewiring) in 4 m slots or more, so it
    stays at most half full and probes stay short.
    """
    m = src.size
    bits = 1
    while (1 << bits) < 4 * m:
        bits += 1
    table = np.full(1 << bits, _EMPTY, dtype=np.int64)
    for e in range(m):
        key = np.int64(min(src[e], dst[e])) * n + max(src[e], dst[e])
        table[_slot(table, bits, key)] = key
    degree = np.full(n, 2 * m // n, dtype=np.int64)  # every agent starts with k links
    for e in range(m):
        if rng.random() >= p:
            continue
        i = src[e]
        if degree[i] >= n - 1:
            continue
        while True:
            w = int(rng.random() * n)
            key = np.int64(min(i, w)) * n + max(i, w)
            if w != i and table[_slot(table, bits, key)] != key:
                break
        old = np.int64(min(i, dst[e])) * n + max(i, dst[e])
        table[_slot(table, bits, old)] = _DELETED
        table[_slot(table, bits, key)] = key
        degree[dst[e]] -= 1
        degree[w] += 1
        dst[e] = w
