"""The telling rules on tiny hand-checked graphs.

A rate of 1e9 per day makes every meeting certain within a step (p = 1), so
the daily engine is deterministic there and each step can be checked by hand.
"""

import math

import numpy as np
import pytest

import rumormill as rm
from rumormill.networks import from_edges

SURE = 1e9  # meeting probability 1 per step


def states(result, story=None):
    """(ignorant, spreader, stifler) per day."""
    return result.totals(story).tolist()


def test_maki_thompson_on_a_path(path3):
    # day 1: 0 tells 1. day 2: 0 meets 1 (knows) and stops; 1 meets 0 (knows,
    # stops) and tells 2. day 3: 2 meets 1 (stifler) and stops.
    r = rm.simulate(path3, rm.MakiThompson(SURE), days=4, initial=[0])
    assert states(r) == [[2, 1, 0], [1, 2, 0], [0, 1, 2], [0, 0, 3], [0, 0, 3]]
    assert r.tellings_by_layer()[:, 0, 0].tolist() == [0, 1, 1, 0, 0]


def test_sir_recovery_one_never_retells(path3):
    # recovery rate so high that a spreader stops after its first step: like a cascade
    r = rm.simulate(path3, rm.SIR(SURE, SURE), days=3, initial=[0])
    assert states(r) == [[2, 1, 0], [1, 1, 1], [0, 1, 2], [0, 0, 3]]


def test_independent_cascade_on_a_star(star5):
    r = rm.simulate(star5, rm.IndependentCascade(SURE), days=2, initial=[0])
    assert states(r) == [[4, 1, 0], [0, 4, 1], [0, 0, 5]]


def test_leaf_of_a_star_reaches_everyone_in_two_steps_under_sir(star5):
    r = rm.simulate(star5, rm.SIR(SURE, 0.0), days=2, initial=[3])
    assert states(r)[2] == [0, 5, 0]


def test_daley_kendall_pair_stops_both_half_the_time(triangle):
    # 0 and 1 spread, 2 is ignorant. Each of the two spreaders sees the pair at
    # half its rate: with p = 1, each end stops the pair with probability 1/2,
    # so both stop with probability 3/4; either way 2 hears the story.
    both = 0
    runs = 2000
    for seed in range(runs):
        r = rm.simulate(triangle, rm.DaleyKendall(SURE), days=1, initial=[0, 1], seed=seed)
        ign, spr, sti = states(r)[1]
        assert ign == 0 and spr + sti == 3
        both += sti == 2
    p = 0.75
    assert abs(both / runs - p) <= 3 * math.sqrt(p * (1 - p) / runs)


def test_isr_stifle_zero_never_stops_on_contact(triangle):
    r = rm.simulate(triangle, rm.ISR(SURE, stifle=0.0, forget=0.0), days=3, initial=[0])
    assert states(r)[-1] == [0, 3, 0]


def test_rate_zero_tells_no_one(star5):
    r = rm.simulate(star5, rm.MakiThompson(0.0, forget=1.0), days=50, initial=[0])
    assert r.totals()[-1, 0] == 4


@pytest.mark.parametrize("engine", ["exact", "daily"])
def test_three_agents_maki_thompson_exact_distribution(engine):
    # one spreader, two ignorants, well mixed: the last ignorant is never told
    # with probability 1/4 (and always with 0 ignorants left otherwise).
    # Many disjoint triangles in one run are independent copies of the trio.
    runs = 4000
    first = 3 * np.arange(runs)
    src = np.concatenate([first, first, first + 1])
    dst = np.concatenate([first + 1, first + 2, first + 2])
    trios = from_edges(3 * runs, src, dst)
    r = rm.simulate(
        trios, rm.MakiThompson(1.0), engine=engine, substeps=200, initial=first, seed=7,
        cells=np.repeat(np.arange(runs), 3),
    )
    left = np.bincount(r.counts[-1, 0, 0, :], minlength=3)
    freq = left / runs
    assert left[2] == 0
    tol = 3 * math.sqrt(0.25 * 0.75 / runs)
    assert abs(freq[1] - 0.25) <= tol
    assert abs(freq[0] - 0.75) <= tol


def test_counts_per_cell_add_up(star5):
    cells = np.array([0, 1, 1, 2, 2])
    r = rm.simulate(star5, rm.MakiThompson(0.5), days=10, initial=[0], cells=cells, cell_names=["hub", "a", "b"])
    assert r.counts.shape[-1] == 3
    assert (r.counts.sum(axis=(2, 3)) == 5).all()
    assert r.counts[0, 0, :, 0].tolist() == [0, 1, 0]


def test_several_stories_are_independent_states(star5):
    r = rm.simulate(star5, {"a": rm.SIR(SURE, 0.0), "b": rm.SIR(0.0, 0.0)}, days=2, initial={"a": [0], "b": [1]})
    assert r.totals("a")[-1].tolist() == [0, 5, 0]
    assert r.totals("b")[-1].tolist() == [4, 1, 0]
    assert set(r.final_fractions().index) == {"a", "b"}
