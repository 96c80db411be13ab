"""The report's figures as PNG files, for papers: the same data as the page,
drawn with matplotlib.

Figures are built as ``matplotlib.figure.Figure`` objects, never through
pyplot, so drawing changes no global state, needs no display and leaks no
open figures. Each function returns a Figure, or None when the run has
nothing to show (the page leaves the same sections out).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

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
        ax.plot(_x(run, part["day"]), part["reach"], label=story, color=data.color(i))
    _finish(ax, run, "fraction who have heard it", percent=True)
    if low is not None:
        ax.set_xlabel("")  # the strip below carries the dates
        _timeline(low, run, steps)
    return fig


def _timeline(ax, run: data.RunData, steps) -> None:
    """One row per step of the chain, named whole on the y axis, first at the top."""
    steps_strip(ax, _x(run, steps["day"]), steps, "chain of command")
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
    for ax, story in zip(axes, run.stories):
        part = frame[frame["story"] == story]
        for k, layer in enumerate(layers):
            sub = part[part["layer"] == layer]
            for what, colour in LETTER_COLORS.items():
                ax.plot(_x(run, sub["day"]), sub[what], color=colour, lw=1.2, ls=_DASH[k % len(_DASH)],
                        label=what if len(layers) == 1 else f"{layer}: {what}")
        ax.set_title(story)
        _finish(ax, run, "letters per day" if ax is axes[0] else None, legend=False)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", frameon=False, fontsize=8)
    return fig


def reach_by(run: data.RunData, by: str) -> Figure | None:
    frame = data.reach(run, by)
    names = data.groups(frame, by)
    if len(names) < 2:
        return None
    fig = Figure(figsize=(5.5 * len(run.stories), 4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(run.stories), sharey=True))
    for ax, story in zip(axes, run.stories):
        part = frame[frame["story"] == story]
        for i, name in enumerate(names):
            sub = part[part[by] == name]
            ax.plot(_x(run, sub["day"]), sub["reach"], label=name, color=data.color(i), lw=1.2)
        ax.set_title(story)
        _finish(ax, run, "fraction who have heard it" if ax is axes[0] else None, percent=True, legend=False)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", frameon=False, fontsize=8)
    return fig


def channels(run: data.RunData) -> Figure | None:
    rows = [(v, data.per_layer(getattr(run, v), v)) for v in ("tellings", "intercepts")]
    rows = [(v, f) for v, f in rows if len(f) and f[v].sum() > 0]
    if not rows:
        return None
    fig = Figure(figsize=(5.5 * len(run.stories), 3.2 * len(rows)), layout="constrained")
    axes = np.asarray(fig.subplots(len(rows), len(run.stories), sharex=True, squeeze=False))
    for r, (value, frame) in enumerate(rows):
        for c, story in enumerate(run.stories):
            ax, part = axes[r, c], frame[frame["story"] == story]
            for i, layer in enumerate(run.meta["layers"]):
                sub = part[part["layer"] == layer]
                ax.plot(_x(run, sub["day"]), sub[value], label=layer, color=data.color(i), lw=1.2)
            ax.set_title(f"{story}: {value}")
            _finish(ax, run, "per day" if c == 0 else None, legend=False)
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside right upper", frameon=False, fontsize=8)
    return fig


def detentions(run: data.RunData) -> Figure | None:
    if run.detained.empty or run.detained["detained"].sum() == 0:
        return None
    fig = Figure(figsize=(11, 4), layout="constrained")
    for ax, by in zip(fig.subplots(1, 2), ("agent_group", "region")):
        frame = data.detentions(run, by)
        for i, name in enumerate(data.groups(frame, by)):
            sub = frame[frame[by] == name]
            ax.plot(_x(run, sub["day"]), sub["detained"], label=name, color=data.color(i), lw=1.2)
        ax.set_title(f"by {by.removeprefix('agent_')}")
        _finish(ax, run, "detained (cumulative)", legend=True)
    return fig


def compare(run: data.RunData) -> Figure | None:
    if run.baseline is None:
        return None
    label = ((run.meta.get("info") or {}).get("compare") or {}).get("label") or "without measures"
    both = data.reach(run).merge(data.reach(run.baseline), on=["day", "story"], suffixes=("", "_base"))
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for i, story in enumerate(run.stories):
        sub = both[both["story"] == story]
        x = _x(run, sub["day"])
        left.plot(x, sub["reach"], color=data.color(i), label=story)
        left.plot(x, sub["reach_base"], color=data.color(i), ls="--", label=f"{story}, {label}")
        right.plot(x, sub["reach_base"] - sub["reach"], color=data.color(i), label=story)
    left.set_title("this run (solid) and " + label + " (dashed)")
    right.set_title(f"difference: {label} minus this run")
    _finish(left, run, "fraction who have heard it", percent=True)
    _finish(right, run, "difference in reach", percent=True)
    return fig


def cartogram(run: data.RunData, day: int | None = None) -> Figure | None:
    inputs = map_inputs(run, day)
    if inputs is None:
        return None
    frame, tiles, chosen = inputs
    fig = Figure(figsize=(3.2 * len(run.stories) + 1, 0.9 * tiles.rows + 1.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(run.stories)))
    labels = tiles.labels()
    for ax, story in zip(axes, run.stories):
        part = frame[(frame["day"] == chosen) & (frame["story"] == story)]
        grid = np.array(tiles.grid(dict(zip(part["region"], part["reach"]))), dtype=float)
        image = ax.pcolormesh(np.ma.masked_invalid(grid), cmap="YlOrRd", vmin=0, vmax=1, edgecolors="white",
                              linewidth=3)
        for (r, c), value in np.ndenumerate(grid):
            if labels[r][c]:
                ax.text(c + 0.5, r + 0.5, labels[r][c].replace(" ", "\n", 1) + f"\n{value:.0%}", ha="center",
                        va="center", fontsize=7, color="white" if value > 0.6 else "black")
        tile_axis(ax, tiles, story)
    fig.colorbar(image, ax=list(axes), format=PercentFormatter(1.0), shrink=0.8, label="reach")
    fig.suptitle(f"reach on {run.x([chosen])[0]} (day {chosen})")
    return fig


def tile_axis(ax, tiles, title: str) -> None:
    """A tile map's panel: no axes, square tiles, north up, and the off-map row labelled."""
    if tiles.off_map_row is not None:
        ax.text(0, tiles.off_map_row - 0.1, "not on the map", fontsize=7, color="#555", va="bottom")
    ax.set_ylim(tiles.rows, 0)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_axis_off()


def _x(run: data.RunData, days):
    days = np.asarray(days, dtype=np.int64)
    if run.start is None:
        return days
    return np.datetime64(run.start.isoformat()) + days.astype("timedelta64[D]")


def _finish(ax, run: data.RunData, ylabel: str | None, percent: bool = False, legend: bool = True) -> None:
    for day, labels in data.marks(run).items():
        x = _x(run, [day])[0]
        ax.axvline(x, color="#888", lw=0.8, ls=":")
        ax.annotate("; ".join(labels)[:40], (x, 1), xycoords=("data", "axes fraction"), rotation=90,
                    ha="right", va="top", fontsize=6, color="#555")
    if ylabel:
        ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("date" if run.start else "day")
    if run.start is not None:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8)


#: file name -> figure builder, in the page's order
FIGURES = {
    "reach.png": reach, "reach_by_group.png": lambda r: reach_by(r, "agent_group"),
    "reach_by_region.png": lambda r: reach_by(r, "region"), "map.png": None, "channels.png": channels,
    "letters.png": letters,
    "detentions.png": detentions, "compare.png": compare,
}
