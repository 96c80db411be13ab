"""Day offsets and dates, in one helper (``rumormill.dates``)."""

import datetime as dt

import numpy as np

from rumormill.dates import date_of, day_of


def test_a_day_and_its_date_go_both_ways_across_a_month_and_a_leap_day():
    start = dt.date(2024, 1, 30)
    for day in (0, 1, 2, 30, 31, 366):
        assert day_of(start, date_of(start, day)) == day
    assert date_of("2024-02-28", 1) == dt.date(2024, 2, 29)
    assert day_of("2024-10-01", dt.date(2025, 2, 1)) == 123


def test_a_result_row_holds_the_end_of_the_day_before_it():
    from rumormill.dates import date_of_row, day_of_row, row_of

    start = dt.date(2025, 1, 30)
    assert [date_of_row(start, row) for row in (0, 1, 2, 3)] == [start, start, dt.date(2025, 1, 31),
                                                                  dt.date(2025, 2, 1)]
    assert row_of(start, "2025-02-01") == 3 and date_of_row(start, row_of(start, "2025-02-01")) == dt.date(2025, 2, 1)
    assert day_of_row(np.array([0, 1, 5])).tolist() == [0, 0, 4]


def test_a_fractional_day_falls_on_the_date_it_begins_in():
    assert date_of("2025-01-30", 1.9) == dt.date(2025, 1, 31)
    assert date_of("2025-01-30", np.float64(0.0)) == dt.date(2025, 1, 30)
    assert date_of("2025-01-30", np.int64(2)) == dt.date(2025, 2, 1)


def test_epoch_days_are_arrow_s_date32():
    import pyarrow as pa

    from rumormill.dates import epoch_days

    days = pa.array(epoch_days("2024-02-28", [0, 1, 2]), pa.date32()).to_pylist()
    assert days == [dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)]
