"""The ``rumormill`` command line: a thin layer over the library.

User mistakes (a ``RumormillError``) print one clear line and exit with
code 2, never a traceback.
"""

from __future__ import annotations

import sys
import time
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .errors import RumormillError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0])
console = Console()


@app.command()
def validate(
    quick: bool = typer.Option(False, "--quick", help="Reduced sizes and run counts (under a minute)."),
    case: list[str] = typer.Option(None, "--case", help="Run only these cases (V1 ... V10); repeatable."),
    seed: int = typer.Option(2025, help="Base seed of every ensemble."),
):
    """Reproduce the known results of rumour theory; print expected, measured, tolerance, pass."""
    from . import validation

    unknown = [c for c in case or [] if c not in validation.CASES]
    if unknown:
        raise RumormillError(f"--case {unknown[0]}: unknown case; choose from {', '.join(validation.CASES)}.")
    table = Table(title="rumormill validate" + (" --quick" if quick else ""), caption=validation.V5_RULE)
    for col in ("case", "what", "expected", "measured", "tolerance", "runs", "result"):
        table.add_column(col, justify="left" if col in ("case", "what") else "right", no_wrap=True)
    start = time.perf_counter()
    with console.status("running validation cases...") as status:
        def report(name, checks):
            status.update(f"done {name}")
        checks = validation.run(case, quick=quick, seed=seed, on_case=report)
    for c in checks:
        table.add_row(c.case, c.what, f"{c.expected:.5f}", f"{c.measured:.5f}", f"±{c.tolerance:.5f}",
                      str(c.runs), "[green]pass[/]" if c.passed else "[red]FAIL[/]")
    Console(width=max(110, console.width)).print(table)
    failed = [c for c in checks if not c.passed]
    console.print(f"{len(checks) - len(failed)}/{len(checks)} passed in {time.perf_counter() - start:.1f} s")
    if failed:
        raise typer.Exit(1)


class ModelName(str, Enum):
    mt = "mt"
    dk = "dk"
    isr = "isr"
    sir = "sir"
    cascade = "cascade"


class NetworkName(str, Enum):
    poisson = "poisson"
    er = "er"
    complete = "complete"
    ba = "ba"
    ws = "ws"


@app.command()
def simulate(
    n: int = typer.Option(100_000, help="Number of agents."),
    network: NetworkName = typer.Option(NetworkName.poisson, help="Contact network."),
    mean_degree: float = typer.Option(10.0, help="Mean degree (poisson, er, ba: 2m, ws: k)."),
    edges: Path = typer.Option(None, help="Read the network from an edge list (CSV or Parquet) instead."),
    model: ModelName = typer.Option(ModelName.mt, help="Telling rules."),
    rate: float = typer.Option(0.05, help="Meeting rate per edge per day (per agent on 'complete')."),
    recovery: float = typer.Option(0.1, help="SIR recovery rate / rumour forgetting rate, per day."),
    stifle: float = typer.Option(1.0, help="ISR: chance a spreader meeting a knower stops."),
    engine: str = typer.Option("daily", help="daily, exact or meanfield."),
    days: int = typer.Option(None, help="Days to run (default: until the story dies out)."),
    substeps: int = typer.Option(1, help="Steps a day (daily engine)."),
    initial: float = typer.Option(1, help="Initial spreaders: a count, or a fraction below 1."),
    seed: int = typer.Option(0, help="Random seed."),
    plot: Path = typer.Option(None, help="Save a PNG of the curves here."),
    csv: Path = typer.Option(None, help="Save the tidy time series here (CSV)."),
):
    """Run one story on a generated (or loaded) network and print its summary."""
    from . import models as m
    from . import networks as nw
    from .simulate import simulate as run

    for path in (plot, csv):
        if path is not None and not path.parent.exists():
            raise RumormillError(f"{path}: folder {path.parent} does not exist; create it or choose another path.")
    t0 = time.perf_counter()
    if edges is not None:
        net = nw.from_edgelist(edges)
    elif network is NetworkName.complete:
        net = nw.complete(n)
    elif network is NetworkName.er:
        net = nw.erdos_renyi(n, mean_degree, seed)
    elif network is NetworkName.ba:
        net = nw.barabasi_albert(n, max(1, round(mean_degree / 2)), seed)
    elif network is NetworkName.ws:
        net = nw.watts_strogatz(n, int(mean_degree), 0.1, seed)
    else:
        net = nw.configuration(nw.poisson_degrees(n, mean_degree, seed), seed)
    built = time.perf_counter() - t0
    spec = {
        ModelName.mt: lambda: m.MakiThompson(rate, forget=0.0),
        ModelName.dk: lambda: m.DaleyKendall(rate),
        ModelName.isr: lambda: m.ISR(rate, stifle, recovery),
        ModelName.sir: lambda: m.SIR(rate, recovery),
        ModelName.cascade: lambda: m.IndependentCascade(rate),
    }[model]()
    t1 = time.perf_counter()
    result = run(net, spec, engine=engine, days=days, substeps=substeps,
                 initial=int(initial) if initial >= 1 else initial, seed=seed, progress=True)
    ran = time.perf_counter() - t1
    console.print(f"{net!r} built in {built:.2f} s; {engine} engine ran {int(result.days[-1])} days in {ran:.2f} s")
    console.print(result.summary().to_string())
    if csv is not None:
        _atomic(csv, lambda tmp: result.timeseries().to_csv(tmp, index=False))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        ax = result.plot()
        _atomic(plot, lambda tmp: ax.figure.savefig(tmp, dpi=120, bbox_inches="tight", format="png"))


def _atomic(path: Path, write) -> None:
    """Write through a temporary name, then rename: no half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 failed check, 2 user error)."""
    try:
        code = app(args=argv, standalone_mode=False)
    except RumormillError as err:
        Console(stderr=True).print(f"[red]error:[/] {err}")
        return 2
    except typer.Exit as ex:
        return ex.exit_code
    except typer.Abort:
        return 130
    except Exception as err:  # click usage errors
        import click

        if isinstance(err, click.ClickException):
            err.show()
            return 2
        raise
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
