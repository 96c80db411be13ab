"""One entry per kind of table a scenario holds: each kind of label, layer,
letter delay, story model and measure, and the trigger.

An entry holds everything the package knows of its kind: its TOML table
(``schema``), what it becomes in a run (a builder, or the engine's class),
its checks across tables (for ``checks``), the contacts it will make (layers,
for ``build.estimate``, before anything is built) and what it is in one line
(``rumormill show``).

A new kind is its table in ``schema`` and its entry here; ``build``,
``estimate``, ``checks`` and ``show`` find it through ``LABELS``, ``LAYERS``,
``DELAYS``, ``STORIES``, ``MEASURES`` and ``TRIGGER``.

A kind's ``check(c, path, spec)`` adds its problems to the scenario's
``checks.Checker`` ``c``; ``path`` is the TOML path of ``spec``. The checks
every kind of a table shares (names, dates, unique names) stay in ``checks``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import measures as _measures
from .. import models as _models
from ..errors import ScenarioError
from ..networks import Delay, bipartite, cliques, from_edgelist, from_edges, within
from ..networks.io import edgelist_size
from ..networks.network import Network
from . import schema


def listed(values) -> str:
    """A list of names in words; None is "all"."""
    return "all" if values is None else ", ".join(values)


def settings(spec, number=str) -> str:
    """A table's own values in words ("rate 0.3, forget 0.1"): the one-line
    description of a kind that needs no other; ``number`` writes a value."""
    args = spec.model_dump(exclude={"name", "type", "model", "start", "stop", "note", "initial"}, exclude_none=True)
    return ", ".join(f"{k} {listed(v) if isinstance(v, list) else number(v)}" for k, v in args.items())


@dataclass(frozen=True)
class Census:
    """Agents per (group, region) at the build's scale, and the labels by name:
    what a kind needs to estimate its contacts."""

    cells: dict[tuple[str, str], int]
    groups: list[str]
    regions: list[str]
    labels: dict

    def count(self, groups=None, regions=None) -> int:
        """Agents of the groups in the regions (all when None)."""
        return sum(self.cells[(g, r)] for g in (groups or self.groups) for r in (regions or self.regions))


def _no_check(c, path, spec) -> None:
    """A kind with nothing to check beyond what its table shares with the others."""


# ------------------------------------------------------------ labels


@dataclass(frozen=True)
class LabelKind:
    table: type
    #: (spec, population, labels so far, region per agent, rng) -> int32[n], -1 for no label
    build: Callable
    describe: Callable[[object], str]
    #: (checker, path, spec): its names (a label refers only to labels declared before it)
    check: Callable


def _cut(m: int, draw, mean: float) -> np.ndarray:
    """Sizes from ``draw(k)`` until they cover ``m``; the last one is cut to fit exactly."""
    sizes = draw(int(m / mean * 1.05) + 16)
    while sizes.sum() < m:
        sizes = np.concatenate([sizes, draw(int(m / mean * 0.1) + 16)])
    cum = np.cumsum(sizes)
    j = int(np.searchsorted(cum, m))
    sizes = sizes[: j + 1].copy()
    sizes[-1] -= cum[j] - m
    return sizes


def _by_region(pop, groups, rng, sizes_of, apart=()) -> np.ndarray:
    """Shuffle each region's members of ``groups`` and cut them into
    consecutive labels of the sizes ``sizes_of(count)``; -1 for the rest.
    Each ``apart`` group is cut on its own first, so no label mixes it with
    the others."""
    out = np.full(pop.n, -1, dtype=np.int32)
    first = 0
    together = [g for g in groups if g not in apart]
    for r in pop.regions:
        for part in [[g] for g in apart] + [together]:
            members = pop.agents_of(part, [r]) if part else np.zeros(0, np.int64)
            if members.size == 0:
                continue
            sizes = sizes_of(members.size)
            out[rng.permutation(members)] = first + np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
            first += sizes.size
    return out


def households_label(spec: schema.HouseholdsLabel, pop, labels, region, rng) -> np.ndarray:
    return _by_region(pop, spec.groups, rng,
                      lambda m: _cut(m, lambda k: 1 + rng.poisson(spec.mean_size - 1, k), spec.mean_size),
                      tuple(spec.apart))


def units_label(spec: schema.UnitsLabel, pop, labels, region, rng) -> np.ndarray:
    def sizes(m):
        out = np.full(-(-m // spec.size), spec.size, dtype=np.int64)
        out[-1] = m - spec.size * (out.size - 1)
        return out

    return _by_region(pop, spec.groups, rng, sizes)


def blocks_label(spec: schema.BlocksLabel, pop, labels, region, rng) -> np.ndarray:
    """Consecutive ``of`` ids within each region, cut into blocks of ``size`` of them."""
    of = labels[spec.of]
    has = np.flatnonzero(of >= 0)
    out = np.full(pop.n, -1, dtype=np.int32)
    if has.size == 0:
        return out
    k = int(of[has].max()) + 1
    where = np.full(k, len(pop.regions), dtype=np.int64)  # region of each household (past the end: unused id)
    where[of[has]] = region[has]
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(len(pop.regions) + 1))
    block = np.full(k, -1, dtype=np.int32)
    lo, hi = spec.size
    first = 0
    for r in range(len(pop.regions)):
        ids = order[bounds[r] : bounds[r + 1]]
        if ids.size == 0:
            continue
        sizes = _cut(ids.size, lambda n: rng.integers(lo, hi + 1, n), (lo + hi) / 2)
        block[ids] = first + np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
        first += sizes.size
    out[has] = block[of[has]]
    return out


def _check_grouped(c, path, lab) -> None:
    c.names((*path, "groups"), "group", lab.groups, c.groups)
    for j, g in enumerate(getattr(lab, "apart", ())):
        if g not in lab.groups:
            c.add((*path, "apart", j), f"group {g!r} is not among this label's groups {lab.groups}; "
                                       "a group kept apart must be one of them.")


def _check_blocks(c, path, lab) -> None:
    earlier = c.labels[: path[-1]]
    if lab.of not in earlier:
        hint = "; declare it before this one" if lab.of in c.labels else ""
        c.add((*path, "of"), c.unknown("label", lab.of, earlier) + hint)


def _apart(spec) -> str:
    return f"; {listed(spec.apart)} apart" if getattr(spec, "apart", None) else ""


LABELS = {
    "households": LabelKind(schema.HouseholdsLabel, households_label,
                            lambda x: f"mean size {x.mean_size:g} of {listed(x.groups)}{_apart(x)}", _check_grouped),
    "blocks": LabelKind(schema.BlocksLabel, blocks_label, lambda x: f"{x.size[0]}-{x.size[1]} {x.of}s each",
                        _check_blocks),
    "units": LabelKind(schema.UnitsLabel, units_label, lambda x: f"size {x.size} of {listed(x.groups)}",
                       _check_grouped),
}


def label_root(labels: dict, lab):
    """The label whose groups ``lab`` covers (a block's households'); None for a name not declared."""
    while isinstance(lab, schema.BlocksLabel):
        lab = labels.get(lab.of)
    return lab


# ------------------------------------------------------------ layers


@dataclass(frozen=True)
class LayerKind:
    table: type
    #: (scenario, spec, population, region per agent, scale, rng) -> Network
    build: Callable
    #: (spec, Census) -> expected contacts (undirected)
    contacts: Callable[[object, Census], float]
    describe: Callable[[object], str]
    #: (checker, path, spec): the names it refers to beyond its groups and regions
    check: Callable = _no_check


def _masked(pop, spec, values) -> np.ndarray:
    """``values`` for the layer's members, -1 for everyone else."""
    out = np.full(pop.n, -1, dtype=np.int64)
    members = pop.agents_of(spec.groups, spec.regions)
    out[members] = values[members]
    return out


def cliques_layer(sc, spec, pop, region, scale, rng) -> Network:
    return cliques(_masked(pop, spec, pop.labels[spec.by]))


def within_layer(sc, spec, pop, region, scale, rng) -> Network:
    return within(_masked(pop, spec, pop.labels[spec.by]), spec.mean_degree, rng)


def random_layer(sc, spec, pop, region, scale, rng) -> Network:
    values = region if spec.within_region else np.zeros(pop.n, dtype=np.int32)
    return within(_masked(pop, spec, values), spec.mean_degree, rng)


def bipartite_layer(sc, spec, pop, region, scale, rng) -> Network:
    a = pop.agents_of(spec.a, spec.regions)
    b = pop.agents_of(spec.b, spec.regions)
    if a.size == 0 or b.size == 0 or spec.mean_degree_a == 0:
        return from_edges(pop.n, np.zeros(0, np.int64), np.zeros(0, np.int64), "bipartite")
    if spec.mean_degree_a > b.size:
        raise ScenarioError(
            f"mean_degree_a = {spec.mean_degree_a:g} but group(s) b = {spec.b} have only {b.size:,} agents at "
            f"scale = {scale:g}; raise scale or lower mean_degree_a."
        )
    return bipartite(a, b, spec.mean_degree_a, rng, n=pop.n)


def edgelist_layer(sc, spec, pop, region, scale, rng) -> Network:
    members = pop.agents_of(spec.groups, spec.regions)
    path = Path(sc.folder) / spec.path
    _, largest = edgelist_size(path)  # before anything is allocated
    if largest >= members.size:
        raise ScenarioError(
            f"{spec.path} numbers {largest + 1:,} agents, but the layer has {members.size:,} members at scale = "
            f"{scale:g}; edge-list ids number the layer's members 0, 1, ..., so build at the scale the file was made for."
        )
    net = from_edgelist(path, n=None)
    rows = np.repeat(np.arange(net.n), np.diff(net.indptr))
    keep = rows < net.indices
    return from_edges(pop.n, members[rows[keep]], members[net.indices[keep]], "edgelist")


def _clique_degree(labels: dict, lab) -> float:
    """Mean number of others an agent shares its label with."""
    if isinstance(lab, schema.HouseholdsLabel):
        lam = lab.mean_size - 1  # sizes 1 + Poisson(lam), seen from a member
        return lam * (2 + lam) / (1 + lam)
    if isinstance(lab, schema.UnitsLabel):
        return lab.size - 1.0
    return (sum(lab.size) / 2) * (_clique_degree(labels, labels[lab.of]) + 1) - 1


def _by_label(spec, census: Census, degree: float | None = None) -> float:
    """Contacts of a layer linking those who share a label: its members (the
    label's groups among the layer's) times their mean degree, halved."""
    lab = census.labels[spec.by]
    covered = label_root(census.labels, lab).groups
    members = census.count([g for g in (spec.groups or census.groups) if g in covered], spec.regions)
    clique = _clique_degree(census.labels, lab)
    return members * (clique if degree is None else min(clique, degree)) / 2


def _check_by_label(c, path, lay) -> None:
    c.one((*path, "by"), "label", lay.by, c.labels)
    root = label_root({lab.name: lab for lab in c.sc.population.labels}, c.label(lay.by))
    covered = set(root.groups) if root is not None else set()
    if lay.by in c.labels and lay.groups and not covered & set(lay.groups):
        c.add(
            (*path, "groups"),
            f"label {lay.by!r} covers groups {sorted(covered)}, none of {lay.groups}: the layer would link "
            "no one; join groups the label covers.",
        )


def _check_bipartite(c, path, lay) -> None:
    c.names((*path, "a"), "group", lay.a, c.groups)
    c.names((*path, "b"), "group", lay.b, c.groups)
    both = sorted(set(lay.a) & set(lay.b))
    if both:
        c.add((*path, "b"), f"a and b share group(s) {both}; a bipartite layer links two disjoint sets of groups.")
    if lay.groups is not None:
        c.add((*path, "groups"), "a bipartite layer joins the groups a and b; remove groups.")


def _check_edgelist(c, path, lay) -> None:
    """The file is beside the scenario or below it, named by a plain relative path."""
    path, name = (*path, "path"), lay.path
    bad = re.search(r"[\x00-\x1f\x7f]", name)
    if bad:
        c.add(path, f"path = {name!r} holds the control character {bad.group()!r}; give a plain file name.")
        return
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", name) or Path(name).is_absolute() or name.startswith("~"):
        c.add(path, f"path = {name!r}: give a path relative to the scenario file's folder (no absolute paths or URLs).")
        return
    if c.sc.folder is None:
        c.add(path, "an edge list is read relative to the scenario file; "
                    "load the scenario from a file (rumormill.scenario.load).")
        return
    folder = Path(c.sc.folder).resolve()
    try:
        target = (folder / name).resolve()
    except (OSError, ValueError) as err:
        c.add(path, f"path = {name!r} cannot be followed ({err}); give the name of a file beside the scenario.")
        return
    if folder != target and folder not in target.parents:
        c.add(path, f"path = {name!r} leaves the scenario's folder {folder}; "
                    "keep edge lists beside the scenario or below it.")
    elif not target.is_file():
        c.add(path, f"path = {name!r}: no such file {target}; check the name (it is relative to {folder}).")


LAYERS = {
    "cliques": LayerKind(schema.CliquesLayer, cliques_layer, _by_label, lambda x: f"by {x.by}", _check_by_label),
    "within": LayerKind(schema.WithinLayer, within_layer, lambda x, c: _by_label(x, c, x.mean_degree),
                        lambda x: f"by {x.by}, mean degree {x.mean_degree:g}", _check_by_label),
    "random": LayerKind(schema.RandomLayer, random_layer,
                        lambda x, c: c.count(x.groups, x.regions) * x.mean_degree / 2,
                        lambda x: f"mean degree {x.mean_degree:g}{' within regions' if x.within_region else ''}"),
    "bipartite": LayerKind(schema.BipartiteLayer, bipartite_layer,
                           lambda x, c: c.count(x.a, x.regions) * x.mean_degree_a,
                           lambda x: f"{listed(x.a)} <-> {listed(x.b)}, {x.mean_degree_a:g} each", _check_bipartite),
    # the file's size is read when it is built, not estimated
    "edgelist": LayerKind(schema.EdgelistLayer, edgelist_layer, lambda x, c: 0.0, lambda x: f"from {x.path}",
                          _check_edgelist),
}


# ------------------------------------------------------ letter delays


@dataclass(frozen=True)
class DelayKind:
    table: type
    #: spec -> the engines' ``Delay``
    build: Callable


DELAYS = {
    "fixed": DelayKind(schema.FixedDelay, lambda x: Delay.fixed(x.days)),
    "gamma": DelayKind(schema.GammaDelay, lambda x: Delay.gamma(x.mean, x.sd)),
    "discrete": DelayKind(schema.DiscreteDelay, lambda x: Delay.discrete(x.days, x.weights or ())),
}


# ------------------------------------------------------ story models


@dataclass(frozen=True)
class StoryKind:
    table: type
    #: the engines' model; its fields are the table's values but name, model, initial and note
    engine: type
    describe: Callable[[object], str] = lambda spec: settings(spec, "{:g}".format)

    def build(self, spec):
        return self.engine(**spec.model_dump(exclude={"name", "model", "initial", "note"}))


STORIES = {
    "maki-thompson": StoryKind(schema.MakiThompsonStory, _models.MakiThompson),
    "daley-kendall": StoryKind(schema.DaleyKendallStory, _models.DaleyKendall),
    "isr": StoryKind(schema.ISRStory, _models.ISR),
    "sir": StoryKind(schema.SIRStory, _models.SIR),
    "independent-cascade": StoryKind(schema.CascadeStory, _models.IndependentCascade),
}


# ------------------------------------------------------------ measures


@dataclass(frozen=True)
class MeasureKind:
    table: type
    #: the measure the engines compile (``measures``); its fields are the table's values
    engine: type
    #: (checker, path, spec): the names it refers to beyond its dates
    check: Callable
    describe: Callable[[object], str] = settings

    def build(self, spec, start: int | None, stop: int | None):
        """The engines' measure, on from day offset ``start`` (None: when a trigger orders it) to ``stop``."""
        args = spec.model_dump(exclude={"type", "name", "start", "stop", "note"})
        args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
        return self.engine(name=spec.name, **args, start=start, stop=stop)


def _check_cohort(c, path, m) -> None:
    c.names((*path, "groups"), "group", m.groups, c.groups)
    c.names((*path, "regions"), "region", m.regions, c.regions)


def _check_inspect(c, path, m) -> None:
    channels = sorted({lay.channel for lay in c.sc.layers})
    if m.channel not in channels:
        c.add((*path, "channel"), f"no layer carries channel {m.channel!r}{c.suggest(m.channel, channels)}; "
                                  f"the channels are: {', '.join(channels)}.")


def _check_detect(c, path, m) -> None:
    _check_cohort(c, path, m)
    c.names((*path, "layers"), "layer", m.layers, c.layers)


def _check_check(c, path, m) -> None:
    _check_cohort(c, path, m)
    c.one((*path, "household"), "layer", m.household, c.layers)
    if m.indoctrinate > 0 and m.household is None:
        c.add((*path, "household"), f"indoctrinate = {m.indoctrinate:g} needs household = \"<layer>\": the "
                                    "layer whose neighbours of a found member are indoctrinated with them.")


def _check_inflow(c, path, m) -> None:
    _check_cohort(c, path, m)
    c.one((*path, "story"), "story", m.story, c.stories)


MEASURES = {
    "inspect": MeasureKind(schema.InspectMeasure, _measures.Inspect, _check_inspect),
    "detect": MeasureKind(schema.DetectMeasure, _measures.Detect, _check_detect),
    "deter": MeasureKind(schema.DeterMeasure, _measures.Deter, _check_cohort),
    "indoctrinate": MeasureKind(schema.IndoctrinateMeasure, _measures.Indoctrinate, _check_cohort),
    "monitor": MeasureKind(schema.MonitorMeasure, _measures.Monitor, _check_cohort),
    "check": MeasureKind(schema.CheckMeasure, _measures.Check, _check_check),
    "inflow": MeasureKind(schema.InflowMeasure, _measures.Inflow, _check_inflow),
}


# ------------------------------------------------------------ triggers


@dataclass(frozen=True)
class TriggerKind:
    """The one kind of trigger: a ``[[triggers]]`` table has no type."""

    table: type
    engine: type
    check: Callable
    describe: Callable[[object], str]

    def build(self, spec, scale: float, order: str):
        """The engines' trigger: its threshold scaled (at least 1), ordering its
        measures only under ``order = "trigger"``."""
        return self.engine(
            name=spec.name, observe=spec.observe, threshold=max(1, int(round(spec.threshold * scale))),
            regions=None if spec.regions is None else tuple(spec.regions), delay=spec.order_delay,
            starts=tuple(spec.starts) if order == "trigger" else (), layer=spec.layer,
            report_probability=spec.report_probability, story=spec.story,
            stages=tuple((st.office, st.days) for st in spec.stages),
        )


def _check_trigger(c, path, t) -> None:
    c.names((*path, "regions"), "region", t.regions, c.regions)
    c.names((*path, "starts"), "measure", t.starts, c.measures)
    if t.observe == "reports" and t.layer is None:
        c.add((*path, "layer"), 'observe = "reports" needs layer = "<name>": the layer whose tellings are reported.')
    elif t.layer is not None and t.observe != "reports":
        c.add((*path, "layer"),
              f'layer is read only with observe = "reports" (here observe = {t.observe!r}); remove it.')
    c.one((*path, "layer"), "layer", t.layer, c.layers)
    c.one((*path, "story"), "story", t.story, c.stories)
    chain = sum(st.days for st in t.stages)
    if t.stages and t.delay is not None and t.delay != chain:
        c.add((*path, "delay"), f"delay = {t.delay} but the stages take {chain} days; remove delay "
                                "(it is then the stages' sum) or make them agree.")
    if chain > schema.MAX_DAYS:
        c.add((*path, "stages"), f"the stages take {chain:,} days in all, more than {schema.MAX_DAYS:,}; shorten them.")


def _describe_trigger(t) -> str:
    on = f" on {t.layer} (p {t.report_probability:g})" if t.observe == "reports" else ""
    on += f" of {t.story}" if t.story else ""
    return (f"{t.observe}{on} in {listed(t.regions)} reach {t.threshold:g} (x scale) "
            f"-> after {t.order_delay} days start {', '.join(t.starts) or 'nothing'}")


TRIGGER = TriggerKind(schema.Trigger, _measures.Trigger, _check_trigger, _describe_trigger)
