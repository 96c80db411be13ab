"""One replicate, run wherever it is sent (this process, a pool worker, a
Dask worker), returning a small summary — never the agents' arrays.

Each process keeps the populations and networks it has built, keyed by a
hash of what a build depends on (population, labels, layer structure, scale,
seed), so a worker builds once per structural parameter set and reuses the
networks across replicates; only rates, stories, measures and triggers are
made anew for each replicate.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .plan import Plan

#: populations and networks a process keeps (least recently used goes first)
CACHED_BUILDS = 4
_BUILDS: OrderedDict = OrderedDict()
#: what a layer's spec may change without rebuilding its network
_NOT_STRUCTURAL = ("rate", "channel", "note")


@dataclass
class Summary:
    """One run, aggregated by group, by region and over everyone.

    Axis K of ``reach``, ``spreaders`` and ``detained`` lists the groups,
    then the regions, then ``all`` (see ``Ensemble.columns``). ``letters``
    is None when no layer carries letters (and in replicates stored before
    it was kept); ``stage_days`` and ``start_days`` are empty when not kept.
    """

    index: int
    seed_entropy: int
    spawn_key: tuple
    values: dict
    reach: np.ndarray  # float32[T, S, K]: fraction who have heard it
    spreaders: np.ndarray  # float32[T, S, K]: fraction spreading
    detained: np.ndarray  # int64[T, K]: detained so far
    tellings: np.ndarray  # int64[T, S, L]: tellings carried by each layer that day
    report_day: int | None
    order_day: int | None
    seconds: float = 0.0
    built: bool = False  # this replicate paid for a build
    #: int64[T, S, 3, D]: letters written, delivered and caught that day on each delayed layer (``LETTERS``)
    letters: np.ndarray | None = None
    #: "trigger: office" -> the first day the office was reached (None: not in this run)
    stage_days: dict = field(default_factory=dict)
    #: measure -> the first day it was on (None: never)
    start_days: dict = field(default_factory=dict)


#: what axis 2 of ``Summary.letters`` counts; caught letters are the interceptions on a delayed layer
LETTERS = ("written", "delivered", "caught")


def delayed_layers(scenario) -> list[str]:
    """The layers that carry letters (a ``delay``), in the scenario's order: axis 3 of ``Summary.letters``."""
    return [lay.name for lay in scenario.layers if lay.delay is not None]


def stage_names(scenario) -> list[str]:
    """Every office of every trigger's chain, as its ``stage`` events name it: ``trigger: office``."""
    return list(dict.fromkeys(f"{t.name}: {st.office}" for t in scenario.triggers for st in t.stages))


def structure_key(scenario, scale: float, seed: int) -> str:
    """Hash of everything the population and networks depend on."""
    data = scenario.model_dump(mode="json")
    layers = [{k: v for k, v in lay.items() if k not in _NOT_STRUCTURAL} for lay in data["layers"]]
    text = json.dumps({"population": data["population"], "layers": layers, "scale": scale, "seed": seed},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def built_for(plan: Plan, values: dict):
    """The ``Built`` for one replicate's parameter values, reusing this
    process's networks when the structure is unchanged. Returns (built, fresh)."""
    from ..scenario import build, with_values
    from ..scenario.variants import rebuilt

    sc = with_values(plan.scenario, values) if values else plan.scenario
    key = structure_key(sc, plan.scale, plan.seed)
    base = _BUILDS.get(key)
    if base is None:
        base = build(sc, scale=plan.scale, seed=plan.seed, order=plan.order)
        _BUILDS[key] = base
        while len(_BUILDS) > CACHED_BUILDS:
            _BUILDS.popitem(last=False)
        return base, True
    _BUILDS.move_to_end(key)
    return (base if sc is base.scenario else rebuilt(base, sc)), False


def run_replicate(plan: Plan, index: int, threads: int | None = None) -> Summary | tuple[Summary, Summary]:
    """Run replicate ``index`` of ``plan``; a comparison returns (with, without)
    on the same random numbers. ``threads`` caps numba's threads in this
    process (a worker sharing the machine with others); results do not
    depend on it."""
    if threads is not None:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    t0 = time.perf_counter()
    rep = plan.replicate(index)
    built, fresh = built_for(plan, rep.values)
    result = built.run(seed=rep.seed)
    first = summarise(result, built, rep, fresh, time.perf_counter() - t0)
    if not plan.without:
        return first
    from ..scenario.variants import without

    t1 = time.perf_counter()
    other = without(built, plan.without).run(seed=rep.seed)
    return first, summarise(other, built, rep, False, time.perf_counter() - t1)


def membership(pop) -> np.ndarray:
    """float[C, K]: 1 where cell c belongs to column k (groups, regions, all)."""
    g, r = len(pop.groups), len(pop.regions)
    m = np.zeros((pop.n_cells, g + r + 1))
    c = np.arange(pop.n_cells)
    m[c, c // r] = 1.0
    m[c, g + c % r] = 1.0
    m[:, -1] = 1.0
    return m


def summarise(result, built, rep, fresh: bool, seconds: float) -> Summary:
    """Aggregate a run's per-cell counts by group, region and overall."""
    m = membership(built.population)
    counts = result.counts.astype(np.float64) @ m  # [T, S, 3, K]
    size = counts[0].sum(axis=1)  # [S, K]
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.where(size > 0, 1.0 - counts[:, :, 0] / size, 0.0)
        spreaders = np.where(size > 0, counts[:, :, 1] / size, 0.0)
    first = {kind: min((e[0] for e in result.events if e[1] == kind), default=None) for kind in ("report", "order")}
    sc = built.scenario
    return Summary(
        index=rep.index, seed_entropy=int(rep.seed.entropy), spawn_key=tuple(rep.seed.spawn_key), values=rep.values,
        reach=reach.astype(np.float32), spreaders=spreaders.astype(np.float32),
        detained=np.rint(result.detained.astype(np.float64) @ m).astype(np.int64),
        tellings=result.tellings.sum(axis=-1).astype(np.int64),
        report_day=first["report"], order_day=first["order"], seconds=seconds, built=fresh,
        letters=letters_of(result, delayed_layers(sc)),
        stage_days=first_days(result.events, "stage", stage_names(sc)),
        start_days=first_days(result.events, "measure-start", [m.name for m in sc.measures]),
    )


def letters_of(result, layers: list[str]) -> np.ndarray | None:
    """int64[T, S, 3, D]: letters written, delivered and caught per day on the
    delayed ``layers``, summed over cells; None when there are none."""
    if not layers:
        return None
    t, s = result.counts.shape[:2]
    out = np.zeros((t, s, len(LETTERS), len(layers)), dtype=np.int64)
    for d, name in enumerate(layers):
        lay = result.layers.index(name)
        if result.letters is not None:
            out[:, :, :2, d] = result.letters[:, :, :, lay].sum(axis=-1)
        out[:, :, 2, d] = result.intercepts[:, :, lay].sum(axis=-1)
    return out


def first_days(events, kind: str, names: list[str]) -> dict:
    """name -> the first day an event of ``kind`` has it as its detail (None: never)."""
    days: dict = dict.fromkeys(names)
    for e in events:
        if e[1] == kind and e[5] in days and (days[e[5]] is None or e[0] < days[e[5]]):
            days[e[5]] = int(e[0])
    return days
