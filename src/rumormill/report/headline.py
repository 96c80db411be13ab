"""A single run's numbers in words and tables, for the top of its page: who
had heard each story by the question's date, who was detained, when the
report went up and the order came, and, for a compare, what leaving the
measures out changed (with − without, in percentage points).

Every number is read from the run's stored tables through ``data``; the
page's charts draw the same tables, so the sentences, the tables and the
hover text agree. A day here is a row of the stored tables (``day``): row
``d`` holds the end of day ``d - 1`` and is dated so (``RunData.x_rows``).
"""

from __future__ import annotations

import pandas as pd

from . import data
from .data import count, pct, pp, signed


def reach_on(run: data.RunData, day: int, story: str, by: str | None = None) -> pd.Series:
    """Reach of ``story`` on ``day``: one value per name of ``by`` (``agent_group``
    or ``region``, in the run's order), or one value named ``all`` for everyone."""
    frame = data.reach(run, by)
    part = frame[(frame["day"] == day) & (frame["story"] == story)]
    if by is None:
        return pd.Series(part["reach"].to_numpy()[:1], index=["all"][: min(1, len(part))], dtype=float)
    part = part[part[by] != "all"]
    return pd.Series(part["reach"].to_numpy(), index=part[by].to_numpy(), dtype=float)


def reach_table(run: data.RunData, by: str, story: str, days=None) -> pd.DataFrame:
    """Who had heard ``story``, by ``by``: one row per name (identifiers), one
    column per key date and the last day (``label`` and date on two lines), as fractions."""
    days = data.table_days(run) if days is None else days
    columns = {f"{label}\n{run.x_rows([day])[0]}": reach_on(run, day, story, by) for label, day in days}
    return pd.DataFrame(columns)


def detained_on(run: data.RunData, day: int, by: str = "agent_group") -> pd.Series:
    """People detained so far on ``day``, by ``by`` (the run's order)."""
    frame = data.detentions(run, by)
    part = frame[(frame["day"] == day) & (frame[by] != "all")]
    return pd.Series(part["detained"].to_numpy(), index=part[by].to_numpy(), dtype=float)


def detained_table(run: data.RunData, compare: bool = True) -> pd.DataFrame | None:
    """Detained by the last day, by group and everyone (with ``compare``, for a
    compare: with, without and with − without); None when the run has no detentions table."""
    if run.detained.empty:
        return None
    last = detained_on(run, run.last_day)
    table = pd.DataFrame({"detained": last})
    table.loc["all"] = last.sum()
    if compare and run.baseline is not None and not run.baseline.detained.empty:
        base = detained_on(run.baseline, run.baseline.last_day)
        base.loc["all"] = base.sum()
        table = pd.DataFrame({"with": table["detained"], "without": base.reindex(table.index, fill_value=0)})
        table["with − without"] = table["with"] - table["without"]
    return table


def effect_table(run: data.RunData, story: str) -> pd.DataFrame | None:
    """The change in who had heard ``story`` by group, with − without (fractions); None without a baseline."""
    if run.baseline is None:
        return None
    days = data.table_days(run)
    return reach_table(run, "agent_group", story, days) - reach_table(run.baseline, "agent_group", story, days)


def summary(run: data.RunData) -> list[str]:
    """The page's opening sentences, every number from the tables above."""
    label, day = data.question(run)
    when = f"By {run.x_rows([day])[0]}" + (f" ({label})" if label != "last day" else "")
    lines = []
    for story in run.stories:
        groups = reach_on(run, day, story, "agent_group")
        everyone = reach_on(run, day, story)
        heard = f"had heard “{run.name(story)}”"
        if len(groups) > 1:
            top, low = groups.idxmax(), groups.idxmin()
            text = (f"{when}, {pct(groups[top])} of {_people(run, top)} {heard}, against {pct(groups[low])} of "
                    f"{_people(run, low)}")
            lines.append(text + (f"; {pct(everyone.iloc[0])} of everyone." if len(everyone) else "."))
        elif len(everyone):
            lines.append(f"{when}, {pct(everyone.iloc[0])} of everyone {heard}.")
    lines.append(_detained(run))
    lines.extend(_chain(run))
    if run.baseline is not None:
        lines.extend(_effects(run, day, when))
    return [line for line in lines if line]


def _people(run: data.RunData, ident) -> str:
    return data.people(run.info, ident)


def _detained(run: data.RunData) -> str:
    if run.detained.empty:
        return ""
    groups = detained_on(run, run.last_day)
    by = f"By {run.x_rows([run.last_day])[0]}, "
    if groups.sum() == 0:
        return by + "no one was detained."
    top = groups.idxmax()
    return by + f"{count(groups.sum())} people were detained, {count(groups[top])} of them {_people(run, top)}."


def _chain(run: data.RunData) -> list[str]:
    ev = run.events
    if ev.empty:
        return []
    out = []
    reports = ev[ev["kind"] == "report"].sort_values("day", kind="stable")
    orders = ev[ev["kind"] == "order"].sort_values("day", kind="stable")
    if len(reports):
        first = reports.iloc[0]
        trigger, _, why = str(first["detail"] or "report").partition(": ")
        out.append(f"The report ({trigger}) went up on {run.x([first['day']])[0]}" + (f": {why}." if why else "."))
    if len(orders):
        first = orders.iloc[0]
        gap = ""
        if len(reports):
            days = int(first["day"]) - int(reports.iloc[0]["day"])
            gap = f", {days} day{'s' if days != 1 else ''} after the report"
        out.append(f"The order came on {run.x([first['day']])[0]}{gap}.")
    return out


def _effects(run: data.RunData, day: int, when: str) -> list[str]:
    label = compare_labels(run)[1]
    out = []
    for story in run.stories:
        diff = (reach_on(run, day, story, "agent_group") - reach_on(run.baseline, day, story, "agent_group")).dropna()
        if diff.empty:
            continue
        top = diff.abs().idxmax()
        if round(100 * diff[top], 1) == 0:
            out.append(f"{when}, the run {label} differs in no group's reach of “{run.name(story)}” by 0.1 "
                       "percentage points or more.")
        else:
            out.append(f"{when}, the largest change in who had heard “{run.name(story)}” is among "
                       f"{_people(run, top)}: {pp(diff[top])} (with − without).")
    table = detained_table(run)
    if table is not None and "with − without" in table:
        out.append(f"Detentions by {run.x([run.last_day])[0]} (with − without): {signed(table.loc['all', 'with − without'])}.")
    return out


def compare_labels(run: data.RunData) -> tuple[str, str]:
    """How a compare's two runs are named: (``with inspect-mail``, ``without inspect-mail``).

    The baseline's label is the one stored with the compare (``info["compare"]["label"]``);
    the run with every measure is named after what the baseline left out."""
    label = (run.info.get("compare") or {}).get("label") or "without the measures"
    rest = label.removeprefix("without ").strip()
    return (f"with {rest}" if label.startswith("without ") and rest else "with every measure"), label
