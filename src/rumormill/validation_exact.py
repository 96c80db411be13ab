"""The measures, daily engine against exact engine (V7–V9, V14, V15).

The exact engine gives every measure its continuous-time meaning (see
``engine.exact``); the daily engine at fine steps must agree with it in
distribution. Both run the same setting — a small multiplex (face-to-face
and mail) over two groups in two regions — as two independent fixed-seed
ensembles, and each row compares one outcome:

* a mean, by the difference of the two ensemble means against ``t`` times
  its Welch standard error, ``t`` the two-sided 0.27% quantile (3 s.e. for
  large ensembles) at the Welch–Satterthwaite degrees of freedom;
* a distribution, by the two-sample Kolmogorov–Smirnov distance against its
  critical value at level 0.001 (continuous outcomes), or by a chi-square
  test of homogeneity at level 0.001 on pooled bins with at least five
  expected runs each (a trigger's firing day, an integer).

The daily engine keeps a first-order bias in its step (V5): synchronous
steps over-state reach. At ``SUBSTEPS`` (a spreader meets about 0.03
neighbours per step) it is about 0.005 in reach, under the quick ensembles'
tolerance (120 runs, about 0.009) but not the full ones' (400 runs, about
0.005), so the full comparisons run the daily engine at ``SUBSTEPS_FULL``,
where it is about 0.002 (measured at seed 2025: V7 reach gap 0.0063 at 32
steps, 0.0023 at 128).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy import stats

from .measures import Deter, Indoctrinate, Inflow, Inspect, Monitor, Trigger
from .models import ISR, MakiThompson
from .networks import Layer, Multiplex, erdos_renyi
from .population import Population
from .simulate import simulate
from .validation import Check, _seeds

#: the daily engine's steps a day in these comparisons (quick, full)
SUBSTEPS = 32
SUBSTEPS_FULL = 128
#: agents per group × region cell (two groups, two regions)
CELL = 400
#: level of the distribution tests
LEVEL = 0.001
#: two-sided tail of the mean comparisons: three standard errors
TAIL = 2 * stats.norm.sf(3.0)


def setting(seed: int) -> tuple[Population, Multiplex]:
    """Soldiers and families in a north and a south region, meeting face to
    face (mean degree 5) and by mail (mean degree 1.5, twice the rate)."""
    pop = Population.from_sizes({(g, r): CELL for g in ("soldier", "family") for r in ("north", "south")})
    face, mail = np.random.SeedSequence([seed, 7]).spawn(2)
    mux = Multiplex({"face": Layer(erdos_renyi(pop.n, 5.0, face), rate=1.0),
                     "mail": Layer(erdos_renyi(pop.n, 1.5, mail), rate=2.0, channel="mail")})
    return pop, mux


def mean_gap(daily, exact) -> tuple[float, float]:
    """Difference of means and its tolerance (Welch s.e., t-corrected)."""
    a, b = np.asarray(daily, dtype=float), np.asarray(exact, dtype=float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0.0:
        return float(a.mean() - b.mean()), 0.0
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(a.mean() - b.mean()), float(stats.t.isf(TAIL / 2, df) * se)


def ks_gap(daily, exact) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov distance and its critical value at ``LEVEL``."""
    a, b = np.asarray(daily, dtype=float), np.asarray(exact, dtype=float)
    d = float(stats.ks_2samp(a, b).statistic)
    crit = math.sqrt(-math.log(LEVEL / 2) / 2) * math.sqrt((a.size + b.size) / (a.size * b.size))
    return d, crit


def chi2_gap(daily, exact) -> tuple[float, float]:
    """Chi-square homogeneity statistic of two integer samples and its critical value at ``LEVEL``.

    Values are pooled into consecutive bins holding at least ``5 * (n + m) /
    min(n, m)`` runs of the two samples together, so each cell expects at
    least five."""
    a, b = np.asarray(daily), np.asarray(exact)
    values = np.unique(np.concatenate([a, b]))
    need = 5.0 * (a.size + b.size) / min(a.size, b.size)
    bins, now = [], []
    for v in values:
        now.append(v)
        if np.isin(a, now).sum() + np.isin(b, now).sum() >= need:
            bins.append(now)
            now = []
    if now:
        if bins:
            bins[-1] += now
        else:
            bins.append(now)
    if len(bins) < 2:
        return 0.0, 0.0
    table = np.array([[np.isin(x, group).sum() for group in bins] for x in (a, b)], dtype=float)
    stat = float(stats.chi2_contingency(table, correction=False)[0])
    return stat, float(stats.chi2.isf(LEVEL, len(bins) - 1))


def _ensembles(case: str, runs: int, seed: int, run_one: Callable, quick: bool = True) -> dict[str, np.ndarray]:
    """``run_one(engine, substeps, seed)`` -> outcome vector, for each engine's own ensemble."""
    out = {}
    for engine, substeps in (("daily", SUBSTEPS if quick else SUBSTEPS_FULL), ("exact", 1)):
        rows = [run_one(engine, substeps, ss) for ss in _seeds(seed, f"{case}-{engine}", runs)]
        out[engine] = np.array(rows, dtype=float)
    return out


def _rows(case: str, ens: dict, names: list[str], runs: int, ks: tuple[int, ...] = (0,)) -> list[Check]:
    out = []
    for k, name in enumerate(names):
        gap, tol = mean_gap(ens["daily"][:, k], ens["exact"][:, k])
        out.append(Check(case, f"daily−exact: {name}", 0.0, gap, tol, bool(abs(gap) <= tol), runs))
    for k in ks:
        d, crit = ks_gap(ens["daily"][:, k], ens["exact"][:, k])
        out.append(Check(case, f"daily vs exact: {names[k]} (KS distance)", 0.0, d, crit, bool(d <= crit), runs))
    return out


def _runs(quick: bool) -> int:
    return 120 if quick else 400


def v7(quick: bool, seed: int) -> list[Check]:
    """``Inspect`` on the mail (half the letters read, a tenth of their senders detained)."""
    pop, mux = setting(seed)
    ms = [Inspect("read-mail", channel="mail", probability=0.5, detain=0.1)]

    def one(engine, substeps, ss):
        r = simulate(mux, MakiThompson(0.1), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=40, initial=5, seed=ss)
        return r.reach(), r.intercepts.sum(), r.detained[-1].sum(), r.tellings[:, 0, 1].sum()

    runs = _runs(quick)
    ens = _ensembles("V7x", runs, seed, one, quick)
    return _rows("V7", ens, ["inspect: reach", "inspect: interceptions", "inspect: detained",
                             "inspect: tellings by mail"], runs, ks=(0, 1))


def v8(quick: bool, seed: int) -> list[Check]:
    """``Deter`` on the soldiers (rate × 0.4): how fast the story travels, and how far."""
    pop, mux = setting(seed)
    ms = [Deter("fear", factor=0.6, groups=["soldier"])]
    soldiers = pop.cells_of(["soldier"], None)

    def one(engine, substeps, ss):
        r = simulate(mux, MakiThompson(0.1), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=40, initial=5, seed=ss)
        knew = CELL * soldiers.size - r.counts[11, 0, 0, soldiers].sum()
        return r.reach_curve()[11], knew, r.reach()

    runs = _runs(quick)
    ens = _ensembles("V8x", runs, seed, one, quick)
    return _rows("V8", ens, ["deter: reach by day 10", "deter: soldiers who knew by day 10", "deter: reach"], runs,
                 ks=(0,))


def v9(quick: bool, seed: int) -> list[Check]:
    """``Monitor`` of the families every 5 days, each spreader found with 0.3."""
    pop, mux = setting(seed)
    ms = [Monitor("family-checks", every=5, probability=0.3, groups=["family"])]

    def one(engine, substeps, ss):
        r = simulate(mux, ISR(0.1, stifle=0.5, forget=0.02), engine=engine, substeps=substeps, population=pop,
                     measures=ms, days=40, initial=5, seed=ss)
        return r.reach(), r.detained[-1].sum(), r.detained[11].sum()

    runs = _runs(quick)
    ens = _ensembles("V9x", runs, seed, one, quick)
    return _rows("V9", ens, ["monitor: reach", "monitor: detained by day 40", "monitor: detained by day 10"],
                 runs, ks=(0, 1))


def v14(quick: bool, seed: int) -> list[Check]:
    """``Indoctrinate`` in the north (stifling 0.2 a day, acceptance 0.6) with news
    from outside reaching the north's families (0.01 a day each)."""
    pop, mux = setting(seed)
    ms = [Indoctrinate("lies", stifle_rate=0.2, acceptance=0.6, regions=["north"]),
          Inflow("radio", story="story", rate=0.01, groups=["family"], regions=["north"])]
    north = pop.cells_of(None, ["north"])

    def one(engine, substeps, ss):
        r = simulate(mux, MakiThompson(0.1), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=30, initial=0, seed=ss)
        outside = r.tellings[:, 0, r.layers.index("outside")].sum()
        return r.reach(), outside, r.counts[-1, 0, 2, north].sum(), r.counts[-1, 0, 1].sum()

    runs = _runs(quick)
    ens = _ensembles("V14x", runs, seed, one, quick)
    return _rows("V14", ens, ["indoctrinate + inflow: reach", "inflow: heard from outside",
                              "indoctrinate: stiflers in the north", "spreaders at day 30"], runs, ks=(0,))


def v14_arrivals(quick: bool, seed: int) -> list[Check]:
    """When within the day news from outside arrives: a fast inflow (0.05 a day
    to each of the north's families) into a fast story, reach on days 1 and 2.

    The exact engine's arrivals are spread over the day (Poisson); the daily
    engine lets the whole day's arrivals hear at dawn, a head start of half a
    day on average that finer steps do not remove. This row fails until the
    daily engine spreads inflow over its sub-steps."""
    pop, mux = setting(seed)
    ms = [Inflow("radio", story="story", rate=0.05, groups=["family"], regions=["north"])]

    def one(engine, substeps, ss):
        r = simulate(mux, MakiThompson(0.3), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=2, initial=0, seed=ss)
        return r.reach_curve()[1], r.reach_curve()[2]

    runs = _runs(quick)
    ens = _ensembles("V14a", runs, seed, one, quick)
    return _rows("V14", ens, ["inflow arrival times: reach by day 1", "inflow arrival times: reach by day 2"], runs,
                 ks=())


def v15(quick: bool, seed: int) -> list[Check]:
    """A trigger's firing day: 10 interceptions of the north's mail, then deterrence 3 days later."""
    pop, mux = setting(seed)
    ms = [Inspect("read-mail", channel="mail", probability=0.3), Deter("crackdown", factor=0.8, start=None)]
    trig = [Trigger("border-report", observe="interceptions", threshold=10, regions=["north"], delay=3,
                    starts=["crackdown"])]

    def one(engine, substeps, ss):
        r = simulate(mux, MakiThompson(0.1), engine=engine, substeps=substeps, population=pop, measures=ms,
                     triggers=trig, days=40, initial=5, seed=ss)
        fired = [e[0] for e in r.events if e[1] == "report"]
        return (fired[0] if fired else 40), r.reach()

    runs = 2 * _runs(quick)  # cheap runs; an integer outcome needs more of them
    ens = _ensembles("V15x", runs, seed, one, quick)
    out = _rows("V15", ens, ["trigger: firing day", "trigger: reach"], runs, ks=())
    stat, crit = chi2_gap(ens["daily"][:, 0], ens["exact"][:, 0])
    out.append(Check("V15", "daily vs exact: trigger firing day (chi-square)", 0.0, stat, crit, bool(stat <= crit),
                     runs))
    return out


CASES: dict[str, Callable[[bool, int], list[Check]]] = {
    "V7": v7, "V8": v8, "V9": v9, "V14": v14, "V14-arrivals": v14_arrivals, "V15": v15,
}


def run(cases=None, quick: bool = False, seed: int = 2025) -> list[Check]:
    """The named comparisons (all by default)."""
    return [row for name in (cases or CASES) for row in CASES[name](quick, seed)]
