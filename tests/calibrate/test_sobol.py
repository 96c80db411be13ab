"""Sobol indices: the Ishigami function's known answer through the same path
a scenario takes; intervals shrink with the sample; a parameter that cannot
act on an output gets index 0; the same table on every executor."""

import datetime as dt

import numpy as np
import pytest

pytest.importorskip("SALib")  # a dependency of rumormill.calibrate (pyproject.toml)

import rumormill.calibrate as cal
from rumormill.calibrate.sobol import Ishigami, analyse
from rumormill.errors import ParameterError

ISHIGAMI = Ishigami()


@pytest.fixture(scope="module")
def ishigami_runs():
    priors = ISHIGAMI.priors()
    return {n: analyse(ISHIGAMI, priors, n=n, seed=1, workers=1) for n in (256, 1024, 4096)}


def test_ishigami_indices_match_the_analytic_ones(ishigami_runs):
    exact = ISHIGAMI.analytic()
    assert exact["S1"][0] == pytest.approx(0.3139, abs=1e-4) and exact["ST"][2] == pytest.approx(0.2437, abs=1e-4)
    t = ishigami_runs[4096].table()
    for kind in ("S1", "ST"):
        for i, value in enumerate(exact[kind]):
            row = t.iloc[i]
            # inside the 95% bootstrap interval, and close in absolute terms:
            # at N = 4096 the intervals are about +-0.03 wide
            assert row[f"{kind}_low"] <= value <= row[f"{kind}_high"], (kind, i, row)
            assert abs(row[kind] - value) < 0.03
    # a total index is at least the first-order one, within their intervals
    assert (t["ST_high"] >= t["S1_low"]).all()


def test_intervals_shrink_with_the_sample(ishigami_runs):
    def width(s):
        t = s.table()
        return float(np.mean(np.r_[t["S1_high"] - t["S1_low"], t["ST_high"] - t["ST_low"]]))

    w = [width(ishigami_runs[n]) for n in (256, 1024, 4096)]
    # Monte Carlo error falls as 1/sqrt(N): each 4x sample halves the width;
    # allow the bootstrap's own noise, but not a width that stalls
    assert w[1] < 0.7 * w[0] and w[2] < 0.7 * w[1], w


def test_adaptive_size_doubles_until_the_intervals_are_narrow():
    s = analyse(ISHIGAMI, ISHIGAMI.priors(), seed=1, workers=1, target=0.15, n_start=64, n_max=8192)
    sizes = [n for n, _ in s.widths]
    assert sizes == [64 * 2 ** k for k in range(len(sizes))]
    assert s.converged and s.widths[-1][1] <= 0.15 < s.widths[-2][1]
    assert s.evaluations == s.n * (3 + 2)
    # the sample of size N is the start of the one of size 2N: the same indices as a direct run
    direct = analyse(ISHIGAMI, ISHIGAMI.priors(), n=s.n, seed=1, workers=1)
    assert np.allclose(direct.table()["ST"], s.table()["ST"])


def test_bad_sizes_are_refused():
    with pytest.raises(ParameterError, match="power of 2"):
        analyse(ISHIGAMI, ISHIGAMI.priors(), n=100, workers=1)


@pytest.fixture(scope="module")
def hamlet_outputs():
    start = dt.date(2025, 3, 1)
    return [cal.Quantity("reach", start + dt.timedelta(days=7), "news", regions=("north",)),
            cal.Quantity("reach", start + dt.timedelta(days=20), "news"),
            cal.Quantity("detained", start + dt.timedelta(days=29))]


def test_scenario_indices_a_measure_that_has_not_started_has_none(hamlet, hamlet_outputs):
    s = cal.sensitivity(hamlet, ["telling_rate", "radio_rate", "check_probability"], hamlet_outputs, n=16,
                        workers=1)
    t = s.table().set_index(["output", "parameter"])
    early = hamlet_outputs[0].label
    # the checks start on day 9: before, every row runs the same (common random
    # numbers), so the estimator's differences are exactly zero
    assert t.loc[(early, "check_probability"), "ST"] == 0.0
    assert t.loc[(early, "check_probability"), "S1"] == 0.0
    assert t.loc[(early, "radio_rate"), "ST"] > 0.1
    assert s.evaluations == 16 * (3 + 2)
    rows = s.table().dropna()
    assert (rows["ST_high"] >= rows["S1_low"]).all()  # total >= first order, within the intervals
    fig = s.plot()
    assert len(fig.axes) == 3


def test_scenario_indices_are_the_same_on_a_pool(hamlet, hamlet_outputs):
    kw = dict(n=8, seed=3)
    a = cal.sensitivity(hamlet, ["telling_rate", "radio_rate"], hamlet_outputs[:2], workers=1, **kw).table()
    b = cal.sensitivity(hamlet, ["telling_rate", "radio_rate"], hamlet_outputs[:2], workers=2, **kw).table()
    assert np.array_equal(a[["S1", "ST"]].to_numpy(), b[["S1", "ST"]].to_numpy(), equal_nan=True)


def test_default_outputs_of_kpa():
    from rumormill.scenario import load

    labels = [q.label for q in cal.default_outputs(load("kpa-2025"))]
    assert "reach:deployment@all:2025-01-23" in labels and "report:border-report" in labels
    # the captures story cannot spread before its inflow starts (2025-01-11)
    assert "reach:captured@all:2024-10-18" not in labels and "reach:captured@all:2025-01-23" in labels
    assert "detained@all:2025-03-31" in labels


def test_an_effect_is_the_paired_difference_on_common_random_numbers(hamlet):
    from rumormill.calibrate.model import model_for, replicate_seed
    from rumormill.ensemble.replicate import built_for
    from rumormill.scenario.variants import without

    start = dt.date(2025, 3, 1)
    late = cal.Quantity("reach", start + dt.timedelta(days=25), "news")
    early = cal.Quantity("reach", start + dt.timedelta(days=7), "news")  # the checks start on day 9
    effects = [cal.Quantity(q.kind, q.date, q.story, without=("checks",)) for q in (late, early)]
    model = model_for(hamlet, [late, *effects], scale=1.0, seed=4)
    values = {"check_probability": 0.3}
    got = model(values, replicate_seed(4, 0))
    built, _ = built_for(model.plan, values)
    other = without(built, ["checks"]).run(seed=replicate_seed(4, 0))
    alone = cal.measure([late], other, built.population, built.scenario, 1.0)[0]
    assert got[1] == got[0] - alone
    assert got[1] < 0  # detaining spreaders slows the news: fewer have heard
    assert got[2] == 0.0  # before the checks start the paired runs are the same run
    assert effects[0].label == "effect[checks]:reach:news@all:2025-03-26"


def test_a_measures_own_parameter_drives_its_effect(hamlet):
    effect = cal.Quantity("reach", dt.date(2025, 3, 26), "news", without=("checks",))
    s = cal.sensitivity(hamlet, ["check_probability", "report_probability"], [effect], n=16, workers=1)
    t = s.table().set_index("parameter")
    # the informants' report starts no measure: its probability cannot act on the checks' effect
    assert t.loc["report_probability", "ST"] == 0.0
    assert t.loc["check_probability", "ST"] > 0.1
    assert s.runs == 2 * s.evaluations == 2 * 16 * (2 + 2)  # each sample point: with and without the checks


def test_default_effects_of_kpa():
    from rumormill.scenario import load

    sc = load("kpa-2025")
    acting = [m.name for m in sc.measures if m.type != "inflow"]
    together = [q for q in cal.default_outputs(sc) if q.without]
    assert [q.label for q in together] == [f"effect[{','.join(acting)}]:reach:{s}@all:2025-02-28"
                                           for s in ("deployment", "captured")]
    each = cal.default_outputs(sc, effects="each")
    assert sorted({q.without for q in each if q.without}) == sorted((n,) for n in acting)
    assert not [q for q in cal.default_outputs(sc, effects=None) if q.without]
    with pytest.raises(ParameterError, match="inspect-mail"):
        cal.default_outputs(sc, effects="inflow-captured")


def test_evaluations_run_at_the_calibration_scale(hamlet):
    from rumormill.calibrate.model import model_for

    q = [cal.Quantity("reach", dt.date(2025, 3, 26), "news")]
    assert model_for(hamlet, q).plan.scale == hamlet.scenario.scale
    small = hamlet.model_copy(update={"scenario": hamlet.scenario.model_copy(update={"calibration_scale": 0.5})})
    assert model_for(small, q).plan.scale == 0.5
    assert model_for(small, q, scale=0.25).plan.scale == 0.25
