"""SQL over the catalog and the Parquet files of finished runs.

Each query gets a fresh in-memory DuckDB with the catalog attached read-only
and one view per table over the finished runs' files. Only the views the SQL
names are built (binding a view reads every file's footer, and a damaged file
in one table should not block queries on the others). Running, failed and
interrupted runs are in ``runs`` but never in the data views.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from . import catalog
from .errors import DamagedRunError, QueryError
from .tables import SCHEMAS, TABLES

#: every name a query can use (and the macro ``latest_run()``: the run finished last)
VIEWS = ("runs",) + TABLES


def connect(folder: Path, sql: str | None = None) -> duckdb.DuckDBPyConnection:
    """A connection with the views ``sql`` names (all of them when ``sql`` is None)."""
    con = catalog.connect_read(folder / "runs.duckdb")
    try:
        con.execute("CREATE VIEW runs AS SELECT * FROM catalog.runs")
        con.execute("CREATE MACRO latest_run() AS (SELECT run_id FROM catalog.runs WHERE status = 'finished' "
                    "ORDER BY finished DESC, run_id DESC LIMIT 1)")
        finished = con.execute(
            "SELECT run_id, path FROM catalog.runs WHERE status = 'finished' ORDER BY run_id").fetchall()
        for name in named(sql):
            files = run_files(folder, finished, name)
            if files:
                listed = ", ".join(_quote(path) for _, path in files)
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)")
            else:
                con.register(name, SCHEMAS[name].empty_table())
    except duckdb.Error as err:
        con.close()
        raise diagnose(folder, sql, err) from err
    except BaseException:
        con.close()
        raise
    return con


def named(sql: str | None) -> list[str]:
    """The data tables ``sql`` mentions (all when ``sql`` is None)."""
    if sql is None:
        return list(TABLES)
    return [name for name in TABLES if re.search(rf"\b{name}\b", sql, re.IGNORECASE)]


def run_files(folder: Path, finished, name: str) -> list[tuple[str, Path]]:
    """``(run_id, file)`` of table ``name`` for each finished run; a missing file is an error."""
    out = []
    for run_id, path in finished:
        file = folder / path / f"{name}.parquet"
        if not file.is_file():
            raise DamagedRunError(
                f"run {run_id} is marked finished but {file} is missing; restore the file, or remove the run "
                f"with `rumormill runs --delete {run_id}`.")
        out.append((run_id, file))
    return out


def diagnose(folder: Path, sql: str | None, err: duckdb.Error) -> Exception:
    """Name the damaged file behind a failed query, or report the SQL error."""
    import pyarrow.parquet as pq

    try:
        con = catalog.connect_read(folder / "runs.duckdb")
        try:
            finished = con.execute("SELECT run_id, path FROM catalog.runs WHERE status = 'finished'").fetchall()
        finally:
            con.close()
        for name in named(sql):
            for run_id, file in run_files(folder, finished, name):
                try:
                    pq.read_metadata(file)
                except Exception as bad:  # pyarrow raises several kinds for a damaged file
                    return DamagedRunError(
                        f"run {run_id}: {file} is damaged ({bad}); restore it, or remove the run with "
                        f"`rumormill runs --delete {run_id}`.")
    except DamagedRunError as damaged:
        return damaged
    shown = f" in: {sql.strip()}" if sql else ""
    return QueryError(f"query failed: {err}{shown}\nviews: {', '.join(VIEWS)} (see docs/results.md).")


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
