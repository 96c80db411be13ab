"""Rates carry units (per day). Turning a rate into a probability per step
happens here and nowhere else, so every engine agrees on what a rate means."""

from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError


def check_rate(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite rate >= 0, else raise."""
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ParameterError(
            f"{name} = {value!r} is not a valid rate: give a finite number >= 0 (per day)."
        )
    return v


def check_probability(name: str, value: float) -> float:
    """Return ``value`` as a float if it lies in [0, 1], else raise."""
    v = float(value)
    if not (0.0 <= v <= 1.0):
        raise ParameterError(f"{name} = {value!r} is not a probability: give a number in [0, 1].")
    return v


def step_probability(rate_per_day, dt: float):
    """Probability that a Poisson process of ``rate_per_day`` fires at least once
    in a step of ``dt`` days: ``1 - exp(-rate * dt)``.

    Works on scalars and arrays. This is the only place where rates become
    probabilities.

    >>> float(round(step_probability(0.05, 1.0), 6))
    0.048771
    """
    return -np.expm1(-np.asarray(rate_per_day, dtype=np.float64) * dt)[()]
