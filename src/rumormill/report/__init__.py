"""The report of a stored run: one self-contained HTML page (Plotly, works
offline) and the same figures as PNG files for papers.

    >>> from rumormill.results import Store                     # doctest: +SKIP
    >>> from rumormill.report import write_report, write_figures  # doctest: +SKIP
    >>> write_report(Store("rumormill-runs"), "latest")          # doctest: +SKIP
    >>> write_ensemble(Store("rumormill-runs"), "e3f9c0a1b2c4")  # doctest: +SKIP

An ensemble's report (``write_ensemble``, or ``write`` given an ensemble id)
shows medians with their bands; it goes into the ensemble's folder.
Files are written under a temporary name and renamed, so a report is either
whole or absent.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..results import Store, StoreError
from ..results.files import write_atomic
from . import data
from .cartogram import TileMap, tile_map

__all__ = ["TileMap", "load", "render", "tile_map", "write", "write_ensemble", "write_figures", "write_report"]

load = data.load


def render(store: Store, run_id: str, map_date=None, scenario=None) -> str:
    """The report page of a stored run, as HTML text (``scenario``: as for ``write``)."""
    from . import page

    return page.render(data.load(store, run_id, scenario=scenario), map_date)


def write_report(store: Store, run_id: str, output: str | os.PathLike | None = None, map_date=None,
                 scenario=None) -> Path:
    """Write the report page; by default ``report.html`` in the run's folder.

    ``map_date`` (ISO date or day number) is where the map's slider starts;
    by default the question's date (the run's last key date), else the last day.
    """
    return write(store, run_id, output, map_date, png=False, scenario=scenario)[0]


def write_figures(store: Store, run_id: str, folder: str | os.PathLike | None = None, map_date=None,
                  dpi: int = 150) -> list[Path]:
    """Write the report's figures as PNG files (by default into the run's folder); return their paths."""
    return _figures(data.load(store, run_id), folder, map_date, dpi)


def write(store: Store, run_id: str, output: str | os.PathLike | None = None, map_date=None,
          png: bool = True, scenario=None) -> list[Path]:
    """The page, then (with ``png``) the PNG figures into the run's folder,
    from one reading of the run; returns the paths written, the page first.
    An ensemble id (they start with ``e``; run ids with a digit) writes the
    ensemble's report instead, a calibration id (``c``) the calibration's
    page, an analysis id (``s``) the sensitivity analysis's page."""
    from . import page

    kind = str(run_id)[:1]
    if kind in ("c", "s") and map_date is not None:
        raise StoreError(f"--map-date is for a run's report; {run_id}'s page has no map.")
    if kind == "c":
        from ..calibrate import page as calibration_page

        folder, name = (None, "report.html") if output is None else (Path(output).parent, Path(output).name)
        return calibration_page.write(store, run_id, folder, name=name, png=png)
    if kind == "s":
        from ..calibrate import sensitivity_page

        return sensitivity_page.write(store, run_id, None if output is None else Path(output).parent, png=png)
    if kind == "e":
        if map_date is not None:
            raise StoreError(f"--map-date is for a run's report; ensemble {run_id}'s map opens on its scenario's "
                             "question date, and its slider moves to any other.")
        return write_ensemble(store, run_id, output, png=png, scenario=scenario)

    run = data.load(store, run_id, scenario=scenario)
    path = Path(output) if output is not None else Path(run.meta["folder"]) / "report.html"
    _check_folder(path)
    if map_date is not None:
        run.day_of(map_date)  # a bad date fails here, before any work
    text = page.render(run, map_date)
    _write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [path] + (_figures(run, None, map_date) if png else [])


def write_ensemble(store: Store, ensemble_id: str, output: str | os.PathLike | None = None, png: bool = True,
                   scenario=None) -> list[Path]:
    """An ensemble's report page (by default ``report.html`` in its folder)
    and, with ``png``, its PNG figures beside it; returns the paths, the page
    first. ``scenario`` (the ``Scenario`` it ran) gives the key dates; without
    it they come from the built-in scenario of that name, if unchanged."""
    from . import ensemble_data, ensemble_figures, ensemble_page

    ens = ensemble_data.load(store, ensemble_id, scenario)
    folder = store.folder / "ensembles" / ens.ensemble_id
    path = Path(output) if output is not None else folder / "report.html"
    _check_folder(path)
    text = ensemble_page.render(ens)
    _write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    written = [path]
    for name, build in (ensemble_figures.FIGURES.items() if png else ()):
        fig = build(ens)
        if fig is not None:
            _write(folder / name, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
            written.append(folder / name)
    return written


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
    """A report file, whole or not at all (``results.files.write_atomic``)."""
    write_atomic(path, write, fix="choose another path (--output), or fix the folder's permissions")
