"""A validated ``Scenario`` -> the engine's inputs (``Built``).

    sizes at scale -> memory check -> Population -> labels -> layers -> stories,
    measures (dates -> day offsets), triggers

Everything is vectorised numpy or numba; Python loops run over regions,
layers and measures, never over agents, households or units. What each kind
of label, layer, delay, story model, measure and trigger becomes is its entry
in ``kinds``; this module puts them together. Each label
and each layer draws from its own named stream (``label:NAME``,
``layer:NAME``), so changing one layer never reshuffles another.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numba
import numpy as np

from ..dates import day_of
from ..errors import CapacityError, NetworkError, ParameterError, ScenarioError
from ..measures.schedule import Schedule, compile_run
from ..networks import Delay, Layer, Multiplex
from ..networks.network import MAX_AGENTS, Network, memory_ceiling, require_memory
from ..population import Population
from ..seeding import stream
from .checks import check, resolve_sizes
from .kinds import DELAYS, LABELS, LAYERS, MEASURES, STORIES, TRIGGER, Census
from .locate import format_path
from .schema import Scenario

#: bytes per agent beyond the layers: cell and region ids, permutation scratch
AGENT_BYTES = 16
#: bytes per agent per label, and per agent per layer (the CSR indptr, and its
#: copy in the daily engine's list table, ``engine.daily.list_table``, int32 below 2**31 contacts)
LABEL_BYTES, INDPTR_BYTES = 4, 12
#: bytes per expected contact stored (both directions, int32), and at the peak of each layer being built
EDGE_BYTES, EDGE_BUILD_BYTES = 8, 24
#: bytes per directed contact of a delayed layer per story (the step's outbox, ``engine.post``),
#: and per letter in transit
OUTBOX_BYTES, LETTER_BYTES = 20, 24


@dataclass(frozen=True, eq=False)
class Built:
    """What ``rumormill.simulate`` needs, built from a scenario.

    ``measures`` and ``triggers`` use day offsets from ``start_date`` (day 0);
    a measure with ``start=None`` waits for a trigger. ``run()`` passes all of
    it to ``rumormill.simulate``.
    """

    name: str
    scale: float
    seed: int
    order: str
    population: Population
    multiplex: Multiplex
    stories: dict
    measures: list
    triggers: list
    days: int
    substeps: int
    engine: str
    start_date: str
    key_dates: dict[str, str]
    initial: dict[str, int]
    scenario: Scenario = field(repr=False)
    seconds: float = 0.0

    def simulate_kwargs(self) -> dict:
        """Keyword arguments of ``rumormill.simulate(multiplex, stories, **kwargs)``."""
        return dict(
            population=self.population, measures=self.measures, triggers=self.triggers, days=self.days,
            substeps=self.substeps, initial=self.initial, seed=self.seed, start_date=self.start_date,
            engine=self.engine,
        )

    def run(self, **overrides):
        """Run it: ``rumormill.simulate`` with this scenario's inputs (any of them overridden)."""
        from ..simulate import simulate

        return simulate(self.multiplex, self.stories, **{**self.simulate_kwargs(), **overrides})

    def without(self, names) -> "Built":
        """The counterfactual without the named measures (see ``variants.without``)."""
        from .variants import without

        return without(self, names)

    def __repr__(self) -> str:
        return (f"Built({self.name!r}, scale={self.scale:g}, n={self.population.n:,}, "
                f"layers={self.multiplex.names}, {len(self.measures)} measures, built in {self.seconds:.1f} s)")


@dataclass(frozen=True)
class Estimate:
    """Agents, expected contacts and bytes a build will take, before building."""

    agents: int
    contacts: int
    nbytes: int


def build(scenario, scale: float | None = None, seed: int | None = None, order: str | None = None) -> Built:
    """Build a scenario's population, layers, stories, measures and triggers.

    Parameters
    ----------
    scenario : Scenario, or a path or built-in name (loaded with ``load``)
    scale : float, optional
        Fraction of the census sizes to build (default: ``[scenario] scale``).
    seed : int, optional
        Seed of the layers and of the run (default: ``[scenario] seed``).
    order : {"date", "trigger"}, optional
        How the measures that triggers start are switched on (default:
        ``[scenario] order``).

    Raises
    ------
    CapacityError
        When the scale needs more memory than is free; says which scale fits.
    ScenarioError
        For an inconsistent scenario, or a layer that cannot be built at this scale.
    """
    t0 = time.perf_counter()
    sc = _checked(scenario)
    info = sc.scenario
    scale = _option("scale", info.scale if scale is None else scale, lambda v: math.isfinite(v) and v > 0, "a number > 0")
    seed = _option("seed", info.seed if seed is None else seed, lambda v: isinstance(v, int) and v >= 0, "an int >= 0")
    order = _option("order", info.order if order is None else order, lambda v: v in ("date", "trigger"),
                    '"date" or "trigger"')
    sizes = _scaled_sizes(sc, scale)
    require(sc, scale)
    pop = Population([g.name for g in sc.population.groups], list(sc.population.regions), sizes)
    if pop.n < 1:
        raise ScenarioError(f"{sc.source}: scale = {scale:g} leaves no agents; raise scale.")
    region = pop.region
    labels: dict[str, np.ndarray] = {}
    for lab in sc.population.labels:
        labels[lab.name] = LABELS[lab.type].build(lab, pop, labels, region, stream(seed, f"label:{lab.name}"))
    pop = Population(pop.groups, pop.regions, pop.sizes, labels)
    # each layer draws from its own stream and its compiled builders release
    # the GIL, so layers build side by side on numba's threads, the same as one by one
    def one(item):
        i, spec = item
        return _layer(sc, i, spec, pop, region, scale, stream(seed, f"layer:{spec.name}"))

    with ThreadPoolExecutor(build_threads(len(sc.layers)), thread_name_prefix="rumormill-build") as pool:
        nets = list(pool.map(one, enumerate(sc.layers)))
    layers = {spec.name: Layer(net, spec.rate, spec.channel, delay_of(spec)) for spec, net in zip(sc.layers, nets)}
    return Built(
        name=sc.name, scale=scale, seed=seed, order=order, population=pop, multiplex=Multiplex(layers),
        stories=stories_of(sc), measures=measures_of(sc, order), triggers=triggers_of(sc, scale, order), days=info.days,
        substeps=info.substeps, engine=info.engine, start_date=info.start.isoformat(),
        key_dates={k: v.isoformat() for k, v in info.key_dates.items()},
        initial={s.name: s.initial for s in sc.stories}, scenario=sc, seconds=time.perf_counter() - t0,
    )


def plan(scenario, scale: float | None = None, order: str | None = None) -> Schedule:
    """The scenario's measures and triggers compiled as a run compiles them
    (``measures.schedule``), without building its networks: what
    ``rumormill show NAME --plan`` prints. ``scale`` sets the triggers'
    thresholds; ``order`` as in ``build``."""
    sc = _checked(scenario)
    info = sc.scenario
    scale = _option("scale", info.scale if scale is None else scale, lambda v: math.isfinite(v) and v > 0, "a number > 0")
    order = _option("order", info.order if order is None else order, lambda v: v in ("date", "trigger"),
                    '"date" or "trigger"')
    pop = Population([g.name for g in sc.population.groups], list(sc.population.regions), _scaled_sizes(sc, scale))
    return compile_run(measures_of(sc, order), triggers_of(sc, scale, order), population=pop,
                       layers=[lay.name for lay in sc.layers], channels=[lay.channel for lay in sc.layers],
                       stories=[s.name for s in sc.stories], n_cells=pop.n_cells)


def _checked(scenario) -> Scenario:
    """The scenario (loaded when given by name or path), refused with its first problem."""
    if not isinstance(scenario, Scenario):
        from .load import load

        scenario = load(scenario)
    problems = check(scenario)
    if problems:
        path, msg = problems[0]
        raise ScenarioError(f"{scenario.source}, {format_path(path)}: {msg}")
    return scenario


def _option(name, value, ok, what):
    try:
        good = not isinstance(value, bool) and ok(value)
    except TypeError:
        good = False
    if not good:
        raise ScenarioError(f"{name} = {value!r}: give {what}.")
    return float(value) if name == "scale" else value


def _scaled_sizes(sc: Scenario, scale: float) -> np.ndarray:
    """Agents per cell (group-major, as ``Population`` lays them out) at ``scale``."""
    full = resolve_sizes(sc)
    people = sum(full.values())
    if not people * scale <= MAX_AGENTS:  # also refuses an infinite product before int() meets it
        raise CapacityError(
            f"scenario {sc.name!r} at scale = {scale:g} would have {people * scale:.3g} agents, more than the "
            f"{MAX_AGENTS:,} agents a network can index: lower scale (to at most {MAX_AGENTS / people:.2g})."
        )
    return np.array([int(round(v * scale)) for v in full.values()], dtype=np.int64)


# ------------------------------------------------------------ memory


def build_threads(n_layers: int) -> int:
    """Layers built at once: numba's threads (one in an ensemble's worker), at most one a layer."""
    return max(1, min(numba.get_num_threads(), n_layers))


def estimate(sc: Scenario, scale: float) -> Estimate:
    """Agents, expected contacts and peak bytes of ``build(sc, scale)``; O(cells + layers), allocates nothing."""
    groups = [g.name for g in sc.population.groups]
    regions = list(sc.population.regions)
    cells = dict(zip(((g, r) for g in groups for r in regions), _scaled_sizes(sc, scale).tolist()))
    n = sum(cells.values())
    labels = {lab.name: lab for lab in sc.population.labels}
    census = Census(cells, groups, regions, labels)
    per_layer = [LAYERS[spec.type].contacts(spec, census) for spec in sc.layers]
    contacts = int(sum(per_layer))
    building = sorted(per_layer, reverse=True)[:build_threads(len(per_layer))]  # the largest, side by side
    nbytes = (n * (AGENT_BYTES + LABEL_BYTES * len(labels) + INDPTR_BYTES * len(sc.layers))
              + EDGE_BYTES * contacts * 2 + EDGE_BUILD_BYTES * int(sum(building)))
    return Estimate(n, contacts, int(nbytes + _post_bytes(sc, per_layer)))


def _post_bytes(sc: Scenario, per_layer: list) -> float:
    """A run's letters on delayed layers: the outbox (one slot per directed
    contact in each row the kernel's tasks write, ``task_rows``) and the
    letters in transit if every correspondent wrote at the fastest story's
    rate for a whole mean delay."""
    from ..engine.daily import task_rows

    fastest = max((s.rate for s in sc.stories), default=0.0)
    total = 0.0
    for spec, contacts in zip(sc.layers, per_layer):
        if spec.delay is not None:
            directed = 2 * contacts
            total += directed * (OUTBOX_BYTES * task_rows(len(sc.stories))
                                 + LETTER_BYTES * len(sc.stories) * fastest * spec.rate * delay_of(spec).mean)
    return total


def require(sc: Scenario, scale: float, est: Estimate | None = None, copies: int = 1) -> None:
    """Refuse a build (or ``copies`` builds at once, one per worker process)
    that cannot fit in memory, before anything is allocated or stored."""
    est = estimate(sc, scale) if est is None else est
    fits = scale * memory_ceiling() / max(est.nbytes * copies, 1)
    what = (f"scenario {sc.name!r} at scale = {scale:g} ({est.agents:,} agents, about {est.contacts:,} contacts)"
            + (f", {copies} builds at once (one per worker)" if copies > 1 else ""))
    fix = f"lower scale (about {fits:.2g} fits here) with --scale, in [scenario], or with build(..., scale=...)"
    if est.agents > MAX_AGENTS:
        raise CapacityError(f"{what} exceeds the {MAX_AGENTS:,} agents a network can index: {fix}.")
    try:
        require_memory(what, est.nbytes * copies)
    except CapacityError as err:
        head = err.args[0].split(": use")[0]
        more = "; or raise the limit with --max-memory (memory_limit in Python)" if "limit" in head else ""
        raise CapacityError(f"{head}: {fix}{more}.") from None


# ------------------------------------------------------------ layers


def delay_of(spec) -> Delay | None:
    """A layer table's ``delay`` as the engines' ``Delay`` (None: heard at once)."""
    return None if spec.delay is None else DELAYS[spec.delay.dist].build(spec.delay)


def _layer(sc: Scenario, i: int, spec, pop: Population, region, scale: float, rng) -> Network:
    where = f"{sc.source}, layers[{i}] ({spec.name!r})"
    try:
        return LAYERS[spec.type].build(sc, spec, pop, region, scale, rng)
    except CapacityError as err:
        raise CapacityError(f"{where}: {err} (or lower scale, now {scale:g})") from None
    except (NetworkError, ParameterError, ScenarioError) as err:
        raise ScenarioError(f"{where}: {err}") from None


# ------------------------------------------- stories, measures, triggers


def stories_of(sc: Scenario) -> dict:
    """The scenario's stories as the engines' models, by name."""
    return {s.name: STORIES[s.model].build(s) for s in sc.stories}


def measures_of(sc: Scenario, order: str) -> list:
    """The scenario's measures as the engines' measures, their dates as day
    offsets; under ``order = "trigger"`` those a trigger starts wait for it."""
    start = sc.scenario.start
    waiting = {name for t in sc.triggers for name in t.starts} if order == "trigger" else set()
    out = []
    for spec in sc.measures:
        first = None if spec.name in waiting else (0 if spec.start is None else day_of(start, spec.start))
        stop = None if spec.stop is None else day_of(start, spec.stop)
        out.append(MEASURES[spec.type].build(spec, first, stop))
    return out


def triggers_of(sc: Scenario, scale: float, order: str) -> list:
    """The scenario's triggers as the engines' triggers, thresholds at ``scale``."""
    return [TRIGGER.build(t, scale, order) for t in sc.triggers]
