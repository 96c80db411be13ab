"""``Indoctrinate``: the story is called an enemy fabrication.

Spreaders in the targeted cells stop at an extra ``stifle_rate`` per day, and
a hearer there believes the story (and will pass it on) only with
``acceptance``; one who does not believe it knows it but stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rates import check_probability, check_rate
from .base import Context, Measure, cohort, names
from .schedule import CellLevers


@dataclass(frozen=True)
class Indoctrinate(Measure):
    stifle_rate: float = 0.0
    acceptance: float = 1.0
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def __post_init__(self):
        super().__post_init__()
        check_rate(f"{self.name}.stifle_rate", self.stifle_rate)
        check_probability(f"{self.name}.acceptance", self.acceptance)
        object.__setattr__(self, "groups", names(self.groups))
        object.__setattr__(self, "regions", names(self.regions))

    def compile(self, ctx: Context) -> CellLevers:
        return CellLevers(**self.when(), streams=(), target=cohort(self.groups, self.regions),
                          dose=f"stops at +{self.stifle_rate:g}/day, believes with {self.acceptance:g}",
                          cells=ctx.cells(self.groups, self.regions), forget=self.stifle_rate,
                          accept=self.acceptance)
