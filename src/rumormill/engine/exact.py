"""The exact engine's kernel: continuous-time, event-driven simulation
(Gillespie's direct method) of the same rules as the daily engine, with the
measures in their continuous-time meaning.

All stories run in one event loop, because a detention made for one story
takes the agent out of every story at that instant. Every spreader ``i`` of
story ``s`` meets each neighbour on layer ``l`` at ``rate[s, l] * spread[s,
c_i]`` (per agent on a complete layer) and stops on its own at ``forget[s,
c_i]`` (the model's forgetting plus indoctrination's stifling rate). The
totals ``W[s, l] = sum_i spread[s, c_i] deg_l(i)`` and ``F[s] = sum_i
forget[s, c_i]`` are kept up to date in O(layers) per event; integer per-cell
degree sums ``degc`` are kept beside them, exact, to rebuild the totals at
each day boundary (so rounding never accumulates past a day). The acting
spreader is drawn by rejection: uniformly among the story's spreaders,
accepted with ``spread * deg / (max spread * max deg)``, so an event costs
O(max degree / mean degree) draws on average whatever ``n`` (Cota & Ferreira
2017).

What the measures mean here — each is the limit the daily engine reaches as
its sub-steps grow:

* **inspection** thins a channel's meetings: each inspection ``k`` reads a
  meeting on layer ``l`` with ``intercept[k, l]``, independently of the
  others; the meeting is intercepted if any reads it, and its sender
  detained if any reader detains him (with ``detain[k, l]`` each). An
  intercepted meeting does not happen; it is counted once, by the sender's
  cell. A meeting with a detained agent does not happen either (he
  is out of every layer), and is neither told nor intercepted.
* **deterrence** scales a spreader's meeting rate (``spread``).
* **indoctrination** adds a stopping rate (``forget``) and lowers the chance
  a hearer believes the story (``accept``); one who does not becomes a
  stifler at once. Tellings count every hearing, believed or not.
* **detection** watches tellings: each detection reads a meeting on its
  layers by a teller of its cells with ``watch``, and an observed teller
  is detained with ``punish``, right after the telling (which happens).
* **detention** is instant: the agent stops spreading every story and leaves
  every layer; an ignorant who is detained can no longer hear anything.
* **checks** (monitoring, and checks with consequences) act at the end of
  their day, at once: found spreaders (monitor) or knowers (check) are
  detained, and a check may silence a finding's household (its spreaders
  stop).
* **inflow** is a Poisson arrival per agent: each ignorant, undetained agent
  of the cell hears the story from outside at ``inflow[s, c]`` per day, and
  believes it with ``accept`` as news from a neighbour. The agent is drawn
  by rejection among its cell's members (``members``, ``mstart``).

* **letters** (a layer with a delay): a meeting there writes a letter
  instead, which arrives after a delay drawn from the layer's distribution
  (a min-heap of arrival times); the sender learns nothing, so it neither
  stops nor is censored at writing. On arrival, each inspection in force
  reads it and may detain its writer; one that gets through is delivered,
  and an ignorant, undetained reader hears the story. Between events the
  next arrival is compared with the next Gillespie event: the earlier
  happens, and the exponential wait is drawn again from there (memoryless).

Levers are constant within a day; the calendar (``exact_run``) changes them
only at day boundaries. The kernel runs to the end of a day and stops there;
by memorylessness, the event it would have drawn past the boundary is simply
discarded.

References: Gillespie (1977), J. Phys. Chem. 81:2340 (the direct method);
Cota & Ferreira (2017), Comput. Phys. Commun. 219:303 (degree-weighted
rejection); Anderson (2007), J. Chem. Phys. 127:214107 (rates that change
at known times); Lewis & Shedler (1979), Nav. Res. Logist. Q. 26:403
(thinning: a null event where the rate total was rounded up is exact).
"""

from __future__ import annotations

import numba
import numpy as np

from ..models import IGNORANT, SPREADER, STIFLER
#: rejection tries before the totals are rebuilt from the exact per-cell sums
MAX_TRIES = 1 << 20


@numba.njit(cache=True, inline="always")
def _degree(indptrs, complete, lay, i):
    if complete[lay]:
        return 1
    return indptrs[lay][i + 1] - indptrs[lay][i]


@numba.njit(cache=True, inline="always")
def add_spreader(s, i, st, active, pos, n_active, degc, W, F, cell, indptrs, complete, spread, forget):
    """Append ``i`` to story ``s``'s spreaders, its degrees beside it, and add its weight to the totals; O(layers)."""
    k = n_active[s]
    active[s, k, 0] = i
    pos[s, i] = k
    n_active[s] = k + 1
    st[s, i] = SPREADER
    c = cell[i]
    for lay in range(complete.shape[0]):
        d = _degree(indptrs, complete, lay, i)
        active[s, k, 1 + lay] = d
        degc[s, lay, c] += d
        W[s, lay] += spread[s, c] * d
    F[s] += forget[s, c]


@numba.njit(cache=True)
def add_spreaders(s, ids, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget):
    """Ignorants ``ids`` become spreaders of story ``s`` (the initial ones)."""
    for i in ids:
        add_spreader(s, i, st, active, pos, n_active, degc, W, F, cell, indptrs, complete, spread, forget)
        counts[s, IGNORANT, cell[i]] -= 1
        counts[s, SPREADER, cell[i]] += 1


@numba.njit(cache=True, inline="always")
def stop_spreader(s, i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget):
    """Spreader ``i`` of story ``s`` becomes a stifler; O(layers)."""
    k = pos[s, i]
    end = n_active[s] - 1
    last = active[s, end, 0]
    for f in range(active.shape[2]):
        active[s, k, f] = active[s, end, f]
    pos[s, last] = k
    n_active[s] = end
    st[s, i] = STIFLER
    c = cell[i]
    counts[s, SPREADER, c] -= 1
    counts[s, STIFLER, c] += 1
    if n_active[s] == 0:
        # nothing left: clear any rounding in the totals
        for lay in range(complete.shape[0]):
            degc[s, lay, c] -= _degree(indptrs, complete, lay, i)
            W[s, lay] = 0.0
        F[s] = 0.0
        return
    for lay in range(complete.shape[0]):
        d = _degree(indptrs, complete, lay, i)
        degc[s, lay, c] -= d
        W[s, lay] -= spread[s, c] * d
    F[s] -= forget[s, c]


@numba.njit(cache=True)
def rebuild_totals(degc, counts, det_ign, spread, forget, inflow, W, F, I):
    """The weighted totals from the exact integer sums; O(stories × layers × cells)."""
    n_stories, n_layers, n_cells = degc.shape
    I[0] = 0.0
    for s in range(n_stories):
        F[s] = 0.0
        for lay in range(n_layers):
            W[s, lay] = 0.0
        for c in range(n_cells):
            F[s] += forget[s, c] * counts[s, SPREADER, c]
            I[0] += inflow[s, c] * (counts[s, IGNORANT, c] - det_ign[s, c])
            for lay in range(n_layers):
                W[s, lay] += spread[s, c] * degc[s, lay, c]


@numba.njit(cache=True)
def detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
           detained, det_counts, det_ign, inflow, I):
    """Agent ``i`` is detained now: out of every layer and every story."""
    if detained[i]:
        return
    detained[i] = True
    c = cell[i]
    det_counts[c] += 1
    for s in range(st.shape[0]):
        if st[s, i] == SPREADER:
            stop_spreader(s, i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget)
        elif st[s, i] == IGNORANT:
            det_ign[s, c] += 1
            I[0] -= inflow[s, c]


@numba.njit(cache=True, inline="always")
def _hear(s, j, column, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
          accept, tellings, inflow, I, rng):
    """Ignorant ``j`` hears story ``s`` (by layer ``column``, or from outside)."""
    c = cell[j]
    tellings[s, column, c] += 1
    counts[s, IGNORANT, c] -= 1
    I[0] -= inflow[s, c]
    a = accept[s, c]
    if a >= 1.0 or rng.random() < a:
        add_spreader(s, j, st, active, pos, n_active, degc, W, F, cell, indptrs, complete, spread, forget)
        counts[s, SPREADER, c] += 1
    else:
        st[s, j] = STIFLER
        counts[s, STIFLER, c] += 1


@numba.njit(cache=True)
def _push(heap_t, heap_d, n_heap, t, s, i, j, lay):
    """Add a letter arriving at ``t`` to the min-heap; O(log letters)."""
    k = n_heap[0]
    n_heap[0] = k + 1
    while k > 0:
        parent = (k - 1) // 2
        if heap_t[parent] <= t:
            break
        heap_t[k] = heap_t[parent]
        heap_d[k] = heap_d[parent]
        k = parent
    heap_t[k] = t
    heap_d[k, 0] = s
    heap_d[k, 1] = i
    heap_d[k, 2] = j
    heap_d[k, 3] = lay


@numba.njit(cache=True)
def _pop(heap_t, heap_d, n_heap):
    """Remove the earliest letter: (s, i, j, lay); O(log letters)."""
    s, i, j, lay = heap_d[0, 0], heap_d[0, 1], heap_d[0, 2], heap_d[0, 3]
    n = n_heap[0] - 1
    n_heap[0] = n
    t_last = heap_t[n]
    last = heap_d[n].copy()
    k = 0
    while True:
        c = 2 * k + 1
        if c >= n:
            break
        if c + 1 < n and heap_t[c + 1] < heap_t[c]:
            c += 1
        if heap_t[c] >= t_last:
            break
        heap_t[k] = heap_t[c]
        heap_d[k] = heap_d[c]
        k = c
    if n > 0:
        heap_t[k] = t_last
        heap_d[k] = last
    return s, i, j, lay


@numba.njit(cache=True)
def _delay(dkind, dpar, dvals, dcum, lay, rng):
    """A letter's delay on layer ``lay``, in days."""
    kind = dkind[lay]
    if kind == 1:
        return dpar[lay, 0]
    if kind == 2:
        return rng.gamma(dpar[lay, 0], dpar[lay, 1])
    k = np.searchsorted(dcum[lay], rng.random(), side="right")
    return dvals[lay, min(k, dvals.shape[1] - 1)]


@numba.njit(cache=True)
def run_day(t, t_end, state, tallies, graph, rules, levers, cells, rng, post):
    """Run every story's events from ``t`` until ``t_end`` (or until nothing can happen).

    Parameters
    ----------
    state : (st[S, n], active[S, n, 1 + L], pos[S, n], n_active[S], degc[S, L, C], W[S, L], F[S],
             detained[n], det_ign[S, C], I[1])
        Per story: agents' states, the spreaders (each slot: the agent, then
        its degree on every layer, which the rejection step reads without a
        second trip to memory) and where each sits in that list, per-cell
        degree sums of spreaders and the weighted totals; who is detained,
        the detained ignorants per cell, the inflow total.
    tallies : (counts[S, 3, C], tellings[S, L', C], intercepts[S, L, C], det_counts[C], letters[S, 2, L, C])
        Kept current by every event; tellings by the hearer's cell
        (column ``L`` is news from outside), interceptions and detentions by
        the sender's; letters written (by the writer's cell) and delivered
        (by the reader's).
    graph : (indptrs, indicess, complete[L], max_deg[L])
    rules : (rate[S, L], stifle[S], pair[S])
        Per-edge meeting rates (per agent on a complete layer).
    levers : (spread[S, C], forget[S, C], accept[S, C], intercept[K, L], detain[K, L], inflow[S, C],
              watch[D, L, C], punish[D, L, C])
        ``forget`` is the whole stopping rate (model and measures); per
        detection, the chance a telling on a layer by a teller in a cell is
        observed, and the observed teller detained.
    cells : (cell[n], members[n], mstart[C + 1])
        Each agent's cell; agents sorted by cell, and where each cell starts.
    post : (delayed[L], dkind[L], dpar[L, 2], dvals[L, M], dcum[L, M], heap_t[E], heap_d[E, 4], n_heap[1])
        Per layer whether it carries letters and its delay (``Delay.sampler``);
        the letters in transit as a min-heap of arrival times.

    Returns the time reached: ``t_end``, or earlier when the heap is full
    (grow it and call again from there).
    """
    st, active, pos, n_active, degc, W, F, detained, det_ign, I = state
    counts, tellings, intercepts, det_counts, letters = tallies
    delayed, dkind, dpar, dvals, dcum, heap_t, heap_d, n_heap = post
    indptrs, indicess, complete, max_deg = graph
    rates, stifle, pair = rules
    spread, forget, accept, intercept, detain_p, inflow, watch, punish = levers
    cell, members, mstart = cells
    n_det = watch.shape[0]
    watching = watch.size > 0 and watch.max() > 0.0
    n_stories, n = st.shape
    n_layers = complete.shape[0]
    n_insp = intercept.shape[0]
    outside = n_layers
    smax = np.zeros(n_stories)
    fmax = np.zeros(n_stories)
    same_spread = np.zeros(n_stories, dtype=np.bool_)
    same_forget = np.zeros(n_stories, dtype=np.bool_)
    for s in range(n_stories):
        smax[s] = spread[s].max()
        fmax[s] = forget[s].max()
        same_spread[s] = spread[s].min() == smax[s]
        same_forget[s] = forget[s].min() == fmax[s]
    any_detained = det_counts.sum() > 0 or n_insp > 0 or watching
    while True:
        if n_heap[0] >= heap_t.shape[0]:
            return t  # no room for another letter
        meet = 0.0
        for s in range(n_stories):
            for lay in range(n_layers):
                if W[s, lay] > 0.0:
                    meet += rates[s, lay] * W[s, lay]
        stop = 0.0
        for s in range(n_stories):
            if F[s] > 0.0:
                stop += F[s]
        arrive = I[0] if I[0] > 0.0 else 0.0
        total = meet + stop + arrive
        if total <= 0.0 and n_heap[0] == 0:
            return t_end
        t_next = t + rng.exponential(1.0 / total) if total > 0.0 else np.inf
        if n_heap[0] > 0 and heap_t[0] < t_next:
            # a letter arrives first
            if heap_t[0] >= t_end:
                return t_end
            t = heap_t[0]
            s, i, j, lay = _pop(heap_t, heap_d, n_heap)
            if detained[j]:
                continue  # out of every layer: the letter is lost
            caught = False
            for k in range(n_insp):
                p = intercept[k, lay]
                if p <= 0.0 or rng.random() >= p:
                    continue
                caught = True
                q = detain_p[k, lay]
                if q > 0.0 and rng.random() < q:
                    detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                           detained, det_counts, det_ign, inflow, I)
            if caught:
                intercepts[s, lay, cell[i]] += 1
                continue
            letters[s, 1, lay, cell[j]] += 1
            if st[s, j] == IGNORANT:
                _hear(s, j, lay, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread,
                      forget, accept, tellings, inflow, I, rng)
            continue
        t = t_next
        if t >= t_end:
            return t_end
        x = rng.random() * total
        if x < meet:
            # a meeting: which story and layer
            s, lay = 0, 0
            acc = 0.0
            found = False
            for s in range(n_stories):
                for lay in range(n_layers):
                    if W[s, lay] > 0.0:
                        acc += rates[s, lay] * W[s, lay]
                        if x < acc:
                            found = True
                            break
                if found:
                    break
            if not found:
                continue  # rounding at the very top of the range: a null event
            # the spreader, in proportion to its weight on this layer
            tries = 0
            i = -1
            d = 0
            while True:
                slot = rng.integers(0, n_active[s])
                k = active[s, slot, 0]
                d = active[s, slot, 1 + lay]  # beside the id: one cache line a try, not two reads in a row
                if d > 0:
                    w = d if same_spread[s] else d * spread[s, cell[k]] / smax[s]
                    if rng.random() * max_deg[lay] < w:
                        i = k
                        break
                tries += 1
                if tries >= MAX_TRIES:
                    # the total may be rounding left over: rebuild it, and if
                    # nothing is left on this layer the event was never real
                    rebuild_totals(degc, counts, det_ign, spread, forget, inflow, W, F, I)
                    if W[s, lay] <= 0.0:
                        break
                    tries = 0
            if i < 0:
                continue
            if complete[lay]:
                j = rng.integers(0, n - 1)
                if j >= i:
                    j += 1
            else:
                j = indicess[lay][indptrs[lay][i] + rng.integers(0, d)]
            if any_detained and detained[j]:
                continue  # he is out of every layer: no meeting
            if delayed[lay]:
                # a letter: censored and heard when it arrives
                _push(heap_t, heap_d, n_heap, t + _delay(dkind, dpar, dvals, dcum, lay, rng), s, i, j, lay)
                letters[s, 0, lay, cell[i]] += 1
                continue
            # every inspection reads the message on its own draw; any one that
            # catches it stops it, and any catcher may detain the sender
            caught = False
            gone = False
            for k in range(n_insp):
                p = intercept[k, lay]
                if p <= 0.0 or rng.random() >= p:
                    continue
                caught = True
                q = detain_p[k, lay]
                if q > 0.0 and rng.random() < q:
                    gone = True
            if caught:
                intercepts[s, lay, cell[i]] += 1
            if gone:
                detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                       detained, det_counts, det_ign, inflow, I)
            if caught:
                continue
            # informants: the telling happens, and its teller may be taken right after
            taken = False
            if watching:
                for k in range(n_det):
                    p = watch[k, lay, cell[i]]
                    if p > 0.0 and rng.random() < p and punish[k, lay, cell[i]] > 0.0:
                        taken = rng.random() < punish[k, lay, cell[i]] or taken
            sj = st[s, j]
            if sj == IGNORANT:
                _hear(s, j, lay, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread,
                      forget, accept, tellings, inflow, I, rng)
                if taken:
                    detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                           detained, det_counts, det_ign, inflow, I)
                continue
            if taken:
                detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                       detained, det_counts, det_ign, inflow, I)
                continue
            stop_i = False
            if pair[s] and sj == SPREADER:
                # the pair is seen from both ends; each end holds half its rate
                if rng.random() < 0.5:
                    stop_i = True
                    stop_spreader(s, j, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete,
                                  spread, forget)
            elif stifle[s] > 0.0 and (stifle[s] >= 1.0 or rng.random() < stifle[s]):
                stop_i = True
            if stop_i:
                stop_spreader(s, i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete,
                              spread, forget)
        elif x < meet + stop:
            # a spreader stops on its own: which story, then which spreader
            x -= meet
            s = 0
            acc = 0.0
            found = False
            for s in range(n_stories):
                if F[s] > 0.0:
                    acc += F[s]
                    if x < acc:
                        found = True
                        break
            if not found:
                continue
            tries = 0
            i = -1
            while True:
                k = active[s, rng.integers(0, n_active[s]), 0]
                if same_forget[s] or rng.random() * fmax[s] < forget[s, cell[k]]:
                    i = k
                    break
                tries += 1
                if tries >= MAX_TRIES:
                    rebuild_totals(degc, counts, det_ign, spread, forget, inflow, W, F, I)
                    if F[s] <= 0.0:
                        break
                    tries = 0
            if i >= 0:
                stop_spreader(s, i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete,
                              spread, forget)
        else:
            # news from outside: which story and cell, then which ignorant there
            x -= meet + stop
            s, c = 0, 0
            acc = 0.0
            found = False
            for s in range(n_stories):
                for c in range(inflow.shape[1]):
                    free = counts[s, IGNORANT, c] - det_ign[s, c]
                    if inflow[s, c] > 0.0 and free > 0:
                        acc += inflow[s, c] * free
                        if x < acc:
                            found = True
                            break
                if found:
                    break
            if not found:
                # rounding left in the inflow total: rebuild it, a null event
                rebuild_totals(degc, counts, det_ign, spread, forget, inflow, W, F, I)
                continue
            lo, hi = mstart[c], mstart[c + 1]
            while True:
                j = members[lo + rng.integers(0, hi - lo)]
                if st[s, j] == IGNORANT and not detained[j]:
                    break
            _hear(s, j, outside, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread,
                  forget, accept, tellings, inflow, I, rng)


@numba.njit(cache=True)
def monitor(in_cohort, probability, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread,
            forget, detained, det_counts, det_ign, inflow, I, rng):
    """Each spreader (of any story) in the cohort's cells is found with
    ``probability`` and detained: one draw per agent, in agent order, however
    many stories it spreads. Returns detentions."""
    n_stories = st.shape[0]
    total = 0
    for s in range(n_stories):
        total += n_active[s]
    ids = np.empty(total, dtype=np.int32)
    k = 0
    for s in range(n_stories):
        for a in range(n_active[s]):
            i = active[s, a, 0]
            if in_cohort[cell[i]] and not detained[i]:
                ids[k] = i
                k += 1
    ids = np.unique(ids[:k])
    found = 0
    for i in ids:
        if rng.random() < probability:
            detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                   detained, det_counts, det_ign, inflow, I)
            found += 1
    return found


@numba.njit(cache=True)
def check(in_cohort, probability, detain_p, indoctrinate_p, hh_ptr, hh_idx, st, active, pos, n_active, degc, W, F,
          counts, cell, indptrs, complete, spread, forget, detained, det_counts, det_ign, inflow, I, found, homes,
          rng):
    """A check, now: each member of the cohort who knows a story (any story)
    is found with ``probability``; a finding is detained with ``detain_p``
    and, independently, its household (itself and its neighbours on
    ``hh_ptr``/``hh_idx``) indoctrinated with ``indoctrinate_p``: their
    spreaders stop. Draws in agent order, three per finding. Findings and
    households counted by the found member's cell."""
    n_stories, n = st.shape
    for i in range(n):
        if detained[i] or not in_cohort[cell[i]]:
            continue
        knows = False
        for s in range(n_stories):
            if st[s, i] != IGNORANT:
                knows = True
                break
        if not knows or rng.random() >= probability:
            continue
        u_detain = rng.random()
        u_home = rng.random()
        c = cell[i]
        found[c] += 1
        if u_home < indoctrinate_p:
            homes[c] += 1
            _silence(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                     detained)
            for k in range(hh_ptr[i], hh_ptr[i + 1]):
                _silence(hh_idx[k], st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread,
                         forget, detained)
        if u_detain < detain_p:
            detain(i, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget,
                   detained, det_counts, det_ign, inflow, I)


@numba.njit(cache=True, inline="always")
def _silence(j, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget, detained):
    """Agent ``j`` stops spreading every story (indoctrinated: it knows, but is silent)."""
    if detained[j]:
        return
    for s in range(st.shape[0]):
        if st[s, j] == SPREADER:
            stop_spreader(s, j, st, active, pos, n_active, degc, W, F, counts, cell, indptrs, complete, spread, forget)


def reference_day(t, t_end, st, detained, neighbours, rates, stifle, pair, levers, cell, rng, tallies):
    """Plain-Python twin of ``run_day``, written from the definition: every
    (story, spreader, layer, neighbour) meeting, every spreader's stopping and
    every free ignorant's arrival from outside is its own event channel with
    its own rate, listed afresh before each event.

    Used only in tests, on tiny graphs, to check ``run_day`` in distribution.
    ``neighbours(l, i)`` returns agent ``i``'s neighbours on layer ``l``;
    ``st[S, n]`` and ``detained[n]`` are changed in place, and
    ``tallies = (tellings[S, L + 1, C], intercepts[S, L, C], det_counts[C])``.
    """
    spread, forget, accept, intercept, detain_p, inflow = levers
    tellings, intercepts, det_counts = tallies
    n_stories, n = st.shape
    n_layers = rates.shape[1]
    while True:
        events, weights = [], []
        for s in range(n_stories):
            for i in range(n):
                if st[s, i] == IGNORANT and not detained[i] and inflow[s, cell[i]] > 0:
                    events.append(("outside", s, i, -1, -1))
                    weights.append(inflow[s, cell[i]])
                if st[s, i] != SPREADER:
                    continue
                if forget[s, cell[i]] > 0:
                    events.append(("stop", s, i, -1, -1))
                    weights.append(forget[s, cell[i]])
                for lay in range(n_layers):
                    w = rates[s, lay] * spread[s, cell[i]]
                    for j in neighbours(lay, i):
                        if w > 0 and not detained[j]:
                            events.append(("meet", s, i, lay, j))
                            weights.append(w)
        total = float(np.sum(weights)) if weights else 0.0
        if total <= 0.0:
            return
        t += rng.exponential(1.0 / total)
        if t >= t_end:
            return
        kind, s, i, lay, j = events[rng.choice(len(events), p=np.asarray(weights) / total)]
        if kind == "stop":
            st[s, i] = STIFLER
            continue
        if kind == "outside":
            _reference_hear(st, s, i, n_layers, accept, cell, tellings, rng)
            continue
        read = rng.random(intercept.shape[0]) < intercept[:, lay]
        if read.any():
            intercepts[s, lay, cell[i]] += 1
            if (rng.random(intercept.shape[0]) < detain_p[:, lay])[read].any():
                detained[i] = True
                det_counts[cell[i]] += 1
                st[:, i] = np.where(st[:, i] == SPREADER, STIFLER, st[:, i])
            continue
        if st[s, j] == IGNORANT:
            _reference_hear(st, s, j, lay, accept, cell, tellings, rng)
        elif pair[s] and st[s, j] == SPREADER:
            if rng.random() < 0.5:
                st[s, i] = st[s, j] = STIFLER
        elif rng.random() < stifle[s]:
            st[s, i] = STIFLER


def _reference_hear(st, s, j, column, accept, cell, tellings, rng):
    tellings[s, column, cell[j]] += 1
    st[s, j] = SPREADER if rng.random() < accept[s, cell[j]] else STIFLER
