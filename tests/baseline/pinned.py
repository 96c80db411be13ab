"""The built-in scenario's behaviour, pinned: summary numbers of one fixed-seed
run of ``kpa-2025`` at a small scale, so that a change in what the scenario
does shows up in review as a changed file, not as a silent drift.

    python tests/baseline/pinned.py          # rewrite kpa-2025.json after an intended change

The test beside this file recomputes the numbers and compares them with the
stored ones within ``TOLERANCE``: the run is bit-for-bit reproducible on one
set of dependency versions, and the tolerance only absorbs floating-point
differences between versions (CI runs the newest and the lowest).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PINNED = HERE / "kpa-2025.json"
SCALE, SEED = 0.003, 2025
#: reach fractions within 0.03, report and order days within 3 days,
#: detentions within 25% (or 5 people)
TOLERANCE = {"reach": 0.03, "days": 3, "detained_rel": 0.25, "detained_abs": 5}


def summarise() -> dict:
    """Reach of each story by group on each key date, detentions by group,
    and the days the border report and the order came."""
    from rumormill.scenario import build, load

    built = build(load("kpa-2025"), scale=SCALE, seed=SEED)
    res = built.run()
    pop = built.population
    start = date.fromisoformat(built.start_date)
    out = {"scale": SCALE, "seed": SEED, "n": int(pop.n), "reach": {}, "detained": {}, "events": {}}
    for label, iso in built.key_dates.items():
        row = min((date.fromisoformat(iso) - start).days + 1, len(res.days) - 1)
        for s, story in enumerate(res.stories):
            for group in pop.groups:
                cells = pop.cells_of([group], None)
                size = res.counts[row, s, :, cells].sum()
                if size:
                    heard = 1.0 - res.counts[row, s, 0, cells].sum() / size
                    out["reach"][f"{story}|{group}|{label}"] = round(float(heard), 4)
    for group in pop.groups:
        out["detained"][group] = int(res.detained[-1, pop.cells_of([group], None)].sum())
    for kind in ("report", "order"):
        days = [e[0] for e in res.events if e[1] == kind]
        out["events"][kind] = int(min(days)) if days else None
    return out


def differences(now: dict, pinned: dict) -> list[str]:
    """What moved beyond the tolerance, one line each (empty: nothing did)."""
    out = []
    for key in ("scale", "seed", "n"):
        if now[key] != pinned[key]:
            out.append(f"{key}: {pinned[key]} -> {now[key]}")
    for key in sorted(set(now["reach"]) | set(pinned["reach"])):
        a, b = pinned["reach"].get(key), now["reach"].get(key)
        if a is None or b is None or abs(a - b) > TOLERANCE["reach"]:
            out.append(f"reach {key}: {a} -> {b}")
    for key in sorted(set(now["detained"]) | set(pinned["detained"])):
        a, b = pinned["detained"].get(key), now["detained"].get(key)
        limit = max(TOLERANCE["detained_abs"], TOLERANCE["detained_rel"] * (a or 0))
        if a is None or b is None or abs(a - b) > limit:
            out.append(f"detained {key}: {a} -> {b}")
    for key in ("report", "order"):
        a, b = pinned["events"].get(key), now["events"].get(key)
        if (a is None) != (b is None) or (a is not None and abs(a - b) > TOLERANCE["days"]):
            out.append(f"{key} day: {a} -> {b}")
    return out


if __name__ == "__main__":
    now = summarise()
    if PINNED.exists():
        for line in differences(now, json.loads(PINNED.read_text())):
            print(line)
    PINNED.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    print(f"wrote {PINNED.name}: {len(now['reach'])} reach figures, report day {now['events']['report']}",
          file=sys.stderr)
