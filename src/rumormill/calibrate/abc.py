"""Calibration: approximate Bayesian computation by sequential Monte Carlo
(ABC-SMC; Toni et al. 2009, J. R. Soc. Interface 6:187), with pyabc.

    priors from [parameters] -> generation 0 from the priors -> each later
    generation proposes from the last one's particles (a multivariate normal
    kernel), runs the scenario, keeps a particle when the distance to the
    observations is within the generation's threshold, and weighs it by
    prior / proposal density -> the last generation is the posterior.

The distance (``observations.IntervalDistance``) is the weighted maximum of
each observation's score; the threshold of generation 0 is the median
distance of a sample from the priors, of each later generation the weighted
median of the last one's accepted distances (pyabc's ``QuantileEpsilon``,
alpha = 0.5). It stops at ``generations``, when the threshold reaches
``min_epsilon`` (0: every observation inside its interval), when a
generation accepts fewer than ``min_acceptance`` of its evaluations, or
when ``budget`` evaluations have been run (a generation cut short by the
budget is dropped; the last whole one is the posterior). docs/calibration.md
has the details.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from . import observations as obs
from . import priors as pri
from .model import model_for, seed_for
from .runner import Runner
from .sampler import make_sampler, scoped_global_seed

#: posterior quantiles of the summary: 5%, 50%, 95% (a 90% credible interval)
CREDIBLE = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class ABCModel:
    """pyabc's model: fitting coordinates -> values -> one run -> quantities."""

    model: object  # ScenarioModel
    priors: tuple

    def __call__(self, par) -> dict:
        values = {p.name: p.to_value(par[p.name]) for p in self.priors}
        x = self.model(values, seed_for(self.model.plan.seed, values))
        return {f"q{i}": float(v) for i, v in enumerate(x)}


@dataclass
class Calibration:
    """What a calibration leaves: particles and weights of every generation,
    each generation's threshold and acceptance, the observations and the
    distance used. ``posterior()`` is the last generation."""

    scenario: str
    scale: float
    seed: int
    priors: list
    targets: list
    particles_: object  # DataFrame
    generations_: object  # DataFrame
    executor: str = ""
    seconds: float = 0.0
    evaluations: int = 0
    info: dict = field(default_factory=dict)

    def particles(self):
        """Every generation's particles: generation, particle, weight, distance,
        the parameters (their values as run) and the quantities of its run."""
        return self.particles_.copy()

    def posterior(self):
        """The last generation's particles (weights sum to 1)."""
        p = self.particles_
        return p[p["generation"] == p["generation"].max()].reset_index(drop=True)

    def generations(self):
        """One row per generation: threshold, evaluations run and kept, accepted, acceptance rate, seconds,
        and ``ess``, the effective sample size of its weights (1 / sum w^2)."""
        return self.generations_.copy()

    def observations(self):
        """The observations scored: quantity, interval, weight, source."""
        return obs.table(self.targets)

    def distance(self) -> dict:
        """How a run was scored (the store keeps it with the calibration)."""
        return {"distance": "weighted max of interval scores, d = max_i w_i * s_i",
                "reach_score": "max(low - r, 0, r - high), fraction of the cohort",
                "report_score": "|simulated day - observed day|, days; never reported = the day after the calendar",
                "weights": [t.weight for t in self.targets],
                "threshold": "QuantileEpsilon(alpha=0.5, weighted): median of the previous generation's distances",
                "kernel": "pyabc MultivariateNormalTransition in the fitting coordinates (ln x for log-uniform), "
                          f"its variance floored at ({KERNEL_FLOOR} x the prior's range)^2 per parameter"}

    def summary(self):
        """Per parameter: prior, its range, the scenario's value, posterior
        median and 90% credible interval, and how much the data narrowed it:
        1 - (width of the posterior 90% interval) / (width of the prior's),
        both in the fitting coordinate (0: not at all, 1: to a point)."""
        import pandas as pd

        post = self.posterior()
        w = post["weight"].to_numpy()
        rows = []
        for p in self.priors:
            x = post[p.name].to_numpy(dtype=float)
            q05, q50, q95 = weighted_quantiles(x, w, CREDIBLE)
            lo, hi = p.bounds
            z05, z95 = (float(v) for v in p.to_z([q05, q95]))
            rows.append({"parameter": p.name, "prior": p.kind, "low": p.low, "high": p.high, "value": p.value,
                         "median": q50, "q05": q05, "q95": q95,
                         "narrowed": 1.0 - (z95 - z05) / (0.9 * (hi - lo))})
        return pd.DataFrame(rows)

    def plot(self, truth: dict | None = None):
        """The posterior of each parameter (weighted histogram over its prior
        range, log axis for a log-uniform prior), the scenario's value and
        ``truth`` marked. Returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        post = self.posterior()
        k = len(self.priors)
        cols = min(k, 3)
        rows = (k + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
        for ax, p in zip(axes.flat, self.priors):
            lo, hi = p.bounds
            edges = np.linspace(lo, hi, 21)
            z = p.to_z(post[p.name].to_numpy(dtype=float))
            ax.hist(z, bins=edges, weights=post["weight"], density=True, color="tab:blue", alpha=0.7,
                    label="posterior")
            ax.axhline(1.0 / (hi - lo), color="grey", ls="--", lw=1, label="prior")
            if p.value is not None:
                ax.axvline(float(p.to_z(p.value)), color="tab:orange", lw=1, label="scenario")
            if truth and p.name in truth:
                ax.axvline(float(p.to_z(truth[p.name])), color="black", lw=1.5, label="truth")
            ax.set_xlabel(f"ln {p.name}" if p.log else p.name)
            ax.set_yticks([])
        for ax in list(axes.flat)[k:]:
            ax.set_visible(False)
        axes.flat[0].legend(fontsize=7)
        fig.suptitle(f"{self.scenario}: posterior after generation {int(post['generation'].max())}")
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        g = self.generations_
        eps = float(g["epsilon"].iloc[-1]) if len(g) else float("nan")
        return (f"Calibration({self.scenario!r}, {len(self.priors)} parameters, {len(g)} generations, "
                f"epsilon={eps:.3g}, {self.evaluations} evaluations, scale={self.scale:g})")


def calibrate(scenario, params=None, *, scale=None, seed=None, order=None, budget: int = 5_000,
              population: int = 100, generations: int = 10, min_epsilon: float = 0.0,
              min_acceptance: float = 0.01, weights: dict | None = None, workers=None, cluster=None,
              db: str | None = None, resume: bool = False, on_generation=None,
              verbose: bool = False) -> Calibration:
    """Fit ``params`` (default: ``priors.default_params``) of a scenario to its
    ``[[observations]]`` by ABC-SMC (see the module docstring).

    ``population`` particles a generation; ``budget`` caps the evaluations
    (each one run of the scenario at ``scale``); ``weights`` maps an
    observation's index to its weight in the distance; ``workers`` /
    ``cluster`` as for ensembles; ``db`` a file for pyabc's own database
    (default: a temporary one, removed after); with ``resume=True`` a run
    stored there is continued from its last whole generation (the proposals
    are seeded by generation and evaluation, so the particles are those an
    uninterrupted run gives). ``on_generation(t, particles, row)`` is called
    as each generation is complete, with its particles (as ``particles()``)
    and its row of ``generations()`` plus ``simulations``, the evaluations
    run so far. The same arguments give the same particles on every executor.
    """
    import pyabc
    from pyabc.epsilon import QuantileEpsilon

    from ..scenario import Scenario, load

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    check_settings(budget, population, generations, min_acceptance)
    priors = pri.priors_of(sc, params)
    targets = obs.targets_of(sc, weights)
    model = model_for(sc, [t.quantity for t in targets], scale=scale, seed=seed, order=order)
    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.bounds[0], p.bounds[1] - p.bounds[0])
                                  for p in priors})
    distance = obs.IntervalDistance(tuple(t.weight for t in targets))
    if db is not None and os.path.exists(db) and not resume:
        raise ParameterError(f"db = {db!r} exists: pass resume=True to continue the calibration stored there, "
                             "or remove it to start again.")
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        runner = stack.enter_context(Runner(workers, cluster))
        stack.enter_context(scoped_global_seed())
        stack.enter_context(_quiet(verbose))
        folder = None if db is not None else stack.enter_context(tempfile.TemporaryDirectory())
        path = db if db is not None else os.path.join(folder, "abc.db")
        url = "sqlite:///" + os.path.abspath(path)
        sampler = make_sampler(runner, model.plan.seed, budget)
        abc = pyabc.ABCSMC(ABCModel(model, tuple(priors)), prior, distance, population_size=population,
                           eps=QuantileEpsilon(alpha=0.5, weighted=True), sampler=sampler,
                           transitions=floored_kernel(priors))
        done = _last_generation(path) if resume else -1
        if done >= 0:
            history = abc.load(url, 1)
            sampler.spent = int(history.total_nr_simulations)
        else:
            history = abc.new(url, obs.IntervalDistance.observed(targets))
        reported: set[int] = set()
        base = sampler.spent

        def report() -> None:
            """Hand each newly complete generation to ``on_generation``."""
            if on_generation is None:
                return
            pops = history.get_all_populations()
            for t in sorted(int(t) for t in pops["t"] if t >= 0 and int(t) not in reported):
                reported.add(t)
                particles, gens = _frames(history, priors, targets, sampler.log, only=t)
                row = gens.iloc[0].to_dict()
                row["simulations"] = base + sum(e["run"] for e in sampler.log if e["t"] <= t)
                on_generation(t, particles, row)

        report()
        sampler.before = lambda t: report()
        stopped = None
        if generations - (done + 1) > 0:
            try:
                abc.run(minimum_epsilon=min_epsilon, max_nr_populations=generations - (done + 1),
                        min_acceptance_rate=min_acceptance, max_total_nr_simulations=budget)
            except AssertionError as err:
                # pyabc checks its weights with assertions: a generation whose proposal
                # density degenerates (weights inf or nan) cannot be weighed, and the
                # generations before it stand
                stopped = (f"stopped after generation {_last_generation(path)}: pyabc could not weigh the next "
                           f"generation's particles ({err}); the posterior is the last whole generation")
        report()
        particles, gens = _frames(history, priors, targets, sampler.log)
        spent = sampler.spent
    if particles.empty:
        raise ParameterError(f"budget = {budget}: no generation was completed; raise the budget or lower the "
                             "population.")
    return Calibration(sc.name, model.plan.scale, model.plan.seed, priors, targets, particles, gens,
                       runner.where, time.perf_counter() - t0, spent, info={"stopped": stopped} if stopped else {})


#: the proposal kernel's standard deviation in each parameter is at least this share of its prior's range
KERNEL_FLOOR = 0.01


def floored_kernel(priors):
    """pyabc's multivariate normal kernel, its covariance floored on the
    diagonal at ``(KERNEL_FLOOR * range)**2`` per parameter (fitting
    coordinates). With few effective particles and many parameters the
    weighted covariance is singular; its density then overflows or
    vanishes, and the particles' weights (prior / proposal density) become
    inf or nan. The floor keeps it full rank; it is far narrower than any
    posterior a finite threshold gives."""
    import pyabc
    import scipy.stats as st

    floor = {p.name: (KERNEL_FLOOR * (p.bounds[1] - p.bounds[0])) ** 2 for p in priors}

    class Floored(pyabc.MultivariateNormalTransition):
        def fit(self, X, w):
            super().fit(X, w)
            self.cov = self.cov + np.diag([floor[name] for name in X.columns])
            self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)

    return Floored()


def _last_generation(path) -> int:
    """The last generation stored in pyabc's database at ``path`` (-1: none, or no database)."""
    if not os.path.exists(path):
        return -1
    import pyabc

    pops = pyabc.History("sqlite:///" + os.path.abspath(path), _id=1, create=False).get_all_populations()
    return int(pops["t"].max()) if len(pops) and pops["t"].max() >= 0 else -1


def check_settings(budget, population, generations, min_acceptance=0.01) -> None:
    """Refuse settings no calibration can run with (before anything is run or stored)."""
    _check(budget, "budget", 2, 10**9)
    _check(population, "population", 2, 10**6)
    _check(generations, "generations", 1, 1000)
    if budget < 2 * population:
        raise ParameterError(f"budget = {budget}: give at least twice the population ({2 * population}): the "
                             "threshold's starting sample and the first generation take a population each.")
    if not 0.0 <= min_acceptance < 1.0:
        raise ParameterError(f"min_acceptance = {min_acceptance!r}: give a fraction in [0, 1).")


def _frames(history, priors, targets, log, only: int | None = None):
    import pandas as pd

    rows = []
    pops = history.get_all_populations()
    if only is not None:
        pops = pops[pops["t"] == only]
    for t in sorted(int(t) for t in pops["t"] if t >= 0):
        pop = history.get_population(t=t)
        for k, particle in enumerate(pop.particles):
            z = particle.parameter
            row = {"generation": t, "particle": k, "weight": float(particle.weight),
                   "distance": float(particle.distance)}
            row.update({p.name: p.to_value(z[p.name]) for p in priors})
            row.update({tg.quantity.label: float(particle.sum_stat[f"q{i}"]) for i, tg in enumerate(targets)})
            rows.append(row)
    particles = pd.DataFrame(rows)
    if not particles.empty:
        particles["weight"] = particles["weight"] / particles.groupby("generation")["weight"].transform("sum")
    run = {}
    for entry in log:
        run.setdefault(entry["t"], [0, 0.0])
        run[entry["t"]][0] += entry["run"]
        run[entry["t"]][1] += entry["seconds"]
    gens = []
    for _, r in pops[pops["t"] >= 0].iterrows():
        t = int(r["t"])
        gens.append({"generation": t, "epsilon": float(r["epsilon"]), "evaluations": int(r["samples"]),
                     "run": run.get(t, [int(r["samples"]), 0.0])[0], "accepted": int(r["particles"]),
                     "acceptance_rate": float(r["particles"]) / float(r["samples"]),
                     "seconds": run.get(t, [0, float(r["wall_time"])])[1], "ess": _ess(particles, t)})
    return particles, pd.DataFrame(gens)


def _ess(particles, t) -> float:
    """Effective sample size of generation ``t``'s weights, 1 / sum(w^2) (Kish)."""
    if particles.empty:
        return float("nan")
    w = particles.loc[particles["generation"] == t, "weight"].to_numpy(dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum()) if len(w) else float("nan")


def weighted_quantiles(x, w, qs) -> list[float]:
    """Quantiles of ``x`` under weights ``w`` (the weighted empirical CDF,
    interpolated between the mid-points of each sample's weight)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x)
    x, w = x[order], w[order]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, c, x)) for q in qs]


@contextlib.contextmanager
def _quiet(verbose: bool):
    """pyabc logs every generation at INFO on its own handler; keep it to warnings unless asked."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check(value, name, low, high) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ParameterError(f"{name} = {value!r}: give a whole number from {low:,} to {high:,}.")
