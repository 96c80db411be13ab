"""The numba kernel against its twins.

1. The same kernel with numba's JIT switched off (plain Python): results must
   be bit-identical, which catches typing and overflow bugs of compilation.
2. ``reference_step``, written from the definition (one Bernoulli draw per
   spreader-neighbour pair): the final reach must agree in distribution, at
   a large per-step meeting chance (the kernel tries busy spreaders every
   step) and at a small one (it skips each spreader to its next step with
   an event, a geometric wait, and draws that step's events conditionally).
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import rumormill as rm
from rumormill import validation
from rumormill.engine.daily import LOG_BUSY, SPREADER, reference_step
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


def _reference_reach(net, model, runs, seed, days=60, substeps=1):
    rules = model.rules()
    dt = 1.0 / substeps
    p = float(step_probability(rules.rate, dt))
    pf = float(step_probability(rules.forget, dt))
    out = []
    for ss in np.random.SeedSequence(seed).spawn(runs):
        rng = np.random.default_rng(ss)
        state = np.zeros(net.n, dtype=np.int8)
        state[rng.choice(net.n, 3, replace=False)] = SPREADER
        for _ in range(days * substeps):
            if not np.any(state == SPREADER):
                break  # nothing changes any more
            reference_step(state, p, rules.stifle, rules.pair, pf, rules.one_step, net.neighbours, rng)
        out.append(np.mean(state != 0))
    return np.array(out)


def _kernel_reach(net, model, runs, seed, substeps=1):
    return np.array([rm.simulate(net, model, days=60, substeps=substeps, initial=3, seed=ss).reach()
                     for ss in np.random.SeedSequence(seed).spawn(runs)])


def _assert_same(ref, fast):
    """Same mean (Welch, t-corrected 3 s.e.) and same distribution (KS at the same level)."""
    gap = validation.combine((1, validation.mean_of(fast)), (-1, validation.mean_of(ref)))
    assert abs(gap.value) <= gap.tolerance + 1e-12, f"mean {fast.mean():.4f} vs {ref.mean():.4f} ± {gap.tolerance:.4f}"
    ks = validation.same_distribution("twin", "reach", fast, ref, len(ref))
    assert ks.passed, f"KS distance {ks.measured:.3f} > {ks.tolerance:.3f}"


@pytest.mark.parametrize(
    "model",
    [rm.MakiThompson(0.3), rm.DaleyKendall(0.3), rm.ISR(0.3, 0.5, 0.05), rm.SIR(0.15, 0.2), rm.IndependentCascade(0.5)],
    ids=["mt", "dk", "isr", "sir", "cascade"],
)
def test_kernel_matches_per_edge_definition(model):
    net = erdos_renyi(300, 6.0, 5)
    runs = 300
    _assert_same(_reference_reach(net, model, runs, 1), _kernel_reach(net, model, runs, 2))


#: sub-steps that make the per-step meeting chance small (about 0.04 per edge at rate 0.3)
SMALL_STEPS = 8


@pytest.mark.parametrize(
    "model",
    [rm.MakiThompson(0.3), rm.DaleyKendall(0.3), rm.ISR(0.3, 0.5, 0.05), rm.SIR(0.2, 0.3)],
    ids=["mt", "dk", "isr", "sir"],
)
def test_kernel_matches_per_edge_definition_when_it_skips_steps(model):
    net = erdos_renyi(150, 6.0, 5)
    rules = model.rules()
    dt = 1.0 / SMALL_STEPS
    # the kernel skips a spreader whose steps are quiet more often than exp(LOG_BUSY):
    # make sure that is most of them, so the skipping path carries this test
    log_quiet = (net.degrees() * np.log1p(-step_probability(rules.rate, dt))
                 + np.log1p(-step_probability(rules.forget, dt)))
    assert np.mean(log_quiet >= LOG_BUSY) > 0.6
    runs = 150
    ref = _reference_reach(net, model, runs, 3, substeps=SMALL_STEPS)
    _assert_same(ref, _kernel_reach(net, model, runs, 4, substeps=SMALL_STEPS))
