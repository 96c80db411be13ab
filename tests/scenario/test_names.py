"""The ``[names]`` table: the names people read for groups, regions, layers
and stories. Display only: no result and no content hash depends on it;
each mistake is one located line."""

from __future__ import annotations

import pytest

from rumormill.errors import ScenarioError
from rumormill.results import content_hash
from rumormill.scenario import load, loads, with_values

#: two groups, two regions, one layer, one story
TINY = """\
[scenario]
name = "tiny"
start = 2025-01-01
days = 10

[population.regions]
north = 600
"south coast" = 400

[[population.groups]]
name = "people"
regions = ["north", "south coast"]
rest = true

[[population.groups]]
name = "guard"
regions = ["north"]
share = 0.1

[[layers]]
name = "town"
type = "random"
groups = ["people", "guard"]
mean_degree = 4.0
rate = 0.2

[[stories]]
name = "news"
model = "isr"
rate = 1.0
stifle = 0.4
initial = 4
"""
NAMES = '\n[names]\npeople = "townspeople"\nguard = "border guards"\ntown = "the market square"\nnews = "the news"\n'


def error(text: str) -> str:
    with pytest.raises(ScenarioError) as err:
        loads(text, source="n.toml")
    return str(err.value)


def line_of(text: str, start: str) -> int:
    return max(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_names_load_and_are_no_part_of_the_content():
    plain, named = loads(TINY), loads(TINY + NAMES)
    assert plain.names == {} and plain.display("guard") == "guard"
    assert named.display("guard") == "border guards" and named.display("north") == "north"
    assert content_hash(named) == content_hash(plain)  # renaming keeps stored runs matched
    assert with_values(load("kpa-2025"), {"telling_rate": 0.3}).names == load("kpa-2025").names


def test_kpa_2025_names_every_group_layer_and_story():
    sc = load("kpa-2025")
    for ident in [g.name for g in sc.population.groups] + [lay.name for lay in sc.layers] + [s.name for s in sc.stories]:
        assert ident in sc.names, ident
    assert sc.display("border_resident") == "border residents"


@pytest.mark.parametrize("line, key, words", [
    ('gaurd = "guards"', "gaurd", "'gaurd' is no group, region, layer or story of this scenario (did you mean "
                                  "'guard'?); name one of: 'people', 'guard', 'north', 'south coast', 'town', 'news'"),
    ('guard = " guards"', "guard", 'a display name is one line with no blank at either end; write "guards".'),
    ('guard = "two\\nlines"', "guard", 'write "two lines".'),
    ('guard = ""', "guard", "too short"),
    ('guard = "townspeople"', "guard",
     "groups 'people' and 'guard' would both read 'townspeople'; give each group its own name."),
    ('guard = "Townspeople"', "guard", "groups 'people' and 'guard' would both read 'Townspeople'"),
])
def test_a_bad_name_gives_one_located_line(line, key, words):
    text = TINY + '\n[names]\npeople = "townspeople"\n' + line + "\n"
    msg = error(text)
    assert msg.startswith(f"n.toml, line {line_of(text, key)}, names.{key}: ") and words in msg, msg
    assert "\n" not in msg


def test_a_group_and_a_region_may_read_the_same():
    """Kinds are apart in every table, so only names of one kind must differ."""
    sc = loads(TINY + '\n[names]\nguard = "the north"\nnorth = "the north"\n')
    assert sc.display("guard") == sc.display("north") == "the north"
