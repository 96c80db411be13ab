"""``rumormill run`` and ``compare`` on the built-in scenario, at a tiny scale."""

import re
from pathlib import Path

import pytest

from rumormill.cli import main
from rumormill.results import Store

TINY = ["--scale", "0.002", "--days", "140", "--runs", "1"]


def test_run_prints_the_summary_stores_the_run_and_writes_the_report(tmp_path, capsys):
    assert main(["run", *TINY, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for heading in ("Who had heard it, by group", "by region", "Day half", "Which layers carried it",
                    "Detained by the end", "Chain of command", "2025-02-01", "stored as run", "\nreport: "):
        assert heading in out, heading
    runs = Store(tmp_path).runs()
    assert list(runs.status) == ["finished"] and runs.scenario.iloc[0] == "kpa-2025"
    folder = Store(tmp_path).run_dir(runs.run_id.iloc[0])
    assert (folder / "report.html").stat().st_size > 100_000
    assert any(p.suffix == ".png" for p in folder.iterdir())


def test_run_without_report(tmp_path, capsys):
    assert main(["run", *TINY, "--out", str(tmp_path), "--no-report"]) == 0
    assert "\nreport: " not in capsys.readouterr().out
    folder = Store(tmp_path).run_dir("latest")
    assert not (folder / "report.html").exists()


def test_compare_without_mail_inspection(tmp_path, capsys):
    assert main(["compare", "kpa-2025", "--without", "inspect-mail", *TINY, "--out", str(tmp_path), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "Difference (with − without)" in out and "without inspect-mail" in out
    runs = Store(tmp_path).runs()
    assert len(runs) == 2 and runs.baseline_id.notna().sum() == 1
    # the differences in percentage points, under a title that says so
    diff = out[out.index("Difference (with − without)"):out.index("Detained by the end")]
    assert "percentage points" in diff and re.search(r"[+−]\d+\.\d pp|0\.0 pp", diff) and "%" not in diff
    # the compare's row times both runs, not only the storing of them
    ran = [float(s) for s in re.findall(r"(?:with every measure|without inspect-mail): \d+ days in ([\d.]+) s", out)]
    row = runs[runs.baseline_id.notna()].iloc[0]
    assert len(ran) == 2 and (row.finished - row.started).total_seconds() >= sum(ran) - 0.1


@pytest.mark.parametrize("args, word", [
    (["run", "no-such-scenario"], "no-such-scenario"),
    (["run", "--scale", "-1"], "scale"),
    (["run", "--scale", "1000"], "scale"),
    (["compare", "--without", "nothing", *TINY], "nothing"),
])
def test_user_mistakes_exit_2_and_store_nothing(tmp_path, args, word, capsys):
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err
    assert not (tmp_path / "runs.duckdb").exists()


POST = Path(__file__).parents[1] / "report" / "post.toml"


def test_a_single_run_prints_its_letters_and_its_chain_of_command(tmp_path, capsys):
    assert main(["run", str(POST), "--runs", "1", "--out", str(tmp_path), "--no-report"]) == 0
    out = capsys.readouterr().out
    store = Store(tmp_path)
    sums = store.query("SELECT kind, sum(count) AS n FROM events WHERE run_id = latest_run() "
                       "AND kind LIKE 'letters-%' GROUP BY kind")
    sums = dict(zip(sums["kind"], sums["n"].astype(int)))
    caught = int(store.query("SELECT sum(intercepts) AS n FROM intercepts WHERE run_id = latest_run() "
                             "AND layer = 'post'")["n"].iloc[0])
    letters = out[out.index("Letters over the whole run"):]
    row = re.search(r"news\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*([\d,]+)", letters)
    assert [int(v.replace(",", "")) for v in row.groups()] == [sums["letters-written"], sums["letters-delivered"],
                                                                caught]
    chain = out[out.index("Chain of command"):]
    steps = ["reports reached", "the district security office", "the provincial committee", "town-report: read-letters"]
    positions = [chain.index(step) for step in steps]
    assert positions == sorted(positions)
