"""``rumormill simulate``: one story on a generated or loaded network."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer

from ..errors import RumormillError
from ..networks.network import MAX_AGENTS
from ..scenario.schema import MAX_DAYS, MAX_DEGREE, MAX_RATE
from .common import MAX_MEMORY_HELP, atomic_write, console, parse_size


def register(app: typer.Typer) -> None:
    app.command()(simulate)


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


def simulate(
    n: int = typer.Option(100_000, help="Number of agents."),
    network: NetworkName = typer.Option(NetworkName.poisson, help="Contact network."),
    mean_degree: float = typer.Option(10.0, min=0.0, max=MAX_DEGREE, help="Mean degree (poisson, er, ba: 2m, ws: k)."),
    edges: Path = typer.Option(None, help="Read the network from an edge list (CSV or Parquet) instead."),
    model: ModelName = typer.Option(ModelName.mt, help="Telling rules."),
    rate: float = typer.Option(0.05, min=0.0, max=MAX_RATE, help="Meeting rate per edge per day (per agent on 'complete')."),
    recovery: float = typer.Option(0.1, min=0.0, max=MAX_RATE, help="SIR recovery rate / rumour forgetting rate, per day."),
    stifle: float = typer.Option(1.0, min=0.0, max=1.0, help="ISR: chance a spreader meeting a knower stops."),
    engine: str = typer.Option("daily", help="daily, exact or meanfield."),
    days: int = typer.Option(None, min=1, max=MAX_DAYS, help=f"Days to run, up to {MAX_DAYS:,} (default: until the story dies out)."),
    substeps: int = typer.Option(1, min=1, max=1_000, help="Steps a day (daily engine)."),
    initial: float = typer.Option(1, min=0.0, max=float(MAX_AGENTS), help="Initial spreaders: a count, or a fraction below 1."),
    seed: int = typer.Option(0, min=0, max=2**63 - 1, help="Random seed."),
    plot: Path = typer.Option(None, help="Save a PNG of the curves here."),
    csv: Path = typer.Option(None, help="Save the tidy time series here (CSV)."),
    max_memory: str = typer.Option(None, help=MAX_MEMORY_HELP),
):
    """Run one story on a generated (or loaded) network and print its summary."""
    from ..networks.network import memory_limit

    with memory_limit(parse_size(max_memory)):
        _simulate(n, network, mean_degree, edges, model, rate, recovery, stifle, engine, days, substeps, initial,
                  seed, plot, csv)


def _simulate(n, network, mean_degree, edges, model, rate, recovery, stifle, engine, days, substeps, initial,
              seed, plot, csv) -> None:
    from .. import models as m
    from .. import networks as nw
    from ..simulate import simulate as run

    for option, path in (("--plot", plot), ("--csv", csv)):
        if path is None:
            continue
        if not path.name or path.is_dir():
            raise RumormillError(f"{option} {str(path)!r}: give a file name, not a folder.")
        if not path.parent.is_dir():
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
        atomic_write(csv, lambda tmp: result.timeseries().to_csv(tmp, index=False))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        ax = result.plot()
        atomic_write(plot, lambda tmp: ax.figure.savefig(tmp, dpi=120, bbox_inches="tight", format="png"))


