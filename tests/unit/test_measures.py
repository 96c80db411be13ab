"""Each measure's rules on tiny hand-checked graphs, triggers, and common
random numbers between a run and its counterfactual."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.networks import Layer, Multiplex, erdos_renyi, from_edges

SURE = 1e9


@pytest.fixture
def path_pop():
    """0 — 1 — 2: agent 0 a soldier, 1 and 2 family, all in one region."""
    pop = rm.Population.from_sizes({("soldier", "north"): 1, ("family", "north"): 2})
    net = from_edges(3, np.array([0, 1]), np.array([1, 2]))
    return pop, Multiplex({"mail": Layer(net, channel="mail")})


def run(mux, pop, measures=(), triggers=(), model=None, days=4, **kw):
    return rm.simulate(mux, model or rm.MakiThompson(SURE), population=pop, measures=measures,
                       triggers=triggers, days=days, initial=kw.pop("initial", [0]), **kw)


def test_inspect_everything_stops_every_telling(path_pop):
    pop, mux = path_pop
    r = run(mux, pop, [rm.Inspect("read-mail", channel="mail", probability=1.0)])
    assert r.totals()[-1].tolist() == [2, 1, 0]
    # the lone spreader meets its one neighbour every day: four interceptions
    assert r.intercepts.sum() == 4 and r.intercepts[1:, 0, 0, 0].tolist() == [1, 1, 1, 1]
    assert r.detained[-1].sum() == 0


def test_inspect_detains_the_sender_who_then_leaves(path_pop):
    pop, mux = path_pop
    r = run(mux, pop, [rm.Inspect("read-mail", channel="mail", probability=1.0, detain=1.0)])
    assert r.detained[-1].tolist() == [1, 0]  # the soldier's cell
    assert r.intercepts.sum() == 1
    assert r.totals()[-1].tolist() == [2, 0, 1]  # detained: stops spreading
    kinds = list(r.events_frame()["kind"])
    assert kinds.count("detention") == 1 and kinds.count("interception") == 1


def test_inspect_on_a_missing_channel_is_an_error(path_pop):
    pop, mux = path_pop
    with pytest.raises(rm.ParameterError, match="phone"):
        run(mux, pop, [rm.Inspect("tap", channel="phone", probability=0.5)])


def test_deter_fully_silences_only_its_group(path_pop):
    pop, mux = path_pop
    silenced = run(mux, pop, [rm.Deter("punish", factor=1.0, groups=["soldier"])])
    assert silenced.totals()[-1].tolist() == [2, 1, 0]
    # deterring the family instead: the soldier tells agent 1, who tells no one
    family = run(mux, pop, [rm.Deter("punish", factor=1.0, groups=["family"])])
    assert family.totals()[-1].tolist() == [1, 1, 1]


def test_indoctrinated_hearer_knows_but_stays_silent(path_pop):
    pop, mux = path_pop
    r = run(mux, pop, [rm.Indoctrinate("lecture", acceptance=0.0, groups=["family"])], model=rm.SIR(SURE, 0.0))
    # day 1: agent 1 hears it and does not believe it (a stifler); agent 2 never hears
    assert r.totals()[1].tolist() == [1, 1, 1]
    assert r.totals()[-1].tolist() == [1, 1, 1]


def test_indoctrination_stops_spreaders_at_its_rate(path_pop):
    pop, mux = path_pop
    r = run(mux, pop, [rm.Indoctrinate("lecture", stifle_rate=SURE, groups=["soldier"])], model=rm.SIR(SURE, 0.0))
    # the soldier tells agent 1 on day 0, then stops; agent 1 (not targeted) goes on
    assert r.totals()[1].tolist() == [1, 1, 1]
    assert r.totals()[-1].tolist() == [0, 2, 1]


def test_inflow_brings_news_from_outside_on_its_day():
    pop = rm.Population.from_sizes({("resident", "border"): 50, ("resident", "inland"): 50})
    net = erdos_renyi(100, 0.0, 0)  # no contacts: only the inflow spreads it
    r = rm.simulate(net, rm.SIR(0.0, 0.0), population=pop, days=10, initial=0,
                    measures=[rm.Inflow("phones", story="story", rate=SURE, regions=["border"], start=3)])
    assert r.totals()[3].tolist() == [100, 0, 0]
    assert r.totals()[4].tolist() == [50, 50, 0]
    assert r.layers[-1] == "outside" and r.tellings_by_layer()[:, 0, -1].sum() == 50
    assert r.counts[-1, 0, 1].tolist() == [50, 0]  # border cell only


def test_monitor_checks_only_every_nth_day():
    pop = rm.Population.from_sizes({("family", "a"): 200})
    net = erdos_renyi(200, 0.0, 0)
    r = rm.simulate(net, rm.SIR(0.0, 0.0), population=pop, days=10, initial=200,
                    measures=[rm.Monitor("checks", every=4, probability=1.0, groups=["family"], start=1)])
    # switched on day 1; checks at the end of days 4 and 8: all 200 found at the first
    det = r.detained[:, 0]
    assert det[:5].tolist() == [0, 0, 0, 0, 0] and det[5] == 200
    assert r.totals()[-1].tolist() == [0, 0, 200]


def test_trigger_reports_then_orders_after_the_delay():
    pop = rm.Population.from_sizes({("resident", "border"): 200, ("resident", "inland"): 200})
    net = erdos_renyi(400, 6.0, 1)
    mux = Multiplex({"mail": Layer(net, channel="mail")})
    trigger = rm.Trigger("border-report", observe="interceptions", threshold=5, regions=["border"],
                         delay=3, starts=["crackdown"])
    r = rm.simulate(mux, rm.SIR(0.5, 0.0), population=pop, days=30, initial=20, seed=1,
                    measures=[rm.Inspect("watch", channel="mail", probability=0.2),
                              rm.Deter("crackdown", factor=1.0, start=None)],
                    triggers=[trigger])
    ev = r.events_frame()
    report = ev[ev.kind == "report"]
    order = ev[ev.kind == "order"]
    start = ev[(ev.kind == "measure-start") & (ev.detail == "crackdown")]
    assert len(report) == 1 and len(order) == 1 and len(start) == 1
    assert order.day.iloc[0] == report.day.iloc[0] + 3 == start.day.iloc[0]
    day = int(start.day.iloc[0])
    # from the order on, nobody tells anyone
    assert r.tellings_by_layer()[day + 2:].sum() == 0


def test_trigger_naming_a_missing_measure_is_an_error():
    net = erdos_renyi(50, 2.0, 0)
    with pytest.raises(rm.ParameterError, match="not a measure"):
        rm.simulate(net, rm.SIR(0.1, 0.1), days=2,
                    triggers=[rm.Trigger("t", observe="detentions", threshold=1, starts=["nothing"])])


@pytest.mark.parametrize("bad", [
    lambda: rm.Inspect("i", probability=1.5),
    lambda: rm.Deter("d", factor=-0.1),
    lambda: rm.Indoctrinate("x", stifle_rate=-1.0),
    lambda: rm.Monitor("m", every=0),
    lambda: rm.Inflow("f", story="s", rate=-2.0),
    lambda: rm.Deter("d", factor=0.5, start=5, stop=5),
    lambda: rm.Trigger("t", observe="rumours", threshold=1),
    lambda: rm.Trigger("t", observe="reports", threshold=1),
])
def test_bad_measure_arguments(bad):
    with pytest.raises(rm.ParameterError):
        bad()


# -- common random numbers ----------------------------------------------------------

@pytest.fixture(scope="module")
def town():
    pop = rm.Population.from_sizes({("soldier", "a"): 500, ("family", "a"): 1500, ("family", "b"): 2000})
    return pop, Multiplex({"face": Layer(erdos_renyi(pop.n, 6.0, 3)),
                           "mail": Layer(erdos_renyi(pop.n, 2.0, 4), rate=0.5, channel="mail")})


def _crn_run(town, measures):
    pop, mux = town
    return rm.simulate(mux, {"a": rm.MakiThompson(0.2), "b": rm.ISR(0.2, 0.5, 0.05)}, population=pop,
                       measures=measures, days=60, substeps=2, initial=10, seed=9)


def test_a_measure_that_never_acts_changes_nothing(town):
    base = _crn_run(town, [])
    idle = _crn_run(town, [rm.Inspect("noop", channel="mail", probability=0.0),
                           rm.Deter("nobody", factor=0.0, groups=["soldier"])])
    assert np.array_equal(base.counts, idle.counts)


def test_runs_differ_only_from_the_day_the_measure_starts(town):
    base = _crn_run(town, [])
    late = _crn_run(town, [rm.Inspect("read-mail", channel="mail", probability=0.9, detain=0.2, start=25)])
    assert np.array_equal(base.counts[:26], late.counts[:26])
    assert not np.array_equal(base.counts[26:], late.counts[26:])


def test_trigger_watches_one_story_only():
    pop = rm.Population.from_sizes({("resident", "border"): 300})
    mux = Multiplex({"face": Layer(erdos_renyi(300, 6.0, 2))})
    # story "quiet" never spreads, so a trigger on its tellings never fires
    watch = lambda story: rm.Trigger("t", observe="reports", threshold=3, layer="face", story=story, starts=["d"])
    for story, fires in [("loud", True), ("quiet", False)]:
        r = rm.simulate(mux, {"loud": rm.SIR(0.5, 0.1), "quiet": rm.SIR(0.0, 0.1)}, population=pop, days=20,
                        initial=5, seed=0, measures=[rm.Deter("d", factor=0.5, start=None)], triggers=[watch(story)])
        assert (r.events_frame().kind == "report").any() == fires
