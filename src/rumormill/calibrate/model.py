"""One evaluation: a scenario with some ``[parameters]`` set, run once on a
given seed, answering its quantities.

``ScenarioModel`` is what calibration and sensitivity analysis call; it goes
through the ensemble machinery: a ``Plan`` holds the scenario, scale, seed
and order, and ``ensemble.replicate.built_for`` builds the population and
networks once per process and structure and reuses them (only rates,
stories, measures and triggers are made anew for each evaluation).

Seeds. The networks are built on the plan's seed, as for an ensemble.
Each run's seed is explicit: a sensitivity sample runs replicate ``r`` on
``SeedSequence(seed, spawn_key=(r,))`` -- the ensemble's replicate ``r`` --
for every row (common random numbers: rows differ only in their
parameters); an ABC evaluation runs on a seed derived from the seed and
the parameter values (``seed_for``), so it is a pure function of them,
wherever and in whatever order it runs.
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from dataclasses import dataclass

import numpy as np

from ..ensemble.plan import Plan
from ..errors import ParameterError
from .quantities import measure

#: spawn-key tag of ABC evaluations' seeds ("abc" in ASCII)
ABC_KEY = 0x616263


@dataclass(frozen=True, eq=False)
class ScenarioModel:
    """A scenario, a scale and a seed, and the quantities each run answers."""

    plan: Plan
    quantities: tuple

    @property
    def outputs(self) -> list[str]:
        return [q.label for q in self.quantities]

    @property
    def scenario(self):
        return self.plan.scenario

    @property
    def runs_per_call(self) -> int:
        """Runs of the scenario one call makes: one, and one per distinct set of effects."""
        return 1 + len({q.without for q in self.quantities if q.without})

    def __call__(self, values: dict, seed: np.random.SeedSequence) -> np.ndarray:
        """float64[Q]: the quantities of one run with ``values`` on ``seed``;
        an effect's (``Quantity.without``) minus its value in a run on the
        same seed without those measures (one extra run per distinct set)."""
        from ..ensemble.replicate import built_for
        from ..scenario.variants import without
        from ..simulate import CoarseStepWarning

        built, _ = built_for(self.plan, values)
        pop, sc, scale = built.population, built.scenario, self.plan.scale
        with warnings.catch_warnings():  # the scenario's step, said once by `rumormill run`, not per evaluation
            warnings.simplefilter("ignore", CoarseStepWarning)
            out = measure(self.quantities, built.run(seed=seed), pop, sc, scale)
            for names in dict.fromkeys(q.without for q in self.quantities if q.without):
                which = [i for i, q in enumerate(self.quantities) if q.without == names]
                other = without(built, names).run(seed=seed)
                out[which] -= measure([self.quantities[i] for i in which], other, pop, sc, scale)
        return out


def model_for(scenario, quantities, *, scale=None, seed=None, order=None) -> ScenarioModel:
    """A ``ScenarioModel`` (the scenario's own calibration scale -- or scale --,
    seed and order where not given)."""
    from ..scenario import Scenario, load

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    info = sc.scenario
    for q in quantities:
        q.check(sc)
    if order is not None and order not in ("date", "trigger"):
        raise ParameterError(f"order = {order!r}: choose 'date' (every measure on its date) or 'trigger'.")
    if scale is None:
        scale = info.calibration_scale if info.calibration_scale is not None else info.scale
    plan = Plan(sc, float(scale), int(info.seed if seed is None else seed), 1,
                info.order if order is None else order)
    return ScenarioModel(plan, tuple(quantities))


def replicate_seed(seed: int, r: int) -> np.random.SeedSequence:
    """Replicate ``r``'s seed: the ensemble's (``SeedSequence(seed, spawn_key=(r,))``)."""
    return np.random.SeedSequence(seed, spawn_key=(r,))


def seed_for(seed: int, values: dict) -> np.random.SeedSequence:
    """A run's seed derived from ``seed`` and the parameter values (their
    names and float64 bit patterns, hashed): the same values, the same run."""
    h = hashlib.sha256()
    for name in sorted(values):
        h.update(name.encode())
        h.update(struct.pack("<d", float(values[name])))
    digest = h.digest()
    words = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.SeedSequence(seed, spawn_key=(ABC_KEY, *words))


def mean_of_replicates(model, values: dict, seed: int, replicates: int) -> np.ndarray:
    """The mean of ``model`` over replicates 0 .. replicates - 1 with ``values``."""
    return np.mean([model(values, replicate_seed(seed, r)) for r in range(replicates)], axis=0)
