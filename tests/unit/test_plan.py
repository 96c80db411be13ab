"""The day's plan: measures compile once to plain acts, both engines follow the
stages of ``calendar.DAY`` in order, and ``rumormill show NAME --plan``
prints them with the measures acting in each."""

import numpy as np
import pytest
from typer.testing import CliRunner

import rumormill as rm
from rumormill.cli import app
from rumormill.engine import calendar
from rumormill.measures import Check, Inflow, Monitor
from rumormill.measures.schedule import Arrival, Sweep, compile_run
from rumormill.networks import Layer, Multiplex, from_edges

STAGES = [st.name for st in calendar.DAY]


def _schedule(measures, triggers=()):
    pop = rm.Population.from_sizes({("soldier", "north"): 3, ("family", "north"): 2, ("family", "south"): 4})
    return compile_run(measures, triggers, population=pop, layers=["home", "mail"], channels=["face", "mail"],
                       stories=["deployment", "captured"], n_cells=pop.n_cells)


def test_the_day_is_written_once_in_this_order():
    assert STAGES == ["switch", "dawn", "steps", "dusk", "leave", "record", "observe"]
    steps = calendar.DAY[STAGES.index("steps")]
    assert [p.split(":")[0] for p in steps.parts] == ["arrivals", "tellings", "letters"]


def test_an_engine_runs_its_stages_in_the_day_s_order_and_gives_every_one():
    called = []
    given = {name: (lambda day, name=name: called.append((day, name))) for name in reversed(STAGES)}
    for stage in calendar.follow(given):
        stage(4)
    assert called == [(4, name) for name in STAGES]
    with pytest.raises(ValueError, match="dusk"):
        calendar.follow({name: given[name] for name in STAGES if name != "dusk"})


def test_measures_compile_to_plain_acts_of_a_stage_of_the_day():
    plan = _schedule([Inflow("phones", story="captured", rate=0.5, groups=["family"], start=3, stop=9),
                      Monitor("watch", every=7, probability=0.2, regions=["south"], start=None),
                      Check("visits", every=30, first=2, probability=0.1, household="home", groups=["soldier"])])
    arrival, monitor, check = plan.acts
    assert isinstance(arrival, Arrival) and arrival.stage == "dawn"
    assert (arrival.story, arrival.cells.tolist(), arrival.rate) == (1, [2, 3], 0.5)
    assert arrival.streams == ("inflow:phones", "inflow-accept:phones") and (arrival.start, arrival.stop) == (3, 9)
    assert isinstance(monitor, Sweep) and monitor.stage == "dusk"
    # cells: soldier/north, soldier/south, family/north, family/south
    assert monitor.cohort.tolist() == [False, True, False, True] and monitor.finds == "spreaders"
    assert (monitor.every, monitor.first, monitor.streams) == (7, 6, ("monitor:watch",))
    assert check.finds == "knowers" and check.household == 0 and check.cohort.tolist() == [True, True, False, False]
    assert {a.stage for a in plan.acts} <= set(STAGES)


@pytest.mark.parametrize("every", [1, 2, 5])
def test_a_monitor_searches_at_the_end_of_every_every_th_day_after_it_switches_on(every):
    (sweep,) = _schedule([Monitor("watch", every=every, probability=0.5)]).acts
    for since in range(4):
        due = [day for day in range(since, since + 3 * every) if sweep.due(day, since)]
        assert due == [since + every - 1, since + 2 * every - 1, since + 3 * every - 1]


def test_a_measure_naming_an_unknown_group_is_refused_when_compiled():
    with pytest.raises(rm.ParameterError, match="unknown group 'officer'"):
        _schedule([Monitor("watch", groups=["officer"])])


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_dusk_comes_after_the_day_s_arrivals(engine):
    """News from outside reaching everyone in the day's steps is found by a monitor at that day's dusk."""
    pop = rm.Population.from_sizes({("family", "north"): 50})
    mux = Multiplex({"home": Layer(from_edges(50, np.zeros(0, int), np.zeros(0, int)))})
    r = rm.simulate(mux, rm.ISR(0.0, 1.0, 0.0), engine=engine, population=pop, days=2, initial=np.array([0]),
                    measures=[Inflow("phones", story="story", rate=1e3), Monitor("watch", every=1, probability=1.0)],
                    seed=3)
    assert r.detained[1].sum() == 50  # row 1: the end of day 0
    assert r.tellings[1, 0, -1].sum() == 49  # the outside column: everyone but the one spreader heard it


def test_show_plan_prints_the_stages_and_the_builtin_measures_under_theirs():
    res = CliRunner().invoke(app, ["show", "kpa-2025", "--plan", "--order", "trigger"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    heads = [next(i for i, line in enumerate(lines) if line.startswith(f"{k}. {name}:"))
             for k, name in enumerate(STAGES, 1)]
    assert heads == sorted(heads)

    def stage_of(text):
        at = next(i for i, line in enumerate(lines) if text in line)
        return STAGES[sum(h < at for h in heads) - 1]

    assert stage_of("inflow-captured (inflow)") == "dawn"
    assert stage_of("inspect-mail (inspect)") == "steps"
    assert stage_of("monitor-families (check)") == "dusk"
    assert stage_of("trigger border-report") == "observe"
    assert stage_of("order of border-report") == "switch"
    inspect = next(i for i, line in enumerate(lines) if "inspect-mail (inspect)" in line)
    assert "when border-report orders" in lines[inspect + 1] and "inspect:inspect-mail" in lines[inspect + 1]


def test_show_plan_by_date_gives_the_measures_dates():
    res = CliRunner().invoke(app, ["show", "kpa-2025", "--plan", "--order", "date"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    inspect = next(i for i, line in enumerate(lines) if "inspect-mail (inspect)" in line)
    assert lines[inspect + 1].strip().startswith("from day 123 (2025-02-01)")
