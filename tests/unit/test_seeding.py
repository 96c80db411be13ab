"""Seeds: a Generator advances, and a stored run can be repeated from its record."""

import numpy as np

import rumormill as rm
from rumormill.networks import complete


def _run(seed):
    return rm.simulate(complete(400), rm.MakiThompson(rate=1.0), engine="daily", substeps=4, seed=seed)


def test_a_generator_gives_a_new_run_each_call():
    g = np.random.default_rng(11)
    a, b = _run(g), _run(g)
    assert a.spawn_key != b.spawn_key
    assert not np.array_equal(a.counts, b.counts)


def test_a_run_is_repeated_from_its_recorded_seed():
    g = np.random.default_rng(11)
    _run(g)
    second = _run(g)
    again = _run(np.random.SeedSequence(second.seed_entropy, spawn_key=second.spawn_key))
    assert np.array_equal(second.counts, again.counts)


def test_an_int_seed_records_its_entropy_and_an_empty_spawn_key():
    r = _run(42)
    assert (r.seed_entropy, r.spawn_key) == (42, ())
