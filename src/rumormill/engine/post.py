"""The daily engine's post: letters written on delayed layers wait here, by
the step they arrive in, and are handed over at the end of that step.

On arrival a letter passes the censor first: each inspection of its channel
in force *that day* reads it (so letters written before an inspection
starts are caught if they arrive after), and may detain its writer. A
letter that gets through is delivered, and an ignorant reader hears the
story (believing it with the reader's acceptance, as for any telling). A
letter to someone detained meanwhile is lost.

Every draw is keyed by the letter itself (story, writer, reader, layer, the
step it was written in), and the day's letters are handed over in a fixed
order (story, reader, layer, writer), so what happens to a letter depends on
nothing but the letter and its reader: common random numbers hold.
"""

from __future__ import annotations

import numba
import numpy as np

from .counter_rng import counter, mix64, next_uniform
from .daily import IGNORANT, _salt, hear, merge_sorted, task_rows


class Post:
    """Letters in transit, in buckets by the step they arrive in."""

    def __init__(self, delays, graph, substeps: int, n_stories: int):
        """``delays``: per layer a ``Delay`` or None; ``graph``: the kernel's (indptrs, ...)."""
        self.delayed = np.array([d is not None for d in delays], dtype=np.bool_)
        tables = [d.step_cdf(substeps) if d is not None else np.ones(1) for d in delays]
        width = max(len(t) for t in tables)
        self.step_cdf = np.ones((len(delays), width), dtype=np.float64)
        for k, t in enumerate(tables):
            self.step_cdf[k, : len(t)] = t
        # each pair of correspondents writes at most one letter a step; the
        # kernel's tasks write in rows of their own, each marked with its story
        cap = max(1, sum(int(ptr[-1]) for ptr, d in zip(graph[0], delays) if d is not None))
        rows = task_rows(n_stories)
        self.out_to = np.zeros((rows, cap), dtype=np.int32)
        self.out_from = np.zeros((rows, cap), dtype=np.int32)
        self.out_lay = np.zeros((rows, cap), dtype=np.int32)
        self.out_due = np.zeros((rows, cap), dtype=np.int64)
        self.n_out = np.zeros(rows, dtype=np.int64)
        self.out_story = np.zeros(rows, dtype=np.int64)
        self.buckets: dict[int, list] = {}

    @property
    def any(self) -> bool:
        return bool(self.delayed.any())

    def kernel_args(self) -> tuple:
        return (self.delayed, self.step_cdf, self.out_to, self.out_from, self.out_lay, self.out_due, self.n_out,
                self.out_story)

    def pending(self) -> bool:
        return bool(self.buckets)

    def collect(self, step: int) -> None:
        """File the letters the kernel wrote in ``step`` by their arrival step:
        the step's letters, sorted by arrival, are kept once, and each arrival
        step's bucket notes which stretch of them it holds."""
        rows = [(r, int(k)) for r, k in enumerate(self.n_out) if k]
        if not rows:
            return
        due = np.concatenate([self.out_due[r, :k] for r, k in rows])
        order = np.argsort(due, kind="stable")
        due = due[order]
        letters = (np.concatenate([np.full(k, self.out_story[r], np.int32) for r, k in rows])[order],
                   np.concatenate([self.out_to[r, :k] for r, k in rows])[order],
                   np.concatenate([self.out_from[r, :k] for r, k in rows])[order],
                   np.concatenate([self.out_lay[r, :k] for r, k in rows])[order])
        cuts = np.flatnonzero(np.diff(due)) + 1
        for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, due.size].tolist()):
            self.buckets.setdefault(int(due[a]), []).append((letters, a, b, step))
        self.n_out[:] = 0

    def due(self, step: int):
        """The letters arriving in ``step``, in the fixed order (story, reader, layer, writer, written)."""
        parts = self.buckets.pop(step, None)
        if parts is None:
            return None
        story, to, frm, lay = (np.concatenate([p[0][col][p[1]:p[2]] for p in parts]) for col in range(4))
        written = np.concatenate([np.full(p[2] - p[1], p[3], np.int64) for p in parts])
        order = np.lexsort((written, frm, lay, to, story))
        return story[order], to[order], frm[order], lay[order], written[order]


@numba.njit(cache=True)
def letter_stream(key, s, written, writer, reader, lay):
    """The random stream of one letter, for one purpose (``key``)."""
    return counter(_salt(key, s) ^ mix64(np.uint64(reader) * np.uint64(1021) + np.uint64(lay) + np.uint64(1)),
                   written, writer)


@numba.njit(cache=True)
def deliver(step, letters_due, state, active, due, n_active, cell, detained, tallies, accept, intercept, detain_p,
            keys, buf):
    """Hand over the letters arriving in ``step`` (see the module's docstring).

    ``tallies`` = (counts[S, 3, C], tellings[S, L', C], intercepts[S, L, C],
    det_counts[C], letters[S, 2, L, C]): a letter caught counts as an
    interception by the writer's cell, one delivered in ``letters[:, 1]``
    by the reader's cell. ``keys`` are the kernel's (accept at 2, one per
    inspection from 5). Returns how many heard the story.
    """
    story, to, frm, lay, written = letters_due
    counts, tellings, intercepts, det_counts, letters = tallies
    by_cell = counts.shape[2] > 1
    n_insp = intercept.shape[0]
    heard = 0
    k = 0
    while k < story.size:
        s = story[k]
        n_new = 0
        while k < story.size and story[k] == s:
            j, i, l, w = to[k], frm[k], lay[k], written[k]
            k += 1
            if detained[j]:
                continue  # out of every layer: the letter is lost
            caught = False
            for q in range(n_insp):
                if intercept[q, l] <= 0.0:
                    continue
                rng = letter_stream(keys[5 + q], s, w, i, j, l)
                rng, u = next_uniform(rng)
                if u < intercept[q, l]:
                    caught = True
                    if detain_p[q, l] > 0.0:
                        rng, u = next_uniform(rng)
                        if u < detain_p[q, l] and not detained[i]:
                            detained[i] = True
                            det_counts[cell[i] if by_cell else 0] += 1
            if caught:
                intercepts[s, l, cell[i] if by_cell else 0] += 1
                continue
            cj = cell[j] if by_cell else 0
            letters[s, 1, l, cj] += 1
            if state[s, j] != IGNORANT:
                continue
            if hear(state[s], counts, tellings, s, j, l, cj, _salt(keys[2], s), step, accept[s, cj]):
                buf[n_new] = j
                n_new += 1
        if n_new:
            # readers come sorted (one story's letters are in reader order)
            merge_sorted(active[s], due[s], n_active[s], buf, n_new)
            n_active[s] += n_new
            heard += n_new
    return heard
