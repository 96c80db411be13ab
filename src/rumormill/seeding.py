"""One way in for randomness: every public function that draws takes ``seed``
and turns it into a ``numpy.random.Generator`` here, at the API boundary.

Passing a Generator to a builder shares its stream (the caller's generator
advances), which is what a builder that draws several layers in turn wants;
passing one to ``simulate`` spawns a fresh child ``SeedSequence`` from it, so
two calls with one Generator give two different runs (as SALib's seed
handling does). An int or a ``SeedSequence`` starts a fresh, reproducible
stream. A run records its SeedSequence's entropy and spawn key, so any run,
spawned or not, can be repeated from what is stored. ``None`` is refused on
purpose: a run that cannot be repeated is a bug in a simulation study.
"""

from __future__ import annotations

import numbers
import zlib

import numpy as np

from .errors import ParameterError


def as_generator(seed) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed``.

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        An int >= 0 or a SeedSequence seeds a new PCG64 generator; a Generator
        is returned as is (not copied).

    Raises
    ------
    ParameterError
        For ``None``, a negative int, a bool or any other type.

    Examples
    --------
    >>> g = as_generator(7)
    >>> as_generator(g) is g
    True
    >>> float(as_generator(7).random()) == float(as_generator(np.random.SeedSequence(7)).random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
        if seed < 0:
            raise ParameterError(f"seed = {seed} is negative: give an int >= 0.")
        return np.random.default_rng(int(seed))
    raise ParameterError(
        f"seed = {seed!r} ({type(seed).__name__}) cannot seed a simulation: give an int >= 0, "
        "a numpy.random.SeedSequence or a numpy.random.Generator."
    )


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Normalise ``seed`` to a ``SeedSequence``.

    A Generator spawns a new child each call, so it advances: the same
    Generator passed twice gives two different, reproducible sequences.

    Examples
    --------
    >>> g = np.random.default_rng(3)
    >>> a, b = as_seed_sequence(g), as_seed_sequence(g)
    >>> a.spawn_key != b.spawn_key and a.entropy == b.entropy == 3
    True
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        parent = seed.bit_generator.seed_seq
        if not isinstance(parent, np.random.SeedSequence):
            raise ParameterError(
                "seed: this Generator was not made from a SeedSequence, so its runs cannot be recorded; "
                "use numpy.random.default_rng(int) or pass a SeedSequence."
            )
        return parent.spawn(1)[0]
    as_generator(seed)  # the same checks and messages
    return np.random.SeedSequence(int(seed))


def seed_record(ss: np.random.SeedSequence) -> tuple[int | None, tuple[int, ...]]:
    """What to store to rebuild ``ss``: its entropy and spawn key."""
    entropy = ss.entropy if isinstance(ss.entropy, int) else None
    return entropy, tuple(int(k) for k in ss.spawn_key)


def from_record(entropy: int, spawn_key=()) -> np.random.SeedSequence:
    """The SeedSequence a stored run used (see ``seed_record``)."""
    return np.random.SeedSequence(int(entropy), spawn_key=tuple(int(k) for k in spawn_key))


def stream(seed, name: str) -> np.random.Generator:
    """An independent generator for one named decision (``"tell"``, ``"seed"``, ...).

    Derived from the base seed and a stable hash of the name, so adding a new
    decision elsewhere never shifts the numbers this one draws (common random
    numbers between a run and its counterfactual).
    """
    base = as_seed_sequence(seed)
    key = zlib.crc32(name.encode("utf-8"))
    child = np.random.SeedSequence(base.entropy, spawn_key=tuple(base.spawn_key) + (key,))
    return np.random.Generator(np.random.PCG64(child))
