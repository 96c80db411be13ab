"""Every benchmark behind docs/benchmarks.md, one after another, then the page.

    python bench/all.py [--skip calibrate] [--scales 0.01 0.1 1]

Runs, each in its own processes and in this order: the peers
(``peers.py``: tools × models × sizes, the compile times and the kernel's
bound), the built-in scenario (``scenario.py``), ensembles (``ensemble.py``)
and calibration with sensitivity (``calibrate.py``), then writes
docs/benchmarks.md from the stored results (``peers.py --docs-only``). About
an hour and a half on 2 cores, most of it the calibration (``--skip
calibrate`` keeps its stored section). Run it in the bench virtualenv (see
bench/README.md) and leave the machine idle meanwhile: every figure is a
wall-clock time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("peers", "scenario", "ensemble", "calibrate")


def steps(a) -> list[tuple[str, list[str]]]:
    py = sys.executable
    return [
        ("peers", [py, str(HERE / "peers.py"), "--quiet-wait", str(a.quiet_wait)]),
        ("scenario", [py, str(HERE / "scenario.py"), "--scales", *map(str, a.scales)]),
        ("ensemble", [py, str(HERE / "ensemble.py")]),
        ("calibrate", [py, str(HERE / "calibrate.py")]),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip", nargs="+", choices=PARTS, default=[], help="parts whose stored results are kept")
    ap.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0], help="scales of kpa-2025")
    ap.add_argument("--quiet-wait", type=float, default=120.0, help="see peers.py")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    for name, cmd in steps(a):
        if name in a.skip:
            print(f"== {name}: skipped, its stored results are kept", flush=True)
            continue
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        if subprocess.run(cmd).returncode:
            print(f"{name} failed: docs/benchmarks.md is left as it was", file=sys.stderr)
            return 1
        print(f"== {name}: {time.perf_counter() - started:.0f} s", flush=True)
    subprocess.run([sys.executable, str(HERE / "peers.py"), "--docs-only"], check=True)
    print(f"all benchmarks in {(time.perf_counter() - t0) / 60:.0f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
