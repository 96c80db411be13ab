"""The known results the engines must reproduce (docs/validation.md, V1–V14, V16).

Each case runs fixed-seed ensembles and compares a measured number with the
theory. A tolerance is never typed in: it is three standard errors of the
measured quantity, widened by Student's t for the ensemble's degrees of
freedom (Welch–Satterthwaite for combinations of independent ensembles), or
three binomial standard errors where the variance is known. A check fails
when fewer than ``MIN_RUNS`` runs qualify (runs that took off). The same
functions back ``rumormill validate`` and ``tests/validation``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from . import theory
from .models import ISR, SIR, DaleyKendall, MakiThompson
from .networks import complete, configuration, poisson_degrees
from .simulate import CoarseStepWarning, simulate

#: a run "takes off" when it reaches more than this fraction
TAKE_OFF = 0.1
#: normal standard errors a tolerance spans (two-sided coverage 99.73 %)
Z = 3.0
#: a check with fewer qualifying runs than this fails: its spread is unknown
MIN_RUNS = 5
#: daily sub-steps whose Richardson extrapolation stands for continuous time
FINE = (16, 64)


@dataclass(frozen=True)
class Check:
    """One row of the validation table; ``runs`` counts the runs that
    qualified, ``requested`` those asked for (0: the same)."""

    case: str
    what: str
    expected: float
    measured: float
    tolerance: float
    passed: bool
    runs: int
    requested: int = 0
    #: the rule the row passed or failed by, in words for the table; empty: |measured − expected| ≤ tolerance
    rule: str = ""


#: the rule of a row that gives none
WITHIN = "|measured − expected| ≤ tol"


@dataclass(frozen=True)
class Estimate:
    """A measured number, its standard error and that error's degrees of freedom."""

    value: float
    se: float
    df: float
    runs: int

    @property
    def tolerance(self) -> float:
        return t_factor(self.df) * self.se


def t_factor(df: float) -> float:
    """How many estimated standard errors give the coverage of ``Z`` known ones.

    >>> t_factor(math.inf), round(t_factor(29), 2)
    (3.0, 3.28)
    """
    if not df > 0:
        return math.inf
    if math.isinf(df):
        return Z
    from scipy.stats import norm, t

    return float(t.ppf(norm.cdf(Z), df))


def mean_of(values) -> Estimate:
    """Ensemble mean with its standard error (n − 1 degrees of freedom)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return Estimate(float(v.mean()) if v.size else math.nan, math.inf, 0.0, int(v.size))
    return Estimate(float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size)), v.size - 1.0, int(v.size))


def combine(*terms: tuple[float, Estimate]) -> Estimate:
    """Σ wᵢ·mᵢ of independent estimates; degrees of freedom by Welch–Satterthwaite.

    >>> a, b = Estimate(1.0, 0.3, 9, 10), Estimate(0.5, 0.4, 9, 10)
    >>> e = combine((1, a), (-1, b))
    >>> round(e.value, 3), round(e.se, 3), round(e.df, 1), e.runs
    (0.5, 0.5, 16.7, 10)
    """
    value = sum(w * e.value for w, e in terms)
    parts = [(w * e.se) ** 2 for w, e in terms]
    var = sum(parts)
    denom = sum(p * p / e.df for p, (_, e) in zip(parts, terms) if p > 0)
    df = var * var / denom if denom > 0 else math.inf
    if any(math.isinf(e.se) for _, e in terms):
        var, df = math.inf, 0.0
    return Estimate(float(value), math.sqrt(var), df, min(e.runs for _, e in terms))


def compare(case, what, expected, est: Estimate, requested: int) -> Check:
    """Pass when enough runs qualified and the estimate lies within its tolerance."""
    enough = est.runs >= MIN_RUNS
    tol = est.tolerance
    ok = enough and abs(est.value - expected) <= tol
    if not enough:
        what += f" (too few runs: {est.runs} < {MIN_RUNS})"
    return Check(case, what, float(expected), float(est.value), float(tol), bool(ok), est.runs, requested)


def binomial(case, what, p, hits, trials) -> Check:
    """A share of ``trials`` independent Bernoulli(p) outcomes: tolerance Z·√(p(1−p)/n)."""
    share = hits / trials if trials else math.nan
    tol = Z * math.sqrt(p * (1.0 - p) / trials) if trials else math.inf
    ok = trials > 0 and abs(share - p) <= tol
    return Check(case, what, float(p), float(share), float(tol), bool(ok), int(trials))


def same_distribution(case, what, a, b, requested: int) -> Check:
    """Two-sample Kolmogorov–Smirnov distance against its critical value at
    the two-sided level of ±Z standard errors (asymptotic, Smirnov 1948)."""
    from scipy.special import kolmogi
    from scipy.stats import ks_2samp, norm

    n, m = len(a), len(b)
    if min(n, m) < MIN_RUNS:
        return Check(case, what + f" (too few runs: {min(n, m)} < {MIN_RUNS})", 0.0, math.nan, math.nan, False,
                     min(n, m), requested)
    d = float(ks_2samp(a, b).statistic)
    crit = float(kolmogi(2.0 * norm.sf(Z)) * math.sqrt((n + m) / (n * m)))
    return Check(case, what, 0.0, d, crit, bool(d <= crit), min(n, m), requested)


def _seeds(seed: int, label: str, runs: int):
    key = sum(ord(c) * 31**k for k, c in enumerate(label)) % 2**32
    return np.random.SeedSequence([seed, key]).spawn(runs)


def _quiet_simulate(*args, **kwargs):
    """Coarse steps are on purpose in V5 (it measures their bias) and V7–V9
    (a measure's rule does not depend on the step); elsewhere the steps are
    fine enough that the warning never fires."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoarseStepWarning)
        return simulate(*args, **kwargs)


def _reaches(net, model, runs, seed, label, **kwargs) -> np.ndarray:
    """Final reach of each run of a fixed-seed ensemble on one network."""
    return np.array([_quiet_simulate(net, model, seed=ss, **kwargs).reach() for ss in _seeds(seed, label, runs)])


def _took_off(reaches) -> np.ndarray:
    """The runs that took off: a final size is a property of those alone."""
    r = np.asarray(reaches)
    return r[r > TAKE_OFF]


def _poisson_graph(n, seed, label):
    (g,) = _seeds(seed, label, 1)
    return configuration(poisson_degrees(n, 10.0, g), g)


def _extrapolated(arms: dict) -> Estimate:
    """Richardson extrapolation of the two finest daily ensembles to
    continuous time, for a bias of first order in the step: (4·m₆₄ − m₁₆)/3."""
    coarse, fine = FINE
    w = fine / coarse
    return combine((w / (w - 1), mean_of(arms[fine])), (-1 / (w - 1), mean_of(arms[coarse])))


def v1(quick: bool, seed: int) -> list[Check]:
    """Maki–Thompson, well-mixed, exact engine (Maki & Thompson 1973)."""
    n, runs = (10**5, 30) if quick else (10**5, 200)
    theta = theory.rumour_ignorant_fraction()
    ign = 1.0 - _took_off(_reaches(complete(n), MakiThompson(rate=1.0), runs, seed, "V1", engine="exact"))
    return [compare("V1", f"MT well-mixed N={n:,}: ignorants", theta, mean_of(ign), runs)]


def v2(quick: bool, seed: int) -> list[Check]:
    """Daley–Kendall, well-mixed, exact engine (Daley & Kendall 1965)."""
    n, runs = (10**5, 30) if quick else (10**5, 200)
    theta = theory.rumour_ignorant_fraction()
    ign = 1.0 - _took_off(_reaches(complete(n), DaleyKendall(rate=1.0), runs, seed, "V2", engine="exact"))
    return [compare("V2", f"DK well-mixed N={n:,}: ignorants", theta, mean_of(ign), runs)]


def v3(quick: bool, seed: int) -> list[Check]:
    """SIR, well-mixed, R0 = 2: final size of the runs that take off, and
    how many take off (1 − 1/R0 from one case)."""
    n, runs = (10**5, 20) if quick else (10**5, 100)
    r = _reaches(complete(n), SIR(rate=0.2, recovery=0.1), runs, seed, "V3", engine="exact")
    sizes = _took_off(r)
    return [
        compare("V3", f"SIR well-mixed R0=2 N={n:,}: size", theory.sir_final_size(2.0), mean_of(sizes), runs),
        binomial("V3", "SIR R0=2: share of runs that take off", 0.5, sizes.size, runs),
    ]


def v4(quick: bool, seed: int) -> list[Check]:
    """SIR on Poisson configuration graphs (a new graph per run), exact engine."""
    n, runs = (10**5, 8) if quick else (10**5, 40)
    expected = theory.sir_poisson_network_final_size(10.0, 0.05, 0.1)
    sizes = []
    for ss in _seeds(seed, "V4", runs):
        g_seed, r_seed = ss.spawn(2)
        net = configuration(poisson_degrees(n, 10.0, g_seed), g_seed)
        sizes.append(_quiet_simulate(net, SIR(rate=0.05, recovery=0.1), engine="exact", initial=5, seed=r_seed).reach())
    return [compare("V4", f"SIR Poisson k=10 N={n:,}: size", expected, mean_of(_took_off(sizes)), runs)]


#: sub-steps per day that V5 shows
V5_STEPS = (1, 4, 16, 64)


def v5_inputs(quick: bool, seed: int) -> dict:
    """V5's ensembles: per part, the exact engine's values and the daily
    engine's at each step, (what, requested, exact, {steps: values}).

    Only runs that took off count. The coarse steps only show the trend,
    so they get fewer runs; the exact ensemble and the two finest carry the
    residual check.
    """
    out = {}
    n, runs, few = (10**5, 30, 10) if quick else (10**5, 200, 40)
    net, model = complete(n), MakiThompson(rate=1.0)
    exact = 1.0 - _took_off(_reaches(net, model, runs, seed, "V5-mt", engine="exact"))
    daily = {k: 1.0 - _took_off(_reaches(net, model, runs if k in FINE else few, seed, f"V5-mt-{k}", substeps=k))
             for k in V5_STEPS}
    out["V5a"] = (f"MT well-mixed N={n:,} ignorants", runs, exact, daily)
    n, runs, few = (2 * 10**4, 40, 10) if quick else (10**5, 60, 20)
    net, model = _poisson_graph(n, seed, "V5-sir-graph"), SIR(rate=0.05, recovery=0.1)
    exact = _took_off(_reaches(net, model, runs, seed, "V5-sir", engine="exact", initial=5))
    daily = {k: _took_off(_reaches(net, model, runs if k in FINE else few, seed, f"V5-sir-{k}", substeps=k, initial=5))
             for k in V5_STEPS}
    out["V5b"] = (f"SIR Poisson N={n:,} size", runs, exact, daily)
    return out


def v5_checks(inputs: dict) -> list[Check]:
    """First-order convergence of daily to exact, and no residual bias.

    Each 4x more steps must at least halve the gap (up to its tolerance), 64
    a day must cut the 1/day gap tenfold, and the gap extrapolated to
    continuous time from 16 and 64 a day (Richardson) must be zero within its
    tolerance: that last row is what fails a constant residual bias.
    """
    checks = []
    for case, (what, runs, exact, daily) in inputs.items():
        ex = mean_of(exact)
        gaps = [combine((1, mean_of(daily[k])), (-1, ex)) for k in V5_STEPS]
        first = abs(gaps[0].value)
        for idx, (g, k) in enumerate(zip(gaps, V5_STEPS)):
            c = compare(case, f"{what}: daily−exact, {k}/day", 0.0, g, runs)
            enough = g.runs >= MIN_RUNS
            ok = enough and (idx == 0 or abs(g.value) <= abs(gaps[idx - 1].value) / 2 + g.tolerance)
            if idx == len(gaps) - 1:
                ok &= abs(g.value) <= first / 10 + g.tolerance
            checks.append(Check(c.case, c.what, c.expected, c.measured, c.tolerance, bool(ok), c.runs, runs,
                                _v5_rule(idx, len(gaps))))
        limit = combine((1, _extrapolated(daily)), (-1, ex))
        checks.append(compare(case, f"{what}: daily−exact, extrapolated from {FINE[0]} & {FINE[1]}/day",
                              0.0, limit, runs))
    return checks


def _v5_rule(idx: int, count: int) -> str:
    """The rule row ``idx`` of a V5 series passes by (the first is the gap the others are held to)."""
    if idx == 0:
        return f"the gap to halve (≥ {MIN_RUNS} runs)"
    rule = f"|gap| ≤ |gap at {V5_STEPS[idx - 1]}/day|/2 + tol"
    return rule + (f" and ≤ |gap at {V5_STEPS[0]}/day|/10 + tol" if idx == count - 1 else "")


def v5(quick: bool, seed: int) -> list[Check]:
    """The daily engine converges to the exact one as sub-steps grow."""
    return v5_checks(v5_inputs(quick, seed))


def v6(quick: bool, seed: int) -> list[Check]:
    """Mean-field ODE against the exact engine's ensemble mean, well-mixed MT.

    Starts from 1% spreaders so the random timing of the first few tellings
    (which the ODE cannot have) does not shift the curves. The tolerance,
    0.01, is the plan's stated allowance for the finite-N difference, not a
    standard error.
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
    """``Deter`` with factor d on everyone: the same outcomes as rate λ(1 − d).

    The two ensembles have independent seeds: with common random numbers the
    two runs are the same run, bit for bit, and their gap says nothing.
    """
    from .measures import Deter

    n, runs = (20_000, 30) if quick else (100_000, 100)
    lam, d = 0.4, 0.5
    net = _poisson_graph(n, seed, "V8-graph")
    deterred = _reaches(net, MakiThompson(lam), runs, seed, "V8-deter", measures=[Deter("fear", factor=d)],
                        substeps=8, initial=5)
    slower = _reaches(net, MakiThompson(lam * (1 - d)), runs, seed, "V8-slower", substeps=8, initial=5)
    gap = combine((1, mean_of(deterred)), (-1, mean_of(slower)))
    return [
        compare("V8", f"deter d={d} vs rate λ(1−d), N={n:,}: reach gap", 0.0, gap, runs),
        same_distribution("V8", "deter vs slower rate: KS distance of reach", deterred, slower, runs),
    ]


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




def v11(quick: bool, seed: int) -> list[Check]:
    """ISR well-mixed (α < 1, δ > 0): final ignorants from the mean-field
    equations (``theory.isr_ignorant_fraction``), exact engine and daily
    extrapolated from fine steps; and the share of runs that take off,
    1 − δ/Λ (Nekovee et al. 2007)."""
    n, runs = (5 * 10**4, 30) if quick else (10**5, 200)
    lam, alpha, delta = 1.0, 0.5, 0.2
    theta = theory.isr_ignorant_fraction(alpha, delta, lam)
    net, model = complete(n), ISR(lam, stifle=alpha, forget=delta)
    exact = _reaches(net, model, runs, seed, "V11", engine="exact")
    daily = {k: 1.0 - _took_off(_reaches(net, model, runs, seed, f"V11-{k}", substeps=k)) for k in FINE}
    label = f"ISR α={alpha} δ={delta} N={n:,}"
    return [
        compare("V11", f"{label}: ignorants, exact", theta, mean_of(1.0 - _took_off(exact)), runs),
        compare("V11", f"{label}: ignorants, daily {FINE[0]} & {FINE[1]}/day extrapolated", theta,
                _extrapolated(daily), runs),
        binomial("V11", f"{label}: share of runs that take off, exact", theory.isr_take_off(lam, delta),
                 _took_off(exact).size, runs),
    ]


def v12(quick: bool, seed: int) -> list[Check]:
    """MT, DK and ISR on one Poisson graph (mean degree 10): daily at fine
    steps against exact, in distribution and in mean.

    One initial spreader, so early die-outs are part of the distribution.
    The daily engine's step bias is of first order (V5), so 64/day is off by
    a third of the 16-to-64 difference: the KS row shifts the 64/day runs by
    (m₁₆ − m₆₄)/3 (means of the runs that took off, daily runs only) before
    comparing them with the exact ones; the mean row is the same
    extrapolation, (4·m₆₄ − m₁₆)/3, against the exact mean.
    """
    n, runs = (10**4, 30) if quick else (2 * 10**4, 150)
    net = _poisson_graph(n, seed, "V12-graph")
    checks = []
    coarse, fine = FINE
    for name, model in [("MT", MakiThompson(0.05)), ("DK", DaleyKendall(0.05)), ("ISR", ISR(0.05, 0.5, 0.1))]:
        exact = _reaches(net, model, runs, seed, f"V12-{name}", engine="exact")
        daily = {k: _reaches(net, model, runs, seed, f"V12-{name}-{k}", substeps=k) for k in FINE}
        took = {k: _took_off(v) for k, v in daily.items()}
        step_bias = 0.0
        if all(map(len, took.values())):
            step_bias = (took[coarse].mean() - took[fine].mean()) / (fine / coarse - 1)
        what = f"{name} Poisson k=10 N={n:,}"
        checks.append(same_distribution("V12", f"{what}: KS distance of reach, daily {fine}/day less step bias, exact",
                                        daily[fine] - step_bias, exact, runs))
        gap = combine((1, _extrapolated(took)), (-1, mean_of(_took_off(exact))))
        checks.append(compare("V12", f"{what}: reach gap, daily extrapolated − exact", 0.0, gap, runs))
    return checks


def _silent(n, measures, days, seed, label, **kwargs):
    """A story nobody tells (rate 0): only ``measures`` inform, so each agent's
    fate is an independent draw and the counts are binomial."""
    (ss,) = _seeds(seed, label, 1)
    return _quiet_simulate(complete(n), MakiThompson(0.0), measures=measures, days=days, initial=0, seed=ss,
                           **kwargs)


def v13(quick: bool, seed: int) -> list[Check]:
    """Inflow reaches 1 − exp(−r·t) of a cohort, and two inflows on one
    cohort add their rates: each measure draws from its own stream. Two
    inflows at the same rate are the sharp test: sharing random numbers,
    they would inform the same agents and reach only 1 − exp(−r·t)."""
    from .measures import Inflow

    n, days, r1, r2, r = (10**5 if quick else 10**6), 10, 0.02, 0.03, 0.025
    rows = [(f"inflow r={r1} for {days} days, N={n:,}: reach", [r1]),
            (f"two inflows r={r1}, r={r2}: reach", [r1, r2]),
            (f"two inflows at the same r={r}: reach", [r, r])]
    checks = []
    for k, (what, rates) in enumerate(rows):
        measures = [Inflow(f"inflow-{j}", story="story", rate=x) for j, x in enumerate(rates)]
        res = _silent(n, measures, days, seed, f"V13-{k}")
        checks.append(binomial("V13", what, theory.inflow_reach(rates, days), round(res.reach() * n), n))
    return checks


def v14(quick: bool, seed: int) -> list[Check]:
    """``Indoctrinate``: its stifling rate adds to forgetting, and its
    acceptance a scales what a telling starts (theory.isr_ignorant_fraction
    with δ + s and a); under inflow a of those informed believe it."""
    from .measures import Indoctrinate, Inflow

    n, runs = (5 * 10**4, 24) if quick else (10**5, 200)
    net = complete(n)
    checks = []
    lam, alpha, delta, s = 1.0, 0.5, 0.1, 0.1
    calm = [Indoctrinate("calm", stifle_rate=s)]
    daily = {k: 1.0 - _took_off(_reaches(net, ISR(lam, alpha, delta), runs, seed, f"V14-s-{k}", substeps=k,
                                         measures=calm)) for k in FINE}
    checks.append(compare("V14", f"ISR α={alpha} δ={delta} + stifling {s}/day, N={n:,}: ignorants",
                          theory.isr_ignorant_fraction(alpha, delta + s, lam), _extrapolated(daily), runs))
    a = 0.6
    doubt = [Indoctrinate("doubt", acceptance=a)]
    daily = {k: 1.0 - _took_off(_reaches(net, MakiThompson(lam), runs, seed, f"V14-a-{k}", substeps=k,
                                         measures=doubt)) for k in FINE}
    checks.append(compare("V14", f"MT + acceptance {a}, N={n:,}: ignorants",
                          theory.isr_ignorant_fraction(1.0, 0.0, lam, acceptance=a), _extrapolated(daily), runs))
    m, r, days = 10 * n, 0.05, 10
    res = _silent(m, [Inflow("radio", story="story", rate=r), Indoctrinate("doubt", acceptance=a)], days, seed,
                  "V14-inflow")
    informed = theory.inflow_reach([r], days)
    believers = int(res.totals()[-1, 1])
    checks.append(binomial("V14", f"inflow r={r} for {days} days + acceptance {a}, N={m:,}: informed", informed,
                           round(res.reach() * m), m))
    checks.append(binomial("V14", f"inflow + acceptance {a}: believers (spreaders) = a × informed", a * informed,
                           believers, m))
    return checks


def v16(quick: bool, seed: int) -> list[Check]:
    """A delayed channel: the centre of a star writes to each of its readers
    at ``rate`` a day, every letter delayed (a fixed 5 days; a gamma of mean 5,
    sd 2). The readers pass nothing on, so each one's first arrival is its
    own draw and the readers reached by day t are binomial, with the share
    ``theory.letter_arrival_share``. Both engines, against the same answer;
    before the fixed delay has passed no letter can have arrived (exactly 0).

    The daily engine writes at most one letter per reader a step (Bernoulli,
    not Poisson), a second-order gap of about rate²/(2k)·∫G(1 − G) in the
    exponent: below 0.001 at ``k`` = 32 or 64 steps a day.
    """
    from .measures import Indoctrinate
    from .networks import Delay, Layer, Multiplex, from_edges
    from .population import Population

    n, steps = (10**5, 32) if quick else (10**6, 64)
    rate, days = 0.2, 12
    star = from_edges(n + 1, np.zeros(n, dtype=np.int64), np.arange(1, n + 1))
    pop = Population.from_sizes({("writer", "post"): 1, ("reader", "post"): n})
    (readers,) = pop.cells_of(["reader"], None)
    silent = [Indoctrinate("silent-readers", acceptance=0.0, groups=["reader"])]
    checks = []
    for label, delay, times in (("fixed 5 days", Delay.fixed(5.0), (5, 6, 8, 12)),
                                ("gamma 5±2 days", Delay.gamma(5.0, 2.0), (3, 5, 8, 12))):
        mux = Multiplex({"mail": Layer(star, channel="mail", delay=delay)})
        for engine, k in (("daily", steps), ("exact", 1)):
            (ss,) = _seeds(seed, f"V16-{label}-{engine}", 1)
            r = simulate(mux, MakiThompson(rate), engine=engine, substeps=k, population=pop, measures=silent,
                         days=days, initial=np.array([0]), seed=ss)
            for t in times:
                heard = int(n - r.counts[t, 0, 0, readers])
                p = theory.letter_arrival_share(rate, delay, t)
                what = f"letters {label}, r={rate}, N={n:,}, {engine}: reached by day {t}"
                if p == 0.0:
                    checks.append(Check("V16", what, 0.0, float(heard), 0.0, heard == 0, n))
                else:
                    checks.append(binomial("V16", what, p, heard, n))
    return checks


CASES: dict[str, Callable[[bool, int], list[Check]]] = {
    "V1": v1, "V2": v2, "V3": v3, "V4": v4, "V5": v5, "V6": v6, "V7": v7, "V8": v8, "V9": v9, "V10": v10,
    "V11": v11, "V12": v12, "V13": v13, "V14": v14, "V16": v16,
}
#: how the V5 rows pass, for the table's caption
V5_RULE = ("V5: each 4x more steps must at least halve the gap (up to its tolerance); 64/day must cut the 1/day gap "
           "tenfold; the gap extrapolated from 16 & 64/day must be 0 within its tolerance.")


def all_cases() -> dict[str, Callable[[bool, int], list[Check]]]:
    """The theory cases here, then the measures' daily-against-exact cases
    (``validation_exact``, named with an ``x``: V7x, V8x, ...)."""
    from . import validation_exact

    exact = {(f"{k}x" if k in CASES else k).replace("V14-arrivals", "V14x-arrivals"): fn
             for k, fn in validation_exact.CASES.items()}
    return {**CASES, **exact}


def run(cases=None, quick: bool = False, seed: int = 2025, on_case=None, on_start=None) -> list[Check]:
    """Run the named cases (all by default) at full or ``quick`` sizes; ``on_start(name, what)``
    is called as a case begins (``what``: its docstring's first line), ``on_case(name, checks)`` as it ends."""
    every = all_cases()
    names = list(cases) if cases else list(every)
    out = []
    for name in names:
        if on_start is not None:
            on_start(name, ((every[name].__doc__ or "").strip().splitlines() or [""])[0])
        checks = every[name](quick, seed)
        out += checks
        if on_case is not None:
            on_case(name, checks)
    return out
