"""Results shaped like the built-in scenario's, from smooth curves (no engine
run), so store and report tests are quick and know their numbers."""

from __future__ import annotations

import numpy as np

from rumormill.result import Result

PROVINCES = ["Pyongyang", "South Pyongan", "North Pyongan", "Chagang", "South Hwanghae", "North Hwanghae",
             "Kangwon", "South Hamgyong", "North Hamgyong", "Ryanggang"]
GROUPS = ["border resident", "soldier's family", "liaison officer"]
LAYERS = ["household", "unit", "inminban", "market", "mail", "phone"]
STORIES = ["deployment", "captured"]
KEY_DATES = {"captures announced": "2025-01-11", "border report": "2025-01-23", "joint order": "2025-02-01"}


def cells() -> list[str]:
    return [f"{g}/{r}" for g in GROUPS for r in PROVINCES] + ["soldier/military camps"]


def fake_result(days: int = 150, seed: int = 1, damp: float = 1.0, compare: Result | None = None) -> Result:
    """A run from 2024-10-01: reach rises faster near the border; ``damp`` < 1
    slows it (the run with measures). Counts add up to each cell's population."""
    rng = np.random.default_rng(seed)
    names = cells()
    t = np.arange(days + 1)
    pop = rng.integers(200, 2000, size=len(names))
    border = np.array([("Hamgyong" in c or "Ryanggang" in c or "camps" in c) for c in names])
    counts = np.zeros((t.size, len(STORIES), 3, len(names)), dtype=np.int64)
    for s, (t0, speed) in enumerate([(30, 0.12), (110, 0.25)]):
        rate = speed * damp * np.where(border, 1.5, 1.0) * rng.uniform(0.8, 1.2, len(names))
        known = 1 / (1 + np.exp(-rate[None, :] * (t[:, None] - t0 - 10 * ~border[None, :])))
        known = np.round(known * pop * (0.9 if damp == 1 else 0.6)).astype(np.int64)
        known = np.maximum.accumulate(known, axis=0)
        spreaders = np.round(known * np.exp(-np.maximum(t[:, None] - t0, 0) / 20)).astype(np.int64)
        counts[:, s, 0] = pop - known
        counts[:, s, 1] = spreaders
        counts[:, s, 2] = known - spreaders
    new = np.diff(pop - counts[:, :, 0], axis=0, prepend=(pop - counts[:1, :, 0]))
    share = rng.dirichlet(np.ones(len(LAYERS)), size=len(names)).T
    tellings = np.round(new[:, :, None, :] * share[None, None]).astype(np.int64)
    order_day = 123  # 2025-02-01
    intercepts = np.where(t[:, None, None, None] >= order_day,
                          rng.poisson(2.0, size=tellings.shape), 0).astype(np.int64)
    intercepts[:, :, :4] = 0  # only mail and phone are inspected
    detained = np.cumsum(np.where(t[:, None] >= order_day, rng.poisson(0.3, (t.size, len(names))), 0), axis=0)
    events = [(112, "interception", "captured", 5, 3, "mail"), (114, "report", "", -1, 1, "border report"),
              (123, "order", "", -1, 1, "joint order"), (123, "measure-start", "", -1, 1, "inspect mail"),
              (125, "detention", "captured", names.index("border resident/Ryanggang"), 2, "phone")]
    events = [e for e in events if e[0] <= days]
    info = {"start_date": "2024-10-01", "key_dates": dict(KEY_DATES), "scenario": "fake-kpa", "substeps": 1}
    if compare is not None:
        info["compare"] = {"label": "without measures", "baseline": compare}
    return Result(days=t, counts=counts, tellings=tellings, intercepts=intercepts, detained=detained,
                       events=events, stories=list(STORIES), layers=list(LAYERS), cells=names, n=int(pop.sum()),
                       engine="daily", seed=seed, info=info)


def cli_main(argv: list[str]) -> int:
    """``rumormill.cli.main``, with the results commands registered if the CLI
    does not have them yet (until cli/__init__.py registers the module)."""
    from rumormill import cli
    from rumormill.cli import results

    names = {c.name or c.callback.__name__ for c in cli.app.registered_commands}
    if "report" not in names:
        results.register(cli.app)
    return cli.main(argv)
