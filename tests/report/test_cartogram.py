"""The tile map: tiles where the scenario's [map] puts them, those off the map
apart, and a plain grid when the scenario has no [map]."""

from rumormill.report.cartogram import TileMap, layout_of, note, stored_layout, tile_map
from rumormill.scenario import load

#: kpa-2025's map as the report drew it before the layout moved into the scenario file
KPA_BEFORE = TileMap(
    {"Pyongyang": (1, 1), "South Pyongan": (1, 0), "North Pyongan": (0, 0), "Chagang": (0, 1),
     "South Hwanghae": (2, 0), "North Hwanghae": (2, 1), "Kangwon": (2, 2), "South Hamgyong": (1, 2),
     "North Hamgyong": (0, 3), "Ryanggang": (0, 2), "military camps": (4, 0)},
    rows=5, cols=4, off_map_row=4)


def test_kpa_2025_draws_the_same_map_as_before():
    sc = load("kpa-2025")
    assert tile_map(list(sc.population.regions), layout_of(sc)) == KPA_BEFORE


def test_tiles_go_where_the_layout_says_and_the_rest_below():
    tiles = tile_map(["centre", "north", "islands", "abroad"], {"north": (0, 1), "centre": (1, 1), "west": (1, 0)})
    assert tiles.tiles["north"] == (0, 1) and tiles.tiles["centre"] == (1, 1)
    assert tiles.cols == 2 and tiles.off_map_row == 3 and tiles.rows == 4
    assert [tiles.tiles[r] for r in ("islands", "abroad")] == [(3, 0), (3, 1)]
    grid = tiles.grid({"north": 0.5, "abroad": 0.25})
    assert grid[0][1] == 0.5 and grid[3][1] == 0.25 and grid[1][1] is None  # centre: no value given
    assert tiles.labels()[0] == ["", "north"] and tiles.labels()[2] == ["", ""]


def test_without_a_layout_the_regions_make_a_near_square_grid_in_their_order():
    tiles = tile_map(["north", "south", "east", "west", "centre", None, "north"])
    assert tiles.off_map_row is None and (tiles.rows, tiles.cols) == (2, 3)
    assert [tiles.tiles[r] for r in ("north", "south", "east", "west", "centre")] == [
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert (tile_map(["a", "b"]).rows, tile_map(["a", "b"]).cols) == (1, 2)
    assert (tile_map(list("abcdefghij")).rows, tile_map(list("abcdefghij")).cols) == (3, 4)


def test_a_layout_that_places_none_of_the_regions_is_a_grid():
    """Korean province names are no default: other regions are never put beside an empty Korea."""
    tiles = tile_map(["hill", "river"], layout_of(load("kpa-2025")))
    assert tiles == TileMap({"hill": (0, 0), "river": (0, 1)}, 1, 2, None)


def test_two_regions_on_one_tile_do_not_hide_each_other():
    tiles = tile_map(["a", "b"], {"a": (0, 0), "b": (0, 0)})
    assert tiles.tiles == {"a": (0, 0), "b": (2, 0)} and tiles.off_map_row == 2


def test_a_stored_map_is_read_and_a_broken_one_ignored():
    assert stored_layout({"map": {"tiles": {"north": [0, 1], "south": [1, 1]}, "off_map": ["camps"]}}) == {
        "north": (0, 1), "south": (1, 1)}
    for info in (None, {}, {"map": None}, {"map": "north"}, {"map": {"tiles": {"north": [-1, 0]}}},
                 {"map": {"tiles": {"north": [0]}}}, {"map": {"tiles": {}}}, {"map": {"tiles": {"n": [0, 1]}, "x": 1}}):
        assert stored_layout(info) is None, info


def test_the_note_says_where_the_tiles_come_from():
    assert "not where they lie" in note(None, ["a", "b"])
    assert note({"a": (0, 0), "b": (0, 1)}, ["a", "b"]) == "Tiles are placed as the scenario's [map] table lays them out."
    assert "sit apart" in note({"a": (0, 0)}, ["a", "camps"])
