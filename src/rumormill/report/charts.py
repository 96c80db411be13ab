"""The report's interactive charts, as Plotly figure specs (plain dicts).

One function per chart, each taking a loaded run and returning a figure, or
None when the run has nothing to show for it (no detentions, no baseline),
so the page leaves that section out instead of drawing an empty chart.
Long runs are thinned to ``data.MAX_POINTS`` days, keeping the marked days.

Figures are plain ``{"data": [...], "layout": {...}}`` dicts in plotly.js's
own schema rather than ``plotly.graph_objects``: the objects validate every
property on every assignment, which made a report take seconds; the dicts
take milliseconds and plotly.js reads the same JSON.
"""

from __future__ import annotations

import numpy as np

from . import data
from .cartogram import map_inputs

#: most dates the map's slider steps through
MAX_STEPS = 120
_MARK = {"color": "#777", "width": 1, "dash": "dot"}


class Chart:
    """A grid of panels: axes laid out as plotly.js wants them, traces added by panel."""

    def __init__(self, rows: int = 1, cols: int = 1, titles=(), share_x: bool = False, share_y: bool = False,
                 height: int = 380):
        from plotly.io import templates

        self.rows, self.cols, self.data, self.titles = rows, cols, [], []
        self.layout = {"template": templates["plotly_white"].to_plotly_json(), "height": height,
                       "margin": {"l": 60, "r": 20, "t": 50, "b": 40}, "hovermode": "closest",
                       "annotations": [], "shapes": []}
        hgap, vgap = (0.06 if share_y else 0.09), 0.12
        width, tall = (1 - hgap * (cols - 1)) / cols, (1 - vgap * (rows - 1)) / rows
        for r in range(rows):
            for c in range(cols):
                x, y = self.axes(r + 1, c + 1)
                x0, top = c * (width + hgap), 1 - r * (tall + vgap)
                xaxis = {"domain": [x0, x0 + width], "anchor": y}
                yaxis = {"domain": [top - tall, top], "anchor": x}
                if share_x and r < rows - 1:
                    xaxis.update(matches=self.axes(rows, c + 1)[0], showticklabels=False)
                if share_y and c > 0:
                    yaxis.update(matches=self.axes(r + 1, 1)[1], showticklabels=False)
                self.layout["xaxis" + x[1:]], self.layout["yaxis" + y[1:]] = xaxis, yaxis
                k = r * cols + c
                if k < len(titles):
                    self.layout["annotations"].append(
                        {"text": titles[k], "x": x0 + width / 2, "y": top, "xref": "paper", "yref": "paper",
                         "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 14}})
                    self.titles.append(self.layout["annotations"][-1])
        #: panel (x axis, y axis) -> what it says when it has nothing to show
        self.empty_text: dict[tuple[str, str], str] = {}

    def axes(self, row: int, col: int) -> tuple[str, str]:
        k = (row - 1) * self.cols + col
        return ("x", "y") if k == 1 else (f"x{k}", f"y{k}")

    def add(self, trace: dict, row: int = 1, col: int = 1) -> None:
        x, y = self.axes(row, col)
        self.data.append({"xaxis": x, "yaxis": y, **trace})

    def line(self, x, y, name: str, color: str, row: int = 1, col: int = 1, **extra) -> None:
        self.add({"type": "scatter", "mode": "lines", "x": list(x), "y": list(y), "name": name,
                  "line": {"color": color, **extra.pop("line", {})}, **extra}, row, col)

    def marks(self, run: data.RunData, rows=None) -> None:
        """Dotted vertical lines at the key dates and events, numbered above every panel (of ``rows``,
        default all) as the page's key-date list numbers them; the whole label on hover, none over the data."""
        items = [(n, run.x([day])[0], f"{run.x([day])[0]}: {text}", day) for n, day, text in data.numbered(run)]
        numbered_marks(self, items, max(run.last_day, 1), rows)

    def finish(self, ytitle: str | None = None, percent: bool = False, legend: bool = True) -> dict:
        """The figure as plotly.js reads it. A panel whose every value is zero (or missing) draws no flat
        line: its axes go and it says "none" (``empty_text``) instead."""
        self.layout["showlegend"] = legend
        for key, axis in self.layout.items():
            if key.startswith("yaxis"):
                if percent:
                    axis.update(tickformat=".0%", rangemode="tozero")
                if ytitle and key == "yaxis":
                    axis["title"] = {"text": ytitle}
        for r in range(1, self.rows + 1):
            for c in range(1, self.cols + 1):
                self._blank_if_empty(*self.axes(r, c))
        return {"data": self.data, "layout": self.layout}

    def _blank_if_empty(self, x: str, y: str) -> None:
        traces = [t for t in self.data if t.get("xaxis") == x and t.get("yaxis") == y]
        if not traces or not all(_all_zero(t) for t in traces):
            return
        self.data = [t for t in self.data if not any(t is u for u in traces)]
        for gone in traces:  # its legend entry moves to a trace of the same name left in another panel
            if gone.get("showlegend", True):
                same = [t for t in self.data if t.get("name") == gone.get("name")
                        and t.get("legend") == gone.get("legend")]
                if same and not any(t.get("showlegend", True) for t in same):
                    same[0]["showlegend"] = True
        xa, ya = "xaxis" + x[1:], "yaxis" + y[1:]
        self.layout["annotations"] = [a for a in self.layout["annotations"] if a.get("xref") != x]
        self.layout["shapes"] = [s for s in self.layout["shapes"] if s.get("xref") != x]
        if not any(a.get("matches") == x for a in self.layout.values() if isinstance(a, dict)):
            self.layout[xa]["visible"] = False
        self.layout[ya]["visible"] = False
        self.layout["annotations"].append(
            {"text": self.empty_text.get((x, y), "none"), "x": 0.5, "y": 0.5, "xref": f"{x} domain",
             "yref": f"{y} domain", "showarrow": False, "font": {"size": 13, "color": "#777"}})


def _all_zero(trace: dict) -> bool:
    """Whether a line's values are all zero or missing (a heatmap or a category strip never is)."""
    if trace.get("type") not in (None, "scatter"):
        return False
    values = trace.get("y") or []
    try:
        return all(v is None or v != v or float(v) == 0 for v in values)
    except (TypeError, ValueError):
        return False


def stagger(days, span: float, close: float = 1 / 28) -> list[int]:
    """A level (0 or 1) for each of the sorted ``days`` so that numbers closer
    than ``close`` of the ``span`` sit one above the other, not on top of each other."""
    levels, last = [], None
    for day in days:
        near = last is not None and (day - last) < close * span
        levels.append((1 - levels[-1]) if near and levels else 0)
        last = day
    return levels


#: how far each stagger level lifts a key date's number, in pixels
LEVEL_PX = 12


def numbered_marks(chart: "Chart", items, span: float, rows=None) -> None:
    """``items``: (number, x, hover text, day) of each key date, in date order.
    A dotted line at each, on every panel of ``rows`` (default all), its
    number above the panel (staggered where two are close), its whole
    label on hover; the panel titles move up above the numbers."""
    levels = stagger([day for *_, day in items], span)
    for (n, x, text, _), level in zip(items, levels):
        for r in rows or range(1, chart.rows + 1):
            for c in range(1, chart.cols + 1):
                xa, ya = chart.axes(r, c)
                chart.layout["shapes"].append({"type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1, "xref": xa,
                                               "yref": f"{ya} domain", "line": _MARK})
                chart.layout["annotations"].append(
                    {"x": x, "y": 1, "xref": xa, "yref": f"{ya} domain", "text": str(n), "showarrow": False,
                     "xanchor": "center", "yanchor": "bottom", "yshift": LEVEL_PX * level,
                     "font": {"size": 10, "color": "#555"}, "hovertext": f"{n}. {text}"})
    lift = 16 + LEVEL_PX * max(levels, default=0)
    for title in chart.titles:
        title["yshift"] = lift
    # titles sit under plotly's toolbar (the top 30 px), the numbers under the titles
    chart.layout["margin"]["t"] = max(chart.layout["margin"]["t"], lift + 56 if chart.titles else lift + 24)


def legend_height(entries: int, base: int = 380) -> int:
    """A chart tall enough that its legend shows every entry without scrolling."""
    return max(base, 160 + 26 * entries)


#: height of one step of the chain of command's timeline, in pixels
STEP_PX = 22
#: marker colour of each kind of step on the timeline
STEP_COLORS = {"report": "#d62728", "stage": "#555555", "order": "#1f77b4", "measure-start": "#2ca02c"}


def reach(run: data.RunData) -> dict:
    """Reach over time, one line per story; below it, on the same dates, the
    chain of command as a timeline strip (when the run has one)."""
    frame = _thinned(run, data.reach(run))
    steps = data.chain(run)
    rows = 2 if len(steps) else 1
    chart = Chart(rows, 1, share_x=True, height=380 + STEP_PX * len(steps))
    for i, story in enumerate(run.stories):
        part = frame[frame["story"] == story]
        chart.line(run.x_rows(part["day"]), _round(part["reach"]), run.name(story), data.color(i),
                   hovertemplate="%{x}: %{y:.1%}")
    chart.marks(run, rows=[1])
    if rows == 2:
        _timeline(chart, run, steps)
    out = chart.finish("fraction who have heard it", percent=False)
    out["layout"]["yaxis"].update(tickformat=".0%", rangemode="tozero")
    return out


def _timeline(chart: Chart, run: data.RunData, steps) -> None:
    """The run's chain of command under its reach curves."""
    timeline(chart, steps, run.x(steps["day"]), [run.x_rows([0])[0], run.x_rows([run.last_day])[0]])


def timeline(chart: Chart, steps, x: list, x_range: list, spans: list | None = None) -> None:
    """The chain of command in the second row of a one-column ``chart``: one
    line of the y axis per step (``steps``: ``kind, label, detail``), named
    whole in the axis's own margin (so no label lies over a marker), first at
    the top, each marker at ``x``. ``spans``: per step, the (from, to) of a
    spread drawn as a grey bar behind its marker (an ensemble's 5–95%)."""
    strip = STEP_PX * len(steps) / (chart.layout["height"] - 90)
    chart.layout["yaxis"]["domain"] = [strip + 0.08, 1]
    names = _unique(steps["label"])
    chart.layout["yaxis2"].update(domain=[0, strip], type="category", categoryorder="array", categoryarray=names,
                                  autorange="reversed", automargin=True, showgrid=True, tickfont={"size": 11},
                                  fixedrange=True)
    chart.layout["xaxis2"]["range"] = list(x_range)
    chart.layout["annotations"].append(
        {"text": "chain of command", "x": 0, "y": strip, "xref": "paper", "yref": "paper", "xanchor": "left",
         "yanchor": "bottom", "showarrow": False, "font": {"size": 12, "color": "#555"}})
    if spans is not None:
        xs = [v for lo, hi in spans for v in (lo, hi, None)]
        ys = [v for name in names for v in (name, name, None)]
        chart.add({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "showlegend": False, "hoverinfo": "skip",
                   "line": {"color": "rgba(85,85,85,0.3)", "width": 8}}, row=2)
    chart.add({"type": "scatter", "mode": "lines", "x": list(x), "y": names, "showlegend": False,
               "hoverinfo": "skip", "line": {"color": "#bbb", "width": 1}}, row=2)
    chart.add({"type": "scatter", "mode": "markers", "x": list(x), "y": names, "showlegend": False,
               "customdata": steps["detail"].tolist(), "hovertemplate": "%{x}: %{customdata}<extra>%{y}</extra>",
               "marker": {"size": 9, "color": [STEP_COLORS[k] for k in steps["kind"]]}}, row=2)


def _unique(labels) -> list[str]:
    """Labels made distinct (a category axis merges equal ones): the second ``x`` becomes ``x (2)``."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def reach_by(run: data.RunData, by: str) -> dict | None:
    """Reach over time by ``agent_group`` or ``region``, one panel per story."""
    frame = _thinned(run, data.reach(run, by))
    names = data.groups(frame, by)
    if len(names) < 2:
        return None
    chart = Chart(1, len(run.stories), [run.name(s) for s in run.stories], share_y=True,
                  height=legend_height(len(names)))
    for col, story in enumerate(run.stories, start=1):
        part = frame[frame["story"] == story]
        for i, name in enumerate(names):
            sub, shown = part[part[by] == name], run.name(name)
            chart.line(run.x_rows(sub["day"]), _round(sub["reach"]), shown, data.color(i), col=col, legendgroup=name,
                       showlegend=col == 1,
                       hovertemplate=f"{shown}<br>%{{x}}: %{{y:.1%}}<extra>{run.name(story)}</extra>")
    chart.marks(run)
    return chart.finish("fraction who have heard it", percent=True)


def channels(run: data.RunData) -> dict | None:
    """Tellings carried by each layer per day (and meetings intercepted), per story."""
    rows = [(value, data.per_layer(getattr(run, value), value)) for value in ("tellings", "intercepts")]
    rows = [(value, frame) for value, frame in rows if len(frame) and frame[value].sum() > 0]
    if not rows:
        return None
    titles = [f"{run.name(story)}: {value}" for value, _ in rows for story in run.stories]
    layers = run.meta["layers"]
    chart = Chart(len(rows), len(run.stories), titles, share_x=True,
                  height=max(320 * len(rows), legend_height(len(layers))))
    for r, (value, frame) in enumerate(rows, start=1):
        frame = _thinned(run, frame)
        for col, story in enumerate(run.stories, start=1):
            part = frame[frame["story"] == story]
            chart.empty_text[chart.axes(r, col)] = f"no {value}"
            for i, layer in enumerate(layers):
                sub, shown = part[part["layer"] == layer], run.name(layer)
                chart.line(run.x_rows(sub["day"]), sub[value].tolist(), shown, data.color(i), r, col, legendgroup=layer,
                           showlegend=(r == 1 and col == 1),
                           hovertemplate=f"{shown}<br>%{{x}}: %{{y}}<extra>{value}</extra>")
    chart.marks(run)
    return chart.finish("per day")


#: colour of letters written, delivered and caught
LETTER_COLORS = {"written": "#1f77b4", "delivered": "#2ca02c", "caught": "#d62728"}
#: line style of each delayed layer, by position (most runs have one)
LAYER_DASH = ["solid", "dash", "dot", "dashdot"]


def letters(run: data.RunData) -> dict | None:
    """Letters written, delivered and caught per day on the delayed layers, one panel per story."""
    frame = data.letters(run)
    if frame.empty or frame[["written", "delivered", "caught"]].to_numpy().sum() == 0:
        return None
    frame = _thinned(run, frame)
    layers = data.groups(frame, "layer")
    chart = Chart(1, len(run.stories), [run.name(s) for s in run.stories], share_y=True)
    for col, story in enumerate(run.stories, start=1):
        part = frame[frame["story"] == story]
        chart.empty_text[chart.axes(1, col)] = "no letters"
        for k, layer in enumerate(layers):
            sub = part[part["layer"] == layer]
            for what, colour in LETTER_COLORS.items():
                name = what if len(layers) == 1 else f"{run.name(layer)}: {what}"
                chart.line(run.x_rows(sub["day"]), sub[what].tolist(), name, colour, col=col, legendgroup=name,
                           showlegend=col == 1, line={"dash": LAYER_DASH[k % len(LAYER_DASH)], "width": 1.5},
                           hovertemplate=f"{name}<br>%{{x}}: %{{y}}<extra>{run.name(story)}</extra>")
    chart.marks(run)
    return chart.finish("letters per day")


#: smallest height of a panel of the detentions chart, and the height of one legend entry, in pixels
PANEL_PX, ENTRY_PX = 220, 24


def detentions(run: data.RunData) -> dict | None:
    """Cumulative detentions by group (above) and by region (below), each with
    its own legend beside it and colours distinct across both; the jumps a
    check explains (``data.caused_steps``) are labelled where they happen."""
    if run.detained.empty or run.detained["detained"].sum() == 0:
        return None
    frames = {by: data.detentions(run, by) for by in ("agent_group", "region")}
    names = {by: data.groups(frame, by) for by, frame in frames.items()}
    steps = data.caused_steps(run)
    keep = list(data.marks(run)) + steps["row"].tolist()
    tall = [max(PANEL_PX, ENTRY_PX * (len(names[by]) + 1) + 20) for by in frames]
    gap = 50
    plot = sum(tall) + gap
    chart = Chart(2, 1, share_x=True, height=plot + 90)
    chart.layout["yaxis"]["domain"] = [1 - tall[0] / plot, 1]
    chart.layout["yaxis2"]["domain"] = [0, tall[1] / plot]
    offset = 0
    for row, (by, frame) in enumerate(frames.items(), start=1):
        frame = data.thin(frame, data.sample_days(frame["day"], keep=keep))
        legend = "legend" if row == 1 else "legend2"
        for i, name in enumerate(names[by]):
            sub, shown = frame[frame[by] == name], run.name(name)
            chart.line(run.x_rows(sub["day"]), sub["detained"].tolist(), shown, data.color(offset + i), row=row,
                       legend=legend, legendgroup=by, hovertemplate=f"{shown}<br>%{{x}}: %{{y:,}}<extra></extra>")
        offset += len(names[by])
        chart.layout["yaxis" + ("" if row == 1 else "2")]["title"] = {"text": f"detained by {by.removeprefix('agent_')}"}
        top = chart.layout["yaxis" + ("" if row == 1 else "2")]["domain"][1]
        chart.layout[legend] = {"y": top, "yanchor": "top", "x": 1.02, "xanchor": "left",
                                "title": {"text": by.removeprefix("agent_")}}
    chart.marks(run)
    _steps(chart, run, frames["agent_group"], steps)
    return chart.finish()


def _steps(chart: Chart, run: data.RunData, frame, steps) -> None:
    """A short label with an arrow at each jump a check explains, on the curve of the group it added most to."""
    for step in steps.itertuples():
        now = frame[frame["day"] == step.row].set_index("agent_group")["detained"]
        before = frame[frame["day"] == step.row - 1].set_index("agent_group")["detained"].reindex(now.index,
                                                                                                   fill_value=0)
        if now.empty:
            continue
        group = (now - before).idxmax()
        chart.layout["annotations"].append(
            {"x": run.x_rows([step.row])[0], "y": float(now[group]), "xref": "x", "yref": "y", "text": step.label,
             "showarrow": True, "arrowhead": 2, "arrowsize": 0.8, "arrowcolor": "#444", "ax": -46, "ay": -28,
             "font": {"size": 10, "color": "#222"}, "bgcolor": "rgba(255,255,255,0.85)",
             "hovertext": f"{run.x([step.day])[0]}: {step.label} (+{step.detained:,} detained by the next day, "
                          "everyone)"})


def compare(run: data.RunData) -> dict | None:
    """The run with every measure (solid) beside its baseline without some
    (dashed), and their difference, with − without, in percentage points."""
    if run.baseline is None:
        return None
    from .headline import compare_labels

    with_, without = compare_labels(run)
    both = data.reach(run).merge(data.reach(run.baseline), on=["day", "story"], suffixes=("", "_base"))
    both = _thinned(run, both)
    chart = Chart(1, 2, [f"reach {with_} (solid) and {without} (dashed)", "difference: with − without"])
    chart.empty_text[chart.axes(1, 2)] = "no difference on any day"
    for i, story in enumerate(run.stories):
        sub, shown = both[both["story"] == story], run.name(story)
        x, colour = run.x_rows(sub["day"]), data.color(i)
        chart.line(x, _round(sub["reach"]), f"{shown}: {with_}", colour, legendgroup=story, line={"width": 2.6},
                   hovertemplate=f"%{{x}}: %{{y:.1%}}<extra>{with_}</extra>")
        chart.line(x, _round(sub["reach_base"]), f"{shown}: {without}", colour, legendgroup=story,
                   line={"dash": "dash", "width": 1.4}, hovertemplate=f"%{{x}}: %{{y:.1%}}<extra>{without}</extra>")
        chart.line(x, _round(100 * (sub["reach"] - sub["reach_base"])), f"{shown}: with − without", colour, col=2,
                   legendgroup=story, showlegend=False, line={"width": 2},
                   hovertemplate="%{x}: %{y:+.2f} pp<extra>with − without</extra>")
    chart.marks(run)
    fig = chart.finish("fraction who have heard it")
    fig["layout"]["yaxis"].update(tickformat=".0%", rangemode="tozero")
    fig["layout"]["yaxis2"].update(title={"text": "with − without (percentage points)"}, ticksuffix=" pp",
                                   zeroline=True, zerolinecolor="#444", zerolinewidth=1)
    fig["layout"]["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.16, "yanchor": "top"}
    fig["layout"]["margin"]["b"] = 40 + 24 * len(run.stories)
    return fig


def cartogram(run: data.RunData, day=None) -> dict | None:
    """Reach by region on a tile map, one map per story, with a date slider
    starting on ``day`` (by default the question's date, ``data.question``)."""
    inputs = map_inputs(run, day)
    if inputs is None:
        return None
    frame, tiles, chosen = inputs
    days = data.sample_days(frame["day"], keep=[chosen] + [d for _, d in data.key_dates(run)], limit=MAX_STEPS)
    lookup = {(d, s): dict(zip(g["region"], g["reach"])) for (d, s), g in frame.groupby(["day", "story"], sort=False)}
    chart = Chart(1, len(run.stories), [run.name(s) for s in run.stories], height=160 + 90 * tiles.rows)
    labels = [[run.name(t) if t else "" for t in row] for row in tiles.labels()]
    for col, story in enumerate(run.stories, start=1):
        chart.add({"type": "heatmap", "z": tiles.grid(lookup.get((chosen, story), {})), "text": labels,
                   "texttemplate": "%{text}<br>%{z:.0%}", "hovertemplate": "%{text}: %{z:.1%}<extra>"
                   + run.name(story) + "</extra>", "zmin": 0, "zmax": 1, "colorscale": "YlOrRd",
                   "reversescale": True,  # plotly's YlOrRd runs red to yellow
                   "showscale": col == 1,
                   "xgap": 3, "ygap": 3, "colorbar": {"title": {"text": "reach"}, "tickformat": ".0%"}}, col=col)
    tile_axes(chart, tiles, len(run.stories))
    steps = []
    for d in days:
        grids = [tiles.grid(lookup.get((int(d), s), {})) for s in run.stories]
        steps.append({"method": "update", "label": str(run.x_rows([d])[0]),
                      "args": [{"z": grids}, {"title.text": _map_title(run, int(d))}]})
    chart.layout.update(
        sliders=[{"active": int(np.searchsorted(days, chosen)), "steps": steps, "currentvalue": {"prefix": "date: " if run.start else "day: "},
                  "pad": {"t": 30}, "len": 1.0, "x": 0, "font": {"size": 10}}],
        title={"text": _map_title(run, chosen)})
    return chart.finish(legend=False)


def small_maps(tiles, stories: list[str], titles: list[str], panels, scale: str = "reach") -> dict:
    """Tile maps side by side: one row per story, one column per date
    (``titles``); ``panels[r][c]`` is that map's (values grid, hover grid).
    How the news spread across the map at a glance, where a slider shows
    one date at a time."""
    chart = Chart(len(stories), len(titles), titles * len(stories),
                  height=110 + len(stories) * (40 + 34 * tiles.rows))
    for note in chart.layout["annotations"]:
        note["font"] = {"size": 10}
    for r, (story, row) in enumerate(zip(stories, panels), start=1):
        for c, (z, hover) in enumerate(row, start=1):
            chart.add({"type": "heatmap", "z": z, "hovertext": hover,
                       "hovertemplate": "%{hovertext}<extra>" + story + "</extra>", "zmin": 0, "zmax": 1,
                       "colorscale": "YlOrRd", "reversescale": True, "showscale": r == 1 and c == 1,
                       "xgap": 2, "ygap": 2, "colorbar": {"title": {"text": scale}, "tickformat": ".0%"}},
                      row=r, col=c)
            x, y = chart.axes(r, c)
            chart.layout["xaxis" + x[1:]]["visible"] = False
            chart.layout["yaxis" + y[1:]].update(visible=False, autorange="reversed", scaleanchor=x)
        chart.layout["yaxis" + chart.axes(r, 1)[1][1:]].update(visible=True, showticklabels=False, showgrid=False,
                                                                 zeroline=False, title={"text": story})
    return chart.finish(legend=False)


def key_date_maps(run: data.RunData) -> dict | None:
    """Reach by region at the end of each key date side by side, one row per
    story (``small_maps``). None with fewer than two key dates in the run."""
    inputs = map_inputs(run)
    dates = data.key_dates(run)
    if inputs is None or len(dates) < 2:
        return None
    frame, tiles, _ = inputs
    names = [[run.name(t) if t else "" for t in row] for row in tiles.labels()]
    panels = []
    for story in run.stories:
        row = []
        for _, day in dates:
            part = frame[(frame["day"] == day) & (frame["story"] == story)]
            reach = dict(zip(part["region"], part["reach"]))
            row.append((tiles.grid(reach), [[f"{n}: {reach[t]:.1%}" if t in reach else "" for n, t in zip(nr, tr)]
                                            for nr, tr in zip(names, tiles.labels())]))
        panels.append(row)
    return small_maps(tiles, [run.name(s) for s in run.stories],
                      [f"{run.x_rows([day])[0]}<br>{label}" for label, day in dates], panels)


def tile_axes(chart: Chart, tiles, panels: int) -> None:
    """A tile map's panels: no axes, square tiles, north up, and the off-map row labelled."""
    for col in range(1, panels + 1):
        x, y = chart.axes(1, col)
        chart.layout["xaxis" + x[1:]]["visible"] = False
        chart.layout["yaxis" + y[1:]].update(visible=False, autorange="reversed", scaleanchor=x)
    if tiles.off_map_row is not None:
        chart.layout["annotations"].append(
            {"text": "not on the map", "x": 0, "y": 1 - tiles.off_map_row / tiles.rows, "xref": "paper",
             "yref": "paper", "showarrow": False, "xanchor": "left", "yanchor": "bottom", "font": {"color": "#555"}})


def _map_title(run: data.RunData, day: int) -> str:
    named = [label for label, d in data.key_dates(run) if d == day]
    return f"reach on {run.x_rows([day])[0]} ({'; '.join(named + [f'day {day}'])})"


def _thinned(run: data.RunData, frame):
    # a marked day's effect shows in the row holding its end
    return data.thin(frame, data.sample_days(frame["day"], keep=[d + 1 for d in data.marks(run)]))


def _round(values) -> list:
    return np.round(np.asarray(values, dtype=float), 5).tolist()
