"""A counter-based random stream for the daily kernel.

Each (stream, step, agent) triple gets its own SplitMix64 sequence, so the
numbers an agent draws in a step do not depend on the order agents are
processed in, on threads, or on what other agents did. Two runs that differ
only in a measure therefore share every random number the measure does not
touch (common random numbers).

SplitMix64: Steele, Lea & Flood (2014), "Fast splittable pseudorandom number
generators", OOPSLA.
"""

from __future__ import annotations

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@numba.njit
def mix64(z):
    """SplitMix64 finaliser: a bijective avalanche of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit
def counter(key, step, agent):
    """Start of the stream for one agent in one step (a uint64 state)."""
    return mix64(key ^ mix64(np.uint64(step) * _GOLDEN + np.uint64(agent)))


@numba.njit
def next_uniform(state):
    """Advance ``state``; return (new_state, u) with u uniform on [0, 1)."""
    state = state + _GOLDEN
    return state, np.float64(mix64(state) >> _S11) * _INV53


def stream_key(seed_sequence: np.random.SeedSequence, name: str) -> np.uint64:
    """A uint64 key for a named stream, from the run's seed."""
    from ..seeding import stream

    return np.uint64(stream(seed_sequence, name).integers(0, 2**63, dtype=np.int64))
