"""The chain of command as a timeline, and letters in transit, on the report
pages: every office in order, every letter count equal to the store's."""

import re
from pathlib import Path

import pytest

from rumormill.report import data, render, write_ensemble, write_figures
from rumormill.results import Store

from test_report_page import PNG, figures_of

#: post.toml's chain, as the page names its steps
STEPS = ["report: town-report", "the district security office", "the provincial committee", "order: town-report",
         "on: read-letters"]


def test_the_chain_is_every_step_in_order_at_its_configured_delays(post_run):
    steps = data.chain(data.load(*post_run))
    assert steps["label"].tolist() == STEPS
    report = int(steps["day"].iloc[0])
    assert steps["day"].tolist() == [report, report + 1, report + 3, report + 3, report + 3]


def test_the_page_draws_the_chain_under_the_reach_curves(post_run):
    page = render(*post_run)
    fig = figures_of(page)["fig-reach"]
    strip, curves = fig["layout"]["yaxis2"], fig["layout"]["yaxis"]
    assert strip["categoryarray"] == STEPS and strip["automargin"]  # names whole, in the axis's margin
    assert strip["domain"][1] < curves["domain"][0]  # the strip lies below the curves, not over them
    assert fig["layout"]["xaxis"]["matches"] == "x2"  # on the same dates
    markers = [t for t in fig["data"] if t.get("yaxis") == "y2" and t["mode"] == "markers"]
    assert markers[0]["y"] == STEPS
    listed = re.search(r'<ol class="chain".*?</ol>', page, re.S).group(0)
    positions = [listed.index(step) for step in STEPS]
    assert positions == sorted(positions)


def test_letters_chart_and_table_equal_the_stored_counts(post_run):
    store, run_id = post_run
    stored = store.query(
        "SELECT kind, sum(count) AS n FROM events WHERE run_id = latest_run() AND kind LIKE 'letters-%' GROUP BY kind")
    stored = dict(zip(stored["kind"], stored["n"].astype(int)))
    caught = int(store.query("SELECT sum(intercepts) AS n FROM intercepts WHERE run_id = latest_run() "
                             "AND layer = 'post'")["n"].iloc[0])
    totals = data.letter_totals(data.letters(data.load(store, run_id)))
    assert totals[["story", "layer"]].values.tolist() == [["news", "post"]]
    row = totals.iloc[0]
    assert (row.written, row.delivered, row.caught) == (stored["letters-written"], stored["letters-delivered"], caught)
    assert row.written > 0 and row.delivered > 0 and row.caught > 0
    page = render(store, run_id)
    traces = {t["name"]: sum(t["y"]) for t in figures_of(page)["fig-letters"]["data"]}
    assert traces == {"written": row.written, "delivered": row.delivered, "caught": row.caught}
    table = re.search(r'<table class="letters">.*?</table>', page, re.S).group(0)
    assert f"<td>{row.written:,}</td><td>{row.delivered:,}</td><td>{row.caught:,}</td>" in table


def test_a_run_without_letters_or_stages_has_neither(stored):
    figs = figures_of(render(*stored))
    assert "fig-letters" not in figs
    assert data.chain(data.load(*stored))["kind"].tolist() == ["report", "order", "measure-start"]


def test_pngs_hold_the_timeline_and_the_letters(post_run, tmp_path):
    paths = {p.name: p for p in write_figures(*post_run, folder=tmp_path)}
    for name in ("reach.png", "letters.png"):
        assert paths[name].read_bytes()[:8] == PNG


@pytest.fixture(scope="module")
def post_ensemble(tmp_path_factory):
    from rumormill.ensemble import plan_for
    from rumormill.ensemble.stored import run_stored
    from rumormill.scenario import load

    scenario = load(Path(__file__).with_name("post.toml"))
    store = Store(tmp_path_factory.mktemp("post-ensemble") / "rumormill-runs")
    plan = plan_for(scenario, runs=3)
    assert run_stored(plan, store, workers=1).status == "finished"
    return store, plan.id, scenario


def test_the_ensemble_page_lists_the_configured_chain_from_the_median_report(post_ensemble, tmp_path):
    from rumormill.report import ensemble_data

    store, eid, scenario = post_ensemble
    ens = ensemble_data.load(store, eid, scenario)
    chain = ensemble_data.chain(ens)
    assert chain["step"].tolist() == ["report (median over the runs)", "the district security office",
                                      "the provincial committee", "order"]
    assert chain["days after the report"].tolist() == [0, 1, 3, 3]
    median = ens.date_of(round(ens.replicates["report_day"].median()))
    assert chain["date"].iloc[0] == median.isoformat()
    page = write_ensemble(store, eid, tmp_path / "e.html", png=False, scenario=scenario)[0].read_text()
    section = re.search(r'<section id="chain">.*?</section>', page, re.S).group(0)
    assert "configured delays" in section
    assert section.index("the district security office") < section.index("the provincial committee")
