"""The page of a stored calibration: a self-contained HTML file (works
offline) with its figures as PNGs beside it.

- the summary table (prior, range, posterior median, 90 % interval, narrowed);
- marginal and pairwise posteriors: weighted histograms on the diagonal,
  the particles (sized by weight) below it, each axis the prior's range in
  the fitting coordinate (ln x for a log-uniform prior);
- posterior predictive bands, when an ensemble drawn from the posterior is
  stored (``calibrate.predictive``): for each reach observation the reach of
  its cohort over time (median, 50 % and 90 % bands over the replicates) with
  the observation drawn as an interval bar (a point: a marker) at its date;
  for a report, each replicate's report day on a timeline with the observed
  date as a marker; a table of the same on the observations' dates. Without
  such an ensemble the page says the command that makes one;
- the fit's own runs: for each observation, the distribution of the
  quantity over the posterior's particles (each particle's own run,
  weighted) with the observed interval drawn as a band, a point as a marker;
- the thresholds and acceptance rates of the generations.

Everything is read from the store's views (``particles``, ``posterior``,
``generations``, ``observations``, ``calibration_summary``, and the
ensembles'), so the page of an interrupted calibration shows its last
complete generation.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import numpy as np

from ..dates import date_of, day_of

FIGURES = ("pairs", "bands", "predictive", "generations")
#: replicates the command in the page's hint asks for (``rumormill calibrate --predictive``'s default)
HINT_RUNS = 16


def write(store, calibration: str, folder=None, *, name: str = "report.html", png: bool = True) -> list[Path]:
    """Write the page (``name``) and, with ``png``, its PNGs for a stored
    calibration (id or prefix) into ``folder`` (default: the calibration's
    own folder); returns the files written, the page first."""
    from ..results.calibrations import read
    from ..results.files import write_atomic
    from . import predictive as pr

    row = read(store, calibration)
    cid = row["calibration_id"]
    folder = Path(folder) if folder is not None else store.folder / row["path"]
    where = f"calibration_id = '{cid}'"
    post = store.query(f"SELECT * FROM posterior WHERE {where} ORDER BY particle")
    gens = store.query(f"SELECT * FROM generations WHERE {where} ORDER BY generation")
    obs = store.query(f"SELECT * FROM observations WHERE {where} ORDER BY observation")
    summary = store.query(f"SELECT * FROM calibration_summary WHERE {where}")
    if summary.empty:  # interrupted: a summary of the last complete generation
        summary = _summary(post, row)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pred = pr.load(store, cid)
    figures = {"pairs": pairs(post, summary)}
    if pred is not None and (pred.reach or pred.report):
        figures["bands"] = bands(pred)
    elif png:
        (folder / "bands.png").unlink(missing_ok=True)  # a page drawn before its ensemble was deleted
    figures.update(predictive=predictive(post, obs), generations=progress(gens))
    written, images = [], {}
    for figure, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        data = buf.getvalue()
        images[figure] = base64.b64encode(data).decode("ascii")
        if png:
            path = folder / f"{figure}.png"
            write_atomic(path, lambda tmp, data=data: tmp.write_bytes(data))
            written.append(path)
    page = folder / name
    text = _html(row, summary, gens, obs, images, _predictive_html(row, pred, images, store))
    write_atomic(page, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [page, *written]


def _summary(post, row):
    """Median and 90% interval of the last complete generation (ranges: the particles')."""
    import pandas as pd

    from .abc import weighted_quantiles

    names = [n for n in str(row["params"]).split(",") if n]
    w = post["weight"].to_numpy(dtype=float)
    rows = []
    for n in names:
        q05, q50, q95 = weighted_quantiles(post[n].to_numpy(dtype=float), w, (0.05, 0.5, 0.95))
        rows.append({"parameter": n, "prior": "", "low": float(post[n].min()), "high": float(post[n].max()),
                     "value": math.nan, "median": q50, "q05": q05, "q95": q95, "narrowed": math.nan})
    return pd.DataFrame(rows)


def _axis(row):
    log = row["prior"] == "log-uniform"
    lo, hi = float(row["low"]), float(row["high"])
    return log, ((math.log(lo), math.log(hi)) if log else (lo, hi))


def pairs(post, summary):
    """Marginal (diagonal) and pairwise (below it) weighted posteriors."""
    import matplotlib.pyplot as plt

    rows = list(summary.to_dict("records"))
    k = len(rows)
    fig, axes = plt.subplots(k, k, figsize=(1.9 * k + 1, 1.9 * k + 1), squeeze=False)
    w = post["weight"].to_numpy(dtype=float)
    z = {}
    for r in rows:
        log, _ = _axis(r)
        x = post[r["parameter"]].to_numpy(dtype=float)
        z[r["parameter"]] = np.log(x) if log else x
    for i, ri in enumerate(rows):
        for j, rj in enumerate(rows):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            _, (xlo, xhi) = _axis(rj)
            if i == j:
                ax.hist(z[rj["parameter"]], bins=np.linspace(xlo, xhi, 16), weights=w, density=True,
                        color="tab:blue", alpha=0.75)
                ax.axhline(1.0 / (xhi - xlo), color="grey", ls="--", lw=0.8)
                ax.set_yticks([])
            else:
                _, (ylo, yhi) = _axis(ri)
                ax.scatter(z[rj["parameter"]], z[ri["parameter"]], s=3 + 30 * w / w.max(), color="tab:blue",
                           alpha=0.5, linewidths=0)
                ax.set_ylim(ylo, yhi)
            ax.set_xlim(xlo, xhi)
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(("ln " if _axis(rj)[0] else "") + rj["parameter"], fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(("ln " if _axis(ri)[0] else "") + ri["parameter"], fontsize=7)
    fig.suptitle("Posterior: marginals (dashed: prior) and pairs", fontsize=9)
    fig.tight_layout()
    return fig


def predictive(post, obs):
    """Per observation: the quantity over the posterior's runs (weighted
    quantiles as a box, every run as a dot) against the observed interval."""
    import matplotlib.pyplot as plt

    from .abc import weighted_quantiles

    k = max(len(obs), 1)
    fig, axes = plt.subplots(1, k, figsize=(2.6 * k + 0.6, 3.2), squeeze=False)
    w = post["weight"].to_numpy(dtype=float)
    for ax, o in zip(axes[0], obs.to_dict("records")):
        x = post[o["q"]].to_numpy(dtype=float)
        q05, q25, q50, q75, q95 = weighted_quantiles(x, w, (0.05, 0.25, 0.5, 0.75, 0.95))
        jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(x))
        ax.scatter(1 + jitter, x, s=5 + 200 * w, color="tab:blue", alpha=0.4, label="posterior runs")
        ax.vlines(1.35, q05, q95, color="tab:blue", lw=1.2)
        ax.vlines(1.35, q25, q75, color="tab:blue", lw=4)
        ax.plot([1.35], [q50], "o", color="white", mec="tab:blue", ms=4)
        lo, hi = float(o["low"]), float(o["high"])
        if hi > lo:
            ax.axhspan(lo, hi, color="tab:orange", alpha=0.2, label="observed interval")
        ax.axhline(lo, color="tab:orange", lw=1)
        if hi > lo:
            ax.axhline(hi, color="tab:orange", lw=1)
        else:
            ax.plot([1.6], [lo], "D", color="tab:orange", ms=6, label="observed")
        if o["kind"] == "reach":
            ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_xlim(0.6, 1.8)
        ax.set_xticks([])
        label = str(o["quantity"]).replace("@", "\n@")
        ax.set_title(label, fontsize=7)
        ax.tick_params(labelsize=6)
    axes[0, 0].legend(fontsize=6, loc="best")
    fig.suptitle("Posterior predictive: each particle's run against what was observed", fontsize=9)
    fig.tight_layout()
    return fig


def bands(pred):
    """Per observation with a band: a reach's cohort curve over time (median,
    50% and 90% bands over the replicates) with the observed interval as a bar
    at its date (a point: a diamond); a report's day in each replicate on a
    timeline (dots; its median, 50% and 90% ranges) with the observed date."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    rows = [o for o in pred.observations.to_dict("records") if o["q"] in pred.reach or o["q"] in pred.report]
    k = len(rows)
    cols = min(k, 3)
    fig, axes = plt.subplots((k + cols - 1) // cols, cols, figsize=(4.2 * cols + 0.4, 3.0 * ((k + cols - 1) // cols)),
                             squeeze=False)
    table = pred.bands()
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    for ax, o in zip(axes.flat, rows):
        q, date = o["q"], pd.Timestamp(o["date"]).date()
        lo, hi = float(o["low"]), float(o["high"])
        if q in pred.reach:
            b = table[table["q"] == q]
            x = list(b["date"])
            ax.fill_between(x, b["q05"], b["q95"], color="tab:blue", alpha=0.18, lw=0, label="90% band")
            ax.fill_between(x, b["q25"], b["q75"], color="tab:blue", alpha=0.35, lw=0, label="50% band")
            ax.plot(x, b["q50"], color="tab:blue", lw=1.4, label="median")
            if hi > lo:
                ax.errorbar([date], [(lo + hi) / 2], yerr=[[(hi - lo) / 2], [(hi - lo) / 2]], fmt="none",
                            ecolor="tab:orange", elinewidth=2.5, capsize=5, capthick=2, label="observed interval")
            else:
                ax.plot([date], [lo], "D", color="tab:orange", ms=7, label="observed")
            ax.set_yscale("symlog", linthresh=1e-3)
            ax.set_ylim(0, 1.05)
            ax.set_ylabel("reach (fraction of the cohort)", fontsize=7)
        else:
            days, scored = pred.report[q], pred.scored[q]
            got = days[np.isfinite(days)]
            jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(got))
            ax.scatter([date_of(pred.start, d) for d in got], jitter, s=12, color="tab:blue",
                       alpha=0.5, label="each replicate's report")
            q05, q25, q50, q75, q95 = (date_of(pred.start, v) for v in np.quantile(scored, (0.05, 0.25, 0.5, 0.75, 0.95)))
            ax.plot([q05, q95], [1, 1], color="tab:blue", lw=1.2, label="90% / 50% range, median")
            ax.plot([q25, q75], [1, 1], color="tab:blue", lw=5)
            ax.plot([q50], [1], "o", color="white", mec="tab:blue", ms=5)
            ax.axvline(date, color="tab:orange", lw=1, ls="--")
            ax.plot([date], [0.5], "D", color="tab:orange", ms=8, label="observed")
            never = int((~np.isfinite(days)).sum())
            if never:
                ax.text(0.98, 0.04, f"{never} of {len(days)} never reported\n(scored as the day after the calendar)",
                        transform=ax.transAxes, ha="right", va="bottom", fontsize=6)
            ax.set_ylim(-0.8, 1.8)
            ax.set_yticks([0, 1], ["replicates", "quantiles"], fontsize=6)
            last = max(date_of(pred.start, scored.max()), date)
            ax.set_xlim(pred.start, date_of(last, max(2.0, 0.05 * day_of(pred.start, last))))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
        ax.tick_params(labelsize=6)
        ax.set_title(str(o["quantity"]).replace("@", "\n@"), fontsize=7)
        ax.legend(fontsize=5.5, loc="lower right" if q in pred.reach else "upper left")
    fig.suptitle(f"Posterior predictive: ensemble {pred.ensemble_id}, {pred.runs} replicates drawn from the "
                 "posterior", fontsize=9)
    fig.tight_layout()
    return fig


def progress(gens):
    """Threshold and acceptance rate by generation."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.8))
    ax.plot(gens["generation"], gens["epsilon"], "o-", color="tab:blue")
    ax.set_xlabel("generation")
    ax.set_ylabel("threshold", color="tab:blue")
    other = ax.twinx()
    other.plot(gens["generation"], gens["acceptance_rate"], "s--", color="tab:green")
    other.set_ylabel("acceptance rate", color="tab:green")
    other.set_ylim(0, 1.05)
    fig.tight_layout()
    return fig


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return f"{v:.4g}" if isinstance(v, float) else html.escape(str(v))


def _predictive_html(row, pred, images, store) -> str:
    """The posterior predictive section: the bands and a table of the
    observations' dates, or the command that makes the ensemble."""
    e = html.escape
    cid = row["calibration_id"]
    head = "<h2>Posterior predictive bands</h2>"
    if pred is None:
        return (f'{head}<p class="hint">No ensemble drawn from this posterior is stored. {_command(row, store)} '
                f"Then <code>rumormill report {e(cid)}</code> writes this page again, with the bands.</p>")
    state = "" if pred.status == "finished" else f" ({e(pred.status)}: {pred.runs} of {pred.wanted} stored)"
    text = (f"<p>Ensemble <code>{e(pred.ensemble_id)}</code>{state}: {pred.runs} replicates, each with its parameters "
            "drawn from this posterior (the particles resampled by weight) and its own seed, at the calibration's "
            "scale. Reach: the median (line), 50% and 90% bands over the replicates of the reach in the "
            "observation's own cohort, with the observed interval as a bar at its date (a point: a diamond). "
            "Report: each replicate's first report on a timeline, its median, 50% and 90% ranges (a replicate "
            "that never reported scored as the day after the calendar, as in the fit), and the observed date.</p>")
    if "bands" in images:
        text += f'<img alt="bands" src="data:image/png;base64,{images["bands"]}">'
    checks = pred.checks()
    rows = []
    for c in checks.to_dict("records"):
        if c["kind"] == "reach":
            fmt = _pct
        else:
            def fmt(v):
                return f"{date_of(pred.start, v).isoformat()} (day {v:g})"
        observed = fmt(c["low"]) if c["low"] == c["high"] else f"[{fmt(c['low'])}, {fmt(c['high'])}]"
        never = f"; {int(c['never'])} never reported" if c["kind"] == "report" and c["never"] else ""
        rows.append(f"<tr><td>{e(str(c['q']))}</td><td>{e(str(c['quantity']))}</td><td>{e(observed)}</td>"
                    f"<td>{e(fmt(c['q50']))}</td><td>[{e(fmt(c['q25']))}, {e(fmt(c['q75']))}]</td>"
                    f"<td>[{e(fmt(c['q05']))}, {e(fmt(c['q95']))}]</td><td>{c['inside']:.0%}{e(never)}</td>"
                    f"<td>{e(str(c['source']))}</td></tr>")
    if rows:
        text += ("<table><tr><th>q</th><th>quantity</th><th>observed</th><th>median</th><th>50% interval</th>"
                 "<th>90% interval</th><th>replicates inside</th><th>read from</th></tr>" + "".join(rows) + "</table>"
                 "<p>A reach on the observation's date; a report: the day of the first report (never: the day "
                 "after the calendar, as the fit scores it). replicates inside: the share whose value lies in the "
                 "observed interval.</p>")
    if pred.missing:
        items = "".join(f"<li>{e(str(q))}: no band; {e(why)}.</li>" for q, why in pred.missing.items())
        text += f"<ul>{items}</ul><p>{_command(row, store)}</p>"
    return head + text


def _pct(v) -> str:
    return f"{100 * v:.3g}%"


def _command(row, store) -> str:
    """The command that runs this calibration's posterior predictive ensemble,
    as HTML: the calibrate command with the calibration's own settings (it
    finds the calibration stored and runs only the ensemble), or the Python
    call where those settings are not the command line's."""
    from ..results import DEFAULT_FOLDER
    from ..scenario import builtin_names

    e = html.escape
    cid = row["calibration_id"]
    settings = json.loads(row["settings"] or "{}")
    folder = Path(store.folder)
    builtin = row["scenario"] in builtin_names()
    if (settings.get("min_epsilon", 0.0) != 0.0 or settings.get("min_acceptance", 0.01) != 0.01
            or settings.get("weights")):
        call = (f"from rumormill.results import Store; from rumormill.calibrate.predictive import run_predictive; "
                f"run_predictive(Store({str(folder)!r}), {cid!r}, {HINT_RUNS}"
                + (")" if builtin else ", scenario=SCENARIO)"))
        where = "" if builtin else f" (SCENARIO: the scenario {e(repr(row['scenario']))} as calibrated)"
        return f"Python makes one (its settings are not the command line's): <code>{e(call)}</code>{where}."
    scenario = row["scenario"] if builtin else "SCENARIO.toml"
    line = (f"rumormill calibrate {scenario} --params {row['params']} --scale {settings['scale']!r} --seed "
            f"{settings['seed']} --order {settings['order']} --budget {settings['budget']} --population "
            f"{settings['population']} --generations {settings['generations']} --predictive {HINT_RUNS}")
    if folder.resolve() != Path(DEFAULT_FOLDER).resolve():
        line += f" --out {folder}"
    where = "" if builtin else f" (SCENARIO.toml: the file of scenario {e(repr(row['scenario']))} as calibrated)"
    return (f"<code>{e(line)}</code>{where} runs one: the calibration's own command finds it stored and runs only "
            "the ensemble.")


def _html(row, summary, gens, obs, images, section: str = "") -> str:
    e = html.escape
    cid = row["calibration_id"]
    lines = [f"<tr><td>{e(str(r['parameter']))}</td><td>{e(str(r['prior']))} [{_fmt(r['low'])}, {_fmt(r['high'])}]"
             f"</td><td>{_fmt(r['value'])}</td><td>{_fmt(r['median'])}</td><td>[{_fmt(r['q05'])}, {_fmt(r['q95'])}]"
             f"</td><td>{_fmt(r['narrowed'])}</td></tr>" for r in summary.to_dict("records")]
    olines = [f"<tr><td>{e(str(o['q']))}</td><td>{e(str(o['quantity']))}</td><td>[{_fmt(o['low'])}, "
              f"{_fmt(o['high'])}]</td><td>{_fmt(o['weight'])}</td><td>{e(str(o['what']))}</td>"
              f"<td>{e(str(o['source'] or ''))}</td></tr>" for o in obs.to_dict("records")]
    last = gens.iloc[-1] if len(gens) else None
    status = e(str(row["status"]))
    head = (f"{e(str(row['scenario']))}: {len(gens)} generation(s), last threshold {_fmt(float(last['epsilon']))}, "
            f"{int(row['evaluations'] or 0):,} runs; status {status}" if last is not None else status)
    def img(n, t):
        return f'<h2>{e(t)}</h2><img alt="{e(n)}" src="data:image/png;base64,{images[n]}">'

    img = (img("pairs", "Marginal and pairwise posteriors") + section
           + img("predictive", "Each particle's own run against the observations")
           + img("generations", "Thresholds and acceptance"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>calibration {e(cid)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:90%}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}img{{max-width:100%}}
.hint{{background:#fff6e0;padding:0.5em}}</style></head><body>
<h1>Calibration {e(cid)}</h1><p>{head}. Parameters fitted: {e(str(row['params']))}.
Settings: {e(str(row['settings']))}.</p>
<h2>Posterior</h2><table><tr><th>parameter</th><th>prior</th><th>scenario's value</th><th>median</th>
<th>90% interval</th><th>narrowed</th></tr>{''.join(lines)}</table>
<p>narrowed: 1 &minus; the 90% interval's width over the prior's, in the fitting coordinate
(0: the data said nothing).</p>
<h2>Observations</h2><table><tr><th>q</th><th>quantity</th><th>interval</th><th>weight</th><th>what</th>
<th>source</th></tr>
{''.join(olines)}</table>{img}</body></html>
"""
