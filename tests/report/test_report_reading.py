"""What a person reads on a run's page: the summary in sentences with the
store's numbers, display names from the scenario's [names], key dates listed
whole and numbered on the charts, a compare in percentage points (with −
without), panels with nothing to show that say so, and the jumps a check
explains labelled on the detentions."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rumormill.report import charts, data, figures, headline, render, write_figures
from rumormill.results import Store

from test_report_page import figures_of

VILLAGE = Path(__file__).with_name("village.toml")


# ---------------------------------------------------------------- names


def test_display_names_come_from_the_info_else_the_identifier():
    info = {"names": {"soldier_family": "soldiers' families", "blank": " "}}
    assert data.display(info, "soldier_family") == "soldiers' families"
    assert data.display(info, "resident") == "resident"  # not named: as it is
    assert data.display(info, "blank") == "blank"  # a blank name is no name
    assert data.display({}, "x") == "x" and data.display(None, "x") == "x"  # results stored before [names]
    assert data.display({"names": ["not", "a", "table"]}, "x") == "x"
    assert data.people(info, "soldier_family") == "soldiers' families"  # as the scenario wrote it
    assert data.people(info, "border_resident") == "border residents"  # else read as a plural


def test_the_page_shows_display_names_in_legends_tables_and_sentences(named):
    store, run_id = named
    page = render(store, run_id)
    figs = figures_of(page)
    groups = [t["name"] for t in figs["fig-reach-group"]["data"] if t.get("showlegend", True)]
    assert groups == ["border residents", "soldiers' families", "liaison officer", "soldier"]
    regions = [t["name"] for t in figs["fig-reach-region"]["data"] if t.get("showlegend", True)]
    assert "Ryanggang province" in regions and "Ryanggang" not in regions
    assert [a["text"] for a in figs["fig-reach-group"]["layout"]["annotations"] if a.get("xref") == "paper"][:2] \
        == ["deployment", "the captures"]  # the panels' titles: the stories' names
    assert [t["name"] for t in figs["fig-reach"]["data"] if t.get("yaxis", "y") == "y"] == ["deployment",
                                                                                          "the captures"]
    assert "<td>border residents</td>" in page and "<td>soldiers&#x27; families</td>" in page
    assert "<td>border resident</td>" not in page
    lines = headline.summary(data.load(store, run_id))
    assert any("had heard “the captures”" in line for line in lines), lines
    tiles = [t for row in figs["fig-map"]["data"][0]["text"] for t in row]
    assert "Ryanggang province" in tiles


def test_a_run_without_names_shows_its_identifiers(stored):
    figs = figures_of(render(*stored))
    assert [t["name"] for t in figs["fig-reach-group"]["data"] if t.get("showlegend", True)][0] == "border resident"


# ---------------------------------------------------------------- the summary


def _stored_reach(store, run_id, day, story, by="agent_group") -> pd.Series:
    """Reach per group on one day, straight from the store's timeseries."""
    frame = store.query(
        f"SELECT {by} AS name, 1 - sum(count) FILTER (WHERE state = 'ignorant') / sum(count) AS reach "
        f"FROM timeseries WHERE run_id = '{run_id}' AND day = {day} AND story = '{story}' GROUP BY ALL")
    return frame.set_index("name")["reach"]


def test_the_summary_quotes_the_stored_tables(named):
    store, run_id = named
    run = data.load(store, run_id)
    label, day = data.question(run)
    assert (label, day) == ("joint order", 124)  # the row holding the end of 2025-02-01
    lines = headline.summary(run)
    for story, line in zip(run.stories, lines):
        stored = _stored_reach(store, run_id, day, story)
        top, low = stored.idxmax(), stored.idxmin()
        assert line.startswith(f"By 2025-02-01 (joint order), {stored[top] * 100:.1f}% of "
                               f"{data.people(run.info, top)} had heard “{run.name(story)}”, against "
                               f"{stored[low] * 100:.1f}% of {data.people(run.info, low)}"), line
    detained = store.query(f"SELECT agent_group, sum(detained) AS n FROM detained WHERE run_id = '{run_id}' "
                           f"AND day = {run.last_day} GROUP BY ALL").set_index("agent_group")["n"]
    top = detained.idxmax()
    assert f"By 2025-02-27, {detained.sum():,.0f} people were detained, {detained[top]:,.0f} of them " \
           f"{data.people(run.info, top)}." in lines
    assert "The report (border report) went up on 2025-01-23." in lines
    assert "The order came on 2025-02-01, 9 days after the report." in lines
    base = store.meta(run_id)["baseline_id"]
    change = (_stored_reach(store, run_id, day, "captured") - _stored_reach(store, base, day, "captured"))
    top = change.abs().idxmax()
    assert (f"By 2025-02-01 (joint order), the largest change in who had heard “the captures” is among "
            f"{data.people(run.info, top)}: {data.pp(change[top])} (with − without).") in lines


def test_the_tables_hold_the_key_dates_and_the_stored_numbers(named):
    store, run_id = named
    run = data.load(store, run_id)
    table = headline.reach_table(run, "region", "deployment")
    assert list(table.columns) == ["captures announced\n2025-01-11", "border report\n2025-01-23",
                                   "joint order\n2025-02-01", "last day\n2025-02-27"]
    stored = _stored_reach(store, run_id, 115, "deployment", "region")  # the end of 2025-01-23
    assert np.allclose(table["border report\n2025-01-23"], stored[table.index])
    page = render(store, run_id)
    assert "<th>border report<br>2025-01-23</th>" in page
    assert f"<td>{data.pct(stored['Ryanggang'])}</td>" in page


# ---------------------------------------------------------------- key dates


def test_key_dates_are_listed_whole_and_numbered_on_the_charts(named):
    store, run_id = named
    run = data.load(store, run_id)
    page = render(store, run_id)
    listed = re.search(r'<ol class="keydates".*?</ol>', page, re.S).group(0)
    items = re.findall(r"<li><b>(\d+)</b>(.*?)</li>", listed)
    assert items == [("1", "2025-01-11 captures announced"), ("2", "2025-01-23 border report"),
                     ("3", "2025-02-01 joint order; on: inspect mail")]
    for fig in figures_of(page).values():
        for note in fig["layout"]["annotations"]:
            assert "…" not in note["text"] and len(note["text"]) < 80, note["text"]  # numbers, titles: no labels
            assert not note.get("textangle"), note  # nothing written sideways across the curves
    numbers = {a["text"] for a in figures_of(page)["fig-channels"]["layout"]["annotations"] if a.get("hovertext")}
    assert numbers == {"1", "2", "3"}
    assert data.numbered(run)[2] == (3, 123, "joint order; on: inspect mail")


def test_close_numbers_are_staggered():
    assert charts.stagger([10, 12, 13, 60, 100, 101], 182) == [0, 1, 0, 0, 0, 1]
    assert charts.stagger([], 10) == []


def test_the_measures_of_one_day_share_one_line():
    assert data.joined(["joint order", "on: a", "on: b", "off: c"]) == "joint order; on: a, b; off: c"


# ---------------------------------------------------------------- the compare


def test_the_difference_is_with_minus_without_in_points(named):
    store, run_id = named
    run = data.load(store, run_id)
    fig = charts.compare(run)
    layout = fig["layout"]
    assert layout["yaxis2"]["ticksuffix"] == " pp" and "tickformat" not in layout["yaxis2"]
    assert layout["yaxis"]["tickformat"] == ".0%"
    titles = [a["text"] for a in layout["annotations"] if a.get("xref") == "paper"]
    assert titles == ["reach with inspect mail (solid) and without inspect mail (dashed)",
                      "difference: with − without"]
    names = [t["name"] for t in fig["data"] if t.get("showlegend", True)]
    assert names == ["deployment: with inspect mail", "deployment: without inspect mail",
                     "the captures: with inspect mail", "the captures: without inspect mail"]
    solid, dashed = fig["data"][0]["line"], fig["data"][1]["line"]
    assert solid.get("dash", "solid") == "solid" and dashed["dash"] == "dash" and solid["width"] > dashed["width"]
    diff = [t for t in fig["data"] if t["yaxis"] == "y2" and t["name"].startswith("the captures")][0]
    base = store.meta(run_id)["baseline_id"]
    day = 130
    i = diff["x"].index(run.x_rows([day])[0])
    expected = _stored_reach(store, run_id, day, "captured", "story") - _stored_reach(store, base, day, "captured",
                                                                                        "story")
    assert diff["y"][i] == pytest.approx(100 * expected["captured"], abs=1e-3)
    assert min(diff["y"]) < 0  # the run with the measures is the slower one: below zero
    page = render(store, run_id)
    assert "minus this run" not in page and "with − without" in page
    assert "<h2>With and without inspect mail</h2>" in page


def test_the_compare_png_is_in_points(named, tmp_path):
    fig = figures.compare(data.load(*named))
    right = fig.axes[1]
    fig.canvas.draw()
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert all(label.endswith(" pp") for label in labels if label) and len(set(labels)) > 2, labels
    assert right.get_title() == "difference: with − without"


# ---------------------------------------------------------------- empty panels


def test_a_panel_with_nothing_to_show_says_so(stored):
    run = data.load(*stored)
    run.intercepts = run.intercepts.assign(intercepts=np.where(run.intercepts["story"] == "deployment", 0,
                                                               run.intercepts["intercepts"]))
    fig = charts.channels(run)
    panel = charts.Chart(2, 2).axes(2, 1)  # the second row's first panel: deployment's intercepts
    assert not [t for t in fig["data"] if (t["xaxis"], t["yaxis"]) == panel]
    assert fig["layout"]["yaxis3"]["visible"] is False
    assert [a["text"] for a in fig["layout"]["annotations"] if a.get("xref") == "x3 domain"] == ["no intercepts"]
    kept = [t for t in fig["data"] if (t["xaxis"], t["yaxis"]) == ("x4", "y4")]
    assert kept and any(max(t["y"]) > 0 for t in kept)
    png = figures.channels(run)
    texts = [t.get_text() for t in png.axes[2].texts]
    assert "no intercepts" in texts and not any(line.get_visible() for line in png.axes[2].lines[:1])


def test_the_legend_moves_to_a_panel_that_draws():
    chart = charts.Chart(1, 2)
    chart.line([0, 1], [0, 0], "a", "#000", col=1, legendgroup="a", showlegend=True)
    chart.line([0, 1], [0, 2], "a", "#000", col=2, legendgroup="a", showlegend=False)
    fig = chart.finish()
    assert [t.get("showlegend") for t in fig["data"]] == [True] and fig["data"][0]["xaxis"] == "x2"


# ---------------------------------------------------------------- steps a check explains


def test_the_jumps_a_check_explains_are_labelled(named, tmp_path, fakes):
    store, run_id = named
    run = data.load(store, run_id)
    extra = run.events.iloc[[0]].assign(day=130, kind="check-finding", count=3, detail="family-check")
    run.events = pd.concat([run.events, extra], ignore_index=True)
    steps = data.caused_steps(run)
    assert steps[["day", "row", "label"]].values.tolist() == [[130, 131, "check: family-check"]]
    fig = charts.detentions(run)
    notes = [a for a in fig["layout"]["annotations"] if a["text"] == "check: family-check"]
    assert len(notes) == 1 and notes[0]["x"] == "2025-02-08" and notes[0]["showarrow"]
    png = figures.detentions(run)
    assert "check: family-check" in [t.get_text() for t in png.axes[0].texts]


@pytest.fixture(scope="module")
def village_run(tmp_path_factory):
    from rumormill.cli import main

    folder = tmp_path_factory.mktemp("village-run") / "runs"
    assert main(["run", str(VILLAGE), "--runs", "1", "--seed", "1", "--no-report", "--out", str(folder)]) == 0
    store = Store(folder)
    return store, store.runs().run_id.iloc[-1]


def test_a_monitors_days_come_from_the_scenario(village_run):
    from rumormill.scenario import load

    store, run_id = village_run
    without = data.load(store, run_id)  # the user's own scenario, not given: no monitor known
    assert without.sweeps == {} and data.caused_steps(without).empty
    run = data.load(store, run_id, scenario=load(VILLAGE))
    assert run.sweeps == {"checks": ("monitor", 4, 5)}
    steps = data.caused_steps(run)
    start = int(run.events[(run.events["kind"] == "measure-start") & (run.events["detail"] == "checks")]["day"].min())
    assert len(steps) and set(steps["label"]) == {"check: checks"}
    assert all((d - start + 1) % 5 == 0 for d in steps["day"])  # the end of every fifth day it was on
    total = run.detained.groupby("day")["detained"].sum()
    assert all(total[r] > total[r - 1] for r in steps["row"])
    page = render(store, run_id, scenario=load(VILLAGE))
    notes = [a for a in figures_of(page)["fig-detentions"]["layout"]["annotations"] if a["text"] == "check: checks"]
    assert len(notes) == len(steps)


def test_pngs_carry_the_key_dates_whole(named, tmp_path):
    paths = write_figures(*named, folder=tmp_path)
    assert {p.name for p in paths} >= {"reach.png", "compare.png", "detentions.png"}
    fig = figures.reach_by(data.load(*named), "agent_group")
    text = fig.get_supxlabel() if hasattr(fig, "get_supxlabel") else fig._supxlabel.get_text()
    assert "3 2025-02-01 joint order; on: inspect mail" in text


def test_the_names_table_reaches_the_ensemble_page(village_ensembles):
    from rumormill.report import ensemble_charts, ensemble_data, ensemble_page
    from rumormill.scenario import loads

    store, plain, _ = village_ensembles
    source = VILLAGE.read_text() + '\n[names]\nvillager = "villagers"\nhill = "the hill"\nnews = "the news"\n'
    named = loads(source, source="village.toml")
    ens = ensemble_data.load(store, plain, named)
    fig = ensemble_charts.reach_by(ens, "group")
    assert [t["name"] for t in fig["data"] if t.get("showlegend", True)] == ["villagers", "soldier"]
    assert [a["text"] for a in fig["layout"]["annotations"] if a.get("xref") == "paper"] == ["the news"]
    page = ensemble_page.render(ens)
    assert "<td>villagers</td>" in page and "<td>the hill</td>" in page and "had heard “the news”" in page
    assert any(line.startswith("By 2025-01-25 (the question), ") and " of villagers" in line
               for line in ensemble_data.summary(ens))
    assert ensemble_data.load(store, plain).display_names == {}  # no scenario given, none stored: identifiers


def test_the_ensembles_check_days_come_from_its_scenario(village_ensembles):
    from rumormill.report import ensemble_charts, ensemble_data
    from rumormill.scenario import load

    store, plain, _ = village_ensembles
    ens = ensemble_data.load(store, plain, load(VILLAGE))
    steps = ensemble_data.caused_steps(ens)
    since = round(ens.replicates["on: checks"].median())
    assert len(steps) and set(steps["label"]) == {"check: checks"}
    assert all(((d - ens.start).days - since + 1) % 5 == 0 for d in steps["date"])
    notes = [a for a in ensemble_charts.detentions(ens)["layout"]["annotations"] if a["text"] == "check: checks"]
    assert [n["x"] for n in notes] == [d.isoformat() for d in steps["date"]]


def test_key_date_labels_with_markup_are_text_on_the_page(tmp_path, fakes):
    labels = {"<!--<script>": "2024-11-01", "</script><b>": "2024-12-01", "a & b > c": "2025-01-05"}
    result = fakes.fake_result(days=120)
    result.info["key_dates"] = dict(labels)
    store = Store(tmp_path)
    page = render(store, store.save(result, scenario="fake-kpa"))
    listed = re.search(r'<ol class="keydates".*?</ol>', page, re.S).group(0)
    assert "&lt;!--&lt;script&gt;" in listed and "&lt;/script&gt;&lt;b&gt;" in listed and "a &amp; b &gt; c" in listed
    hover = {a["hovertext"].split(": ", 1)[1] for a in figures_of(page)["fig-reach"]["layout"]["annotations"]
             if a.get("hovertext")}
    assert set(labels) <= hover
