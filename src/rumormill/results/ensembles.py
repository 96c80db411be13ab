"""Ensembles in the store: each replicate's summary stored as it arrives, so
an ensemble can be resumed and a killed driver loses only what was in flight.

    rumormill-runs/
      ensembles/<ensemble_id>/
        ensemble.json                  the ensemble's catalog row, to register it again from
        replicate-00012.parquet        one replicate's summary (see ``summaries``)
        .replicate-00012.<pid>.<hex>.tmp   one being written (renamed into place when complete)

The ensemble id is the plan's (a hash of its content), so asking for the
same ensemble again finds it. A replicate is written under a temporary name,
renamed into place, then listed in the catalog's ``replicates`` table in one
short transaction that also counts ``runs_done``; a file renamed but not yet
listed (the driver killed in between) is listed by the next repair. A
replicate is stored once: the catalog's key is (ensemble, replicate), and a
resumed ensemble runs only the replicates it lacks. What is stored depends
only on the plan and the index, never on the executor or the order of
arrival: only ``seconds`` and ``stored`` in ``replicates`` and the executor
and times in ``ensembles`` tell runs apart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalog, heal
from .errors import StoreError
from .files import write_atomic
from .ids import content_hash, plain
from .recording import bigint
from .summaries import META_KEY, axes, facts, summary_table

if TYPE_CHECKING:
    from .store import Store

#: an ensemble id as ``Plan.id`` makes it; the only names an ensemble folder may have
ENSEMBLE_ID = re.compile(r"e[0-9a-f]{11}")
REPLICATE_FILE = re.compile(r"replicate-(\d{5,6})\.parquet")


def is_ensemble_id(text) -> bool:
    return isinstance(text, str) and ENSEMBLE_ID.fullmatch(text) is not None


def replicate_path(ensemble_id: str, index: int) -> str:
    """A replicate's file, relative to the store."""
    return f"ensembles/{ensemble_id}/replicate-{int(index):05d}.parquet"


def ensemble_row(plan, scenario_hash: str | None = None, executor: str | None = None) -> dict:
    """The catalog row of a plan, as it starts (status ``running``)."""
    from .. import __version__

    labels = axes(plan)
    info = {"start_date": labels["start_date"], "stories": labels["stories"],
            "groups": [n for lv, n in labels["columns"] if lv == "group"],
            "regions": [n for lv, n in labels["columns"] if lv == "region"], "layers": labels["layers"],
            **({"map": plan.scenario.map.model_dump()} if plan.scenario.map else {}),
            **({"names": dict(plan.scenario.names)} if plan.scenario.names else {})}
    params = {"scale": plan.scale, "seed": str(plan.seed), "order": plan.order, "runs": plan.runs,
              "vary": list(plan.vary), "without": list(plan.without),
              **({"draws": plan.source or "given"} if getattr(plan, "draws", ()) else {})}
    return {"ensemble_id": plan.id, "kind": "compare" if plan.without else "ensemble", "status": "running",
            "scenario": plan.scenario.name, "scenario_hash": scenario_hash or content_hash(plan.scenario),
            "seed": bigint(plan.seed), "scale": float(plan.scale), "vary": ",".join(plan.vary),
            "without": ",".join(plan.without), "runs_wanted": int(plan.runs), "runs_done": 0, "executor": executor,
            "params": json.dumps(params, sort_keys=True), "info": json.dumps(plain(info), sort_keys=True),
            "version": __version__, "started": _now(), "finished": None, "host": socket.gethostname(),
            "pid": os.getpid(), "path": f"ensembles/{plan.id}", "error": None}


class EnsembleRecording:
    """An ensemble registered as ``running`` (see ``Store.begin_ensemble``).

    ``add(index, summary)`` stores a replicate; ``finish(executor)`` marks it
    finished; ``interrupt(error)`` marks it interrupted (Ctrl-C) or failed. As
    a context manager it calls ``interrupt`` on an exception and re-raises.
    ``stored`` lists the replicates stored before this start (resumed).
    """

    def __init__(self, store: "Store", plan, stored: set[int]):
        self.store, self.plan, self.ensemble_id = store, plan, plan.id
        self.stored = frozenset(stored)
        self.added: set[int] = set()
        self.labels = axes(plan)
        self.status = "running"

    @property
    def resumed(self) -> int:
        """Replicates that were already stored when it started."""
        return len(self.stored)

    @property
    def todo(self) -> list[int]:
        """Replicates not yet stored, in order."""
        return [i for i in range(self.plan.runs) if i not in self.stored and i not in self.added]

    def note(self) -> str | None:
        """``resuming ensemble …: 37 of 100 runs already stored``, or None for a new one."""
        if not self.stored:
            return None
        return f"resuming ensemble {self.ensemble_id}: {len(self.stored)} of {self.plan.runs} runs already stored"

    def __enter__(self) -> "EnsembleRecording":
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if error is not None and self.status == "running":
            self.interrupt(error)
        return False

    def add(self, index: int, summary, seconds: float | None = None) -> bool:
        """Store replicate ``index`` (a ``Summary``, or a ``(with, without)``
        pair): its file, then its catalog row. False if it was already stored."""
        index = int(index)
        if index in self.stored or index in self.added:
            return False
        first = summary[0] if isinstance(summary, tuple) else summary
        if int(first.index) != index:
            raise StoreError(f"replicate {index}: the summary given is replicate {first.index}'s.")
        rel = replicate_path(self.ensemble_id, index)
        final = self.store.folder / rel
        table = summary_table(self.ensemble_id, summary, self.labels)
        write_atomic(final, lambda tmp: _write_parquet(table, tmp))
        row = {**facts(self.ensemble_id, summary), "seconds": first.seconds if seconds is None else seconds,
               "stored": _now(), "path": rel}
        catalog.write(self.store.catalog_path, lambda con: register(con, self.ensemble_id, [row]))
        self.added.add(index)
        return True

    def running_on(self, executor: str) -> None:
        """Record where its replicates run (``executor``)."""
        catalog.write(self.store.catalog_path, lambda con: _update(con, self.ensemble_id, executor=executor))

    def finish(self, executor: str | None = None) -> str:
        """Mark it ``finished`` (``interrupted`` if replicates are still missing); returns the status."""
        def done(con):
            count = _count(con, self.ensemble_id)
            status = "finished" if count >= self.plan.runs else "interrupted"
            fields = {"status": status, "runs_done": count, "finished": _now(), "error": None}
            if executor:
                fields["executor"] = executor
            _update(con, self.ensemble_id, **fields)
            return status

        self.status = catalog.write(self.store.catalog_path, done)
        return self.status

    def interrupt(self, error=None) -> None:
        """Mark it ``interrupted`` (Ctrl-C, or no error given) or ``failed`` with the
        error's text (best effort: never hides the first error)."""
        stopped = error is None or isinstance(error, KeyboardInterrupt)
        self.status = "interrupted" if stopped else "failed"
        text = "interrupted" if stopped else (str(error) or type(error).__name__)
        try:
            catalog.write(self.store.catalog_path, lambda con: _update(
                con, self.ensemble_id, status=self.status, error=text[:2000], runs_done=_count(con, self.ensemble_id)))
        except StoreError:
            pass


def begin(store: "Store", plan, scenario_hash: str | None = None, executor: str | None = None) -> EnsembleRecording:
    """Register ``plan`` as running (new, or resumed), after a repair of the
    store; refuse one still running in another process."""
    if not is_ensemble_id(plan.id):
        raise StoreError(f"ensemble id {plan.id!r} is not one rumormill makes.")
    row = ensemble_row(plan, scenario_hash, executor)
    folder = store.folder / row["path"]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "ensemble.json").is_file():
            saved = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()
                     if k not in ("status", "runs_done", "finished", "host", "pid", "error")}
            write_atomic(folder / "ensemble.json", lambda tmp: tmp.write_text(json.dumps(saved, indent=1,
                                                                                          sort_keys=True)))
    except OSError as err:
        raise StoreError(f"cannot write ensemble {plan.id} under {store.folder / 'ensembles'}: "
                         f"{err.strerror or err}; choose another folder with --out, or fix its permissions.") from err

    def start(con):
        heal.apply(con, store.folder)
        old = catalog.rows(con, "ensembles", "WHERE ensemble_id = ?", [plan.id])
        if old:
            was = old[0]
            if was["status"] == "running" and was.get("pid") != os.getpid() and heal.alive(was):
                raise StoreError(f"ensemble {plan.id} is already running (process {was['pid']} on {was['host']}); "
                                 "let it finish, or stop it and run the same command again to resume it.")
            fields = {"executor": executor} if executor else {}
            _update(con, plan.id, status="running", host=row["host"], pid=row["pid"], error=None, finished=None,
                    runs_done=_count(con, plan.id), **fields)
        else:
            insert(con, "ensembles", row)
        return {r[0] for r in con.execute("SELECT replicate FROM replicates WHERE ensemble_id = ?",
                                          [plan.id]).fetchall()}

    stored = catalog.write(store.catalog_path, start)
    return EnsembleRecording(store, plan, {i for i in stored if 0 <= i < plan.runs})


def register(con, ensemble_id: str, rows: list[dict]) -> None:
    """List replicates in the catalog (once each), and count them in ``runs_done``."""
    for row in rows:
        row = {**row, "params": json.dumps(row.get("params") or {}, sort_keys=True),
               "info": json.dumps(row.get("info") or {}, sort_keys=True)}
        names = [c for c in catalog.REPLICATE_COLUMNS if c in row]
        con.execute(f"INSERT OR IGNORE INTO replicates ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [row[c] for c in names])
    _update(con, ensemble_id, runs_done=_count(con, ensemble_id))


def insert(con, table: str, row: dict) -> None:
    names = list(row)
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[c] for c in names])


def replicate_facts(file: Path) -> dict | None:
    """The catalog row of a replicate file, from its metadata; None if it is
    not a complete replicate file of its folder's ensemble."""
    import pyarrow.parquet as pq

    match = REPLICATE_FILE.fullmatch(file.name)
    try:
        meta = json.loads(pq.read_schema(file).metadata[META_KEY])
    except Exception:  # pyarrow raises several kinds for a damaged file; no metadata: not ours
        return None
    if not match or meta.get("ensemble_id") != file.parent.name or meta.get("replicate") != int(match.group(1)):
        return None
    return {**meta, "seconds": None, "stored": dt.datetime.fromtimestamp(os.path.getmtime(file), dt.timezone.utc)
            .replace(tzinfo=None), "path": replicate_path(meta["ensemble_id"], meta["replicate"])}


def saved_row(folder: Path) -> dict | None:
    """An ensemble's catalog row from its ``ensemble.json`` (status to be set by the caller)."""
    try:
        row = json.loads((folder / "ensemble.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(row, dict) or row.get("ensemble_id") != folder.name:
        return None
    row = {k: v for k, v in row.items() if k in catalog.ENSEMBLE_COLUMNS}
    if row.get("started"):
        row["started"] = dt.datetime.fromisoformat(row["started"])
    return row


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="zstd")


def _count(con, ensemble_id: str) -> int:
    return con.execute("SELECT count(*) FROM replicates WHERE ensemble_id = ?", [ensemble_id]).fetchone()[0]


def _update(con, ensemble_id: str, **fields) -> None:
    sets = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE ensembles SET {sets} WHERE ensemble_id = ?", [*fields.values(), ensemble_id])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
