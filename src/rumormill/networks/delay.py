"""How long a message on a layer takes to arrive: a delay distribution in days.

A layer with a delay carries letters, not conversations: a telling is
written on one day and heard when it arrives (see ``docs/engines.md``).
Three kinds: ``fixed`` (every letter takes ``days``), ``gamma`` (a mean and
a standard deviation) and ``discrete`` (``days`` with ``weights``).

Both engines read the same numbers: the exact engine samples a delay per
letter (``sampler``); the daily engine draws in which step a letter
arrives from ``step_cdf``, the distribution of ``floor(U + k·X)`` for a
letter written at a uniform moment ``U`` of its step (``k`` steps a day,
``X`` the delay), so a delay of whole steps is kept exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

KINDS = ("fixed", "gamma", "discrete")
#: the gamma step table stops where less than this is left in the tail
TAIL = 1e-12
#: the longest delay, in days (a century)
MAX_DELAY = 36_500.0


@dataclass(frozen=True)
class Delay:
    """A delay distribution in days; build one with ``fixed``, ``gamma`` or ``discrete``.

    >>> Delay.gamma(40, 15).mean
    40.0
    >>> float(Delay.fixed(2).step_cdf(4)[-1]), len(Delay.fixed(2).step_cdf(4))
    (1.0, 10)
    """

    dist: str
    days: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    sd: float = 0.0

    def __post_init__(self):
        if self.dist not in KINDS:
            raise ParameterError(f"delay dist = {self.dist!r}: choose one of {', '.join(KINDS)}.")
        days = tuple(float(d) for d in self.days)
        if not days or any(not (0.0 <= d <= MAX_DELAY) for d in days):
            raise ParameterError(f"delay days = {self.days!r}: give delays in days from 0 to {MAX_DELAY:g}.")
        object.__setattr__(self, "days", days)
        weights = tuple(float(w) for w in self.weights) or (1.0,) * len(days)
        if len(weights) != len(days) or any(not (w >= 0 and math.isfinite(w)) for w in weights) or sum(weights) <= 0:
            raise ParameterError(f"delay weights = {self.weights!r}: give one weight >= 0 per delay, not all 0.")
        object.__setattr__(self, "weights", tuple(w / sum(weights) for w in weights))
        if self.dist == "gamma" and not (days[0] > 0 and 0 < self.sd <= MAX_DELAY):
            raise ParameterError(f"gamma delay: mean = {days[0]!r} and sd = {self.sd!r} must both be > 0.")

    @classmethod
    def fixed(cls, days: float) -> "Delay":
        """Every letter takes ``days``."""
        return cls("fixed", (days,))

    @classmethod
    def gamma(cls, mean: float, sd: float) -> "Delay":
        """Gamma-distributed delays with this mean and standard deviation."""
        return cls("gamma", (mean,), sd=float(sd))

    @classmethod
    def discrete(cls, days, weights=()) -> "Delay":
        """Delay ``days[i]`` with probability ``weights[i]`` (normalised; equal by default)."""
        return cls("discrete", tuple(days), tuple(weights))

    @property
    def mean(self) -> float:
        return float(np.dot(self.days, self.weights))

    @property
    def shape_scale(self) -> tuple[float, float]:
        """The gamma's shape and scale, from its mean and sd."""
        m = self.days[0]
        return (m / self.sd) ** 2, self.sd**2 / m

    def cdf(self, x) -> np.ndarray:
        """P(delay <= x)."""
        x = np.asarray(x, dtype=np.float64)
        if self.dist == "gamma":
            from scipy.special import gammainc

            a, theta = self.shape_scale
            return gammainc(a, np.maximum(x, 0.0) / theta)
        return sum(w * (x >= d) for d, w in zip(self.days, self.weights))

    def integrated_cdf(self, x) -> np.ndarray:
        """∫₀ˣ P(delay <= u) du = E[(x − delay)⁺]: the expected time a letter
        written at 0 has been delivered by ``x`` (the analytic arrival rates use it)."""
        x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
        if self.dist == "gamma":
            from scipy.special import gammainc

            a, theta = self.shape_scale
            return x * gammainc(a, x / theta) - a * theta * gammainc(a + 1.0, x / theta)
        return sum(w * np.maximum(x - d, 0.0) for d, w in zip(self.days, self.weights))

    def step_cdf(self, substeps: int) -> np.ndarray:
        """P(a letter written in step s arrives by the end of step s + m), m = 0, 1, ...

        It is ``k·(H((m+1)/k) − H(m/k))`` with ``H = integrated_cdf``: the
        letter is written at a uniform moment of its step. The last entry is 1.
        """
        k = float(substeps)
        last = self.days[0] * 10 + 50 * self.sd if self.dist == "gamma" else max(self.days)
        while self.dist == "gamma" and 1.0 - float(self.cdf(last)) > TAIL:
            last *= 2
        m = np.arange(int(math.floor(last * k)) + 2)
        h = self.integrated_cdf(np.arange(m.size + 1) / k)
        out = np.clip(k * np.diff(h), 0.0, 1.0)
        out = np.maximum.accumulate(out)
        out[-1] = 1.0
        if self.dist == "gamma":
            # drop the flat tail where the table is already 1 to rounding
            end = int(np.searchsorted(out, 1.0 - TAIL)) + 1
            out = out[: min(end + 1, out.size)]
            out[-1] = 1.0
        return out

    def sampler(self) -> tuple[int, float, float, np.ndarray, np.ndarray]:
        """(kind, a, b, values, cumulative weights) as the exact engine samples it:
        kind 1 fixed (a), 2 gamma (shape a, scale b), 3 discrete (values, cum)."""
        values = np.asarray(self.days, dtype=np.float64)
        cum = np.cumsum(self.weights)
        cum[-1] = 1.0
        if self.dist == "fixed":
            return 1, self.days[0], 0.0, values, cum
        if self.dist == "gamma":
            a, theta = self.shape_scale
            return 2, a, theta, values, cum
        return 3, 0.0, 0.0, values, cum

    def __str__(self) -> str:
        if self.dist == "fixed":
            return f"{self.days[0]:g} days"
        if self.dist == "gamma":
            return f"gamma, mean {self.days[0]:g} days, sd {self.sd:g}"
        return "discrete: " + ", ".join(f"{d:g} days ({w:.2f})" for d, w in zip(self.days, self.weights))
