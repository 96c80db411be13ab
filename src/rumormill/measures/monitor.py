"""``Monitor``: periodic checks of a cohort (say, soldiers' families).

At the end of every ``every``-th day after it switches on, each spreader in
the cohort is found with ``probability`` and detained. Each monitor draws
from its own stream: two monitors of one cohort find spreaders independently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..rates import check_probability
from .base import Context, Measure, names


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

    def check(self, ctx: Context) -> None:
        ctx.cells(self.groups, self.regions)

    def at_dusk(self, day: int, since: int, sim, ctx: Context) -> int:
        if (day - since + 1) % self.every:
            return 0
        cohort = np.zeros(ctx.n_cells, dtype=np.bool_)
        cohort[ctx.cells(self.groups, self.regions)] = True
        return sim.monitor(day, cohort, self.probability, self.name)
