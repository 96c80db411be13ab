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

from ..errors import ParameterError
from ..rates import check_probability
from .base import Context, Measure, cohort, names
from .schedule import Sweep, cohort_mask


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

    def compile(self, ctx: Context) -> Sweep:
        if self.household is not None and self.household not in ctx.layers:
            raise ParameterError(f"check {self.name!r}: household layer {self.household!r} is not one of "
                                 f"{', '.join(ctx.layers)}.")
        home = f", silences the household on {self.household} with {self.indoctrinate:g}" if self.household else ""
        return Sweep(**self.when(), streams=(f"check:{self.name}",), target=cohort(self.groups, self.regions),
                     dose=f"finds a knower with {self.probability:g} every {self.every} days, the first "
                          f"{self.first} days after it switches on; detains {self.detain:g}{home}",
                     cohort=cohort_mask(ctx, ctx.cells(self.groups, self.regions)), finds="knowers",
                     probability=self.probability, every=int(self.every), first=int(self.first), detain=self.detain,
                     indoctrinate=self.indoctrinate,
                     household=None if self.household is None else ctx.layers.index(self.household))
