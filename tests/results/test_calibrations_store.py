"""Calibrations in the store: a catalog from before them (schema 3) opens,
reads as having none, and gains the tables when one is stored; the views
stay in the sandbox."""

from pathlib import Path

import duckdb
import pytest

pytest.importorskip("pyabc")

from rumormill.results import QueryError, Store, catalog

HAMLET = Path(__file__).parents[1] / "calibrate" / "hamlet.toml"


def test_a_schema_3_catalog_gains_the_calibration_tables(tmp_path):
    from rumormill.calibrate.stored import calibrate_stored

    store = Store(tmp_path / "old")
    store.folder.mkdir()
    con = duckdb.connect(str(store.catalog_path))
    for ddl in (catalog.META_DDL, catalog.RUNS_DDL.format(prefix=""), catalog.ENSEMBLES_DDL, catalog.REPLICATES_DDL):
        con.execute(ddl)
    con.execute("INSERT INTO catalog_meta VALUES ('schema_version', '3')")
    con.close()
    assert store.calibrations().empty  # read as it is
    for view in ("posterior", "particles", "generations", "observations", "calibration_summary", "sensitivity"):
        assert store.query(f"SELECT * FROM {view}").empty
    fit, cid = calibrate_stored(HAMLET, store, "radio_rate", budget=20, population=6, generations=1, workers=1)
    con = duckdb.connect(str(store.catalog_path), read_only=True)
    assert con.execute("SELECT value FROM catalog_meta WHERE key = 'schema_version'").fetchone() == (
        str(catalog.SCHEMA_VERSION),)
    con.close()
    assert catalog.SCHEMA_VERSION == 4
    assert len(store.posterior(cid)) == 6 and store.calibration(cid)["status"] == "finished"


def test_the_calibration_views_stay_in_the_sandbox(tmp_path):
    from rumormill.calibrate.stored import calibrate_stored

    store = Store(tmp_path)
    _, cid = calibrate_stored(HAMLET, store, "radio_rate", budget=20, population=6, generations=1, workers=1)
    file = store.folder / "calibrations" / cid / "particles.parquet"
    with pytest.raises(QueryError, match="refused"):
        store.query(f"SELECT * FROM posterior, read_parquet('{file}')")
    with pytest.raises(QueryError, match="refused"):
        store.query("DELETE FROM calibrations")
