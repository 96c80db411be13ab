"""A single run's progress bar: its time left comes from the pace of the days
since a warm-up, so it stays put when a day is slow or fast (fake clock, no
real timings)."""

import pytest

from rumormill.simulate import WARMUP_DAYS, _Bar


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_time_left_holds_steady_through_a_compile_and_uneven_days():
    clock = Clock()
    days = 200
    bar = _Bar(True, days, clock=clock)
    estimates = []
    for day in range(1, days + 1):
        # day 1 compiles the kernel (40 s); then days take 0.05 s or 0.45 s by turns (0.25 s on average)
        clock.now += 40.0 if day == 1 else (0.05 if day % 2 else 0.45)
        bar.advance()
        if day < WARMUP_DAYS:
            assert bar.pace.left() is None  # still warming up: no estimate from the compile
        elif day >= WARMUP_DAYS + 10 and day < days:
            estimates.append((bar.pace.left(), 0.25 * (days - day)))
    for left, truth in estimates:
        assert left == pytest.approx(truth, rel=0.25)
    # no swing: from one day to the next the pace it assumes moves by a tenth at most (the last day's
    # pace alone would jump ninefold between 0.05 and 0.45 s a day)
    paces = [left / truth for left, truth in estimates]
    assert max(abs(a - b) for a, b in zip(paces, paces[1:])) < 0.1
    assert bar.pace.left() == 0.0


def test_the_time_left_counts_down_between_days():
    clock = Clock()
    bar = _Bar(True, 10, clock=clock)
    for _ in range(WARMUP_DAYS + 1):
        clock.now += 2.0
        bar.advance()
    left = bar.pace.left()  # one day in 2 s since the warm-up: 6 days to go take 12 s
    assert left == pytest.approx(12.0)
    clock.now += 1.5
    assert bar.pace.left() == pytest.approx(10.5)
    column = bar.progress.columns[-1]
    assert column.render(bar.progress.tasks[0]).plain == "0:00:10"


def test_no_estimate_for_a_run_of_unknown_length_and_no_bar_when_hidden():
    bar = _Bar(True, None, clock=Clock())
    for _ in range(10):
        bar.advance()
    assert bar.pace.left() is None and "left" not in [getattr(c, "text_format", "") for c in bar.progress.columns]
    hidden = _Bar(False, 10)
    hidden.advance()
    assert hidden.progress is None
