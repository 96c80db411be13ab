"""The questions a user asks of a run, as small tables: how far the news had
travelled by given days (by group and by region), when half of a group had
heard it, which channels carried it, and who was detained.

Each cell carries its group and region (``Result.cell_group``,
``cell_region``); these functions group by either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .result import Result


def _parts(result: Result, by: str) -> list[str]:
    if by not in ("group", "region"):
        raise ValueError("by must be 'group' or 'region'")
    names, index = (result.groups, result.cell_group) if by == "group" else (result.regions, result.cell_region)
    return [names[k] for k in index]


def _label(result: Result, day: int) -> str:
    return result.date(day) or f"day {day}"


def reach_by(result: Result, by: str, days) -> pd.DataFrame:
    """Fraction who had heard each story, per group (or region), at the end of each given day."""
    keys = _parts(result, by)
    names = list(dict.fromkeys(keys))
    rows = []
    for s, story in enumerate(result.stories):
        for d in days:
            row = min(int(d) + 1, len(result.days) - 1)  # end of day d
            counts = result.counts[row, s]  # [3, C]
            heard = counts[1] + counts[2]
            total = counts.sum(axis=0)
            for name in names:
                cells = [c for c, k in enumerate(keys) if k == name]
                size = total[cells].sum()
                rows.append({"story": story, by: name, "date": _label(result, d),
                             "reach": float(heard[cells].sum() / size) if size else float("nan")})
    frame = pd.DataFrame(rows)
    return frame.pivot_table(index=["story", by], columns="date", values="reach", sort=False)


def day_half_heard(result: Result, story: str, groups, fraction: float = 0.5) -> str | None:
    """The first day (date) by whose end ``fraction`` of the named groups had heard ``story``."""
    keys = _parts(result, "group")
    cells = [c for c, k in enumerate(keys) if k in set(groups)]
    if not cells:
        return None
    counts = result.counts[:, result.stories.index(story)][:, :, cells]
    heard = (counts[:, 1] + counts[:, 2]).sum(axis=1)
    total = counts[0].sum()
    hit = np.flatnonzero(heard >= fraction * total)
    if not total or not hit.size:
        return None
    return _label(result, max(int(hit[0]) - 1, 0))


def channel_shares(result: Result) -> pd.DataFrame:
    """Tellings carried by each layer, per story: count and share."""
    by_layer = result.tellings_by_layer().sum(axis=0)  # [S, L]
    rows = []
    for s, story in enumerate(result.stories):
        total = by_layer[s].sum()
        for k, layer in enumerate(result.layers[: by_layer.shape[1]]):
            rows.append({"story": story, "layer": layer, "tellings": int(by_layer[s, k]),
                         "share": float(by_layer[s, k] / total) if total else 0.0})
    return pd.DataFrame(rows).set_index(["story", "layer"])


def detentions_by(result: Result, by: str = "group") -> pd.DataFrame:
    """Agents detained by the end of the run, per group (or region)."""
    keys = _parts(result, by)
    final = result.detained[-1]
    frame = pd.DataFrame({by: keys, "detained": final}).groupby(by, sort=False)["detained"].sum()
    return frame.to_frame()
