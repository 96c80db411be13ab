"""Ensembles in the store: each replicate stored as it arrives; the bands and
effects views equal ``Ensemble.bands()``/``effects()``; an ensemble killed
(SIGKILL) or stopped part way and resumed, on another executor, leaves the
same tables, row for row, as one run straight through."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rumormill
from rumormill.ensemble import plan_for, run_plan
from rumormill.ensemble.stored import run_stored
from rumormill.results import QueryError, Store, StoreError, catalog
from rumormill.results.summaries import METRICS

HERE = Path(__file__).parent
VILLAGE = HERE.parent / "ensemble" / "village.toml"
#: a censored post (letters) and a report with two offices before the order
POST = HERE.parent / "report" / "post.toml"
#: the metrics village.toml has (no layer of it carries letters)
VILLAGE_METRICS = [m for m in METRICS if m != "letters"]
RUNS = 5
QCOLS = ["q05", "q25", "q50", "q75", "q95", "mean"]
#: columns of ``replicates`` that say how a run went, not what it stored
TIMING = ["seconds", "stored"]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """An ensemble stored straight through, in this process: (store, plan, Ensemble)."""
    store = Store(tmp_path_factory.mktemp("whole"))
    plan = plan_for(VILLAGE, runs=RUNS)
    with store.begin_ensemble(plan) as recording:
        ens = run_plan(plan, workers=1, on_done=recording.add)
        assert recording.finish(ens.executor) == "finished"
    return store, plan, ens


@pytest.fixture(scope="module")
def posted(tmp_path_factory):
    """post.toml stored as it runs, and a comparison without its censor:
    (store, plan, Ensemble, the comparison's plan, its Ensemble)."""
    store = Store(tmp_path_factory.mktemp("post"))
    plan = plan_for(POST, runs=3)
    pairs = plan_for(POST, runs=2, without=["read-letters"])
    out = []
    for p in (plan, pairs):
        with store.begin_ensemble(p) as recording:
            ens = run_plan(p, workers=1, on_done=recording.add)
            recording.finish(ens.executor)
        out.append(ens)
    return store, plan, out[0], pairs, out[1]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A comparison (without the checks) stored as it runs: (store, plan, Ensemble)."""
    store = Store(tmp_path_factory.mktemp("compare"))
    plan = plan_for(VILLAGE, runs=4, without=["checks"])
    with store.begin_ensemble(plan) as recording:
        ens = run_plan(plan, workers=1, on_done=recording.add)
        recording.finish(ens.executor)
    return store, plan, ens


def stored_tables(store, ensemble_id) -> dict:
    """Everything stored for an ensemble, sorted, less the columns about timing."""
    where = f"WHERE ensemble_id = '{ensemble_id}'"
    out = {name: store.query(f"SELECT * FROM {name} {where} ORDER BY ALL")
           for name in ("summaries", "bands")}
    out["replicates"] = store.query(f"SELECT * EXCLUDE ({', '.join(TIMING)}) FROM replicates {where} ORDER BY ALL")
    out["ensembles"] = store.query(f"SELECT ensemble_id, kind, status, scenario, scenario_hash, seed, scale, vary, "
                                   f"without, runs_wanted, runs_done, params, info, path FROM ensembles {where}")
    return out


def files(store, ensemble_id) -> dict:
    folder = store.folder / "ensembles" / ensemble_id
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.name.startswith("replicate-")}


def as_view(frame: pd.DataFrame) -> pd.DataFrame:
    """``Ensemble.bands()``/``effects()`` in the views' terms: ``by`` is ``level``."""
    out = frame.rename(columns={"by": "level"})
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["day", "story", "level", "name"]).reset_index(drop=True)


def view(store, name, ensemble_id, metric) -> pd.DataFrame:
    got = store.query(f"SELECT * FROM {name} WHERE ensemble_id = '{ensemble_id}' AND metric = '{metric}'")
    return got.sort_values(["day", "story", "level", "name"]).reset_index(drop=True)


def same_quantiles(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want) > 0
    for col in ("day", "date", "story", "level", "name", "metric", "runs"):
        assert got[col].tolist() == want[col].tolist(), col
    for col in QCOLS:  # quantile_cont and numpy's 'linear' interpolate the same two values (up to an ulp)
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("metric", VILLAGE_METRICS)
def test_the_bands_view_is_ensemble_bands(whole, metric):
    store, plan, ens = whole
    same_quantiles(view(store, "bands", plan.id, metric), as_view(ens.bands(metric)))


def test_a_scenario_without_letters_stores_none(whole):
    store, plan, ens = whole
    assert view(store, "bands", plan.id, "letters").empty and ens.bands("letters").empty
    assert store.bands(plan.id, "letters").empty
    assert all(s.letters is None for s in store.ensemble_done(plan).values())


def test_the_letters_bands_and_effects_views_are_the_ensembles(posted):
    store, plan, ens, pairs, cmp = posted
    same_quantiles(view(store, "bands", plan.id, "letters"), as_view(ens.bands("letters")))
    same_quantiles(view(store, "effects", pairs.id, "letters"), as_view(cmp.effects("letters")))
    caught = view(store, "effects", pairs.id, "letters").query("level == 'caught'")
    assert caught["q95"].max() > 0 and caught["q05"].min() >= 0  # without the censor nothing is caught


def test_stored_letters_and_stage_days_are_each_runs_own(posted):
    """Each replicate's stored letters are its own run's, summed over cells; its stage days its events'."""
    from rumormill.scenario import build

    store, plan, ens, _, _ = posted
    built = build(plan.scenario, scale=plan.scale, seed=plan.seed, order=plan.order)
    stored = store.query(f"SELECT replicate, level, sum(value) AS n FROM summaries WHERE ensemble_id = '{plan.id}' "
                         "AND metric = 'letters' AND name = 'post' GROUP BY ALL")
    stored = {(r.replicate, r.level): r.n for r in stored.itertuples()}
    reps = store.query(f"SELECT replicate, report_day, order_day, info FROM replicates WHERE ensemble_id = '{plan.id}' "
                       "ORDER BY replicate")
    for r in reps.itertuples():
        result = built.run(seed=plan.replicate(r.replicate).seed)
        totals = result.letters_frame()[["written", "delivered", "intercepted"]].sum()
        assert [stored[r.replicate, what] for what in ("written", "delivered", "caught")] == totals.tolist()
        first = result.events_frame().groupby(["kind", "detail"])["day"].min()
        info = json.loads(r.info)
        assert info["stage_days"] == {k: int(first["stage", k]) for k in ("town-report: the district security office",
                                                                          "town-report: the provincial committee")}
        assert info["start_days"] == {"read-letters": int(first["measure-start", "read-letters"])}
        assert (r.report_day, r.order_day) == (first["report"].min(), first["order"].min())


def test_a_replicate_stored_before_letters_and_stage_days_reads_without_them(posted, tmp_path):
    """A file as rumormill wrote it before letters and stage days were kept: read back with them absent."""
    import shutil

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from rumormill.results.summaries import META_KEY, summary_from_table

    store0, plan, ens, _, _ = posted
    shutil.copytree(store0.folder, tmp_path / "copy")
    store = Store(tmp_path / "copy")
    file = store.folder / "ensembles" / plan.id / "replicate-00001.parquet"
    table = pq.read_table(file)
    meta = json.loads(table.schema.metadata[META_KEY])
    assert set(meta["info"]) == {"stage_days", "start_days"}
    old = table.filter(pc.not_equal(table.column("metric"), "letters"))
    old = old.replace_schema_metadata({**table.schema.metadata, META_KEY: json.dumps({**meta, "info": {}}).encode()})
    got, want = summary_from_table(old), summary_from_table(table)
    assert got.letters is None and got.stage_days == {} and got.start_days == {}
    for name in VILLAGE_METRICS:
        assert np.array_equal(getattr(got, name), getattr(want, name))
    assert (got.report_day, got.order_day) == (want.report_day, want.order_day)
    # an ensemble with such a replicate among new ones: the letters bands are over the runs that have them
    pq.write_table(old, file)
    assert set(store.bands(plan.id, "letters")["runs"]) == {2}
    assert set(store.bands(plan.id, "reach")["runs"]) == {3}
    done = store.ensemble_done(plan)
    assert done[1].letters is None and done[0].letters is not None


@pytest.mark.parametrize("metric", VILLAGE_METRICS)
def test_the_effects_view_is_ensemble_effects(compared, metric):
    store, plan, ens = compared
    same_quantiles(view(store, "effects", plan.id, metric), as_view(ens.effects(metric)))
    same_quantiles(view(store, "bands", plan.id, metric), as_view(ens.bands(metric)))  # the side with the measures


def test_store_bands_reads_like_ensemble_bands(compared):
    store, plan, ens = compared
    got = store.bands(plan.id[:7], "detained", effects=True)
    want = ens.effects("detained").sort_values(["day", "story", "by", "name"]).reset_index(drop=True)
    assert list(got.columns) == list(want.columns) and got["name"].tolist() == want["name"].tolist()
    np.testing.assert_allclose(got["q95"].to_numpy(float), want["q95"].to_numpy(float), rtol=1e-12)


def test_the_catalog_lists_the_ensemble_and_each_replicate(whole):
    store, plan, ens = whole
    row = store.ensemble(plan.id[:6])
    assert (row["status"], row["kind"], row["runs_wanted"], row["runs_done"]) == ("finished", "ensemble", RUNS, RUNS)
    assert (row["scenario"], row["seed"], row["executor"], row["path"]) == (
        "village", 11, "this process", f"ensembles/{plan.id}")
    assert row["started"] <= row["finished"]
    reps = store.query("SELECT * FROM replicates ORDER BY replicate")
    assert reps["replicate"].tolist() == list(range(RUNS))
    assert reps["spawn_key"].tolist() == [str(i) for i in range(RUNS)]
    assert reps["seed_entropy"].tolist() == ["11"] * RUNS
    assert [None if pd.isna(d) else int(d) for d in reps["report_day"]] == [s.report_day for s in ens.summaries]
    assert store.ensemble_stored(plan) == list(range(RUNS))


def test_stored_replicates_read_back_exactly_and_resume_to_the_same_ensemble(whole, compared, posted):
    for store, plan, ens in (whole, compared, posted[:3], (posted[0], *posted[3:])):
        done = store.ensemble_done(plan)
        assert sorted(done) == list(range(plan.runs))
        for i, pair in done.items():
            for got, want in zip(pair if isinstance(pair, tuple) else (pair,),
                                 ens.summaries[i] if isinstance(pair, tuple) else (ens.summaries[i],)):
                for name in METRICS:
                    a, b = getattr(got, name), getattr(want, name)
                    assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b)), name
                assert (got.index, got.seed_entropy, got.spawn_key, got.values, got.report_day, got.order_day,
                        got.stage_days, got.start_days) == (
                    want.index, want.seed_entropy, want.spawn_key, want.values, want.report_day, want.order_day,
                    want.stage_days, want.start_days)
        again = run_plan(plan, workers=1, done=done, on_done=lambda i, s: pytest.fail("nothing is left to run"))
        assert again.resumed == plan.runs
        pd.testing.assert_frame_equal(again.bands("reach"), ens.bands("reach"))


def test_a_stopped_ensemble_resumes_and_stores_the_same_rows(whole, tmp_path):
    store0, plan, ens = whole
    store = Store(tmp_path / "stopped")
    recording = store.begin_ensemble(plan)
    for i in (3, 1):  # two replicates arrive, then the driver dies
        recording.add(i, ens.summaries[i])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with store.connect(write=True) as con:  # the row as a driver killed with SIGKILL leaves it
        con.execute("UPDATE catalog.ensembles SET pid = ?", [gone.pid])
    assert store.repair().stopped == [plan.id]
    assert store.ensemble(plan.id)["status"] == "interrupted"
    said = []
    result = run_stored(plan, store, workers=1, say=said.append)
    assert said == [f"resuming ensemble {plan.id}: 2 of {RUNS} runs already stored"]
    assert (result.status, result.resumed, result.ran) == ("finished", 2, RUNS - 2)
    want, got = stored_tables(store0, plan.id), stored_tables(store, plan.id)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
    assert files(store, plan.id) == files(store0, plan.id)  # byte for byte


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_driver_killed_with_sigkill_loses_only_what_was_in_flight(whole, tmp_path):
    store0, plan, ens = whole
    folder = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(Path(rumormill.__file__).parents[1])}
    # killed as replicate 3 is stored: its file renamed into place, not yet in the catalog
    done = subprocess.run([sys.executable, str(HERE / "ensemble_kill_runner.py"), str(VILLAGE), str(folder),
                           str(RUNS), "3"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
    store = Store(folder)
    assert store.ensemble(plan.id)["status"] == "running" and store.ensemble_stored(plan) == [0, 1]
    (folder / "ensembles" / plan.id / ".replicate-00004.parquet.999999999.abcdef.tmp").write_bytes(b"half")
    said = []
    result = run_stored(plan, store, workers=2, say=said.append)  # resumed on a local pool
    assert said == [f"resuming ensemble {plan.id}: 3 of {RUNS} runs already stored"]
    assert (result.status, result.ran) == ("finished", RUNS - 3) and result.executor.startswith("local pool")
    want, got = stored_tables(store0, plan.id), stored_tables(store, plan.id)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
    assert files(store, plan.id) == files(store0, plan.id)
    assert not [p for p in (folder / "ensembles" / plan.id).iterdir() if p.name.endswith(".tmp")]
    assert not store.repair()


def test_repair_drops_a_replicate_whose_file_is_gone_and_resuming_runs_it_again(whole, tmp_path):
    import shutil

    store0, plan, ens = whole
    shutil.copytree(store0.folder, tmp_path / "copy")
    store = Store(tmp_path / "copy")
    (store.folder / "ensembles" / plan.id / "replicate-00002.parquet").unlink()
    with pytest.raises(StoreError, match="repair"):
        store.query("SELECT count(*) FROM bands")
    fixed = store.repair()
    assert fixed.dropped == [f"{plan.id}/2"] and "dropped 1 listed replicate(s)" in fixed.lines()[0]
    assert store.ensemble(plan.id)["status"] == "interrupted" and store.ensemble(plan.id)["runs_done"] == RUNS - 1
    recording = store.begin_ensemble(plan)
    assert recording.todo == [2] and "4 of 5" in recording.note()
    recording.add(2, ens.summaries[2])
    assert not recording.add(2, ens.summaries[2])  # never stored twice
    assert recording.finish() == "finished"
    pd.testing.assert_frame_equal(stored_tables(store, plan.id)["summaries"],
                                  stored_tables(store0, plan.id)["summaries"])


def test_an_ensemble_running_elsewhere_is_not_started_twice(whole, tmp_path):
    store0, plan, ens = whole
    store = Store(tmp_path / "twice")
    store.begin_ensemble(plan)
    with store.connect(write=True) as con:  # as if our parent process were running it
        con.execute("UPDATE catalog.ensembles SET pid = ?", [os.getppid()])
    with pytest.raises(StoreError, match="already running"):
        store.begin_ensemble(plan)
    with pytest.raises(StoreError, match="still running"):
        store.delete_ensemble(plan.id)


def test_deleting_an_ensemble_removes_its_rows_then_its_files(whole, tmp_path):
    import shutil

    store0, plan, ens = whole
    shutil.copytree(store0.folder, tmp_path / "copy")
    store = Store(tmp_path / "copy")
    assert store.delete_ensemble(plan.id[:5]) == plan.id
    assert store.ensembles().empty and store.query("SELECT * FROM summaries").empty
    assert list((store.folder / "ensembles").iterdir()) == [] and not store.repair()


def test_an_older_catalog_gains_the_ensemble_tables(whole, tmp_path):
    import duckdb

    store0, plan, ens = whole
    store = Store(tmp_path / "old")
    store.folder.mkdir()
    con = duckdb.connect(str(store.catalog_path))
    con.execute(catalog.RUNS_DDL.format(prefix=""))
    con.execute(catalog.META_DDL)
    con.execute("INSERT INTO catalog_meta VALUES ('schema_version', '2')")
    con.close()
    assert store.ensembles().empty and store.query("SELECT * FROM bands").empty  # read as it is
    store.begin_ensemble(plan).add(0, ens.summaries[0])
    con = duckdb.connect(str(store.catalog_path), read_only=True)
    assert con.execute("SELECT value FROM catalog_meta WHERE key = 'schema_version'").fetchone() == (
        str(catalog.SCHEMA_VERSION),)
    con.close()
    assert store.ensemble_stored(plan) == [0]


def test_the_ensemble_views_stay_in_the_sandbox(whole):
    store, plan, ens = whole
    file = store.folder / "ensembles" / plan.id / "replicate-00000.parquet"
    with pytest.raises(QueryError, match="query refused"):
        store.query(f"SELECT * FROM bands, read_parquet('{file}')")
    with pytest.raises(QueryError, match="refused"):
        store.query("DELETE FROM replicates")
