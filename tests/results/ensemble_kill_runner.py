"""Run an ensemble into a store and SIGKILL this process as it stores
replicate number AT: after that replicate's file is renamed into place, before
the catalog lists it (the worst moment).

    python ensemble_kill_runner.py SCENARIO FOLDER RUNS AT

Used by test_ensembles_store.py, which then resumes the ensemble.
"""

import os
import signal
import sys
from pathlib import Path

from rumormill.ensemble import plan_for
from rumormill.ensemble.stored import run_stored
from rumormill.results import Store, ensembles


def child(scenario: str, folder: Path, runs: int, at: int) -> None:
    calls = 0
    listed = ensembles.register

    def register(con, ensemble_id, rows):
        nonlocal calls
        calls += 1
        if calls == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return listed(con, ensemble_id, rows)

    ensembles.register = register
    run_stored(plan_for(scenario, runs=runs), Store(folder), workers=1)


if __name__ == "__main__":
    child(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
