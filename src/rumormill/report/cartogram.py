"""A tile-grid map: one square per region, placed roughly where it lies.

A tile map needs no shapefile (nothing to download, nothing to license) and
gives small regions the same weight as large ones, which suits counts of
people better than areas do. Regions not in the layout (e.g. "military
camps", which has no place on a map) get rows of their own below the map,
after one empty row; with no known region at all, every region is laid out
in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass

#: North Korea's provinces, north at the top, west at the left
KOREA_TILES = {
    "North Pyongan": (0, 0), "Chagang": (0, 1), "Ryanggang": (0, 2), "North Hamgyong": (0, 3),
    "South Pyongan": (1, 0), "Pyongyang": (1, 1), "South Hamgyong": (1, 2),
    "South Hwanghae": (2, 0), "North Hwanghae": (2, 1), "Kangwon": (2, 2),
}


@dataclass(frozen=True)
class TileMap:
    """Where each region's tile is: ``tiles[region] = (row, col)``.

    ``off_map_row`` is the first row of regions that have no place on the map
    (None when every region has one).
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


def tile_map(regions, layout: dict[str, tuple[int, int]] = KOREA_TILES) -> TileMap:
    """Place ``regions``: those in ``layout`` where it says, the rest below it."""
    regions = [r for r in dict.fromkeys(regions) if r is not None]
    known = {r: layout[r] for r in regions if r in layout}
    rest = [r for r in regions if r not in layout]
    if known:
        rows = max(r for r, _ in known.values()) + 1
        cols = max(c for _, c in known.values()) + 1
    else:
        rows, cols = 0, min(max(len(rest), 1), 4)
    tiles = dict(known)
    off_map_row = None
    if rest:
        off_map_row = rows + 1 if known else 0
        for i, region in enumerate(rest):
            tiles[region] = (off_map_row + i // cols, i % cols)
        rows = off_map_row + (len(rest) - 1) // cols + 1
    return TileMap(tiles, rows, cols, off_map_row)


def map_inputs(run, day=None):
    """What both map renderers need: reach by region, its tile map, and the
    chosen day (the last by default); None when the run has no regions."""
    from . import data

    frame = data.reach(run, "region")
    regions = [r for r in data.groups(frame, "region") if r != "all"]
    if not regions:
        return None
    return frame, tile_map(regions), run.last_day if day is None else run.day_of(day)
