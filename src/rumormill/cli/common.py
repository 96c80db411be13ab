"""What the subcommands share: the console and atomic file writing."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

console = Console()


def atomic_write(path: Path, write) -> None:
    """Write through a temporary name, then rename: no half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"wrote {path}")
