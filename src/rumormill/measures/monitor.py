"""``Monitor``: periodic checks of a cohort (say, soldiers' families).

At the end of every ``every``-th day after it switches on, each spreader in
the cohort is found with ``probability`` and detained. Each monitor draws
from its own stream: two monitors of one cohort find spreaders independently.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..rates import check_probability
from .base import Context, Measure, cohort, names
from .schedule import Sweep, cohort_mask


@dataclass(frozen=True)
class Monitor(Measure):
    every: int = 30
    probability: float = 0.1
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def __post_init__(self):
        super().__post_init__()
        if int(self.every) != self.every or self.every < 1:
            raise ParameterError(f"{self.name}.every = {self.every!r}: give a whole number of days >= 1.")
        check_probability(f"{self.name}.probability", self.probability)
        object.__setattr__(self, "groups", names(self.groups))
        object.__setattr__(self, "regions", names(self.regions))

    def compile(self, ctx: Context) -> Sweep:
        # the end of every ``every``-th day: day every - 1 after it switches on, then every ``every``
        return Sweep(**self.when(), streams=(f"monitor:{self.name}",), target=cohort(self.groups, self.regions),
                     dose=f"finds a spreader with {self.probability:g} and detains it, at the end of every "
                          f"{self.every}th day after it switches on",
                     cohort=cohort_mask(ctx, ctx.cells(self.groups, self.regions)), finds="spreaders",
                     probability=self.probability, every=int(self.every), first=int(self.every) - 1)
