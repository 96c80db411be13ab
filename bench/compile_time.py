"""How long numba compiles during one command-line call, in this process.

    python bench/compile_time.py run --runs 1 --scale 0.003 --no-report -o DIR

Runs ``rumormill ARGS...`` in-process with a listener on numba's compile
events and prints one JSON line: the wall time of the call, the seconds spent
in top-level compilations (nested ones are inside them), and the five
longest functions. Run it with ``NUMBA_CACHE_DIR`` set to a fresh directory
for the first call after installing, then again with the same directory for
a call that loads everything from the cache (``bench/peers.py`` does both).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time

from numba.core import event


class _Compiles(event.Listener):
    """Start and end of every numba compilation, nested ones included."""

    def __init__(self):
        self.open: list[tuple[str, float]] = []
        self.done: list[tuple[float, int, str]] = []

    def on_start(self, ev):
        fn = ev.data["dispatcher"].py_func
        self.open.append((f"{fn.__module__}.{fn.__qualname__}", time.perf_counter()))

    def on_end(self, ev):
        name, t0 = self.open.pop()
        self.done.append((time.perf_counter() - t0, len(self.open), name))


def main(argv: list[str]) -> int:
    compiles = _Compiles()
    event.register("numba:compile", compiles)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        from rumormill.cli import app

        try:
            app(argv)
        except SystemExit as stop:
            if stop.code:
                raise
    wall = time.perf_counter() - t0
    top = [r for r in compiles.done if r[1] == 0]
    print(json.dumps({"wall_s": wall, "compile_s": sum(r[0] for r in top),
                      "longest": [[name, round(dt, 2)] for dt, _, name in sorted(top, reverse=True)[:5]]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
