"""A border band: a group sized by a share of its own in each region
(``shares``), living in households of its own (``apart``), that inflow
targets. On a tiny population: the regions' totals stay at the census,
households and blocks never mix band and interior, and the inflow reaches the
band only."""

from __future__ import annotations

import numpy as np

from rumormill.scenario import build, loads
from rumormill.scenario.checks import resolve_sizes

TINY = """\
[scenario]
name = "band"
start = 2025-01-01
days = 5
scale = 1.0
seed = 3

[population.regions]
border = 1_000
"far border" = 700
inland = 500

[[population.groups]]
name = "band"
regions = ["border", "far border"]

[population.groups.shares]
border = 0.3
"far border" = 0.6

[[population.groups]]
name = "resident"
regions = ["border", "far border", "inland"]
rest = true

[[population.labels]]
name = "household"
type = "households"
groups = ["band", "resident"]
mean_size = 4.0
apart = ["band"]

[[population.labels]]
name = "block"
type = "blocks"
of = "household"
size = [5, 5]

[[layers]]
name = "household"
type = "cliques"
by = "household"

[[stories]]
name = "news"
model = "isr"
rate = 0.0

[[measures]]
name = "phones"
type = "inflow"
story = "news"
groups = ["band"]
rate = 1.0
"""


def test_band_sizes_keep_each_region_at_its_census():
    sizes = resolve_sizes(loads(TINY))
    assert sizes[("band", "border")] == 300 and sizes[("band", "far border")] == 420
    for region, census in {"border": 1_000, "far border": 700, "inland": 500}.items():
        assert sizes[("band", region)] + sizes[("resident", region)] == census


def test_band_households_are_its_own():
    built = build(loads(TINY))
    pop = built.population
    house, block = pop.labels["household"], pop.labels["block"]
    in_band = np.isin(pop.cell, pop.cells_of(["band"], None))
    assert set(house[in_band]).isdisjoint(house[~in_band])
    mixed = [b for b in np.unique(block) if len(set(in_band[block == b])) > 1]
    assert len(mixed) <= 2  # at most the one block straddling band and interior, in each border region


def test_inflow_reaches_the_band_only():
    built = build(loads(TINY))
    r = built.run()
    pop = built.population
    knows = r.counts[-1, 0, 1:].sum(axis=0)  # spreaders and stiflers by cell
    band = pop.cells_of(["band"], None)
    assert knows[band].sum() > 0.95 * 720  # rate 1 a day for 5 days: about e^-5 of the band still ignorant
    assert knows[np.setdiff1d(np.arange(knows.size), band)].sum() == 0
