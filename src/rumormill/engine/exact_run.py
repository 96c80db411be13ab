"""The exact engine's calendar: measures switch on and off at day boundaries,
triggers watch, and the continuous-time kernel runs each day to its end.

Per day: measures due today switch on or off (levers recomputed) → dawn
(inflow sets its arrival rates for the day) → the kernel runs every event
from ``day`` to ``day + 1`` → dusk (monitoring finds spreaders) → record →
triggers observe the day. Levers are constant within a day, and waiting
times are exponential (memoryless), so changing them at the boundaries is
exact (Anderson 2007). What each measure means in continuous time is
written in ``exact``'s docstring.

The measure objects, ``Context``, ``Levers`` and ``Watch`` are the daily
engine's own: the two engines read the same measures, not copies of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..measures.base import Levers
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
        self.measures = list(inp.measures)
        self.triggers = list(inp.triggers)
        n_stories, n, n_cells = len(inp.story_names), len(inp.cell), inp.n_cells
        n_layers = len(inp.layer_names)
        self.ctx, self.layer_names, self.outside = calendar.prepare(inp)
        cell = np.ascontiguousarray(inp.cell, dtype=np.int32)
        self.cell = cell
        self._members = None
        #: placeholders for a day with no inflow (the kernel never reads them then)
        self._no_members = (np.zeros(1, dtype=np.int32), np.zeros(n_cells + 1, dtype=np.int64))

        self.st = np.zeros((n_stories, n), dtype=np.int8)
        self.active = np.zeros((n_stories, n), dtype=np.int32)
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
        self._streams: dict[str, np.random.Generator] = {}
        self.events: list[tuple] = []

    # -- what measures call at day boundaries ---------------------------------
    def inflow(self, day: int, s: int, c: int, rate: float, name: str | None = None) -> None:
        """Ignorant, undetained agents of cell ``c`` hear story ``s`` from outside at ``rate`` per day, today.

        Arrivals from several inflows add (superposed Poisson processes)."""
        self.inflow_rate[s, c] += rate

    def monitor(self, day: int, cohort: np.ndarray, probability: float, name: str | None = None) -> int:
        """Each spreader in the cohort is found with ``probability`` and detained, now."""
        key = f"monitor:{name or ''}"
        if key not in self._streams:
            self._streams[key] = stream(self.seed_seq, key)
        indptrs, _, complete, _ = self.inputs.graph
        spread, forget = self.levers[0], self.levers[1]
        return int(kernel.monitor(np.asarray(cohort, dtype=np.bool_), float(probability), self.st, self.active,
                                  self.pos, self.n_active, self.degc, self.W, self.F, self.counts, self.cell,
                                  indptrs, complete, spread, forget, self.detained, self.det_counts, self.det_ign,
                                  self.inflow_rate, self.I, self._streams[key]))

    def check(self, day: int, cohort: np.ndarray, probability: float, detain: float, indoctrinate: float,
              household: int | None, name: str) -> int:
        """A check of the cohort, now (see ``measures.Check``)."""
        key = f"check:{name}"
        if key not in self._streams:
            self._streams[key] = stream(self.seed_seq, key)
        n_cells = self.inputs.n_cells
        found, homes = np.zeros(n_cells, dtype=np.int64), np.zeros(n_cells, dtype=np.int64)
        ptr, idx = calendar.household_arrays(self.inputs.graph, household, len(self.cell))
        indptrs, _, complete, _ = self.inputs.graph
        spread, forget = self.levers[0], self.levers[1]
        kernel.check(np.asarray(cohort, dtype=np.bool_), float(probability), float(detain), float(indoctrinate), ptr,
                     idx, self.st, self.active, self.pos, self.n_active, self.degc, self.W, self.F, self.counts,
                     self.cell, indptrs, complete, spread, forget, self.detained, self.det_counts, self.det_ign,
                     self.inflow_rate, self.I, found, homes, self._streams[key])
        calendar.check_events(day, self.events, found, homes, name)
        return int(found.sum())

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

    # -- the calendar ------------------------------------------------------------
    def _levers(self, on) -> tuple:
        inp = self.inputs
        n_stories, n_layers = len(inp.story_names), len(inp.layer_names)
        lv = Levers.neutral(n_stories, inp.n_cells, n_layers, len(self.ctx.inspections), len(self.ctx.detections))
        for m in on:
            m.adjust(lv, self.ctx)
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

    def run(self, days: int | None, max_days: int, bar, **meta):
        """Run the calendar and return the ``Result`` (``meta``: its names and seed)."""
        inp = self.inputs
        posting = bool(self.post[0].any())
        rec = Recorder(self.counts, self.tellings, self.intercepts, self.det_counts,
                       self.letters if posting else None)
        watched = calendar.watches(self.triggers, self.ctx)
        on_since: dict[str, int] = {}
        rules = (np.ascontiguousarray(inp.rates, dtype=np.float64), np.asarray(inp.stifle, dtype=np.float64),
                 np.asarray(inp.pair, dtype=np.bool_))
        tallies = (self.counts, self.tellings, self.intercepts, self.det_counts, self.letters)
        day = 0
        while ((days is None and (self.n_active.sum() > 0 or self.post[7][0] > 0) and day < max_days)
               or (days is not None and day < days)):
            now_on, changed = calendar.switch(day, self.measures, watched, on_since, self.events)
            if changed:
                self.levers = self._levers(now_on)
            self.inflow_rate[:] = 0.0
            for m in now_on:
                m.at_dawn(day, self, self.ctx)
            spread, forget, accept, intercept, detain, watch, punish = self.levers
            kernel.rebuild_totals(self.degc, self.counts, self.det_ign, spread, forget, self.inflow_rate,
                                  self.W, self.F, self.I)
            cells = self.cells() if self.I[0] > 0 else (self.cell, self._no_members[0], self._no_members[1])
            t = float(day)
            while t < day + 1:
                if self.post[7][0] >= self.post[5].size:
                    self._grow_post()
                t = kernel.run_day(t, float(day + 1), self._state(), tallies, inp.graph, rules,
                                   (spread, forget, accept, intercept, detain, self.inflow_rate, watch, punish), cells,
                                   self.rng,
                                   self.post)
            for m in now_on:
                m.at_dusk(day, on_since[m.name], self, self.ctx)
            new_int, new_det, new_tell, new_letters = rec.record(self.counts, self.tellings, self.intercepts,
                                                                 self.det_counts, self.letters)
            if self.measures or self.triggers or posting:  # else nothing to intercept, detain, bring in or watch
                calendar.day_events(day, self.events, self.ctx.stories, new_int, new_det, new_tell, self.outside,
                                    watched, self.report_rng, new_letters, self.layer_names)
            day += 1
            bar.advance()
        return rec.result(self.events, **{**calendar.default_meta(inp, "exact"), **meta,
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
