"""The numba kernel against its twins.

1. The same kernel with numba's JIT switched off (plain Python): results must
   be bit-identical, which catches typing and overflow bugs of compilation.
2. ``reference_step``, written from the definition (one Bernoulli draw per
   spreader-neighbour pair): the final reach must agree in distribution.
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import rumormill as rm
from rumormill.engine.daily import SPREADER, reference_step
from rumormill.networks import erdos_renyi
from rumormill.rates import step_probability

SCRIPT = """
import json, numpy as np, rumormill as rm
from rumormill.networks import erdos_renyi
net = erdos_renyi(60, 4.0, 3)
out = {}
for name, model in [("mt", rm.MakiThompson(0.4)), ("dk", rm.DaleyKendall(0.4)),
                    ("isr", rm.ISR(0.4, 0.5, 0.1)), ("sir", rm.SIR(0.3, 0.2))]:
    with np.errstate(over="ignore"):
        r = rm.simulate(net, model, days=12, substeps=2, initial=3, seed=11)
    out[name] = r.counts.tolist()
print(json.dumps(out))
"""


def _run(env_extra):
    env = dict(os.environ, **env_extra)
    env["PYTHONWARNINGS"] = "ignore"
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def test_jit_and_plain_python_agree_bit_for_bit():
    assert _run({}) == _run({"NUMBA_DISABLE_JIT": "1"})


def _reference_reach(net, model, runs, seed, days=60):
    rules = model.rules()
    p = float(step_probability(rules.rate, 1.0))
    pf = float(step_probability(rules.forget, 1.0))
    out = []
    for ss in np.random.SeedSequence(seed).spawn(runs):
        rng = np.random.default_rng(ss)
        state = np.zeros(net.n, dtype=np.int8)
        state[rng.choice(net.n, 3, replace=False)] = SPREADER
        for _ in range(days):
            reference_step(state, p, rules.stifle, rules.pair, pf, rules.one_step, net.neighbours, rng)
        out.append(np.mean(state != 0))
    return np.array(out)


@pytest.mark.parametrize(
    "model",
    [rm.MakiThompson(0.3), rm.DaleyKendall(0.3), rm.ISR(0.3, 0.5, 0.05), rm.SIR(0.15, 0.2), rm.IndependentCascade(0.5)],
    ids=["mt", "dk", "isr", "sir", "cascade"],
)
def test_kernel_matches_per_edge_definition(model):
    net = erdos_renyi(300, 6.0, 5)
    runs = 300
    ref = _reference_reach(net, model, runs, 1)
    fast = np.array([rm.simulate(net, model, days=60, initial=3, seed=ss).reach()
                     for ss in np.random.SeedSequence(2).spawn(runs)])
    se = math.sqrt(ref.var(ddof=1) / runs + fast.var(ddof=1) / runs)
    assert abs(ref.mean() - fast.mean()) <= 3.5 * se + 1e-12
