"""Property tests: any edit of a valid scenario either validates or raises
exactly one ``ScenarioError`` naming the edited entry, never another
exception."""

from __future__ import annotations

import copy
import datetime as dt
import re
import string
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rumormill.errors import RumormillError, ScenarioError
from rumormill.scenario import build, describe, validate
from rumormill.scenario.load import _walk, tomllib
from rumormill.scenario.locate import format_path

#: what ``describe`` may never print raw (tab and newline aside)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
#: tables whose keys are names chosen by the user, not fields
FREE_FORM = {("population", "regions"), ("scenario", "key_dates"), ("parameters",), ("map", "tiles")}


@pytest.fixture(scope="module")
def base(kpa_text):
    data = tomllib.loads(kpa_text)
    validate(copy.deepcopy(data))  # the starting point is valid
    return data


def tables(node, path=()):
    """Paths of every table that is a model (not a free-form name -> value table)."""
    if isinstance(node, dict):
        if path not in FREE_FORM:
            yield path
        for k, v in node.items():
            yield from tables(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from tables(v, (*path, i))


def leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, (*path, k))
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for i, v in enumerate(node):
            yield from leaves(v, (*path, i))
    else:
        yield path


def get(data, path):
    for p in path:
        data = data[p]
    return data


def put(data, path, value):
    get(data, path[:-1])[path[-1]] = value


def expect_error(data, path):
    with pytest.raises(ScenarioError) as err:
        validate(data, source="mutated.toml")
    assert type(err.value) is ScenarioError
    msg = str(err.value)
    assert msg.startswith("mutated.toml") and format_path(path) in msg, (format_path(path), msg)


def model_of(path):
    return _walk((*path, "__probe__"))[1]


@SETTINGS
@given(st.data())
def test_dropping_a_required_key(base, data):
    options = []
    for path in tables(base):
        model = model_of(path)
        if model is None:
            continue
        table = get(base, path)
        options += [(path, k) for k, f in model.model_fields.items() if f.is_required() and k in table]
    path, key = data.draw(st.sampled_from(options))
    mutated = copy.deepcopy(base)
    del get(mutated, path)[key]
    expect_error(mutated, (*path, key))


@SETTINGS
@given(st.data(), st.text(string.ascii_lowercase + "_", min_size=1, max_size=8),
       st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.booleans()))
def test_inserting_an_unknown_key(base, data, suffix, value):
    path = data.draw(st.sampled_from(list(tables(base))))
    key = "x_" + suffix
    mutated = copy.deepcopy(base)
    get(mutated, path)[key] = value
    expect_error(mutated, (*path, key))


@SETTINGS
@given(st.data(), st.integers(max_value=-1))
def test_negative_size(base, data, size):
    paths = [("population", "regions", r) for r in base["population"]["regions"]]
    paths += [("population", "groups", i, "count") for i, g in enumerate(base["population"]["groups"]) if "count" in g]
    path = data.draw(st.sampled_from(paths))
    mutated = copy.deepcopy(base)
    put(mutated, path, size)
    expect_error(mutated, path)


PROBABILITIES = ("probability", "detain", "factor", "acceptance", "report_probability", "share", "indoctrinate")


@SETTINGS
@given(st.data(), st.one_of(st.floats(min_value=1.0001, max_value=1e9), st.floats(min_value=-1e9, max_value=-1e-9),
                            st.just(1.5)))
def test_probability_out_of_range(base, data, value):
    paths = [p for p in leaves(base) if p[-1] in PROBABILITIES and p[0] != "parameters"]
    path = data.draw(st.sampled_from(paths))
    mutated = copy.deepcopy(base)
    put(mutated, path, value)
    expect_error(mutated, path)


@SETTINGS
@given(st.data(), st.text(min_size=0, max_size=12))
def test_unknown_group_in_a_layer(base, data, name):
    known = {g["name"] for g in base["population"]["groups"]}
    name = name if name not in known else name + "?"
    paths = [("layers", i, key, j) for i, lay in enumerate(base["layers"]) for key in ("groups", "a", "b")
             for j in range(len(lay.get(key, [])))]
    path = data.draw(st.sampled_from(paths))
    mutated = copy.deepcopy(base)
    put(mutated, path, name)
    expect_error(mutated, path)


@SETTINGS
@given(st.data(), st.text(min_size=1, max_size=20))
def test_trigger_names_a_missing_measure(base, data, name):
    known = {m["name"] for m in base["measures"]}
    name = name if name not in known else name + "!"
    j = data.draw(st.integers(0, len(base["triggers"][0]["starts"]) - 1))
    mutated = copy.deepcopy(base)
    mutated["triggers"][0]["starts"][j] = name
    expect_error(mutated, ("triggers", 0, "starts", j))


@SETTINGS
@given(st.data(), st.one_of(st.dates(max_value=dt.date(2024, 9, 30)), st.dates(min_value=dt.date(2025, 4, 2))))
def test_date_out_of_calendar(base, data, day):
    paths = [("measures", i, "start") for i, m in enumerate(base["measures"]) if "start" in m]
    paths += [("observations", i, "date") for i in range(len(base["observations"]))]
    paths += [("scenario", "key_dates", k) for k in base["scenario"]["key_dates"]]
    path = data.draw(st.sampled_from(paths))
    mutated = copy.deepcopy(base)
    put(mutated, path, day)
    expect_error(mutated, path)


def test_a_region_renamed_everywhere_but_the_map(base):
    """The map still names the old region: the error points at its tile."""
    mutated = copy.deepcopy(base)
    regions = mutated["population"]["regions"]
    regions["Kangwon Province"] = regions.pop("Kangwon")
    for group in mutated["population"]["groups"]:
        group["regions"] = ["Kangwon Province" if r == "Kangwon" else r for r in group["regions"]]
        if "shares" in group and "Kangwon" in group["shares"]:
            group["shares"]["Kangwon Province"] = group["shares"].pop("Kangwon")
    expect_error(mutated, ("map", "tiles", "Kangwon"))


@SETTINGS
@given(st.data(), st.integers(max_value=-1) | st.integers(min_value=100))
def test_a_tile_off_the_grid(base, data, index):
    region = data.draw(st.sampled_from(list(base["map"]["tiles"])))
    axis = data.draw(st.sampled_from([0, 1]))
    mutated = copy.deepcopy(base)
    mutated["map"]["tiles"][region][axis] = index
    expect_error(mutated, ("map", "tiles", region, axis))


def nested(depth: int) -> list:
    """An array ``depth`` arrays deep (built without recursion)."""
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


#: values that pass a type check but not a build, by the type they replace:
#: huge finite numbers, far dates, control characters
HUGE_FLOATS = st.floats(min_value=1e15, max_value=sys.float_info.max) | st.floats(-sys.float_info.max, -1e15)
HUGE_INTS = st.integers(min_value=10**12, max_value=10**30) | st.integers(min_value=-10**30, max_value=-10**12)
FAR_DATES = st.dates(min_value=dt.date(9000, 1, 1)) | st.dates(max_value=dt.date(100, 1, 1))
CONTROL_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from("\x7f\x9b\u202e\u2066"),
                       min_size=1, max_size=6)
EXTREMES = st.one_of(HUGE_FLOATS, HUGE_INTS, FAR_DATES, CONTROL_TEXT)
EXTREME_FOR = {float: HUGE_FLOATS, int: HUGE_INTS, dt.date: FAR_DATES, str: CONTROL_TEXT}
#: arrays nested hundreds deep (a 100,000-deep one, in TOML text, is in test_scenario_limits.py)
DEEP = st.integers(100, 900).map(nested)

TOML_VALUES = st.recursive(
    st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.text(max_size=8), st.booleans(),
              st.dates(), st.datetimes(), EXTREMES),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), st.one_of(TOML_VALUES, DEEP))
def test_any_value_anywhere_gives_a_scenario_or_a_scenario_error(base, data, value):
    path = data.draw(st.sampled_from(list(leaves(base))))
    mutated = copy.deepcopy(base)
    put(mutated, path, value)
    try:
        validate(mutated, source="mutated.toml")
    except ScenarioError as err:
        assert type(err) is ScenarioError and str(err).startswith("mutated.toml")


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_extreme_values_build_and_run_or_give_one_error(mini_path, mini_text, data):
    """Past validation nothing may overflow: the small scenario with one extreme
    value either builds, describes itself and runs a day, or raises one
    ``RumormillError`` that names the file; nothing it prints drives the terminal."""
    base = tomllib.loads(mini_text)
    path = data.draw(st.sampled_from(list(leaves(base))))
    value = data.draw(EXTREME_FOR.get(type(get(base, path)), EXTREMES) | DEEP)
    mutated = copy.deepcopy(base)
    put(mutated, path, value)
    try:
        sc = validate(mutated, source="mutated.toml", folder=str(mini_path.parent))
        shown = describe(sc)
        build(sc).run(days=1)
    except RumormillError as err:
        assert str(err).startswith("mutated.toml") or "scale = 1" in str(err), (format_path(path), str(err))
        return
    assert not CONTROL.search(shown), format_path(path)


DELAY_TABLES = st.dictionaries(
    st.sampled_from(["dist", "days", "mean", "sd", "weights", "speed"]),
    st.one_of(st.sampled_from(["fixed", "gamma", "discrete", "lognormal"]), st.floats(), st.integers(-5, 10**6),
              st.lists(st.one_of(st.floats(-1.0, 1e6), st.integers(-1, 10)), max_size=3), st.text(max_size=4)),
    max_size=5)


@SETTINGS
@given(DELAY_TABLES)
def test_any_delay_table_gives_a_delay_or_an_error_naming_it(base, delay):
    from rumormill.scenario.build import delay_of

    mutated = copy.deepcopy(base)
    mail = next(k for k, lay in enumerate(mutated["layers"]) if lay["name"] == "mail")
    mutated["layers"][mail]["delay"] = delay
    try:
        sc = validate(mutated, source="mutated.toml")
    except ScenarioError as err:
        # the delay itself, or a parameter that reads it
        assert type(err) is ScenarioError and f"layers[{mail}].delay" in str(err) or "mail_delay" in str(err), err
    else:
        assert delay_of(sc.layers[mail]).mean >= 0.0


CHECK_KEYS = st.dictionaries(
    st.sampled_from(["every", "first", "probability", "detain", "indoctrinate", "household"]),
    st.one_of(st.integers(-5, 10**6), st.floats(), st.text(max_size=10), st.sampled_from(["household", "unit", "mail"]),
              st.none()),
    max_size=4)


@SETTINGS
@given(CHECK_KEYS)
def test_any_check_gives_a_check_or_an_error_naming_it(base, keys):
    """The families' check with any of its keys changed (None: removed) validates, or its error names it."""
    from rumormill.measures import Check

    mutated = copy.deepcopy(base)
    k = next(i for i, m in enumerate(mutated["measures"]) if m["type"] == "check")
    for key, value in keys.items():
        if value is None:
            mutated["measures"][k].pop(key, None)
        else:
            mutated["measures"][k][key] = value
    try:
        sc = validate(mutated, source="mutated.toml")
    except ScenarioError as err:
        # the check itself, or a parameter that reads it
        assert type(err) is ScenarioError and (f"measures[{k}]" in str(err) or "family_" in str(err)), err
    else:
        built = build(sc, scale=0.0002)
        (check,) = [m for m in built.measures if isinstance(m, Check)]
        assert check.every >= 1 and check.first >= 0 and (check.indoctrinate == 0 or check.household)


STAGES = st.lists(st.dictionaries(st.sampled_from(["office", "days", "note", "when"]),
                                  st.one_of(st.integers(-5, 40_000), st.floats(), st.text(max_size=8))),
                  max_size=4)


@SETTINGS
@given(STAGES, st.one_of(st.none(), st.integers(-1, 20)))
def test_any_chain_of_command_gives_a_trigger_or_an_error_naming_it(base, stages, delay):
    """Any stages (with or without a delay beside them) validate to a trigger whose delay is their sum, or
    fail with an error naming the trigger (or a parameter that reads a stage)."""
    mutated = copy.deepcopy(base)
    trigger = mutated["triggers"][0]
    trigger["stages"] = stages
    if delay is not None:
        trigger["delay"] = delay
    try:
        sc = validate(mutated, source="mutated.toml")
    except ScenarioError as err:
        assert type(err) is ScenarioError and ("triggers[0]" in str(err) or "stage_" in str(err)), err
    else:
        (t,) = build(sc, scale=0.0002, order="trigger").triggers
        assert t.delay == (delay if delay is not None else sum(s["days"] for s in stages))
        assert [office for office, _ in t.stages] == [s["office"] for s in stages]
