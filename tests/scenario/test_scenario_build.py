"""Building scenarios: population, labels, layers, stories, measures, triggers."""

from __future__ import annotations

import numpy as np
import pytest

import rumormill
from rumormill.errors import CapacityError, ScenarioError
from rumormill.measures import Check, Detect, Deter, Indoctrinate, Inflow, Inspect, Trigger
from rumormill.scenario import load, with_values
from rumormill.scenario.build import Built, build, estimate
from rumormill.scenario.checks import resolve_sizes

ORDER_DAY = 123  # 2025-02-01 is day 123 of a calendar starting 2024-10-01
ORDER = ["inspect-mail", "punish-units", "detect-units", "indoctrinate-soldiers", "punish-liaison", "detect-liaison",
         "monitor-families"]


@pytest.fixture(scope="module")
def kpa():
    return load("kpa-2025")


@pytest.fixture(scope="module")
def tiny(kpa):
    return build(kpa, scale=0.001)


def edges(net):
    rows = np.repeat(np.arange(net.n), np.diff(net.indptr))
    keep = rows < net.indices
    return rows[keep], net.indices[keep].astype(np.int64)


def groups_of(pop):
    return np.repeat(np.arange(pop.n_cells) // len(pop.regions), pop.sizes)


def regions_of(pop):
    return np.repeat(np.arange(pop.n_cells) % len(pop.regions), pop.sizes)


def test_kpa_builds_at_a_tiny_scale(kpa, tiny):
    pop = tiny.population
    full = resolve_sizes(kpa)
    assert pop.n == sum(round(v * 0.001) for v in full.values())
    assert 23_000 < pop.n < 25_000
    assert pop.groups == [g.name for g in kpa.population.groups] and pop.regions == list(kpa.population.regions)
    assert tiny.multiplex.n == pop.n and tiny.multiplex.names == [x.name for x in kpa.layers]
    assert tiny.multiplex.layers["mail"].channel == "mail" and tiny.multiplex.layers["mail"].rate == 0.033
    assert set(tiny.stories) == {"deployment", "captured"}
    assert isinstance(tiny.stories["deployment"], rumormill.ISR)
    assert tiny.days == 182 and tiny.substeps == 8 and tiny.start_date == "2024-10-01" and tiny.seed == 2025
    assert tiny.key_dates["joint order"] == "2025-02-01" and tiny.initial == {"deployment": 0, "captured": 0}
    assert set(tiny.simulate_kwargs()) == {"population", "measures", "triggers", "days", "substeps", "initial",
                                           "seed", "start_date", "engine"}
    assert "scale=0.001" in repr(tiny)


def test_kpa_measures_and_trigger_by_date(tiny):
    by_name = {m.name: m for m in tiny.measures}
    assert [type(by_name[n]) for n in ORDER] == [Inspect, Deter, Detect, Indoctrinate, Deter, Detect, Check]
    assert all(by_name[n].start == ORDER_DAY and by_name[n].stop is None for n in ORDER)
    assert by_name["inflow-deployment"].start == 17 and by_name["inflow-captured"].start == 102
    assert isinstance(by_name["inflow-captured"], Inflow)
    assert by_name["inspect-mail"].channel == "mail" and by_name["inspect-mail"].probability == 0.9
    families = by_name["monitor-families"]
    assert families.groups == ("soldier_family", "deployed_family") and families.household == "household"
    assert (ORDER_DAY + families.first, families.every) == (137, 30)  # 2025-02-15, then monthly
    (t,) = tiny.triggers
    assert isinstance(t, Trigger) and t.threshold == 5 and t.delay == 9 and t.starts == ()  # date order: it only reports
    assert t.layer == "neighbourhood" and t.regions == ("Ryanggang", "North Hamgyong") and t.story == "deployment"


def test_kpa_measures_by_trigger(kpa):
    b = build(kpa, scale=0.0005, order="trigger")
    by_name = {m.name: m for m in b.measures}
    assert all(by_name[n].start is None for n in ORDER)
    assert by_name["inflow-deployment"].start == 17
    assert b.triggers[0].starts == tuple(ORDER) and b.order == "trigger"


def test_kpa_runs_its_whole_calendar(tiny):
    res = tiny.run()
    assert res.days[-1] == 182
    for story in ("deployment", "captured"):
        assert 0.0 < res.reach(story) <= 1.0


def test_kpa_labels(tiny):
    pop = tiny.population
    g, r = groups_of(pop), regions_of(pop)
    civil = np.isin(g, [pop.groups.index(x) for x in ("border_resident", "resident", "soldier_family", "deployed_family")])
    hh, block, unit = (pop.labels[k] for k in ("household", "inminban", "unit"))
    assert np.all((hh >= 0) == civil) and np.all((block >= 0) == civil) and np.all((unit >= 0) == ~civil)
    sizes = np.bincount(hh[civil])
    assert sizes.min() >= 1 and abs(sizes.mean() - 3.9) < 0.15
    for lab in (hh, block, unit):  # every label group lies inside one region
        has = lab >= 0
        lo = np.full(lab.max() + 1, 99)
        hi = np.full(lab.max() + 1, -1)
        np.minimum.at(lo, lab[has], r[has])
        np.maximum.at(hi, lab[has], r[has])
        assert np.array_equal(lo, hi)
    per_block = np.bincount(block[civil], minlength=block.max() + 1)
    households_per_block = np.array([np.unique(hh[block == b]).size for b in range(block.max() + 1)])
    assert households_per_block.max() <= 40 and np.median(households_per_block) >= 20 and per_block.min() >= 1
    assert np.bincount(unit[unit >= 0]).max() == 120


def test_kpa_layers_join_the_right_groups(tiny):
    pop = tiny.population
    g = groups_of(pop)
    name = np.array(pop.groups)
    lay = tiny.multiplex.layers
    a, b = edges(lay["mail"].network)
    pairs = {tuple(sorted(p)) for p in zip(name[g[a]], name[g[b]])}
    assert pairs <= {("liaison", "soldier_family"), ("soldier", "soldier_family")}
    a, b = edges(lay["unit"].network)
    assert set(name[g[a]]) | set(name[g[b]]) <= {"soldier", "liaison"}
    assert np.all(pop.labels["unit"][a] == pop.labels["unit"][b])
    a, b = edges(lay["household"].network)
    assert np.all(pop.labels["household"][a] == pop.labels["household"][b])
    a, b = edges(lay["market"].network)
    assert np.all(regions_of(pop)[a] == regions_of(pop)[b])
    a, b = edges(lay["liaison"].network)
    assert np.all((name[g[a]] == "liaison") ^ (name[g[b]] == "liaison"))


def test_estimate_matches_the_build(kpa, tiny):
    est = estimate(kpa, 0.001)
    built = sum(x.network.n_edges for x in tiny.multiplex.layers.values())
    assert est.agents == tiny.population.n
    assert abs(est.contacts - built) < 0.05 * built


def test_estimate_counts_the_letters_of_delayed_layers(kpa, tiny):
    from rumormill.engine.daily import task_rows
    from rumormill.engine.post import Post
    from rumormill.scenario.build import OUTBOX_BYTES, delay_of

    mail = next(lay for lay in kpa.layers if lay.delay is not None)
    undelayed = kpa.model_copy(update={"layers": [lay.model_copy(update={"delay": None}) if lay is mail else lay
                                                  for lay in kpa.layers]})
    extra = estimate(kpa, 0.001).nbytes - estimate(undelayed, 0.001).nbytes
    # the run's outbox, as the engine allocates it on the built networks
    net = tiny.multiplex.layers[mail.name].network
    delays = [delay_of(mail) if name == mail.name else None for name in tiny.multiplex.layers]
    post = Post(delays, ([x.network.indptr for x in tiny.multiplex.layers.values()],), 1, len(kpa.stories))
    outbox = sum(a.nbytes for a in (post.out_to, post.out_from, post.out_lay, post.out_due))
    assert outbox == OUTBOX_BYTES * 2 * net.n_edges * task_rows(len(kpa.stories))
    # the estimate's contacts are within 5% of the build's, and it adds the letters in transit
    assert extra > 0.95 * outbox


def test_same_seed_same_build_and_layers_have_their_own_streams(kpa, tiny):
    again = build(kpa, scale=0.001)
    other = build(with_values(kpa, {"market_degree": 6.0}), scale=0.001)
    reseeded = build(kpa, scale=0.001, seed=1)
    for name, layer in tiny.multiplex.layers.items():
        net = layer.network
        assert np.array_equal(net.indices, again.multiplex.layers[name].network.indices)
        same = np.array_equal(net.indices, other.multiplex.layers[name].network.indices)
        assert same == (name != "market"), name  # changing one layer leaves the others untouched
        assert not np.array_equal(net.indices, reseeded.multiplex.layers[name].network.indices)
    for k, lab in tiny.population.labels.items():
        assert np.array_equal(lab, again.population.labels[k])


def test_an_impossible_scale_is_refused_before_building(kpa):
    with pytest.raises(CapacityError, match=r"scale = 50.*lower scale \(about"):
        build(kpa, scale=50.0)
    with pytest.raises(CapacityError, match=r"scale = 5000.*agents a network can index.*lower scale"):
        build(kpa, scale=5000.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0.0}, "scale = 0.0: give a number > 0"),
    ({"scale": float("nan")}, "scale = nan"),
    ({"scale": 1e-9}, "leaves no agents"),
    ({"seed": -1}, "seed = -1"),
    ({"order": "later"}, "order = 'later'"),
])
def test_bad_build_options(kpa, kwargs, match):
    with pytest.raises(ScenarioError, match=match):
        build(kpa, **{"scale": 0.001, **kwargs})


def test_build_accepts_a_name():
    assert isinstance(build("kpa-2025", scale=0.0002), Built)


def test_every_kind_of_table_builds(mini_path):
    b = build(load(mini_path))
    pop = b.population
    assert pop.n == 1000 and pop.groups == ["civilian", "soldier", "family"]
    assert pop.sizes.tolist() == [468, 352, 60, 0, 72, 48]
    g, r = groups_of(pop), regions_of(pop)
    lay = b.multiplex.layers
    assert {k: v.channel for k, v in lay.items()}["mail"] == "mail"
    a, c = edges(lay["friends"].network)
    assert np.all(g[a] == 0) and np.all(g[c] == 0) and 500 < a.size <= 600
    a, c = edges(lay["phone"].network)
    assert np.all(g[a] == 0) and np.all(g[c] == 0) and np.any(r[a] != r[c])  # across regions
    a, c = edges(lay["town"].network)
    assert np.all(r[a] == r[c]) and np.all(g[a] != 1)
    a, c = edges(lay["street"].network)
    assert np.all(pop.labels["block"][a] == pop.labels["block"][c])
    assert lay["street"].rate == 0.5
    a, c = edges(lay["barracks"].network)
    assert a.size == 6 * 45  # six units of ten soldiers, each a clique
    a, c = edges(lay["mail"].network)
    assert np.all((g[a] == 1) ^ (g[c] == 1))
    assert [type(s).__name__ for s in b.stories.values()] == ["MakiThompson", "DaleyKendall", "ISR", "SIR", "IndependentCascade"]
    assert b.initial["a"] == 3
    m = {x.name: x for x in b.measures}
    assert (m["read-mail"].start, m["lecture"].start, m["watch"].stop, m["radio"].start, m["radio"].stop) == (14, 0, 30, 4, 19)
    assert b.triggers[0].threshold == 20 and b.triggers[0].starts == ()
    res = b.run(days=10)
    assert res.days[-1] == 10


def test_edge_list_ids_beyond_the_members(mini_path):
    with pytest.raises(ScenarioError, match=r"layers\[6\] \('friends'\).*edge-list ids number the layer's members"):
        build(load(mini_path), scale=0.5)


def test_every_measure_of_the_order_acts_on_both_stories(kpa):
    """The order acts against "the spread of information about both the troop deployment and captured
    soldiers" (Daily NK, Feb 2025): every measure it starts moves both stories' levers alike, or acts on
    whoever knows any story, and none is tied to one story."""
    from rumormill.measures.schedule import compile_run

    built = build(kpa, scale=0.0005, order="trigger")
    (trigger,) = built.triggers
    ordered = [m for m in built.measures if m.name in trigger.starts]
    assert sorted(m.name for m in ordered) == sorted(ORDER)
    pop, mux, stories = built.population, built.multiplex, list(built.stories)
    assert stories == ["deployment", "captured"]
    schedule = compile_run(built.measures, built.triggers, population=pop, layers=list(mux.layers),
                           channels=[lay.channel for lay in mux.layers.values()], stories=stories, n_cells=pop.n_cells)
    neutral = schedule.levers([])
    for m, act in zip(built.measures, schedule.acts):
        if m.name not in trigger.starts:
            continue
        assert getattr(m, "story", None) is None, m.name
        lv = schedule.levers([act])
        for name in ("spread", "forget", "accept"):  # the levers with a story axis: the same for both
            per_story = getattr(lv, name)
            assert np.array_equal(per_story[0], per_story[1]), (m.name, name)
        moved = any(not np.array_equal(getattr(lv, f), getattr(neutral, f)) for f in vars(lv))
        # inspection and detection have no story axis; a check finds whoever knows either story
        assert moved or isinstance(m, Check), m.name
