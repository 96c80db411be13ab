"""What a run leaves: counts by day × story × state × cell, and tellings by
day × story × layer, with tidy tables and a plot.

pandas and matplotlib are imported when a table or plot is asked for, so a
run that only needs numbers does not pay their memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .dates import date_of
from .errors import ParameterError
from .models import STATES

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of one run.

    Attributes
    ----------
    days : int64[T]
        The recorded days (0 is the start).
    counts : array[T, S, 3, C]
        Agents per day × story × state (ignorant, spreader, stifler) × cell.
        Integers for the stochastic engines, floats for ``meanfield``.
    tellings : int64[T, S, L, C]
        Tellings (an ignorant hearing the story) carried by each layer to
        hearers in each cell, during the day that ends at row t; row 0 is
        zero. A run with news from outside has a last layer ``outside``.
    intercepts : int64[T, S, L, C]
        Meetings intercepted on each layer, by the sender's cell.
    detained : int64[T, C]
        Agents detained so far, per cell.
    letters : int64[T, S, 2, L, C] or None
        On layers that carry letters (a ``delay``): letters written that day
        (index 0, by the writer's cell) and delivered (1, by the reader's
        cell); those caught on the way are in ``intercepts``. None when no
        layer has a delay.
    events : list of (day, kind, story, cell, count, detail)
        Interceptions, detentions, inflow, reports, orders, measures
        switching on and off; ``day`` is the day it happened (0-based), cell
        -1 where none applies.
    seed_entropy, spawn_key : int or None, tuple of int
        The run's ``numpy.random.SeedSequence``, to repeat it:
        ``simulate(..., seed=SeedSequence(seed_entropy, spawn_key=spawn_key))``.
    groups, regions : list of str
        The population's groups and regions (for a run without a population,
        each cell's name is its own group and region).
    cell_group, cell_region : int32[C]
        Each cell's group and region, indices into ``groups`` and ``regions``:
        count by group with ``np.add.at(out, cell_group, per_cell)``, never by
        splitting cell names.
    """

    days: np.ndarray
    counts: np.ndarray
    tellings: np.ndarray
    stories: list[str]
    layers: list[str]
    cells: list[str]
    n: int
    engine: str
    seed: int | None = None
    seed_entropy: int | None = None
    spawn_key: tuple = ()
    info: dict = field(default_factory=dict)
    intercepts: np.ndarray | None = None
    detained: np.ndarray | None = None
    letters: np.ndarray | None = None
    events: list = field(default_factory=list)
    groups: list[str] | None = None
    regions: list[str] | None = None
    cell_group: np.ndarray | None = None
    cell_region: np.ndarray | None = None

    def __post_init__(self):
        if self.cell_group is None or self.cell_region is None:
            self._cells_from_names()
        t, s, _, c = self.counts.shape
        if self.intercepts is None:
            object.__setattr__(self, "intercepts", np.zeros((t, s, len(self.layers), c), dtype=np.int64))
        if self.detained is None:
            object.__setattr__(self, "detained", np.zeros((t, c), dtype=np.int64))

    def _cells_from_names(self) -> None:
        """Groups and regions read from cell names ``group/region``, for a
        ``Result`` made without them; a name without ``/`` is its own group and region."""
        parts = [name.split("/", 1) if "/" in name else [name, name] for name in self.cells]
        for kind, k in (("group", 0), ("region", 1)):
            names = list(dict.fromkeys(p[k] for p in parts))
            object.__setattr__(self, f"{kind}s", names)
            object.__setattr__(self, f"cell_{kind}", np.array([names.index(p[k]) for p in parts], dtype=np.int32))

    def _story(self, story: str | None) -> int:
        if story is None:
            if len(self.stories) == 1:
                return 0
            raise ParameterError(f"this run has several stories {self.stories}: name one with story=...")
        if story not in self.stories:
            raise ParameterError(f"story {story!r} is not in this run; its stories are {self.stories}.")
        return self.stories.index(story)

    def totals(self, story: str | None = None) -> np.ndarray:
        """Agents per day × state for one story, summed over cells: shape (T, 3)."""
        return self.counts[:, self._story(story)].sum(axis=-1)

    def reach(self, story: str | None = None) -> float:
        """Fraction of agents who ever heard the story, at the end of the run."""
        return float(1.0 - self.totals(story)[-1, 0] / self.n)

    def reach_curve(self, story: str | None = None) -> np.ndarray:
        """Fraction who have heard the story, per recorded day."""
        return 1.0 - self.totals(story)[:, 0] / self.n

    def day_reach_passes(self, fraction: float, story: str | None = None) -> int | None:
        """First day on which reach is at least ``fraction`` (None if never)."""
        hit = np.flatnonzero(self.reach_curve(story) >= fraction)
        return int(self.days[hit[0]]) if hit.size else None

    def final_fractions(self) -> "pd.DataFrame":
        """Fraction of agents in each state at the end, one row per story."""
        import pandas as pd

        last = self.counts[-1].sum(axis=-1) / self.n
        return pd.DataFrame(last, index=pd.Index(self.stories, name="story"), columns=list(STATES))

    def summary(self) -> "pd.DataFrame":
        """Per story: reach, peak spreaders and its day, the day reach passed 50%."""
        import pandas as pd

        rows = []
        for s in self.stories:
            spread = self.totals(s)[:, 1]
            rows.append(
                {
                    "story": s,
                    "reach": self.reach(s),
                    "peak_spreaders": float(spread.max()),
                    "peak_day": int(self.days[int(spread.argmax())]),
                    "day_50pct": self.day_reach_passes(0.5, s),
                }
            )
        return pd.DataFrame(rows).set_index("story")

    def timeseries(self, by_cell: bool = False) -> "pd.DataFrame":
        """Tidy table: day, story, state, (cell,) count."""
        import pandas as pd

        data = self.counts if by_cell else self.counts.sum(axis=-1, keepdims=True)
        cells = self.cells if by_cell else ["all"]
        t, s, k, c = data.shape
        idx = pd.MultiIndex.from_product(
            [self.days, self.stories, list(STATES), cells], names=["day", "story", "state", "cell"]
        )
        frame = pd.DataFrame({"count": data.reshape(-1)}, index=idx).reset_index()
        return frame if by_cell else frame.drop(columns="cell")

    def tellings_by_layer(self) -> np.ndarray:
        """Tellings per day × story × layer (summed over the hearers' cells)."""
        return self.tellings.sum(axis=-1)

    def tellings_frame(self, by_cell: bool = False) -> "pd.DataFrame":
        """Tidy table: day, story, layer, (cell,) tellings carried that day."""
        return self._frame(self.tellings, "tellings", by_cell)

    def intercepts_frame(self, by_cell: bool = False) -> "pd.DataFrame":
        """Tidy table: day, story, layer, (cell,) meetings intercepted that day."""
        return self._frame(self.intercepts, "intercepts", by_cell)

    def _frame(self, data, column, by_cell):
        import pandas as pd

        cells = self.cells if by_cell else ["all"]
        if not by_cell:
            data = data.sum(axis=-1, keepdims=True)
        idx = pd.MultiIndex.from_product([self.days, self.stories, self.layers[: data.shape[2]], cells],
                                         names=["day", "story", "layer", "cell"])
        frame = pd.DataFrame({column: data.reshape(-1)}, index=idx).reset_index()
        return frame if by_cell else frame.drop(columns="cell")

    def letters_frame(self) -> "pd.DataFrame":
        """Tidy table: day, story, layer, written, delivered, intercepted (summed over cells),
        for the layers that carry letters; empty when none does."""
        import pandas as pd

        columns = ["day", "story", "layer", "written", "delivered", "intercepted"]
        if self.letters is None:
            return pd.DataFrame(columns=columns)
        sums = self.letters.sum(axis=-1)  # [T, S, 2, L]
        caught = self.intercepts.sum(axis=-1)  # [T, S, L]
        posted = np.flatnonzero(sums.sum(axis=(0, 1, 2)))
        rows = [(int(d), story, self.layers[lay], int(sums[t, s, 0, lay]), int(sums[t, s, 1, lay]),
                 int(caught[t, s, lay]))
                for t, d in enumerate(self.days) for s, story in enumerate(self.stories) for lay in posted]
        return pd.DataFrame(rows, columns=columns)

    def detained_frame(self) -> "pd.DataFrame":
        """Tidy table: day, cell, detained so far."""
        import pandas as pd

        idx = pd.MultiIndex.from_product([self.days, self.cells], names=["day", "cell"])
        return pd.DataFrame({"detained": self.detained.reshape(-1)}, index=idx).reset_index()

    def events_frame(self) -> "pd.DataFrame":
        """Tidy table of events: day, kind, story, cell (name or ''), count, detail."""
        import pandas as pd

        rows = [(d, k, s, self.cells[c] if c >= 0 else "", n, detail) for d, k, s, c, n, detail in self.events]
        return pd.DataFrame(rows, columns=["day", "kind", "story", "cell", "count", "detail"])

    def date(self, day: int) -> str | None:
        """Calendar date of a day (ISO), when the run has a start date."""
        start = self.info.get("start_date")
        return None if start is None else date_of(start, day).isoformat()

    def plot(self, story: str | None = None, ax=None):
        """Fractions ignorant / spreader / stifler over time (matplotlib Axes)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        names = self.stories if story is None else [story]
        for name in names:
            frac = self.totals(name) / self.n
            for k, label in enumerate(STATES):
                prefix = f"{name}: " if len(names) > 1 else ""
                ax.plot(self.days, frac[:, k], label=prefix + label)
        ax.set_xlabel("day")
        ax.set_ylabel("fraction of agents")
        ax.set_ylim(0, 1)
        ax.legend(frameon=False)
        ax.set_title(f"{self.engine} engine, n = {self.n:,}")
        return ax

    def __repr__(self) -> str:
        reach = ", ".join(f"{s}: {self.reach(s):.3f}" for s in self.stories)
        return f"Result({self.engine}, n={self.n:,}, days={int(self.days[-1])}, reach {reach})"
