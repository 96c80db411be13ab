"""The page of a stored calibration: a self-contained HTML file (works
offline) with its figures as PNGs beside it.

- the summary table (prior, range, posterior median, 90 % interval, narrowed);
- marginal and pairwise posteriors: weighted histograms on the diagonal,
  the particles (sized by weight) below it, each axis the prior's range in
  the fitting coordinate (ln x for a log-uniform prior);
- posterior predictive checks: for each observation, the distribution of
  the quantity over the posterior's runs (each particle's own run, weighted)
  with the observed interval drawn as a band, a point observation as a marker;
- the thresholds and acceptance rates of the generations.

Everything is read from the store's views (``particles``, ``posterior``,
``generations``, ``observations``, ``calibration_summary``), so the page of
an interrupted calibration shows its last complete generation.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import numpy as np

FIGURES = ("pairs", "predictive", "generations")


def write(store, calibration: str, folder=None) -> list[Path]:
    """Write ``report.html`` and its PNGs for a stored calibration (id or
    prefix) into ``folder`` (default: the calibration's own folder); returns
    the files written, the page first."""
    from ..results.calibrations import read
    from ..results.ensembles import write_atomic

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

    figures = {"pairs": pairs(post, summary), "predictive": predictive(post, obs), "generations": progress(gens)}
    written, images = [], {}
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        data = buf.getvalue()
        images[name] = base64.b64encode(data).decode("ascii")
        path = folder / f"{name}.png"
        write_atomic(path, lambda tmp, data=data: tmp.write_bytes(data))
        written.append(path)
    page = folder / "report.html"
    text = _html(row, summary, gens, obs, images)
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


def _html(row, summary, gens, obs, images) -> str:
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
    img = "".join(f'<h2>{e(t)}</h2><img alt="{e(n)}" src="data:image/png;base64,{images[n]}">'
                  for n, t in (("pairs", "Marginal and pairwise posteriors"),
                               ("predictive", "Posterior predictive against the observations"),
                               ("generations", "Thresholds and acceptance")))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>calibration {e(cid)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:90%}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}img{{max-width:100%}}</style></head><body>
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
