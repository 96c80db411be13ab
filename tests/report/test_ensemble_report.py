"""The ensemble report: its tables against the store's own views and
replicate files, the numbers on the page, the map's opening date, the
effects in percentage points, the PNG files, and the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from rumormill.cli import main
from rumormill.report import ensemble_charts, ensemble_data, ensemble_figures, write, write_ensemble
from rumormill.results import Store, StoreError
from rumormill.scenario import load

VILLAGE = Path(__file__).with_name("village.toml")
QUESTION = dt.date(2025, 1, 25)


@pytest.fixture(scope="module")
def scenario():
    return load(VILLAGE)


@pytest.fixture(scope="module")
def ensembles(village_ensembles):
    return village_ensembles


@pytest.fixture(scope="module")
def loaded(ensembles, scenario):
    store, plain, pairs = ensembles
    return ensemble_data.load(store, plain, scenario), ensemble_data.load(store, pairs, scenario)


def _summaries(store, eid, metric, level, name, day):
    """One value per replicate, straight from the summaries view."""
    frame = store.query(f"SELECT replicate, value, value_without FROM summaries WHERE ensemble_id = '{eid}' "
                        f"AND metric = '{metric}' AND level = '{level}' AND name = '{name}' AND day = {day} "
                        "ORDER BY replicate")
    return frame


def test_the_tables_hold_the_quantiles_of_the_stored_replicates(ensembles, loaded):
    store, plain, _ = ensembles
    ens, _ = loaded
    assert ens.runs == 4 and ens.stories == ["news"] and ens.groups == ["villager", "soldier"]
    assert list(ens.key_dates) == ["news out", "checks begin", "the question"]
    assert ens.question() == ("the question", QUESTION)
    row = ensemble_data.on_date(ens.reach, QUESTION, "group", "news").set_index("name").loc["villager"]
    day = (QUESTION - ens.start).days + 1  # the row dated 2025-01-25 is the end of that day
    values = _summaries(store, plain, "reach", "group", "villager", day)["value"].to_numpy()
    assert len(values) == 4 and values.std() > 0
    assert row["q50"] == pytest.approx(np.quantile(values, 0.5), abs=1e-12)
    assert row["q05"] == pytest.approx(np.quantile(values, 0.05), abs=1e-12)
    assert row["q95"] == pytest.approx(np.quantile(values, 0.95), abs=1e-12)


def test_replicates_carry_their_report_day_detentions_and_draws(ensembles, loaded):
    store, plain, _ = ensembles
    ens, _ = loaded
    stored = store.query(f"SELECT replicate, report_day, params FROM replicates WHERE ensemble_id = '{plain}' "
                         "ORDER BY replicate")
    assert list(ens.replicates["report_day"]) == list(stored["report_day"])
    assert list(ensemble_data.report_dates(ens)) == [ens.start + dt.timedelta(days=int(d))
                                                     for d in stored["report_day"].dropna()]
    last = int(ens.detained["day"].max())
    assert list(ens.replicates["detained"]) == list(_summaries(store, plain, "detained", "all", "all", last)["value"])
    draws = ensemble_data.draws(ens)
    assert list(draws.columns) == ["replicate", "market_rate"]
    assert list(draws["market_rate"]) == [json.loads(p)["market_rate"] for p in stored["params"]]


def test_effects_are_the_paired_differences(ensembles, loaded):
    store, _, pairs = ensembles
    _, cmp = loaded
    assert cmp.is_compare and cmp.without == ["checks"] and ensemble_data.draws(cmp) is None
    last = int(cmp.detained["day"].max())
    pair = _summaries(store, pairs, "detained", "all", "all", last)
    diff = (pair["value"] - pair["value_without"]).to_numpy()
    row = ensemble_data.detentions(cmp, effects=True).set_index("name").loc["all"]
    assert row["q50"] == pytest.approx(np.quantile(diff, 0.5)) and row["q95"] == pytest.approx(np.quantile(diff, 0.95))


def test_the_summary_sentences_quote_the_tables(loaded):
    ens, cmp = loaded
    lines = ensemble_data.summary(ens)
    groups = ensemble_data.on_date(ens.reach, QUESTION, "group", "news").set_index("name")
    top = groups["q50"].idxmax()
    assert any(line.startswith("By 2025-01-25 (the question), " + ensemble_data.interval(groups.loc[top],
                                                                                       ensemble_data.pct)
                               + f" of {ensemble_data.people(top)} had heard “news”") for line in lines), lines
    total = ensemble_data.detentions(ens).set_index("name").loc["all"]
    assert any(ensemble_data.interval(total, ensemble_data.count) + " people were detained" in line
               for line in lines), lines
    fired = ens.replicates["report_day"].dropna()
    assert any(line.startswith(f"The hill report went up in {len(fired)} of 4 runs") for line in lines), lines
    assert any("(with − without)" in line and " pp [" in line or "changes no group" in line
               for line in ensemble_data.summary(cmp))


@pytest.mark.parametrize("name, words", [("soldier_family", "soldier families"), ("border_resident",
                                                                                  "border residents"),
                                         ("villagers", "villagers"), ("day", "days")])
def test_group_names_read_as_people(name, words):
    assert ensemble_data.people(name) == words


def test_the_map_opens_on_the_question_date_with_intervals_on_hover(loaded):
    ens, _ = loaded
    fig = ensemble_charts.cartogram(ens)
    slider = fig["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == "2025-01-25"
    assert fig["layout"]["title"]["text"] == "median reach on 2025-01-25 (the question)"
    regions = ensemble_data.on_date(ens.reach, QUESTION, "region", "news").set_index("name")
    hover = [text for row in fig["data"][0]["hovertext"] for text in row if text]
    assert sorted(hover) == sorted(f"{r}: {ensemble_data.interval(regions.loc[r], ensemble_data.pct)}"
                                   for r in ("hill", "river"))
    assert sorted(v for row in fig["data"][0]["z"] for v in row if v is not None) == sorted(regions["q50"])


def test_small_multiples_show_each_key_date_from_the_stored_medians(loaded, ensembles, scenario, tmp_path):
    ens, _ = loaded
    fig = ensemble_charts.key_date_maps(ens)
    dates = list(ens.key_dates.items())
    assert len(fig["data"]) == len(ens.stories) * len(dates)
    for trace, (name, date) in zip(fig["data"], dates):
        regions = ensemble_data.on_date(ens.reach, date, "region", "news").set_index("name")
        assert sorted(v for row in trace["z"] for v in row if v is not None) == sorted(regions["q50"]), name
    assert [a["text"] for a in fig["layout"]["annotations"][:len(dates)]] == \
        [f"{d.isoformat()}<br>{n}" for n, d in dates]
    assert fig["data"][0]["z"] != fig["data"][-1]["z"]  # the news spreads between the first and last key date
    store, plain, _ = ensembles
    page = write(store, plain, tmp_path / "page.html", png=False, scenario=scenario)[0].read_text()
    assert 'id="fig-map-dates"' in page


def test_effects_are_drawn_in_percentage_points(loaded):
    _, cmp = loaded
    fig = ensemble_charts.effects(cmp)
    axis = fig["layout"]["yaxis"]
    assert axis["ticksuffix"] == " pp" and "tickformat" not in axis
    medians = [t for t in fig["data"] if t.get("legendgroup") == "villager" and t.get("fill") is None]
    series = ensemble_data.series(ensemble_charts._thin(cmp.effects, cmp), "group", "news")
    expected = np.round(series[series["name"] == "villager"]["q50"].to_numpy() * 100, 6)
    assert np.allclose(medians[0]["y"], expected)


def test_every_band_has_its_name_in_the_legend_once(loaded):
    ens, _ = loaded
    fig = ensemble_charts.reach_by(ens, "region")
    shown = [t["name"] for t in fig["data"] if t.get("showlegend", True)]
    assert shown == ["hill", "river"]
    colours = [t["line"]["color"] for t in fig["data"] if t.get("showlegend", True)]
    assert len(set(colours)) == len(colours)
    numbers = [a["text"] for a in fig["layout"]["annotations"] if a.get("hovertext")]
    assert numbers == ["1", "2", "3"]


def test_the_page_holds_the_numbers_of_the_store(ensembles, loaded, tmp_path):
    store, plain, pairs = ensembles
    ens, cmp = loaded
    page = write_ensemble(store, plain, tmp_path / "report.html", png=False, scenario=load(VILLAGE))[0]
    text = page.read_text()
    assert "dataset.rendered" in text and "<script src=" not in text  # plotly.js is inside
    for line in ensemble_data.summary(ens):
        assert line.replace("'", "&#x27;") in text, line
    for by in ("group", "region"):
        for _, row in ensemble_data.on_date(ens.reach, QUESTION, by, "news").iterrows():
            assert f"<td>{ensemble_data.interval(row, ensemble_data.pct)}</td>" in text
    assert "<th>the question<br>2025-01-25</th>" in text and "2025-01-05 checks begin" in text
    for _, row in ensemble_data.detentions(ens).iterrows():
        assert f"<td>{ensemble_data.interval(row, ensemble_data.count)}</td>" in text
    for value in ens.replicates["market_rate"]:
        assert f"<td>{value:.4g}</td>" in text
    other = write_ensemble(store, pairs, tmp_path / "compare.html", png=False, scenario=load(VILLAGE))[0].read_text()
    for _, row in ensemble_data.on_date(cmp.effects, QUESTION, "group", "news").iterrows():
        assert f"<td>{ensemble_data.interval(row, ensemble_data.pp)}</td>" in other
    assert "with − without" in other and "minus this run" not in other


def test_the_figures_are_written_as_png_into_the_ensembles_folder(ensembles, scenario):
    store, plain, pairs = ensembles
    for eid, extra in ((plain, set()), (pairs, {"effects.png"})):
        paths = write_ensemble(store, eid, scenario=scenario)
        folder = store.folder / "ensembles" / eid
        assert paths[0] == folder / "report.html"
        names = {p.name for p in paths[1:]}
        ens = ensemble_data.load(store, eid, scenario)
        chain = set() if ensemble_data.steps(ens).empty else {"chain.png"}  # only where a report went up
        assert names == set(ensemble_figures.FIGURES) - {"effects.png", "letters.png", "chain.png"} | extra | chain
        for path in paths[1:]:
            assert path.parent == folder and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_write_takes_an_ensemble_id_and_refuses_a_map_date(ensembles):
    store, plain, _ = ensembles
    paths = write(store, plain[:6], png=False)
    assert paths == [store.folder / "ensembles" / plain / "report.html"]
    with pytest.raises(StoreError, match="--map-date"):
        write(store, plain, map_date="2025-01-10")
    with pytest.raises(StoreError, match="no ensemble"):
        write(store, "e000000000000")


def test_the_command_line_runs_the_scenarios_runs_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["run", str(VILLAGE), "--workers", "1", "--report", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "over 3 runs" in printed and "\nreport: " in printed and "hill-report went up" in printed
    row = Store(out).ensembles().iloc[0]
    assert (row.runs_wanted, row.runs_done) == (3, 3)
    folder = out / "ensembles" / row.ensemble_id
    assert (folder / "report.html").is_file() and (folder / "map.png").is_file()
    (folder / "report.html").unlink()
    assert main(["report", row.ensemble_id, "--out", str(out), "--no-png"]) == 0
    assert (folder / "report.html").is_file()
    assert main(["run", str(VILLAGE), "--runs", "1", "--no-report", "--out", str(out)]) == 0
    assert "stored as run" in capsys.readouterr().out and len(Store(out).runs()) == 1


def test_an_own_scenario_gets_its_report_unless_told_not_to(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["run", str(VILLAGE), "--runs", "2", "--workers", "1", "--no-report", "--out", str(out)]) == 0
    assert "\nreport: " not in capsys.readouterr().out
    eid = Store(out).ensembles().iloc[0].ensemble_id
    assert not (out / "ensembles" / eid / "report.html").exists()
    assert main(["run", str(VILLAGE), "--runs", "2", "--workers", "1", "--out", str(out)]) == 0
    assert "\nreport: " in capsys.readouterr().out
    assert (out / "ensembles" / eid / "report.html").exists()


def test_without_its_scenario_the_report_opens_on_the_last_day(ensembles):
    store, plain, _ = ensembles
    ens = ensemble_data.load(store, plain)  # not a built-in scenario: no key dates to find
    assert ens.key_dates == {} and ens.triggers == []
    assert ens.question() == ("last day", dt.date(2025, 2, 9))
    assert ens.table_dates() == [("last day", dt.date(2025, 2, 9))]
    assert ensemble_charts.cartogram(ens)["layout"]["title"]["text"] == "median reach on 2025-02-09"


POST = Path(__file__).with_name("post.toml")


@pytest.fixture(scope="module")
def post(tmp_path_factory):
    """``rumormill run post.toml --runs 3 --report``: (store, ensemble id, what it printed)."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("post-ensemble") / "runs"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["run", str(POST), "--runs", "3", "--workers", "1", "--report", "--out", str(out)]) == 0
    store = Store(out)
    return store, store.ensembles().iloc[0].ensemble_id, printed.getvalue()


def _letter_totals(store, eid) -> dict:
    """(replicate, written/delivered/caught) -> letters over the whole run, straight from the summaries view."""
    frame = store.query(f"SELECT replicate, level, sum(value) AS n FROM summaries WHERE ensemble_id = '{eid}' "
                        "AND metric = 'letters' GROUP BY ALL")
    return {(r.replicate, r.level): r.n for r in frame.itertuples()}


def test_the_letters_table_is_the_quantiles_of_each_runs_totals(post):
    store, eid, _ = post
    ens = ensemble_data.load(store, eid, load(POST))
    stored = _letter_totals(store, eid)
    totals = ensemble_data.letter_totals(ens)
    for what in ("written", "delivered", "caught"):
        assert totals[what].tolist() == [stored[r, what] for r in totals["replicate"]]
    assert totals["inspected_from"].tolist() == ens.replicates["on: read-letters"].tolist()
    runs = ens.letter_runs
    for r in totals.itertuples():  # in the post: written before the inspection, neither delivered nor caught by then
        rows = runs[(runs["replicate"] == r.replicate) & (runs["day"] <= r.inspected_from)]
        assert r.in_post == (rows["written"] - rows["delivered"] - rows["caught"]).sum() > 0
        assert rows["caught"].sum() == 0  # nothing is caught before the censor starts
    table = ensemble_data.letter_table(ens)
    caught = ensemble_data.quantiles(totals["caught"])
    assert table.loc["post", "caught"] == f"{caught[0]:,.0f} [{caught[1]:,.0f}, {caught[2]:,.0f}]"
    begun = ensemble_data.quantiles(totals["inspected_from"])
    assert table.loc["post", "inspection began"] == ensemble_data.dates(ens, *begun)
    assert "[" in table.loc["post", "inspection began"]  # the runs' censors began on different days


def test_the_chain_steps_are_the_stored_stage_days(post):
    store, eid, _ = post
    ens = ensemble_data.load(store, eid, load(POST))
    steps = ensemble_data.steps(ens).set_index("label")
    assert steps.index.tolist() == ["report: town-report", "the district security office", "the provincial committee",
                                    "order: town-report", "on: read-letters"]
    reps = store.query(f"SELECT info FROM replicates WHERE ensemble_id = '{eid}' ORDER BY replicate")
    days = [json.loads(i)["stage_days"]["town-report: the provincial committee"] for i in reps["info"]]
    q50, q05, q95 = (np.quantile(days, q) for q in (0.5, 0.05, 0.95))
    row = steps.loc["the provincial committee"]
    assert (row["runs"], row["q50"], row["q05"], row["q95"]) == (3, q50, pytest.approx(q05), pytest.approx(q95))
    assert row["date"] == (ens.start + dt.timedelta(days=round(q50))).isoformat()


def test_the_command_line_prints_the_letters_and_the_chain(post):
    store, eid, printed = post
    ens = ensemble_data.load(store, eid, load(POST))
    table = ensemble_data.letter_table(ens)
    assert "Letters over the whole run: median [5%, 95%] over 3 runs" in printed
    line = next(t for t in printed.splitlines() if t.startswith("│ post "))
    for value in table.loc["post", ["written", "delivered", "caught", "in the post then"]]:
        assert value in line
    assert "every one on or after the day its layer's inspection" in " ".join(printed.split())
    assert "Chain of command: median date [5%, 95%]" in printed
    steps = ensemble_data.steps(ens)
    for r in steps.itertuples():
        line = next(t for t in printed.splitlines() if t.startswith(f"│ {r.label} "))
        assert f"3 of 3 │ {ensemble_data.dates(ens, r.q50, r.q05, r.q95)} │" in line and r.date in line


def test_the_page_draws_the_letters_and_the_chain_under_the_reach_of_everyone(post):
    from test_report_page import figures_of

    store, eid, _ = post
    ens = ensemble_data.load(store, eid, load(POST))
    text = (store.folder / "ensembles" / eid / "report.html").read_text()
    figs = figures_of(text)
    medians = {t["name"]: t for t in figs["fig-letters"]["data"] if t.get("fill") is None}
    assert list(medians) == ["written", "delivered", "caught"]
    bands = ensemble_data.series(ensemble_charts._thin(ensemble_data.letter_bands(ens), ens), "letters", "news")
    assert medians["caught"]["y"] == bands[bands["name"] == "caught"]["q50"].round(6).tolist()
    assert sum(medians["caught"]["y"]) > 0
    for value in ensemble_data.letter_table(ens).loc["post"]:
        assert f"<td>{value}</td>" in text
    chain = figs["fig-chain"]
    steps = ensemble_data.steps(ens)
    assert chain["layout"]["yaxis2"]["categoryarray"] == steps["label"].tolist()
    assert chain["layout"]["yaxis2"]["domain"][1] < chain["layout"]["yaxis"]["domain"][0]  # the strip is below
    markers = [t for t in chain["data"] if t.get("yaxis") == "y2" and t["mode"] == "markers"][0]
    assert markers["x"] == steps["date"].tolist()
    spans = [t for t in chain["data"] if t.get("yaxis") == "y2" and t.get("line", {}).get("width") == 8][0]
    assert spans["x"][:2] == [ens.date_of(round(steps["q05"][0])).isoformat(),
                              ens.date_of(round(steps["q95"][0])).isoformat()]
    everyone = [t for t in chain["data"] if t.get("yaxis", "y") == "y" and t.get("fill") is None]
    assert [t["name"] for t in everyone] == ["news"]
    section = text[text.index('<section id="chain">'):]
    assert section.index("the district security office") < section.index("the provincial committee")
    assert {"letters.png", "chain.png"} <= {p.name for p in (store.folder / "ensembles" / eid).iterdir()}
