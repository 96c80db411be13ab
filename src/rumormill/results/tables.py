"""A ``Result``'s arrays as tidy Arrow tables, one row per combination of
their axes, ready to be written as Parquet and queried with SQL.

Pure functions over arrays: no files, no catalog. The tables are long
(dense, zeros kept) because reach needs the ignorant counts and because SQL
over a dense grid needs no outer joins. Each cell's group and region (the
result's ``cell_group`` and ``cell_region``) are the ``agent_group`` and
``region`` columns (``group`` is an SQL keyword, and a column of that name
would need quotes in every query); ``cell`` keeps its name, ``group/region``.
A run without a population has cells that are their own group and no region.

Tables and their columns (every table also has ``run_id``, ``day`` and
``date``, the calendar date when the run has ``info["start_date"]``; in the
tables of counts row ``day = d`` holds the end of day ``d - 1``, so its date
is ``start + d - 1`` (row 0, the start: the start date), as in an ensemble's
summaries; an event's ``day`` is the day it happened on):

- ``timeseries``: story, state, agent_group, region, cell, count
- ``tellings``:   story, layer, agent_group, region, cell, tellings  (hearer's cell)
- ``intercepts``: story, layer, agent_group, region, cell, intercepts (sender's cell)
- ``detained``:   agent_group, region, cell, detained (cumulative)
- ``events``:     kind, story, agent_group, region, cell, count, detail
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from ..dates import day_of_row, epoch_days
from ..models import STATES

#: the tables every stored run has, in the order they are written
TABLES = ("timeseries", "tellings", "intercepts", "detained", "events")

_KEY = [("run_id", pa.string()), ("day", pa.int32()), ("date", pa.date32())]
_CELL = [("agent_group", pa.string()), ("region", pa.string()), ("cell", pa.string())]
SCHEMAS = {
    "timeseries": pa.schema(_KEY + [("story", pa.string()), ("state", pa.string())] + _CELL + [("count", pa.int64())]),
    "tellings": pa.schema(_KEY + [("story", pa.string()), ("layer", pa.string())] + _CELL + [("tellings", pa.int64())]),
    "intercepts": pa.schema(_KEY + [("story", pa.string()), ("layer", pa.string())] + _CELL + [("intercepts", pa.int64())]),
    "detained": pa.schema(_KEY + _CELL + [("detained", pa.int64())]),
    "events": pa.schema(_KEY + [("kind", pa.string()), ("story", pa.string())] + _CELL
                        + [("count", pa.int64()), ("detail", pa.string())]),
}


def cell_parts(result) -> tuple[list[str], list[str | None]]:
    """Each cell's group and region, read from the result's index arrays; a
    cell that is its own region (a run without a population) has none."""
    groups = [result.groups[g] for g in result.cell_group]
    regions = [result.regions[r] for r in result.cell_region]
    return groups, [None if region == name else region for region, name in zip(regions, result.cells)]


def start_date(info: dict) -> dt.date | None:
    """The run's first calendar day, from ``info["start_date"]`` (ISO text or a date)."""
    value = (info or {}).get("start_date")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def result_tables(result, run_id: str) -> dict[str, pa.Table]:
    """Every table of one run, keyed by name (see ``TABLES``)."""
    start = start_date(result.info)
    days = np.asarray(result.days, dtype=np.int64)
    cells = list(result.cells)
    parts = cell_parts(result)
    counts = np.asarray(result.counts)
    out = {"timeseries": dense(counts, days, [("story", result.stories), ("state", list(STATES)), ("cell", cells)],
                               "count", run_id, start, parts)}
    for name in ("tellings", "intercepts"):
        values = getattr(result, name, None)
        if values is None or np.size(values) == 0:
            out[name] = SCHEMAS[name].empty_table()
            continue
        values = np.asarray(values)
        # news from outside is a last pseudo-layer that carries tellings but is never intercepted
        axes = [("story", result.stories), ("layer", list(result.layers)[: values.shape[2]])]
        if values.ndim == 4:
            axes.append(("cell", cells))
        out[name] = dense(values, days, axes, name, run_id, start, parts)
    detained = getattr(result, "detained", None)
    if detained is None or np.size(detained) == 0:
        out["detained"] = SCHEMAS["detained"].empty_table()
    else:
        out["detained"] = dense(np.asarray(detained), days, [("cell", cells)], "detained", run_id, start, parts)
    out["events"] = events_table(getattr(result, "events", None) or [], cells, run_id, start, parts)
    return {name: conform(out[name], name) for name in TABLES}


def dense(values: np.ndarray, days: np.ndarray, axes: Sequence[tuple[str, Sequence[str]]], value: str,
          run_id: str, start: dt.date | None, parts=((), ())) -> pa.Table:
    """One row per element of ``values`` (shape: day × each axis), C order;
    a ``cell`` axis also gives the columns ``agent_group`` and ``region``
    from ``parts``, each cell's group and region (``cell_parts``).

    Labels are built as dictionary indices and cast to strings inside Arrow,
    so a million rows cost a few milliseconds, not a Python loop.
    """
    shape = (len(days),) + tuple(len(labels) for _, labels in axes)
    if values.shape != shape:
        raise ValueError(f"{value}: array of shape {values.shape}, expected {shape} from days and labels")
    total = int(np.prod(shape))
    columns: dict[str, pa.Array] = {}
    day_idx = np.repeat(np.arange(len(days)), total // max(len(days), 1))
    columns["run_id"] = pa.DictionaryArray.from_arrays(np.zeros(total, np.int32), [run_id]).cast(pa.string())
    columns["day"] = pa.array(days[day_idx].astype(np.int32))
    columns["date"] = _dates(day_of_row(days[day_idx]), start)  # row d: the end of day d - 1
    inner = total // max(len(days), 1)  # rows per day
    for k, (name, labels) in enumerate(axes):
        inner //= shape[k + 1]
        idx = np.tile(np.repeat(np.arange(shape[k + 1], dtype=np.int32), inner), total // (inner * shape[k + 1]))
        if name == "cell":
            columns["agent_group"] = _labels(idx, parts[0])
            columns["region"] = _labels(idx, parts[1])
        columns[name] = _labels(idx, labels)
    flat = values.reshape(-1)
    columns[value] = pa.array(flat if np.issubdtype(flat.dtype, np.floating) else flat.astype(np.int64))
    return pa.table(columns)


def events_table(events, cells: Sequence[str], run_id: str, start: dt.date | None, parts) -> pa.Table:
    """Events ``(day, kind, story, cell, count, detail)``; cell -1 means no cell;
    ``parts``: each cell's group and region (``cell_parts``)."""
    rows = {name: [] for name in ("day", "kind", "story", "agent_group", "region", "cell", "count", "detail")}
    for event in events:
        day, kind, story, cell, count, detail = event
        known = cell is not None and 0 <= int(cell) < len(cells)
        name, group, region = (cells[cell], parts[0][cell], parts[1][cell]) if known else (None, None, None)
        for key, v in (("day", int(day)), ("kind", str(kind)), ("story", str(story) if story else None),
                       ("agent_group", group), ("region", region), ("cell", name), ("count", int(count)),
                       ("detail", str(detail) if detail else None)):
            rows[key].append(v)
    days = np.asarray(rows["day"], dtype=np.int64)
    columns = {"run_id": pa.array([run_id] * len(days), pa.string()), "day": pa.array(days.astype(np.int32)),
               "date": _dates(days, start)}
    for key in ("kind", "story", "agent_group", "region", "cell", "detail"):
        columns[key] = pa.array(rows[key], pa.string())
    columns["count"] = pa.array(rows["count"], pa.int64())
    return pa.table(columns)


def conform(table: pa.Table, name: str) -> pa.Table:
    """Columns in the documented order and types; float counts (meanfield) stay float."""
    fields = []
    for f in SCHEMAS[name]:
        if f.name in table.column_names and pa.types.is_floating(table.column(f.name).type):
            f = pa.field(f.name, pa.float64())
        fields.append(f)
    target = pa.schema(fields, metadata={b"rumormill.table": name.encode()})
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(table.num_rows, f.type) for f in target]
    return pa.table(columns, schema=target)


def _labels(idx: np.ndarray, labels: Sequence[str | None]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), pa.array(list(labels), pa.string())).cast(pa.string())


def _dates(days: np.ndarray, start: dt.date | None) -> pa.Array:
    if start is None:
        return pa.nulls(len(days), pa.date32())
    return pa.array(epoch_days(start, days), pa.date32())
