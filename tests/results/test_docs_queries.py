"""Every SQL example in docs/results.md runs, and gives rows."""

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
    return store


def test_the_docs_have_the_queries():
    assert len(QUERIES) >= 5


@pytest.mark.parametrize("sql", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_a_documented_query_runs(compared, sql):
    assert len(compared.query(sql)) > 0
