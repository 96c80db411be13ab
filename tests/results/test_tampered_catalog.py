"""A catalog changed by hand cannot point deleting, reading or writing outside
the store: every id must be a run id and every path ``runs/<run_id>``."""

import duckdb
import pytest

from fake_runs import cli_main, fake_result
from rumormill.results import StoreError


def tamper(store, sql, args=()):
    con = duckdb.connect(str(store.catalog_path))
    try:
        con.execute(sql, list(args))
    finally:
        con.close()


@pytest.fixture
def victim(tmp_path):
    """A folder beside the store that nothing may touch."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "thesis.txt").write_text("four years of work")
    return folder


def test_a_tampered_id_never_deletes_outside_the_store(store, fake, victim, capsys):
    run_id = store.save(fake)
    tamper(store, "UPDATE runs SET run_id = 'zz/../../../victim', path = 'runs/zz/../../../victim'")
    assert (store.folder / "runs" / "zz" / ".." / ".." / ".." / "victim").resolve() == victim.resolve()
    with pytest.raises(StoreError, match="changed by hand"):
        store.query("SELECT count(*) FROM timeseries")
    assert cli_main(["runs", "--delete", "zz", "--out", str(store.folder)]) == 0
    assert "no files were touched" in " ".join(capsys.readouterr().out.split())
    assert (victim / "thesis.txt").read_text() == "four years of work"
    assert (store.folder / "runs" / run_id).is_dir()  # the real folder is registered again
    assert cli_main(["runs", "--out", str(store.folder)]) == 0
    assert store.runs()["run_id"].tolist() == [run_id] and store.run(run_id)["status"] == "finished"


@pytest.mark.parametrize("path", ["../../victim", "{victim}", "runs/{other}", "runs", "runs/{run_id}/../../../victim"])
def test_a_tampered_path_is_refused_then_repaired(store, victim, path, capsys):
    other = store.save(fake_result(days=5))
    run_id = store.save(fake_result(days=5))
    tamper(store, "UPDATE runs SET path = ? WHERE run_id = ?",
           [path.format(victim=victim, other=other, run_id=run_id), run_id])
    with pytest.raises(StoreError, match=f"row for run {run_id} .*changed by hand"):
        store.run_dir(run_id)
    with pytest.raises(StoreError, match=f"row for run {run_id} .*changed by hand"):
        store.query("SELECT count(*) FROM detained")
    assert cli_main(["report", run_id, "--out", str(store.folder), "--no-png"]) == 2
    assert "changed by hand" in " ".join(capsys.readouterr().err.split())
    assert sorted(p.name for p in victim.iterdir()) == ["thesis.txt"]
    assert not (store.folder / "runs" / other / "report.html").exists()
    assert cli_main(["runs", "--repair", "--out", str(store.folder)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "set aside 1 catalog row(s)" in out and f"registered 1 complete run(s) from their run.json: {run_id}" in out
    assert store.run(run_id)["path"] == f"runs/{run_id}"
    assert store.query("SELECT count(DISTINCT run_id) AS k FROM detained")["k"][0] == 2


def test_the_report_lands_in_the_run_folder_once_repaired(store, victim):
    run_id = store.save(fake_result(days=5))
    tamper(store, "UPDATE runs SET path = ?", [str(victim)])
    assert cli_main(["report", run_id, "--out", str(store.folder), "--no-png"]) == 2
    store.repair()
    assert cli_main(["report", run_id, "--out", str(store.folder), "--no-png"]) == 0
    assert (store.folder / "runs" / run_id / "report.html").is_file()
    assert sorted(p.name for p in victim.iterdir()) == ["thesis.txt"]


def test_a_row_that_is_not_a_run_is_set_aside(store, fake, victim):
    """A row for which no folder exists is marked failed, so queries work again."""
    run_id = store.save(fake)
    tamper(store, "INSERT INTO runs (run_id, status, path) VALUES ('../victim', 'finished', '../victim')")
    with pytest.raises(StoreError, match="changed by hand"):
        store.query("SELECT count(*) FROM events")
    assert store.repair().set_aside == ["../victim"]
    assert store.run("../victim")["status"] == "failed" and store.run("../victim")["path"] is None
    assert set(store.query("SELECT DISTINCT run_id FROM events")["run_id"]) == {run_id}
    assert not store.repair()
