"""The posterior predictive ensemble of a stored calibration, and the bands
its page draws.

``run_predictive`` runs an ensemble whose replicates draw their parameters
from the calibration's posterior (``ensemble.plan.with_posterior``) at the
calibration's scale, seed and order, and stores it as any ensemble is (its
``ensembles`` row's ``params`` say ``"draws": "posterior <id>"``), so
``rumormill run SCENARIO --posterior ID`` with the same runs, scale and seed
is the same ensemble. Beside each replicate it stores what that run answers
to every observation over the whole calendar, because an observation's
cohort (groups x regions) is often not a column of the ensemble summaries
(they keep groups, regions and everyone, not cells)::

    calibrations/<calibration_id>/predictive/<ensemble_id>/replicate-00003.parquet

one row per observation and day: ``q`` (the observation, as in the
``observations`` view), ``day`` and ``value``. A reach observation has a row
per day of the run (row ``d`` is the end of day ``d - 1``, as in the
ensemble tables), its cohort's reach read from the run's per-cell counts as
the fit reads it (``quantities.measure``). A report observation has one row:
``day`` the trigger's first report (NULL: it never reported) and ``value``
what the fit scores (the calendar's length when it never reported). A
replicate's file is written before the replicate is stored, so every stored
replicate of a predictive ensemble has one.

``load`` reads a calibration's stored posterior ensemble back for its page:
the predictive one if there is one, else an ensemble made by ``rumormill run
--posterior``, whose summaries answer only the reach observations whose
cohort is one column (a group, a region, or everyone); so does an ensemble
with a stored replicate that has no answers (``run --posterior`` first, then
a predictive run of the same plan interrupted before it reached it).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..dates import date_of_row, row_of
from ..errors import ParameterError

if TYPE_CHECKING:
    from ..ensemble.stored import Stored

#: the quantiles of the bands, as the ensembles' (``ensemble.outcome.QUANTILES``)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")
#: the folder, in a calibration's, that holds its predictive ensembles' answers
FOLDER = "predictive"


def folder_of(store, calibration_id: str, ensemble_id: str) -> Path:
    return store.folder / "calibrations" / calibration_id / FOLDER / ensemble_id


def answers_file(store, calibration_id: str, ensemble_id: str, index: int) -> Path:
    return folder_of(store, calibration_id, ensemble_id) / f"replicate-{int(index):05d}.parquet"


def quantities_of(observations) -> list[tuple[str, object]]:
    """``(q, Quantity)`` of each stored observation (rows of the ``observations`` view)."""
    import pandas as pd

    from .quantities import Quantity

    def names(text):
        return tuple(n for n in str(text).split(",") if n) if isinstance(text, str) and text else None

    def text(value):
        return value if isinstance(value, str) and value else None

    out = []
    for o in observations.to_dict("records"):
        date = pd.Timestamp(o["date"]).date() if not pd.isna(o["date"]) else None
        out.append((o["q"], Quantity(o["kind"], date, text(o["story"]), names(o["groups"]), names(o["regions"]),
                                     text(o["trigger"]))))
    return out


def answers(result, population, scenario, quantities) -> dict:
    """What one run answers to each ``(q, quantity)``: a reach quantity its
    cohort's reach at the end of every day (float64[T]), a report quantity
    ``(day or None, value)`` (value: the day, or the calendar's length when
    it never reported, as the fit scores it)."""
    from .quantities import first_report, reach_curve

    out = {}
    for q, quantity in quantities:
        if quantity.kind == "report":
            day = first_report(result, quantity.trigger)
            out[q] = (day, float(day if day is not None else scenario.scenario.days))
        elif quantity.kind == "reach":
            out[q] = reach_curve(quantity, result, population)
    return out


def run_replicate(plan, index: int, quantities):
    """Replicate ``index`` of ``plan``: its ensemble ``Summary`` (what
    ``ensemble.replicate.run_replicate`` gives) and its ``answers``, from one run."""
    from ..ensemble.replicate import built_for, summarise
    from ..simulate import CoarseStepWarning

    t0 = time.perf_counter()
    rep = plan.replicate(index)
    built, fresh = built_for(plan, rep.values)
    with warnings.catch_warnings():  # the scenario's step was the fit's; not said once per replicate
        warnings.simplefilter("ignore", CoarseStepWarning)
        result = built.run(seed=rep.seed)
    return (summarise(result, built, rep, fresh, time.perf_counter() - t0),
            answers(result, built.population, built.scenario, quantities))


def _table(index: int, got: dict):
    import pandas as pd

    parts = []
    for q, value in got.items():
        if isinstance(value, tuple):
            day, score = value
            parts.append(pd.DataFrame({"replicate": [index], "q": [q], "day": pd.array([day], dtype="Int32"),
                                       "value": [score]}))
        else:
            parts.append(pd.DataFrame({"replicate": index, "q": q,
                                       "day": pd.array(np.arange(len(value)), dtype="Int32"), "value": value}))
    frame = pd.concat(parts, ignore_index=True)
    frame["replicate"] = frame["replicate"].astype("int32")
    return frame


def plan_of(store, calibration: str, runs: int, scenario=None):
    """The posterior predictive plan of a stored calibration: ``runs``
    replicates drawn from its posterior at its scale, seed and order.
    ``scenario`` is the one it calibrated (default: the built-in scenario of
    that name, which must be unchanged)."""
    from ..ensemble.plan import Plan, with_posterior
    from ..results import content_hash
    from ..results.calibrations import read
    from ..scenario import Scenario, builtin_names, load

    row = read(store, calibration)
    if scenario is None:
        if row["scenario"] not in builtin_names():
            raise ParameterError(f"calibration {row['calibration_id']} is of {row['scenario']!r}, not a built-in "
                                 "scenario: give the scenario it calibrated.")
        scenario = load(row["scenario"])
    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    if row["scenario_hash"] and content_hash(sc) != row["scenario_hash"]:
        raise ParameterError(f"calibration {row['calibration_id']} was made on another version of "
                             f"{sc.name!r}; give the scenario it calibrated.")
    settings = json.loads(row["settings"] or "{}")
    info = sc.scenario
    plan = Plan(sc, float(settings.get("scale", info.scale)), int(settings.get("seed", info.seed)), runs,
                settings.get("order", info.order))
    return with_posterior(plan, store, row["calibration_id"])


def run_predictive(store, calibration: str, runs: int = 16, *, scenario=None, workers=None, cluster=None,
                   say: Callable[[str], None] | None = None, progress: Callable[[int], None] | None = None) -> Stored:
    """Run (or resume) the posterior predictive ensemble of a stored
    calibration into ``store`` (see the module docstring) on ``workers`` or
    ``cluster``, as the fit ran. ``progress(index)`` is called as each
    replicate is stored; ``say`` is given the line ``resuming ensemble …`` of
    a resume. On Ctrl-C the ensemble is marked interrupted and the same call
    resumes it; the calibration is not touched."""
    from ..ensemble.stored import Stored
    from ..results import content_hash
    from ..results.files import write_atomic
    from .runner import Runner

    plan = plan_of(store, calibration, runs, scenario)
    cid = plan.source.split()[-1]
    where = f"calibration_id = '{cid}'"
    observations = store.query(f"SELECT * FROM observations WHERE {where} ORDER BY observation")
    quantities = quantities_of(observations)
    recording = store.begin_ensemble(plan, scenario_hash=content_hash(plan.scenario))
    if say is not None and recording.note():
        say(recording.note())

    def missing(i):
        return i not in recording.stored or not answers_file(store, cid, plan.id, i).is_file()

    todo = [i for i in range(plan.runs) if missing(i)]
    executor = "nothing left to run"
    with recording:
        if todo:
            def keep(i, got):
                summary, answered = got
                table = _table(i, answered)
                write_atomic(answers_file(store, cid, plan.id, i), lambda tmp: table.to_parquet(tmp, index=False))
                recording.add(i, summary)
                if progress is not None:
                    progress(i)

            with Runner(workers, cluster) as runner:
                recording.running_on(runner.where)
                shared = runner.share(plan)
                if runner.in_process:
                    for i in todo:
                        keep(i, runner.submit(run_replicate, shared, i, quantities).result())
                else:
                    futures = {runner.submit(run_replicate, shared, i, quantities): i for i in todo}
                    for fut in _completed(list(futures)):
                        keep(futures.pop(fut), fut.result())
                executor = runner.where
        status = recording.finish(executor if todo else None)
    return Stored(plan.id, status, recording.resumed, len(todo), plan.runs, executor)


def _completed(futures):
    """The futures as they finish: a process pool's or Dask's."""
    from concurrent.futures import Future, as_completed

    if all(isinstance(f, Future) for f in futures):
        return as_completed(futures)
    from dask.distributed import as_completed as dask_completed

    return dask_completed(futures)


def find(store, calibration_id: str) -> list[dict]:
    """The stored ensembles drawn from this calibration's posterior with at
    least one replicate, best first: predictive (with answers) before the
    others, then the most replicates, then the newest."""
    rows = []
    ensembles = store.ensembles()
    for row in ensembles.to_dict("records"):
        try:
            params = json.loads(row["params"] or "{}")
        except (TypeError, ValueError):
            continue
        if params.get("draws") != f"posterior {calibration_id}" or not row["runs_done"]:
            continue
        row["predictive"] = folder_of(store, calibration_id, row["ensemble_id"]).is_dir()
        rows.append(row)
    rows.sort(key=lambda r: (not r["predictive"], -int(r["runs_done"]), -_started(r)))
    return rows


def _started(row) -> float:
    import pandas as pd

    when = pd.Timestamp(row["started"]) if row.get("started") is not None else pd.NaT
    return 0.0 if pd.isna(when) else when.timestamp()


def column_of(quantity) -> tuple[str, str] | None:
    """The ensemble summaries' column (level, name) that is this quantity's
    cohort, or None when it is not one column (several groups, several
    regions, or groups in some regions)."""
    groups, regions = quantity.groups or (), quantity.regions or ()
    if not groups and not regions:
        return "all", "all"
    if len(groups) == 1 and not regions:
        return "group", groups[0]
    if not groups and len(regions) == 1:
        return "region", regions[0]
    return None


@dataclass
class Predictive:
    """A stored posterior ensemble of one calibration, read for its page.

    ``reach[q]``: float64[R, T], each replicate's reach of that observation's
    cohort at the end of each day; ``report[q]``: float64[R] the first report
    day (NaN: never) and ``scored[q]`` what the fit scores (never: the
    calendar's length). ``source[q]`` says where each was read from,
    ``missing[q]`` why an observation has no band.
    """

    ensemble_id: str
    status: str
    runs: int
    wanted: int
    start: dt.date
    observations: object  # DataFrame: the calibration's observations
    replicates: list = field(default_factory=list)
    reach: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    scored: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)

    def date(self, day: int) -> dt.date:
        """The date of row ``day`` (the end of day ``day - 1``; row 0: the start)."""
        return date_of_row(self.start, day)

    def row_of(self, date) -> int:
        """The row holding the end of ``date`` (as the fit reads it)."""
        return row_of(self.start, date)

    def bands(self):
        """Quantiles over the replicates of each reach observation's cohort,
        per day: ``q, day, date, q05 ... q95, mean, runs`` (as the ``bands`` view)."""
        import pandas as pd

        parts = []
        for q, values in self.reach.items():
            quant = np.quantile(values, QUANTILES, axis=0)
            days = np.arange(values.shape[1])
            parts.append(pd.DataFrame({"q": q, "day": days, "date": [self.date(d) for d in days],
                                       **{c: quant[i] for i, c in enumerate(QCOLS)},
                                       "mean": values.mean(axis=0), "runs": values.shape[0]}))
        if not parts:
            return pd.DataFrame(columns=["q", "day", "date", *QCOLS, "mean", "runs"])
        return pd.concat(parts, ignore_index=True)

    def checks(self):
        """Per observation: the observed interval and, over the replicates,
        the quantity's median, 50% and 90% intervals on its date (a report:
        the day scored), and the share of replicates inside the observed interval."""
        import pandas as pd

        rows = []
        for o in self.observations.to_dict("records"):
            q = o["q"]
            if q in self.reach:
                row = min(self.row_of(pd.Timestamp(o["date"]).date()), self.reach[q].shape[1] - 1)
                x = self.reach[q][:, max(row, 0)]
            elif q in self.scored:
                x = self.scored[q]
            else:
                continue
            quant = np.quantile(x, QUANTILES)
            inside = float(np.mean((x >= o["low"]) & (x <= o["high"])))
            rows.append({"q": q, "quantity": o["quantity"], "kind": o["kind"], "low": o["low"], "high": o["high"],
                         **{c: float(quant[i]) for i, c in enumerate(QCOLS)}, "inside": inside,
                         "never": int(np.isnan(self.report[q]).sum()) if q in self.report else None,
                         "runs": len(x), "source": self.source[q]})
        return pd.DataFrame(rows)


def load(store, calibration: str) -> Predictive | None:
    """The calibration's best stored posterior ensemble (see ``find``), read
    for its page; None when none is stored."""
    import pandas as pd

    from ..results.calibrations import read

    cid = read(store, calibration)["calibration_id"]
    found = find(store, cid)
    if not found:
        return None
    row = found[0]
    eid = row["ensemble_id"]
    info = json.loads(row["info"] or "{}")
    observations = store.query(f"SELECT * FROM observations WHERE calibration_id = '{cid}' ORDER BY observation")
    indices = sorted(int(i) for i in store.query(
        f"SELECT replicate FROM replicates WHERE ensemble_id = '{eid}'")["replicate"])
    pred = Predictive(eid, str(row["status"]), len(indices), int(row["runs_wanted"]),
                      dt.date.fromisoformat(info["start_date"]), observations, indices)
    files = [answers_file(store, cid, eid, i) for i in indices]
    answered = None
    if indices and all(f.is_file() for f in files):
        answered = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    for q, quantity in quantities_of(observations):
        if answered is not None and (answered["q"] == q).any():
            mine = answered[answered["q"] == q]
            if quantity.kind == "reach":
                mine = mine.sort_values(["replicate", "day"])
                pred.reach[q] = mine["value"].to_numpy(dtype=float).reshape(len(indices), -1)
            else:
                mine = mine.sort_values("replicate")
                pred.report[q] = mine["day"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                pred.scored[q] = mine["value"].to_numpy(dtype=float)
            pred.source[q] = ("each run's cohort" if quantity.kind == "reach" else
                              f"each run's first report of {quantity.trigger}") + " (stored with the ensemble)"
            continue
        column = column_of(quantity) if quantity.kind == "reach" else None
        if column is None:
            what = ("its cohort is not one column of the ensemble's summaries" if quantity.kind == "reach" else
                    "the summaries keep only the first report of any trigger")
            pred.missing[q] = f"{what}; the predictive ensemble of rumormill calibrate --predictive stores it"
            continue
        level, name = column
        story = quantity.story.replace("'", "''")
        name = name.replace("'", "''")
        got = store.query(f"SELECT replicate, day, value FROM summaries WHERE ensemble_id = '{eid}' AND metric = "
                          f"'reach' AND story = '{story}' AND level = '{level}' AND name = '{name}' "
                          "ORDER BY replicate, day")
        pred.reach[q] = got["value"].to_numpy(dtype=float).reshape(got["replicate"].nunique(), -1)
        pred.source[q] = f"the ensemble's summaries ({level} {column[1]})"
    return pred
