"""Checks across tables: names that must exist, dates inside the calendar,
group sizes that add up.

Each problem is ``(path, message)``, where ``path`` is the TOML path of the
offending entry (``("layers", 3, "groups", 1)``) and the message says what is
wrong and how to fix it. ``load`` turns them into one ``ScenarioError``.

The checks every kind of a table shares (names of groups and regions, dates,
unique names) are here; each kind's own are in its entry in ``kinds``.
"""

from __future__ import annotations

import difflib
import re

from .kinds import LABELS, LAYERS, MEASURES, TRIGGER
from .schema import Scenario

Problem = tuple[tuple, str]


def suggest(name: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown(kind: str, name: str, known) -> str:
    known = list(known)
    return f"unknown {kind} {name!r}{suggest(name, known)}; the {kind}s are: {', '.join(map(repr, known)) or 'none'}."


class Checker:
    """A scenario's names by kind, and the problems found so far."""

    def __init__(self, sc: Scenario):
        self.sc = sc
        self.problems: list[Problem] = []
        pop = sc.population
        self.regions = list(pop.regions)
        self.groups = [g.name for g in pop.groups]
        self.labels = [lab.name for lab in pop.labels]
        self.layers = [lay.name for lay in sc.layers]
        self.stories = [s.name for s in sc.stories]
        self.measures = [m.name for m in sc.measures]
        self.triggers = [t.name for t in sc.triggers]

    def add(self, path, message: str) -> None:
        self.problems.append((tuple(path), message))

    def names(self, path, kind: str, given, known) -> None:
        for j, name in enumerate(given or ()):
            if name not in known:
                self.add((*path, j), unknown(kind, name, known))

    def one(self, path, kind: str, name, known) -> None:
        if name is not None and name not in known:
            self.add(path, unknown(kind, name, known))

    unknown = staticmethod(unknown)
    suggest = staticmethod(suggest)

    def label(self, name: str):
        """The label table of that name, or None."""
        return next((lab for lab in self.sc.population.labels if lab.name == name), None)

    def unique(self, table: tuple, names: list[str], kind: str) -> None:
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                where = _fmt((*table, seen[name]))
                self.add((*table, i, "name"),
                         f"duplicate {kind} name {name!r} (also {where}); give each {kind} its own name.")
            seen.setdefault(name, i)

    def date(self, path, day, *, last_ok: bool = True) -> None:
        info = self.sc.scenario
        if day is None:
            return
        if day < info.start or day > info.end or (day == info.end and not last_ok):
            self.add(
                path,
                f"{day} is outside the calendar {info.start} .. {info.end} ([scenario] start = {info.start}, "
                f"days = {info.days}); move it inside, or change start or days.",
            )


def _fmt(path) -> str:
    from .locate import format_path

    return format_path(path)


def check(sc: Scenario) -> list[Problem]:
    """Every cross-table problem of a scenario whose tables are each valid."""
    c = Checker(sc)
    _population(c)
    _layers(c)
    _measures(c)
    _triggers(c)
    _observations(c)
    _parameters(c)
    _map(c)
    _names(c)
    for label, day in sc.scenario.key_dates.items():
        c.date(("scenario", "key_dates", label), day)
    if not any(path[0] == "population" for path, _ in c.problems):
        resolve_sizes(sc, c.problems)
    return c.problems


def _population(c: Checker) -> None:
    pop = c.sc.population
    c.unique(("population", "groups"), c.groups, "group")
    c.unique(("population", "labels"), c.labels, "label")
    used = set()
    rest_in: dict[str, str] = {}
    for i, g in enumerate(pop.groups):
        path = ("population", "groups", i)
        c.names((*path, "regions"), "region", g.regions, c.regions)
        used.update(g.regions)
        if g.per is not None:
            c.names((*path, "per"), "group", g.per, c.groups)
            if g.name in g.per:
                c.add((*path, "per"), f"group {g.name!r} cannot be sized per its own members; name other groups.")
        if g.rest:
            for r in g.regions:
                if r in rest_in:
                    c.add(
                        (*path, "rest"),
                        f"groups {rest_in[r]!r} and {g.name!r} both take the rest of region {r!r}; "
                        "give one of them a share, shares, count or per instead.",
                    )
                rest_in.setdefault(r, g.name)
    for r in c.regions:
        if r not in used:
            c.add(("population", "regions", r),
                  f"no group lives in region {r!r}; list it in a group's regions, or remove it.")
    for i, lab in enumerate(pop.labels):
        LABELS[lab.type].check(c, ("population", "labels", i), lab)


def _layers(c: Checker) -> None:
    c.unique(("layers",), c.layers, "layer")
    for i, lay in enumerate(c.sc.layers):
        path = ("layers", i)
        c.names((*path, "groups"), "group", lay.groups, c.groups)
        c.names((*path, "regions"), "region", lay.regions, c.regions)
        LAYERS[lay.type].check(c, path, lay)


def _measures(c: Checker) -> None:
    c.unique(("measures",), c.measures, "measure")
    for i, m in enumerate(c.sc.measures):
        path = ("measures", i)
        c.date((*path, "start"), m.start, last_ok=False)
        c.date((*path, "stop"), m.stop)
        if m.start is not None and m.stop is not None and m.stop <= m.start:
            c.add((*path, "stop"), f"stop = {m.stop} is not after start = {m.start}; a measure acts on start <= day < stop.")
        MEASURES[m.type].check(c, path, m)


def _triggers(c: Checker) -> None:
    c.unique(("triggers",), c.triggers, "trigger")
    for i, t in enumerate(c.sc.triggers):
        TRIGGER.check(c, ("triggers", i), t)


def _observations(c: Checker) -> None:
    for i, o in enumerate(c.sc.observations):
        path = ("observations", i)
        c.date((*path, "date"), o.date)
        c.one((*path, "story"), "story", o.story, c.stories)
        c.one((*path, "trigger"), "trigger", o.trigger, c.triggers)
        c.names((*path, "groups"), "group", o.groups, c.groups)
        c.names((*path, "regions"), "region", o.regions, c.regions)
        if o.metric == "report" and o.trigger is None:
            c.add((*path, "trigger"), 'metric = "report" needs trigger = "<name>": the trigger whose report this is.')
        if o.metric == "reach" and o.story is None:
            c.add((*path, "story"), 'metric = "reach" needs story = "<name>": the story whose reach this is.')


def _map(c: Checker) -> None:
    """``[map]``: known regions, one tile each, and every region either on the map or listed off it."""
    m = c.sc.map
    if m is None:
        return
    taken: dict[tuple[int, int], str] = {}
    named = [r for r in (*m.tiles, *m.off_map) if r not in c.regions]
    for region, (row, col) in m.tiles.items():
        path = ("map", "tiles", region)
        if region not in c.regions:
            c.add(path, unknown("region", region, c.regions))
        other = taken.setdefault((row, col), region)
        if other != region:
            c.add(path, f"tile [{row}, {col}] is taken by {other!r}; give each region its own tile.")
    seen: set[str] = set()
    for j, region in enumerate(m.off_map):
        path = ("map", "off_map", j)
        if region not in c.regions:
            c.add(path, unknown("region", region, c.regions))
        elif region in m.tiles:
            c.add(path, f"region {region!r} has a tile in [map.tiles] and is listed off the map; keep one of the two.")
        elif region in seen:
            c.add(path, f"region {region!r} is listed off the map twice; list it once.")
        seen.add(region)
    for region in [] if named else c.regions:  # a misspelt name is one problem, not two
        if region not in m.tiles and region not in seen:
            c.add(("map", "tiles"), f"region {region!r} has no tile: give it one ({_fmt((region,))} = [row, column]) "
                                    "or list it in [map] off_map = [...] to draw it apart, below the map.")


def _names(c: Checker) -> None:
    """``[names]``: each key is a group, region, layer or story of the scenario, and
    two groups (regions, layers, stories) never read the same, so a table's rows stay apart."""
    names = c.sc.names
    known = list(dict.fromkeys([*c.groups, *c.regions, *c.layers, *c.stories]))
    for key in names:
        if key not in known:
            c.add(("names", key), f"{key!r} is no group, region, layer or story of this scenario"
                                  f"{suggest(key, known)}; name one of: {', '.join(map(repr, known))}, or drop the line.")
    for kind, idents in (("group", c.groups), ("region", c.regions), ("layer", c.layers), ("story", c.stories)):
        shown: dict[str, str] = {}
        for ident in idents:
            text = names.get(ident, ident)
            other = shown.setdefault(text.casefold(), ident)
            if other != ident:
                key = ident if ident in names else other
                c.add(("names", key), f"{kind}s {other!r} and {ident!r} would both read {text!r}; "
                                      f"give each {kind} its own name.")


def _parameters(c: Checker) -> None:
    data = c.sc.model_dump() if any(p.at for p in c.sc.parameters.values()) else {}
    for name, p in c.sc.parameters.items():
        first = None
        for k, at in enumerate(p.places):
            path = ("parameters", name, "at") + ((k,) if isinstance(p.at, list) else ())
            try:
                _, value = resolve_at(data, at)
            except KeyError as err:
                c.add(path, f"at = {at!r}: {err.args[0]}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                c.add(path, f"at = {at!r} names {value!r}, not a number; point it at a numeric value.")
                continue
            want = p.value if p.value is not None else first
            if want is not None and float(value) != want:
                where = "value" if p.value is not None else f"{p.places[0]}"
                c.add(path, f"{at} = {value:g} but {where} = {want:g}; a parameter has one value: make them agree.")
            elif not p.low <= float(value) <= p.high:
                c.add(path, f"{at} = {value:g} is outside [low, high] = [{p.low:g}, {p.high:g}]; "
                            "widen the range or fix the value.")
            first = float(value) if first is None else first


_TOKEN = re.compile(r'\.?(?:([A-Za-z0-9_\-]+)|"([^"]*)")|\[([^\]]+)\]')


def resolve_at(data: dict, at: str) -> tuple[tuple, object]:
    """Resolve ``"layers[market].mean_degree"`` in ``data``: (path with indices, value).

    A ``[...]`` index is a position or the ``name`` of a table in the array.
    Raises ``KeyError`` with a message saying what is missing.
    """
    node, path, pos = data, (), 0
    while pos < len(at):
        m = _TOKEN.match(at, pos)
        if not m or m.end() == pos:
            raise KeyError(f"cannot read {at!r} from position {pos}; write it like layers[market].mean_degree.")
        pos = m.end()
        key = m.group(1) if m.group(1) is not None else m.group(2)
        if key is not None:
            if not isinstance(node, dict) or key not in node:
                known = list(node) if isinstance(node, dict) else []
                raise KeyError(f"no key {key!r} at {_fmt(path) if path else 'the top'}{suggest(key, known)}.")
            node, path = node[key], (*path, key)
            continue
        index = m.group(3).strip().strip('"')
        if not isinstance(node, list):
            raise KeyError(f"{_fmt(path)} is not an array; [{index}] cannot index it.")
        if index.isdigit() and int(index) < len(node):
            i = int(index)
        else:
            names = [item.get("name") for item in node if isinstance(item, dict)]
            if index not in names:
                raise KeyError(f"{_fmt(path)} has no entry named {index!r}{suggest(index, names)}.")
            i = names.index(index)
        node, path = node[i], (*path, i)
    return path, node


def _split(total: float, regions: list[str], census: dict[str, int]) -> dict[str, int]:
    """``total`` people over ``regions`` in proportion to their census counts (largest remainder)."""
    total = int(round(total))
    weights = [census[r] for r in regions]
    if sum(weights) == 0:
        weights = [1] * len(regions)
    exact = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in exact]
    for k in sorted(range(len(regions)), key=lambda k: out[k] - exact[k])[: total - sum(out)]:
        out[k] += 1
    return dict(zip(regions, out))


def resolve_sizes(sc: Scenario, problems: list[Problem] | None = None) -> dict[tuple[str, str], int]:
    """People per (group, region) at scale 1, in the order groups are declared.

    Shares and counts first, then groups sized ``per`` others, then the
    ``rest`` of each region. Appends to ``problems`` (or raises ``ValueError``
    when none is given) if sizes depend on each other in a loop or the
    groups of a region need more people than its census count.
    """
    out_problems = [] if problems is None else problems
    pop = sc.population
    census = dict(pop.regions)
    groups = {g.name: (i, g) for i, g in enumerate(pop.groups)}
    sizes: dict[str, dict[str, int]] = {}
    pending = list(groups)
    while pending:
        progress = False
        for name in list(pending):
            i, g = groups[name]
            if g.share is not None or g.shares is not None:
                sizes[name] = {r: int(round(g.share_of(r) * census[r])) for r in g.regions}
            elif g.count is not None:
                sizes[name] = _split(g.count, g.regions, census)
            elif g.per is not None:
                if any(p not in sizes for p in g.per):
                    continue
                sizes[name] = _split(g.ratio * sum(sum(sizes[p].values()) for p in g.per), g.regions, census)
            else:
                others = [o for o, (_, og) in groups.items() if o != name and set(og.regions) & set(g.regions)]
                if any(o not in sizes for o in others):
                    continue
                sizes[name] = {}
                for r in g.regions:
                    taken = sum(sizes[o].get(r, 0) for o in others)
                    if taken > census[r]:
                        out_problems.append((
                            ("population", "groups", i, "rest"),
                            f"in region {r!r} the other groups take {taken:,} people, more than its census count "
                            f"{census[r]:,} (population.regions); lower their sizes or raise the count.",
                        ))
                    sizes[name][r] = max(census[r] - taken, 0)
            pending.remove(name)
            progress = True
        if not progress:
            i = groups[pending[0]][0]
            out_problems.append((
                ("population", "groups", i),
                f"the sizes of groups {pending} depend on each other in a loop (through per and rest); "
                "size one of them with share or count.",
            ))
            break
    if problems is None and out_problems:
        raise ValueError(out_problems[0][1])
    return {(g, r): sizes.get(g, {}).get(r, 0) for g in groups for r in census}
