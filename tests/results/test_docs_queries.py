"""Every SQL example in docs/results.md runs, and gives rows (on a store with a
run, its baseline, a compare ensemble of the village scenario, and a small
calibration and Sobol analysis of the hamlet scenario)."""

import re
from pathlib import Path

import pytest

from fake_runs import fake_result

DOC = Path(__file__).parents[2] / "docs" / "results.md"
QUERIES = [q.strip() for block in re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)
           for q in block.split(";") if q.strip()]


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
