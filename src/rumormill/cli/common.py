"""What the subcommands share: the console, atomic file writing, the
``--max-memory`` size, the note of what a command has stored so far
(printed if it is interrupted), and warnings printed as one line."""

from __future__ import annotations

import errno
import re
import shutil
import sys
import warnings
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

from rich.console import Console

from ..errors import RumormillError


class Order(str, Enum):
    """How a scenario's crackdown starts (``[scenario] order``): a choice the parser checks."""

    date = "date"
    trigger = "trigger"


ORDER_HELP = ("How the crackdown starts: on the measures' dates, or when a trigger's order comes "
              "(default: the scenario's).")


def choice(value) -> str | None:
    """The text of an option given as an Enum choice (None when not given)."""
    return None if value is None else value.value


#: wide enough for the summary tables when the output is a file or a pipe
console = Console(width=None if sys.stdout.isatty() else 140)

#: what the running command has stored so far; ``main`` prints it after "interrupted:"
_stored = ["nothing was stored"]

MAX_MEMORY_HELP = ("Most memory one step may take, e.g. 8G or 500M (default: half of the memory free "
                   "when it starts, so the machine stays usable).")


def stored(note: str) -> None:
    """Say what is on disk now, in words, for the line printed if the command is interrupted."""
    _stored[0] = note


def stored_note() -> str:
    return _stored[0]


#: warning class -> how the running command words its advice (a function of the warning)
_advice: dict = {}


def advise(category, how) -> None:
    """Word a warning's advice in the running command's terms (its options, or the
    scenario file's keys) instead of the library's arguments."""
    _advice[category] = how


@contextmanager
def warnings_as_lines():
    """Print each warning as one line, ``warning: ...`` with its advice, instead of
    Python's source path, line number and the line of code that raised it."""
    _advice.clear()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        yield


def warning_line(message, category) -> str:
    """The line a warning is printed as."""
    how = _advice.get(category)
    text = how(message) if how is not None else str(message)
    own = category.__module__.split(".")[0] == "rumormill"
    return "warning: " + ("" if own else f"{category.__name__}: ") + " ".join(text.split())


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    from ..errors import printable

    print(printable(warning_line(message, category)), file=sys.stderr, flush=True)


#: the sign a negative number is printed with: a true minus (U+2212), never a hyphen
MINUS = "\u2212"


def signed(value: float, spec: str = ".1f", unit: str = "") -> str:
    """A difference with its sign: ``+7.3``, ``−7.3`` (a true minus), and no sign
    for what rounds to zero (``0.0``); ``unit`` follows after a space."""
    text = format(value, "+" + spec)
    if float(text.replace(",", "")) == 0:
        text = format(0.0, spec)
    return text.replace("-", MINUS) + (f" {unit}" if unit else "")


def number(value: float, spec: str = ",.0f") -> str:
    """A number for a table, with thousands separators and a true minus when negative."""
    return format(value, spec).replace("-", MINUS)


def shown(names: dict | None, identifier) -> str:
    """The name people read for an identifier: the scenario's ``[names]``, else the identifier."""
    return (names or {}).get(str(identifier), str(identifier))


#: roughly how long compiling takes on first use: the daily engine and the network builders measured at
#: 15-18 s on 2 cores (docs/benchmarks.md); the exact engine not measured apart, so a generous guess
COMPILE_SECONDS = {"daily": 20, "exact": 50}


def compile_note(engine: str) -> str | None:
    """A line saying the simulation code is compiled now, once, when numba's on-disk cache
    holds nothing yet for the engine's kernels (just installed, or after an upgrade);
    None when it does, or when it cannot be told."""
    kernels = _kernels(engine)
    try:
        cold = any(not k._cache._cache_file._load_index() for k in kernels)
    except Exception:  # noqa: BLE001 - numba's cache internals differ across versions: then say nothing
        return None
    if not cold:
        return None
    return (f"compiling the {engine} engine's code for this machine: once, about {COMPILE_SECONDS[engine]} s "
            "(later runs reuse it)")


def _kernels(engine: str) -> list:
    """The cached numba kernels an engine runs (their index on disk tells whether they were compiled)."""
    if engine == "daily":
        from ..engine import daily

        return [daily.tell_step_serial]
    if engine == "exact":
        from ..engine import exact

        return [exact.run_day]
    return []


def atomic_write(path: Path, write) -> None:
    """Write ``path`` whole or not at all (``results.files.write_atomic``), and say so."""
    from ..results.files import write_atomic

    write_atomic(path, write, fix="choose another path")
    console.print(f"wrote {path}")


#: errno values that mean the disk (or the user's quota on it) is full
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def disk_full(path, err: OSError) -> str:
    """What a full disk stopped, where, and how much room is left there."""
    target = Path(err.filename) if err.filename else Path(path)
    folder = target.parent
    try:
        left = f", {shutil.disk_usage(folder).free / 2**20:,.0f} MB left there"
    except OSError:
        left = ""
    return (f"cannot write {path}: the disk holding {folder} is full ({err.strerror or err}{left}); "
            "free some space there, or write to another folder.")


_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(text: str | None, option: str = "--max-memory") -> int | None:
    """``"8G"`` -> bytes (powers of 1024; ``k``, ``M``, ``G``, ``T``, optional ``B`` or ``iB``)."""
    if text is None:
        return None
    m = _SIZE.fullmatch(text)
    size = float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " ") if m else 0.0
    if not m or size < 2**20 or size > 2**60:
        raise RumormillError(f"{option} {text}: give a size between 1M and 1024P, such as 8G or 500M.")
    return int(size)
