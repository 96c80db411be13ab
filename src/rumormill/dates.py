"""Day offsets and calendar dates: day 0 is a run's start date.

The one place a day offset becomes a date and a date a day offset, so that
scenarios, results and the plan printed by ``rumormill show`` agree.

>>> date_of("2025-01-30", 2).isoformat()
'2025-02-01'
>>> day_of("2025-01-30", "2025-02-01")
2
"""

from __future__ import annotations

import datetime as dt


def as_date(value) -> dt.date:
    """A ``datetime.date`` from a date or an ISO string."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def date_of(start, day: int) -> dt.date:
    """The date of day offset ``day`` of a calendar starting on ``start``."""
    return as_date(start) + dt.timedelta(days=int(day))


def day_of(start, date) -> int:
    """The day offset of ``date`` in a calendar starting on ``start``."""
    return (as_date(date) - as_date(start)).days
