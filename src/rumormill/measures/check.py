"""``Check``: inspections of a cohort on a calendar, with consequences.

Soldiers' families are checked by provincial branches of State Security,
which "monitor these families' monthly movements and conduct ideological
indoctrination when deemed necessary", and punish "ideological flaws". A
check falls at the end of day ``first`` after the measure switches on, then
every ``every`` days. Each member of the cohort who knows a story (any
story, spreading it or not) is found out with ``probability``; a finding
leads, independently, to detention with ``detain`` and to the indoctrination
of the household with ``indoctrinate``: the found member and their
neighbours on the ``household`` layer stop spreading every story (they know
it but are silenced). Unlike ``Monitor``, which finds only spreaders and
detains them all, a check finds whoever has heard. Each check draws from its
own stream (``check:NAME``), keyed by the day and the agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..rates import check_probability
from .base import Context, Measure, names


@dataclass(frozen=True)
class Check(Measure):
    every: int = 30
    first: int = 0
    probability: float = 0.1
    detain: float = 1.0
    indoctrinate: float = 0.0
    household: str | None = None
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def __post_init__(self):
        super().__post_init__()
        if int(self.every) != self.every or self.every < 1:
            raise ParameterError(f"{self.name}.every = {self.every!r}: give a whole number of days >= 1.")
        if int(self.first) != self.first or self.first < 0:
            raise ParameterError(f"{self.name}.first = {self.first!r}: give a whole number of days >= 0 "
                                 "(0: the day it switches on).")
        for field in ("probability", "detain", "indoctrinate"):
            check_probability(f"{self.name}.{field}", getattr(self, field))
        if self.indoctrinate > 0 and self.household is None:
            raise ParameterError(f"{self.name}: indoctrinate = {self.indoctrinate:g} needs household = the layer "
                                 "whose neighbours of a found member are indoctrinated with them.")
        object.__setattr__(self, "groups", names(self.groups))
        object.__setattr__(self, "regions", names(self.regions))

    def check(self, ctx: Context) -> None:
        if self.household is not None and self.household not in ctx.layers:
            raise ParameterError(f"check {self.name!r}: household layer {self.household!r} is not one of "
                                 f"{', '.join(ctx.layers)}.")
        ctx.cells(self.groups, self.regions)

    def due(self, day: int, since: int) -> bool:
        """Whether a check falls on ``day`` for a measure on since ``since``."""
        after = day - since - self.first
        return after >= 0 and after % self.every == 0

    def at_dusk(self, day: int, since: int, sim, ctx: Context) -> int:
        if not self.due(day, since):
            return 0
        cohort = np.zeros(ctx.n_cells, dtype=np.bool_)
        cohort[ctx.cells(self.groups, self.regions)] = True
        household = None if self.household is None else ctx.layers.index(self.household)
        return sim.check(day, cohort, self.probability, self.detain, self.indoctrinate, household, self.name)
