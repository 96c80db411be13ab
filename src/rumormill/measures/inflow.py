"""``Inflow``: news arriving from outside — Chinese phones near the border,
traders, broadcasts. Each ignorant agent in the targeted cells hears
``story`` at ``rate`` per day. It is also how a story enters a run on its
date. What it brings passes the hearers' acceptance (``Indoctrinate``) like
news from a neighbour; each inflow draws from its own stream, so two inflows
on one cohort add up."""

from __future__ import annotations

from dataclasses import dataclass

from ..rates import check_rate
from .base import Context, Measure, names


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

    def check(self, ctx: Context) -> None:
        ctx.story(self.story)
        ctx.cells(self.groups, self.regions)

    def at_dawn(self, day: int, sim, ctx: Context) -> None:
        s = ctx.story(self.story)
        for c in ctx.cells(self.groups, self.regions):
            sim.inflow(day, s, int(c), self.rate, self.name)
