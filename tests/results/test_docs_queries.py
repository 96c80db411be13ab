"""Every SQL example in docs/results.md, and every ``rumormill query "..."`` in
the README and the docs, runs and gives rows (on a store with a run, its
baseline, a compare ensemble of the village scenario, and a small calibration
and Sobol analysis of the hamlet scenario); the README's detentions query
gives the totals it is shown for."""

import re
from pathlib import Path

import pytest

from fake_runs import fake_result

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "results.md"


def command_queries(page: Path) -> list[str]:
    """The SQL of each ``rumormill query "..."`` example on a page."""
    return [" ".join(q.split()) for q in re.findall(r'rumormill query "(.*?)"', page.read_text(), re.S)]


README_QUERIES = command_queries(ROOT / "README.md")
COMMAND_QUERIES = README_QUERIES + [q for page in sorted((ROOT / "docs").glob("*.md")) for q in command_queries(page)]
QUERIES = [q.strip() for block in re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)
           for q in block.split(";") if q.strip()] + COMMAND_QUERIES


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    from rumormill.results import Store

    store = Store(tmp_path_factory.mktemp("docs"))
    store.save(fake_result(damp=0.6, compare=fake_result(seed=2)), scenario="fake-kpa", params={"scale": 0.1})
    from rumormill.ensemble import plan_for
    from rumormill.ensemble.stored import run_stored

    village = Path(__file__).parents[1] / "ensemble" / "village.toml"
    assert run_stored(plan_for(village, runs=3, without=["checks"]), store, workers=1).status == "finished"
    from rumormill.calibrate.stored import calibrate_stored, sensitivity_stored

    hamlet = Path(__file__).parents[1] / "calibrate" / "hamlet.toml"
    fit, _ = calibrate_stored(hamlet, store, "telling_rate,radio_rate", budget=40, population=8, generations=2,
                              workers=1)
    assert fit is not None
    sensitivity_stored(hamlet, store, "telling_rate,radio_rate", n=2, workers=1)
    return store


def test_the_docs_have_the_queries():
    assert len(QUERIES) >= 10


@pytest.mark.parametrize("sql", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_a_documented_query_runs(compared, sql):
    assert len(compared.query(sql)) > 0


def test_the_readme_and_the_docs_command_queries_are_tested():
    assert README_QUERIES and set(COMMAND_QUERIES) <= set(QUERIES) and len(COMMAND_QUERIES) >= 2


def test_the_readme_detentions_query_gives_the_newest_runs_totals_by_region(tmp_path):
    """Summed over the groups of each region, on the last day, of the newest run only (not the largest
    group's count across every run stored, nor the compare's baseline)."""
    from rumormill.results import Store

    (sql,) = [q for q in README_QUERIES if "FROM detained" in q]
    store = Store(tmp_path)
    store.save(fake_result(seed=1), scenario="fake-kpa")
    newest = fake_result(seed=3, damp=0.6, compare=fake_result(seed=4))
    store.save(newest, scenario="fake-kpa")
    got = store.query(sql)
    got = dict(zip(got.iloc[:, 0], got.iloc[:, 1].astype(int)))
    want: dict[str, int] = {}
    for cell, count in zip(newest.cells, newest.detained[-1]):
        region = cell.split("/", 1)[1]
        want[region] = want.get(region, 0) + int(count)
    assert got == want and sum(want.values()) > 0
