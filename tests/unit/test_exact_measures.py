"""The exact engine's measures, rule by rule, on tiny hand-checked graphs.

Rates are finite (a continuous-time engine has no "certain within a step"),
so where a rule is a probability the test runs a fixed-seed ensemble and
allows three standard errors of it.
"""

import math

import numpy as np
import pytest

import rumormill as rm
from rumormill.networks import Layer, Multiplex, from_edges

RUNS = 400


def seeds(label: str, runs: int = RUNS):
    return np.random.SeedSequence([11, sum(map(ord, label))]).spawn(runs)


def within(measured: float, p: float, trials: int) -> bool:
    return abs(measured - p) <= 3.0 * math.sqrt(p * (1.0 - p) / trials)


@pytest.fixture
def path_pop():
    """0 — 1 — 2 on the mail: agent 0 a soldier, 1 and 2 family."""
    pop = rm.Population.from_sizes({("soldier", "north"): 1, ("family", "north"): 2})
    net = from_edges(3, np.array([0, 1]), np.array([1, 2]))
    return pop, Multiplex({"mail": Layer(net, channel="mail")})


@pytest.fixture
def star_pop():
    """Officer 0 at the centre of a star, family 1..4 its leaves."""
    pop = rm.Population.from_sizes({("officer", "north"): 1, ("family", "north"): 4})
    net = from_edges(5, np.zeros(4, dtype=int), np.arange(1, 5))
    return pop, Multiplex({"mail": Layer(net, channel="mail")})


@pytest.fixture
def triangle_pop():
    pop = rm.Population.from_sizes({("soldier", "north"): 1, ("family", "north"): 2})
    net = from_edges(3, np.array([0, 1, 2]), np.array([1, 2, 0]))
    return pop, Multiplex({"face": Layer(net, channel="face")})


def exact(mux, pop, model, measures=(), triggers=(), days=4, initial=(0,), seed=0):
    return rm.simulate(mux, model, engine="exact", population=pop, measures=measures, triggers=triggers,
                       days=days, initial=initial if isinstance(initial, (dict, int)) else list(initial), seed=seed)


# -- inspection --------------------------------------------------------------------------------------------------


def test_inspect_everything_intercepts_each_meeting_and_nothing_is_told(path_pop):
    pop, mux = path_pop
    counts = []
    for ss in seeds("inspect-all", 300):
        r = exact(mux, pop, rm.MakiThompson(1.0), [rm.Inspect("read", channel="mail", probability=1.0)], seed=ss)
        assert r.tellings.sum() == 0 and r.totals()[-1].tolist() == [2, 1, 0]
        counts.append(r.intercepts.sum())
    # the spreader meets its one neighbour at rate 1 and never stops: Poisson(4) interceptions in 4 days
    assert abs(np.mean(counts) - 4.0) <= 3.0 * math.sqrt(4.0 / len(counts))
    assert abs(np.var(counts, ddof=1) - 4.0) <= 1.0


def test_inspection_thins_meetings_by_its_probability(star_pop):
    pop, mux = star_pop
    p, heard = 0.5, 0
    for ss in seeds("inspect-half"):
        r = exact(mux, pop, rm.SIR(1.0, 0.0), [rm.Inspect("read", channel="mail", probability=p)], days=1, seed=ss)
        heard += 4 - int(r.totals()[-1, 0])
    # each leaf hears in one day with probability 1 - exp(-(1 - p))
    assert within(heard / (4 * RUNS), 1 - math.exp(-(1 - p)), 4 * RUNS)


def test_detained_sender_leaves_every_story_at_once(star_pop):
    pop, mux = star_pop
    both = {"a": rm.SIR(1.0, 0.0), "b": rm.SIR(1.0, 0.0)}
    r = exact(mux, pop, both, [rm.Inspect("read", channel="mail", probability=1.0, detain=1.0)],
              initial={"a": [0], "b": [0]})
    assert r.intercepts.sum() == 1 and r.tellings.sum() == 0
    assert r.detained[-1].tolist() == [1, 0]  # the officer's cell
    assert r.totals("a")[-1].tolist() == [4, 0, 1] and r.totals("b")[-1].tolist() == [4, 0, 1]
    kinds = [e[1] for e in r.events]
    assert kinds.count("interception") == 1 and kinds.count("detention") == 1


@pytest.mark.parametrize("order", [("lax", "strict"), ("strict", "lax")])
def test_any_inspection_that_reads_a_message_may_detain(path_pop, order):
    pop, mux = path_pop
    kinds = {"lax": rm.Inspect("lax", channel="mail", probability=1.0, detain=0.0),
             "strict": rm.Inspect("strict", channel="mail", probability=1.0, detain=1.0)}
    r = exact(mux, pop, rm.SIR(1.0, 0.0), [kinds[k] for k in order])
    # read by both, counted once; the strict reader detains whatever the order
    assert r.intercepts.sum() == 1 and int(r.detained[-1].sum()) == 1 and r.tellings.sum() == 0


def test_two_inspections_read_independently(star_pop):
    pop, mux = star_pop
    two = [rm.Inspect(name, channel="mail", probability=0.5, detain=0.4) for name in ("post", "censor")]
    two.append(rm.Deter("quiet", factor=1.0, groups=["family"]))  # only the officer writes
    counts = []
    for ss in seeds("two-inspections", 300):
        r = exact(mux, pop, rm.SIR(1.0, 0.0), two, days=30, seed=ss)
        assert r.detained[-1].sum() == 1
        counts.append(int(r.intercepts.sum()))
    # per meeting: read with 1 - 0.5^2 = 0.75, sender detained with 1 - (1 - 0.2)^2 = 0.36;
    # interceptions until the detention: 1 + (0.75 - 0.36) / 0.36 on average
    expected = 1 + (0.75 - 0.36) / 0.36
    assert abs(np.mean(counts) - expected) <= 3.0 * np.std(counts, ddof=1) / math.sqrt(len(counts))


def test_no_one_meets_a_detained_agent(path_pop):
    pop, mux = path_pop
    # story a: agent 1 spreads it (at rate 0) and is detained at dusk on day 0;
    # story b: agent 0 is silenced on day 0, then tells at rate 2 — but its only
    # neighbour is out of every layer, so b goes nowhere
    stories = {"a": rm.SIR(0.0, 0.0), "b": rm.SIR(2.0, 0.0)}
    ms = [rm.Monitor("check", every=1, probability=1.0, groups=["family"], stop=1),
          rm.Deter("hush", factor=1.0, groups=["soldier"], stop=1)]
    r = exact(mux, pop, stories, ms, days=6, initial={"a": [1], "b": [0]})
    assert r.detained[-1].tolist() == [0, 1]
    assert r.totals("b")[-1].tolist() == [2, 1, 0] and r.tellings[:, 1].sum() == 0


# -- deterrence and indoctrination -------------------------------------------------------------------------------


def test_deter_scales_the_meeting_rate_of_its_group_only(star_pop):
    pop, mux = star_pop
    heard, silent = 0, 0
    for ss in seeds("deter"):
        r = exact(mux, pop, rm.SIR(1.0, 0.0), [rm.Deter("fear", factor=0.5, groups=["officer"])], days=1, seed=ss)
        heard += 4 - int(r.totals()[-1, 0])
        s = exact(mux, pop, rm.SIR(1.0, 0.0), [rm.Deter("fear", factor=1.0, groups=["officer"])], seed=ss)
        silent += int(s.tellings.sum())
    assert silent == 0
    assert within(heard / (4 * RUNS), 1 - math.exp(-0.5), 4 * RUNS)


def test_indoctrinated_hearers_believe_with_the_acceptance(star_pop):
    pop, mux = star_pop
    a, spreaders = 0.3, 0
    ind = [rm.Indoctrinate("lies", acceptance=a, groups=["family"])]
    for ss in seeds("accept"):
        r = exact(mux, pop, rm.SIR(20.0, 0.0), ind, days=1, seed=ss)
        # every leaf hears (rate 20 a day); a doubter knows and stays silent
        assert r.totals()[-1, 0] == 0 and r.tellings.sum() == 4
        spreaders += int(r.counts[-1, 0, 1, 1])
    assert within(spreaders / (4 * RUNS), a, 4 * RUNS)


def test_indoctrination_adds_a_stopping_rate_in_its_cells(triangle_pop):
    pop, mux = triangle_pop
    kept = np.zeros(2)
    ind = [rm.Indoctrinate("lies", stifle_rate=0.5, groups=["family"])]
    for ss in seeds("stifle"):
        r = exact(mux, pop, rm.SIR(0.0, 0.2), ind, days=1, initial=[0, 1, 2], seed=ss)
        kept += r.counts[-1, 0, 1]
    assert within(kept[0] / RUNS, math.exp(-0.2), RUNS)  # the soldier: recovery only
    assert within(kept[1] / (2 * RUNS), math.exp(-0.7), 2 * RUNS)  # the family: recovery + stifling


# -- inflow and monitoring ---------------------------------------------------------------------------------------


def test_inflow_arrives_at_its_rate_and_passes_the_hearers_acceptance(triangle_pop):
    pop, mux = triangle_pop
    rate, a, days = 0.3, 0.5, 2
    heard = believed = 0
    ms = [rm.Inflow("radio", story="story", rate=rate), rm.Indoctrinate("lies", acceptance=a)]
    for ss in seeds("inflow"):
        r = exact(mux, pop, rm.SIR(0.0, 0.0), ms, days=days, initial=0, seed=ss)
        assert r.layers == ["face", "outside"]
        h = 3 - int(r.totals()[-1, 0])
        assert r.tellings[:, 0, 1].sum() == h and r.tellings[:, 0, 0].sum() == 0
        assert sum(e[4] for e in r.events if e[1] == "inflow") == h
        heard += h
        believed += int(r.totals()[-1, 1])
    assert within(heard / (3 * RUNS), 1 - math.exp(-rate * days), 3 * RUNS)
    assert within(believed / heard, a, heard)


def test_inflow_skips_detained_agents(triangle_pop):
    pop, mux = triangle_pop
    stories = {"a": rm.SIR(0.0, 0.0), "b": rm.SIR(0.0, 0.0)}
    ms = [rm.Monitor("check", every=1, probability=1.0, groups=["family"], stop=1),
          rm.Inflow("radio", story="b", rate=5.0, start=1)]
    r = exact(mux, pop, stories, ms, days=4, initial={"a": [1, 2], "b": [0]})
    # the family are detained on day 0; news from outside reaches no one after that
    assert r.detained[-1].tolist() == [0, 2] and r.totals("b")[-1].tolist() == [2, 1, 0]


def test_monitor_checks_every_nth_day_once_per_agent(triangle_pop):
    pop, mux = triangle_pop
    p, found = 0.5, []
    both = {"a": rm.SIR(0.0, 0.0), "b": rm.SIR(0.0, 0.0)}
    for ss in seeds("monitor", 300):
        r = exact(mux, pop, both, [rm.Monitor("check", every=2, probability=p)], days=4,
                  initial={"a": [0, 1, 2], "b": [0, 1, 2]}, seed=ss)
        days = {e[0] for e in r.events if e[1] == "detention"}
        assert days <= {1, 3}
        found.append(int(r.detained[2].sum()))
    # an agent spreading two stories is found once with p, not twice
    assert abs(np.mean(found) - 3 * p) <= 3.0 * math.sqrt(3 * p * (1 - p) / len(found))


# -- triggers and the record ---------------------------------------------------------------------------------------


def test_trigger_orders_its_measures_after_the_delay(path_pop):
    pop, mux = path_pop
    ms = [rm.Inspect("read", channel="mail", probability=1.0),
          rm.Deter("fear", factor=1.0, start=None)]
    trig = [rm.Trigger("t", observe="interceptions", threshold=3, delay=2, starts=["fear"])]
    r = exact(mux, pop, rm.MakiThompson(1.0), ms, trig, days=20)
    ev = {(e[1], e[5].split(":")[0]): e[0] for e in r.events if e[1] in ("report", "order", "measure-start")}
    reported = ev[("report", "t")]
    assert ev[("order", "t")] == reported + 2 and ev[("measure-start", "fear")] == reported + 2
    # silenced from then on: no interceptions after the order
    assert r.intercepts[reported + 3:].sum() == 0
    assert r.intercepts[: reported + 2].sum() >= 3


def test_weighted_totals_match_their_exact_rebuild():
    from rumormill.engine import exact as kernel
    from rumormill.engine.exact_run import ExactInputs, ExactRun
    from rumormill.networks import erdos_renyi
    from rumormill.simulate import _layer_arrays

    pop = rm.Population.from_sizes({("a", "r"): 300, ("b", "r"): 300})
    mux = Multiplex({"f": Layer(erdos_renyi(600, 5.0, 1)), "m": Layer(erdos_renyi(600, 2.0, 2), rate=2.0,
                                                                     channel="mail")})
    indptrs, indicess, complete, _, max_deg = _layer_arrays(mux)
    ms = (rm.Deter("d", factor=0.7, groups=["a"]), rm.Indoctrinate("i", stifle_rate=0.3, groups=["b"]),
          rm.Inspect("x", channel="mail", probability=0.3, detain=0.5))
    inp = ExactInputs((indptrs, indicess, complete, max_deg), np.array([[0.2, 0.2], [0.3, 0.3]]),
                      np.array([1.0, 0.5]), np.array([False, False]), np.array([0.05, 0.0]),
                      [np.arange(5, dtype=np.int32), np.arange(300, 305, dtype=np.int32)], pop.cell, pop.n_cells,
                      mux.names, ["face", "mail"], ["s", "t"], ms, (), pop)
    run = ExactRun(inp, np.random.SeedSequence(4))
    run.run(6, 100, type("Bar", (), {"advance": lambda self: None})())
    W, F = run.W.copy(), run.F.copy()
    spread, forget = run.levers[0], run.levers[1]
    kernel.rebuild_totals(run.degc, run.counts, run.det_ign, spread, forget, run.inflow_rate, run.W, run.F, run.I)
    assert run.detained.sum() > 0 and run.n_active.sum() > 0
    assert np.allclose(W, run.W, rtol=1e-9, atol=1e-9) and np.allclose(F, run.F, rtol=1e-9, atol=1e-9)
    assert (run.counts.sum(axis=(1, 2)) == 600).all()


# -- the kernel against its twin written from the definition ------------------------------------------------------


def _twin_setting():
    """Six agents, two layers: face is a triangle 0-1-2 with a tail 2-3-4; mail a star from 0 to 3, 4, 5.
    Soldiers 0-2 (cell 0), family 3-5 (cell 1); two stories, one with Daley–Kendall pairs."""
    face = from_edges(6, np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 3, 4]))
    mail = from_edges(6, np.array([0, 0, 0]), np.array([3, 4, 5]))
    cell = np.array([0, 0, 0, 1, 1, 1], dtype=np.int32)
    rates = np.array([[0.8, 1.5], [0.6, 1.0]])
    stifle, pair = np.array([0.5, 1.0]), np.array([False, True])
    spread = np.array([[1.0, 0.5], [0.7, 1.0]])
    forget = np.array([[0.1, 0.4], [0.0, 0.3]])
    accept = np.array([[1.0, 0.6], [0.8, 1.0]])
    intercept = np.array([[0.0, 0.4], [0.0, 0.3]])
    detain = np.array([[0.0, 0.5], [0.0, 0.2]])
    inflow = np.array([[0.0, 0.3], [0.0, 0.0]])
    levers = (spread, forget, accept, intercept, detain, inflow)
    return (face, mail), cell, rates, stifle, pair, levers


def _outcome(st, detained, tellings, intercepts):
    return [*(st == 0).sum(axis=1), *(st == 1).sum(axis=1), detained.sum(), intercepts.sum(),
            tellings[:, 2].sum(), tellings[:, 1].sum()]


def test_exact_kernel_matches_its_twin_in_distribution():
    from rumormill.engine import exact as kernel
    from rumormill.engine.exact_run import ExactInputs, ExactRun
    from rumormill.simulate import _layer_arrays
    from rumormill.validation_exact import mean_gap

    (face, mail), cell, rates, stifle, pair, levers = _twin_setting()
    mux = Multiplex({"face": Layer(face), "mail": Layer(mail, channel="mail")})
    indptrs, indicess, complete, _, max_deg = _layer_arrays(mux)
    seeds0 = [np.array([0], dtype=np.int32), np.array([2, 4], dtype=np.int32)]
    fast, twin = [], []
    for ss in seeds("twin", 500):
        inp = ExactInputs((indptrs, indicess, complete, max_deg), rates, stifle, pair, np.zeros(2), seeds0, cell, 2,
                          ["face", "mail"], ["face", "mail"], ["a", "b"])
        run = ExactRun(inp, ss)
        run.inflow_rate[:] = levers[5]
        spread, forget = levers[0], levers[1]
        kernel.rebuild_totals(run.degc, run.counts, run.det_ign, spread, forget, run.inflow_rate, run.W, run.F, run.I)
        tel = np.zeros((2, 3, 2), dtype=np.int64)
        run.tellings = tel
        kernel.run_day(0.0, 2.0, run._state(), (run.counts, tel, run.intercepts, run.det_counts, run.letters),
                       inp.graph, (rates, stifle, pair), (*levers, *_no_detection(levers)), run.cells(), run.rng,
                       run.post)
        fast.append(_outcome(run.st, run.detained, tel, run.intercepts))

        rng = np.random.default_rng(ss)
        st = np.zeros((2, 6), dtype=np.int8)
        st[0, seeds0[0]] = 1
        st[1, seeds0[1]] = 1
        detained = np.zeros(6, dtype=bool)
        tallies = (np.zeros((2, 3, 2), dtype=np.int64), np.zeros((2, 2, 2), dtype=np.int64), np.zeros(2, dtype=np.int64))
        kernel.reference_day(0.0, 2.0, st, detained, lambda lay, i: (face, mail)[lay].neighbours(i), rates, stifle,
                             pair, levers, cell, rng, tallies)
        twin.append(_outcome(st, detained, tallies[0], tallies[1]))
    fast, twin = np.array(fast, dtype=float), np.array(twin, dtype=float)
    for k in range(fast.shape[1]):
        gap, tol = mean_gap(fast[:, k], twin[:, k])
        assert abs(gap) <= tol, (k, fast[:, k].mean(), twin[:, k].mean(), tol)
    # the setting exercises every rule
    assert fast[:, 4].mean() > 0.1 and fast[:, 5].mean() > 0.3 and fast[:, 6].mean() > 0.1


JIT_SCRIPT = """
import json, numpy as np, rumormill as rm
from rumormill.networks import erdos_renyi, Layer, Multiplex
pop = rm.Population.from_sizes({("s", "n"): 30, ("f", "n"): 30})
mux = Multiplex({"face": Layer(erdos_renyi(60, 4.0, 3)),
                 "mail": Layer(erdos_renyi(60, 2.0, 4), rate=2.0, channel="mail")})
ms = [rm.Inspect("i", channel="mail", probability=0.4, detain=0.3), rm.Deter("d", factor=0.5, groups=["s"]),
      rm.Indoctrinate("x", stifle_rate=0.2, acceptance=0.7, groups=["f"]),
      rm.Monitor("m", every=3, probability=0.3, groups=["f"]), rm.Inflow("in", story="a", rate=0.05, groups=["f"])]
r = rm.simulate(mux, {"a": rm.ISR(0.4, 0.5, 0.1), "b": rm.DaleyKendall(0.4)}, engine="exact", population=pop,
                measures=ms, days=12, initial=3, seed=11)
print(json.dumps([r.counts.tolist(), r.intercepts.tolist(), r.detained.tolist(), r.tellings.tolist()]))
"""


def test_exact_kernel_with_and_without_jit_agree_bit_for_bit():
    import os
    import subprocess
    import sys

    def run(extra):
        env = dict(os.environ, PYTHONWARNINGS="ignore", **extra)
        return subprocess.run([sys.executable, "-c", JIT_SCRIPT], capture_output=True, text=True, env=env,
                              check=True).stdout

    assert run({}) == run({"NUMBA_DISABLE_JIT": "1"})


def _no_detection(levers):
    """watch and punish levers of a run without detections."""
    n_layers, n_cells = levers[3].shape[1], levers[0].shape[1]
    return np.zeros((0, n_layers, n_cells)), np.zeros((0, n_layers, n_cells))
