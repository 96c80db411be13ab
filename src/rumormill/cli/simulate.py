"""``rumormill simulate``: one story on a generated or loaded network."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer

from rich.table import Table

from ..errors import RumormillError
from ..networks.network import MAX_AGENTS
from ..scenario.schema import MAX_DAYS, MAX_DEGREE, MAX_RATE
from .common import MAX_MEMORY_HELP, advise, atomic_write, console, parse_size


def register(app: typer.Typer) -> None:
    app.command()(simulate)


class ModelName(str, Enum):
    mt = "mt"
    dk = "dk"
    isr = "isr"
    sir = "sir"
    cascade = "cascade"


#: what the three states are called: an epidemic's names for SIR and the cascade, a rumour's for the rest
EPIDEMIC_STATES = ("susceptible", "infectious", "recovered")
RUMOUR_STATES = ("ignorant", "spreader", "stifler")
EPIDEMIC = {ModelName.sir, ModelName.cascade}


class EngineName(str, Enum):
    daily = "daily"
    exact = "exact"
    meanfield = "meanfield"


class NetworkName(str, Enum):
    poisson = "poisson"
    er = "er"
    complete = "complete"
    ba = "ba"
    ws = "ws"


def simulate(
    n: int = typer.Option(100_000, help="Number of agents."),
    network: NetworkName = typer.Option(NetworkName.poisson, help="Contact network: poisson (configuration model, "
                                        "Poisson degrees), er (Erdős–Rényi), complete (well mixed), ba "
                                        "(Barabási–Albert), ws (Watts–Strogatz)."),
    mean_degree: float = typer.Option(10.0, min=0.0, max=MAX_DEGREE, help="Mean degree (poisson, er, ba: 2m, ws: k)."),
    edges: Path = typer.Option(None, help="Read the network from an edge list (CSV or Parquet) instead."),
    model: ModelName = typer.Option(ModelName.mt, help="Telling rules: mt (Maki–Thompson), dk (Daley–Kendall), isr "
                                    "(ignorant–spreader–stifler with forgetting), sir (epidemic), cascade "
                                    "(independent cascade)."),
    rate: float = typer.Option(0.05, min=0.0, max=MAX_RATE, help="Meeting rate per edge per day (per agent on 'complete')."),
    recovery: float = typer.Option(0.1, min=0.0, max=MAX_RATE, help="SIR recovery rate / rumour forgetting rate, per day."),
    stifle: float = typer.Option(1.0, min=0.0, max=1.0, help="ISR: chance a spreader meeting a knower stops."),
    engine: EngineName = typer.Option(EngineName.daily, help="daily: steps of a day (--substeps); exact: "
                                      "continuous time; meanfield: the well-mixed equations."),
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
    from ..simulate import CoarseStepWarning

    advise(CoarseStepWarning, _options_advice)
    t1 = time.perf_counter()
    result = run(net, spec, engine=engine.value, days=days, substeps=substeps,
                 initial=int(initial) if initial >= 1 else initial, seed=seed, progress=True)
    ran = time.perf_counter() - t1
    console.print(f"{net!r} built in {built:.2f} s; {engine.value} engine ran {int(result.days[-1])} days "
                  f"in {ran:.2f} s")
    states = EPIDEMIC_STATES if model in EPIDEMIC else RUMOUR_STATES
    console.print(summary_table(result, states))
    if csv is not None:
        atomic_write(csv, lambda tmp: result.timeseries().to_csv(tmp, index=False))
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        ax = curves(result, states)
        atomic_write(plot, lambda tmp: ax.figure.savefig(tmp, dpi=120, bbox_inches="tight", format="png"))


def _options_advice(warning) -> str:
    """A ``CoarseStepWarning``'s advice in this command's options."""
    reason, substeps = getattr(warning, "reason", None), getattr(warning, "substeps", None)
    if reason is None:
        return str(warning)
    return f"{reason} Use " + (f"--substeps {substeps} or " if substeps else "") + "--engine exact."


def summary_table(result, states=RUMOUR_STATES) -> Table:
    """Per story: how many heard it, the peak of the second state and its day, the
    day half had heard it; as a person reads them (percent, thousands, "never")."""
    import pandas as pd

    table = Table()
    peak = "peak spreaders" if states[1] == "spreader" else f"peak {states[1]}"
    for col in ("story", "reached", peak, "on day", "half reached on day"):
        table.add_column(col, justify="left" if col == "story" else "right")
    for story, row in result.summary().iterrows():
        half = row["day_50pct"]
        table.add_row(str(story), f"{row['reach']:.1%}", f"{row['peak_spreaders']:,.0f}", f"{int(row['peak_day']):,}",
                      "never" if pd.isna(half) else f"{int(half):,}")
    return table


def curves(result, states=RUMOUR_STATES):
    """The fractions in each state over time (a matplotlib Axes), the states named for the model."""
    ax = result.plot()
    labels = [f"{story}: {state}" if len(result.stories) > 1 else state
              for story in result.stories for state in states]
    for line, label in zip(ax.get_lines(), labels, strict=True):
        line.set_label(label)
    ax.legend(frameon=False)
    return ax


