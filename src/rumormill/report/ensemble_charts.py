"""The ensemble report's interactive charts, as Plotly figure specs (plain
dicts, as in ``charts``): medians with their 50% and 90% bands.

Key dates are numbered dotted lines; the numbers sit above each panel, in
its margin, never over the data, and the page lists them whole in a strip
above the charts. Each name's bands share its legend entry, so clicking a
name hides its line and its bands together.
"""

from __future__ import annotations

import numpy as np

from . import data
from . import ensemble_data as ed
from .cartogram import tile_map
from .charts import LETTER_COLORS, STEP_PX, Chart, numbered_marks, small_maps, tile_axes, timeline

#: most dates the map's slider steps through
MAX_STEPS = 60
#: opacity of the 90% and the 50% band
BAND_ALPHA = (0.12, 0.25)


def rgba(colour: str, alpha: float) -> str:
    """``#1f77b4`` with an opacity, as CSS ``rgba(...)``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _chart(rows: int, cols: int, titles, height: int, share_x: bool = False) -> Chart:
    chart = Chart(rows, cols, titles, height=height, share_x=share_x)
    for note in chart.layout["annotations"]:  # panel titles: above the key-date numbers
        note["yshift"] = 14
    chart.layout["margin"]["t"] = 70
    return chart


def _key_dates(chart: Chart, ens: ed.EnsembleData, rows=None) -> None:
    """A numbered dotted line at each key date, its number above every panel (of ``rows``, default all),
    staggered where two are close, its label whole on hover and in the page's list."""
    items = [(i, date.isoformat(), f"{date.isoformat()}: {name}", (date - ens.start).days)
             for i, (name, date) in enumerate(ens.key_dates.items(), start=1)]
    numbered_marks(chart, items, max((ens.last_date - ens.start).days, 1), rows)


def _thin(frame, ens: ed.EnsembleData):
    keep = [int((d - ens.start).days) + 1 for d in ens.key_dates.values()]
    return data.thin(frame, data.sample_days(frame["day"], keep=keep))


def _banded(chart: Chart, part, name: str, colour: str, col: int, fmt: str, story: str, first: bool,
            scale: float = 1.0, shown: str | None = None) -> None:
    """One name's 90% and 50% bands and its median line, in panel ``col`` (``shown``: the
    name people read, in the legend; default ``label``)."""
    shown = ed.label(name) if shown is None else shown
    x = [d.isoformat() for d in part["date"]]
    q = {c: np.round(part[c].to_numpy(dtype=float) * scale, 6).tolist() for c in ed.QCOLS}
    for (lo, hi), alpha in zip((("q05", "q95"), ("q25", "q75")), BAND_ALPHA):
        chart.add({"type": "scatter", "mode": "lines", "x": x + x[::-1], "y": q[hi] + q[lo][::-1], "fill": "toself",
                   "fillcolor": rgba(colour, alpha), "line": {"width": 0}, "hoverinfo": "skip",
                   "legendgroup": name, "showlegend": False, "name": name}, col=col)
    chart.line(x, q["q50"], shown, colour, col=col, legendgroup=name, showlegend=first,
               customdata=list(zip(q["q05"], q["q95"])),
               hovertemplate=(f"{shown}<br>%{{x}}: %{{y:{fmt}}} [%{{customdata[0]:{fmt}}}, "
                              f"%{{customdata[1]:{fmt}}}]<extra>{story}</extra>"))


def legend_name(ens: ed.EnsembleData, by: str, name: str) -> str:
    """A legend entry: a group's or region's display name; a kind of letter as it is."""
    if by == "letters":
        layer, _, what = str(name).rpartition(": ")
        return f"{ens.name(layer)}: {what}" if layer else what
    return ens.name(name)


def legend_height(entries: int) -> int:
    """A chart tall enough that its legend shows every entry without scrolling."""
    return max(420, 160 + 30 * entries)


def bands(ens: ed.EnsembleData, frame, by: str, ytitle: str, percent: bool = True, points: bool = False,
          colors: dict | None = None) -> dict | None:
    """Median and bands over time of each name of ``by``, one panel per story
    (one panel when the metric has no story). ``points``: the values are
    fractions drawn as percentage points (effects). ``colors``: name -> colour
    (default: the palette in order)."""
    names = ed.names(frame, by, ed.order(ens, by))
    if not names:
        return None
    stories = ed.stories(ens, frame)
    titles = [ens.name(s) for s in stories if s]
    chart = _chart(1, len(stories), titles, height=legend_height(len(names)))
    frame = _thin(frame, ens)
    fmt = "+.1f" if points else (".1%" if percent else ",.0f")
    for col, story in enumerate(stories, start=1):
        part = ed.series(frame, by, story)
        chart.empty_text[chart.axes(1, col)] = "no change in any run" if points else "none in any run"
        for i, name in enumerate(names):
            _banded(chart, part[part["name"] == name], name, (colors or {}).get(name, data.color(i)), col, fmt,
                    ens.name(story) if story else "", col == 1, 100.0 if points else 1.0, legend_name(ens, by, name))
    _key_dates(chart, ens)
    fig = chart.finish(ytitle, percent=percent and not points)
    if points:
        for key, axis in fig["layout"].items():
            if key.startswith("yaxis"):
                axis.update(ticksuffix=" pp", zeroline=True, zerolinecolor="#444", zerolinewidth=1)
    return fig


def reach_by(ens: ed.EnsembleData, by: str) -> dict | None:
    return bands(ens, ens.reach, by, "fraction who have heard it")


def detentions(ens: ed.EnsembleData) -> dict | None:
    """Detained so far by group, median and bands; the jumps a check explains labelled where they happen."""
    if ens.detained["q95"].max() <= 0:
        return None
    fig = bands(ens, ens.detained, "group", "detained so far (people)", percent=False)
    for step in ed.caused_steps(ens).itertuples():
        x = step.date.isoformat()
        fig["layout"]["annotations"].append(
            {"x": x, "y": step.q50, "xref": "x", "yref": "y", "text": step.label, "showarrow": True,
             "arrowhead": 2, "arrowsize": 0.8, "arrowcolor": "#444", "ax": -46, "ay": -28,
             "font": {"size": 10, "color": "#222"}, "bgcolor": "rgba(255,255,255,0.85)",
             "hovertext": f"{x}: {step.label}, the median day it acted over the runs"})
    return fig


def letters(ens: ed.EnsembleData) -> dict | None:
    """Letters written, delivered and caught per day on the delayed layers: medians and bands, one panel per story."""
    frame = ed.letter_bands(ens)
    if frame is None or frame["q95"].max() <= 0:
        return None
    return bands(ens, frame, "letters", "letters per day", percent=False,
                 colors={n: LETTER_COLORS[n.rpartition(": ")[2]] for n in ed.order(ens, "letters")})


def chain(ens: ed.EnsembleData) -> dict | None:
    """Median reach of everyone with its bands, one line per story; below it,
    on the same dates, the chain of command: each step at its median date over
    the runs where it happened, a grey bar from its 5% to its 95% date."""
    steps = ed.steps(ens)
    if steps.empty:
        return None
    chart = _chart(2, 1, [], height=420 + STEP_PX * len(steps), share_x=True)
    frame = _thin(ens.reach, ens)
    for i, story in enumerate(ens.stories):
        _banded(chart, ed.series(frame, "all", story), story, data.color(i), 1, ".1%", ens.name(story), True,
                shown=ens.name(story))
    _key_dates(chart, ens, rows=[1])

    def date(day) -> str:
        return ens.date_of(round(day)).isoformat()

    detail = [f"{r.detail}: median {ed.dates(ens, r.q50, r.q05, r.q95)}, in {r.runs} of {ens.runs} runs"
              for r in steps.itertuples()]
    timeline(chart, steps.assign(detail=detail), [date(d) for d in steps["q50"]],
             [ens.start.isoformat(), ens.last_date.isoformat()],
             spans=[(date(lo), date(hi)) for lo, hi in zip(steps["q05"], steps["q95"])])
    fig = chart.finish("fraction who have heard it (everyone)")
    fig["layout"]["yaxis"].update(tickformat=".0%", rangemode="tozero")
    return fig


def effects(ens: ed.EnsembleData) -> dict | None:
    """The paired change in reach by group (with − without), in percentage points."""
    if ens.effects is None:
        return None
    return bands(ens, ens.effects, "group", "change in reach, with − without (pp)", points=True)


def distributions(ens: ed.EnsembleData) -> dict:
    """Over replicates: the day the trigger's report went up, and the people detained by the end."""
    reports = ed.report_dates(ens)
    report_title = f"trigger report day ({len(reports)} of {ens.runs} runs)" if len(reports) else "no trigger report"
    chart = _chart(1, 2, [report_title, "detained by the end (people)"], height=340)
    if len(reports):
        counts = reports.value_counts().sort_index()  # one bar per day, centred on it
        chart.add({"type": "bar", "x": [d.isoformat() for d in counts.index], "y": counts.tolist(),
                   "name": "report day", "marker": {"color": data.color(0)},
                   "hovertemplate": "%{x}: %{y} runs<extra></extra>"}, col=1)
    chart.add({"type": "histogram", "x": ens.replicates["detained"].dropna().tolist(), "name": "detained",
               "marker": {"color": data.color(1)}, "hovertemplate": "%{x}: %{y} runs<extra></extra>"}, col=2)
    fig = chart.finish("runs", legend=False)
    fig["layout"]["bargap"] = 0.05
    return fig


def cartogram(ens: ed.EnsembleData) -> dict | None:
    """Median reach by region on a tile map, one map per story, the 5–95%
    interval on hover; a slider over the dates, starting on the question's."""
    regions = ed.names(ens.reach, "region", ens.regions)
    if not regions:
        return None
    tiles = tile_map(regions, ens.layout)
    q_label, q_date = ens.question()
    dates = _map_dates(ens, q_date)
    frame = ens.reach[(ens.reach["by"] == "region") & (ens.reach["date"].isin(dates))]
    frame = frame.sort_values("day").drop_duplicates(["date", "story", "name"], keep="last")
    grids = {}
    for (date, story), part in frame.groupby(["date", "story"], sort=False):
        grids[date, story] = (tiles.grid(dict(zip(part["name"], part["q50"]))),
                              _hover(tiles, {r.name: r for r in part.itertuples()}, ens.name))
    chart = _chart(1, len(ens.stories), [ens.name(s) for s in ens.stories], height=180 + 90 * tiles.rows)
    labels = [[ens.name(t) if t else "" for t in row] for row in tiles.labels()]
    for col, story in enumerate(ens.stories, start=1):
        z, hover = grids.get((q_date, story), ([], []))
        chart.add({"type": "heatmap", "z": z, "text": labels, "hovertext": hover,
                   "texttemplate": "%{text}<br>%{z:.0%}", "hovertemplate": "%{hovertext}<extra>" + ens.name(story)
                   + "</extra>",
                   "zmin": 0, "zmax": 1, "colorscale": "YlOrRd", "reversescale": True, "showscale": col == 1,
                   "xgap": 3, "ygap": 3, "colorbar": {"title": {"text": "median reach"}, "tickformat": ".0%"}}, col=col)
    tile_axes(chart, tiles, len(ens.stories))
    names = {d: n for n, d in ens.key_dates.items()}
    steps = [{"method": "update", "label": d.isoformat(),
              "args": [{"z": [grids.get((d, s), ([], []))[0] for s in ens.stories],
                        "hovertext": [grids.get((d, s), ([], []))[1] for s in ens.stories]},
                       {"title.text": map_title(d, names.get(d))}]} for d in dates]
    chart.layout.update(
        sliders=[{"active": dates.index(q_date), "steps": steps, "currentvalue": {"prefix": "date: "},
                  "pad": {"t": 30}, "len": 1.0, "x": 0, "font": {"size": 10}}],
        title={"text": map_title(q_date, q_label)})
    return chart.finish(legend=False)


def key_date_maps(ens: ed.EnsembleData) -> dict | None:
    """Median reach by region on each key date side by side, one row per
    story (``charts.small_maps``); the 5–95% interval on hover. None with
    fewer than two key dates in the run."""
    regions = ed.names(ens.reach, "region", ens.regions)
    known = set(ens.reach["date"])
    dates = [(name, date) for name, date in ens.key_dates.items() if date in known]
    if not regions or len(dates) < 2:
        return None
    tiles = tile_map(regions, ens.layout)
    frame = ens.reach[(ens.reach["by"] == "region") & ens.reach["date"].isin([d for _, d in dates])]
    frame = frame.sort_values("day").drop_duplicates(["date", "story", "name"], keep="last")
    panels = []
    for story in ens.stories:
        row = []
        for _, date in dates:
            part = frame[(frame["date"] == date) & (frame["story"] == story)]
            row.append((tiles.grid(dict(zip(part["name"], part["q50"]))),
                        _hover(tiles, {r.name: r for r in part.itertuples()}, ens.name)))
        panels.append(row)
    return small_maps(tiles, [ens.name(s) for s in ens.stories], [f"{d.isoformat()}<br>{n}" for n, d in dates],
                      panels, "median reach")


def map_title(date, name: str | None) -> str:
    return f"median reach on {date.isoformat()}" + (f" ({name})" if name and name != "last day" else "")


def _map_dates(ens: ed.EnsembleData, q_date) -> list:
    """The slider's dates: weekly from the start, the key dates and the last day, at most about MAX_STEPS."""
    all_dates = sorted(set(ens.reach["date"]))
    step = max(7, -(-len(all_dates) // MAX_STEPS))
    return sorted(set(all_dates[::step]) | set(ens.key_dates.values()) | {q_date, all_dates[-1]})


def _hover(tiles, rows: dict, name=str) -> list[list[str]]:
    """"Ryanggang: 94.1% [93.5%, 94.4%]" for each tile (``name``: the region as people read it); empty where
    there is none."""
    out = [[""] * tiles.cols for _ in range(tiles.rows)]
    for region, (r, c) in tiles.tiles.items():
        row = rows.get(region)
        if row is not None:
            out[r][c] = f"{name(region)}: {ed.interval(row._asdict(), ed.pct)}"
    return out
