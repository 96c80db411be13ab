"""The calendar both stochastic engines keep: which measures are on each day,
what the triggers see, and the events a day leaves.

Per day: offices of a chain of command reached today and orders that take
effect today → measures switch on or off (an event each) → the engine runs
the day → the day's interceptions, detentions
and inflow become events → triggers observe them (a report is an event).
Written once here so the daily and exact engines keep the same chain of
command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import ParameterError
from ..measures.base import Context
from ..measures.detect import Detect
from ..measures.inflow import Inflow
from ..measures.inspect import Inspect
from ..measures.triggers import Watch

#: the tellings column for news from outside (inflow)
OUTSIDE = "outside"


@dataclass(frozen=True)
class RunInputs:
    """What a run of either stochastic engine needs, resolved to arrays.

    graph : tuple
        Per layer: CSR arrays (placeholders for a well-mixed layer) and the
        well-mixed flag; the exact engine also the largest degree.
    rates : float[S, L]
        Per-edge meeting rate per day, per story and layer (per agent on a
        well-mixed layer).
    stifle, pair, forget : per story
        The model's rules: chance a knower stops the teller, Daley–Kendall
        pairs, spontaneous stopping rate per day.
    seeds : list of int32 arrays
        Initial spreaders per story.
    cell : int32[n]
        Each agent's cell (group × region); ``n_cells`` of them.
    delays : per layer, a ``Delay`` (the layer carries letters) or None
    """

    graph: tuple
    rates: np.ndarray
    stifle: np.ndarray
    pair: np.ndarray
    forget: np.ndarray
    seeds: list
    cell: np.ndarray
    n_cells: int
    layer_names: list[str]
    channels: list[str]
    story_names: list[str]
    measures: tuple = ()
    triggers: tuple = ()
    population: object | None = None
    delays: tuple | None = None


def prepare(inp: RunInputs) -> tuple[Context, list[str], int | None]:
    """Resolve a run's names and check its measures and triggers against them.

    Returns the ``Context``, the tellings columns (the layers, and
    ``outside`` when news comes from outside) and that column's index.
    """
    measures = list(inp.measures)
    check_names(measures)
    ctx = Context(inp.population, list(inp.layer_names), list(inp.channels), list(inp.story_names), inp.n_cells,
                  inspections(measures), detections(measures))
    for m in measures:
        m.check(ctx)
    for t in inp.triggers:
        t.check(ctx, [m.name for m in measures])
    inflow = has_inflow(measures)
    columns = list(inp.layer_names) + ([OUTSIDE] if inflow else [])
    return ctx, columns, (len(inp.layer_names) if inflow else None)


def default_meta(inp: RunInputs, engine: str) -> dict:
    """A ``Result``'s names when the caller gives none (cells by number)."""
    return {"stories": list(inp.story_names), "cells": [str(c) for c in range(inp.n_cells)], "n": len(inp.cell),
            "engine": engine}


def check_names(measures) -> None:
    """Each measure's random stream is keyed by its name, so names must be unique."""
    seen = set()
    for m in measures:
        if m.name in seen:
            raise ParameterError(f"two measures are named {m.name!r}: give each measure its own name.")
        seen.add(m.name)


def inspections(measures) -> tuple[str, ...]:
    """Names of the run's inspections, in order: row k of ``Levers.intercept``."""
    return tuple(m.name for m in measures if isinstance(m, Inspect))


def detections(measures) -> tuple[str, ...]:
    """Names of the run's detections, in order: row d of ``Levers.watch``."""
    return tuple(m.name for m in measures if isinstance(m, Detect))


def has_inflow(measures) -> bool:
    return any(isinstance(m, Inflow) for m in measures)


def watches(triggers, ctx) -> list[Watch]:
    """A running state per trigger, its names resolved."""
    return [Watch(t, ctx.cells(None, t.regions),
                  None if t.layer is None else ctx.layers.index(t.layer),
                  None if t.story is None else ctx.story(t.story)) for t in triggers]


def orders(watched) -> dict[str, int]:
    """Measure name -> the first day an order switches it on."""
    out: dict[str, int] = {}
    for w in watched:
        if w.order_on is None:
            continue
        for name in w.trigger.starts:
            out[name] = min(out.get(name, w.order_on), w.order_on)
    return out


def switch(day: int, measures, watched, on_since: dict[str, int], events: list) -> tuple[list, bool]:
    """The measures on today, and whether the set changed since yesterday.

    ``on_since`` (name -> day it switched on) is updated in place; starts,
    stops and orders taking effect today are appended to ``events``.
    """
    ordered = orders(watched)
    now_on = [m for m in measures if m.is_on(day, ordered.get(m.name))]
    names = {m.name for m in now_on}
    changed = names != set(on_since)
    for m in now_on:
        if m.name not in on_since:
            on_since[m.name] = day
            events.append((day, "measure-start", "", -1, 0, m.name))
    for name in [k for k in on_since if k not in names]:
        del on_since[name]
        events.append((day, "measure-stop", "", -1, 0, name))
    for w in watched:
        if w.reported_on is not None and day > w.reported_on:
            stage_events(day, events, w)
        if w.order_on == day and w.trigger.starts:
            events.append((day, "order", "", -1, 0, f"{w.trigger.name}: " + ", ".join(w.trigger.starts)))
    return now_on, changed


def stage_events(day: int, events: list, w) -> None:
    """The offices of a trigger's chain of command reached today (``detail``: trigger: office)."""
    for when, office in w.trigger.reached(w.reported_on):
        if when == day:
            events.append((day, "stage", "", -1, 0, f"{w.trigger.name}: {office}"))


def check_events(day: int, events: list, found: np.ndarray, homes: np.ndarray, name: str) -> None:
    """A check's findings and the households it indoctrinated, by the found member's cell."""
    for kind, counts in (("check-finding", found), ("check-indoctrination", homes)):
        for c in np.flatnonzero(counts):
            events.append((day, kind, "", int(c), int(counts[c]), name))


def household_arrays(graph, household: int | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of a check's household layer (no one's neighbours when it has none)."""
    if household is None:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(1, dtype=np.int32)
    indptrs, indicess, complete = graph[:3]
    if complete[household]:
        raise ParameterError("a check's household layer must be a network, not well-mixed: a household is the "
                             "found member's neighbours on it.")
    return indptrs[household], indicess[household]


def day_events(day: int, events: list, stories: list[str], new_int, new_det, new_tell, outside: int | None,
               watched, report_rng: Callable[[str, int], np.random.Generator], new_letters=None,
               layers: list[str] = ()) -> None:
    """The day's interceptions, detentions, inflow and letters as events; then triggers observe the day.

    ``new_int[S, L, C]``, ``new_det[C]`` and ``new_tell[S, L', C]`` are the
    day's counts; ``outside`` is the tellings column of news from outside
    (None when the run has no inflow); ``report_rng(trigger, day)`` the
    stream a trigger's informants draw from that day. ``new_letters[S, 2,
    L, C]`` are the day's letters written (by the writer's cell) and
    delivered (by the reader's), one event per story, layer and cell, the
    layer named in ``detail``.
    """
    if new_letters is not None:
        for what, kind in ((0, "letters-written"), (1, "letters-delivered")):
            for s, lay, c in zip(*np.nonzero(new_letters[:, what])):
                events.append((day, kind, stories[s], int(c), int(new_letters[s, what, lay, c]), layers[lay]))
    for s, c in zip(*np.nonzero(new_int.sum(axis=1))):
        events.append((day, "interception", stories[s], int(c), int(new_int[s, :, c].sum()), ""))
    for c in np.flatnonzero(new_det):
        events.append((day, "detention", "", int(c), int(new_det[c]), ""))
    if outside is not None:
        for s, c in zip(*np.nonzero(new_tell[:, outside])):
            events.append((day, "inflow", stories[s], int(c), int(new_tell[s, outside, c]), ""))
    for w in watched:
        rng = report_rng(w.trigger.name, day) if w.trigger.observe == "reports" else None
        if w.observe(day, new_int, new_det, new_tell, rng):
            events.append((day, "report", "", -1, int(w.seen),
                           f"{w.trigger.name}: {w.trigger.observe} reached {w.trigger.threshold:g}"))
            stage_events(day, events, w)  # offices reached the day of the report
