"""What an ensemble's report shows, as small tables read from the store.

Both renderers (Plotly for the page, matplotlib for the PNGs) draw from these
functions, so the page, the PNGs and the summary sentences give the same
numbers. Everything here is pandas over the store's ``bands``, ``effects``,
``replicates`` and ``summaries`` views; nothing draws.

Row ``d`` of the bands is the end of day ``d - 1`` (its ``date`` column), so
"by 2025-02-28" reads the row dated 2025-02-28 with the highest day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd

from ..ensemble.replicate import LETTERS
from ..results import Store, StoreError
from ..results.ensembles import is_ensemble_id
from .cartogram import layout_of, stored_layout
from .data import CHAIN_KINDS, builtin_scenario, display, sweep_days, sweeps
from .data import count, pct, pp, signed  # noqa: F401  the words for numbers, shared with a run's page
from .data import people as data_people

QCOLS = ["q05", "q25", "q50", "q75", "q95"]


@dataclass
class EnsembleData:
    """One stored ensemble, loaded: its catalog row, its bands and its replicates.

    ``key_dates`` (label -> date, inside the calendar, in date order) and
    ``triggers`` come from the scenario when it is known; without it they are
    empty and the report falls back on the last day.
    """

    ensemble_id: str
    row: dict
    stories: list[str]
    groups: list[str]
    regions: list[str]
    start: dt.date
    key_dates: dict[str, dt.date]
    triggers: list[str]
    reach: pd.DataFrame
    detained: pd.DataFrame
    replicates: pd.DataFrame
    effects: pd.DataFrame | None = None
    detained_effects: pd.DataFrame | None = None
    #: trigger -> its chain of command as configured: (office, days from the stage before)
    chains: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    #: names of the varied parameters that set a stage's days
    varied_stages: list[str] = field(default_factory=list)
    #: the offices reached (``trigger: office``) and measures switched on in the stored runs, columns of ``replicates``
    stages: list[str] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)
    #: bands of the letters per day (``by``: written, delivered, caught; ``name``: the layer); None without letters
    letters: pd.DataFrame | None = None
    #: per run and day, the letters of each story and delayed layer (``letter_runs``)
    letter_runs: pd.DataFrame | None = None
    #: delayed layer -> the inspections reading its channel (from the scenario; empty without it)
    inspections: dict[str, list[str]] = field(default_factory=dict)
    #: where the map draws each region (the scenario's ``[map]``); None: a plain grid
    layout: dict[str, tuple[int, int]] | None = None
    #: the scenario's ``[names]``: identifier -> the name people read (empty: the identifiers, read as words)
    display_names: dict[str, str] = field(default_factory=dict)
    #: the scenario's measures that act on given days (``data.sweeps``; empty without the scenario)
    sweeps: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    def name(self, ident) -> str:
        """A group, region, layer or story as people read it: its ``[names]`` entry, else ``label``."""
        shown = display({"names": self.display_names}, ident)
        return shown if shown != str(ident) else label(ident)

    def people(self, ident) -> str:
        """A group for a sentence: its ``[names]`` entry as written (``soldiers' families``), else ``people``."""
        return data_people({"names": self.display_names}, ident)

    @property
    def runs(self) -> int:
        return len(self.replicates)

    @property
    def is_compare(self) -> bool:
        return self.row.get("kind") == "compare"

    @property
    def without(self) -> list[str]:
        return [w for w in (self.row.get("without") or "").split(",") if w]

    @property
    def vary(self) -> list[str]:
        return [v for v in (self.row.get("vary") or "").split(",") if v]

    @property
    def last_date(self) -> dt.date:
        return max(self.reach["date"])

    def date_of(self, day) -> dt.date:
        """The date of an event's day number (day 0 is the start)."""
        return self.start + dt.timedelta(days=int(day))

    def question(self) -> tuple[str, dt.date]:
        """The date the report opens on: the scenario's last key date inside
        the calendar (for kpa-2025 "end of February", the question it asks),
        else the last day."""
        if self.key_dates:
            label = list(self.key_dates)[-1]
            return label, self.key_dates[label]
        return "last day", self.last_date

    def table_dates(self) -> list[tuple[str, dt.date]]:
        """The columns of the tables: the key dates, then the last day."""
        dates = list(self.key_dates.items())
        if not dates or dates[-1][1] != self.last_date:
            dates.append(("last day", self.last_date))
        return dates


def load(store: Store, ensemble_id: str, scenario=None) -> EnsembleData:
    """Read a stored ensemble (id or prefix). ``scenario`` (a ``Scenario``)
    gives its key dates, triggers and map; without it, a built-in scenario of
    the same name and content hash is used (the map stored in the ensemble's
    info, if any, first)."""
    row = store.ensemble(ensemble_id)
    eid = row["ensemble_id"]
    if not is_ensemble_id(eid):
        raise StoreError(f"ensemble id {str(eid)[:40]!r} is not one rumormill makes; `rumormill runs --repair` "
                         "sets such rows aside.")
    if not row.get("runs_done"):
        raise StoreError(f"ensemble {eid} has no stored replicates yet; run it first (the same command resumes it).")
    info = json.loads(row.get("info") or "{}")
    start = dt.date.fromisoformat(info["start_date"])
    compare = row.get("kind") == "compare"
    reach = dated(store.bands(eid, "reach"))
    sc = scenario if scenario is not None else builtin_scenario(row)
    chains, varied = _chains(sc, [v for v in (row.get("vary") or "").split(",") if v])
    reps, stages, starts = _replicates(store, eid)
    if sc is not None:  # the chain's own order; offices of several triggers may share a day
        from ..ensemble.replicate import stage_names

        stages = [k for k in stage_names(sc) if k in stages] + [k for k in stages if k not in stage_names(sc)]
    letters = dated(store.bands(eid, "letters"))
    return EnsembleData(
        eid, row, list(info.get("stories") or []), list(info.get("groups") or []), list(info.get("regions") or []),
        start, _key_dates(sc, start, max(reach["date"])), [t.name for t in sc.triggers] if sc is not None else [],
        reach, dated(store.bands(eid, "detained")), reps,
        dated(store.bands(eid, "reach", effects=True)) if compare else None,
        dated(store.bands(eid, "detained", effects=True)) if compare else None, chains, varied, stages, starts,
        letters if len(letters) else None, letter_runs(store, eid) if len(letters) else None, inspections(sc),
        layout_of(scenario) if scenario is not None else stored_layout(info) or layout_of(sc),
        _names(scenario, info, sc), sweeps(sc))


def _names(scenario, info: dict, known) -> dict[str, str]:
    """The display names: the given scenario's ``[names]``, else those stored in the
    ensemble's info, else those of the unchanged built-in scenario it ran (none: identifiers)."""
    for source in (getattr(scenario, "names", None), info.get("names"), getattr(known, "names", None)):
        if isinstance(source, dict) and source:
            return {str(k): str(v) for k, v in source.items()}
    return {}


def inspections(scenario) -> dict[str, list[str]]:
    """Each delayed layer's inspections: the ``inspect`` measures on its channel."""
    if scenario is None:
        return {}
    return {lay.name: [m.name for m in scenario.measures if getattr(m, "type", None) == "inspect"
                       and m.channel == lay.channel] for lay in scenario.layers if lay.delay is not None}


def _chains(scenario, vary: list[str]) -> tuple[dict, list[str]]:
    """The scenario's chains of command as configured, and which varied
    parameters move a stage (their per-run days are not in the store)."""
    if scenario is None:
        return {}, []
    chains = {t.name: [(st.office, st.days) for st in t.stages] for t in scenario.triggers if t.stages}
    varied = []
    for name in vary:
        param = scenario.parameters.get(name)
        places = [] if param is None else [param.at] if isinstance(param.at, str) else list(param.at or [])
        if any(".stages[" in place for place in places):
            varied.append(name)
    return chains, varied


def _key_dates(scenario, start: dt.date, last: dt.date) -> dict[str, dt.date]:
    if scenario is None:
        return {}
    inside = [(str(k), d) for k, d in scenario.scenario.key_dates.items() if start <= d <= last]
    return dict(sorted(inside, key=lambda kv: kv[1]))


def dated(frame: pd.DataFrame) -> pd.DataFrame:
    """The ``date`` column as ``datetime.date`` (SQL gives timestamps)."""
    return frame.assign(date=pd.to_datetime(frame["date"]).dt.date)


def replicates(store: Store, ensemble_id: str) -> pd.DataFrame:
    """One row per replicate: ``replicate, report_day, order_day, detained``
    (everyone, on the last day; ``detained_without`` too for a compare), the
    first day each office was reached (a column per ``trigger: office``) and
    each measure was on (``on: measure``), NaN where it never was or was not
    stored, and one column per drawn parameter."""
    return _replicates(store, ensemble_id)[0]


def _replicates(store: Store, ensemble_id: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """``replicates``, and the offices and measures it has a column for, in the order first stored."""
    frame = store.query(
        "SELECT r.replicate, r.report_day, r.order_day, r.params, r.info, d.detained, d.detained_without "
        "FROM replicates r LEFT JOIN (SELECT replicate, arg_max(value, day) AS detained, "
        "arg_max(value_without, day) AS detained_without FROM summaries "
        f"WHERE ensemble_id = '{ensemble_id}' AND metric = 'detained' AND level = 'all' GROUP BY replicate) d "
        f"USING (replicate) WHERE r.ensemble_id = '{ensemble_id}' ORDER BY r.replicate")
    params = pd.DataFrame([json.loads(p or "{}") for p in frame.pop("params")], index=frame.index)
    infos = [json.loads(i or "{}") for i in frame.pop("info")]
    stages = list(dict.fromkeys(k for i in infos for k in (i.get("stage_days") or {})))
    starts = list(dict.fromkeys(k for i in infos for k in (i.get("start_days") or {})))
    rows = [{**(i.get("stage_days") or {}), **{f"on: {m}": d for m, d in (i.get("start_days") or {}).items()}}
            for i in infos]
    days = pd.DataFrame(rows, index=frame.index, columns=stages + [f"on: {m}" for m in starts], dtype=float)
    return pd.concat([frame, days, params], axis=1), stages, starts


def letter_runs(store: Store, ensemble_id: str) -> pd.DataFrame:
    """Per replicate, day, story and delayed layer: the letters ``written``,
    ``delivered`` and ``caught`` that day (with the measures, for a compare);
    empty when no layer carries letters."""
    frame = store.query(f"SELECT replicate, day, story, level, name AS layer, value FROM summaries "
                        f"WHERE ensemble_id = '{ensemble_id}' AND metric = 'letters'")
    wide = frame.pivot_table(index=["replicate", "day", "story", "layer"], columns="level", values="value",
                             aggfunc="sum", fill_value=0.0)
    return wide.reindex(columns=list(LETTERS), fill_value=0.0).reset_index().rename_axis(columns=None)


# ------------------------------------------------------------ the tables


def series(frame: pd.DataFrame, by: str, story: str | None = None) -> pd.DataFrame:
    """Bands over time of one ``by`` (group, region, all) and story: one row
    per date and name (day 0, the start, shares its date with day 1 and is
    left out)."""
    rows = frame[(frame["by"] == by) & (frame["day"] >= 1)]
    if story is not None:
        rows = rows[rows["story"] == story]
    return rows[["day", "date", "name", *QCOLS]].reset_index(drop=True)


def names(frame: pd.DataFrame, by: str, order=()) -> list[str]:
    """Names of one ``by``: those in ``order`` (the scenario's own) first, in that order."""
    present = list(dict.fromkeys(frame.loc[frame["by"] == by, "name"]))
    return [n for n in order if n in present] + [n for n in present if n not in order]


def stories(data: EnsembleData, frame: pd.DataFrame) -> list[str]:
    """The stories of ``frame`` in the scenario's order (``['']`` for detentions, which have none)."""
    present = list(dict.fromkeys(frame["story"]))
    return [s for s in data.stories if s in present] + [s for s in present if s not in data.stories]


def order(data: EnsembleData, by: str) -> list[str]:
    """The scenario's order of groups or regions (of the kinds of letters, for ``letter_bands``)."""
    if by == "letters":
        layers = [] if data.letters is None else list(dict.fromkeys(data.letters["name"]))
        return list(LETTERS) if len(layers) == 1 else [f"{lay}: {what}" for lay in layers for what in LETTERS]
    return data.groups if by == "group" else data.regions if by == "region" else []


def letter_bands(data: EnsembleData) -> pd.DataFrame | None:
    """The letters' bands with ``by`` = ``letters`` and each kind of letter a
    name (``layer: kind`` when several layers carry letters), to draw like
    the groups; None without letters."""
    frame = data.letters
    if frame is None:
        return None
    several = frame["name"].nunique() > 1
    return frame.assign(by="letters", name=frame["name"] + ": " + frame["by"] if several else frame["by"])


def on_date(frame: pd.DataFrame, date: dt.date, by: str, story: str | None = None) -> pd.DataFrame:
    """The bands of each name by the end of ``date``: ``name, q05 ... q95``."""
    rows = frame[(frame["by"] == by) & (frame["date"] == date)]
    if story is not None:
        rows = rows[rows["story"] == story]
    rows = rows[rows["day"] == rows["day"].max()] if len(rows) else rows
    return rows[["name", *QCOLS]].reset_index(drop=True)


def at_dates(frame: pd.DataFrame, dates, by: str, story: str | None = None, fmt=None, order=()) -> pd.DataFrame:
    """A table: one row per name (in ``order`` first), one column per (label,
    date) named ``label`` and the date on two lines, each cell "median [5%,
    95%]" written by ``fmt`` (default: percent)."""
    fmt = fmt or pct
    out = pd.DataFrame(index=pd.Index(names(frame, by, order), name=by))
    for label, date in dates:
        part = on_date(frame, date, by, story).set_index("name")
        out[f"{label}\n{date.isoformat()}"] = [interval(part.loc[n], fmt) if n in part.index else ""
                                             for n in out.index]
    return out


def detentions(data: EnsembleData, effects: bool = False) -> pd.DataFrame:
    """Detained by the last day, by group (the scenario's order) and everyone: ``name, q05 ... q95``."""
    frame = data.detained_effects if effects else data.detained
    last = frame[(frame["day"] == frame["day"].max()) & frame["by"].isin(["group", "all"])].set_index("name")
    return last.loc[names(frame, "group", data.groups) + ["all"], QCOLS].reset_index()


def report_dates(data: EnsembleData) -> pd.Series:
    """The day each replicate's first trigger report went up, as dates (those where one did)."""
    return data.replicates["report_day"].dropna().map(data.date_of)


def chain(data: EnsembleData) -> pd.DataFrame | None:
    """The chain of command of each trigger with stages, placed from the
    median report day: ``trigger, step, days after the report, date``.

    An ensemble stores each run's report and order day, not the day each
    office was reached, so the offices are placed at their configured delays
    after the median report day; None when no trigger has stages or no run
    reported.
    """
    fired = data.replicates["report_day"].dropna()
    if not data.chains or fired.empty:
        return None
    report = quantiles(fired)[0]
    rows = []
    for trigger, stages in data.chains.items():
        rows.append((trigger, "report (median over the runs)", 0.0))
        after = 0.0
        for office, days in stages:
            after += days
            rows.append((trigger, office, after))
        rows.append((trigger, "order", after))
    out = pd.DataFrame(rows, columns=["trigger", "step", "days after the report"])
    out["date"] = [_date(data, report + d) for d in out["days after the report"]]
    return out


def steps(data: EnsembleData) -> pd.DataFrame:
    """The chain of command over the runs, as a timeline: one row per report,
    office reached, order and measure switched on in any run, in the order of
    their median days (a day's report before its offices, the order before the
    measures): ``kind, label, detail, runs, q50, q05, q95`` (days, over the runs
    where the step happened) and ``date`` (the median's).

    ``report`` and ``order`` are each run's first, of any trigger; replicates
    stored before stage days were kept have only those two. Empty when no run
    had a report (measures switching on by date alone are no chain).
    """
    reps = data.replicates
    trigger = data.triggers[0] if len(data.triggers) == 1 else None
    named = [("report", f"report: {trigger}" if trigger else "report (the first)", "report_day")]
    named += [("stage", key.partition(": ")[2] or key, key) for key in data.stages]
    named += [("order", f"order: {trigger}" if trigger else "order (the first)", "order_day")]
    named += [("measure-start", f"on: {m}", f"on: {m}") for m in data.starts]
    rows = []
    for pos, (kind, label_, column) in enumerate(named):
        days = pd.to_numeric(reps[column], errors="coerce").dropna() if column in reps else pd.Series(dtype=float)
        if len(days):
            rows.append((kind, label_, column.removesuffix("_day"), len(days), *quantiles(days), pos))
    out = pd.DataFrame(rows, columns=["kind", "label", "detail", "runs", "q50", "q05", "q95", "pos"])
    if not out["kind"].isin(["report", "stage", "order"]).any():
        out = out.iloc[:0]
    out = out.assign(rank=out["kind"].map(CHAIN_KINDS.index)).sort_values(["q50", "rank", "pos"], kind="stable")
    out["date"] = [_date(data, d) for d in out["q50"]]
    return out.drop(columns=["rank", "pos"]).reset_index(drop=True)


def caused_steps(data: EnsembleData) -> pd.DataFrame:
    """Jumps in the median detentions that a measure acting on given days
    explains (a check or monitor of the scenario, from the median day it
    switched on over the runs): ``date`` (the day it acted; its bands row is
    dated so), ``label`` (``check: NAME``), ``name`` (the group whose median
    it raised most) and ``q50`` (that group's median then). Empty without the
    scenario, or where no median rose that day."""
    columns = ["date", "label", "name", "q50"]
    frame = data.detained[data.detained["by"] == "group"]
    rows = []
    last = int(frame["day"].max()) if len(frame) else 0
    for name, (_, first, every) in data.sweeps.items():
        on = pd.to_numeric(data.replicates.get(f"on: {name}", pd.Series(dtype=float)), errors="coerce").dropna()
        if on.empty:
            continue
        for day in sweep_days(first, every, round(on.median()), last - 1):
            now = frame[frame["day"] == day + 1].set_index("name")["q50"]
            before = frame[frame["day"] == day].set_index("name")["q50"].reindex(now.index, fill_value=0)
            jump = now - before
            if len(jump) and jump.max() > 0:
                rows.append((data.date_of(day), f"check: {name}", jump.idxmax(), float(now[jump.idxmax()])))
    return pd.DataFrame(rows, columns=columns)


def letter_totals(data: EnsembleData) -> pd.DataFrame | None:
    """Per run, story and delayed layer: letters ``written``, ``delivered``
    and ``caught`` over the whole run; ``inspected_from``, the first day an
    inspection of the layer's channel was on (NaN: none was, or the scenario
    is not known); and ``in_post``, the letters written before that day and
    neither delivered nor caught by then (a letter to someone detained
    meanwhile is lost, and counted here too). None without letters.

    Every caught letter is caught on or after ``inspected_from`` (nothing else
    catches letters); the runs do not record when a caught letter was written,
    so ``in_post`` is the most of them that can have been written before it.
    """
    runs = data.letter_runs
    if runs is None or runs.empty:
        return None
    keys = ["replicate", "story", "layer"]
    totals = runs.groupby(keys, sort=False)[list(LETTERS)].sum().reset_index()
    reps = data.replicates.set_index("replicate")
    begun = {}
    for layer, names in data.inspections.items():
        cols = [f"on: {m}" for m in names if f"on: {m}" in reps]
        begun[layer] = reps[cols].min(axis=1) if cols else pd.Series(float("nan"), index=reps.index)
    totals["inspected_from"] = [begun[lay].get(r, float("nan")) if lay in begun else float("nan")
                                for r, lay in zip(totals["replicate"], totals["layer"])]
    start = runs.merge(totals[keys + ["inspected_from"]], on=keys)
    before = start[start["day"] <= start["inspected_from"]]  # row d is the end of day d - 1
    post = (before["written"] - before["delivered"] - before["caught"]).groupby(
        [before[k] for k in keys], sort=False).sum().rename("in_post")
    totals = totals.merge(post.reset_index(), on=keys, how="left")
    totals.loc[totals["inspected_from"].isna(), "in_post"] = float("nan")
    return totals


def letter_table(data: EnsembleData) -> pd.DataFrame | None:
    """Letters over the whole run per story and delayed layer, each cell
    "median [5%, 95%]" over the runs: written, delivered, caught (all on or
    after the inspection began), the day the inspection began (and in how
    many runs, when not in all) and the letters in the post then, in the
    scenario's order of stories and layers. None without letters."""
    totals = letter_totals(data)
    if totals is None:
        return None
    several = totals["story"].nunique() > 1
    layers = [lay for lay in data.inspections if lay in set(totals["layer"])]
    layers += [lay for lay in dict.fromkeys(totals["layer"]) if lay not in layers]
    rows = []
    for story, layer in ((s, lay) for s in stories(data, totals) for lay in layers):
        part = totals[(totals["story"] == story) & (totals["layer"] == layer)]
        row = {"layer": f"{data.name(story)}: {data.name(layer)}" if several else data.name(layer)}
        for what in LETTERS:
            row[what] = interval(dict(zip(("q50", "q05", "q95"), quantiles(part[what]))), count)
        begun = part["inspected_from"].dropna()
        if len(begun):
            row["inspection began"] = dates(data, *quantiles(begun)) + (
                f" ({len(begun)} of {len(part)} runs)" if len(begun) < len(part) else "")
            row["in the post then"] = interval(dict(zip(("q50", "q05", "q95"), quantiles(part["in_post"]))), count)
        else:
            names = data.inspections.get(layer)
            kept = any(f"on: {m}" in data.replicates for m in names or ())
            row["inspection began"] = ("no inspection" if names == [] else "never" if kept
                                       else "unknown (not stored)" if names else "unknown")
            row["in the post then"] = ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")


def draws(data: EnsembleData) -> pd.DataFrame | None:
    """The parameter values drawn for each replicate, or None when nothing varied."""
    if not data.vary:
        return None
    cols = [v for v in data.vary if v in data.replicates]
    return data.replicates[["replicate", *cols]]


def quantiles(values) -> tuple[float, float, float]:
    """(median, 5%, 95%) of values over replicates, as the bands take them (linear interpolation)."""
    s = pd.Series(values, dtype=float).dropna()
    return float(s.quantile(0.5)), float(s.quantile(0.05)), float(s.quantile(0.95))


# ------------------------------------------------------------ words


def interval(row, fmt) -> str:
    """"median [5%, 95%]" of a bands row (anything with ``q50``, ``q05``, ``q95``)."""
    return f"{fmt(row['q50'])} [{fmt(row['q05'])}, {fmt(row['q95'])}]"


def label(name: str) -> str:
    """A group, region or measure name for people to read: ``border_resident`` -> ``border resident``."""
    return str(name).replace("_", " ")


def people(name: str) -> str:
    """A group's name in the plural, for sentences: ``soldier_family`` -> ``soldier families``."""
    return data_people(None, name)


def summary(data: EnsembleData) -> list[str]:
    """The page's opening sentences, every number from the tables above."""
    q_label, q_date = data.question()
    when = f"By {q_date.isoformat()}" + (f" ({q_label})" if q_label != "last day" else "")
    lines = [f"Each number is the median over {data.runs} runs, with the 5% and 95% quantiles in brackets"
             + (" (with − without the measures left out, in percentage points)." if data.is_compare else ".")]
    for story in data.stories:
        groups = on_date(data.reach, q_date, "group", story)
        everyone = on_date(data.reach, q_date, "all", story)
        words = [f"{when}, "]
        if len(groups) > 1:
            top, low = groups.loc[groups["q50"].idxmax()], groups.loc[groups["q50"].idxmin()]
            words.append(f"{interval(top, pct)} of {data.people(top['name'])} had heard “{data.name(story)}”, "
                         f"against {interval(low, pct)} of {data.people(low['name'])}")
            if len(everyone):
                words.append(f"; {interval(everyone.iloc[0], pct)} of everyone")
        elif len(everyone):
            words.append(f"{interval(everyone.iloc[0], pct)} of everyone had heard “{data.name(story)}”")
        lines.append("".join(words) + ".")
    lines.append(_detained(data))
    lines.extend(_chain(data))
    if data.is_compare:
        lines.extend(_effects(data, q_date, when))
    return [line for line in lines if line]


def _detained(data: EnsembleData) -> str:
    table = detentions(data)
    everyone = table[table["name"] == "all"]
    if everyone.empty:
        return ""
    total = everyone.iloc[0]
    by = f"By {data.last_date.isoformat()}, "
    if total["q95"] == 0:
        return by + "no one was detained in any run."
    groups = table[table["name"] != "all"]
    text = by + f"{interval(total, count)} people were detained"
    if len(groups) and groups["q50"].max() > 0:
        top = groups.loc[groups["q50"].idxmax()]
        text += f", {interval(top, count)} of them {data.people(top['name'])}"
    return text + "."


def _chain(data: EnsembleData) -> list[str]:
    reps = data.replicates
    fired = reps["report_day"].dropna()
    name = label(data.triggers[0]).replace("-", " ") if len(data.triggers) == 1 else "first trigger report"
    out = []
    if len(fired):
        q50, q05, q95 = quantiles(fired)
        out.append(f"The {name} went up in {len(fired)} of {len(reps)} runs, on {_date(data, q50)} "
                   f"[{_date(data, q05)}, {_date(data, q95)}].")
    elif data.triggers:
        out.append(f"The {name} went up in none of the {len(reps)} runs.")
    orders = reps["order_day"].dropna()
    if len(orders):
        q50, q05, q95 = quantiles(orders)
        when = _date(data, q50) if q05 == q95 else f"{_date(data, q50)} [{_date(data, q05)}, {_date(data, q95)}]"
        both = reps.dropna(subset=["report_day", "order_day"])
        gap = ""
        if len(both):
            g50, g05, g95 = quantiles(both["order_day"] - both["report_day"])
            gap = f", {g50:.0f} days after the report" + ("" if g05 == g95 else f" [{g05:.0f}, {g95:.0f}]")
        out.append(f"The order came on {when}{gap}.")
    return out


def _effects(data: EnsembleData, q_date: dt.date, when: str) -> list[str]:
    without = ", ".join(data.without)
    out = []
    for story in data.stories:
        groups = on_date(data.effects, q_date, "group", story)
        if groups.empty:
            continue
        r = groups.loc[groups["q50"].abs().idxmax()]
        if r["q50"] == 0:
            out.append(f"{when}, leaving out {without} changes no group's reach of “{data.name(story)}” in the "
                       "median run.")
        else:
            out.append(f"{when}, the largest change from leaving out {without} is in who had heard "
                       f"“{data.name(story)}” among {data.people(r['name'])}: {interval(r, pp)} (with − without).")
    det = detentions(data, effects=True)
    everyone = det[det["name"] == "all"]
    if len(everyone):
        out.append(f"Detentions by {data.last_date.isoformat()} (with − without): "
                   f"{interval(everyone.iloc[0], signed)}.")
    return out


def _date(data: EnsembleData, day: float) -> str:
    return data.date_of(round(day)).isoformat()


def dates(data: EnsembleData, q50: float, q05: float, q95: float) -> str:
    """Days over the runs as dates: "median [5%, 95%]", or the one date when all three fall on it."""
    low, mid, high = _date(data, q05), _date(data, q50), _date(data, q95)
    return mid if low == high else f"{mid} [{low}, {high}]"
