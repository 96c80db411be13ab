"""Delayed channels: letters written on one day and heard when they arrive,
censored in transit, on tiny hand-checked networks, in both engines."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.errors import NetworkError, ParameterError
from rumormill.networks import Delay, Layer, Multiplex, complete, from_edges

#: a rate so high that a spreader writes to each correspondent in its first step
EAGER = 1e4


def _path3():
    return from_edges(3, np.array([0, 1]), np.array([1, 2]))


def _pair_pop():
    return rm.Population.from_sizes({("writer", "x"): 1, ("reader", "x"): 1})


def _pair(delay):
    return Multiplex({"mail": Layer(from_edges(2, np.array([0]), np.array([1])), channel="mail", delay=delay)})


def test_a_letter_is_heard_when_it_arrives_daily():
    # written in step 0, arrives at the end of step 3 (day 3); the reader writes on in step 4 and so on
    mux = Multiplex({"mail": Layer(_path3(), channel="mail", delay=Delay.fixed(3))})
    r = rm.simulate(mux, rm.MakiThompson(EAGER), days=10, initial=np.array([0]), seed=1)
    knows = r.counts[:, 0, 0, 0]  # ignorants
    assert list(3 - knows) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]
    assert r.tellings[:, 0, 0].sum() == 2


def test_a_letter_is_heard_when_it_arrives_exact():
    # written at once (rate 10^4), arrives 3 days later: day 3, then day 6
    mux = Multiplex({"mail": Layer(_path3(), channel="mail", delay=Delay.fixed(3))})
    r = rm.simulate(mux, rm.MakiThompson(EAGER), engine="exact", days=10, initial=np.array([0]), seed=1)
    assert list(3 - r.counts[:, 0, 0, 0]) == [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3]


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_letters_never_stop_their_writer(engine):
    # Maki–Thompson: a spreader who tells a knower stops, but a letter brings nothing back
    mux = _pair(Delay.fixed(1))
    r = rm.simulate(mux, rm.MakiThompson(5.0), engine=engine, days=10, initial=np.array([0, 1]), seed=2)
    assert r.counts[-1, 0, 1, 0] == 2  # both still spreaders
    written, delivered = r.letters.sum(axis=(0, 1, 3, 4))
    assert written >= 20 and 0 < delivered <= written  # one a step a day at least


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_inspection_catches_letters_written_before_it_started(engine):
    # every letter takes 10 days; inspection reads everything from day 5: the letters of days 0-4
    # arrive on days 10-14 and are all caught, none before day 10
    pop = _pair_pop()
    insp = [rm.Inspect("censor", channel="mail", probability=1.0, start=5)]
    r = rm.simulate(_pair(Delay.fixed(10)), rm.MakiThompson(2.0), engine=engine, population=pop, measures=insp,
                    days=20, initial=np.array([0]), seed=3)
    caught = r.intercepts[:, 0, 0].sum(axis=-1)
    assert caught[:11].sum() == 0 and caught[11:].sum() > 0
    assert r.counts[-1, 0, 0, 1] == 1  # the reader never heard it
    letters = r.letters_frame()
    assert letters.written.sum() > caught.sum()  # the last letters are still in transit
    assert letters.delivered.sum() == 0 and letters.intercepted.sum() == caught.sum()
    written = [e for e in r.events if e[1] == "letters-written"]
    assert sum(e[4] for e in written) == letters.written.sum() and written[0][5] == "mail"


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_letters_still_in_transit_when_inspection_stops_get_through(engine):
    pop = _pair_pop()
    insp = [rm.Inspect("censor", channel="mail", probability=1.0, start=0, stop=8)]
    r = rm.simulate(_pair(Delay.fixed(5)), rm.MakiThompson(2.0), engine=engine, population=pop, measures=insp,
                    days=20, initial=np.array([0]), seed=4)
    assert r.intercepts[:, 0, 0].sum() > 0
    heard = np.flatnonzero(r.counts[:, 0, 0, 1] == 0)
    assert heard.size and heard[0] >= 9  # the first letter through arrived on day 8 or later


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_a_letter_to_someone_detained_is_lost(engine):
    # the reader is found by a check on day 0 (he spreads another story) before any letter arrives
    pop = _pair_pop()
    ms = [rm.Monitor("check", every=1, probability=1.0, groups=["reader"], stop=1)]
    r = rm.simulate(_pair(Delay.fixed(3)), {"a": rm.MakiThompson(2.0), "b": rm.MakiThompson(0.0)}, engine=engine,
                    population=pop, measures=ms, days=10, initial={"a": np.array([0]), "b": np.array([1])}, seed=5)
    assert r.detained[-1, 1] == 1
    assert r.counts[-1, 0, 0, 1] == 1  # never heard story a
    assert r.letters[:, 0, 1].sum() == 0 and r.letters[:, 0, 0].sum() > 0


def test_a_run_without_an_end_waits_for_the_letters_in_transit():
    mux = _pair(Delay.fixed(30))
    r = rm.simulate(mux, rm.ISR(EAGER, stifle=0.0, forget=50.0), initial=np.array([0]), seed=6)
    assert r.reach() == 1.0 and r.days[-1] >= 30


def test_delays_draw_the_right_step():
    # a fixed delay of whole steps is kept exactly; a gamma's table ends at 1 and has its mean
    assert np.flatnonzero(Delay.fixed(2.5).step_cdf(4) >= 1.0)[0] == 10
    table = Delay.gamma(40, 15).step_cdf(8)
    pmf = np.diff(table, prepend=0.0)
    assert table[-1] == 1.0 and np.all(pmf >= 0)
    # floor(U + kX) has mean kX - 1/2 + 1/2 = kX
    assert (pmf * np.arange(pmf.size)).sum() / 8 == pytest.approx(40.0, abs=1e-6)
    disc = Delay.discrete([3, 6], [1, 3])
    assert disc.mean == pytest.approx(5.25)
    assert disc.integrated_cdf(8) == pytest.approx(0.25 * 5 + 0.75 * 2)


def test_bad_delays_are_refused():
    with pytest.raises(ParameterError, match="sd"):
        Delay.gamma(40, 0)
    with pytest.raises(ParameterError, match="weights"):
        Delay.discrete([1, 2], [1])
    with pytest.raises(ParameterError, match="dist"):
        Delay("lognormal", (3,))
    with pytest.raises(NetworkError, match="complete"):
        Layer(complete(10), delay=Delay.fixed(1))
    with pytest.raises(NetworkError, match="Delay"):
        Layer(_path3(), delay=3)
    with pytest.raises(ParameterError, match="meanfield"):
        rm.simulate(_pair(Delay.fixed(1)), rm.MakiThompson(1.0), engine="meanfield", days=3)
