"""The posterior predictive ensemble of a stored calibration and the bands
its page draws, on the two-hamlet scenario: the cohort curves are the fit's
quantities, the bands are those of the stored replicates, the ensemble is the
one ``rumormill run --posterior`` makes, and a page without one says how to
make it."""

import datetime as dt
import shutil

import numpy as np
import pytest

pytest.importorskip("pyabc")

from rumormill.calibrate import page
from rumormill.calibrate import predictive as pr
from rumormill.calibrate.quantities import Quantity, measure
from rumormill.results import Store

OBSERVED = dt.date(2025, 3, 10)  # hamlet's reach observation: news in the north, in [0.2, 0.5]


@pytest.fixture(scope="module")
def calibrated(hamlet, tmp_path_factory):
    """A small calibration of hamlet, stored: (folder, calibration id)."""
    from rumormill.calibrate.stored import calibrate_stored

    folder = tmp_path_factory.mktemp("calibrated")
    _, cid = calibrate_stored(hamlet, Store(folder), "telling_rate,radio_rate", budget=20, population=6,
                              generations=1, workers=1)
    return folder, cid


def _copy(calibrated, tmp_path_factory, name):
    folder = tmp_path_factory.mktemp(name) / "store"
    shutil.copytree(calibrated[0], folder)
    return Store(folder), calibrated[1]


@pytest.fixture(scope="module")
def predicted(hamlet, calibrated, tmp_path_factory):
    """A copy of the calibration with a predictive ensemble of 4: (store, calibration id, Ran)."""
    store, cid = _copy(calibrated, tmp_path_factory, "predicted")
    ran = pr.run_predictive(store, cid, 4, scenario=hamlet, workers=1)
    return store, cid, ran


def test_without_an_ensemble_the_page_says_the_command_that_makes_one(calibrated, tmp_path_factory):
    store, cid = _copy(calibrated, tmp_path_factory, "bare")
    files = page.write(store, cid)
    assert [f.name for f in files] == ["report.html", "pairs.png", "predictive.png", "generations.png"]
    text = files[0].read_text()
    assert "No ensemble drawn from this posterior is stored" in text and 'alt="bands"' not in text
    assert "rumormill calibrate SCENARIO.toml --params telling_rate,radio_rate --scale 1.0 --seed 7" in text
    assert "--predictive 16" in text and f"rumormill report {cid}" in text
    assert pr.load(store, cid) is None


def test_the_page_draws_the_bands_of_the_predictive_ensemble(predicted):
    store, cid, ran = predicted
    assert (ran.status, ran.ran, ran.resumed, ran.runs) == ("finished", 4, 0, 4)
    files = page.write(store, cid)
    assert [f.name for f in files] == ["report.html", "pairs.png", "bands.png", "predictive.png", "generations.png"]
    assert files[2].stat().st_size > 1000
    text = files[0].read_text()
    assert "Posterior predictive bands" in text and 'alt="bands"' in text and "No ensemble drawn" not in text
    assert f"<code>{ran.ensemble_id}</code>" in text and "reach:news@north:2025-03-10" in text


def test_the_band_is_that_of_the_stored_replicates(predicted):
    store, cid, ran = predicted
    pred = pr.load(store, cid)
    assert pred.ensemble_id == ran.ensemble_id and pred.runs == 4 and pred.missing == {}
    bands = pred.bands()
    got = bands[(bands["q"] == "q0") & (bands["date"] == OBSERVED)]
    # the same figure straight from the stored replicates (north is one column of the summaries)
    stored = store.query(f"SELECT replicate, value FROM summaries WHERE ensemble_id = '{ran.ensemble_id}' AND "
                         "metric = 'reach' AND story = 'news' AND level = 'region' AND name = 'north' AND "
                         f"date = DATE '{OBSERVED}' AND day > 0")
    assert len(got) == 1 and len(stored) == 4
    values = stored["value"].to_numpy()
    assert got["q50"].iloc[0] == pytest.approx(np.median(values), abs=1e-6)
    assert got["q05"].iloc[0] == pytest.approx(np.quantile(values, 0.05), abs=1e-6)
    assert got["q95"].iloc[0] == pytest.approx(np.quantile(values, 0.95), abs=1e-6)
    checks = pred.checks().set_index("q")
    assert checks.loc["q0", "q50"] == got["q50"].iloc[0]
    assert checks.loc["q0", "inside"] == np.mean((values >= 0.2 - 1e-6) & (values <= 0.5 + 1e-6))
    # the report day, against the replicates' (hamlet has one trigger, so theirs is the informants')
    days = store.query(f"SELECT report_day FROM replicates WHERE ensemble_id = '{ran.ensemble_id}' "
                       "ORDER BY replicate")["report_day"]
    scored = days.astype("Float64").fillna(30.0).to_numpy(dtype=float)  # never: the day after the calendar
    assert checks.loc["q1", "q50"] == np.median(scored)
    assert checks.loc["q1", "never"] == int(np.isnan(pred.report["q1"]).sum()) == int(days.isna().sum())


def test_the_predictive_ensemble_is_the_posterior_ensemble_of_rumormill_run(hamlet, predicted):
    from rumormill.ensemble import plan_for
    from rumormill.ensemble.plan import with_posterior
    from rumormill.ensemble.replicate import run_replicate
    from rumormill.results.summaries import summary_from_table

    store, cid, ran = predicted
    plan = with_posterior(plan_for(hamlet, runs=4), store, cid)
    assert plan.id == ran.ensemble_id
    row = store.ensemble(ran.ensemble_id)
    assert f'"draws": "posterior {cid}"' in row["params"] and row["runs_done"] == 4
    import pyarrow.parquet as pq

    kept = summary_from_table(pq.read_table(store.folder / f"ensembles/{plan.id}/replicate-00002.parquet"))
    again = run_replicate(plan, 2)
    assert np.array_equal(kept.reach, again.reach) and np.array_equal(kept.detained, again.detained)
    assert kept.values == again.values and kept.report_day == again.report_day


def test_run_again_it_runs_nothing(hamlet, predicted):
    store, cid, ran = predicted
    again = pr.run_predictive(store, cid, 4, scenario=hamlet, workers=1)
    assert (again.ensemble_id, again.status, again.ran, again.resumed) == (ran.ensemble_id, "finished", 0, 4)


def test_the_cohort_curves_are_the_fits_quantities(hamlet):
    from rumormill.scenario import build

    built = build(hamlet)
    result = built.run(seed=3)
    cohorts = [(None, None), (("villager",), ("north",)), (None, ("north", "south")), (("soldier",), None),
               (("villager", "soldier"), ("south",))]
    quantities = [(f"q{i}", Quantity("reach", OBSERVED, "news", g, r)) for i, (g, r) in enumerate(cohorts)]
    quantities.append(("qr", Quantity("report", dt.date(2025, 3, 20), trigger="informants")))
    got = pr.answers(result, built.population, hamlet, quantities)
    assert pr.column_of(quantities[1][1]) is None and pr.column_of(quantities[3][1]) == ("group", "soldier")
    for date in (dt.date(2025, 3, 3), OBSERVED, dt.date(2025, 3, 25)):
        for q, quantity in quantities[:-1]:
            at = Quantity("reach", date, "news", quantity.groups, quantity.regions)
            row = (date - hamlet.scenario.start).days + 1
            assert got[q][row] == measure([at], result, built.population, hamlet, 1.0)[0]
    day, scored = got["qr"]
    assert scored == measure([quantities[-1][1]], result, built.population, hamlet, 1.0)[0]
    assert (day is None and scored == hamlet.scenario.days) or day == scored


def test_an_ensemble_from_rumormill_run_is_read_from_its_summaries(hamlet, calibrated, tmp_path_factory):
    from rumormill.ensemble import plan_for
    from rumormill.ensemble.plan import with_posterior
    from rumormill.ensemble.stored import run_stored

    store, cid = _copy(calibrated, tmp_path_factory, "run")
    plan = with_posterior(plan_for(hamlet, runs=2), store, cid)
    assert run_stored(plan, store, workers=1).status == "finished"
    pred = pr.load(store, cid)
    assert pred.ensemble_id == plan.id and set(pred.reach) == {"q0"} and set(pred.missing) == {"q1"}
    assert pred.source["q0"] == "the ensemble's summaries (region north)"
    text = page.write(store, cid)[0].read_text()
    assert 'alt="bands"' in text and "q1: no band; the summaries keep only the first report of any trigger" in text
    assert "--predictive 16" in text
