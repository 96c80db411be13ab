"""Targets from [[observations]], their scores and the distance; quantities
read from a run's cells; priors from [parameters]."""

import datetime as dt
import math

import numpy as np
import pytest

import rumormill.calibrate as cal
from rumormill.errors import ParameterError
from rumormill.population import Population
from rumormill.result import Result
from rumormill.scenario import load


@pytest.fixture(scope="module")
def kpa():
    return load("kpa-2025")


def test_kpa_observations_become_intervals(kpa):
    targets = cal.targets_of(kpa)
    assert [t.index for t in targets] == [0, 1, 2, 3]
    # "heard nothing": value 0, high 1% -> [0, 0.01]; "circulating": low 0.1% -> [0.001, 1]
    assert [(t.low, t.high) for t in targets[:3]] == [(0.0, 0.01), (0.001, 1.0), (0.01, 0.5)]
    assert targets[0].quantity.regions == ("Ryanggang", "North Hamgyong")
    report = targets[3]
    assert report.quantity.kind == "report" and report.quantity.trigger == "border-report"
    assert report.low == report.high == (dt.date(2025, 1, 23) - dt.date(2024, 10, 1)).days == 114
    assert report.weight == cal.DAY_WEIGHT and targets[0].weight == 1.0


def test_scores_are_zero_inside_and_the_distance_outside(kpa):
    t = cal.targets_of(kpa)[2]  # [0.01, 0.5]
    assert t.score(0.2) == 0.0 and t.score(0.01) == 0.0 and t.score(0.5) == 0.0
    assert t.score(0.004) == pytest.approx(0.006) and t.score(0.8) == pytest.approx(0.3)
    targets = cal.targets_of(kpa)
    # the weighted maximum: reach 5% on Oct 19 (0.04 over), report 10 days late (0.01 x 10 = 0.1)
    assert cal.distance(targets, [0.05, 0.01, 0.2, 124]) == pytest.approx(0.1)
    assert cal.distance(targets, [0.05, 0.01, 0.2, 114]) == pytest.approx(0.04)
    assert cal.distance(targets, [0.0, 0.01, 0.2, 114]) == 0.0
    d = cal.IntervalDistance(tuple(x.weight for x in targets))
    x = {f"q{i}": v for i, v in enumerate([0.05, 0.01, 0.2, 124])}
    assert d(x, cal.IntervalDistance.observed(targets)) == pytest.approx(0.1)


def test_weights_replace_the_defaults_and_bad_ones_are_refused(kpa):
    assert cal.targets_of(kpa, {3: 1 / 30})[3].weight == pytest.approx(1 / 30)
    with pytest.raises(ParameterError, match="weight > 0"):
        cal.targets_of(kpa, {0: 0.0})
    with pytest.raises(ParameterError, match="no scored observation"):
        cal.targets_of(kpa, {9: 1.0})


def _run(counts, events=(), detained=None):
    counts = np.asarray(counts)
    t, s, _, c = counts.shape
    return Result(days=np.arange(t), counts=counts, tellings=np.zeros((t, s, 1, c), dtype=np.int64),
                  stories=["news"], layers=["home"], cells=[str(i) for i in range(c)], n=int(counts[0, 0, :].sum()),
                  engine="daily", detained=detained, events=list(events))


def test_quantities_weigh_cells_by_their_size(hamlet):
    pop = Population(groups=["villager", "soldier"], regions=["north", "south"], sizes=np.array([720, 600, 80, 0]),
                     labels={})
    counts = np.zeros((3, 1, 3, 4), dtype=np.int64)
    counts[:, 0, 0, :] = [720, 600, 80, 0]  # everyone ignorant on day 0 ...
    counts[2, 0, 0, :] = [360, 600, 40, 0]  # ... half the north has heard by the end of day 1
    counts[2, 0, 1, :] = [360, 0, 40, 0]
    detained = np.zeros((3, 4), dtype=np.int64)
    detained[2, 0] = 3
    run = _run(counts, [(1, "report", "", -1, 25, "informants: reports reached 20")], detained)
    start = dt.date(2025, 3, 1)
    qs = [cal.Quantity("reach", start + dt.timedelta(days=1), "news", regions=("north",)),
          cal.Quantity("reach", start + dt.timedelta(days=1), "news"),
          cal.Quantity("reach", start, "news"),
          cal.Quantity("reach", start + dt.timedelta(days=1), "news", groups=("soldier",), regions=("north",)),
          cal.Quantity("report", trigger="informants"),
          cal.Quantity("detained", start + dt.timedelta(days=1)),
          cal.Quantity("report", trigger="nobody")]
    got = cal.measure(qs, run, pop, hamlet, scale=0.5)
    assert got[0] == pytest.approx(0.5)            # 400 of 800 in the north
    assert got[1] == pytest.approx(400 / 1400)     # the south weighs 600
    assert got[2] == 0.0                           # row 0 is the start
    assert got[3] == pytest.approx(0.5)
    assert got[4] == 1.0
    assert got[5] == 6.0                           # 3 detained at scale 0.5 = 6 people at scale 1
    assert got[6] == hamlet.scenario.days          # never reported: the day after the calendar


def test_quantities_refuse_unknown_names(hamlet):
    with pytest.raises(ParameterError, match="unknown region 'west'"):
        cal.Quantity("reach", dt.date(2025, 3, 2), "news", regions=("west",)).check(hamlet)
    with pytest.raises(ParameterError, match="outside the calendar"):
        cal.Quantity("reach", dt.date(2026, 3, 2), "news").check(hamlet)
    with pytest.raises(ParameterError, match="needs a story"):
        cal.Quantity("reach", dt.date(2025, 3, 2))


def test_priors_log_uniform_over_ten_fold_and_whole_numbers(kpa):
    p = {q.name: q for q in cal.priors_of(kpa, "border_inflow,unit_size,stifle")}
    assert p["border_inflow"].log and not p["stifle"].log and not p["unit_size"].log
    assert p["unit_size"].whole and p["unit_size"].to_value(77.4) == 77.0
    assert p["border_inflow"].bounds == (math.log(1e-5), math.log(1e-3))
    assert p["border_inflow"].to_value(math.log(1e-4)) == pytest.approx(1e-4)
    assert p["stifle"].value == 0.3


def test_default_parameters_of_kpa(kpa):
    names = cal.default_params(kpa)
    # assumptions about telling, inflow and the report chain are fitted ...
    for name in ("telling_rate", "stifle", "border_inflow", "captured_inflow", "market_rate",
                 "report_probability", "report_threshold"):
        assert name in names
    # ... not network structure, not sourced values, not the order's measures (they start after the report)
    for name in ("market_degree", "unit_size", "deployed_families", "inspect_probability",
                 "unit_deterrence", "substeps"):
        assert name not in names
    sourced = [n for n, p in kpa.parameters.items() if not p.note.strip().lower().startswith("assumption")]
    assert sourced and not set(sourced) & set(names)
