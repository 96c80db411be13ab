"""The daily engine's calendar: measures switch on and off, triggers watch,
the kernel steps, and a recorder keeps one row per day.

Per day: measures due today switch on or off (levers recomputed only then;
only spreaders whose own rates changed draw their waits again) → dawn
(inflow) → ``substeps`` kernel steps → dusk (monitoring) → record → triggers
observe the day. Measures compile to arrays here; the kernel stays generic.

Random streams: the kernel's (tell, forget, accept, wake) are keyed by the
run's seed and the stream's name; each inspection, inflow, monitor and
trigger has its own stream keyed by its kind and name, so a measure moves
only the random numbers of the agents it acts on, from the day it acts.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..measures.base import Context, Levers
from ..measures.inflow import Inflow
from ..measures.inspect import Inspect
from ..measures.triggers import Watch
from ..rates import step_probability
from ..seeding import stream
from . import boundary
from .counter_rng import stream_key
from .daily import SPREADER, tell_step_parallel, tell_step_serial

#: the tellings column for news from outside (inflow)
OUTSIDE = "outside"


class DailyRun:
    """One run of the daily engine. Cheap to construct; ``run()`` does the work."""

    def __init__(self, graph, base_rules, model_forget, seeds, cell, n_cells, layer_names, channels,
                 story_names, measures, triggers, population, substeps, seed_seq):
        self.graph = graph
        self.base_rules = base_rules  # (log_miss, miss_pow, stifle, pair, one_step)
        self.model_forget = model_forget  # per-day stopping rate per story
        self.cell = cell
        self.substeps = substeps
        self.measures = list(measures)
        self.triggers = list(triggers)
        self.population = population
        n_stories, n = len(story_names), len(cell)
        n_layers = len(layer_names)
        seen = set()
        for m in self.measures:
            if m.name in seen:
                raise ParameterError(f"two measures are named {m.name!r}: give each measure its own name.")
            seen.add(m.name)
        inspections = tuple(m.name for m in self.measures if isinstance(m, Inspect))
        self.ctx = Context(population, list(layer_names), list(channels), list(story_names), n_cells, inspections)
        for m in self.measures:
            m.check(self.ctx)
        for t in self.triggers:
            t.check(self.ctx, [m.name for m in self.measures])
        has_inflow = any(isinstance(m, Inflow) for m in self.measures)
        self.layer_names = list(layer_names) + ([OUTSIDE] if has_inflow else [])
        self.outside = n_layers
        self.starts = population.starts if population is not None else np.array([0, n])

        self.state = np.zeros((n_stories, n), dtype=np.int8)
        self.active = np.zeros((n_stories, n), dtype=np.int32)
        self.due = np.full((n_stories, n), -1, dtype=np.int32)
        self.n_active = np.zeros(n_stories, dtype=np.int64)
        self.detained = np.zeros(n, dtype=np.bool_)
        self.counts = np.zeros((n_stories, 3, n_cells), dtype=np.int64)
        self.tellings = np.zeros((n_stories, len(self.layer_names), n_cells), dtype=np.int64)
        self.intercepts = np.zeros((n_stories, n_layers, n_cells), dtype=np.int64)
        self.det_counts = np.zeros(n_cells, dtype=np.int64)
        self.buf = np.zeros(n, dtype=np.int32)
        self.new_buf = np.zeros((n_stories, n), dtype=np.int32)
        for s, ids in enumerate(seeds):
            self.state[s, ids] = SPREADER
            self.active[s, : ids.size] = ids
            self.n_active[s] = ids.size
            self.counts[s, 0] = np.bincount(cell, minlength=n_cells)
            np.subtract.at(self.counts[s, 0], cell[ids], 1)
            np.add.at(self.counts[s, 1], cell[ids], 1)
        self.seed_seq = seed_seq
        self.keys = np.array([stream_key(seed_seq, k) for k in ("tell", "forget", "accept", "wake")]
                             + [stream_key(seed_seq, f"inspect:{name}") for name in inspections], dtype=np.uint64)
        self._keys: dict[str, np.uint64] = {}
        self.levers = None
        self.events: list[tuple] = []
        self.step = 0

    # -- what measures call at day boundaries ---------------------------------
    def inflow(self, day: int, s: int, c: int, rate: float, name: str) -> None:
        p = float(step_probability(rate, 1.0))
        log_miss = -np.inf if p >= 1.0 else float(np.log1p(-p))
        lo, hi = int(self.starts[c]), int(self.starts[c + 1])
        if self.population is None:
            lo, hi = 0, len(self.cell)
        accept = self.levers[3]
        boundary.inflow(np.uint64(day), s, lo, hi, log_miss, accept, self.state, self.active, self.due, self.n_active,
                        self.cell, self.detained, self.counts, self.tellings, self.outside,
                        self._key(f"inflow:{name}"), self._key(f"inflow-accept:{name}"),
                        self.buf)

    def monitor(self, day: int, cohort: np.ndarray, probability: float, name: str) -> int:
        return boundary.monitor(np.uint64(day), cohort, probability, self.state, self.active, self.due, self.n_active,
                                self.cell, self.detained, self.counts, self.det_counts,
                                self._key(f"monitor:{name}"))

    def _key(self, name: str) -> np.uint64:
        if name not in self._keys:
            self._keys[name] = stream_key(self.seed_seq, name)
        return self._keys[name]

    def report_rng(self, trigger: str, day: int) -> np.random.Generator:
        """The stream a trigger's informants draw from on one day."""
        return stream(self.seed_seq, f"report:{trigger}:{day}")

    # -- the calendar ------------------------------------------------------------
    def _levers(self, on) -> tuple:
        n_stories, _, n_cells = self.counts.shape
        lv = Levers.neutral(n_stories, n_cells, len(self.ctx.layers), len(self.ctx.inspections))
        for m in on:
            m.adjust(lv, self.ctx)
        dt = 1.0 / self.substeps
        p_forget = np.asarray(step_probability(self.model_forget[:, None] + lv.forget, dt),
                              dtype=np.float64).reshape(n_stories, n_cells)
        with np.errstate(divide="ignore"):
            log_keep = np.log1p(-p_forget)
        return (lv.spread, p_forget, log_keep, lv.accept, lv.intercept, lv.detain)

    def run(self, days: int | None, max_days: int, bar) -> dict:
        rec = {"counts": [self.counts.copy()], "tellings": [self.tellings.copy()],
               "intercepts": [self.intercepts.copy()], "detained": [self.det_counts.copy()]}
        watches = [Watch(t, self.ctx.cells(None, t.regions),
                         None if t.layer is None else self.ctx.layers.index(t.layer),
                         None if t.story is None else self.ctx.story(t.story)) for t in self.triggers]
        on_since: dict[str, int] = {}
        day = 0
        while (days is None and self.n_active.sum() > 0 and day < max_days) or (days is not None and day < days):
            ordered = self._orders(watches)
            now_on = [m for m in self.measures if m.is_on(day, ordered.get(m.name))]
            changed = {m.name for m in now_on} != set(on_since) or self.levers is None
            for m in now_on:
                if m.name not in on_since:
                    on_since[m.name] = day
                    self.events.append((day, "measure-start", "", -1, 0, m.name))
            for name in [k for k in on_since if k not in {m.name for m in now_on}]:
                del on_since[name]
                self.events.append((day, "measure-stop", "", -1, 0, name))
            for w in watches:
                if w.order_on == day and w.trigger.starts:
                    self.events.append((day, "order", "", -1, 0, f"{w.trigger.name}: " + ", ".join(w.trigger.starts)))
            if changed:
                new = self._levers(now_on)
                if self.levers is not None:
                    # only spreaders whose own rates changed draw their waits again
                    moved = (new[0] != self.levers[0]) | (new[1] != self.levers[1])
                    if moved.any():
                        boundary.redraw(self.due, self.active, self.n_active, self.cell, moved)
                self.levers = new
            levers = self.levers
            for m in now_on:
                m.at_dawn(day, self, self.ctx)
            tell_step = tell_step_parallel if len(self.ctx.stories) > 1 else tell_step_serial
            for _ in range(self.substeps):
                tell_step(np.int64(self.step), self.state, self.active, self.due, self.n_active, self.new_buf, self.cell,
                          self.detained, self.graph, self.base_rules, levers,
                          (self.counts, self.tellings, self.intercepts, self.det_counts), self.keys)
                self.step += 1
            for m in now_on:
                m.at_dusk(day, on_since[m.name], self, self.ctx)
            boundary.leave(self.state, self.active, self.due, self.n_active, self.cell, self.detained, self.counts)
            self._record(rec, day, watches)
            day += 1
            bar.advance()
        return {k: np.stack(v) for k, v in rec.items()}

    @staticmethod
    def _orders(watches) -> dict[str, int]:
        out: dict[str, int] = {}
        for w in watches:
            if w.order_on is None:
                continue
            for name in w.trigger.starts:
                out[name] = min(out.get(name, w.order_on), w.order_on)
        return out

    def _record(self, rec, day, watches) -> None:
        """Row ``day + 1`` is the state at the end of ``day``; events carry the day they happened."""
        prev_int, prev_det, prev_tell = rec["intercepts"][-1], rec["detained"][-1], rec["tellings"][-1]
        rec["counts"].append(self.counts.copy())
        rec["tellings"].append(self.tellings.copy())
        rec["intercepts"].append(self.intercepts.copy())
        rec["detained"].append(self.det_counts.copy())
        new_int = self.intercepts - prev_int
        new_det = self.det_counts - prev_det
        new_tell = self.tellings - prev_tell
        names = self.ctx.stories
        for s, c in zip(*np.nonzero(new_int.sum(axis=1))):
            self.events.append((day, "interception", names[s], int(c), int(new_int[s, :, c].sum()), ""))
        for c in np.flatnonzero(new_det):
            self.events.append((day, "detention", "", int(c), int(new_det[c]), ""))
        if len(self.layer_names) > len(self.ctx.layers):
            for s, c in zip(*np.nonzero(new_tell[:, self.outside])):
                self.events.append((day, "inflow", names[s], int(c), int(new_tell[s, self.outside, c]), ""))
        for w in watches:
            rng = self.report_rng(w.trigger.name, day) if w.trigger.observe == "reports" else None
            if w.observe(day, new_int, new_det, new_tell, rng):
                self.events.append((day, "report", "", -1, int(w.seen),
                                    f"{w.trigger.name}: {w.trigger.observe} reached {w.trigger.threshold:g}"))
