"""``rumormill runs`` and ``rumormill query``, in process."""

import json

from fake_runs import cli_main


def test_runs_lists_the_catalog(store, fake, capsys):
    assert cli_main(["runs", "--out", str(store.folder)]) == 0
    assert "no runs in" in capsys.readouterr().out
    first = store.save(fake, scenario="fake-kpa")
    store.begin(scenario="killed")
    assert cli_main(["runs", "--out", str(store.folder)]) == 0
    out = capsys.readouterr().out
    assert first in out and "finished" in out and "running" in out and "fake-kpa" in out
    assert cli_main(["runs", "--out", str(store.folder), "--status", "finished"]) == 0
    assert "running" not in capsys.readouterr().out
    assert cli_main(["runs", "--out", str(store.folder), "--delete", first]) == 0
    assert first not in store.runs()["run_id"].tolist()


def test_query_prints_a_table_csv_or_json(store, fake, capsys):
    run_id = store.save(fake)
    sql = "SELECT kind, sum(count) AS n FROM events GROUP BY kind ORDER BY kind"
    assert cli_main(["query", sql, "--out", str(store.folder)]) == 0
    out = capsys.readouterr().out
    assert "detention" in out and "5 rows" in out
    assert cli_main(["query", sql, "--out", str(store.folder), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "kind,n" and lines[1] == "detention,2" and len(lines) == 6
    assert cli_main(["query", "SELECT run_id, days FROM runs", "-o", str(store.folder), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"run_id": run_id, "days": 150}]


def test_query_limits_the_rows_shown(store, fake, capsys):
    store.save(fake)
    assert cli_main(["query", "SELECT * FROM timeseries", "--out", str(store.folder), "--limit", "3"]) == 0
    assert f"{fake.counts.size:,} rows, first 3 shown" in capsys.readouterr().out
