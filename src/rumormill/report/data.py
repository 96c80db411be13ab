"""What the report shows, as small tables computed from a stored run.

Both renderers (Plotly for the page, matplotlib for the PNGs) draw from these
functions, so the page and the paper figures always agree. Everything here is
pandas over the run's tidy tables; nothing draws.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import dates
from ..results import Store, StoreError
from ..results.tables import start_date
from .cartogram import layout_of, stored_layout

#: most points a time series keeps on the page (long runs are thinned)
MAX_POINTS = 400
#: line colours, by position in the run's own order (Tableau 20, dark shades first)
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
          "#dbdb8d", "#9edae5"]
#: event kinds drawn as vertical marks, beside info["key_dates"]
MARK_KINDS = ("report", "order", "measure-start", "measure-stop")
#: the chain of command's event kinds, in the order they follow one another on a day
CHAIN_KINDS = ("report", "stage", "order", "measure-start")


@dataclass
class RunData:
    """One stored run, loaded: its metadata and its tables (pandas)."""

    run_id: str
    meta: dict
    timeseries: pd.DataFrame
    tellings: pd.DataFrame
    intercepts: pd.DataFrame
    detained: pd.DataFrame
    events: pd.DataFrame
    baseline: "RunData | None" = None
    start: dt.date | None = field(default=None)
    #: where the map draws each region (the scenario's ``[map]``); None: a plain grid
    layout: dict[str, tuple[int, int]] | None = None
    #: the scenario's measures that act on given days (``sweeps``), when the scenario is known
    sweeps: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @property
    def stories(self) -> list[str]:
        return list(self.meta["stories"])

    @property
    def info(self) -> dict:
        return self.meta.get("info") or {}

    def name(self, ident) -> str:
        """The name people read for a group, region, layer or story (``display``)."""
        return display(self.info, ident)

    @property
    def last_day(self) -> int:
        return int(self.timeseries["day"].max()) if len(self.timeseries) else 0

    def x(self, days) -> list:
        """Days (of events, key dates) as x values: ISO dates when the run has a start date, else day numbers."""
        days = np.asarray(days, dtype=np.int64)
        if self.start is None:
            return days.tolist()
        return [dates.date_of(self.start, int(d)).isoformat() for d in days]

    def x_rows(self, rows) -> list:
        """Rows of the stored tables as x values: row ``d`` is the end of day
        ``d - 1``, so it stands on that day's date (``rumormill.dates``), the
        date an event of that day is drawn on."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.start is None:
            return rows.tolist()
        return [dates.date_of_row(self.start, int(r)).isoformat() for r in rows]

    def row_of(self, when) -> int:
        """The row holding the end of a date (or a row number given as such), clipped to the run."""
        if isinstance(when, (int, np.integer)):
            return min(max(int(when), 0), self.last_day)
        return min(max(self.day_of(when, clip=False) + 1, 0), self.last_day)

    def day_of(self, when, clip: bool = True) -> int:
        """A day number from a day, an ISO date or a date (clipped to the run)."""
        if isinstance(when, (int, np.integer)):
            day = int(when)
        else:
            if self.start is None:
                raise StoreError(f"date {when}: this run has no start date; give a day number instead.")
            try:
                day = dates.day_of(self.start, dt.date.fromisoformat(str(when)))
            except ValueError:
                raise StoreError(f"date {when!r}: give a date as YYYY-MM-DD, or a day number.") from None
        return min(max(day, 0), self.last_day) if clip else day


def load(store: Store, run_id: str, with_baseline: bool = True, scenario=None) -> RunData:
    """Read a finished run (and the run it is compared with) from the store.

    The map's layout is the ``[map]`` of ``scenario`` (the ``Scenario`` it
    ran) when given, else the one stored in the run's info, else that of the
    built-in scenario of the run's name and content hash; without any, a grid.
    """
    meta = store.meta(run_id)
    rid = meta["run_id"]
    tables = store.tables(rid)
    base = meta.get("baseline_id")
    baseline = load(store, base, with_baseline=False) if (base and with_baseline) else None
    info = meta.get("info") or {}
    known = scenario if scenario is not None else builtin_scenario(meta)
    layout = layout_of(scenario) if scenario is not None else stored_layout(info) or layout_of(known)
    return RunData(rid, meta, baseline=baseline, start=start_date(info), layout=layout, sweeps=sweeps(known),
                   **tables)


def display(info: dict | None, ident) -> str:
    """The name people read for an identifier (a group, region, layer or
    story): the scenario's ``[names]`` as stored in a run's or an ensemble's
    info (``info["names"]``), else the identifier itself. Results stored
    before ``[names]`` existed have none, and show their identifiers."""
    ident = str(ident)
    names = (info or {}).get("names")
    value = names.get(ident) if isinstance(names, dict) else None
    return value if isinstance(value, str) and value.strip() else ident


def people(info: dict | None, ident) -> str:
    """A group for a sentence: its display name as the scenario wrote it
    (``soldiers' families``), else its identifier read as a plural
    (``soldier_family`` -> ``soldier families``)."""
    name = display(info, ident)
    if name != str(ident):
        return name
    words = str(ident).replace("_", " ")
    if words.endswith("s"):
        return words
    if words.endswith("y") and words[-2:-1] not in "aeiou":
        return words[:-1] + "ies"
    return words + "s"


def sweeps(scenario) -> dict[str, tuple[str, int, int]]:
    """The scenario's measures that search a cohort on given days: name ->
    (type, first, every): they act at the end of day ``first`` after they
    switch on, then every ``every`` days (a ``check`` from its ``first``, a
    ``monitor`` at the end of every ``every``-th day). None without a scenario."""
    if scenario is None:
        return {}
    out = {}
    for m in scenario.measures:
        kind = getattr(m, "type", None)
        if kind in ("check", "monitor"):
            out[m.name] = (kind, int(m.first) if kind == "check" else int(m.every) - 1, int(m.every))
    return out


def sweep_days(first: int, every: int, since: int, until: int) -> list[int]:
    """The days a sweep acts, for one switched on on day ``since``, up to day ``until``."""
    return list(range(since + first, until + 1, every))


def builtin_scenario(row: dict):
    """The built-in scenario a stored run or ensemble ran, if it is one and
    unchanged (same name and content hash); else None."""
    from ..results import content_hash
    from ..scenario import builtin_names
    from ..scenario import load as load_scenario

    if row.get("scenario") not in builtin_names():
        return None
    sc = load_scenario(row["scenario"])
    return sc if content_hash(sc) == row.get("scenario_hash") else None


def reach(run: RunData, by: str | None = None) -> pd.DataFrame:
    """Fraction who have heard each story per day (and per ``agent_group`` or ``region``).

    reach = 1 - ignorant / everyone, with everyone counted the same day, so
    the denominator follows the population if it changes.
    """
    keys = ["day", "story"] + ([by] if by else [])
    ts = run.timeseries
    if by:
        ts = ts.assign(**{by: ts[by].fillna("all")})
    wide = ts.groupby(keys + ["state"], sort=False)["count"].sum().unstack("state", fill_value=0)
    total = wide.sum(axis=1)
    out = (1.0 - wide.get("ignorant", 0) / total.where(total > 0)).fillna(0.0).rename("reach").reset_index()
    return out.sort_values("day", kind="stable").reset_index(drop=True)  # groups stay in the run's order


def per_layer(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Tellings (or intercepts) per day × story × layer, summed over cells."""
    if table.empty:
        return pd.DataFrame(columns=["day", "story", "layer", value])
    return table.groupby(["day", "story", "layer"], sort=False)[value].sum().reset_index()


def detentions(run: RunData, by: str) -> pd.DataFrame:
    """Cumulative detained per day and ``agent_group`` or ``region``."""
    d = run.detained
    if d.empty:
        return pd.DataFrame(columns=["day", by, "detained"])
    return d.assign(**{by: d[by].fillna("all")}).groupby(["day", by], sort=False)["detained"].sum().reset_index()


def marks(run: RunData) -> dict[int, list[str]]:
    """Days to mark on time axes -> their labels: the key dates in the run's
    info, then the reports, orders and measures switching on or off."""
    out: dict[int, list[str]] = {}

    def add(day, label):
        if 0 <= day <= run.last_day and label not in out.setdefault(day, []):
            out[day].append(label)

    info = run.meta.get("info") or {}
    for label, when in (info.get("key_dates") or {}).items():
        try:
            add(run.day_of(when, clip=False), str(label))
        except (ValueError, StoreError):
            continue  # a key date this run cannot place (no start date, or not a date)
    ev = run.events
    if not ev.empty:
        for row in ev[ev["kind"].isin(MARK_KINDS)].itertuples():
            detail = row.detail if isinstance(row.detail, str) and row.detail else row.kind
            add(int(row.day), _mark_label(row.kind, detail))
    return {day: out[day] for day in sorted(out) if out[day]}


def _mark_label(kind: str, detail: str) -> str:
    """``report: border-report (reports reached 50)``, ``order: border-report``, ``on: inspect-mail``."""
    if kind in ("measure-start", "measure-stop"):
        return f"{'on' if kind == 'measure-start' else 'off'}: {detail}"
    trigger, _, rest = detail.partition(": ")
    if not rest:
        return detail
    return f"report: {trigger} ({rest})" if kind == "report" else f"order: {trigger}"


def key_dates(run: RunData) -> list[tuple[str, int]]:
    """The key dates in the run's info that fall inside it, as (label, row):
    the row of the tables holding the end of that date, in date order."""
    out = []
    for label, when in ((run.info.get("key_dates") or {}).items()):
        try:
            day = run.day_of(when, clip=False)
        except (ValueError, StoreError):
            continue
        if 0 <= day < run.last_day:
            out.append((str(label), day + 1))
    return sorted(out, key=lambda kv: kv[1])


def question(run: RunData) -> tuple[str, int]:
    """The row the page opens on (the map, the summary): the last key date
    inside the run (the question the scenario asks; for kpa-2025 "end of
    February"), else the last day."""
    dates = key_dates(run)
    return dates[-1] if dates else ("last day", run.last_day)


def table_days(run: RunData) -> list[tuple[str, int]]:
    """The columns of the page's tables: the key dates, then the last day."""
    dates = key_dates(run)
    if not dates or dates[-1][1] != run.last_day:
        dates.append(("last day", run.last_day))
    return dates


def numbered(run: RunData) -> list[tuple[int, int, str]]:
    """The marked days (``marks``) numbered from 1 as the charts and the
    key-date list show them: (number, day, every label of that day, whole)."""
    return [(i, day, joined(labels)) for i, (day, labels) in enumerate(marks(run).items(), start=1)]


def joined(labels) -> str:
    """A day's labels in one line, the measures switching on (or off) together:
    ``joint order; on: inspect-mail, punish-units``."""
    out: list[str] = []
    for label in labels:
        head, _, rest = label.partition(": ")
        if head in ("on", "off") and out and out[-1].startswith(head + ": "):
            out[-1] += ", " + rest
        else:
            out.append(label)
    return "; ".join(out)


def caused_steps(run: RunData) -> pd.DataFrame:
    """Jumps in the detentions that a measure acting on given days explains:
    ``day`` (the measure's day), ``row`` (the day of the tables where the
    jump shows: the end of that day), ``label`` (``check: NAME``) and
    ``detained`` (people it added, everyone). From the run's ``check-finding``
    events and, when the scenario is known, its monitors' days (from their
    ``measure-start`` events and ``sweeps``); only days that added someone."""
    columns = ["day", "row", "label", "detained"]
    ev = run.events
    if run.detained.empty or ev.empty:
        return pd.DataFrame(columns=columns)
    total = run.detained.groupby("day")["detained"].sum().sort_index()
    added = total.diff().fillna(0)
    found = ev[ev["kind"] == "check-finding"]
    acts = {(int(d), f"check: {name}") for d, name in zip(found["day"], found["detail"].fillna("check"))}
    starts = ev[ev["kind"] == "measure-start"]
    for name, (kind, first, every) in run.sweeps.items():
        if kind != "monitor":  # a check's days are in its events
            continue
        for since in starts.loc[starts["detail"] == name, "day"].astype(int):
            stops = ev[(ev["kind"] == "measure-stop") & (ev["detail"] == name) & (ev["day"] > since)]["day"]
            until = int(stops.min()) if len(stops) else run.last_day
            acts |= {(d, f"check: {name}") for d in sweep_days(first, every, since, until)}
    rows = [(d, d + 1, label, int(added.get(d + 1, 0))) for d, label in sorted(acts) if d + 1 <= run.last_day]
    out = pd.DataFrame([r for r in rows if r[3] > 0], columns=columns)
    return out.reset_index(drop=True)


def chain(run: RunData) -> pd.DataFrame:
    """The chain of command as a timeline: ``day, kind, label, detail``, one
    row per report, office reached, order and measure switching on, in the
    order they happened (a day's report before its offices, the order before
    the measures it starts). ``label`` names the step whole, for a reader."""
    ev = run.events
    columns = ["day", "kind", "label", "detail"]
    if ev.empty:
        return pd.DataFrame(columns=columns)
    rows = ev[ev["kind"].isin(CHAIN_KINDS)].copy()
    rows["rank"] = rows["kind"].map(CHAIN_KINDS.index)
    rows = rows.sort_values(["day", "rank"], kind="stable")
    detail = rows["detail"].fillna("").astype(str)
    rows["label"] = [_chain_label(k, d) for k, d in zip(rows["kind"], detail)]
    rows["detail"] = detail
    return rows[columns].reset_index(drop=True)


def _chain_label(kind: str, detail: str) -> str:
    """``report: town-report``, the office itself for a stage, ``order: town-report``, ``on: a-measure``."""
    trigger, _, rest = detail.partition(": ")
    if kind == "stage":
        return rest or detail
    if kind == "measure-start":
        return f"on: {detail}"
    return f"{kind}: {trigger}" if rest else kind


def letters(run: RunData) -> pd.DataFrame:
    """Letters per day on the layers that carry them: ``day, story, layer,
    written, delivered, caught``. Written and delivered come from the run's
    ``letters-*`` events (layer in ``detail``); caught are the interceptions
    on those layers, since a censor catches letters only in transit."""
    columns = ["day", "story", "layer", "written", "delivered", "caught"]
    ev = run.events
    if ev.empty:
        return pd.DataFrame(columns=columns)
    sent = ev[ev["kind"].isin(["letters-written", "letters-delivered"])]
    if sent.empty:
        return pd.DataFrame(columns=columns)
    wide = (sent.assign(layer=sent["detail"], what=sent["kind"].str.removeprefix("letters-"))
            .pivot_table(index=["day", "story", "layer"], columns="what", values="count", aggfunc="sum", fill_value=0))
    layers = [lay for lay in run.meta["layers"] if lay in set(sent["detail"])]
    caught = per_layer(run.intercepts, "intercepts")
    caught = caught[caught["layer"].isin(layers)].set_index(["day", "story", "layer"])["intercepts"]
    days = np.unique(np.concatenate([run.timeseries["day"].unique(), sent["day"].to_numpy()]))
    grid = pd.MultiIndex.from_product([days, run.stories, layers], names=["day", "story", "layer"])
    out = pd.DataFrame(index=grid)
    for name, values in (("written", wide.get("written")), ("delivered", wide.get("delivered")),
                         ("caught", caught)):
        out[name] = (values.reindex(grid, fill_value=0) if values is not None else 0)
    return out.fillna(0).astype(np.int64).reset_index()[columns]


def letter_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Letters written, delivered and caught over the whole run, per story and layer."""
    return frame.groupby(["story", "layer"], sort=False)[["written", "delivered", "caught"]].sum().reset_index()


def pct(v: float) -> str:
    """A share as a percentage: ``94.1%``."""
    return f"{100 * v:.1f}%"


def pp(v: float) -> str:
    """A difference of two shares in percentage points, signed, with a true minus: ``−7.3 pp``."""
    value = round(100 * float(v), 1)
    return "0.0 pp" if value == 0 else f"{value:+.1f} pp".replace("-", "−")


def count(v: float) -> str:
    """A number of people: ``1,006``."""
    return f"{v:,.0f}"


def signed(v: float) -> str:
    """A change in a number of people, signed, with a true minus: ``+78``, ``−12``."""
    return "0" if round(float(v)) == 0 else f"{v:+,.0f}".replace("-", "−")


def sample_days(days, keep=(), limit: int = MAX_POINTS) -> np.ndarray:
    """At most about ``limit`` evenly spaced days, always with the first, the
    last and those in ``keep``; all of them when there are few enough."""
    days = np.unique(np.asarray(days, dtype=np.int64))
    if days.size <= limit:
        return days
    idx = np.unique(np.round(np.linspace(0, days.size - 1, limit)).astype(np.int64))
    return np.union1d(days[idx], np.intersect1d(days, np.asarray(list(keep), dtype=np.int64)))


def thin(frame: pd.DataFrame, days: np.ndarray) -> pd.DataFrame:
    """Rows of ``frame`` on the chosen days."""
    return frame[frame["day"].isin(days)]


def groups(frame: pd.DataFrame, column: str) -> list[str]:
    """Distinct values of ``column`` in first-seen order (the run's own order)."""
    return list(dict.fromkeys(frame[column].tolist())) if column in frame else []


def color(i: int) -> str:
    """The i-th line colour (cycling)."""
    return COLORS[i % len(COLORS)]
