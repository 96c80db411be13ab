"""Sensitivity: which parameters drive the answers -- Sobol indices with SALib.

For an output ``Y`` and parameter ``X_i``, the first-order index
``S1_i = Var(E[Y | X_i]) / Var(Y)`` is the share of the variance ``X_i``
explains alone, the total index ``ST_i = E[Var(Y | X_~i)] / Var(Y)`` the share
it has a hand in, interactions included (Sobol 2001). They are estimated
from Saltelli's sample (Saltelli 2002; estimators of Saltelli et al. 2010:
``N * (D + 2)`` evaluations for ``D`` parameters and base size ``N``) of a
scrambled Sobol' sequence, with bootstrap confidence intervals -- SALib's
``sample.sobol`` and ``analyze.sobol``.

Parameters are drawn uniformly in their fitting coordinate (ln x for a
log-uniform prior, ``priors.Prior``). A scenario's stochastic run is made a
function of the parameters by running each row on the same seeds
(replicates 0 .. R-1, common random numbers) and averaging them.

Sample size. With ``n=None`` the base size starts at ``n_start`` and doubles
until every interval (S1 and ST, every output) is narrower than ``target``
(its full width, at ``conf_level``) or ``n_max`` is reached; the sample of
size ``N`` is the first part of the one of size ``2N`` (same seed, no skipped
points), so the evaluations already made are kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..dates import date_of
from ..errors import ParameterError
from .model import mean_of_replicates, model_for
from .priors import Prior, priors_of
from .quantities import Quantity
from .runner import Runner

#: widest confidence interval (full width) the adaptive sample size aims for
TARGET_WIDTH = 0.1
#: the methods ``sensitivity`` knows
METHODS = ("sobol", "morris")
#: largest default base size for a scenario: its runs cost seconds, not microseconds
#: (kpa-2025 over 8 parameters: 64 -> 128 is 2,560 runs with the measures' effect)
SCENARIO_N_MAX = 128


@dataclass(frozen=True)
class Ishigami:
    """The Ishigami function (Ishigami & Homma 1990), a known-answer test:
    ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` on ``[-pi, pi]^3``.

    Its indices are known in closed form (``analytic()``); it runs through
    the same path as a scenario (a model called as ``model(values, seed)``).
    """

    a: float = 7.0
    b: float = 0.1

    outputs = ["ishigami"]

    def priors(self) -> list[Prior]:
        return [Prior(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]

    def __call__(self, values: dict, seed=None) -> np.ndarray:
        x1, x2, x3 = values["x1"], values["x2"], values["x3"]
        return np.array([math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3 ** 4 * math.sin(x1)])

    def analytic(self) -> dict:
        """{"S1": [...], "ST": [...]} for x1, x2, x3 (Sobol & Levitan 1999)."""
        a, b, pi = self.a, self.b, math.pi
        v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
        v2 = a ** 2 / 8
        v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
        var = v1 + v2 + v13
        return {"S1": [v1 / var, v2 / var, 0.0], "ST": [(v1 + v13) / var, v2 / var, v13 / var]}


@dataclass
class Sensitivity:
    """Sobol indices per output and parameter, with their intervals."""

    table_: object  # DataFrame
    n: int
    evaluations: int
    converged: bool
    widths: list = field(default_factory=list)  # (N, widest interval) at each size tried
    executor: str = ""
    seconds: float = 0.0
    method: str = "sobol"
    scale: float | None = None
    seed: int | None = None
    order: str | None = None
    runs: int = 0  # runs of the scenario: evaluations x replicates x (1 + effects' counterfactuals)

    def table(self):
        """Sobol: output, parameter, S1, S1_low, S1_high, ST, ST_low, ST_high, n.
        Morris: output, parameter, mu_star, mu_star_conf, sigma, mu, n."""
        return self.table_.copy()

    def plot(self):
        """Sobol: bar plot of S1 and ST per parameter with their intervals, one
        panel per output. Morris: sigma against mu* per parameter, one panel per output."""
        import matplotlib.pyplot as plt

        t = self.table_
        if self.method == "morris":
            outputs = list(dict.fromkeys(t["output"]))
            fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs), 3.4), squeeze=False)
            for ax, out in zip(axes[0], outputs):
                rows = t[t["output"] == out]
                ax.errorbar(rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o", ms=3, capsize=2)
                for r in rows.itertuples():
                    ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=6)
                ax.set_xlabel("mu*")
                ax.set_ylabel("sigma")
                ax.set_title(out, fontsize=8)
            fig.tight_layout()
            return fig
        outputs = list(dict.fromkeys(t["output"]))
        fig, axes = plt.subplots(len(outputs), 1, figsize=(max(6, 0.5 * t["parameter"].nunique() + 2),
                                                           2.4 * len(outputs)), squeeze=False)
        for ax, out in zip(axes[:, 0], outputs):
            rows = t[t["output"] == out]
            x = np.arange(len(rows))
            for k, (col, colour) in enumerate((("S1", "tab:blue"), ("ST", "tab:orange"))):
                v = rows[col].to_numpy(dtype=float)
                err = np.vstack([v - rows[f"{col}_low"], rows[f"{col}_high"] - v])
                ax.bar(x + (k - 0.5) * 0.4, v, 0.4, yerr=err, color=colour, capsize=2, label=col)
            ax.set_xticks(x, rows["parameter"], rotation=45, ha="right", fontsize=7)
            ax.set_title(out, fontsize=9)
            ax.axhline(0, color="grey", lw=0.5)
        axes[0, 0].legend(fontsize=7)
        fig.tight_layout()
        return fig


@dataclass(frozen=True)
class _Rows:
    """A task: evaluate rows of the sample (in fitting coordinates)."""

    model: object
    priors: tuple
    seed: int
    replicates: int

    def __call__(self, rows) -> np.ndarray:
        out = []
        for z in rows:
            values = {p.name: p.to_value(v) for p, v in zip(self.priors, z)}
            out.append(mean_of_replicates(self.model, values, self.seed, self.replicates))
        return np.array(out, dtype=float)


def analyse(model, priors, *, n: int | None = None, seed: int = 0, replicates: int = 1,
            target: float = TARGET_WIDTH, n_start: int = 64, n_max: int = 4096, conf_level: float = 0.95,
            resamples: int = 200, workers=None, cluster=None) -> Sensitivity:
    """Sobol indices of ``model`` (called ``model(values, seed)``, returning
    one number per name in ``model.outputs``) over ``priors``; the sample
    size is ``n``, or chosen as in the module docstring."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    priors = list(priors)
    for value, name in ((n_start, "n_start"), (n_max, "n_max")) + (((n, "n"),) if n is not None else ()):
        if isinstance(value, bool) or not isinstance(value, int) or value < 2 or value & (value - 1):
            raise ParameterError(f"{name} = {value!r}: give a power of 2, at least 2 (Sobol' points come in "
                                 "powers of 2).")
    if not 0 < target < 2:
        raise ParameterError(f"target = {target!r}: give the widest interval wanted, between 0 and 2.")
    problem = {"num_vars": len(priors), "names": [p.name for p in priors], "bounds": [list(p.bounds) for p in priors]}
    task = _Rows(model, tuple(priors), int(seed), int(replicates))
    t0 = time.perf_counter()
    size = n if n is not None else min(n_start, n_max)
    y = np.zeros((0, len(model.outputs)))
    widths = []
    with Runner(workers, cluster) as runner:
        while True:
            x = sobol_sample.sample(problem, size, calc_second_order=False, scramble=True, seed=int(seed))
            todo = x[len(y):]
            chunk = max(1, math.ceil(len(todo) / (4 * runner.slots)))
            parts = runner.map(task, [todo[i:i + chunk] for i in range(0, len(todo), chunk)])
            y = np.vstack([y] + parts) if parts else y
            table = _indices(sobol_analyze, problem, y, model.outputs, size, conf_level, resamples, seed)
            widest = float(np.nanmax(table[["S1_width", "ST_width"]].to_numpy())) if len(table) else math.nan
            widths.append((size, widest))
            if n is not None or widest <= target or 2 * size > n_max:
                break
            size *= 2
        where = runner.where
    converged = bool(widths[-1][1] <= target)
    return Sensitivity(table.drop(columns=["S1_width", "ST_width"]), size, len(y), converged, widths, where,
                       time.perf_counter() - t0)


def analyse_morris(model, priors, *, n: int = 16, levels: int = 4, seed: int = 0, replicates: int = 1,
                   conf_level: float = 0.95, resamples: int = 200, workers=None, cluster=None) -> Sensitivity:
    """Morris elementary effects (Morris 1991; mu*, Campolongo et al. 2007)
    of ``model`` over ``priors``: ``n`` trajectories on a ``levels``-level
    grid, ``n * (D + 1)`` evaluations -- SALib's ``sample.morris`` and
    ``analyze.morris``. Effects are per unit of the fitting coordinate
    (ln x for a log-uniform prior)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    priors = list(priors)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"n = {n!r}: give 2 or more Morris trajectories.")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2 or levels % 2:
        raise ParameterError(f"levels = {levels!r}: give an even number of grid levels, at least 2.")
    problem = {"num_vars": len(priors), "names": [p.name for p in priors], "bounds": [list(p.bounds) for p in priors]}
    task = _Rows(model, tuple(priors), int(seed), int(replicates))
    t0 = time.perf_counter()
    x = morris_sample.sample(problem, n, num_levels=levels, seed=int(seed))
    with Runner(workers, cluster) as runner:
        chunk = max(1, math.ceil(len(x) / (4 * runner.slots)))
        y = np.vstack(runner.map(task, [x[i:i + chunk] for i in range(0, len(x), chunk)]))
        where = runner.where
    rows = []
    for k, name in enumerate(model.outputs):
        res = morris_analyze.analyze(problem, x, y[:, k], num_resamples=resamples, conf_level=conf_level,
                                     num_levels=levels, seed=int(seed))
        for i, p in enumerate(problem["names"]):
            rows.append({"output": name, "parameter": p, "mu_star": float(res["mu_star"][i]),
                         "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i]),
                         "mu": float(res["mu"][i]), "n": n})
    import pandas as pd

    return Sensitivity(pd.DataFrame(rows), n, len(x), True, [], where, time.perf_counter() - t0, method="morris")


def _indices(sobol_analyze, problem, y, outputs, size, conf_level, resamples, seed):
    import pandas as pd

    rows = []
    for k, name in enumerate(outputs):
        col = y[:, k]
        if np.ptp(col) == 0:  # a constant output has no variance to share out
            res = {key: np.full(problem["num_vars"], np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol_analyze.analyze(problem, col, calc_second_order=False, num_resamples=resamples,
                                        conf_level=conf_level, seed=int(seed))
        for i, p in enumerate(problem["names"]):
            s1, c1, st, ct = (float(res[key][i]) for key in ("S1", "S1_conf", "ST", "ST_conf"))
            rows.append({"output": name, "parameter": p, "S1": s1, "S1_low": s1 - c1, "S1_high": s1 + c1,
                         "ST": st, "ST_low": st - ct, "ST_high": st + ct, "n": size,
                         "S1_width": 2 * c1, "ST_width": 2 * ct})
    return pd.DataFrame(rows)


#: measures that act on the news rather than bring it (left out by an effect)
NOT_CENSORSHIP = ("inflow",)
#: measures that detain people
DETAINING = ("inspect", "monitor", "detect", "check")


def default_outputs(scenario, by_group: bool = False, effects="together") -> list[Quantity]:
    """What a scenario's sensitivity analysis asks by default: each story's
    reach over everyone (and, with ``by_group``, in each group) on each key
    date from when the story can spread (its first inflow, or day 0 when it
    starts with spreaders), each trigger's report day, everyone detained at
    the end of the calendar, and the effect of the measures on each story's
    reach on the last key date after they start: ``effects="together"``
    leaves out every measure but the inflows at once (one extra run per
    evaluation), ``"each"`` or a list of names each measure on its own (one
    extra run per measure), ``None`` none."""
    info = scenario.scenario
    last = date_of(info.start, info.days - 1)  # the calendar's last day (its end is the morning after)
    out = []
    for story in scenario.stories:
        starts = [m.start or info.start for m in scenario.measures
                  if getattr(m, "type", "") == "inflow" and m.story == story.name]
        first = info.start if story.initial > 0 or not starts else min(starts)
        dates = [d for d in sorted(set(info.key_dates.values())) if d > first] or ([] if info.key_dates else [last])
        cohorts = [None] + ([(g.name,) for g in scenario.population.groups] if by_group else [])
        out += [Quantity("reach", date, story.name, groups=cohort) for date in dates for cohort in cohorts]
    out += [Quantity("report", trigger=t.name) for t in scenario.triggers]
    if any(getattr(m, "type", "") in DETAINING for m in scenario.measures):
        out.append(Quantity("detained", last))
    return out + effect_outputs(scenario, effects)


def effect_outputs(scenario, effects="together") -> list[Quantity]:
    """The effects ``default_outputs`` asks for (see there)."""
    acting = [m for m in scenario.measures if getattr(m, "type", "") not in NOT_CENSORSHIP]
    if effects is None or effects == "none" or not acting:
        return []
    if effects == "together":
        sets = [tuple(m.name for m in acting)]
    elif effects == "each":
        sets = [(m.name,) for m in acting]
    else:
        names = [n.strip() for n in effects.split(",")] if isinstance(effects, str) else list(effects)
        known = [m.name for m in acting]
        for name in names:
            if name not in known:
                raise ParameterError(f"effects: {name!r} is not a measure of {scenario.name!r} that acts on the "
                                     f"news; choose 'together', 'each', 'none' or names among: {', '.join(known)}.")
        sets = [(n,) for n in names]
    info = scenario.scenario
    end = date_of(info.start, info.days - 1)
    out = []
    for names in sets:
        start = min((m.start or info.start) for m in acting if m.name in names)
        after = [d for d in sorted(set(info.key_dates.values())) if d > start]
        date = after[-1] if after else end
        out += [Quantity("reach", date, story.name, without=names) for story in scenario.stories]
    return out


def sensitivity(scenario, params="all", outputs=None, *, method: str = "sobol", scale=None, seed=None, order=None,
                n: int | None = None, replicates: int = 1, target: float = TARGET_WIDTH, n_start: int = 64,
                n_max: int = SCENARIO_N_MAX, workers=None, cluster=None) -> Sensitivity:
    """Sobol indices (``method="sobol"``) or Morris elementary effects
    (``"morris"``, ``n`` trajectories, default 16) of a scenario's
    ``outputs`` (default: ``default_outputs``) over its ``[parameters]``
    (``"all"``, a list, ``"a,b"``, or None for the calibration's default
    set), each evaluation a run at ``scale``."""
    from ..scenario import Scenario, load

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    if params == "all":
        params = list(sc.parameters)
    priors = priors_of(sc, params)
    quantities = list(outputs) if outputs is not None else default_outputs(sc)
    if not quantities:
        raise ParameterError(f"scenario {sc.name!r}: no outputs to analyse; name some quantities.")
    if method not in METHODS:
        raise ParameterError(f"method = {method!r}: choose one of {', '.join(METHODS)}.")
    model = model_for(sc, quantities, scale=scale, seed=seed, order=order)
    if method == "morris":
        sens = analyse_morris(model, priors, n=16 if n is None else n, seed=model.plan.seed, replicates=replicates,
                              workers=workers, cluster=cluster)
    else:
        sens = analyse(model, priors, n=n, seed=model.plan.seed, replicates=replicates, target=target,
                       n_start=n_start, n_max=n_max, workers=workers, cluster=cluster)
    sens.scale, sens.seed, sens.order = model.plan.scale, model.plan.seed, model.plan.order
    sens.runs = sens.evaluations * replicates * model.runs_per_call
    return sens

