"""The exact engine: continuous-time, event-driven simulation (Gillespie's
direct method) of the same rules as the daily engine.

Every spreader meets each neighbour at the per-edge rate ``r_l`` of layer
``l``; the total meeting rate is ``sum_l r_l * D_l`` with ``D_l`` the summed
layer degree of the current spreaders, kept up to date in O(1) per event.
The acting spreader is drawn proportionally to its degree by rejection
(pick a spreader uniformly, accept with ``deg / max_deg``), so an event costs
O(max_deg / mean_deg) draws on average, independent of ``n``.

Measures act only at day boundaries: the kernel runs to the end of a day and
stops there; by memorylessness, the event it would have drawn past the
boundary is simply discarded.

Reference: Gillespie (1977), J. Phys. Chem. 81:2340; for the degree-weighted
rejection step, Cota & Ferreira (2017), Comput. Phys. Commun. 219:303.
"""

from __future__ import annotations

import numba

IGNORANT, SPREADER, STIFLER = 0, 1, 2


@numba.njit(cache=True)
def _degree(indptrs, complete, lay, i):
    if complete[lay]:
        return 1
    return indptrs[lay][i + 1] - indptrs[lay][i]


@numba.njit(cache=True)
def add_spreader(i, st, active, pos, n_active, deg_sum, indptrs, complete):
    """Append ``i`` to the spreader list; O(layers)."""
    k = n_active[0]
    active[k] = i
    pos[i] = k
    n_active[0] = k + 1
    st[i] = SPREADER
    for lay in range(complete.shape[0]):
        deg_sum[lay] += _degree(indptrs, complete, lay, i)


@numba.njit(cache=True)
def _remove_spreader(i, st, active, pos, n_active, deg_sum, indptrs, complete):
    k = pos[i]
    last = active[n_active[0] - 1]
    active[k] = last
    pos[last] = k
    n_active[0] -= 1
    st[i] = STIFLER
    for lay in range(complete.shape[0]):
        deg_sum[lay] -= _degree(indptrs, complete, lay, i)


@numba.njit(cache=True)
def run_until(
    t,
    t_end,
    st,
    active,
    pos,
    n_active,
    deg_sum,
    counts,
    cell,
    tellings,
    indptrs,
    indicess,
    complete,
    max_deg,
    rates,
    stifle,
    pair,
    forget,
    rng,
):
    """Run one story's events from time ``t`` until ``t_end`` or no spreader is left.

    ``rates[l]`` is the per-edge meeting rate on layer ``l`` (per agent on a
    complete layer); ``forget`` the spontaneous stopping rate. Mutates the
    state in place and returns the time reached.
    """
    n = st.shape[0]
    n_layers = complete.shape[0]
    while n_active[0] > 0:
        meet = 0.0
        for lay in range(n_layers):
            meet += rates[lay] * deg_sum[lay]
        total = meet + forget * n_active[0]
        if total <= 0.0:
            return t_end
        t += rng.exponential(1.0 / total)
        if t >= t_end:
            return t_end
        x = rng.random() * total
        if x >= meet:
            # spontaneous stop of a uniformly chosen spreader
            i = active[rng.integers(0, n_active[0])]
            _remove_spreader(i, st, active, pos, n_active, deg_sum, indptrs, complete)
            counts[SPREADER, cell[i]] -= 1
            counts[STIFLER, cell[i]] += 1
            continue
        lay = 0
        acc = rates[0] * deg_sum[0]
        while x >= acc and lay < n_layers - 1:
            lay += 1
            acc += rates[lay] * deg_sum[lay]
        # spreader chosen in proportion to its degree on this layer
        while True:
            i = active[rng.integers(0, n_active[0])]
            d = _degree(indptrs, complete, lay, i)
            if d > 0 and rng.random() * max_deg[lay] < d:
                break
        if complete[lay]:
            j = rng.integers(0, n - 1)
            if j >= i:
                j += 1
        else:
            j = indicess[lay][indptrs[lay][i] + rng.integers(0, d)]
        sj = st[j]
        if sj == IGNORANT:
            add_spreader(j, st, active, pos, n_active, deg_sum, indptrs, complete)
            counts[IGNORANT, cell[j]] -= 1
            counts[SPREADER, cell[j]] += 1
            tellings[lay, cell[j]] += 1
            continue
        stop_i = False
        if pair and sj == SPREADER:
            if rng.random() < 0.5:
                stop_i = True
                _remove_spreader(j, st, active, pos, n_active, deg_sum, indptrs, complete)
                counts[SPREADER, cell[j]] -= 1
                counts[STIFLER, cell[j]] += 1
        elif stifle > 0.0 and (stifle >= 1.0 or rng.random() < stifle):
            stop_i = True
        if stop_i:
            _remove_spreader(i, st, active, pos, n_active, deg_sum, indptrs, complete)
            counts[SPREADER, cell[i]] -= 1
            counts[STIFLER, cell[i]] += 1
    return t_end
