"""The report of a stored run: one self-contained HTML page (Plotly, works
offline) and the same figures as PNG files for papers.

    >>> from rumormill.results import Store                     # doctest: +SKIP
    >>> from rumormill.report import write_report, write_figures  # doctest: +SKIP
    >>> write_report(Store("rumormill-runs"), "latest")          # doctest: +SKIP

Files are written under a temporary name and renamed, so a report is either
whole or absent.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..results import Store, StoreError
from ..results.catalog import disk_full
from . import data
from .cartogram import KOREA_TILES, TileMap, tile_map

__all__ = ["KOREA_TILES", "TileMap", "load", "render", "tile_map", "write", "write_figures", "write_report"]

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
    return write(store, run_id, output, map_date, png=False)[0]


def write_figures(store: Store, run_id: str, folder: str | os.PathLike | None = None, map_date=None,
                  dpi: int = 150) -> list[Path]:
    """Write the report's figures as PNG files (by default into the run's folder); return their paths."""
    return _figures(data.load(store, run_id), folder, map_date, dpi)


def write(store: Store, run_id: str, output: str | os.PathLike | None = None, map_date=None,
          png: bool = True) -> list[Path]:
    """The page, then (with ``png``) the PNG figures into the run's folder,
    from one reading of the run; returns the paths written, the page first."""
    from . import page

    run = data.load(store, run_id)
    path = Path(output) if output is not None else Path(run.meta["folder"]) / "report.html"
    _check_folder(path)
    if map_date is not None:
        run.day_of(map_date)  # a bad date fails here, before any work
    text = page.render(run, map_date)
    _write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [path] + (_figures(run, None, map_date) if png else [])


def _figures(run: data.RunData, folder, map_date, dpi: int = 150) -> list[Path]:
    from . import figures

    folder = Path(folder) if folder is not None else Path(run.meta["folder"])
    _check_folder(folder / "x.png")
    written = []
    for name, build in figures.FIGURES.items():
        fig = figures.cartogram(run, map_date) if name == "map.png" else build(run)
        if fig is None:
            continue
        path = folder / name
        _write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
        written.append(path)
    return written


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise StoreError(f"cannot write {path}: folder {path.parent} does not exist; create it or choose "
                         "another path.")


def _write(path: Path, write) -> None:
    """Write through a temporary name in the same folder, then rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StoreError(disk_full(path.parent, f"writing the report {path.name} failed")) from err
        raise StoreError(f"cannot write {path}: {err.strerror or err}; choose another path (--output), or fix "
                         "the folder's permissions.") from err
    finally:
        tmp.unlink(missing_ok=True)
