"""The ensemble report page: one offline HTML file, like a run's (``page``),
with the numbers written out as well as drawn: a summary in sentences at
the top, then tables of "median [5%, 95%]" beside the charts of bands.
"""

from __future__ import annotations

import html

import pandas as pd
from plotly.offline import get_plotlyjs

from . import cartogram
from . import ensemble_charts as charts
from . import ensemble_data as ed
from .page import _DRAW, _STYLE, _script_json

def render(ens: ed.EnsembleData) -> str:
    """The whole page as text."""
    figures, body, nav = {}, [], []

    def section(key: str, title: str, note: str, fig=None, tables=()):
        if fig is None and not tables:
            return
        parts = [f'<section id="{key}"><h2>{html.escape(title)}</h2><p class="note">{html.escape(note)}</p>']
        if fig is not None:
            figures[f"fig-{key}"] = fig
            parts.append(f'<div class="chart" id="fig-{key}"></div>')
        parts.extend(tables)
        body.append("".join(parts) + "</section>")
        nav.append(f'<a href="#{key}">{html.escape(title)}</a>')

    dates = ens.table_dates()
    for by, title in (("group", "Reach by group"), ("region", "Reach by region")):
        section(f"reach-{by}", title, f"Each line is the median over the runs; the darker band holds the middle "
                "50% of the runs, the lighter one 90% (5% to 95%).", charts.reach_by(ens, by),
                [_table(ed.at_dates(ens.reach, dates, by, story, order=ed.order(ens, by)),
                        f"Who had heard “{ens.name(story)}”, by {by}: median [5%, 95%]", ens.name)
                 for story in ens.stories])
    section("map", "Map", "Median reach by region on the chosen date; hover a tile for its 5–95% interval, "
            "move the slider to change the date. " + cartogram.note(ens.layout, ens.regions), charts.cartogram(ens))
    section("map-dates", "Map on the key dates", "Median reach by region on each key date, one row per story; "
            "hover a tile for its 5–95% interval.", charts.key_date_maps(ens))
    section("detentions", "Detentions", "People detained so far, by group: median and bands over the runs.",
            charts.detentions(ens), [_table(_named(ed.detentions(ens), ed.count), "Detained by the end: median "
                                            "[5%, 95%]", _everyone(ens))])
    section("runs", "Across the runs", "How the runs differ: the day the trigger's report went up, and how many "
            "people were detained by the end, each run counted once.", charts.distributions(ens))
    _chain_section(ens, section)
    letters = ed.letter_table(ens)
    section("letters", "Letters", "Letters on the layers that carry them (a delay between writing and reading): "
            "written, delivered, and caught by the censor in transit, per day, median and bands over the runs. "
            "Every caught letter is caught on or after the day its layer's inspection began; the runs do not record "
            "when a caught letter was written, so the letters in the post that day (written before it, not yet "
            "delivered or caught) are the most of them that can have been written before it.", charts.letters(ens),
            [] if letters is None else [_table(letters, "Letters over the whole run: median [5%, 95%] over the "
                                                        "runs")])
    if ens.is_compare:
        without = ", ".join(ens.without)
        section("effects", f"With and without {without}",
                f"Each pair of runs shares its random numbers; the difference is with every measure minus without "
                f"{without} (with − without), in percentage points. Bands as above.", charts.effects(ens),
                [_table(ed.at_dates(ens.effects, dates, "group", story, ed.pp, ens.groups), f"Change in who had heard "
                        f"“{ens.name(story)}” (with − without): median [5%, 95%]", ens.name) for story in ens.stories]
                + [_table(_named(ed.detentions(ens, effects=True), ed.signed), "Change in detentions by the end "
                          "(with − without)", _everyone(ens))])
    draws = ed.draws(ens)
    if draws is not None:
        section("draws", "Parameter draws", "The values drawn for each run (Latin hypercube over the scenario's "
                "ranges).", tables=[_table(_draws(draws), "Parameters by run")])
    title = f"rumormill ensemble report: {ens.row.get('scenario') or 'ensemble'} {ens.ensemble_id}"
    return "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>",
        f"<script>{get_plotlyjs()}</script></head><body>",
        _header(ens), _summary(ens), _key_dates(ens), f"<nav>{' '.join(nav)}</nav>", *body,
        f'<script type="application/json" id="rumormill-figures">{_script_json(figures)}</script>',
        f"<script>{_DRAW}</script></body></html>",
    ])


def _chain_section(ens: ed.EnsembleData, section) -> None:
    """The chain of command as it happened in the runs (median dates with their 5–95% spread, under the
    reach of everyone), then the scenario's configured delays from the median report day."""
    steps = ed.steps(ens)
    configured = ed.chain(ens)
    if steps.empty and configured is None:
        return
    note = ("Each step of the chain of command (the report, each office it reached, the order, each measure "
            "switching on) at its median date over the runs where it happened, the grey bar from its 5% to its 95% "
            "date, under the median reach of everyone.")
    tables = []
    if not steps.empty:
        frame = pd.DataFrame({"runs": [f"{n} of {ens.runs}" for n in steps["runs"]],
                              "date: median [5%, 95%]": [ed.dates(ens, *q) for q in
                                                         zip(steps["q50"], steps["q05"], steps["q95"])]},
                             index=pd.Index(steps["label"], name="step"))
        tables.append(_table(frame, "The chain of command in the runs"))
    if configured is not None:
        note += " Below, the scenario's chain with its configured delays, placed from the median report day."
        if ens.varied_stages:
            note += f" The stages' days varied across the runs ({', '.join(ens.varied_stages)}); shown there at " \
                    "their configured values."
        frame = configured.assign(**{"days after the report": [f"+{d:g}" for d in configured["days after the "
                                                                                             "report"]]})
        tables += [_table(part.set_index("step")[["days after the report", "date"]],
                          f"{ed.label(trigger)}: configured delays from the median report day")
                   for trigger, part in frame.groupby("trigger", sort=False)]
    section("chain", "Chain of command", note, None if steps.empty else charts.chain(ens), tables=tables)


def _named(table: pd.DataFrame, fmt) -> pd.DataFrame:
    """A ``name, q05 ... q95`` table as one column of "median [5%, 95%]"."""
    return pd.DataFrame({"": [ed.interval(r, fmt) for _, r in table.iterrows()]},
                        index=pd.Index(table["name"], name="group"))


def _draws(draws: pd.DataFrame) -> pd.DataFrame:
    """The draws written to four significant digits, one row per run."""
    return pd.DataFrame({c: [f"{v:.4g}" for v in draws[c]] for c in draws.columns if c != "replicate"},
                        index=pd.Index(draws["replicate"], name="run"))


def _everyone(ens: ed.EnsembleData):
    """Row names of a table by group with everyone's row (``all``) last."""
    return lambda name: "everyone" if name == "all" else ens.name(name)


def _table(frame: pd.DataFrame, caption: str, name=ed.label) -> str:
    head = "".join(f"<th>{html.escape(str(c)).replace(chr(10), '<br>')}</th>"
                   for c in [frame.index.name or "", *frame.columns])
    rows = "".join("<tr>" + f"<td>{html.escape(name(i))}</td>"
                   + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for i, row in zip(frame.index, frame.itertuples(index=False)))
    return (f'<div class="scroll"><table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _summary(ens: ed.EnsembleData) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in ed.summary(ens))
    return f'<section id="summary"><h2>In short</h2><ul class="summary">{items}</ul></section>'


def _key_dates(ens: ed.EnsembleData) -> str:
    if not ens.key_dates:
        return ""
    items = "".join(f"<li><b>{i}</b>{html.escape(d.isoformat())} {html.escape(name)}</li>"
                    for i, (name, d) in enumerate(ens.key_dates.items(), start=1))
    return f'<ol class="keydates" title="key dates, numbered as on the charts">{items}</ol>'


def _header(ens: ed.EnsembleData) -> str:
    row = ens.row
    facts = [("ensemble", ens.ensemble_id), ("kind", row.get("kind")),
             ("runs", f"{ens.runs} of {row.get('runs_wanted')}"), ("scale", f"{row.get('scale'):g}"),
             ("seed", row.get("seed")), ("varying", ", ".join(ens.vary)), ("without", ", ".join(ens.without)),
             ("from", ens.start.isoformat()), ("to", ens.last_date.isoformat()), ("status", row.get("status")),
             ("ran on", row.get("executor")), ("scenario hash", (row.get("scenario_hash") or "")[:12]),
             ("rumormill", row.get("version"))]
    shown = " · ".join(f"{k} <code>{html.escape(str(v))}</code>" for k, v in facts if v not in (None, ""))
    return (f"<header><h1>{html.escape(str(row.get('scenario') or 'rumormill ensemble'))}: {ens.runs} runs</h1>"
            f'<p class="meta">{shown}</p></header>')
