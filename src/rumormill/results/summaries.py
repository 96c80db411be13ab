"""An ensemble replicate's ``Summary`` as a long Arrow table, and back.

Pure functions: no files, no catalog. One row per metric × day × story ×
column (``level``, ``name``), in the order of the summary's arrays (C order),
so a table read back is reshaped into the same arrays, bit for bit:

- ``reach``, ``spreaders``: per story, for each group, region and ``all``
  (``level`` is ``group``, ``region`` or ``all``);
- ``detained``: detained so far, per column (``story`` is ``''``: no story);
- ``tellings``: tellings carried that day, per story and layer
  (``level`` is ``layer``);
- ``letters``: on each layer that carries letters (``name``), per story,
  the letters ``written``, ``delivered`` and ``caught`` that day (``level``);
  none for a scenario without such a layer (or a replicate stored before
  letters were kept: it reads back with ``letters`` None).

A comparison's pair goes into one row: ``value`` with every measure,
``value_without`` without the measures it leaves out (NULL for a plain
ensemble), so the paired difference needs no join. The column is ``level``,
not ``by`` as in ``Ensemble.bands``: ``by`` is an SQL keyword. Values are
DOUBLE: the summaries' float32 fractions and int64 counts convert exactly.

``date`` follows ``Ensemble.bands``: row ``d`` is the end of day ``d - 1``,
so its date is ``start + d - 1`` (row 0: the start).

The replicate's seed, drawn parameters and report and order days go into the
file's metadata (``rumormill.replicate``, JSON), so a file alone is enough
to register it again (see ``heal``); its ``info`` holds the first day each
office of a chain of command was reached (``stage_days``, by ``trigger:
office``) and each measure was on (``start_days``), null where never.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from ..dates import day_of_row, epoch_days

#: the metrics of a summary, in the order they are written
METRICS = ("reach", "spreaders", "detained", "tellings", "letters")
SCHEMA = pa.schema([
    ("ensemble_id", pa.string()), ("replicate", pa.int32()), ("day", pa.int32()), ("date", pa.date32()),
    ("story", pa.string()), ("level", pa.string()), ("name", pa.string()), ("metric", pa.string()),
    ("value", pa.float64()), ("value_without", pa.float64()),
], metadata={b"rumormill.table": b"summaries"})
#: the key the replicate's own facts are kept under in a file's metadata
META_KEY = b"rumormill.replicate"


def axes(plan) -> dict:
    """The labels of a plan's summaries: stories, columns (groups, regions,
    all), layers, and the start date."""
    from ..ensemble.replicate import delayed_layers

    sc = plan.scenario
    return {"stories": [s.name for s in sc.stories],
            "columns": ([("group", g.name) for g in sc.population.groups]
                        + [("region", r) for r in sc.population.regions] + [("all", "all")]),
            "layers": [lay.name for lay in sc.layers], "letter_layers": delayed_layers(sc),
            "start_date": sc.scenario.start.isoformat()}


def summary_table(ensemble_id: str, summary, labels: dict) -> pa.Table:
    """The long table of one replicate: a ``Summary``, or a comparison's
    ``(with, without)`` pair on the same random numbers."""
    first, other = (summary if isinstance(summary, tuple) else (summary, None))
    parts = [_metric(first, other, m, labels) for m in METRICS if m != "letters" or first.letters is not None]
    columns = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    n = len(columns["day"])
    start = labels.get("start_date") or None
    if start is None:
        dates = pa.nulls(n, pa.date32())
    else:
        dates = pa.array(epoch_days(start, day_of_row(columns["day"])), pa.date32())
    without = columns["value_without"] if other is not None else None
    table = pa.table([
        pa.array([ensemble_id] * n, pa.string()), pa.array(np.full(n, first.index, dtype=np.int32)),
        pa.array(columns["day"].astype(np.int32)), dates,
        pa.array(columns["story"], pa.string()), pa.array(columns["level"], pa.string()),
        pa.array(columns["name"], pa.string()), pa.array(columns["metric"], pa.string()),
        pa.array(columns["value"], pa.float64()),
        pa.nulls(n, pa.float64()) if without is None else pa.array(without, pa.float64()),
    ], schema=SCHEMA)
    return table.replace_schema_metadata({**SCHEMA.metadata, META_KEY: json.dumps(facts(ensemble_id, summary),
                                                                                  sort_keys=True).encode()})


def facts(ensemble_id: str, summary) -> dict:
    """What a replicate's catalog row holds (but the time it took): seed, draws, days of note."""
    first, other = (summary if isinstance(summary, tuple) else (summary, None))
    info = _days(first)
    if other is not None:
        info["without"] = {"report_day": _int(other.report_day), "order_day": _int(other.order_day), **_days(other)}
    return {"ensemble_id": ensemble_id, "replicate": int(first.index), "seed_entropy": str(int(first.seed_entropy)),
            "spawn_key": ",".join(str(int(k)) for k in first.spawn_key),
            "params": {str(k): float(v) for k, v in (first.values or {}).items()},
            "report_day": _int(first.report_day), "order_day": _int(first.order_day), "info": info}


def summary_from_table(table: pa.Table):
    """The ``Summary`` (or ``(with, without)`` pair) a table was made from."""
    from ..ensemble.replicate import LETTERS, Summary

    meta = json.loads(table.schema.metadata[META_KEY])
    metric = np.asarray(table.column("metric").to_numpy(zero_copy_only=False), dtype=object)
    arrays = {}
    paired = table.column("value_without").null_count < table.num_rows
    for side, column in (("with", "value"), ("without", "value_without")):
        if side == "without" and not paired:
            continue
        values = table.column(column).to_numpy(zero_copy_only=False)
        for name in METRICS:
            rows = metric == name
            if name == "letters" and not rows.any():
                arrays[side, name] = None  # no layer carries letters, or stored before they were kept
                continue
            arrays[side, name] = _shaped(table, rows, values[rows])
    key = tuple(int(k) for k in meta["spawn_key"].split(",") if k != "")

    def make(side, days, extra):
        letters = arrays[side, "letters"]
        if letters is not None:
            t, s, k = letters.shape
            letters = np.rint(letters).astype(np.int64).reshape(t, s, len(LETTERS), k // len(LETTERS))
        return Summary(
            index=int(meta["replicate"]), seed_entropy=int(meta["seed_entropy"]), spawn_key=key,
            values=dict(meta.get("params") or {}),
            reach=arrays[side, "reach"].astype(np.float32), spreaders=arrays[side, "spreaders"].astype(np.float32),
            detained=np.rint(arrays[side, "detained"][:, 0, :]).astype(np.int64),
            tellings=np.rint(arrays[side, "tellings"]).astype(np.int64),
            report_day=days.get("report_day"), order_day=days.get("order_day"), letters=letters,
            stage_days=_named_days(extra.get("stage_days")), start_days=_named_days(extra.get("start_days")))

    info = meta.get("info") or {}
    first = make("with", meta, info)
    return (first, make("without", info["without"], info["without"])) if paired else first


def _metric(summary, other, name: str, labels: dict) -> dict:
    values = np.asarray(getattr(summary, name), dtype=np.float64)
    without = None if other is None else np.asarray(getattr(other, name), dtype=np.float64)
    if name == "letters":  # [T, S, 3, D] -> [T, S, 3 * D]: what, then layer
        values = values.reshape(*values.shape[:2], -1)
        without = None if without is None else without.reshape(*without.shape[:2], -1)
    if without is not None and without.shape != values.shape:
        raise ValueError(f"replicate {summary.index}: {name} has shape {values.shape} with the measures and "
                         f"{without.shape} without; a pair must cover the same days.")
    if name == "detained":  # no story axis
        values = values[:, None, :]
        without = None if without is None else without[:, None, :]
        stories = [""]
    else:
        stories = labels["stories"]
    if name == "tellings":
        layers = list(labels["layers"])
        if values.shape[2] == len(layers) + 1:
            layers.append("outside")
        cols = [("layer", lay) for lay in layers]
    elif name == "letters":
        from ..ensemble.replicate import LETTERS

        cols = [(what, lay) for what in LETTERS for lay in labels["letter_layers"]]
    else:
        cols = labels["columns"]
    t, s, k = values.shape
    if s != len(stories) or k != len(cols):
        raise ValueError(f"replicate {summary.index}: {name} has shape {values.shape}, not days × "
                         f"{len(stories)} stories × {len(cols)} columns.")
    return {"day": np.repeat(np.arange(t), s * k), "story": np.tile(np.repeat(np.array(stories, dtype=object), k), t),
            "level": np.tile(np.array([c[0] for c in cols], dtype=object), t * s),
            "name": np.tile(np.array([c[1] for c in cols], dtype=object), t * s),
            "metric": np.full(t * s * k, name, dtype=object), "value": values.reshape(-1),
            "value_without": (np.full(t * s * k, np.nan) if without is None else without.reshape(-1))}


def _shaped(table: pa.Table, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values of one metric back to [T, S, K], from the file's row order."""
    day = table.column("day").to_numpy()[rows]
    story = np.asarray(table.column("story").to_numpy(zero_copy_only=False), dtype=object)[rows]
    t = int(day.max()) + 1 if len(day) else 0
    s = len(dict.fromkeys(story.tolist()))
    if t == 0 or s == 0 or len(values) % (t * s):
        raise ValueError(f"{len(values)} rows do not make whole days × {s} stories")
    return np.asarray(values, dtype=np.float64).reshape(t, s, len(values) // (t * s))


def _int(value) -> int | None:
    return None if value is None else int(value)


def _days(summary) -> dict:
    """A summary's stage and measure days for ``info`` (left out when it has none)."""
    return {key: {str(k): _int(v) for k, v in days.items()}
            for key, days in (("stage_days", summary.stage_days), ("start_days", summary.start_days)) if days}


def _named_days(days) -> dict:
    return {str(k): _int(v) for k, v in (days or {}).items()}
