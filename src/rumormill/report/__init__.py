"""The report of a stored run: one self-contained HTML page (Plotly, works
offline) and the same figures as PNG files for papers.

    >>> from rumormill.results import Store                     # doctest: +SKIP
    >>> from rumormill.report import write_report, write_figures  # doctest: +SKIP
    >>> write_report(Store("rumormill-runs"), "latest")          # doctest: +SKIP

Files are written under a temporary name and renamed, so a report is either
whole or absent.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..results import Store, StoreError
from . import data
from .cartogram import KOREA_TILES, TileMap, tile_map

__all__ = ["KOREA_TILES", "TileMap", "load", "render", "tile_map", "write_figures", "write_report"]

load = data.load


def render(store: Store, run_id: str, map_date=None) -> str:
    """The report page of a stored run, as HTML text."""
    from . import page

    return page.render(data.load(store, run_id), map_date)


def write_report(store: Store, run_id: str, output: str | os.PathLike | None = None, map_date=None) -> Path:
    """Write the report page; by default ``report.html`` in the run's folder.

    ``map_date`` (ISO date or day number) is where the map's slider starts;
    by default the last day.
    """
    from . import page

    run = data.load(store, run_id)
    path = Path(output) if output is not None else store.run_dir(run.run_id) / "report.html"
    text = page.render(run, map_date)
    _write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def write_figures(store: Store, run_id: str, folder: str | os.PathLike | None = None, map_date=None,
                  dpi: int = 150) -> list[Path]:
    """Write the report's figures as PNG files (by default into the run's folder); return their paths."""
    from . import figures

    run = data.load(store, run_id)
    folder = Path(folder) if folder is not None else store.run_dir(run.run_id)
    written = []
    for name, build in figures.FIGURES.items():
        fig = figures.cartogram(run, map_date) if name == "map.png" else build(run)
        if fig is None:
            continue
        path = folder / name
        _write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
        written.append(path)
    return written


def _write(path: Path, write) -> None:
    """Write through a temporary name in the same folder, then rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if not path.parent.is_dir():
            raise StoreError(f"cannot write {path}: folder {path.parent} does not exist; create it or choose "
                             "another path.")
        write(tmp)
        os.replace(tmp, path)
    except OSError as err:
        raise StoreError(f"cannot write {path}: {err.strerror or err}; choose another path (--output), or fix "
                         "the folder's permissions.") from err
    finally:
        tmp.unlink(missing_ok=True)
