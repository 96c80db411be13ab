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
