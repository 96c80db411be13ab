"""The report page and the PNG figures: self-contained, small, complete."""

import json
import re

import numpy as np

from rumormill.report import render, write_figures, write_report
from rumormill.results import Store

PNG = b"\x89PNG\r\n\x1a\n"


def figures_of(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="rumormill-figures">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def test_the_page_is_self_contained(stored):
    page = render(*stored)
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert "plotly" in page[:200_000].lower()  # plotly.js is inside
    assert len(page.encode()) < 10_000_000


def test_the_page_has_every_section_with_data(stored):
    figs = figures_of(render(*stored))
    assert list(figs) == ["fig-reach", "fig-reach-group", "fig-reach-region", "fig-map", "fig-map-dates",
                          "fig-channels", "fig-detentions", "fig-compare"]
    for name, fig in figs.items():
        assert fig["data"], name
        for trace in fig["data"]:
            assert len(trace.get("x") or trace.get("z")) > 0, name
    region_names = {t["name"] for t in figs["fig-reach-region"]["data"]}
    assert {"Ryanggang", "military camps"} <= region_names
    numbers = [(a["text"], a["hovertext"]) for a in figs["fig-reach"]["layout"]["annotations"] if a.get("hovertext")]
    assert numbers == [("1", "1. 2025-01-11: captures announced"), ("2", "2. 2025-01-23: border report"),
                       ("3", "3. 2025-02-01: joint order; on: inspect mail")]


def test_the_key_date_maps_hold_the_stored_reach_at_the_end_of_each_key_date(stored):
    from rumormill.report import data

    store, run_id = stored
    run = data.load(store, run_id)
    fig = figures_of(render(store, run_id))["fig-map-dates"]
    dates = data.key_dates(run)
    assert len(fig["data"]) == len(run.stories) * len(dates) == 6
    assert [a["text"] for a in fig["layout"]["annotations"][:3]] == [
        "2025-01-11<br>captures announced", "2025-01-23<br>border report", "2025-02-01<br>joint order"]
    for k, trace in enumerate(fig["data"]):
        story, (_, row) = run.stories[k // len(dates)], dates[k % len(dates)]
        stored_reach = store.query(
            f"SELECT region, 1 - sum(count) FILTER (WHERE state = 'ignorant') / sum(count) AS reach FROM timeseries "
            f"WHERE run_id = '{run_id}' AND day = {row} AND story = '{story}' AND region IS NOT NULL GROUP BY ALL")
        shown = sorted(v for r in trace["z"] for v in r if v is not None)
        assert len(shown) == len(stored_reach) and np.allclose(shown, sorted(stored_reach["reach"]))


def test_the_map_slider_starts_on_the_chosen_date(stored):
    figs = figures_of(render(*stored, map_date="2025-02-01"))
    layout = figs["fig-map"]["layout"]
    slider = layout["sliders"][0]
    assert layout["title"]["text"] == "reach on 2025-02-01 (joint order; day 124)"
    step = slider["steps"][slider["active"]]
    assert step["args"][1]["title.text"] == "reach on 2025-02-01 (joint order; day 124)"
    assert step["args"][0]["z"] == [t["z"] for t in figs["fig-map"]["data"]]
    assert len(slider["steps"]) <= 122 and step["label"] == "2025-02-01"
    assert slider["steps"][0]["label"] == "2024-10-01" and slider["steps"][-1]["label"] == "2025-02-27"  # the end of the last day


def test_sections_without_data_are_left_out(tmp_path, fakes):
    store = Store(tmp_path)
    plain = fakes.fake_result(days=40)  # no baseline; the order (day 123) never comes, so no detentions
    run_id = store.save(plain)
    figs = figures_of(render(store, run_id))
    assert "fig-compare" not in figs and "fig-detentions" not in figs and "fig-map" in figs


def test_a_long_run_stays_small(tmp_path, fakes):
    store = Store(tmp_path)
    run_id = store.save(fakes.fake_result(days=1200))
    path = write_report(store, run_id)
    assert path == store.run_dir(run_id) / "report.html"
    assert path.stat().st_size < 10_000_000
    for fig in figures_of(path.read_text()).values():
        for trace in fig["data"]:
            assert len(trace.get("x") or []) <= 410


def test_pngs_for_papers(stored, tmp_path):
    store, run_id = stored
    paths = write_figures(store, run_id, tmp_path)
    assert [p.name for p in paths] == ["reach.png", "reach_by_group.png", "reach_by_region.png", "map.png",
                                       "channels.png", "detentions.png", "compare.png"]
    for p in paths:
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 10_000
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_report_command_writes_page_and_pngs(stored, fakes, capsys):
    store, run_id = stored
    assert fakes.cli_main(["report", run_id[:20], "--out", str(store.folder), "--map-date", "2025-01-23"]) == 0
    out = capsys.readouterr().out
    folder = store.run_dir(run_id)
    assert str(folder / "report.html") in out.replace("\n", "")
    assert (folder / "map.png").read_bytes()[:8] == PNG
    assert "reach on 2025-01-23" in (folder / "report.html").read_text()[-400_000:]


def test_report_command_bad_input(stored, fakes, capsys, tmp_path):
    store, run_id = stored
    assert fakes.cli_main(["report", run_id, "--out", str(store.folder), "--map-date", "1st of May"]) == 2
    assert "YYYY-MM-DD" in " ".join(capsys.readouterr().err.split())
    missing = tmp_path / "nowhere" / "r.html"
    assert fakes.cli_main(["report", run_id, "--out", str(store.folder), "--output", str(missing)]) == 2
    assert "does not exist" in " ".join(capsys.readouterr().err.split())
    assert fakes.cli_main(["report", "latest", "--out", str(tmp_path / "empty")]) == 2
    assert "no run 'latest'" in " ".join(capsys.readouterr().err.split())
