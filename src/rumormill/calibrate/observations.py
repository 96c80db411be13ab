"""How far a run lies from what was observed: the distance ABC-SMC accepts on.

Each ``[[observations]]`` entry with a metric becomes a ``Target``: the
quantity it observed (``quantities.Quantity``), the interval the quantity
should lie in, and a weight. Scores (docs/calibration.md):

- ``metric = "reach"``: the interval is ``[low, high]``; a bound not given is
  the metric's own (0 or 1), and an observation with only ``value`` is the
  point ``[value, value]``. The score is 0 inside the interval and the
  distance to it outside: ``max(low - r, 0, r - high)``, in fractions of the
  cohort.
- ``metric = "report"``: the trigger reported on the observed date; the score
  is the days between the simulated report and that date,
  ``|day - observed day|`` (a trigger that never reported counts as
  reporting the day after the calendar ends).

The distance is the weighted maximum of the scores,
``d = max_i w_i * s_i``: a run is within ``eps`` of the data when *every*
observation is within ``eps / w_i`` of its interval. The default weights
make the units comparable: 1 per unit of reach (a fraction), and
``DAY_WEIGHT`` = 0.01 per day, so one day off a report counts as one
percentage point of reach outside its interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from .quantities import Quantity, day_of

#: weight of one day in a report's score: a day counts as a percentage point of reach
DAY_WEIGHT = 0.01
#: weight of one unit of reach (a fraction of the cohort)
REACH_WEIGHT = 1.0


@dataclass(frozen=True)
class Target:
    """An observation made computable: the quantity, its interval, its weight.

    ``low``/``high`` are in the quantity's units (a fraction for reach, the
    day from the start for a report).
    """

    quantity: Quantity
    low: float
    high: float
    weight: float
    index: int = -1  # position in the scenario's [[observations]] (-1: made in code)
    what: str = ""
    source: str = ""

    def score(self, value: float) -> float:
        """0 inside ``[low, high]``, the distance to the interval outside (unweighted)."""
        return max(self.low - value, 0.0, value - self.high)


def targets_of(scenario, weights: dict | None = None) -> list[Target]:
    """The scenario's ``[[observations]]`` that can be scored, as targets.

    ``weights`` maps an observation's index (its position in the file) to a
    weight that replaces the default. Observations without a metric are
    records only and are left out (``unscored`` lists them).
    """
    weights = dict(weights or {})
    out = []
    for i, o in enumerate(scenario.observations):
        if o.metric is None:
            continue
        if o.metric == "reach":
            q = Quantity("reach", o.date, o.story, _tuple(o.groups), _tuple(o.regions))
            if o.low is None and o.high is None:
                if o.value is None:
                    raise ParameterError(f"observations[{i}] ({o.what!r}): a reach observation needs value, or "
                                         "low and/or high.")
                low = high = float(o.value)
            else:
                low = 0.0 if o.low is None else float(o.low)
                high = 1.0 if o.high is None else float(o.high)
            weight = REACH_WEIGHT
        elif o.metric == "report":
            q = Quantity("report", o.date, trigger=o.trigger)
            low = high = float(day_of(scenario, o.date))
            weight = DAY_WEIGHT
        else:  # pragma: no cover - the schema admits only the kinds above
            raise ParameterError(f"observations[{i}]: metric {o.metric!r} cannot be scored yet.")
        q.check(scenario)
        w = float(weights.pop(i, weight))
        if not (math.isfinite(w) and w > 0):
            raise ParameterError(f"weights[{i}] = {w!r}: give a weight > 0.")
        out.append(Target(q, low, high, w, i, o.what, o.source))
    if weights:
        raise ParameterError(f"weights: no scored observation at index {sorted(weights)}; the scored ones are "
                             f"{[t.index for t in out]}.")
    if not out:
        raise ParameterError(f"scenario {scenario.name!r} has no [[observations]] with a metric to calibrate to; "
                             'add some (metric = "reach" or "report").')
    return out


def unscored(scenario) -> list[int]:
    """Indices of observations without a metric (records, not scored)."""
    return [i for i, o in enumerate(scenario.observations) if o.metric is None]


@dataclass(frozen=True)
class IntervalDistance:
    """``d = max_i w_i * score_i``: the distance between a run's quantities
    and the observed intervals (see the module docstring).

    Called by pyabc as ``distance(x, x0)`` with ``x`` the run's quantities
    ``{"q0": ..., "q1": ...}`` and ``x0`` the observations
    ``{"q0_low": ..., "q0_high": ...}``; the weights are this object's.
    """

    weights: tuple[float, ...]

    def __call__(self, x: dict, x0: dict) -> float:
        worst = 0.0
        for i, w in enumerate(self.weights):
            v = float(x[f"q{i}"])
            s = max(float(x0[f"q{i}_low"]) - v, 0.0, v - float(x0[f"q{i}_high"]))
            worst = max(worst, w * s)
        return worst

    @staticmethod
    def observed(targets) -> dict:
        """The observations as pyabc's ``x0``: each target's interval."""
        out = {}
        for i, t in enumerate(targets):
            out[f"q{i}_low"], out[f"q{i}_high"] = t.low, t.high
        return out


def distance(targets, values) -> float:
    """The distance of one run's quantities ``values`` (in target order)."""
    values = np.asarray(values, dtype=float)
    return max(t.weight * t.score(v) for t, v in zip(targets, values))


def table(targets):
    """The observations used and their weights, one row each (for the store)."""
    import pandas as pd

    return pd.DataFrame([{
        "observation": t.index, "quantity": t.quantity.label, "kind": t.quantity.kind,
        "date": t.quantity.date, "story": t.quantity.story, "trigger": t.quantity.trigger,
        "groups": ",".join(t.quantity.groups or ()), "regions": ",".join(t.quantity.regions or ()),
        "low": t.low, "high": t.high, "weight": t.weight, "what": t.what, "source": t.source,
    } for t in targets])


def _tuple(names):
    return None if names is None else tuple(names)
