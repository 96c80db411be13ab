"""What an ensemble is: a scenario, a scale, a seed, a number of replicates,
which ``[parameters]`` vary, and (for a comparison) which measures the
counterfactual drops. Everything a replicate needs follows from the plan and
the replicate's index, so any replicate can be run anywhere, in any order,
again: that is what makes an ensemble resumable and the same on every
executor.

Replicate ``i`` runs on ``SeedSequence(seed, spawn_key=(i,))`` — the i-th
child of ``SeedSequence(seed).spawn`` — never ``seed + i``. Parameter draws
are a Latin hypercube over the varied ranges (``scipy.stats.qmc``), uniform,
or log-uniform where a range spans more than 10×, drawn once for the whole
plan from its own stream.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..seeding import stream

#: a range this wide or wider is drawn log-uniformly
LOG_SPAN = 10.0
#: most replicates one ensemble may ask for
MAX_RUNS = 100_000


@dataclass(frozen=True)
class Replicate:
    """One member: its index, its seed and the parameter values it runs with."""

    index: int
    seed: np.random.SeedSequence
    values: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Plan:
    """An ensemble, fully determined (see the module docstring).

    ``scenario`` is a validated ``Scenario``; ``vary`` names the parameters
    drawn per replicate; ``without`` names measures the counterfactual of a
    comparison drops (empty: a plain ensemble).
    """

    scenario: object
    scale: float
    seed: int
    runs: int
    order: str
    vary: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    #: explicit values per replicate (e.g. drawn from a calibration's posterior) instead of a Latin
    #: hypercube: a tuple of ``runs`` dicts over the names in ``vary``
    draws: tuple = ()
    #: where ``draws`` came from, e.g. ``"posterior c1a2b3c4d5e6"`` (kept with the ensemble)
    source: str = ""

    def __post_init__(self):
        if isinstance(self.runs, bool) or int(self.runs) != self.runs or not 1 <= self.runs <= MAX_RUNS:
            raise ParameterError(f"runs = {self.runs!r}: give a whole number of replicates from 1 to {MAX_RUNS:,}.")
        known = self.scenario.parameters
        if self.vary and not known:
            raise ParameterError(f"vary: scenario {self.scenario.name!r} has no [parameters] to vary; "
                                 "add a [parameters] table or drop --vary.")
        for name in self.vary:
            if name not in known:
                raise ParameterError(f"vary: unknown parameter {name!r}; the parameters are: {', '.join(known)}.")
        if self.draws and (len(self.draws) != self.runs or any(set(d) != set(self.vary) for d in self.draws)):
            raise ParameterError(f"draws: give one dict of {', '.join(self.vary) or 'no parameters'} per replicate "
                                 f"({self.runs}).")
        names = [m.name for m in self.scenario.measures]
        for name in self.without:
            if name not in names:
                raise ParameterError(f"without: {name!r} is not a measure of {self.scenario.name!r}; "
                                     f"the measures are: {', '.join(names)}.")

    @property
    def id(self) -> str:
        """Derived from the content, so the same ensemble asked for again has the same id."""
        content = json.dumps({
            "scenario": self.scenario.model_dump(mode="json"), "scale": self.scale, "seed": self.seed,
            "runs": self.runs, "order": self.order, "vary": list(self.vary), "without": list(self.without),
            **({"draws": [dict(d) for d in self.draws], "source": self.source} if self.draws else {}),
        }, sort_keys=True, default=str)
        return "e" + hashlib.sha256(content.encode()).hexdigest()[:11]

    def replicate(self, i: int) -> Replicate:
        """Replicate ``i``: the same for every call, on every machine."""
        if not 0 <= i < self.runs:
            raise ParameterError(f"replicate {i} is outside this ensemble of {self.runs} runs.")
        seed = np.random.SeedSequence(self.seed, spawn_key=(i,))
        return Replicate(i, seed, self._draws()[i] if self.vary else {})

    def _draws(self) -> list[dict]:
        if self.draws:
            return [dict(d) for d in self.draws]
        if not hasattr(self, "_cache"):
            object.__setattr__(self, "_cache", draw_parameters(self.scenario, self.vary, self.runs, self.seed))
        return self._cache


def draw_parameters(scenario, names, runs: int, seed: int) -> list[dict]:
    """``runs`` Latin-hypercube draws of the named parameters within their ranges.

    Uniform on ``[low, high]``, or log-uniform where ``high / low > 10`` (and
    ``low > 0``); parameters whose value is a whole number (sizes, counts,
    sub-steps) are rounded.
    """
    from scipy.stats import qmc

    if not names:
        return [{} for _ in range(runs)]
    rng = stream(seed, "vary")
    kwargs = {"rng": rng} if "rng" in inspect.signature(qmc.LatinHypercube).parameters else {"seed": rng}
    unit = qmc.LatinHypercube(d=len(names), **kwargs).random(runs)
    from ..scenario.checks import resolve_at

    data = scenario.model_dump()
    out = [{} for _ in range(runs)]
    for k, name in enumerate(names):
        p = scenario.parameters[name]
        if p.low > 0 and p.high / p.low > LOG_SPAN:
            values = np.exp(math.log(p.low) + unit[:, k] * (math.log(p.high) - math.log(p.low)))
        else:
            values = p.low + unit[:, k] * (p.high - p.low)
        values = np.clip(values, p.low, p.high)
        # an int where the value is used (a count, a size, sub-steps) stays an int
        whole = bool(p.places) and isinstance(resolve_at(data, p.places[0])[1], int)
        for i in range(runs):
            out[i][name] = float(round(values[i])) if whole else float(values[i])
    return out


def posterior_draws(posterior, runs: int, seed: int) -> list[dict]:
    """``runs`` parameter sets drawn from a calibration's posterior: its
    particles (a DataFrame with ``weight`` and one column per parameter),
    resampled with replacement in proportion to their weights (systematic
    resampling on the plan's own stream, so the same seed draws the same
    sets). Returns one dict per replicate."""
    frame = posterior
    names = [c for c in frame.columns if c not in POSTERIOR_COLUMNS and not re.fullmatch(r"q\d+", c)]
    if not len(frame) or not names:
        raise ParameterError("posterior: no particles with parameters to draw from.")
    w = frame["weight"].to_numpy(dtype=float)
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ParameterError("posterior: the particles' weights are not a distribution.")
    cdf = np.cumsum(w / w.sum())
    u = (stream(seed, "posterior").random() + np.arange(runs)) / runs
    picks = np.minimum(np.searchsorted(cdf, u, side="right"), len(w) - 1)
    order = stream(seed, "posterior-order").permutation(runs)  # a replicate's draw does not follow its index
    values = frame[names].to_numpy(dtype=float)
    return [{n: float(values[picks[order[i]], k]) for k, n in enumerate(names)} for i in range(runs)]


#: columns of a stored posterior that are not parameters (the quantities are q0, q1, ...)
POSTERIOR_COLUMNS = ("calibration_id", "generation", "particle", "weight", "distance")


def with_posterior(plan: Plan, store, calibration: str) -> Plan:
    """``plan`` with each replicate's parameters drawn from a stored
    calibration's posterior (``posterior_draws`` on the plan's seed); the
    calibration's id (or a unique prefix) is kept in the plan, so the
    ensemble's id differs from the plain one's."""
    import dataclasses

    from ..results.calibrations import read

    row = read(store, calibration)
    cid = row["calibration_id"]
    if plan.vary:
        raise ParameterError(f"--posterior {cid} draws the fitted parameters; drop --vary.")
    if row["scenario"] != plan.scenario.name:
        raise ParameterError(f"--posterior {cid} is a calibration of {row['scenario']!r}, not of "
                             f"{plan.scenario.name!r}; run that scenario, or calibrate this one.")
    if row["status"] != "finished" and not row["generations"]:
        raise ParameterError(f"--posterior {cid} is {row['status']} with no complete generation; resume it first "
                             "(the same rumormill calibrate command).")
    post = store.query(f"SELECT * FROM posterior WHERE calibration_id = '{cid}' ORDER BY particle")
    names = [n for n in str(row["params"]).split(",") if n]
    post = post[["calibration_id", "generation", "particle", "weight", "distance", *names]]
    draws = posterior_draws(post, plan.runs, plan.seed)
    return dataclasses.replace(plan, vary=tuple(names), draws=tuple(draws), source=f"posterior {cid}")
