"""The daily engine's step: discrete time, ``substeps`` steps a day, a numba
kernel over CSR arrays. The day around the steps (measures switching,
inflow at dawn, checks at dusk, recording, triggers) is written once, in
``calendar.DAY``; one step, here:

1. **tell** — every agent that was a spreader at the start of the step meets
   each neighbour on each layer with probability ``p = 1 - exp(-rate * dt)``.
   A spreader is skipped until its next step with an event (drawn
   geometrically), and meetings are found by geometric skips along the
   neighbour list, so the work follows meetings, not steps × degree.
   Outcomes use the states at the start of the step (synchronous update). A
   hearer who does not believe the story (``Indoctrinate``; ``believes``)
   knows it but will not pass it on. A meeting on a layer with a delay
   writes a letter instead, which the post hands over at the end of the step
   it arrives in, after the censor has read it (``post``).
2. **censor** — a meeting on an inspected layer is intercepted instead of
   happening, and its sender may be detained (``Inspect``); each inspection
   reads it on its own stream, so inspections act independently; detained
   agents leave every layer.
3. **stifle / forget** — spreaders who met a knower (or, in Daley–Kendall,
   another spreader) stop; the rest stop at the forgetting rate.
4. **tally** — counts per story × state × cell are kept up to date by every
   transition, so recording a day costs O(cells), not O(agents).

Threads: all stories' spreaders are cut into shares, one per thread (at
least ``MIN_SHARE`` spreaders each); each share runs the compiled ``_spread``
on a Python thread with the GIL released and writes only its own lists; each
story then settles its shares in spreader order, so a run is the same on any
number of threads. Random numbers come from a counter-based stream keyed by
(step, agent), see ``counter_rng``.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from ..models import IGNORANT, SPREADER, STIFLER
from ..sorting import sort_ids
from .counter_rng import counter, next_uniform

#: a spreader at the start of the step who stops at its end (Daley–Kendall partner)
STOPPING = 4
#: a ``due`` step that never comes (a spreader with no events left)
NEVER = 2**31 - 1
#: log of the quiet-step chance below which a spreader is tried every step
LOG_BUSY = math.log(0.75)
#: spreaders whose rows of the list table are fetched together
BLOCK = 64


@numba.njit
def _salt(key, s):
    return key ^ np.uint64(s + 1) * np.uint64(0xD1B54A32D192ED03)


@numba.njit
def believes(key, step, agent, p):
    """Whether a hearer believes what it heard and will pass it on
    (``Indoctrinate``'s acceptance ``p``), from its own draw on stream ``key``;
    no draw when everyone believes."""
    if p >= 1.0:
        return True
    _, u = next_uniform(counter(key, step, agent))
    return u < p


@numba.njit
def hear(st, counts, tellings, s, j, column, c, key, step, p):
    """Ignorant ``j`` (in cell ``c``) hears story ``s``, counted in
    ``tellings[s, column, c]``: it becomes a spreader if it believes it
    (``believes``), else a stifler who knows it. Returns whether it spreads.
    News from a neighbour, a delivered letter and news from outside all
    pass here."""
    tellings[s, column, c] += 1
    counts[s, IGNORANT, c] -= 1
    if not believes(key, step, j, p):
        st[j] = STIFLER
        counts[s, STIFLER, c] += 1
        return False
    st[j] = SPREADER
    counts[s, SPREADER, c] += 1
    return True


def scratch(n_stories: int, n: int, n_layers: int, n_cells: int) -> tuple:
    """Working memory of ``tell_step`` for a run: per task row (``task_rows``)
    the agents it told and on which layer, a bit per agent it told, the
    Daley–Kendall partners it stopped, its interceptions and letters by cell,
    and the sizes of those lists; per story a flag per spreader and the
    spreaders detained. Only the pages a step writes are ever touched."""
    rows = task_rows(n_stories)
    return (np.empty((rows, n), dtype=np.int32), np.empty((rows, n), dtype=np.int8),
            np.zeros((rows, (n + 7) // 8), dtype=np.uint8), np.empty((rows, n), dtype=np.int32),
            np.empty((n_stories, n), dtype=np.int32), np.zeros((n_stories, n), dtype=np.bool_),
            np.zeros((rows, 2, n_layers, n_cells), dtype=np.int64), np.zeros((rows, 3), dtype=np.int64))


def list_table(indptrs, complete, n: int) -> np.ndarray:
    """[n + 1, L]: where each agent's neighbour list starts on every layer,
    one row per agent (the next row holds the ends; zeros on a well-mixed
    layer): the CSR row pointers of all layers side by side, the layout
    ``tell_step`` reads. int32 while every layer's lists fit (two rows of
    seven layers then share a cache line), int64 beyond."""
    fits = all(int(ptr[-1]) < 2**31 for ptr in indptrs)
    table = np.zeros((n + 1, len(indptrs)), dtype=np.int32 if fits else np.int64)
    for lay, ptr in enumerate(indptrs):
        if not complete[lay]:
            table[:, lay] = ptr
    return table


def task_rows(n_stories: int) -> int:
    """Most tasks a step can have: one per thread, plus one where a thread's share crosses into the next story."""
    return n_stories + numba.config.NUMBA_NUM_THREADS - 1


def tell_step(step, state, active, due, n_active, scratch, cell, detained, graph, rules, levers, tallies, keys, post,
              threads):
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
    scratch : see ``scratch``
    cell : int32[n]; detained : bool[n]
        Each agent's cell (group × region); who is out of every layer.
        Detentions made in a step take effect at its end.
    graph : (indptrs, indicess, complete, lists)
        Per layer: CSR arrays (empty for a well-mixed layer) and the flag;
        ``lists[n + 1, L]`` (``list_table``) the row pointers of all layers
        side by side, which the kernel reads instead of ``indptrs``: a
        spreader's lists on every layer come from two adjacent rows, not two
        reads per layer.
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
    post : (delayed[L], step_cdf[L, M], to[R, E], sender[R, E], layer[R, E], due[R, E], n_out[R], story[R])
        Letters: a meeting on a delayed layer writes one instead of telling
        (no censor, no stifling now); its arrival step is drawn from the
        layer's ``step_cdf`` on the ``post`` stream, and it goes out in the
        row of the task that wrote it, marked with its story (``E`` bounds
        the letters of one step: each pair of correspondents writes at most
        one a step). ``post.deliver`` hands it over.
    threads : int
        Threads to use at most (the caller passes ``numba.get_num_threads()``,
        so a process limited to one numba thread uses one here too).

    A spreader's steps are independent trials, so the wait until its next
    step with any event is geometric: the kernel draws it, skips the spreader
    until then, and on that step draws the events conditioned on there being
    at least one. Same distribution as trying every step, at a cost that
    follows events, not steps. A busy spreader (an event in more than a
    quarter of its steps) is simply tried every step, which is cheaper there.

    Threads: the spreaders of all stories, one list after the other, are cut
    into one share per thread (``_tasks``); a share that crosses from one
    story into the next makes two tasks (``_spread``). A task reads the
    states at the start of the step and writes only its own spreaders' waits
    and flags and its own lists: whom it told (each agent once) and on which
    layer, whom it stopped, whom it had detained, the letters it wrote. Each
    story then settles (``_settle``) by reading its tasks' lists in spreader
    order, so an agent told by two spreaders is credited to the layer of the
    first, exactly as one thread going through the spreaders in order would;
    the draws themselves are keyed by agent and step. The result is the same,
    bit for bit, on any number of threads. The shares run on Python threads
    (the compiled task releases the GIL): a waiting thread sleeps instead of
    spinning, so a machine busy with other work loses no time to it, and no
    parallel compilation is needed.

    Complexity: O(spreaders) sequential reads plus O(events) work per step.
    """
    if threads < 2 or n_active.sum() < 2 * MIN_SHARE:
        tell_step_serial(step, state, active, due, n_active, scratch, cell, detained, graph, rules, levers, tallies,
                         keys, post)
        return
    modes = _modes(levers, tallies[3], post[0])
    tasks, pieces, first = _tasks(n_active, threads, scratch[0].shape[0])

    def share(p):
        for t in range(pieces[p], pieces[p + 1]):
            _spread(t, tasks[t, 0], tasks[t, 1], tasks[t, 2], step, state, active, due, cell, detained, graph, rules,
                    levers, keys, post, scratch, *modes)

    waiting = [_pool(threads).submit(share, p) for p in range(1, pieces.size - 1)]
    share(0)
    for w in waiting:
        w.result()
    _finish(tasks, first, step, state, active, due, n_active, cell, detained, levers[3], tallies, keys, scratch,
            modes[3])


@numba.njit(cache=True)
def tell_step_serial(step, state, active, due, n_active, scratch, cell, detained, graph, rules, levers, tallies, keys,
                     post):
    """``tell_step`` on one thread: one task per story."""
    vetting, censoring, watching, tallying = _modes(levers, tallies[3], post[0])
    tasks, pieces, first = _tasks(n_active, 1, scratch[0].shape[0])
    for t in range(tasks.shape[0]):
        _spread(t, tasks[t, 0], tasks[t, 1], tasks[t, 2], step, state, active, due, cell, detained, graph, rules,
                levers, keys, post, scratch, vetting, censoring, watching, tallying)
    _finish(tasks, first, step, state, active, due, n_active, cell, detained, levers[3], tallies, keys, scratch,
            tallying)


_POOL = {}


def _pool(threads: int) -> ThreadPoolExecutor:
    """Threads for the shares after the first (which the caller runs), made
    once per process (a forked child makes its own)."""
    key = (os.getpid(), threads)
    if key not in _POOL:
        _POOL.clear()
        _POOL[key] = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="rumormill-kernel")
    return _POOL[key]


@numba.njit(cache=True)
def _modes(levers, det_counts, delayed):
    """(vetting, censoring, watching, tallying): which lookups this step needs."""
    censoring = _positive(levers[4])
    watching = _positive(levers[6])
    # with no one detained, no censor and no informant, skip the detention lookups
    vetting = censoring or watching or _positive(det_counts)
    return vetting, censoring, watching, censoring or _positive(delayed)


@numba.njit
def _positive(a):
    """Whether any element of ``a`` is above zero (a plain loop: quicker to compile than ``a.max()``)."""
    for x in a.flat:
        if x > 0:
            return True
    return False


@numba.njit(cache=True)
def _finish(tasks, first, step, state, active, due, n_active, cell, detained, accept, tallies, keys, scratch,
            tallying):
    """Every story settles; then the step's detentions take effect, story by story."""
    for s in range(state.shape[0]):
        _settle(s, first[s], first[s + 1], tasks, step, state, active, due, n_active, cell, accept, tallies, keys,
                scratch, tallying)
    held, sizes = scratch[4], scratch[7]
    det_counts = tallies[3]
    by_cell = tallies[0].shape[2] > 1
    for t in range(tasks.shape[0]):
        s, a0 = tasks[t, 0], tasks[t, 1]
        for k in range(sizes[t, 2]):
            i = held[s, a0 + k]
            if not detained[i]:
                detained[i] = True
                det_counts[cell[i] if by_cell else 0] += 1


#: fewest spreaders worth a thread of their own: handing a share to a thread
#: costs some 0.1 ms a step, about what 2,000 spreaders take (kpa-2025 at
#: scale 0.01 runs about 4% faster on 2 threads than with 16,384, paired runs)
MIN_SHARE = 4096


@numba.njit(cache=True)
def _tasks(n_active, threads, rows):
    """Cut the stories' spreaders, one list after the other, into at most
    ``threads`` shares of equal length (each at least ``MIN_SHARE``).
    Returns tasks (story, first, last + 1) in story and spreader order, the
    first task of each share (and the end), and the first task of each story
    (and the end)."""
    n_stories = n_active.size
    total = n_active.sum()
    n_shares = max(1, min(threads, total // MIN_SHARE, rows - n_stories + 1))
    tasks = np.empty((n_shares + n_stories, 3), dtype=np.int64)
    pieces = np.empty(n_shares + 1, dtype=np.int64)
    first = np.empty(n_stories + 1, dtype=np.int64)
    n_tasks = 0
    share = 0
    pieces[0] = 0
    offset = 0  # where this story starts in the whole list
    for s in range(n_stories):
        first[s] = n_tasks
        a = 0
        while a < n_active[s]:
            # the share holding spreader a, and where it ends
            while (share + 1) * total // n_shares <= offset + a:
                share += 1
                pieces[share] = n_tasks
            end = min(n_active[s], (share + 1) * total // n_shares - offset)
            tasks[n_tasks, 0] = s
            tasks[n_tasks, 1] = a
            tasks[n_tasks, 2] = end
            n_tasks += 1
            a = end
        offset += n_active[s]
    first[n_stories] = n_tasks
    pieces[share + 1:] = n_tasks
    return tasks[:n_tasks], pieces, first


@numba.njit(cache=True, nogil=True)
def _spread(t, s, a0, a1, step, state, active, due, cell, detained, graph, rules, levers, keys, post, scratch,
            vetting, censoring, watching, tallying):
    """Task ``t``: the tellings of story ``s``'s spreaders ``active[s, a0:a1]``
    in this step. Reads the states at the start of the step; writes the
    spreaders' waits and flags (stops at the end of the step) and the task's
    own row of ``scratch`` and of the post (see ``tell_step``)."""
    _, indicess, complete, lists = graph
    log_miss, miss_pow, stifle, pair, one_step = rules
    spread, p_forget, log_keep, accept, intercept, detain, watch, punish = levers
    delayed, step_cdf, out_to, out_from, out_lay, out_due, n_out, out_story = post
    heard, heard_on, seen, partners, held, flags, part, sizes = scratch
    any_delayed = delayed.any()
    n = state.shape[1]
    n_layers = complete.shape[0]
    by_cell = part.shape[3] > 1  # one cell: skip the per-agent lookups
    n_insp = intercept.shape[0]
    n_det = watch.shape[0]
    st = state[s]
    act = active[s]
    dues = due[s]
    flag = flags[s]
    told = heard[t]
    told_on = heard_on[t]
    bits = seen[t]
    stopped = partners[t]
    taken_out = held[s]
    tally = part[t]
    if tallying:
        tally[:] = 0
    out_story[t] = s
    flag[a0:a1] = False
    starts = np.empty(n_layers, dtype=np.int64)
    degs = np.empty(n_layers, dtype=np.int64)
    lms = np.empty(n_layers, dtype=np.float64)
    rows = np.empty((BLOCK, n_layers, 2), dtype=np.int64)
    n_told = 0
    n_stopped = 0
    n_held = 0
    skey = _salt(keys[0], s)
    fkey = _salt(keys[1], s)
    wkey = _salt(keys[3], s)
    pkey = _salt(keys[4], s)
    crngs = np.zeros(n_insp, dtype=np.uint64)
    drngs = np.zeros(n_det, dtype=np.uint64)
    for a in range(a0, a1):
        if (a - a0) % BLOCK == 0:
            _gather_lists(act, dues, a, min(a + BLOCK, a1), step, one_step[s], lists, indicess, log_miss[s],
                          spread[s], cell, rows)
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
                starts[lay] = rows[(a - a0) % BLOCK, lay, 0]
                degs[lay] = rows[(a - a0) % BLOCK, lay, 1]
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
                    k = n_out[t]
                    out_to[t, k] = j
                    out_from[t, k] = i
                    out_lay[t, k] = lay
                    out_due[t, k] = step + _arrival(step_cdf[lay], u)
                    n_out[t] = k + 1
                    tally[1, lay, ci] += 1
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
                        tally[0, lay, ci] += 1
                    if gone:
                        taken_out[a0 + n_held] = i
                        n_held += 1
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
                    # heard it: ``_settle`` applies it (an ignorant told twice
                    # this step counts once, for its first teller)
                    bit = np.uint8(1) << np.uint8(j & 7)
                    if not bits[j >> 3] & bit:
                        bits[j >> 3] |= bit
                        told[n_told] = j
                        told_on[n_told] = lay
                        n_told += 1
                elif pair[s] and (sj == SPREADER or sj == STOPPING):
                    # the pair is seen from both ends; each end holds half its rate
                    rng, u = next_uniform(rng)
                    if u < 0.5:
                        stop = True
                        if sj == SPREADER:
                            st[j] = STOPPING  # every task writes the same value; all read it as a spreader
                            stopped[n_stopped] = j
                            n_stopped += 1
                elif stifle[s] > 0.0:
                    if stifle[s] >= 1.0:
                        stop = True
                    else:
                        rng, u = next_uniform(rng)
                        if u < stifle[s]:
                            stop = True
                if taken:
                    gone = True
                    taken_out[a0 + n_held] = i
                    n_held += 1
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
    sizes[t, 0] = n_told
    sizes[t, 1] = n_stopped
    sizes[t, 2] = n_held


@numba.njit(cache=True)
def _settle(s, t0, t1, tasks, step, state, active, due, n_active, cell, accept, tallies, keys, scratch, tallying):
    """The end of story ``s``'s step, from its tasks ``t0:t1`` in spreader
    order: partners and flagged spreaders stop, the agents told hear it (or
    know it without believing it), and the new spreaders join the sorted
    list."""
    heard, heard_on, seen, partners, held, flags, part, sizes = scratch
    counts, tellings, intercepts, det_counts, letters = tallies
    by_cell = counts.shape[2] > 1
    st = state[s]
    act = active[s]
    dues = due[s]
    flag = flags[s]
    for t in range(t0, t1):
        for k in range(sizes[t, 1]):
            j = partners[t, k]
            if st[j] == STOPPING:
                stop_spreader(st, counts, s, j, cell[j] if by_cell else 0)
    keep = 0
    for a in range(n_active[s]):
        i = act[a]
        if flag[a]:
            if st[i] != STIFLER:
                stop_spreader(st, counts, s, i, cell[i] if by_cell else 0)
        else:
            act[keep] = i
            dues[keep] = dues[a]
            keep += 1
    if t0 == t1:
        n_active[s] = keep
        return
    akey = _salt(keys[2], s)
    new = heard[t0]  # the new spreaders, written over the first task's list as it is read
    n_add = 0
    for t in range(t0, t1):
        told = heard[t]
        told_on = heard_on[t]
        bits = seen[t]
        for b in range(sizes[t, 0]):
            j = told[b]
            lay = told_on[b]
            bits[j >> 3] = 0
            if st[j] != IGNORANT:
                continue  # told by an earlier task
            c = cell[j] if by_cell else 0
            if hear(st, counts, tellings, s, j, lay, c, akey, step, accept[s, c]):
                new[n_add] = j
                n_add += 1
        if tallying:
            # loops, not ``intercepts[s] += part[t, 0]``: that compiles numba's shape-error messages
            for lay in range(part.shape[2]):
                for c in range(part.shape[3]):
                    intercepts[s, lay, c] += part[t, 0, lay, c]
                    letters[s, 0, lay, c] += part[t, 1, lay, c]
    # keep the spreader list sorted: neighbour lists are then read in
    # memory order, about three times faster than in random order
    sort_ids(new, 0, n_add)
    merge_sorted(act, dues, keep, new, n_add)
    n_active[s] = keep + n_add


@numba.njit
def stop_spreader(st, counts, s, i, c):
    """Spreader ``i`` (in cell ``c``) of story ``s`` becomes a stifler; counts follow."""
    st[i] = STIFLER
    counts[s, SPREADER, c] -= 1
    counts[s, STIFLER, c] += 1


@numba.njit
def _first_meeting(v, quiet, lm, deg):
    """Position of the first meeting among ``deg`` neighbours given that
    there is one (``quiet`` = chance of none), by inversion of ``v``."""
    if lm == -np.inf:
        return 0
    pos = int(math.floor(math.log1p(-min(v, 1.0) * (1.0 - quiet)) / lm))
    return min(pos, deg - 1)


@numba.njit
def _arrival(cdf, u):
    """Steps until a letter arrives: how many entries of the delay's ``cdf``
    are at most ``u`` (a binary search; numba's ``searchsorted`` is slower
    to compile)."""
    lo = 0
    hi = cdf.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if cdf[mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit
def _wait(first, u, log_stay):
    """The first step from ``first`` on with an event, when each step is
    quiet with probability ``exp(log_stay)`` (geometric, by inversion)."""
    if log_stay == -np.inf:
        return first
    if log_stay >= 0.0:
        return NEVER
    skip = math.floor(math.log1p(-u) / log_stay)
    return first + skip if first + skip < NEVER else NEVER


@numba.njit(cache=True)
def _gather_lists(act, due, a0, a1, step, every, lists, indicess, log_miss, spread, cell, rows):
    """Where the block's spreaders due now find their neighbours on each
    layer (start, degree), read first: these loads are independent, so their
    cache misses overlap. Where a meeting on a layer is likely this step
    (chance above a quarter), the list's first neighbour is touched too,
    which pulls in the cache line the meeting will read."""
    by_cell = spread.size > 1
    touched = 0
    for a in range(a0, a1):
        if due[a] > step and not every:
            continue
        i = act[a]
        mult = spread[cell[i] if by_cell else 0]
        for lay in range(lists.shape[1]):
            lo = lists[i, lay]
            deg = lists[i + 1, lay] - lo
            rows[a - a0, lay, 0] = lo
            rows[a - a0, lay, 1] = deg
            if deg > 0 and mult > 0.0 and deg * log_miss[lay] * mult < LOG_BUSY:
                touched += indicess[lay][lo]
    if touched < 0:  # never (indices are not negative); keeps the touches from being optimised away
        rows[0, 0, 0] = touched


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
