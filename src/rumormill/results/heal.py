"""Self-healing: what a killed process or a hand-edited catalog leaves behind,
put right, so that a finished run is never lost.

- a complete run folder the catalog does not list as finished (killed after
  the rename, or the catalog moved aside) is registered from its ``run.json``;
- a ``running`` row whose process is gone (same host, pid no longer that
  process) becomes ``failed`` with the error ``interrupted``;
- a hidden ``runs/.<run_id>.tmp`` folder whose run is not running is removed,
  and so is a catalog left half-created by a process that is gone;
- a row whose id or folder rumormill never writes is set aside (``failed``);
- for ensembles (see ``ensembles``): a replicate file the catalog does not
  list (killed between the rename and the insert) is listed from its
  metadata, an ensemble folder the catalog lacks is listed again from its
  ``ensemble.json``, a listed replicate whose file is gone is dropped (a
  resume runs it again), a ``running`` ensemble whose process is gone becomes
  ``interrupted``, and temporary files of processes that are gone are removed.

``plan`` only looks, so a folder that needs nothing is never written to;
``apply`` acts, with the catalog open for writing so no other process
changes it meanwhile. A running row from another host, or from a rumormill
that did not record its process, is left as it is: nothing here can tell
whether it is still running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from .ids import RUN_ID, is_run_id, run_folder
from .recording import catalog_row
from .tables import TABLES

_TMP = re.compile(rf"\.({RUN_ID.pattern})\.tmp")
#: a catalog being created by process (group 1); see ``catalog._create``
_NEW_CATALOG = re.compile(r"\.runs\.duckdb\.(\d+)\.[0-9a-f]{6}\.tmp(?:\.wal)?")
#: a file being written by process (group 1) under an ensemble's folder (see ``files.write_atomic``)
_LOOSE_TMP = re.compile(r"\..+\.(\d+)\.[0-9a-f]{6}\.tmp")
#: an ensemble folder being deleted (see ``Store.delete_ensemble``)
_DELETED = re.compile(r"\.e[0-9a-f]{11}\.tmp")
#: the catalog columns a plan reads
NEEDS = ("run_id", "status", "path", "host", "pid", "started")


@dataclass
class Repair:
    """What a repair did (or, from ``plan``, would do), run ids by kind."""

    registered: list[str] = field(default_factory=list)   # complete folders, now finished
    interrupted: list[str] = field(default_factory=list)  # running rows whose process is gone, now failed
    removed: list[str] = field(default_factory=list)      # stale temporary files, now removed (relative paths)
    set_aside: list[str] = field(default_factory=list)    # rows with an id or folder not rumormill's, now failed
    found: dict = field(default_factory=dict, repr=False)  # run id -> run.json of each folder to register
    replicates: list[str] = field(default_factory=list)   # replicate files, now listed ("<ensemble_id>/<file>")
    ensembles: list[str] = field(default_factory=list)    # ensemble folders the catalog lacked, now listed
    stopped: list[str] = field(default_factory=list)      # running ensembles whose process is gone, now interrupted
    dropped: list[str] = field(default_factory=list)      # listed replicates whose file is gone, now unlisted
    found_replicates: list = field(default_factory=list, repr=False)
    found_ensembles: dict = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return bool(self.registered or self.interrupted or self.removed or self.set_aside or self.replicates
                    or self.ensembles or self.stopped or self.dropped)

    def lines(self) -> list[str]:
        """One line per kind of change, for the command line."""
        said = [("registered {} complete run(s) from their run.json: {}", self.registered),
                ("marked {} run(s) whose process is gone as failed (interrupted): {}", self.interrupted),
                ("removed {} unfinished temporary file(s) or folder(s): {}", self.removed),
                ("set aside {} catalog row(s) with an id or folder rumormill never writes: {}", self.set_aside),
                ("listed {} ensemble(s) again from their ensemble.json: {}", self.ensembles),
                ("listed {} stored replicate(s) the catalog lacked: {}", self.replicates),
                ("marked {} ensemble(s) whose process is gone as interrupted: {}", self.stopped),
                ("dropped {} listed replicate(s) whose file is gone (a resume runs them again): {}", self.dropped)]
        return [text.format(len(ids), ", ".join(ids)) for text, ids in said if ids]


def plan(folder: Path, rows: list[dict], ensembles: list[dict] = (), replicates: list[dict] = ()) -> Repair:
    """What needs doing, from the catalog's ``rows`` (and its ``ensembles`` and
    ``replicates`` rows) and the folders in ``runs/`` and ``ensembles/``."""
    out = Repair()
    _plan_ensembles(folder, out, ensembles, replicates)
    runs = folder / "runs"
    try:
        names = sorted(p.name for p in runs.iterdir())
    except OSError:  # no runs yet, or a folder this process cannot list
        names = []
    by_id = {}
    for row in rows:
        if not _ours(folder, row):
            if row["status"] != "failed" or row["path"] is not None:
                out.set_aside.append(row["run_id"])
            continue
        by_id[row["run_id"]] = row
    for name in names:
        row = by_id.get(name)
        if not is_run_id(name) or (row is not None and (row["status"] == "finished" or alive(row))):
            continue
        meta = complete(runs / name)
        if meta is not None:
            out.registered.append(name)
            out.found[name] = meta
    for row in by_id.values():
        if row["status"] == "running" and row["run_id"] not in out.found and not alive(row):
            out.interrupted.append(row["run_id"])
    for name in names:
        tmp = _TMP.fullmatch(name)
        row = by_id.get(tmp.group(1)) if tmp else None
        if tmp and not (row is not None and row["status"] == "running" and alive(row)):
            out.removed.append(f"runs/{name}")
    try:
        loose = sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".tmp.wal")))
    except OSError:
        loose = []
    for name in loose:
        made = _NEW_CATALOG.fullmatch(name)
        if made and not process_alive(int(made.group(1))):
            out.removed.append(name)
    return out


def apply(con, folder: Path) -> Repair:
    """Plan from the rows as they are now (``con`` holds the catalog open for writing), then act."""
    todo = plan(folder, catalog.rows(con, columns=", ".join(NEEDS)), catalog.rows(con, "ensembles"),
                catalog.rows(con, "replicates", columns="ensemble_id, replicate"))
    _apply_ensembles(con, todo)
    for run_id in todo.set_aside:
        catalog.update(con, run_id, status="failed", path=None,
                       error="set aside: its run id or folder is not one rumormill writes (changed by hand)")
    for run_id in todo.registered:
        catalog.replace(con, catalog_row(todo.found[run_id]))
    for run_id in todo.interrupted:
        catalog.update(con, run_id, status="failed", error="interrupted: its process ended without finishing")
    for name in todo.removed:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    return todo


def _plan_ensembles(folder: Path, out: Repair, ensembles, replicates) -> None:
    from .ensembles import REPLICATE_FILE, is_ensemble_id, replicate_facts, replicate_path, saved_row

    base = folder / "ensembles"
    try:
        names = sorted(p.name for p in base.iterdir())
    except OSError:  # no ensembles yet
        names = []
    listed = {(r["ensemble_id"], r["replicate"]) for r in replicates}
    known = {r["ensemble_id"] for r in ensembles}
    for name in names:
        deleted = _DELETED.fullmatch(name)
        if deleted:  # a delete killed between the rename and the removal
            out.removed.append(f"ensembles/{name}")
        if not is_ensemble_id(name):
            continue
        try:
            files = sorted(os.listdir(base / name))
        except OSError:
            continue
        for file in files:
            number = REPLICATE_FILE.fullmatch(file)
            if number and (name, int(number.group(1))) not in listed:
                facts = replicate_facts(base / name / file)
                if facts is not None:
                    out.replicates.append(f"{name}/{file}")
                    out.found_replicates.append(facts)
            tmp = _LOOSE_TMP.fullmatch(file)
            if tmp and not process_alive(int(tmp.group(1))):
                out.removed.append(f"ensembles/{name}/{file}")
        if name not in known:
            row = saved_row(base / name)
            if row is not None:
                out.ensembles.append(name)
                out.found_ensembles[name] = row
    for r in replicates:
        ok = is_ensemble_id(r["ensemble_id"]) and isinstance(r["replicate"], int) and 0 <= r["replicate"] < 10**6
        if not ok or not (folder / replicate_path(r["ensemble_id"], r["replicate"])).is_file():
            out.dropped.append(f"{r['ensemble_id']}/{r['replicate']}")
    for r in ensembles:
        if r["status"] == "running" and not alive(r):
            out.stopped.append(r["ensemble_id"])


def _apply_ensembles(con, todo: Repair) -> None:
    from .ensembles import insert, register

    for name, row in todo.found_ensembles.items():
        insert(con, "ensembles", {**row, "status": "interrupted", "runs_done": 0,
                                  "error": "listed again from its ensemble.json"})
    for facts in todo.found_replicates:
        register(con, facts["ensemble_id"], [facts])
    for key in todo.dropped:
        ensemble_id, _, index = key.rpartition("/")
        con.execute("DELETE FROM replicates WHERE ensemble_id = ? AND replicate = ?", [ensemble_id, int(index)])
    for ensemble_id in todo.stopped:
        con.execute("UPDATE ensembles SET status = 'interrupted', error = ? WHERE ensemble_id = ?",
                    ["interrupted: its process ended without finishing", ensemble_id])
    if todo.found_replicates or todo.dropped or todo.found_ensembles:
        con.execute("UPDATE ensembles SET runs_done = (SELECT count(*) FROM replicates r "
                    "WHERE r.ensemble_id = ensembles.ensemble_id)")
        con.execute("UPDATE ensembles SET status = CASE WHEN runs_done >= runs_wanted THEN 'finished' "
                    "ELSE 'interrupted' END WHERE status IN ('finished', 'interrupted')")


def complete(run_dir: Path) -> dict | None:
    """The ``run.json`` of a run folder with every file in place (only a
    finished run's folder is ever renamed into place); None if anything is off."""
    try:
        meta = json.loads((run_dir / "run.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("run_id") != run_dir.name:
        return None
    if not all((run_dir / f"{name}.parquet").is_file() for name in TABLES):
        return None
    if meta.get("days") is None:  # written by a rumormill before run.json had every column
        meta["days"] = _last_day(run_dir / "timeseries.parquet")
    if meta.get("finished") is None:
        meta["finished"] = dt.datetime.fromtimestamp(os.path.getmtime(run_dir / "run.json"),
                                                     dt.timezone.utc).replace(tzinfo=None).isoformat()
    return meta


def alive(row: dict) -> bool:
    """Whether a run's process may still be running: True unless it ran on this
    host and that process is gone (or its pid now belongs to a newer process)."""
    if row.get("pid") is None or row.get("host") != socket.gethostname():
        return True
    return process_alive(int(row["pid"]), row.get("started"))


def process_alive(pid: int, since: dt.datetime | None = None) -> bool:
    """Whether process ``pid`` exists and is not a zombie, and (where /proc says
    when it started) started no later than ``since`` (UTC), so a reused pid reads as gone."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: it exists
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return True
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return False
    born = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    if since is not None:
        began = since.replace(tzinfo=dt.timezone.utc).timestamp()
        return born <= began + 2.0  # /proc's boot time is whole seconds
    return True


def _ours(folder: Path, row: dict) -> bool:
    """A row rumormill could have written: a run id, and no folder or its own."""
    if not is_run_id(row["run_id"]):
        return False
    if row["path"] is None:
        return row["status"] != "finished"
    try:
        run_folder(folder, row["run_id"], row["path"])
    except Exception:
        return False
    return True


def _last_day(file: Path) -> int | None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        return pc.max(pq.read_table(file, columns=["day"]).column("day")).as_py()
    except Exception:  # a damaged file: leave days unknown
        return None
