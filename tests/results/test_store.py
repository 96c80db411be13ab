"""Saving runs, the catalog rows, and SQL over the stored tables."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import rumormill
from fake_runs import fake_result
from rumormill.results import RunNotFoundError, Store, StoreError, content_hash, new_run_id
from rumormill.results.tables import TABLES


def test_a_saved_run_is_finished_in_the_catalog(store, fake):
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    run_id = store.save(fake, scenario="fake-kpa", params={"scale": 0.1, "days": 150})
    row = store.run(run_id)
    assert row["status"] == "finished" and row["error"] is None
    assert (row["scenario"], row["engine"], row["seed"], row["n"], row["days"]) == ("fake-kpa", "daily", 1, fake.n, 150)
    assert row["stories"] == ["deployment", "captured"] and row["version"] == rumormill.__version__
    assert json.loads(row["params"]) == {"days": 150, "scale": 0.1}
    assert row["scenario_hash"] == content_hash({"scale": 0.1, "days": 150})
    assert before - dt.timedelta(seconds=1) <= row["started"] <= row["finished"]
    assert json.loads(row["info"])["key_dates"]["joint order"] == "2025-02-01"
    folder = store.run_dir(run_id)
    assert folder == store.folder / "runs" / run_id
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{t}.parquet" for t in TABLES] + ["run.json"])
    meta = store.meta(run_id)
    assert meta["cells"] == list(fake.cells) and meta["layers"] == list(fake.layers) and meta["seed"] == "1"


def test_queries_give_the_result_numbers(store, fake):
    run_id = store.save(fake)
    reach = store.query(
        "SELECT story, 1 - sum(count) FILTER (WHERE state = 'ignorant') / sum(count) AS reach "
        f"FROM timeseries WHERE run_id = '{run_id}' AND day = 150 GROUP BY story")
    for story, value in zip(reach["story"], reach["reach"]):
        assert value == pytest.approx(fake.reach(story), abs=1e-12)
    by_layer = store.query("SELECT layer, sum(tellings) AS t FROM tellings GROUP BY layer")
    assert dict(zip(by_layer["layer"], by_layer["t"])) == dict(zip(fake.layers, fake.tellings.sum(axis=(0, 1, 3))))
    assert store.query("SELECT count(*) AS k FROM events")["k"][0] == len(fake.events)
    assert store.query("SELECT max(detained) AS d FROM detained")["d"][0] == fake.detained.max()
    assert store.query("SELECT sum(intercepts) AS k FROM intercepts")["k"][0] == fake.intercepts.sum()
    joined = store.query("SELECT r.scenario, count(*) AS k FROM runs r JOIN events e USING (run_id) GROUP BY ALL")
    assert joined["k"][0] == len(fake.events)
    arrow = store.query_arrow("SELECT * FROM runs")
    assert isinstance(arrow, pa.Table) and arrow.num_rows == 1


def test_table_reads_one_run_or_all(store, fake):
    first, second = store.save(fake), store.save(fake)
    one = store.table("events", first)
    assert set(one["run_id"]) == {first} and len(one) == len(fake.events)
    assert set(store.table("events")["run_id"]) == {first, second}
    with pytest.raises(StoreError, match="choose one of"):
        store.table("nope", first)


def test_polars_is_optional(store, fake):
    store.save(fake)
    try:
        import polars  # noqa: F401
    except ImportError:
        with pytest.raises(StoreError, match="pip install polars"):
            store.query_polars("SELECT * FROM runs")
    else:
        assert store.query_polars("SELECT * FROM runs").height == 1


def test_a_failed_run_is_never_finished(store, fake):
    with pytest.raises(RuntimeError, match="engine broke"):
        with store.begin(scenario="x", seed=3):
            raise RuntimeError("engine broke")
    with store.begin(scenario="y"):
        pass  # left without a result
    rows = store.runs()
    assert rows["status"].tolist() == ["failed", "failed"]
    assert rows["error"].tolist() == ["engine broke", "ended without a result"]
    assert not (store.folder / "runs").exists()
    assert store.query("SELECT count(*) AS k FROM timeseries")["k"][0] == 0
    with pytest.raises(StoreError, match="failed"):
        store.run_dir(rows["run_id"][0])


def test_an_interrupted_run_stays_running_and_unread(store, fake):
    done = store.save(fake)
    store.begin(scenario="killed")  # the process dies here: no finish, no fail
    leftover = store.folder / "runs" / ".19700101-000000-abcdef.tmp"
    leftover.mkdir()
    (leftover / "timeseries.parquet").write_bytes(b"half")
    assert sorted(store.runs()["status"]) == ["finished", "running"]
    assert set(store.query("SELECT DISTINCT run_id FROM timeseries")["run_id"]) == {done}


def test_a_crash_while_writing_leaves_no_files(store, fake, monkeypatch):
    import pyarrow.parquet as pq

    calls, real = [], pq.write_table

    def failing(table, where, **kw):
        calls.append(where)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", failing)
    with pytest.raises(StoreError, match=f"disk holding {store.folder / 'runs'} is full .*No space left on device"):
        store.save(fake)
    row = store.runs().iloc[0]
    assert row["status"] == "failed" and "No space" in row["error"]
    assert list((store.folder / "runs").iterdir()) == []


def test_the_baseline_is_stored_and_linked(store):
    base = fake_result(days=30, seed=2)
    run_id = store.save(fake_result(days=30, damp=0.6, compare=base), scenario="s")
    row = store.run(run_id)
    assert row["baseline_id"] is not None and store.run(row["baseline_id"])["status"] == "finished"
    assert json.loads(row["info"])["compare"] == {"label": "without measures", "baseline": row["baseline_id"]}
    assert store.run("latest")["run_id"] == run_id  # the baseline finished first
    assert store.query("SELECT latest_run() AS r")["r"][0] == run_id
    again = store.save(fake_result(days=30), baseline=row["baseline_id"], info={"key_dates": {"x": "2024-10-05"}})
    assert store.run(again)["baseline_id"] == row["baseline_id"]
    meta = store.meta(again)["info"]
    assert meta["key_dates"] == {"x": "2024-10-05"} and meta["start_date"] == "2024-10-01"


def test_run_ids_by_prefix_latest_and_unknown(store, fake):
    first = store.save(fake)
    second = store.save(fake)
    assert store.run("latest")["run_id"] == second
    assert store.run(first[:-2])["run_id"] == first
    with pytest.raises(RunNotFoundError, match="no run 'zzz'"):
        store.run("zzz")
    with pytest.raises(StoreError, match="matches several runs"):
        store.run(first[:4])


def test_delete_removes_row_then_files(store, fake):
    run_id = store.save(fake)
    store.delete(run_id)
    assert store.runs().empty and not (store.folder / "runs" / run_id).exists()


def test_ids_sort_by_time_and_hashes_ignore_key_order():
    early = new_run_id(dt.datetime(2025, 1, 23, 8, 0, 0, 5000))
    late = new_run_id(dt.datetime(2025, 1, 23, 8, 0, 0, 6000))
    assert early.startswith("20250123-080000-005-") and early < late and len(early) == 26
    assert len({new_run_id() for _ in range(200)}) == 200
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1}) != content_hash({"a": 2})
    assert content_hash("x = 1\n") == content_hash(b"x = 1\n")


def test_an_empty_folder_reads_as_no_runs(store):
    assert store.runs().empty
    empty = store.query("SELECT * FROM timeseries")
    assert empty.empty and "count" in empty.columns
    assert not store.folder.exists()  # reading creates nothing


def test_two_processes_share_one_folder(tmp_path):
    """Ensemble workers save into one catalog at once: the second waits for the lock."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from fake_runs import fake_result; from rumormill.results import Store;"
        "s = Store(sys.argv[1]); r = fake_result(days=20)\n"
        "for _ in range(4): s.save(r)"
    )
    src = str(Path(rumormill.__file__).parents[1])
    env = {"PYTHONPATH": src}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(Path(__file__).parent)],
                              env={**__import__("os").environ, **env}) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    rows = Store(tmp_path).runs()
    assert len(rows) == 12 and set(rows["status"]) == {"finished"}
    total = Store(tmp_path).query("SELECT count(DISTINCT run_id) AS k FROM timeseries")["k"][0]
    assert total == 12
    assert np.all(rows["finished"] >= rows["started"])
