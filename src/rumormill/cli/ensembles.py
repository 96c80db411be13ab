"""``rumormill run --runs N`` and ``rumormill compare --runs N``: ensembles
from the command line, stored as they run (``rumormill.ensemble.stored``)
and printed as medians with their 5–95% intervals.

Thin: the plan, the executors and the store do the work; this module picks
what to print.
"""

from __future__ import annotations

import datetime as dt
import math

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from ..dates import date_of
from ..pace import Pace, TimeLeftColumn
from ..errors import ScenarioError
from .common import compile_note, console, number, signed, stored

VARY_HELP = ("Also draw these [parameters] for each replicate from their ranges (Latin hypercube): "
             "'all' or NAME,NAME,...")
RUNS_HELP = ("Replicates, each on its own seed spawned from the scenario's (default: the scenario's [scenario] runs; "
             "1: a single run with its report).")
WORKERS_HELP = "Worker processes on this machine (default: its cores)."
CLUSTER_HELP = "Run the replicates on Dask: a scheduler address (tcp://HOST:8786) or 'local' for a LocalCluster."


def plan(scenario, runs, scale, seed, days, order, vary, without=()):
    """The ensemble's plan, with ``--days`` written into the scenario's calendar;
    a scale that cannot be built is refused here, before anything is stored."""
    from ..ensemble import plan_for
    from ..scenario import estimate, load

    sc = load(scenario)
    if days is not None:
        sc = sc.model_copy(update={"scenario": sc.scenario.model_copy(update={"days": days})})
    value = sc.scenario.scale if scale is None else scale
    if not (math.isfinite(value) and value > 0):
        raise ScenarioError(f"scale = {value!r}: give a number > 0.")
    if estimate(sc, value).agents < 1:  # estimate also refuses a scale with too many agents
        raise ScenarioError(f"{sc.name}: scale = {value:g} leaves no agents; raise scale.")
    return plan_for(sc, runs=runs, scale=scale, seed=seed, order=order, vary=vary, without=without)


def run_ensemble(plan, out, workers, cluster, report: bool = False) -> str:
    """Run (or resume) the plan into the results folder; print its bands;
    with ``report``, write its report page and PNGs. Returns the ensemble id."""
    from ..ensemble.executors import check_cluster, check_workers
    from ..ensemble.stored import run_stored
    from ..results import DEFAULT_FOLDER, Store, content_hash

    workers = check_workers(workers)
    check_cluster(cluster)
    if cluster is None or cluster == "local":  # each worker process here holds its own build
        from ..scenario.build import require

        require(plan.scenario, plan.scale, copies=workers if cluster else min(workers, plan.runs))
    store = Store(out or DEFAULT_FOLDER)
    kind = f"pairs (with and without {', '.join(plan.without)})" if plan.without else "replicates"
    console.print(f"[bold]{plan.scenario.name}[/]: ensemble {plan.id} of {plan.runs} {kind} at scale {plan.scale:g}"
                  + (f", varying {', '.join(plan.vary)}" if plan.vary else ""))
    stored(f"ensemble {plan.id}: the replicates finished so far are stored in {store.folder}; "
           "the same command resumes it")
    note = compile_note(plan.scenario.scenario.engine) if cluster is None else None
    if note:
        console.print(note)
    # the warm-up is the first round, one replicate per worker: each worker's first
    # replicate also builds the population (and, on a first run, compiles the code)
    pace = Pace(plan.runs, warmup=min(workers, plan.runs))
    bar = Progress(TextColumn("replicates"), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
                   TimeElapsedColumn(), TextColumn("left"), TimeLeftColumn(pace), console=console, transient=True)

    def advance(index) -> None:
        pace.done()
        bar.advance(task)

    with bar:
        task = bar.add_task("replicates", total=plan.runs)
        done = run_stored(plan, store, workers=workers, cluster=cluster, scenario_hash=content_hash(plan.scenario),
                          say=console.print, progress=advance)
    console.print(f"{done.ran} run now ({done.executor}), {done.resumed} already stored; status {done.status}")
    stored(f"ensemble {done.ensemble_id} is stored in {store.folder}")
    _print(store, plan, done.ensemble_id)
    console.print(f"stored as ensemble {done.ensemble_id} in {store.folder}; query its quantiles with "
                  f"SELECT * FROM bands WHERE ensemble_id = '{done.ensemble_id}'")
    if report:
        _report(store, plan, done.ensemble_id)
    return done.ensemble_id


def _report(store, plan, ensemble_id: str) -> None:
    from ..report import write_ensemble

    stored(f"ensemble {ensemble_id} is stored in {store.folder}; its report was not written")
    with console.status("writing the report..."):
        files = write_ensemble(store, ensemble_id, scenario=plan.scenario)
    stored(f"ensemble {ensemble_id} is stored in {store.folder}, with its report")
    console.print(f"report: {files[0]}" + (f" (and {len(files) - 1} PNG figures beside it)" if len(files) > 1 else ""))


def _key_dates(plan) -> list[tuple[str, dt.date]]:
    info = plan.scenario.scenario
    end = date_of(info.start, info.days - 1)
    keys = [(name, day) for name, day in info.key_dates.items() if info.start <= day <= end]
    return sorted(keys + [("last day", end)], key=lambda kv: kv[1])


def _dated(frame):
    """The ``date`` column as ``datetime.date`` (SQL gives timestamps)."""
    import pandas as pd

    return frame.assign(date=pd.to_datetime(frame["date"]).dt.date)


def _cell(q50, q05, q95, fmt) -> str:
    return f"{fmt(q50)} [{fmt(q05)}, {fmt(q95)}]"


def _pct(v) -> str:
    return f"{100 * v:.1f}%"


def _pp(v) -> str:
    return signed(100 * v, ".1f", "pp")


def _count(v) -> str:
    return number(v)


def _change(v) -> str:
    return signed(v, ",.0f")


def _print(store, plan, ensemble_id) -> None:
    from ..report import ensemble_data as ed

    ens = ed.load(store, ensemble_id, plan.scenario)
    _print_headline(ens)
    effects = bool(plan.without)
    keys = _key_dates(plan)
    reach = _dated(store.bands(ensemble_id, "reach", effects=effects))
    fmt = _pp if effects else _pct
    what = "Change in who had heard it (with − without)" if effects else "Who had heard it"
    show = plan.scenario.display
    for by in ("group", "region"):
        for story in [s.name for s in plan.scenario.stories]:
            table = Table(title=escape(f"{what}, by {by}: {show(story)}"), title_justify="left")
            table.add_column(by)
            for name, day in keys:
                table.add_column(escape(f"{name} {day.isoformat()}"), justify="right")
            rows = reach[(reach["by"] == by) & (reach["story"] == story)]
            for name in ed.names(rows, by, ed.order(ens, by)):
                cells = []
                for _, day in keys:
                    r = rows[(rows["name"] == name) & (rows["date"] == day)]
                    cells.append(_cell(r.q50.iloc[-1], r.q05.iloc[-1], r.q95.iloc[-1], fmt) if len(r) else "")
                table.add_row(escape(show(str(name))), *cells)
            console.print(table)
    table = Table(title=f"Detained by the end{' (with − without)' if effects else ''}", title_justify="left")
    table.add_column("group")
    table.add_column("detained", justify="right")
    for r in ed.detentions(ens, effects=effects).itertuples():
        who = "everyone" if r.name == "all" else show(str(r.name))
        table.add_row(escape(who), _cell(r.q50, r.q05, r.q95, _change if effects else _count))
    console.print(table)
    reports = store.query(f"SELECT report_day FROM replicates WHERE ensemble_id = '{ensemble_id}'")["report_day"]
    fired = reports.dropna()
    triggers = plan.scenario.triggers
    if len(reports) and triggers:
        start = plan.scenario.scenario.start
        name = triggers[0].name if len(triggers) == 1 else "the first trigger's report"
        if len(fired):
            q = fired.quantile([0.05, 0.5, 0.95])
            date = lambda d: date_of(start, round(d)).isoformat()
            console.print(f"{name} went up in {len(fired):,} of {len(reports):,} runs: median {date(q[0.5])} "
                          f"[{date(q[0.05])}, {date(q[0.95])}]", markup=False)
        else:
            console.print(f"no trigger's report went up in any of the {len(reports):,} runs")
    _print_chain(ens, plan)
    _print_letters(ens, plan)


def _print_headline(ens) -> None:
    """The report page's opening sentences (``ensemble_data.summary``), before the tables."""
    from ..report import ensemble_data as ed

    console.print("[bold]In short[/]")
    for line in ed.summary(ens):
        console.print(line, markup=False)
    console.print()


def _print_chain(ens, plan) -> None:
    """The chain of command as the runs went: median date [5%, 95%] of each step, over the runs
    where it happened; a report's threshold in the scenario's terms, and what ``order = "date"`` means."""
    from ..report import ensemble_data as ed
    from .run import threshold_note

    steps = ed.steps(ens)
    if steps.empty:
        return
    notes = {f"report: {t.name}": threshold_note(t.threshold, plan.scale) for t in plan.scenario.triggers}
    if len(plan.scenario.triggers) == 1 and plan.scale != 1:
        notes["report (the first)"] = next(iter(notes.values()))
    table = Table(title="Chain of command: median date [5%, 95%] over the runs where the step happened",
                  title_justify="left")
    for name, justify in (("step", "left"), ("runs", "right"), ("date", "right")):
        table.add_column(name, justify=justify)
    for r in steps.itertuples():
        note = notes.get(r.label) if plan.scale != 1 else None
        table.add_row(escape(r.label + (f" ({note})" if note else "")), f"{r.runs:,} of {ens.runs:,}",
                      ed.dates(ens, r.q50, r.q05, r.q95))
    console.print(table)
    dated = [t for t in plan.scenario.triggers if t.starts]
    if plan.order == "date" and dated:
        console.print(f'order = "date": the measures {", ".join(dated[0].starts)} start on their own dates in the '
                      f"scenario, not on an order after the report (--order trigger: on the order)", markup=False)


def _print_letters(ens, plan) -> None:
    """Where a layer carries letters: the letters written, delivered and caught (with the measures, for a compare)."""
    from ..report import ensemble_data as ed

    letters = ed.letter_table(ens)
    if letters is None:
        return
    table = Table(title=f"Letters over the whole run{' (with every measure)' if plan.without else ''}: "
                  f"median [5%, 95%] over {ens.runs:,} runs", title_justify="left")
    table.add_column(letters.index.name)
    for col in letters.columns:
        table.add_column(col, justify="right")
    for name, row in letters.iterrows():  # "story: layer" when several
        name = ": ".join(plan.scenario.display(part) for part in str(name).split(": "))
        table.add_row(escape(name), *[escape(str(v)) for v in row])
    console.print(table)
    console.print("caught: read by the censor in transit, every one on or after the day its layer's inspection "
                  "began; in the post then: written before that day and neither delivered nor caught by then (or "
                  "lost to a detained reader), the most of the caught that can have been written before it (a run "
                  "does not record when a caught letter was written)")
