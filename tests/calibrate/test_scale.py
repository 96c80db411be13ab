"""The scale check: the same replicates at two scales, their bands compared."""

import pytest

import rumormill.calibrate as cal
from rumormill.errors import ParameterError


def test_scale_check_bands_per_quantity_and_scale(hamlet):
    table = cal.scale_check(hamlet, scales=(0.5, 1.0), runs=40, workers=1)
    labels = [t.quantity.label for t in cal.targets_of(hamlet)]
    assert list(table["quantity"].unique()) == labels and len(table) == 2 * len(labels)
    assert ((table["q05"] <= table["q50"]) & (table["q50"] <= table["q95"])).all()
    reach = table[table["quantity"] == labels[0]]
    # reach is a fraction of the cohort: halving the agents keeps its median
    # inside the full-size band (hamlet is well mixed at 700-1400 agents); with
    # 40 runs a band is wide enough that chance alone rarely puts a median outside
    assert reach["consistent"].all()
    for s, g in table.groupby("scale"):
        assert (g["runs"] == 40).all()


def test_scale_check_refuses_one_scale(hamlet):
    with pytest.raises(ParameterError, match="two or more scales"):
        cal.scale_check(hamlet, scales=(0.5,), runs=4, workers=1)
