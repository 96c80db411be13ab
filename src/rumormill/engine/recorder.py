"""One recorder for every engine: a row per day of the tallies the engine
keeps current, turned into a ``Result`` with the same axes whichever engine
ran. Row 0 is the start; row ``d + 1`` is the state at the end of day ``d``.
"""

from __future__ import annotations

import numpy as np

from ..result import Result


class Recorder:
    """Copies of counts[S, 3, C], tellings[S, L', C] and intercepts[S, L, C]
    (running totals), detained[C] (so far) and, when a layer carries
    letters, letters[S, 2, L, C] (written, delivered), one per day."""

    def __init__(self, counts, tellings, intercepts, detained, letters=None):
        self.rows = {"counts": [counts.copy()], "tellings": [tellings.copy()],
                     "intercepts": [intercepts.copy()], "detained": [detained.copy()]}
        if letters is not None:
            self.rows["letters"] = [letters.copy()]

    def record(self, counts, tellings, intercepts, detained, letters=None):
        """Keep the day's end; return its new interceptions, detentions,
        tellings and letters (None when none are kept)."""
        prev = {k: v[-1] for k, v in self.rows.items()}
        now = {"counts": counts, "tellings": tellings, "intercepts": intercepts, "detained": detained,
               "letters": letters}
        for key in self.rows:
            self.rows[key].append(now[key].copy())
        new_letters = letters - prev["letters"] if "letters" in prev else None
        return intercepts - prev["intercepts"], detained - prev["detained"], tellings - prev["tellings"], new_letters

    def result(self, events: list, **meta) -> Result:
        """The run as a ``Result``: tellings, interceptions and letters per day, the rest as recorded."""
        rows = {k: np.stack(v) for k, v in self.rows.items()}
        letters = np.diff(rows["letters"], axis=0, prepend=0) if "letters" in rows else None
        return Result(np.arange(len(rows["counts"])), rows["counts"], np.diff(rows["tellings"], axis=0, prepend=0),
                      intercepts=np.diff(rows["intercepts"], axis=0, prepend=0), detained=rows["detained"],
                      letters=letters, events=events, **meta)
