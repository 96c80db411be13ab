"""Run ids and content hashes: names that sort by time and never collide,
and fingerprints that say whether two runs used the same scenario."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

#: a run id as ``new_run_id`` makes it; the only names a run folder may have
RUN_ID = re.compile(r"\d{8}-\d{6}-\d{3}-[0-9a-f]{6}")


def new_run_id(now: dt.datetime | None = None) -> str:
    """``YYYYMMDD-HHMMSS-mmm-xxxxxx``: UTC time to the millisecond, then 6
    random hex digits.

    Sorting ids sorts runs by start time (runs started in the same
    millisecond, by chance). The suffix comes from ``os.urandom``,
    not from any simulation stream, so naming a run never changes its numbers.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}-{os.urandom(3).hex()}"


def is_run_id(text) -> bool:
    """Whether ``text`` is a run id (and so safe as a folder name under ``runs/``)."""
    return isinstance(text, str) and RUN_ID.fullmatch(text) is not None


def run_folder(folder: Path, run_id, path) -> Path:
    """The folder of a catalog row, checked: its id must be a run id and its
    ``path``, resolved, must be ``runs/<run_id>`` of ``folder``. A row changed by
    hand could otherwise point reading, writing and deleting anywhere."""
    from .errors import StoreError

    if not is_run_id(run_id):
        raise StoreError(f"the catalog in {folder} has a row with run id {str(run_id)[:80]!r}, which rumormill never "
                         f"writes (the catalog was changed by hand); `rumormill runs --repair --out {folder}` "
                         "sets such rows aside.")
    expected = folder / "runs" / run_id
    if path == f"runs/{run_id}":  # as rumormill writes it: nothing to resolve
        return expected
    if path is None or (folder / str(path)).resolve() != expected.resolve():
        raise StoreError(f"the catalog's row for run {run_id} gives its folder as {str(path)[:200]!r}, not "
                         f"runs/{run_id} (the catalog was changed by hand); `rumormill runs --repair --out {folder}` "
                         "puts it right.")
    return expected


def started(run_id: str) -> dt.datetime:
    """The UTC start time a run id begins with (naive, like the catalog's timestamps)."""
    return dt.datetime.strptime(run_id[:19], "%Y%m%d-%H%M%S-%f")


def content_hash(content) -> str:
    """SHA-256 (hex) of a scenario: its file (a ``Path``), its text, its bytes,
    or any JSON-able object (a dict, a pydantic model), keys sorted so that
    the order they were written in does not matter."""
    if isinstance(content, Path):
        data = content.read_bytes()
    elif isinstance(content, bytes):
        data = content
    elif isinstance(content, str):
        data = content.encode()
    else:
        if hasattr(content, "model_dump"):
            content = content.model_dump(mode="json")
        data = json.dumps(content, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(data).hexdigest()


def to_json(value) -> str:
    """JSON text of parameters or info; numpy values, dates and paths become plain
    values, and anything else its ``str``, so saving never fails on a type."""
    return json.dumps(plain(value), sort_keys=True)


def plain(value):
    """``value`` with numpy scalars, small arrays, dates and sets made JSON-able."""
    import numpy as np

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 10_000 else f"<array {value.shape} {value.dtype}>"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(mode="json"))
    return str(value)
