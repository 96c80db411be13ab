"""Memory-bandwidth and RNG-rate lower bound for the daily SIR kernel.

    python bench/bandwidth.py [--n 1000000] [--degree 10] [--days 100]
                              [--kernel-s SECONDS] [--spreader-days K]

Measures (best of 5, single thread):

* streaming read bandwidth: a reduction over a 1 GiB array (numpy ``sum`` of
  float64 and of int32, and a numba loop if numba is importable; the fastest
  counts as "read bandwidth");
* RNG rate: numpy ``Generator.random`` draws/s, and rumormill's counter-based
  stream (``rumormill.engine.counter_rng``) in a numba loop when importable —
  the latter is what the kernel actually draws from.

Then the lower bound for one daily SIR run at N agents, mean degree k, D days:

  bytes  = 4 B x (directed edges = N k)            every neighbour index read once
         + 8 B x (N + 1)                           the CSR row pointers, once
         + state bytes, under one of two assumptions:
             scan:   1 B x N per day (a kernel that scans every agent's state daily)
             active: (1 B state + 4 B active-list entry + 16 B row pointers) per
                     spreader-day (a kernel that visits only current spreaders,
                     as rumormill's does), plus 1 B per meeting for the
                     neighbour's state
  draws  = spreader-days x (1 + p k + 1)           one geometric skip per meeting plus
                                                   one to end the list, one forget draw
  bound  = max(bytes / bandwidth, draws / RNG rate)  (the two could overlap)

Spreader-days default to final_size x N x mean infectious days (1/gamma_p = 10)
with final_size 0.96; pass the measured value with --spreader-days.

It also measures independent random reads into arrays the size of the CSR
row pointers (8 MB) and neighbour indices (40 MB) at N = 1e6, and prints
spreader-days x (one read in each) as a latency *estimate* (not a bound: a
kernel that visits spreaders in index order could prefetch).

The bandwidth bound is optimistic on purpose: at N = 1e6 the 1 MB state array sits in cache,
and meetings are random gathers, so the real limit is closer to memory latency
than to streaming bandwidth.  The ratio kernel_time / bound says how far the
kernel is from "touch every byte once at full speed".
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def _best(f, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def measure_bandwidth(nbytes: int = 1 << 30, repeat: int = 5) -> dict:
    """Streaming-read bandwidth in bytes/s (best of ``repeat``), by method."""
    out = {}
    a64 = np.ones(nbytes // 8, dtype=np.float64)
    t = _best(lambda: a64.sum(), repeat)
    out["numpy_sum_float64"] = a64.nbytes / t
    del a64
    a32 = np.ones(nbytes // 4, dtype=np.int32)
    t = _best(lambda: a32.sum(dtype=np.int64), repeat)
    out["numpy_sum_int32"] = a32.nbytes / t
    try:
        import numba

        @numba.njit(fastmath=True)
        def _sum(a):
            s = 0
            for i in range(a.size):
                s += a[i]
            return s

        _sum(a32[:1000])
        t = _best(lambda: _sum(a32), repeat)
        out["numba_loop_int32"] = a32.nbytes / t
    except ImportError:
        pass
    del a32
    out["best"] = max(v for k, v in out.items())
    return out


def measure_gather(n_index: int = 10_000_000, repeat: int = 5) -> dict:
    """Independent random reads per second into arrays the size of the N = 1e6
    CSR row pointers (8 MB of int64) and neighbour indices (40 MB of int32)."""
    out = {}
    try:
        import numba
    except ImportError:
        return out

    @numba.njit
    def _gather(a, idx):
        s = 0
        for i in range(idx.size):
            s += a[idx[i]]
        return s

    rng = np.random.default_rng(1)
    for name, size, dt in (("indptr_8MB", 1_000_001, np.int64), ("indices_40MB", 10_000_000, np.int32)):
        a = np.ones(size, dtype=dt)
        idx = rng.integers(0, size, n_index)
        _gather(a, idx[:100])
        t = _best(lambda: _gather(a, idx), repeat)
        out[name] = n_index / t
    return out


def measure_rng(n: int = 10_000_000, repeat: int = 5) -> dict:
    """Uniform draws per second (best of ``repeat``)."""
    out = {}
    g = np.random.default_rng(0)
    buf = np.empty(n)
    t = _best(lambda: g.random(out=buf), repeat)
    out["numpy_generator"] = n / t
    try:
        import numba

        from rumormill.engine.counter_rng import counter, next_uniform

        @numba.njit
        def _draw(m):
            acc = 0.0
            for i in range(m // 4):
                r = counter(np.uint64(12345), np.uint64(7), i)
                for _ in range(4):
                    r, u = next_uniform(r)
                    acc += u
            return acc

        _draw(1000)
        t = _best(lambda: _draw(n), repeat)
        out["rumormill_counter_rng"] = n / t
    except Exception as e:  # noqa: BLE001 - optional
        out["rumormill_counter_rng_error"] = f"{type(e).__name__}: {e}"
    return out


def bound(
    n: int,
    degree: float,
    days: int,
    bandwidth: float,
    rng_rate: float,
    p: float = 0.05,
    spreader_days: float | None = None,
    final_size: float = 0.96,
    mean_infectious_days: float = 10.0,
    gather: dict | None = None,
) -> dict:
    directed = n * degree
    if spreader_days is None:
        spreader_days = final_size * n * mean_infectious_days
    meetings = spreader_days * p * degree
    edges_b = 4.0 * directed + 8.0 * (n + 1)
    scan_b = edges_b + 1.0 * n * days
    active_b = edges_b + 21.0 * spreader_days + 1.0 * meetings
    draws = spreader_days * (2.0 + p * degree)
    r = {
        "n": n,
        "degree": degree,
        "days": days,
        "spreader_days": spreader_days,
        "meetings": meetings,
        "bytes_scan": scan_b,
        "bytes_active": active_b,
        "draws": draws,
        "bandwidth_Bps": bandwidth,
        "rng_per_s": rng_rate,
        "t_bytes_scan": scan_b / bandwidth,
        "t_bytes_active": active_b / bandwidth,
        "t_draws": draws / rng_rate,
    }
    if gather:
        # a spreader-day reads its row pointers at a random place and its neighbour
        # list at another; each meeting reads the neighbour's state (in cache at 1e6)
        r["gather_per_s"] = gather
        r["t_gather"] = spreader_days * (1.0 / gather["indptr_8MB"] + 1.0 / gather["indices_40MB"])
    r["bound_scan_s"] = max(r["t_bytes_scan"], r["t_draws"])
    r["bound_active_s"] = max(r["t_bytes_active"], r["t_draws"])
    return r


def report(b: dict, kernel_s: float | None = None) -> str:
    lines = [
        f"daily SIR kernel bound at N={b['n']:,}, mean degree {b['degree']:g}, {b['days']} days",
        f"  read bandwidth {b['bandwidth_Bps'] / 1e9:.2f} GB/s; RNG {b['rng_per_s'] / 1e6:.0f} M draws/s",
        f"  spreader-days {b['spreader_days']:,.0f}; meetings ~{b['meetings']:,.0f}; draws ~{b['draws']:,.0f}",
        f"  bytes (scan all states daily)   {b['bytes_scan'] / 1e6:8.1f} MB -> {b['t_bytes_scan'] * 1e3:8.2f} ms",
        f"  bytes (visit spreaders only)    {b['bytes_active'] / 1e6:8.1f} MB -> {b['t_bytes_active'] * 1e3:8.2f} ms",
        f"  random draws                                -> {b['t_draws'] * 1e3:8.2f} ms",
        f"  bound (active assumption) = {b['bound_active_s'] * 1e3:.2f} ms;"
        f" (scan assumption) = {b['bound_scan_s'] * 1e3:.2f} ms",
    ]
    if b.get("t_gather") is not None:
        g = b["gather_per_s"]
        lines.append(
            f"  random reads: {1e9 / g['indptr_8MB']:.1f} ns into 8 MB, {1e9 / g['indices_40MB']:.1f} ns into 40 MB;"
            f" two per spreader-day -> {b['t_gather'] * 1e3:.1f} ms (latency estimate, not a bound)"
        )
    if kernel_s:
        lines.append(
            f"  measured kernel {kernel_s * 1e3:.1f} ms = {kernel_s / b['bound_active_s']:.1f}x the active bound,"
            f" {kernel_s / b['bound_scan_s']:.1f}x the scan bound"
            + (f", {kernel_s / (b['t_gather'] + b['t_draws']):.1f}x random reads + draws" if b.get("t_gather") else "")
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="memory-bandwidth bound for the daily SIR kernel")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--degree", type=float, default=10.0)
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--kernel-s", type=float, default=None, help="measured rumormill daily SIR run time")
    ap.add_argument("--spreader-days", type=float, default=None)
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON as well")
    a = ap.parse_args(argv)
    bw = measure_bandwidth()
    rng = measure_rng()
    gather = measure_gather()
    rate = rng.get("rumormill_counter_rng", rng["numpy_generator"])
    b = bound(a.n, a.degree, a.days, bw["best"], rate, spreader_days=a.spreader_days, gather=gather or None)
    print(report(b, a.kernel_s))
    if a.json:
        print(json.dumps({"bandwidth": bw, "rng": rng, "gather": gather, "bound": b}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
