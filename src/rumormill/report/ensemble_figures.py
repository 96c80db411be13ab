"""The ensemble report's figures as PNG files, for papers: the same tables
as the page (``ensemble_data``), drawn with matplotlib ``Figure`` objects,
never pyplot (no global state, no display, no figures left open).

Key dates are numbered dotted lines, their numbers above the axes and
listed whole under the figure. Each function returns a Figure, or None when
the ensemble has nothing to show for it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from . import data
from . import ensemble_data as ed
from .cartogram import tile_map
from .charts import LETTER_COLORS, stagger
from .ensemble_charts import BAND_ALPHA, legend_name
from .figures import notes, steps_strip, tile_axis


def bands(ens: ed.EnsembleData, frame, by: str, ylabel: str, percent: bool = True,
          points: bool = False, colors: dict | None = None) -> Figure | None:
    """Median and 50%/90% bands over time of each name of ``by``, one panel per story
    (``colors``: name -> colour; default the palette in order)."""
    names = ed.names(frame, by, ed.order(ens, by))
    if not names:
        return None
    stories = ed.stories(ens, frame)
    fig = Figure(figsize=(5.5 * len(stories) + 2, 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(stories), sharey=True))
    scale = 100.0 if points else 1.0
    handles = {}
    for ax, story in zip(axes, stories):
        part = ed.series(frame, by, story)
        if story:
            ax.set_title(ens.name(story), pad=16)
        if not len(part) or not np.any(part[ed.QCOLS].to_numpy(dtype=float)):  # nothing in any run: no flat line
            ax.text(0.5, 0.5, "none", transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#777")
            ax.set_yticks([])
            _dates(ax)
            continue
        for i, name in enumerate(names):
            sub, colour = part[part["name"] == name], (colors or {}).get(name, data.color(i))
            x = np.array(sub["date"], dtype="datetime64[D]")
            for (lo, hi), alpha in zip((("q05", "q95"), ("q25", "q75")), BAND_ALPHA):
                ax.fill_between(x, sub[lo] * scale, sub[hi] * scale, color=colour, alpha=alpha, lw=0)
            shown = legend_name(ens, by, name)
            handles[shown], = ax.plot(x, sub["q50"] * scale, color=colour, lw=1.3, label=shown)
        _finish(ax, ens, ylabel if ax is axes[0] else None, percent and not points, points)
    fig.legend(list(handles.values()), list(handles), loc="outside right upper", frameon=False, fontsize=8)
    _footnote(fig, ens)
    return fig


def reach_by(ens: ed.EnsembleData, by: str) -> Figure | None:
    return bands(ens, ens.reach, by, "fraction who have heard it")


def detentions(ens: ed.EnsembleData) -> Figure | None:
    if ens.detained["q95"].max() <= 0:
        return None
    fig = bands(ens, ens.detained, "group", "detained so far (people)", percent=False)
    ax = fig.axes[0]
    for step in ed.caused_steps(ens).itertuples():
        ax.annotate(step.label, (np.datetime64(step.date.isoformat()), step.q50), xytext=(-40, 14),
                    textcoords="offset points", ha="right", fontsize=7,
                    arrowprops={"arrowstyle": "->", "color": "#444", "lw": 0.8},
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    return fig


def letters(ens: ed.EnsembleData) -> Figure | None:
    """Letters written, delivered and caught per day on the delayed layers, as on the page."""
    frame = ed.letter_bands(ens)
    if frame is None or frame["q95"].max() <= 0:
        return None
    return bands(ens, frame, "letters", "letters per day", percent=False,
                 colors={n: LETTER_COLORS[n.rpartition(": ")[2]] for n in ed.order(ens, "letters")})


def chain(ens: ed.EnsembleData) -> Figure | None:
    """Median reach of everyone with its bands; below it the chain of command,
    each step at its median date with a bar from its 5% to its 95% date."""
    steps = ed.steps(ens)
    if steps.empty:
        return None
    strip = 0.22 * len(steps)
    fig = Figure(figsize=(7.5, 3.8 + strip + 0.4), layout="constrained")
    ax, low = fig.subplots(2, 1, sharex=True, height_ratios=[3.8, strip + 0.4])
    for i, story in enumerate(ens.stories):
        sub, colour = ed.series(ens.reach, "all", story), data.color(i)
        x = np.array(sub["date"], dtype="datetime64[D]")
        for (lo, hi), alpha in zip((("q05", "q95"), ("q25", "q75")), BAND_ALPHA):
            ax.fill_between(x, sub[lo], sub[hi], color=colour, alpha=alpha, lw=0)
        ax.plot(x, sub["q50"], color=colour, lw=1.3, label=ens.name(story))
    ax.legend(frameon=False, fontsize=8)
    _finish(ax, ens, "fraction who have heard it (everyone)", True, False)

    def day(value):
        return np.datetime64(ens.date_of(round(value)).isoformat())

    spans = ([day(d) for d in steps["q05"]], [day(d) for d in steps["q95"]])
    steps_strip(low, np.array([day(d) for d in steps["q50"]]), steps,
                "chain of command: median date, bar 5% to 95% of the runs", spans)
    low.set_xlim(np.datetime64(ens.start.isoformat()), np.datetime64(ens.last_date.isoformat()))
    _dates(low)
    _footnote(fig, ens)
    return fig


def effects(ens: ed.EnsembleData) -> Figure | None:
    if ens.effects is None:
        return None
    return bands(ens, ens.effects, "group", "change in reach, with − without (pp)", points=True)


def distributions(ens: ed.EnsembleData) -> Figure:
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    reports = ed.report_dates(ens)
    if len(reports):
        counts = reports.value_counts().sort_index()  # one bar per day
        days = np.array(list(counts.index), dtype="datetime64[D]")
        left.bar(days, counts.to_numpy(), width=0.8, color=data.color(0))
        left.set_title(f"trigger report day ({len(reports)} of {ens.runs} runs)")
        if len(days) <= 12:  # a tick on each day, never at noon
            from matplotlib.dates import DateFormatter

            left.set_xticks(days)
            left.xaxis.set_major_formatter(DateFormatter("%b %d"))
        else:
            _dates(left)
    else:
        left.set_title("no trigger report in any run")
        left.set_axis_off()
    right.hist(ens.replicates["detained"].dropna(), bins="auto", color=data.color(1), edgecolor="white")
    right.set_title("detained by the end (people)")
    for ax in (left, right):
        ax.set_ylabel("runs")
    return fig


def cartogram(ens: ed.EnsembleData) -> Figure | None:
    regions = ed.names(ens.reach, "region", ens.regions)
    if not regions:
        return None
    tiles = tile_map(regions, ens.layout)
    q_label, q_date = ens.question()
    fig = Figure(figsize=(3.6 * len(ens.stories) + 1, 1.0 * tiles.rows + 1.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(ens.stories)))
    labels = tiles.labels()
    for ax, story in zip(axes, ens.stories):
        part = ed.on_date(ens.reach, q_date, "region", story).set_index("name")
        grid = np.array(tiles.grid(part["q50"].to_dict()), dtype=float)
        image = ax.pcolormesh(np.ma.masked_invalid(grid), cmap="YlOrRd", vmin=0, vmax=1, edgecolors="white",
                              linewidth=3)
        for (r, c), value in np.ndenumerate(grid):
            if labels[r][c]:
                row = part.loc[labels[r][c]]
                ax.text(c + 0.5, r + 0.5, f"{ens.name(labels[r][c]).replace(' ', chr(10), 1)}\n{row.q50:.0%}\n"
                        f"[{row.q05:.0%}, {row.q95:.0%}]", ha="center", va="center", fontsize=6,
                        color="white" if value > 0.6 else "black")
        tile_axis(ax, tiles, ens.name(story))
    fig.colorbar(image, ax=list(axes), format=PercentFormatter(1.0), shrink=0.8, label="median reach")
    fig.suptitle(f"median reach [5%, 95%] on {q_date.isoformat()}" + (f" ({q_label})" if q_label != "last day" else ""))
    return fig


def _finish(ax, ens: ed.EnsembleData, ylabel: str | None, percent: bool, points: bool) -> None:
    dates = list(ens.key_dates.values())
    levels = stagger([(d - ens.start).days for d in dates], max((ens.last_date - ens.start).days, 1))
    for i, (date, level) in enumerate(zip(dates, levels), start=1):
        x = np.datetime64(date.isoformat())
        ax.axvline(x, color="#888", lw=0.8, ls=":")
        ax.annotate(str(i), (x, 1), xycoords=("data", "axes fraction"), xytext=(0, 2 + 8 * level),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7, color="#555",
                    annotation_clip=False)
    if ylabel:
        ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if points:
        ax.axhline(0, color="#444", lw=0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+g} pp" if v else "0 pp"))
    _dates(ax)


def _dates(ax) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _footnote(fig: Figure, ens: ed.EnsembleData) -> None:
    """The key dates, whole, under the figure; the bands' meaning."""
    keys = [f"{i} {d.isoformat()} {name}" for i, (name, d) in enumerate(ens.key_dates.items(), start=1)]
    notes(fig, keys, f"median over {ens.runs} runs; bands: 50% and 90% of the runs", fontsize=7)


#: file name -> figure builder
FIGURES = {
    "reach_by_group.png": lambda e: reach_by(e, "group"), "reach_by_region.png": lambda e: reach_by(e, "region"),
    "map.png": cartogram, "detentions.png": detentions, "runs.png": distributions, "effects.png": effects,
    "letters.png": letters, "chain.png": chain,
}
