"""The DuckDB catalog (``runs.duckdb``): one row per run, one per ensemble
and one per stored replicate of an ensemble, one per calibration and one
per sensitivity analysis, and its version.

Connections are short: opened for one insert or update and closed, so several
processes can share a folder. A writer that finds another process holding the
file waits for as long as it takes (a finished run must never be lost because
someone kept the catalog open), and says so after a few seconds. Readers copy
the rows out and let go of the file at once, so a long query or an open
notebook never holds up a run.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .errors import CatalogVersionError, StoreError

if TYPE_CHECKING:
    import pyarrow as pa

#: bumped when the catalog's tables change shape; a newer catalog is refused
SCHEMA_VERSION = 4
#: seconds of waiting for another process's lock before saying so (then every NOTICE_EVERY)
NOTICE_AFTER = 5.0
NOTICE_EVERY = 60.0

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS {prefix}runs (
    run_id        VARCHAR PRIMARY KEY,
    status        VARCHAR NOT NULL,   -- running, finished or failed
    scenario      VARCHAR,
    scenario_hash VARCHAR,
    params        VARCHAR,            -- JSON text
    seed          BIGINT,
    engine        VARCHAR,
    n             BIGINT,
    days          INTEGER,
    stories       VARCHAR[],
    baseline_id   VARCHAR,            -- the run without measures, for a compare
    version       VARCHAR,            -- rumormill version that wrote it
    started       TIMESTAMP,          -- UTC
    finished      TIMESTAMP,          -- UTC; NULL until the files are in place
    path          VARCHAR,            -- run folder, relative to the store
    error         VARCHAR,
    info          VARCHAR,            -- JSON text: start_date, key_dates, ...
    baseline_of   VARCHAR,            -- for a compare's baseline: the run it is the baseline of
    host          VARCHAR,            -- where the run's process ran, and its id: a running row
    pid           BIGINT,             -- whose process is gone was interrupted
    seed_entropy  VARCHAR,            -- the root SeedSequence's entropy, exactly (may pass 64 bits)
    spawn_key     VARCHAR             -- its spawn key, e.g. "3,1"; empty for a root seed
)"""
#: columns added in schema 2: an older catalog gains them when it is next written
ADDED = {"baseline_of": "VARCHAR", "host": "VARCHAR", "pid": "BIGINT", "seed_entropy": "VARCHAR",
         "spawn_key": "VARCHAR"}
#: tables added in schema 3: an ensemble (its id derived from its plan) and its stored replicates
ENSEMBLES_DDL = """
CREATE TABLE IF NOT EXISTS ensembles (
    ensemble_id   VARCHAR PRIMARY KEY,  -- the plan's id, a hash of its content
    kind          VARCHAR NOT NULL,     -- ensemble or compare
    status        VARCHAR NOT NULL,     -- running, finished, interrupted or failed
    scenario      VARCHAR,
    scenario_hash VARCHAR,
    seed          BIGINT,
    scale         DOUBLE,
    vary          VARCHAR,              -- the parameters drawn per replicate, comma-separated
    without       VARCHAR,              -- for a compare: the measures left out, comma-separated
    runs_wanted   INTEGER,
    runs_done     INTEGER,
    executor      VARCHAR,              -- where its replicates ran, last time
    params        VARCHAR,              -- JSON text: scale, seed, order, runs, vary, without
    info          VARCHAR,              -- JSON text: start_date, groups, regions, stories, layers
    version       VARCHAR,
    started       TIMESTAMP,            -- UTC, the first start
    finished      TIMESTAMP,            -- UTC, when its last replicate was stored
    host          VARCHAR,
    pid           BIGINT,
    path          VARCHAR,              -- its folder, relative to the store: ensembles/<ensemble_id>
    error         VARCHAR
)"""
REPLICATES_DDL = """
CREATE TABLE IF NOT EXISTS replicates (
    ensemble_id   VARCHAR NOT NULL,
    replicate     INTEGER NOT NULL,
    seed_entropy  VARCHAR,
    spawn_key     VARCHAR,
    params        VARCHAR,              -- JSON text: the parameter values drawn for it
    report_day    INTEGER,
    order_day     INTEGER,
    info          VARCHAR,              -- JSON text: for a compare, the report and order days without
    seconds       DOUBLE,               -- how long it ran (NULL when registered from its file)
    stored        TIMESTAMP,            -- UTC
    path          VARCHAR,              -- its file, relative to the store
    PRIMARY KEY (ensemble_id, replicate)
)"""
ENSEMBLE_COLUMNS = ("ensemble_id", "kind", "status", "scenario", "scenario_hash", "seed", "scale", "vary", "without",
                    "runs_wanted", "runs_done", "executor", "params", "info", "version", "started", "finished",
                    "host", "pid", "path", "error")
REPLICATE_COLUMNS = ("ensemble_id", "replicate", "seed_entropy", "spawn_key", "params", "report_day", "order_day",
                     "info", "seconds", "stored", "path")
#: tables added in schema 4: calibrations (ABC-SMC) and sensitivity analyses (see ``calibrations``)
CALIBRATIONS_DDL = """
CREATE TABLE IF NOT EXISTS calibrations (
    calibration_id VARCHAR PRIMARY KEY,  -- a hash of its scenario and settings
    status         VARCHAR NOT NULL,     -- running, finished, interrupted or failed
    scenario       VARCHAR,
    scenario_hash  VARCHAR,
    params         VARCHAR,              -- the parameters fitted, comma-separated
    settings       VARCHAR,              -- JSON text: scale, seed, order, budget, population, generations, ...
    generations    INTEGER,              -- complete generations stored
    evaluations    BIGINT,               -- runs of the scenario so far
    executor       VARCHAR,
    seconds        DOUBLE,
    version        VARCHAR,
    started        TIMESTAMP,            -- UTC
    finished       TIMESTAMP,            -- UTC
    host           VARCHAR,
    pid            BIGINT,
    path           VARCHAR,              -- its folder, relative to the store: calibrations/<calibration_id>
    error          VARCHAR
)"""
ANALYSES_DDL = """
CREATE TABLE IF NOT EXISTS analyses (
    analysis_id    VARCHAR PRIMARY KEY,  -- a hash of its scenario and settings
    method         VARCHAR NOT NULL,     -- sobol or morris
    status         VARCHAR NOT NULL,
    scenario       VARCHAR,
    scenario_hash  VARCHAR,
    params         VARCHAR,              -- the parameters varied, comma-separated
    settings       VARCHAR,              -- JSON text: scale, seed, order, n, replicates, outputs
    evaluations    BIGINT,
    executor       VARCHAR,
    seconds        DOUBLE,
    version        VARCHAR,
    started        TIMESTAMP,
    finished       TIMESTAMP,
    host           VARCHAR,
    pid            BIGINT,
    path           VARCHAR,              -- analyses/<analysis_id>
    error          VARCHAR
)"""
CALIBRATION_COLUMNS = ("calibration_id", "status", "scenario", "scenario_hash", "params", "settings", "generations",
                       "evaluations", "executor", "seconds", "version", "started", "finished", "host", "pid", "path",
                       "error")
ANALYSIS_COLUMNS = ("analysis_id", "method", "status", "scenario", "scenario_hash", "params", "settings",
                    "evaluations", "executor", "seconds", "version", "started", "finished", "host", "pid", "path",
                    "error")
META_DDL = "CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
COLUMNS = ("run_id", "status", "scenario", "scenario_hash", "params", "seed", "engine", "n", "days", "stories",
           "baseline_id", "version", "started", "finished", "path", "error", "info", *ADDED)
#: a run ``latest`` may name: finished, and not a compare's baseline
LATEST = "status = 'finished' AND baseline_of IS NULL"

_clock, _sleep = time.monotonic, time.sleep


def connect_write(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the catalog for writing, after checking its
    version; an older catalog gains the columns it lacks."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"cannot create the results folder {path.parent}: {err.strerror or err}; "
                         "choose another folder with --out, or fix its permissions.") from err
    if not path.exists():
        _create(path)
    con = wait_for(lambda: duckdb.connect(str(path)), path)
    return _prepared(con, path, lambda: _set_up(con, path))


def _create(path: Path) -> None:
    """A new, empty catalog, made under a temporary name and linked into place,
    so that no process ever opens a half-created one (two processes creating
    it at once: the first link wins, the other's copy is dropped)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(3).hex()}.tmp")
    try:
        con = duckdb.connect(str(tmp))
        try:
            _set_up(con, path)
        finally:
            con.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: rename, unless another process was first
            if not path.exists():
                os.replace(tmp, path)
    except (OSError, duckdb.Error) as err:
        raise translate(err, path) from err
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _set_up(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the tables, or bring an older catalog's up to date."""
    from .. import __version__

    found = _check_version(con, "", path)
    con.execute(META_DDL)
    con.execute(RUNS_DDL.format(prefix=""))
    con.execute(ENSEMBLES_DDL)
    con.execute(REPLICATES_DDL)
    con.execute(CALIBRATIONS_DDL)
    con.execute(ANALYSES_DDL)
    have = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() "
                                      "WHERE database_name = current_database() AND table_name = 'runs'").fetchall()}
    for name, kind in ADDED.items():
        if name not in have:
            con.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
    if found is None:
        con.execute("INSERT OR IGNORE INTO catalog_meta VALUES ('schema_version', ?), ('created_by', ?)",
                    [str(SCHEMA_VERSION), f"rumormill {__version__}"])
    elif found < SCHEMA_VERSION:
        con.execute("UPDATE catalog_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def snapshot(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> "pa.Table":
    """Every run row (all of ``COLUMNS``, NULL where an older catalog lacks one),
    copied out of the catalog, which is let go before this returns.

    Reads through ``con`` (an in-memory connection) when given, else a new one.
    A folder without a catalog reads as one with no runs.
    """
    return snapshot_tables(path, con, ("runs",))["runs"]


#: each catalog table: its DDL and the columns a snapshot has
_TABLES = {"runs": (RUNS_DDL.format(prefix=""), COLUMNS), "ensembles": (ENSEMBLES_DDL, ENSEMBLE_COLUMNS),
           "replicates": (REPLICATES_DDL, REPLICATE_COLUMNS),
           "calibrations": (CALIBRATIONS_DDL, CALIBRATION_COLUMNS), "analyses": (ANALYSES_DDL, ANALYSIS_COLUMNS)}


def snapshot_tables(path: Path, con: duckdb.DuckDBPyConnection | None = None,
                    tables=("runs", "ensembles", "replicates", "calibrations", "analyses")) -> dict[str, "pa.Table"]:
    """``snapshot`` of several catalog tables at once, by name, in one opening
    of the file; a table an older catalog lacks reads as empty."""
    own = con is None
    con = duckdb.connect() if own else con

    def empty(name):
        ddl, columns = _TABLES[name]
        con.execute(ddl.replace(f"TABLE IF NOT EXISTS {name} (", f"TEMP TABLE empty_{name} (", 1))
        try:
            return arrow(con.sql(f"SELECT {', '.join(columns)} FROM temp.empty_{name}"))
        finally:
            con.execute(f"DROP TABLE temp.empty_{name}")

    def read():
        if not path.exists():
            return {name: empty(name) for name in tables}
        wait_for(lambda: con.execute(f"ATTACH {quote(path)} AS catalog (READ_ONLY)"), path)
        try:
            _check_version(con, "catalog.", path)
            out = {}
            for name in tables:
                have = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = "
                                                  "'catalog' AND table_name = ?", [name]).fetchall()}
                if not have:  # a catalog file without this table: nothing of that kind yet
                    out[name] = empty(name)
                    continue
                cols = [c if c in have else f"NULL::{ADDED[c]} AS {c}" for c in _TABLES[name][1]]
                out[name] = arrow(con.sql(f"SELECT {', '.join(cols)} FROM catalog.{name}"))
            return out
        finally:
            con.execute("DETACH catalog")

    try:
        return read()
    except duckdb.Error as err:
        raise translate(err, path) from err
    finally:
        if own:
            con.close()


def _prepared(con, path: Path, prepare, close: bool = True):
    """Run ``prepare()`` on a new connection; on any failure close it, with
    DuckDB's errors told in the store's words. Returns ``con`` (or, with
    ``close=False``, what ``prepare`` returned)."""
    try:
        out = prepare()
    except duckdb.Error as err:
        con.close()
        raise translate(err, path) from err
    except BaseException:
        con.close()
        raise
    return con if close else out


def write(path: Path, action):
    """Open the catalog, call ``action(con)``, close: one short write, errors
    translated; returns what ``action`` returned."""
    con = connect_write(path)
    try:
        return action(con)
    except duckdb.Error as err:
        raise translate(err, path) from err
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, table: str = "runs", where: str = "", args=(), columns: str = "*") -> list[dict]:
    """Catalog rows as dicts (every column the table has, or ``columns``)."""
    cur = con.execute(f"SELECT {columns} FROM {table} {where}", list(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def insert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Add one run row (keys from ``COLUMNS``; the rest are NULL)."""
    names = [c for c in COLUMNS if c in row]
    con.execute(f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[c] for c in names])


def replace(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Write a whole run row, whether or not it is there: delete, then insert.

    Not one UPDATE: DuckDB before 1.1 cannot update a list column (``stories``)
    of a table with a primary key. Both statements run while this process
    holds the file, so no other process sees the gap.
    """
    con.execute("DELETE FROM runs WHERE run_id = ?", [row["run_id"]])
    insert(con, row)


def update(con: duckdb.DuckDBPyConnection, run_id: str, **fields) -> None:
    """Change some columns (never ``stories``, see ``replace``) of one run row."""
    sets = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE runs SET {sets} WHERE run_id = ?", [*fields.values(), run_id])


def arrow(rel) -> "pa.Table":
    """A relation as a pyarrow Table (DuckDB 2 renamed ``arrow()``)."""
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()


def _check_version(con, prefix: str, path: Path) -> int | None:
    """The catalog's schema version (None for a new one); refuse a newer one."""
    try:
        row = con.execute(f"SELECT value FROM {prefix}catalog_meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:  # a catalog from before versions were kept, or a new one
        return None
    found = int(row[0]) if row and str(row[0]).isdigit() else 0
    if found > SCHEMA_VERSION:
        from .. import __version__

        raise CatalogVersionError(
            f"{path} was written by a newer rumormill (catalog schema {found}; this rumormill {__version__} "
            f"reads schema {SCHEMA_VERSION}). Upgrade rumormill, or use another folder with --out.")
    return found


def wait_for(open_, path: Path):
    """Call ``open_`` until another process lets go of the file, however long
    that takes; after ``NOTICE_AFTER`` seconds say on stderr who holds it."""
    start = _clock()
    told = 0.0
    pause = 0.02
    while True:
        try:
            return open_()
        except duckdb.Error as err:
            if not _is_lock(err):
                raise translate(err, path) from err
            waited = _clock() - start
            if waited >= NOTICE_AFTER and waited - told >= (NOTICE_EVERY if told else NOTICE_AFTER):
                told = waited
                holder = re.search(r"PID \d+", str(err))
                print(f"rumormill: waiting for {path}: another process ({holder.group(0) if holder else 'unknown'}) "
                      f"has it open; waited {waited:.0f} s so far, and waits until it lets go (or press Ctrl-C).",
                      file=sys.stderr, flush=True)
            _sleep(pause)
            pause = min(pause * 2, 0.5)


def _is_lock(err: Exception) -> bool:
    return "lock" in str(err).lower() and "no space" not in str(err).lower()


def translate(err: Exception, path: Path) -> StoreError:
    """DuckDB's error, as a StoreError saying what to do."""
    if isinstance(err, StoreError):
        return err
    text = str(err)
    low = text.lower()
    if "no space left" in low or "disk full" in low or "disk quota" in low:
        return StoreError(disk_full(path.parent, f"the catalog {path} could not be written ({text})")
                          + f" Keep {path.name} where it is: it is not damaged, and it lists every stored run.")
    if "read-only" in low or "permission denied" in low or "read only" in low:
        return StoreError(f"cannot write the catalog {path}: the folder is read-only ({text}); "
                          "choose another folder with --out, or fix its permissions.")
    if "version" in low and ("storage" in low or "newer" in low or "serializ" in low):
        return CatalogVersionError(f"{path} was written by a newer DuckDB than this one ({text}); "
                                   "upgrade duckdb and rumormill, or use another folder with --out.")
    return StoreError(f"the catalog {path} cannot be opened ({text}); if it is damaged, move it aside: the next "
                      "run starts a new one and registers the stored runs again from their run.json "
                      "(`rumormill runs --repair` does it at once), or use another folder with --out.")


def disk_full(folder: Path, what: str) -> str:
    """The message for a full disk: what failed, where, and how much is left."""
    try:
        free = f"{shutil.disk_usage(folder).free / 1e6:,.1f} MB free"
    except OSError:
        free = "free space unknown"
    return f"the disk holding {folder} is full ({free}): {what}. Free some space there and run again."


def quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
