"""One run on its way into the store: registered as ``running``, its files
written into a hidden folder and renamed into place, then its row finished.

``run.json`` holds everything the catalog row holds, so a run folder can be
registered again from it alone (see ``heal``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalog
from .errors import StoreError
from .ids import plain, started
from .tables import TABLES, result_tables

if TYPE_CHECKING:
    from .store import Store


class Recording:
    """A run registered as ``running``; ``finish`` stores its result, ``fail``
    records why it ended without one. As a context manager it fails the run on
    an exception (or on leaving without ``finish``) and re-raises; once the
    run's files are in place it is never marked failed."""

    def __init__(self, store: "Store", run_id: str, **saved):
        self.store, self.run_id, self.saved, self.done = store, run_id, saved, False
        self.placed = False

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if not self.done:
            self.fail(error if error is not None else "ended without a result")
        return False

    def finish(self, result, baseline=None) -> str:
        """Write the result's tables, rename them into place, then mark the run finished."""
        runs = self.store.folder / "runs"
        final, tmp = runs / self.run_id, runs / f".{self.run_id}.tmp"
        if self.placed:
            raise StoreError(f"run {self.run_id} is already stored in {final}; if the catalog does not list it, "
                             f"`rumormill runs --repair --out {self.store.folder}` registers it.")
        if self.done:
            raise StoreError(f"run {self.run_id} is already {self.done}.")
        try:
            baseline_id = self._baseline(result, baseline)
            tables = result_tables(result, self.run_id)
            meta = run_json(result, self.run_id, baseline_id, self.saved)
            write_files(tmp, tables, meta)
            os.replace(tmp, final)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            self.fail(err)
            raise StoreError(_cannot_write(runs, self.run_id, err)) from err
        except BaseException as err:
            shutil.rmtree(tmp, ignore_errors=True)
            self.fail(err)
            raise
        self.placed = True
        try:
            catalog.write(self.store.catalog_path, lambda con: catalog.replace(con, catalog_row(meta)))
        except StoreError as err:
            raise StoreError(f"run {self.run_id} is complete in {final}, but the catalog could not record it: {err} "
                             f"Once that is put right, `rumormill runs --repair --out {self.store.folder}` "
                             "registers it.") from err
        self.done = "finished"
        return self.run_id

    def fail(self, error) -> None:
        """Mark the run failed with ``error``'s text (best effort: never hides the first error);
        nothing once its files are in place (a repair registers those)."""
        if self.placed:
            return
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
        recording = self.store.begin(scenario=self.saved.get("scenario"), scenario_hash=self.saved.get("scenario_hash"),
                                     params=self.saved.get("params"), seed=baseline.seed, engine=baseline.engine,
                                     info=self.saved.get("info"), baseline_of=self.run_id)
        return recording.finish(baseline)


def run_json(result, run_id: str, baseline_id: str | None, saved: dict) -> dict:
    """The run's ``run.json``: its labels, and every column of its catalog row."""
    from .. import __version__

    info = {**(result.info or {}), **(saved.get("info") or {})}
    if isinstance(info.get("compare"), dict) and baseline_id:
        info["compare"] = {**info["compare"], "baseline": baseline_id}
    entropy = getattr(result, "seed_entropy", None)
    return {"run_id": run_id, "stories": list(result.stories), "layers": list(result.layers),
            "cells": list(result.cells), "n": int(result.n), "engine": result.engine,
            "days": int(result.days[-1]) if len(result.days) else 0,
            "seed": None if result.seed is None else str(result.seed),
            "seed_entropy": None if entropy is None else str(int(entropy)),
            "spawn_key": [int(k) for k in getattr(result, "spawn_key", ()) or ()],
            "baseline_id": baseline_id, "baseline_of": saved.get("baseline_of"),
            "scenario": saved.get("scenario"), "scenario_hash": saved.get("scenario_hash"),
            "params": plain(saved.get("params")), "info": plain(info), "version": __version__,
            "started": (saved.get("started") or started(run_id)).isoformat(), "finished": _now().isoformat()}


def catalog_row(meta: dict) -> dict:
    """The finished catalog row of a run, from its ``run.json``."""
    key = meta.get("spawn_key") or []
    entropy = meta.get("seed_entropy")
    return {"run_id": meta["run_id"], "status": "finished", "scenario": meta.get("scenario"),
            "scenario_hash": meta.get("scenario_hash"), "params": json.dumps(meta.get("params") or {}, sort_keys=True),
            "seed": bigint(meta.get("seed")), "engine": meta.get("engine"), "n": meta.get("n"),
            "days": meta.get("days"), "stories": list(meta.get("stories") or []),
            "baseline_id": meta.get("baseline_id"), "baseline_of": meta.get("baseline_of"),
            "version": meta.get("version"), "started": _time(meta.get("started")) or started(meta["run_id"]),
            "finished": _time(meta.get("finished")), "path": f"runs/{meta['run_id']}", "error": None,
            "info": json.dumps(meta.get("info") or {}, sort_keys=True), "host": None, "pid": None,
            "seed_entropy": entropy, "spawn_key": ",".join(map(str, key)) if key or entropy is not None else None}


def write_files(folder: Path, tables: dict, meta: dict) -> None:
    """The tables as Parquet and ``run.json``, into a new ``folder``."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=False)
    for name in TABLES:
        pq.write_table(tables[name], folder / f"{name}.parquet", compression="zstd")
    (folder / "run.json").write_text(json.dumps(meta, indent=1, sort_keys=True))


def bigint(seed) -> int | None:
    """The seed as BIGINT, or None when it does not fit (the exact value is in run.json)."""
    try:
        value = int(seed)
    except (TypeError, ValueError):
        return None
    return value if -(2**63) <= value < 2**63 else None


def _cannot_write(runs: Path, run_id: str, err: OSError) -> str:
    if err.errno == 28:  # ENOSPC
        return catalog.disk_full(runs, f"run {run_id} could not be written ({err.strerror or err}); it is not stored")
    return (f"cannot write run {run_id} under {runs}: {err.strerror or err}; choose another folder with --out, "
            "or fix its permissions.")


def _time(text) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
