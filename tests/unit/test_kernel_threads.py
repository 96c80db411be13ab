"""The daily kernel on several threads: one story's spreaders are cut into
shares, one per thread, and each story settles from its tasks' lists in
spreader order, so a run is the same, bit for bit, on any number of threads.

The runs go in a subprocess started with three threads, so that the spreaders
are cut into shares even on a machine with one core; each case starts with
three shares' worth of spreaders (``MIN_SHARE``), so the first step is split
on two threads and on three.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rumormill.engine.daily import MIN_SHARE, _tasks

SCRIPT = """
import hashlib, json, sys, warnings
import numba, numpy as np, rumormill as rm
from rumormill.measures import Detect
from rumormill.networks import Delay, Layer, Multiplex, complete, erdos_renyi

warnings.simplefilter("ignore")
N, FIRST = 100_000, int(sys.argv[1])
first = np.arange(0, N, N // FIRST)[:FIRST]
face = erdos_renyi(N, 8.0, 1)
mux = Multiplex({"face": Layer(face), "again": Layer(face, rate=2.0, channel="phone"),
                 "mail": Layer(erdos_renyi(N, 2.0, 2), channel="mail", delay=Delay.fixed(1.5))})
pop = rm.Population.from_sizes({("resident", "north"): N // 2, ("resident", "south"): N - N // 2})
measures = [rm.Inspect("read-mail", channel="mail", probability=0.5, detain=0.2, start=2),
            Detect("informants", layers=["face"], probability=0.2, detain=0.5, regions=["south"], start=3)]
cases = {
    "sir": lambda: rm.simulate(face, rm.SIR(0.2, 0.3), days=12, initial=first, seed=1),
    "isr-skips": lambda: rm.simulate(face, rm.ISR(0.02, 0.5, 0.05), days=12, substeps=4, initial=first, seed=2),
    "dk": lambda: rm.simulate(face, rm.DaleyKendall(0.4), days=12, initial=first, seed=3),
    "cascade": lambda: rm.simulate(face, rm.IndependentCascade(0.2), days=6, initial=first, seed=4),
    "complete": lambda: rm.simulate(complete(N), rm.MakiThompson(0.5), days=8, initial=first, seed=5),
    "stories-layers-letters": lambda: rm.simulate(
        mux, {"mt": rm.MakiThompson(0.3), "dk": rm.DaleyKendall(0.3)}, population=pop, measures=measures,
        days=12, substeps=2, initial=np.concatenate([first, first + 1]), seed=6),
}
out = {}
for name, run in cases.items():
    for threads in (1, 2, 3):
        numba.set_num_threads(threads)
        r = run()
        h = hashlib.sha256()
        for a in (r.counts, r.tellings, r.intercepts, r.detained, r.letters):
            if a is not None:
                h.update(np.ascontiguousarray(a).tobytes())
        out.setdefault(name, []).append(h.hexdigest())
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def runs():
    env = dict(os.environ, NUMBA_NUM_THREADS="3", PYTHONWARNINGS="ignore")
    first = 3 * MIN_SHARE + 1
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(first)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", ["sir", "isr-skips", "dk", "cascade", "complete", "stories-layers-letters"])
def test_one_two_and_three_threads_give_the_same_run(runs, case):
    one, two, three = runs[case]
    assert one == two == three


def _check_cut(n_active, threads, rows):
    tasks, pieces, first = _tasks(np.asarray(n_active, dtype=np.int64), threads, rows)
    assert tasks.shape[0] <= rows
    # every story's spreaders, once each, in order
    for s, na in enumerate(n_active):
        mine = tasks[first[s]:first[s + 1]]
        assert (mine[:, 0] == s).all()
        if na:
            assert mine[0, 1] == 0 and mine[-1, 2] == na and (mine[1:, 1] == mine[:-1, 2]).all()
        assert (mine[:, 2] > mine[:, 1]).all()
    # shares: consecutive runs of tasks, of nearly equal length
    assert pieces[0] == 0 and pieces[-1] == tasks.shape[0]
    assert (np.diff(pieces) >= 1).all() or tasks.shape[0] == 0
    lengths = [int((tasks[a:b, 2] - tasks[a:b, 1]).sum()) for a, b in zip(pieces[:-1], pieces[1:])]
    return lengths


def test_one_story_is_cut_into_one_share_per_thread():
    lengths = _check_cut([4 * MIN_SHARE + 1], 3, 3)
    assert len(lengths) == 3 and sum(lengths) == 4 * MIN_SHARE + 1 and max(lengths) - min(lengths) <= 1
    assert _check_cut([4 * MIN_SHARE], 1, 1) == [4 * MIN_SHARE]


def test_few_spreaders_stay_on_one_thread():
    assert _check_cut([MIN_SHARE + 5], 2, 2) == [MIN_SHARE + 5]
    assert _check_cut([0, 0], 2, 3) == [0]


def test_a_share_crosses_from_one_story_into_the_next():
    lengths = _check_cut([3 * MIN_SHARE, 0, MIN_SHARE], 2, 4)
    assert lengths == [2 * MIN_SHARE, 2 * MIN_SHARE]
    tasks, pieces, first = _tasks(np.array([3 * MIN_SHARE, 0, MIN_SHARE]), 2, 4)
    assert tasks[:, 0].tolist() == [0, 0, 2] and pieces.tolist() == [0, 1, 3]
