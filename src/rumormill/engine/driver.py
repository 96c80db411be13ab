"""The daily engine's calendar: measures switch on and off, triggers watch,
the kernel steps, and a recorder keeps one row per day.

Per day (the order written once, in ``calendar`` for the measures and here
for the steps): measures due today switch on or off (levers recomputed only
then; only spreaders whose own rates changed draw their waits again) → dawn
(inflows say where news from outside arrives today) → ``substeps`` steps, each
news from outside arriving, then the kernel's step, then the letters
arriving in that step (censored, delivered) → dusk (monitoring) →
record → triggers observe the day. Measures compile to arrays here; the kernel stays generic.

Random streams: the kernel's (tell, forget, accept, wake) are keyed by the
run's seed and the stream's name; each inspection, inflow, monitor and
trigger has its own stream keyed by its kind and name, so a measure moves
only the random numbers of the agents it acts on, from the day it acts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..measures.base import Levers
from ..rates import step_probability
from ..seeding import stream
from . import boundary, calendar
from .counter_rng import stream_key
from .daily import SPREADER, tell_step_parallel, tell_step_serial
from .post import Post, deliver
from .recorder import Recorder

#: degrees below this use a table for the chance of meeting no one
MISS_TABLE = 256


@dataclass(frozen=True)
class DailyInputs(calendar.RunInputs):
    """What one run of the daily engine needs (see ``calendar.RunInputs``);
    ``graph`` is (indptrs, indicess, complete[L]). ``one_step`` marks the
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
        self.measures = list(inp.measures)
        self.triggers = list(inp.triggers)
        self.population = inp.population
        n_stories, n = len(inp.story_names), len(cell)
        n_layers = len(inp.layer_names)
        self.ctx, self.layer_names, self.outside = calendar.prepare(inp)
        inspections = self.ctx.inspections
        self.starts = inp.population.starts if inp.population is not None else np.array([0, n])

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
        self.new_buf = np.zeros((n_stories, n), dtype=np.int32)
        for s, ids in enumerate(inp.seeds):
            self.state[s, ids] = SPREADER
            self.active[s, : ids.size] = ids
            self.n_active[s] = ids.size
            self.counts[s, 0] = np.bincount(cell, minlength=n_cells)
            np.subtract.at(self.counts[s, 0], cell[ids], 1)
            np.add.at(self.counts[s, 1], cell[ids], 1)
        self.seed_seq = seed_seq
        self.keys = np.array([stream_key(seed_seq, k) for k in ("tell", "forget", "accept", "wake", "post")]
                             + [stream_key(seed_seq, f"inspect:{name}") for name in inspections]
                             + [stream_key(seed_seq, f"detect:{name}") for name in self.ctx.detections],
                             dtype=np.uint64)
        self._keys: dict[str, np.uint64] = {}
        self.levers = None
        self.arrivals: list[tuple] = []  # today's inflows, arriving in every step
        self.events: list[tuple] = []
        self.step = 0

    # -- what measures call at day boundaries ---------------------------------
    def inflow(self, day: int, s: int, c: int, rate: float, name: str) -> None:
        """News from outside reaches cell ``c`` today: in each of the day's steps,
        so arrivals spread through the day as in continuous time."""
        p = float(step_probability(rate, 1.0 / self.substeps))
        log_miss = -np.inf if p >= 1.0 else float(np.log1p(-p))
        if self.population is None:
            lo, hi, only = 0, len(self.cell), c  # cells need not be contiguous
        else:
            lo, hi, only = int(self.starts[c]), int(self.starts[c + 1]), -1
        self.arrivals.append((s, lo, hi, only, log_miss, self._key(f"inflow:{name}"),
                              self._key(f"inflow-accept:{name}")))

    def _arrive(self) -> None:
        for s, lo, hi, only, log_miss, key, akey in self.arrivals:
            boundary.inflow(np.uint64(self.step), s, lo, hi, only, log_miss, self.levers[3], self.state, self.active,
                            self.due, self.n_active, self.cell, self.detained, self.counts, self.tellings,
                            self.outside, key, akey, self.buf)

    def monitor(self, day: int, cohort: np.ndarray, probability: float, name: str) -> int:
        return boundary.monitor(np.uint64(day), cohort, probability, self.state, self.active, self.due, self.n_active,
                                self.cell, self.detained, self.counts, self.det_counts,
                                self._key(f"monitor:{name}"))

    def check(self, day: int, cohort: np.ndarray, probability: float, detain: float, indoctrinate: float,
              household: int | None, name: str) -> int:
        n_cells = self.counts.shape[2]
        found, homes = np.zeros(n_cells, dtype=np.int64), np.zeros(n_cells, dtype=np.int64)
        ptr, idx = calendar.household_arrays(self.graph, household, len(self.cell))
        boundary.check(np.uint64(day), cohort, probability, detain, indoctrinate, ptr, idx, self.state, self.active,
                       self.due, self.n_active, self.cell, self.detained, self.counts, self.det_counts, found, homes,
                       self._key(f"check:{name}"))
        calendar.check_events(day, self.events, found, homes, name)
        return int(found.sum())

    def _key(self, name: str) -> np.uint64:
        if name not in self._keys:
            self._keys[name] = stream_key(self.seed_seq, name)
        return self._keys[name]

    def report_rng(self, trigger: str, day: int) -> np.random.Generator:
        """The stream a trigger's informants draw from on one day."""
        return stream(self.seed_seq, f"report:{trigger}:{day}")

    def _post(self, post: Post) -> None:
        """File the step's new letters; hand over those arriving in it."""
        post.collect(self.step)
        arriving = post.due(self.step)
        if arriving is not None:
            deliver(np.int64(self.step), arriving, self.state, self.active, self.due, self.n_active, self.cell,
                    self.detained, (self.counts, self.tellings, self.intercepts, self.det_counts, self.letters),
                    self.levers[3], self.levers[4], self.levers[5], self.keys, self.buf)

    # -- the calendar ------------------------------------------------------------
    def _levers(self, on) -> tuple:
        n_stories, _, n_cells = self.counts.shape
        lv = Levers.neutral(n_stories, n_cells, len(self.ctx.layers), len(self.ctx.inspections),
                            len(self.ctx.detections))
        for m in on:
            m.adjust(lv, self.ctx)
        dt = 1.0 / self.substeps
        p_forget = np.asarray(step_probability(self.model_forget[:, None] + lv.forget, dt),
                              dtype=np.float64).reshape(n_stories, n_cells)
        with np.errstate(divide="ignore"):
            log_keep = np.log1p(-p_forget)
        return (lv.spread, p_forget, log_keep, lv.accept, lv.intercept, lv.detain, lv.watch, lv.punish)

    def run(self, days: int | None, max_days: int, bar, **meta):
        """Run the calendar and return the ``Result`` (``meta``: its names and seed)."""
        post = self.post
        rec = Recorder(self.counts, self.tellings, self.intercepts, self.det_counts,
                       self.letters if post.any else None)
        tallies = (self.counts, self.tellings, self.intercepts, self.det_counts, self.letters)
        watched = calendar.watches(self.triggers, self.ctx)
        on_since: dict[str, int] = {}
        tell_step = tell_step_parallel if len(self.ctx.stories) > 1 else tell_step_serial
        day = 0
        while ((days is None and (self.n_active.sum() > 0 or post.pending()) and day < max_days)
               or (days is not None and day < days)):
            now_on, changed = calendar.switch(day, self.measures, watched, on_since, self.events)
            if changed or self.levers is None:
                new = self._levers(now_on)
                if self.levers is not None:
                    # only spreaders whose own rates changed draw their waits again
                    moved = (new[0] != self.levers[0]) | (new[1] != self.levers[1])
                    if moved.any():
                        boundary.redraw(self.due, self.active, self.n_active, self.cell, moved)
                self.levers = new
            self.arrivals = []
            for m in now_on:
                m.at_dawn(day, self, self.ctx)
            for _ in range(self.substeps):
                self._arrive()
                tell_step(np.int64(self.step), self.state, self.active, self.due, self.n_active, self.new_buf, self.cell,
                          self.detained, self.graph, self.base_rules, self.levers, tallies, self.keys,
                          post.kernel_args())
                if post.any:
                    self._post(post)
                self.step += 1
            for m in now_on:
                m.at_dusk(day, on_since[m.name], self, self.ctx)
            boundary.leave(self.state, self.active, self.due, self.n_active, self.cell, self.detained, self.counts)
            new_int, new_det, new_tell, new_letters = rec.record(self.counts, self.tellings, self.intercepts,
                                                                 self.det_counts, self.letters)
            calendar.day_events(day, self.events, self.ctx.stories, new_int, new_det, new_tell, self.outside,
                                watched, self.report_rng, new_letters if post.any else None, self.layer_names)
            day += 1
            bar.advance()
        return rec.result(self.events, **{**calendar.default_meta(self.inputs, "daily"), **meta,
                                          "layers": self.layer_names})
