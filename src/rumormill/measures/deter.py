"""``Deter``: fear of punishment. Spreaders in the targeted groups and regions
tell at ``rate × (1 − factor)``; ``factor = 1`` silences them."""

from __future__ import annotations

from dataclasses import dataclass

from ..rates import check_probability
from .base import Context, Measure, cohort, names
from .schedule import CellLevers


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

    def compile(self, ctx: Context) -> CellLevers:
        return CellLevers(**self.when(), streams=(), target=cohort(self.groups, self.regions),
                          dose=f"meeting rate x {1.0 - self.factor:g}", cells=ctx.cells(self.groups, self.regions),
                          spread=1.0 - self.factor)
