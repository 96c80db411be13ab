"""A tile-grid map: one square per region, placed where the scenario says.

A tile map needs no shapefile (nothing to download, nothing to license) and
gives small regions the same weight as large ones, which suits counts of
people better than areas do. Where the tiles go is the scenario's own
``[map]`` table (region -> [row, column]); regions it has no tile for (those
it lists in ``off_map``) get rows of their own below the map, after one empty
row. A scenario without ``[map]`` gets a plain, near-square grid in its own
order of regions: nothing here knows any real place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TileMap:
    """Where each region's tile is: ``tiles[region] = (row, col)``.

    ``off_map_row`` is the first row of regions that have no place on the map
    (None when every region has one, or when there is no map: a plain grid).
    """

    tiles: dict[str, tuple[int, int]]
    rows: int
    cols: int
    off_map_row: int | None

    def grid(self, values: dict[str, float]) -> list[list[float | None]]:
        """Values on the grid, row by row; None where there is no tile."""
        out: list[list[float | None]] = [[None] * self.cols for _ in range(self.rows)]
        for region, (r, c) in self.tiles.items():
            value = values.get(region)
            out[r][c] = None if value is None else float(value)
        return out

    def labels(self) -> list[list[str]]:
        """Region names on the grid; empty text where there is no tile."""
        out = [[""] * self.cols for _ in range(self.rows)]
        for region, (r, c) in self.tiles.items():
            out[r][c] = region
        return out


def tile_map(regions, layout: dict | None = None) -> TileMap:
    """Place ``regions``: with a ``layout`` (region -> (row, col), a scenario's
    ``[map]`` tiles) those in it where it says and the rest in rows below it;
    without one, or when it places none of them, a near-square grid in the
    order given."""
    regions = [r for r in dict.fromkeys(regions) if r is not None]
    known: dict[str, tuple[int, int]] = {}
    for region in regions:
        tile = (layout or {}).get(region)
        if tile is not None and tuple(tile) not in known.values():  # a tile taken twice: the second sits apart
            known[region] = (int(tile[0]), int(tile[1]))
    if not known:
        cols = max(math.ceil(math.sqrt(len(regions))), 1)
        tiles = {region: (i // cols, i % cols) for i, region in enumerate(regions)}
        return TileMap(tiles, -(-len(regions) // cols), cols, None)
    rest = [r for r in regions if r not in known]
    rows = max(r for r, _ in known.values()) + 1
    cols = max(c for _, c in known.values()) + 1
    tiles = dict(known)
    off_map_row = None
    if rest:
        off_map_row = rows + 1
        for i, region in enumerate(rest):
            tiles[region] = (off_map_row + i // cols, i % cols)
        rows = off_map_row + (len(rest) - 1) // cols + 1
    return TileMap(tiles, rows, cols, off_map_row)


def layout_of(scenario) -> dict[str, tuple[int, int]] | None:
    """A scenario's tile positions (its ``[map]`` tiles), or None when it has no ``[map]``."""
    if scenario is None or getattr(scenario, "map", None) is None:
        return None
    return {region: (row, col) for region, (row, col) in scenario.map.tiles.items()}


def stored_layout(info: dict | None) -> dict[str, tuple[int, int]] | None:
    """The tile positions a run or ensemble stored in its info (``info["map"]``,
    shaped like a scenario's ``[map]``), or None when it stored none or one
    that is not a map (a report never fails on its map: it draws a grid)."""
    from pydantic import ValidationError

    from ..scenario.schema import MapTable

    stored = (info or {}).get("map")
    if stored is None:
        return None
    try:
        table = MapTable.model_validate(stored)
    except (ValidationError, TypeError):
        return None
    return {region: (row, col) for region, (row, col) in table.tiles.items()}


def note(layout: dict | None, regions) -> str:
    """What the page says about where the tiles are."""
    if layout is None:
        return "Without a [map] table from the scenario, the regions are tiles in its order, not where they lie."
    apart = [r for r in dict.fromkeys(regions) if r is not None and r not in layout]
    return "Tiles are placed as the scenario's [map] table lays them out" + (
        "; regions with no place on the map sit apart, below it." if apart else ".")


def map_inputs(run, day=None):
    """What both map renderers need: reach by region, its tile map, and the
    chosen day (by default the question's, ``data.question``: the last key
    date inside the run, else its last day); None when the run has no regions."""
    from . import data

    frame = data.reach(run, "region")
    regions = [r for r in data.groups(frame, "region") if r != "all"]
    if not regions:
        return None
    return frame, tile_map(regions, run.layout), data.question(run)[1] if day is None else run.row_of(day)
