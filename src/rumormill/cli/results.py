"""``rumormill runs``, ``rumormill query`` and ``rumormill report``: the
stored runs, SQL over them, and a run's report page. A thin layer over
``rumormill.results`` and ``rumormill.report``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .common import console

#: the results folder option every results command shares
OUT_HELP = "Results folder (holds runs.duckdb and one folder per run)."


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command()(runs)
    app.command()(query)
    app.command()(report)


def runs(
    out: Path = typer.Option(Path("rumormill-runs"), "--out", "-o", help=OUT_HELP),
    status: str = typer.Option(None, help="Only runs with this status: running, finished or failed."),
    limit: int = typer.Option(30, help="Show the newest this many runs (0: all)."),
    delete: str = typer.Option(None, "--delete", help="Remove this run (its row, then its files); a compare's "
                               "own baseline goes with it."),
    repair: bool = typer.Option(False, "--repair", help="Register complete runs the catalog lacks, mark runs whose "
                                "process is gone as interrupted, remove stale temporary folders; say what was done."),
):
    """List the stored runs, newest last (after putting right what killed runs left behind)."""
    from ..results import CatalogVersionError, Store, StoreError
    from ..results.ids import is_run_id

    store = Store(out)
    if delete:
        removed = store.delete(delete)
        if not is_run_id(removed[0]):
            console.print(f"removed the catalog row {removed[0]!r} (not a run id, so no files were touched)")
            return
        console.print(f"removed run {removed[0]}" + (f" and its baseline {', '.join(removed[1:])}" if removed[1:] else ""))
        return
    try:
        done = store.repair()
    except StoreError as err:  # a folder this user cannot write: list it anyway
        if repair or isinstance(err, CatalogVersionError):
            raise
        done = None
        Console(stderr=True).print(f"[yellow]note:[/] could not repair {out}: {err}")
    for line in done.lines() if done else []:
        console.print(line)
    if repair and done is not None and not done:
        console.print(f"nothing to repair in {out}")
    frame = store.runs(status)
    if frame.empty:
        console.print(f"no runs in {out}" + ("" if status is None else f" with status {status}"))
        return
    shown = frame.tail(limit) if limit > 0 else frame
    colours = {"finished": "green", "failed": "red", "running": "yellow"}
    rows = []
    for row in shown.itertuples():
        params = _json(row.params)
        baseline = _given(row.baseline_of)
        took = (row.finished - row.started).total_seconds() if _given(row.finished) and not baseline else None
        rows.append({"run id": row.run_id, "status": f"[{colours.get(row.status, 'white')}]{row.status}[/]",
                     "scenario": _text(row.scenario), "order": _text(params.get("order")),
                     "measures": _measures(params, row), "engine": _text(row.engine), "seed": _text(row.seed),
                     "agents": f"{int(row.n):,}" if _given(row.n) else "", "days": _text(row.days),
                     "started (UTC)": str(row.started)[:19],
                     "took": _took(took) if took is not None else ("(in compare)" if baseline else ""),
                     "baseline": _text(row.baseline_id) or ("(is one)" if baseline else "")})
    # the order and measures columns only where a run has them, so the table stays narrow
    columns = [c for c in rows[0] if c not in ("order", "measures", "baseline") or any(r[c] for r in rows)]
    compares = any(r["baseline"] for r in rows)
    table = Table(title=f"runs in {out}" + (f" ({len(frame) - len(shown)} older not shown)" if len(shown) < len(frame) else ""),
                  caption="A compare is two runs: the one with all measures names its baseline (the run without "
                  "some) and took the time of both." if compares else None)
    for col in columns:
        table.add_column(col, no_wrap=True, justify="right" if col in ("seed", "agents", "days", "took") else "left")
    for r in rows:
        table.add_row(*(r[c] for c in columns))
    _wide(table).print(table)


def _json(text) -> dict:
    """A catalog JSON column as a dict ({} when missing or not an object)."""
    import json

    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _measures(params: dict, row) -> str:
    """Which measures a run had: a compare's run "all", its baseline "without ..."; others "" (the scenario's)."""
    without = params.get("without")
    if not without or not isinstance(without, list):
        return ""
    if _given(row.baseline_of):
        return "without " + ", ".join(map(str, without))
    return "all" if _given(row.baseline_id) else ""


def _took(seconds: float) -> str:
    """A duration as a person reads it: 0.4 s, 55 s, 3 min 5 s, 2 h 4 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds) // 60
    if minutes < 60:
        return f"{minutes} min {round(seconds) % 60} s"
    return f"{minutes // 60} h {minutes % 60} min"


def query(
    sql: str = typer.Argument(..., help="SQL over the views runs, timeseries, tellings, intercepts, detained, events."),
    out: Path = typer.Option(Path("rumormill-runs"), "--out", "-o", help=OUT_HELP),
    format: Format = typer.Option(Format.table, "--format", "-f", help="table, csv or json."),
    limit: int = typer.Option(50, help="Rows shown as a table (csv and json print all)."),
):
    """Run SQL over the catalog and the runs' Parquet files; print the result."""
    from ..results import Store

    frame = _whole_numbers(Store(out).query(sql))
    if format is Format.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    if format is Format.json:
        typer.echo(frame.to_json(orient="records", date_format="iso"))
        return
    table = Table(caption=f"{len(frame):,} rows" + (f", first {limit} shown" if len(frame) > limit else ""))
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(_text(v) for v in row))
    _wide().print(table)


def report(
    run_id: str = typer.Argument(..., help="Run id (a unique prefix of one, or 'latest'), or the id (or a unique "
                                 "prefix) of an ensemble ('e...'), a calibration ('c...') or a sensitivity "
                                 "analysis ('s...')."),
    out: Path = typer.Option(Path("rumormill-runs"), "--out", "-o", help=OUT_HELP),
    output: Path = typer.Option(None, help="Write the page here (default: report.html in the run's or the "
                                "ensemble's folder)."),
    map_date: str = typer.Option(None, help="A run's report only: the date (YYYY-MM-DD) or day the map starts on "
                                 "(default: the last day)."),
    png: bool = typer.Option(True, "--png/--no-png", help="Also write the figures as PNG beside the page."),
):
    """Write the report of a run, an ensemble, a calibration or a sensitivity analysis: one HTML page that works
    offline, and PNG figures.

    A run's page draws the run itself (its chain of command and letters too); an ensemble's draws medians with 50% and
    90% bands over its runs; a calibration's its posterior and, when an ensemble drawn from it is stored (rumormill
    calibrate --predictive), the posterior predictive bands; an analysis's its indices."""
    from ..report import write
    from ..results import Store

    when = int(map_date) if map_date is not None and map_date.lstrip("-").isdigit() else map_date
    paths = write(Store(out), run_id, output, map_date=when, png=png)
    console.print(f"wrote {paths[0]} ({paths[0].stat().st_size / 1e6:.1f} MB)")
    for path in paths[1:]:
        console.print(f"wrote {path}")


def _whole_numbers(frame):
    """Show float columns holding only whole numbers as integers: DuckDB's ``sum``
    of integers is a HUGEINT, which pandas holds as float (2.0 for 2)."""
    for col in frame.columns:
        values = frame[col]
        if values.dtype.kind == "f" and values.notna().any():
            finite = values.dropna()
            if (finite == finite.round()).all() and finite.abs().max() < 2**53:
                frame[col] = values.astype("Int64")
    return frame


def _wide(table: Table | None = None) -> Console:
    """A console at least 150 columns wide (as ``validate`` does), and as wide as ``table``
    needs, so that no run id or status is cut."""
    width = max(150, console.width)
    if table is not None:
        from rich.measure import Measurement

        wide = Console(width=1000)
        width = max(width, Measurement.get(wide, wide.options, table).maximum)
    return Console(width=width)


def _given(value) -> bool:
    """False for None, NaN, NaT and pandas' NA (a missing value in a catalog column)."""
    import pandas as pd

    if isinstance(value, (list, tuple)) or hasattr(value, "__array__") and getattr(value, "ndim", 0) > 0:
        return True
    return not pd.isna(value)


def _text(value) -> str:
    if not _given(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "normalize") and value == value.normalize():  # a date read back as midnight
        return str(value.date())
    return str(value)
