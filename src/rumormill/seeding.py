"""One way in for randomness: every public function that draws takes ``seed``
and turns it into a ``numpy.random.Generator`` here, at the API boundary.

Passing a Generator shares its stream (the caller's generator advances), which
is what a builder that draws several layers in turn wants; an int or a
``SeedSequence`` starts a fresh, reproducible stream. ``None`` is refused on
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
    """Normalise ``seed`` to a ``SeedSequence`` (a Generator gives its own)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return seed.bit_generator.seed_seq
    as_generator(seed)  # the same checks and messages
    return np.random.SeedSequence(int(seed))


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
