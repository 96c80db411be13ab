"""The page of a stored sensitivity analysis: a self-contained HTML file
(works offline) with its figure as a PNG beside it.

- a sentence per output naming the parameter with the largest total index
  (Sobol) or mu* (Morris), with its interval;
- the figure: first-order and total indices with their 95% intervals, one
  panel per output (Sobol), or sigma against mu* (Morris);
- the table of every index, each output's parameters by decreasing effect.

Everything is read from the store's ``sensitivity`` view and ``analyses``
table, so a notebook's query and the page show the same numbers.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path


def write(store, analysis: str, folder=None, png: bool = True) -> list[Path]:
    """Write ``report.html`` (and ``indices.png``) for a stored analysis (id,
    prefix or ``latest``) into ``folder`` (default: the analysis's own
    folder); returns the files written, the page first."""
    from ..results.calibrations import read_analysis
    from ..results.files import write_atomic

    row = read_analysis(store, analysis)
    aid = row["analysis_id"]
    folder = Path(folder) if folder is not None else store.folder / row["path"]
    table = store.query(f"SELECT * FROM sensitivity WHERE analysis_id = '{aid}' ORDER BY output, parameter")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .sobol import Sensitivity

    sobol = row["method"] == "sobol"
    if sobol:
        for col in ("S1", "ST"):
            table[f"{col}_low"] = table[col] - table[f"{col}_conf"]
            table[f"{col}_high"] = table[col] + table[f"{col}_conf"]
    sens = Sensitivity(table, int(table["n"].max()), int(row["evaluations"]), True, method=row["method"])
    fig = sens.plot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    data = buf.getvalue()
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    if png:
        path = folder / "indices.png"
        write_atomic(path, lambda tmp: tmp.write_bytes(data))
        written.append(path)
    page = folder / "report.html"
    text = _html(row, table, base64.b64encode(data).decode("ascii"), sobol)
    write_atomic(page, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [page, *written]


def ranked(table, sobol: bool) -> dict:
    """Per output, its rows by decreasing total index (Sobol) or mu* (Morris)."""
    key = "ST" if sobol else "mu_star"
    return {out: rows.sort_values(key, ascending=False, na_position="last")
            for out, rows in table.groupby("output", sort=False)}


def headline(output: str, rows, sobol: bool) -> str:
    """One sentence: the parameter that moves ``output`` most, with its interval."""
    top = rows.iloc[0]
    if sobol:
        if not math.isfinite(top["ST"]):
            return f"{output}: the same in every run; no parameter moves it."
        return (f"{output}: {top['parameter']} has the largest total index, {top['ST']:.2f} "
                f"[{top['ST'] - top['ST_conf']:.2f}, {top['ST'] + top['ST_conf']:.2f}] "
                f"(first order {top['S1']:.2f}).")
    return (f"{output}: {top['parameter']} has the largest mean absolute effect, mu* {top['mu_star']:.3g} "
            f"± {top['mu_star_conf']:.2g} (sigma {top['sigma']:.3g}).")


def _cells(r, sobol: bool) -> str:
    def f(x):
        return "" if x is None or not math.isfinite(float(x)) else f"{float(x):.3g}"

    if sobol:
        return (f"<td>{f(r['S1'])}</td><td>[{f(r['S1'] - r['S1_conf'])}, {f(r['S1'] + r['S1_conf'])}]</td>"
                f"<td>{f(r['ST'])}</td><td>[{f(r['ST'] - r['ST_conf'])}, {f(r['ST'] + r['ST_conf'])}]</td>")
    return f"<td>{f(r['mu_star'])}</td><td>{f(r['mu_star_conf'])}</td><td>{f(r['sigma'])}</td>"


def _html(row, table, image: str, sobol: bool) -> str:
    e = html.escape
    aid = row["analysis_id"]
    settings = json.loads(row["settings"]) if row.get("settings") else {}
    groups = ranked(table, sobol)
    heads = "".join(f"<li>{e(headline(out, rows, sobol))}</li>" for out, rows in groups.items())
    cols = ("<th>S1</th><th>S1 95%</th><th>ST</th><th>ST 95%</th>" if sobol
            else "<th>mu*</th><th>mu* 95% ±</th><th>sigma</th>")
    body = "".join(f"<tr><td>{e(str(out))}</td><td>{e(str(r['parameter']))}</td>{_cells(r, sobol)}</tr>"
                   for out, rows in groups.items() for r in rows.to_dict("records"))
    what = ("first-order (S1) and total (ST) Sobol indices with 95% bootstrap intervals" if sobol
            else "Morris elementary effects: mu* (mean absolute effect over the range) and sigma")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sensitivity {e(aid)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:90%}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
td:first-child,th:first-child,td:nth-child(2){{text-align:left}}img{{max-width:100%}}</style></head><body>
<h1>Sensitivity analysis {e(aid)}</h1>
<p>{e(str(row['scenario']))}: {e(what)}; {int(row['evaluations']):,} runs at scale {e(str(settings.get('scale')))}
({e(str(row['executor']))}, {float(row['seconds']):.0f} s). Parameters: {e(str(row['params']))}.</p>
<h2>What moves each output most</h2><ul>{heads}</ul>
<h2>Indices</h2><img alt="indices" src="data:image/png;base64,{image}">
<table><tr><th>output</th><th>parameter</th>{cols}</tr>{body}</table>
<p>Query them: <code>SELECT * FROM sensitivity WHERE analysis_id = '{e(aid)}'</code>.</p>
</body></html>
"""
