"""The ``Network`` type: one undirected contact graph as CSR arrays.

A network over ``n`` agents stores, for agent ``i``, its neighbours in
``indices[indptr[i]:indptr[i+1]]``. ``indptr`` is int64, ``indices`` int32, so a
graph of 10^6 agents and mean degree 10 takes about 48 MB. A well-mixed
population is *implicit*: ``indptr`` and ``indices`` are ``None`` and engines
draw partners uniformly at random, so it costs no memory at any size.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import numba
import numpy as np

from ..errors import CapacityError, NetworkError, ParameterError
from ..sorting import sort_ids

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
        How many self-loops and duplicate edges the generator dropped (and, for
        ``configuration``, whether one stub was added to make the degree sum even).
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
        raise CapacityError(f"{name} = {n:,} exceeds the {MAX_AGENTS:,} agents a network can index: use fewer agents (or a smaller scale).")
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


#: share of the free memory one step may take unless a limit is set: the rest
#: stays with the machine (its desktop, browser and other jobs)
DEFAULT_MEMORY_SHARE = 0.5
#: bytes set by ``memory_limit`` (None: ``DEFAULT_MEMORY_SHARE`` of what is free)
_limit: list[int | None] = [None]


@contextmanager
def memory_limit(nbytes: int | None):
    """Within the block, ``require_memory`` admits up to ``nbytes`` (``None``:
    the default, half of the free memory). What is not free is refused either way.

    >>> with memory_limit(2**20):
    ...     require_memory("a test", 2**21)
    Traceback (most recent call last):
    rumormill.errors.CapacityError: a test needs about 2.0 MiB, above the limit of 1.0 MiB (set by --max-memory or memory_limit): use fewer agents, a lower mean degree, or a smaller scale; or raise the limit.
    """
    before = _limit[0]
    _limit[0] = None if nbytes is None else int(nbytes)
    try:
        yield
    finally:
        _limit[0] = before


def _size(nbytes: float) -> str:
    return f"{nbytes / 2**30:.1f} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:.1f} MiB"


def memory_ceiling() -> int:
    """Bytes one step may take now: the limit set by ``memory_limit``, or half
    of the free memory; never more than 90% of what is free."""
    free = available_memory()
    limit = DEFAULT_MEMORY_SHARE * free if _limit[0] is None else _limit[0]
    return int(min(limit, 0.9 * free))


def require_memory(what: str, nbytes: int) -> None:
    """Refuse work above ``memory_ceiling()``, before any of it is allocated,
    with the sizes, where the ceiling comes from, and the way out."""
    if nbytes <= memory_ceiling():
        return
    free = available_memory()
    need = f"{what} needs about {_size(nbytes)}"
    fix = "use fewer agents, a lower mean degree, or a smaller scale"
    if _limit[0] is None and nbytes <= 0.9 * free:
        raise CapacityError(
            f"{need}, above the default limit of {_size(DEFAULT_MEMORY_SHARE * free)} (half of the "
            f"{_size(free)} free, so the machine stays usable): {fix}; or raise the limit with "
            "--max-memory (memory_limit in Python)."
        )
    if _limit[0] is not None and nbytes > _limit[0]:
        raise CapacityError(f"{need}, above the limit of {_size(_limit[0])} (set by --max-memory or "
                            f"memory_limit): {fix}; or raise the limit.")
    raise CapacityError(f"{need}, but only {_size(free)} is free: {fix}.")


def csr_bytes(n: int, directed_edges: int) -> int:
    """Peak bytes to build a CSR graph from an edge list (edges, CSR, and scratch)."""
    return 8 * (n + 1) + 4 * directed_edges * 3 + 8 * n


def from_edges(n: int, src: np.ndarray, dst: np.ndarray, name: str = "network") -> Network:
    """Build an undirected CSR ``Network`` from edge endpoint arrays.

    Self-loops and duplicate edges are dropped and counted in ``removed``.
    Each edge is given once (either direction); both directions are stored.
    O(n + m) time plus the per-row sorts (see ``_build_csr``).
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
    src = src.astype(np.int32, copy=False)
    dst = dst.astype(np.int32, copy=False)
    indptr, indices, loops, dupes = _build_csr(n, src, dst)
    return Network(n, indptr, indices, name, {"self_loops": int(loops), "multi_edges": int(dupes)})


#: agents per bucket of the CSR build: a bucket's rows fit in cache, and the
#: agent's place in its bucket fits in a uint16
_BUCKET_BITS = 16


@numba.njit(cache=True, nogil=True)
def _build_csr(n, src, dst):
    """CSR rows from an edge list: both directions stored, rows sorted, repeats dropped.

    A two-pass radix sort keeps memory access local, which matters more than
    operation counts once the graph outgrows the CPU caches (about 3x faster at
    10^8 edges than a direct counting sort). Pass 1 deals each directed entry
    into the bucket of ``2**_BUCKET_BITS`` agents that owns it (streaming
    writes); pass 2 counting-sorts each bucket by agent in a cache-sized
    buffer, sorts and dedupes its rows there and packs them into place.
    O(n + m) plus the row sorts; about 20 bytes per edge beyond the edge list.
    """
    buckets, own, nbr, loops = _deal_to_buckets(n, src, dst)
    indptr, out = _sort_buckets(n, buckets, own, nbr)
    return indptr, nbr[:out], loops, (nbr.size - out) // 2


@numba.njit(cache=True)
def _deal_to_buckets(n, src, dst):
    """Directed entries grouped by bucket: ``nbr`` and the owner's place ``own`` in it."""
    shift = _BUCKET_BITS
    n_buckets = ((n - 1) >> shift) + 1
    buckets = np.zeros(n_buckets + 1, dtype=np.int64)
    loops = 0
    for e in range(src.size):
        a = src[e]
        b = dst[e]
        if a == b:
            loops += 1
        else:
            buckets[(a >> shift) + 1] += 1
            buckets[(b >> shift) + 1] += 1
    for k in range(n_buckets):
        buckets[k + 1] += buckets[k]
    nbr = np.empty(buckets[n_buckets], dtype=np.int32)
    own = np.empty(buckets[n_buckets], dtype=np.uint16)
    fill = buckets[:-1].copy()
    mask = (1 << shift) - 1
    for e in range(src.size):
        a = src[e]
        b = dst[e]
        if a != b:
            k = fill[a >> shift]
            nbr[k] = b
            own[k] = a & mask
            fill[a >> shift] = k + 1
            k = fill[b >> shift]
            nbr[k] = a
            own[k] = b & mask
            fill[b >> shift] = k + 1
    return buckets, own, nbr, loops


@numba.njit(cache=True)
def _sort_buckets(n, buckets, own, nbr):
    """Counting-sort each bucket by owner, sort and dedupe its rows, pack them into ``nbr``.

    Packing only moves entries towards the front, so it is done in place.
    Rows are sorted by ``sort_ids``: insertion sort on short rows, O(degree)
    on a row that arrives in order (as ``erdos_renyi`` makes them), and a
    radix sort on long ones (hubs).
    """
    size = 1 << _BUCKET_BITS
    widest = 0
    for k in range(buckets.size - 1):
        widest = max(widest, buckets[k + 1] - buckets[k])
    rows = np.empty(widest, dtype=np.int32)
    ends = np.empty(size + 1, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    out = 0
    for k in range(buckets.size - 1):
        first = k * size
        agents = min(size, n - first)
        ends[: agents + 1] = 0
        for j in range(buckets[k], buckets[k + 1]):
            ends[own[j] + 1] += 1
        for i in range(agents):
            ends[i + 1] += ends[i]
        for j in range(buckets[k], buckets[k + 1]):
            rows[ends[own[j]]] = nbr[j]
            ends[own[j]] += 1
        lo = 0  # ends[i] is now the end of agent first + i's row in rows
        for i in range(agents):
            hi = ends[i]
            sort_ids(rows, lo, hi)
            last = -1
            for j in range(lo, hi):
                if rows[j] != last:
                    last = rows[j]
                    nbr[out] = last
                    out += 1
            indptr[first + i + 1] = out
            lo = hi
    return indptr, out


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
