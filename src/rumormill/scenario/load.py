"""Read a scenario: TOML text -> validated ``Scenario``, or one clear error.

Every problem becomes one ``ScenarioError`` whose message names the file,
the line (best effort), the TOML path of the entry (``measures[2].probability``)
and the fix. A scenario file is data only: it is parsed with ``tomllib``,
never evaluated, and the only files it may name are edge lists beside it.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..errors import ScenarioError
from .checks import Problem, check, resolve_at, suggest
from .locate import format_path, key_lines, line_of
from .schema import MAX_RATE, REGISTRIES, Scenario

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

BUILTIN_PACKAGE = __package__ + ".builtin"
#: problems listed in one error before "and N more"
MAX_LISTED = 8


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with rumormill (``load`` accepts them)."""
    return sorted(p.name[:-5] for p in resources.files(BUILTIN_PACKAGE).iterdir() if p.name.endswith(".toml"))


def load(what) -> Scenario:
    """Load a scenario from a TOML file, or a built-in one by name.

    Parameters
    ----------
    what : str or Path
        A path to a ``.toml`` file, or a built-in name such as ``"kpa-2025"``
        (see ``builtin_names()``).

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, invalid TOML, or an invalid scenario;
        the message names the file, the line and the entry, and the fix.

    Examples
    --------
    >>> load("kpa-2025").name
    'kpa-2025'
    """
    if isinstance(what, str) and not what.endswith(".toml") and "/" not in what and what in builtin_names():
        res = resources.files(BUILTIN_PACKAGE).joinpath(f"{what}.toml")
        folder = str(Path(str(res)).parent) if Path(str(res)).is_file() else None
        return loads(res.read_text(encoding="utf-8"), source=f"{what}.toml (built-in)", folder=folder)
    path = Path(what)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        names = builtin_names()
        hint = suggest(str(what), names)
        raise ScenarioError(
            f"{path}: no such scenario file{hint}; give the path of a .toml file, or a built-in "
            f"scenario: {', '.join(names)}."
        ) from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder; give the path of a scenario .toml file.") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8.") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot be read ({err.strerror}); check its permissions.") from None
    return loads(text, source=str(path), folder=str(path.resolve().parent))


def loads(text: str, source: str = "<string>", folder: str | None = None) -> Scenario:
    """Parse and validate scenario TOML ``text``; ``folder`` is where edge lists are looked up."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(
            f"{source}: not valid TOML: {err}. Fix the syntax there (common slips: a string without "
            "quotes, a missing comma in an array, or the same key set twice)."
        ) from None
    except RecursionError:
        raise ScenarioError(_too_deep(source, text)) from None
    return validate(data, source=source, text=text, folder=folder)


#: arrays and inline tables nested deeper than this are refused (a scenario needs three levels)
MAX_DEPTH = 64


def _too_deep(source: str, text: str) -> str:
    """Where arrays or inline tables first nest deeper than ``MAX_DEPTH`` (strings and comments skipped)."""
    depth, quote = 0, None
    for n, line in enumerate(text.splitlines(), start=1):
        i = 0
        while i < len(line):
            c = line[i]
            if quote:
                if c == "\\" and quote == '"':
                    i += 1
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == "#":
                break
            elif c in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return (f"{source}, line {n}: arrays or tables nest more than {MAX_DEPTH} deep here; a scenario "
                            "needs at most three levels: flatten the value.")
            elif c in "]}":
                depth = max(depth - 1, 0)
            i += 1
    return f"{source}: arrays or tables nest too deeply to read; a scenario needs at most three levels: flatten them."


def validate(data: dict, source: str = "<dict>", text: str | None = None, folder: str | None = None) -> Scenario:
    """Validate parsed TOML (a dict) into a ``Scenario``, or raise one ``ScenarioError``."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a TOML document (a table), not {type(data).__name__}.")
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_report(source, text, data, [_problem(e, data) for e in err.errors()])) from None
    except RecursionError:
        raise ScenarioError(_too_deep(source, text or "")) from None
    sc._source = source
    sc._folder = folder
    problems = check(sc)
    if problems:
        raise ScenarioError(_report(source, text, data, problems))
    return sc


def json_schema() -> dict:
    """The JSON Schema of a scenario file (for editors and other tools)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "rumormill scenario"
    schema["description"] = "A rumormill scenario file (TOML); see docs/scenarios.md."
    return schema


def with_values(sc: Scenario, values: dict) -> Scenario:
    """A copy of ``sc`` with some ``[parameters]`` set, written where their ``at`` points.

    >>> sc = with_values(load("kpa-2025"), {"market_degree": 6.0})
    >>> [lay.mean_degree for lay in sc.layers if lay.name == "market"]
    [6.0]
    """
    data = sc.model_dump()
    for name, value in values.items():
        if name not in sc.parameters:
            raise ScenarioError(f"{sc.source}: unknown parameter {name!r}{suggest(name, sc.parameters)}; "
                                f"the parameters are: {', '.join(sc.parameters)}.")
        p = sc.parameters[name]
        if not p.low <= value <= p.high:
            raise ScenarioError(f"{sc.source}: parameter {name} = {value:g} is outside its range [{p.low:g}, {p.high:g}].")
        for at in p.places:
            path, old = resolve_at(data, at)
            node = data
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = int(value) if isinstance(old, int) and float(value).is_integer() else float(value)
        data["parameters"][name]["value"] = float(value)
    # the map and the names are left out of dumps (they change no result, nor the content hash): carry them over
    return validate(data, source=sc.source, folder=sc.folder).model_copy(update={"map": sc.map, "names": sc.names})


# ------------------------------------------------------- error messages


def _report(source: str, text: str | None, data: dict, problems: list[Problem]) -> str:
    lines = key_lines(text) if text else {}

    def one(path, message) -> str:
        n = line_of(lines, path)
        where = f"line {n}, " if n else ""
        return f"{where}{format_path(path)}{_named(data, path)}: {message}"

    if len(problems) == 1:
        return f"{source}, {one(*problems[0])}"
    shown = [f"  - {one(*p)}" for p in problems[:MAX_LISTED]]
    more = [f"  ... and {len(problems) - MAX_LISTED} more"] if len(problems) > MAX_LISTED else []
    return "\n".join([f"{source}: {len(problems)} problems:", *shown, *more])


def _named(data, path) -> str:
    """`` (measure "inspect-mail")`` when the path runs through a named table of an array."""
    node, label = data, ""
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                label = node["name"]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            break
    return f" ({label!r})" if label else ""


def _unwrap(t):
    """Strip Optional and plain Annotated; return (type, constraints seen, tagged-union map or None)."""
    meta: list = []
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            base, *extra = typing.get_args(t)
            for m in extra:
                if isinstance(m, FieldInfo) and m.discriminator:
                    members = typing.get_args(base)
                    tags = {typing.get_args(c.model_fields[m.discriminator].annotation)[0]: c for c in members}
                    return base, meta, (m.discriminator, tags)
                meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            t = base
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if len(args) != 1:
                return t, meta, None
            t = args[0]
        else:
            return t, meta, None


def _walk(loc):
    """Follow a pydantic error location through the models.

    Returns (TOML path, model holding the last key, field of the last key,
    constraints of that field, tagged-union info at the end or None). Union
    tags that pydantic puts in locations are dropped from the path.
    """
    t, path, model, field, meta, tagged = Scenario, [], None, None, [], None
    for elem in loc:
        if elem == "[key]":  # the error is in the key itself, already on the path
            t = None
            continue
        t, more, tagged = _unwrap(t)
        meta += more
        if tagged is not None:
            t = tagged[1].get(elem)
            tagged = None
            continue
        if isinstance(t, type) and issubclass(t, BaseModel):
            model, field = t, t.model_fields.get(elem)
            meta = list(field.metadata) if field else []
            t = field.annotation if field else None
        elif typing.get_origin(t) is list:
            t = typing.get_args(t)[0]
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        else:
            t = None
        path.append(elem)
    if t is not None:
        t, more, tagged = _unwrap(t)
        meta += more
    return tuple(path), model, field, meta, tagged


_TOML_TYPES = [(bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
               (dt.datetime, "a date-time"), (dt.date, "a date"), (dt.time, "a time"), (list, "an array"), (dict, "a table")]

_EXPECTED = {
    "int_type": "a whole number (an integer, no decimal point)",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": 'a string in quotes, e.g. "name"',
    "date_type": "a TOML date such as 2025-02-01 (without quotes)",
    "list_type": 'an array, e.g. ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def _kind(value) -> str:
    for cls, name in _TOML_TYPES:
        if isinstance(value, cls):
            if cls is dt.date and isinstance(value, dt.datetime):
                continue
            return name
    return type(value).__name__


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (int, float, dt.date, dt.time)):
        return str(value)
    return _kind(value)


def _problem(e: dict, data: dict) -> Problem:
    path, model, field, meta, tagged = _walk(e["loc"])
    kind, ctx, got = e["type"], e.get("ctx") or {}, e.get("input")
    key = path[-1] if path else ""
    if kind == "missing":
        what = f" ({field.description})" if field is not None and field.description else ""
        return path, f"missing: add {key} = <value>{what} to the {format_path(path[:-1])} table."
    if kind == "extra_forbidden":
        allowed = list(model.model_fields) if model else []
        return path, (
            f"unknown key {key!r}{suggest(key, allowed)}; remove it or fix its name. "
            f"The keys of this table are: {', '.join(allowed)}."
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        disc = ctx.get("discriminator", "'type'").strip("'")
        registry = REGISTRIES.get(next((p for p in reversed(path) if isinstance(p, str)), ""))
        names = registry.names() if registry else []
        what = registry.kind if registry else "table"
        if kind == "union_tag_not_found":
            return (*path, disc), f"missing: add {disc} = \"<{what} type>\", one of: {', '.join(names)}."
        tag = str(ctx.get("tag"))
        return (*path, disc), f'"{tag}" is not a {what} type{suggest(tag, names)}; choose one of: {", ".join(names)}.'
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        lo = [m.ge for m in meta if hasattr(m, "ge")]
        hi = [m.le for m in meta if hasattr(m, "le")]
        if lo == [0.0] and hi == [1.0]:
            return path, f"{_show(got)} is not a probability: give a number in [0, 1]."
        if hi == [MAX_RATE] and kind == "less_than_equal":
            return path, (f"{_show(got)} is too fast: a rate is per day, at most {MAX_RATE:g} (an event every "
                          f"{86_400 / MAX_RATE:g} seconds); give a rate per day <= {MAX_RATE:g}.")
        op = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "")
        bound = f"{bound:,.12g}" if isinstance(bound, (int, float)) and not isinstance(bound, bool) else bound
        what = "a size" if key in ("count",) or str(key) in _region_names(data) else "it"
        return path, f"{_show(got)} is out of range: {what} must be {op} {bound}; give a value {op} {bound}."
    if kind in _EXPECTED:
        what = f"this is {_kind(got)}" if isinstance(got, (list, dict)) else f"{_show(got)} is {_kind(got)}"
        return path, f"{what}, but it should be {_EXPECTED[kind]}."
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
        return path, f"{_show(got)} is not allowed{suggest(got, options)}; choose one of {expected}."
    if kind == "string_pattern_mismatch" and path[:1] == ("names",):
        fixed = " ".join(str(got).split())
        return path, ("a display name is one line with no blank at either end"
                      + (f'; write "{fixed}".' if fixed else "; give it some words."))
    if kind == "string_pattern_mismatch":
        return path, (f"{_show(got)} is not a valid name: start with a letter or digit, "
                      "then use letters, digits, spaces, _ and -.")
    unit = "characters." if kind.startswith("string") else "entries."
    if kind in ("too_short", "string_too_short"):
        return path, f"{_show(got)} is too short: give at least {ctx.get('min_length', 1)} {unit}"
    if kind in ("too_long", "string_too_long"):
        return path, f"{_show(got)} is too long: give at most {ctx.get('max_length')} {unit}"
    if kind == "finite_number":
        return path, f"{_show(got)} is not a finite number; give an ordinary number (no inf or nan)."
    if kind == "value_error":
        msg = e["msg"].removeprefix("Value error, ")
        return path, msg[:1].upper() + msg[1:] + ("" if msg.endswith(".") else ".")
    return path, f"{_show(got)}: {e['msg']}."


def _region_names(data) -> set:
    try:
        return set(data["population"]["regions"])
    except (KeyError, TypeError):
        return set()


__all__ = ["builtin_names", "json_schema", "load", "loads", "validate", "with_values"]