"""``Check``: a cohort checked on a calendar; a member who knows a story is
found, then detained and/or has their household indoctrinated (silenced).
Tiny hand-checked households and a rate check, in both engines."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.errors import ParameterError
from rumormill.measures import Check
from rumormill.networks import Layer, Multiplex, cliques

SILENT = rm.ISR(0.0, 1.0, 0.0)  # no one tells anyone: only the check changes states


def _two_homes():
    """Parents 0 and 1, children 2-5; household A = {0, 2, 3}, household B = {1, 4, 5}."""
    pop = rm.Population.from_sizes({("parent", "x"): 2, ("child", "x"): 4})
    return pop, Multiplex({"household": Layer(cliques(np.array([0, 1, 0, 0, 1, 1])))})


def _states(r):
    """Agents' final states of the one story, from the counts by cell: (spreaders, stiflers) per cell."""
    return r.counts[-1, 0, 1].tolist(), r.counts[-1, 0, 2].tolist()


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_a_finding_silences_its_household_and_only_it(engine):
    pop, mux = _two_homes()
    check = Check("families", every=30, probability=1.0, detain=0.0, indoctrinate=1.0, household="household",
                  groups=["parent"])
    # spreaders: parent 0 and child 2 (household A), child 4 (household B, whose parent knows nothing)
    r = rm.simulate(mux, SILENT, engine=engine, population=pop, measures=[check], days=2, initial=np.array([0, 2, 4]),
                    seed=1)
    spreaders, stiflers = _states(r)
    assert spreaders == [0, 1] and stiflers == [1, 1]  # parent 0 and child 2 silenced; child 4 still talks
    assert r.detained[-1].sum() == 0
    found = [(e[0], e[1], e[3], e[4], e[5]) for e in r.events if e[1].startswith("check-")]
    assert found == [(0, "check-finding", 0, 1, "families"), (0, "check-indoctrination", 0, 1, "families")]


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_a_detained_finding_leaves_its_household_talking(engine):
    pop, mux = _two_homes()
    check = Check("families", probability=1.0, detain=1.0, household="household", groups=["parent"])
    r = rm.simulate(mux, SILENT, engine=engine, population=pop, measures=[check], days=1, initial=np.array([0, 2]),
                    seed=1)
    assert r.detained[-1].tolist() == [1, 0]
    assert r.counts[-1, 0, 1].tolist() == [0, 1]  # child 2 still spreads


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_knowing_either_story_is_a_finding_and_silences_both(engine):
    pop, mux = _two_homes()
    check = Check("families", probability=1.0, detain=0.0, indoctrinate=1.0, household="household", groups=["parent"])
    # parent 0 knows only "captured"; child 2 spreads "deployment"
    r = rm.simulate(mux, {"deployment": SILENT, "captured": SILENT}, engine=engine, population=pop,
                    measures=[check], days=1, initial={"deployment": np.array([2]), "captured": np.array([0])},
                    seed=1)
    assert sum(e[4] for e in r.events if e[1] == "check-finding") == 1
    assert r.counts[-1, :, 1].sum() == 0 and r.counts[-1, :, 2].sum(axis=1).tolist() == [1, 1]


def test_checks_fall_on_their_calendar():
    pop, mux = _two_homes()
    for start, days in ((0, [14, 44]), (5, [19, 49])):
        check = Check("families", every=30, first=14, probability=1.0, detain=0.0, groups=["parent"], start=start)
        r = rm.simulate(mux, SILENT, population=pop, measures=[check], days=60, initial=np.array([0]), seed=1)
        assert [e[0] for e in r.events if e[1] == "check-finding"] == days


@pytest.mark.parametrize("engine, substeps", [("daily", 1), ("exact", 1)])
def test_knowers_are_found_and_punished_at_their_rates(engine, substeps):
    # n stiflers (they heard, then stopped), in households of two: found with 0.3, then detained with 0.5
    # and, independently, their household indoctrinated with 0.4
    n = 20_000
    pop = rm.Population.from_sizes({("family", "x"): n})
    mux = Multiplex({"household": Layer(cliques(np.arange(n) // 2))})
    check = Check("families", every=1, first=1, probability=0.3, detain=0.5, indoctrinate=0.4, household="household")
    r = rm.simulate(mux, rm.ISR(0.0, 1.0, 50.0), engine=engine, substeps=substeps, population=pop, measures=[check],
                    days=2, initial=np.arange(n), seed=3)
    assert r.counts[1, 0, 1].sum() == 0  # everyone had stopped before the check
    found = sum(e[4] for e in r.events if e[1] == "check-finding")
    homes = sum(e[4] for e in r.events if e[1] == "check-indoctrination")
    for got, of, p in ((found, n, 0.3), (r.detained[-1].sum(), found, 0.5), (homes, found, 0.4)):
        assert abs(got / of - p) < 3 * np.sqrt(p * (1 - p) / of), (got, of, p)


def test_bad_checks_are_refused():
    with pytest.raises(ParameterError, match="every"):
        Check("c", every=0, probability=0.5)
    with pytest.raises(ParameterError, match="first"):
        Check("c", first=-1, probability=0.5)
    with pytest.raises(ParameterError, match="detain"):
        Check("c", probability=0.5, detain=1.5)
    with pytest.raises(ParameterError, match="needs household"):
        Check("c", probability=0.5, indoctrinate=0.5)
    pop, mux = _two_homes()
    with pytest.raises(ParameterError, match="'homes' is not one of"):
        rm.simulate(mux, SILENT, population=pop, days=1,
                    measures=[Check("c", probability=1.0, indoctrinate=1.0, household="homes")])
