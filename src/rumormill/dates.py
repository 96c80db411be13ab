"""Day offsets and calendar dates: day 0 is a run's start date.

The one place a day offset becomes a date and a date a day offset, so that
scenarios, results and the plan printed by ``rumormill show`` agree.

A result has one row more than its days: row 0 holds the start (before day 0
is run), row d the end of day d - 1. ``date_of_row`` and ``row_of`` go
between rows and dates; ``epoch_days`` gives Arrow's ``date32`` (days since
1970-01-01) for many offsets at once.

>>> date_of("2025-01-30", 2).isoformat()
'2025-02-01'
>>> day_of("2025-01-30", "2025-02-01")
2
>>> date_of_row("2025-01-30", 3).isoformat(), row_of("2025-01-30", "2025-02-01")
('2025-02-01', 3)
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

#: day 0 of Arrow's and numpy's dates
EPOCH = dt.date(1970, 1, 1)


def as_date(value) -> dt.date:
    """A ``datetime.date`` from a date or an ISO string."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def date_of(start, day) -> dt.date:
    """The date of day offset ``day`` of a calendar starting on ``start``; a
    fractional day (a quantile of days) falls on the date it begins in."""
    return as_date(start) + dt.timedelta(days=math.floor(day))


def day_of(start, date) -> int:
    """The day offset of ``date`` in a calendar starting on ``start``."""
    return (as_date(date) - as_date(start)).days


def day_of_row(row):
    """The day whose end a result's ``row`` holds (row 0, the start: day 0); rows may be an array."""
    return np.maximum(np.asarray(row, dtype=np.int64) - 1, 0) if np.ndim(row) else max(int(row) - 1, 0)


def date_of_row(start, row: int) -> dt.date:
    """The date whose end a result's ``row`` holds (row 0: the start)."""
    return date_of(start, day_of_row(row))


def row_of(start, date) -> int:
    """The result row holding the end of ``date``."""
    return day_of(start, date) + 1


def epoch_days(start, days) -> np.ndarray:
    """int32 days since 1970-01-01 of the day offsets ``days`` from ``start`` (Arrow's ``date32``)."""
    return (np.asarray(days, dtype=np.int64) + day_of(EPOCH, start)).astype(np.int32)
