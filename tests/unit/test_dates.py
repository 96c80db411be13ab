"""Day offsets and dates, in one helper (``rumormill.dates``)."""

import datetime as dt

from rumormill.dates import date_of, day_of


def test_a_day_and_its_date_go_both_ways_across_a_month_and_a_leap_day():
    start = dt.date(2024, 1, 30)
    for day in (0, 1, 2, 30, 31, 366):
        assert day_of(start, date_of(start, day)) == day
    assert date_of("2024-02-28", 1) == dt.date(2024, 2, 29)
    assert day_of("2024-10-01", dt.date(2025, 2, 1)) == 123
