"""The daily engine: discrete time, ``substeps`` steps a day, a numba kernel
over CSR arrays.

One day, in this order (the only place it is written):

0. **seed** — news from outside arrives (``Inflow``; see ``boundary``).
1. **tell** — in each of the day's ``substeps`` steps, every agent that was
   a spreader at the start of the step meets each neighbour on each layer
   with probability ``p = 1 - exp(-rate * dt)``. Meetings are found by
   geometric skips along the neighbour list, so the work is O(meetings), not
   O(degree): a spreader with ten neighbours and p = 0.05 costs about one
   random draw a step. Outcomes use the states at the start of the step
   (synchronous update). A hearer who does not believe the story (measure
   ``Indoctrinate``) knows it but will not pass it on.
2. **censor** — a meeting on an inspected layer is intercepted instead of
   happening, and its sender may be detained (``Inspect``); detained agents
   leave every layer.
3. **stifle / forget** — spreaders who met a knower (or, in Daley–Kendall,
   another spreader) stop; the rest stop at the forgetting rate.
4. **detect** — at the end of the day, periodic checks find spreaders in a
   cohort and detain them (``Monitor``; see ``boundary``).
5. **record** — counts per story × state × cell are kept up to date by every
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
#: heard it this step but does not believe it: knows, will not pass it on
DOUBTER = 5
#: spreaders whose neighbour-list bounds are fetched together
BLOCK = 64


@numba.njit(inline="always")
def _salt(key, s):
    return key ^ np.uint64(s + 1) * np.uint64(0xD1B54A32D192ED03)


def tell_step(step, state, active, n_active, new_buf, cell, detained, graph, rules, levers, tallies, keys):
    """Advance every story by one step, in place.

    Parameters
    ----------
    step : uint64
        Global step number (keys the random streams).
    state : int8[S, n]; active : int32[S, n]; n_active : int64[S]
        State of each agent per story; each story's spreaders, sorted.
    new_buf : int32[S, n]
        Scratch per story: agents who hear it this step, then agents detained.
    cell : int32[n]; detained : bool[n]
        Each agent's cell (group × region); who is out of every layer.
        Detentions made in a step take effect at its end.
    graph : (indptrs, indicess, complete)
        Per layer: CSR arrays (empty for a well-mixed layer) and the flag.
    rules : (log_miss[S, L], miss_pow[S, L, D], stifle[S], pair[S], one_step[S])
        ``log(1 - p)`` of the per-step meeting probability (0 means p = 0);
        ``(1 - p) ** d`` for small degrees d; the model's rules.
    levers : (spread[S, C], p_forget[S, C], accept[S, C], intercept[L], detain[L])
        What measures move: a spreader's meeting-rate multiplier by its cell,
        its per-step stopping probability, the chance a hearer believes and
        passes the story on, and per layer the chance a meeting is
        intercepted and its sender detained.
    tallies : (counts[S, 3, C], tellings[S, L', C], intercepts[S, L, C], det_counts[C])
        Kept current by every transition; tellings by the hearer's cell,
        interceptions and detentions by the sender's.
    keys : uint64[4]
        Stream keys: tell, forget, censor, accept.

    Stories run in parallel threads: each writes only its own rows, and
    detentions are applied after all of them, in story order, so the result
    does not depend on the number of threads.

    Complexity: O(spreaders + meetings) per step.
    """
    indptrs, indicess, complete = graph
    log_miss, miss_pow, stifle, pair, one_step = rules
    spread, p_forget, accept, intercept, detain = levers
    counts, tellings, intercepts, det_counts = tallies
    n_stories = state.shape[0]
    n = state.shape[1]
    n_layers = complete.shape[0]
    by_cell = counts.shape[2] > 1  # one cell: skip the per-agent lookups
    censoring = intercept.max() > 0.0 if n_layers else False
    # with no one detained and no censor, skip the detention lookups
    vetting = censoring or det_counts.sum() > 0
    n_held = np.zeros(n_stories, dtype=np.int64)
    for s in numba.prange(n_stories):
        bounds = np.empty((n_layers, BLOCK, 3), dtype=np.int64)
        held = np.empty(n_active[s], dtype=np.int32)  # senders this story gets detained
        st = state[s]
        act = active[s]
        na = n_active[s]
        buf = new_buf[s]
        n_new = 0
        skey = _salt(keys[0], s)
        ckey = _salt(keys[2], s)
        akey = _salt(keys[3], s)
        for a in range(na):
            if a % BLOCK == 0:
                # gather the next block's neighbour-list bounds first: these
                # loads are independent, so their cache misses overlap
                _gather_bounds(act, a, min(a + BLOCK, na), indptrs, indicess, complete, bounds)
            i = act[a]
            if vetting and detained[i]:
                continue
            ci = cell[i] if by_cell else 0
            mult = spread[s, ci]
            if mult <= 0.0:
                continue
            rng = counter(skey, step, i)
            crng = counter(ckey, step, i) if censoring else np.uint64(0)
            stop = False
            gone = False
            for lay in range(n_layers):
                lm = log_miss[s, lay] * mult
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
                            miss = miss_pow[s, lay, deg] if mult == 1.0 else math.exp(deg * lm)
                            if 1.0 - u <= miss:
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
                    if vetting and detained[j]:
                        continue
                    if intercept[lay] > 0.0:
                        crng, u = next_uniform(crng)
                        if u < intercept[lay]:
                            intercepts[s, lay, ci] += 1
                            if detain[lay] > 0.0:
                                crng, u = next_uniform(crng)
                                if u < detain[lay]:
                                    held[n_held[s]] = i
                                    n_held[s] += 1
                                    gone = True
                                    break
                            continue
                    sj = st[j]
                    if sj == IGNORANT:
                        cj = cell[j] if by_cell else 0
                        tellings[s, lay, cj] += 1
                        st[j] = NEW
                        if accept[s, cj] < 1.0:
                            arng = counter(akey, step, j)
                            arng, u = next_uniform(arng)
                            if u >= accept[s, cj]:
                                st[j] = DOUBTER
                        buf[n_new] = j
                        n_new += 1
                    elif sj == NEW or sj == DOUBTER:
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
                if gone:
                    break
            if stop or gone:
                st[i] = STOPPING
        # stifle / forget / leave, among those who spread at the start of the step
        keep = 0
        fkey = _salt(keys[1], s)
        for a in range(na):
            i = act[a]
            c = cell[i] if by_cell else 0
            done = st[i] == STOPPING or one_step[s] or (vetting and detained[i])
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
        n_add = 0
        for b in range(n_new):
            j = buf[b]
            c = cell[j] if by_cell else 0
            counts[s, IGNORANT, c] -= 1
            if st[j] == DOUBTER:
                st[j] = STIFLER
                counts[s, STIFLER, c] += 1
            else:
                st[j] = SPREADER
                counts[s, SPREADER, c] += 1
                buf[n_add] = j
                n_add += 1
        # keep the spreader list sorted: neighbour lists are then read in
        # memory order, about three times faster than in random order
        buf[:n_add].sort()
        _merge_sorted(act, keep, buf, n_add)
        n_active[s] = keep + n_add
        buf[:n_held[s]] = held[:n_held[s]]
    # detentions take effect now, story by story
    for s in range(n_stories):
        for k in range(n_held[s]):
            i = new_buf[s, k]
            if not detained[i]:
                detained[i] = True
                det_counts[cell[i] if by_cell else 0] += 1


#: one story: no threads to start each step
tell_step_serial = numba.njit(cache=True)(tell_step)
#: several stories: one thread each (numba's thread pool)
tell_step_parallel = numba.njit(cache=True, parallel=True)(tell_step)


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
