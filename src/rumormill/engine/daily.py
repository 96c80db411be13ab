"""The daily engine: discrete time, ``substeps`` steps a day, a numba kernel
over CSR arrays.

One day, in this order (the only place it is written):

0. **seed** — at the start of each step, news from outside arrives
   (``Inflow``, at its daily rate spread over the steps; see ``boundary``).
1. **tell** — in each of the day's ``substeps`` steps, every agent that was
   a spreader at the start of the step meets each neighbour on each layer
   with probability ``p = 1 - exp(-rate * dt)``. A spreader is skipped until
   its next step with an event (drawn geometrically), and meetings are found
   by geometric skips along the neighbour list, so the work follows meetings,
   not steps × degree. Outcomes use the states at the start of the step
   (synchronous update). A hearer who does not believe the story (measure
   ``Indoctrinate``) knows it but will not pass it on. A meeting on a layer
   with a delay writes a letter instead, which the post hands over at the
   end of the step it arrives in, after the censor has read it (``post``).
2. **censor** — a meeting on an inspected layer is intercepted instead of
   happening, and its sender may be detained (``Inspect``); each inspection
   reads it on its own stream, so inspections act independently; detained
   agents leave every layer.
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

from ..models import IGNORANT, SPREADER, STIFLER
from .counter_rng import counter, next_uniform

#: heard it this step: an ignorant at the start of the step
NEW = 3
#: a spreader at the start of the step who stops at its end
STOPPING = 4
#: heard it this step but does not believe it: knows, will not pass it on
DOUBTER = 5
#: a ``due`` step that never comes (a spreader with no events left)
NEVER = 2**31 - 1
#: log of the quiet-step chance below which a spreader is tried every step
LOG_BUSY = math.log(0.75)
#: spreaders whose neighbour-list bounds are fetched together
BLOCK = 64


@numba.njit(inline="always")
def _salt(key, s):
    return key ^ np.uint64(s + 1) * np.uint64(0xD1B54A32D192ED03)


def tell_step(step, state, active, due, n_active, new_buf, cell, detained, graph, rules, levers, tallies, keys,
              post):
    """Advance every story by one step, in place.

    Parameters
    ----------
    step : int64
        Global step number (keys the random streams).
    state : int8[S, n]; active : int32[S, n]; n_active : int64[S]
        State of each agent per story; each story's spreaders, sorted.
    due : int32[S, n]
        Beside each spreader in ``active``: the next step in which something
        happens to it (a meeting or forgetting), or -1 when not yet drawn.
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
    levers : (spread[S, C], p_forget[S, C], log_keep[S, C], accept[S, C], intercept[K, L], detain[K, L],
              watch[D, L, C], punish[D, L, C])
        What measures move: a spreader's meeting-rate multiplier by its cell,
        its per-step stopping probability (and ``log(1 - p_forget)``), the chance a hearer believes and
        passes the story on, per inspection k and layer the chance a
        meeting is intercepted and its sender detained, and per detection d,
        layer and teller's cell the chance a telling is observed and its
        teller detained (the telling still happens). When a spreader's
        multiplier or stopping probability changes, its ``due`` must be reset
        to -1 (see ``redraw``); no one else's.
    tallies : (counts[S, 3, C], tellings[S, L', C], intercepts[S, L, C], det_counts[C], letters[S, 2, L, C])
        Kept current by every transition; tellings by the hearer's cell,
        interceptions and detentions by the sender's; letters written (row 0)
        by the writer's cell.
    keys : uint64[5 + K + D]
        Stream keys: tell, forget, accept, wake, post, then one per
        inspection, then one per detection. Every draw is keyed by (stream, story, step, agent), so
        an agent's numbers never depend on anyone else's.
    post : (delayed[L], step_cdf[L, M], to[S, E], sender[S, E], layer[S, E], due[S, E], n_out[S])
        Letters: a meeting on a delayed layer writes one instead of telling
        (no censor, no stifling now); its arrival step is drawn from the
        layer's ``step_cdf`` on the ``post`` stream, and it goes out in the
        story's rows (``E`` bounds the letters of one step: each pair of
        correspondents writes at most one a step). ``post.deliver`` hands it over.

    A spreader's steps are independent trials, so the wait until its next
    step with any event is geometric: the kernel draws it, skips the spreader
    until then, and on that step draws the events conditioned on there being
    at least one. Same distribution as trying every step, at a cost that
    follows events, not steps. A busy spreader (an event in more than a
    quarter of its steps) is simply tried every step, which is cheaper there.

    Stories run in parallel threads: each writes only its own rows, and
    detentions are applied after all of them, in story order, so the result
    does not depend on the number of threads.

    Complexity: O(spreaders) sequential reads plus O(events) work per step.
    """
    indptrs, indicess, complete = graph
    log_miss, miss_pow, stifle, pair, one_step = rules
    spread, p_forget, log_keep, accept, intercept, detain, watch, punish = levers
    counts, tellings, intercepts, det_counts, letters = tallies
    delayed, step_cdf, out_to, out_from, out_lay, out_due, n_out = post
    any_delayed = delayed.any()
    n_stories = state.shape[0]
    n = state.shape[1]
    n_layers = complete.shape[0]
    by_cell = counts.shape[2] > 1  # one cell: skip the per-agent lookups
    n_insp = intercept.shape[0]
    censoring = intercept.size > 0 and intercept.max() > 0.0
    n_det = watch.shape[0]
    watching = watch.size > 0 and watch.max() > 0.0
    # with no one detained, no censor and no informant, skip the detention lookups
    vetting = censoring or watching or det_counts.sum() > 0
    n_held = np.zeros(n_stories, dtype=np.int64)
    for s in numba.prange(n_stories):
        st = state[s]
        act = active[s]
        dues = due[s]
        na = n_active[s]
        buf = new_buf[s]
        flag = np.zeros(na, dtype=np.bool_)  # stops at the end of this step
        held = np.empty(na, dtype=np.int32)  # senders this story gets detained
        partners = np.empty(na, dtype=np.int32)  # Daley–Kendall partners who stop
        starts = np.empty(n_layers, dtype=np.int64)
        degs = np.empty(n_layers, dtype=np.int64)
        lms = np.empty(n_layers, dtype=np.float64)
        bounds = np.empty((n_layers, BLOCK, 2), dtype=np.int64)
        n_new = 0
        n_partners = 0
        skey = _salt(keys[0], s)
        fkey = _salt(keys[1], s)
        akey = _salt(keys[2], s)
        wkey = _salt(keys[3], s)
        pkey = _salt(keys[4], s)
        crngs = np.zeros(n_insp, dtype=np.uint64)
        drngs = np.zeros(n_det, dtype=np.uint64)
        for a in range(na):
            if a % BLOCK == 0:
                # fetch the neighbour-list bounds of the block's spreaders due
                # now, first: these loads are independent, so their cache
                # misses overlap
                _gather_bounds(act, dues, a, min(a + BLOCK, na), step, one_step[s], indptrs, indicess,
                               complete, bounds)
            d = dues[a]
            if d > step and not one_step[s]:
                continue
            i = act[a]
            if st[i] == STIFLER or (vetting and detained[i]):
                flag[a] = True  # stopped by a partner earlier, or detained
                continue
            ci = cell[i] if by_cell else 0
            mult = spread[s, ci]
            pf = p_forget[s, ci]
            log_quiet = 0.0  # log P(no meeting on any layer this step)
            for lay in range(n_layers):
                if complete[lay]:
                    starts[lay] = 0
                    degs[lay] = n - 1
                else:
                    starts[lay] = bounds[lay, a % BLOCK, 0]
                    degs[lay] = bounds[lay, a % BLOCK, 1] - starts[lay]
                lms[lay] = log_miss[s, lay] * mult if mult > 0.0 else 0.0
                if degs[lay] > 0 and lms[lay] != 0.0:
                    log_quiet += degs[lay] * lms[lay]
            log_stay = log_quiet + log_keep[s, ci]
            direct = one_step[s] or log_stay < LOG_BUSY
            first_layer = 0
            first_pos = -1
            forget_first = False
            wrng = counter(wkey, step, i) if not direct else np.uint64(0)
            rng = counter(skey, step, i)
            if not direct:
                if d < 0:
                    # not drawn yet: this step is the first candidate
                    wrng, u = next_uniform(wrng)
                    d = _wait(step, u, log_stay)
                    dues[a] = d
                    if d > step:
                        continue
                # at least one event this step: which comes first, in the
                # order layer 0's neighbours, layer 1's, ..., forgetting
                rng, u = next_uniform(rng)
                x = u * -math.expm1(log_stay)
                cum = 0.0
                prefix = 1.0
                first_layer = n_layers
                last = -1
                for lay in range(n_layers):
                    if degs[lay] == 0 or lms[lay] == 0.0:
                        continue
                    last = lay
                    quiet = math.exp(degs[lay] * lms[lay])
                    w = prefix * (1.0 - quiet)
                    if x < cum + w:
                        first_layer = lay
                        first_pos = _first_meeting((x - cum) / w, quiet, lms[lay], degs[lay])
                        break
                    cum += w
                    prefix *= quiet
                if first_layer == n_layers and pf <= 0.0 and last >= 0:
                    # rounding: with no forgetting the event must be a meeting
                    first_layer = last
                    first_pos = degs[last] - 1
                forget_first = first_layer == n_layers
            if censoring:
                for k in range(n_insp):
                    crngs[k] = counter(_salt(keys[5 + k], s), step, i)
            prng = counter(pkey, step, i) if any_delayed else np.uint64(0)
            if watching:
                for k in range(n_det):
                    drngs[k] = counter(_salt(keys[5 + n_insp + k], s), step, i)
            stop = False
            gone = False
            for lay in range(first_layer, n_layers):
                lm = lms[lay]
                deg = degs[lay]
                if lm == 0.0 or deg == 0:
                    continue
                pos = -1
                pending = lay == first_layer and first_pos >= 0
                fresh = direct and mult == 1.0 and deg < miss_pow.shape[2]
                while True:
                    if pending:
                        pos = first_pos
                        pending = False
                    elif lm == -np.inf:
                        pos += 1
                    else:
                        # geometric number of misses before the next meeting
                        rng, u = next_uniform(rng)
                        if fresh:
                            # tried every step, a spreader mostly meets no one: test that without a log
                            fresh = False
                            if 1.0 - u <= miss_pow[s, lay, deg]:
                                break
                        skip = math.floor(math.log1p(-u) / lm)
                        if pos + 1 + skip >= deg:
                            break
                        pos += 1 + int(skip)
                    if pos >= deg:
                        break
                    if complete[lay]:
                        j = pos if pos < i else pos + 1
                    else:
                        j = indicess[lay][starts[lay] + pos]
                    if vetting and detained[j]:
                        continue
                    if delayed[lay]:
                        # a letter: the censor reads it and the reader hears it when it arrives
                        prng, u = next_uniform(prng)
                        k = n_out[s]
                        out_to[s, k] = j
                        out_from[s, k] = i
                        out_lay[s, k] = lay
                        out_due[s, k] = step + np.searchsorted(step_cdf[lay], u, side="right")
                        n_out[s] = k + 1
                        letters[s, 0, lay, ci] += 1
                        continue
                    if censoring:
                        # every inspection reads the message on its own stream; any one
                        # that catches it stops it, and any catcher may detain the sender
                        caught = False
                        for k in range(n_insp):
                            if intercept[k, lay] <= 0.0:
                                continue
                            crngs[k], u = next_uniform(crngs[k])
                            if u < intercept[k, lay]:
                                caught = True
                                if detain[k, lay] > 0.0:
                                    crngs[k], u = next_uniform(crngs[k])
                                    gone = gone or u < detain[k, lay]
                        if caught:
                            intercepts[s, lay, ci] += 1
                        if gone:
                            held[n_held[s]] = i
                            n_held[s] += 1
                            break
                        if caught:
                            continue
                    # informants: the telling happens, and its teller may be taken at the step's end
                    taken = False
                    if watching:
                        for k in range(n_det):
                            if watch[k, lay, ci] <= 0.0:
                                continue
                            drngs[k], u = next_uniform(drngs[k])
                            if u < watch[k, lay, ci] and punish[k, lay, ci] > 0.0:
                                drngs[k], u = next_uniform(drngs[k])
                                taken = taken or u < punish[k, lay, ci]
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
                        pass
                    elif pair[s] and (sj == SPREADER or sj == STOPPING):
                        # the pair is seen from both ends; each end holds half its rate
                        rng, u = next_uniform(rng)
                        if u < 0.5:
                            stop = True
                            if sj == SPREADER:
                                st[j] = STOPPING
                                partners[n_partners] = j
                                n_partners += 1
                    elif stifle[s] > 0.0:
                        if stifle[s] >= 1.0:
                            stop = True
                        else:
                            rng, u = next_uniform(rng)
                            if u < stifle[s]:
                                stop = True
                    if taken:
                        gone = True
                        held[n_held[s]] = i
                        n_held[s] += 1
                        break
                if gone:
                    break
            done = stop or gone or forget_first or one_step[s]
            if not done and pf > 0.0:
                frng = counter(fkey, step, i)
                frng, u = next_uniform(frng)
                done = u < pf
            if done:
                flag[a] = True
            elif direct:
                dues[a] = -1
            else:
                # the next step with an event comes strictly after this one
                wrng, u = next_uniform(wrng)
                dues[a] = _wait(step + 1, u, log_stay)
        # stifle / forget / leave
        for k in range(n_partners):
            j = partners[k]
            if st[j] == STOPPING:
                stop_spreader(st, counts, s, j, cell[j] if by_cell else 0)
        keep = 0
        for a in range(na):
            i = act[a]
            if flag[a]:
                if st[i] != STIFLER:
                    stop_spreader(st, counts, s, i, cell[i] if by_cell else 0)
            else:
                act[keep] = i
                dues[keep] = dues[a]
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
        merge_sorted(act, dues, keep, buf, n_add)
        n_active[s] = keep + n_add
        buf[:n_held[s]] = held[:n_held[s]]
    # detentions take effect now, story by story
    for s in range(n_stories):
        for k in range(n_held[s]):
            i = new_buf[s, k]
            if not detained[i]:
                detained[i] = True
                det_counts[cell[i] if by_cell else 0] += 1


@numba.njit(inline="always")
def stop_spreader(st, counts, s, i, c):
    """Spreader ``i`` (in cell ``c``) of story ``s`` becomes a stifler; counts follow."""
    st[i] = STIFLER
    counts[s, SPREADER, c] -= 1
    counts[s, STIFLER, c] += 1


@numba.njit(inline="always")
def _first_meeting(v, quiet, lm, deg):
    """Position of the first meeting among ``deg`` neighbours given that
    there is one (``quiet`` = chance of none), by inversion of ``v``."""
    if lm == -np.inf:
        return 0
    pos = int(math.floor(math.log1p(-min(v, 1.0) * (1.0 - quiet)) / lm))
    return min(pos, deg - 1)


@numba.njit(inline="always")
def _wait(first, u, log_stay):
    """The first step from ``first`` on with an event, when each step is
    quiet with probability ``exp(log_stay)`` (geometric, by inversion)."""
    if log_stay == -np.inf:
        return first
    if log_stay >= 0.0:
        return NEVER
    skip = math.floor(math.log1p(-u) / log_stay)
    return first + skip if first + skip < NEVER else NEVER


#: one story: no threads to start each step
tell_step_serial = numba.njit(cache=True)(tell_step)
#: several stories: one thread each (numba's thread pool)
tell_step_parallel = numba.njit(cache=True, parallel=True)(tell_step)


@numba.njit(cache=True, inline="always")
def _gather_bounds(act, due, a0, a1, step, every, indptrs, indicess, complete, bounds):
    for lay in range(complete.shape[0]):
        if complete[lay]:
            continue
        ptr = indptrs[lay]
        idx = indicess[lay]
        touched = 0
        for a in range(a0, a1):
            if due[a] > step and not every:
                continue
            i = act[a]
            lo = ptr[i]
            hi = ptr[i + 1]
            bounds[lay, a - a0, 0] = lo
            bounds[lay, a - a0, 1] = hi
            if hi > lo:
                # touch the first neighbour: pulls its cache line in too
                touched += idx[lo]
        if touched == -1:  # keeps the touches from being optimised away
            bounds[lay, 0, 0] = 0


@numba.njit(cache=True)
def merge_sorted(act, due, keep, new, n_new):
    """Merge sorted ``new[:n_new]`` into sorted ``act[:keep]``, in place, from
    the back; the newcomers' ``due`` is -1 (not drawn yet)."""
    a = keep - 1
    b = n_new - 1
    out = keep + n_new - 1
    while b >= 0:
        if a >= 0 and act[a] > new[b]:
            act[out] = act[a]
            due[out] = due[a]
            a -= 1
        else:
            act[out] = new[b]
            due[out] = -1
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
