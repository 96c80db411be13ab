"""The measures, daily engine against exact engine (V7–V9, V14, V15, V17).

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

V17 (``Detect`` and ``Check``) has settings of its own, small enough for
closed forms, and also holds each engine to them: a share by its binomial
tolerance (``validation.binomial``), a mean by t times its standard error
(``validation.compare``).

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

from .measures import Check as CheckMeasure
from .measures import Detect, Deter, Indoctrinate, Inflow, Inspect, Monitor, Trigger
from .models import ISR, SIR, MakiThompson
from .networks import Layer, Multiplex, cliques, erdos_renyi, from_edges
from .population import Population
from .simulate import simulate
from .validation import Check, _seeds, binomial, compare, mean_of

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


def mean_gap(daily, exact, rows: int = 1) -> tuple[float, float]:
    """Difference of means and its tolerance (Welch s.e., t-corrected) at a
    two-sided tail of ``TAIL / rows``: a case's ``rows`` comparisons of means
    together fail by chance at most ``TAIL`` of the time (Bonferroni), as a
    single row does. Without it, the 30-odd such rows of a full run would
    fail one by chance in about one run of thirteen (1 - 0.9973^30)."""
    a, b = np.asarray(daily, dtype=float), np.asarray(exact, dtype=float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0.0:
        return float(a.mean() - b.mean()), 0.0
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(a.mean() - b.mean()), float(stats.t.isf(TAIL / rows / 2, df) * se)


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
        gap, tol = mean_gap(ens["daily"][:, k], ens["exact"][:, k], rows=len(names))
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


#: V17's stars: how many, leaves each, days, the story's rate per edge and layer
STARS, LEAVES, STAR_DAYS, STAR_RATE = 50, 4, 3, 0.5
#: V17's detection of the centres' face-to-face tellings: observed, then detained
WATCH, TAKE = 0.4, 0.5
#: V17's checks of a silent story that everyone knows: households, their size, checks, and the check's odds
HOMES, HOME_SIZE, CHECKS = 100, 4, 3
FIND, HOLD, SILENCE = 0.3, 0.5, 0.4


def stars_theory() -> tuple[float, float]:
    """A centre who never stops tells each of its ``d`` leaves at rate λ on each
    of two layers; each face-to-face telling is observed with w and its teller
    detained with h, so the centre is taken at rate d·λ·w·h: detained by T with
    1 − exp(−d·λ·w·h·T). A leaf is told unless a telling to another leaf takes
    the centre first (rate (d − 1)·λ·w·h against 2λ for its own): told by T
    with (2λ/a)·(1 − exp(−a·T)), a = 2λ + (d − 1)·λ·w·h."""
    q = STAR_RATE * WATCH * TAKE
    a = 2 * STAR_RATE + (LEAVES - 1) * q
    return 1 - math.exp(-LEAVES * q * STAR_DAYS), 2 * STAR_RATE / a * (1 - math.exp(-a * STAR_DAYS))


def checks_theory() -> tuple[float, float, float]:
    """Everyone knows a story nobody passes on; checks find each undetained
    member with f, detain a finding with h and silence its household with s.
    Detained after the checks: 1 − (1 − f·h)^checks, independently per agent;
    households indoctrinated at the first check: f·s per member; spreaders left
    after it: a member neither detained nor in a silenced household,
    (1 − f·s)^(size − 1)·(1 − f·(1 − (1 − s)(1 − h)))."""
    left = (1 - FIND * SILENCE) ** (HOME_SIZE - 1) * (1 - FIND * (1 - (1 - SILENCE) * (1 - HOLD)))
    return 1 - (1 - FIND * HOLD) ** CHECKS, FIND * SILENCE, left


def v17(quick: bool, seed: int, shift: float = 0.0) -> list[Check]:
    """``Detect`` and ``Check``: (a) detection on disjoint stars against
    ``stars_theory``; (b) checks of a silent story everyone knows against
    ``checks_theory``; (c) both at once on a spreading rumour, daily against
    exact. ``shift`` is added to the daily engine's detain probabilities, to
    show that a wrong engine fails."""
    runs = _runs(quick)
    steps = SUBSTEPS if quick else SUBSTEPS_FULL

    def held(engine, p):
        return min(1.0, p + shift) if engine == "daily" else p

    # (a) stars: the centres (cell 0) start; only their face-to-face tellings are watched
    pop = Population.from_sizes({("centre", "all"): STARS, ("leaf", "all"): STARS * LEAVES})
    star = from_edges(pop.n, np.repeat(np.arange(STARS), LEAVES), STARS + np.arange(STARS * LEAVES), "stars")
    mux = Multiplex({"face": Layer(star), "phone": Layer(star, channel="phone")})
    leaves = pop.cells_of(["leaf"], None)

    def star_run(engine, substeps, ss):
        ms = [Detect("informers", layers=["face"], probability=WATCH, detain=held(engine, TAKE), groups=["centre"])]
        r = simulate(mux, SIR(STAR_RATE, 0.0), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=STAR_DAYS, initial=np.arange(STARS), seed=ss)
        return r.detained[-1].sum() / STARS, 1 - r.counts[-1, 0, 0, leaves].sum() / (STARS * LEAVES)

    ens = _ensembles("V17s", runs, seed, star_run, quick)
    p_det, p_told = stars_theory()
    out = []
    for engine in ("daily", "exact"):
        e = ens[engine]
        out.append(binomial("V17", f"{engine}: detect on stars: centres detained by day {STAR_DAYS}", p_det,
                            int(round(e[:, 0].sum() * STARS)), runs * STARS))
        out.append(compare("V17", f"{engine}: detect on stars: leaves told by day {STAR_DAYS}", p_told,
                           mean_of(e[:, 1]), runs))
    out += _rows("V17", ens, ["detect on stars: centres detained", "detect on stars: leaves told"], runs, ks=(1,))

    # (b) a silent story (rate 0) everyone knows; checks at the end of days 0, 2, 4
    n = HOMES * HOME_SIZE
    pop = Population.from_sizes({("family", "all"): n})
    mux = Multiplex({"home": Layer(cliques(np.arange(n) // HOME_SIZE))})

    def check_run(engine, substeps, ss):
        ms = [CheckMeasure("visits", first=0, every=2, probability=FIND, detain=held(engine, HOLD),
                           indoctrinate=SILENCE, household="home")]
        r = simulate(mux, MakiThompson(0.0), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=2 * CHECKS - 1, initial=np.arange(n), seed=ss)
        first = sum(e[4] for e in r.events if e[0] == 0 and e[1] == "check-indoctrination")
        return r.detained[-1].sum(), first, r.counts[1, 0, 1].sum() / n

    ens = _ensembles("V17c", runs, seed, check_run, quick)
    p_det, p_home, left = checks_theory()
    for engine in ("daily", "exact"):
        e = ens[engine]
        out.append(binomial("V17", f"{engine}: check, all know: detained after {CHECKS} checks", p_det,
                            int(e[:, 0].sum()), runs * n))
        out.append(binomial("V17", f"{engine}: check, all know: households indoctrinated at the first", p_home,
                            int(e[:, 1].sum()), runs * n))
        out.append(compare("V17", f"{engine}: check, all know: spreaders left after the first", left,
                           mean_of(e[:, 2]), runs))

    # (c) a rumour among soldiers and families: informants on the soldiers' face-to-face talk,
    # checks of the families' households from day 3, every 5 days
    soldiers, families = 200, 400
    pop = Population.from_sizes({("soldier", "all"): soldiers, ("family", "all"): families})
    homes = np.concatenate([np.full(soldiers, -1), np.arange(families) // HOME_SIZE])
    mux = Multiplex({"home": Layer(cliques(homes)),
                     "face": Layer(erdos_renyi(pop.n, 4.0, np.random.SeedSequence([seed, 17])))})
    s_cell, f_cell = pop.cells_of(["soldier"], None), pop.cells_of(["family"], None)

    def both_run(engine, substeps, ss):
        ms = [Detect("informers", layers=["face"], probability=0.2, detain=held(engine, 0.5), groups=["soldier"]),
              CheckMeasure("visits", first=3, every=5, probability=0.3, detain=held(engine, 0.4), indoctrinate=0.5,
                           household="home", groups=["family"])]
        r = simulate(mux, MakiThompson(0.15), engine=engine, substeps=substeps, population=pop, measures=ms,
                     days=30, initial=5, seed=ss)
        found = sum(e[4] for e in r.events if e[1] == "check-finding")
        silenced = sum(e[4] for e in r.events if e[1] == "check-indoctrination")
        return (r.reach(), r.detained[-1, s_cell].sum(), r.detained[-1, f_cell].sum(), found, silenced)

    ens = _ensembles("V17x", runs, seed, both_run, quick)
    out += _rows("V17", ens, ["detect + check: reach", "detect: soldiers detained", "check: families detained",
                              "check: findings", "check: households indoctrinated"], runs, ks=(0, 2))
    return out


CASES: dict[str, Callable[[bool, int], list[Check]]] = {
    "V7": v7, "V8": v8, "V9": v9, "V14": v14, "V14-arrivals": v14_arrivals, "V15": v15, "V17": v17,
}


def run(cases=None, quick: bool = False, seed: int = 2025) -> list[Check]:
    """The named comparisons (all by default)."""
    return [row for name in (cases or CASES) for row in CASES[name](quick, seed)]
