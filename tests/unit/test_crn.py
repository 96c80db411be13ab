"""Minimally different worlds: a measure changes the random numbers only of the
agents it acts on, from the day it acts; measures of one kind draw
independently of each other.

Two disconnected components, A and B, one cell each. Every measure kind acts
on A alone from day 10; B's rows must be bit-identical with and without it,
every day, while A's must change (or the test would prove nothing).
"""

import numpy as np
import pytest

import rumormill as rm
from rumormill.measures import Check, Detect
from rumormill.networks import Delay, Layer, Multiplex, erdos_renyi, from_edges

HALF = 1500
DAYS = 40


def _edges(net, offset):
    src = np.repeat(np.arange(net.n), np.diff(net.indptr))
    return src + offset, net.indices.astype(np.int64) + offset


def _two_towns():
    pop = rm.Population.from_sizes({("resident", "town-a"): HALF, ("resident", "town-b"): HALF})
    assert np.array_equal(pop.cell, np.repeat([0, 1], HALF))
    sa, da = _edges(erdos_renyi(HALF, 6.0, seed=1), 0)
    sb, db = _edges(erdos_renyi(HALF, 6.0, seed=2), HALF)
    face = from_edges(2 * HALF, np.concatenate([sa, sb]), np.concatenate([da, db]))
    ma, mda = _edges(erdos_renyi(HALF, 2.0, seed=3), 0)  # mail only in town A
    mail = from_edges(2 * HALF, ma, mda)
    return pop, Multiplex({"face": Layer(face), "mail": Layer(mail, rate=0.5, channel="mail")})


TOWNS = _two_towns()
MODELS = {"mt": rm.MakiThompson(0.25), "isr": rm.ISR(0.3, 0.5, 0.05)}
SEEDS = np.array([3, 700, HALF + 3, HALF + 700])


def _run(measures=(), triggers=()):
    pop, mux = TOWNS
    return rm.simulate(mux, MODELS, population=pop, measures=list(measures), triggers=list(triggers),
                       days=DAYS, substeps=2, initial=SEEDS, seed=17)


BASE = None


def _base():
    global BASE
    if BASE is None:
        BASE = _run()
    return BASE


ON_A = {
    "inspect": ([rm.Inspect("read-mail", channel="mail", probability=0.6, detain=0.3, start=10)], []),
    "deter": ([rm.Deter("fear", factor=0.7, regions=["town-a"], start=10)], []),
    "detect": ([Detect("informants", layers=["face"], probability=0.3, detain=0.5, regions=["town-a"], start=10)],
               []),
    "indoctrinate": ([rm.Indoctrinate("lectures", stifle_rate=0.4, acceptance=0.5, regions=["town-a"], start=10)], []),
    "monitor": ([rm.Monitor("checks", every=3, probability=0.4, regions=["town-a"], start=10)], []),
    "inflow": ([rm.Inflow("phones", story="isr", rate=0.05, regions=["town-a"], start=10)], []),
    "check": ([Check("families", every=3, first=1, probability=0.4, detain=0.3, indoctrinate=0.5, household="face",
                     regions=["town-a"], start=10)], []),
    "trigger": ([rm.Deter("ordered", factor=0.8, regions=["town-a"], start=None)],
                [rm.Trigger("border-report", observe="reports", layer="face", regions=["town-a"], threshold=50,
                            report_probability=0.5, stages=(("ministry", 1), ("order", 2)), starts=["ordered"])]),
}


@pytest.mark.parametrize("kind", list(ON_A))
def test_a_measure_on_one_town_leaves_the_other_bit_identical(kind):
    base = _base()
    measures, triggers = ON_A[kind]
    world = _run(measures, triggers)
    # town B (cell 1): every count, telling and interception, every day
    assert np.array_equal(base.counts[..., 1], world.counts[..., 1])
    assert np.array_equal(base.tellings[:, :, :2, 1], world.tellings[:, :, :2, 1])
    assert np.array_equal(base.detained[:, 1], world.detained[:, 1])
    # town A is the same until the measure acts, then differs
    first = 11 if kind != "trigger" else 1 + min(e[0] for e in world.events if e[1] == "order")
    assert np.array_equal(base.counts[:first, ..., 0], world.counts[:first, ..., 0])
    assert not np.array_equal(base.counts[..., 0], world.counts[..., 0])


def _still_spreaders(n):
    """n agents who all spread and never meet anyone: a cohort to check."""
    pop = rm.Population.from_sizes({("family", "north"): n})
    return pop, Multiplex({"face": Layer(from_edges(n, np.zeros(0, np.int64), np.zeros(0, np.int64)))})


def _within(measured, expected_p, n):
    se = np.sqrt(expected_p * (1 - expected_p) / n)
    assert abs(measured - expected_p) < 3 * se, (measured, expected_p, se)


def test_two_monitors_of_one_cohort_find_spreaders_independently():
    n = 20_000
    pop, mux = _still_spreaders(n)
    r = rm.simulate(mux, rm.ISR(0.0, 1.0, 0.0), population=pop, days=1, initial=np.arange(n), seed=4,
                    measures=[rm.Monitor("m1", every=1, probability=0.3), rm.Monitor("m2", every=1, probability=0.3)])
    _within(r.detained[-1].sum() / n, 1 - 0.7**2, n)


def test_two_inflows_on_one_cohort_add_up():
    n = 20_000
    pop, mux = _still_spreaders(n)
    r = rm.simulate(mux, rm.ISR(0.0, 1.0, 0.0), population=pop, days=2, initial=0, seed=5,
                    measures=[rm.Inflow("radio", story="story", rate=0.1), rm.Inflow("phones", story="story", rate=0.15)])
    _within(r.reach(), 1 - np.exp(-(0.1 + 0.15) * 2), n)


def test_inflow_passes_the_hearers_acceptance():
    n = 20_000
    pop, mux = _still_spreaders(n)
    r = rm.simulate(mux, rm.ISR(0.0, 1.0, 0.0), population=pop, days=1, initial=0, seed=6,
                    measures=[rm.Inflow("radio", story="story", rate=1.0),
                              rm.Indoctrinate("lectures", acceptance=0.4)])
    _, spreaders, stiflers = r.totals()[-1]
    informed = spreaders + stiflers
    _within(spreaders / informed, 0.4, informed)


def test_two_inspections_of_one_channel_read_independently():
    """n disjoint pairs on a mail layer; each sender writes once: one inspection
    catches 30%, the other 50% (and detains every sender it catches)."""
    pairs = 20_000
    pop = rm.Population.from_sizes({("soldier", "north"): 2 * pairs})
    mail = from_edges(2 * pairs, np.arange(0, 2 * pairs, 2), np.arange(1, 2 * pairs, 2))
    mux = Multiplex({"mail": Layer(mail, channel="mail")})
    r = rm.simulate(mux, rm.IndependentCascade(1e9), population=pop, days=1, initial=np.arange(0, 2 * pairs, 2),
                    seed=8, measures=[rm.Inspect("censor-1", channel="mail", probability=0.3),
                                      rm.Inspect("censor-2", channel="mail", probability=0.5, detain=1.0)])
    _within(r.intercepts.sum() / pairs, 1 - 0.7 * 0.5, pairs)
    _within(r.detained[-1].sum() / pairs, 0.5, pairs)


def _two_towns_by_post():
    """The two towns, each with its own post (a channel each), letters taking a gamma delay."""
    pop, mux = TOWNS
    delay = Delay.gamma(4.0, 2.0)
    ma, mda = _edges(erdos_renyi(HALF, 2.0, seed=3), 0)
    mb, mdb = _edges(erdos_renyi(HALF, 2.0, seed=4), HALF)
    layers = {"face": mux.layers["face"],
              "post-a": Layer(from_edges(2 * HALF, ma, mda), rate=0.5, channel="post-a", delay=delay),
              "post-b": Layer(from_edges(2 * HALF, mb, mdb), rate=0.5, channel="post-b", delay=delay)}
    return pop, Multiplex(layers)


POST_TOWNS = _two_towns_by_post()
BY_POST_ON_A = {
    "inspect": [rm.Inspect("read-post", channel="post-a", probability=0.6, detain=0.3, start=10)],
    "deter": [rm.Deter("fear", factor=0.7, regions=["town-a"], start=10)],
    "monitor": [rm.Monitor("checks", every=3, probability=0.4, regions=["town-a"], start=10)],
    "detect": [Detect("informants", layers=["face"], probability=0.3, detain=0.5, regions=["town-a"], start=10)],
    "check": [Check("families", every=3, probability=0.4, detain=0.3, indoctrinate=0.5, household="face",
                    regions=["town-a"], start=10)],
}


@pytest.mark.parametrize("kind", list(BY_POST_ON_A))
def test_letters_of_the_other_town_are_untouched(kind):
    """Letters have their own keyed draws (arrival step, censor) and are
    handed over in a fixed order: town B's letters and rows stay bit-identical."""
    pop, mux = POST_TOWNS

    def run(measures):
        return rm.simulate(mux, MODELS, population=pop, measures=measures, days=DAYS, substeps=2, initial=SEEDS,
                           seed=17)

    base, world = run([]), run(BY_POST_ON_A[kind])
    assert np.array_equal(base.counts[..., 1], world.counts[..., 1])
    assert np.array_equal(base.tellings[..., 1], world.tellings[..., 1])
    assert np.array_equal(base.letters[..., 1], world.letters[..., 1])
    assert np.array_equal(base.detained[:, 1], world.detained[:, 1])
    assert base.letters[:, :, :, 2, 1].sum() > 0  # town B's post carried letters
    assert not np.array_equal(base.counts[..., 0], world.counts[..., 0])
