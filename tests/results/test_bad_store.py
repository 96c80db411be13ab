"""Bad input gets a clear StoreError (exit code 2 on the command line) and the
catalog is left exactly as it was."""

import hashlib
import os

import duckdb
import pytest

from fake_runs import cli_main
from rumormill.errors import RumormillError
from rumormill.results import (CatalogVersionError, DamagedRunError, QueryError, RunNotFoundError, Store,
                               StoreError)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def saved(store, fake):
    """A store with one finished run: (store, run_id, catalog digest)."""
    run_id = store.save(fake, scenario="fake-kpa")
    return store, run_id, digest(store.catalog_path)


def test_errors_are_rumormill_errors():
    for kind in (StoreError, RunNotFoundError, CatalogVersionError, DamagedRunError, QueryError):
        assert issubclass(kind, RumormillError)


def test_unknown_run_id(saved, capsys):
    store, _, before = saved
    with pytest.raises(RunNotFoundError, match="rumormill runs"):
        store.run_dir("20990101")
    assert cli_main(["report", "nope", "--out", str(store.folder)]) == 2
    err = capsys.readouterr().err
    assert "no run 'nope'" in err and "Traceback" not in err
    assert digest(store.catalog_path) == before


def test_a_missing_parquet_file(saved, capsys):
    store, run_id, before = saved
    (store.run_dir(run_id) / "tellings.parquet").unlink()
    with pytest.raises(DamagedRunError, match=f"run {run_id} .*tellings.parquet is missing"):
        store.query("SELECT count(*) FROM tellings")
    assert len(store.query("SELECT * FROM timeseries WHERE day = 0")) > 0  # other tables still answer
    assert cli_main(["query", "SELECT * FROM tellings", "--out", str(store.folder)]) == 2
    assert "runs --delete" in capsys.readouterr().err
    assert cli_main(["report", run_id, "--out", str(store.folder)]) == 2
    assert "tellings.parquet is missing" in capsys.readouterr().err
    assert digest(store.catalog_path) == before


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"not parquet at all" * 10])
def test_a_corrupted_parquet_file(saved, damage, capsys):
    store, run_id, before = saved
    file = store.run_dir(run_id) / "timeseries.parquet"
    file.write_bytes(damage(file.read_bytes()))
    with pytest.raises(DamagedRunError, match="timeseries.parquet is damaged"):
        store.query("SELECT sum(count) FROM timeseries")
    with pytest.raises(DamagedRunError, match="timeseries.parquet is damaged"):
        store.table("timeseries", run_id)
    assert cli_main(["report", run_id, "--out", str(store.folder)]) == 2
    assert "damaged" in capsys.readouterr().err
    assert digest(store.catalog_path) == before


def test_a_catalog_from_a_newer_version(saved, fake, capsys):
    store, run_id, _ = saved
    con = duckdb.connect(str(store.catalog_path))
    con.execute("UPDATE catalog_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    before = digest(store.catalog_path)
    with pytest.raises(CatalogVersionError, match="newer rumormill .*schema 99"):
        store.save(fake)
    with pytest.raises(CatalogVersionError):
        store.query("SELECT * FROM runs")
    for argv in (["runs"], ["query", "SELECT 1"], ["report", run_id]):
        assert cli_main(argv + ["--out", str(store.folder)]) == 2
        assert "newer rumormill" in capsys.readouterr().err
    assert digest(store.catalog_path) == before
    assert sorted(p.name for p in (store.folder / "runs").iterdir()) == [run_id]


def test_a_damaged_catalog_file(tmp_path, fake):
    store = Store(tmp_path)
    store.catalog_path.write_bytes(b"this is not a duckdb file" * 100)
    before = digest(store.catalog_path)
    with pytest.raises(StoreError, match="move it aside"):
        store.save(fake)
    with pytest.raises(StoreError, match="runs.duckdb"):
        store.runs()
    assert digest(store.catalog_path) == before
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("sql, words", [
    ("SELEC * FROM runs", "syntax error"),
    ("SELECT no_such_column FROM timeseries", "no_such_column"),
    ("SELECT * FROM no_such_table", "no_such_table"),
    ("DELETE FROM runs", "query refused: DELETE"),
    ("", "empty"),
])
def test_sql_that_fails(saved, sql, words, capsys):
    store, _, before = saved
    with pytest.raises(QueryError, match=f"(?i){words}"):
        store.query(sql)
    assert cli_main(["query", sql, "--out", str(store.folder)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert digest(store.catalog_path) == before
    assert store.runs()["status"].tolist() == ["finished"]


def test_a_read_only_folder_on_save(saved, fake, monkeypatch):
    """Writing the run's files fails as on a read-only disk: a clear error, the run marked failed."""
    store, run_id, _ = saved
    from rumormill.results import recording

    def refuse(folder, tables, meta):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(recording, "write_files", refuse)
    with pytest.raises(StoreError, match="Permission denied.*--out"):
        store.save(fake)
    assert store.runs()["status"].tolist() == ["finished", "failed"]
    assert sorted(p.name for p in (store.folder / "runs").iterdir()) == [run_id]


def test_a_read_only_catalog(tmp_path, fake, monkeypatch):
    """DuckDB cannot open the catalog for writing: StoreError naming the folder."""
    from rumormill.results import catalog

    def refuse(path, *a, **k):
        raise duckdb.IOException(f'Cannot open file "{path}": Read-only file system')

    monkeypatch.setattr(catalog.duckdb, "connect", refuse)
    with pytest.raises(StoreError, match="read-only.*--out"):
        Store(tmp_path).save(fake)


def test_a_read_only_report_folder(saved, monkeypatch, capsys):
    store, run_id, before = saved
    real = os.replace

    def refuse(src, dst):
        if str(dst).endswith(".html"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    assert cli_main(["report", run_id, "--out", str(store.folder), "--no-png"]) == 2
    assert "Permission denied" in capsys.readouterr().err
    assert not list(store.run_dir(run_id).glob("*.html")) and not list(store.run_dir(run_id).glob(".*tmp"))
    assert digest(store.catalog_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions; the tests above cover it")
def test_a_truly_read_only_folder(saved, fake):
    store, run_id, before = saved
    for path in (store.folder, store.folder / "runs", store.run_dir(run_id)):
        path.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="(?i)read-only|permission"):
            store.save(fake)
        assert len(store.query("SELECT * FROM runs")) == 1
    finally:
        for path in (store.folder, store.folder / "runs", store.run_dir(run_id)):
            path.chmod(0o755)
    assert digest(store.catalog_path) == before
