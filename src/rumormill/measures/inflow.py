"""``Inflow``: news arriving from outside — Chinese phones near the border,
traders, broadcasts. Each ignorant agent in the targeted cells hears
``story`` at ``rate`` per day. It is also how a story enters a run on its
date. What it brings passes the hearers' acceptance (``Indoctrinate``) like
news from a neighbour; each inflow draws from its own stream, so two inflows
on one cohort add up."""

from __future__ import annotations

from dataclasses import dataclass

from ..rates import check_rate
from .base import Context, Measure, cohort, names
from .schedule import Arrival


@dataclass(frozen=True)
class Inflow(Measure):
    story: str = ""
    rate: float = 0.0
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def __post_init__(self):
        super().__post_init__()
        check_rate(f"{self.name}.rate", self.rate)
        object.__setattr__(self, "groups", names(self.groups))
        object.__setattr__(self, "regions", names(self.regions))

    def compile(self, ctx: Context) -> Arrival:
        return Arrival(**self.when(), streams=(f"inflow:{self.name}", f"inflow-accept:{self.name}"),
                       target=cohort(self.groups, self.regions), dose=f"{self.story} at {self.rate:g}/day",
                       story=ctx.story(self.story), cells=ctx.cells(self.groups, self.regions), rate=self.rate)
