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
    # the headline first: the page's sentences, from the stored run
    from rumormill.report import data, headline

    lines = headline.summary(data.load(Store(tmp_path), runs.run_id.iloc[0]))
    assert lines and out.index("In short") < out.index("Who had heard it, by group")
    for line in lines:
        assert " ".join(line.split()) in " ".join(out.split()), line
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
    diffs = [part.split("\nReach ")[0].split("Detained by the end")[0]
             for part in out.split("Difference (with − without)")[1:]]
    assert len(diffs) == 2  # one table per story
    for diff in diffs:
        assert "percentage points" in diff and re.search(r"[+−]\d+\.\d pp|0\.0 pp", diff) and "%" not in diff
        assert not re.search(r"-\d+\.\d pp", diff)  # a true minus, never a hyphen
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


NAMES = '\n[names]\nfamily = "soldiers\' families"\nsoldier = "soldiers"\npost = "military post"\nnews = "the news"\n'


@pytest.fixture
def named(tmp_path) -> Path:
    """The post scenario with display names for its groups, a layer and its story."""
    path = tmp_path / "named.toml"
    path.write_text(POST.read_text() + NAMES)
    return path


def test_a_run_shows_the_scenarios_names_and_explains_the_threshold(named, tmp_path, capsys):
    assert main(["run", str(named), "--runs", "1", "--scale", "0.5", "--out", str(tmp_path / "o"), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "Who had heard it, by group: the news" in out and "│ soldiers' families" in out
    assert "military post" in out and "│ family " not in out
    assert re.search(r"reports reached \d+ \(threshold 5 at scale 1, × 0\.5\)", out)
    # the key dates name the columns: "<label> <date>"
    assert re.search(r"last day\s+│?\s*\d{4}-\d\d-\d\d|last day \d{4}-\d\d-\d\d", out)
    store = Store(tmp_path / "o")
    assert store.meta("latest")["info"]["names"]["family"] == "soldiers' families"


def test_an_own_scenario_gets_its_report_by_default(tmp_path, capsys):
    assert main(["run", str(POST), "--runs", "1", "--out", str(tmp_path)]) == 0
    assert "\nreport: " in capsys.readouterr().out
    assert (Store(tmp_path).run_dir("latest") / "report.html").is_file()
