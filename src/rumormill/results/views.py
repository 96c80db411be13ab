"""SQL over the catalog and the Parquet files of finished runs, in a sandbox.

Each query gets a fresh in-memory DuckDB. The catalog's rows are copied in
(the file is let go at once) and each table is a view over the finished
runs' Parquet files, read through pyarrow. Then DuckDB's own file access is
switched off and its settings locked, so SQL can read those views and nothing
else: no other file, no writing anywhere, no attaching the catalog again.
(DuckDB's ``allowed_directories`` would not do: it lets SQL write where it
lets it read, so ``COPY ... TO`` could overwrite a run's files.)

Only the views the SQL names are built (that reads every file's footer, and a
damaged file in one table should not block queries on the others). Running,
failed and interrupted runs are in ``runs`` but never in the data views.

Ensembles: ``ensembles`` and ``replicates`` are the catalog's rows;
``summaries`` is every listed replicate's file; ``bands`` and ``effects`` are
SQL views over it — ``quantile_cont`` (numpy's default, 'linear') across the
replicates, and for a compare of the paired differences (with − without).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from . import catalog
from .errors import DamagedRunError, QueryError
from .ids import run_folder
from .tables import SCHEMAS, TABLES

#: views over calibrations' and sensitivity analyses' files (``calibrations``); ``posterior`` is built on ``particles``
CALIBRATION_VIEWS = ("particles", "generations", "observations", "calibration_summary", "sensitivity")
#: every name a query can use (and the macros ``latest_run()``: the run finished last, not a baseline;
#: ``latest_ensemble()``: the ensemble started, resumed or finished last; ``latest_calibration()``: the
#: calibration started last)
VIEWS = (("runs",) + TABLES + ("ensembles", "replicates", "summaries", "bands", "effects", "calibrations", "analyses")
         + CALIBRATION_VIEWS + ("posterior",))
#: the columns every calibration's file of a view has (what an empty view has)
EMPTY = {
    "particles": [("calibration_id", "string"), ("generation", "int64"), ("particle", "int64"),
                  ("weight", "double"), ("distance", "double")],
    "generations": [("calibration_id", "string"), ("generation", "int64"), ("epsilon", "double"),
                    ("evaluations", "int64"), ("run", "int64"), ("accepted", "int64"), ("acceptance_rate", "double"),
                    ("seconds", "double"), ("ess", "double"), ("simulations", "int64")],
    "observations": [("calibration_id", "string"), ("q", "string"), ("observation", "int64"),
                     ("quantity", "string"), ("kind", "string"), ("date", "timestamp[s]"), ("story", "string"),
                     ("trigger", "string"), ("groups", "string"), ("regions", "string"), ("low", "double"),
                     ("high", "double"), ("weight", "double"), ("what", "string"), ("source", "string")],
    "calibration_summary": [("calibration_id", "string"), ("parameter", "string"), ("prior", "string"),
                            ("low", "double"), ("high", "double"), ("value", "double"), ("median", "double"),
                            ("q05", "double"), ("q95", "double"), ("narrowed", "double")],
    "sensitivity": [("analysis_id", "string"), ("method", "string"), ("output", "string"), ("parameter", "string"),
                    ("S1", "double"), ("S1_conf", "double"), ("ST", "double"), ("ST_conf", "double"),
                    ("mu_star", "double"), ("mu_star_conf", "double"), ("sigma", "double"), ("n", "int64")],
}
#: the last complete generation of each calibration
POSTERIOR = """SELECT p.* FROM particles p JOIN (SELECT calibration_id AS cid, max(generation) AS last
    FROM particles GROUP BY calibration_id) g ON p.calibration_id = g.cid AND p.generation = g.last"""
#: the quantiles of ``bands`` and ``effects`` (as ``Ensemble.bands``)
QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
_KEYS = "ensemble_id, day, date, story, level, name, metric"
_STATS = ", ".join(f"q[{i + 1}] AS {c}" for i, c in enumerate(QUANTILES)) + ", mean, runs"
_QLIST = "[" + ", ".join(str(q) for q in QUANTILES.values()) + "]"
ENSEMBLE_VIEWS = {
    "bands": f"""SELECT {_KEYS}, {_STATS} FROM (
        SELECT {_KEYS}, quantile_cont(value, {_QLIST}) AS q, avg(value) AS mean, count(*) AS runs
        FROM summaries GROUP BY {_KEYS})""",
    "effects": f"""SELECT {_KEYS}, {_STATS} FROM (
        SELECT {_KEYS}, quantile_cont(value - value_without, {_QLIST}) AS q, avg(value - value_without) AS mean,
               count(*) AS runs
        FROM summaries WHERE value_without IS NOT NULL GROUP BY {_KEYS})""",
}
#: statements ``query`` runs; every other kind is refused before it reaches DuckDB
READING = {"SELECT", "EXPLAIN", "PRAGMA", "CALL", "MULTI"}
_HINT = ("a query reads the views runs, timeseries, tellings, intercepts, detained, events, ensembles, "
         "replicates, summaries, bands, effects, calibrations, analyses, particles, posterior, generations, "
         "observations, calibration_summary, sensitivity and nothing else")


def connect(folder: Path, tables=TABLES, write: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with the views ``runs`` and ``tables``.

    Sandboxed unless ``write``: then the catalog is attached writable as
    ``catalog`` (``runs`` is a view of ``catalog.runs``) and DuckDB may read and
    write files; the catalog stays locked, and every run waits, until it is closed.
    """
    path = folder / "runs.duckdb"
    if write:
        catalog.write(path, lambda con: None)  # create it, or bring an older one up to date
    con = duckdb.connect()
    try:
        every = catalog.snapshot_tables(path, con)
        rows = every["runs"]
        if write:
            catalog.wait_for(lambda: con.execute(f"ATTACH {catalog.quote(path)} AS catalog"), path)
            for name in ("runs", "ensembles", "replicates", "calibrations", "analyses"):
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM catalog.{name}")
        else:
            for name in ("runs", "ensembles", "replicates", "calibrations", "analyses"):
                con.register(name, every[name])
        con.execute(f"CREATE MACRO latest_run() AS (SELECT run_id FROM runs WHERE {catalog.LATEST} "
                    "ORDER BY finished DESC, run_id DESC LIMIT 1)")
        con.execute("CREATE MACRO latest_ensemble() AS (SELECT ensemble_id FROM ensembles "
                    "ORDER BY greatest(started, coalesce(finished, started)) DESC, ensemble_id DESC LIMIT 1)")
        con.execute("CREATE MACRO latest_calibration() AS (SELECT calibration_id FROM calibrations "
                    "ORDER BY started DESC, calibration_id DESC LIMIT 1)")
        finished = finished_runs(folder, rows) if tables else []
        for name in tables:
            if name in CALIBRATION_VIEWS:
                source = every["analyses"] if name == "sensitivity" else every["calibrations"]
                con.register(name, calibration_data(folder, source, name))
                if name == "particles":
                    con.execute(f"CREATE VIEW posterior AS {POSTERIOR}")
            elif name == "summaries":
                con.register(name, summaries(folder, every["replicates"]))
                for view, sql in ENSEMBLE_VIEWS.items():
                    con.execute(f"CREATE VIEW {view} AS {sql}")
            else:
                con.register(name, dataset(folder, finished, name))
        if not write:
            for setting in ("temp_directory = ''", "enable_external_access = false", "lock_configuration = true"):
                con.execute(f"SET {setting}")
    except duckdb.Error as err:
        con.close()
        raise catalog.translate(err, path) from err
    except BaseException:
        con.close()
        raise
    return con


def screen(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse, in one line, SQL that is not a reading statement."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as err:
        raise refused(err) or QueryError(f"query failed: {_first_line(err)} in: {sql.strip()}") from err
    for statement in statements:
        kind = statement.type.name
        if kind == "CREATE" and not statement.query.strip():
            continue  # DuckDB before 1.1 runs PIVOT as a CREATE TYPE it writes itself (no text), then a SELECT
        if kind not in READING:
            raise QueryError(f"query refused: {kind} statements cannot run here; {_HINT}: it never changes the "
                             "catalog or a run's files, writes no file, and reads no file outside the runs.")


def refused(err: duckdb.Error) -> QueryError | None:
    """The sandbox's refusal of a reading statement (a file outside the views, a
    setting), in one line; None for any other error."""
    text = _first_line(err)
    if (isinstance(err, duckdb.PermissionException) or text.startswith("Permission Error")
            or "configuration has been locked" in text):
        return QueryError(f"query refused: {_HINT} ({text}).")
    return None


def finished_runs(folder: Path, rows) -> list[tuple[str, Path]]:
    """``(run_id, folder)`` of every finished run in ``rows`` (the catalog's
    snapshot), in id order, each folder checked to be the run's own."""
    done = sorted((r["run_id"], r["path"]) for r in rows.select(["run_id", "status", "path"]).to_pylist()
                  if r["status"] == "finished")
    return [(run_id, run_folder(folder, run_id, path)) for run_id, path in done]


def dataset(folder: Path, finished, name: str):
    """Table ``name`` of every finished run, as one pyarrow dataset (columns
    unified by name, a whole-number column that is DOUBLE in some run read as
    DOUBLE); an empty table when there are none."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    files = run_files(finished, name)
    if not files:
        return SCHEMAS[name].empty_table()
    schemas = []
    for run_id, file in files:
        try:
            schemas.append(pq.read_schema(file))
        except Exception as err:  # pyarrow raises several kinds for a damaged file
            raise _damaged(run_id, file, err) from err
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    return ds.dataset([str(f) for _, f in files], schema=schema, format="parquet")


def named(sql: str | None) -> list[str]:
    """The data tables ``sql`` mentions (all when ``sql`` is None); ``bands``
    and ``effects`` need ``summaries``."""
    if sql is None:
        return list(TABLES) + ["summaries"] + list(CALIBRATION_VIEWS)
    out = [name for name in TABLES + CALIBRATION_VIEWS if re.search(rf"\b{name}\b", sql, re.IGNORECASE)]
    if re.search(r"\b(summaries|bands|effects)\b", sql, re.IGNORECASE):
        out.append("summaries")
    if re.search(r"\bposterior\b", sql, re.IGNORECASE) and "particles" not in out:
        out.append("particles")
    return out


def calibration_data(folder: Path, rows, name: str):
    """View ``name`` over every stored calibration's (or, for ``sensitivity``,
    analysis's) file, as one pyarrow table: columns unified by name, so each
    calibration's parameters are columns, NULL in the others' rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from . import calibrations

    tables = []
    for file in calibrations.files(folder, rows.to_pylist(), name):
        try:
            tables.append(pq.read_table(file))
        except Exception as err:  # pyarrow raises several kinds for a damaged file
            raise DamagedRunError(f"{file} is damaged ({err}); remove its folder, or restore the file.") from err
    if not tables:
        return pa.schema([(col, pa.type_for_alias(kind)) for col, kind in EMPTY[name]]).empty_table()
    return pa.concat_tables(tables, promote_options="permissive")


def replicate_files(folder: Path, replicates) -> list[tuple[str, Path]]:
    """``(ensemble_id, file)`` of each listed replicate, in order; a row whose
    id rumormill never writes is skipped (a repair drops it)."""
    from .ensembles import is_ensemble_id, replicate_path

    rows = replicates.select(["ensemble_id", "replicate"]).to_pylist()
    keys = sorted((r["ensemble_id"], r["replicate"]) for r in rows
                  if is_ensemble_id(r["ensemble_id"]) and r["replicate"] is not None and 0 <= r["replicate"] < 10**6)
    return [(e, folder / replicate_path(e, i)) for e, i in keys]


def summaries(folder: Path, replicates):
    """Every listed replicate's summary rows, as one pyarrow dataset (every file
    has the one schema ``summaries.SCHEMA``, so no footer is read here)."""
    import pyarrow.dataset as ds

    from .summaries import SCHEMA

    files = replicate_files(folder, replicates)
    for ensemble_id, file in files:
        if not file.is_file():
            raise DamagedRunError(f"ensemble {ensemble_id}: {file} is listed but missing; "
                                  f"`rumormill runs --repair --out {folder}` drops it (a resume runs it again).")
    if not files:
        return SCHEMA.empty_table()
    return ds.dataset([str(f) for _, f in files], schema=SCHEMA, format="parquet")


def run_files(finished, name: str) -> list[tuple[str, Path]]:
    """``(run_id, file)`` of table ``name`` for each finished run; a missing file is an error."""
    out = []
    for run_id, run_dir in finished:
        file = run_dir / f"{name}.parquet"
        if not file.is_file():
            raise DamagedRunError(
                f"run {run_id} is marked finished but {file} is missing; restore the file, or remove the run "
                f"with `rumormill runs --delete {run_id}`.")
        out.append((run_id, file))
    return out


def diagnose(folder: Path, sql: str | None, err: Exception) -> Exception:
    """Name the damaged file behind a failed query, or report the SQL error."""
    import pyarrow.parquet as pq

    if isinstance(err, duckdb.Error) and (answer := refused(err)) is not None:
        return answer
    if isinstance(err, (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)):
        return QueryError(f"query failed: {err} in: {(sql or '').strip()}\nviews: {', '.join(VIEWS)} "
                          "(see docs/results.md).")
    try:
        every = catalog.snapshot_tables(folder / "runs.duckdb")
        finished = finished_runs(folder, every["runs"])
        for name in named(sql):
            if name in CALIBRATION_VIEWS:
                continue  # read whole when the view is built: a damaged file is named there
            pairs = (replicate_files(folder, every["replicates"]) if name == "summaries"
                     else run_files(finished, name))
            for run_id, file in pairs:
                try:
                    pq.read_table(file)
                except Exception as bad:  # pyarrow raises several kinds for a damaged file
                    return _damaged(run_id, file, bad)
    except DamagedRunError as damaged:
        return damaged
    shown = f" in: {sql.strip()}" if sql else ""
    return QueryError(f"query failed: {err}{shown}\nviews: {', '.join(VIEWS)} (see docs/results.md).")


def _damaged(run_id: str, file: Path, err: Exception) -> DamagedRunError:
    if run_id.startswith("e") and "ensembles" in file.parts:
        return DamagedRunError(f"ensemble {run_id}: {file} is damaged ({err}); remove it, and `rumormill runs "
                               "--repair` drops it from the catalog, so that resuming the ensemble runs it again.")
    return DamagedRunError(f"run {run_id}: {file} is damaged ({err}); restore it, or remove the run with "
                           f"`rumormill runs --delete {run_id}`.")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
