"""What happens between the kernel's steps: news from outside arrives
(inflow, at the start of each step), periodic checks find spreaders
(monitoring) or knowers, with consequences (checks), at the end of a day,
and spreaders whose rates changed draw their waits again (``redraw``). Each
inflow, monitor and check
draws from its own counter-based stream, keyed by the measure, the day and
the agent, so a run with and without one shares every other random number,
and two of them on one cohort act independently.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .counter_rng import counter, next_uniform
from .daily import IGNORANT, SPREADER, STIFLER, _salt, hear, merge_sorted, stop_spreader


def arrivals(rows: list[tuple]) -> tuple:
    """The day's inflows, one per (inflow, cell), as the arrays ``arrive``
    reads: story, first agent, last + 1, the only cell (or -1), log chance
    of no arrival in a step, and the two stream keys."""
    cols = list(zip(*rows)) if rows else [()] * 7
    return (np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=np.int64),
            np.array(cols[3], dtype=np.int64), np.array(cols[4], dtype=np.float64),
            np.array(cols[5], dtype=np.uint64), np.array(cols[6], dtype=np.uint64))


@numba.njit(cache=True)
def arrive(step, arrivals, accept, state, active, due, n_active, cell, detained, counts, tellings, outside, buf):
    """Every inflow of the day in this step, in order (one compiled call a
    step, not one per inflow and cell)."""
    story, lo, hi, only, log_miss, key, akey = arrivals
    for k in range(story.size):
        inflow(step, story[k], lo[k], hi[k], only[k], log_miss[k], accept, state, active, due, n_active, cell,
               detained, counts, tellings, outside, key[k], akey[k], buf)


@numba.njit(cache=True)
def inflow(step, s, lo, hi, only, log_miss, accept, state, active, due, n_active, cell, detained, counts, tellings,
           outside, key, akey, buf):
    """Each ignorant agent in ``[lo, hi)`` (of cell ``only``, unless it is -1)
    hears story ``s`` from outside in this step with probability
    ``1 - exp(log_miss)``; O(hearers) by geometric skips.

    A hearer believes it (and becomes a spreader) with ``accept[s, cell]``,
    as for news from a neighbour; one who does not knows it and stays silent.
    Returns how many heard it. ``outside`` is the tellings column of the
    outside source; ``key`` and ``akey`` are this inflow's streams.
    """
    if log_miss == 0.0 or hi <= lo:
        return 0
    by_cell = counts.shape[2] > 1
    rng = counter(_salt(key, s), step, lo)
    st = state[s]
    pos = lo - 1
    k = 0
    while True:
        if log_miss == -np.inf:
            pos += 1
        else:
            rng, u = next_uniform(rng)
            skip = math.floor(math.log1p(-u) / log_miss)
            if pos + 1 + skip >= hi:
                break
            pos += 1 + int(skip)
        if pos >= hi:
            break
        if st[pos] != IGNORANT or detained[pos] or (only >= 0 and cell[pos] != only):
            continue
        c = cell[pos] if by_cell else 0
        if hear(st, counts, tellings, s, pos, outside, c, _salt(akey, s), step, accept[s, c]):
            buf[k] = pos
            k += 1
    if k:
        # buf is already sorted: pos only grows
        merge_sorted(active[s], due[s], n_active[s], buf, k)
        n_active[s] += k
    return k


@numba.njit(cache=True)
def monitor(day, in_cohort, probability, state, active, due, n_active, cell, detained, counts, det_counts, key):
    """Find each spreader (of any story) in the cohort's cells with
    ``probability`` and detain it; detained spreaders stop. Returns detentions.

    One draw per (day, agent): an agent spreading two stories is found or
    missed once, not twice.
    """
    by_cell = counts.shape[2] > 1
    found = 0
    for s in range(state.shape[0]):
        act = active[s]
        for a in range(n_active[s]):
            i = act[a]
            c = cell[i] if by_cell else 0
            if detained[i] or not in_cohort[cell[i]]:
                continue
            rng = counter(key, day, i)
            rng, u = next_uniform(rng)
            if u < probability:
                detained[i] = True
                det_counts[c] += 1
                found += 1
    leave(state, active, due, n_active, cell, detained, counts)
    return found


@numba.njit(cache=True)
def check(day, in_cohort, probability, detain_p, indoctrinate_p, hh_ptr, hh_idx, state, active, due, n_active, cell,
          detained, counts, det_counts, found, homes, key):
    """A check of the cohort's cells: each member who knows a story (any
    story, spreader or stifler) is found with ``probability``; a finding is
    detained with ``detain_p`` and, independently, has its household (itself
    and its neighbours on ``hh_ptr``/``hh_idx``) indoctrinated with
    ``indoctrinate_p``: their spreaders stop. Findings and households are
    counted by the found member's cell in ``found`` and ``homes``.

    Three draws per (day, agent), all from the agent's own counter, so who is
    found, detained or indoctrinated depends on nothing but the agent and the
    day (and not on the order agents are checked in). O(n) per check.
    """
    by_cell = counts.shape[2] > 1
    n_stories, n = state.shape
    for i in range(n):
        if detained[i] or not in_cohort[cell[i]]:
            continue
        knows = False
        for s in range(n_stories):
            if state[s, i] != IGNORANT:
                knows = True
                break
        if not knows:
            continue
        rng = counter(key, day, i)
        rng, u = next_uniform(rng)
        if u >= probability:
            continue
        rng, u_detain = next_uniform(rng)
        rng, u_home = next_uniform(rng)
        c = cell[i] if by_cell else 0
        found[c] += 1
        if u_home < indoctrinate_p:
            homes[c] += 1
            _silence(i, state, cell, detained, counts)
            for k in range(hh_ptr[i], hh_ptr[i + 1]):
                _silence(hh_idx[k], state, cell, detained, counts)
        if u_detain < detain_p:
            detained[i] = True
            det_counts[c] += 1
    leave(state, active, due, n_active, cell, detained, counts)


@numba.njit(cache=True, inline="always")
def _silence(j, state, cell, detained, counts):
    """Agent ``j`` stops spreading every story (``leave`` then drops it from the active lists)."""
    if detained[j]:
        return  # leave stops it
    c = cell[j] if counts.shape[2] > 1 else 0
    for s in range(state.shape[0]):
        if state[s, j] == SPREADER:
            stop_spreader(state[s], counts, s, j, c)


@numba.njit(cache=True)
def redraw(due, active, n_active, cell, changed):
    """Spreaders of story s in a cell with ``changed[s, cell]`` draw their
    wait again; everyone else keeps theirs (common random numbers).

    A wait is geometric, hence memoryless: redrawing it from now on with the
    new rates gives the right distribution for those whose rates changed, and
    leaving it alone is exact for those whose rates did not.
    """
    by_cell = changed.shape[1] > 1
    for s in range(due.shape[0]):
        for a in range(n_active[s]):
            if changed[s, cell[active[s, a]] if by_cell else 0]:
                due[s, a] = -1


@numba.njit(cache=True)
def leave(state, active, due, n_active, cell, detained, counts):
    """Detained spreaders stop spreading every story (they are out of every layer)."""
    by_cell = counts.shape[2] > 1
    for s in range(state.shape[0]):
        act = active[s]
        dues = due[s]
        st = state[s]
        keep = 0
        for a in range(n_active[s]):
            i = act[a]
            if st[i] == STIFLER:
                continue  # stopped by a partner: its counts are done
            if detained[i]:
                stop_spreader(st, counts, s, i, cell[i] if by_cell else 0)
            else:
                act[keep] = i
                dues[keep] = dues[a]
                keep += 1
        n_active[s] = keep
