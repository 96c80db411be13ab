"""Where the report's map gets its layout: the scenario's [map] (given, stored
with the run, or the unchanged built-in scenario of the run's name), else a
plain grid; and no page of a user's own scenario speaks of the built-in case."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from rumormill.report import data, ensemble_charts, ensemble_data, ensemble_figures, ensemble_page, render
from rumormill.report.cartogram import layout_of, map_inputs
from rumormill.results import Store, content_hash
from rumormill.scenario import load, loads

VILLAGE = Path(__file__).with_name("village.toml")
POST = Path(__file__).with_name("post.toml")
PROVINCES = ["Pyongyang", "South Pyongan", "North Pyongan", "Chagang", "South Hwanghae", "North Hwanghae",
             "Kangwon", "South Hamgyong", "North Hamgyong", "Ryanggang"]
#: the fake run's provinces in two rows of five, the camps off the map
FAKE_MAP = {"tiles": {p: [i // 5, i % 5] for i, p in enumerate(PROVINCES)}, "off_map": ["military camps"]}
#: words of the built-in scenario that a page of another scenario must not carry
BUILTIN_WORDS = ("province", "military", "korea", "camps", "pyongyang", "kpa")


def figures_of(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="rumormill-figures">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def words_of(page: str) -> str:
    """The page's own text: after plotly.js, before the figures' data."""
    body = page.split("</script></head>", 1)[1]
    return html.unescape(body.split('<script type="application/json"', 1)[0]).lower()


def test_a_run_stored_with_a_map_draws_its_tiles_there(tmp_path, fakes):
    store = Store(tmp_path)
    run_id = store.save(fakes.fake_result(days=40), scenario="my-own", info={"map": FAKE_MAP})
    run = data.load(store, run_id)
    tiles = map_inputs(run)[1]
    assert {p: tiles.tiles[p] for p in PROVINCES} == {p: tuple(t) for p, t in FAKE_MAP["tiles"].items()}
    assert tiles.tiles["military camps"] == (3, 0) and tiles.off_map_row == 3
    page = render(store, run_id)
    assert figures_of(page)["fig-map"]["data"][0]["text"][1] == PROVINCES[5:]
    assert "tiles are placed as the scenario's [map] table lays them out; regions with no place" in words_of(page)


def test_a_run_without_a_map_gets_a_grid_in_its_order(stored):
    store, run_id = stored  # scenario "fake-kpa": its province names are no reason for the Korean layout
    run = data.load(store, run_id)
    assert run.layout is None
    tiles = map_inputs(run)[1]
    assert tiles.off_map_row is None and (tiles.rows, tiles.cols) == (3, 4)
    assert tiles.labels()[0] == PROVINCES[:4] and tiles.labels()[2] == PROVINCES[8:] + ["military camps", ""]
    assert "without a [map] table from the scenario" in words_of(render(store, run_id))


def test_a_kpa_run_stored_without_a_map_takes_the_builtin_scenarios(tmp_path, fakes):
    """Runs stored before scenarios had [map]: the unchanged built-in scenario
    of their name gives the layout; another version of it (hash) does not."""
    kpa = load("kpa-2025")
    store = Store(tmp_path)
    same = store.save(fakes.fake_result(days=40), scenario="kpa-2025", scenario_hash=content_hash(kpa))
    other = store.save(fakes.fake_result(days=40), scenario="kpa-2025", scenario_hash="0" * 64)
    assert data.load(store, same).layout == layout_of(kpa)
    assert map_inputs(data.load(store, same))[1].tiles["Ryanggang"] == (0, 2)
    assert data.load(store, other).layout is None


def test_the_scenario_given_comes_first(tmp_path, fakes):
    store = Store(tmp_path)
    run_id = store.save(fakes.fake_result(days=40), info={"map": FAKE_MAP})
    assert data.load(store, run_id, scenario=load(POST)).layout is None  # post.toml has no [map]
    assert data.load(store, run_id, scenario=load("kpa-2025")).layout == layout_of(load("kpa-2025"))


def test_the_kpa_map_moves_no_content_hash():
    """The map says how to draw, not what happens: stored ensembles and calibrations keep matching."""
    kpa = load("kpa-2025")
    assert kpa.map is not None and "map" not in kpa.model_dump()
    assert content_hash(kpa) == content_hash(kpa.model_copy(update={"map": None}))


def test_an_ensemble_map_follows_its_scenario(village_ensembles):
    store, plain, _ = village_ensembles
    mapped = loads(VILLAGE.read_text() + "\n[map]\ntiles = { hill = [0, 1], river = [1, 0] }\n", source="v.toml")
    ens = ensemble_data.load(store, plain, mapped)
    assert ensemble_charts.cartogram(ens)["data"][0]["text"] == [["", "hill"], ["river", ""]]
    assert ensemble_figures.cartogram(ens) is not None
    assert "lays them out." in words_of(ensemble_page.render(ens))
    grid = ensemble_data.load(store, plain)  # not a built-in scenario, no map stored: a grid
    assert grid.layout is None and ensemble_charts.cartogram(grid)["data"][0]["text"] == [["hill", "river"]]


def test_pages_of_other_scenarios_do_not_speak_of_the_builtin_case(post_run, village_ensembles):
    store, plain, _ = village_ensembles
    pages = [render(*post_run), ensemble_page.render(ensemble_data.load(store, plain, load(VILLAGE)))]
    for page in pages:
        text = words_of(page)
        assert "map" in text and not [w for w in BUILTIN_WORDS if w in text], [w for w in BUILTIN_WORDS if w in text]


def test_a_users_scenario_run_from_the_command_line_keeps_its_map(tmp_path):
    """A file's [map] travels with a single run and with an ensemble, so `rumormill report ID` draws it."""
    from rumormill.cli import main

    own = tmp_path / "own.toml"
    own.write_text(VILLAGE.read_text() + '\n[map]\ntiles = { hill = [0, 1], river = [1, 0] }\n')
    out = tmp_path / "runs"
    assert main(["run", str(own), "--runs", "1", "--days", "14", "--no-report", "--out", str(out)]) == 0
    assert main(["run", str(own), "--runs", "2", "--days", "14", "--no-report", "--workers", "1",
                 "--out", str(out)]) == 0
    store = Store(out)
    run_id = store.runs()["run_id"].iloc[-1]
    assert data.load(store, run_id).layout == {"hill": (0, 1), "river": (1, 0)}
    ensemble_id = store.ensembles()["ensemble_id"].iloc[-1]
    assert ensemble_data.load(store, ensemble_id).layout == {"hill": (0, 1), "river": (1, 0)}
