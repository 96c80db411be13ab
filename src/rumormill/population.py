"""A synthetic population as a struct of arrays.

Agents are numbered 0..n-1 and sorted by *cell* (group × region), so each cell
is a contiguous block ``[start[c], start[c+1])``: a measure that targets a
group in some regions touches ranges, never a per-agent Python object.
Optional labels (household, neighbourhood unit, military unit, ...) give each
agent an integer id per kind, -1 where it has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError


@dataclass(frozen=True, eq=False)
class Population:
    """Agents by cell (group × region), with optional integer labels.

    Parameters
    ----------
    groups, regions : list of str
        Names. Cell ``c`` is group ``c // len(regions)`` in region ``c % len(regions)``.
    sizes : int64[len(groups) * len(regions)]
        Agents per cell; agents are laid out cell after cell.
    labels : dict of str -> int array of length n
        E.g. ``{"household": ..., "unit": ...}``; -1 means "none".

    Examples
    --------
    >>> pop = Population.from_sizes({("soldier", "north"): 3, ("resident", "north"): 2})
    >>> pop.n, pop.cell_names
    (5, ['soldier/north', 'resident/north'])
    >>> pop.cell_group.tolist(), pop.cell_region.tolist()
    ([0, 1], [0, 0])
    >>> pop.agents_of(groups=["resident"]).tolist()
    [3, 4]
    """

    groups: list[str]
    regions: list[str]
    sizes: np.ndarray
    labels: dict = field(default_factory=dict)

    def __post_init__(self):
        if len(self.sizes) != len(self.groups) * len(self.regions):
            raise ParameterError("Population.sizes: give one size per group × region cell.")
        if (np.asarray(self.sizes) < 0).any():
            raise ParameterError("Population.sizes: cell sizes must be >= 0.")
        for kind, lab in self.labels.items():
            if len(lab) != self.n:
                raise ParameterError(f"Population.labels[{kind!r}]: give one label per agent ({self.n:,}).")

    @classmethod
    def from_sizes(cls, sizes: dict, labels: dict | None = None) -> "Population":
        """Build from ``{(group, region): count}``, in first-seen order of names."""
        groups: list[str] = []
        regions: list[str] = []
        for g, r in sizes:
            if g not in groups:
                groups.append(g)
            if r not in regions:
                regions.append(r)
        arr = np.zeros(len(groups) * len(regions), dtype=np.int64)
        for (g, r), k in sizes.items():
            if int(k) != k or k < 0:
                raise ParameterError(f"size of {g}/{r} = {k!r}: give a whole number >= 0.")
            arr[groups.index(g) * len(regions) + regions.index(r)] = int(k)
        return cls(groups, regions, arr, dict(labels or {}))

    @property
    def n(self) -> int:
        return int(np.sum(self.sizes))

    @property
    def n_cells(self) -> int:
        return len(self.groups) * len(self.regions)

    @property
    def cell_names(self) -> list[str]:
        return [f"{g}/{r}" for g in self.groups for r in self.regions]

    @property
    def starts(self) -> np.ndarray:
        """First agent of each cell, and n at the end (int64[n_cells + 1])."""
        return np.concatenate([[0], np.cumsum(self.sizes)])

    @property
    def cell(self) -> np.ndarray:
        """Cell of every agent (int32[n])."""
        return np.repeat(np.arange(self.n_cells, dtype=np.int32), self.sizes)

    @property
    def cell_group(self) -> np.ndarray:
        """Group of every cell, an index into ``groups`` (int32[n_cells])."""
        return np.repeat(np.arange(len(self.groups), dtype=np.int32), len(self.regions))

    @property
    def cell_region(self) -> np.ndarray:
        """Region of every cell, an index into ``regions`` (int32[n_cells])."""
        return np.tile(np.arange(len(self.regions), dtype=np.int32), len(self.groups))

    @property
    def region(self) -> np.ndarray:
        """Region of every agent, an index into ``regions`` (int32[n])."""
        return np.repeat(self.cell_region, self.sizes)

    def cells_of(self, groups: Iterable[str] | None = None, regions: Iterable[str] | None = None) -> np.ndarray:
        """Cell ids of the named groups in the named regions (all when None)."""
        gs = self._names("group", self.groups, groups)
        rs = self._names("region", self.regions, regions)
        return np.array([gi * len(self.regions) + ri for gi in gs for ri in rs], dtype=np.int64)

    def agents_of(self, groups=None, regions=None) -> np.ndarray:
        """Agent ids of the named groups in the named regions."""
        st = self.starts
        parts = [np.arange(st[c], st[c + 1]) for c in self.cells_of(groups, regions)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    @staticmethod
    def _names(kind, known, wanted) -> list[int]:
        if wanted is None:
            return list(range(len(known)))
        out = []
        for name in wanted:
            if name not in known:
                raise ParameterError(f"unknown {kind} {name!r}; the {kind}s are: {', '.join(known)}.")
            out.append(known.index(name))
        return out

    def __repr__(self) -> str:
        return f"Population(n={self.n:,}, groups={self.groups}, regions={len(self.regions)})"
