"""The report's interactive charts, as Plotly figures.

One function per chart, each taking a loaded run and returning a figure, or
None when the run has nothing to show for it (no detentions, no baseline),
so the page leaves that section out instead of drawing an empty chart.
Long runs are thinned to ``data.MAX_POINTS`` days, keeping the marked days.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import data
from .cartogram import tile_map

#: most dates the map's slider steps through
MAX_STEPS = 120
_MARK = dict(color="#777", width=1, dash="dot")


def reach(run: data.RunData) -> go.Figure:
    """Reach over time, one line per story."""
    frame, days = _thinned(run, data.reach(run))
    fig = go.Figure()
    for i, story in enumerate(run.stories):
        part = frame[frame["story"] == story]
        fig.add_scatter(x=run.x(part["day"]), y=_round(part["reach"]), name=story, line_color=data.color(i),
                        hovertemplate="%{x}: %{y:.1%}")
    _marks(fig, run, 1)
    return _style(fig, "fraction who have heard it", percent=True)


def reach_by(run: data.RunData, by: str) -> go.Figure | None:
    """Reach over time by ``group`` or ``region``, one panel per story."""
    frame, days = _thinned(run, data.reach(run, by))
    names = data.groups(frame, by)
    if len(names) < 2:
        return None
    fig = make_subplots(rows=1, cols=len(run.stories), subplot_titles=run.stories, shared_yaxes=True)
    for col, story in enumerate(run.stories, start=1):
        part = frame[frame["story"] == story]
        for i, name in enumerate(names):
            sub = part[part[by] == name]
            fig.add_scatter(x=run.x(sub["day"]), y=_round(sub["reach"]), name=name, legendgroup=name,
                            showlegend=col == 1, line_color=data.color(i), row=1, col=col,
                            hovertemplate=f"{name}<br>%{{x}}: %{{y:.1%}}<extra>{story}</extra>")
    _marks(fig, run, len(run.stories))
    return _style(fig, "fraction who have heard it", percent=True)


def channels(run: data.RunData) -> go.Figure | None:
    """Tellings carried by each layer per day (and meetings intercepted), per story."""
    rows = [(value, data.per_layer(getattr(run, value), value)) for value in ("tellings", "intercepts")]
    rows = [(value, frame) for value, frame in rows if len(frame) and frame[value].sum() > 0]
    if not rows:
        return None
    titles = [f"{story}: {value}" for value, _ in rows for story in run.stories]
    fig = make_subplots(rows=len(rows), cols=len(run.stories), subplot_titles=titles, shared_xaxes=True)
    layers = list(run.meta["layers"])
    for r, (value, frame) in enumerate(rows, start=1):
        frame, days = _thinned(run, frame)
        for col, story in enumerate(run.stories, start=1):
            part = frame[frame["story"] == story]
            for i, layer in enumerate(layers):
                sub = part[part["layer"] == layer]
                fig.add_scatter(x=run.x(sub["day"]), y=sub[value].tolist(), name=layer, legendgroup=layer,
                                showlegend=(r == 1 and col == 1), line_color=data.color(i), row=r, col=col,
                                hovertemplate=f"{layer}<br>%{{x}}: %{{y}}<extra>{value}</extra>")
    _marks(fig, run, len(rows) * len(run.stories))
    return _style(fig, "per day", height=320 * len(rows))


def detentions(run: data.RunData) -> go.Figure | None:
    """Cumulative detentions by group and by region."""
    if run.detained.empty or run.detained["detained"].sum() == 0:
        return None
    fig = make_subplots(rows=1, cols=2, subplot_titles=["by group", "by region"])
    for col, by in enumerate(("group", "region"), start=1):
        frame, days = _thinned(run, data.detentions(run, by))
        for i, name in enumerate(data.groups(frame, by)):
            sub = frame[frame[by] == name]
            fig.add_scatter(x=run.x(sub["day"]), y=sub["detained"].tolist(), name=name, line_color=data.color(i),
                            legendgroup=by, legendgrouptitle_text=by if i == 0 else None, row=1, col=col,
                            hovertemplate=f"{name}<br>%{{x}}: %{{y}}<extra></extra>")
    _marks(fig, run, 2)
    return _style(fig, "detained (cumulative)")


def compare(run: data.RunData) -> go.Figure | None:
    """This run beside its baseline (without the measures), and their difference."""
    if run.baseline is None:
        return None
    label = ((run.meta.get("info") or {}).get("compare") or {}).get("label") or "without measures"
    mine, base = data.reach(run), data.reach(run.baseline)
    both = mine.merge(base, on=["day", "story"], suffixes=("", "_base"))
    both, days = _thinned(run, both)
    fig = make_subplots(rows=1, cols=2, subplot_titles=["reach: this run (solid) and " + label + " (dashed)",
                                                        f"difference: {label} minus this run"])
    for i, story in enumerate(run.stories):
        sub = both[both["story"] == story]
        x = run.x(sub["day"])
        fig.add_scatter(x=x, y=_round(sub["reach"]), name=story, legendgroup=story, line_color=data.color(i),
                        row=1, col=1, hovertemplate="%{x}: %{y:.1%}<extra>this run</extra>")
        fig.add_scatter(x=x, y=_round(sub["reach_base"]), name=f"{story}, {label}", legendgroup=story,
                        line=dict(color=data.color(i), dash="dash"), row=1, col=1,
                        hovertemplate=f"%{{x}}: %{{y:.1%}}<extra>{label}</extra>")
        fig.add_scatter(x=x, y=_round(sub["reach_base"] - sub["reach"]), name=f"{story}: difference",
                        legendgroup=story, showlegend=False, line_color=data.color(i), row=1, col=2,
                        hovertemplate="%{x}: %{y:+.1%}<extra>difference</extra>")
    _marks(fig, run, 2)
    return _style(fig, "fraction who have heard it", percent=True)


def cartogram(run: data.RunData, day: int | None = None) -> go.Figure | None:
    """Reach by region on a tile map, one map per story, with a date slider."""
    frame = data.reach(run, "region")
    regions = [r for r in data.groups(frame, "region") if r != "all"]
    if not regions:
        return None
    tiles = tile_map(regions)
    chosen = run.last_day if day is None else run.day_of(day)
    days = data.sample_days(frame["day"], keep=[chosen], limit=MAX_STEPS)
    lookup = {(d, s): dict(zip(g["region"], g["reach"])) for (d, s), g in frame.groupby(["day", "story"])}
    fig = make_subplots(rows=1, cols=len(run.stories), subplot_titles=run.stories, horizontal_spacing=0.04)
    labels = tiles.labels()
    for col, story in enumerate(run.stories, start=1):
        fig.add_heatmap(z=tiles.grid(lookup.get((chosen, story), {})), text=labels, texttemplate="%{text}<br>%{z:.0%}",
                        hovertemplate="%{text}: %{z:.1%}<extra>" + story + "</extra>", zmin=0, zmax=1,
                        colorscale="YlOrRd", showscale=col == 1, xgap=3, ygap=3, row=1, col=col,
                        colorbar=dict(title="reach", tickformat=".0%"))
        fig.update_xaxes(visible=False, row=1, col=col)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=f"x{'' if col == 1 else col}", row=1, col=col)
    if tiles.off_map_row is not None:
        fig.add_annotation(text="not on the map", x=0, y=1 - tiles.off_map_row / tiles.rows, xref="paper",
                           yref="paper", showarrow=False, xanchor="left", yanchor="bottom", font_color="#555")
    steps = []
    for d in days:
        grids = [tiles.grid(lookup.get((int(d), s), {})) for s in run.stories]
        when = run.x([d])[0]
        steps.append(dict(method="update", label=_tick(run, int(d), days),
                          args=[{"z": grids}, {"title.text": f"reach on {when} (day {int(d)})"}]))
    active = int(np.searchsorted(days, chosen))
    fig.update_layout(sliders=[dict(active=active, steps=steps, currentvalue=dict(visible=False),
                                    pad=dict(t=30), len=1.0, x=0, font_size=10)],
                      title_text=f"reach on {run.x([chosen])[0]} (day {chosen})")
    return _style(fig, None, height=160 + 90 * tiles.rows, legend=False)


def _tick(run: data.RunData, day: int, days: np.ndarray) -> str:
    """Label a slider step only where a month starts ("Oct 2024", "Nov", ...; the
    year at the first and in January), or every tenth step without dates, so
    labels never overlap."""
    i = int(np.searchsorted(days, day))
    if run.start is None:
        return str(day) if i % 10 == 0 else ""
    when = run.start + dt.timedelta(days=day)
    if i > 0 and (run.start + dt.timedelta(days=int(days[i - 1]))).month == when.month:
        return ""
    return when.strftime("%b %Y") if (i == 0 or when.month == 1) else when.strftime("%b")


def _thinned(run: data.RunData, frame):
    days = data.sample_days(frame["day"], keep=data.marks(run))
    return data.thin(frame, days), days


def _round(values) -> list:
    return np.round(np.asarray(values, dtype=float), 5).tolist()


def _marks(fig: go.Figure, run: data.RunData, panels: int) -> None:
    """Dotted vertical lines at the key dates and events, labelled on every panel."""
    for day, labels in data.marks(run).items():
        x = run.x([day])[0]
        text = "; ".join(labels)
        for k in range(1, panels + 1):
            suffix = "" if k == 1 else str(k)
            fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, xref=f"x{suffix}", yref=f"y{suffix} domain",
                          line=_MARK)
            fig.add_annotation(x=x, y=1, xref=f"x{suffix}", yref=f"y{suffix} domain", text=text[:60],
                               textangle=-90, showarrow=False, xanchor="right", yanchor="top",
                               font=dict(size=9, color="#555"))


def _style(fig: go.Figure, ytitle: str | None, percent: bool = False, height: int = 380,
           legend: bool = True) -> go.Figure:
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=60, r=20, t=50, b=40),
                      showlegend=legend, hovermode="closest")
    if ytitle:
        fig.update_layout(yaxis_title_text=ytitle)
    if percent:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig
