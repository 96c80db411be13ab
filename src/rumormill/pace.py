"""Time left for work done in like units (a run's days, an ensemble's
replicates), steady enough to read.

The first units also pay for setup (compiling the kernel, building the
population), so the clock starts once ``warmup`` of them are done: from then
on the time left is the units still to do over the units per second since
the warm-up ended. The estimate is set when a unit arrives and counts down
in between, so it moves with the average pace, not with the last unit's.
"""

from __future__ import annotations

import datetime as dt
import time

from rich.progress import ProgressColumn
from rich.text import Text


class Pace:
    """Units done out of ``total`` (None: unknown), and the time left."""

    def __init__(self, total: int | None, warmup: int = 1, clock=time.monotonic):
        self.total, self.warmup, self.clock = total, max(1, warmup), clock
        self.count, self.since, self.end = 0, None, None

    def done(self) -> None:
        """A unit is done."""
        now = self.clock()
        self.count += 1
        if self.count == self.warmup:
            self.since = (now, self.count)
        elif self.since is not None and self.total is not None:
            t0, n0 = self.since
            rate = (self.count - n0) / max(now - t0, 1e-9)
            self.end = now + (self.total - self.count) / rate

    def left(self) -> float | None:
        """Seconds left, or None while warming up (or with no total)."""
        if self.total is not None and self.count >= self.total:
            return 0.0
        return None if self.end is None else max(0.0, self.end - self.clock())


class TimeLeftColumn(ProgressColumn):
    """A progress bar's time left, from a ``Pace``: "estimating" until the warm-up is over."""

    def __init__(self, pace: Pace):
        super().__init__()
        self.pace = pace

    def render(self, task) -> Text:
        left = self.pace.left()
        if left is None:
            return Text("estimating", style="progress.remaining")
        return Text(str(dt.timedelta(seconds=round(left))), style="progress.remaining")
