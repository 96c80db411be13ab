"""Side-by-side benchmark: rumormill against NDlib, EoN, Starsim and Mesa.

    python bench/peers.py [--sizes 10000 100000 1000000] [--models sir mt]
                          [--tools ...] [--repeat 1] [--out bench/results/peers.json]
                          [--merge] [--write-docs] [--docs-only]

Each tool x model x size x repeat runs in its own subprocess
(``bench/run_one.py``), one after another, never in parallel, so wall times are
not disturbed and the peak memory (``ru_maxrss`` of the child) belongs to one
tool.  A run that exceeds ``--timeout`` is killed (its own process group only)
and recorded as "timeout"; a tool that is not importable is recorded as
"not installed".

``--write-docs`` regenerates ``docs/benchmarks.md`` from the JSON (after the
runs, or alone with ``--docs-only``).  ``--merge`` keeps the records of the JSON
file that this invocation does not re-measure (e.g. re-run only rumormill).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUN_ONE = HERE / "run_one.py"
BANDWIDTH = HERE / "bandwidth.py"

TOOLS = ["rumormill-daily", "rumormill-daily-1t", "rumormill-exact", "starsim", "eon", "ndlib", "mesa"]
MODELS = ["sir", "mt"]
SIZES = [10_000, 100_000, 1_000_000]
# runs skipped by default because they are far too slow to be useful
# (Mesa: the issue asks for N = 1e4 only; EoN's generic Gillespie for MT takes
# ~13 s at 1e4 and did not finish within 600 s at 1e5)
MAX_N = {("mesa", "sir"): 10_000, ("mesa", "mt"): 10_000, ("eon", "mt"): 10_000}
PACKAGES = ["rumormill", "ndlib", "EoN", "starsim", "mesa", "networkx", "numpy", "numba", "scipy", "pandas"]

LABEL = {
    "rumormill-daily": "rumormill daily",
    "rumormill-daily-1t": "rumormill daily, 1 thread",
    "rumormill-exact": "rumormill exact",
    "starsim": "Starsim",
    "eon": "EoN",
    "ndlib": "NDlib",
    "mesa": "Mesa",
}
WHAT = {
    ("rumormill-daily", "sir"): "daily engine, SIR(rate=-ln 0.95, recovery=-ln 0.9)",
    ("rumormill-daily-1t", "sir"): "the same on one numba thread",
    ("rumormill-exact", "sir"): "exact engine, SIR(rate=0.05, recovery=0.1)",
    ("starsim", "sir"): "ss.SIR on ss.RandomNet (static)",
    ("eon", "sir"): "EoN.fast_SIR (continuous time)",
    ("ndlib", "sir"): "ndlib SIRModel",
    ("mesa", "sir"): "custom agents on discrete_space.Network",
    ("rumormill-daily", "mt"): "daily engine, MakiThompson(rate=-ln 0.95)",
    ("rumormill-daily-1t", "mt"): "the same on one numba thread",
    ("rumormill-exact", "mt"): "exact engine, MakiThompson(rate=0.05)",
    ("starsim", "mt"): "custom ss.SIR subclass (bench/run_one.py)",
    ("eon", "mt"): "EoN.Gillespie_simple_contagion (continuous time)",
    ("ndlib", "mt"): "no rumour model",
    ("mesa", "mt"): "custom agents on discrete_space.Network",
}


# ---------------------------------------------------------------- machine


def machine_info() -> dict:
    info = {"nproc": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    try:
        info["nproc_affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    return info


def versions() -> dict:
    from importlib import metadata

    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


# ---------------------------------------------------------------- running


def run_child(cmd: list[str], timeout: float, env: dict | None = None) -> tuple[str, dict | None, str, float]:
    """Run ``cmd`` in its own process group; return (status, last-JSON, stderr tail, wall)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT, env=env
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group this call created, nothing else
        out, err = proc.communicate()
        return "timeout", None, (err or "")[-2000:], time.perf_counter() - t0
    wall = time.perf_counter() - t0
    rec = None
    for line in reversed((out or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                rec = json.loads(line)
                break
            except json.JSONDecodeError:
                continue
    if rec is None:
        return f"crashed (exit {proc.returncode})", None, (err or "")[-2000:], wall
    return rec.get("status", "ok"), rec, (err or "")[-2000:], wall


def busy_cores(interval: float = 1.0) -> float | None:
    """CPU cores in use by anything on the machine, averaged over ``interval`` s."""

    def snap():
        f = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        v = [int(x) for x in f]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v), idle

    try:
        t0, i0 = snap()
        time.sleep(interval)
        t1, i1 = snap()
    except OSError:
        return None
    total = t1 - t0
    if total <= 0:
        return None
    return (os.cpu_count() or 1) * (1.0 - (i1 - i0) / total)


def wait_quiet(max_wait: float, threshold: float = 0.3) -> tuple[float | None, float]:
    """Wait (at most ``max_wait`` s) until less than ``threshold`` cores are busy."""
    t0 = time.perf_counter()
    b = busy_cores()
    while b is not None and b > threshold and time.perf_counter() - t0 < max_wait:
        b = busy_cores(2.0)
    return b, time.perf_counter() - t0


def measure(tool, model, n, seed, timeout, python, quiet_wait=0.0) -> dict:
    cmd = [python, str(RUN_ONE), "--tool", tool, "--model", model, "--n", str(n), "--seed", str(seed)]
    busy, waited = wait_quiet(quiet_wait) if quiet_wait > 0 else (busy_cores(), 0.0)
    load = os.getloadavg()[0]
    status, rec, err, wall = run_child(cmd, timeout)
    if rec is None:
        rec = {"tool": tool, "model": model, "n": n, "seed": seed}
    rec["status"] = status
    rec["wall_s"] = wall
    rec["loadavg_1m_before"] = load
    rec["busy_cores_before"] = busy
    rec["waited_for_quiet_s"] = waited
    if status not in ("ok", "unsupported", "not installed"):
        rec["stderr_tail"] = err
    return rec


def cold_compile(python: str, timeout: float) -> list[dict]:
    """rumormill's first call with an empty numba cache (true compile time)."""
    import tempfile

    out = []
    for tool in ("rumormill-daily", "rumormill-exact"):
        for model in MODELS:
            with tempfile.TemporaryDirectory() as d:
                env = dict(os.environ, NUMBA_CACHE_DIR=d)
                cmd = [python, str(RUN_ONE), "--tool", tool, "--model", model, "--n", "1000", "--seed", "0"]
                status, rec, err, wall = run_child(cmd, timeout, env=env)
            out.append(
                {
                    "tool": tool,
                    "model": model,
                    "status": status,
                    "cold_warmup_s": (rec or {}).get("warmup_s"),
                    "peak_mb": (rec or {}).get("peak_mb"),
                    "wall_s": wall,
                    **({"stderr_tail": err} if status != "ok" else {}),
                }
            )
    return out


#: the command-line call whose compile time is measured: the built-in scenario, one small run
CLI_RUN = ["run", "--runs", "1", "--scale", "0.003", "--no-report"]


def cli_compile(python: str, timeout: float) -> list[dict]:
    """``rumormill run`` with an empty numba cache, then again with the cache it wrote."""
    import tempfile

    out = []
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as store:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold", "warm"):
            cmd = [python, str(HERE / "compile_time.py"), *CLI_RUN, "-o", store]
            status, rec, err, wall = run_child(cmd, timeout, env=env)
            out.append({"cache": label, "status": status, "process_s": wall, **(rec or {}),
                        **({"stderr_tail": err} if status != "ok" else {})})
    return out


def run_bandwidth(python: str, kernel_s, spreader_days, timeout: float) -> dict | None:
    cmd = [python, str(BANDWIDTH), "--json"]
    if kernel_s:
        cmd += ["--kernel-s", repr(kernel_s)]
    if spreader_days:
        cmd += ["--spreader-days", repr(spreader_days)]
    status, rec, err, _ = run_child(cmd, timeout)
    if rec is None:
        return {"status": status, "stderr_tail": err}
    from bandwidth import report  # bench/ is on sys.path when this file runs as a script

    rec["report"] = report(rec["bound"], kernel_s)
    rec["kernel_s"] = kernel_s
    return rec


# ---------------------------------------------------------------- summary


def summarize(records: list[dict]) -> dict:
    """(tool, model, n) -> median over repeats of the timing fields."""
    groups: dict = {}
    for r in records:
        groups.setdefault((r["tool"], r["model"], int(r["n"])), []).append(r)
    out = {}
    for key, rs in groups.items():
        ok = [r for r in rs if r.get("status") == "ok"]
        if not ok:
            out[key] = {"status": rs[-1].get("status", "?"), "runs": len(rs), "notes": rs[-1].get("notes")}
            continue
        s = {"status": "ok", "runs": len(ok)}
        for f in ("graph_s", "setup_s", "build_s", "run_s", "warmup_s", "peak_mb", "base_mb", "final_size"):
            vals = [r[f] for r in ok if r.get(f) is not None]
            s[f] = statistics.median(vals) if vals else None
        fs = [r["final_size"] for r in ok if r.get("final_size") is not None]
        s["final_sizes"] = fs
        for f in ("version", "mean_degree", "spreader_days", "infected_at_end", "spreaders_at_end", "threads",
                  "result_sha"):
            if ok[-1].get(f) is not None:
                s[f] = ok[-1][f]
        out[key] = s
    return out


def _f(x, fmt="{:.3g}", none="–"):
    if x is None:
        return none
    return fmt.format(x)


def _secs(x):
    if x is None:
        return "–"
    if x < 0.01:
        return f"{x * 1000:.2f} ms"
    if x < 1:
        return f"{x:.3f}"
    return f"{x:.2f}"


def _ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _x(r):
    if r is None:
        return "–"
    return f"{r:,.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def render_docs(data: dict) -> str:
    S = summarize(data["records"])
    sizes = sorted({k[2] for k in S})
    models = [m for m in MODELS if any(k[1] == m for k in S)]
    m = data.get("machine", {})
    v = data.get("versions", {})
    L = []
    L.append("# Benchmarks: rumormill against its peers")
    L.append("")
    L.append("<!-- generated by bench/peers.py --write-docs; edit bench/peers.py, not this file -->")
    L.append("")
    L.append(
        "SIR and Maki–Thompson on a static Poisson (Erdős–Rényi) graph, mean degree 10, "
        "per-contact daily probability 0.05 (rate 0.05 in continuous time), recovery 0.1 a day, "
        "0.1% initially infected, 100 days. Each tool × model × size runs alone in a fresh "
        "subprocess, one after another, on the machine below."
    )
    L.append("")
    L.append("Reproduce the whole page, every section below, with one command (in the bench virtualenv, see "
             "`bench/README.md`; about an hour and a half on 2 cores, `--skip calibrate` keeps the calibration's "
             "stored section):")
    L.append("")
    L.append("```sh")
    L.append(".venv-bench/bin/python bench/all.py")
    L.append("```")
    L.append("")
    L.append("The peers' tables alone: `.venv-bench/bin/python bench/peers.py --write-docs` (about 15 minutes).")
    L.append("")
    cmds = data.get("commands") or [data.get("command") or "python bench/peers.py --write-docs"]
    if len(cmds) > 1:
        L.append("These tables were filled by the following calls, later ones replacing the runs they name (`--merge`):")
        L.append("")
        L.append("```sh")
        L.extend(cmds)
        L.append("```")
        L.append("")
    L.append(f"Measured {data.get('date', '?')}.")
    L.append("")
    L.extend(HOW_MEASURED)
    L.append("")
    L.append("## Machine and versions")
    L.append("")
    L.append(
        f"- {m.get('nproc', '?')} cores ({m.get('cpu', '?')}), {m.get('ram_gib', '?')} GiB RAM, "
        f"Python {m.get('python', '?')}, {m.get('platform', '?')}"
    )
    L.append("- " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    busy = [r["busy_cores_before"] for r in data["records"] if r.get("busy_cores_before") is not None]
    if busy:
        L.append(
            f"- other CPU use in the second before each run: {min(busy):.2f}–{max(busy):.2f} cores "
            f"(runs wait up to `--quiet-wait` s for < 0.3)"
        )
    missing = [k for k, val in v.items() if not val]
    if missing:
        L.append("- not installed: " + ", ".join(missing))
    L.append("")
    L.append("## Columns")
    L.append("")
    L.append(
        "- **build s**: contact graph plus model set-up (networkx `fast_gnp_random_graph` for NDlib, EoN and Mesa; "
        "Starsim builds its own `RandomNet` in `sim.init()`; rumormill's `erdos_renyi`)."
    )
    L.append("- **run s**: the 100 simulated days only.")
    L.append(
        "- **warm-up s**: a first small run before timing (numba compile or cache load; rumormill and Starsim "
        "both use numba). Not included in build or run."
    )
    L.append(
        "- **peak MB**: `ru_maxrss` of the tool's own process, imports included; **base MB** the same just "
        "before the timed build."
    )
    L.append("- **final size**: fraction ever infected / informed at day 100 (median over repeats).")
    L.append(
        "- **run ×** / **total ×**: the tool's run time (build + run) divided by rumormill's, daily engine and "
        "exact engine; above 1 means rumormill is faster."
    )
    L.append("")
    for model in models:
        title = "SIR" if model == "sir" else "Maki–Thompson"
        L.append(f"## {title}")
        L.append("")
        for n in sizes:
            rows = [t for t in TOOLS if (t, model, n) in S]
            if not rows:
                continue
            d = S.get(("rumormill-daily", model, n), {})
            e = S.get(("rumormill-exact", model, n), {})
            dtot = (d.get("build_s") or 0) + d["run_s"] if d.get("run_s") is not None else None
            etot = (e.get("build_s") or 0) + e["run_s"] if e.get("run_s") is not None else None
            L.append(f"### {title}, N = {n:,}")
            L.append("")
            L.append(
                "| tool | what | build s | run s | warm-up s | peak MB | base MB | final size "
                "| run × daily | total × daily | run × exact | total × exact |"
            )
            L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for t in rows:
                s = S[(t, model, n)]
                what = WHAT.get((t, model), "")
                if s["status"] != "ok":
                    note = s["status"] + (f" ({s['notes']})" if s.get("notes") else "")
                    L.append(f"| {LABEL[t]} | {what} | {note} | | | | | | | | | |")
                    continue
                tot = (s.get("build_s") or 0) + s["run_s"]
                fs = s["final_sizes"]
                fstr = _f(s["final_size"], "{:.4f}")
                if len(fs) > 1:
                    fstr += f" ({min(fs):.4f}–{max(fs):.4f})"
                L.append(
                    f"| {LABEL[t]} | {what} | {_secs(s.get('build_s'))} | {_secs(s['run_s'])} | "
                    f"{_secs(s.get('warmup_s'))} | {_f(s.get('peak_mb'), '{:.0f}')} | {_f(s.get('base_mb'), '{:.0f}')} | "
                    f"{fstr} | {_x(_ratio(s['run_s'], d.get('run_s')))} | {_x(_ratio(tot, dtot))} | "
                    f"{_x(_ratio(s['run_s'], e.get('run_s')))} | {_x(_ratio(tot, etot))} |"
                )
            L.append("")
    # targets
    L.append("## Targets (N = 1,000,000)")
    L.append("")
    L.append("Ratios are of run times (100 days, build excluded); the total (build + run) ratio is in brackets.")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    big = 1_000_000

    def g(t, mdl="sir"):
        return S.get((t, mdl, big), {})

    def speed(target, rm, peer, need, mdl="sir"):
        a, b = g(rm, mdl), g(peer, mdl)
        r = _ratio(b.get("run_s"), a.get("run_s"))
        tr = _ratio(
            (b.get("build_s") or 0) + b["run_s"] if b.get("run_s") is not None else None,
            (a.get("build_s") or 0) + a["run_s"] if a.get("run_s") is not None else None,
        )
        met = "–" if r is None else ("yes" if r >= need else "no")
        L.append(f"| {target} | {_x(r)} ({_x(tr)}) | {met} |")

    d = g("rumormill-daily").get("run_s")
    L.append(f"| daily SIR run ≤ 0.25 s | {_secs(d)} s | {'–' if d is None else ('yes' if d <= 0.25 else 'no')} |")
    speed("daily SIR ≥ 18× Starsim", "rumormill-daily", "starsim", 18)
    speed("daily SIR ≥ 190× EoN fast_SIR", "rumormill-daily", "eon", 190)
    speed("daily SIR ≥ 400× NDlib", "rumormill-daily", "ndlib", 400)
    speed("daily Maki–Thompson ≥ 15× Starsim", "rumormill-daily", "starsim", 15, "mt")
    speed("exact SIR ≥ 20× EoN fast_SIR", "rumormill-exact", "eon", 20)
    a, b = g("rumormill-exact"), g("eon")
    if a.get("final_size") is not None and b.get("final_size") is not None:
        diff = abs(a["final_size"] - b["final_size"])
        L.append(
            f"| exact SIR final size within 0.005 of EoN | {a['final_size']:.4f} vs {b['final_size']:.4f} "
            f"(Δ {diff:.4f}) | {'yes' if diff <= 0.005 else 'no'} |"
        )
    else:
        L.append("| exact SIR final size within 0.005 of EoN | – | – |")
    for mdl in MODELS:
        one, two = g("rumormill-daily-1t", mdl), g("rumormill-daily", mdl)
        if one.get("result_sha") and two.get("result_sha"):
            same = one["result_sha"] == two["result_sha"]
            L.append(
                f"| daily {mdl.upper()}: same result on {one.get('threads', 1)} and {two.get('threads', '?')} threads "
                f"| {'identical' if same else 'different'} (hash {two['result_sha']}); run {_secs(one['run_s'])} s "
                f"on one, {_secs(two['run_s'])} s on {two.get('threads', '?')} ({_x(_ratio(one['run_s'], two['run_s']))}) "
                f"| {'yes' if same else 'no'} |"
            )
    for t in ("rumormill-daily", "rumormill-exact"):
        for mdl in MODELS:
            p = g(t, mdl).get("peak_mb")
            if p is not None:
                L.append(
                    f"| peak memory ≤ 300 MB ({LABEL[t]}, {mdl.upper()}) | {p:.0f} MB "
                    f"(base {g(t, mdl).get('base_mb') or 0:.0f} MB before build) | {'yes' if p <= 300 else 'no'} |"
                )
    gb = g("rumormill-daily").get("graph_s")
    L.append(
        f"| network build of 10⁶ nodes ≤ 0.5 s | {_secs(gb)} s | "
        f"{'–' if gb is None else ('yes' if gb <= 0.5 else 'no')} |"
    )
    L.append("")
    cc = data.get("cold_compile")
    if cc:
        L.append("## rumormill compile time")
        L.append("")
        L.append(
            "First call (build a 2,000-node graph and run 10 days) with an empty numba cache "
            "(`NUMBA_CACHE_DIR` a fresh directory); the tables above use the warm cache."
        )
        L.append("")
        L.append("| engine | model | cold first call s | peak MB |")
        L.append("|---|---|---:|---:|")
        for c in cc:
            L.append(
                f"| {LABEL[c['tool']]} | {c['model'].upper()} | "
                f"{_secs(c.get('cold_warmup_s')) if c['status'] == 'ok' else c['status']} | {_f(c.get('peak_mb'), '{:.0f}')} |"
            )
        L.append("")
    cli = data.get("cli_compile")
    if cli:
        L.append(
            f"`rumormill {' '.join(CLI_RUN)}` (kpa-2025, one run), as `bench/compile_time.py` runs it: first with an "
            "empty numba cache (the first call after installing), then again with the cache that call wrote "
            "(numba writes each compiled function beside its module, in `__pycache__`, or under `NUMBA_CACHE_DIR`; "
            "later calls load it). Compile s is the time spent in numba's top-level compilations (its compile "
            "events); the process s includes Python's start, imports, building, the run and storing."
        )
        L.append("")
        L.append("| numba cache | compile s | process s | longest compilations |")
        L.append("|---|---:|---:|---|")
        for c in cli:
            longest = ", ".join(f"`{n.rsplit('.', 1)[-1]}` {t:.1f} s" for n, t in c.get("longest", [])[:4]) or "–"
            L.append(f"| {c['cache']} | {_secs(c.get('compile_s'))} | {_secs(c.get('process_s'))} | {longest} |")
        L.append("")
        cold = next((c for c in cli if c["cache"] == "cold"), {})
        if cold.get("compile_s") is not None:
            ok = cold["compile_s"] <= 10
            L.append("| target | measured | met |")
            L.append("|---|---|---|")
            L.append(f"| first `rumormill run`: at most 10 s of numba compilation | {cold['compile_s']:.1f} s | "
                     f"{'yes' if ok else 'no'} |")
            L.append("")
    bw = data.get("bandwidth")
    if bw and bw.get("report"):
        L.append("## Memory-bandwidth bound for the daily kernel")
        L.append("")
        L.append(
            "From `bench/bandwidth.py` (see its docstring for the byte and draw counts). Spreader-days come from "
            "the measured rumormill daily SIR run at N = 10⁶ when available. The bound is for one core (one "
            "thread's bandwidth and draws), so it is set against the one-thread run; the two-thread run follows."
        )
        L.append("")
        L.append("```")
        one, two = S.get(("rumormill-daily-1t", "sir", big), {}), S.get(("rumormill-daily", "sir", big), {})
        if bw.get("bound") and one.get("run_s"):
            sys.path.insert(0, str(HERE))
            from bandwidth import report

            L.append(report(bw["bound"], one["run_s"]).replace("measured kernel", "measured kernel, 1 thread,"))
            if two.get("run_s"):
                bound = max(bw["bound"]["bound_active_s"], 1e-12)
                L.append(f"  measured kernel, {two.get('threads', 2)} threads, {two['run_s'] * 1e3:.1f} ms = "
                         f"{two['run_s'] / bound:.1f}x the one-core active bound")
        else:
            L.append(bw["report"])
        L.append("```")
        L.append("")
    L.extend(PROFILE)
    L.append("")
    L.append("## Reading the final sizes")
    L.append("")
    L.extend(CAVEATS)
    L.append("")
    L.append("## How each tool is set up")
    L.append("")
    L.extend(SETUP_NOTES)
    L.append("")
    notes = data.get("notes")
    if notes:
        L.append("## Notes from this run")
        L.append("")
        L.extend(f"- {x}" for x in notes)
        L.append("")
    scenario = HERE / "results" / "scenario.json"
    if scenario.exists():
        sys.path.insert(0, str(HERE))
        import scenario as _scenario

        L += ["", _scenario.render(json.loads(scenario.read_text()))]
    ensemble = HERE / "results" / "ensemble.json"
    if ensemble.exists():
        sys.path.insert(0, str(HERE))
        import ensemble as _ensemble

        L += ["", _ensemble.render(json.loads(ensemble.read_text()))]
    calibration = HERE / "results" / "calibrate.json"
    if calibration.exists():
        sys.path.insert(0, str(HERE))
        import calibrate as _calibrate

        L += ["", _calibrate.render(json.loads(calibration.read_text()))]
    why_not = data.get("why_not")
    if why_not:
        L += ["", "## Targets not met, and why", ""]
        L.extend(f"- {x}" for x in why_not)
    return "\n".join(L)


HOW_MEASURED = [
    "How the figures were taken: the machine has 2 cores, and other work may run on it at the same time. "
    "Each run waits (up to `--quiet-wait` s) until less than 0.3 cores are busy and records the CPU use it saw "
    "(below). Every tool runs one after another in its own process, so a ratio compares runs made minutes "
    "apart on the same machine (the calls are listed above); a figure that looks disturbed (a busy reading above 0.3, or a ratio far from the one "
    "before) is measured again. rumormill's daily engine uses numba's threads (2 here) unless the row says "
    "1 thread; the peers run on one core (NDlib, EoN and Mesa are pure Python; Starsim vectorises with numpy).",
]

PROFILE = [
    "## Where the daily kernel's time goes",
    "",
    "`perf record` of one process, the hot addresses read off the compiled kernel's machine code "
    "(`objdump` of the function numba returns), on one thread:",
    "",
    "- **kpa-2025 at scale 0.01** (seven layers, 1,456 steps; 20.2 million spreader-steps of which 2.1 million "
    "have an event, the rest are skipped in a few nanoseconds each): before this version, 55% of the kernel's "
    "samples waited on the neighbour-list bounds, two row-pointer reads per layer and spreader plus a touch of "
    "each list. The list table (`engine.daily.list_table`: every layer's row pointers side by side, one row per "
    "agent) makes that two adjacent rows per spreader, and a list is touched only where a meeting on it is "
    "likely; the kernel's time per run on one thread fell from 1.79–1.89 s to 1.10 s (same draws, same "
    "results).",
    "- **SIR at N = 10⁶**: 44% of the kernel's samples wait, in the gather, on the first cache line of each "
    "spreader's neighbour list (touched there, as a meeting is likely on every spreader-day, so a block's "
    "misses overlap: one random read per spreader-day into a 40 MB array), 20% on the met neighbour's index "
    "and state, and most of the rest is the counter-based draws, the geometric skip (`log1p`) and the end of "
    "the step. "
    "Memory reads, not arithmetic, set the pace, which is why two threads give 1.4–1.6×, not 2×. Ordering "
    "agents so that spreaders visited together sit together, or an event-driven SIR that draws each edge's "
    "delay once, are what is left to try.",
]

CAVEATS = [
    "- The tools fall in two groups that should not agree exactly: synchronous **daily** steps (rumormill daily, "
    "NDlib, Mesa, Starsim) and **continuous time** (rumormill exact, EoN). For SIR the difference is small "
    "(≈ 0.964 daily vs ≈ 0.959 continuous at these rates); for Maki–Thompson it is large (≈ 0.76–0.77 daily vs "
    "≈ 0.69–0.70 continuous), because a spreader meets ~0.5 neighbours a day and within a day cannot be stifled "
    "by what it has just told. rumormill's daily engine says so itself (`CoarseStepWarning`, suggesting "
    "`substeps` ≥ 6 or the exact engine); the benchmark keeps `substeps=1` to match the daily peers.",
    "- Within a group the like-for-like pairs agree to sampling noise: rumormill daily vs NDlib (SIR) and Mesa, "
    "rumormill exact vs EoN (SIR, and Maki–Thompson at 10⁴).",
    "- Starsim comes out lower in both models (≈ 0.941 SIR, ≈ 0.744 MT): its `RandomNet` degrees are not Poisson "
    "and, for SIR, its exponential infectious period checked at whole days gives ≈ 9.5 transmitting days "
    "instead of 10 (see below).",
]

SETUP_NOTES = [
    "- **rumormill daily**: `erdos_renyi(n, 10.0, seed)`; `SIR(rate=-ln(1-0.05), recovery=-ln(1-0.1))` so the "
    "one-day meeting and recovery probabilities are exactly 0.05 and 0.1 (the engine uses p = 1 - exp(-rate dt)); "
    "`MakiThompson(rate=-ln(1-0.05))`; `initial=0.001`, `days=100`.",
    "- **rumormill exact**: same graph; `SIR(rate=0.05, recovery=0.1)` and `MakiThompson(rate=0.05)` in continuous time.",
    "- **NDlib**: `SIRModel(G, seed)` with beta 0.05, gamma 0.1, fraction_infected 0.001; "
    "`iteration_bunch(101, node_status=False)` (iteration 0 only reports the initial state). "
    "Each infected node tries each susceptible neighbour with probability beta, then recovers with probability gamma. "
    "NDlib has no rumour (Maki–Thompson) model.",
    "- **EoN**: `fast_SIR(G, tau=0.05, gamma=0.1, rho=0.001, tmax=100, rng=default_rng(seed))` (continuous time, "
    "exponential infectious period). Maki–Thompson as `Gillespie_simple_contagion` with induced transitions "
    "(I,S)→(I,I), (I,I)→(I,R) and (R,I)→(R,R) at rate 0.05 each (a spreader stops at 0.05 per knowing neighbour); "
    "pure Python: about 13 s at N = 10⁴ and over 600 s (killed) at 10⁵, so it is only run at 10⁴.",
    "- **Starsim**: `ss.RandomNet(n_contacts=ss.poisson(10), dynamic=False)`; Starsim's `n_contacts` counts both "
    "ends of an edge, so this gives mean degree 10 (measured 9.98–10.0). Its degrees are not exactly Poisson: "
    "each agent is the source of ~n_contacts/2 edges and the target of a Poisson number, picked in proportion to "
    "the targets' own n_contacts, with possible repeated pairs and self-pairs. "
    "`ss.SIR(beta=ss.probperday(0.05), init_prev=ss.bernoulli(0.001), dur_inf=ss.expon(scale=ss.days(10)), "
    "p_death=0)`; `ss.Sim(start=ss.days(0), stop=ss.days(99), dt=ss.days(1))` — one step per time point, "
    "so 100 daily steps. The infectious period is a continuous exponential (mean 10 days) checked at whole days, "
    "so an agent transmits on about 9.5 days on average against 10 for a daily 0.1 recovery probability: expect a "
    "slightly smaller final size. Maki–Thompson is a custom `ss.SIR` subclass in `bench/run_one.py` (vectorised "
    "numpy over the edge list, same synchronous rule as rumormill's daily engine).",
    "- **Mesa**: agents on `mesa.discrete_space.Network` over the networkx graph (the successor of `NetworkGrid`, "
    "as in Mesa's own virus_on_network example); each day `shuffle_do('step')` (spreaders meet each neighbour "
    "with probability 0.05, then recover with probability 0.1 — or, for Maki–Thompson, stop if they met a knower) "
    "then `do('advance')`, so states at the start of the day decide. N = 10⁴ only.",
    "- Initial spreaders: rumormill, NDlib, EoN and Mesa seed round(0.001 N) agents; Starsim draws each agent "
    "with probability 0.001.",
    "- All timings are single runs unless `--repeat` > 1 (then medians); the same seed is used by every tool "
    "but the tools' random streams differ, so final sizes agree only statistically.",
]


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="rumormill vs NDlib / EoN / Starsim / Mesa")
    ap.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    ap.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    ap.add_argument("--tools", nargs="+", choices=TOOLS, default=TOOLS)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run before it is killed")
    ap.add_argument("--out", default=str(HERE / "results" / "peers.json"))
    ap.add_argument("--docs", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--write-docs", action="store_true", help="regenerate docs/benchmarks.md from the JSON")
    ap.add_argument("--docs-only", action="store_true", help="run nothing; only regenerate the docs from --out")
    ap.add_argument("--merge", action="store_true", help="keep records of --out that this call does not re-measure")
    ap.add_argument("--no-limits", action="store_true", help="also run the very slow combinations (Mesa > 1e4, EoN MT > 1e5)")
    ap.add_argument("--no-bandwidth", action="store_true")
    ap.add_argument("--no-cold-compile", action="store_true")
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=300.0,
        help="before each run wait up to this many seconds for the machine to be idle (<0.3 cores busy); 0 = don't",
    )
    ap.add_argument("--python", default=sys.executable, help="interpreter for the child runs")
    a = ap.parse_args(argv)

    out = Path(a.out)
    if a.docs_only:
        data = json.loads(out.read_text())
        Path(a.docs).write_text(render_docs(data) + "\n")
        print(f"wrote {a.docs}")
        return 0

    old = json.loads(out.read_text()) if (a.merge and out.exists()) else None
    cmd = "python bench/peers.py " + " ".join(argv if argv is not None else sys.argv[1:])
    data = {
        "command": cmd.strip(),
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": versions(),
        "records": [],
    }
    todo = []
    for model in a.models:
        for n in a.sizes:
            for tool in a.tools:
                lim = MAX_N.get((tool, model))
                if lim is not None and n > lim and not a.no_limits:
                    continue
                for r in range(a.repeat):
                    todo.append((tool, model, n, a.seed + r))
    measured = {(t, m, n) for t, m, n, _ in todo}
    print(f"{len(todo)} runs; machine {data['machine']}", flush=True)
    for i, (tool, model, n, seed) in enumerate(todo, 1):
        rec = measure(tool, model, n, seed, a.timeout, a.python, a.quiet_wait)
        data["records"].append(rec)
        print(
            f"[{i}/{len(todo)}] {tool:16s} {model:3s} n={n:>9,} {rec['status']:>13s} "
            f"build={_secs(rec.get('build_s'))} run={_secs(rec.get('run_s'))} "
            f"peak={_f(rec.get('peak_mb'), '{:.0f}')}MB final={_f(rec.get('final_size'), '{:.4f}')}"
            + (f" error={rec.get('error')}" if rec.get("error") else ""),
            flush=True,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(_merged(data, old, measured), indent=1))

    data = _merged(data, old, measured)
    rm_tools = [t for t in a.tools if t.startswith("rumormill")]
    if rm_tools and not a.no_cold_compile:
        print("cold compile (empty numba cache) ...", flush=True)
        data["cold_compile"] = cold_compile(a.python, a.timeout)
        for c in data["cold_compile"]:
            print(f"  {c['tool']} {c['model']}: {c['status']} {_secs(c.get('cold_warmup_s'))} s", flush=True)
        data["cli_compile"] = cli_compile(a.python, a.timeout)
        for c in data["cli_compile"]:
            print(f"  rumormill run, {c['cache']} cache: {c['status']} compile {_secs(c.get('compile_s'))} s, "
                  f"process {_secs(c.get('process_s'))} s", flush=True)
    elif old and old.get("cold_compile"):
        data["cold_compile"] = old["cold_compile"]
        if old.get("cli_compile"):
            data["cli_compile"] = old["cli_compile"]

    if not a.no_bandwidth:
        S = summarize(data["records"])
        d = S.get(("rumormill-daily", "sir", 1_000_000), {})
        data["bandwidth"] = run_bandwidth(a.python, d.get("run_s"), d.get("spreader_days"), a.timeout)
        if data["bandwidth"].get("report"):
            print(data["bandwidth"]["report"], flush=True)
    elif old and old.get("bandwidth"):
        data["bandwidth"] = old["bandwidth"]

    out.write_text(json.dumps(data, indent=1))
    print(f"wrote {out}")
    if a.write_docs:
        Path(a.docs).write_text(render_docs(data) + "\n")
        print(f"wrote {a.docs}")
    return 0


def _tools_of(cmd: str) -> set:
    toks = cmd.split()
    if "--tools" not in toks:
        return set(TOOLS)
    out = set()
    for t in toks[toks.index("--tools") + 1 :]:
        if t.startswith("--"):
            break
        out.add(t)
    return out


def _merged(data: dict, old: dict | None, measured: set) -> dict:
    if not old:
        return data
    keep = [r for r in old.get("records", []) if (r["tool"], r["model"], int(r["n"])) not in measured]
    new = dict(data)
    new["records"] = keep + data["records"]
    if old.get("notes") and not data.get("notes"):
        new["notes"] = old["notes"]
    if old.get("why_not") and not data.get("why_not"):
        new["why_not"] = old["why_not"]
    prev = old.get("commands", [old.get("command")] if old.get("command") else [])
    # a command whose tools this one re-measured in full is superseded
    prev = [c for c in prev if _tools_of(c) != _tools_of(data["command"]) or _tools_of(c) == set(TOOLS)]
    new["commands"] = prev + [data["command"]]
    return new


if __name__ == "__main__":
    sys.exit(main())
