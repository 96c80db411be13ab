"""A finished run is never lost: writers wait for the catalog, readers never
hold it, and what a killed process leaves behind is put right."""

import dataclasses
import json
import os
import socket
import subprocess
import sys

import duckdb
import pytest

from fake_runs import cli_main, fake_result
from rumormill.results import StoreError, catalog, recording

#: the runs table as rumormill 0.1.0 created it (catalog schema 1)
SCHEMA_1 = """CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, status VARCHAR NOT NULL, scenario VARCHAR,
    scenario_hash VARCHAR, params VARCHAR, seed BIGINT, engine VARCHAR, n BIGINT, days INTEGER, stories VARCHAR[],
    baseline_id VARCHAR, version VARCHAR, started TIMESTAMP, finished TIMESTAMP, path VARCHAR, error VARCHAR,
    info VARCHAR)"""


@pytest.fixture(scope="module")
def dead_pid():
    """The id of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def edit(store, sql, args=()):
    con = duckdb.connect(str(store.catalog_path))
    try:
        con.execute(sql, list(args))
    finally:
        con.close()


def as_if_killed(store, run_id, pid, status="running"):
    """Make ``run_id``'s row look like that of a process ``pid`` killed mid-run on this host."""
    edit(store, "UPDATE runs SET status = ?, finished = NULL, host = ?, pid = ? WHERE run_id = ?",
         [status, socket.gethostname(), pid, run_id])


def test_an_open_reader_never_holds_up_a_run(store, fake):
    """A notebook with Store.connect() open, or a long query: another process can write at once."""
    store.save(fake)
    script = f"import duckdb; duckdb.connect({str(store.catalog_path)!r}).close(); print('opened')"
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM timeseries").fetchone()[0] > 0
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.stdout.strip() == "opened", done.stderr[-500:]


def test_a_writer_waits_as_long_as_it_takes_and_says_so(store, fake, monkeypatch, capsys):
    store.save(fake)
    real, refusals = duckdb.connect, []

    def held(database=":memory:", *args, **kw):
        if database != ":memory:" and len(refusals) < 40:
            refusals.append(database)
            raise duckdb.IOException(f'IO Error: Could not set lock on file "{database}": Conflicting lock is held '
                                     "in /usr/bin/python3 (PID 4242).")
        return real(database, *args, **kw)

    clock = iter(range(0, 10_000, 10))  # ten seconds pass between every two attempts
    monkeypatch.setattr(catalog, "_clock", lambda: next(clock))
    monkeypatch.setattr(catalog, "_sleep", lambda s: None)
    monkeypatch.setattr(catalog.duckdb, "connect", held)
    run_id = store.save(fake)  # 40 refusals: 400 s of waiting
    assert len(refusals) == 40 and store.run(run_id)["status"] == "finished"
    told = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rumormill: waiting")]
    assert 3 <= len(told) <= 10 and "PID 4242" in told[0] and "Ctrl-C" in told[0]


def test_a_complete_folder_is_registered_again(store, fake, dead_pid, capsys):
    """Killed after the rename (row still running), or the catalog lost its row."""
    killed, lost, kept = store.save(fake), store.save(fake), store.save(fake)
    as_if_killed(store, killed, dead_pid)
    edit(store, "DELETE FROM runs WHERE run_id = ?", [lost])
    meta = store.folder / "runs" / lost / "run.json"  # written by a rumormill without these keys
    old = {k: v for k, v in json.loads(meta.read_text()).items() if k not in ("days", "finished", "started", "version")}
    meta.write_text(json.dumps(old))
    assert sorted(store.query("SELECT run_id FROM runs WHERE status = 'finished'")["run_id"]) == [kept]
    assert cli_main(["runs", "--out", str(store.folder)]) == 0
    assert f"registered 2 complete run(s) from their run.json: {killed}, {lost}" in capsys.readouterr().out
    rows = store.runs().set_index("run_id")
    assert set(rows["status"]) == {"finished"} and rows.loc[lost, "days"] == 150
    assert rows.loc[killed, "stories"].tolist() == list(fake.stories) and rows.loc[lost, "n"] == fake.n
    assert store.query("SELECT count(DISTINCT run_id) AS k FROM timeseries")["k"][0] == 3
    assert not store.repair()


def test_a_catalog_moved_aside_is_rebuilt_from_the_folders(store, fake):
    ids = [store.save(fake), store.save(fake_result(days=20, damp=0.6, compare=fake_result(days=20, seed=2)))]
    store.catalog_path.rename(store.folder / "runs.duckdb.damaged")
    assert store.runs().empty
    third = store.save(fake)  # opening the new catalog registers the stored runs
    rows = store.runs()
    assert len(rows) == 4 and set(rows["status"]) == {"finished"}
    assert store.run("latest")["run_id"] == third
    assert store.run(ids[1])["baseline_id"] in rows["run_id"].tolist()


def test_a_run_whose_process_is_gone_is_interrupted(store, fake, dead_pid):
    done = store.save(fake)
    gone = store.begin(scenario="killed").run_id
    live = store.begin(scenario="still running").run_id  # this process: alive
    as_if_killed(store, gone, dead_pid)
    runs = store.folder / "runs"
    for run_id in (gone, live, "20250101-000000-000-abcdef"):
        (runs / f".{run_id}.tmp").mkdir()
        (runs / f".{run_id}.tmp" / "timeseries.parquet").write_bytes(b"half")
    done_now = store.repair()
    assert done_now.interrupted == [gone] and done_now.registered == []
    assert done_now.removed == sorted([f"runs/.{gone}.tmp", "runs/.20250101-000000-000-abcdef.tmp"])
    rows = store.runs().set_index("run_id")
    assert rows.loc[gone, "status"] == "failed" and rows.loc[gone, "error"].startswith("interrupted")
    assert rows.loc[live, "status"] == "running" and rows.loc[done, "status"] == "finished"
    assert sorted(p.name for p in runs.iterdir()) == sorted([done, f".{live}.tmp"])


def test_a_reused_pid_is_not_mistaken_for_the_run(store):
    """The row's pid now names a process that started after the run did."""
    run_id = store.begin(scenario="killed").run_id
    edit(store, "UPDATE runs SET started = TIMESTAMP '2001-01-01 00:00:00', host = ?, pid = ? WHERE run_id = ?",
         [socket.gethostname(), 1 if sys.platform.startswith("linux") else 0, run_id])
    if not sys.platform.startswith("linux"):
        pytest.skip("process start times are read from /proc")
    assert store.repair().interrupted == [run_id]


def test_latest_never_names_a_baseline(store, fake, monkeypatch):
    """A compare killed (here: failing) after its baseline was stored."""
    earlier = store.save(fake)
    real, calls = recording.write_files, []

    def second_fails(folder, tables, meta):
        calls.append(folder)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(folder, tables, meta)

    monkeypatch.setattr(recording, "write_files", second_fails)
    with pytest.raises(KeyboardInterrupt):
        store.save(fake_result(days=20, damp=0.6), baseline=fake_result(days=20, seed=2))
    rows = store.runs()
    baseline = rows[rows["baseline_of"].notna()].iloc[0]
    assert baseline["status"] == "finished"
    assert store.run("latest")["run_id"] == earlier
    assert store.query("SELECT latest_run() AS r")["r"][0] == earlier


def test_delete_refuses_a_running_run_and_a_baseline_in_use(store, fake, capsys):
    base = fake_result(days=20, seed=2)
    main = store.save(fake_result(days=20, damp=0.6), baseline=base)
    baseline = store.run(main)["baseline_id"]
    other = store.save(fake, baseline=baseline)  # compared with the same stored baseline
    running = store.begin(scenario="now")
    assert cli_main(["runs", "--delete", running.run_id, "--out", str(store.folder)]) == 2
    assert "still running" in " ".join(capsys.readouterr().err.split())
    assert running.finish(fake) == running.run_id  # the run still stores
    with pytest.raises(StoreError, match=f"baseline of {main}, {other}"):
        store.delete(baseline)
    assert store.delete(other) == [other]  # the baseline is not its own: kept
    with pytest.raises(StoreError, match=f"baseline of {main}"):
        store.delete(baseline)
    assert cli_main(["runs", "--delete", main, "--out", str(store.folder)]) == 0
    assert f"removed run {main} and its baseline {baseline}" in " ".join(capsys.readouterr().out.split())
    assert store.runs()["run_id"].tolist() == [running.run_id]
    assert sorted(p.name for p in (store.folder / "runs").iterdir()) == [running.run_id]


def test_a_run_whose_row_vanished_is_still_stored(store, fake):
    run = store.begin(scenario="x")
    edit(store, "DELETE FROM runs WHERE run_id = ?", [run.run_id])
    assert run.finish(fake) == run.run_id
    assert store.run(run.run_id)["status"] == "finished" and store.run(run.run_id)["scenario"] == "x"


def test_a_catalog_that_cannot_record_a_finished_run(store, fake, dead_pid, monkeypatch):
    """The files are in place; the message says so, the row is never failed, and repair registers it."""
    run = store.begin(scenario="x")
    real = catalog.write

    def full(path, action):
        raise StoreError("the disk is full")

    monkeypatch.setattr(catalog, "write", full)
    with pytest.raises(StoreError, match=f"run {run.run_id} is complete in .*--repair"):
        with run:
            run.finish(fake)
    monkeypatch.setattr(catalog, "write", real)
    with pytest.raises(StoreError, match="already stored"):
        run.finish(fake)
    run.fail("too late")
    assert store.run(run.run_id)["status"] == "running"
    assert sorted(p.name for p in (store.folder / "runs").iterdir()) == [run.run_id]
    as_if_killed(store, run.run_id, dead_pid)  # the process has ended since
    assert store.repair().registered == [run.run_id]
    assert store.table("events", run.run_id)["run_id"].tolist() == [run.run_id] * len(fake.events)


def test_disk_full_on_the_catalog_says_so(store, fake, monkeypatch):
    store.save(fake)

    def no_space(con, row):
        raise duckdb.TransactionException(f'TransactionContext Error: Failed to commit: Could not write file '
                                          f'"{store.catalog_path}.wal": No space left on device')

    monkeypatch.setattr(catalog, "insert", no_space)
    with pytest.raises(StoreError) as caught:
        store.save(fake)
    text = str(caught.value)
    assert f"the disk holding {store.folder} is full (" in text and "MB free" in text
    assert "move it aside" not in text and "Keep runs.duckdb where it is" in text


def test_a_schema_1_catalog_is_read_then_migrated(store, fake):
    first = store.save(fake)
    old = store.folder / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(SCHEMA_1)
    con.execute(catalog.META_DDL)
    con.execute("INSERT INTO catalog_meta VALUES ('schema_version', '1')")
    con.execute(f"ATTACH '{store.catalog_path}' AS new (READ_ONLY)")
    names = ", ".join(c for c in catalog.COLUMNS if c not in catalog.ADDED)
    con.execute(f"INSERT INTO runs SELECT {names} FROM new.runs")
    con.close()
    old.replace(store.catalog_path)
    assert store.run(first)["baseline_of"] is None and store.run("latest")["run_id"] == first
    second = store.save(dataclasses.replace(fake, seed_entropy=2**100 + 3, spawn_key=(3, 1)))
    con = duckdb.connect(str(store.catalog_path), read_only=True)
    assert con.execute("SELECT value FROM catalog_meta WHERE key = 'schema_version'").fetchone() == (
        str(catalog.SCHEMA_VERSION),)
    assert con.execute("SELECT count(*) FROM ensembles").fetchone() == (0,)  # schema 3's tables, empty
    assert con.execute("SELECT seed_entropy, spawn_key FROM runs WHERE run_id = ?", [second]).fetchone() == (
        str(2**100 + 3), "3,1")
    con.close()
    assert store.run(first)["status"] == "finished"


def test_seeds_are_recorded(store, fake):
    run_id = store.save(dataclasses.replace(fake, seed_entropy=2**90 + 7, spawn_key=(0, 12)))
    row, meta = store.run(run_id), store.meta(run_id)
    assert (row["seed_entropy"], row["spawn_key"]) == (str(2**90 + 7), "0,12")
    assert (meta["seed_entropy"], meta["spawn_key"]) == (str(2**90 + 7), [0, 12])
    assert int(store.query(f"SELECT seed_entropy FROM runs WHERE run_id = '{run_id}'")["seed_entropy"][0]) == 2**90 + 7

    class Older:  # a Result from before the engine recorded its seed sequence
        def __getattr__(self, name):
            if name in ("seed_entropy", "spawn_key"):
                raise AttributeError(name)
            return getattr(fake, name)

    older = store.save(Older())
    assert (store.run(older)["seed_entropy"], store.run(older)["spawn_key"]) == (None, None)
    assert store.meta(older)["spawn_key"] == []


def test_a_baseline_removed_by_hand_is_named_not_fatal(store, capsys):
    main = store.save(fake_result(days=20, damp=0.6), baseline=fake_result(days=20, seed=2))
    baseline = store.run(main)["baseline_id"]
    edit(store, "DELETE FROM runs WHERE run_id = ?", [baseline])
    meta = store.meta(main)
    assert meta["baseline_id"] is None and meta["baseline_missing"] == baseline
    assert cli_main(["report", main, "--out", str(store.folder), "--no-png"]) == 0


def test_running_rows_this_host_cannot_check(store):
    """On another host: refused, pointing there. From an older rumormill (no pid): deletable."""
    elsewhere, older = store.begin().run_id, store.begin().run_id
    edit(store, "UPDATE runs SET host = 'node-7', pid = 4242 WHERE run_id = ?", [elsewhere])
    edit(store, "UPDATE runs SET host = NULL, pid = NULL WHERE run_id = ?", [older])
    assert not store.repair()
    with pytest.raises(StoreError, match="on node-7.*--repair` on that host"):
        store.delete(elsewhere)
    assert store.delete(older) == [older]


def test_a_half_created_catalog_of_a_gone_process_is_removed(store, fake, dead_pid):
    store.save(fake)
    stale = store.folder / f".runs.duckdb.{dead_pid}.a1b2c3.tmp"
    ours = store.folder / f".runs.duckdb.{os.getpid()}.d4e5f6.tmp"
    for path in (stale, stale.with_name(stale.name + ".wal"), ours):
        path.write_bytes(b"DUCK")
    assert store.repair().removed == sorted([stale.name, stale.name + ".wal"])
    assert ours.exists() and not stale.exists()
