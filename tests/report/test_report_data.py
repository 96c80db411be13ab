"""What the report shows, against the numbers the Result itself gives."""

import numpy as np
import pytest

from rumormill.report import data


@pytest.fixture(scope="module")
def run(stored):
    store, run_id = stored
    return data.load(store, run_id)


def test_reach_matches_the_result(run, fakes):
    result = fakes.fake_result(damp=0.6)  # the same numbers as the stored run
    frame = data.reach(run)
    for story in run.stories:
        curve = frame[frame["story"] == story]["reach"].to_numpy()
        np.testing.assert_allclose(curve, result.reach_curve(story), atol=1e-12)


def test_reach_by_group_is_weighted_by_people(run):
    by_group = data.reach(run, "agent_group")
    overall = data.reach(run)
    last = run.last_day
    people = run.timeseries[(run.timeseries["day"] == last) & (run.timeseries["story"] == "captured")]
    sizes = people.groupby("agent_group")["count"].sum()
    part = by_group[(by_group["day"] == last) & (by_group["story"] == "captured")].set_index("agent_group")["reach"]
    weighted = (part * sizes[part.index]).sum() / sizes.sum()
    expected = overall[(overall["day"] == last) & (overall["story"] == "captured")]["reach"].item()
    assert weighted == pytest.approx(expected, abs=1e-12)
    assert data.groups(by_group, "agent_group")[0] == "border resident"  # the run's own order, not sorted


def test_marks_hold_key_dates_and_events(run):
    marks = data.marks(run)
    assert marks[102] == ["captures announced"] and marks[114] == ["border report"]
    assert marks[123] == ["joint order", "on: inspect mail"]
    assert data.numbered(run) == [(1, 102, "captures announced"), (2, 114, "border report"),
                                  (3, 123, "joint order; on: inspect mail")]


def test_the_question_is_the_last_key_date_inside_the_run(run, fakes, tmp_path):
    from rumormill.results import Store

    # a key date stands for the row holding its end: the next one
    assert data.question(run) == ("joint order", 124)
    assert data.table_days(run) == [("captures announced", 103), ("border report", 115), ("joint order", 124),
                                    ("last day", 150)]
    short = Store(tmp_path).save(fakes.fake_result(days=40))
    assert data.question(data.load(Store(tmp_path), short)) == ("last day", 40)  # no key date inside it


def test_long_runs_are_thinned_but_keep_marked_days():
    days = np.arange(5000)
    kept = data.sample_days(days, keep=[1234, 4321], limit=400)
    assert 400 <= kept.size <= 402 and kept[0] == 0 and kept[-1] == 4999
    assert {1234, 4321} <= set(kept.tolist())
    assert data.sample_days(np.arange(50)).size == 50


def test_dates(run):
    assert run.x([0, 123]) == ["2024-10-01", "2025-02-01"]
    assert run.day_of("2025-02-01") == 123 and run.day_of("2030-01-01") == run.last_day and run.day_of(7) == 7
    from rumormill.results import StoreError

    with pytest.raises(StoreError, match="YYYY-MM-DD"):
        run.day_of("1 Feb")
