"""Store runs and compares in child processes, each killed just before its Nth step.

    python kill_runner.py BASE MODE:N:SIGNAL ...     (MODE is run or compare)

The steps are the calls that change something on disk: opening the catalog
to write, inserting a row, writing a Parquet file, renaming a folder. Each
MODE:N:SIGNAL is a child forked after the imports (so each costs only its
own work), storing into BASE/MODE-N-SIGNAL and killed by SIGNAL before step
N; with N = 0 it is not killed and writes its number of steps to
BASE/MODE-0-SIGNAL.steps. Prints each child's wait status as
``MODE:N:SIGNAL -9`` (a negative number: killed by that signal).
Used by test_kill.py, which then checks what the store makes of the remains.
"""

import os
import signal
import sys
from pathlib import Path

import pyarrow.parquet as pq

from fake_runs import fake_result
from rumormill.results import Store, catalog


def child(folder: Path, mode: str, at: int, sig: int) -> None:
    steps = 0

    def step(fn):
        def counted(*args, **kwargs):
            nonlocal steps
            steps += 1
            if steps == at:
                os.kill(os.getpid(), sig)
            return fn(*args, **kwargs)

        return counted

    catalog.write, catalog.insert = step(catalog.write), step(catalog.insert)
    pq.write_table, os.replace = step(pq.write_table), step(os.replace)
    store = Store(folder)
    if mode == "run":
        store.save(fake_result(days=10), scenario="killed")
    else:
        store.save(fake_result(days=10, damp=0.6), baseline=fake_result(days=10, seed=2), scenario="killed",
                   info={"compare": {"label": "without measures"}})
    folder.with_name(folder.name + ".steps").write_text(str(steps))


def main(base: Path, specs: list[str]) -> None:
    for spec in specs:
        mode, at, name = spec.split(":")
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                child(base / spec.replace(":", "-"), mode, int(at), getattr(signal, name))
            except BaseException as err:  # say what went wrong; the parent reports the exit code
                print(f"{spec}: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(spec, code, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
