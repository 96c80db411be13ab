"""Priors from ``[parameters]``: uniform on ``[low, high]``, or log-uniform
where the range spans more than 10x (as the ensembles' draws,
``ensemble.plan.LOG_SPAN``).

A prior is handled in its *fitting coordinate* ``z``: ``z = x`` for a
uniform prior, ``z = ln x`` for a log-uniform one, so every prior is uniform
in ``z`` and ABC-SMC's perturbation kernel works on the scale the range was
given on. Whole-number parameters (sizes, counts, sub-steps: their value in
the scenario is an int) are rounded where they are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..ensemble.plan import LOG_SPAN


@dataclass(frozen=True)
class Prior:
    """One parameter's prior: its name, range, and whether it is log-uniform or whole."""

    name: str
    low: float
    high: float
    log: bool = False
    whole: bool = False
    value: float | None = None  # the scenario's own value

    @property
    def bounds(self) -> tuple[float, float]:
        """The range in the fitting coordinate."""
        return (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)

    def to_value(self, z: float) -> float:
        """Fitting coordinate -> the parameter's value (clipped to its range, rounded if whole)."""
        x = math.exp(z) if self.log else float(z)
        x = min(max(x, self.low), self.high)
        return float(round(x)) if self.whole else x

    def to_z(self, x):
        x = np.asarray(x, dtype=float)
        return np.log(x) if self.log else x

    @property
    def kind(self) -> str:
        return "log-uniform" if self.log else "uniform"


def prior_of(scenario, name: str) -> Prior:
    """The prior of one ``[parameters]`` entry."""
    from ..scenario.checks import resolve_at

    if name not in scenario.parameters:
        raise ParameterError(f"params: unknown parameter {name!r}; the parameters are: "
                             f"{', '.join(scenario.parameters)}.")
    p = scenario.parameters[name]
    if p.high <= p.low:
        raise ParameterError(f"params: {name} has the empty range [{p.low:g}, {p.high:g}]; widen it to fit it.")
    value, whole = p.value, False
    if p.places:
        _, found = resolve_at(scenario.model_dump(), p.places[0])
        value, whole = float(found), isinstance(found, int) and not isinstance(found, bool)
    return Prior(name, float(p.low), float(p.high), bool(p.low > 0 and p.high / p.low > LOG_SPAN), whole, value)


def priors_of(scenario, names=None) -> list[Prior]:
    """Priors of the named parameters (a list or ``"a,b,c"``), or of the
    default set (``default_params``)."""
    if names is None:
        names = default_params(scenario)
    elif isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = list(names)
    if not names:
        raise ParameterError("params: name at least one parameter to fit.")
    if len(set(names)) != len(names):
        raise ParameterError(f"params: {names} names a parameter twice.")
    return [prior_of(scenario, n) for n in names]


#: where a parameter may point to be in the default set (not the population or network structure)
_MOVABLE = ("stories", "measures", "triggers")


def default_params(scenario) -> list[str]:
    """The default set fitted: assumptions that can move what was observed.

    A parameter is in it when (1) its ``note`` starts with ``"assumption"``
    (sourced and derived values stay), (2) it does not change the population
    or a network's structure (it points at a story, a measure, a trigger or
    a layer's ``rate``: structural ones rebuild networks at every evaluation
    and can be fitted by naming them), and (3) a measure it points at can
    act before the last observation (in ``order = "date"``, its start is on
    or before that date; with ``order = "trigger"`` any measure can).
    """
    from ..scenario.checks import resolve_at

    data = scenario.model_dump()
    last = max((o.date for o in scenario.observations), default=None)
    out = []
    for name, p in scenario.parameters.items():
        if not p.note.strip().lower().startswith("assumption") or not p.places:
            continue
        ok = True
        for at in p.places:
            path, _ = resolve_at(data, at)
            top = path[0]
            if top == "layers":
                ok &= path[-1] == "rate"
            elif top == "measures":
                start = data["measures"][path[1]].get("start")
                ok &= (scenario.scenario.order == "trigger" or start is None or last is None or start <= last)
            else:
                ok &= top in _MOVABLE
        if ok:
            out.append(name)
    if not out:
        raise ParameterError(f"scenario {scenario.name!r}: no assumption in [parameters] can move its observations; "
                             "name the parameters to fit (params=...).")
    return out


def table(priors):
    """One row per prior: name, kind, low, high, the scenario's value."""
    import pandas as pd

    return pd.DataFrame([{"parameter": p.name, "prior": p.kind, "low": p.low, "high": p.high, "value": p.value,
                          "whole": p.whole} for p in priors])
