"""``Deter``: fear of punishment. Spreaders in the targeted groups and regions
tell at ``rate × (1 − factor)``; ``factor = 1`` silences them."""

from __future__ import annotations

from dataclasses import dataclass

from ..rates import check_probability
from .base import Context, Levers, Measure, names


@dataclass(frozen=True)
class Deter(Measure):
    factor: float = 0.5
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def __post_init__(self):
        super().__post_init__()
        check_probability(f"{self.name}.factor", self.factor)
        object.__setattr__(self, "groups", names(self.groups))
        object.__setattr__(self, "regions", names(self.regions))

    def check(self, ctx: Context) -> None:
        ctx.cells(self.groups, self.regions)

    def adjust(self, levers: Levers, ctx: Context) -> None:
        levers.spread[:, ctx.cells(self.groups, self.regions)] *= 1.0 - self.factor
