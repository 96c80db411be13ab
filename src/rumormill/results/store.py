"""A results folder: one folder of Parquet files per run, and the catalog.

    rumormill-runs/
      runs.duckdb                 catalog: one row per run
      runs/<run_id>/              timeseries, tellings, intercepts, detained,
                                  events (.parquet), run.json, report.html, *.png

A run is registered as ``running`` when it starts. Its files are written into
a hidden temporary folder which is renamed into place in one step; only then
does its row say ``finished``. A run that is interrupted or fails therefore
never looks finished, and its half-written files are never read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from . import catalog, views
from .errors import DamagedRunError, QueryError, RunNotFoundError, StoreError
from .ids import content_hash, new_run_id, plain, to_json
from .tables import TABLES, result_tables

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
              seed=None, engine: str | None = None, info: dict | None = None) -> "Recording":
        """Register a run as ``running`` now; call ``finish(result)`` on what it returns.

        ``scenario_hash`` defaults to the hash of ``params`` (see ``content_hash``).
        ``info`` is added to the result's own ``info`` when stored (e.g.
        ``{"key_dates": {...}}``, which the report marks on its time axes).
        """
        from .. import __version__

        run_id = new_run_id()
        row = {"run_id": run_id, "status": "running", "scenario": scenario,
               "scenario_hash": scenario_hash or (content_hash(plain(params)) if params is not None else None),
               "params": to_json(params if params is not None else {}), "seed": _seed(seed), "engine": engine,
               "version": __version__, "started": _now()}
        catalog.write(self.catalog_path, lambda con: catalog.insert(con, row))
        return Recording(self, run_id, scenario=scenario, scenario_hash=row["scenario_hash"], params=params,
                         info=dict(info or {}))

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

    def delete(self, run_id: str) -> None:
        """Remove a run: its catalog row first (so it stops being finished), then its folder."""
        row = self.run(run_id)
        catalog.write(self.catalog_path, lambda con: con.execute("DELETE FROM runs WHERE run_id = ?", [row["run_id"]]))
        shutil.rmtree(self.folder / "runs" / row["run_id"], ignore_errors=True)

    # reading -------------------------------------------------------------
    def runs(self, status: str | None = None) -> "pd.DataFrame":
        """The catalog, one row per run, in the order they started (optionally of one ``status``)."""
        where = "WHERE status = ?" if status else ""
        with closing(catalog.connect_read(self.catalog_path)) as con:
            return con.execute(f"SELECT * FROM catalog.runs {where} ORDER BY started, run_id",
                               [status] if status else []).df()

    def run(self, run_id: str) -> dict:
        """One catalog row, by id, by a unique prefix of an id, or ``"latest"`` (the run
        finished last; a run saved with a baseline finishes after it)."""
        with closing(catalog.connect_read(self.catalog_path)) as con:
            if run_id == "latest":
                sql, args = "WHERE status = 'finished' ORDER BY finished DESC, run_id DESC LIMIT 1", []
            else:
                sql, args = "WHERE starts_with(run_id, ?) ORDER BY run_id LIMIT 2", [run_id]
            cur = con.execute(f"SELECT * FROM catalog.runs {sql}", args)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
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
        """The folder of a finished run."""
        row = self.run(run_id)
        if row["status"] != "finished":
            raise StoreError(f"run {row['run_id']} is {row['status']}"
                             + (f" ({row['error']})" if row.get("error") else "")
                             + "; only finished runs have results.")
        return self.folder / row["path"]

    def meta(self, run_id: str) -> dict:
        """The run's ``run.json``: stories, layers, cells, n, seed, info, and its catalog row."""
        folder = self.run_dir(run_id)
        try:
            meta = json.loads((folder / "run.json").read_text())
        except (OSError, ValueError) as err:
            raise DamagedRunError(f"run {folder.name}: {folder / 'run.json'} is missing or damaged ({err}); "
                                  f"restore it, or remove the run with `rumormill runs --delete {folder.name}`.")
        meta["catalog"] = self.run(folder.name)
        meta["folder"] = str(folder)
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

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with every view; close it when done."""
        return views.connect(self.folder)

    def query(self, sql: str) -> "pd.DataFrame":
        """Run SQL over the views ``runs``, ``timeseries``, ``tellings``,
        ``intercepts``, ``detained``, ``events``; return a pandas DataFrame."""
        return self._query(sql, lambda rel: rel.df())

    def query_arrow(self, sql: str) -> "pa.Table":
        """``query`` returning a pyarrow Table."""
        return self._query(sql, _arrow)

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
        with closing(views.connect(self.folder, sql)) as con:
            try:
                rel = con.sql(sql)
                return fetch(rel if rel is not None else con.sql("SELECT NULL AS result WHERE false"))
            except duckdb.Error as err:
                raise views.diagnose(self.folder, sql, err) from err


class Recording:
    """A run registered as ``running``; ``finish`` stores its result, ``fail``
    records why it ended without one. As a context manager it fails the run on
    an exception (or on leaving without ``finish``) and re-raises."""

    def __init__(self, store: Store, run_id: str, **saved):
        self.store, self.run_id, self.saved, self.done = store, run_id, saved, False

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if not self.done:
            self.fail(error if error is not None else "ended without a result")
        return False

    def finish(self, result, baseline=None) -> str:
        """Write the result's tables, rename them into place, then mark the run finished."""
        if self.done:
            raise StoreError(f"run {self.run_id} is already {self.done}.")
        runs = self.store.folder / "runs"
        final, tmp = runs / self.run_id, runs / f".{self.run_id}.tmp"
        try:
            baseline_id = self._baseline(result, baseline)
            tables = result_tables(result, self.run_id)
            meta = _meta(result, self.run_id, baseline_id, self.saved)
            _write(tmp, tables, meta)
            os.replace(tmp, final)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            self.fail(err)
            raise StoreError(f"cannot write run {self.run_id} under {runs}: {err.strerror or err}; choose another "
                             "folder with --out, or fix its permissions.") from err
        except BaseException as err:
            shutil.rmtree(tmp, ignore_errors=True)
            self.fail(err)
            raise
        done = dict(status="finished", finished=_now(), path=f"runs/{self.run_id}", seed=_seed(result.seed),
                    engine=result.engine, n=int(result.n), days=int(result.days[-1]) if len(result.days) else 0,
                    stories=list(result.stories), baseline_id=baseline_id, info=meta["info_json"])
        catalog.write(self.store.catalog_path, lambda con: catalog.update(con, self.run_id, **done))
        self.done = "finished"
        return self.run_id

    def fail(self, error) -> None:
        """Mark the run failed with ``error``'s text (best effort: never hides the first error)."""
        self.done = "failed"
        text = "interrupted" if isinstance(error, KeyboardInterrupt) else (str(error) or type(error).__name__)
        try:
            catalog.write(self.store.catalog_path,
                          lambda con: catalog.update(con, self.run_id, status="failed", error=text[:2000]))
        except StoreError:
            pass

    def _baseline(self, result, baseline) -> str | None:
        if baseline is None:
            compare = (result.info or {}).get("compare")
            baseline = compare.get("baseline") if isinstance(compare, dict) else None
        if baseline is None:
            return None
        if isinstance(baseline, str):
            return self.store.run(baseline)["run_id"]
        return self.store.save(baseline, scenario=self.saved.get("scenario"),
                               scenario_hash=self.saved.get("scenario_hash"), params=self.saved.get("params"),
                               info=self.saved.get("info"))


def _read(folder: Path, name: str) -> "pd.DataFrame":
    """One table of one run, straight from its Parquet file (dates as datetime64, like ``query``)."""
    import pyarrow.parquet as pq

    file, run_id = folder / f"{name}.parquet", folder.name
    if not file.is_file():
        raise DamagedRunError(f"run {run_id}: {file} is missing; restore it, or remove the run with "
                              f"`rumormill runs --delete {run_id}`.")
    try:
        return pq.read_table(file).to_pandas(date_as_object=False)
    except Exception as err:  # pyarrow raises several kinds for a damaged file
        raise DamagedRunError(f"run {run_id}: {file} is damaged ({err}); restore it, or remove the run with "
                              f"`rumormill runs --delete {run_id}`.") from err


def _write(folder: Path, tables: dict, meta: dict) -> None:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=False)
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    body = {k: v for k, v in meta.items() if k != "info_json"}
    (folder / "run.json").write_text(json.dumps(body, indent=1, sort_keys=True))


def _meta(result, run_id: str, baseline_id: str | None, saved: dict) -> dict:
    info = {**(result.info or {}), **(saved.get("info") or {})}
    if isinstance(info.get("compare"), dict) and baseline_id:
        info["compare"] = {**info["compare"], "baseline": baseline_id}
    info = plain(info)
    return {"run_id": run_id, "stories": list(result.stories), "layers": list(result.layers),
            "cells": list(result.cells), "n": int(result.n), "engine": result.engine,
            "seed": None if result.seed is None else str(result.seed), "baseline_id": baseline_id,
            "scenario": saved.get("scenario"), "scenario_hash": saved.get("scenario_hash"),
            "params": plain(saved.get("params")), "info": info, "info_json": json.dumps(info, sort_keys=True)}


def _arrow(rel) -> "pa.Table":
    """A relation as a pyarrow Table (DuckDB 2 renamed ``arrow()``)."""
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()


def _seed(seed) -> int | None:
    """The seed as BIGINT, or None when it does not fit (the exact value is in run.json)."""
    try:
        value = int(seed)
    except (TypeError, ValueError):
        return None
    return value if -(2**63) <= value < 2**63 else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
