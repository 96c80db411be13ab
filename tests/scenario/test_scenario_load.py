"""Loading scenarios: built-ins, files, and one clear ScenarioError per mistake.

Each validation rule documented in docs/scenarios.md has a case here: a small
edit of a valid scenario, the TOML path the message must name, and a piece of
the fix it must give.
"""

from __future__ import annotations

import json

import pytest

from rumormill.errors import ScenarioError
from rumormill.scenario import builtin_names, json_schema, load, loads, validate, with_values
from rumormill.scenario.locate import format_path, key_lines
from rumormill.scenario.show import builtins_text, describe, parameter_values, schema_text


def test_builtins_are_listed_and_load():
    assert "kpa-2025" in builtin_names()
    for name in builtin_names():
        sc = load(name)
        assert sc.name == name
        assert sc.source == f"{name}.toml (built-in)"
    assert "kpa-2025" in builtins_text()


def test_kpa_2025_is_the_documented_case():
    sc = load("kpa-2025")
    info = sc.scenario
    assert str(info.start) == "2024-10-01" and str(info.end) == "2025-04-01" and info.scale == 0.03 and info.runs == 20
    assert sum(sc.population.regions.values()) == 24_052_231  # the 2008 census total
    assert {str(d) for d in info.key_dates.values()} >= {"2025-01-11", "2025-01-23", "2025-02-01"}
    order = {m.name for m in sc.measures if str(m.start) == "2025-02-01"}
    assert order == {"inspect-mail", "punish-units", "detect-units", "indoctrinate-soldiers", "punish-liaison",
                     "detect-liaison", "monitor-families"}
    assert set(sc.triggers[0].starts) == order and sc.triggers[0].order_delay == 9  # Jan 23 -> Feb 1
    assert [st.office for st in sc.triggers[0].stages] == [
        "Ministry of State Security", "the party", "Central Military Commission",
        "General Political Bureau and Military Security Command", "political and security departments"]
    for name, value in parameter_values(sc).items():  # every assumption sits inside its range
        p = sc.parameters[name]
        assert p.low <= value <= p.high, name


def test_every_kpa_assumption_is_commented_and_listed(kpa_text):
    """Each line marked 'assumption' in a table is covered by a [parameters] entry."""
    sc = load("kpa-2025")
    lines = key_lines(kpa_text)
    assumed = {path for path, n in lines.items() if "assumption" in kpa_text.splitlines()[n - 1]
               and path[0] in ("population", "layers", "stories", "measures", "triggers") and isinstance(path[-1], str)}
    data = sc.model_dump()
    from rumormill.scenario.checks import resolve_at

    covered = {resolve_at(data, at)[0] for p in sc.parameters.values() for at in p.places}
    missing = {format_path(p) for p in assumed if p not in covered and p[-1] not in ("name",)}
    assert not missing, f"assumptions without a [parameters] entry: {sorted(missing)}"


def test_load_a_file_and_edge_list_folder(mini_path):
    sc = load(mini_path)
    assert sc.name == "mini" and sc.source == str(mini_path)
    assert sc.folder == str(mini_path.parent.resolve())
    assert load(str(mini_path)).name == "mini"


def test_missing_file_names_it_and_lists_builtins(tmp_path):
    with pytest.raises(ScenarioError, match=r"nope\.toml: no such scenario file.*kpa-2025"):
        load(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="did you mean 'kpa-2025'"):
        load("kpa-2024")
    with pytest.raises(ScenarioError, match="is a folder"):
        load(tmp_path)


def test_not_utf8(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[scenario]\nname = \"\xff\"\n")
    with pytest.raises(ScenarioError, match="bad.toml: not UTF-8"):
        load(bad)


def test_toml_syntax_error_gives_line_and_column(kpa_text):
    text = kpa_text.replace("days = 182", "days = = 182")
    with pytest.raises(ScenarioError) as err:
        loads(text, source="x.toml")
    msg = str(err.value)
    assert msg.startswith("x.toml: not valid TOML") and "line 18, column 8" in msg


def test_not_a_table():
    with pytest.raises(ScenarioError, match="a scenario is a TOML document"):
        validate([1, 2])


# one case per rule: (id, old text, new text, path named, fix named)
KPA_RULES = [
    ("probability above 1", "probability = 0.9 ", "probability = 1.5 ", "measures[3].probability", "give a number in [0, 1]"),
    ("negative probability", "factor = 0.7 ", "factor = -0.2 ", "measures[4].factor", "give a number in [0, 1]"),
    ("negative census count", "Ryanggang = 719_269", "Ryanggang = -5", "population.regions.Ryanggang", ">= 0"),
    ("negative count", "count = 48_000", "count = -48_000", "population.groups[5].count", ">= 0"),
    ("share above 1", "share = 0.05 ", "share = 1.05 ", "population.groups[3].share", "[0, 1]"),
    ("unknown group in a layer", 'b = ["soldier_family"]', 'b = ["soldier_famly"]', "layers[5].b[0]", "did you mean 'soldier_family'"),
    ("unknown group in a measure", 'groups = ["liaison"]\nfactor', 'groups = ["liason"]\nfactor', "measures[7].groups[0]", "did you mean 'liaison'"),
    ("unknown region", '"North Hamgyong", "Ryanggang"]\nrest', '"North Hamyong", "Ryanggang"]\nrest', "population.groups[1].regions[8]", "the regions are"),
    ("band share above 1", "Ryanggang = 0.5 ", "Ryanggang = 1.5 ", "population.groups[0].shares.Ryanggang", "[0, 1]"),
    ("band share missing", '"North Hamgyong" = 0.3 ', "#", "population.groups[0]", "add ['North Hamgyong']"),
    ("band share outside the group", 'Chagang = 0.25 ', 'Chagang = 0.25\nKangwon = 0.1 ', "population.groups[0]", "remove ['Kangwon']"),
    ("share and shares", "[population.groups.shares]", "share = 0.1\n[population.groups.shares]", "population.groups[0]", "exactly one of"),
    ("apart not in the label", 'apart = ["border_resident"]', 'apart = ["soldier"]', "population.labels[0].apart[0]", "must be one of them"),
    ("unknown label", 'by = "inminban"', 'by = "inminbam"', "layers[1].by", "did you mean 'inminban'"),
    ("unknown story", 'story = "captured"', 'story = "capture"', "measures[2].story", "did you mean 'captured'"),
    ("unknown channel", 'channel = "mail"\nprobability', 'channel = "post"\nprobability', "measures[3].channel", "the channels are"),
    ("unknown story in trigger", 'story = "deployment"            # the report', 'story = "deploymnt"  # x', "triggers[0].story", "did you mean 'deployment'"),
    ("check without its household", 'household = "household"         # the found', '# x', "measures[9].household", "indoctrinate = 0.5 needs household"),
    ("unknown household layer", 'household = "household"         # the found', 'household = "houshold"  # x', "measures[9].household", "did you mean 'household'"),
    ("check's first day negative", "first = 14 ", "first = -1 ", "measures[9].first", ">= 0"),
    ("stages against the delay", 'starts = ["inspect-mail"', 'delay = 5\nstarts = ["inspect-mail"', "triggers[0].delay", "the stages take 9 days"),
    ("negative stage", "days = 1                        # assumption, 0-3", "days = -1  # x", "triggers[0].stages[0].days", ">= 0"),
    ("stage without its office", 'office = "the party"', "", "triggers[0].stages[1].office", "missing"),
    ("unknown layer in trigger", 'layer = "neighbourhood"', 'layer = "neighborhood"', "triggers[0].layer", "did you mean 'neighbourhood'"),
    ("trigger starts a missing measure", '"monitor-families"]', '"monitor-familes"]', "triggers[0].starts[6]", "unknown measure"),
    ("date before the calendar", "start = 2024-10-18              # the outside", "start = 2024-09-18  # x", "measures[0].start", "outside the calendar"),
    ("date after the calendar", "start = 2025-02-01              # the joint", "start = 2025-06-01  # x", "measures[3].start", "outside the calendar"),
    ("key date outside", '"joint order" = 2025-02-01', '"joint order" = 2026-02-01', 'scenario.key_dates."joint order"', "outside the calendar"),
    ("observation outside", "date = 2025-01-23", "date = 2023-01-23", "observations[3].date", "outside the calendar"),
    ("duplicate measure", 'name = "punish-liaison"', 'name = "punish-units"', "measures[7].name", "duplicate measure name"),
    ("duplicate layer", 'name = "phone"', 'name = "mail"', "layers[6].name", "duplicate layer name"),
    ("duplicate group", 'name = "deployed_family"', 'name = "soldier_family"', "population.groups[5].name", "duplicate group name"),
    ("unknown measure type", 'type = "deter"\ngroups = ["liaison"]', 'type = "detter"\ngroups = ["liaison"]', "measures[7].type", "choose one of: check, detect, deter, indoctrinate, inflow, inspect, monitor"),
    ("missing measure type", 'type = "deter"\ngroups = ["liaison"]', 'groups = ["liaison"]', "measures[7].type", "missing"),
    ("unknown layer type", 'type = "cliques"', 'type = "clique"', "layers[0].type", "did you mean 'cliques'"),
    ("unknown story model", 'model = "isr"                   #', 'model = "maki"                  #', "stories[0].model", "choose one of"),
    ("missing key", 'channel = "mail"\nprobability', "probability", "measures[3].channel", "add channel = "),
    ("misspelt key", "detain = 0.1 ", "detian = 0.1 ", "measures[3].detian", "did you mean 'detain'"),
    ("misspelt table", "[scenario]\n", "[scenari]\n", "scenari", "did you mean 'scenario'"),
    ("bad engine", 'engine = "daily"', 'engine = "dayly"', "scenario.engine", "did you mean 'daily'"),
    ("quoted date", "start = 2024-10-01", 'start = "2024-10-01"', "scenario.start", "a TOML date"),
    ("string for a number", "days = 182", 'days = "182"', "scenario.days", "a whole number"),
    ("zero scale", "scale = 0.03 ", "scale = 0.0 ", "scenario.scale", "> 0"),
    ("two sizes", "share = 0.05 ", "share = 0.05\ncount = 4 ", "population.groups[3]", "exactly one of"),
    ("rest taken twice", 'regions = ["military camps"]\nshare', 'regions = ["military camps"]\nrest = true\nratio', "population.groups[3]", ""),
    ("groups exceed census", "ratio = 3.0 ", "ratio = 40.0 ", "population.groups[1].rest", "more than its census count"),
    ("parameter outside range", "low = 0.5, high = 0.99", "low = 0.95, high = 0.99", "parameters.liaison_deterrence.at", "outside [low, high]"),
    ("parameter at a missing place", 'at = "layers[market].rate"', 'at = "layers[markt].rate"', "parameters.market_rate.at", "did you mean 'market'"),
    ("reports need a layer", 'layer = "neighbourhood"         #', "#", "triggers[0].layer", 'observe = "reports" needs layer'),
    ("bipartite groups overlap", 'b = ["soldier_family"]', 'b = ["soldier_family", "soldier"]', "layers[5].b", "disjoint"),
    ("blocks size reversed", "size = [20, 40]", "size = [40, 20]", "population.labels[1]", "low <= high"),
    ("region nobody lives in", "Kangwon = 1_477_582", "Kangwon = 1_477_582\nAtlantis = 5", "population.regions.Atlantis", "no group lives in"),
    ("unknown delay", 'dist = "gamma"', 'dist = "lognormal"', "layers[5].delay.dist", "choose one of: discrete, fixed, gamma"),
    ("gamma delay without sd", "sd = 15.0 ", "# ", "layers[5].delay.sd", "missing: add sd"),
    ("negative delay", "mean = 40.0 ", "mean = -4.0 ", "layers[5].delay.mean", "> 0"),
    ("misspelt delay key", "sd = 15.0 ", "sdev = 15.0 ", "layers[5].delay.sdev", "did you mean 'sd'"),
    ("delay weights", 'dist = "gamma"\nmean = 40.0                     # days; letters take 20+ days, often one to '
     'two months each way (Daily NK; RFA): 20-60\nsd = 15.0 ', 'dist = "discrete"\ndays = [20.0, 40.0]\nweights = [1.0]\n#',
     "layers[5].delay", "one weight per delay"),
    ("observation range", "low = 0.01                      # assumption, 1%-50%", "low = 0.9", "observations[2]", "low <= value <= high"),
]


@pytest.mark.parametrize("old, new, path, fix", [r[1:] for r in KPA_RULES], ids=[r[0] for r in KPA_RULES])
def test_each_rule_raises_one_scenario_error_naming_the_path(kpa_text, old, new, path, fix):
    assert old in kpa_text, "the test's anchor text is no longer in kpa-2025.toml"
    with pytest.raises(ScenarioError) as err:
        loads(kpa_text.replace(old, new, 1), source="kpa.toml")
    msg = str(err.value)
    assert type(err.value) is ScenarioError
    assert msg.startswith("kpa.toml")
    assert path in msg, msg
    assert fix in msg, msg


MINI_RULES = [
    ("absolute edge list", 'path = "friends.csv"', 'path = "/etc/friends.csv"', "layers[6].path", "relative"),
    ("edge list outside the folder", 'path = "friends.csv"', 'path = "../friends.csv"', "layers[6].path", "leaves the scenario's folder"),
    ("edge list missing", 'path = "friends.csv"', 'path = "enemies.csv"', "layers[6].path", "no such file"),
    ("url edge list", 'path = "friends.csv"', 'path = "https://example.org/f.csv"', "layers[6].path", "no absolute paths or URLs"),
    ("stop before start", "stop = 2025-01-31", "stop = 2025-01-10", "measures[3].stop", "not after start"),
    ("per itself", 'per = ["soldier"]', 'per = ["family"]', "population.groups[2].per", "its own members"),
    ("blocks of a later label", 'of = "household"', 'of = "unit"', "population.labels[1].of", "declare it before"),
    ("layer joins groups outside its label", 'by = "unit"', 'by = "unit"\ngroups = ["civilian"]', "layers[3].groups", "would link no one"),
    ("groups exceed census", "ratio = 2.0", "ratio = 20.0", "population.groups[0].rest", "more than its census count"),
    ("reach needs a story", 'metric = "reach"\nstory = "b"', 'metric = "reach"', "observations[0].story", "needs story"),
    ("layer only with reports", 'observe = "reports"', 'observe = "detentions"', "triggers[0].layer", "only with"),
    ("bipartite has no groups", 'mean_degree_a = 2.0', 'mean_degree_a = 2.0\ngroups = ["soldier"]', "layers[4].groups", "remove groups"),
    ("name with a dot", 'name = "town"', 'name = "to.wn"', "layers[2].name", "not a valid name"),
    ("region key with a dot", "north = 600", '"no.rth" = 600', 'population.regions."no.rth"', "not a valid name"),
    ("strings for numbers", "mean_degree = 3.0", 'mean_degree = "3"', "layers[2].mean_degree", "should be a number"),
    ("bool for an int", "every = 7", "every = true", "measures[3].every", "a whole number"),
    ("inf rate", "rate = 0.05", "rate = inf", "layers[4].rate", "finite"),
]


@pytest.mark.parametrize("old, new, path, fix", [r[1:] for r in MINI_RULES], ids=[r[0] for r in MINI_RULES])
def test_more_rules_on_the_small_scenario(mini_path, mini_text, old, new, path, fix):
    assert old in mini_text
    mini_path.write_text(mini_text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        load(mini_path)
    msg = str(err.value)
    assert type(err.value) is ScenarioError and msg.startswith(str(mini_path))
    assert path in msg and fix in msg, msg


def test_edge_lists_need_a_file_scenario(mini_text):
    with pytest.raises(ScenarioError, match=r"layers\[6\]\.path.*load the scenario from a file"):
        loads(mini_text)


@pytest.mark.parametrize(
    "old, new, line",
    [
        ("probability = 0.9 ", "probability = 1.5 ", 224),  # a key in an array of tables
        ("detain = 0.1 ", "detian = 0.1 ", 225),  # an unknown key
        ('channel = "mail"\nprobability', "probability", 220),  # a missing key: its table's header
        ('"monitor-families"]', '"monitor-familes"]', 294),  # an element of an array
        ("Ryanggang = 719_269", "Ryanggang = -5", 46),  # a key of a plain table
        ('"joint order" = 2025-02-01', '"joint order" = 2026-02-01', 31),  # a quoted key
    ],
)
def test_line_numbers(kpa_text, old, new, line):
    text = kpa_text.replace(old, new, 1)
    assert text.splitlines()[line - 1].split("=")[0].strip() in (new.split("=")[0].strip(), "[[measures]]", "starts")
    with pytest.raises(ScenarioError, match=rf"kpa\.toml, line {line}, "):
        loads(text, source="kpa.toml")


def test_several_problems_are_listed_in_one_error(kpa_text):
    text = kpa_text.replace("probability = 0.9 ", "probability = 1.5 ").replace("factor = 0.7 ", "factor = 7 ")
    with pytest.raises(ScenarioError) as err:
        loads(text, source="kpa.toml")
    msg = str(err.value)
    assert msg.startswith("kpa.toml: 2 problems:")
    assert "measures[3].probability" in msg and "measures[4].factor" in msg


def test_key_lines_follow_tables_arrays_and_strings():
    text = '[a]\nx = """\n[not.a.header]\n"""\ny = [\n  1,\n  [2, 3],\n  4,\n]\n[[b]]\n[[b]]\n"q r".s = { t = 1 }\n'
    lines = key_lines(text)
    assert lines[("a", "x")] == 2 and lines[("a", "y")] == 5
    assert lines[("a", "y", 1)] == 7 and lines[("a", "y", 2)] == 8
    assert ("not", "a", "header") not in lines and lines[("b", 1, "q r", "s")] == 12
    assert format_path(("b", 1, "q r", "s")) == 'b[1]."q r".s'


def test_json_schema_has_the_tables():
    schema = json.loads(schema_text())
    assert schema == json_schema()
    assert set(schema["properties"]) == {
        "scenario", "population", "layers", "stories", "measures", "triggers", "observations", "parameters", "map",
        "names",
    }
    assert set(schema["required"]) == {"scenario", "population", "layers", "stories"}


def test_with_values_sets_parameters_where_they_are_used():
    sc = load("kpa-2025")
    new = with_values(sc, {"market_degree": 6.0, "unit_size": 80, "family_ratio": 2.5})
    assert [x.mean_degree_a for x in new.layers if x.name == "mail"] == [2.5]
    assert [g.ratio for g in new.population.groups if g.name == "soldier_family"] == [2.5]
    assert [x.mean_degree for x in new.layers if x.name == "market"] == [6.0]
    assert [x.size for x in new.population.labels if x.name == "unit"] == [80]
    assert parameter_values(new)["market_degree"] == 6.0
    with pytest.raises(ScenarioError, match="outside its range"):
        with_values(sc, {"market_degree": 60.0})
    with pytest.raises(ScenarioError, match="did you mean 'market_degree'"):
        with_values(sc, {"market_degre": 6.0})


def test_describe_mentions_every_table():
    text = describe(load("kpa-2025"), scale=0.01)
    for word in ("calendar", "2025-02-01", "240,5", "border_resident", "mail", "inspect-mail", "border-report",
                 "observations", "liaison_share"):
        assert word in text, word
