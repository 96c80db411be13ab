"""A Result's arrays as tidy tables: every element in its row, labels right."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from rumormill.result import Result
from rumormill.results.tables import SCHEMAS, TABLES, result_tables


def test_timeseries_matches_the_result_own_tidy_table(fake):
    ts = result_tables(fake, "r1")["timeseries"].to_pandas()
    ref = fake.timeseries(by_cell=True)
    assert len(ts) == fake.counts.size == len(ref)
    for col in ("day", "story", "state", "cell", "count"):
        assert (ts[col].to_numpy() == ref[col].to_numpy()).all(), col
    assert set(ts["run_id"]) == {"r1"}
    row = ts[(ts["cell"] == "soldier/military camps")].iloc[0]
    assert (row["agent_group"], row["region"]) == ("soldier", "military camps")


@pytest.mark.parametrize("name", ["tellings", "intercepts"])
def test_per_layer_tables_hold_every_element(fake, name):
    table = result_tables(fake, "r1")[name].to_pandas()
    values = getattr(fake, name)
    assert len(table) == values.size and table[name].sum() == values.sum()
    rng = np.random.default_rng(0)
    for _ in range(25):
        t, s, l, c = (int(rng.integers(k)) for k in values.shape)
        row = table[(table["day"] == fake.days[t]) & (table["story"] == fake.stories[s])
                    & (table["layer"] == fake.layers[l]) & (table["cell"] == fake.cells[c])]
        assert row[name].tolist() == [values[t, s, l, c]]


def test_detained_and_events(fake):
    tables = result_tables(fake, "r1")
    detained = tables["detained"].to_pandas()
    assert fake.detained[-1].sum() > 0
    assert detained.groupby("day")["detained"].sum().tolist() == fake.detained.sum(axis=1).tolist()
    events = tables["events"].to_pandas()
    assert len(events) == len(fake.events)
    order = events[events["kind"] == "order"].iloc[0]
    assert pd.isna(order["cell"]) and pd.isna(order["story"]) and order["detail"] == "joint order"
    caught = events[events["kind"] == "detention"].iloc[0]
    assert (caught["agent_group"], caught["region"], caught["count"]) == ("border resident", "Ryanggang", 2)


def test_dates_follow_the_start_date(fake):
    ts = result_tables(fake, "r1")["timeseries"]
    by_day = dict(zip(ts.column("day").to_pylist(), ts.column("date").to_pylist()))
    start, last = dt.date(2024, 10, 1), max(by_day)
    # row d holds the end of day d - 1: rows 0 (the start) and 1 both fall on the start date
    assert by_day[0] == by_day[1] == start
    assert by_day[last] == start + dt.timedelta(days=last - 1)
    events = result_tables(fake, "r1")["events"]
    # an event's day is the day it happened on
    for day, date in zip(events.column("day").to_pylist(), events.column("date").to_pylist()):
        assert date == start + dt.timedelta(days=day)


def _bare(counts, tellings, info=None, cells=("all",)):
    return Result(days=np.arange(counts.shape[0]), counts=counts, tellings=tellings, stories=["s"],
                       layers=["a", "b"], cells=list(cells), n=10, engine="meanfield", info=info or {})


def test_a_run_without_the_new_fields_still_stores():
    """Tellings without a cell axis, float counts, no dates, no detentions or events."""
    counts = np.zeros((3, 1, 3, 1))
    counts[:, 0, 0, 0] = [10.0, 7.5, 5.25]
    counts[:, 0, 2, 0] = 10 - counts[:, 0, 0, 0]
    tables = result_tables(_bare(counts, np.ones((3, 1, 2), dtype=np.int64)), "r2")
    assert tables["timeseries"].schema.field("count").type == pa.float64()
    assert tables["timeseries"].column("count").to_pylist()[3:6] == [7.5, 0.0, 2.5]
    assert tables["timeseries"].column("date").null_count == 9
    tell = tables["tellings"]
    assert tell.num_rows == 6 and tell.column("cell").null_count == 6 and tell.column("agent_group").null_count == 6
    assert tables["intercepts"].num_rows == 6 and sum(tables["intercepts"].column("intercepts").to_pylist()) == 0
    assert tables["detained"].num_rows == 3 and tables["events"].num_rows == 0
    for name in TABLES:
        assert tables[name].schema.names == SCHEMAS[name].names


def test_a_mismatched_array_is_refused():
    with pytest.raises(ValueError, match="tellings"):
        result_tables(_bare(np.zeros((3, 1, 3, 1), dtype=np.int64), np.zeros((2, 1, 2), dtype=np.int64)), "r")
