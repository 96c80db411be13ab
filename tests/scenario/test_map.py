"""The ``[map]`` table: where the report draws each region. Every region has a
tile or is listed off the map; each mistake is one located line."""

from __future__ import annotations

import pytest

from rumormill.errors import ScenarioError
from rumormill.results import content_hash
from rumormill.scenario import json_schema, load, loads

#: a tiny scenario of two regions
TINY = """\
[scenario]
name = "tiny"
start = 2025-01-01
days = 10

[population.regions]
north = 600
"south coast" = 400

[[population.groups]]
name = "people"
regions = ["north", "south coast"]
rest = true

[[layers]]
name = "town"
type = "random"
groups = ["people"]
mean_degree = 4.0
rate = 0.2

[[stories]]
name = "news"
model = "isr"
rate = 1.0
stifle = 0.4
initial = 4
"""
MAP = '\n[map]\noff_map = ["south coast"]\n\n[map.tiles]\nnorth = [0, 2]\n'


@pytest.fixture
def mini_text():
    return TINY


def error(text: str) -> str:
    with pytest.raises(ScenarioError) as err:
        loads(text, source="m.toml")
    return str(err.value)


def line_of(text: str, start: str) -> int:
    """The last line starting with ``start`` (the map comes last)."""
    return max(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_a_map_loads_and_is_no_part_of_the_content(mini_text):
    plain = loads(mini_text)
    sc = loads(mini_text + MAP)
    assert plain.map is None
    assert sc.map.tiles == {"north": [0, 2]} and sc.map.off_map == ["south coast"]
    assert content_hash(sc) == content_hash(plain)  # moving a tile keeps stored runs matched
    assert "map" in json_schema()["properties"]


def test_kpa_2025_places_the_provinces_and_draws_the_camps_apart():
    sc = load("kpa-2025")
    assert set(sc.map.tiles) | set(sc.map.off_map) == set(sc.population.regions)
    assert sc.map.off_map == ["military camps"] and sc.map.tiles["North Hamgyong"] == [0, 3]


@pytest.mark.parametrize("before, after, where, words", [
    ("north = [0, 2]", "nort = [0, 2]", "map.tiles.nort",
     "unknown region 'nort' (did you mean 'north'?); the regions are: 'north', 'south coast'."),
    ("north = [0, 2]", "north = [-1, 2]", "map.tiles.north[0]", "-1 is out of range"),
    ("north = [0, 2]", "north = [0]", "map.tiles.north", "too short"),
    ("north = [0, 2]", "north = [0, 2.5]", "map.tiles.north[1]", "whole number"),
    ("north = [0, 2]", "north = [0, 100]", "map.tiles.north[1]", "< 100"),
    ('off_map = ["south coast"]', 'off_map = ["south cost"]', "map.off_map[0]", "unknown region 'south cost'"),
    ('off_map = ["south coast"]', 'off_map = ["south coast", "north"]', "map.off_map[1]",
     "region 'north' has a tile in [map.tiles] and is listed off the map"),
])
def test_a_bad_map_gives_one_located_line(mini_text, before, after, where, words):
    text = mini_text + MAP.replace(before, after)
    msg = error(text)
    key = after.split(" =")[0]
    assert msg.startswith(f"m.toml, line {line_of(text, key)}, {where}: ") and words in msg, msg
    assert "\n" not in msg


def test_two_regions_on_one_tile(mini_text):
    text = mini_text + '\n[map]\ntiles = { north = [0, 0], "south coast" = [0, 0] }\n'
    msg = error(text)
    assert msg == (f'm.toml, line {line_of(text, "tiles")}, map.tiles."south coast": tile [0, 0] is taken by '
                   "'north'; give each region its own tile.")


def test_a_region_without_a_tile_must_be_listed_off_the_map(mini_text):
    text = mini_text + "\n[map.tiles]\nnorth = [0, 0]\n"
    msg = error(text)
    assert msg.startswith(f"m.toml, line {line_of(text, '[map.tiles]')}, map.tiles: region 'south coast' has no tile")
    assert '"south coast" = [row, column]' in msg and "off_map" in msg
    assert loads(mini_text + '\n[map]\noff_map = ["south coast"]\ntiles = { north = [0, 0] }\n').map is not None


def test_an_empty_or_unknown_map_table_is_refused(mini_text):
    assert "map.tiles: a table is too short: give at least 1 entries." in error(mini_text + "\n[map]\ntiles = {}\n")
    assert "map.tiles: missing" in error(mini_text + '\n[map]\noff_map = ["north", "south coast"]\n')
    assert "unknown key 'tile'" in error(mini_text + "\n[map]\ntile = { north = [0, 0] }\n")


def test_a_copy_with_parameter_values_keeps_the_map():
    from rumormill.scenario import load, with_values

    kpa = load("kpa-2025")
    assert kpa.map is not None and with_values(kpa, {"telling_rate": 0.3}).map == kpa.map
