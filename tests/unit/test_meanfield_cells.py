"""The mean-field engine has one compartment: it refuses cells rather than
collapsing them silently."""

import pytest

import rumormill as rm
from rumormill.networks import complete


def test_meanfield_refuses_cells_and_names_the_engines_that_keep_them():
    pop = rm.Population.from_sizes({("a", "x"): 50, ("b", "x"): 50})
    with pytest.raises(rm.ParameterError, match="2 cells.*engine='daily' or 'exact'"):
        rm.simulate(complete(100), rm.MakiThompson(1.0), engine="meanfield", population=pop, days=5)


def test_meanfield_without_cells_keeps_one_compartment():
    r = rm.simulate(complete(100), rm.MakiThompson(1.0), engine="meanfield", days=5, initial=1)
    assert r.cells == ["all"] and r.counts.shape[-1] == 1


def test_meanfield_for_zero_days_is_the_start():
    r = rm.simulate(complete(100), rm.MakiThompson(1.0), engine="meanfield", days=0, initial=1)
    assert r.counts.shape[0] == 1 and r.counts[0, 0, 1, 0] == pytest.approx(1.0)


def test_days_past_the_cap_and_absurd_rates_are_clear():
    with pytest.raises(rm.ParameterError, match="days = 1000000000"):
        rm.simulate(complete(100), rm.MakiThompson(1.0), days=10**9)
    with pytest.warns(rm.CoarseStepWarning, match="engine='exact'"):
        r = rm.simulate(complete(100), rm.MakiThompson(1e308), days=2, initial=1, seed=1)
    assert r.reach() > 0
