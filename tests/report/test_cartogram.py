"""The tile map: every region gets one tile, those off the map sit apart."""

from rumormill.report.cartogram import KOREA_TILES, tile_map

PROVINCES = list(KOREA_TILES)


def test_the_provinces_keep_their_places_and_the_camps_sit_apart():
    tiles = tile_map(PROVINCES + ["military camps"])
    assert all(tiles.tiles[p] == KOREA_TILES[p] for p in PROVINCES)
    assert len(set(tiles.tiles.values())) == 11
    assert tiles.off_map_row == 4 and tiles.tiles["military camps"] == (4, 0) and tiles.rows == 5
    grid = tiles.grid({"Ryanggang": 0.5, "military camps": 0.25})
    assert grid[0][2] == 0.5 and grid[4][0] == 0.25 and grid[1][1] is None  # Pyongyang: no value given
    assert tiles.labels()[0][3] == "North Hamgyong" and tiles.labels()[3] == [""] * tiles.cols


def test_a_map_of_unknown_regions_is_laid_out_in_reading_order():
    tiles = tile_map(["north", "south", "east", "west", "centre", None, "north"])
    assert tiles.off_map_row == 0 and tiles.cols == 4 and tiles.rows == 2
    assert [tiles.tiles[r] for r in ("north", "centre")] == [(0, 0), (1, 0)]


def test_some_provinces_and_some_unknown_regions():
    tiles = tile_map(["Pyongyang", "Kangwon", "islands", "abroad", "camps"])
    assert tiles.tiles["Pyongyang"] == (1, 1) and tiles.off_map_row == 4
    assert [tiles.tiles[r] for r in ("islands", "abroad", "camps")] == [(4, 0), (4, 1), (4, 2)]
    assert tiles.rows == 5 and tiles.cols == 3
