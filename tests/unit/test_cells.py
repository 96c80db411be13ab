"""Cells carry their group and region as index arrays (Population, Result),
so counts are grouped by index, never by splitting cell names."""

import numpy as np

import rumormill as rm
from rumormill.networks import complete

POP = rm.Population.from_sizes({("soldier", "north"): 4, ("soldier", "south"): 2, ("family", "north"): 3,
                                ("family", "south"): 1})


def test_a_population_gives_each_cell_and_agent_its_group_and_region():
    names = [f"{POP.groups[g]}/{POP.regions[r]}" for g, r in zip(POP.cell_group, POP.cell_region)]
    assert names == POP.cell_names
    assert POP.region.tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0, 1]
    assert POP.region.dtype == np.int32 and POP.cell_group.dtype == np.int32


def test_a_run_carries_them_and_counts_add_up_by_group():
    r = rm.simulate(complete(POP.n), rm.MakiThompson(0.1), population=POP, days=5, initial=3, seed=2)
    assert (r.groups, r.regions) == (POP.groups, POP.regions)
    assert r.cell_group.tolist() == POP.cell_group.tolist() and r.cell_region.tolist() == POP.cell_region.tolist()
    heard = r.counts[-1, 0, 1:].sum(axis=0)  # spreaders and stiflers per cell
    by_group = np.zeros(len(r.groups), dtype=np.int64)
    np.add.at(by_group, r.cell_group, heard)
    assert by_group.tolist() == [heard[:2].sum(), heard[2:].sum()]


def test_a_run_without_a_population_reads_them_from_the_cell_names():
    cells = np.array([0, 0, 1, 2, 2, 2])
    r = rm.simulate(complete(6), rm.MakiThompson(0.1), cells=cells, cell_names=["a/x", "b/x", "a/y"], days=2,
                    initial=1, seed=1)
    assert (r.groups, r.regions) == (["a", "b"], ["x", "y"])
    assert r.cell_group.tolist() == [0, 1, 0] and r.cell_region.tolist() == [0, 0, 1]
    plain = rm.simulate(complete(6), rm.MakiThompson(0.1), days=2, initial=1, seed=1)
    assert (plain.groups, plain.regions, plain.cell_group.tolist()) == (["all"], ["all"], [0])
