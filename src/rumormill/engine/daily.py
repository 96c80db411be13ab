"""The daily engine: discrete time, ``substeps`` steps a day, a numba kernel
over CSR arrays.

One step, in this order (the only place it is written):

1. **tell** — every agent that was a spreader at the start of the step meets
   each neighbour on each layer with probability ``p = 1 - exp(-rate * dt)``.
   Meetings are found by geometric skips along the neighbour list, so the
   work is O(meetings), not O(degree): a spreader with ten neighbours and
   p = 0.05 costs about one random draw a step.
   Outcomes use the states at the start of the step (synchronous update).
2. **stifle / forget** — spreaders who met a knower (or, in Daley–Kendall,
   another spreader) stop; the rest stop at the forgetting rate.
3. **record** — counts per story × state × cell are kept up to date by every
   transition, so recording a day costs O(cells), not O(agents).

Random numbers come from a counter-based stream keyed by (step, agent), see
``counter_rng``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .counter_rng import counter, next_uniform

IGNORANT, SPREADER, STIFLER = 0, 1, 2
#: heard it this step: an ignorant at the start of the step
NEW = 3
#: a spreader at the start of the step who stops at its end
STOPPING = 4
#: spreaders whose neighbour-list bounds are fetched together
BLOCK = 64


@numba.njit(cache=True)
def tell_step(
    step,
    state,
    active,
    n_active,
    new_buf,
    counts,
    cell,
    tellings,
    indptrs,
    indicess,
    complete,
    log_miss,
    miss_pow,
    stifle,
    pair,
    p_forget,
    one_step,
    key_tell,
    key_forget,
):
    """Advance every story by one step, in place.

    Parameters
    ----------
    step : uint64
        Global step number (keys the random streams).
    state : int8[S, n]
        State of each agent for each story.
    active : int32[S, n], n_active : int64[S]
        The spreaders of each story, compact.
    new_buf : int32[n]
        Scratch for agents who hear the story this step.
    counts : int64[S, 3, C]
        Agents per story × state × cell, kept current.
    cell : int32[n]
        Each agent's cell (group × region), for the counts.
    tellings : int64[S, L]
        Tellings carried by each layer (accumulated).
    indptrs, indicess : tuples of int64[n+1] / int32[m] per layer
        CSR arrays (empty for a complete layer).
    complete : bool[L]
        True where the layer is well-mixed (implicit).
    log_miss : float64[S, L]
        ``log(1 - p)`` for the meeting probability p per step; 0 means p = 0.
    miss_pow : float64[S, L, D]
        ``(1 - p) ** d`` for degrees d < D: the chance of meeting no one.
    stifle : float64[S]; pair : bool[S]; p_forget : float64[S, n_cells]; one_step : bool[S]
        The model's rules (see ``rumormill.models``); forgetting per cell so
        measures can target groups.
    key_tell, key_forget : uint64
        Stream keys.

    Complexity: O(spreaders + meetings) per step.
    """
    n_stories = state.shape[0]
    n = state.shape[1]
    n_layers = complete.shape[0]
    by_cell = counts.shape[2] > 1  # one cell: skip the per-agent lookups
    bounds = np.empty((n_layers, BLOCK, 3), dtype=np.int64)
    for s in range(n_stories):
        st = state[s]
        act = active[s]
        na = n_active[s]
        n_new = 0
        skey = key_tell ^ np.uint64(s + 1) * np.uint64(0xD1B54A32D192ED03)
        for a in range(na):
            if a % BLOCK == 0:
                # gather the next block's neighbour-list bounds first: these
                # loads are independent, so their cache misses overlap
                _gather_bounds(act, a, min(a + BLOCK, na), indptrs, indicess, complete, bounds)
            i = act[a]
            rng = counter(skey, step, i)
            stop = False
            for lay in range(n_layers):
                lm = log_miss[s, lay]
                if lm == 0.0:
                    continue
                if complete[lay]:
                    start = 0
                    deg = n - 1
                else:
                    start = bounds[lay, a % BLOCK, 0]
                    deg = bounds[lay, a % BLOCK, 1] - start
                pos = -1
                first = True
                while True:
                    # geometric number of misses before the next meeting
                    if lm == -np.inf:
                        pos += 1
                    else:
                        rng, u = next_uniform(rng)
                        if first and deg < miss_pow.shape[2]:
                            # most spreaders meet no one: test that without a log
                            if 1.0 - u <= miss_pow[s, lay, deg]:
                                break
                            first = False
                        skip = math.floor(math.log1p(-u) / lm)
                        if pos + 1 + skip >= deg:
                            break
                        pos += 1 + int(skip)
                    if pos >= deg:
                        break
                    if complete[lay]:
                        j = pos if pos < i else pos + 1
                    else:
                        j = indicess[lay][start + pos]
                    sj = st[j]
                    if sj == IGNORANT:
                        st[j] = NEW
                        new_buf[n_new] = j
                        n_new += 1
                        tellings[s, lay] += 1
                    elif sj == NEW:
                        continue
                    elif pair[s] and (sj == SPREADER or sj == STOPPING):
                        # the pair is seen from both ends; each end holds half its rate
                        rng, u = next_uniform(rng)
                        if u < 0.5:
                            stop = True
                            st[j] = STOPPING
                    elif stifle[s] > 0.0:
                        if stifle[s] >= 1.0:
                            stop = True
                        else:
                            rng, u = next_uniform(rng)
                            if u < stifle[s]:
                                stop = True
            if stop:
                st[i] = STOPPING
        # stifle / forget, among those who spread at the start of the step
        keep = 0
        fkey = key_forget ^ np.uint64(s + 1) * np.uint64(0xD1B54A32D192ED03)
        for a in range(na):
            i = act[a]
            c = cell[i] if by_cell else 0
            done = st[i] == STOPPING or one_step[s]
            if not done and p_forget[s, c] > 0.0:
                rng = counter(fkey, step, i)
                rng, u = next_uniform(rng)
                done = u < p_forget[s, c]
            if done:
                st[i] = STIFLER
                counts[s, SPREADER, c] -= 1
                counts[s, STIFLER, c] += 1
            else:
                act[keep] = i
                keep += 1
        for b in range(n_new):
            j = new_buf[b]
            st[j] = SPREADER
            c = cell[j] if by_cell else 0
            counts[s, IGNORANT, c] -= 1
            counts[s, SPREADER, c] += 1
        # keep the spreader list sorted: neighbour lists are then read in
        # memory order, about three times faster than in random order
        new_buf[:n_new].sort()
        _merge_sorted(act, keep, new_buf, n_new)
        n_active[s] = keep + n_new


@numba.njit(cache=True, inline="always")
def _gather_bounds(act, a0, a1, indptrs, indicess, complete, bounds):
    for lay in range(complete.shape[0]):
        if complete[lay]:
            continue
        ptr = indptrs[lay]
        for a in range(a0, a1):
            i = act[a]
            bounds[lay, a - a0, 0] = ptr[i]
            bounds[lay, a - a0, 1] = ptr[i + 1]
        # touch each list's first neighbour: pulls its cache line in while
        # the other loads of the block are still in flight
        idx = indicess[lay]
        touched = 0
        for b in range(a1 - a0):
            if bounds[lay, b, 1] > bounds[lay, b, 0]:
                touched += idx[bounds[lay, b, 0]]
        bounds[lay, 0, 2] = touched


@numba.njit(cache=True, inline="always")
def _merge_sorted(act, keep, new, n_new):
    """Merge sorted ``new[:n_new]`` into sorted ``act[:keep]``, in place, from the back."""
    a = keep - 1
    b = n_new - 1
    out = keep + n_new - 1
    while b >= 0:
        if a >= 0 and act[a] > new[b]:
            act[out] = act[a]
            a -= 1
        else:
            act[out] = new[b]
            b -= 1
        out -= 1


def reference_step(state, p_meet, stifle, pair, p_forget, one_step, neighbours, rng):
    """Plain-numpy twin of one step of one story, written from the definition:
    every (spreader, neighbour) pair meets with its own Bernoulli(p) draw.

    Used only in tests, on small graphs, to check ``tell_step`` statistically.
    ``neighbours(i)`` returns agent ``i``'s neighbour array; ``p_meet`` is the
    per-step meeting probability (one layer).
    """
    start = state.copy()
    spreaders = np.flatnonzero(start == SPREADER)
    stop = np.zeros(state.size, dtype=bool)
    heard = np.zeros(state.size, dtype=bool)
    for i in spreaders:
        nb = neighbours(i)
        met = nb[rng.random(nb.size) < p_meet]
        heard[met[start[met] == IGNORANT]] = True
        knowers = met[start[met] != IGNORANT]
        if pair:
            other = knowers[start[knowers] == SPREADER]
            hit = other[rng.random(other.size) < 0.5]
            stop[hit] = True
            stop[i] |= hit.size > 0 or np.any(start[knowers] == STIFLER)
        elif knowers.size:
            stop[i] |= np.any(rng.random(knowers.size) < stifle)
    forgot = rng.random(spreaders.size) < p_forget
    state[spreaders[stop[spreaders] | forgot | one_step]] = STIFLER
    state[heard] = SPREADER
    return state
