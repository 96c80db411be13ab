"""What an ensemble leaves: each replicate's summary, and tables of quantiles
across replicates — the same shape as the store's ``bands`` and ``effects``
views, so a notebook and an SQL query see one thing.

Quantiles are taken per day, story and group (or region, or everyone) over
the replicates: q05, q25, q50, q75, q95 and the mean. Letters (``bands("letters")``)
are per delayed layer: ``by`` is ``written``, ``delivered`` or ``caught``. A comparison's
``effects`` are the same quantiles of the paired differences (with the
measures − without), each pair on common random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dates import as_date, date_of_row
from ..errors import ParameterError
from .plan import Plan
from .replicate import LETTERS, Summary, delayed_layers

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")
METRICS = ("reach", "spreaders", "detained", "tellings", "letters")


@dataclass
class Ensemble:
    """Replicates of one plan (pairs, for a comparison), ordered by index."""

    plan: Plan
    summaries: list  # Summary, or (with, without) pairs
    groups: list[str]
    regions: list[str]
    stories: list[str]
    layers: list[str]
    start_date: str | None
    executor: str = ""
    seconds: float = 0.0
    resumed: int = 0  # replicates that were already stored
    info: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return len(self.summaries)

    @property
    def is_comparison(self) -> bool:
        return bool(self.plan.without)

    def columns(self) -> list[tuple[str, str]]:
        """(by, name) of axis K: groups, regions, then everyone."""
        return ([("group", g) for g in self.groups] + [("region", r) for r in self.regions] + [("all", "all")])

    @property
    def letter_layers(self) -> list[str]:
        """The layers that carry letters (axis 3 of ``Summary.letters``)."""
        return delayed_layers(self.plan.scenario)

    def _with(self) -> list[Summary]:
        return [s[0] if isinstance(s, tuple) else s for s in self.summaries]

    def _stack(self, metric: str, which: list[Summary]) -> np.ndarray:
        if metric not in METRICS:
            raise ParameterError(f"metric = {metric!r}: choose one of {', '.join(METRICS)}.")
        if metric == "letters":  # [T, S, 3, D] -> [T, S, 3 * D]; replicates stored before letters were kept have none
            arrays = [s.letters.reshape(*s.letters.shape[:2], -1) for s in which if s.letters is not None]
            if not arrays:  # no layer carries letters: no rows, as the store's bands
                return np.zeros((1, 0, len(self.stories), 0))
        else:
            arrays = [getattr(s, metric) for s in which]
        t = min(a.shape[0] for a in arrays)
        return np.stack([a[:t] for a in arrays]).astype(np.float64)

    def bands(self, metric: str = "reach"):
        """Quantiles across replicates: one row per day × story × column (or layer)."""
        return self._table(self._stack(metric, self._with()), metric)

    def effects(self, metric: str = "reach"):
        """Quantiles of the paired differences, with the measures − without."""
        if not self.is_comparison:
            raise ParameterError("effects: this ensemble is not a comparison; use compare(..., without=[...]).")
        a = self._stack(metric, [s[0] for s in self.summaries])
        b = self._stack(metric, [s[1] for s in self.summaries])
        t = min(a.shape[1], b.shape[1])
        return self._table(a[:, :t] - b[:, :t], metric)

    def _table(self, values: np.ndarray, metric: str):
        import pandas as pd

        q = np.quantile(values, QUANTILES, axis=0)
        mean = values.mean(axis=0)
        if metric == "detained":  # no story axis
            q, mean = q[:, :, None], mean[:, None]
            stories = [""]
        else:
            stories = self.stories
        if metric == "tellings":
            labels = [("layer", name) for name in self.layers]
        elif metric == "letters":
            labels = [(what, name) for what in LETTERS for name in self.letter_layers]
        else:
            labels = self.columns()
        t, s, k = mean.shape
        day = np.repeat(np.arange(t), s * k)
        frame = pd.DataFrame({
            "day": day,
            "story": np.tile(np.repeat(np.array(stories, dtype=object), k), t),
            "by": np.tile(np.array([b for b, _ in labels], dtype=object), t * s),
            "name": np.tile(np.array([n for _, n in labels], dtype=object), t * s),
            "metric": metric,
            **{c: q[i].reshape(-1) for i, c in enumerate(QCOLS)},
            "mean": mean.reshape(-1),
            "runs": values.shape[0],
        })
        if self.start_date:
            frame.insert(1, "date", [date_of_row(self.start_date, d) for d in frame["day"]])
        return frame

    def at(self, date: str, story: str, name: str, metric: str = "reach", effect: bool = False) -> tuple:
        """(median, q05, q95) of one figure on one date (the end of that day)."""
        table = self.effects(metric) if effect else self.bands(metric)
        row = table[(table["date"] == as_date(date)) & (table["story"] == story)
                    & (table["name"] == name)]
        if row.empty:
            raise ParameterError(f"no {metric} for story {story!r}, {name!r} on {date}.")
        r = row.iloc[-1]
        return float(r.q50), float(r.q05), float(r.q95)

    def replicates(self):
        """One row per replicate: its seed, drawn parameters, report and order days, detentions, the
        first day each office of a chain was reached (a column per ``trigger: office``) and each
        measure was on (``on: measure``); None where it never was (or was not stored)."""
        import pandas as pd

        rows = []
        for s in self._with():
            rows.append({"replicate": s.index, "seed_entropy": str(s.seed_entropy),
                         "spawn_key": ",".join(map(str, s.spawn_key)), "report_day": s.report_day,
                         "order_day": s.order_day, "detained": int(s.detained[-1, -1]), "seconds": s.seconds,
                         **s.stage_days, **{f"on: {m}": d for m, d in s.start_days.items()}, **s.values})
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        kind = f"comparison without {', '.join(self.plan.without)}" if self.is_comparison else "ensemble"
        return f"Ensemble({self.plan.scenario.name!r}, {kind}, {self.runs} runs, scale={self.plan.scale:g}, id={self.plan.id})"
