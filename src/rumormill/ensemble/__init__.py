"""Ensembles: every answer with its uncertainty.

    plan (scenario, scale, seed, runs, what varies) -> replicates, each on its
    own spawned seed, run in this process, a local pool or a Dask cluster ->
    summaries -> quantile bands (and paired effects for a comparison)

>>> import rumormill as rm
>>> ens = rm.ensemble("kpa-2025", runs=2, scale=0.0005, workers=1)   # doctest: +SKIP
>>> ens.bands("reach").head()                                         # doctest: +SKIP
"""

from __future__ import annotations

import time

from ..errors import ParameterError
from .executors import ClusterError, check_workers, execute
from .outcome import QUANTILES, Ensemble
from .plan import Plan, draw_parameters
from .replicate import Summary, run_replicate

__all__ = ["ClusterError", "Ensemble", "Plan", "QUANTILES", "Summary", "compare", "draw_parameters", "ensemble",
           "plan_for", "run_replicate", "run_plan"]


def plan_for(scenario, *, runs: int, scale=None, seed=None, order=None, vary=None, without=()) -> Plan:
    """A ``Plan`` from a scenario (a name, a path or a ``Scenario``) and options;
    the scenario's own scale, seed and order where not given. ``vary`` is a
    list of parameter names, or ``"all"``."""
    from ..scenario import Scenario, load

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    info = sc.scenario
    if vary == "all":
        if not sc.parameters:
            raise ParameterError(f"vary = all: scenario {sc.name!r} has no [parameters] to vary; add a "
                                 "[parameters] table or drop --vary.")
        vary = tuple(sc.parameters)
    elif isinstance(vary, str):
        vary = tuple(v.strip() for v in vary.split(",") if v.strip())
    return Plan(sc, float(info.scale if scale is None else scale), int(info.seed if seed is None else seed), runs,
                info.order if order is None else order, tuple(vary or ()), tuple(without))


def run_plan(plan: Plan, *, workers=None, cluster=None, done=None, on_done=None) -> Ensemble:
    """Run every replicate of ``plan`` not in ``done`` (index -> summary, e.g.
    from the store), calling ``on_done(index, summary)`` as each arrives."""
    workers = check_workers(workers)
    summaries = dict(done or {})
    todo = [i for i in range(plan.runs) if i not in summaries]
    t0 = time.perf_counter()

    def keep(i, s):
        summaries[i] = s
        if on_done is not None:
            on_done(i, s)

    executor = execute(plan, todo, keep, workers=workers, cluster=cluster) if todo else "nothing left to run"
    sc = plan.scenario
    groups = [g.name for g in sc.population.groups]
    layers = [lay.name for lay in sc.layers]
    first = summaries[min(summaries)]
    first = first[0] if isinstance(first, tuple) else first
    if first.tellings.shape[2] > len(layers):
        layers = layers + ["outside"]
    return Ensemble(plan, [summaries[i] for i in sorted(summaries)], groups, list(sc.population.regions),
                    [s.name for s in sc.stories], layers, sc.scenario.start.isoformat(), executor,
                    time.perf_counter() - t0, resumed=len(done or {}))


def ensemble(scenario, runs: int = 10, *, scale=None, seed=None, order=None, vary=None, workers=None,
             cluster=None, on_done=None) -> Ensemble:
    """Run ``runs`` replicates of a scenario, each on a seed spawned from the
    scenario's seed; ``vary`` also draws ``[parameters]`` per replicate (Latin
    hypercube). ``workers`` processes on this machine (default: its cores),
    or ``cluster``: a Dask scheduler address, or ``"local"`` for a Dask
    LocalCluster."""
    return run_plan(plan_for(scenario, runs=runs, scale=scale, seed=seed, order=order, vary=vary),
                    workers=workers, cluster=cluster, on_done=on_done)


def compare(scenario, without, runs: int = 10, *, scale=None, seed=None, order=None, vary=None, workers=None,
            cluster=None, on_done=None) -> Ensemble:
    """``runs`` pairs, each run with every measure and without ``without`` on
    the same random numbers; ``Ensemble.effects()`` summarises the differences."""
    if isinstance(without, str):
        without = (without,)
    if not without:
        raise ParameterError("without: name at least one measure to leave out.")
    return run_plan(plan_for(scenario, runs=runs, scale=scale, seed=seed, order=order, vary=vary, without=without),
                    workers=workers, cluster=cluster, on_done=on_done)
