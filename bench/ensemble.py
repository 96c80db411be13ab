"""Ensembles: throughput of the local pool and of a Dask LocalCluster,
per-replicate overhead, builds paid once per worker, and the coordinator's
memory as the number of replicates grows.

    python bench/ensemble.py [--scale 0.01] [--runs 16] [--out bench/results/ensemble.json]

Each measurement runs in its own subprocess (peak memory is that process's
``ru_maxrss``; worker processes are not counted in it). Every configuration
first warms the numba cache with one tiny run. Prints a markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(scale: float, runs: int, workers: int, cluster: str | None) -> dict:
    import rumormill as rm
    from rumormill.ensemble import plan_for, run_plan
    from rumormill.scenario import build, load

    build(load("kpa-2025"), scale=0.0005).run(days=10)  # warm the numba cache
    plan = plan_for("kpa-2025", runs=runs, scale=scale)
    t0 = time.perf_counter()
    ens = run_plan(plan, workers=workers, cluster=cluster)
    wall = time.perf_counter() - t0
    inside = sum(s.seconds for s in ens.summaries)
    return {"scale": scale, "runs": runs, "workers": workers, "executor": ens.executor, "wall_s": wall,
            "replicate_s": inside / runs, "builds": sum(s.built for s in ens.summaries),
            "throughput_per_min": 60 * runs / wall, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "version": rm.__version__}


def measure(scale, runs, workers, cluster) -> dict:
    cmd = [sys.executable, __file__, "--child", json.dumps([scale, runs, workers, cluster])]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "ensemble.json")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return
    rows = {
        "pool-1": measure(args.scale, args.runs, 1, None),
        "pool-2": measure(args.scale, args.runs, 2, None),
        "dask-local-2": measure(args.scale, args.runs, 2, "local"),
        "pool-2-x8": measure(args.scale, args.runs * 8, 2, None),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(render(rows))


def render(rows: dict) -> str:
    """The markdown section of docs/benchmarks.md (``bench/peers.py`` includes it)."""
    one, two, dask, big = rows["pool-1"], rows["pool-2"], rows["dask-local-2"], rows["pool-2-x8"]
    def overhead(r):
        return (r["wall_s"] * r["workers"] / r["runs"] - r["replicate_s"]) / r["replicate_s"]

    scaling = two["throughput_per_min"] / one["throughput_per_min"]
    ratio = dask["wall_s"] / two["wall_s"]
    L = ["## Ensembles", "",
         f"`kpa-2025` at scale {one['scale']:g}, {one['runs']} replicates (the whole calendar each), from "
         "`rumormill.ensemble.run_plan`; each configuration in a fresh process after one tiny warm-up run. "
         "Reproduce: `python bench/ensemble.py` then `python bench/peers.py --docs-only`.", "",
         "| configuration | runs | wall s | runs/min | s per replicate (inside) | builds | coordinator peak MB |",
         "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        L.append(f"| {name} ({r['executor']}) | {r['runs']} | {r['wall_s']:.1f} | {r['throughput_per_min']:.1f} | "
                 f"{r['replicate_s']:.2f} | {r['builds']} | {r['peak_mb']:.0f} |")
    L += ["", "| target | measured | met |", "|---|---|---|",
          f"| 2 workers give ≥ 1.8× the throughput of 1 | {scaling:.2f}× | {'yes' if scaling >= 1.8 else 'no'} |",
          f"| Dask LocalCluster (2 workers) within 10% of the local pool's wall time | {ratio:.2f}× | "
          f"{'yes' if ratio <= 1.10 else 'no'} |",
          f"| overhead per replicate (scheduling, the pool's start and each worker's first build) ≤ 5% "
          f"| {overhead(two):.1%} at {two['runs']} runs, {overhead(big):.1%} at {big['runs']} | "
          f"{'yes' if overhead(two) <= 0.05 else 'no'} |",
          f"| building paid once per worker, not per replicate | {two['builds']} builds for {two['runs']} runs, "
          f"{big['builds']} for {big['runs']} | {'yes' if big['builds'] <= 2 else 'no'} |",
          f"| coordinator's peak memory independent of the number of runs | {two['peak_mb']:.0f} MB at {two['runs']}, "
          f"{big['peak_mb']:.0f} MB at {big['runs']} | {'yes' if big['peak_mb'] <= 1.1 * two['peak_mb'] else 'no'} |",
          ""]
    return "\n".join(L)

if __name__ == "__main__":
    main()
