"""Engine-level properties: reproducibility, common random numbers, recording."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.networks import Layer, Multiplex, complete, erdos_renyi


@pytest.fixture(scope="module")
def net():
    return erdos_renyi(5000, 8.0, 1)


@pytest.mark.parametrize("engine", ["daily", "exact"])
def test_same_seed_same_result_other_seed_other(net, engine):
    a = rm.simulate(net, rm.MakiThompson(0.2), engine=engine, days=40, substeps=4, initial=5, seed=3)
    b = rm.simulate(net, rm.MakiThompson(0.2), engine=engine, days=40, substeps=4, initial=5, seed=3)
    c = rm.simulate(net, rm.MakiThompson(0.2), engine=engine, days=40, substeps=4, initial=5, seed=4)
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.tellings, b.tellings)
    assert not np.array_equal(a.counts, c.counts)


def test_agents_are_conserved_and_tellings_match_new_knowers(net):
    r = rm.simulate(net, rm.ISR(0.3, 0.7, 0.05), days=60, substeps=2, initial=5, seed=0)
    assert (r.counts.sum(axis=(2, 3)) == net.n).all()
    heard = -np.diff(r.totals()[:, 0])
    assert np.array_equal(heard, r.tellings[1:, 0].sum(axis=(-2, -1)))


def test_layers_share_the_tellings():
    n = 3000
    mux = Multiplex({"close": Layer(erdos_renyi(n, 4.0, 1), rate=1.0),
                     "far": Layer(erdos_renyi(n, 4.0, 2), rate=3.0, channel="phone")})
    r = rm.simulate(mux, rm.SIR(0.05, 0.1), days=60, substeps=2, initial=10, seed=0)
    close, far = r.tellings_by_layer()[:, 0].sum(axis=0)
    assert far > 2 * close  # three times the rate on an equal layer
    frame = r.tellings_frame()
    assert set(frame["layer"]) == {"close", "far"} and frame["tellings"].sum() == close + far


def test_exact_engine_prefers_high_degree_spreaders_correctly():
    # a star: with the hub spreading, every leaf hears it at rate 1 per edge;
    # after a day each leaf has heard with probability 1 - e^-1 (SIR, no recovery)
    from rumormill.networks import from_edges

    leaves = 4000
    star = from_edges(leaves + 1, np.zeros(leaves, dtype=int), np.arange(1, leaves + 1))
    r = rm.simulate(star, rm.SIR(1.0, 0.0), engine="exact", days=1, initial=[0], seed=2)
    heard = (leaves + 1 - r.totals()[-1, 0] - 1) / leaves
    # leaves that heard also tell the hub (already knows) and nobody else
    p = 1 - np.exp(-1)
    assert abs(heard - p) <= 3 * np.sqrt(p * (1 - p) / leaves)


def test_meanfield_tracks_well_mixed_limit():
    r = rm.simulate(complete(10**6), rm.MakiThompson(1.0), engine="meanfield", initial=1)
    assert abs((1 - r.reach()) - rm.theory.rumour_ignorant_fraction()) < 1e-3


def test_result_tables_and_plot(net):
    import matplotlib

    matplotlib.use("Agg")
    r = rm.simulate(net, rm.SIR(0.1, 0.1), days=30, initial=5, seed=0)
    ts = r.timeseries()
    assert list(ts.columns) == ["day", "story", "state", "count"]
    assert len(ts) == 31 * 3 and (ts.groupby("day")["count"].sum() == net.n).all()
    s = r.summary()
    assert s.loc["story", "reach"] == pytest.approx(r.reach())
    assert r.day_reach_passes(0.0) == 0
    ax = r.plot()
    assert len(ax.lines) == 3 and ax.lines[0].get_xdata().size == 31


def test_run_until_extinction_stops_itself(net):
    r = rm.simulate(net, rm.MakiThompson(0.1), substeps=2, initial=5, seed=0)
    assert r.totals()[-1, 1] == 0 and r.totals()[-2, 1] > 0


def test_daily_matches_exact_on_a_multiplex_with_forgetting():
    # two layers at different rates, forgetting, partial stifling: exercises
    # the daily kernel's choice of which layer (or forgetting) acts first
    n = 2000
    mux = Multiplex({"slow": Layer(erdos_renyi(n, 6.0, 5), rate=0.5),
                     "fast": Layer(erdos_renyi(n, 3.0, 6), rate=2.0, channel="phone")})
    model = rm.ISR(0.2, stifle=0.6, forget=0.05)
    runs = 120
    reach = {}
    for engine in ("daily", "exact"):
        reach[engine] = np.array([rm.simulate(mux, model, engine=engine, substeps=32, initial=5, seed=ss).reach()
                                  for ss in np.random.SeedSequence(11).spawn(runs)])
    se = np.sqrt(reach["daily"].var(ddof=1) / runs + reach["exact"].var(ddof=1) / runs)
    # 32 steps a day leave a first-order bias well under the noise here
    assert abs(reach["daily"].mean() - reach["exact"].mean()) <= 3 * se
