"""``Detect``: informants observe tellings on chosen layers by a cohort and
detain the teller; the telling still happens. Tiny hand-checked cases and a
rate check, in both engines."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.errors import ParameterError
from rumormill.measures import Detect
from rumormill.networks import Layer, Multiplex, from_edges


def _pairs(n_pairs):
    """n disjoint pairs, a speaker (even) and a listener (odd), on two layers."""
    pop = rm.Population.from_sizes({("speaker", "x"): n_pairs, ("listener", "x"): n_pairs})
    a, b = np.arange(n_pairs), np.arange(n_pairs, 2 * n_pairs)
    net = from_edges(2 * n_pairs, a, b)
    empty = from_edges(2 * n_pairs, np.zeros(0, np.int64), np.zeros(0, np.int64))
    return pop, Multiplex({"unit": Layer(net), "home": Layer(empty)})


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_an_observed_teller_is_detained_after_telling(engine):
    pop, mux = _pairs(1)
    watch = [Detect("officers", layers=["unit"], probability=1.0, detain=1.0, groups=["speaker"])]
    r = rm.simulate(mux, rm.ISR(50.0, stifle=0.0), engine=engine, population=pop, measures=watch, days=2,
                    initial=np.array([0]), seed=1)
    assert r.detained[-1].tolist() == [1, 0]  # the speaker, taken
    assert r.counts[-1, 0, 0, 1] == 0  # the listener heard it all the same
    assert r.tellings[:, 0, 0].sum() == 1


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_detection_watches_only_its_layers_and_cohort(engine):
    pop, mux = _pairs(1)
    elsewhere = [Detect("home-visits", layers=["home"], probability=1.0, groups=["speaker"]),
                 Detect("wrong-cohort", layers=["unit"], probability=1.0, groups=["listener"]),
                 rm.Indoctrinate("listeners-keep-quiet", acceptance=0.0, groups=["listener"])]
    r = rm.simulate(mux, rm.ISR(50.0, stifle=0.0), engine=engine, population=pop, measures=elsewhere, days=2,
                    initial=np.array([0]), seed=1)
    assert r.detained[-1].sum() == 0


@pytest.mark.parametrize("engine, substeps", [("daily", 64), ("exact", 1)])
def test_detention_comes_at_rate_times_observe_times_detain(engine, substeps):
    # a speaker who tells at rate 1 a day to a listener, observed with 0.5, detained with 0.4: the
    # speaker is taken at 0.2 a day, so by day 3 a share 1 - exp(-0.6) of them
    n = 20_000
    pop, mux = _pairs(n)
    watch = [Detect("officers", layers=["unit"], probability=0.5, detain=0.4),
             rm.Indoctrinate("listeners-keep-quiet", acceptance=0.0, groups=["listener"])]
    r = rm.simulate(mux, rm.ISR(1.0, stifle=0.0), engine=engine, substeps=substeps, population=pop, measures=watch,
                    days=3, initial=np.arange(n), seed=2)
    p = 1 - np.exp(-0.6)
    share = r.detained[-1, 0] / n
    assert abs(share - p) < 3 * np.sqrt(p * (1 - p) / n), share


def test_bad_detection_is_refused():
    with pytest.raises(ParameterError, match="layers"):
        Detect("officers", probability=0.5)
    with pytest.raises(ParameterError, match="probability"):
        Detect("officers", layers=["unit"], probability=1.5)
    pop, mux = _pairs(1)
    with pytest.raises(ParameterError, match="'market' is not one of"):
        rm.simulate(mux, rm.ISR(1.0), population=pop, days=1, measures=[Detect("x", layers=["market"], probability=1.0)])
