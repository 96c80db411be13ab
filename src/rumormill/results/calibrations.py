"""Calibrations and sensitivity analyses in the store.

    rumormill-runs/
      calibrations/<calibration_id>/
        calibration.json     its catalog row, priors, observations and distance
        abc.db               pyabc's own database (what a resume continues from)
        particles.parquet    every complete generation's particles, rewritten as each one completes
        generations.parquet  one row per complete generation
        observations.parquet the observations scored, their intervals and weights
        summary.parquet      per parameter: prior range, posterior median, 90% interval, narrowed
      analyses/<analysis_id>/
        analysis.json        its catalog row
        indices.parquet      one row per output and parameter (Sobol or Morris)

A calibration's id is derived from its scenario and settings (``c`` and 11
hex digits), so asking for the same calibration again finds it: a finished
one is shown, an interrupted one resumed from its last complete
generation. A sensitivity analysis's id (``s`` ...) is derived the same way.
Files are written under a temporary name and renamed into place
(``files.write_atomic``), so none is ever half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalog, heal
from .files import write_atomic
from .errors import RunNotFoundError, StoreError
from .ids import plain

if TYPE_CHECKING:
    from .store import Store

CALIBRATION_ID = re.compile(r"c[0-9a-f]{11}")
ANALYSIS_ID = re.compile(r"s[0-9a-f]{11}")
#: the files of a calibration's folder the views read, by view
CALIBRATION_FILES = {"particles": "particles.parquet", "generations": "generations.parquet",
                     "observations": "observations.parquet", "calibration_summary": "summary.parquet"}


def calibration_id(content: dict) -> str:
    """``c`` + 11 hex digits of a hash of what determines the calibration."""
    return "c" + _hash(content)


def analysis_id(content: dict) -> str:
    """``s`` + 11 hex digits of a hash of what determines the analysis."""
    return "s" + _hash(content)


def _hash(content: dict) -> str:
    text = json.dumps(plain(content), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:11]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _folder_error(store, what: str, err: OSError) -> StoreError:
    return StoreError(f"cannot write {what} under {store.folder}: {err.strerror or err}; choose another folder "
                      "with --out, or fix its permissions.")


def _parquet(frame, path: Path) -> None:
    """A DataFrame to ``path``, written through a temporary file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


class CalibrationRecording:
    """A calibration registered as ``running`` (``Store.begin_calibration``).

    ``generation(t, particles, row)`` stores a complete generation (pass it
    as ``calibrate(..., on_generation=...)``); ``finish(fit)`` stores the
    result and marks it finished; ``interrupt(error)`` marks it interrupted
    (Ctrl-C) or failed. As a context manager it calls ``interrupt`` on an
    exception and re-raises. ``stored`` is the number of complete
    generations already stored when it started (a resume).
    """

    def __init__(self, store: "Store", row: dict, priors, targets, stored: int):
        self.store, self.row = store, row
        self.calibration_id = row["calibration_id"]
        self.folder = store.folder / row["path"]
        self.priors, self.targets = list(priors), list(targets)
        self.stored = stored
        self.status = "running"
        self.noted = None  # called with ``note()`` each time a generation is stored
        self._particles = self._read("particles")
        self._generations = self._read("generations")

    @property
    def db(self) -> str:
        """pyabc's database for this calibration."""
        return str(self.folder / "abc.db")

    def _read(self, name):
        import pandas as pd

        file = self.folder / CALIBRATION_FILES[name]
        if not self.stored or not file.is_file():
            return pd.DataFrame()
        return pd.read_parquet(file)

    def __enter__(self) -> "CalibrationRecording":
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if error is not None and self.status == "running":
            self.interrupt(error)
        return False

    def generation(self, t: int, particles, row: dict) -> None:
        """Store complete generation ``t``: its particles and its row."""
        import pandas as pd

        parts = tidy_particles(self.calibration_id, particles, self.targets)
        gen = pd.DataFrame([{"calibration_id": self.calibration_id, **row}])
        keep = lambda frame: frame[frame["generation"] != t] if len(frame) else frame  # noqa: E731
        self._particles = pd.concat([keep(self._particles), parts], ignore_index=True)
        self._generations = pd.concat([keep(self._generations), gen], ignore_index=True)
        _parquet(self._particles, self.folder / CALIBRATION_FILES["particles"])
        _parquet(self._generations, self.folder / CALIBRATION_FILES["generations"])
        if self.noted is not None:
            self.noted(self.note())
        catalog.write(self.store.catalog_path, lambda con: _update(
            con, "calibrations", self.calibration_id, generations=t + 1,
            evaluations=int(row.get("simulations", 0))))

    def finish(self, fit) -> str:
        """Store the calibration's summary and mark it finished."""
        summary = fit.summary()
        summary.insert(0, "calibration_id", self.calibration_id)
        _parquet(summary, self.folder / CALIBRATION_FILES["calibration_summary"])
        gens = fit.generations()
        if len(self._generations) and "simulations" in self._generations:
            gens = gens.merge(self._generations[["generation", "simulations"]], on="generation", how="left")
        gens.insert(0, "calibration_id", self.calibration_id)
        self._generations = gens
        _parquet(gens, self.folder / CALIBRATION_FILES["generations"])
        self._particles = tidy_particles(self.calibration_id, fit.particles(), self.targets)
        _parquet(self._particles, self.folder / CALIBRATION_FILES["particles"])
        # a calibration that stopped early keeps why in ``error`` (its status is still finished)
        fields = {"status": "finished", "finished": _now(), "error": fit.info.get("stopped"),
                  "generations": int(len(gens)),
                  "evaluations": int(fit.evaluations), "executor": fit.executor, "seconds": float(fit.seconds)}
        catalog.write(self.store.catalog_path, lambda con: _update(con, "calibrations", self.calibration_id,
                                                                     **fields))
        self.status = "finished"
        return self.status

    def interrupt(self, error=None) -> None:
        """Mark it ``interrupted`` (Ctrl-C) or ``failed`` (best effort: never hides the first error)."""
        stopped = error is None or isinstance(error, KeyboardInterrupt)
        self.status = "interrupted" if stopped else "failed"
        text = "interrupted" if stopped else (str(error) or type(error).__name__)
        try:
            catalog.write(self.store.catalog_path, lambda con: _update(
                con, "calibrations", self.calibration_id, status=self.status, error=text[:2000]))
        except StoreError:
            pass

    def note(self) -> str:
        """What is stored now, for the line printed on Ctrl-C."""
        done = int(self._generations["generation"].max()) + 1 if len(self._generations) else 0
        return (f"calibration {self.calibration_id}: {done} complete generation(s) are stored in "
                f"{self.store.folder}; the same command resumes it from generation {done}")


def tidy_particles(calibration_id: str, particles, targets):
    """Particles as stored: the calibration's id first, the quantities renamed
    ``q0``, ``q1``, ... (their observations are in ``observations``)."""
    frame = particles.rename(columns={t.quantity.label: f"q{i}" for i, t in enumerate(targets)})
    frame.insert(0, "calibration_id", calibration_id)
    return frame


def begin_calibration(store: "Store", *, content: dict, scenario: str, scenario_hash: str, params, settings: dict,
                      priors, targets, distance: dict) -> CalibrationRecording:
    """Register a calibration as running: new, or resumed (its id is derived
    from ``content``). A finished one is left as it is (the recording's
    ``status`` is ``finished``); one running in a live process is refused."""
    from .. import __version__

    cid = calibration_id(content)
    row = {"calibration_id": cid, "status": "running", "scenario": scenario, "scenario_hash": scenario_hash,
           "params": ",".join(params), "settings": json.dumps(plain(settings), sort_keys=True), "generations": 0,
           "evaluations": 0, "executor": None, "seconds": None, "version": __version__, "started": _now(),
           "finished": None, "host": socket.gethostname(), "pid": os.getpid(), "path": f"calibrations/{cid}",
           "error": None}
    folder = store.folder / row["path"]
    from ..calibrate import observations as obs
    from ..calibrate import priors as pri

    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "calibration.json").is_file():
            saved = {**{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()
                        if k in ("calibration_id", "scenario", "scenario_hash", "params", "settings", "version",
                                 "started", "path")},
                     "priors": plain(pri.table(priors).to_dict("records")), "distance": plain(distance)}
            write_atomic(folder / "calibration.json",
                         lambda tmp: tmp.write_text(json.dumps(saved, indent=1, sort_keys=True)))
        observations = obs.table(targets)
        observations.insert(0, "q", [f"q{i}" for i in range(len(targets))])
        observations.insert(0, "calibration_id", cid)
        observations["date"] = observations["date"].astype("datetime64[s]")
        _parquet(observations, folder / CALIBRATION_FILES["observations"])
    except OSError as err:
        raise _folder_error(store, f"calibration {cid}", err) from err

    def start(con):
        heal.apply(con, store.folder)
        old = catalog.rows(con, "calibrations", "WHERE calibration_id = ?", [cid])
        if old:
            was = old[0]
            if was["status"] == "finished":
                return None
            if was["status"] == "running" and was.get("pid") != os.getpid() and heal.alive(was):
                raise StoreError(f"calibration {cid} is already running (process {was['pid']} on {was['host']}); "
                                 "let it finish, or stop it and run the same command again to resume it.")
            _update(con, "calibrations", cid, status="running", host=row["host"], pid=row["pid"], error=None,
                    finished=None)
            return int(was["generations"] or 0)
        _insert(con, "calibrations", row)
        return 0

    stored = catalog.write(store.catalog_path, start)
    if stored is None:  # finished: nothing to run
        recording = CalibrationRecording(store, row, priors, targets, int(read(store, cid)["generations"] or 0))
        recording.status = "finished"
        return recording
    if stored == 0:  # nothing complete: start afresh, whatever pyabc left
        for leftover in ("abc.db", "particles.parquet", "generations.parquet", "summary.parquet"):
            (folder / leftover).unlink(missing_ok=True)
    return CalibrationRecording(store, row, priors, targets, stored)


def save_analysis(store: "Store", *, content: dict, method: str, scenario: str, scenario_hash: str, params,
                  settings: dict, table, executor: str, seconds: float, evaluations: int) -> str:
    """Store a finished sensitivity analysis (its indices, long format); returns its id."""
    from .. import __version__

    aid = analysis_id(content)
    row = {"analysis_id": aid, "method": method, "status": "finished", "scenario": scenario,
           "scenario_hash": scenario_hash, "params": ",".join(params),
           "settings": json.dumps(plain(settings), sort_keys=True), "evaluations": int(evaluations),
           "executor": executor, "seconds": float(seconds), "version": __version__, "started": None,
           "finished": _now(), "host": socket.gethostname(), "pid": os.getpid(), "path": f"analyses/{aid}",
           "error": None}
    row["started"] = row["finished"] - dt.timedelta(seconds=float(seconds))
    folder = store.folder / row["path"]
    frame = table.copy()
    frame.insert(0, "method", method)
    frame.insert(0, "analysis_id", aid)
    for col in SENSITIVITY_COLUMNS:
        if col not in frame:
            frame[col] = float("nan")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        saved = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}
        write_atomic(folder / "analysis.json", lambda tmp: tmp.write_text(json.dumps(saved, indent=1,
                                                                                      sort_keys=True)))
        _parquet(frame[["analysis_id", "method", "output", "parameter", *SENSITIVITY_COLUMNS, "n"]],
                 folder / "indices.parquet")
    except OSError as err:
        raise _folder_error(store, f"sensitivity analysis {aid}", err) from err

    def put(con):
        con.execute("DELETE FROM analyses WHERE analysis_id = ?", [aid])
        _insert(con, "analyses", row)

    catalog.write(store.catalog_path, put)
    return aid


#: the index columns of the ``sensitivity`` view (NULL where a method has none)
SENSITIVITY_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")


def files(folder: Path, rows, view: str) -> list[Path]:
    """The files of ``view`` of every catalog row in ``rows`` that has one."""
    out = []
    for r in rows:
        if view == "sensitivity":
            if r.get("analysis_id") and ANALYSIS_ID.fullmatch(r["analysis_id"]):
                out.append(folder / "analyses" / r["analysis_id"] / "indices.parquet")
        elif r.get("calibration_id") and CALIBRATION_ID.fullmatch(r["calibration_id"]):
            out.append(folder / "calibrations" / r["calibration_id"] / CALIBRATION_FILES[view])
    return [f for f in sorted(out) if f.is_file()]


def summary(store: "Store", calibration_id: str):
    """A stored calibration's summary table (as ``Calibration.summary()``)."""
    return store.query(f"SELECT * EXCLUDE (calibration_id) FROM calibration_summary "
                       f"WHERE calibration_id = '{calibration_id}'")


def read(store: "Store", calibration: str) -> dict:
    """One ``calibrations`` row by id or unique prefix (``latest``: the one started last)."""
    return _row(store, "calibrations", "calibration_id", calibration, "calibration")


def read_analysis(store: "Store", analysis: str) -> dict:
    """One ``analyses`` row by id or unique prefix (``latest``: the one started last)."""
    return _row(store, "analyses", "analysis_id", analysis, "sensitivity analysis")


def _row(store: "Store", table: str, key: str, wanted: str, what: str) -> dict:
    from contextlib import closing

    from . import views

    with closing(views.connect(store.folder, tables=())) as con:
        if wanted == "latest":
            rows = catalog.rows(con, table, "ORDER BY started DESC LIMIT 1")
        else:
            rows = catalog.rows(con, table, f"WHERE starts_with({key}, ?) ORDER BY {key} LIMIT 2", [wanted or ""])
    exact = [r for r in rows if r[key] == wanted]
    if exact or (len(rows) == 1 and wanted):
        return (exact or rows)[0]
    if not rows or not wanted:
        raise RunNotFoundError(f"no {what} {wanted!r} in {store.folder}; `rumormill query "
                               f"\"SELECT * FROM {table}\" --out {store.folder}` lists them.")
    raise StoreError(f"{what} id prefix {wanted!r} matches several ({rows[0][key]}, {rows[1][key]}, ...); "
                     "give more of the id.")


def _insert(con, table: str, row: dict) -> None:
    names = list(row)
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[c] for c in names])


def _update(con, table: str, key: str, **fields) -> None:
    column = "calibration_id" if table == "calibrations" else "analysis_id"
    sets = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE {table} SET {sets} WHERE {column} = ?", [*fields.values(), key])
