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
    one, two, dask, big = rows["pool-1"], rows["pool-2"], rows["dask-local-2"], rows["pool-2-x8"]
    per_run_pool = two["wall_s"] * 2 / two["runs"]
    print(f"| configuration | runs | wall s | runs/min | s per replicate (inside) | builds | coordinator peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} ({r['executor']}) | {r['runs']} | {r['wall_s']:.1f} | {r['throughput_per_min']:.1f} | "
              f"{r['replicate_s']:.2f} | {r['builds']} | {r['peak_mb']:.0f} |")
    print()
    print(f"- 2 workers / 1 worker throughput: {two['throughput_per_min'] / one['throughput_per_min']:.2f}x (target >= 1.8x)")
    print(f"- Dask LocalCluster / local pool wall time: {dask['wall_s'] / two['wall_s']:.2f} (target <= 1.10)")
    print(f"- overhead per replicate in the pool: {(per_run_pool - two['replicate_s']) / two['replicate_s']:.1%} "
          f"of a replicate (target <= 5%; includes the pool's start and each worker's first build)")
    print(f"- coordinator peak: {two['peak_mb']:.0f} MB at {two['runs']} runs, {big['peak_mb']:.0f} MB at {big['runs']} runs")


if __name__ == "__main__":
    main()
