"""``rumormill run`` and ``rumormill compare``: a scenario, end to end.

Both are thin: load and build the scenario (``rumormill.scenario``), simulate,
and print the tables of ``rumormill.summary``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import typer
from rich.table import Table

from ..errors import RumormillError
from ..scenario.schema import MAX_DAYS
from .common import MAX_MEMORY_HELP, ORDER_HELP, Order, advise, choice, console, parse_size, stored, stored_note
from .ensembles import CLUSTER_HELP, RUNS_HELP, VARY_HELP, WORKERS_HELP

DEFAULT = "kpa-2025"


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(compare)


def _build(scenario: str, scale, seed, order):
    from ..scenario.build import build

    with console.status(f"building {scenario}..."):
        built = build(scenario, scale=scale, seed=seed, order=order)
    console.print(f"[bold]{built.name}[/]: {built.population.n:,} agents (scale {built.scale:g}), "
                  f"{len(built.multiplex.names)} layers, {len(built.measures)} measures; built in {built.seconds:.1f} s")
    return built


def _simulate(built, days, measures=None, triggers=None, label="simulating"):
    t0 = time.perf_counter()
    kwargs = built.simulate_kwargs()
    if days is not None:
        kwargs["days"] = days
    if measures is not None:
        kwargs["measures"], kwargs["triggers"] = measures, triggers
    from ..simulate import simulate

    result = simulate(built.multiplex, built.stories, progress=True, **kwargs)
    result.info.update({"scenario": built.name, "scale": built.scale, "order": built.order,
                        "key_dates": dict(built.key_dates),
                        **({"map": built.scenario.map.model_dump()} if built.scenario.map else {})})
    console.print(f"{label}: {int(result.days[-1])} days in {time.perf_counter() - t0:.1f} s")
    return result


def _key_days(result) -> list[int]:
    start = dt.date.fromisoformat(result.info["start_date"])
    last = int(result.days[-1]) - 1
    days = [(dt.date.fromisoformat(d) - start).days for d in result.info.get("key_dates", {}).values()]
    return sorted({d for d in days if 0 <= d <= last} | {last})


def _table(frame, title: str, fmt="{:.1%}") -> Table:
    """``frame`` as a table; its floats written by ``fmt`` (a format string, or a function)."""
    table = Table(title=title, title_justify="left")
    frame = frame.reset_index()
    write = fmt if callable(fmt) else fmt.format
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*[write(v) if isinstance(v, float) else str(v) for v in row])
    return table


def points(share: float) -> str:
    """A difference of two shares in percentage points, signed with a true minus: ``−7.3 pp``."""
    value = round(100 * share, 1)
    if value == 0:
        return "0.0 pp"
    return f"{value:+.1f} pp".replace("-", "−")


def _scenario_advice(warning) -> str:
    """A ``CoarseStepWarning``'s advice in the scenario file's keys (run and compare have no --substeps)."""
    reason, substeps = getattr(warning, "reason", None), getattr(warning, "substeps", None)
    if reason is None:
        return str(warning)
    fix = f'substeps = {substeps} or engine = "exact"' if substeps else 'engine = "exact"'
    return f"{reason} Set {fix} in the scenario file's [scenario] table."


def _advise() -> None:
    from ..simulate import CoarseStepWarning

    advise(CoarseStepWarning, _scenario_advice)


def _print_summary(result) -> None:
    from .. import summary

    days = _key_days(result)
    console.print(_table(summary.reach_by(result, "group", days), "Who had heard it, by group"))
    console.print(_table(summary.reach_by(result, "region", days), "Who had heard it, by region"))
    groups = list(dict.fromkeys(c.split("/", 1)[0] for c in result.cells))
    half = Table(title="Day half of each group had heard it", title_justify="left")
    half.add_column("group")
    for story in result.stories:
        half.add_column(story, justify="right")
    for g in groups:
        half.add_row(g, *[summary.day_half_heard(result, s, [g]) or "never" for s in result.stories])
    console.print(half)
    console.print(_table(summary.channel_shares(result), "Which layers carried it"))
    _print_letters(result)
    console.print(_table(summary.detentions_by(result, "group"), "Detained by the end", fmt="{:,.0f}"))
    ev = result.events_frame()
    kinds = ["report", "stage", "order", "measure-start", "measure-stop"]
    chain = ev[ev.kind.isin(kinds)]
    if len(chain):
        # a day's report comes before the offices it reaches, the order before the measures it starts
        chain = chain.assign(rank=chain.kind.map(kinds.index)).sort_values(["day", "rank"], kind="stable")
        chain = chain.assign(date=[result.date(d) for d in chain.day])[["date", "kind", "detail"]]
        console.print(_table(chain.set_index("date"), "Chain of command"))


def _print_letters(result) -> None:
    """Letters written, delivered and caught per story (and delayed layer), when a layer carries letters."""
    frame = result.letters_frame()
    if frame.empty:
        return
    totals = frame.groupby(["story", "layer"], sort=False)[["written", "delivered", "intercepted"]].sum()
    totals = totals.rename(columns={"intercepted": "caught"})
    if totals.index.get_level_values("layer").nunique() == 1:
        totals = totals.droplevel("layer")
    console.print(_table(totals.astype(float), "Letters over the whole run (caught: read by the censor in transit)",
                         fmt="{:,.0f}"))


OUT_HELP = "Results folder: holds runs.duckdb and one folder per run."
DAYS_HELP = f"Days to simulate, 1 to {MAX_DAYS:,} (default: the scenario's calendar)."
REPORT_HELP = "Write the report page and PNG figures (default: on for built-in scenarios)."


def _params(built, days) -> dict:
    return {"scale": built.scale, "seed": built.seed, "order": built.order, "days": days or built.days,
            "substeps": built.substeps}


def _store(out):
    from ..results import DEFAULT_FOLDER, Store

    return Store(out or DEFAULT_FOLDER)


def _report(store, run_id, wanted, scenario) -> None:
    if not _wanted(wanted, scenario):
        return
    from .. import report

    note = stored_note()
    stored(f"{note}; its report was not written")
    with console.status("writing the report..."):
        files = report.write(store, run_id)
    stored(f"{note}, with its report")
    console.print(f"report: {files[0]}" + (f" (and {len(files) - 1} PNG figures beside it)" if len(files) > 1 else ""))


def run(
    scenario: str = typer.Argument(DEFAULT, help="A built-in scenario name or a TOML file."),
    scale: float = typer.Option(None, help="Fraction of the census population (default: the scenario's)."),
    seed: int = typer.Option(None, help="Random seed (default: the scenario's)."),
    days: int = typer.Option(None, min=1, max=MAX_DAYS, help=DAYS_HELP),
    order: Order = typer.Option(None, help=ORDER_HELP),
    out: Path = typer.Option(None, "--out", "-o", help=OUT_HELP),
    report: bool = typer.Option(None, "--report/--no-report", help=REPORT_HELP),
    max_memory: str = typer.Option(None, help=MAX_MEMORY_HELP),
    runs: int = typer.Option(None, help=RUNS_HELP),
    workers: int = typer.Option(None, help=WORKERS_HELP),
    cluster: str = typer.Option(None, help=CLUSTER_HELP),
    vary: str = typer.Option(None, help=VARY_HELP),
    posterior: str = typer.Option(None, help="An ensemble whose fitted [parameters] are drawn from a stored "
                                  "calibration's posterior (its id, from rumormill calibrate)."),
):
    """Run a scenario, store it, and print how far the news travelled, through which channels, and who was detained.

    By default (the scenario's runs; 20 for kpa-2025) or with --runs N: an ensemble of replicates, printed as medians with 5-95% intervals, with a report page of bands. --runs 1: a single run."""
    from ..networks.network import memory_limit
    from ..results import content_hash

    order = choice(order)
    _advise()
    with memory_limit(parse_size(max_memory)):
        runs = _runs(scenario, runs)
        if _is_ensemble(runs, vary, cluster) or posterior:
            from . import ensembles

            plan = ensembles.plan(scenario, runs, scale, seed, days, order, vary)
            if posterior:
                from ..ensemble.plan import with_posterior

                plan = with_posterior(plan, _store(out), posterior)
            ensembles.run_ensemble(plan, out, workers, cluster, _wanted(report, scenario))
            return
        built = _build(scenario, scale, seed, order)
        store = _store(out)
        with store.begin(scenario=built.name, scenario_hash=content_hash(built.scenario), params=_params(built, days),
                         seed=built.seed, engine=built.engine) as recording:
            stored(f"run {recording.run_id} is marked failed (interrupted) in {store.folder}; no results were stored")
            result = _simulate(built, days)
            run_id = recording.finish(result)
    stored(f"run {run_id} is stored in {store.folder}")
    _print_summary(result)
    console.print(f"stored as run {run_id} in {store.folder}")
    _report(store, run_id, report, scenario)


def compare(
    scenario: str = typer.Argument(DEFAULT, help="A built-in scenario name or a TOML file."),
    without: list[str] = typer.Option(..., "--without", help="Measure(s) to leave out; repeatable."),
    scale: float = typer.Option(None, help="Fraction of the census population."),
    seed: int = typer.Option(None, help="Random seed."),
    days: int = typer.Option(None, min=1, max=MAX_DAYS, help=DAYS_HELP),
    order: Order = typer.Option(None, help=ORDER_HELP),
    out: Path = typer.Option(None, "--out", "-o", help=OUT_HELP),
    report: bool = typer.Option(None, "--report/--no-report", help=REPORT_HELP),
    max_memory: str = typer.Option(None, help=MAX_MEMORY_HELP),
    runs: int = typer.Option(None, help=RUNS_HELP),
    workers: int = typer.Option(None, help=WORKERS_HELP),
    cluster: str = typer.Option(None, help=CLUSTER_HELP),
    vary: str = typer.Option(None, help=VARY_HELP),
):
    """Run a scenario with and without some measures, on the same random numbers, and print the difference.

    By default (the scenario's runs) or with --runs N: that many pairs, each on its own seed; the differences with their 5-95% intervals. --runs 1: a single pair."""
    from ..networks.network import memory_limit

    order = choice(order)
    _advise()
    with memory_limit(parse_size(max_memory)):
        runs = _runs(scenario, runs)
        if _is_ensemble(runs, vary, cluster):
            from . import ensembles

            plan = ensembles.plan(scenario, runs, scale, seed, days, order, vary, without)
            ensembles.run_ensemble(plan, out, workers, cluster, _wanted(report, scenario))
            return
        _compare(scenario, without, scale, seed, days, order, out, report)


def _runs(scenario: str, runs: int | None) -> int:
    """``--runs``, or the scenario's ``[scenario] runs`` when it is not given."""
    if runs is not None:
        return runs
    from ..scenario import load

    return load(scenario).scenario.runs


def _wanted(report: bool | None, scenario: str) -> bool:
    """``--report/--no-report``; by default on for built-in scenarios."""
    from ..scenario import builtin_names

    return scenario in builtin_names() if report is None else report


def _is_ensemble(runs, vary, cluster) -> bool:
    """More than one replicate, or anything only an ensemble does."""
    if runs < 1:
        raise RumormillError(f"--runs {runs}: give a whole number of replicates >= 1.")
    return runs > 1 or vary is not None or cluster is not None


def _compare(scenario, without, scale, seed, days, order, out, report) -> None:
    from .. import summary
    from ..results import content_hash

    built = _build(scenario, scale, seed, order)
    names = [m.name for m in built.measures]
    missing = [w for w in without if w not in names]
    if missing:
        raise RumormillError(f"--without {missing[0]}: no such measure in {built.name}; its measures are: {', '.join(names)}.")
    other = built.without(without)
    store = _store(out)
    label = "without " + ", ".join(without)
    # registered before both runs, so its catalog row times the whole compare
    with store.begin(scenario=built.name, scenario_hash=content_hash(built.scenario),
                     params={**_params(built, days), "without": list(without)}, seed=built.seed,
                     engine=built.engine, info={"compare": {"label": label}}) as recording:
        stored(f"run {recording.run_id} is marked failed (interrupted) in {store.folder}; no results were stored")
        with_all = _simulate(built, days, label="with every measure")
        without_some = _simulate(built, days, other.measures, other.triggers, label=label)
        run_id = recording.finish(with_all, baseline=without_some)
    stored(f"run {run_id} and its baseline are stored in {store.folder}")
    keys = _key_days(with_all)
    a = summary.reach_by(with_all, "group", keys)
    b = summary.reach_by(without_some, "group", keys)
    console.print(_table(a, "Reach with every measure"))
    console.print(_table(b, "Reach " + label))
    console.print(_table(a - b, "Difference (with − without), in percentage points (pp)", fmt=points))
    det = summary.detentions_by(with_all).rename(columns={"detained": "with"})
    det["without"] = summary.detentions_by(without_some)["detained"]
    console.print(_table(det, "Detained by the end", fmt="{:,.0f}"))
    console.print(f"stored as run {run_id} (with its baseline, {label}) in {store.folder}")
    _report(store, run_id, report, scenario)
