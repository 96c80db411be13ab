import importlib.util
from pathlib import Path

import pytest

from rumormill.results import Store

#: a small scenario with key dates and a trigger, for the ensemble report
VILLAGE = Path(__file__).with_name("village.toml")
#: a small scenario with a delayed (mail) layer, its censor, and a trigger with two stages
POST = Path(__file__).with_name("post.toml")

_spec = importlib.util.spec_from_file_location("fake_runs", Path(__file__).parents[1] / "results" / "fake_runs.py")
fake_runs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_runs)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A store holding one run with measures and its baseline without: (store, run_id)."""
    store = Store(tmp_path_factory.mktemp("report") / "rumormill-runs")
    baseline = fake_runs.fake_result(seed=2)
    run_id = store.save(fake_runs.fake_result(damp=0.6, compare=baseline), scenario="fake-kpa", params={"scale": 0.1})
    return store, run_id


#: display names for the fake runs' identifiers, as a scenario's [names] stores them in a run's info
FAKE_NAMES = {"border resident": "border residents", "soldier's family": "soldiers' families",
              "captured": "the captures", "mail": "military post", "Ryanggang": "Ryanggang province"}


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    """A compare (a run with measures and its baseline without), stored with
    display names and a label naming the measure left out: (store, run_id)."""
    store = Store(tmp_path_factory.mktemp("named") / "rumormill-runs")
    run = fake_runs.fake_result(damp=0.6, compare=fake_runs.fake_result(seed=2))
    run.info["compare"]["label"] = "without inspect mail"
    return store, store.save(run, scenario="fake-kpa", info={"names": dict(FAKE_NAMES)})


@pytest.fixture(scope="session")
def village_ensembles(tmp_path_factory):
    """A store with two small real ensembles of ``village.toml`` (key dates, a
    trigger): 4 runs drawing market_rate, and 3 pairs without ``checks``.
    Returns (store, ensemble id, compare id)."""
    from rumormill.ensemble import plan_for
    from rumormill.ensemble.stored import run_stored
    from rumormill.scenario import load

    scenario = load(VILLAGE)
    store = Store(tmp_path_factory.mktemp("ensemble-report") / "rumormill-runs")
    plain = plan_for(scenario, runs=4, vary=["market_rate"])
    pairs = plan_for(scenario, runs=3, without=["checks"])
    for plan in (plain, pairs):
        assert run_stored(plan, store, workers=1).status == "finished"
    return store, plain.id, pairs.id


@pytest.fixture(scope="session")
def fakes():
    """The module that makes fake runs (tests/results/fake_runs.py)."""
    return fake_runs


@pytest.fixture(scope="session")
def post_run(tmp_path_factory):
    """One real run of ``post.toml`` (letters, a censor, a chain of command), stored: (store, run_id)."""
    from rumormill.cli import main

    folder = tmp_path_factory.mktemp("post") / "rumormill-runs"
    assert main(["run", str(POST), "--runs", "1", "--out", str(folder), "--no-report"]) == 0
    store = Store(folder)
    return store, store.runs().run_id.iloc[-1]
