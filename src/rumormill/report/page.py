"""The report page: one HTML file with plotly.js inside, so it opens offline,
from a USB stick, years later, with nothing fetched.

The figures travel as JSON in a ``<script type="application/json">`` block and
are drawn by a few lines of script; when every chart is drawn the page sets
``data-rendered`` and ``data-render-ms`` on ``<body>``, which the browser
test (and anyone timing the page) can wait for.
"""

from __future__ import annotations

import html
import json

from plotly.offline import get_plotlyjs

from . import cartogram, charts, data, headline

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 1.2em 3em;color:#222}
h1{font-size:1.5em;margin:1em 0 .2em}h2{font-size:1.15em;margin:1.8em 0 .3em;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9em}.meta code{background:#f4f4f4;padding:0 .3em}
.note{color:#555;font-size:.9em;margin:.2em 0}.chart{min-height:300px}
nav a{margin-right:1em}ol.chain{font-size:.9em;columns:2 24em;margin:.4em 0}ol.chain b{color:#555;font-weight:600}
table.letters{border-collapse:collapse;font-size:.9em}table.letters td,table.letters th{padding:.15em .7em;
text-align:right}table.letters caption{text-align:left;font-weight:600}
details pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:.85em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0 1em}th,td{padding:.2em .6em;text-align:right;
border-bottom:1px solid #eee;white-space:nowrap}th:first-child,td:first-child{text-align:left}
caption{text-align:left;font-weight:600;padding:.3em 0}.scroll{overflow-x:auto}
.summary li{margin:.25em 0}ol.keydates{display:flex;flex-wrap:wrap;gap:.3em 1.6em;padding:.4em .8em;
margin:.8em 0;background:#f6f6f6;list-style:none;font-size:.9em}ol.keydates b{color:#555;margin-right:.3em}
"""
_DRAW = """
(function () {
  var t0 = performance.now();
  var figs = JSON.parse(document.getElementById("rumormill-figures").textContent);
  var config = {displaylogo: false, responsive: true};
  var jobs = Object.keys(figs).map(function (id) {
    return Plotly.newPlot(id, figs[id].data, figs[id].layout, config);
  });
  Promise.all(jobs).then(function () {
    document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
    document.body.dataset.rendered = "true";
  });
})();
"""
#: section id -> heading, note, chart builder
SECTIONS = {
    "reach": ("Reach over time", "Fraction of everyone who has heard each story. Dotted lines mark the key "
              "dates and the reports, orders and measures of the run, numbered as in the list at the top (hover "
              "a number for its label); the strip below follows the chain of command on the same dates: the "
              "report, each office it reached, the order, and the measures switching on.", charts.reach),
    "reach-group": ("Reach by group", "Each line is one group of people.", lambda r: charts.reach_by(r, "agent_group")),
    "reach-region": ("Reach by region", "Each line is one region of the scenario.",
                     lambda r: charts.reach_by(r, "region")),
    "map": ("Map", "Reach by region on the chosen date; move the slider to change the date.", None),
    "map-dates": ("Map on the key dates", "Reach by region at the end of each key date, one row per story.",
                  charts.key_date_maps),
    "channels": ("Channels", "Tellings carried by each layer (channel) per day, and meetings intercepted.",
                 charts.channels),
    "letters": ("Letters", "Letters on the layers that carry them (a delay between writing and reading): "
                "written, delivered to their readers, and caught by the censor in transit, per day.",
                charts.letters),
    "detentions": ("Detentions", "People detained so far, by group (above) and by region (below). A label marks "
                   "each jump that a check on given days explains.", charts.detentions),
    "compare": ("With and without the measures", "", charts.compare),
}


def render(run: data.RunData, map_date=None) -> str:
    """The whole page as text."""
    figures, body = {}, []
    for key, (title, note, build) in SECTIONS.items():
        fig = charts.cartogram(run, map_date) if key == "map" else build(run)
        if fig is None:
            continue
        figures[f"fig-{key}"] = fig
        extra = _EXTRAS[key](run) if key in _EXTRAS else ""
        if key == "map":
            note += " " + cartogram.note(run.layout, run.timeseries["region"].dropna().unique())
        if key == "compare":
            title, note = _compare_words(run)
        body.append(f'<section id="{key}"><h2>{html.escape(title)}</h2><p class="note">{html.escape(note)}</p>'
                    f'<div class="chart" id="fig-{key}"></div>{extra}</section>')
    nav = " ".join(f'<a href="#{k}">{html.escape(SECTIONS[k][0])}</a>' for k in SECTIONS
                   if f"fig-{k}" in figures)
    payload = _script_json(figures)
    title = f"rumormill report: {run.meta.get('scenario') or 'run'} {run.run_id}"
    return "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>",
        f"<script>{get_plotlyjs()}</script></head><body>",
        _header(run), _summary(run), _key_dates(run), f"<nav>{nav}</nav>", *body,
        f'<script type="application/json" id="rumormill-figures">{payload}</script>',
        f"<script>{_DRAW}</script></body></html>",
    ])


def _compare_words(run: data.RunData) -> tuple[str, str]:
    with_, without = headline.compare_labels(run)
    rest = without.removeprefix("without ")
    return (f"With and without {rest}" if with_ == f"with {rest}" else f"{with_.capitalize()} and {without}",
            f"The run with every measure (solid lines) beside the same run {without} (dashed lines), on the same "
            f"seed and random numbers; on the right their difference, with − without, in percentage points (pp): "
            f"below zero, fewer had heard it {with_}.")


def _summary(run: data.RunData) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in headline.summary(run))
    return f'<section id="summary"><h2>In short</h2><ul class="summary">{items}</ul></section>' if items else ""


def _key_dates(run: data.RunData) -> str:
    """The key dates and the run's reports, orders and measures, numbered as on the charts, each label whole."""
    marks = data.numbered(run)
    if not marks:
        return ""
    items = "".join(f"<li><b>{n}</b>{html.escape(str(run.x([day])[0]))} {html.escape(text)}</li>"
                    for n, day, text in marks)
    return f'<ol class="keydates" title="key dates, numbered as on the charts">{items}</ol>'


def table(frame, caption: str, fmt, name=str, index: str = "") -> str:
    """A table: ``frame``'s index (written by ``name``) then its columns, each value written by ``fmt``."""
    head = "".join(f"<th>{html.escape(str(c)).replace(chr(10), '<br>')}</th>" for c in [index, *frame.columns])
    rows = "".join("<tr>" + f"<td>{html.escape(name(i))}</td>"
                   + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in row) + "</tr>"
                   for i, row in zip(frame.index, frame.itertuples(index=False)))
    return (f'<div class="scroll"><table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _reach_tables(by: str):
    word = by.removeprefix("agent_")

    def tables(run: data.RunData) -> str:
        return "".join(table(headline.reach_table(run, by, story), f"Who had heard “{run.name(story)}”, by {word}",
                             headline.pct, run.name, word) for story in run.stories)
    return tables


def _detained_table(run: data.RunData) -> str:
    frame = headline.detained_table(run, compare=False)
    if frame is None:
        return ""
    caption = "Detained by the end"
    names = lambda i: "everyone" if i == "all" else run.name(i)  # noqa: E731
    return table(frame, caption, headline.count, names, "group")


def _compare_tables(run: data.RunData) -> str:
    parts = [table(headline.effect_table(run, story), f"Change in who had heard “{run.name(story)}” (with − "
                   "without), in percentage points", headline.pp, run.name, "group") for story in run.stories]
    frame = headline.detained_table(run)
    if frame is not None and "with − without" in frame:
        names = lambda i: "everyone" if i == "all" else run.name(i)  # noqa: E731
        parts.append(table(frame, "Detained by the end (with and without)", headline.count, names, "group"))
    return "".join(parts)


def _chain_list(run: data.RunData) -> str:
    """The chain of command written out, step by step, for those who read rather than hover."""
    steps = data.chain(run)
    if steps.empty:
        return ""
    items = "".join(f"<li><b>{html.escape(str(run.x([d])[0]))}</b> {html.escape(label)}</li>"
                    for d, label in zip(steps["day"], steps["label"]))
    return f'<ol class="chain" title="the chain of command, in order">{items}</ol>'


def _letter_table(run: data.RunData) -> str:
    """Letters written, delivered and caught over the whole run, per story and layer."""
    totals = data.letter_totals(data.letters(run))
    head = "".join(f"<th>{c}</th>" for c in ("story", "layer", "written", "delivered", "caught"))
    rows = "".join(f"<tr><td>{html.escape(run.name(r.story))}</td><td>{html.escape(run.name(r.layer))}</td>"
                   f"<td>{r.written:,}</td><td>{r.delivered:,}</td><td>{r.caught:,}</td></tr>"
                   for r in totals.itertuples())
    return f'<table class="letters"><caption>Letters over the whole run</caption><tr>{head}</tr>{rows}</table>'


#: section id -> writer of what the page shows under its chart
_EXTRAS = {"reach": _chain_list, "reach-group": _reach_tables("agent_group"), "reach-region": _reach_tables("region"),
           "letters": _letter_table, "detentions": _detained_table, "compare": _compare_tables}


def _script_json(value) -> str:
    """JSON to embed in a ``<script>`` block: ``<``, ``>`` and ``&`` as ``\\u003c``,
    ``\\u003e`` and ``\\u0026``, so no text in it (a label such as ``<!--<script>``)
    can end the block or open a comment that swallows the scripts after it.
    ``JSON.parse`` reads the escapes back as the same characters."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _header(run: data.RunData) -> str:
    meta, row = run.meta, run.meta.get("catalog", {})
    info = meta.get("info") or {}
    facts = [("run", run.run_id), ("engine", meta.get("engine")), ("agents", f"{meta.get('n', 0):,}"),
             ("seed", meta.get("seed")), ("days", run.last_day), ("from", info.get("start_date")),
             ("scenario hash", (meta.get("scenario_hash") or "")[:12]), ("rumormill", row.get("version")),
             ("finished", str(row.get("finished") or "")[:19] + " UTC")]
    shown = " · ".join(f"{k} <code>{html.escape(str(v))}</code>" for k, v in facts if v not in (None, ""))
    params = json.dumps(meta.get("params") or {}, indent=1, sort_keys=True)
    return (f"<header><h1>{html.escape(str(meta.get('scenario') or 'rumormill run'))}</h1>"
            f'<p class="meta">{shown}</p><details><summary>parameters</summary>'
            f"<pre>{html.escape(params)}</pre></details></header>")
