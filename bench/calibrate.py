"""Calibration and sensitivity: what a second Dask worker adds to a
calibration of `kpa-2025`, how long its default calibration and an
8-parameter Sobol analysis take.

    python bench/calibrate.py [--budget 100] [--n 16] [--store bench/results/runs] [--only throughput,calibrate,sobol]

- ``throughput``: the same ABC-SMC calibration (``--budget`` runs, 3
  generations of 30 particles) on a Dask LocalCluster of 1 and of 2
  single-threaded workers; runs per minute. The default calibration's time
  (5,000 runs) and the largest default Sobol sample (``N = 128``:
  ``128 * (8 + 2)`` rows, each two runs with the measures' effect) are
  projected from the 2-worker throughput, and labelled so.
- ``calibrate``: ``rumormill calibrate kpa-2025 --workers 2``, every other
  setting at its default (the posterior predictive ensemble and the page
  included), timed from the command line and stored in ``--store``.
- ``sobol``: ``rumormill sensitivity kpa-2025 --method sobol --params`` the
  eight parameters of ``SOBOL_PARAMS`` at ``--n``, ``--workers 2``, timed
  from the command line and stored in ``--store`` (its id is recorded).

Each measurement runs in its own process after one tiny warm-up run; do not
run anything else meanwhile. Results go to ``bench/results/calibrate.json``;
``bench/peers.py --docs-only`` puts the section into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from rumormill.calibrate.sobol import SCENARIO_N_MAX

HERE = Path(__file__).resolve().parent
#: the Morris screening's eight largest effects on the report day and the reach (docs/calibration.md)
SOBOL_PARAMS = ("neighbourhood_rate", "report_probability", "telling_rate", "captured_inflow", "market_rate",
                "stifle", "deployment_forget", "border_inflow")


def child(workers: int, budget: int, population: int) -> dict:
    import rumormill.calibrate as cal
    from rumormill.scenario import build, load

    sc = load("kpa-2025")
    build(sc, scale=0.0005).run(days=10)  # warm the numba cache
    t0 = time.perf_counter()
    fit = cal.calibrate(sc, budget=budget, population=population, generations=3, min_acceptance=0.0,
                        cluster="local", workers=workers)
    wall = time.perf_counter() - t0
    return {"workers": workers, "executor": fit.executor, "runs": fit.evaluations, "wall_s": wall,
            "runs_per_min": 60 * fit.evaluations / wall, "scale": fit.scale}


def throughput(budget: int, population: int) -> dict:
    rows = {}
    for workers in (1, 2):
        cmd = [sys.executable, __file__, "--child", json.dumps([workers, budget, population])]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows[f"dask-{workers}"] = json.loads(out.stdout.strip().splitlines()[-1])
    return rows


def command(args: list[str], store: Path) -> dict:
    """Time a rumormill command storing into ``store``; the runs and stored id it prints."""
    cmd = [sys.executable, "-m", "rumormill.cli", *args, "--out", str(store)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    runs = re.findall(r"([\d,]+) runs (?:at scale \S+ )?in", out.stdout)
    ids = re.findall(r"(?:calibration|analysis) ([0-9a-z]{12})", out.stdout)
    return {"command": "rumormill " + " ".join(args), "wall_s": wall,
            "runs": int(runs[-1].replace(",", "")) if runs else None, "id": ids[-1] if ids else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=HERE / "results" / "runs")
    ap.add_argument("--only", default="throughput,calibrate,sobol")
    ap.add_argument("--budget", type=int, default=100, help="runs of the throughput calibration")
    ap.add_argument("--n", type=int, default=16, help="Sobol base sample size")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "calibrate.json")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return
    rows = json.loads(args.out.read_text()) if args.out.exists() else {}
    only = set(args.only.split(","))
    if "throughput" in only:
        rows["throughput"] = throughput(args.budget, 30)
    if "calibrate" in only:
        rows["calibrate"] = command(["calibrate", "kpa-2025", "--workers", "2"], args.store)
    if "sobol" in only:
        rows["sobol"] = command(["sensitivity", "kpa-2025", "--method", "sobol", "--params", ",".join(SOBOL_PARAMS),
                                 "--n", str(args.n), "--workers", "2"], args.store)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(render(rows))


def render(rows: dict) -> str:
    """The markdown section of docs/benchmarks.md (``bench/peers.py`` includes it)."""
    L = ["## Calibration and sensitivity", "",
         "`kpa-2025` at its calibration scale. Reproduce: `python bench/calibrate.py` then "
         "`python bench/peers.py --docs-only`; what the commands store goes to `--store` (default "
         "`bench/results/runs`).", ""]
    targets = []
    if "throughput" in rows:
        one, two = rows["throughput"]["dask-1"], rows["throughput"]["dask-2"]
        L += ["| executor | runs | wall s | runs/min |", "|---|---:|---:|---:|"]
        L += [f"| {r['executor']} | {r['runs']} | {r['wall_s']:.0f} | {r['runs_per_min']:.1f} |" for r in (one, two)]
        L.append("")
        gain = two["runs_per_min"] / one["runs_per_min"]
        default = 5000 / two["runs_per_min"]
        # the default sample doubles from N = 64 to at most SCENARIO_N_MAX, keeping the runs made
        sobol = SCENARIO_N_MAX * (len(SOBOL_PARAMS) + 2) * 2 / two["runs_per_min"]
        targets.append(f"| 2 Dask workers give ≥ 1.7× the calibration throughput of 1 | {gain:.2f}× | "
                       f"{'yes' if gain >= 1.7 else 'no'} |")
        if "calibrate" in rows:
            r = rows["calibrate"]
            targets.append(f"| the default calibration within 60 minutes | {r['wall_s'] / 60:.0f} min measured "
                           f"(`{r['command']}`: {r['runs']:,} runs, stored as `{r['id']}`); its whole budget of "
                           f"5,000 runs: {default:.0f} min, projected | {'yes' if r['wall_s'] <= 3600 else 'no'} |")
        else:
            targets.append(f"| the default calibration (5,000 runs) within 60 minutes | {default:.0f} min, projected "
                           f"from the 2-worker throughput | {'yes' if default <= 60 else 'no'} |")
        targets += [
                    f"| a Sobol analysis of 8 parameters, default sample size (N from 64 up to {SCENARIO_N_MAX}, with "
                    f"the measures' effect: at most {SCENARIO_N_MAX * 20:,} runs), within 60 minutes | {sobol:.0f} min "
                    f"at most, projected | {'yes' if sobol <= 60 else 'no'} |"]
    if "sobol" in rows:
        r = rows["sobol"]
        L.append(f"- `{r['command']}`: {r['runs']:,} runs in {r['wall_s'] / 60:.1f} min, stored as `{r['id']}`.")
    if targets:
        L += ["", "| target | measured | met |", "|---|---|---|", *targets, ""]
    return "\n".join(L)


if __name__ == "__main__":
    main()
