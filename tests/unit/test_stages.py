"""A trigger's chain of command: each office is an event on the day the
matter reaches it, and the order comes with the last one, in both engines."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.networks import Layer, Multiplex, erdos_renyi

CHAIN = (("ministry", 0), ("party", 2), ("commission", 1))


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_each_office_is_reached_in_turn_and_the_order_comes_with_the_last(engine):
    pop = rm.Population.from_sizes({("resident", "border"): 200, ("resident", "inland"): 200})
    mux = Multiplex({"mail": Layer(erdos_renyi(400, 6.0, 1), channel="mail")})
    trigger = rm.Trigger("border-report", observe="interceptions", threshold=5, regions=["border"], stages=CHAIN,
                         starts=["crackdown"])
    r = rm.simulate(mux, rm.SIR(0.5, 0.0), engine=engine, population=pop, days=30, initial=20, seed=1,
                    measures=[rm.Inspect("watch", channel="mail", probability=0.2),
                              rm.Deter("crackdown", factor=1.0, start=None)],
                    triggers=[trigger])
    assert trigger.delay == 3
    ev = r.events_frame()
    (report,) = ev[ev.kind == "report"].day
    stages = ev[ev.kind == "stage"]
    assert stages.detail.tolist() == ["border-report: ministry", "border-report: party", "border-report: commission"]
    assert (stages.day - report).tolist() == [0, 2, 3]
    (order,) = ev[ev.kind == "order"].day
    assert order == report + 3


def test_stages_without_starts_still_record_the_chain():
    # date order: the trigger starts nothing, but the chain shows when each office would have had it
    mux = Multiplex({"face": Layer(erdos_renyi(200, 6.0, 2))})
    r = rm.simulate(mux, rm.SIR(0.5, 0.0), days=20, substeps=4, initial=20, seed=2,
                    triggers=[rm.Trigger("t", observe="reports", layer="face", threshold=3, stages=CHAIN)])
    ev = r.events_frame()
    assert (ev[ev.kind == "stage"].day - ev[ev.kind == "report"].day.iloc[0]).tolist() == [0, 2, 3]
    assert not (ev.kind == "order").any()


def test_bad_stages_are_refused():
    with pytest.raises(rm.ParameterError, match="delay = 4 but its stages take 3 days"):
        rm.Trigger("t", observe="detentions", threshold=1, delay=4, stages=CHAIN)
    with pytest.raises(rm.ParameterError, match="whole number"):
        rm.Trigger("t", observe="detentions", threshold=1, stages=(("ministry", -1),))
    assert rm.Trigger("t", observe="detentions", threshold=1, delay=3, stages=CHAIN).delay == 3
    assert np.isclose(rm.Trigger("t", observe="detentions", threshold=1, stages=(("a", 2.0),)).delay, 2)
