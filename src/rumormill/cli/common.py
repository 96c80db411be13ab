"""What the subcommands share: the console and atomic file writing."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

#: wide enough for the summary tables when the output is a file or a pipe
console = Console(width=None if sys.stdout.isatty() else 140)


def atomic_write(path: Path, write) -> None:
    """Write through a temporary name, then rename: no half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"wrote {path}")
