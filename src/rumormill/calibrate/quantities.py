"""What a run is asked: the reach of a story in a cohort on a date, the day a
trigger's report went up, the people detained by a date.

A ``Quantity`` names one such number; ``measure(result, population)`` reads
it from a run's per-cell counts. A cohort is every cell (group x region) of
the named groups in the named regions, so a cohort of two provinces is
weighted by their sizes: reach = 1 - (ignorants in the cohort) / (people in
the cohort). Ensemble summaries keep groups, regions and everyone apart, not
their cells, which is why quantities are read from the run itself.

Dates follow the ensemble tables: row ``d`` of a run's counts is the end of
day ``d - 1``, so the figure for a date is the end of that day. A report is
an event on its day; a trigger that never reported counts as reporting on
the day after the calendar ends (``days``), the nearest it could have been.

A quantity with ``without`` is an effect: its value with every measure
minus its value with the named measures left out, the two runs on the same
seed (common random numbers, ``scenario.variants.without``), so the
difference is the measures' alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .. import dates
from ..errors import ParameterError

KINDS = ("reach", "report", "detained")


@dataclass(frozen=True)
class Quantity:
    """One number a run answers (see the module docstring).

    ``kind`` is ``"reach"`` (fraction of the cohort who know ``story``),
    ``"report"`` (the day, from the scenario's start, of ``trigger``'s first
    report) or ``"detained"`` (people of the cohort detained by ``date``, at
    the run's scale divided by the scale: people at scale 1). With
    ``without`` (measure names) it is an effect: the value with every
    measure minus the value without those, on the same seed.
    """

    kind: str
    date: dt.date | None = None
    story: str | None = None
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    trigger: str | None = None
    without: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ParameterError(f"quantity kind = {self.kind!r}: choose one of {', '.join(KINDS)}.")
        if self.kind == "reach" and (self.story is None or self.date is None):
            raise ParameterError("a reach quantity needs a story and a date.")
        if self.kind == "report" and self.trigger is None:
            raise ParameterError("a report quantity needs the trigger whose report it is.")
        if self.kind == "detained" and self.date is None:
            raise ParameterError("a detained quantity needs a date.")
        if self.without is not None and not self.without:
            raise ParameterError("an effect needs the measures it leaves out (without=...).")

    @property
    def label(self) -> str:
        """Short, stable name: ``reach:deployment@Ryanggang+North Hamgyong:2024-10-25``,
        an effect prefixed with the measures it leaves out, ``effect[a,b]:``."""
        if self.kind == "report":
            label = f"report:{self.trigger}"
        else:
            who = "+".join(list(self.groups or ()) + list(self.regions or ())) or "all"
            what = f"reach:{self.story}" if self.kind == "reach" else "detained"
            label = f"{what}@{who}:{self.date.isoformat()}"
        return f"effect[{','.join(self.without)}]:{label}" if self.without else label

    def check(self, scenario) -> None:
        """Refuse names the scenario does not have, and dates outside its calendar."""
        info = scenario.scenario
        known = {"story": [s.name for s in scenario.stories], "trigger": [t.name for t in scenario.triggers],
                 "group": [g.name for g in scenario.population.groups],
                 "region": list(scenario.population.regions), "measure": [m.name for m in scenario.measures]}
        wanted = {"story": [self.story] if self.story else [], "trigger": [self.trigger] if self.trigger else [],
                  "group": list(self.groups or ()), "region": list(self.regions or ()),
                  "measure": list(self.without or ())}
        for kind, names in wanted.items():
            for name in names:
                if name not in known[kind]:
                    raise ParameterError(f"{self.label}: unknown {kind} {name!r}; the {kind}s are: "
                                         f"{', '.join(known[kind]) or 'none'}.")
        if self.date is not None and not info.start <= self.date <= info.end:
            raise ParameterError(f"{self.label}: {self.date} is outside the calendar {info.start} .. {info.end}.")


def day_of(scenario, date: dt.date) -> int:
    """Days from the scenario's start to ``date`` (day 0 is the start)."""
    return dates.day_of(scenario.scenario.start, date)


def first_report(result, trigger: str) -> int | None:
    """The day of ``trigger``'s first report in a run (None: it never reported)."""
    days = [e[0] for e in result.events if e[1] == "report" and str(e[5]).split(":")[0] == trigger]
    return int(min(days)) if days else None


def reach_curve(quantity: Quantity, result, population) -> np.ndarray:
    """float64[T]: the reach of ``quantity``'s story in its cohort at the end
    of every day of a run (row ``d``: the end of day ``d - 1``)."""
    counts = result.counts  # [T, S, 3, C]
    cells = population.cells_of(quantity.groups, quantity.regions)
    s = list(result.stories).index(quantity.story)
    size = float(counts[0, s, :, cells].astype(np.float64).sum())
    if size <= 0:
        return np.zeros(counts.shape[0])
    return 1.0 - counts[:, s, 0][:, cells].astype(np.float64).sum(axis=1) / size


def measure(quantities, result, population, scenario, scale: float) -> np.ndarray:
    """float64[Q]: each quantity read from one run (``rumormill.Result``) of
    ``scenario`` built on ``population`` at ``scale``."""
    out = np.empty(len(quantities))
    last = result.counts.shape[0] - 1
    for q, quantity in enumerate(quantities):
        if quantity.kind == "report":
            day = first_report(result, quantity.trigger)
            out[q] = float(scenario.scenario.days if day is None else day)
            continue
        row = min(max(dates.row_of(scenario.scenario.start, quantity.date), 0), last)
        if quantity.kind == "detained":
            cells = population.cells_of(quantity.groups, quantity.regions)
            out[q] = float(result.detained[row, cells].sum()) / scale
        else:
            out[q] = reach_curve(quantity, result, population)[row]
    return out
