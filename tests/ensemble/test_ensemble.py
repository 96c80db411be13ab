"""Ensembles: seeds spawned per replicate, parameter draws, the same numbers on
every executor, resuming, cheap replicates and paired comparisons."""

import importlib
from pathlib import Path

import numpy as np
import pytest

import rumormill as rm
from rumormill.ensemble import ClusterError, Plan, draw_parameters, plan_for, run_plan
from rumormill.ensemble import replicate as _replicate
from rumormill.scenario import load

VILLAGE = Path(__file__).with_name("village.toml")


@pytest.fixture(scope="module")
def village():
    return load(VILLAGE)


def _same(a, b):
    assert a.runs == b.runs
    for x, y in zip(a.summaries, b.summaries):
        for u, v in zip(x if isinstance(x, tuple) else (x,), y if isinstance(y, tuple) else (y,)):
            assert u.index == v.index and u.spawn_key == v.spawn_key
            assert np.array_equal(u.reach, v.reach) and np.array_equal(u.detained, v.detained)
            assert np.array_equal(u.tellings, v.tellings)


def test_replicates_run_on_spawned_seeds_and_differ(village):
    plan = plan_for(village, runs=3)
    seeds = [plan.replicate(i).seed for i in range(3)]
    spawned = np.random.SeedSequence(village.scenario.seed).spawn(3)
    assert [s.spawn_key for s in seeds] == [s.spawn_key for s in spawned]
    assert [s.generate_state(2).tolist() for s in seeds] == [s.generate_state(2).tolist() for s in spawned]
    ens = run_plan(plan, workers=1)
    assert not np.array_equal(ens.summaries[0].reach, ens.summaries[1].reach)


def test_the_plan_id_follows_its_content(village):
    a = plan_for(village, runs=4)
    assert a.id == plan_for(village, runs=4).id
    assert len({a.id, plan_for(village, runs=5).id, plan_for(village, runs=4, seed=1).id,
                plan_for(village, runs=4, vary=["market_rate"]).id}) == 4


@pytest.mark.parametrize("kwargs, message", [
    (dict(runs=0), "runs"),
    (dict(runs=2.5), "runs"),
    (dict(runs=2, vary=["nosuch"]), "unknown parameter 'nosuch'"),
    (dict(runs=2, without=["nosuch"]), "not a measure"),
])
def test_bad_plans_are_refused_with_the_fix(village, kwargs, message):
    with pytest.raises(rm.ParameterError, match=message):
        plan_for(village, **kwargs)


def test_vary_all_needs_parameters(village):
    bare = village.model_copy(update={"parameters": {}})
    with pytest.raises(rm.ParameterError, match="no \\[parameters\\]"):
        plan_for(bare, runs=2, vary="all")


def test_latin_hypercube_puts_one_draw_in_each_stratum(village):
    runs = 40
    draws = draw_parameters(village, ("market_degree", "market_rate"), runs, seed=3)
    degree = np.array([d["market_degree"] for d in draws])
    rate = np.array([d["market_rate"] for d in draws])
    # market_degree (2..8, a 4x span): uniform strata
    assert sorted(np.floor((degree - 2.0) / 6.0 * runs).astype(int).tolist()) == list(range(runs))
    # market_rate (0.01..0.5, a 50x span): log-uniform strata
    u = (np.log(rate) - np.log(0.01)) / (np.log(0.5) - np.log(0.01))
    assert sorted(np.floor(u * runs).astype(int).tolist()) == list(range(runs))
    assert draws == draw_parameters(village, ("market_degree", "market_rate"), runs, seed=3)


def test_a_process_builds_once_per_structure(village):
    _replicate._BUILDS.clear()
    ens = run_plan(plan_for(village, runs=4, vary=["market_rate", "check_probability"]), workers=1)
    assert [s.built for s in ens.summaries] == [True, False, False, False]
    _replicate._BUILDS.clear()
    ens = run_plan(plan_for(village, runs=3, vary=["market_degree"]), workers=1)
    assert all(s.built for s in ens.summaries)  # the market network changes each time


def test_resuming_runs_only_what_is_missing_and_gives_the_same_ensemble(village):
    plan = plan_for(village, runs=5)
    whole = run_plan(plan, workers=1)
    seen = []
    resumed = run_plan(plan, workers=1, done={i: whole.summaries[i] for i in (0, 3)},
                       on_done=lambda i, s: seen.append(i))
    assert sorted(seen) == [1, 2, 4] and resumed.resumed == 2
    _same(whole, resumed)


def test_the_pool_and_a_dask_local_cluster_give_the_same_numbers(village):
    plan = plan_for(village, runs=4, vary=["market_rate"])
    serial = run_plan(plan, workers=1)
    pooled = run_plan(plan, workers=2)
    assert pooled.executor.startswith("local pool")
    _same(serial, pooled)
    dasked = run_plan(plan, workers=2, cluster="local")
    assert dasked.executor.startswith("Dask LocalCluster")
    _same(serial, dasked)


def test_an_unreachable_scheduler_is_a_clear_error(village, monkeypatch):
    monkeypatch.setattr(importlib.import_module("rumormill.ensemble.executors"), "CONNECT_TIMEOUT", 2)
    with pytest.raises(ClusterError, match="no Dask scheduler answered"):
        run_plan(plan_for(village, runs=2), workers=1, cluster="tcp://127.0.0.1:9")


def test_bands_are_quantiles_across_replicates(village):
    ens = run_plan(plan_for(village, runs=6), workers=1)
    bands = ens.bands("reach")
    stacked = np.stack([s.reach for s in ens.summaries]).astype(np.float64)
    row = bands[(bands.day == 30) & (bands.name == "river")].iloc[0]
    k = ens.columns().index(("region", "river"))
    assert row.q50 == pytest.approx(np.median(stacked[:, 30, 0, k]))
    assert row.q05 <= row.q25 <= row.q50 <= row.q75 <= row.q95 and row.runs == 6
    assert str(row.date) == "2025-01-30"


def test_a_comparison_pairs_each_replicate_on_common_random_numbers(village):
    ens = rm.compare(VILLAGE, without=["checks"], runs=4, workers=1)
    effects = ens.effects("detained")
    last = effects[(effects.day == effects.day.max()) & (effects.name == "river")].iloc[0]
    assert last.q95 > 0 and last.q05 >= 0  # only the checks detain anyone
    # before the checks start (day 4 is their first), the two worlds are the same
    early = ens.effects("reach")
    assert (early[early.day <= 4][["q05", "q95"]].abs().to_numpy() == 0).all()
    assert (early[early.day > 10][["q05", "q95"]].abs().to_numpy() > 0).any()


POST = Path(__file__).parents[1] / "report" / "post.toml"


@pytest.fixture(scope="module")
def post_ensemble():
    """Three replicates of post.toml: letters on a censored post, and a report with two offices before the order."""
    return run_plan(plan_for(POST, runs=3), workers=1)


def _own_run(plan, index):
    """Replicate ``index`` run straight from its scenario and seed, without the ensemble machinery."""
    from rumormill.scenario import build

    return build(plan.scenario, scale=plan.scale, seed=plan.seed, order=plan.order).run(
        seed=plan.replicate(index).seed)


def test_a_replicate_keeps_its_letters_and_the_days_of_its_chain_of_command(post_ensemble):
    plan = post_ensemble.plan
    for index in (0, 2):
        s, result = post_ensemble.summaries[index], _own_run(plan, index)
        post = result.layers.index("post")
        assert s.letters.shape == (len(result.days), 1, 3, 1) and s.letters.dtype == np.int64
        assert np.array_equal(s.letters[:, :, 0, 0], result.letters[:, :, 0, post].sum(axis=-1))  # written
        assert np.array_equal(s.letters[:, :, 1, 0], result.letters[:, :, 1, post].sum(axis=-1))  # delivered
        assert np.array_equal(s.letters[:, :, 2, 0], result.intercepts[:, :, post].sum(axis=-1))  # caught
        frame = result.letters_frame()
        assert s.letters.sum(axis=(0, 1, 3)).tolist() == frame[["written", "delivered", "intercepted"]].sum().tolist()
        assert (s.letters.sum(axis=(0, 1, 3)) > 0).all()
        events = result.events_frame()
        first = events.groupby(["kind", "detail"])["day"].min()
        assert s.stage_days == {
            "town-report: the district security office": first["stage", "town-report: the district security office"],
            "town-report: the provincial committee": first["stage", "town-report: the provincial committee"]}
        assert s.start_days == {"read-letters": first["measure-start", "read-letters"]}
        assert s.report_day < s.stage_days["town-report: the district security office"] < s.order_day


def test_letters_have_bands_and_the_chain_its_columns_per_replicate(post_ensemble):
    ens = post_ensemble
    bands = ens.bands("letters")
    assert list(dict.fromkeys(bands["by"])) == ["written", "delivered", "caught"] and set(bands["name"]) == {"post"}
    stacked = np.stack([s.letters for s in ens.summaries]).astype(np.float64)
    row = bands[(bands.day == 25) & (bands.by == "caught")].iloc[0]
    assert row.q50 == np.median(stacked[:, 25, 0, 2, 0]) and row.runs == 3
    assert row.q95 == pytest.approx(np.quantile(stacked[:, 25, 0, 2, 0], 0.95))
    reps = ens.replicates()
    office = "town-report: the provincial committee"
    assert reps[office].tolist() == [s.stage_days[office] for s in ens.summaries]
    assert reps["on: read-letters"].tolist() == [s.start_days["read-letters"] for s in ens.summaries]


def test_a_scenario_without_letters_keeps_none(village):
    ens = run_plan(plan_for(village, runs=2), workers=1)
    assert all(s.letters is None and s.stage_days == {} for s in ens.summaries)
    assert ens.summaries[0].start_days == {"scare": 9, "checks": 4}
    assert ens.bands("letters").empty and not ens.bands("reach").empty
