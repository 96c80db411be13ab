"""Does what was observed depend on the scale a scenario is run at?

Calibration runs each evaluation at a small scale to afford thousands of
them. That is sound only where the observed quantities -- reach fractions,
report days -- do not depend on the scale: ``scale_check`` runs the same
replicates (seeds ``SeedSequence(seed, spawn_key=(r,))``) at each scale and
reports, per quantity and scale, the median and the 5-95% band; a quantity
is ``consistent`` when every scale's median lies inside every other scale's
band.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from .model import model_for, replicate_seed


@dataclass(frozen=True)
class _Run:
    scenario: object
    quantities: tuple
    seed: int
    order: str | None

    def __call__(self, item) -> tuple:
        scale, r = item
        model = model_for(self.scenario, self.quantities, scale=scale, seed=self.seed, order=self.order)
        t0 = time.perf_counter()
        return scale, r, model({}, replicate_seed(self.seed, r)), time.perf_counter() - t0


def scale_check(scenario, scales=(0.01, 0.1), runs: int = 20, quantities=None, *, values=None, seed=None,
                order=None, workers=None, cluster=None):
    """One row per quantity and scale: q05, q50, q95, mean, seconds per run,
    and ``consistent`` (see the module docstring). ``quantities`` default to
    the scenario's observed ones; ``values`` sets ``[parameters]`` (e.g. a
    posterior median)."""
    import pandas as pd

    from ..scenario import Scenario, load, with_values
    from .observations import targets_of
    from .runner import Runner

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    if values:
        sc = with_values(sc, values)
    scales = [float(s) for s in scales]
    if len(scales) < 2 or any(not s > 0 for s in scales):
        raise ParameterError(f"scales = {scales}: give two or more scales > 0.")
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
        raise ParameterError(f"runs = {runs!r}: give 2 or more replicates per scale.")
    quantities = tuple(quantities) if quantities is not None else tuple(t.quantity for t in targets_of(sc))
    task = _Run(sc, quantities, int(sc.scenario.seed if seed is None else seed), order)
    with Runner(workers, cluster) as runner:
        done = runner.map(task, [(s, r) for s in scales for r in range(runs)])
    rows = []
    for s in scales:
        got = np.array([v for sc_, _, v, _ in done if sc_ == s])
        secs = float(np.mean([t for sc_, _, _, t in done if sc_ == s]))
        q05, q50, q95 = np.quantile(got, (0.05, 0.5, 0.95), axis=0)
        for k, q in enumerate(quantities):
            rows.append({"quantity": q.label, "scale": s, "q05": q05[k], "q50": q50[k], "q95": q95[k],
                         "mean": float(got[:, k].mean()), "runs": runs, "seconds": secs})
    table = pd.DataFrame(rows)
    ok = {}
    for label, g in table.groupby("quantity", sort=False):
        ok[label] = all(lo <= m <= hi for m in g["q50"] for lo, hi in zip(g["q05"], g["q95"]))
    table["consistent"] = table["quantity"].map(ok)
    return table
