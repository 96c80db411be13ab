"""Shared fixtures: the built-in scenario's text, and a small scenario that uses
every kind of label, layer, story and measure (with an edge list beside it)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

MINI = """\
[scenario]
name = "mini"
description = "A small scenario using every kind of table."
start = 2025-01-01
days = 30
scale = 1.0
seed = 7
substeps = 2
order = "date"

[scenario.key_dates]
"order" = 2025-01-15

[population.regions]
north = 600
"south coast" = 400

[[population.groups]]
name = "civilian"
regions = ["north", "south coast"]
rest = true

[[population.groups]]
name = "soldier"
regions = ["north"]
share = 0.1

[[population.groups]]
name = "family"
regions = ["north", "south coast"]
per = ["soldier"]
ratio = 2.0

[[population.labels]]
name = "household"
type = "households"
groups = ["civilian", "family"]
mean_size = 3.0

[[population.labels]]
name = "block"
type = "blocks"
of = "household"
size = [5, 10]

[[population.labels]]
name = "unit"
type = "units"
groups = ["soldier"]
size = 10

[[layers]]
name = "home"
type = "cliques"
by = "household"

[[layers]]
name = "street"
type = "within"
by = "block"
mean_degree = 4.0
rate = 0.5

[[layers]]
name = "town"
type = "random"
groups = ["civilian", "family"]
mean_degree = 3.0

[[layers]]
name = "barracks"
type = "cliques"
by = "unit"

[[layers]]
name = "mail"
type = "bipartite"
a = ["soldier"]
b = ["family"]
mean_degree_a = 2.0
channel = "mail"
rate = 0.05

[[layers]]
name = "phone"
type = "random"
groups = ["civilian"]
within_region = false
mean_degree = 0.5
channel = "phone"

[[layers]]
name = "friends"
type = "edgelist"
path = "friends.csv"
groups = ["civilian"]

[[stories]]
name = "a"
model = "maki-thompson"
rate = 0.5
initial = 3

[[stories]]
name = "b"
model = "daley-kendall"
rate = 0.5

[[stories]]
name = "c"
model = "isr"
rate = 0.5
stifle = 0.5
forget = 0.1

[[stories]]
name = "d"
model = "sir"
rate = 0.5
recovery = 0.2

[[stories]]
name = "e"
model = "independent-cascade"
rate = 0.5

[[measures]]
name = "read-mail"
type = "inspect"
channel = "mail"
probability = 0.8
detain = 0.2
start = 2025-01-15

[[measures]]
name = "scare"
type = "deter"
groups = ["soldier"]
factor = 0.5
start = 2025-01-15

[[measures]]
name = "lecture"
type = "indoctrinate"
groups = ["soldier"]
stifle_rate = 0.2
acceptance = 0.5

[[measures]]
name = "watch"
type = "monitor"
groups = ["family"]
every = 7
probability = 0.1
start = 2025-01-15
stop = 2025-01-31

[[measures]]
name = "radio"
type = "inflow"
story = "b"
regions = ["south coast"]
rate = 0.01
start = 2025-01-05
stop = 2025-01-20

[[triggers]]
name = "alarm"
observe = "reports"
layer = "street"
report_probability = 0.1
regions = ["north"]
threshold = 20
delay = 2
starts = ["read-mail", "scare", "watch"]

[[observations]]
date = 2025-01-10
what = "half the south coast knows b"
metric = "reach"
story = "b"
regions = ["south coast"]
value = 0.5
low = 0.2
high = 0.8
source = "made up for the test"

[parameters]
town_degree = { at = "layers[town].mean_degree", low = 1.0, high = 6.0, note = "assumption" }
soldier_share = { at = "population.groups[soldier].share", low = 0.05, high = 0.2, note = "assumption" }
unit_size = { at = "population.labels[unit].size", low = 5, high = 20, note = "assumption" }
free = { value = 1.0, low = 0.0, high = 2.0, note = "not used anywhere" }
"""


@pytest.fixture(scope="session")
def kpa_text() -> str:
    return resources.files("rumormill.scenario.builtin").joinpath("kpa-2025.toml").read_text(encoding="utf-8")


@pytest.fixture
def mini_path(tmp_path):
    """mini.toml and its edge list friends.csv (ids number the 820 civilians)."""
    rng = np.random.default_rng(1)
    src = rng.integers(0, 800, 600)
    dst = rng.integers(0, 800, 600)
    lines = ["source,target"] + [f"{a},{b}" for a, b in zip(src, dst)]
    (tmp_path / "friends.csv").write_text("\n".join(lines) + "\n")
    path = tmp_path / "mini.toml"
    path.write_text(MINI)
    return path


@pytest.fixture(scope="session")
def mini_text() -> str:
    return MINI
