"""Plain-text views of scenarios, for the command line (``rumormill scenarios``,
``rumormill show NAME``, ``rumormill show NAME --plan``, ``rumormill schema``). Each returns a string; the CLI
only prints it. Text from a scenario file (names, notes, descriptions) comes
out with its control characters written as escapes (``\\x1b``): a file must
not be able to drive the terminal that shows it."""

from __future__ import annotations

import json
import textwrap

from ..dates import date_of
from ..engine.calendar import DAY
from ..errors import printable
from .build import delay_of, estimate, plan
from .checks import resolve_at, resolve_sizes
from .kinds import LABELS, LAYERS, MEASURES, STORIES, TRIGGER
from .kinds import listed as _names
from .load import builtin_names, json_schema, load
from .schema import Scenario


#: width of the plan's wrapped lines
WIDTH = 110


def schema_text() -> str:
    """The JSON Schema of a scenario file, indented."""
    return json.dumps(json_schema(), indent=2)


def builtins_text() -> str:
    """One line per built-in scenario: its name and the first sentence of its description."""
    rows = []
    for name in builtin_names():
        sc = load(name)
        first = sc.scenario.description.split(". ")[0].strip().rstrip(".")
        rows.append(f"{name:<16} {sc.scenario.start} + {sc.scenario.days} days  {first}")
    return printable("\n".join(rows))


def parameter_values(sc: Scenario) -> dict[str, float]:
    """Current value of every ``[parameters]`` entry (read where ``at`` points, else ``value``)."""
    data = sc.model_dump()
    out = {}
    for name, p in sc.parameters.items():
        out[name] = float(resolve_at(data, p.places[0])[1]) if p.places else p.value
    return out


def describe(sc: Scenario, scale: float | None = None) -> str:
    """A readable summary of a scenario: calendar, population, layers, stories,
    measures, triggers, observations and parameters, with the size at ``scale``."""
    info = sc.scenario
    scale = info.scale if scale is None else scale
    est = estimate(sc, scale)
    out = [f"{sc.name}: {info.description}", ""]
    out.append(f"calendar   {info.start} .. {info.end} ({info.days} days), engine {info.engine}, "
               f"{info.substeps} steps a day, seed {info.seed}")
    for label, day in info.key_dates.items():
        out.append(f"           {day}  {label}")
    out.append(f"scale      {scale:g}: {est.agents:,} agents, about {est.contacts:,} contacts, "
               f"about {est.nbytes / 2**30:.1f} GiB to build")
    started = sorted({m for t in sc.triggers for m in t.starts})
    if info.order == "trigger":
        out.append(f"order      trigger: {', '.join(started) or 'nothing'} wait for their trigger")
    else:
        out.append("order      date: every measure starts on its date; triggers only report")

    sizes = resolve_sizes(sc)
    out += ["", "population (people at scale 1)"]
    for g in sc.population.groups:
        total = sum(v for (gg, _), v in sizes.items() if gg == g.name)
        out.append(f"  {g.name:<18} {total:>12,}  {_sized(g):<24} in {_names(g.regions)}")
    for lab in sc.population.labels:
        out.append(f"  label {lab.name:<12} {lab.type:<10} {LABELS[lab.type].describe(lab)}")

    out += ["", "layers"]
    for lay in sc.layers:
        extra = LAYERS[lay.type].describe(lay)
        joins = "" if lay.type == "bipartite" else f"; joins {_names(lay.groups)}"
        post = "" if lay.delay is None else f"; letters take {delay_of(lay)}"
        out.append(f"  {lay.name:<14} {lay.type:<9} {lay.channel:<6} rate {lay.rate:<7g} {extra}{joins}{post}")

    out += ["", "stories"]
    for s in sc.stories:
        out.append(f"  {s.name:<14} {s.model:<14} {STORIES[s.model].describe(s)}, initial {s.initial}")

    out += ["", "measures"]
    for m in sc.measures:
        when = f"from {m.start or info.start}" + (f" to {m.stop}" if m.stop else "")
        if info.order == "trigger" and m.name in started:
            when = "when triggered"
        out.append(f"  {m.name:<26} {m.type:<12} {when:<20} {MEASURES[m.type].describe(m)}")

    if sc.triggers:
        out += ["", "triggers"]
        for t in sc.triggers:
            out.append(f"  {t.name}: {TRIGGER.describe(t)}")
            if t.stages:
                out.append("    chain of command: report")
                day = 0
                for st in t.stages:
                    day += st.days
                    out.append(f"      -> {st.office} (+{st.days} d, day {day} after the report)")
    if sc.observations:
        out += ["", "observations"]
        for o in sc.observations:
            rng = [f"{k} {v:g}" for k, v in (("value", o.value), ("low", o.low), ("high", o.high)) if v is not None]
            bounds = f" [{', '.join(rng)}]" if rng else ""
            out.append(f"  {o.date}  {o.what}{bounds}" + (f" ({o.source})" if o.source else ""))
    if sc.parameters:
        out += ["", "parameters"]
        for name, value in parameter_values(sc).items():
            p = sc.parameters[name]
            out.append(f"  {name:<26} {value:<10g} [{p.low:g}, {p.high:g}]  {p.note}")
    return printable("\n".join(out))


def plan_text(sc: Scenario, scale: float | None = None, order: str | None = None) -> str:
    """The day a run of the scenario follows, stage by stage (``engine.calendar.DAY``),
    and under each stage the compiled measures acting in it: name, kind, whom
    they act on, how hard, when, and the random streams they draw from."""
    schedule = plan(sc, scale, order)
    start = sc.scenario.start
    ordered: dict[str, list[str]] = {}
    for t in schedule.triggers:
        for name in t.starts:
            ordered.setdefault(name, []).append(t.name)

    def day(d: int) -> str:
        return f"day {d} ({date_of(start, d).isoformat()})"

    def when(act) -> str:
        parts = [] if act.start is None else [f"from {day(act.start)}"]
        parts += [f"when {t} orders" for t in ordered.get(act.name, [])]
        text = " or ".join(parts) or "never (no date, and no trigger orders it)"
        return text + ("" if act.stop is None else f", until {day(act.stop)}")

    scale = sc.scenario.scale if scale is None else scale
    out = [f"{sc.name}: the day, stage by stage (scale {scale:g}, order {order or sc.scenario.order}; "
           f"day 0 is {start.isoformat()})",
           textwrap.fill("Streams are the daily engine's; the exact engine draws its events from one stream per "
                         "run, and monitors and checks from their own.", WIDTH)]
    for k, stage in enumerate(DAY, 1):
        out += ["", textwrap.fill(f"{k}. {stage.name}: {stage.does}", WIDTH, subsequent_indent="   ")]
        out += [textwrap.fill(part, WIDTH, initial_indent="     - ", subsequent_indent="       ")
                for part in stage.parts]
        if stage.name == "switch":
            for t in schedule.triggers:
                if t.starts:
                    out.append(_item(f"order of {t.name}: {t.delay} days after its report, starts "
                                     f"{', '.join(t.starts)}"))
        for act in schedule.at(stage.name):
            out.append(_item(f"{act.name} ({act.kind}): {act.target}; {act.dose}"))
            out.append(_item(f"{when(act)}; streams {', '.join(act.streams) or 'none of its own (it moves rates)'}",
                             "       "))
        if stage.name == "observe":
            for t in schedule.triggers:
                on = f" on {t.layer} (each reported with {t.report_probability:g})" if t.observe == "reports" else ""
                story = f" of {t.story}" if t.story else ""
                orders = "" if t.starts else " (orders nothing: the measures start on their dates)"
                out.append(_item(f"trigger {t.name}: {t.observe}{on}{story} in {_names(t.regions)} reach "
                                 f"{t.threshold:g} -> report{orders}"))
                if t.observe == "reports":
                    out.append(f"       streams report:{t.name}:DAY")
    return printable("\n".join(out))


def _item(text: str, indent: str = "   ") -> str:
    """One entry of the plan, wrapped, its continuation lines indented under it."""
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent="       ")


def _sized(g) -> str:
    """How a group is sized, in words."""
    if g.rest:
        return "rest"
    if g.share is not None:
        return f"share {g.share:g}"
    if g.shares is not None:
        return "shares " + ", ".join(f"{g.shares[r]:g}" for r in g.regions)
    if g.count is not None:
        return f"count {g.count:,}"
    return f"{g.ratio:g} per {', '.join(g.per)}"
