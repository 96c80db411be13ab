"""The daily engine: one run of the day's stages (``calendar.DAY``), the
kernel's steps inside them, and a recorder keeping one row per day.

Its stages: switch (levers recomputed only when the measures on change;
only spreaders whose own rates changed draw their waits again) → dawn (the
day's arrivals from outside, from the compiled inflows) → ``substeps``
steps, each arrivals, then the kernel's step, then the letters arriving in
that step → dusk (monitors and checks due today) → leave (detained spreaders
stop) → record → observe (triggers). Measures arrive compiled
(``measures.schedule``); the kernel stays generic.

Random streams: the kernel's (tell, forget, accept, wake) are keyed by the
run's seed and the stream's name; each inspection, inflow, monitor and
trigger has its own stream keyed by its kind and name, so a measure moves
only the random numbers of the agents it acts on, from the day it acts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from ..rates import step_probability
from ..seeding import stream
from . import boundary, calendar
from .counter_rng import stream_key
from .daily import SPREADER, scratch, tell_step
from .post import Post, deliver
from .recorder import Recorder

#: degrees below this use a table for the chance of meeting no one
MISS_TABLE = 256


@dataclass(frozen=True)
class DailyInputs(calendar.RunInputs):
    """What one run of the daily engine needs (see ``calendar.RunInputs``);
    ``graph`` is (indptrs, indicess, complete[L], lists[n + 1, L]). ``one_step`` marks the
    stories that tell for one step only (independent cascade); ``substeps``
    the steps a day."""

    one_step: np.ndarray | None = None
    substeps: int = 1

    def step_rules(self) -> tuple:
        """(log_miss[S, L], miss_pow[S, L, D], stifle, pair, one_step): the per-step
        chance of not meeting a neighbour, as the kernel reads it."""
        n = len(self.cell)
        complete = self.graph[2]
        rates = np.where(complete[None, :], self.rates / max(n - 1, 1), self.rates)
        p = step_probability(rates, 1.0 / self.substeps)
        with np.errstate(divide="ignore"):
            log_miss = np.where(p >= 1.0, -np.inf, np.log1p(-np.minimum(p, 1.0)))
        with np.errstate(invalid="ignore"):
            miss_pow = np.exp(log_miss[:, :, None] * np.arange(MISS_TABLE)[None, None, :])
        miss_pow[np.isnan(miss_pow)] = 1.0  # p = 1: (1 - p) ** 0
        one_step = np.zeros(len(self.story_names), dtype=np.bool_) if self.one_step is None else self.one_step
        return (log_miss, miss_pow, np.asarray(self.stifle, dtype=np.float64), np.asarray(self.pair, dtype=np.bool_),
                np.asarray(one_step, dtype=np.bool_))


class DailyRun:
    """One run of the daily engine. Cheap to construct; ``run()`` does the work."""

    def __init__(self, inputs: DailyInputs, seed_seq):
        inp = self.inputs = inputs
        self.graph = inp.graph
        self.base_rules = inp.step_rules()
        self.model_forget = np.asarray(inp.forget, dtype=np.float64)  # per-day stopping rate per story
        cell = self.cell = inp.cell
        n_cells = inp.n_cells
        self.substeps = inp.substeps
        n_stories, n = len(inp.story_names), len(cell)
        n_layers = len(inp.layer_names)
        self.plan, self.layer_names, self.outside = calendar.prepare(inp)
        self.ctx = self.plan.context

        self.state = np.zeros((n_stories, n), dtype=np.int8)
        self.active = np.zeros((n_stories, n), dtype=np.int32)
        self.due = np.full((n_stories, n), -1, dtype=np.int32)
        self.n_active = np.zeros(n_stories, dtype=np.int64)
        self.detained = np.zeros(n, dtype=np.bool_)
        self.counts = np.zeros((n_stories, 3, n_cells), dtype=np.int64)
        self.tellings = np.zeros((n_stories, len(self.layer_names), n_cells), dtype=np.int64)
        self.intercepts = np.zeros((n_stories, n_layers, n_cells), dtype=np.int64)
        self.det_counts = np.zeros(n_cells, dtype=np.int64)
        self.letters = np.zeros((n_stories, 2, n_layers, n_cells), dtype=np.int64)
        self.post = Post(inp.delays or (None,) * n_layers, inp.graph, inp.substeps, n_stories)
        self.buf = np.zeros(n, dtype=np.int32)
        self.scratch = scratch(n_stories, n, n_layers, n_cells)
        for s, ids in enumerate(inp.seeds):
            self.state[s, ids] = SPREADER
            self.active[s, : ids.size] = ids
            self.n_active[s] = ids.size
            self.counts[s, 0] = np.bincount(cell, minlength=n_cells)
            np.subtract.at(self.counts[s, 0], cell[ids], 1)
            np.add.at(self.counts[s, 1], cell[ids], 1)
        self.seed_seq = seed_seq
        self.keys = np.array([stream_key(seed_seq, k) for k in ("tell", "forget", "accept", "wake", "post")]
                             + [stream_key(seed_seq, f"inspect:{name}") for name in self.ctx.inspections]
                             + [stream_key(seed_seq, f"detect:{name}") for name in self.ctx.detections],
                             dtype=np.uint64)
        starts = inp.population.starts if inp.population is not None else None
        self.arrival_args = {a.name: self._arrival_args(a, starts) for a in self.plan.at("dawn")}
        self.sweep_keys = {a.name: stream_key(seed_seq, a.streams[0]) for a in self.plan.at("dusk")}
        self.levers = None
        self.arrivals = boundary.arrivals([])  # today's inflows, arriving in every step
        self.events: list[tuple] = []
        self.step = 0

    def _arrival_args(self, arrival, starts) -> list[tuple]:
        """An inflow as the kernel reads it, per cell: (story, first agent, last + 1,
        the only cell or -1, log chance of no arrival in a step, its two stream keys).
        It arrives in each of the day's steps, spread through the day as in continuous time."""
        p = float(step_probability(arrival.rate, 1.0 / self.substeps))
        log_miss = -np.inf if p >= 1.0 else float(np.log1p(-p))
        key, akey = (stream_key(self.seed_seq, name) for name in arrival.streams)
        out = []
        for c in arrival.cells:
            c = int(c)
            if starts is None:
                lo, hi, only = 0, len(self.cell), c  # cells need not be contiguous
            else:
                lo, hi, only = int(starts[c]), int(starts[c + 1]), -1
            out.append((arrival.story, lo, hi, only, log_miss, key, akey))
        return out

    def report_rng(self, trigger: str, day: int) -> np.random.Generator:
        """The stream a trigger's informants draw from on one day."""
        return stream(self.seed_seq, f"report:{trigger}:{day}")

    def _levers(self, on) -> tuple:
        n_stories, _, n_cells = self.counts.shape
        lv = self.plan.levers(on)
        dt = 1.0 / self.substeps
        p_forget = np.asarray(step_probability(self.model_forget[:, None] + lv.forget, dt),
                              dtype=np.float64).reshape(n_stories, n_cells)
        with np.errstate(divide="ignore"):
            log_keep = np.log1p(-p_forget)
        return (lv.spread, p_forget, log_keep, lv.accept, lv.intercept, lv.detain, lv.watch, lv.punish)

    # -- the day's stages, in the order of calendar.DAY ---------------------------
    def _switch(self, day: int) -> None:
        self.on, changed = calendar.switch(day, self.plan.acts, self.watched, self.on_since, self.events)
        if changed or self.levers is None:
            new = self._levers(self.on)
            if self.levers is not None:
                # only spreaders whose own rates changed draw their waits again
                moved = (new[0] != self.levers[0]) | (new[1] != self.levers[1])
                if moved.any():
                    boundary.redraw(self.due, self.active, self.n_active, self.cell, moved)
            self.levers = new

    def _dawn(self, day: int) -> None:
        self.arrivals = boundary.arrivals(
            [args for a in self.on if a.stage == "dawn" for args in self.arrival_args[a.name]])

    def _steps(self, day: int) -> None:
        post = self.post
        for _ in range(self.substeps):
            if self.arrivals[0].size:
                boundary.arrive(np.uint64(self.step), self.arrivals, self.levers[3], self.state, self.active,
                                self.due, self.n_active, self.cell, self.detained, self.counts, self.tellings,
                                self.outside, self.buf)
            tell_step(np.int64(self.step), self.state, self.active, self.due, self.n_active, self.scratch, self.cell,
                      self.detained, self.graph, self.base_rules, self.levers, self.tallies, self.keys,
                      post.kernel_args(), self.threads)
            if post.any:
                self._letters()
            self.step += 1

    def _letters(self) -> None:
        """File the step's new letters; hand over those arriving in it."""
        post = self.post
        post.collect(self.step)
        arriving = post.due(self.step)
        if arriving is not None:
            deliver(np.int64(self.step), arriving, self.state, self.active, self.due, self.n_active, self.cell,
                    self.detained, self.tallies, self.levers[3], self.levers[4], self.levers[5], self.keys, self.buf)

    def _dusk(self, day: int) -> None:
        for sweep in self.on:
            if sweep.stage != "dusk" or not sweep.due(day, self.on_since[sweep.name]):
                continue
            key = self.sweep_keys[sweep.name]
            if sweep.finds == "spreaders":
                boundary.monitor(np.uint64(day), sweep.cohort, sweep.probability, self.state, self.active, self.due,
                                 self.n_active, self.cell, self.detained, self.counts, self.det_counts, key)
                continue
            n_cells = self.counts.shape[2]
            found, homes = np.zeros(n_cells, dtype=np.int64), np.zeros(n_cells, dtype=np.int64)
            ptr, idx = calendar.household_arrays(self.graph, sweep.household, len(self.cell))
            boundary.check(np.uint64(day), sweep.cohort, sweep.probability, sweep.detain, sweep.indoctrinate, ptr,
                           idx, self.state, self.active, self.due, self.n_active, self.cell, self.detained,
                           self.counts, self.det_counts, found, homes, key)
            calendar.check_events(day, self.events, found, homes, sweep.name)

    def _leave(self, day: int) -> None:
        boundary.leave(self.state, self.active, self.due, self.n_active, self.cell, self.detained, self.counts)

    def _record(self, day: int) -> None:
        self.today = self.rec.record(self.counts, self.tellings, self.intercepts, self.det_counts, self.letters)

    def _observe(self, day: int) -> None:
        new_int, new_det, new_tell, new_letters = self.today
        calendar.day_events(day, self.events, self.ctx.stories, new_int, new_det, new_tell, self.outside,
                            self.watched, self.report_rng, new_letters if self.post.any else None, self.layer_names)

    def run(self, days: int | None, max_days: int, bar, **meta):
        """Run the calendar and return the ``Result`` (``meta``: its names and seed)."""
        post = self.post
        self.rec = Recorder(self.counts, self.tellings, self.intercepts, self.det_counts,
                            self.letters if post.any else None)
        self.tallies = (self.counts, self.tellings, self.intercepts, self.det_counts, self.letters)
        self.watched = calendar.watches(self.plan.triggers, self.ctx)
        self.threads = numba.get_num_threads()
        self.on_since: dict[str, int] = {}
        stages = calendar.follow({"switch": self._switch, "dawn": self._dawn, "steps": self._steps,
                                  "dusk": self._dusk, "leave": self._leave, "record": self._record,
                                  "observe": self._observe})
        day = 0
        while ((days is None and (self.n_active.sum() > 0 or post.pending()) and day < max_days)
               or (days is not None and day < days)):
            for stage in stages:
                stage(day)
            day += 1
            bar.advance()
        return self.rec.result(self.events, **{**calendar.default_meta(self.inputs, "daily"), **meta,
                                               "layers": self.layer_names})
