"""``rumormill validate``: the known results, as a table."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import RumormillError
from .common import console, number


def register(app: typer.Typer) -> None:
    app.command()(validate)


def validate(
    quick: bool = typer.Option(False, "--quick", help="Reduced sizes and run counts (about a minute)."),
    case: list[str] = typer.Option(None, "--case", help="Run only these cases (V1 ... V17, V7x ... V15); repeatable."),
    seed: int = typer.Option(2025, help="Base seed of every ensemble."),
):
    """Reproduce the known results of rumour theory; print expected, measured, tolerance, pass.

    ``runs`` is the number of runs that qualified (took off), out of those
    requested; a check with too few fails. Tolerances: docs/validation.md.
    """
    from .. import validation

    known = validation.all_cases()
    unknown = [c for c in case or [] if c not in known]
    if unknown:
        raise RumormillError(f"--case {unknown[0]}: unknown case; choose from {', '.join(known)}.")
    table = Table(title="rumormill validate" + (" --quick" if quick else ""), caption=validation.V5_RULE)
    # the description and the rule wrap; the numbers never shrink
    for col in ("case", "what", "expected", "measured", "tolerance", "runs", "rule", "result", "time"):
        if col in ("what", "rule"):
            table.add_column(col, justify="left", overflow="fold")
        else:
            table.add_column(col, justify="left" if col == "case" else "right", no_wrap=True, min_width=len(col))
    start = time.perf_counter()
    done: list[tuple[str, list, float]] = []
    names = list(case) if case else list(known)
    with console.status("running validation cases...") as status:
        last = [start]

        def begin(name, what):
            at = names.index(name) + 1 if name in names else len(done) + 1
            status.update(f"running {name} ({at} of {len(names)}): {escape(what)}")

        def report(name, case_checks):
            now = time.perf_counter()
            done.append((name, case_checks, now - last[0]))
            last[0] = now
        checks = validation.run(case, quick=quick, seed=seed, on_case=report, on_start=begin)
    for name, case_checks, spent in done:
        for k, c in enumerate(case_checks):
            label = c.case + "x" if "x" in name and not c.case.endswith("x") else c.case
            runs = f"{c.runs:,}/{c.requested:,}" if c.requested and c.requested != c.runs else f"{c.runs:,}"
            table.add_row(label, escape(c.what), number(c.expected, ".5f"), number(c.measured, ".5f"),
                          f"±{c.tolerance:.5f}", runs, escape(c.rule or validation.WITHIN),
                          "[green]pass[/]" if c.passed else "[red]FAIL[/]", f"{spent:.1f} s" if k == 0 else "")
    Console(width=max(110, console.width)).print(table)
    failed = [c for c in checks if not c.passed]
    console.print(f"{len(checks) - len(failed)}/{len(checks)} passed in {time.perf_counter() - start:.1f} s")
    if failed:
        raise typer.Exit(1)


