"""What every measure shares: when it is on, the names it may use, and the
levers it can move.

A measure never touches an engine. A run compiles it once (``compile``) into
an act (``schedule``): plain data that the engines read, levers the kernel
reads in every step (inspection, deterrence, detection, indoctrination), an
arrival of news from outside set at dawn (inflow), or a search of a cohort at
dusk (monitoring, checks). Start and stop are day offsets from the run's
first day; ``start=None`` means "off until a trigger starts it".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError


@dataclass
class Levers:
    """The numbers measures move, for one day.

    spread[S, C]     multiplier on a spreader's meeting rate, by its cell
    forget[S, C]     extra stopping rate per day, by cell
    accept[S, C]     chance a hearer in that cell believes and passes it on
    intercept[K, L]  per inspection k, chance it intercepts a meeting on layer l
    detain[K, L]     chance inspection k detains a sender it intercepted
    watch[D, L, C]   per detection d, chance it observes a telling on layer l by a teller in cell c
    punish[D, L, C]  chance detection d detains the teller it observed

    Each inspection has its own row and its own random stream: a meeting is
    intercepted if any inspection catches it, and its sender detained if any
    catcher detains; adding one leaves the other's draws as they were.
    """

    spread: np.ndarray
    forget: np.ndarray
    accept: np.ndarray
    intercept: np.ndarray
    detain: np.ndarray
    watch: np.ndarray
    punish: np.ndarray

    @classmethod
    def neutral(cls, n_stories: int, n_cells: int, n_layers: int, n_inspections: int = 0,
                n_detections: int = 0) -> "Levers":
        return cls(
            np.ones((n_stories, n_cells)),
            np.zeros((n_stories, n_cells)),
            np.ones((n_stories, n_cells)),
            np.zeros((n_inspections, n_layers)),
            np.zeros((n_inspections, n_layers)),
            np.zeros((n_detections, n_layers, n_cells)),
            np.zeros((n_detections, n_layers, n_cells)),
        )


@dataclass(frozen=True)
class Context:
    """The names a measure may refer to, resolved to indices."""

    population: object | None
    layers: list[str]
    channels: list[str]
    stories: list[str]
    n_cells: int
    #: names of the run's inspections, in order: row k of ``Levers.intercept``
    inspections: tuple[str, ...] = ()
    #: names of the run's detections, in order: row d of ``Levers.watch``
    detections: tuple[str, ...] = ()

    def cells(self, groups, regions) -> np.ndarray:
        """Cell ids of the groups in the regions (every cell when both are None)."""
        if groups is None and regions is None:
            return np.arange(self.n_cells)
        if self.population is None:
            raise ParameterError(
                "a measure names groups or regions, but the run has no population: "
                "pass population=... to simulate (or drop groups/regions)."
            )
        return self.population.cells_of(groups, regions)

    def layers_of(self, channel: str) -> list[int]:
        found = [k for k, c in enumerate(self.channels) if c == channel]
        if not found:
            raise ParameterError(
                f"channel {channel!r} is carried by no layer; the channels are: {', '.join(sorted(set(self.channels)))}."
            )
        return found

    def story(self, name: str) -> int:
        if name not in self.stories:
            raise ParameterError(f"story {name!r} is not in this run; its stories are: {', '.join(self.stories)}.")
        return self.stories.index(name)


@dataclass(frozen=True)
class Measure:
    """Base of every measure: a name and when it is on."""

    name: str
    start: int | None = 0
    stop: int | None = None

    def __post_init__(self):
        for field in ("start", "stop"):
            v = getattr(self, field)
            if v is not None and (int(v) != v or v < 0):
                raise ParameterError(f"{self.name}.{field} = {v!r}: give a day offset >= 0 (or None).")
        if self.start is not None and self.stop is not None and self.stop <= self.start:
            raise ParameterError(f"{self.name}: stop (day {self.stop}) must come after start (day {self.start}).")

    def compile(self, ctx: Context):
        """This measure as the engines read it (an ``Act`` of ``schedule``), its
        names resolved; a ParameterError names one that does not resolve."""
        raise NotImplementedError

    def when(self) -> dict:
        """Its name, kind and days, as every act carries them."""
        return {"name": self.name, "kind": type(self).__name__.lower(), "start": self.start, "stop": self.stop}


def cohort(groups, regions) -> str:
    """A cohort in words: "family in north, east", "everyone"."""
    if groups is None and regions is None:
        return "everyone"
    return f"{', '.join(groups) if groups else 'every group'} in {', '.join(regions) if regions else 'every region'}"


def names(value) -> tuple[str, ...] | None:
    """Normalise a group/region list argument (None = all)."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)
