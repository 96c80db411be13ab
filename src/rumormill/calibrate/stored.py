"""Calibrations and sensitivity analyses run straight into a results folder.

``calibrate_stored`` registers the calibration (its id derived from the
scenario and the settings), stores each generation as it completes, and on
Ctrl-C leaves the complete generations stored and the calibration marked
``interrupted``: the same call resumes it from pyabc's database, kept in
its folder. ``sensitivity_stored`` stores an analysis's indices when it is
done. See ``rumormill.results.calibrations`` for the files and
docs/results.md for the views.

>>> from rumormill.results import Store                                    # doctest: +SKIP
>>> fit, cid = calibrate_stored("kpa-2025", Store("rumormill-runs"), params="border_inflow,telling_rate",
...                             scale=0.005, budget=2000)                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

from . import observations as obs
from . import priors as pri
from .abc import calibrate, check_settings


def calibrate_stored(scenario, store, params=None, *, scale=None, seed=None, order=None, budget: int = 5_000,
                     population: int = 100, generations: int = 10, min_epsilon: float = 0.0,
                     min_acceptance: float = 0.01, weights: dict | None = None, workers=None, cluster=None,
                     on_start: Callable | None = None, on_generation: Callable | None = None):
    """``calibrate`` (same arguments), stored in ``store`` as it runs; returns
    ``(fit, calibration_id)``; ``fit`` is None when that calibration is
    already finished in the store (read it from there: ``results.calibrations.summary``).
    ``on_start(recording)`` is called once it is
    registered (``recording.stored``: generations already stored, a resume),
    ``on_generation(t, row)`` as each generation is stored. Every argument is
    checked before anything is stored."""
    from ..results import content_hash
    from ..results.calibrations import begin_calibration
    from ..scenario import Scenario, load
    from .model import model_for

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    check_settings(budget, population, generations, min_acceptance)
    priors = pri.priors_of(sc, params)
    targets = obs.targets_of(sc, weights)
    plan = model_for(sc, [t.quantity for t in targets], scale=scale, seed=seed, order=order).plan
    settings = {"scale": plan.scale, "seed": plan.seed, "order": plan.order, "budget": budget,
                "population": population, "generations": generations, "min_epsilon": min_epsilon,
                "min_acceptance": min_acceptance, "weights": {str(k): v for k, v in (weights or {}).items()}}
    names = [p.name for p in priors]
    shash = content_hash(sc)
    recording = begin_calibration(store, content={"scenario": shash, "params": names, **settings},
                                  scenario=sc.name, scenario_hash=shash, params=names, settings=settings,
                                  priors=priors, targets=targets, distance=_distance(targets))
    if on_start is not None:
        on_start(recording)
    if recording.status == "finished":
        return None, recording.calibration_id

    def stored(t, particles, row):
        recording.generation(t, particles, row)
        if on_generation is not None:
            on_generation(t, row)

    with recording:
        fit = calibrate(sc, names, scale=plan.scale, seed=plan.seed, order=plan.order, budget=budget,
                        population=population, generations=generations, min_epsilon=min_epsilon,
                        min_acceptance=min_acceptance, weights=weights, workers=workers, cluster=cluster,
                        db=recording.db, resume=True, on_generation=stored)
        recording.finish(fit)
    return fit, recording.calibration_id


def _distance(targets) -> dict:
    from .abc import Calibration

    return Calibration("", 0.0, 0, [], list(targets), None, None).distance()


def sensitivity_stored(scenario, store, params="all", outputs=None, *, method: str = "sobol", scale=None, seed=None,
                       order=None, n: int | None = None, replicates: int = 1, workers=None, cluster=None):
    """``sensitivity`` (same arguments), stored in ``store``; returns ``(sens, analysis_id)``."""
    from ..results import content_hash
    from ..results.calibrations import save_analysis
    from ..scenario import Scenario, load
    from .sobol import default_outputs, sensitivity

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    outputs = list(outputs) if outputs is not None else default_outputs(sc)
    sens = sensitivity(sc, params, outputs, method=method, scale=scale, seed=seed, order=order, n=n,
                       replicates=replicates, workers=workers, cluster=cluster)
    table = sens.table()
    if method == "sobol":
        table["S1_conf"] = (table["S1_high"] - table["S1_low"]) / 2
        table["ST_conf"] = (table["ST_high"] - table["ST_low"]) / 2
    names = list(dict.fromkeys(table["parameter"]))
    shash = content_hash(sc)
    settings = {"scale": sens.scale, "seed": sens.seed, "order": sens.order, "n": sens.n, "replicates": replicates,
                "outputs": [q.label for q in outputs]}
    aid = save_analysis(store, content={"scenario": shash, "method": method, "params": names, **settings},
                        method=method, scenario=sc.name, scenario_hash=shash, params=names, settings=settings,
                        table=table, executor=sens.executor, seconds=sens.seconds, evaluations=sens.evaluations)
    return sens, aid
