"""``query`` and ``Store.connect()`` read the store and nothing else: no other
file is read, no file anywhere is written, the catalog and the runs' files
never change."""

import hashlib

import duckdb
import pytest

from fake_runs import cli_main


def fingerprint(folder):
    """Every file under ``folder`` with its content hash."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def saved(store, fake, tmp_path):
    """A store with one run, and a file outside it: (store, run_id, outside file)."""
    run_id = store.save(fake, scenario="fake-kpa")
    outside = tmp_path / "secret.csv"
    outside.write_text("name,pin\nkim,1234\n")
    return store, run_id, outside


def attempts(store, run_id, outside, tmp_path):
    """Statements a query must not be able to run."""
    out, cat = store.folder, store.catalog_path
    own = out / "runs" / run_id / "timeseries.parquet"
    return [
        f"SELECT * FROM read_csv('{outside}')",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM read_text('{outside}')",
        f"SELECT * FROM read_blob('{cat}')",
        f"SELECT * FROM read_parquet('{own}')",
        f"SELECT * FROM glob('{tmp_path}/*')",
        f"COPY (SELECT 1) TO '{tmp_path / 'written.csv'}'",
        f"COPY (SELECT 1 AS x) TO '{own}' (FORMAT parquet)",
        f"ATTACH '{tmp_path / 'new.duckdb'}' AS n",
        f"DETACH catalog; ATTACH '{cat}' AS w; DELETE FROM w.runs",
        f"ATTACH '{cat}' AS w",
        "DELETE FROM runs",
        "UPDATE runs SET status = 'failed'",
        f"EXPORT DATABASE '{tmp_path / 'dump'}'",
        "SET enable_external_access = true",
        f"PRAGMA import_database('{tmp_path}')",
        "INSTALL httpfs",
    ]


def test_query_refuses_in_one_line_and_changes_nothing(saved, tmp_path, capsys):
    store, run_id, outside = saved
    before, around = fingerprint(store.folder), sorted(p.name for p in tmp_path.iterdir())
    for sql in attempts(store, run_id, outside, tmp_path):
        assert cli_main(["query", sql, "--out", str(store.folder)]) == 2, sql
        err = " ".join(capsys.readouterr().err.split())
        assert err.startswith("error: query refused:") and "Traceback" not in err, (sql, err)
        assert "1234" not in err and "root:" not in err, sql
    assert fingerprint(store.folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == around
    assert store.query("SELECT count(*) AS k FROM timeseries")["k"][0] > 0  # reading still works


def test_connect_is_sandboxed_unless_write_is_asked_for(saved, tmp_path):
    store, run_id, outside = saved
    before = fingerprint(store.folder)
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert con.execute("SELECT latest_run()").fetchone()[0] == run_id
        for sql in attempts(store, run_id, outside, tmp_path):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
    assert fingerprint(store.folder) == before
    assert not (tmp_path / "written.csv").exists() and not (tmp_path / "new.duckdb").exists()
    with store.connect(write=True) as con:
        con.execute("UPDATE catalog.runs SET scenario = 'renamed'")
        con.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path / 'written.csv'}'")
    assert store.run(run_id)["scenario"] == "renamed" and (tmp_path / "written.csv").exists()


@pytest.mark.parametrize("sql", [
    "SELECT story, max(count) FROM timeseries GROUP BY story",
    "EXPLAIN SELECT * FROM events",
    "WITH r AS (SELECT * FROM runs) SELECT count(*) FROM r",
    "PRAGMA table_info('runs')",
    "SELECT json_extract_string(params, '$.scale') FROM runs",
    "DESCRIBE timeseries",
    "SUMMARIZE detained",
    "PIVOT events ON kind USING sum(count)",
    "SELECT 1 AS a; SELECT count(*) FROM tellings",
])
def test_reading_statements_run(saved, sql):
    store, _, _ = saved
    assert len(store.query(sql)) > 0
