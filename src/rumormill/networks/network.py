"""The ``Network`` type: one undirected contact graph as CSR arrays.

A network over ``n`` agents stores, for agent ``i``, its neighbours in
``indices[indptr[i]:indptr[i+1]]``. ``indptr`` is int64, ``indices`` int32, so a
graph of 10^6 agents and mean degree 10 takes about 48 MB. A well-mixed
population is *implicit*: ``indptr`` and ``indices`` are ``None`` and engines
draw partners uniformly at random, so it costs no memory at any size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numba
import numpy as np

from ..errors import CapacityError, NetworkError, ParameterError

#: agents per network are indexed with int32
MAX_AGENTS = 2**31 - 2


@dataclass(frozen=True, eq=False)
class Network:
    """An undirected graph over ``n`` agents (CSR), or an implicit complete graph.

    Parameters
    ----------
    n : int
        Number of agents.
    indptr, indices : ndarray or None
        CSR arrays (int64 and int32). Both ``None`` for the implicit complete graph.
    name : str
        What generated it, for reports.
    removed : dict
        How many self-loops and duplicate edges the generator dropped.
    """

    n: int
    indptr: np.ndarray | None
    indices: np.ndarray | None
    name: str = "network"
    removed: dict = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        """True for the implicit well-mixed population."""
        return self.indptr is None

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        if self.is_complete:
            return self.n * (self.n - 1) // 2
        return int(self.indptr[-1]) // 2

    def degrees(self) -> np.ndarray:
        """Degree of every agent (int64). O(n)."""
        if self.is_complete:
            return np.full(self.n, self.n - 1, dtype=np.int64)
        return np.diff(self.indptr)

    def mean_degree(self) -> float:
        return float(self.n - 1) if self.is_complete else 2.0 * self.n_edges / max(self.n, 1)

    def neighbours(self, i: int) -> np.ndarray:
        """Neighbours of agent ``i`` (a view)."""
        if self.is_complete:
            raise NetworkError("neighbours(): the complete network is implicit; it has no stored neighbour lists.")
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def to_networkx(self, max_edges: int = 5_000_000):
        """Return a ``networkx.Graph`` (for small graphs: analysis, drawing)."""
        import networkx as nx

        if self.n_edges > max_edges:
            raise CapacityError(
                f"to_networkx(): {self.n_edges:,} edges is too many for networkx; "
                f"raise max_edges (now {max_edges:,}) if you really want it."
            )
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        if self.is_complete:
            g = nx.complete_graph(self.n)
        else:
            src = np.repeat(np.arange(self.n), np.diff(self.indptr))
            keep = src < self.indices
            g.add_edges_from(zip(src[keep].tolist(), self.indices[keep].tolist()))
        return g

    def __repr__(self) -> str:
        kind = "complete (implicit)" if self.is_complete else f"{self.n_edges:,} edges"
        return f"Network({self.name!r}, n={self.n:,}, {kind})"


def check_size(name: str, n) -> int:
    """Validate an agent count."""
    try:
        v = int(n)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} = {n!r} is not a whole number of agents.") from None
    if v != n or v < 1:
        raise ParameterError(f"{name} = {n!r}: give a whole number of agents >= 1.")
    if v > MAX_AGENTS:
        raise CapacityError(f"{name} = {n:,} exceeds the {MAX_AGENTS:,} agents a network can index.")
    return v


def available_memory() -> int:
    """Bytes of memory this process may still allocate (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**40


def require_memory(what: str, nbytes: int) -> None:
    """Refuse work that cannot fit, before any of it is allocated."""
    free = available_memory()
    if nbytes > 0.9 * free:
        raise CapacityError(
            f"{what} needs about {nbytes / 2**30:.1f} GiB but only {free / 2**30:.1f} GiB is free: "
            "use fewer agents, a lower mean degree, or a smaller scale."
        )


def csr_bytes(n: int, directed_edges: int) -> int:
    """Peak bytes to build a CSR graph from an edge list (edges, CSR, and scratch)."""
    return 8 * (n + 1) + 4 * directed_edges * 3 + 8 * n


def from_edges(n: int, src: np.ndarray, dst: np.ndarray, name: str = "network") -> Network:
    """Build an undirected CSR ``Network`` from edge endpoint arrays.

    Self-loops and duplicate edges are dropped and counted in ``removed``.
    Each edge is given once (either direction); both directions are stored.
    O(n + m) time with a counting sort and a per-row sort of neighbours.
    """
    n = check_size("n", n)
    src = np.ascontiguousarray(src)
    dst = np.ascontiguousarray(dst)
    if src.shape != dst.shape or src.ndim != 1:
        raise NetworkError("from_edges(): src and dst must be 1-d arrays of the same length.")
    if src.size:
        lo = min(int(src.min()), int(dst.min()))
        hi = max(int(src.max()), int(dst.max()))
        if lo < 0 or hi >= n:
            raise NetworkError(
                f"from_edges(): node ids must lie in [0, {n - 1}], found {lo}..{hi}; "
                "renumber the nodes or raise n."
            )
    require_memory(f"a network of {n:,} agents and {src.size:,} edges", csr_bytes(n, 2 * src.size))
    indptr, indices, loops, dupes = _build_csr(n, src.astype(np.int32, copy=False), dst.astype(np.int32, copy=False))
    return Network(n, indptr, indices, name, {"self_loops": int(loops), "multi_edges": int(dupes)})


@numba.njit(cache=True)
def _build_csr(n, src, dst):
    """Counting sort of both directions of every edge, then sort and dedupe each row.

    Rows are sorted by insertion sort, which is O(degree) on a row that arrives
    in order (as ``erdos_renyi`` makes them) and fast on the short rows of
    sparse graphs; rows longer than ``_SHORT_ROW`` (hubs) use quicksort, so the
    total stays O(m log d_max). Deduplication packs the rows in place and
    returns a view, so no second copy of the graph is made.
    """
    m = src.size
    start = np.zeros(n + 1, dtype=np.int64)
    loops = 0
    for e in range(m):
        a = src[e]
        b = dst[e]
        if a == b:
            loops += 1
        else:
            start[a + 1] += 1
            start[b + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    raw = np.empty(start[n], dtype=np.int32)
    for e in range(m):
        a = src[e]
        b = dst[e]
        if a != b:
            raw[fill[a]] = b
            fill[a] += 1
            raw[fill[b]] = a
            fill[b] += 1
    # sort each row, drop repeats, pack in place; start becomes indptr
    out = 0
    lo = 0
    for i in range(n):
        hi = start[i + 1]
        if hi - lo > _SHORT_ROW:
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
            if v != last:
                raw[out] = v
                out += 1
                last = v
        start[i + 1] = out
        lo = hi
    dupes = (raw.size - out) // 2
    return start, raw[:out], loops, dupes


#: rows up to this length are insertion-sorted (cheaper than quicksort's set-up)
_SHORT_ROW = 32


def complete(n: int) -> Network:
    """The well-mixed population of ``n`` agents: every pair may meet.

    Implicit (no arrays), so it costs O(1) memory at any size. For a complete
    layer a model's rate is read *per agent* (contacts a day with a uniformly
    chosen other agent), since a per-pair rate vanishes as ``n`` grows.
    """
    n = check_size("n", n)
    if n < 2:
        raise ParameterError("complete(n): a well-mixed population needs n >= 2 agents.")
    return Network(n, None, None, "complete")
