"""``rumormill run`` and ``rumormill compare``: a scenario, end to end.

Both are thin: load and build the scenario (``rumormill.scenario``), simulate,
and print the tables of ``rumormill.summary``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import typer
from pandas.api.types import is_numeric_dtype
from rich.markup import escape
from rich.table import Table

from ..dates import day_of
from ..errors import RumormillError
from ..scenario.schema import MAX_DAYS
from .common import (MAX_MEMORY_HELP, MINUS, ORDER_HELP, Order, advise, choice, compile_note, console, number,
                     parse_size, shown, signed, stored, stored_note)
from .ensembles import CLUSTER_HELP, RUNS_HELP, VARY_HELP, WORKERS_HELP

DEFAULT = "kpa-2025"


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(compare)


def _build(scenario: str, scale, seed, order):
    from ..scenario import load
    from ..scenario.build import build

    note = compile_note(load(scenario).scenario.engine)
    if note:
        console.print(note)
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
                        **({"map": built.scenario.map.model_dump()} if built.scenario.map else {}),
                        **({"names": dict(built.scenario.names)} if built.scenario.names else {})})
    console.print(f"{label}: {int(result.days[-1])} days in {time.perf_counter() - t0:.1f} s")
    return result


def _key_days(result) -> list[int]:
    start = result.info["start_date"]
    last = int(result.days[-1]) - 1
    days = [day_of(start, d) for d in result.info.get("key_dates", {}).values()]
    return sorted({d for d in days if 0 <= d <= last} | {last})


def _date_columns(result, days) -> dict[str, str]:
    """Each table date named by its key date: ``2025-01-23`` -> ``border report 2025-01-23``."""
    labels: dict[str, list[str]] = {}
    for label, date in result.info.get("key_dates", {}).items():
        labels.setdefault(str(date), []).append(str(label))
    last = result.date(days[-1]) if days else None
    out = {}
    for d in days:
        date = result.date(d)
        named = labels.get(date) or (["last day"] if date == last else [])
        out[date] = f"{' / '.join(named)} {date}" if named else date
    return out


def _table(frame, title: str, fmt="{:.1%}") -> Table:
    """``frame`` as a table; its floats written by ``fmt`` (a format string, or a function),
    whole numbers with thousands separators."""
    table = Table(title=escape(title), title_justify="left")
    frame = frame.reset_index()
    write = fmt if callable(fmt) else fmt.format
    for col in frame.columns:
        table.add_column(escape(str(col)), justify="right" if is_numeric_dtype(frame[col]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(v, write) for v in row])
    return table


def _cell(value, write) -> str:
    if isinstance(value, float):
        return write(value).replace("-", MINUS)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return number(value)
    return escape(str(value))


def points(share: float) -> str:
    """A difference of two shares in percentage points, signed with a true minus: ``−7.3 pp``."""
    return signed(100 * share, ".1f", "pp")


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


def _reach_tables(result, by: str, days, title: str = "Who had heard it") -> list[Table]:
    """Reach by group (or region) on the key days, one table per story, in the names people read."""
    from .. import summary

    names = result.info.get("names")
    frame = summary.reach_by(result, by, days).rename(columns=_date_columns(result, days))
    tables = []
    for story in result.stories:
        part = frame.loc[story]
        part.index = [shown(names, n) for n in part.index]
        tables.append(_table(part.rename_axis(by), f"{title}, by {by}: {shown(names, story)}"))
    return tables


def _print_summary(result, built) -> None:
    from .. import summary

    names = result.info.get("names")
    days = _key_days(result)
    for by in ("group", "region"):
        for table in _reach_tables(result, by, days):
            console.print(table)
    groups = [result.groups[g] for g in dict.fromkeys(result.cell_group.tolist())]
    half = Table(title="Day half of each group had heard it", title_justify="left")
    half.add_column("group")
    for story in result.stories:
        half.add_column(escape(shown(names, story)), justify="right")
    for g in groups:
        half.add_row(escape(shown(names, g)), *[summary.day_half_heard(result, s, [g]) or "never" for s in result.stories])
    console.print(half)
    console.print(_channels(result))
    _print_letters(result)
    detained = summary.detentions_by(result, "group")
    detained.index = [shown(names, g) for g in detained.index]
    console.print(_table(detained.rename_axis("group"), "Detained by the end", fmt="{:,.0f}"))
    _print_chain(result, built)


#: the step of the chain of command each kind of event is, in the order of a day's steps
CHAIN_STEPS = {"report": "report", "stage": "reached", "order": "order", "measure-start": "measure on",
               "measure-stop": "measure off"}


def _channels(result) -> Table:
    """Tellings by layer, per story; news from outside (the inflows) is its own row, and said not to be a layer."""
    from .. import summary

    names = result.info.get("names")
    frame = summary.channel_shares(result).reset_index()
    frame["story"] = [shown(names, s) for s in frame["story"]]
    frame["layer"] = [OUTSIDE if lay == "outside" else shown(names, lay) for lay in frame["layer"]]
    layers = len(result.layers) - ("outside" in result.layers)
    note = f" ({layers} layers" + (", and news from outside)" if "outside" in result.layers else ")")
    return _table(frame.set_index(["story", "layer"]), "Which layers carried it" + note)


#: the row of the channels table for tellings from outside the population
OUTSIDE = "from outside (an inflow; not a layer)"


def _print_chain(result, built) -> None:
    """Report -> offices -> order -> measures, as the run went; the report's threshold in the
    scenario's terms, and under ``order = "date"`` the order as the dates the measures start on."""
    ev = result.events_frame()
    chain = ev[ev.kind.isin(list(CHAIN_STEPS))]
    if not len(chain):
        return
    # a day's report comes before the offices it reaches, the order before the measures it starts
    rows = [(int(r.day), list(CHAIN_STEPS).index(r.kind), CHAIN_STEPS[r.kind], _chain_detail(r.kind, str(r.detail), built))
            for r in chain.itertuples()]
    rows += _dated_orders(chain, built)
    table = Table(title="Chain of command", title_justify="left")
    for name in ("date", "step", "detail"):
        table.add_column(name, justify="left")
    for day, _, step, detail in sorted(rows, key=lambda r: (r[0], r[1])):
        table.add_row(result.date(day), step, escape(detail))
    console.print(table)


def _chain_detail(kind: str, detail: str, built) -> str:
    """A report's detail with its threshold explained: ``reports reached 15 (threshold 5,000 at scale 1, × 0.003)``."""
    trigger, _, rest = detail.partition(": ")
    spec = next((t for t in built.scenario.triggers if t.name == trigger), None)
    if kind != "report" or spec is None or built.scale == 1:
        return detail
    return f"{detail} ({threshold_note(spec.threshold, built.scale)})"


def threshold_note(threshold: float, scale: float) -> str:
    """How a trigger's threshold was scaled: ``threshold 5,000 at scale 1, × 0.003``."""
    return f"threshold {threshold:,g} at scale 1, × {scale:g}"


def _dated_orders(chain, built) -> list[tuple]:
    """Under ``order = "date"`` a trigger orders nothing: its measures start on their own dates.
    One row per trigger whose offices were reached, on the first of those dates, to say so."""
    if built.order != "date":
        return []
    starts = chain[chain.kind == "measure-start"]
    rows = []
    for t in built.scenario.triggers:
        on = starts[starts.detail.isin(t.starts)]
        if t.starts and len(on) and (chain.kind.isin(["report", "stage"]) & chain.detail.str.startswith(f"{t.name}:")).any():
            rows.append((int(on.day.min()), list(CHAIN_STEPS).index("order"), "order",
                         f"{t.name}: by date ([scenario] order = \"date\"): its measures start on their own dates, "
                         "not after the report"))
    return rows


def _print_letters(result) -> None:
    """Letters written, delivered and caught per story (and delayed layer), when a layer carries letters."""
    frame = result.letters_frame()
    if frame.empty:
        return
    names = result.info.get("names")
    totals = frame.groupby(["story", "layer"], sort=False)[["written", "delivered", "intercepted"]].sum()
    totals = totals.rename(columns={"intercepted": "caught"})
    totals.index = totals.index.set_levels([[shown(names, v) for v in level] for level in totals.index.levels])
    if totals.index.get_level_values("layer").nunique() == 1:
        totals = totals.droplevel("layer")
    console.print(_table(totals.astype(float), "Letters over the whole run (caught: read by the censor in transit)",
                         fmt="{:,.0f}"))


OUT_HELP = "Results folder: holds runs.duckdb and one folder per run."
DAYS_HELP = f"Days to simulate, 1 to {MAX_DAYS:,} (default: the scenario's calendar)."
REPORT_HELP = "Write the report page and PNG figures (default: on)."


def _params(built, days) -> dict:
    return {"scale": built.scale, "seed": built.seed, "order": built.order, "days": days or built.days,
            "substeps": built.substeps}


def _store(out):
    from ..results import DEFAULT_FOLDER, Store

    return Store(out or DEFAULT_FOLDER)


def _print_headline(store, run_id) -> None:
    """The report page's opening sentences (``report.headline.summary``), read
    back from the stored run so the terminal and the page say the same."""
    from ..report import data, headline

    console.print("[bold]In short[/]")
    for line in headline.summary(data.load(store, run_id)):
        console.print(line, markup=False)
    console.print()


def _report(store, run_id, wanted, scenario=None) -> None:
    """Write the run's page; ``scenario`` lets it mark the days measures acted (a monitor's rounds)."""
    if not _wanted(wanted):
        return
    from .. import report

    note = stored_note()
    stored(f"{note}; its report was not written")
    with console.status("writing the report..."):
        files = report.write(store, run_id, scenario=scenario)
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
            ensembles.run_ensemble(plan, out, workers, cluster, _wanted(report))
            return
        built = _build(scenario, scale, seed, order)
        store = _store(out)
        with store.begin(scenario=built.name, scenario_hash=content_hash(built.scenario), params=_params(built, days),
                         seed=built.seed, engine=built.engine) as recording:
            stored(f"run {recording.run_id} is marked failed (interrupted) in {store.folder}; no results were stored")
            result = _simulate(built, days)
            run_id = recording.finish(result)
    stored(f"run {run_id} is stored in {store.folder}")
    _print_headline(store, run_id)
    _print_summary(result, built)
    console.print(f"stored as run {run_id} in {store.folder}")
    _report(store, run_id, report, built.scenario)


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
            ensembles.run_ensemble(plan, out, workers, cluster, _wanted(report))
            return
        _compare(scenario, without, scale, seed, days, order, out, report)


def _runs(scenario: str, runs: int | None) -> int:
    """``--runs``, or the scenario's ``[scenario] runs`` when it is not given."""
    if runs is not None:
        return runs
    from ..scenario import load

    return load(scenario).scenario.runs


def _wanted(report: bool | None) -> bool:
    """``--report/--no-report``; by default on, for a built-in scenario and a file alike."""
    return True if report is None else report


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
    _print_headline(store, run_id)
    keys = _key_days(with_all)
    names = with_all.info.get("names")
    columns = _date_columns(with_all, keys)
    a = summary.reach_by(with_all, "group", keys).rename(columns=columns)
    b = summary.reach_by(without_some, "group", keys).rename(columns=columns)
    for story in with_all.stories:
        for frame, title, fmt in ((a, "Reach with every measure", "{:.1%}"), (b, "Reach " + label, "{:.1%}"),
                                  (a - b, "Difference (with − without), in percentage points (pp)", points)):
            part = frame.loc[story]
            part.index = [shown(names, g) for g in part.index]
            console.print(_table(part.rename_axis("group"), f"{title}: {shown(names, story)}", fmt=fmt))
    det = summary.detentions_by(with_all).rename(columns={"detained": "with"})
    det["without"] = summary.detentions_by(without_some)["detained"]
    table = Table(title="Detained by the end", title_justify="left")
    for col, justify in (("group", "left"), ("with", "right"), ("without", "right"), ("with − without", "right")):
        table.add_column(col, justify=justify)
    for g, r in det.iterrows():
        table.add_row(escape(shown(names, g)), number(r["with"]), number(r["without"]), signed(r["with"] - r["without"], ",.0f"))
    console.print(table)
    console.print(f"stored as run {run_id} (with its baseline, {label}) in {store.folder}")
    _report(store, run_id, report, built.scenario)
