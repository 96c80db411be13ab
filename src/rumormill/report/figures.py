"""The report's figures as PNG files, for papers: the same data as the page,
drawn with matplotlib.

Figures are built as ``matplotlib.figure.Figure`` objects, never through
pyplot, so drawing changes no global state, needs no display and leaks no
open figures. Each function returns a Figure, or None when the run has
nothing to show (the page leaves the same sections out).
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .. import dates
from . import data
from .cartogram import map_inputs
from .charts import LETTER_COLORS, STEP_COLORS

#: line style of each delayed layer, by position (as the page's dashes)
_DASH = ["-", "--", ":", "-."]


def reach(run: data.RunData) -> Figure:
    """Reach per story; below it, on the same dates, the chain of command (when the run has one)."""
    steps = data.chain(run)
    strip = 0.22 * len(steps)
    fig = Figure(figsize=(7, 3.8 + strip + (0.4 if len(steps) else 0)), layout="constrained")
    if len(steps):
        ax, low = fig.subplots(2, 1, sharex=True, height_ratios=[3.8, strip + 0.4])
    else:
        ax, low = fig.subplots(), None
    frame = data.reach(run)
    for i, story in enumerate(run.stories):
        part = frame[frame["story"] == story]
        ax.plot(_x(run, part["day"]), part["reach"], label=run.name(story), color=data.color(i))
    _finish(ax, run, "fraction who have heard it", percent=True)
    if low is not None:
        ax.set_xlabel("")  # the strip below carries the dates
        _timeline(low, run, steps)
    footnote(fig, run)
    return fig


def _timeline(ax, run: data.RunData, steps) -> None:
    """One row per step of the chain, named whole on the y axis, first at the top."""
    steps_strip(ax, _x_days(run, steps["day"]), steps, "chain of command")
    ax.set_xlabel("date" if run.start else "day")
    ax.set_xlim(_x(run, [0])[0], _x(run, [run.last_day])[0])


def steps_strip(ax, x, steps, title: str, spans=None) -> None:
    """The chain's steps at ``x``, one row each, first at the top; ``spans``
    (from, to) draws a bar across each (an ensemble's 5% to 95% dates)."""
    rows = np.arange(len(steps))
    if spans is not None:
        ax.hlines(rows, spans[0], spans[1], color="#555", alpha=0.3, lw=6)
    ax.plot(x, rows, color="#bbb", lw=0.8)
    ax.scatter(x, rows, s=22, zorder=3, color=[STEP_COLORS[k] for k in steps["kind"]])
    ax.set_yticks(rows, steps["label"].tolist(), fontsize=7)
    ax.set_ylim(len(steps) - 0.5, -0.5)
    ax.grid(axis="y", color="#eee", lw=0.6)
    ax.set_title(title, loc="left", fontsize=8, color="#555")


def letters(run: data.RunData) -> Figure | None:
    """Letters written, delivered and caught per day on the delayed layers, one panel per story."""
    frame = data.letters(run)
    if frame.empty or frame[["written", "delivered", "caught"]].to_numpy().sum() == 0:
        return None
    layers = data.groups(frame, "layer")
    fig = Figure(figsize=(5.5 * len(run.stories), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(run.stories), sharey=True))
    handles = {}
    for ax, story in zip(axes, run.stories):
        part = frame[frame["story"] == story]
        for k, layer in enumerate(layers):
            sub = part[part["layer"] == layer]
            for what, colour in LETTER_COLORS.items():
                name = what if len(layers) == 1 else f"{run.name(layer)}: {what}"
                handles[name], = ax.plot(_x(run, sub["day"]), sub[what], color=colour, lw=1.2,
                                         ls=_DASH[k % len(_DASH)], label=name)
        ax.set_title(run.name(story), pad=16)
        _panel(ax, run, "letters per day" if ax is axes[0] else None, empty="no letters")
    fig.legend(list(handles.values()), list(handles), loc="outside right upper", frameon=False, fontsize=8)
    footnote(fig, run)
    return fig


def reach_by(run: data.RunData, by: str) -> Figure | None:
    frame = data.reach(run, by)
    names = data.groups(frame, by)
    if len(names) < 2:
        return None
    fig = Figure(figsize=(5.5 * len(run.stories), max(4, 0.22 * len(names) + 1.5)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(run.stories), sharey=True))
    handles = {}
    for ax, story in zip(axes, run.stories):
        part = frame[frame["story"] == story]
        for i, name in enumerate(names):
            sub = part[part[by] == name]
            handles[run.name(name)], = ax.plot(_x(run, sub["day"]), sub["reach"], label=run.name(name),
                                               color=data.color(i), lw=1.2)
        ax.set_title(run.name(story), pad=16)
        _panel(ax, run, "fraction who have heard it" if ax is axes[0] else None, percent=True)
    fig.legend(list(handles.values()), list(handles), loc="outside right upper", frameon=False, fontsize=8)
    footnote(fig, run)
    return fig


def channels(run: data.RunData) -> Figure | None:
    rows = [(v, data.per_layer(getattr(run, v), v)) for v in ("tellings", "intercepts")]
    rows = [(v, f) for v, f in rows if len(f) and f[v].sum() > 0]
    if not rows:
        return None
    fig = Figure(figsize=(5.5 * len(run.stories), 3.2 * len(rows)), layout="constrained")
    axes = np.asarray(fig.subplots(len(rows), len(run.stories), sharex=True, squeeze=False))
    handles = {}
    for r, (value, frame) in enumerate(rows):
        for c, story in enumerate(run.stories):
            ax, part = axes[r, c], frame[frame["story"] == story]
            for i, layer in enumerate(run.meta["layers"]):
                sub = part[part["layer"] == layer]
                handles[run.name(layer)], = ax.plot(_x(run, sub["day"]), sub[value], label=run.name(layer),
                                                    color=data.color(i), lw=1.2)
            ax.set_title(f"{run.name(story)}: {value}", pad=16)
            _panel(ax, run, "per day" if c == 0 else None, empty=f"no {value}")
            if r < len(rows) - 1:
                ax.set_xlabel("")
    fig.legend(list(handles.values()), list(handles), loc="outside right upper", frameon=False, fontsize=8)
    footnote(fig, run)
    return fig


def detentions(run: data.RunData) -> Figure | None:
    """By group (above) and by region (below), each with its own legend, colours distinct across both;
    the jumps a check explains labelled where they happen."""
    if run.detained.empty or run.detained["detained"].sum() == 0:
        return None
    frames = {by: data.detentions(run, by) for by in ("agent_group", "region")}
    sizes = [len(data.groups(f, by)) for by, f in frames.items()]
    fig = Figure(figsize=(9, max(2.6, 0.2 * sizes[0] + 1) + max(2.6, 0.2 * sizes[1] + 1) + 0.6), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True, height_ratios=[max(2.6, 0.2 * n + 1) for n in sizes])
    offset = 0
    for ax, (by, frame) in zip(axes, frames.items()):
        names = data.groups(frame, by)
        for i, name in enumerate(names):
            sub = frame[frame[by] == name]
            ax.plot(_x(run, sub["day"]), sub["detained"], label=run.name(name), color=data.color(offset + i), lw=1.2)
        offset += len(names)
        _panel(ax, run, f"detained by {by.removeprefix('agent_')}")
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                  title=by.removeprefix("agent_"), title_fontsize=8)
    axes[0].set_xlabel("")
    group = frames["agent_group"]
    for step in data.caused_steps(run).itertuples():
        now = group[group["day"] == step.row].set_index("agent_group")["detained"]
        before = group[group["day"] == step.row - 1].set_index("agent_group")["detained"].reindex(now.index,
                                                                                                   fill_value=0)
        if len(now):
            who = (now - before).idxmax()
            axes[0].annotate(step.label, (_x(run, [step.row])[0], now[who]), xytext=(-40, 14),
                             textcoords="offset points", ha="right", fontsize=7,
                             arrowprops={"arrowstyle": "->", "color": "#444", "lw": 0.8},
                             bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    footnote(fig, run)
    return fig


def compare(run: data.RunData) -> Figure | None:
    """With every measure (solid) and without some (dashed); their difference, with − without, in points."""
    if run.baseline is None:
        return None
    from .headline import compare_labels

    with_, without = compare_labels(run)
    both = data.reach(run).merge(data.reach(run.baseline), on=["day", "story"], suffixes=("", "_base"))
    fig = Figure(figsize=(14, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    for i, story in enumerate(run.stories):
        sub = both[both["story"] == story]
        x = _x(run, sub["day"])
        left.plot(x, sub["reach"], color=data.color(i), lw=2.2, label=f"{run.name(story)}: {with_}")
        left.plot(x, sub["reach_base"], color=data.color(i), lw=1.2, ls="--", label=f"{run.name(story)}: {without}")
        right.plot(x, 100 * (sub["reach"] - sub["reach_base"]), color=data.color(i), lw=1.6, label=run.name(story))
    left.set_title(f"reach {with_} (solid) and {without} (dashed)", fontsize=9, pad=16)
    right.set_title("difference: with − without", fontsize=9, pad=16)
    _panel(left, run, "fraction who have heard it", percent=True, legend=False)
    _panel(right, run, "with − without (percentage points)", points=True, empty="no difference on any day",
           legend=False)
    fig.legend(*left.get_legend_handles_labels(), loc="outside right upper", frameon=False, fontsize=8)
    footnote(fig, run)
    return fig


def cartogram(run: data.RunData, day: int | None = None) -> Figure | None:
    inputs = map_inputs(run, day)
    if inputs is None:
        return None
    frame, tiles, chosen = inputs
    fig = Figure(figsize=(3.2 * len(run.stories) + 1, 0.9 * tiles.rows + 1.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(run.stories)))
    labels = [[run.name(t) if t else "" for t in row] for row in tiles.labels()]
    for ax, story in zip(axes, run.stories):
        part = frame[(frame["day"] == chosen) & (frame["story"] == story)]
        grid = np.array(tiles.grid(dict(zip(part["region"], part["reach"]))), dtype=float)
        image = ax.pcolormesh(np.ma.masked_invalid(grid), cmap="YlOrRd", vmin=0, vmax=1, edgecolors="white",
                              linewidth=3)
        for (r, c), value in np.ndenumerate(grid):
            if labels[r][c]:
                ax.text(c + 0.5, r + 0.5, labels[r][c].replace(" ", "\n", 1) + f"\n{value:.0%}", ha="center",
                        va="center", fontsize=7, color="white" if value > 0.6 else "black")
        tile_axis(ax, tiles, run.name(story))
    fig.colorbar(image, ax=list(axes), format=PercentFormatter(1.0), shrink=0.8, label="reach")
    named = [label for label, d in data.key_dates(run) if d == chosen]
    fig.suptitle(f"reach on {run.x_rows([chosen])[0]} ({'; '.join(named + [f'day {chosen}'])})")
    return fig


def tile_axis(ax, tiles, title: str) -> None:
    """A tile map's panel: no axes, square tiles, north up, and the off-map row labelled."""
    if tiles.off_map_row is not None:
        ax.text(0, tiles.off_map_row - 0.1, "not on the map", fontsize=7, color="#555", va="bottom")
    ax.set_ylim(tiles.rows, 0)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_axis_off()


def _x(run: data.RunData, rows):
    """Rows of the stored tables as x values, on the dates ``RunData.x_rows`` gives them."""
    rows = np.asarray(rows, dtype=np.int64)
    if run.start is None:
        return rows
    return np.datetime64(run.start.isoformat()) + dates.day_of_row(rows).astype("timedelta64[D]")


def _x_days(run: data.RunData, days):
    """Days of events as x values (``RunData.x``)."""
    days = np.asarray(days, dtype=np.int64)
    if run.start is None:
        return days
    return np.datetime64(run.start.isoformat()) + days.astype("timedelta64[D]")


def _panel(ax, run: data.RunData, ylabel: str | None, percent: bool = False, points: bool = False,
           empty: str = "none", legend: bool = False) -> None:
    """One panel finished; a panel whose lines are all zero (or missing) says ``empty`` instead of a flat line."""
    if ax.lines and all(np.all(np.nan_to_num(np.asarray(line.get_ydata(), dtype=float)) == 0) for line in ax.lines):
        for line in list(ax.lines):
            line.set_visible(False)
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#777")
        ax.set_yticks([])
        if ylabel:
            ax.set_ylabel(ylabel)
        _dates(ax, run)
        return
    _finish(ax, run, ylabel, percent, legend)
    if points:
        from matplotlib.ticker import FuncFormatter

        ax.axhline(0, color="#444", lw=0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+g} pp".replace("-", "−") if v else "0 pp"))


def _finish(ax, run: data.RunData, ylabel: str | None, percent: bool = False, legend: bool = True) -> None:
    """Numbered dotted lines at the marked days (their numbers above the axes,
    staggered where two are close; ``footnote`` lists them whole), the labels, the dates."""
    from .charts import stagger

    marks = data.numbered(run)
    levels = stagger([day for _, day, _ in marks], max(run.last_day, 1))
    for (n, day, _), level in zip(marks, levels):
        x = _x_days(run, [day])[0]
        ax.axvline(x, color="#888", lw=0.8, ls=":")
        ax.annotate(str(n), (x, 1), xycoords=("data", "axes fraction"), xytext=(0, 2 + 8 * level),
                    textcoords="offset points", ha="center", va="bottom", fontsize=6, color="#555",
                    annotation_clip=False)
    if ylabel:
        ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    _dates(ax, run)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8)


def _dates(ax, run: data.RunData) -> None:
    ax.set_xlabel("date" if run.start else "day")
    if run.start is not None:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def footnote(fig: Figure, run: data.RunData) -> None:
    """The numbered marks, whole, under the figure."""
    marks = [f"{n} {run.x([day])[0]} {text}" for n, day, text in data.numbered(run)]
    if marks:
        notes(fig, marks)


def notes(fig: Figure, items: list[str], first: str | None = None, fontsize: float = 6) -> None:
    """Lines of small grey text under a figure (``first`` on a line of its own): the
    ``items`` as many to a line as fit the figure's width, a long one wrapped, none cut off."""
    width = max(int(fig.get_figwidth() * 72 / (fontsize * 0.6)) - 4, 40)
    lines, line = [], ""
    for item in items:
        for part in textwrap.wrap(item, width, subsequent_indent="    ") or [""]:
            if line and len(line) + 4 + len(part) > width:
                lines.append(line)
                line = ""
            line = f"{line}    {part}" if line else part
    lines.append(line)
    fig.get_layout_engine().set(h_pad=0.1)
    fig.supxlabel("\n".join(([first] if first else []) + lines), fontsize=fontsize, color="#555", x=0.01,
                  ha="left")


#: file name -> figure builder, in the page's order
FIGURES = {
    "reach.png": reach, "reach_by_group.png": lambda r: reach_by(r, "agent_group"),
    "reach_by_region.png": lambda r: reach_by(r, "region"), "map.png": None, "channels.png": channels,
    "letters.png": letters,
    "detentions.png": detentions, "compare.png": compare,
}
