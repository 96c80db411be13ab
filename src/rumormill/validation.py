"""The known results the engines must reproduce (cases V1–V6 and V10).

Each case runs a fixed-seed ensemble and compares a measured number with the
theory, with a tolerance of three standard errors of the ensemble mean (plus
the stated model tolerance where the theory is itself an approximation). The
same functions back ``rumormill validate`` and ``tests/validation``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from . import theory
from .models import SIR, DaleyKendall, MakiThompson
from .networks import complete, configuration, poisson_degrees
from .simulate import CoarseStepWarning, simulate

#: a run "takes off" when it reaches more than this fraction (V3, V4)
TAKE_OFF = 0.1


@dataclass(frozen=True)
class Check:
    """One row of the validation table."""

    case: str
    what: str
    expected: float
    measured: float
    tolerance: float
    passed: bool
    runs: int


def _mean_and_tolerance(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    se = v.std(ddof=1) / math.sqrt(v.size) if v.size > 1 else float("inf")
    return float(v.mean()), 3.0 * se


def _seeds(seed: int, label: str, runs: int):
    key = sum(ord(c) * 31**k for k, c in enumerate(label)) % 2**32
    return np.random.SeedSequence([seed, key]).spawn(runs)


def _quiet_simulate(*args, **kwargs):
    """Cases that use coarse steps on purpose (V5 measures their bias; V7–V9
    test a measure's rule, which does not depend on the step)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoarseStepWarning)
        return simulate(*args, **kwargs)


def _well_mixed_ignorants(model, n, runs, seed, label, engine="exact", substeps=1):
    out = []
    for ss in _seeds(seed, label, runs):
        r = _quiet_simulate(complete(n), model, engine=engine, substeps=substeps, initial=1, seed=ss)
        out.append(1.0 - r.reach())
    return out


def _poisson_sir_sizes(n, runs, seed, label, engine="exact", substeps=1):
    out = []
    for ss in _seeds(seed, label, runs):
        g_seed, r_seed = ss.spawn(2)
        net = configuration(poisson_degrees(n, 10.0, g_seed), g_seed)
        r = _quiet_simulate(net, SIR(rate=0.05, recovery=0.1), engine=engine, substeps=substeps, initial=5, seed=r_seed)
        out.append(r.reach())
    return [x for x in out if x > TAKE_OFF]


def v1(quick: bool, seed: int) -> list[Check]:
    n, runs = (10**5, 30) if quick else (10**5, 200)
    theta = theory.rumour_ignorant_fraction()
    m, tol = _mean_and_tolerance(_well_mixed_ignorants(MakiThompson(rate=1.0), n, runs, seed, "V1"))
    return [Check("V1", f"MT well-mixed N={n:,}: ignorants", theta, m, tol, bool(abs(m - theta) <= tol), runs)]


def v2(quick: bool, seed: int) -> list[Check]:
    n, runs = (10**5, 30) if quick else (10**5, 200)
    theta = theory.rumour_ignorant_fraction()
    m, tol = _mean_and_tolerance(_well_mixed_ignorants(DaleyKendall(rate=1.0), n, runs, seed, "V2"))
    return [Check("V2", f"DK well-mixed N={n:,}: ignorants", theta, m, tol, bool(abs(m - theta) <= tol), runs)]


def v3(quick: bool, seed: int) -> list[Check]:
    n, runs = (10**5, 20) if quick else (10**5, 100)
    expected = theory.sir_final_size(2.0)
    sizes = []
    for ss in _seeds(seed, "V3", runs):
        r = simulate(complete(n), SIR(rate=0.2, recovery=0.1), engine="exact", initial=1, seed=ss)
        if r.reach() > TAKE_OFF:
            sizes.append(r.reach())
    m, tol = _mean_and_tolerance(sizes)
    return [Check("V3", f"SIR well-mixed R0=2 N={n:,}: size", expected, m, tol,
                  bool(abs(m - expected) <= tol), len(sizes))]


def v4(quick: bool, seed: int) -> list[Check]:
    n, runs = (10**5, 8) if quick else (10**5, 40)
    expected = theory.sir_poisson_network_final_size(10.0, 0.05, 0.1)
    m, tol = _mean_and_tolerance(_poisson_sir_sizes(n, runs, seed, "V4"))
    return [Check("V4", f"SIR Poisson k=10 N={n:,}: size", expected, m, tol,
                  bool(abs(m - expected) <= tol), runs)]


def v5(quick: bool, seed: int) -> list[Check]:
    """The daily engine converges to the exact one as sub-steps grow."""
    steps = (1, 4, 16, 64)
    checks = []
    n_mt, runs_mt = (2 * 10**4, 20) if quick else (10**5, 60)
    exact = _well_mixed_ignorants(MakiThompson(rate=1.0), n_mt, runs_mt, seed, "V5-mt")
    gaps = [_gap(exact, _well_mixed_ignorants(MakiThompson(rate=1.0), n_mt, runs_mt, seed, f"V5-mt-{k}",
                                              engine="daily", substeps=k)) for k in steps]
    checks += _convergence_checks("V5a", f"MT well-mixed N={n_mt:,}", gaps, steps, runs_mt)
    n_sir, runs_sir = (2 * 10**4, 6) if quick else (10**5, 20)
    exact = _poisson_sir_sizes(n_sir, runs_sir, seed, "V5-sir")
    gaps = [_gap(exact, _poisson_sir_sizes(n_sir, runs_sir, seed, f"V5-sir-{k}", engine="daily", substeps=k))
            for k in steps]
    checks += _convergence_checks("V5b", f"SIR Poisson N={n_sir:,}", gaps, steps, runs_sir)
    return checks


def _gap(exact, daily) -> tuple[float, float]:
    a, b = np.asarray(exact), np.asarray(daily)
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return float(b.mean() - a.mean()), 3.0 * se


def _convergence_checks(case, what, gaps, steps, runs) -> list[Check]:
    """First-order convergence: each 4x more steps at least halves the gap
    (up to its noise), and the finest steps cut it tenfold."""
    out = []
    first = abs(gaps[0][0])
    for idx, ((gap, tol), k) in enumerate(zip(gaps, steps)):
        ok = idx == 0 or abs(gap) <= abs(gaps[idx - 1][0]) / 2 + tol
        if idx == len(gaps) - 1:
            ok &= abs(gap) <= first / 10 + tol
        out.append(Check(case, f"{what}: daily−exact, {k}/day", 0.0, gap, tol, bool(ok), runs))
    return out


def v6(quick: bool, seed: int) -> list[Check]:
    """Mean-field ODE against the exact engine's ensemble mean, well-mixed MT.

    Starts from 1% spreaders so the random timing of the first few tellings
    (which the ODE cannot have) does not shift the curves.
    """
    n, runs, days = (10**5, 10 if quick else 40, 20)
    model = MakiThompson(rate=1.0)
    mf = simulate(complete(n), model, engine="meanfield", days=days, initial=0.01)
    ens = np.mean([simulate(complete(n), model, engine="exact", days=days, initial=0.01, seed=ss).totals()[:, 0] / n
                   for ss in _seeds(seed, "V6", runs)], axis=0)
    worst = float(np.max(np.abs(ens - mf.totals()[:, 0] / n)))
    return [Check("V6", f"MT N={n:,}: max |meanfield − exact|",
                  0.0, worst, 0.01, worst <= 0.01, runs)]


def v7(quick: bool, seed: int) -> list[Check]:
    """``Inspect`` with p = 1 on the only layer: nothing crosses it, every
    meeting is counted as intercepted."""
    from .measures import Inspect
    from .rates import step_probability

    n, days, k = 20_000, 30 if quick else 100, 50
    net = configuration(poisson_degrees(n, 10.0, seed), seed)
    rate = 0.05
    # the first k agents of a configuration graph are as random as any k
    r = _quiet_simulate(net, MakiThompson(rate), measures=[Inspect("read-all", channel="face", probability=1.0)],
                 days=days, substeps=4, initial=np.arange(k), seed=seed)
    told = int(r.tellings.sum())
    # the spreaders never meet anyone, so never stop: each edge is tried every step
    p = float(step_probability(rate, 0.25))
    trials = 4 * days * int(net.degrees()[:k].sum())
    expected = trials * p
    tol = 3.0 * math.sqrt(trials * p * (1 - p))
    measured = float(r.intercepts.sum())
    return [
        Check("V7", "inspect p=1: tellings across the layer", 0.0, float(told), 0.0, told == 0, 1),
        Check("V7", "inspect p=1: interceptions vs meetings expected", expected, measured, tol,
              bool(abs(measured - expected) <= tol), 1),
    ]


def v8(quick: bool, seed: int) -> list[Check]:
    """``Deter`` with factor d on everyone: the same outcomes as rate λ(1 − d)."""
    from .measures import Deter

    n, runs = (20_000, 20) if quick else (100_000, 60)
    lam, d = 0.4, 0.5
    net = configuration(poisson_degrees(n, 10.0, seed), seed)
    deterred, slower = [], []
    for ss in _seeds(seed, "V8", runs):
        deterred.append(_quiet_simulate(net, MakiThompson(lam), measures=[Deter("fear", factor=d)], substeps=8,
                                        initial=5, seed=ss).reach())
        slower.append(_quiet_simulate(net, MakiThompson(lam * (1 - d)), substeps=8, initial=5, seed=ss).reach())
    gap, tol = _gap(slower, deterred)
    return [Check("V8", f"deter d={d} vs rate λ(1−d), N={n:,}: reach gap", 0.0, gap, tol, bool(abs(gap) <= tol), runs)]


def v9(quick: bool, seed: int) -> list[Check]:
    """``Monitor`` every 30 days: detentions per check ≈ p × spreaders in the cohort."""
    from .measures import Monitor
    from .models import ISR
    from .population import Population

    n, p, days = (20_000, 0.3, 120) if quick else (100_000, 0.3, 240)
    pop = Population.from_sizes({("family", "r"): n // 4, ("other", "r"): n - n // 4})
    net = configuration(poisson_degrees(n, 10.0, seed), seed)
    # spreaders who never stop, so each check finds a large cohort
    r = _quiet_simulate(net, ISR(0.05, stifle=0.0, forget=0.0), population=pop, days=days, initial=50, seed=seed,
                        measures=[Monitor("family-checks", every=30, probability=p, groups=["family"])])
    found = np.diff(r.detained[:, 0])
    checks = np.flatnonzero(found)
    before = r.counts[checks + 1, 0, 1, 0] + found[checks]  # spreaders in the cohort just before each check
    total_found, total_before = float(found[checks].sum()), float(before.sum())
    expected = p * total_before
    tol = 3.0 * math.sqrt(total_before * p * (1 - p))
    return [Check("V9", f"monitor p={p} every 30 days: detentions over {checks.size} checks", expected,
                  total_found, tol, bool(checks.size > 0 and abs(total_found - expected) <= tol), checks.size)]


def v10(quick: bool, seed: int) -> list[Check]:
    """Same seed, same result, bit for bit — and whatever the thread count."""
    net = configuration(poisson_degrees(20_000, 10.0, seed), seed)
    # two stories: the daily engine runs them in parallel threads
    stories = {"a": MakiThompson(0.05), "b": DaleyKendall(0.08)}
    runs = {}
    before = numba.get_num_threads()
    try:
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            for engine in ("daily", "exact"):
                a = simulate(net, stories, engine=engine, days=30, substeps=8, initial=10, seed=seed)
                b = simulate(net, stories, engine=engine, days=30, substeps=8, initial=10, seed=seed)
                runs[(threads, engine)] = (a, b)
    finally:
        numba.set_num_threads(before)
    same = all(np.array_equal(a.counts, b.counts) for a, b in runs.values())
    first = {e: runs[(1, e)][0] for e in ("daily", "exact")}
    same &= all(np.array_equal(first[e].counts, a.counts) and np.array_equal(first[e].tellings, a.tellings)
                for (t, e), (a, _) in runs.items())
    return [Check("V10", "same seed, 1 and 2 threads: identical", 1.0, float(same), 0.0, same, len(runs) * 2)]


CASES: dict[str, Callable[[bool, int], list[Check]]] = {
    "V1": v1, "V2": v2, "V3": v3, "V4": v4, "V5": v5, "V6": v6, "V7": v7, "V8": v8, "V9": v9, "V10": v10,
}
#: the reduced set ``--quick`` runs (under a minute on two cores)
#: how the V5 rows pass, for the table's caption
V5_RULE = "V5: each 4x more steps must at least halve the gap (up to its noise); 64/day must cut the 1/day gap tenfold."
QUICK = tuple(CASES)


def run(cases=None, quick: bool = False, seed: int = 2025, on_case=None) -> list[Check]:
    """Run the named cases (all by default; the quick set with ``quick``)."""
    names = list(cases) if cases else list(QUICK if quick else CASES)
    out = []
    for name in names:
        checks = CASES[name](quick, seed)
        out += checks
        if on_case is not None:
            on_case(name, checks)
    return out
