"""An ensemble run straight into a results folder: resumable, and with a
coordinator whose memory does not grow with the number of replicates.

Each replicate's summary is stored the moment it arrives and then let go
(see ``rumormill.results.ensembles``); the quantiles are read back with SQL
(the store's ``bands`` and ``effects`` views). Running the same plan again
resumes it: the replicates already stored are skipped.

>>> from rumormill.results import Store                                  # doctest: +SKIP
>>> plan = plan_for("kpa-2025", runs=100, scale=0.003)                   # doctest: +SKIP
>>> stored = run_stored(plan, Store("rumormill-runs"), say=print)        # doctest: +SKIP
resuming ensemble e3f9c0a1b2c4: 37 of 100 runs already stored
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .executors import check_workers, execute
from .plan import Plan


@dataclass
class Stored:
    """What ``run_stored`` did: the ensemble's id, its status, and how many
    replicates were already stored, run now, and wanted."""

    ensemble_id: str
    status: str
    resumed: int
    ran: int
    runs: int
    executor: str


def run_stored(plan: Plan, store, *, workers=None, cluster=None, scenario_hash: str | None = None,
               say: Callable[[str], None] | None = None, progress: Callable[[int], None] | None = None) -> Stored:
    """Run every replicate of ``plan`` that ``store`` lacks, storing each as it
    arrives. ``say`` is given the line ``resuming ensemble …: k of N runs
    already stored`` when there were some; ``progress(index)`` is called as each
    replicate is stored. On Ctrl-C (or any error) the
    ensemble is marked interrupted (failed) and the error re-raised; what was
    stored stays, and running the same plan again resumes it."""
    workers = check_workers(workers)
    recording = store.begin_ensemble(plan, scenario_hash=scenario_hash)
    todo = recording.todo
    if say is not None and recording.note():
        say(recording.note())
    with recording:
        if todo:
            recording.running_on(describe(workers, cluster, len(todo)))
            def add(index, summary):
                recording.add(index, summary)
                if progress is not None:
                    progress(index)

            executor = execute(plan, todo, add, workers=workers, cluster=cluster)
        else:
            executor = "nothing left to run"
        status = recording.finish(executor if todo else None)
    return Stored(plan.id, status, recording.resumed, len(recording.added), plan.runs, executor)


def describe(workers: int, cluster: str | None, todo: int) -> str:
    """Where replicates will run, in the words ``execute`` returns afterwards."""
    if cluster == "local":
        return f"Dask LocalCluster of {workers} workers"
    if cluster is not None:
        return f"Dask cluster at {cluster}"
    if workers <= 1 or todo <= 1:
        return "this process"
    return f"local pool of {min(workers, todo)} processes"
