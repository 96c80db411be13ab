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

    @property
    def stories(self) -> list[str]:
        return list(self.meta["stories"])

    @property
    def last_day(self) -> int:
        return int(self.timeseries["day"].max()) if len(self.timeseries) else 0

    def x(self, days) -> list:
        """Days as x values: ISO dates when the run has a start date, else day numbers."""
        days = np.asarray(days, dtype=np.int64)
        if self.start is None:
            return days.tolist()
        return [(self.start + dt.timedelta(days=int(d))).isoformat() for d in days]

    def day_of(self, when, clip: bool = True) -> int:
        """A day number from a day, an ISO date or a date (clipped to the run)."""
        if isinstance(when, (int, np.integer)):
            day = int(when)
        else:
            if self.start is None:
                raise StoreError(f"date {when}: this run has no start date; give a day number instead.")
            try:
                day = (dt.date.fromisoformat(str(when)) - self.start).days
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
    if scenario is not None:
        layout = layout_of(scenario)
    else:
        layout = stored_layout(info) or layout_of(builtin_scenario(meta))
    return RunData(rid, meta, baseline=baseline, start=start_date(info), layout=layout, **tables)


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
            label = row.detail if isinstance(row.detail, str) and row.detail else row.kind
            add(int(row.day), label if row.kind in ("report", "order") else f"{row.kind.split('-')[1]}: {label}")
    return {day: out[day] for day in sorted(out) if out[day]}


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
