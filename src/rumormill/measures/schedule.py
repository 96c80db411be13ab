"""What measures compile to: plain records the engines read.

A run compiles each measure once (``Measure.compile``) into one *act*:

* ``CellLevers`` (``Deter``, ``Indoctrinate``): per cell, a multiplier on
  spreaders' meeting rate, an extra stopping rate and a multiplier on
  hearers' acceptance, read in every step while the measure is on;
* ``Thinning`` (``Inspect``): an inspection's row, the chance it intercepts a
  meeting on each layer of its channel and detains the sender;
* ``Watching`` (``Detect``): a detection's row, the chance it observes a
  telling on each watched layer by a teller in each cell, and detains them;
* ``Arrival`` (``Inflow``): a story reaching the ignorants of some cells from
  outside at a rate per day;
* ``Sweep`` (``Monitor``, ``Check``): a cohort searched at the end of some
  days, with what a finding leads to.

Each act says the stage of the day it acts in (``engine.calendar.DAY``) and
the random streams it draws from. The engines read acts; they never call a
measure, and a measure never sees an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from .base import Context, Levers
from .triggers import Trigger


@dataclass(frozen=True, kw_only=True, eq=False)
class Act:
    """A compiled measure: its name and kind, when it is on, what it draws
    from, and in words whom it acts on (``target``) and how hard (``dose``)."""

    #: the stage of the day it acts in (a name in ``engine.calendar.DAY``)
    stage: ClassVar[str]
    name: str
    kind: str
    start: int | None
    stop: int | None
    streams: tuple[str, ...]
    target: str
    dose: str

    def is_on(self, day: int, ordered_on: int | None) -> bool:
        """On from its start day (or the day a trigger's order takes effect) until stop."""
        begin = self.start
        if ordered_on is not None:
            begin = ordered_on if begin is None else min(begin, ordered_on)
        if begin is None or day < begin:
            return False
        return self.stop is None or day < self.stop


class LeverAct(Act):
    """An act the kernel reads in every step while it is on: it moves levers."""

    stage = "steps"

    def move(self, levers: Levers) -> None:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True, eq=False)
class CellLevers(LeverAct):
    cells: np.ndarray
    spread: float = 1.0
    forget: float = 0.0
    accept: float = 1.0

    def move(self, levers: Levers) -> None:
        if self.spread != 1.0:
            levers.spread[:, self.cells] *= self.spread
        if self.forget != 0.0:
            levers.forget[:, self.cells] += self.forget
        if self.accept != 1.0:
            levers.accept[:, self.cells] *= self.accept


@dataclass(frozen=True, kw_only=True, eq=False)
class Thinning(LeverAct):
    #: its row of ``Levers.intercept`` and ``Levers.detain``
    row: int
    layers: tuple[int, ...]
    probability: float
    detain: float

    def move(self, levers: Levers) -> None:
        for lay in self.layers:
            levers.intercept[self.row, lay] = self.probability
            levers.detain[self.row, lay] = self.detain


@dataclass(frozen=True, kw_only=True, eq=False)
class Watching(LeverAct):
    #: its row of ``Levers.watch`` and ``Levers.punish``
    row: int
    layers: tuple[int, ...]
    cells: np.ndarray
    probability: float
    detain: float

    def move(self, levers: Levers) -> None:
        for lay in self.layers:
            levers.watch[self.row, lay, self.cells] = self.probability
            levers.punish[self.row, lay, self.cells] = self.detain


@dataclass(frozen=True, kw_only=True, eq=False)
class Arrival(Act):
    """Ignorant, undetained agents of ``cells`` hear ``story`` from outside at ``rate`` per day."""

    stage = "dawn"
    story: int
    cells: np.ndarray
    rate: float


@dataclass(frozen=True, kw_only=True, eq=False)
class Sweep(Act):
    """A search of the cohort's cells at the end of day ``first`` after the
    measure switches on, then every ``every`` days.

    ``finds`` is ``"spreaders"`` (a monitor: each found is detained) or
    ``"knowers"`` (a check: a finding is detained with ``detain`` and has its
    household, its neighbours on layer ``household``, silenced with
    ``indoctrinate``).
    """

    stage = "dusk"
    cohort: np.ndarray
    finds: str
    probability: float
    every: int
    first: int
    detain: float = 1.0
    indoctrinate: float = 0.0
    household: int | None = None

    def due(self, day: int, since: int) -> bool:
        """Whether it searches on ``day``, having been on since ``since``."""
        after = day - since - self.first
        return after >= 0 and after % self.every == 0


@dataclass(frozen=True, eq=False)
class Schedule:
    """A run's measures compiled, in the run's order, and its triggers."""

    acts: tuple[Act, ...]
    triggers: tuple[Trigger, ...]
    context: Context

    @property
    def has_inflow(self) -> bool:
        return any(isinstance(a, Arrival) for a in self.acts)

    def at(self, stage: str) -> list[Act]:
        """The acts of one stage of the day, in the run's order."""
        return [a for a in self.acts if a.stage == stage]

    def levers(self, on) -> Levers:
        """The levers of a day on which the acts ``on`` are on (the others are neutral)."""
        ctx = self.context
        lv = Levers.neutral(len(ctx.stories), ctx.n_cells, len(ctx.layers), len(ctx.inspections),
                            len(ctx.detections))
        for act in on:
            if isinstance(act, LeverAct):
                act.move(lv)
        return lv


def compile_run(measures, triggers, *, population, layers, channels, stories, n_cells) -> Schedule:
    """Compile a run's measures once, in order, their names resolved against
    the run's (``population`` may be None when no measure names a group or
    region), and check its triggers' names."""
    measures = list(measures)
    check_names(measures)
    ctx = Context(population, list(layers), list(channels), list(stories), n_cells, inspections(measures),
                  detections(measures))
    acts = tuple(m.compile(ctx) for m in measures)
    for t in triggers:
        t.check(ctx, [m.name for m in measures])
    return Schedule(acts, tuple(triggers), ctx)


def check_names(measures) -> None:
    """Each measure's random stream is keyed by its name, so names must be unique."""
    seen = set()
    for m in measures:
        if m.name in seen:
            raise ParameterError(f"two measures are named {m.name!r}: give each measure its own name.")
        seen.add(m.name)


def inspections(measures) -> tuple[str, ...]:
    """Names of the run's inspections, in order: row k of ``Levers.intercept``."""
    from .inspect import Inspect

    return tuple(m.name for m in measures if isinstance(m, Inspect))


def detections(measures) -> tuple[str, ...]:
    """Names of the run's detections, in order: row d of ``Levers.watch``."""
    from .detect import Detect

    return tuple(m.name for m in measures if isinstance(m, Detect))


def cohort_mask(ctx: Context, cells: np.ndarray) -> np.ndarray:
    """bool[n_cells]: True in the given cells."""
    mask = np.zeros(ctx.n_cells, dtype=np.bool_)
    mask[cells] = True
    return mask
