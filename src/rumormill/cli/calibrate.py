"""``rumormill calibrate`` and ``rumormill sensitivity``: fit a scenario's
``[parameters]`` to its ``[[observations]]`` (ABC-SMC, pyabc), and say which
of them drive the answers (Sobol or Morris, SALib); both stored in the
results folder (``rumormill.calibrate.stored``), each with its page
(``rumormill.calibrate.page``, ``sensitivity_page``), which ``rumormill
report ID`` writes again. Thin: the library does the work; this module
prints it.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..errors import RumormillError
from .common import ORDER_HELP, Order, choice, console, stored
from .ensembles import CLUSTER_HELP, WORKERS_HELP

DEFAULT = "kpa-2025"
OUT_HELP = "Results folder: holds runs.duckdb, and calibrations/ and analyses/ beside the runs."
PARAMS_HELP = ("The [parameters] to fit, NAME,NAME,... (default: the scenario's assumptions that can move "
               "what was observed; see docs/calibration.md). The others stay at their values.")
PREDICTIVE_HELP = ("Replicates of the posterior predictive ensemble run after the fit: parameters drawn from the "
                   "posterior, stored as an ensemble, drawn as bands on the page (0: none).")


def register(app: typer.Typer) -> None:
    app.command()(calibrate)
    app.command()(sensitivity)


def _executor(workers, cluster):
    from ..ensemble.executors import check_cluster, check_workers

    check_cluster(cluster)
    return check_workers(workers)


def calibrate(
    scenario: str = typer.Argument(DEFAULT, help="A built-in scenario name or a TOML file."),
    params: str = typer.Option(None, help=PARAMS_HELP),
    scale: float = typer.Option(None, help="Scale each evaluation runs at (default: the scenario's)."),
    budget: int = typer.Option(5000, help="Most runs of the scenario in all, the starting sample included."),
    population: int = typer.Option(100, help="Particles per generation."),
    generations: int = typer.Option(10, help="Most generations."),
    seed: int = typer.Option(None, help="Random seed (default: the scenario's)."),
    order: Order = typer.Option(None, help=ORDER_HELP),
    workers: int = typer.Option(None, help=WORKERS_HELP),
    cluster: str = typer.Option(None, help=CLUSTER_HELP),
    out: Path = typer.Option(None, "--out", "-o", help=OUT_HELP),
    predictive: int = typer.Option(16, help=PREDICTIVE_HELP),
    report: bool = typer.Option(True, "--report/--no-report", help="Write the calibration's page (report.html "
                                "and PNGs in its folder): marginal and pairwise posteriors, posterior predictive "
                                "bands."),
):
    """Fit a scenario's assumptions to what was observed (ABC-SMC), store the posterior, and print it; then run
    an ensemble drawn from the posterior (--predictive) and write the page.

    The same command again shows a finished calibration, or resumes an interrupted one (or its ensemble)."""
    from ..calibrate import priors_of, targets_of
    from ..calibrate.abc import check_settings
    from ..calibrate.stored import calibrate_stored
    from ..results import DEFAULT_FOLDER, Store
    from ..scenario import load

    workers = _executor(workers, cluster)
    sc = load(scenario)
    check_settings(budget, population, generations)
    priors = priors_of(sc, params)
    targets_of(sc)
    if scale is not None and not 0 < scale <= 1:
        raise RumormillError(f"--scale {scale:g}: give a fraction of the census population in (0, 1].")
    from ..ensemble.plan import MAX_RUNS

    if not 0 <= predictive <= MAX_RUNS:
        raise RumormillError(f"--predictive {predictive}: give a number of replicates from 0 (none) to {MAX_RUNS:,}.")
    store = Store(out or DEFAULT_FOLDER)
    console.print(f"[bold]{sc.name}[/]: fitting {', '.join(p.name for p in priors)} to {len(targets_of(sc))} "
                  f"observations; budget {budget:,} runs, {population} particles, at most {generations} generations")

    def started(recording):
        cid = recording.calibration_id
        if recording.status == "finished":
            console.print(f"calibration {cid} is already stored, finished, in {store.folder}:")
        elif recording.stored:
            console.print(f"resuming calibration {cid}: {recording.stored} generation(s) already stored")
        stored(recording.note())
        recording.noted = stored

    def generation(t, row):
        console.print(f"generation {t}: threshold {row['epsilon']:.4g}, acceptance {row['acceptance_rate']:.1%} "
                      f"({int(row['accepted'])} of {int(row['evaluations'])}), effective sample size {row['ess']:.0f}, "
                      f"{int(row['simulations']):,} simulations so far")

    fit, cid = calibrate_stored(sc, store, [p.name for p in priors], scale=scale, seed=seed, order=choice(order),
                                budget=budget, population=population, generations=generations, workers=workers,
                                cluster=cluster, on_start=started, on_generation=generation)
    stored(f"calibration {cid} is stored in {store.folder}")
    if fit is None:
        from ..results.calibrations import read, summary

        row = read(store, cid)
        print_summary(summary(store, cid), int(row["generations"]) - 1)
        console.print(f"{int(row['evaluations']):,} runs ({row['executor']}), {row['seconds']:.0f} s")
        stopped = row["error"] if isinstance(row["error"], str) else None
    else:
        print_summary(fit.summary(), int(fit.posterior()["generation"].max()))
        console.print(f"{fit.evaluations:,} runs at scale {fit.scale:g} in {fit.seconds:.0f} s ({fit.executor})")
        stopped = fit.info.get("stopped")
    if stopped:
        console.print(f"[yellow]note:[/] {stopped}")
    console.print(f"stored as calibration {cid} in {store.folder}: SELECT * FROM posterior WHERE calibration_id = "
                  f"'{cid}'; an ensemble from it: rumormill run {scenario} --posterior {cid} --runs 32")
    if predictive:
        _predictive(store, cid, sc, predictive, workers, cluster)
    if report:
        from ..calibrate import page

        with console.status("writing the calibration's page..."):
            files = page.write(store, cid)
        console.print(f"report: {files[0]} (and {len(files) - 1} PNG figures beside it)")


def _predictive(store, cid: str, sc, runs: int, workers, cluster) -> None:
    """Run (or resume) the posterior predictive ensemble, with a progress bar;
    on Ctrl-C the calibration stays stored as it is."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    from ..calibrate.predictive import run_predictive

    stored(f"calibration {cid} is stored in {store.folder} (finished, usable); of its posterior predictive ensemble, "
           f"the replicates finished so far are stored: the same command resumes it, and rumormill report {cid} "
           "writes the page with what is stored")
    console.print(f"posterior predictive: {runs} replicates drawn from the posterior of {cid}")
    bar = Progress(TextColumn("replicates"), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
                   TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=console, transient=True)
    with bar:
        task = bar.add_task("replicates", total=runs)
        ran = run_predictive(store, cid, runs, scenario=sc, workers=workers, cluster=cluster, say=console.print,
                             progress=lambda i: bar.advance(task))
    console.print(f"posterior predictive ensemble {ran.ensemble_id}: {ran.ran} run now ({ran.executor}), "
                  f"{ran.resumed} already stored; status {ran.status}")
    stored(f"calibration {cid} and its posterior predictive ensemble {ran.ensemble_id} are stored in {store.folder}")


def print_summary(summary, generation: int) -> None:
    """The summary table: per parameter, prior range, posterior median, 90% interval, how much it narrowed."""
    table = Table(title=f"Posterior after generation {generation} (median and 90% credible interval)",
                  title_justify="left")
    for col, just in (("parameter", "left"), ("prior", "left"), ("median", "right"), ("90% interval", "right"),
                      ("width / prior's", "right")):
        table.add_column(col, justify=just)
    for r in summary.itertuples():
        table.add_row(r.parameter, f"{r.prior} [{r.low:.4g}, {r.high:.4g}]", f"{r.median:.4g}",
                      f"[{r.q05:.4g}, {r.q95:.4g}]", f"{1 - r.narrowed:.2f}")
    console.print(table)
    console.print("width / prior's: the 90% interval's width over the prior's, in the fitting coordinate (ln x for "
                  "a log-uniform prior); near 1, the data said little about that parameter.")


def sensitivity(
    scenario: str = typer.Argument(DEFAULT, help="A built-in scenario name or a TOML file."),
    method: str = typer.Option("sobol", help="'sobol' (first-order and total indices) or 'morris' (mu*, sigma)."),
    params: str = typer.Option(None, help="The [parameters] to vary, NAME,NAME,... or 'all' (default: all)."),
    n: int = typer.Option(None, help="Base sample size: a power of 2 for Sobol (default: doubled from 64 until "
                          "the intervals are narrower than 0.1, at most 128), trajectories for Morris (default 16)."),
    replicates: int = typer.Option(1, help="Runs per sample point, averaged (the same seeds for every point)."),
    by_group: bool = typer.Option(False, "--by-group", help="Also each group's reach on the key dates "
                                  "(default: everyone's, the report days and the detentions)."),
    effects: str = typer.Option("together", help="Outputs that are the effect of measures on each story's reach "
                                "(with them minus without, on the same seed): 'together' (every measure but the "
                                "inflows, one extra run per evaluation), 'each' (one extra run per measure), "
                                "NAME,NAME,... or 'none'."),
    scale: float = typer.Option(None, help="Scale each evaluation runs at (default: the scenario's)."),
    seed: int = typer.Option(None, help="Random seed (default: the scenario's)."),
    order: Order = typer.Option(None, help=ORDER_HELP),
    workers: int = typer.Option(None, help=WORKERS_HELP),
    cluster: str = typer.Option(None, help=CLUSTER_HELP),
    out: Path = typer.Option(None, "--out", "-o", help=OUT_HELP),
    report: bool = typer.Option(True, "--report/--no-report", help="Write the analysis's page (report.html and "
                                "indices.png in its folder)."),
):
    """Which assumptions drive the answers: Sobol indices or Morris effects of each output, stored and printed."""
    from ..calibrate import priors_of
    from ..calibrate.sobol import METHODS, default_outputs
    from ..calibrate.stored import sensitivity_stored
    from ..results import DEFAULT_FOLDER, Store
    from ..scenario import load

    workers = _executor(workers, cluster)
    if method not in METHODS:
        raise RumormillError(f"--method {method}: choose one of {', '.join(METHODS)}.")
    if isinstance(replicates, int) and replicates < 1:
        raise RumormillError(f"--replicates {replicates}: give 1 or more.")
    sc = load(scenario)
    names = list(sc.parameters) if params in (None, "all") else params
    priors = priors_of(sc, names)
    outputs = default_outputs(sc, by_group, effects)
    store = Store(out or DEFAULT_FOLDER)
    console.print(f"[bold]{sc.name}[/]: {method} over {len(priors)} parameters, {len(outputs)} outputs")
    sens, aid = sensitivity_stored(sc, store, [p.name for p in priors], outputs, method=method,
                                   scale=scale, seed=seed, order=choice(order), n=n, replicates=replicates, workers=workers,
                                   cluster=cluster)
    stored(f"sensitivity analysis {aid} is stored in {store.folder}")
    print_indices(sens)
    extra = "" if method == "morris" or sens.converged else " (the intervals did not reach 0.1: raise --n)"
    console.print(f"{sens.evaluations:,} sample points, {sens.runs:,} runs in {sens.seconds:.0f} s ({sens.executor})"
                  f"{extra}; stored as analysis "
                  f"{aid} in {store.folder}: SELECT * FROM sensitivity WHERE analysis_id = '{aid}'")
    if report:
        from ..calibrate import sensitivity_page

        console.print(f"wrote {sensitivity_page.write(store, aid)[0]}")


def print_indices(sens) -> None:
    """One table per output: S1 and ST with 95% intervals (Sobol), or mu*, its interval and sigma (Morris)."""
    t = sens.table()
    for out in dict.fromkeys(t["output"]):
        rows = t[t["output"] == out]
        table = Table(title=out, title_justify="left")
        table.add_column("parameter")
        if sens.method == "morris":
            for col in ("mu*", "mu* 95%", "sigma"):
                table.add_column(col, justify="right")
            for r in rows.sort_values("mu_star", ascending=False).itertuples():
                table.add_row(r.parameter, f"{r.mu_star:.4g}", f"± {r.mu_star_conf:.2g}", f"{r.sigma:.4g}")
        else:
            for col in ("S1 [95%]", "ST [95%]"):
                table.add_column(col, justify="right")
            for r in rows.sort_values("ST", ascending=False).itertuples():
                table.add_row(r.parameter, f"{r.S1:.3f} [{r.S1_low:.3f}, {r.S1_high:.3f}]",
                              f"{r.ST:.3f} [{r.ST_low:.3f}, {r.ST_high:.3f}]")
        console.print(table)
