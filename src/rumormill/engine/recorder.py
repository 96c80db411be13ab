"""One recorder for every engine: a row per day of the tallies the engine
keeps current, turned into a ``Result`` with the same axes whichever engine
ran. Row 0 is the start; row ``d + 1`` is the state at the end of day ``d``.
"""

from __future__ import annotations

import numpy as np

from ..result import Result


class Recorder:
    """Copies of counts[S, 3, C], tellings[S, L', C] and intercepts[S, L, C]
    (running totals) and detained[C] (so far), one per day."""

    def __init__(self, counts, tellings, intercepts, detained):
        self.rows = {"counts": [counts.copy()], "tellings": [tellings.copy()],
                     "intercepts": [intercepts.copy()], "detained": [detained.copy()]}

    def record(self, counts, tellings, intercepts, detained):
        """Keep the day's end; return its new interceptions, detentions and tellings."""
        prev = {k: v[-1] for k, v in self.rows.items()}
        for key, now in (("counts", counts), ("tellings", tellings), ("intercepts", intercepts),
                         ("detained", detained)):
            self.rows[key].append(now.copy())
        return intercepts - prev["intercepts"], detained - prev["detained"], tellings - prev["tellings"]

    def result(self, events: list, **meta) -> Result:
        """The run as a ``Result``: tellings and interceptions per day, the rest as recorded."""
        rows = {k: np.stack(v) for k, v in self.rows.items()}
        return Result(np.arange(len(rows["counts"])), rows["counts"], np.diff(rows["tellings"], axis=0, prepend=0),
                      intercepts=np.diff(rows["intercepts"], axis=0, prepend=0), detained=rows["detained"],
                      events=events, **meta)
