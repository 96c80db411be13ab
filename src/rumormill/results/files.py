"""Files written whole or not at all.

``write_atomic`` writes through a hidden temporary name beside the final one
(``.NAME.<pid>.<hex>.tmp``) and renames it into place, so a killed or failing
writer never leaves half a file under the final name, and two processes
never share a temporary name (``heal`` recognises a leftover one by this
pattern). Every file rumormill writes goes through it: the store's Parquet
and JSON, report pages and figures, the command line's CSV and PNG.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .catalog import disk_full
from .errors import StoreError

#: errno values that mean the disk (or the user's quota on it) is full
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
#: the advice when a folder cannot be written for another reason
FIX = "choose another folder with --out, or fix its permissions"


def write_atomic(final: Path, write, fix: str = FIX) -> None:
    """``write(tmp)`` a hidden temporary file beside ``final``, then rename it
    into place. A full disk or another ``OSError`` is a ``StoreError`` that
    says what and where (``fix``: what to do about the latter)."""
    final = Path(final)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.{os.urandom(3).hex()}.tmp")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, final)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if err.errno in DISK_FULL:
            raise StoreError(disk_full(final.parent, f"{final.name} could not be written ({err.strerror})")) from err
        raise StoreError(f"cannot write {final}: {err.strerror or err}; {fix}.") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
