"""A results folder: one folder of Parquet files per run, and the catalog.

    rumormill-runs/
      runs.duckdb                 catalog: one row per run, ensemble and stored replicate
      runs/<run_id>/              timeseries, tellings, intercepts, detained,
                                  events (.parquet), run.json, report.html, *.png
      ensembles/<ensemble_id>/    ensemble.json, replicate-00000.parquet, ... (see ``ensembles``)

A run is registered as ``running`` when it starts. Its files are written into
a hidden temporary folder which is renamed into place in one step; only then
does its row say ``finished``. A run that is interrupted or fails therefore
never looks finished, and its half-written files are never read. What a
killed process leaves is put right the next time a run starts (``heal``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from . import catalog, ensembles, heal, views
from .errors import DamagedRunError, QueryError, RunNotFoundError, StoreError
from .ids import content_hash, is_run_id, new_run_id, plain, run_folder, started, to_json
from .recording import Recording, bigint
from .tables import SCHEMAS, TABLES

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

DEFAULT_FOLDER = Path("rumormill-runs")


class Store:
    """The results folder ``folder`` (created on the first save).

    Constructing one touches nothing; every method opens the catalog briefly.

    Examples
    --------
    >>> store = Store(tmp)                                      # doctest: +SKIP
    >>> run_id = store.save(result, scenario="kpa-2025")        # doctest: +SKIP
    >>> store.query("SELECT story, max(count) FROM timeseries GROUP BY story")  # doctest: +SKIP
    """

    def __init__(self, folder: str | os.PathLike = DEFAULT_FOLDER):
        self.folder = Path(folder)

    @property
    def catalog_path(self) -> Path:
        return self.folder / "runs.duckdb"

    def __repr__(self) -> str:
        return f"Store({str(self.folder)!r})"

    # writing -------------------------------------------------------------
    def begin(self, *, scenario: str | None = None, scenario_hash: str | None = None, params=None,
              seed=None, engine: str | None = None, info: dict | None = None,
              baseline_of: str | None = None) -> Recording:
        """Register a run as ``running`` now; call ``finish(result)`` on what it returns.

        ``scenario_hash`` defaults to the hash of ``params`` (see ``content_hash``).
        ``info`` is added to the result's own ``info`` when stored (e.g.
        ``{"key_dates": {...}}``, which the report marks on its time axes).
        ``baseline_of`` marks a compare's baseline (``latest`` never names one).
        The row records this host and process, so that once the process is gone
        the run can be told apart from one still running. Opening the catalog
        also repairs what killed processes left (see ``repair``).
        """
        from .. import __version__

        run_id = new_run_id()
        row = {"run_id": run_id, "status": "running", "scenario": scenario,
               "scenario_hash": scenario_hash or (content_hash(plain(params)) if params is not None else None),
               "params": to_json(params if params is not None else {}), "seed": bigint(seed), "engine": engine,
               "version": __version__, "started": started(run_id),
               "baseline_of": baseline_of, "host": socket.gethostname(), "pid": os.getpid()}

        def register(con):
            heal.apply(con, self.folder)
            catalog.insert(con, row)

        catalog.write(self.catalog_path, register)
        return Recording(self, run_id, scenario=scenario, scenario_hash=row["scenario_hash"], params=params,
                         info=dict(info or {}), baseline_of=baseline_of, started=row["started"])

    def save(self, result, *, scenario: str | None = None, scenario_hash: str | None = None, params=None,
             baseline=None, info: dict | None = None) -> str:
        """Store a finished ``Result``; return its run id.

        ``baseline`` (a ``Result`` or a stored run id) is the same run without
        the measures; it is stored too (a Result) and the report compares them.
        A Result in ``result.info["compare"]["baseline"]`` is used the same way.
        ``info`` is added to ``result.info`` (see ``begin``).
        """
        recording = self.begin(scenario=scenario, scenario_hash=scenario_hash, params=params,
                               seed=result.seed, engine=result.engine, info=info)
        return recording.finish(result, baseline=baseline)

    def repair(self) -> heal.Repair:
        """Put the catalog and the run folders in agreement (see ``heal``):
        register complete runs it lacks, mark runs whose process is gone as
        interrupted, remove stale temporary folders. Writes only when something
        needs it; returns what was done."""
        if not self.folder.is_dir():
            return heal.Repair()
        now = catalog.snapshot_tables(self.catalog_path)
        if not heal.plan(self.folder, now["runs"].to_pylist(), now["ensembles"].to_pylist(),
                         now["replicates"].select(["ensemble_id", "replicate"]).to_pylist()):
            return heal.Repair()
        return catalog.write(self.catalog_path, lambda con: heal.apply(con, self.folder))

    def delete(self, run_id: str) -> list[str]:
        """Remove a run: its catalog row, then its folder; return the ids removed.

        A running run is refused (unless it was started by a rumormill that did
        not record its process), and so is a baseline another run is compared
        with; a compare's own baseline goes with it. A row whose id is not a
        run id (the catalog was changed by hand) is removed without touching any file.
        """
        wanted = self.run(run_id)["run_id"]

        def remove(con):
            rows = catalog.rows(con)
            row = next((r for r in rows if r["run_id"] == wanted), None)
            if row is None:
                raise RunNotFoundError(f"run {wanted} is no longer in {self.folder}; another process removed it.")
            if not is_run_id(wanted):  # never a folder name: remove the row only
                con.execute("DELETE FROM runs WHERE run_id = ?", [wanted])
                return [wanted], []
            if row["status"] == "running" and row.get("pid") is not None and heal.alive(row):
                here = row.get("host") == socket.gethostname()
                raise StoreError(f"run {wanted} is still running (process {row['pid']} on {row.get('host')})"
                                 + ("; let it finish, or stop it, then delete it." if here else
                                    ", as far as this host can tell; if it was killed, `rumormill runs --repair` "
                                    "on that host marks it interrupted, then delete it."))
            users = sorted(r["run_id"] for r in rows if r["baseline_id"] == wanted and r["run_id"] != wanted)
            if users:
                raise StoreError(f"run {wanted} is the baseline of {', '.join(users)}: delete "
                                 f"{'that run' if len(users) == 1 else 'those runs'} instead (a compare's own "
                                 "baseline goes with it).")
            own = sorted(r["run_id"] for r in rows
                         if r.get("baseline_of") == wanted and is_run_id(r["run_id"])
                         and not any(u["baseline_id"] == r["run_id"] and u["run_id"] != wanted for u in rows)
                         and not (r["status"] == "running" and heal.alive(r)))
            gone = []
            for rid in [wanted, *own]:
                con.execute("DELETE FROM runs WHERE run_id = ?", [rid])
                final = self.folder / "runs" / rid
                if final.exists():
                    gone.append(final.with_name(f".{rid}.tmp"))
                    os.replace(final, gone[-1])
            return [wanted, *own], gone

        try:
            removed, gone = catalog.write(self.catalog_path, remove)
        except OSError as err:
            raise StoreError(f"cannot remove run {wanted} from {self.folder / 'runs'}: {err.strerror or err}; "
                             "fix the folder's permissions and try again.") from err
        for folder in gone:
            shutil.rmtree(folder, ignore_errors=True)
        return removed

    # ensembles -----------------------------------------------------------
    def begin_ensemble(self, plan, *, scenario_hash: str | None = None,
                       executor: str | None = None) -> ensembles.EnsembleRecording:
        """Register ensemble ``plan`` as ``running`` (new, or resumed: its id is
        the plan's); returns a recording to ``add(index, summary)`` each
        replicate to as it arrives, then ``finish(executor)``.

        Repairs the store first (a replicate file a killed driver renamed into
        place but did not list is listed). ``recording.stored`` names the
        replicates already stored and ``recording.todo`` the rest;
        ``recording.note()`` says ``resuming ensemble …: k of N runs already
        stored``. An ensemble still running in another process is refused.
        ``scenario_hash`` defaults to the hash of the validated scenario.
        """
        return ensembles.begin(self, plan, scenario_hash=scenario_hash, executor=executor)

    def ensemble_stored(self, plan_or_id) -> list[int]:
        """The replicates of an ensemble (a ``Plan`` or its id) that are stored, in order."""
        ensemble_id = getattr(plan_or_id, "id", plan_or_id)
        rows = catalog.snapshot_tables(self.catalog_path, tables=("replicates",))["replicates"]
        return sorted(r["replicate"] for r in rows.select(["ensemble_id", "replicate"]).to_pylist()
                      if r["ensemble_id"] == ensemble_id)

    def ensemble_done(self, plan_or_id, indices=None) -> dict:
        """Stored replicates read back, ``{index: Summary}`` (``(with, without)``
        pairs for a compare), equal array for array to what was stored: pass it
        as ``run_plan(plan, done=...)`` to resume. ``indices`` limits which are read."""
        import pyarrow.parquet as pq

        from .summaries import summary_from_table

        ensemble_id = getattr(plan_or_id, "id", plan_or_id)
        wanted = self.ensemble_stored(ensemble_id) if indices is None else sorted(indices)
        out = {}
        for index in wanted:
            file = self.folder / ensembles.replicate_path(ensemble_id, index)
            try:
                out[index] = summary_from_table(pq.read_table(file))
            except Exception as err:  # pyarrow raises several kinds for a missing or damaged file
                raise DamagedRunError(f"ensemble {ensemble_id}: replicate file {file} is missing or damaged "
                                      f"({err}); remove it, and `rumormill runs --repair --out {self.folder}` drops "
                                      "it from the catalog, so that resuming the ensemble runs it again.") from err
        return out

    def delete_ensemble(self, ensemble_id: str) -> str:
        """Remove an ensemble: its catalog rows, then its folder; returns its id.
        One still running in a live process is refused."""
        wanted = self.ensemble(ensemble_id)["ensemble_id"]

        def remove(con):
            rows = catalog.rows(con, "ensembles", "WHERE ensemble_id = ?", [wanted])
            if not rows:
                raise RunNotFoundError(f"ensemble {wanted} is no longer in {self.folder}; another process removed it.")
            row = rows[0]
            if row["status"] == "running" and row.get("pid") != os.getpid() and heal.alive(row):
                raise StoreError(f"ensemble {wanted} is still running (process {row['pid']} on {row.get('host')}); "
                                 "let it finish, or stop it, then delete it.")
            con.execute("DELETE FROM replicates WHERE ensemble_id = ?", [wanted])
            con.execute("DELETE FROM ensembles WHERE ensemble_id = ?", [wanted])
            final = self.folder / "ensembles" / wanted
            if not ensembles.is_ensemble_id(wanted) or not final.exists():
                return None
            gone = final.with_name(f".{wanted}.tmp")
            os.replace(final, gone)
            return gone

        try:
            gone = catalog.write(self.catalog_path, remove)
        except OSError as err:
            raise StoreError(f"cannot remove ensemble {wanted} from {self.folder / 'ensembles'}: "
                             f"{err.strerror or err}; fix the folder's permissions and try again.") from err
        if gone is not None:
            shutil.rmtree(gone, ignore_errors=True)
        return wanted

    def bands(self, ensemble_id: str, metric: str = "reach", effects: bool = False) -> "pd.DataFrame":
        """The ``bands`` view (``effects`` with ``effects=True``) of one ensemble
        (id or prefix) and metric, as ``Ensemble.bands()`` gives it: columns
        ``day, date, story, by, name, metric, q05 ... q95, mean, runs``."""
        from .summaries import METRICS

        if metric not in METRICS:
            raise StoreError(f"metric = {metric!r}: choose one of {', '.join(METRICS)}.")
        wanted = self.ensemble(ensemble_id)["ensemble_id"]
        view = "effects" if effects else "bands"
        frame = self.query(f"SELECT * EXCLUDE (ensemble_id) FROM {view} WHERE ensemble_id = '{wanted}' "
                           f"AND metric = '{metric}' ORDER BY day, story, level, name")
        return frame.rename(columns={"level": "by"})

    def ensembles(self) -> "pd.DataFrame":
        """The ``ensembles`` table, one row per ensemble, in the order they started."""
        with closing(views.connect(self.folder, tables=())) as con:
            return con.execute("SELECT * FROM ensembles ORDER BY started, ensemble_id").df()

    def ensemble(self, ensemble_id: str) -> dict:
        """One ``ensembles`` row, by id or a unique prefix of one."""
        with closing(views.connect(self.folder, tables=())) as con:
            rows = catalog.rows(con, "ensembles", "WHERE starts_with(ensemble_id, ?) ORDER BY ensemble_id LIMIT 2",
                                [ensemble_id or ""])
        exact = [r for r in rows if r["ensemble_id"] == ensemble_id]
        if exact or len(rows) == 1:
            return (exact or rows)[0]
        if not rows or not ensemble_id:
            raise RunNotFoundError(f"no ensemble {ensemble_id!r} in {self.folder}.")
        raise StoreError(f"ensemble id prefix {ensemble_id!r} matches several ensembles ({rows[0]['ensemble_id']}, "
                         f"{rows[1]['ensemble_id']}, ...); give more of the id.")

    # calibrations ----------------------------------------------------------
    def calibrations(self) -> "pd.DataFrame":
        """The ``calibrations`` table, one row per calibration, in the order they started."""
        with closing(views.connect(self.folder, tables=())) as con:
            return con.execute("SELECT * FROM calibrations ORDER BY started, calibration_id").df()

    def calibration(self, calibration_id: str) -> dict:
        """One ``calibrations`` row, by id, a unique prefix of one, or ``"latest"``."""
        from .calibrations import read

        return read(self, calibration_id)

    def posterior(self, calibration_id: str) -> "pd.DataFrame":
        """A calibration's last complete generation: one row per particle, its
        weight, distance, parameters and quantities (``q0``, ...)."""
        wanted = self.calibration(calibration_id)["calibration_id"]
        frame = self.query(f"SELECT * FROM posterior WHERE calibration_id = '{wanted}' ORDER BY particle")
        return frame.dropna(axis=1, how="all")

    # reading -------------------------------------------------------------
    def runs(self, status: str | None = None) -> "pd.DataFrame":
        """The catalog, one row per run, in the order they started (optionally of one ``status``)."""
        where = "WHERE status = ?" if status else ""
        with closing(views.connect(self.folder, tables=())) as con:
            return con.execute(f"SELECT * FROM runs {where} ORDER BY started, run_id",
                               [status] if status else []).df()

    def run(self, run_id: str) -> dict:
        """One catalog row, by id, by a unique prefix of an id, or ``"latest"``
        (the run finished last, not counting compare baselines)."""
        with closing(views.connect(self.folder, tables=())) as con:
            if run_id == "latest":
                sql, args = f"WHERE {catalog.LATEST} ORDER BY finished DESC, run_id DESC LIMIT 1", []
            else:
                sql, args = "WHERE starts_with(run_id, ?) ORDER BY run_id LIMIT 2", [run_id]
            rows = catalog.rows(con, "runs", sql, args)
        exact = [r for r in rows if r["run_id"] == run_id]
        if exact:
            return exact[0]
        if not rows or not run_id:
            where = f"in {self.folder}" + ("" if self.catalog_path.exists() else " (no catalog there yet)")
            raise RunNotFoundError(f"no run {run_id!r} {where}; `rumormill runs --out {self.folder}` lists them.")
        if len(rows) > 1:
            raise StoreError(f"run id prefix {run_id!r} matches several runs ({rows[0]['run_id']}, "
                             f"{rows[1]['run_id']}, ...); give more of the id.")
        return rows[0]

    def run_dir(self, run_id: str) -> Path:
        """The folder of a finished run (checked to be ``runs/<run_id>``)."""
        row = self.run(run_id)
        if row["status"] != "finished":
            raise StoreError(f"run {row['run_id']} is {row['status']}"
                             + (f" ({row['error']})" if row.get("error") else "")
                             + "; only finished runs have results.")
        return run_folder(self.folder, row["run_id"], row["path"])

    def meta(self, run_id: str) -> dict:
        """The run's ``run.json``: stories, layers, cells, n, seed, info, and its catalog row.

        A baseline no longer stored (removed by hand) is dropped: ``baseline_id``
        is None and ``baseline_missing`` names it.
        """
        folder = self.run_dir(run_id)
        try:
            meta = json.loads((folder / "run.json").read_text())
        except (OSError, ValueError) as err:
            raise DamagedRunError(f"run {folder.name}: {folder / 'run.json'} is missing or damaged ({err}); "
                                  f"restore it, or remove the run with `rumormill runs --delete {folder.name}`.")
        meta["catalog"] = self.run(folder.name)
        meta["folder"] = str(folder)
        base = meta.get("baseline_id")
        if base:
            try:
                self.run_dir(base)
            except StoreError:
                meta["baseline_id"], meta["baseline_missing"] = None, base
        return meta

    def table(self, name: str, run_id: str | None = None) -> "pd.DataFrame":
        """A table (``timeseries``, ``tellings``, ``intercepts``, ``detained``,
        ``events``) for one run, or for every finished run when ``run_id`` is None."""
        if name not in TABLES:
            raise StoreError(f"table {name!r}: choose one of {', '.join(TABLES)}.")
        if run_id is None:
            return self.query(f"SELECT * FROM {name}")
        return _read(self.run_dir(run_id), name)

    def tables(self, run_id: str) -> dict:
        """Every table of one run, by name (one catalog look-up, then the files)."""
        folder = self.run_dir(run_id)
        return {name: _read(folder, name) for name in TABLES}

    def connect(self, write: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with every view; close it when done.

        It can read the views and nothing else (no other file, no writing;
        see ``views``), and holds nothing open, so runs go on meanwhile. With
        ``write=True`` it is a plain connection with the catalog attached
        writable as ``catalog``: every run waits until it is closed.
        """
        return views.connect(self.folder, write=write)

    def query(self, sql: str) -> "pd.DataFrame":
        """Run SQL over the views ``runs``, ``timeseries``, ``tellings``,
        ``intercepts``, ``detained``, ``events``; return a pandas DataFrame.

        Only reading statements run, in the sandbox of ``connect``.
        """
        return self._query(sql, lambda rel: rel.df())

    def query_arrow(self, sql: str) -> "pa.Table":
        """``query`` returning a pyarrow Table."""
        return self._query(sql, catalog.arrow)

    def query_polars(self, sql: str) -> "pl.DataFrame":
        """``query`` returning a polars DataFrame (needs ``pip install polars``)."""
        try:
            import polars  # noqa: F401
        except ImportError as err:
            raise StoreError("query_polars needs polars: `pip install polars`, or use query() for pandas.") from err
        return self._query(sql, lambda rel: rel.pl())

    def _query(self, sql: str, fetch):
        if not sql or not sql.strip():
            raise QueryError("the SQL is empty; e.g. SELECT * FROM runs")
        with closing(views.connect(self.folder, views.named(sql))) as con:
            views.screen(con, sql)
            try:
                rel = con.sql(sql)
                return fetch(rel if rel is not None else con.sql("SELECT NULL AS result WHERE false"))
            except Exception as err:  # DuckDB's errors, or pyarrow's from a damaged file being scanned
                raise views.diagnose(self.folder, sql, err) from err


def _read(folder: Path, name: str) -> "pd.DataFrame":
    """One table of one run, straight from its Parquet file (dates as datetime64, like ``query``)."""
    import pyarrow.parquet as pq

    file, run_id = folder / f"{name}.parquet", folder.name
    if not file.is_file():
        raise DamagedRunError(f"run {run_id}: {file} is missing; restore it, or remove the run with "
                              f"`rumormill runs --delete {run_id}`.")
    try:
        table = pq.read_table(file)
    except Exception as err:  # pyarrow raises several kinds for a damaged file
        raise DamagedRunError(f"run {run_id}: {file} is damaged ({err}); restore it, or remove the run with "
                              f"`rumormill runs --delete {run_id}`.") from err
    missing = [c for c in SCHEMAS[name].names if c not in table.column_names]
    if missing:
        raise DamagedRunError(f"run {run_id}: {file} lacks the column(s) {', '.join(missing)} of a {name} table; "
                              f"restore it, or remove the run with `rumormill runs --delete {run_id}`.")
    return table.to_pandas(date_as_object=False)
