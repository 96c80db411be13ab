"""The exact engine: one run of the day's stages (``calendar.DAY``), the
continuous-time kernel running each day to its end.

Its stages: switch (levers recomputed) → dawn (the compiled inflows set
their arrival rates for the day) → steps (the kernel runs every event from
``day`` to ``day + 1``: arrivals, tellings and letters interleaved) → dusk
(monitors and checks due today) → leave (nothing left to do: a detained
agent leaves every layer the moment it is detained) → record → observe
(triggers). Levers are constant within a day, and waiting times are
exponential (memoryless), so changing them at the boundaries is exact
(Anderson 2007). What each measure means in continuous time is written in
``exact``'s docstring.

The compiled measures (``measures.schedule``), ``Context`` and ``Watch`` are
the daily engine's own: the two engines read the same acts, not copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeding import stream
from . import calendar
from . import exact as kernel
from .recorder import Recorder


@dataclass(frozen=True)
class ExactInputs(calendar.RunInputs):
    """What one run of the exact engine needs (see ``calendar.RunInputs``);
    ``graph`` is (indptrs, indicess, complete[L], max_deg[L]), the largest
    degree 1 on a well-mixed layer."""


class ExactRun:
    """One run of the exact engine. Cheap to construct; ``run()`` does the work."""

    def __init__(self, inputs: ExactInputs, seed_seq):
        self.inputs = inp = inputs
        self.seed_seq = seed_seq
        n_stories, n, n_cells = len(inp.story_names), len(inp.cell), inp.n_cells
        n_layers = len(inp.layer_names)
        self.plan, self.layer_names, self.outside = calendar.prepare(inp)
        self.ctx = self.plan.context
        cell = np.ascontiguousarray(inp.cell, dtype=np.int32)
        self.cell = cell
        self._members = None
        #: placeholders for a day with no inflow (the kernel never reads them then)
        self._no_members = (np.zeros(1, dtype=np.int32), np.zeros(n_cells + 1, dtype=np.int64))

        self.st = np.zeros((n_stories, n), dtype=np.int8)
        self.active = np.zeros((n_stories, n, 1 + n_layers), dtype=np.int32)  # each spreader, then its degrees
        self.pos = np.zeros((n_stories, n), dtype=np.int32)
        self.n_active = np.zeros(n_stories, dtype=np.int64)
        self.degc = np.zeros((n_stories, n_layers, n_cells), dtype=np.int64)
        self.W = np.zeros((n_stories, n_layers))
        self.F = np.zeros(n_stories)
        self.I = np.zeros(1)
        self.detained = np.zeros(n, dtype=np.bool_)
        self.det_ign = np.zeros((n_stories, n_cells), dtype=np.int64)
        self.counts = np.zeros((n_stories, 3, n_cells), dtype=np.int64)
        self.tellings = np.zeros((n_stories, len(self.layer_names), n_cells), dtype=np.int64)
        self.intercepts = np.zeros((n_stories, n_layers, n_cells), dtype=np.int64)
        self.det_counts = np.zeros(n_cells, dtype=np.int64)
        self.letters = np.zeros((n_stories, 2, n_layers, n_cells), dtype=np.int64)
        self.post = _post_arrays(inp.delays or (None,) * n_layers)
        self.inflow_rate = np.zeros((n_stories, n_cells))
        self.levers = self._levers([])
        indptrs, _, complete, _ = inp.graph
        spread, forget = self.levers[0], self.levers[1]
        self.counts[:, kernel.IGNORANT] = np.bincount(cell, minlength=n_cells)
        for s, ids in enumerate(inp.seeds):
            kernel.add_spreaders(s, np.asarray(ids, dtype=np.int32), self.st, self.active, self.pos, self.n_active,
                                 self.degc, self.W, self.F, self.counts, cell, indptrs, complete, spread, forget)
        self.rng = stream(seed_seq, "exact")
        #: each monitor's and check's own stream
        self.sweep_rngs = {a.name: stream(seed_seq, a.streams[0]) for a in self.plan.at("dusk")}
        self.events: list[tuple] = []

    def cells(self) -> tuple:
        """(cell, members, mstart): agents sorted by cell and where each cell
        starts, which inflow draws its hearers from (built on first use)."""
        if self._members is None:
            n_cells = self.inputs.n_cells
            self._members = (np.argsort(self.cell, kind="stable").astype(np.int32),
                             np.concatenate([[0], np.cumsum(np.bincount(self.cell, minlength=n_cells))]).astype(np.int64))
        return (self.cell, *self._members)

    def report_rng(self, trigger: str, day: int) -> np.random.Generator:
        """The stream a trigger's informants draw from on one day."""
        return stream(self.seed_seq, f"report:{trigger}:{day}")

    def _levers(self, on) -> tuple:
        inp = self.inputs
        n_layers = len(inp.layer_names)
        lv = self.plan.levers(on)
        forget = np.ascontiguousarray(inp.forget[:, None] + lv.forget, dtype=np.float64)
        intercept = np.asarray(lv.intercept, dtype=np.float64).reshape(-1, n_layers)
        detain = np.asarray(lv.detain, dtype=np.float64).reshape(-1, n_layers)
        return (np.ascontiguousarray(lv.spread, dtype=np.float64), forget,
                np.ascontiguousarray(lv.accept, dtype=np.float64), np.ascontiguousarray(intercept),
                np.ascontiguousarray(detain), np.ascontiguousarray(lv.watch, dtype=np.float64),
                np.ascontiguousarray(lv.punish, dtype=np.float64))

    def _grow_post(self) -> None:
        """Twice the room for letters in transit."""
        heap_t, heap_d, n_heap = self.post[5:]
        size = heap_t.size
        heap_t = np.concatenate([heap_t, np.empty(size)])
        heap_d = np.concatenate([heap_d, np.empty((size, 4), dtype=np.int64)])
        self.post = (*self.post[:5], heap_t, heap_d, n_heap)

    def _state(self) -> tuple:
        return (self.st, self.active, self.pos, self.n_active, self.degc, self.W, self.F, self.detained,
                self.det_ign, self.I)

    # -- the day's stages, in the order of calendar.DAY ---------------------------
    def _switch(self, day: int) -> None:
        self.on, changed = calendar.switch(day, self.plan.acts, self.watched, self.on_since, self.events)
        if changed:
            self.levers = self._levers(self.on)

    def _dawn(self, day: int) -> None:
        """Arrival rates for the day; several inflows on one cell add (superposed Poisson processes)."""
        self.inflow_rate[:] = 0.0
        for arrival in self.on:
            if arrival.stage == "dawn":
                for c in arrival.cells:
                    self.inflow_rate[arrival.story, int(c)] += arrival.rate

    def _steps(self, day: int) -> None:
        spread, forget, accept, intercept, detain, watch, punish = self.levers
        kernel.rebuild_totals(self.degc, self.counts, self.det_ign, spread, forget, self.inflow_rate,
                              self.W, self.F, self.I)
        cells = self.cells() if self.I[0] > 0 else (self.cell, self._no_members[0], self._no_members[1])
        t = float(day)
        while t < day + 1:
            if self.post[7][0] >= self.post[5].size:
                self._grow_post()
            t = kernel.run_day(t, float(day + 1), self._state(), self.tallies, self.inputs.graph, self.rules,
                               (spread, forget, accept, intercept, detain, self.inflow_rate, watch, punish), cells,
                               self.rng, self.post)

    def _dusk(self, day: int) -> None:
        """Monitors and checks due today, at once: found spreaders or knowers are detained (or silenced)."""
        indptrs, _, complete, _ = self.inputs.graph
        spread, forget = self.levers[0], self.levers[1]
        for sweep in self.on:
            if sweep.stage != "dusk" or not sweep.due(day, self.on_since[sweep.name]):
                continue
            rng = self.sweep_rngs[sweep.name]
            if sweep.finds == "spreaders":
                kernel.monitor(sweep.cohort, float(sweep.probability), self.st, self.active, self.pos,
                               self.n_active, self.degc, self.W, self.F, self.counts, self.cell, indptrs, complete,
                               spread, forget, self.detained, self.det_counts, self.det_ign, self.inflow_rate, self.I,
                               rng)
                continue
            n_cells = self.inputs.n_cells
            found, homes = np.zeros(n_cells, dtype=np.int64), np.zeros(n_cells, dtype=np.int64)
            ptr, idx = calendar.household_arrays(self.inputs.graph, sweep.household, len(self.cell))
            kernel.check(sweep.cohort, float(sweep.probability), float(sweep.detain), float(sweep.indoctrinate),
                         ptr, idx, self.st, self.active, self.pos, self.n_active, self.degc, self.W, self.F,
                         self.counts, self.cell, indptrs, complete, spread, forget, self.detained, self.det_counts,
                         self.det_ign, self.inflow_rate, self.I, found, homes, rng)
            calendar.check_events(day, self.events, found, homes, sweep.name)

    def _leave(self, day: int) -> None:
        """Nothing: in continuous time a detained agent leaves every layer the moment it is detained."""

    def _record(self, day: int) -> None:
        self.today = self.rec.record(self.counts, self.tellings, self.intercepts, self.det_counts, self.letters)

    def _observe(self, day: int) -> None:
        if self.plan.acts or self.plan.triggers or self.posting:  # else nothing to intercept, detain, bring in or watch
            new_int, new_det, new_tell, new_letters = self.today
            calendar.day_events(day, self.events, self.ctx.stories, new_int, new_det, new_tell, self.outside,
                                self.watched, self.report_rng, new_letters, self.layer_names)

    def run(self, days: int | None, max_days: int, bar, **meta):
        """Run the calendar and return the ``Result`` (``meta``: its names and seed)."""
        inp = self.inputs
        self.posting = bool(self.post[0].any())
        self.rec = Recorder(self.counts, self.tellings, self.intercepts, self.det_counts,
                            self.letters if self.posting else None)
        self.watched = calendar.watches(self.plan.triggers, self.ctx)
        self.on_since: dict[str, int] = {}
        self.rules = (np.ascontiguousarray(inp.rates, dtype=np.float64), np.asarray(inp.stifle, dtype=np.float64),
                      np.asarray(inp.pair, dtype=np.bool_))
        self.tallies = (self.counts, self.tellings, self.intercepts, self.det_counts, self.letters)
        stages = calendar.follow({"switch": self._switch, "dawn": self._dawn, "steps": self._steps,
                                  "dusk": self._dusk, "leave": self._leave, "record": self._record,
                                  "observe": self._observe})
        day = 0
        while ((days is None and (self.n_active.sum() > 0 or self.post[7][0] > 0) and day < max_days)
               or (days is not None and day < days)):
            for stage in stages:
                stage(day)
            day += 1
            bar.advance()
        return self.rec.result(self.events, **{**calendar.default_meta(inp, "exact"), **meta,
                                               "layers": self.layer_names})


def _post_arrays(delays) -> tuple:
    """The kernel's ``post``: per layer whether it carries letters and its
    delay (``Delay.sampler``), and an empty heap of letters in transit."""
    n_layers = len(delays)
    samplers = [d.sampler() if d is not None else (0, 0.0, 0.0, np.zeros(1), np.ones(1)) for d in delays]
    width = max(len(v) for _, _, _, v, _ in samplers)
    dvals = np.zeros((n_layers, width))
    dcum = np.ones((n_layers, width))
    for k, (_, _, _, v, c) in enumerate(samplers):
        dvals[k, : len(v)] = v
        dcum[k, : len(c)] = c
    return (np.array([d is not None for d in delays], dtype=np.bool_),
            np.array([k for k, *_ in samplers], dtype=np.int64),
            np.array([[a, b] for _, a, b, _, _ in samplers], dtype=np.float64).reshape(n_layers, 2),
            dvals, dcum, np.empty(1024), np.empty((1024, 4), dtype=np.int64), np.zeros(1, dtype=np.int64))
