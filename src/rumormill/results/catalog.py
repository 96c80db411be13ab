"""The DuckDB catalog (``runs.duckdb``): one row per run, and its version.

Connections are short: opened for one insert or update and closed, so several
processes can share a folder (a second writer waits for the lock instead of
failing). Readers attach the file read-only into an in-memory database, so a
query can never change the catalog, and a failed one leaves it as it was.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from .errors import CatalogVersionError, StoreError

#: bumped when the catalog's tables change shape; a newer catalog is refused
SCHEMA_VERSION = 1
#: how long a writer or reader waits for another process's lock (seconds)
LOCK_WAIT = 30.0

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
    info          VARCHAR             -- JSON text: start_date, key_dates, ...
)"""
META_DDL = "CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
COLUMNS = ("run_id", "status", "scenario", "scenario_hash", "params", "seed", "engine", "n", "days", "stories",
           "baseline_id", "version", "started", "finished", "path", "error", "info")


def connect_write(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the catalog for writing, after checking its version."""
    from .. import __version__

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"cannot create the results folder {path.parent}: {err.strerror or err}; "
                         "choose another folder with --out, or fix its permissions.") from err
    con = _retry(lambda: duckdb.connect(str(path)), path)

    def prepare():
        _check_version(con, "", path)
        con.execute(META_DDL)
        con.execute(RUNS_DDL.format(prefix=""))
        con.execute("INSERT OR IGNORE INTO catalog_meta VALUES ('schema_version', ?), ('created_by', ?)",
                    [str(SCHEMA_VERSION), f"rumormill {__version__}"])

    return _prepared(con, path, prepare)


def connect_read(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the catalog attached read-only as ``catalog``.

    A folder without a catalog reads as one with no runs.
    """
    con = duckdb.connect()

    def prepare():
        if path.exists():
            _retry(lambda: con.execute(f"ATTACH {_quote(path)} AS catalog (READ_ONLY)"), path)
            _check_version(con, "catalog.", path)
        else:
            con.execute("ATTACH ':memory:' AS catalog")
            con.execute(RUNS_DDL.format(prefix="catalog."))

    return _prepared(con, path, prepare)


def _prepared(con, path: Path, prepare) -> duckdb.DuckDBPyConnection:
    """Run ``prepare()`` on a new connection; on any failure close it, with
    DuckDB's errors told in the store's words."""
    try:
        prepare()
    except duckdb.Error as err:
        con.close()
        raise _translate(err, path) from err
    except BaseException:
        con.close()
        raise
    return con


def write(path: Path, action) -> None:
    """Open the catalog, call ``action(con)``, close: one short write, errors translated."""
    con = connect_write(path)
    try:
        action(con)
    except duckdb.Error as err:
        raise _translate(err, path) from err
    finally:
        con.close()


def insert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Add one run row (keys from ``COLUMNS``; the rest are NULL)."""
    names = [c for c in COLUMNS if c in row]
    con.execute(f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[c] for c in names])


def update(con: duckdb.DuckDBPyConnection, run_id: str, **fields) -> None:
    """Change some columns of one run row."""
    sets = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE runs SET {sets} WHERE run_id = ?", [*fields.values(), run_id])


def _check_version(con, prefix: str, path: Path) -> None:
    try:
        row = con.execute(f"SELECT value FROM {prefix}catalog_meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:  # a catalog from before versions were kept, or a new one
        return
    found = int(row[0]) if row and str(row[0]).isdigit() else 0
    if found > SCHEMA_VERSION:
        from .. import __version__

        raise CatalogVersionError(
            f"{path} was written by a newer rumormill (catalog schema {found}; this rumormill {__version__} "
            f"reads schema {SCHEMA_VERSION}). Upgrade rumormill, or use another folder with --out.")


def _retry(open_, path: Path):
    """Call ``open_`` until another process releases the file lock, or time runs out."""
    deadline = time.monotonic() + LOCK_WAIT
    pause = 0.02
    while True:
        try:
            return open_()
        except duckdb.Error as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise _translate(err, path) from err
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _translate(err: Exception, path: Path) -> StoreError:
    """DuckDB's error, as a StoreError saying what to do."""
    if isinstance(err, StoreError):
        return err
    text = str(err)
    low = text.lower()
    if "lock" in low:
        return StoreError(f"{path} is held by another process for longer than {LOCK_WAIT:.0f} s ({text}); "
                          "wait for it to finish, or use another folder with --out.")
    if "read-only" in low or "permission denied" in low or "read only" in low:
        return StoreError(f"cannot write the catalog {path}: the folder is read-only ({text}); "
                          "choose another folder with --out, or fix its permissions.")
    if "version" in low and ("storage" in low or "newer" in low or "serializ" in low):
        return CatalogVersionError(f"{path} was written by a newer DuckDB than this one ({text}); "
                                   "upgrade duckdb and rumormill, or use another folder with --out.")
    return StoreError(f"the catalog {path} cannot be opened ({text}); if it is damaged, move it aside "
                      "and the next run starts a new one, or use another folder with --out.")


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
