"""The calendar both stochastic engines keep: the day's stages in order,
which measures are on each day, what the triggers see, and the events a day
leaves.

The day is written once, here, as ``DAY``: a list of named stages that both
engines follow (``follow``) and that ``rumormill show NAME --plan`` prints
with the compiled measures acting in each. Measures arrive compiled
(``measures.schedule``): the engines read their acts and never call them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..measures.schedule import Schedule, compile_run
from ..measures.triggers import Watch

#: the tellings column for news from outside (inflow)
OUTSIDE = "outside"


@dataclass(frozen=True)
class Stage:
    """One stage of the day: its name, what happens in it, and its parts in order."""

    name: str
    does: str
    parts: tuple[str, ...] = ()


#: The day, in order. The daily engine runs ``steps`` as ``substeps`` steps,
#: each with its parts in order; the exact engine runs it as continuous time,
#: its arrivals, tellings and letters interleaved event by event.
DAY = (
    Stage("switch", "measures due today switch on or off, by date or by a trigger's order; levers are recomputed "
                    "only then, and only spreaders whose own rates changed draw their waits again"),
    Stage("dawn", "inflows set where news from outside arrives today, per story and cell, at what rate"),
    Stage("steps", "the day's steps, under the levers of the measures that are on",
          ("arrivals: news from outside reaches ignorants, who believe it with their acceptance",
           "tellings: spreaders meet neighbours; inspections intercept, detections watch, spreaders stop",
           "letters: those arriving in the step are read by the inspections then in force, or delivered")),
    Stage("dusk", "monitors and checks due today search their cohorts, and detain or silence what they find"),
    Stage("leave", "detained spreaders stop spreading every story"),
    Stage("record", "the day's counts, tellings, interceptions, detentions and letters become a row"),
    Stage("observe", "the day's interceptions, detentions, inflow and letters become events; triggers observe "
                     "them and report when they reach their threshold"),
)


def follow(stages: Mapping[str, Callable[[int], None]]) -> tuple[Callable[[int], None], ...]:
    """An engine's stages in the order of ``DAY``; each is called with the day.

    An engine gives one callable per stage of ``DAY``, no more, no fewer."""
    if set(stages) != {st.name for st in DAY}:
        raise ValueError(f"an engine gives stages {sorted(stages)}; the day has {[st.name for st in DAY]}")
    return tuple(stages[st.name] for st in DAY)


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


def prepare(inp: RunInputs) -> tuple[Schedule, list[str], int | None]:
    """Compile a run's measures and triggers, once, against its names.

    Returns the ``Schedule``, the tellings columns (the layers, and
    ``outside`` when news comes from outside) and that column's index.
    """
    plan = compile_run(inp.measures, inp.triggers, population=inp.population, layers=inp.layer_names,
                       channels=inp.channels, stories=inp.story_names, n_cells=inp.n_cells)
    columns = list(inp.layer_names) + ([OUTSIDE] if plan.has_inflow else [])
    return plan, columns, (len(inp.layer_names) if plan.has_inflow else None)


def default_meta(inp: RunInputs, engine: str) -> dict:
    """A ``Result``'s names when the caller gives none (cells by number)."""
    return {"stories": list(inp.story_names), "cells": [str(c) for c in range(inp.n_cells)], "n": len(inp.cell),
            "engine": engine}


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


def switch(day: int, acts, watched, on_since: dict[str, int], events: list) -> tuple[list, bool]:
    """The acts on today, and whether the set changed since yesterday.

    ``on_since`` (name -> day it switched on) is updated in place; starts,
    stops and orders taking effect today are appended to ``events``.
    """
    ordered = orders(watched)
    now_on = [m for m in acts if m.is_on(day, ordered.get(m.name))]
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
