"""Triggers: the chain of command.

What the authorities can observe — interceptions, detentions, or informants'
reports of tellings on one layer (each telling there is reported with
``report_probability``) — is summed over a set of regions, for one story or
all of them. When the total
reaches ``threshold`` a report goes up (an event), and ``delay`` days later
the order takes effect: the measures named in ``starts`` switch on.

The delay may be a chain of command: ``stages``, each an office and the
days the matter takes to reach it from the stage before (the first from the
report). Each office reached is an event (``stage``); the delay is their sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..rates import check_probability
from .base import Context, names

OBSERVABLE = ("interceptions", "detentions", "reports")


@dataclass(frozen=True)
class Trigger:
    name: str
    observe: str
    threshold: float
    regions: tuple[str, ...] | None = None
    delay: int = 0
    starts: tuple[str, ...] = ()
    layer: str | None = None
    report_probability: float = 1.0
    story: str | None = None
    #: the chain of command: (office, days from the stage before), in order
    stages: tuple[tuple[str, int], ...] = ()

    def __post_init__(self):
        if self.observe not in OBSERVABLE:
            raise ParameterError(f"{self.name}.observe = {self.observe!r}: choose one of {', '.join(OBSERVABLE)}.")
        if not self.threshold > 0:
            raise ParameterError(f"{self.name}.threshold = {self.threshold!r}: give a number > 0.")
        if int(self.delay) != self.delay or self.delay < 0:
            raise ParameterError(f"{self.name}.delay = {self.delay!r}: give a whole number of days >= 0.")
        check_probability(f"{self.name}.report_probability", self.report_probability)
        if self.observe == "reports" and self.layer is None:
            raise ParameterError(f"{self.name}: observe = 'reports' needs layer = the layer informants watch.")
        object.__setattr__(self, "regions", names(self.regions))
        object.__setattr__(self, "starts", tuple(names(self.starts) or ()))
        stages = tuple((str(office), days) for office, days in self.stages)
        for office, days in stages:
            if int(days) != days or days < 0:
                raise ParameterError(f"{self.name}: stage {office!r} takes {days!r} days: give a whole number >= 0.")
        object.__setattr__(self, "stages", stages)
        if stages and self.delay not in (0, self.chain_days):
            raise ParameterError(f"{self.name}: delay = {self.delay} but its stages take {self.chain_days} days; "
                                 "give one of them (the delay is the stages' sum).")
        if stages:
            object.__setattr__(self, "delay", self.chain_days)

    @property
    def chain_days(self) -> int:
        """Days from the report to the last stage."""
        return int(sum(days for _, days in self.stages))

    def reached(self, reported_on: int) -> list[tuple[int, str]]:
        """(day, office) each stage is reached, for a report on ``reported_on``."""
        out, day = [], reported_on
        for office, days in self.stages:
            day += int(days)
            out.append((day, office))
        return out

    def check(self, ctx: Context, measure_names: list[str]) -> None:
        for m in self.starts:
            if m not in measure_names:
                raise ParameterError(
                    f"trigger {self.name!r} starts {m!r}, which is not a measure of this run; "
                    f"the measures are: {', '.join(measure_names) or 'none'}."
                )
        if self.story is not None:
            ctx.story(self.story)
        if self.layer is not None and self.layer not in ctx.layers:
            raise ParameterError(f"trigger {self.name!r}: layer {self.layer!r} is not one of {', '.join(ctx.layers)}.")
        ctx.cells(None, self.regions)


@dataclass
class Watch:
    """A trigger's running state during one run."""

    trigger: Trigger
    cells: np.ndarray
    layer: int | None
    story: int | None = None
    seen: float = 0.0
    reported_on: int | None = None
    events: list = field(default_factory=list)

    @property
    def order_on(self) -> int | None:
        return None if self.reported_on is None else self.reported_on + self.trigger.delay

    def observe(self, day: int, intercepted: np.ndarray, detained: np.ndarray, told: np.ndarray, rng) -> bool:
        """Add the day's observations; True on the day the report goes up.

        ``intercepted[S, L, C]`` and ``told[S, L', C]`` are the day's
        interceptions and tellings, ``detained[C]`` its detentions (which
        belong to no story).
        """
        if self.reported_on is not None:
            return False
        t = self.trigger
        stories = slice(None) if self.story is None else slice(self.story, self.story + 1)
        if t.observe == "interceptions":
            self.seen += float(intercepted[stories][:, :, self.cells].sum())
        elif t.observe == "detentions":
            self.seen += float(detained[self.cells].sum())
        else:
            heard = told[stories, self.layer][:, self.cells].sum(axis=0)
            self.seen += float(rng.binomial(heard.astype(np.int64), t.report_probability).sum())
        if self.seen >= t.threshold:
            self.reported_on = day
            return True
        return False
